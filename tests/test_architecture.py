"""ARCHITECTURE.md stays true: every ``custval.…`` name it gives resolves, every notebook and report
section it names exists, and every notebook and exercise has its place in the course map."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from custval import i18n
from custval.exercises import EXERCISES

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "ARCHITECTURE.md"
NOTEBOOK_DIRS = (ROOT / "notebooks", ROOT / "notebooks" / "exercises")
DOTTED = re.compile(r"\bcustval(?:\.[A-Za-z_]\w*)+")
NOTEBOOK = re.compile(r"[\w./-]+\.ipynb")
# A markdown heading: a line of a text or markdown cell starting with one to three #.
HEADING = re.compile(r"(?m)^#{1,3} (.+)$")


def resolve(dotted: str) -> object:
    """The object ``dotted`` names: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:end]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[end:]:
            found = getattr(found, attribute)
        return found
    raise ModuleNotFoundError(dotted)


def unresolved(names) -> list[str]:
    """The names of ``names`` that do not resolve, with the reason."""
    problems = []
    for name in sorted(set(names)):
        try:
            resolve(name)
        except (ImportError, AttributeError) as error:
            problems.append(f"{name}: {error}")
    return problems


def notebook_exists(reference: str) -> bool:
    """A path relative to the repository, or a bare file name in notebooks/ or notebooks/exercises/."""
    if "/" in reference:
        return (ROOT / reference).is_file()
    return any((folder / reference).is_file() for folder in NOTEBOOK_DIRS)


def report_headings() -> set[str]:
    """Every heading the reports can show: the i18n texts and the notebooks' markdown cells."""
    texts = [text for language in i18n.TEXT.values() for text in language.values()]
    for path in (p for folder in NOTEBOOK_DIRS for p in folder.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        texts += ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    return {heading.strip() for text in texts for heading in HEADING.findall(text)}


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_dotted_name_resolves(doc):
    names = DOTTED.findall(doc)
    assert len(set(names)) > 100
    assert unresolved(names) == []


def test_a_moved_or_renamed_function_is_caught():
    problems = unresolved(["custval.market.abc_renamed", "custval.no_such_module.f", "custval.market.abc"])
    assert [p.split(":")[0] for p in problems] == ["custval.market.abc_renamed", "custval.no_such_module.f"]


def test_every_notebook_named_exists(doc):
    named = set(NOTEBOOK.findall(doc))
    assert named
    assert sorted(n for n in named if not notebook_exists(n)) == []


def test_every_notebook_is_in_the_course_map(doc):
    named = {Path(n).name for n in NOTEBOOK.findall(doc)}
    shipped = {p.name for folder in NOTEBOOK_DIRS for p in folder.glob("*.ipynb")}
    assert sorted(shipped - named - {"00_data_quality.ipynb"}) == []


def test_every_exercise_is_in_the_course_map(doc):
    assert sorted(e.slug for e in EXERCISES.values() if f"{e.slug}.ipynb" not in doc) == []


def test_every_report_section_named_is_a_heading_the_report_shows(doc):
    headings = report_headings()
    sections = [s.strip() for s in re.findall(r"§ ([^§|]+)", doc)]
    assert len(sections) > 40
    missing = [s for s in sections if not any(s.startswith(h) for h in headings)]
    assert missing == []
