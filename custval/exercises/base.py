"""The machinery every exercise shares: template fields, reading a student's file, and problems.

A checker never raises on a bad answer: it returns a table of problems (severity, row, column,
code, message) in plain language, so the student sees everything that is wrong at once, sorted by
row and column. Rows are numbered as a spreadsheet shows them (the header is row 1); whole-table
problems have no row. Severity ``error`` blocks the analysis, ``warning`` is a note, ``info`` only
tells (e.g. which of several answer files was checked).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from custval import i18n, parsing
from custval.errors import DataError
from custval.i18n import get_lang, label, t
from custval.io import _clean_header, load_raw

TEXT, NUMBER, INTEGER, CHOICE = "text", "number", "integer", "choice"
AMOUNT, RATING, SHARE = "amount", "rating", "share"  # what a number field measures: its hint and checks
PROBLEM_COLUMNS = ["severity", "row", "column", "code", "message"]
ERROR, WARNING, INFO = "error", "warning", "info"
SUM_TOLERANCE = 0.01  # weights and shares typed by hand to two decimals
ROW = "__row__"
ANSWER_SUFFIXES = (".xlsx", ".csv")  # the order breaks a tie between two equally new, equally filled files
# Labels of a total row a student adds under the table (compared lower case, without spaces or a colon).
TOTAL_LABELS = frozenset(
    {
        "合计",
        "总计",
        "小计",
        "共计",
        "总和",
        "汇总",
        "合计数",
        "总数",
        "total",
        "totals",
        "subtotal",
        "grandtotal",
        "sum",
    }
)
HEAD_CODES = ("ignored_file", "empty", "missing_column")  # whole-table problems shown before the rows


@dataclass(frozen=True)
class Field:
    """One column of an exercise template.

    ``choices`` maps each canonical value to its Chinese name, its English name and any other
    spelling a student may type (matched ignoring case); ``low``/``high`` bound numbers (inclusive);
    ``measure`` (AMOUNT, RATING or SHARE) says what a number is, for the hint a wrong cell gets.
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
    measure: str = ""

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
    rules: Callable[[pd.DataFrame, Problems], None] | None = None
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
    """The problems found in one answer; :meth:`frame` lists them by row, then column.

    While the cross-row rules run, ``whole`` holds every row of the answer with each wrong cell
    cleared, and ``note`` is added to the rules' messages when some rows were left out.
    """

    def __init__(self, exercise: Exercise, lang: str | None = None):
        self.exercise = exercise
        self.lang = lang
        self.rows: list[dict] = []
        self.whole: pd.DataFrame | None = None
        self.note = ""

    def add(
        self, code: str, row=None, column: str | None = None, severity: str = ERROR, note: str | None = None, **values
    ) -> None:
        """Record problem ``code``; ``note`` (default: the rules' ``note``) ends the message."""
        header = self.exercise.field(column).header(self.lang or _lang()) if column else ""
        message = t(f"ex_problem_{code}", lang=self.lang, row=row, column=header, **values)
        message += self.note if note is None else note
        self.rows.append(
            {"severity": severity, "row": row, "column": header, "code": code, "message": message, "field": column}
        )

    def frame(self) -> pd.DataFrame:
        order = sorted(range(len(self.rows)), key=lambda i: self._place(self.rows[i], i))
        out = pd.DataFrame([self.rows[i] for i in order], columns=PROBLEM_COLUMNS)
        out["row"] = out["row"].astype("Int64")
        return out

    def _place(self, problem: dict, found: int) -> tuple:
        """File and header problems first, then by row and template column, then whole-table rules."""
        names = [f.name for f in self.exercise.fields]
        column = names.index(problem["field"]) if problem["field"] in names else -1
        if problem["row"] is None:
            return (0 if problem["code"] in HEAD_CODES else 2, 0, column, found)
        return (1, int(problem["row"]), column, found)

    def readable(self, typed: pd.DataFrame, *columns: str) -> tuple[pd.DataFrame, str]:
        """Every row whose ``columns`` are all sound (also rows with errors elsewhere), and the note
        to add to a message drawn from them when some rows had to be left out."""
        whole = typed if self.whole is None else self.whole
        part = whole[whole[list(columns)].notna().all(axis=1)]
        if len(part) == len(whole):
            return part, ""
        names = "、".join(self.exercise.field(c).header(self.lang or _lang()) for c in columns)
        return part, t(
            "ex_partial_column", lang=self.lang, columns=names, checked=len(part), skipped=len(whole) - len(part)
        )


def _lang() -> str:
    return get_lang()


def file_problem(code: str, message: str) -> pd.DataFrame:
    """The problem table of an answer that could not be checked at all (unreadable, not handed in)."""
    return pd.DataFrame(
        [{"severity": ERROR, "row": pd.NA, "column": "", "code": code, "message": message}], columns=PROBLEM_COLUMNS
    )


def headers(frame: pd.DataFrame, prefix: str, lang: str | None = None, names: dict | None = None) -> pd.DataFrame:
    """``frame`` with headers in the student's language: ``names`` first, then the exercise's own
    ``<prefix>col_<column>`` labels, then custval's column labels."""
    lang = lang or get_lang()
    names, own = names or {}, i18n.TEXT[lang]
    return frame.rename(columns=lambda c: names.get(c) or own.get(f"{prefix}col_{c}") or label(c, lang=lang))


# --------------------------------------------------------------------------- reading


def read_answer(path, exercise: Exercise) -> pd.DataFrame:
    """The student's file as text cells, its headers matched to template columns.

    Headers are matched in Chinese, English or custval's own names, ignoring case, spaces and
    full-width forms (（元） is (元)); columns the template does not have are left out, missing
    ones are left for :func:`check` to report. Fully empty rows are dropped; ``__row__`` holds each
    row's spreadsheet row number. ``attrs["ignored"]`` lists the other answer files for the same
    exercise in the folder (name, reason), which :func:`check` mentions.
    """
    path = Path(path)
    raw, _, offset = load_raw(path)
    names = {_key(s): f.name for f in exercise.fields for s in (f.zh, f.en, f.name)}
    renamed = {c: names[_key(c)] for c in raw.columns if _key(c) in names}
    frame = raw[list(renamed)].rename(columns=renamed)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    frame = frame.apply(lambda c: c.astype("string").fillna("").str.strip().str.strip("\u3000"))
    frame[ROW] = np.arange(len(frame), dtype="int64") + offset
    frame = frame[(frame.drop(columns=ROW) != "").any(axis=1)].reset_index(drop=True)
    frame.attrs["answer_file"] = path.name
    frame.attrs["ignored"] = _ignored(path, exercise)
    return frame


def _key(header) -> str:
    return "".join(unicodedata.normalize("NFKC", _clean_header(header)).lower().split())


def answer_file(answers, exercise: Exercise) -> Path:
    """The student's file for ``exercise`` in the folder ``answers``: of ``<slug>.xlsx`` and
    ``<slug>.csv`` (any case), the newest one with rows filled in — an empty template copied next to
    the file the student filled is passed over. :func:`read_answer` names the files left aside."""
    found = _answer_files(Path(answers), exercise)
    if not found:
        raise DataError(t("ex_err_no_answer", folder=Path(answers), name=exercise.slug))
    if len(found) == 1:
        return found[0]
    status = {path: _status(path) for path in found}
    return min(found, key=lambda p: (FILE_PREFERENCE.index(status[p]), -p.stat().st_mtime, _suffix_order(p)))


FILLED, EMPTY, UNREADABLE = "filled", "empty", "unreadable"
FILE_PREFERENCE = (FILLED, UNREADABLE, EMPTY)  # a file that cannot be read is likely the student's own


def _answer_files(folder: Path, exercise: Exercise) -> list[Path]:
    if not folder.is_dir():
        return []
    wanted = {f"{exercise.slug}{suffix}".lower() for suffix in ANSWER_SUFFIXES}
    return sorted((p for p in folder.iterdir() if p.name.lower() in wanted and p.is_file()), key=_suffix_order)


def _suffix_order(path: Path) -> tuple[int, str]:
    return ANSWER_SUFFIXES.index(path.suffix.lower()), path.name


def _status(path: Path) -> str:
    """Whether the file has at least one filled-in cell under its header."""
    try:
        raw = load_raw(path)[0]
    except DataError:
        return UNREADABLE
    cells = raw.astype("string").fillna("").apply(lambda c: c.str.strip())
    return FILLED if (cells != "").to_numpy().any() else EMPTY


def _ignored(path: Path, exercise: Exercise) -> list[tuple[str, str]]:
    """The other answer files for ``exercise`` next to ``path``, each with why it was not checked."""
    if path.name.lower() not in {f"{exercise.slug}{suffix}".lower() for suffix in ANSWER_SUFFIXES}:
        return []
    others = [p for p in _answer_files(path.parent, exercise) if p.name != path.name]
    reasons = []
    for other in others:
        status = _status(other)
        if status == FILLED:
            status = "older" if other.stat().st_mtime <= path.stat().st_mtime else "other"
        reasons.append((other.name, status))
    return reasons


# --------------------------------------------------------------------------- checks


def check(frame: pd.DataFrame, exercise: Exercise, lang: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed answer and every problem: other answer files left aside, missing columns, total rows,
    required cells, numbers and ranges, choices, then the exercise's own rules.

    The rules run on the rows without errors (sums and counts on every sound value of their
    column), so a wrong cell does not hide a wrong total; their messages say when rows were left out.
    A total row (合计, Total …) is named and left out of the answer.
    """
    problems = Problems(exercise, lang)
    for name, reason in frame.attrs.get("ignored", ()):
        problems.add(
            "ignored_file",
            severity=INFO,
            file=name,
            checked=frame.attrs.get("answer_file", ""),
            reason=t(f"ex_ignored_{reason}", lang=lang),
        )
    missing = [f.name for f in exercise.fields if f.name not in frame.columns]
    for name in missing:
        f = exercise.field(name)
        problems.add("missing_column", column=name, expected=f"{f.zh} / {f.en}")
    frame = frame.assign(**{name: pd.Series("", index=frame.index, dtype="string") for name in missing})
    if frame.empty:
        problems.add("empty")
        return frame, problems.frame()
    totals = _total_rows(frame, exercise)
    for row in frame.loc[totals, ROW]:
        problems.add("total_row", row=int(row))
    frame = frame[~totals]
    typed, sound = frame.copy(), frame.copy()
    for f in exercise.fields:
        values, bad = _check_column(frame, f, problems, report=f.name not in missing)
        typed[f.name] = values
        sound[f.name] = values.where(~bad, None) if f.kind in (TEXT, CHOICE) else values.where(~bad)
    if len(frame) < exercise.min_rows:
        problems.add("too_few_rows", rows=len(frame), minimum=exercise.min_rows)
    _run_rules(exercise, typed, sound, problems, skip=bool(missing) or frame.empty)
    return typed, problems.frame()


def _run_rules(exercise: Exercise, typed: pd.DataFrame, sound: pd.DataFrame, problems: Problems, skip: bool) -> None:
    """The exercise's own rules on the rows whose every cell is sound."""
    valid = (sound.drop(columns=ROW).notna() | _optional_blank(sound, exercise)).all(axis=1)
    if exercise.rules is None or skip or not valid.any():
        return
    problems.whole = sound
    if not valid.all():
        problems.note = t("ex_partial", lang=problems.lang, checked=int(valid.sum()), skipped=int((~valid).sum()))
    try:
        exercise.rules(typed[valid], problems)
    finally:
        problems.whole, problems.note = None, ""


def _optional_blank(sound: pd.DataFrame, exercise: Exercise) -> pd.DataFrame:
    """True for empty optional cells (a blank optional number is not an error)."""
    blank = pd.DataFrame(False, index=sound.index, columns=sound.columns.drop(ROW))
    for f in exercise.fields:
        if not f.required:
            blank[f.name] = sound[f.name].isna()
    return blank


def _total_rows(frame: pd.DataFrame, exercise: Exercise) -> pd.Series:
    """Rows whose label — the first filled cell, in template order — says 合计, Total and the like."""
    cells = frame[[f.name for f in exercise.fields]]
    first = cells.apply(lambda row: next((v for v in row if v != ""), ""), axis=1)
    keys = first.map(lambda v: _key(v).rstrip(":"))
    return keys.isin(TOTAL_LABELS).astype(bool)


def _check_column(
    frame: pd.DataFrame, f: Field, problems: Problems, report: bool = True
) -> tuple[pd.Series, pd.Series]:
    """The column typed, and which of its cells are wrong (reported unless ``report`` is off)."""
    text = frame[f.name]
    found = Problems(problems.exercise, problems.lang) if not report else problems
    bad = pd.Series(False, index=text.index)
    if f.required:
        bad |= _flag(found, "required", f, frame, text == "")
    if f.kind == CHOICE:
        values = text.str.lower().map(f.spellings())
        choices = " / ".join(f.choice_names(problems.lang or _lang()))
        bad |= _flag(found, "choice", f, frame, (text != "") & values.isna(), choices=choices)
        return values.astype("object").where(values.notna(), None), bad
    if f.kind in (NUMBER, INTEGER):
        numbers, unreadable = read_numbers(text)
        hint = _hint(f, problems.lang or _lang())
        bad |= _flag(found, "not_number", f, frame, unreadable, hint=hint)
        fraction = (
            numbers.notna() & (numbers != numbers.round()) if f.kind == INTEGER else pd.Series(False, index=text.index)
        )
        bad |= _flag(found, "not_integer", f, frame, fraction, hint=hint)
        low = -np.inf if f.low is None else f.low
        high = np.inf if f.high is None else f.high
        outside = numbers.notna() & ~fraction & ((numbers < low) | (numbers > high))
        for index in outside[outside].index:
            end = _percent_hint(f, text[index], numbers[index], problems.lang)
            found.add(
                "out_of_range",
                row=frame.at[index, ROW],
                column=f.name,
                value=text[index],
                range=_range(f, problems.lang or _lang()),
                end=end,
            )
        return numbers, bad | outside
    return text, bad


def _flag(problems: Problems, code: str, f: Field, frame: pd.DataFrame, mask: pd.Series, **values) -> pd.Series:
    """Add problem ``code`` for every row in ``mask``, quoting the cell; returns ``mask``."""
    for index in mask[mask].index:
        problems.add(code, row=frame.at[index, ROW], column=f.name, value=frame.at[index, f.name], **values)
    return mask


_MULTIPLIER = re.compile(r"\s*万\s*元?$")


def read_numbers(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers as students type them: what :func:`custval.parsing.parse_numbers` reads (thousands
    separators, ¥ / 元, full-width digits) plus a trailing %, ％ (÷100), 万 (×10,000) or 分 (a
    rating, "3分"). Returns the numbers and the filled cells that are not numbers."""
    norm = text.astype("string").fillna("").map(lambda s: unicodedata.normalize("NFKC", s).strip())
    percent = norm.str.endswith("%")
    wan = norm.str.contains(_MULTIPLIER, regex=True)
    core = norm.str.replace(r"\s*%$", "", regex=True).str.replace(_MULTIPLIER, "", regex=True)
    core = core.str.replace(r"\s*分$", "", regex=True)
    numbers, unreadable = parsing.parse_numbers(core)
    numbers = numbers.where(~percent, numbers / 100).where(~wan, numbers * 10_000)
    return numbers.astype(float), (unreadable | ((norm != "") & numbers.isna())).astype(bool)


def _hint(f: Field, lang: str) -> str:
    """What to write in a number cell of ``f``: an amount, a rating, a share or just a number."""
    return t(f"ex_hint_{f.measure or 'number'}", lang=lang, low=_fmt(f.low), high=_fmt(f.high))


def _range(f: Field, lang: str) -> str:
    """The bounds of ``f`` in words: between both, at least the low one or at most the high one."""
    if f.low is not None and f.high is not None:
        return t("ex_range_between", lang=lang, low=_fmt(f.low), high=_fmt(f.high))
    if f.low is not None:
        return t("ex_range_at_least", lang=lang, low=_fmt(f.low))
    return t("ex_range_at_most", lang=lang, high=_fmt(f.high))


def _percent_hint(f: Field, text: str, value: float, lang: str | None) -> str:
    """The end of the out-of-range sentence: for a share typed as a whole percentage (12 for 12%),
    the two ways it could be meant."""
    if f.measure != SHARE or "%" in unicodedata.normalize("NFKC", text) or not 1 < value <= 100:
        return t("ex_sentence_end", lang=lang)
    return t("ex_hint_percent", lang=lang, fraction=_fmt(value / 100), percent=_fmt(value))


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:g}"


# --------------------------------------------------------------------------- rules the exercises share


def sums_to_one(typed: pd.DataFrame, column: str, problems: Problems, by: str | None = None) -> None:
    """``column`` adds up to 1 (within ±0.01), over the whole table or within each ``by`` group,
    counting every sound value of the column (also on rows with errors in other columns)."""
    part, note = problems.readable(typed, column, *([by] if by else []))
    groups = part.groupby(by, sort=True) if by else [("", part)]
    for key, rows in groups:
        total = float(rows[column].sum())
        if abs(total - 1) > SUM_TOLERANCE:
            problems.add(
                "sum_not_one_group" if by else "sum_not_one", column=column, total=f"{total:.4g}", group=key, note=note
            )


def unique(typed: pd.DataFrame, column: str, problems: Problems) -> None:
    """Each value of ``column`` appears once; every repeat is named with its rows."""
    part, _ = problems.readable(typed, column)
    seen = part.groupby(column, sort=True)[ROW].agg(list)
    for value, rows in seen.items():
        if len(rows) > 1 and value != "":
            problems.add("duplicate", row=rows[1], column=column, value=value, rows=", ".join(map(str, rows)), note="")


def every_choice_used(typed: pd.DataFrame, column: str, problems: Problems, severity: str = ERROR) -> None:
    """Each canonical choice of ``column`` appears at least once (among its sound values)."""
    part, note = problems.readable(typed, column)
    f = problems.exercise.field(column)
    for value in f.choices:
        if not (part[column] == value).any():
            problems.add(
                "choice_missing",
                column=column,
                value=f.choice_name(value, problems.lang or _lang()),
                severity=severity,
                note=note,
            )


def _rule(f: Field, lang: str) -> str:
    """How to fill in ``f``, in ``lang``: the field's help, its choices or range, required or not."""
    help_text = f.help_zh if lang == "zh" else f.help_en
    parts = [help_text] if help_text else []
    if f.kind == CHOICE:
        parts.append(t("ex_rule_choices", lang=lang, choices=" / ".join(f.choice_names(lang))))
    if f.kind in (NUMBER, INTEGER) and (f.low is not None or f.high is not None):
        kind = t("ex_rule_integer" if f.kind == INTEGER else "ex_rule_number", lang=lang)
        bounds = (
            ("ex_rule_between" if f.high is not None else "ex_rule_at_least")
            if f.low is not None
            else "ex_rule_at_most"
        )
        parts.append(
            t("ex_rule_range", lang=lang, kind=kind, range=t(bounds, lang=lang, low=_fmt(f.low), high=_fmt(f.high)))
        )
    parts.append(t("ex_rule_required" if f.required else "ex_rule_optional", lang=lang))
    return t("ex_rule_separator", lang=lang).join(parts)
