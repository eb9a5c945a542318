"""The course's skill-training exercises (技能训练 2-1 … 2-7): templates, checkers and analyses.

Every exercise is an :class:`Exercise`: the columns of its template, the rules an answer must
keep, and a worked example (甜趣食品, a made-up snack-food company). ``write_templates`` writes the
empty templates (CSV and XLSX with instructions) and the worked example into ``data/exercises/``;
the notebooks in ``notebooks/exercises/`` read a student's file with :func:`start` and show every
problem in plain language before the analysis.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from custval.exercises import channels, groups, macro, product, service, value_grades
from custval.exercises.base import Exercise, Field, answer_file, check, read_answer
from custval.exercises.notebook import ExerciseRun, start
from custval.outputs import write_csv, write_xlsx

MODULES = (macro, service, product, groups, channels, value_grades)
EXERCISES: dict[str, Exercise] = {m.EXERCISE.id: m.EXERCISE for m in MODULES}
EXAMPLE_COMPANY = "甜趣食品"


def get(exercise_id: str) -> Exercise:
    """The exercise numbered ``exercise_id`` (e.g. ``"2-1"``)."""
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        raise ValueError(f"no exercise {exercise_id!r}; exercises: {', '.join(EXERCISES)}") from None


def write_templates(out) -> dict[str, Path]:
    """Write ``templates/<slug>.csv`` and ``.xlsx`` (with an instructions sheet) and the worked
    example ``example/<slug>.csv`` for every exercise into ``out``."""
    out = Path(out)
    paths = {}
    for module in MODULES:
        exercise = module.EXERCISE
        for folder, frame in (("templates", exercise.template()), ("example", module.example())):
            path = out / folder / f"{exercise.slug}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            paths[f"{folder}/{path.name}"] = write_csv(frame, path)
        sheets = {f"{exercise.id} 答案 answer": exercise.template(), "说明 instructions": exercise.instructions()}
        paths[f"templates/{exercise.slug}.xlsx"] = write_xlsx(sheets, out / "templates" / f"{exercise.slug}.xlsx")
    return paths


SOLUTION_TAG = "solution"


def handouts(source, out, answers: str | None = None, keep: bool = False) -> list[Path]:
    """Copy the exercise notebooks from ``source`` into ``out`` without their ``solution`` cells,
    removed by nbstripout ``--drop-tagged-cells``; returns the hand-outs' paths.

    The hand-outs sit as deep in the repository as the originals, so their relative paths resolve
    the same. ``answers`` (relative to the hand-out, e.g. ``"../../answers"`` for students) replaces
    the default answers folder, which is otherwise the worked example. ``out`` is replaced whole
    unless ``keep``: then hand-outs already there stay as they are — with whatever a student typed
    into them — and only the missing ones are written.
    """
    source, out = Path(source), Path(out)
    originals = sorted(source.glob("*.ipynb"))
    if not originals:
        raise ValueError(f"no exercise notebooks (*.ipynb) in {source}")
    if out.exists() and not keep:
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    fresh = [Path(shutil.copy2(path, out / path.name)) for path in originals if not (out / path.name).exists()]
    if fresh:
        subprocess.run(
            [sys.executable, "-m", "nbstripout", "--drop-tagged-cells", SOLUTION_TAG, *map(str, fresh)],
            check=True,
            capture_output=True,
            text=True,
        )
    if answers is not None:
        for path in fresh:
            _set_default_answers(path, answers)
    return [out / path.name for path in originals]


def _set_default_answers(path: Path, answers: str) -> None:
    """Make ``answers`` the default of the notebook's ``answers`` parameter."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    lines = cells[0].source.splitlines() if cells else []
    at = [i for i, line in enumerate(lines) if line.startswith("answers:")]
    if len(at) != 1:
        raise ValueError(f"{path.name}: the parameters cell has no single `answers: str = ...` line")
    lines[at[0]] = (
        f"answers: str = {json.dumps(answers, ensure_ascii=False)}  # 你的答案文件夹 / folder with your answer files"
    )
    cells[0].source = "\n".join(lines)
    nbformat.write(nb, path)


__all__ = [
    "EXERCISES",
    "Exercise",
    "ExerciseRun",
    "Field",
    "answer_file",
    "check",
    "get",
    "handouts",
    "read_answer",
    "start",
    "write_templates",
]
