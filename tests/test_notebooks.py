"""The committed notebooks: no outputs, kernel python3 (their parameters cells: tests/test_parameters.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

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
