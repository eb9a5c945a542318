"""The exercise checkers read what students really type: which file, numbers, headers, total rows,
percentages, message order and rules on the sound rows (issue 21, point 2)."""

from __future__ import annotations

import os

import exercise_support as support
import pandas as pd
import pytest

from custval import exercises
from custval.exercises import channels, groups, macro, service, value_grades

codes, only = support.codes, support.only


def answer(tmp_path, exercise, frame, lang="zh", **options):
    return support.answer(tmp_path, exercise, frame, lang=lang, **options)


def touch(path, seconds):
    os.utime(path, (seconds, seconds))


# --------------------------------------------------------------------------- which file


def test_the_filled_gbk_csv_is_checked_not_the_empty_template_next_to_it(tmp_path):
    slug = macro.EXERCISE.slug
    macro.example().to_csv(tmp_path / f"{slug}.csv", index=False, encoding="gbk")
    macro.EXERCISE.template().to_excel(tmp_path / f"{slug}.xlsx", index=False)
    touch(tmp_path / f"{slug}.csv", 1_000_000)
    touch(tmp_path / f"{slug}.xlsx", 2_000_000)  # the template is even the newer file
    assert exercises.answer_file(tmp_path, macro.EXERCISE).name == f"{slug}.csv"
    run = exercises.start(macro.EXERCISE, tmp_path, lang="zh")
    assert run.ok and run.path.name == f"{slug}.csv" and len(run.rows) == len(macro.EXAMPLE)
    note = only(run, "ignored_file")
    assert note["severity"] == "info"
    assert note["message"] == f"检查的是 {slug}.csv,忽略了 {slug}.xlsx:它是空的(只有表头)。"


def test_of_two_filled_files_the_newer_is_checked_and_the_older_named(tmp_path):
    slug = macro.EXERCISE.slug
    old = macro.example()
    old.loc[0, "权重"] = 0.5
    old.to_excel(tmp_path / f"{slug}.xlsx", index=False)
    macro.example().to_csv(tmp_path / f"{slug}.csv", index=False)
    touch(tmp_path / f"{slug}.xlsx", 1_000_000)
    touch(tmp_path / f"{slug}.csv", 2_000_000)
    run = exercises.start(macro.EXERCISE, tmp_path, lang="en")
    assert run.ok and run.path.suffix == ".csv"
    assert only(run, "ignored_file")["message"] == f"Checked {slug}.csv and ignored {slug}.xlsx: it was saved earlier."
    touch(tmp_path / f"{slug}.xlsx", 3_000_000)
    run = exercises.start(macro.EXERCISE, tmp_path, lang="en")
    assert run.path.suffix == ".xlsx" and codes(run) == ["ignored_file", "sum_not_one"]


def test_a_single_answer_file_gets_no_note(tmp_path):
    run = answer(tmp_path, macro.EXERCISE, macro.example())
    assert run.problems.empty


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("4030", 4030),
        ("￥4,030", 4030),
        ("¥4,030", 4030),
        ("5000元", 5000),
        ("1.2万", 12000),
        ("1.2 万元", 12000),
        ("3分", 3),
        ("10％", 0.1),
        ("15%", 0.15),
        ("１２３", 123),
        ("１，２００", 1200),
        ("1 200", 1200),
        ("0.15", 0.15),
    ],
)
def test_numbers_as_students_type_them(typed, value):
    from custval.exercises.base import read_numbers

    numbers, bad = read_numbers(pd.Series([typed, ""], dtype="string"))
    assert numbers[0] == pytest.approx(value) and pd.isna(numbers[1])
    assert not bad.any()


def test_words_are_not_numbers():
    from custval.exercises.base import read_numbers

    numbers, bad = read_numbers(pd.Series(["很高", "%", "3分半", "约 5"], dtype="string"))
    assert bad.all() and numbers.isna().all()


def test_amounts_ratings_and_shares_in_their_usual_forms_pass(tmp_path):
    spend = channels.example().astype(str)
    spend.loc[0:2, "年消费额(元)"] = ["￥2,400", "1800元", "0.32万"]
    run = answer(tmp_path, channels.EXERCISE, spend)
    assert run.ok and run.problems.empty, run.problems
    assert run.rows["spend"].iloc[:3].tolist() == [2400, 1800, 3200]
    rated = service.example().astype(str)
    rated["对顾客的重要性"] = [f"{v}分" for v in rated["对顾客的重要性"]]
    run = answer(tmp_path, service.EXERCISE, rated)
    assert run.ok and run.problems.empty, run.problems
    assert run.rows["importance"].tolist() == [row[1] for row in service.EXAMPLE]
    shares = groups.example().astype(str)
    shares["客户数占比"] = [f"{float(v) * 100:g}％" for v in shares["客户数占比"]]
    run = answer(tmp_path, groups.EXERCISE, shares)
    assert run.ok and run.problems.empty, run.problems


@pytest.mark.parametrize(
    ("exercise", "frame", "column", "hint"),
    [
        (value_grades.EXERCISE, value_grades.example, "目前价值", "请填金额,例如 4030 或 ￥4,030。"),
        (service.EXERCISE, service.example, "目前表现", "请填 1 到 5 的分数。"),
        (groups.EXERCISE, groups.example, "销售额占比", "请填 0.15 或 15%。"),
    ],
)
def test_a_word_in_a_number_cell_gets_the_hint_of_its_field(tmp_path, exercise, frame, column, hint):
    wrong = frame().astype(str)
    wrong.loc[1, column] = "不清楚"
    message = only(answer(tmp_path, exercise, wrong), "not_number")["message"]
    assert message == f"第 3 行的「{column}」填的是「不清楚」,不是数字。{hint}"


def test_open_ranges_say_at_least_in_messages_and_instructions(tmp_path):
    frame = value_grades.example()
    frame.loc[0, "目前价值"] = -5
    message = only(answer(tmp_path, value_grades.EXERCISE, frame), "out_of_range")["message"]
    assert message == "第 2 行的「目前价值」填的是 -5,应不小于 0。"
    run = answer(tmp_path, value_grades.EXERCISE, frame, lang="en")
    assert "it must be at least 0." in only(run, "out_of_range")["message"]
    rules = value_grades.EXERCISE.instructions().set_index("列 / column")
    assert "数字,不小于 0" in rules.loc["目前价值 / current value", "填写说明"]
    assert "a number of at least 0" in rules.loc["目前价值 / current value", "how to fill it in"]
    assert not rules.apply(lambda c: c.str.contains("—")).any().any()


def test_a_share_typed_as_a_whole_percentage_gets_both_readings(tmp_path):
    frame = groups.example().astype(str)
    frame.loc[0, "客户数占比"] = "12"
    run = answer(tmp_path, groups.EXERCISE, frame)
    assert (
        only(run, "out_of_range")["message"]
        == "第 2 行的「客户数占比」填的是 12,应在 0 到 1 之间 — 是否想填 0.12 或 12%?"
    )
    run = answer(tmp_path, groups.EXERCISE, frame, lang="en")
    assert only(run, "out_of_range")["message"].endswith("must be between 0 and 1 — did you mean 0.12 or 12%?")
    frame.loc[0, "客户数占比"] = "120"  # above 100: no guess
    assert only(answer(tmp_path, groups.EXERCISE, frame), "out_of_range")["message"].endswith("应在 0 到 1 之间。")


# --------------------------------------------------------------------------- headers


def test_full_width_headers_and_spaces_are_matched(tmp_path):
    frame = channels.example().rename(
        columns={"年消费额(元)": "年消费额（元）", "客户编号": " 客户编号　", "城市或地区": "城市 或 地区"}
    )
    run = answer(tmp_path, channels.EXERCISE, frame)
    assert run.ok and run.problems.empty, run.problems
    assert run.rows["spend"].sum() == sum(row[5] for row in channels.EXAMPLE)


def test_a_missing_column_is_one_message_not_one_per_row(tmp_path):
    run = answer(tmp_path, macro.EXERCISE, macro.example().drop(columns="判断与结论"))
    assert codes(run) == ["missing_column"]
    assert "判断与结论 / judgement" in run.problems["message"][0]


# --------------------------------------------------------------------------- total rows


@pytest.mark.parametrize("label", ["合计", "总计:", "小 计", "Total", "GRAND TOTAL", "合计："])
def test_a_total_row_is_named_not_asked_to_be_filled_in(tmp_path, label):
    frame = macro.example()
    total = pd.DataFrame([[label, "", "", frame["权重"].sum(), "", ""]], columns=frame.columns)
    run = answer(tmp_path, macro.EXERCISE, pd.concat([frame, total], ignore_index=True))
    last = len(frame) + 2
    assert codes(run) == ["total_row"] and run.problems["row"][0] == last and not run.ok
    assert run.problems["message"][0].startswith(f"第 {last} 行是合计行,请删除")
    assert len(run.rows) == len(frame)  # the sums are checked without it: the weights still add up to 1


def test_a_total_row_in_english(tmp_path):
    frame = groups.example()
    total = pd.DataFrame([["Total", "", "", "", 1, 1, "", ""]], columns=frame.columns)
    run = answer(tmp_path, groups.EXERCISE, pd.concat([frame, total], ignore_index=True), lang="en")
    assert codes(run) == ["total_row"] and run.problems["message"][0].startswith("Row 8 is a total row: delete it.")


# --------------------------------------------------------------------------- order and rules on the sound rows


def test_messages_are_sorted_by_row_then_column(tmp_path):
    frame = macro.example().astype(str)
    frame.loc[6, "应对评分"] = "9"
    frame.loc[6, "类别"] = "环境"
    frame.loc[1, "判断与结论"] = ""
    run = answer(tmp_path, macro.EXERCISE, frame)
    assert list(zip(run.problems["row"], run.problems["code"])) == [(3, "required"), (8, "choice"), (8, "out_of_range")]


def test_weights_are_summed_even_when_another_column_has_errors(tmp_path):
    frame = macro.example().astype(str)
    frame.loc[0, "权重"] = "0.30"
    frame.loc[4, "应对评分"] = "9"
    run = answer(tmp_path, macro.EXERCISE, frame)
    assert codes(run) == ["out_of_range", "sum_not_one"]
    assert run.problems["message"][1] == "「权重」一列合计为 1.15,应为 1(允许相差 0.01)。请按比例调整。"


def test_a_sum_over_part_of_the_column_says_so(tmp_path):
    frame = macro.example().astype(str)
    frame.loc[0, "权重"] = "很高"
    frame.loc[1, "权重"] = "0.30"
    run = answer(tmp_path, macro.EXERCISE, frame, lang="en")
    assert codes(run) == ["not_number", "sum_not_one"]
    message = run.problems["message"][1]
    assert "adds up to 1.07" in message  # 1 − 0.15 (row 2 unreadable) + 0.22 (row 3 raised)
    assert "Checked on the other 8 rows: 1 row(s) have an error in 'weight' and were left out." in message


def test_a_consistency_rule_runs_on_the_rows_without_errors_and_says_so(tmp_path):
    frame = value_grades.example().astype(object)
    frame.loc[frame["客户编号"] == "K030", "等级"] = "C"
    frame.loc[frame["客户编号"] == "K002", "目前价值"] = "三千"
    run = answer(tmp_path, value_grades.EXERCISE, frame)
    assert codes(run) == ["not_number", "grade_inconsistent"]
    assert run.problems["row"].tolist() == [3, 31]
    assert run.problems["message"][1].endswith("(有错误的 1 行没有参与这项检查,只检查了其余 29 行。)")


def test_every_worked_example_still_passes_with_no_problems():
    for exercise in exercises.EXERCISES.values():
        module = next(m for m in exercises.MODULES if m.EXERCISE is exercise)
        _, problems = exercises.check(_as_read(module.example(), exercise), exercise)
        assert problems.empty, problems["message"].tolist()


def _as_read(frame: pd.DataFrame, exercise) -> pd.DataFrame:
    """``frame`` as :func:`read_answer` gives it: template column names, text cells, row numbers."""
    out = frame.set_axis([f.name for f in exercise.fields], axis=1).astype(str)
    return out.assign(__row__=range(2, len(out) + 2))
