# custval: every target installs into .venv first (created when missing).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SPARK_STAMP := $(VENV)/.spark-stamp
CONFIG ?= custval.yml

.PHONY: report test sample templates exercises lab bench install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,bench]"
	@touch $(STAMP)

# PySpark (about 300 MB) only for the tests and benchmarks, which check Spark against DuckDB.
$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[spark]"
	@touch $(SPARK_STAMP)

install: $(STAMP)

# Runs every notebook on the configured data (the sample by default) into reports/<run>/;
# the last line printed is the path of the run's index.html.
report: $(STAMP)
	@$(BIN)/custval report --config $(CONFIG) --out reports

test: $(SPARK_STAMP)
	$(BIN)/python -m pytest

sample: $(STAMP)
	$(BIN)/custval sample --out data/sample

templates: $(STAMP)
	$(BIN)/python -c "from custval.questionnaires import write_templates; write_templates('data/templates')"
	$(BIN)/python -c "from custval.exercises import write_templates; write_templates('data/exercises')"

# Hand-out versions of the exercise notebooks (cells tagged `solution` removed) in build/exercises/.
exercises: $(STAMP)
	$(BIN)/python -c "from custval.exercises import handouts; handouts('notebooks/exercises', 'build/exercises')"
	@echo build/exercises

# JupyterLab for students: answers/ gets a copy of every exercise template that is not there yet.
lab: $(STAMP)
	@mkdir -p answers
	@for f in data/exercises/templates/*.xlsx; do test -e "answers/$${f##*/}" || cp "$$f" answers/; done
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/exercises

# One table of every DESIGN.md target (the Spark row needs Java; skipped without it);
# bench_summarize.py and bench_fit.py give the detail of those two steps.
bench: $(SPARK_STAMP)
	$(BIN)/python benchmarks/bench_all.py

clean:
	rm -rf .pytest_cache build
