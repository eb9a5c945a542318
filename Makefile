# custval: every target installs into .venv first (created when missing).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CONFIG ?= custval.yml

.PHONY: report test sample templates bench install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,bench]"
	@touch $(STAMP)

install: $(STAMP)

# Runs every notebook on the configured data (the sample by default) into reports/<run>/;
# the last line printed is the path of the run's index.html.
report: $(STAMP)
	@$(BIN)/custval report --config $(CONFIG) --out reports

test: $(STAMP)
	$(BIN)/python -m pytest

sample: $(STAMP)
	$(BIN)/custval sample --out data/sample

templates: $(STAMP)
	$(BIN)/python -c "from custval.questionnaires import write_templates; write_templates('data/templates')"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_summarize.py
	$(BIN)/python benchmarks/bench_fit.py

clean:
	rm -rf .pytest_cache build
