"""The course's skill-training exercises (技能训练 2-1 … 2-7): templates, checkers and analyses.

Every exercise is an :class:`Exercise`: the columns of its template, the rules an answer must
keep, and a worked example (甜趣食品, a made-up snack-food company). ``write_templates`` writes the
empty templates (CSV and XLSX with instructions) and the worked example into ``data/exercises/``;
the notebooks in ``notebooks/exercises/`` read a student's file with :func:`start` and show every
problem in plain language before the analysis.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from custval.exercises import text  # noqa: F401  (registers the messages)
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


def handouts(source, out) -> list[Path]:
    """Copy the exercise notebooks from ``source`` into ``out`` (replaced whole) without their
    ``solution`` cells, removed by nbstripout ``--drop-tagged-cells``. The hand-outs sit as deep in
    the repository as the originals, so their default ``answers`` path still finds the example."""
    source, out = Path(source), Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    notebooks = [Path(shutil.copy2(path, out / path.name)) for path in sorted(source.glob("*.ipynb"))]
    if not notebooks:
        raise ValueError(f"no exercise notebooks (*.ipynb) in {source}")
    subprocess.run([sys.executable, "-m", "nbstripout", "--drop-tagged-cells", SOLUTION_TAG, *map(str, notebooks)],
                   check=True, capture_output=True, text=True)  # fmt: skip
    return notebooks


__all__ = ["EXERCISES", "Exercise", "ExerciseRun", "Field", "answer_file", "check", "get", "handouts", "read_answer",
           "start", "write_templates"]  # fmt: skip
