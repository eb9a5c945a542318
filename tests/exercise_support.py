"""Helpers the exercise tests share: write a student's file, check it as the notebook does."""

from __future__ import annotations

import pandas as pd

from custval import exercises


def answer(
    tmp_path, exercise, frame: pd.DataFrame, suffix: str = ".csv", encoding: str = "utf-8-sig", lang: str = "en"
):
    """Write ``frame`` as the student's file for ``exercise`` in ``tmp_path`` and check it."""
    path = tmp_path / f"{exercise.slug}{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False, encoding=encoding)
    else:
        frame.to_excel(path, index=False)
    return exercises.start(exercise, tmp_path, lang=lang)


def codes(run) -> list[str]:
    return run.problems["code"].tolist()


def only(run, code: str) -> pd.Series:
    """The single problem with ``code`` (fails when there is none or several)."""
    found = run.problems[run.problems["code"] == code]
    assert len(found) == 1, run.problems
    return found.iloc[0]
