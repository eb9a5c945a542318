"""The report notebooks stay thin: short cells calling tested functions, no logic of their own.

Every code cell of notebooks 00–05 has at most 12 lines and no line over 120 characters; the
parameters cell (generated from the parameter registry) is exempt from the line count only. Cells
never define functions or reshape tables: such code belongs in the package, where it is tested. The
hidden check cells (tagged ``remove_cell``) may group and compare to state their invariants.
"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("0*.ipynb"))
MAX_LINES, MAX_WIDTH = 12, 120
# Defining functions, aggregating or reshaping: work for the package, not for a report cell.
LOGIC = re.compile(
    r"\blambda\b|^\s*def |^\s*class |\.groupby\(|\.pivot(_table)?\(|\.melt\(|\.merge\(|\.apply\(|\.agg\("
    r"|\.stack\(|\.unstack\(|pd\.concat\(|\.transform\(|\.resample\(",
    re.M,
)


def _code_cells(path: Path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            yield index, cell, "".join(cell["source"])


def test_report_notebooks_found():
    assert [p.name[:2] for p in NOTEBOOKS] == ["00", "01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_cells_are_short(path):
    problems = []
    for index, cell, source in _code_cells(path):
        lines = source.splitlines()
        if "parameters" not in cell["metadata"].get("tags", []) and len(lines) > MAX_LINES:
            problems.append(f"cell {index}: {len(lines)} lines")
        problems += [
            f"cell {index} line {n}: {len(line)} characters" for n, line in enumerate(lines, 1) if len(line) > MAX_WIDTH
        ]
    assert not problems, f"{path.name}: " + "; ".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_cells_hold_no_logic(path):
    found = [
        f"cell {index}: {m.group(0).strip()}"
        for index, cell, source in _code_cells(path)
        if "remove_cell" not in cell["metadata"].get("tags", [])
        for m in LOGIC.finditer(source)
    ]
    assert not found, f"{path.name} computes in its cells (move it into a tested function): " + "; ".join(found)
