"""The machinery every exercise shares: template fields, reading a student's file, and problems.

A checker never raises on a bad answer: it returns a table of problems (severity, row, column,
code, message) in plain language, so the student sees everything that is wrong at once. Rows are
numbered as a spreadsheet shows them (the header is row 1); whole-table problems have no row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from custval.errors import DataError
from custval import i18n
from custval.i18n import get_lang, label, t
from custval.io import _clean_header, load_raw

TEXT, NUMBER, INTEGER, CHOICE = "text", "number", "integer", "choice"
PROBLEM_COLUMNS = ["severity", "row", "column", "code", "message"]
ERROR, WARNING = "error", "warning"
SUM_TOLERANCE = 0.01  # weights and shares typed by hand to two decimals
ROW = "__row__"


@dataclass(frozen=True)
class Field:
    """One column of an exercise template.

    ``choices`` maps each canonical value to its Chinese name, its English name and any other
    spelling a student may type (matched ignoring case); ``low``/``high`` bound numbers (inclusive).
    """

    name: str
    zh: str
    en: str
    kind: str = TEXT
    required: bool = True
    low: float | None = None
    high: float | None = None
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    help_zh: str = ""
    help_en: str = ""

    def header(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def choice_names(self, lang: str = "zh") -> list[str]:
        return [names[0] if lang == "zh" else names[1] for names in self.choices.values()]

    def choice_name(self, value: str, lang: str = "zh") -> str:
        names = self.choices[value]
        return names[0] if lang == "zh" else names[1]

    def spellings(self) -> dict[str, str]:
        """Every accepted spelling (lower case) → canonical value."""
        return {s.lower(): value for value, names in self.choices.items() for s in (value, *names)}


@dataclass(frozen=True)
class Exercise:
    """One skill-training exercise: its template, its cross-row rules and how it is analysed."""

    id: str  # course number, e.g. "2-1"
    slug: str  # file and notebook name, e.g. "2-1_macro_environment"
    fields: tuple[Field, ...]
    rules: Callable[[pd.DataFrame, "Problems"], None] | None = None
    min_rows: int = 1

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def template(self, lang: str = "zh") -> pd.DataFrame:
        """The empty table a student fills in."""
        return pd.DataFrame(columns=[f.header(lang) for f in self.fields])

    def instructions(self) -> pd.DataFrame:
        """Column, what to write, in both languages (shown in the notebook and the XLSX)."""
        rows = [(f"{f.zh} / {f.en}", _rule(f, "zh"), _rule(f, "en")) for f in self.fields]
        return pd.DataFrame(rows, columns=["列 / column", "填写说明", "how to fill it in"])


class Problems:
    """The problems found in one answer, collected in the order they were found."""

    def __init__(self, exercise: Exercise, lang: str | None = None):
        self.exercise = exercise
        self.lang = lang
        self.rows: list[dict] = []

    def add(self, code: str, row=None, column: str | None = None, severity: str = ERROR, **values) -> None:
        header = self.exercise.field(column).header(self.lang or _lang()) if column else ""
        message = t(f"ex_problem_{code}", lang=self.lang, row=row, column=header, **values)
        self.rows.append({"severity": severity, "row": row, "column": header, "code": code, "message": message})

    def frame(self) -> pd.DataFrame:
        out = pd.DataFrame(self.rows, columns=PROBLEM_COLUMNS)
        out["row"] = out["row"].astype("Int64")
        return out


def _lang() -> str:
    return get_lang()


def headers(frame: pd.DataFrame, prefix: str, lang: str | None = None, names: dict | None = None) -> pd.DataFrame:
    """``frame`` with headers in the student's language: ``names`` first, then the exercise's own
    ``<prefix>col_<column>`` labels, then custval's column labels."""
    lang = lang or get_lang()
    names, own = names or {}, i18n.TEXT[lang]
    return frame.rename(columns=lambda c: names.get(c) or own.get(f"{prefix}col_{c}") or label(c, lang=lang))


# --------------------------------------------------------------------------- reading


def read_answer(path, exercise: Exercise) -> pd.DataFrame:
    """The student's file as text cells, its headers matched to template columns.

    Headers are matched in Chinese, English or custval's own names, ignoring case and spaces;
    columns the template does not have are left out, missing ones are left for :func:`check` to
    report. Fully empty rows are dropped; ``__row__`` holds each row's spreadsheet row number.
    """
    raw, _, offset = load_raw(Path(path))
    names = {_key(s): f.name for f in exercise.fields for s in (f.zh, f.en, f.name)}
    renamed = {c: names[_key(c)] for c in raw.columns if _key(c) in names}
    frame = raw[list(renamed)].rename(columns=renamed)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    frame = frame.apply(lambda c: c.astype("string").fillna("").str.strip())
    frame[ROW] = np.arange(len(frame), dtype="int64") + offset
    return frame[(frame.drop(columns=ROW) != "").any(axis=1)].reset_index(drop=True)


def _key(header) -> str:
    return "".join(_clean_header(header).lower().split())


def answer_file(answers, exercise: Exercise) -> Path:
    """The student's file for ``exercise`` in the folder ``answers`` (``<slug>.xlsx`` or ``.csv``)."""
    folder = Path(answers)
    for suffix in (".xlsx", ".csv"):
        path = folder / f"{exercise.slug}{suffix}"
        if path.is_file():
            return path
    raise DataError(t("ex_err_no_answer", folder=folder, name=exercise.slug))


# --------------------------------------------------------------------------- checks


def check(frame: pd.DataFrame, exercise: Exercise, lang: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed answer and every problem: missing columns, required cells, numbers and ranges,
    choices, then the exercise's own rules (those only when every cell is sound)."""
    problems = Problems(exercise, lang)
    frame = frame.copy()
    for f in exercise.fields:
        if f.name not in frame.columns:
            problems.add("missing_column", column=f.name, expected=f"{f.zh} / {f.en}")
            frame[f.name] = pd.Series("", index=frame.index, dtype="string")
    if frame.empty:
        problems.add("empty")
        return frame, problems.frame()
    typed = frame.copy()
    for f in exercise.fields:
        typed[f.name] = _check_column(frame, f, problems)
    if len(frame) < exercise.min_rows:
        problems.add("too_few_rows", rows=len(frame), minimum=exercise.min_rows)
    if exercise.rules is not None and not any(r["severity"] == ERROR for r in problems.rows):
        exercise.rules(typed, problems)
    return typed, problems.frame()


def _check_column(frame: pd.DataFrame, f: Field, problems: Problems) -> pd.Series:
    text = frame[f.name]
    rows = frame[ROW]
    if f.required:
        for row in rows[text == ""]:
            problems.add("required", row=row, column=f.name)
    if f.kind == CHOICE:
        spellings = f.spellings()
        values = text.str.lower().map(spellings)
        for row, value in zip(rows[(text != "") & values.isna()], text[(text != "") & values.isna()]):
            problems.add("choice", row=row, column=f.name, value=value,
                         choices=" / ".join(f.choice_names(problems.lang or _lang())))
        return values.astype("object").where(values.notna(), None)
    if f.kind in (NUMBER, INTEGER):
        percent = text.str.endswith("%")
        numbers = pd.to_numeric(text.str.replace(",", "", regex=False).str.rstrip("%"), errors="coerce").astype(float)
        numbers = numbers.where(~percent, numbers / 100)
        bad = (text != "") & numbers.isna()
        for row, value in zip(rows[bad], text[bad]):
            problems.add("not_number", row=row, column=f.name, value=value)
        fraction = numbers.notna() & (numbers != numbers.round()) if f.kind == INTEGER else pd.Series(False, index=text.index)
        for row, value in zip(rows[fraction], text[fraction]):
            problems.add("not_integer", row=row, column=f.name, value=value)
        low = -np.inf if f.low is None else f.low
        high = np.inf if f.high is None else f.high
        outside = numbers.notna() & ~fraction & ((numbers < low) | (numbers > high))
        for row, value in zip(rows[outside], text[outside]):
            problems.add("out_of_range", row=row, column=f.name, value=value, low=_fmt(f.low), high=_fmt(f.high))
        return numbers
    return text


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:g}"


# --------------------------------------------------------------------------- rules the exercises share


def sums_to_one(typed: pd.DataFrame, column: str, problems: Problems, by: str | None = None) -> None:
    """``column`` adds up to 1 (within ±0.01), over the whole table or within each ``by`` group."""
    groups = typed.groupby(by, sort=True) if by else [("", typed)]
    for key, part in groups:
        total = float(part[column].sum())
        if abs(total - 1) > SUM_TOLERANCE:
            problems.add("sum_not_one_group" if by else "sum_not_one", column=column, total=f"{total:.4g}", group=key)


def unique(typed: pd.DataFrame, column: str, problems: Problems) -> None:
    """Each value of ``column`` appears once; every repeat is named with its rows."""
    seen = typed.groupby(column, sort=True)[ROW].agg(list)
    for value, rows in seen.items():
        if len(rows) > 1 and value != "":
            problems.add("duplicate", row=rows[1], column=column, value=value, rows=", ".join(map(str, rows)))


def every_choice_used(typed: pd.DataFrame, column: str, problems: Problems, severity: str = ERROR) -> None:
    """Each canonical choice of ``column`` appears at least once."""
    f = problems.exercise.field(column)
    for value in f.choices:
        if not (typed[column] == value).any():
            problems.add("choice_missing", column=column, value=f.choice_name(value, problems.lang or _lang()),
                         severity=severity)


def _rule(f: Field, lang: str) -> str:
    """How to fill in ``f``, in ``lang``: the field's help, its choices or range, required or not."""
    help_text = f.help_zh if lang == "zh" else f.help_en
    parts = [help_text] if help_text else []
    if f.kind == CHOICE:
        parts.append(t("ex_rule_choices", lang=lang, choices=" / ".join(f.choice_names(lang))))
    if f.kind in (NUMBER, INTEGER) and (f.low is not None or f.high is not None):
        kind = t("ex_rule_integer" if f.kind == INTEGER else "ex_rule_number", lang=lang)
        parts.append(t("ex_rule_range", lang=lang, kind=kind, low=_fmt(f.low), high=_fmt(f.high)))
    parts.append(t("ex_rule_required" if f.required else "ex_rule_optional", lang=lang))
    return t("ex_rule_separator", lang=lang).join(parts)
