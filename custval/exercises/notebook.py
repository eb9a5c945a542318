"""Glue for the exercise notebooks: read and check the student's file, show the verdict.

``run = start(macro.EXERCISE, answers, lang)`` never raises on a bad answer: a missing or unreadable file
becomes a problem like any other, so the check cell always explains what to do. The check cell calls
``run.check()``, which reads the file again: a student corrects it and re-runs that cell, and the
cells after it analyse the corrected answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from custval import i18n, plots
from custval.errors import DataError
from custval.exercises.base import ERROR, ROW, WARNING, Exercise, answer_file, check, file_problem, read_answer
from custval.notebook import Presenter
from custval.outputs import CHECK_SUFFIX


@dataclass
class ExerciseRun(Presenter):
    """One student's answer to one exercise, checked."""

    exercise: Exercise
    lang: str
    output_dir: str
    path: Path | None
    answer: pd.DataFrame = field(repr=False)
    problems: pd.DataFrame = field(repr=False)
    answers: Path | None = None

    @property
    def ok(self) -> bool:
        """No errors (notes are allowed): the analysis can run."""
        return not (self.problems["severity"] == ERROR).any()

    def show_template(self) -> None:
        """The template's columns and how to fill each one in."""
        self.show(self.exercise.instructions())

    def check(self) -> None:
        """Read the answer file again, check it and show the verdict (:meth:`report`); the
        analysis cells after this one then use the answer as it is now."""
        if self.answers is None:
            raise ValueError("this run has no answers folder to read again; create it with start()")
        self.path, self.answer, self.problems = _read(self.exercise, self.answers, self.lang)
        self.report()

    def write(self, text: str) -> None:
        """Show a sentence already worded in the report language (Markdown)."""
        from IPython.display import Markdown, display

        display(Markdown(text))

    def report(self) -> None:
        """The verdict on the answer: which file, then every problem in plain language (also saved
        as ``tables/<exercise>_problems.csv`` in a report run, for the teacher)."""
        verdict = self.verdict()
        self.save(self.problems, f"{self.exercise.slug}_problems")
        self.save_json(verdict, f"{self.exercise.slug}{CHECK_SUFFIX}")
        if self.path is not None:
            self.say("ex_answer_file", path=self.path)
        errors, warnings = verdict["errors"], verdict["warnings"]
        if errors:
            extra = i18n.t("ex_some_warnings", warnings=warnings) if warnings else ""
            self.say("ex_some_problems", errors=errors, warnings=extra)
        elif warnings:
            self.say("ex_only_warnings", warnings=warnings)
        else:
            self.say("ex_no_problems")
        if len(self.problems):
            shown = self.problems.assign(severity=[i18n.t(f"severity_{s}") for s in self.problems["severity"]])
            self.show(shown[["severity", "row", "column", "message"]])

    def verdict(self) -> dict:
        """The check's outcome for the run's index: exercise, passed, errors and warnings, and the
        file checked (name, bytes, last changed) — the index lists every exercise with it."""
        counts = self.problems["severity"].value_counts()
        stat = self.path.stat() if self.path is not None and self.path.is_file() else None
        return {
            "exercise": self.exercise.id,
            "slug": self.exercise.slug,
            "ok": self.ok,
            "errors": int(counts.get(ERROR, 0)),
            "warnings": int(counts.get(WARNING, 0)),
            "file": self.path.name if self.path is not None else None,
            "bytes": stat.st_size if stat else None,
            "modified": datetime.fromtimestamp(stat.st_mtime).isoformat(timespec="seconds") if stat else None,
        }

    @property
    def rows(self) -> pd.DataFrame:
        """The typed answer without the bookkeeping column."""
        return self.answer.drop(columns=ROW, errors="ignore")


def start(exercise: Exercise, answers, lang: str = "zh", output_dir: str = "") -> ExerciseRun:
    """Read and check the student's answer to ``exercise`` from the folder ``answers``."""
    i18n.set_lang(lang)
    plots.theme(lang=lang)
    path, typed, problems = _read(exercise, answers, lang)
    return ExerciseRun(
        exercise=exercise,
        lang=lang,
        output_dir=output_dir,
        path=path,
        answer=typed,
        problems=problems,
        answers=Path(answers),
    )


def _read(exercise: Exercise, answers, lang: str) -> tuple[Path | None, pd.DataFrame, pd.DataFrame]:
    """The answer file, its typed rows and its problems; an unreadable file is one problem."""
    path = None
    try:
        path = answer_file(answers, exercise)
        typed, problems = check(read_answer(path, exercise), exercise, lang=lang)
    except DataError as problem:
        typed = pd.DataFrame(columns=[f.name for f in exercise.fields] + [ROW])
        problems = file_problem("unreadable", str(problem))
    return path, typed, problems
