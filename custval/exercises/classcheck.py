"""A whole class's answers checked at once (``custval class-check``), for the teacher.

Answers sit in one sub-folder per student id (``<dir>/<学号>/<slug>.xlsx``, or in its ``answers/``
sub-folder, as students hand it in) or flat as ``<dir>/<学号>_<slug>.xlsx``; both layouts may be mixed
(a student's sub-folder is looked at first). Every answer goes through the notebooks' own
:func:`read_answer` and :func:`check`, so a ✅ here is a ✅ in the notebook. Copies are found on the
parsed answers, not the file bytes: the same answer saved as XLSX or as GBK CSV, with its columns or
rows in another order, or with a choice written 机会 instead of opportunity, is the same answer.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from custval import i18n
from custval.errors import DataError
from custval.exercises import EXAMPLE_COMPANY, EXERCISES, MODULES
from custval.exercises.base import (
    CHOICE,
    ERROR,
    INFO,
    INTEGER,
    NUMBER,
    PROBLEM_COLUMNS,
    ROW,
    Exercise,
    answer_file,
    check,
    file_problem,
    read_answer,
)
from custval.i18n import TEXT, t
from custval.outputs import write_xlsx
from custval.render import render_page

EXERCISE_LIST: tuple[Exercise, ...] = tuple(EXERCISES.values())
EXERCISE_ORDER = {e.id: i for i, e in enumerate(EXERCISE_LIST)}  # sorts tables in course order
STUDENT_SUBFOLDER = "answers"  # students hand in their answers/ folder, often inside their id's folder
MISSING, UNREADABLE = "missing", "unreadable"
EXAMPLE = "worked_example"
IDENTICAL = "identical"
PASS, FAIL, COPY_MARK = "✅", "❌", "⚑"
RESULT_COLUMNS = [
    "student",
    "exercise",
    "file",
    "handed_in",
    "passed",
    "errors",
    "notes",
    "problems",
    "first_code",
    "first_message",
    "copy",
]
MAX_JOBS = 4
XLSX_NAME, HTML_NAME = "class_summary.xlsx", "class_summary.html"


@dataclass
class ClassCheck:
    """Every student's answer to every exercise, checked, with the class's summary and copy flags."""

    answers_dir: Path
    lang: str
    results: pd.DataFrame  # one row per student × exercise (RESULT_COLUMNS)
    problems: pd.DataFrame  # every problem: student, exercise, then base.PROBLEM_COLUMNS
    copies: pd.DataFrame  # exercise, kind, students, count
    ignored: list[str]  # top-level files that are no answer file

    @property
    def students(self) -> list[str]:
        return sorted(self.results["student"].unique())

    @property
    def summary(self) -> pd.DataFrame:
        return summary(self.results)

    @property
    def frequent(self) -> pd.DataFrame:
        return frequent_problems(self.problems)

    @property
    def matrix(self) -> pd.DataFrame:
        return matrix(self.results)


# --------------------------------------------------------------------------- collecting files


def collect(answers_dir, exclude=()) -> tuple[dict[str, dict[str, Path | None]], list[str]]:
    """Each student's answer file per exercise id (``None`` when not handed in), and the names of
    top-level files that are no answer file. Folders in ``exclude`` (the output folder) are skipped.

    Raises :class:`DataError` when ``answers_dir`` is missing, empty, or holds no answer file at all.
    """
    folder = Path(answers_dir)
    if not folder.is_dir():
        raise DataError(t("cc_err_no_folder", folder=folder))
    skip = {Path(p).resolve() for p in exclude}
    entries = sorted(p for p in folder.iterdir() if _visible(p) and p.resolve() not in skip)
    if not entries:
        raise DataError(t("cc_err_empty", folder=folder))
    folders = {p.name: p for p in entries if p.is_dir()}
    flat = {student for p in entries if p.is_file() for student in [_flat_student(p.name)] if student}
    files = {
        student: {e.id: _locate(student, folders.get(student), folder, e) for e in EXERCISE_LIST}
        for student in sorted(set(folders) | flat)
    }
    used = {path.resolve() for answers in files.values() for path in answers.values() if path is not None}
    if not used:
        raise DataError(t("cc_err_layout", folder=folder, example=f"{EXERCISE_LIST[0].slug}.xlsx"))
    ignored = [p.name for p in entries if p.is_file() and p.resolve() not in used]
    return files, ignored


def _visible(path: Path) -> bool:
    """Not a hidden or system entry (``.DS_Store``, ``__MACOSX``, Excel's ``~$`` lock files)."""
    return not path.name.startswith((".", "__", "~$"))


def _flat_student(name: str) -> str | None:
    """The student id of a flat answer file ``<学号>_<slug>.<ext>``, or ``None``."""
    stem = Path(name).stem
    for exercise in EXERCISE_LIST:
        suffix = f"_{exercise.slug}"
        if stem.endswith(suffix) and len(stem) > len(suffix):
            return stem[: -len(suffix)]
    return None


def _locate(student: str, own: Path | None, folder: Path, exercise: Exercise) -> Path | None:
    """The student's file for ``exercise``, chosen by :func:`answer_file` among the names it
    accepts: in the student's folder, its ``answers/`` sub-folder, then flat in ``folder``."""
    places = [
        (own, exercise),
        (own / STUDENT_SUBFOLDER if own else None, exercise),
        (folder, dataclasses.replace(exercise, slug=f"{student}_{exercise.slug}")),
    ]
    for place, named in places:
        if place is not None and place.is_dir():
            try:
                return answer_file(place, named)
            except DataError:
                continue
    return None


# --------------------------------------------------------------------------- checking


def check_class(answers_dir, lang: str | None = None, exclude=(), jobs: int | None = None) -> ClassCheck:
    """Read and check every student's answer to every exercise in ``answers_dir``, in ``jobs``
    processes (default: one per core, at most 4; 1 runs here; always here but on Linux)."""
    lang = lang or i18n.get_lang()
    files, ignored = collect(answers_dir, exclude=exclude)
    examples = {m.EXERCISE.id: _example_print(m, lang) for m in MODULES}
    tasks = [
        (student, exercise, answers[exercise.id], lang)
        for student, answers in files.items()
        for exercise in EXERCISE_LIST
    ]
    checked = _map(_check_task, tasks, jobs)
    rows = [row for row, _, _ in checked]
    problems = [found for _, found, _ in checked]
    prints = {(task[0], task[1].id): key for task, (_, _, key) in zip(tasks, checked)}
    copies = find_copies(prints, examples)
    results = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    results["copy"] = [_copy_note(copies, r.exercise, r.student, lang) for r in results.itertuples()]
    found = pd.concat(problems, ignore_index=True)
    return ClassCheck(Path(answers_dir), lang, results, found, _copies_table(copies), ignored)


def _map(function, tasks: list, jobs: int | None) -> list:
    """``function`` over ``tasks`` in order: in forked worker processes (each inherits the loaded
    package and the language, so starting one costs milliseconds; fork is safe on Linux only), or here."""
    jobs = min(MAX_JOBS, os.cpu_count() or 1) if jobs is None else jobs
    if jobs <= 1 or len(tasks) < 2 * jobs or not sys.platform.startswith("linux"):
        return [function(task) for task in tasks]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(function, tasks, chunksize=max(1, len(tasks) // (4 * jobs))))


def _check_task(task: tuple) -> tuple[dict, pd.DataFrame, tuple | None]:
    return _check_one(*task)


def _check_one(
    student: str, exercise: Exercise, path: Path | None, lang: str
) -> tuple[dict, pd.DataFrame, tuple | None]:
    """One result row, its problems and the answer's fingerprint (``None``: nothing to compare)."""
    if path is None:
        problems = file_problem(MISSING, t("cc_missing", lang=lang))
        raw = typed = None
    else:
        try:
            raw = read_answer(path, exercise)
            typed, problems = check(raw, exercise, lang=lang)
        except DataError as exc:
            problems, raw, typed = file_problem(UNREADABLE, str(exc)), None, None
    problems = problems[problems["severity"] != INFO]  # "which file was checked" is no problem of the answer
    errors = int((problems["severity"] == ERROR).sum())
    first = problems[problems["severity"] == ERROR] if errors else problems
    row = {
        "student": student,
        "exercise": exercise.id,
        "file": path.name if path else "",
        "handed_in": path is not None,
        "passed": errors == 0,
        "errors": errors,
        "notes": len(problems) - errors,
        "problems": len(problems),
        "first_code": first["code"].iloc[0] if len(first) else "",
        "first_message": first["message"].iloc[0] if len(first) else "",
        "copy": "",
    }
    found = problems.assign(student=student, exercise=exercise.id)[["student", "exercise", *PROBLEM_COLUMNS]]
    return row, found, None if raw is None else fingerprint(raw, typed, exercise)


def _example_print(module, lang: str) -> tuple | None:
    """The fingerprint of the exercise's worked example, read as :func:`read_answer` reads a file
    (template columns, text cells)."""
    exercise = module.EXERCISE
    raw = module.example().rename(columns={f.zh: f.name for f in exercise.fields}).astype("string").fillna("")
    raw = raw.apply(lambda c: c.str.strip())
    raw[ROW] = range(2, len(raw) + 2)
    typed, _ = check(raw, exercise, lang=lang)
    return fingerprint(raw, typed, exercise)


# --------------------------------------------------------------------------- copies


def fingerprint(raw: pd.DataFrame, typed: pd.DataFrame, exercise: Exercise) -> tuple | None:
    """The answer's content, independent of file format, encoding, column and row order: per row,
    each template column's value as the checker typed it (numbers as numbers, 15% = 0.15; choices
    by their canonical value, 机会 = opportunity) or else the text as read. ``None`` for no rows."""
    if raw is None or raw.empty:
        return None
    columns = []
    for f in exercise.fields:
        text = raw[f.name] if f.name in raw.columns else pd.Series("", index=raw.index)
        value = typed[f.name] if f.name in typed.columns else pd.Series(None, index=raw.index)
        columns.append([_cell(v, s, f.kind) for v, s in zip(value, text)])
    return tuple(sorted(zip(*columns)))


def _cell(value, text: str, kind: str) -> str:
    if kind in (NUMBER, INTEGER) and pd.notna(value):
        return f"{float(value):.10g}"
    if kind == CHOICE and value is not None and pd.notna(value):
        return str(value)
    return str(text)


def find_copies(prints: dict[tuple[str, str], tuple | None], examples: dict[str, tuple | None]) -> list[dict]:
    """Groups of students whose answers to an exercise are the same: each group equal to the worked
    example (even of one student), and each other group of two or more students."""
    groups: dict[tuple[str, tuple], list[str]] = {}
    for (student, exercise), key in prints.items():
        if key is not None:
            groups.setdefault((exercise, key), []).append(student)
    found = []
    for (exercise, key), students in groups.items():
        kind = EXAMPLE if key == examples.get(exercise) else IDENTICAL
        if kind == EXAMPLE or len(students) > 1:
            found.append({"exercise": exercise, "kind": kind, "students": sorted(students)})
    return sorted(found, key=lambda c: (EXERCISE_ORDER[c["exercise"]], c["kind"] != EXAMPLE, c["students"]))


def _copy_note(copies: list[dict], exercise: str, student: str, lang: str) -> str:
    for copy in copies:
        if copy["exercise"] == exercise and student in copy["students"]:
            if copy["kind"] == EXAMPLE:
                return t("cc_copy_of_example", lang=lang, company=EXAMPLE_COMPANY)
            others = ", ".join(s for s in copy["students"] if s != student)
            return t("cc_copy_of_students", lang=lang, students=others)
    return ""


def _copies_table(copies: list[dict]) -> pd.DataFrame:
    rows = [
        {
            "exercise": c["exercise"],
            "kind": c["kind"],
            "students": ", ".join(c["students"]),
            "count": len(c["students"]),
        }
        for c in copies
    ]
    return pd.DataFrame(rows, columns=["exercise", "kind", "students", "count"])


# --------------------------------------------------------------------------- class tables


def summary(results: pd.DataFrame) -> pd.DataFrame:
    """Per exercise: students, handed in, passed, pass rate (passed ÷ students of the class),
    answers flagged as copies."""
    rows = []
    for exercise in EXERCISE_LIST:
        part = results[results["exercise"] == exercise.id]
        students = len(part)
        rows.append(
            {
                "exercise": exercise.id,
                "slug": exercise.slug,
                "students": students,
                "handed_in": int(part["handed_in"].sum()),
                "passed": int(part["passed"].sum()),
                "pass_rate": part["passed"].sum() / students if students else 0.0,
                "copies": int((part["copy"] != "").sum()),
            }
        )
    return pd.DataFrame(rows)


def frequent_problems(problems: pd.DataFrame) -> pd.DataFrame:
    """Problems by exercise and kind (the checker's code): how many students and how often, with
    one message as an example; most students first."""
    columns = ["exercise", "code", "severity", "students", "occurrences", "example"]
    if problems.empty:
        return pd.DataFrame(columns=columns)
    ordered = problems.sort_values(["student", "row"], kind="stable", na_position="first")
    grouped = ordered.groupby(["exercise", "code", "severity"], sort=True)
    table = grouped.agg(students=("student", "nunique"), occurrences=("student", "size"), example=("message", "first"))
    table = table.reset_index()
    table["_order"] = table["exercise"].map(EXERCISE_ORDER)
    table = table.sort_values(
        ["students", "occurrences", "_order", "code"], ascending=[False, False, True, True], kind="stable"
    )
    return table[columns].reset_index(drop=True)


def matrix(results: pd.DataFrame) -> pd.DataFrame:
    """Students × exercises: ✅ or ❌ with the number of errors, ⚑ for a copy; and passed ÷ total."""
    marks = results.assign(mark=[_mark(r) for r in results.itertuples()])
    table = marks.pivot(index="student", columns="exercise", values="mark")[[e.id for e in EXERCISE_LIST]]
    passed = results.groupby("student")["passed"].sum().astype(int)
    table["passed"] = [f"{passed[s]}/{len(EXERCISE_LIST)}" for s in table.index]
    table = table.sort_index()
    table.columns.name = None
    return table.reset_index()


def _mark(row) -> str:
    mark = PASS if row.passed else f"{FAIL} {row.errors}"
    return f"{mark} {COPY_MARK}" if row.copy else mark


# --------------------------------------------------------------------------- outputs


def default_out(answers_dir) -> Path:
    """``<answers_dir>_class_check`` next to the answers folder (one per class, never inside it)."""
    folder = Path(answers_dir).resolve()
    return folder.parent / f"{folder.name}_class_check"


def sheets(result: ClassCheck) -> dict[str, pd.DataFrame]:
    """The workbook's sheets with headers and kinds in the check's language."""
    lang = result.lang
    problems = result.frequent.assign(severity=lambda d: [t(f"severity_{s}", lang=lang) for s in d["severity"]])
    copies = result.copies.assign(kind=lambda d: [_kind_text(k, lang) for k in d["kind"]])
    results = result.results.assign(
        handed_in=lambda d: d["handed_in"].map(_yes_no(lang)),
        passed=lambda d: d["passed"].map({True: PASS, False: FAIL}),
    )
    tables = {
        "matrix": result.matrix,
        "summary": result.summary,
        "problems": problems,
        "copies": copies,
        "details": results,
    }
    return {t(f"cc_sheet_{name}", lang=lang): _headed(frame, lang) for name, frame in tables.items()}


def _yes_no(lang: str) -> dict:
    return {True: t("cc_yes", lang=lang), False: t("cc_no", lang=lang)}


def _kind_text(kind: str, lang: str) -> str:
    return t(f"cc_kind_{kind}", lang=lang, company=EXAMPLE_COMPANY)


def _headed(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    names = {c: TEXT[lang].get(f"cc_col_{c}", c) for c in frame.columns}
    return frame.rename(columns=names)


def render_html(result: ClassCheck) -> str:
    """The class summary as one standalone page (every value HTML-escaped, no script)."""
    lang = result.lang
    keys = (
        "title",
        "matrix",
        "summary",
        "failed",
        "problems",
        "copies",
        "ignored",
        "no_copies",
        "no_problems",
        "legend",
    )
    text = {key: t(f"cc_html_{key}", lang=lang, company=EXAMPLE_COMPANY) for key in keys}
    text["line"] = summary_line(result)
    details = {(r.student, r.exercise): r for r in result.results.itertuples()}
    columns = {
        c: TEXT[lang].get(f"cc_col_{c}", c)
        for c in (
            *RESULT_COLUMNS,
            "slug",
            "students",
            "pass_rate",
            "copies",
            "code",
            "severity",
            "occurrences",
            "example",
            "kind",
            "count",
        )
    }
    return render_page(
        "class_summary.html.j2",
        lang,
        r=result,
        text=text,
        col=columns,
        exercises=EXERCISE_LIST,
        students=result.students,
        details=details,
        summary=result.summary,
        frequent=result.frequent,
        copies=result.copies,
        failed=result.results[~result.results["passed"]].to_dict("records"),
        kind_text={k: _kind_text(k, lang) for k in (EXAMPLE, IDENTICAL)},
        severity_text={s: t(f"severity_{s}", lang=lang) for s in ("error", "warning")},
        pass_mark=PASS,
        fail_mark=FAIL,
        copy_mark=COPY_MARK,
    )


def summary_line(result: ClassCheck) -> str:
    """One sentence: students, answers passed of all, copy groups."""
    results = result.results
    return t(
        "cc_summary_line",
        lang=result.lang,
        students=len(result.students),
        exercises=len(EXERCISE_LIST),
        passed=int(results["passed"].sum()),
        total=len(results),
        handed_in=int(results["handed_in"].sum()),
        copies=len(result.copies),
    )


def write_outputs(result: ClassCheck, out) -> dict[str, Path]:
    """Write ``class_summary.xlsx`` (formula-safe, through :func:`write_xlsx`) and ``class_summary.html``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    xlsx = write_xlsx(sheets(result), out / XLSX_NAME)
    html = out / HTML_NAME
    html.write_text(render_html(result), encoding="utf-8")
    return {"xlsx": xlsx, "html": html}
