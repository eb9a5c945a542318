"""Segmentation: RFM scores and rule sets on hand-made data, clusters on the sample, contact plan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import custval as cv
from custval import outputs, sample, segment
from custval.config import merge_parameters
from custval.errors import ConfigError, MissingColumnError
from custval.i18n import t

DAY = pd.Timestamp("2024-01-01")


def summary_frame(frequency, recency_days, revenue) -> pd.DataFrame:
    n = len(frequency)
    T = np.full(n, 400.0)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:02d}" for i in range(n)],
            "frequency": frequency,
            "recency": T - np.array(recency_days, float),
            "T": T,
            "revenue": np.array(revenue, float),
            "n_orders": np.array(frequency) + 1,
            "profit": np.array(revenue, float) / 4,
            "monetary": 0.0,
        }
    )


def test_rfm_scores_follow_the_r_rfm_breaks_and_equal_values_share_a_score():
    summary = summary_frame(
        frequency=[0, 0, 0, 0, 1, 1, 2, 3, 5, 9],
        recency_days=[10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
        revenue=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    )
    scores = segment.rfm_scores(summary, bins=5).set_index("customer_id")
    # recency quantiles 28, 46, 64, 82 → breaks 29, 47, 65, 83; reversed: most recent scores highest
    assert scores["R"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # revenue 1…10: quantiles 2.8, 4.6, 6.4, 8.2 → breaks 3.8, 5.6, 7.4, 9.2 (R rfm adds 1)
    assert scores["M"].tolist() == [1, 1, 1, 2, 2, 3, 3, 4, 4, 5]
    # occasions 1,1,1,1,2,2,3,4,6,10: quantiles 1, 1.6, 2.4, 4.4 → breaks 2, 2.6, 3.4, 5.4; the four 1s all score 1
    assert scores["frequency"].tolist() == [1, 1, 1, 1, 2, 2, 3, 4, 6, 10]
    assert scores["F"].tolist() == [1, 1, 1, 1, 2, 2, 3, 4, 5, 5]
    assert scores.loc["c09", "rfm"] == "155" and scores.attrs["warnings"] == []
    # the named alternatives: quantile bins without + 1, and the Python rank convention (ties in id order)
    assert segment.rfm_scores(summary, method="quantile")["M"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert segment.rfm_scores(summary, method="rank")["F"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    with pytest.raises(ValueError, match="method"):
        segment.rfm_scores(summary, method="ntile")


def test_four_distinct_frequencies_keep_the_1_to_5_scale_and_champions_are_reachable():
    n = 100
    summary = summary_frame(
        frequency=np.repeat([0, 1, 2, 3], n // 4),
        recency_days=np.arange(n, 0, -1) * 3,
        revenue=np.arange(1, n + 1) * 100.0,
    )
    scores = segment.rfm_scores(summary, bins=5).set_index("customer_id")
    # quantiles of 1,2,3,4 (25 each): 1, 2, 3, 4 → breaks 2, 3, 4, 5: the 4s would sit in bin 4, the top bin empty;
    # the largest value always takes the top bin, so bin 4 stays empty instead of F stopping at 4
    assert scores["F"].value_counts().sort_index().to_dict() == {1: 25, 2: 25, 3: 25, 5: 25}
    assert scores.attrs["warnings"] == [{"score": "F", "column": "frequency", "empty": [4], "bins": 5}]
    best = scores.index[-1]  # most recent, most frequent, largest revenue
    assert scores.loc[best, "rfm"] == "555"
    assert segment.rfm_segments(scores.reset_index(), "rfm-0.3")[best] == "champions"
    assert segment.rfm_segments(scores.reset_index(), "rf-grid")[best] == "champions"


def test_many_zero_revenues_leave_bin_2_empty_and_keep_the_top_score():
    n = 100
    revenue = np.r_[np.zeros(45), np.arange(1, 56) * 100.0]
    summary = summary_frame(frequency=np.arange(n) % 10, recency_days=np.arange(n, 0, -1), revenue=revenue)
    scores = segment.rfm_scores(summary, bins=5).set_index("customer_id")
    # quantiles 0, 0, 1540, 3520 → breaks 1, 1, 1541, 3521: zeros score 1, bin 2 is empty, nothing is renumbered
    assert scores["M"].value_counts().sort_index().to_dict() == {1: 45, 3: 15, 4: 20, 5: 20}
    assert scores.loc[scores["monetary"] == 0, "M"].eq(1).all() and scores["M"].iloc[-1] == 5
    assert {"score": "M", "column": "monetary", "empty": [2], "bins": 5} in scores.attrs["warnings"]
    top = scores[(scores["R"] == 5) & (scores["F"] == 5) & (scores["M"] == 5)]
    assert len(top) > 0 and segment.rfm_segments(top.reset_index(), "rfm-0.3").eq("champions").all()
    one_value = segment.rfm_scores(summary_frame([0] * 4, [1, 2, 3, 4], [5, 5, 5, 5]), bins=5)
    notes = {w["score"]: w["empty"] for w in one_value.attrs["warnings"]}
    assert one_value["F"].eq(1).all() and notes["F"] == [2, 3, 4, 5]
    assert one_value["M"].eq(1).all() and one_value["R"].tolist() == [5, 5, 4, 1]  # breaks 2.6, 3.2, 3.8, 4.4


def test_payment_profile_and_chart_counts_per_segment():
    pay, _ = segment.payment_behaviour(invoices())
    summary = summary_frame([1] * 6, [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]).assign(customer_id=list("abcdeg"))
    scores = segment.rfm_scores(summary, bins=5, payment=pay)
    scores["slow_payer"] = scores["customer_id"].map(segment.slow_payers(scores))
    segments = pd.Series(["x", "x", "y", "y", "y", "y"], index=list("abcdeg"))
    profile = segment.payment_profile(scores, segments).set_index("segment")
    assert profile.loc["x", ["customers", "with_payment", "on_time", "slight", "slow_payers"]].tolist() == [
        2,
        2,
        1,
        1,
        0,
    ]
    assert profile.loc["y", ["customers", "with_payment", "moderate", "severe", "slow_payers"]].tolist() == [
        4,
        3,
        1,
        1,
        2,
    ]
    assert profile.loc["y", "days_to_pay"] == pytest.approx((60 + 91 + 20) / 3)
    counts = segment.payment_counts(scores, segments)
    assert list(counts["payment_band"].cat.categories) == ["on_time", "slight", "moderate", "severe"]
    assert counts["customers"].sum() == 4  # e (no due date) and g (no payments) have no band
    assert (
        counts.groupby("segment")["share"].sum().tolist() == pytest.approx([1.0, 1.0]) and counts["share"].eq(0.5).all()
    )


def test_frequency_per_year_divides_by_the_time_observed():
    summary = summary_frame(frequency=[3, 0, 1], recency_days=[1, 2, 3], revenue=[1, 2, 3]).assign(
        T=[730.5, 10.0, 365.25]
    )
    scores = segment.rfm_scores(summary, bins=3, frequency_per="year")
    # 4 occasions in two years; 1 in 10 days counts as 1 in 30 days; 2 in a year
    assert scores["frequency"].tolist() == pytest.approx([2.0, 365.25 / 30, 2.0])
    assert segment.rfm_scores(summary, bins=3)["frequency"].tolist() == [4, 1, 2]
    with pytest.raises(ValueError, match="frequency_per"):
        segment.rfm_scores(summary, frequency_per="month")


def invoices() -> pd.DataFrame:
    """Hand-made invoices: terms 30 days except where no due date is given."""
    rows = [  # customer, amount, invoice, due, paid
        ("a", 100.0, "2024-01-01", "2024-01-31", "2024-01-11"),  # 10 days to pay, 20 days early
        ("a", 300.0, "2024-01-01", "2024-01-31", "2024-02-10"),  # 40 days, 10 days late
        ("a", -50.0, "2024-01-05", "2024-01-05", "2024-01-05"),  # a return: left out
        ("b", 50.0, "2024-01-01", "2024-01-31", "2024-01-01"),  # paid on the day, 30 days early
        ("b", 50.0, "2024-01-01", None, "2024-01-11"),  # 10 days, no due date: not in days beyond terms
        ("c", 80.0, "2024-01-01", "2024-01-31", "2024-03-01"),  # 60 days, 30 late
        ("d", 200.0, "2024-01-01", "2024-01-31", "2024-04-01"),  # 91 days, 61 late
        ("e", 70.0, "2024-01-01", None, "2024-01-21"),  # 20 days, no due date
        ("f", 90.0, "2024-01-01", "2024-01-31", None),  # open invoice: left out
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "amount", "invoice_date", "due_date", "paid_date"])
    return frame.assign(**{c: pd.to_datetime(frame[c]) for c in ("invoice_date", "due_date", "paid_date")})


def test_settlement_days_to_pay_days_beyond_terms_and_bands_by_hand():
    pay = segment.settlement(invoices())
    assert pay.index.tolist() == ["a", "b", "c", "d", "e"]  # f has only an open invoice
    assert pay["days_to_pay"].tolist() == pytest.approx(
        [(100 * 10 + 300 * 40) / 400, (50 * 0 + 50 * 10) / 100, 60, 91, 20]
    )
    # b's days beyond terms weigh only the line with a due date
    assert pay["days_beyond_terms"].iloc[:4].tolist() == pytest.approx([(100 * -20 + 300 * 10) / 400, -30, 30, 61])
    assert pd.isna(pay.loc["e", "days_beyond_terms"])
    assert pay["payment_band"].iloc[:4].tolist() == ["slight", "on_time", "moderate", "severe"] and pd.isna(
        pay.loc["e", "payment_band"]
    )
    bands = segment.payment_band(pd.Series([-3.0, 0.0, 0.5, 15.0, 15.5, 45.0, 45.5]))
    assert bands.tolist() == ["on_time", "on_time", "slight", "slight", "moderate", "moderate", "severe"]
    unpaid = invoices().drop(columns="paid_date")
    with pytest.raises(MissingColumnError, match="transactions have no column paid_date .*columns: customer_id, am"):
        segment.settlement(unpaid)


def test_payment_score_and_slow_payers_by_hand():
    pay, note = segment.payment_behaviour(invoices())
    assert note == ""
    summary = summary_frame([1] * 6, [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]).assign(customer_id=list("abcdeg"))
    scores = segment.rfm_scores(summary, bins=5, payment=pay).set_index("customer_id")
    # days to pay a 32.5, b 5, c 60, d 91, e 20: quantiles 17, 27.5, 43.5, 66.2 → breaks 18, 28.5, 44.5, 67.2, reversed
    assert scores["P"].tolist()[:5] == [3, 5, 2, 1, 4] and pd.isna(scores.loc["g", "P"])
    assert scores.loc["a", "payment_band"] == "slight" and scores.loc["d", "days_beyond_terms"] == pytest.approx(61)
    slow = segment.slow_payers(scores.reset_index())
    assert slow[slow].index.tolist() == ["c", "d"]  # moderate and severe; e has no due date and P 4; g no payments
    assert segment.slow_payers(scores.reset_index(), bands=("slight", "moderate", "severe"))[
        lambda s: s
    ].index.tolist() == ["a", "c", "d"]
    assert not segment.slow_payers(scores.reset_index(), bands=()).any()
    # without due dates the slow payers are the P = 1 customers
    pay, note = segment.payment_behaviour(invoices().drop(columns="due_date"))
    assert note == "no_due" and list(pay.columns) == ["days_to_pay"]
    no_due = segment.rfm_scores(summary, bins=5, payment=pay)
    assert segment.slow_payers(no_due)[lambda s: s].index.tolist() == ["d"]


def test_slow_payer_counts_say_how_many_were_flagged_by_the_p1_rule():
    scores = pd.DataFrame(
        {
            "customer_id": list("abcdef"),
            "P": [1, 1, 5, 1, 3, None],
            "payment_band": ["on_time", "severe", "moderate", None, None, None],
        }
    )
    counts = segment.slow_payer_counts(scores)
    # d and e have a P but no band (no due date): d is flagged for P = 1 whatever the bands; f has no payments
    assert counts == {"no_due": 2, "p1": 1, "by_band": 2}
    assert counts["p1"] + counts["by_band"] == int(segment.slow_payers(scores).sum())
    assert segment.slow_payer_counts(scores, bands=("severe",)) == {"no_due": 2, "p1": 1, "by_band": 1}
    assert segment.slow_payer_counts(scores, bands=()) == {"no_due": 2, "p1": 0, "by_band": 0}
    text = t("sg_slow_bands_p1", lang="en", bands="severe", n=2, **segment.slow_payer_counts(scores, bands=("severe",)))
    assert "P = 1" in text and "2 customers" in text and "1 of them" in text


def test_settlement_cycle_is_skipped_with_a_reason_on_cdnow_like_data():
    cdnow = pd.DataFrame(
        {"customer_id": ["1", "2"], "order_date": pd.to_datetime(["1997-01-01", "1997-01-02"]), "amount": [10.0, 20.0]}
    )
    assert segment.payment_behaviour(cdnow) == (None, "no_columns")
    empty = invoices().assign(paid_date=pd.NaT)
    assert segment.payment_behaviour(empty) == (None, "no_lines")
    scores = segment.rfm_scores(summary_frame([0, 1], [1, 2], [1, 2]), bins=2)
    assert "P" not in scores and not segment.slow_payers(scores).any()


def test_custom_rules_accept_a_p_range():
    scores = pd.DataFrame(
        {
            "customer_id": list("wxyz"),
            "R": [5, 5, 5, 1],
            "F": [5, 5, 5, 1],
            "M": [5, 5, 5, 1],
            "P": pd.array([1, 5, pd.NA, 1], dtype="Int64"),
        }
    )
    rules = [{"name": "best_slow", "R": [4, 5], "F": [4, 5], "M": [4, 5], "P": [1, 2]}, {"name": "best", "R": [4, 5]}]
    # y has no P: a rule with a P range never matches it
    assert segment.rfm_segments(scores, rules).tolist() == ["best_slow", "best", "best", "others"]
    uncovered = segment.uncovered_cells(rules, bins=5)
    assert "1111" in uncovered and "555-" not in uncovered and "5551" not in uncovered and len(uncovered) == 3 * 25 * 6
    assert segment.cells(scores, rules).tolist() == ["5551", "5555", "555-", "1111"]
    with pytest.raises(cv.DataError, match="unknown keys"):
        segment.rfm_segments(scores, [{"name": "x", "Q": [1, 2]}])


def test_rule_sets_report_the_cells_they_do_not_cover():
    uncovered = segment.uncovered_cells("rfm-0.3")
    assert len(uncovered) == 10 and {"215", "341", "551"} <= set(uncovered)
    assert segment.uncovered_cells("rf-grid") == [] and segment.uncovered_cells("cn-8") == []
    rules = [{"name": "best", "R": [4, 5], "F": [4, 5]}, {"name": "rest", "R": [1, 3]}]
    assert len(segment.uncovered_cells(rules)) == 2 * 3 * 5 + 0  # R 4–5 with F 1–3 are uncovered


def test_first_match_wins_and_uncovered_cells_are_others():
    scores = pd.DataFrame(
        {"customer_id": ["x", "y", "z", "w"], "R": [5, 2, 5, 5], "F": [5, 1, 1, 5], "M": [5, 5, 1, 1]}
    )
    segments = segment.rfm_segments(scores, "rfm-0.3")
    assert segments.tolist() == ["champions", "others", "new_customers", "others"]  # 2-1-5 and 5-5-1: no rule
    assert segment.rfm_segments(scores, "rf-grid").tolist() == [
        "champions",
        "hibernating",
        "new_customers",
        "champions",
    ]
    with pytest.raises(ValueError, match="rules must be one of"):
        segment.rfm_segments(scores, "rfm-9")
    with pytest.raises(cv.DataError, match="low ≤ high"):
        segment.rfm_segments(scores, [{"name": "odd", "R": [5, 1]}])


def test_chinese_eight_class_model():
    scores = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "recency_days": [10.0, 200.0, 10.0, 200.0],
            "frequency": [9, 9, 1, 1],
            "monetary": [900.0, 100.0, 100.0, 900.0],
        }
    )
    # means: recency 105, frequency 5, monetary 500
    assert segment.rfm_segments(scores, "cn-8").tolist() == [
        "important_value",
        "general_retention",
        "general_development",
        "important_winback",
    ]
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
    assert (
        chosen.k == chosen.silhouette.idxmax()
        and adjusted_rand_score(truth.reindex(chosen.labels.index), chosen.labels) > 0.4
    )
    assert chosen.centres["customers"].sum() == len(summary)


def test_clusters_are_deterministic(sample_data):
    ds, summary = sample_data
    features = segment.features(summary, ds.customers)
    a, b = segment.cluster(features, k=3), segment.cluster(features.sample(frac=1, random_state=1), k=3)
    pd.testing.assert_series_equal(a.labels, b.labels)
    pd.testing.assert_frame_equal(a.centres, b.centres)
    assert a.centres["average_order_value"].is_monotonic_decreasing


def test_large_data_is_clustered_on_a_seeded_sample_and_every_customer_assigned(sample_data):
    ds, summary = sample_data
    features = segment.features(summary, ds.customers)
    a = segment.cluster(features, k=3, max_rows=500)
    b = segment.cluster(features.sample(frac=1, random_state=2), k=3, max_rows=500)
    assert a.sample_size == 500 and a.n == len(features) and a.sampled
    assert a.labels.index.equals(features.index.sort_values()) and a.labels.between(1, 3).all()
    assert a.centres["customers"].sum() == len(features)
    pd.testing.assert_series_equal(a.labels, b.labels)  # same data and parameters: the same labels
    whole = segment.cluster(features, k=3)
    assert whole.sample_size == whole.n == len(features) and not whole.sampled
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score(whole.labels, a.labels) > 0.8  # the sample finds the same clusters
    with pytest.raises(ValueError, match="max_rows"):
        segment.cluster(features, k=3, max_rows=1)


def test_too_few_customers_for_the_clusters_is_a_data_error_and_a_bad_k_an_argument_error():
    three = pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=["c", "a", "b"])
    shown = r"more customers than clusters: the cluster features have 3 customer\(s\) \('a', 'b', 'c'\) for k=3$"
    with pytest.raises(cv.DataError, match=shown):
        segment.cluster(three, k=3)
    with pytest.raises(cv.DataError, match="for k=2"):
        segment.cluster(three.iloc[:2])
    for k, k_range in ((1, (2, 8)), (None, (1, 2)), (None, (3, 2))):
        with pytest.raises(ValueError, match="k must be at least 2") as bad_argument:
            segment.cluster(three, k=k, k_range=k_range)
        assert not isinstance(bad_argument.value, cv.DataError)
    with pytest.raises(ValueError, match="max_rows must be more than the 2 clusters"):
        segment.cluster(three, k=2, max_rows=2)
    assert segment.cluster(three, k=2).labels.index.tolist() == ["a", "b", "c"]


def test_slow_payers_find_the_planted_chronic_late_payers(sample_data):
    ds, summary = sample_data
    pay, note = segment.payment_behaviour(ds.transactions)
    scores = segment.rfm_scores(summary, payment=pay)
    slow = segment.slow_payers(scores)
    truth = sample.generate().truth["customers"].set_index("customer_id")["chronic_late"].reindex(slow.index)
    assert note == "" and truth[slow].mean() > 0.95 and slow[truth].mean() > 0.8
    for letter in "RFMP":
        assert scores[letter].min() == 1 and scores[letter].max() == 5


def test_profiles_add_up_and_bands_follow_their_rules(sample_data):
    ds, summary = sample_data
    table = segment.customer_table(ds.customers, summary, as_of="2024-12-31")
    assert len(table) == len(summary)
    for by in ("region", "age_band", "spend_band"):
        profile = segment.profile_table(table, by)
        assert profile["customers"].sum() == len(summary) and profile["share_customers"].sum() == pytest.approx(1)
    assert (table["spend_band"] == "high").mean() == pytest.approx(0.1, abs=0.01)
    ages = segment.age_band(pd.DataFrame({"birth_year": [2000, 1999, 1970, None]}), as_of="2024-06-30")
    with pytest.raises(MissingColumnError, match="customer table has no column 'industry' to profile by; columns: "):
        segment.profile_table(table.drop(columns="industry", errors="ignore"), "industry")
    assert ages.tolist()[:3] == ["<25", "25-34", "45-54"] and pd.isna(ages.iloc[3])


def test_contact_plan_hours_and_keep_lists(sample_data):
    segments = pd.Series(["champions", "champions", "lost", "mine"], index=["a", "b", "c", "d"])
    enterprise = pd.Series([True, False, True, False], index=["a", "b", "c", "d"])
    plan = segment.contact_plan(segments, enterprise).set_index("segment")
    # champions: partnership, 4 contacts × 20 min for 2 customers + 1 enterprise × 12 visits / 12 × 3 h
    assert plan.loc["champions", "hours_per_month"] == pytest.approx(2 * 4 * 20 / 60 + 1 * 12 / 12 * 3)
    assert plan.loc["mine", "level"] == "basic" and plan["customers"].sum() == 4
    assert plan.index[0] == "champions"  # highest level first
    assert "slow_payers" not in plan
    slow = pd.Series([True, False, True], index=["a", "b", "c"])  # d unknown: not slow
    paying = segment.contact_plan(segments, enterprise, slow_payers=slow, payment_call_minutes=12).set_index("segment")
    assert paying["slow_payers"].to_dict() == {"champions": 1, "lost": 1, "mine": 0}
    assert paying.loc["champions", "hours_per_month"] == pytest.approx(
        plan.loc["champions", "hours_per_month"] + 12 / 60
    )
    assert paying["payment_hours_per_month"].sum() == pytest.approx(2 * 12 / 60)
    table = pd.DataFrame(
        {"customer_id": list("abcd"), "region": ["华东", "华东", None, "华南"], "revenue": [1.0, 5.0, 2.0, 3.0]}
    )
    lists = segment.keep_lists(table, segments, keep=["champions", "mine"])
    assert list(lists) == ["华东", "华南"]  # c is not kept, so its empty region has no list
    assert lists["华东"]["customer_id"].tolist() == ["b", "a"] and sum(len(v) for v in lists.values()) == 3
    paid = table.assign(
        P=[1, 5, 3, 2], payment_band=["severe", "on_time", None, "slight"], slow_payer=[True, False, False, False]
    )
    marked = segment.keep_lists(paid, segments, keep=["champions", "mine"])
    assert marked["华东"][["customer_id", "P", "payment_band", "slow_payer"]].values.tolist() == [
        ["b", 5, "on_time", False],
        ["a", 1, "severe", True],
    ]


def test_keep_lists_round_trip_through_excel(tmp_path):
    sheets = {
        "华东": pd.DataFrame({"customer_id": ["c1"], "revenue": [1.5]}),
        "a/b": pd.DataFrame({"x": [1]}),
        "": pd.DataFrame({"x": [2]}),
    }
    path = outputs.save_workbook(sheets, "keep_lists", tmp_path)
    back = pd.read_excel(path, sheet_name=None)
    assert list(back) == ["华东", "a_b", "-"]
    assert back["华东"]["customer_id"].tolist() == ["c1"] and outputs.save_workbook(sheets, "x", "") is None


def test_segmentation_parameters_are_checked():
    merged = merge_parameters({"slow_payer_bands": ["slight", "moderate", "severe"], "rfm_frequency_per": "year"}, None)
    assert merged["slow_payer_bands"] == ["slight", "moderate", "severe"] and merged["cluster_max_rows"] == 50_000
    for bad in (
        {"slow_payer_bands": ["late"]},
        {"rfm_method": "ntile"},
        {"rfm_frequency_per": "month"},
        {"cluster_max_rows": 10},
    ):
        with pytest.raises(ConfigError, match=next(iter(bad))):
            merge_parameters(bad, None)


# --------------------------------------------------------------------------- what notebook 02 computes


def test_profile_attributes_enterprises_and_sales_shares_by_hand():
    table = pd.DataFrame(
        {
            "customer_id": list("abc"),
            "region": ["华东", None, "华南"],
            "gender": [None] * 3,
            "customer_type": ["企业", "个人", "企业"],
            "spend_band": ["low", "mid", "high"],
        }
    )
    assert segment.profile_attributes(table) == ["customer_type", "region"]  # gender has no value; spend_band is apart
    assert segment.enterprises(table).to_dict() == {"a": True, "b": False, "c": True}
    assert segment.enterprises(table.drop(columns="customer_type")) is None
    tx = pd.DataFrame(
        {
            "customer_id": list("aabcx"),
            "region": ["东", "西", "东", "西", "东"],
            "amount": [30.0, 10.0, 60.0, 40.0, 99.0],
        }
    )
    segments = pd.Series(["s1", "s1", "s2"], index=list("abc"))
    shares = segment.sales_shares(tx, segments, "region")  # x has no segment: left out
    assert shares.values.tolist() == [["s1", "东", 0.9], ["s1", "西", 0.1], ["s2", "西", 1.0]]
    assert segment.yearly_rate(pd.Series([2.0, 2.0]), pd.Series([1.0, 730.5])).tolist() == [2 / 30 * 365.25, 1.0]


def test_slow_payer_column_payment_join_and_segment_tables():
    scores = pd.DataFrame(
        {
            "customer_id": list("abc"),
            "P": [1, 5, None],
            "days_to_pay": [60.0, 5.0, None],
            "payment_band": ["severe", "on_time", None],
        }
    )
    scores.attrs.update(bins=5, warnings=[])
    marked = segment.with_slow_payers(scores)
    assert marked["slow_payer"].tolist() == [True, False, False] and marked.attrs["bins"] == 5
    assert "slow_payer" not in segment.with_slow_payers(scores.drop(columns=["P", "days_to_pay", "payment_band"]))
    assert segment.slow_payer_flags(marked).to_dict() == {"a": True, "b": False, "c": False}
    assert segment.slow_payer_flags(scores) is None
    table = pd.DataFrame({"customer_id": list("cab"), "revenue": [1.0, 2.0, 3.0]})
    joined = segment.with_payment(table, marked)
    assert list(joined.columns) == ["customer_id", "revenue", "P", "days_to_pay", "payment_band", "slow_payer"]
    assert joined["slow_payer"].tolist() == [False, True, False] and joined["customer_id"].tolist() == list("cab")
    segments = pd.Series(["lost", "champions", "lost"], index=list("abc"))
    assert segment.segment_counts(segments).values.tolist() == [["lost", 2], ["champions", 1]]
    both = segment.segment_table(marked, segments, pd.Series([2, 1, 2], index=list("abc")))
    assert both[["customer_id", "segment", "cluster"]].values.tolist() == [
        ["a", "lost", 2],
        ["b", "champions", 1],
        ["c", "lost", 2],
    ]


def test_kept_segments_are_those_served_at_the_three_personal_levels():
    segments = pd.Series(["lost", "champions", "at_risk", "general_value", "mine", "champions"])
    # champions: partnership, at_risk and general_value: accountable; lost: basic; unknown segments are not kept
    assert segment.kept_segments(segments) == ["at_risk", "champions", "general_value"]
    assert segment.kept_segments(segments, levels=("basic",)) == ["lost"]


def scored(note=""):
    """RFM scores with settlement data for the page notes: a is slow by band, b has no due date."""
    scores = pd.DataFrame(
        {
            "customer_id": list("abc"),
            "P": [1, 1, 5],
            "days_to_pay": [60.0, 70.0, 3.0],
            "payment_band": ["severe", None, "on_time"],
        }
    )
    scores.attrs.update(bins=5, warnings=[{"score": "P", "column": "days_to_pay", "empty": [3, 4], "bins": 5}])
    if note == "no_due":
        scores = scores.drop(columns="payment_band")
    return segment.with_slow_payers(scores)


def test_rfm_notes_say_the_method_the_empty_bins_and_the_uncovered_cells():
    notes = segment.rfm_notes(scored(), "cn-8", "year", "rank", "median", ["215", "341"], lang="en")
    assert [key for key, _ in notes] == ["sg_rfm", "sg_empty_bins", "sg_uncovered"]
    rfm = notes[0][1]
    assert rfm["bins"] == 5 and rfm["rules"] == t("sg_rules_cn-8", lang="en", center=t("col_median", lang="en"))
    assert rfm["frequency"] == t("sg_frequency_year", lang="en") and rfm["method"] == t("sg_method_rank", lang="en")
    assert notes[1][1] == {"bins": 5, "notes": "no customer scores P = 3, 4"}
    assert notes[2][1] == {"n": 2, "cells": "215, 341"}
    quiet = scored()
    quiet.attrs["warnings"] = []
    plain = segment.rfm_notes(quiet, "rf-grid", None, "rfm", "mean", [], lang="zh")
    assert [key for key, _ in plain] == ["sg_rfm"] and plain[0][1]["frequency"] == t("sg_frequency_count", lang="zh")


def test_payment_notes_follow_the_settlement_data_and_the_bands():
    none = segment.payment_notes(scored(), "no_columns", ["moderate"], "cn-8", lang="en")
    assert none == [("sg_payment_none", {"reason": t("sg_payment_no_columns", lang="en")})]
    [(key, values)] = segment.payment_notes(scored(), "", ["moderate", "severe"], "cn-8", lang="en")
    # a is severe (by band); b has no due date and P = 1, so is slow too: 2 in all, 1 of them by P
    expected = t(
        "sg_slow_bands_p1", lang="en", bands="moderately late or severely late", n=2, no_due=1, p1=1, by_band=1
    )
    assert key == "sg_payment" and values["slow"] == expected
    assert values["rules"] == t("sg_payment_rules_flag", lang="en")
    custom = segment.payment_notes(scored(), "", ["severe"], [{"name": "x", "P": [1, 2]}], lang="en")
    assert custom[0][1]["rules"] == t("sg_payment_rules_custom", lang="en")
    no_due = segment.payment_notes(scored("no_due"), "no_due", ["severe"], "cn-8", lang="en")
    assert no_due[0][1]["slow"] == t("sg_slow_p1", lang="en", n=2)
    nobody = segment.payment_notes(scored(), "", [], "cn-8", lang="en")
    assert nobody[0][1]["slow"] == t("sg_slow_none", lang="en")


def test_payment_shares_show_names_and_keep_the_band_order():
    scores = scored()
    segments = pd.Series(["champions", "champions", "lost"], index=list("abc"))
    shares = segment.payment_shares(scores, segments, "payment_band", lang="en")
    assert list(shares["payment_band"].cat.categories) == [t(f"pay_{b}", lang="en") for b, _ in segment.PAYMENT_BANDS]
    assert shares[["segment", "customers", "share"]].values.tolist() == [
        [t("seg_champions", lang="en"), 1, 1.0],
        [t("seg_lost", lang="en"), 1, 1.0],
    ]


def test_cluster_notes_and_segment_by_cluster_table():
    found = segment.Clusters(
        k=3, labels=pd.Series(dtype=int), centres=pd.DataFrame(), silhouette=pd.Series(), sample_size=10, n=40
    )
    notes = segment.cluster_notes(found, pd.DataFrame(columns=["average_order_value", "enterprise"]), lang="en")
    assert notes == [
        (
            "sg_clusters",
            {
                "k": 3,
                "chosen": t("sg_clusters_chosen", lang="en"),
                "enterprise": t("sg_clusters_enterprise", lang="en"),
            },
        ),
        ("sg_clusters_sampled", {"fitted": 10, "n": 40}),
    ]
    asked = segment.cluster_notes(segment.Clusters(3, None, None, None, 40, 40), pd.DataFrame(columns=["x"]), asked_k=3)
    assert asked == [("sg_clusters", {"k": 3, "chosen": "", "enterprise": ""})]
    segments = pd.Series(["lost", "champions", "lost", "lost"], index=list("abcd"))
    table = segment.cluster_crosstab(segments, pd.Series([1, 2, 2, 2], index=list("dcba")), lang="en")
    assert list(table.columns) == ["segment", 1, 2] and table.columns.name == "cluster"
    assert table.values.tolist() == [["champions", 0, 1], ["lost", 1, 2]]


def test_keep_lists_shown_by_name_with_notes_and_sheets():
    table = pd.DataFrame(
        {"customer_id": list("abcd"), "region": ["华东", "华东", None, "华南"], "revenue": [1.0, 5.0, 2.0, 3.0]}
    )
    scores = scored().assign(customer_id=list("abd"))
    segments = pd.Series(["champions", "champions", "at_risk", "lost"], index=list("abcd"))
    lists = segment.shown_keep_lists(table, scores, segments, ["at_risk", "champions"], lang="en")
    assert list(lists) == ["", "华东"]
    east = lists["华东"]
    assert east[["customer_id", "segment", "slow_payer"]].values.tolist() == [
        ["b", "champions", True],
        ["a", "champions", True],
    ]
    assert pd.isna(east["payment_band"].iloc[0]) and east["payment_band"].iloc[1] == "severely late"  # b has no band
    assert lists[""]["customer_id"].tolist() == ["c"] and pd.isna(lists[""]["payment_band"].iloc[0])  # c: no scores
    assert list(segment.keep_sheets(lists)) == ["-", "华东"]
    notes = segment.keep_notes(lists, ["champions", "at_risk"], scores, lang="en")
    assert notes == [("sg_keep", {"segments": "at risk, champions", "n": 3}), ("sg_keep_slow", {"n": 2})]
    assert [k for k, _ in segment.keep_notes(lists, ["champions"], scores.drop(columns="slow_payer"))] == ["sg_keep"]


def test_custom_segments_the_suite_does_not_know_keep_nobody_and_say_so(tmp_path):
    table = pd.DataFrame({"customer_id": list("abc"), "region": ["华东", None, "华南"], "revenue": [1.0, 5.0, 2.0]})
    scores = scored()
    rules = [{"name": "best", "R": [4, 5]}, {"name": "rest", "R": [1, 3]}]
    segments = segment.rfm_segments(scores.assign(R=[5, 1, 2], F=1, M=1), rules).set_axis(table["customer_id"])
    keep = segment.kept_segments(segments)
    lists = segment.shown_keep_lists(table, scores, segments, keep, lang="en")
    assert keep == [] and lists == {}
    assert segment.keep_notes(lists, keep, scores, lang="en") == [("sg_keep_none", {})]
    assert "keep_lists.xlsx" in t("sg_keep_none", lang="en") and "keep_lists.xlsx" in t("sg_keep_none", lang="zh")
    path = outputs.save_workbook(segment.keep_sheets(lists), "keep_lists", tmp_path)
    assert list(pd.read_excel(path, sheet_name=None)) == ["-"]


def test_contact_notes_add_the_payment_calls_when_slow_payers_are_planned():
    segments = pd.Series(["champions", "lost"], index=list("ab"))
    plan = segment.contact_plan(segments)
    assert segment.contact_notes(plan) == [("sg_contact", {"hours": pytest.approx(4 * 20 / 60 + 0.25 * 2 / 60)})]
    paying = segment.contact_plan(segments, slow_payers=pd.Series([True, False], index=list("ab")))
    assert segment.contact_notes(paying)[1] == ("sg_contact_payment", {"minutes": segment.PAYMENT_CALL_MINUTES})


def test_keep_workbook_holds_the_top_of_each_region_and_the_csv_every_customer(tmp_path):
    table = pd.DataFrame(
        {
            "customer_id": list("abcdef"),
            "region": ["华东", "华东", "华东", None, "华南", "华东"],
            "revenue": [1.0, 5.0, 3.0, 2.0, 4.0, 0.5],
        }
    )
    segments = pd.Series(["champions"] * 5 + ["lost"], index=list("abcdef"))
    lists = segment.keep_lists(table, segments, keep=["champions"])
    sheets = segment.keep_sheets(lists, top=2)
    assert {name: frame["customer_id"].tolist() for name, frame in sheets.items()} == {
        "-": ["d"],
        "华东": ["b", "c"],  # the two with the highest revenue; a is only in the CSV
        "华南": ["e"],
    }
    assert {name: len(frame) for name, frame in segment.keep_sheets(lists).items()} == {"-": 1, "华东": 3, "华南": 1}
    complete = segment.list_table(lists)
    assert list(complete.columns) == ["region", "customer_id", "segment", "revenue"]
    assert complete[["region", "customer_id"]].values.tolist() == [
        ["", "d"],
        ["华东", "b"],
        ["华东", "c"],
        ["华东", "a"],
        ["华南", "e"],
    ]
    outputs.save_workbook(sheets, "keep_lists", tmp_path)
    outputs.save_table(complete, "keep_lists", tmp_path)
    book = pd.read_excel(tmp_path / "tables" / "keep_lists.xlsx", sheet_name=None)
    written = pd.read_csv(tmp_path / "tables" / "keep_lists.csv", encoding="utf-8-sig", keep_default_na=False)
    assert len(book["华东"]) == 2 and written["customer_id"].tolist() == ["d", "b", "c", "a", "e"]
    scores = scored().drop(columns="slow_payer")
    capped = segment.keep_notes(lists, ["champions"], scores, top=2, lang="en")
    assert capped[-1] == ("sg_lists_capped", {"top": 2, "regions": 1, "n": 5})
    assert segment.keep_notes(lists, ["champions"], scores, top=3)[-1] == ("sg_lists_complete", {"n": 5})
    assert "keep_lists.csv" in t("sg_lists_capped", lang="zh", top=2, regions=1, n=5)


def test_an_empty_keep_list_table_still_has_its_columns():
    assert list(segment.list_table({})) == ["region", "customer_id"] and segment.list_table({}).empty


def test_positions_of_customer_ids_agree_with_pandas():
    index = pd.Index(pd.array(["c1", "c3", "c2"], dtype="string[pyarrow]"))
    lines = pd.Series(["c2", "c9", None, "c1", "c2"], dtype="string[pyarrow]")
    assert segment.positions(index, lines).tolist() == [2, -1, -1, 0, 2]
    assert segment.positions(pd.Index([7, 5]), pd.Series([5, 5, 8])).tolist() == [1, 1, -1]
    mixed = pd.Index(["a", 1], dtype=object)  # Arrow cannot type this: pandas' lookup answers
    assert segment.positions(mixed, pd.Series([1, "a", "b"], dtype=object)).tolist() == [1, 0, -1]


def test_sales_shares_equal_the_grouped_sums_of_each_segments_lines():
    rng = np.random.default_rng(3)
    n = 2000
    tx = pd.DataFrame(
        {
            "customer_id": pd.array([f"c{i}" for i in rng.integers(0, 300, n)], dtype="string"),
            "region": pd.array(rng.choice(["东", "西", "南", None], n), dtype="string"),
            "amount": np.round(rng.lognormal(4, 1, n), 2),
        }
    )
    ids = [f"c{i}" for i in range(280)]  # c280… have lines but no segment
    segments = pd.Series(rng.choice(["s2", "s1", "s3"], len(ids)), index=ids)
    shares = segment.sales_shares(tx, segments, "region")
    lines = tx.assign(segment=tx["customer_id"].map(segments)).dropna(subset=["segment", "region"])
    sales = lines.groupby(["segment", "region"])["amount"].sum()
    expected = (sales / sales.groupby(level="segment").transform("sum")).rename("share").reset_index()
    pd.testing.assert_frame_equal(shares, expected, check_dtype=False, check_exact=True)
