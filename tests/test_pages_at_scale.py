"""Notebooks 04 and 05 at millions of lines: the holdout check and tracking from per-day counts on the
engine, the key-customer workbook cut to what a branch reads with the complete list beside it, and
cross-selling, referral value and DWYER without a Python loop per customer; each gives what the
line-by-line or customer-by-customer computation gave."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import custval as cv
from custval import clv, grading, retention, segment, units, valuation

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sample_tx():
    return cv.load(ROOT / "custval.yml").transactions


def tracking_line_by_line(model, tx: pd.DataFrame, unit: str, step_days: int = 7) -> pd.DataFrame:
    """The tracking as the report computed it before: every repeat purchase day and every customer's
    expected purchases counted at every date of the grid."""
    days = tx.loc[tx["amount"] >= 0, ["customer_id", "order_date"]].assign(day=lambda d: d["order_date"].dt.normalize())
    days = days.drop_duplicates(["customer_id", "day"])
    first = days.groupby("customer_id")["day"].transform("min")
    repeats = days.loc[days["day"] > first, "day"]
    births = days.groupby("customer_id")["day"].min()
    grid = pd.date_range(births.min(), days["day"].max(), freq=f"{step_days}D")
    actual = [int((repeats <= g).sum()) for g in grid]
    predicted = [
        float(
            model.expected_purchases_population(
                units.from_days((g - births[births <= g]).dt.days.to_numpy(), unit)
            ).sum()
        )
        for g in grid
    ]
    return pd.DataFrame({"date": grid, "actual": actual, "predicted": predicted})


def test_tracking_from_a_parquet_file_equals_the_line_by_line_count(sample_tx, tmp_path):
    calibration = cv.summarize(sample_tx, calibration_end="2024-06-30", unit="W")
    model = clv.BetaGeo().fit(calibration)
    path = tmp_path / "lines.parquet"
    sample_tx.to_parquet(path)
    tracking = valuation.cumulative_tracking(model, path, unit="W")
    expected = tracking_line_by_line(model, sample_tx, "W")
    assert tracking["date"].tolist() == expected["date"].tolist()
    assert tracking["actual"].tolist() == expected["actual"].tolist()
    np.testing.assert_allclose(tracking["predicted"], expected["predicted"], rtol=1e-12)


def test_tracking_on_a_hand_made_case():
    # a: days 0, 0 (same day), 7 and a return on 14; b: first buys on day 7, again on 21; c: only a return
    day = pd.Timestamp("2024-01-01")
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "b", "c"],
            "order_date": day + pd.to_timedelta([0, 0, 7, 14, 7, 21, 3], unit="D"),
            "amount": [5.0, 1.0, 2.0, -2.0, 3.0, 4.0, -1.0],
        }
    )
    model = clv.BetaGeo()
    model.params_, model.unit_ = {"r": 0.5, "alpha": 2.0, "a": 0.7, "b": 3.0}, "D"
    days = valuation.purchase_days(tx)
    assert days["day"].tolist() == list(day + pd.to_timedelta([0, 7, 21], unit="D"))
    assert days["customers"].tolist() == [1, 2, 1] and days["new"].tolist() == [1, 1, 0]
    tracking = valuation.cumulative_tracking(model, tx)
    assert tracking["date"].tolist() == list(day + pd.to_timedelta([0, 7, 14, 21], unit="D"))
    assert tracking["actual"].tolist() == [0, 1, 1, 2]  # a's day 7, then b's day 21
    e = model.expected_purchases_population
    expected = [e(0.0), e(7.0) + e(0.0), e(14.0) + e(7.0), e(21.0) + e(14.0)]
    np.testing.assert_allclose(tracking["predicted"], expected, rtol=1e-12)
    later = valuation.cumulative_tracking(model, tx, as_of="2024-01-10")
    assert later["actual"].tolist() == [0, 1]


def test_the_holdout_check_on_a_file_and_up_to_as_of(sample_tx, tmp_path):
    path = tmp_path / "lines.parquet"
    sample_tx.to_parquet(path)
    first, last = sample_tx["order_date"].min().normalize(), sample_tx["order_date"].max().normalize()
    split = (last - pd.Timedelta(days=round((last - first).days / 3 / 7) * 7)).date()
    check = valuation.holdout_check(path)
    assert check.split == split and check.weeks == pytest.approx((last.date() - split).days / 7)
    on_frame = valuation.holdout_check(sample_tx)
    pd.testing.assert_frame_equal(check.by_frequency, on_frame.by_frequency)
    pd.testing.assert_frame_equal(check.tracking, on_frame.tracking)
    as_of = pd.Timestamp("2024-09-30")
    cut = valuation.holdout_check(path, as_of=as_of)
    before = valuation.holdout_check(sample_tx[sample_tx["order_date"] <= as_of])
    assert cut.split == before.split
    pd.testing.assert_frame_equal(cut.by_frequency, before.by_frequency)
    pd.testing.assert_frame_equal(cut.tracking, before.tracking)


def test_cohort_retention_up_to_as_of_counts_no_later_line(sample_tx):
    as_of = pd.Timestamp("2024-06-30")
    cut = retention.cohort_retention(sample_tx, as_of=as_of)
    before = retention.cohort_retention(sample_tx[sample_tx["order_date"] <= as_of])
    for mine, theirs in zip(cut, before):
        pd.testing.assert_frame_equal(mine, theirs)


def key_lists(sizes: dict) -> dict:
    """Lists per region of the given sizes, by revenue as ``key_lists`` orders them."""
    return {
        region: pd.DataFrame(
            {"customer_id": [f"{region}{i:03d}" for i in range(n)], "revenue": np.arange(n, 0, -1, dtype=float)}
        )
        for region, n in sizes.items()
    }


def test_the_workbook_holds_the_top_of_each_region_and_the_csv_all():
    lists = key_lists({"": 3, "东": 7, "西": 4})
    sheets = grading.key_list_sheets(lists, top=5)
    assert list(sheets) == ["-", "东", "西"] and [len(s) for s in sheets.values()] == [3, 5, 4]
    assert sheets["东"]["customer_id"].tolist() == [f"东{i:03d}" for i in range(5)]  # the highest revenue
    complete = segment.list_table(lists)
    assert len(complete) == 14 and complete["region"].tolist() == [""] * 3 + ["东"] * 7 + ["西"] * 4
    assert grading.key_list_notes(lists, top=5) == [("vg_lists_capped", {"top": 5, "regions": 1, "n": 14})]
    assert grading.key_list_notes(lists, top=7) == [("vg_lists_complete", {"n": 14})]
    assert cv.parameters.BY_NAME["key_list_top"].default == grading.KEY_LIST_TOP


def cross_sell_customer_by_customer(tx, segments=None, top=3, min_share=0.3, **options):
    """Each customer's candidates as the report found them before, one customer at a time."""
    rules, _ = retention.cross_sell(tx, **options)
    baskets = tx[tx["amount"] > 0].groupby("customer_id")["product_category"].apply(lambda s: frozenset(s.dropna()))
    rows = []
    for customer, basket in baskets.items():
        if segments is None:
            fitting = rules[rules["antecedent"].isin(basket) & ~rules["consequent"].isin(basket)]
            best = fitting.sort_values(["confidence", "consequent"], ascending=[False, True]).drop_duplicates(
                "consequent"
            )
            rows += [(customer, r.consequent, r.antecedent, r.confidence) for r in best.head(top).itertuples()]
        elif customer in segments.index:
            mine = baskets[baskets.index.isin(segments.index[segments == segments[customer]])]
            share = {item: mine.map(lambda b, i=item: i in b).mean() for item in sorted(set().union(*baskets))}
            wanted = sorted(((-s, i) for i, s in share.items() if s >= min_share and i not in basket))[:top]
            rows += [(customer, i, segments[customer], -s) for s, i in wanted]
    return pd.DataFrame(rows, columns=["customer_id", "suggest", "because", "score"])


def test_cross_sell_equals_the_customer_by_customer_candidates():
    rng = np.random.default_rng(7)
    lines = 600
    tx = pd.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in rng.integers(0, 120, lines)],
            "product_category": rng.choice(["纸", "笔", "墨", "砚", None], lines, p=[0.35, 0.3, 0.2, 0.1, 0.05]),
            "amount": rng.choice([1.0, 2.0, -1.0], lines, p=[0.5, 0.4, 0.1]),
        }
    )
    options = {"min_support": 0.05, "min_confidence": 0.2}
    _, found = retention.cross_sell(tx, **options)
    expected = cross_sell_customer_by_customer(tx, **options)
    assert len(found) > 50
    pd.testing.assert_frame_equal(found.astype({"customer_id": str}), expected, check_dtype=False)
    segments = pd.Series(rng.choice(list("AB"), 100), index=[f"c{i:03d}" for i in range(100)])
    _, by_segment = retention.cross_sell(tx, segments=segments, min_share=0.3)
    expected = cross_sell_customer_by_customer(tx, segments=segments, min_share=0.3, **options)
    assert len(by_segment) > 20
    pd.testing.assert_frame_equal(
        by_segment.astype({"customer_id": str}), expected, check_dtype=False, check_exact=False
    )


def referrals_customer_by_customer(customers, values, depth, decay):
    """Referral value as the report computed it before: a walk down from every customer."""
    parent = customers.set_index("customer_id")["referred_by"].dropna()
    parent = parent[parent.isin(customers["customer_id"])]
    cycles, cut, state = [], set(), {}
    for start in sorted(parent.index):
        path, node = [], start
        while node in parent.index and node not in state:
            state[node] = start
            path.append(node)
            node = parent[node]
        if state.get(node) == start and node in path:
            cycles.append(path[path.index(node) :])
            cut.add(cycles[-1][-1])
    children = {}
    for child, par in parent.drop(index=list(cut)).items():
        children.setdefault(par, []).append(child)
    value = values.reindex(customers["customer_id"]).fillna(0.0).to_dict()
    rows = []
    for customer in customers["customer_id"]:
        frontier, total, count = [customer], 0.0, 0
        for level in range(1, depth + 1):
            frontier = [c for f in frontier for c in children.get(f, [])]
            total += decay**level * float(np.sum([value[c] for c in frontier]))
            count += len(frontier)
        if count:
            rows.append((customer, count, len(children.get(customer, [])), total))
    out = pd.DataFrame(rows, columns=["customer_id", "referred", "direct", "referral_value"])
    out = out.sort_values(["referral_value", "customer_id"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True), cycles


def test_referral_value_equals_the_walk_from_every_customer_to_the_last_bit():
    rng = np.random.default_rng(3)
    for _ in range(60):
        n = int(rng.integers(2, 40))
        ids = [f"c{i:02d}" for i in rng.permutation(n)]
        referrers = [ids[j] if rng.random() < 0.8 else None for j in rng.integers(0, n, n)]
        referrers[0] = "nobody"  # not a customer: ignored
        customers = pd.DataFrame({"customer_id": ids, "referred_by": referrers})
        values = pd.Series(rng.random(n) * 1000, index=ids)
        for depth in (1, 3, 5):
            found = retention.referral_value(customers, values, depth=depth, decay=0.3)
            expected, cycles = referrals_customer_by_customer(customers, values, depth, 0.3)
            assert found.attrs["cycles"] == cycles
            pd.testing.assert_frame_equal(
                found.astype({"customer_id": str}), expected, check_dtype=False, check_exact=True
            )
    star = pd.DataFrame({"customer_id": [f"s{i:02d}" for i in range(12)], "referred_by": [None] + ["s00"] * 11})
    values = pd.Series(rng.random(12) * 1e6, index=star["customer_id"])  # 11 referrals: numpy adds them pairwise
    found = retention.referral_value(star, values, depth=2)
    assert found.loc[0, "referral_value"] == 0.5 * float(np.sum(values.iloc[1:].to_numpy()))
