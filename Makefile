# custval: every target installs into .venv first (created when missing).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CONFIG ?= custval.yml

.PHONY: report test sample bench install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,bench]"
	@touch $(STAMP)

install: $(STAMP)

# Until the report runner lands, the report is the data check of the configured inputs.
report: $(STAMP)
	$(BIN)/custval validate --config $(CONFIG) --out reports/validate

test: $(STAMP)
	$(BIN)/python -m pytest

sample: $(STAMP)
	$(BIN)/custval sample --out data/sample

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_summarize.py

clean:
	rm -rf reports/validate .pytest_cache
