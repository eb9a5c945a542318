"""custval class-check: a class of 30 students checked at once, the class summary and copy flags."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from custval import i18n
from custval.cli import main
from custval.exercises import MODULES, base, classcheck

EXERCISES = [m.EXERCISE for m in MODULES]
EXAMPLES = {m.EXERCISE.id: m.example() for m in MODULES}
FORMULA_ID = "=1+2"  # a student id a spreadsheet would evaluate
COPIER, TWIN, EXAMPLE_COPIER = "S2024028", FORMULA_ID, "S2024020"
STUDENTS = [f"S2024{n:03d}" for n in range(1, 30)] + [FORMULA_ID]


@pytest.fixture(autouse=True)
def chinese_by_default():
    yield
    i18n.set_lang("zh")


def variant(exercise, n: int) -> pd.DataFrame:
    """The worked example with student ``n``'s own words in the last free-text column: valid, yet
    different from the example and from every other student's."""
    frame = EXAMPLES[exercise.id].copy()
    column = [f for f in exercise.fields if f.kind == base.TEXT][-1].zh
    frame.loc[0, column] = f"{frame.loc[0, column]}(学生 {n})"
    return frame


def broken(exercise, n: int) -> pd.DataFrame:
    """A variant with an error: a number that is none, a choice that is none, or too few rows."""
    frame = variant(exercise, 1000 + n).astype(object)
    numbers = [f.zh for f in exercise.fields if f.kind in (base.NUMBER, base.INTEGER)]
    choices = [f.zh for f in exercise.fields if f.kind == base.CHOICE]
    if n % 3 == 0 and numbers:
        frame.loc[1, numbers[0]] = "很多"
    elif n % 3 == 1 and choices:
        frame.loc[0, choices[0]] = "<script>alert(1)</script>"
    else:
        frame = frame.iloc[: exercise.min_rows - 1]
    return frame


def write(frame: pd.DataFrame, path: Path, fmt: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        frame.to_excel(path.with_suffix(".xlsx"), index=False)
        return path.with_suffix(".xlsx")
    frame.to_csv(path.with_suffix(".csv"), index=False, encoding="gbk" if fmt == "gbk" else "utf-8-sig")
    return path.with_suffix(".csv")


def place(root: Path, student: int | str, exercise, flat: bool) -> Path:
    if flat:
        return root / f"{student}_{exercise.slug}"
    return root / str(student) / exercise.slug


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """30 students in both layouts and three formats; returns the folder and each written file
    (``None``: not handed in)."""
    root = tmp_path_factory.mktemp("class") / "answers"
    written: dict[tuple[str, str], Path | None] = {}
    for n, student in enumerate(STUDENTS, start=1):
        for k, exercise in enumerate(EXERCISES):
            fmt = ("xlsx", "csv", "gbk")[(n + k) % 3]
            flat = n % 2 == 0
            frame = variant(exercise, n * 10 + k)
            if 21 <= n <= 25 and k in (n % 6, (n + 2) % 6):
                frame = broken(exercise, n + k)
            if n == 26:
                frame = exercise.template()
            if n == 27 and k > 1:
                written[student, exercise.id] = None
                continue
            if exercise.id == "2-4" and student in (COPIER, TWIN):  # the same answer, disguised
                frame = variant(exercise, 999)
                if student == TWIN:
                    frame = frame.iloc[::-1, ::-1]
                fmt = "xlsx" if student == COPIER else "gbk"
            if exercise.id == "2-1" and student == EXAMPLE_COPIER:
                frame, fmt = EXAMPLES["2-1"], "csv"
            written[student, exercise.id] = write(frame, place(root, student, exercise, flat), fmt)
    return root, written


@pytest.fixture(scope="module")
def result(klass):
    return classcheck.check_class(klass[0], lang="zh")


VERDICTS: dict = {}


def expected(path: Path | None, exercise) -> tuple[bool, str]:
    """What the notebooks' checker says about one file: passed, first error message."""
    if path is None:
        return False, i18n.t("cc_missing", lang="zh")
    if path not in VERDICTS:
        VERDICTS[path] = _verdict(path, exercise)
    return VERDICTS[path]


def _verdict(path: Path, exercise) -> tuple[bool, str]:
    _, problems = base.check(base.read_answer(path, exercise), exercise, lang="zh")
    errors = problems[problems["severity"] == base.ERROR]
    return errors.empty, errors["message"].iloc[0] if len(errors) else ""


def test_fixture_has_correct_answers_errors_and_missing_files(klass):
    _, written = klass
    verdicts = [expected(path, e)[0] for e in EXERCISES for (s, x), path in written.items() if x == e.id]
    assert 100 < sum(verdicts) <= len(verdicts) - 15


def test_every_cell_is_the_checkers_own_verdict(klass, result):
    _, written = klass
    assert result.students == sorted(STUDENTS)
    assert len(result.results) == len(STUDENTS) * len(EXERCISES)
    for row in result.results.itertuples():
        exercise = next(e for e in EXERCISES if e.id == row.exercise)
        path = written[row.student, row.exercise]
        passed, first = expected(path, exercise)
        assert (row.passed, row.handed_in) == (passed, path is not None), (row.student, row.exercise)
        assert row.file == ("" if path is None else path.name)
        if not passed:
            assert row.first_message == first and row.errors >= 1
    matrix = result.matrix.set_index("student")
    for (student, exercise), path in written.items():
        assert matrix.loc[student, exercise].startswith(
            "✅" if expected(path, classcheck_exercise(exercise))[0] else "❌"
        )


def classcheck_exercise(exercise_id: str):
    return next(e for e in EXERCISES if e.id == exercise_id)


def test_missing_and_empty_answers_are_failures(result):
    rows = result.results.set_index(["student", "exercise"])
    assert rows.loc[("S2024027", "2-7b"), "first_message"] == "未提交"
    assert not rows.loc[("S2024027", "2-7b"), "handed_in"] and rows.loc[("S2024027", "2-1"), "handed_in"]
    assert (rows.loc["S2024026", "first_code"] == "empty").all()


def test_pass_rates_and_handed_in_per_exercise(klass, result):
    _, written = klass
    summary = result.summary.set_index("exercise")
    for exercise in EXERCISES:
        paths = [written[s, exercise.id] for s in STUDENTS]
        passed = sum(expected(p, exercise)[0] for p in paths)
        assert summary.loc[exercise.id, "handed_in"] == sum(p is not None for p in paths)
        assert summary.loc[exercise.id, "passed"] == passed
        assert summary.loc[exercise.id, "pass_rate"] == pytest.approx(passed / len(STUDENTS))


def test_frequent_problems_count_students_per_kind(result):
    frequent = result.frequent.set_index(["exercise", "code"])
    assert frequent.loc[("2-7b", "missing"), "students"] == 1
    assert frequent.loc[("2-1", "empty"), "students"] == 1
    problems = result.problems
    for (exercise, code), row in frequent.iterrows():
        hits = problems[(problems["exercise"] == exercise) & (problems["code"] == code)]
        assert (row["students"], row["occurrences"]) == (hits["student"].nunique(), len(hits))
    assert list(result.frequent["students"]) == sorted(result.frequent["students"], reverse=True)


def test_copies_are_found_across_formats_and_only_those(result):
    copies = result.copies[["exercise", "kind", "students"]].values.tolist()
    assert copies == [["2-1", "worked_example", EXAMPLE_COPIER], ["2-4", "identical", f"{TWIN}, {COPIER}"]]
    notes = result.results.set_index(["student", "exercise"])["copy"]
    assert notes[(COPIER, "2-4")] == f"与 {TWIN} 相同" and notes[(TWIN, "2-4")] == f"与 {COPIER} 相同"
    assert "示例" in notes[(EXAMPLE_COPIER, "2-1")]
    assert (notes != "").sum() == 3


def test_the_same_answer_with_translated_choices_and_percent_is_a_copy(tmp_path):
    exercise = classcheck_exercise("2-1")
    frame = EXAMPLES["2-1"].copy()
    frame["类别"] = frame["类别"].map({"政治": "political", "经济": "Economic", "社会": "s", "技术": "technology"})
    frame["权重"] = [f"{w * 100:g}%" for w in frame["权重"]]
    frame.columns = [f.en for f in exercise.fields]
    write(frame, tmp_path / "A" / exercise.slug, "csv")
    write(variant(exercise, 1), tmp_path / "B" / exercise.slug, "xlsx")
    found = classcheck.check_class(tmp_path, lang="en")
    assert found.copies[["exercise", "kind", "students"]].values.tolist() == [["2-1", "worked_example", "A"]]


def test_answers_subfolder_and_ignored_files(tmp_path):
    exercise = classcheck_exercise("2-2")
    write(variant(exercise, 1), tmp_path / "S1" / "answers" / exercise.slug, "xlsx")
    (tmp_path / "readme.txt").write_text("hi", encoding="utf-8")
    (tmp_path / "S2_2-1_macro_environment.xlsx").write_bytes(b"not a workbook")
    found = classcheck.check_class(tmp_path, lang="en")
    rows = found.results.set_index(["student", "exercise"])
    assert rows.loc[("S1", "2-2"), "passed"] and rows.loc[("S1", "2-1"), "first_message"] == "not handed in"
    assert rows.loc[("S2", "2-1"), "first_code"] == "unreadable" and rows.loc[("S2", "2-1"), "handed_in"]
    assert found.ignored == ["readme.txt"]


def test_xlsx_has_no_formula_cells_and_html_is_escaped(result, tmp_path):
    paths = classcheck.write_outputs(result, tmp_path / "out")
    book = openpyxl.load_workbook(paths["xlsx"])
    assert book.sheetnames == ["学生 × 练习", "汇总", "常见问题", "疑似抄袭", "明细"]
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert any(c.value == FORMULA_ID for c in cells) and any(str(c.value).startswith(FORMULA_ID + ",") for c in cells)
    assert all(c.data_type != "f" for c in cells)
    html = paths["html"].read_text(encoding="utf-8")
    assert "<script" not in html and "&lt;script&gt;" in html and FORMULA_ID in html


def test_a_second_run_without_worker_processes_writes_the_same_bytes(klass, result, tmp_path):
    here = classcheck.check_class(klass[0], lang="zh", jobs=1)
    pd.testing.assert_frame_equal(here.problems, result.problems)
    first = classcheck.write_outputs(result, tmp_path / "a")
    second = classcheck.write_outputs(here, tmp_path / "b")
    for key in first:
        assert first[key].read_bytes() == second[key].read_bytes()


def test_cli_writes_the_outputs_and_exits_0_whatever_the_results(klass, tmp_path, capsys):
    code = main(["class-check", str(klass[0]), "--out", str(tmp_path / "out"), "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 0
    assert len(out.strip().splitlines()) == 1 and "30 students × 6 exercises" in out
    assert (tmp_path / "out" / "class_summary.xlsx").is_file() and (tmp_path / "out" / "class_summary.html").is_file()
    details = pd.read_excel(tmp_path / "out" / "class_summary.xlsx", sheet_name="details")
    assert "not handed in" in set(details["first problem"])


def test_cli_default_out_is_next_to_the_answers(tmp_path, capsys):
    exercise = classcheck_exercise("2-1")
    write(variant(exercise, 1), tmp_path / "answers" / f"S1_{exercise.slug}", "csv")
    assert main(["class-check", str(tmp_path / "answers")]) == 0
    assert (tmp_path / "answers_class_check" / "class_summary.html").is_file()
    assert not (tmp_path / "answers" / "answers_class_check").exists()


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda root: None, "找不到答案文件夹"),
        (lambda root: root.mkdir(), "是空的"),
        (
            lambda root: (root.mkdir(), (root / "notes.txt").write_text("x"), (root / "S1").mkdir()),
            "没有找到任何答案文件",
        ),
    ],
)
def test_cli_exit_2_with_one_line_for_a_missing_empty_or_unreadable_folder(tmp_path, capsys, setup, message):
    root = tmp_path / "answers"
    setup(root)
    assert main(["class-check", str(root), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
