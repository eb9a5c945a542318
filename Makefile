# custval: every target installs into .venv first (created when missing).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SPARK_STAMP := $(VENV)/.spark-stamp
CONFIG ?= custval.yml

.PHONY: report test lint sample templates exercises lab lab-teacher handin bench install clean

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

test: $(SPARK_STAMP) lint
	$(BIN)/python -m pytest

# Formatting and lint (ruff, configured in pyproject.toml); `ruff format .` fixes the first.
lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

sample: $(STAMP)
	$(BIN)/custval sample --out data/sample

templates: $(STAMP)
	$(BIN)/python -c "from custval.questionnaires import write_templates; write_templates('data/templates')"
	$(BIN)/python -c "from custval.exercises import write_templates; write_templates('data/exercises')"

# Hand-outs: the exercise notebooks without the cells tagged `solution` (the model answers), reading
# answers/ by default. They sit in build/exercises/, as deep as the originals.
HANDOUTS := build/exercises
handouts = $(BIN)/python -c "from custval.exercises import handouts; handouts('notebooks/exercises', '$(HANDOUTS)', answers='../../answers', keep=$(1))"
JUPYTER_LAB = $(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root)

# Rebuilds every hand-out from scratch (what a teacher hands out).
exercises: $(STAMP)
	$(call handouts,False)
	@echo $(HANDOUTS)

# JupyterLab for students on the hand-outs: answers/ gets a copy of every exercise template that is
# not there yet; hand-outs already in build/exercises/ are kept (with what you typed into them).
lab: $(STAMP)
	@mkdir -p answers
	@for f in data/exercises/templates/*.xlsx; do test -e "answers/$${f##*/}" || cp "$$f" answers/; done
	@$(call handouts,True)
	$(JUPYTER_LAB) $(HANDOUTS)

# JupyterLab for teachers on the original notebooks, model answers included.
lab-teacher: $(STAMP)
	$(JUPYTER_LAB) notebooks/exercises

# A student's hand-in: the hand-outs run on answers/ into reports/<NAME>/ (make handin NAME=S2024001).
handin: $(STAMP)
	@test -n "$(NAME)" || { echo "usage: make handin NAME=<学号 student number>" >&2; exit 2; }
	@test -d answers || { echo "no answers/ folder: run make lab first" >&2; exit 2; }
	@$(call handouts,True)
	$(BIN)/custval report --config handin.yml --name $(NAME)

# One table of every DESIGN.md target (the Spark row needs Java; skipped without it), then the report
# at 1 M and 10 M lines against summarize (bench_report.py; data cached in the temp folder; ~20 min today);
# bench_summarize.py and bench_fit.py give the detail of those two steps.
# Options go in BENCH_ARGS, e.g. make bench BENCH_ARGS="--report-sizes 1M" (none: no report rows).
bench: $(SPARK_STAMP)
	$(BIN)/python benchmarks/bench_all.py $(BENCH_ARGS)

clean:
	rm -rf .pytest_cache build
