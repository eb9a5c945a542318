"""Segmentation: RFM scores and rule sets on hand-made data, clusters on the sample, contact plan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import custval as cv
from custval import outputs, sample, segment

DAY = pd.Timestamp("2024-01-01")


def summary_frame(frequency, recency_days, revenue) -> pd.DataFrame:
    n = len(frequency)
    T = np.full(n, 400.0)
    return pd.DataFrame({
        "customer_id": [f"c{i:02d}" for i in range(n)], "frequency": frequency, "recency": T - np.array(recency_days, float),
        "T": T, "revenue": np.array(revenue, float), "n_orders": np.array(frequency) + 1,
        "profit": np.array(revenue, float) / 4, "monetary": 0.0,
    })  # fmt: skip


def test_rfm_scores_with_ties_and_reversed_recency():
    summary = summary_frame(frequency=[0, 0, 0, 0, 1, 1, 2, 3, 5, 9], recency_days=[10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
                            revenue=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10])  # fmt: skip
    scores = segment.rfm_scores(summary, bins=5).set_index("customer_id")
    assert scores["R"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]  # most recent scores highest
    assert scores["M"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # four customers with one purchase: ranked in id order, so they spread over scores 1 and 2
    assert scores["F"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert scores["frequency"].tolist() == [1, 1, 1, 1, 2, 2, 3, 4, 6, 10]
    assert scores.loc["c09", "rfm"] == "155" and scores.attrs["warnings"] == []


def test_a_single_distinct_frequency_gives_one_score_and_a_warning():
    summary = summary_frame(frequency=[0] * 6, recency_days=[1, 2, 3, 4, 5, 6], revenue=[5, 5, 5, 5, 5, 7])
    scores = segment.rfm_scores(summary, bins=5)
    assert (scores["F"] == 1).all() and set(scores["M"]) == {1, 2}
    reasons = {w["score"]: w for w in scores.attrs["warnings"]}
    assert reasons["F"]["reason"] == "few_values" and reasons["F"]["bins"] == 1 and reasons["F"]["asked"] == 5
    assert reasons["M"]["bins"] == 2 and "R" not in reasons


def test_payment_score_reverses_days_to_pay():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "b", "c"], "amount": [100.0, 300.0, 50.0, 80.0],
        "invoice_date": pd.to_datetime(["2024-01-01"] * 4),
        "due_date": pd.to_datetime(["2024-01-31"] * 4),
        "paid_date": pd.to_datetime(["2024-01-11", "2024-02-10", "2024-01-01", "2024-03-01"]),
    })  # fmt: skip
    pay = segment.settlement(tx)
    assert pay.loc["a", "days_to_pay"] == pytest.approx((100 * 10 + 300 * 40) / 400)
    assert pay.loc["a", "days_beyond_terms"] == pytest.approx((100 * -20 + 300 * 10) / 400)
    summary = summary_frame([1, 1, 1], [1, 2, 3], [1, 2, 3]).assign(customer_id=["a", "b", "c"])
    scores = segment.rfm_scores(summary, bins=3, payment=pay).set_index("customer_id")
    assert scores["P"].tolist() == [2, 3, 1]  # b pays on the day: best


def test_rule_sets_report_the_cells_they_do_not_cover():
    uncovered = segment.uncovered_cells("rfm-0.3")
    assert len(uncovered) == 10 and {"215", "341", "551"} <= set(uncovered)
    assert segment.uncovered_cells("rf-grid") == [] and segment.uncovered_cells("cn-8") == []
    rules = [{"name": "best", "R": [4, 5], "F": [4, 5]}, {"name": "rest", "R": [1, 3]}]
    assert len(segment.uncovered_cells(rules)) == 2 * 3 * 5 + 0  # R 4–5 with F 1–3 are uncovered


def test_first_match_wins_and_uncovered_cells_are_others():
    scores = pd.DataFrame({"customer_id": ["x", "y", "z", "w"], "R": [5, 2, 5, 5], "F": [5, 1, 1, 5], "M": [5, 5, 1, 1]})
    segments = segment.rfm_segments(scores, "rfm-0.3")
    assert segments.tolist() == ["champions", "others", "new_customers", "others"]  # 2-1-5 and 5-5-1: no rule
    assert segment.rfm_segments(scores, "rf-grid").tolist() == ["champions", "hibernating", "new_customers", "champions"]
    with pytest.raises(ValueError, match="rules must be one of"):
        segment.rfm_segments(scores, "rfm-9")
    with pytest.raises(cv.DataError, match="low ≤ high"):
        segment.rfm_segments(scores, [{"name": "odd", "R": [5, 1]}])


def test_chinese_eight_class_model():
    scores = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d"],
        "recency_days": [10.0, 200.0, 10.0, 200.0], "frequency": [9, 9, 1, 1], "monetary": [900.0, 100.0, 100.0, 900.0],
    })  # fmt: skip
    # means: recency 105, frequency 5, monetary 500
    assert segment.rfm_segments(scores, "cn-8").tolist() == [
        "important_value", "general_retention", "general_development", "important_winback"]  # fmt: skip
    with pytest.raises(ValueError, match="center"):
        segment.rfm_segments(scores, "cn-8", center="mode")


@pytest.fixture(scope="module")
def sample_data():
    ds = cv.load(cv.__path__[0] + "/../custval.yml")
    return ds, cv.summarize(ds.transactions)


def test_clusters_recover_the_planted_customer_types(sample_data):
    from sklearn.metrics import adjusted_rand_score

    ds, summary = sample_data
    truth = sample.generate().truth["customers"].set_index("customer_id")["archetype"]
    features = segment.features(summary, ds.customers)
    four = segment.cluster(features, k=4)
    assert adjusted_rand_score(truth.reindex(four.labels.index), four.labels) > 0.6
    chosen = segment.cluster(features)
    assert chosen.k == chosen.silhouette.idxmax() and adjusted_rand_score(truth.reindex(chosen.labels.index), chosen.labels) > 0.4
    assert chosen.centres["customers"].sum() == len(summary)


def test_clusters_are_deterministic(sample_data):
    ds, summary = sample_data
    features = segment.features(summary, ds.customers)
    a, b = segment.cluster(features, k=3), segment.cluster(features.sample(frac=1, random_state=1), k=3)
    pd.testing.assert_series_equal(a.labels, b.labels)
    pd.testing.assert_frame_equal(a.centres, b.centres)
    assert a.centres["average_order_value"].is_monotonic_decreasing


def test_profiles_add_up_and_bands_follow_their_rules(sample_data):
    ds, summary = sample_data
    table = segment.customer_table(ds.customers, summary, as_of="2024-12-31")
    assert len(table) == len(summary)
    for by in ("region", "age_band", "spend_band"):
        profile = segment.profile_table(table, by)
        assert profile["customers"].sum() == len(summary) and profile["share_customers"].sum() == pytest.approx(1)
    assert (table["spend_band"] == "high").mean() == pytest.approx(0.1, abs=0.01)
    ages = segment.age_band(pd.DataFrame({"birth_year": [2000, 1999, 1970, None]}), as_of="2024-06-30")
    assert ages.tolist()[:3] == ["<25", "25-34", "45-54"] and pd.isna(ages.iloc[3])


def test_contact_plan_hours_and_keep_lists(sample_data):
    segments = pd.Series(["champions", "champions", "lost", "mine"], index=["a", "b", "c", "d"])
    enterprise = pd.Series([True, False, True, False], index=["a", "b", "c", "d"])
    plan = segment.contact_plan(segments, enterprise).set_index("segment")
    # champions: partnership, 4 contacts × 20 min for 2 customers + 1 enterprise × 12 visits / 12 × 3 h
    assert plan.loc["champions", "hours_per_month"] == pytest.approx(2 * 4 * 20 / 60 + 1 * 12 / 12 * 3)
    assert plan.loc["mine", "level"] == "basic" and plan["customers"].sum() == 4
    assert plan.index[0] == "champions"  # highest level first
    table = pd.DataFrame({"customer_id": list("abcd"), "region": ["华东", "华东", None, "华南"], "revenue": [1.0, 5.0, 2.0, 3.0]})
    lists = segment.keep_lists(table, segments, keep=["champions", "mine"])
    assert list(lists) == ["华东", "华南"]  # c is not kept, so its empty region has no list
    assert lists["华东"]["customer_id"].tolist() == ["b", "a"] and sum(len(v) for v in lists.values()) == 3


def test_keep_lists_round_trip_through_excel(tmp_path):
    sheets = {"华东": pd.DataFrame({"customer_id": ["c1"], "revenue": [1.5]}), "a/b": pd.DataFrame({"x": [1]}),
              "": pd.DataFrame({"x": [2]})}  # fmt: skip
    path = outputs.save_workbook(sheets, "keep_lists", tmp_path)
    back = pd.read_excel(path, sheet_name=None)
    assert list(back) == ["华东", "a_b", "-"]
    assert back["华东"]["customer_id"].tolist() == ["c1"] and outputs.save_workbook(sheets, "x", "") is None
