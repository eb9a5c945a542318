"""Exercise framework and exercise 2-1: templates round-trip, every wrong answer gets its message."""

from __future__ import annotations

from pathlib import Path

import exercise_support as support
import pandas as pd
import pytest

from custval import exercises
from custval.exercises import macro, value_grades

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "exercises"


def answer(tmp_path, exercise, frame, suffix=".csv", encoding="utf-8-sig"):
    return support.answer(tmp_path, exercise, frame, suffix=suffix, encoding=encoding)


codes = support.codes


def test_committed_templates_and_examples_are_what_the_code_writes(tmp_path):
    written = exercises.write_templates(tmp_path)
    for key, path in written.items():
        if key.endswith(".csv"):
            assert path.read_bytes() == (DATA / key).read_bytes(), key
        else:
            committed = pd.read_excel(DATA / key, sheet_name=None)
            fresh = pd.read_excel(path, sheet_name=None)
            assert list(committed) == list(fresh), key
            for sheet in committed:
                pd.testing.assert_frame_equal(committed[sheet], fresh[sheet])


@pytest.mark.parametrize("exercise_id", list(exercises.EXERCISES))
def test_every_worked_example_passes_its_checker(exercise_id):
    run = exercises.start(exercises.get(exercise_id), DATA / "example", lang="zh")
    assert run.problems.empty, run.problems["message"].tolist()
    assert run.ok and len(run.rows) >= run.exercise.min_rows


@pytest.mark.parametrize("exercise_id", list(exercises.EXERCISES))
def test_every_empty_template_is_reported_as_empty(exercise_id, tmp_path):
    exercise = exercises.get(exercise_id)
    run = answer(tmp_path, exercise, exercise.template())
    assert codes(run) == ["empty"] and not run.ok


def test_missing_answer_file_explains_where_to_get_the_template(tmp_path):
    run = exercises.start(macro.EXERCISE, tmp_path, lang="en")
    assert codes(run) == ["unreadable"]
    assert (
        "2-1_macro_environment.xlsx" in run.problems["message"][0]
        and "data/exercises/templates" in run.problems["message"][0]
    )


def test_unknown_exercise_is_a_clear_error():
    with pytest.raises(ValueError, match="no exercise '9-9'"):
        exercises.get("9-9")


# --------------------------------------------------------------------------- exercise 2-1


def example21() -> pd.DataFrame:
    return macro.example()


def test_21_english_headers_gbk_csv_and_xlsx_read_the_same(tmp_path):
    frame = example21()
    english = frame.set_axis([f.en for f in macro.EXERCISE.fields], axis=1)
    for run in (
        answer(tmp_path, macro.EXERCISE, english),
        answer(tmp_path / "gbk", macro.EXERCISE, frame, encoding="gbk") if (tmp_path / "gbk").mkdir() is None else None,
        answer(tmp_path / "x", macro.EXERCISE, frame, suffix=".xlsx") if (tmp_path / "x").mkdir() is None else None,
    ):
        assert run.ok, run.problems
        assert run.rows["weight"].sum() == pytest.approx(1.0)
        assert set(run.rows["kind"]) == {"political", "economic", "social", "technological"}


def test_21_missing_column_names_the_column(tmp_path):
    run = answer(tmp_path, macro.EXERCISE, example21().drop(columns="权重"))
    assert "missing_column" in codes(run)
    assert "权重 / weight" in run.problems.loc[run.problems["code"] == "missing_column", "message"].iloc[0]


def test_21_weights_not_summing_to_one(tmp_path):
    frame = example21()
    frame.loc[0, "权重"] = 0.30
    run = answer(tmp_path, macro.EXERCISE, frame)
    assert codes(run) == ["sum_not_one"]
    assert "1.15" in run.problems["message"][0]


def test_21_weights_within_tolerance_are_accepted_and_rescaled(tmp_path):
    frame = example21()
    frame.loc[0, "权重"] = 0.155
    run = answer(tmp_path, macro.EXERCISE, frame)
    assert run.ok
    assert macro.efe_table(run.rows)["weight"].sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(
    ("column", "value", "code", "shown"),
    [
        ("应对评分", "5", "out_of_range", "between 1 and 4"),
        ("应对评分", "2.5", "not_integer", "whole number"),
        ("权重", "很高", "not_number", "'很高'"),
        ("类别", "环境", "choice", "political / economic / social / technological"),
        ("判断与结论", "", "required", "'judgement' is empty"),
    ],
)
def test_21_bad_cells_get_their_own_message_with_row_and_column(tmp_path, column, value, code, shown):
    frame = example21().astype(str)
    frame.loc[3, column] = value
    run = answer(tmp_path, macro.EXERCISE, frame)
    problem = run.problems[run.problems["code"] == code]
    assert len(problem) == 1, run.problems
    assert problem["row"].iloc[0] == 5  # the header is row 1, so the fourth answer is row 5
    assert "Row 5" in problem["message"].iloc[0] and shown in problem["message"].iloc[0]
    assert not run.ok


def test_21_percent_weights_are_read_as_fractions(tmp_path):
    frame = example21().astype(str)
    frame["权重"] = [f"{float(w) * 100:g}%" for w in frame["权重"]]
    run = answer(tmp_path, macro.EXERCISE, frame)
    assert run.ok and run.rows["weight"].sum() == pytest.approx(1.0)


def test_21_needs_both_an_opportunity_and_a_risk(tmp_path):
    frame = example21()
    frame["机会或风险"] = "机会"
    run = answer(tmp_path, macro.EXERCISE, frame)
    assert codes(run) == ["choice_missing"]
    assert "'risk'" in run.problems["message"][0] and not run.ok


def test_21_a_missing_pest_kind_is_only_a_note(tmp_path):
    frame = example21()
    frame = frame[frame["类别"] != "技术"]
    frame["权重"] = frame["权重"] / frame["权重"].sum()
    run = answer(tmp_path, macro.EXERCISE, frame)
    assert codes(run) == ["choice_missing"] and run.problems["severity"][0] == "warning" and run.ok


def test_21_too_few_factors(tmp_path):
    frame = example21().head(3)
    frame["权重"] = [0.5, 0.25, 0.25]
    frame["机会或风险"] = ["风险", "机会", "机会"]
    run = answer(tmp_path, macro.EXERCISE, frame)
    assert "too_few_rows" in codes(run)


def test_21_efe_on_the_worked_example():
    rows = exercises.start(macro.EXERCISE, DATA / "example").rows
    efe = macro.efe_table(rows)
    # Σ weight × rating, by hand from the example table.
    assert efe["score"].sum() == pytest.approx(0.45 + 0.16 + 0.36 + 0.20 + 0.30 + 0.30 + 0.36 + 0.20 + 0.16)
    assert macro.focus(efe)["factor"] == "健康饮食观念普及"
    kinds = macro.by_kind(rows)
    assert kinds["weight"].sum() == pytest.approx(1.0) and kinds["factors"].sum() == len(rows)


def test_problem_messages_exist_in_both_languages():
    from custval.i18n import TEXT

    zh = {k for k in TEXT["zh"] if k.startswith("ex")}
    en = {k for k in TEXT["en"] if k.startswith("ex")}
    assert zh == en


# --------------------------------------------------------------------------- exercise 2-7 (grades)


def example27() -> pd.DataFrame:
    return value_grades.example()


def test_27b_fewer_than_thirty_customers(tmp_path):
    run = answer(tmp_path, value_grades.EXERCISE, example27().head(29))
    assert codes(run) == ["too_few_rows"]
    assert "29" in run.problems["message"][0] and "30" in run.problems["message"][0]


def test_27b_a_grade_below_a_dominated_customer_is_named_with_both_rows(tmp_path):
    frame = example27()
    frame.loc[frame["客户编号"] == "K030", "等级"] = "C"  # the most valuable customer, demoted
    run = answer(tmp_path, value_grades.EXERCISE, frame)
    assert codes(run) == ["grade_inconsistent"]
    message = run.problems["message"][0]
    # K030 is row 31; the best-graded customer it dominates is the first A in row order, K004 in row 5.
    assert run.problems["row"][0] == 31 and "K030" in message and "row 5" in message and "K004" in message


def test_27b_every_inconsistent_customer_is_listed_once():
    rows = exercises.start(value_grades.EXERCISE, DATA / "example").rows
    swapped = rows.copy()
    swapped.loc[swapped["customer_id"] == "K010", "grade"] = "A"  # the smallest customer promoted to A
    wrong = value_grades.inconsistent_grades(swapped)
    # every B customer dominates K010 (600, 370), and so do the C customers with both values higher.
    dominating = swapped[
        (swapped["current_value"] >= 600) & (swapped["future_value"] >= 370) & (swapped["customer_id"] != "K010")
    ]
    assert sorted(wrong["customer_id"]) == sorted(dominating.loc[dominating["grade"] != "A", "customer_id"])
    assert set(wrong["other_id"]) == {"K010"} and wrong["row"].is_monotonic_increasing


def test_27b_equal_values_may_share_or_split_grades():
    rows = exercises.start(value_grades.EXERCISE, DATA / "example").rows
    twins = rows.copy()
    twins.loc[twins["customer_id"] == "K002", ["current_value", "future_value"]] = [4030, 6510]  # same as K001 (B)
    assert value_grades.inconsistent_grades(twins).empty  # equal values dominate neither way


def test_27b_duplicate_ids_and_bad_grade_letters(tmp_path):
    frame = example27().astype(str)
    frame.loc[1, "客户编号"] = "K001"
    frame.loc[2, "等级"] = "D"
    run = answer(tmp_path, value_grades.EXERCISE, frame)
    # the duplicate among the sound rows is reported beside the bad letter, in row order
    assert codes(run) == ["duplicate", "choice"]
    assert "A / B / C" in run.problems["message"][1] and run.problems["row"].tolist() == [3, 4]
    frame.loc[2, "等级"] = "c类"
    run = answer(tmp_path, value_grades.EXERCISE, frame)
    assert codes(run) == ["duplicate"] and "rows 2, 3" in run.problems["message"][0]


def test_27b_negative_value_and_missing_advice(tmp_path):
    frame = example27()
    frame.loc[0, "目前价值"] = -5
    run = answer(tmp_path, value_grades.EXERCISE, frame)
    assert codes(run) == ["out_of_range"] and "Row 2" in run.problems["message"][0]
    frame = example27()
    frame.loc[frame["等级"] == "B", "营销策略"] = ""
    run = answer(tmp_path, value_grades.EXERCISE, frame)
    assert codes(run) == ["grade_without_advice"] and "grade B" in run.problems["message"][0]


def test_27b_summary_and_grid_count_every_customer_once():
    rows = exercises.start(value_grades.EXERCISE, DATA / "example").rows
    summary = value_grades.grade_summary(rows)
    assert summary["customers"].tolist() == [6, 9, 15]
    assert summary["share_current_value"].sum() == pytest.approx(1.0)
    a_current = sum(c[2] for c in value_grades.CUSTOMERS if c[4] == "A")
    assert summary.loc[0, "current_value"] == a_current == 4270 + 6570 + 11620 + 15660 + 9500 + 16960
    graded, versus = value_grades.compare_with_grid(rows)
    assert versus[list("ABCDEF")].to_numpy().sum() == len(rows) == len(graded)
    assert (versus.set_index("student_grade")[list("ABCDEF")].sum(axis=1) == [6, 9, 15]).all()


# --------------------------------------------------------------------------- notebooks, hand-outs, report

NOTEBOOKS = sorted((ROOT / "notebooks" / "exercises").glob("*.ipynb"))


def tags(cell) -> list:
    return cell.get("metadata", {}).get("tags", [])


def test_there_is_one_notebook_per_exercise_with_a_model_answer():
    import nbformat

    assert [p.stem for p in NOTEBOOKS] == sorted(e.slug for e in exercises.EXERCISES.values())
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert tags(nb.cells[0]) == ["parameters"], path.name
        assert any("solution" in tags(c) for c in nb.cells), f"{path.name} has no model answer"


def test_handouts_drop_every_solution_cell_and_keep_the_rest(tmp_path):
    import nbformat

    written = exercises.handouts(ROOT / "notebooks" / "exercises", tmp_path / "handouts")
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS]
    for original, handout in zip(NOTEBOOKS, written):
        full = nbformat.read(original, as_version=4).cells
        kept = nbformat.read(handout, as_version=4).cells
        assert not any("solution" in tags(c) for c in kept), handout.name
        assert [c.source for c in kept] == [c.source for c in full if "solution" not in tags(c)]
    assert (
        nbformat.read(NOTEBOOKS[0], as_version=4).cells == nbformat.read(NOTEBOOKS[0], as_version=4).cells
    )  # sources untouched
    assert any("solution" in tags(c) for c in nbformat.read(NOTEBOOKS[0], as_version=4).cells)


def test_exercise_report_renders_every_exercise(tmp_path):
    from custval.report import run_report

    result = run_report(ROOT / "exercises.yml", out=tmp_path, name="exercises", progress=False)
    assert result.ok, [(n.name, n.error) for n in result.notebooks]
    assert sorted(n.name for n in result.notebooks) == [p.stem for p in NOTEBOOKS]
    for path in NOTEBOOKS:
        html = (result.folder / f"{path.stem}.html").read_text(encoding="utf-8")
        assert "参考答案" in html  # the report shows the worked example with its model answer
        problems = pd.read_csv(result.folder / "tables" / f"{path.stem}_problems.csv")
        assert problems.empty


def wrong_macro_answer(answers):
    """An answers folder whose 2-1 answer (GBK CSV) has weights that do not add up to 1."""
    answers.mkdir()
    frame = macro.example()
    frame.loc[0, "权重"] = 0.5
    frame.to_csv(answers / "2-1_macro_environment.csv", index=False, encoding="gbk")
    return answers


def test_a_hand_in_index_shows_each_exercises_verdict_file_and_only_its_parameters(tmp_path):
    import json
    import re

    from custval.report import run_report

    answers = wrong_macro_answer(tmp_path / "answers")
    result = run_report(
        ROOT / "exercises.yml",
        out=tmp_path / "reports",
        name="S2024001",
        progress=False,
        only=["2-1_macro_environment", "2-2_service_level"],
        params={"answers": str(answers)},
    )
    assert result.ok  # both notebooks ran; the answers did not pass
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    checks = {c["exercise"]: c for c in manifest["checks"]}
    assert (
        checks["2-1"]["ok"] is False
        and checks["2-1"]["errors"] == 1
        and checks["2-1"]["file"] == "2-1_macro_environment.csv"
    )
    assert checks["2-1"]["bytes"] == (answers / "2-1_macro_environment.csv").stat().st_size
    assert checks["2-2"]["ok"] is False and checks["2-2"]["file"] is None  # not handed in
    assert manifest["parameters_used"] == ["answers", "lang"]
    html = (result.folder / "index.html").read_text(encoding="utf-8")
    assert "2 个练习中 0 个通过" in html and html.count("❌") == 2 and "2-1_macro_environment.csv" in html
    parameters = html[html.index("<h2>参数") :]
    assert (
        re.search(r"<th>answers</th>", parameters)
        and "rfm_bins" not in parameters
        and "horizon_years" not in parameters
    )


def test_exercise_report_with_a_wrong_answer_lists_its_problems(tmp_path):
    from custval.report import run_report

    answers = wrong_macro_answer(tmp_path / "answers")
    result = run_report(
        ROOT / "exercises.yml",
        out=tmp_path / "reports",
        only=["2-1_macro_environment"],
        params={"answers": str(answers)},
        progress=False,
    )
    assert result.ok  # a wrong answer is explained, not a failure
    problems = pd.read_csv(result.folder / "tables" / "2-1_macro_environment_problems.csv")
    assert problems["code"].tolist() == ["sum_not_one"]


def test_exercise_report_refuses_a_missing_answers_folder(tmp_path):
    from custval.errors import ConfigError
    from custval.report import run_report

    with pytest.raises(ConfigError, match="answers"):
        run_report(ROOT / "exercises.yml", out=tmp_path, params={"answers": str(tmp_path / "nowhere")}, progress=False)
