"""A–F grading: bands, layouts, every customer graded once, strategies, key customers, migration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import custval as cv
from custval import grading


def values_frame(n=100, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in range(n)],
            "current_value": rng.lognormal(5, 1, n),
            "future_value": rng.lognormal(5, 1, n),
        }
    )


def test_every_customer_gets_exactly_one_grade_and_counts_add_up():
    graded = grading.grade(values_frame())
    assert graded["customer_id"].is_unique and graded["grade"].isin(list("ABCDEF")).all()
    table = grading.grade_table(graded)
    assert table["grade"].tolist() == list("ABCDEF") and table["customers"].sum() == 100
    assert table["share_value"].sum() == pytest.approx(1)
    # quantile cuts (0.5, 0.8) for current and 0.5 for future: 20 % / 30 % / 50 % and 50 % / 50 %
    assert (graded["current_level"] == "high").sum() == 20 and (graded["future_level"] == "high").sum() == 50


def test_default_layout_and_a_custom_layout():
    graded = grading.grade(values_frame())
    for (future, current), letter in grading.DEFAULT_LAYOUT.items():
        cell = graded[(graded["future_level"] == future) & (graded["current_level"] == current)]
        assert (cell["grade"] == letter).all()
    assert grading.DEFAULT_LAYOUT[("high", "medium")] == "C" and grading.DEFAULT_LAYOUT[("high", "low")] == "B"
    swapped = grading.parse_layout("ABC/DEF")
    other = grading.grade(values_frame(), layout=swapped)
    moved = graded["grade"] != other["grade"]
    assert set(graded.loc[moved, "grade"]) == {"B", "C"} and set(other.loc[moved, "grade"]) == {"B", "C"}
    with pytest.raises(ValueError, match="ACB/DEF"):
        grading.parse_layout("AAB/DEF")


def test_bands_by_quantile_and_by_value_share():
    values = pd.Series([50.0, 30, 10, 10, 0, -5], index=list("abcdef"))
    assert grading.bands(values, (0.5, 0.8)).tolist() == ["high", "medium", "low", "low", "low", "low"]
    assert grading.bands(values, (0.8, 0.95), method="share").tolist() == [
        "high",
        "high",
        "medium",
        "medium",
        "low",
        "low",
    ]
    with pytest.raises(ValueError, match="increasing"):
        grading.bands(values, (0.8, 0.5))


def test_missing_values_are_an_error_not_a_silent_grade():
    frame = values_frame().astype({"future_value": float})
    frame.loc[3, "future_value"] = np.nan
    with pytest.raises(cv.DataError, match="future_value is empty for 1"):
        grading.grade(frame)
    shown = "customers table has no column 'future_value' to grade by; columns: customer_id, current_value$"
    with pytest.raises(cv.errors.MissingColumnError, match=shown):
        grading.grade(frame.drop(columns="future_value"))


def test_sensitivity_counts_customers_that_change_grade():
    moved = grading.sensitivity(values_frame(), shift=0.05)
    assert moved["shift"].tolist() == [-0.05, 0.05] and (moved["changed"] > 0).all()
    assert grading.sensitivity(values_frame())["shift"].tolist() == [-0.10, 0.10]  # METHODS §1.4: ±10 percentiles
    assert grading.sensitivity(values_frame(), shift=0.0)["changed"].tolist() == [0, 0]


def test_strategies_in_both_languages():
    zh, en = grading.strategies("zh"), grading.strategies("en")
    assert zh["grade"].tolist() == list("ABCDEF") and list(zh.columns) == ["grade", *grading.STRATEGY_KEYS]
    assert zh.loc[0, "investment"] == "不惜一切代价保持" and en.loc[5, "investment"].startswith("consider divesting")
    assert zh.loc[1, "character"] == "目前价值低、未来价值高:有相当潜力"


def test_the_character_of_a_grade_follows_the_layout():
    # ABC/DEF puts B at future high, current medium and C at future high, current low
    zh, en = grading.strategies("zh", "ABC/DEF"), grading.strategies("en", grading.parse_layout("ABC/DEF"))
    assert zh.loc[1, "character"] == "目前价值中、未来价值高:有相当潜力"
    assert en.loc[2, "character"] == "low current, high future value: core customers"
    assert grading.bottom_grade("ABC/DEF") == "F" and grading.bottom_grade("ABC/DFE") == "E"


def test_current_value_window_and_basis():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c"],
            "amount": [100.0, 50.0, 30.0, 20.0],
            "cost": [60.0, 20.0, 10.0, 5.0],
            "order_date": pd.to_datetime(["2023-01-01", "2024-06-01", "2024-12-01", "2022-01-01"]),
        }
    )
    table = grading.current_value(tx, window="12M", as_of="2024-12-31").set_index("customer_id")
    assert table["current_value"].to_dict() == {"a": 30.0, "b": 20.0, "c": 0.0} and (table["basis"] == "margin").all()
    revenue = grading.current_value(tx.drop(columns="cost"), window="1Y", as_of="2024-12-31")
    assert (revenue["basis"] == "revenue").all() and revenue["current_value"].tolist() == [50.0, 30.0, 0.0]
    with pytest.raises(ValueError, match="window"):
        grading.current_value(tx, window="12X")


def test_key_customers_answer_the_three_questions():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "c"],
            "amount": [10.0, 100.0, 50.0, 60.0, 500.0],
            "cost": [5.0, 50.0, 10.0, 5.0, 490.0],
            "order_date": pd.to_datetime(["2023-06-01", "2024-06-01", "2023-06-01", "2024-06-01", "2024-06-01"]),
        }
    )
    keys = grading.key_customers(tx, as_of="2024-12-31", top=2)
    assert keys["sales"]["customer_id"].tolist() == ["c", "a"]
    assert keys["growth"]["customer_id"].tolist() == ["a", "b"] and keys["growth"]["growth"].iloc[0] == 9.0
    assert keys["profit"]["customer_id"].tolist() == ["b", "a"]


def test_grade_migration_counts_moves_new_and_gone():
    before = pd.DataFrame({"customer_id": ["a", "b", "c"], "grade": ["A", "B", "F"]})
    after = pd.DataFrame({"customer_id": ["a", "b", "d"], "grade": ["A", "C", "E"]})
    table = grading.grade_migration(before, after)
    assert (
        table.loc["A", "A"] == 1
        and table.loc["B", "C"] == 1
        and table.loc["F", "gone"] == 1
        and table.loc["new", "E"] == 1
    )
    assert table.to_numpy().sum() == 4


def test_cut_shares_describe_the_levels_the_grading_uses():
    assert grading.cut_shares() == pytest.approx({"high": 0.2, "medium": 0.3, "future_high": 0.5})
    assert grading.cut_shares({"current": [0.6, 0.9]}) == pytest.approx(
        {"high": 0.1, "medium": 0.3, "future_high": 0.5}
    )
    assert grading.cut_shares(method="share") == pytest.approx({"high": 0.8, "medium": 0.15, "future_high": 0.8})
    values = pd.DataFrame(
        {"customer_id": range(100), "current_value": np.arange(100.0), "future_value": np.arange(100.0)}
    )
    levels = grading.grade(values, cuts={"current": [0.6, 0.9]})["current_level"].value_counts(normalize=True)
    assert levels["high"] == pytest.approx(grading.cut_shares({"current": [0.6, 0.9]})["high"])


def test_the_default_cuts_follow_the_grading_method():
    from custval.config import DEFAULT_PARAMETERS

    cuts = DEFAULT_PARAMETERS["grade_cuts"]
    assert grading.level_cuts(cuts, "quantile") == grading.DEFAULT_CUTS
    assert grading.level_cuts(cuts, "share") == grading.DEFAULT_SHARE_CUTS  # not the quantile cuts
    assert grading.level_cuts({"future": [0.7]}, "share") == {
        "current": grading.DEFAULT_SHARE_CUTS["current"],
        "future": [0.7],
    }
