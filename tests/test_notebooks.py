"""The committed notebooks: no outputs, kernel python3, a parameters cell with exactly the parameters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest

from custval.config import DEFAULT_PARAMETERS, OPTIONAL_RUNNER_PARAMETERS, RUNNER_PARAMETERS

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))
NBSTRIPOUT = Path(sys.executable).parent / "nbstripout"


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS if p.parent.name == "notebooks"][:1] == ["00_data_quality.ipynb"]


def test_notebooks_are_committed_without_outputs():
    result = subprocess.run([str(NBSTRIPOUT), "--verify", *map(str, NOTEBOOKS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_kernelspec_is_python3(path):
    assert nbformat.read(path, as_version=4).metadata.kernelspec.name == "python3"


REPORTS = [p for p in NOTEBOOKS if p.parent.name == "notebooks"]


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name)
def test_first_cell_declares_known_parameters_with_help(path):
    nb = nbformat.read(path, as_version=4)
    assert "parameters" in nb.cells[0].metadata.get("tags", [])
    declared = papermill.inspect_notebook(str(path))
    assert {"lang", "as_of", "anonymize", *RUNNER_PARAMETERS} <= set(declared)
    assert set(declared) <= set(DEFAULT_PARAMETERS) | set(RUNNER_PARAMETERS) | set(OPTIONAL_RUNNER_PARAMETERS)
    assert all(p["help"] for p in declared.values())  # every parameter explains itself


EXERCISES = [p for p in NOTEBOOKS if p.parent.name == "exercises"]


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.name)
def test_exercise_notebooks_declare_exactly_language_answers_and_output(path):
    declared = papermill.inspect_notebook(str(path))
    assert set(declared) == {"lang", "answers", "output_dir"}
    assert all(p["help"] for p in declared.values())


def test_every_configurable_parameter_is_used_by_some_notebook():
    used = set().union(*(papermill.inspect_notebook(str(p)) for p in NOTEBOOKS))
    assert set(DEFAULT_PARAMETERS) <= used
