"""Exercise 2-4 (target customer groups): checker messages and the value-index / ABC analysis."""

from __future__ import annotations

from pathlib import Path

import exercise_support as support
import pandas as pd
import pytest

from custval import exercises
from custval.exercises import groups

DATA = Path(__file__).resolve().parents[1] / "data" / "exercises"


def answer(tmp_path, frame, **options):
    return support.answer(tmp_path, groups.EXERCISE, frame, **options)


only = support.only


def test_worked_example_passes_and_reads_from_xlsx_and_english_headers(tmp_path):
    run = answer(tmp_path, groups.example(), suffix=".xlsx")
    assert run.problems.empty and len(run.rows) == 6
    english = groups.example().set_axis([f.en for f in groups.EXERCISE.fields], axis=1)
    (tmp_path / "en").mkdir()
    run = answer(tmp_path / "en", english)
    assert run.ok and run.problems.empty
    assert set(run.rows["channel"]) == {"store", "online", "group", "other"}


def test_customer_shares_not_adding_up_to_one(tmp_path):
    frame = groups.example()
    frame.loc[1, "客户数占比"] = 0.35
    run = answer(tmp_path, frame)
    problem = only(run, "sum_not_one")
    assert problem["column"] == "share of customers" and "1.1" in problem["message"]
    assert "'share of customers'" in problem["message"] and not run.ok


def test_sales_shares_in_percent_not_adding_up_to_one(tmp_path):
    frame = groups.example().astype(str)
    frame["销售额占比"] = ["28%", "12%", "20%", "26%", "10%", "14%"]
    run = answer(tmp_path, frame)
    problem = only(run, "sum_not_one")
    assert "'share of sales'" in problem["message"] and "1.1" in problem["message"]


def test_the_same_group_twice(tmp_path):
    frame = groups.example()
    frame.loc[4, "客户群体"] = "学生"
    run = answer(tmp_path, frame)
    problem = only(run, "duplicate")
    assert problem["row"] == 6 and "'学生'" in problem["message"] and "rows 3, 6" in problem["message"]
    assert "'customer group'" in problem["message"] and not run.ok


def test_a_group_without_customers(tmp_path):
    frame = groups.example()
    frame.loc[0, "客户数占比"] = 0.0
    frame.loc[1, "客户数占比"] = 0.55
    run = answer(tmp_path, frame)
    problem = only(run, "group_no_customers")
    assert problem["row"] == 2 and "Row 2" in problem["message"] and "'上班族'" in problem["message"]
    assert "'share of customers'" in problem["message"] and not run.ok


def test_unknown_channel_names_the_choices(tmp_path):
    frame = groups.example()
    frame.loc[2, "主要购买渠道"] = "朋友圈"
    run = answer(tmp_path, frame)
    problem = only(run, "choice")
    assert problem["row"] == 4 and "'朋友圈'" in problem["message"] and "'preferred channel'" in problem["message"]
    assert "store / online / group purchase / other" in problem["message"]


def test_share_above_one(tmp_path):
    frame = groups.example().astype(str)
    frame.loc[5, "销售额占比"] = "4"
    run = answer(tmp_path, frame)
    problem = only(run, "out_of_range")
    assert (
        problem["row"] == 7
        and "'share of sales' is 4" in problem["message"]
        and "between 0 and 1" in problem["message"]
    )


def test_two_groups_are_too_few(tmp_path):
    frame = groups.example().head(2).copy()
    frame["客户数占比"] = [0.6, 0.4]
    frame["销售额占比"] = [0.7, 0.3]
    run = answer(tmp_path, frame)
    problem = only(run, "too_few_rows")
    assert "Only 2 rows" in problem["message"] and "at least 3" in problem["message"]


def test_missing_buyer_cell(tmp_path):
    frame = groups.example()
    frame.loc[3, "购买者或决策者"] = ""
    run = answer(tmp_path, frame)
    problem = only(run, "required")
    assert problem["row"] == 5 and "'who buys or decides' is empty" in problem["message"]


def rows() -> pd.DataFrame:
    return exercises.start(groups.EXERCISE, DATA / "example").rows


def test_value_index_on_the_worked_example():
    table = groups.value_index(rows())
    # sales share ÷ customer share, by hand: 企业团购 .26/.05, 宝妈 .20/.18, 上班族 .28/.30,
    # 送礼人群 .10/.12, 学生 .12/.25, 游客 .04/.10
    assert table["group"].tolist() == ["企业团购", "宝妈", "上班族", "送礼人群", "学生", "游客"]
    assert table["value_index"].tolist() == pytest.approx([5.2, 10 / 9, 14 / 15, 5 / 6, 0.48, 0.4])
    assert table["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert table["buys_more"].tolist() == [True, True, False, False, False, False]


def test_value_index_rescales_shares_within_tolerance(tmp_path):
    frame = groups.example()
    frame.loc[0, "客户数占比"] = 0.305  # the column now adds up to 1.005: accepted, rescaled
    run = answer(tmp_path, frame)
    assert run.ok
    table = groups.value_index(run.rows)
    assert table["customer_share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert (table["customer_share"] * table["value_index"]).sum() == pytest.approx(1.0)


def test_abc_classes_of_the_worked_example():
    abc = groups.abc_groups(rows())
    # cumulative sales share before each group: 0, .28, .54, .74 (< .80 → A), .86 (< .95 → B), .96 (C)
    assert abc["item"].tolist() == ["上班族", "企业团购", "宝妈", "学生", "送礼人群", "游客"]
    assert abc["class"].tolist() == ["A", "A", "A", "A", "B", "C"]
    assert abc["cum_share"].tolist() == pytest.approx([0.28, 0.54, 0.74, 0.86, 0.96, 1.0])


def test_priorities_and_long_shares():
    table = groups.priorities(rows())
    assert table.set_index("group").loc["企业团购", ["class", "channel"]].tolist() == ["A", "group"]
    assert table.set_index("group").loc["游客", "class"] == "C"
    long = groups.shares_long(rows(), lang="en")
    assert len(long) == 12 and set(long["measure"]) == {"share of customers", "share of sales"}
    assert long.groupby("measure")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    shown = groups.named(table, lang="en")
    assert "value index" in shown.columns and shown["preferred channel"].iloc[0] == "group purchase"
    assert shown["share of customers"].iloc[0] == "5.0%"
