"""The value chain: current value → future value (METHODS §1.4 defaults) → A–F grade, its fallback,
customers with only returns, the lapsed rule behind win-back, and the migration model."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import custval as cv
from custval import clv, grading, retention, valuation
from custval.clv.migration import RecencyMigration
from custval.i18n import t

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sample_tx():
    return cv.load(ROOT / "custval.yml").transactions


@pytest.fixture(scope="module")
def sample_chain(sample_tx):
    return grading.ValueChain().fit(sample_tx)


def yearly_buyers(n=400, years=3, seed=4) -> pd.DataFrame:
    """B2B customers who buy once a year around their start date: steady accounts (70 %, 5 % leave
    a year) and bigger project buyers (90 % leave after a purchase). Purchases this regular are
    far from Poisson, and BG/NBD cannot be fitted to them."""
    rng = np.random.default_rng(seed)
    end = pd.Timestamp("2024-12-31")
    rows = []
    for i in range(n):
        start = end - pd.Timedelta(days=int(rng.integers(0, years * 365)))
        steady = rng.random() < 0.7
        churn, value = (0.05, rng.lognormal(7.0, 0.6)) if steady else (0.9, rng.lognormal(8.2, 0.6))
        for k in range(years + 1):
            day = start + pd.DateOffset(years=k) + pd.Timedelta(days=int(rng.integers(-10, 11)))
            if day > end:
                break
            rows.append((f"c{i:03d}", day, round(value * rng.uniform(0.8, 1.2), 2)))
            if rng.random() < churn:
                break
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])


def test_the_sample_grid_has_all_six_grades_with_the_methods_defaults(sample_chain):
    graded = sample_chain.grades_
    assert (
        graded.attrs["method"] == "models"
        and graded.attrs["horizon_years"] == 5
        and graded.attrs["discount_rate"] == 0.10
    )
    assert set(graded["grade"]) == set("ABCDEF")
    assert graded["customer_id"].is_unique and graded["customer_id"].is_monotonic_increasing
    assert grading.grade_table(graded)["customers"].sum() == len(graded) == 2000
    assert list(graded.columns) == grading.GRADES_COLUMNS and (graded["future_value"] >= 0).all()


def test_future_value_is_the_margin_of_the_next_five_years_discounted_at_the_end_of_each(sample_chain, sample_tx):
    summary = cv.summarize(sample_tx)
    future = sample_chain.future_
    margin = sample_chain.margin_rate_
    expected = clv.clv(future.purchases, future.spend, summary, horizon=5, unit="Y", discount=0.10, margin=margin)
    assert sample_chain.grades_["future_value"].to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-9)
    # the margin rate is the data's: profit over revenue
    assert margin == pytest.approx(summary["profit"].sum() / summary["revenue"].sum())
    assert sample_chain.future_values(5).to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-9)


def test_sensitivity_to_the_horizon_and_the_cuts(sample_chain):
    horizons = sample_chain.horizon_sensitivity()
    assert horizons["horizon_years"].tolist() == [1, 3, 5] and horizons["changed"].iloc[-1] == 0
    assert horizons["changed"].iloc[0] > 0  # one year ranks customers differently from five
    cuts = sample_chain.cut_sensitivity()
    assert cuts["shift"].tolist() == [-0.10, 0.10] and (cuts["changed"] > 0).all()
    table = sample_chain.sensitivity()
    assert len(table) == 5 and table["changed"].tolist() == [*horizons["changed"], *cuts["changed"]]


def test_grades_are_the_same_every_run(sample_tx, sample_chain):
    again = grading.ValueChain().fit(sample_tx).grades_
    pd.testing.assert_frame_equal(again, sample_chain.grades_)


def test_a_chain_fit_with_as_of_ignores_the_lines_after_it(sample_tx, tmp_path):
    """Report runs give the chain every line (the run's Parquet file) and ``as_of``."""
    as_of = "2024-06-30"
    every_line = tmp_path / "lines.parquet"
    sample_tx.to_parquet(every_line)
    cut = sample_tx[sample_tx["order_date"] <= pd.Timestamp(as_of)]
    on_file = grading.ValueChain().fit(str(every_line), as_of=as_of)
    on_cut = grading.ValueChain().fit(cut, as_of=as_of)
    assert sample_tx["order_date"].max() > pd.Timestamp(as_of)
    pd.testing.assert_frame_equal(on_file.grades_, on_cut.grades_)
    pd.testing.assert_frame_equal(on_file.windows_, on_cut.windows_)


def test_customers_with_only_returns_are_not_fitted_as_one_time_buyers(sample_tx):
    returner = pd.DataFrame(
        {"customer_id": ["Z999"], "order_date": [pd.Timestamp("2024-06-30")], "amount": [-500.0], "cost": [-400.0]}
    )
    tx = pd.concat([sample_tx[["customer_id", "order_date", "amount", "cost"]], returner], ignore_index=True)
    chain = grading.ValueChain().fit(tx)
    row = chain.grades_.set_index("customer_id").loc["Z999"]
    assert row["method"] == "only_returns" and row["future_value"] == 0 and row["current_value"] == -100
    assert row["grade"] == grading.bottom_grade() and not row["lapsed"]
    assert chain.future_.purchases.n_customers_ == 2000 and chain.n_only_returns_ == 1


def test_when_bgnbd_cannot_be_fitted_the_fallback_still_grades_in_two_dimensions():
    tx = yearly_buyers()
    with pytest.raises(clv.FitError):
        clv.BetaGeo().fit(cv.summarize(tx))
    chain = grading.ValueChain().fit(tx)
    graded = chain.grades_
    assert chain.method_ == "migration" and graded.attrs["method"] == "migration" and "BetaGeo" in chain.reason_
    counts = graded["grade"].value_counts()
    assert {"B", "D", "E"} <= set(counts.index), counts.to_dict()
    # future value does not collapse onto current value: customers gone this year may come back,
    # and a big buyer of this year can be worth less than a steady account of a smaller one
    assert (graded.loc[graded["current_value"] == 0, "future_value"] > 0).any()
    ratio = graded["future_value"] / graded["current_value"].where(graded["current_value"] > 0)
    assert ratio.max() > 2 * ratio.min()
    assert chain.record()["migration"]["period_months"] == 12


def test_the_migration_model_on_data_with_costs_applies_no_margin_rate_and_says_so(sample_tx):
    """With costs the migration model values the data's margin: margin_rate changes nothing, and
    the chain and its record say that no rate was applied (the record's other values unchanged)."""
    chains = {
        rate: grading.ValueChain(margin_rate=rate, future_method="migration").fit(sample_tx)
        for rate in (None, 0.2, 0.9)
    }
    totals = {rate: chain.grades_["future_value"].sum() for rate, chain in chains.items()}
    assert totals[0.2] == pytest.approx(totals[None], rel=1e-12) and totals[0.9] == pytest.approx(
        totals[None], rel=1e-12
    )
    assert chains[0.2].ignored_margin_rate() == 0.2 and chains[None].ignored_margin_rate() is None
    record = chains[0.2].record()
    assert record["margin_rate_used"] is None and record["margin_rate"] == 0.2 and record["basis"] == "margin"


def test_the_margin_rate_is_used_by_the_models_and_by_the_migration_model_on_revenue(sample_chain):
    assert sample_chain.margin_rate_used() == sample_chain.margin_rate_ and sample_chain.ignored_margin_rate() is None
    assert sample_chain.record()["margin_rate_used"] == sample_chain.margin_rate_
    tx = yearly_buyers()  # no cost: BG/NBD fails, the migration model values revenue × margin_rate
    low, high = (grading.ValueChain(margin_rate=rate).fit(tx) for rate in (0.2, 0.4))
    assert low.method_ == "migration" and low.basis_ == "revenue" and low.margin_rate_used() == 0.2
    assert low.ignored_margin_rate() is None
    assert high.grades_["future_value"].sum() == pytest.approx(2 * low.grades_["future_value"].sum(), rel=1e-9)


def channel_customers() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three customers acquired by web (a, with an acquisition cost) or in store (b, c, without)."""
    days = pd.to_datetime(["2021-01-10", "2021-02-10", "2022-03-10", "2022-01-20"])
    tx = pd.DataFrame({"customer_id": ["a", "b", "c", "a"], "amount": [100.0, 80.0, 60.0, 90.0], "order_date": days})
    costs = {"acquisition_cost": [40.0, None, None], "channel": ["web", "store", "store"]}
    return tx, pd.DataFrame({"customer_id": ["a", "b", "c"], **costs})


def test_dwyer_names_the_groups_that_fell_back_to_the_acquisition_cost_parameter():
    tx, people = channel_customers()
    inputs = clv.dwyer_inputs(
        tx, by="channel", customers=people, acquisition_cost=99.0, min_customers=1, as_of="2023-06-30"
    )
    costs = inputs.drop_duplicates("channel").set_index("channel")["acquisition_cost"]
    assert costs.to_dict() == {"store": 99.0, "web": 40.0}
    assert inputs.attrs["acquisition_cost_fallback"] == ["store"] and not inputs.attrs["acquisition_cost_unused"]
    covered = clv.dwyer_inputs(
        tx,
        by="channel",
        customers=people.fillna({"acquisition_cost": 5.0}),
        acquisition_cost=99.0,
        min_customers=1,
        as_of="2023-06-30",
    )
    assert covered.attrs["acquisition_cost_fallback"] == [] and covered.attrs["acquisition_cost_unused"]
    without = clv.dwyer_inputs(
        tx,
        by="channel",
        customers=people.drop(columns="acquisition_cost"),
        acquisition_cost=99.0,
        min_customers=1,
        as_of="2023-06-30",
    )
    assert without.attrs["acquisition_cost_fallback"] == [] and not without.attrs["acquisition_cost_unused"]


def test_future_method_models_raises_instead_of_falling_back():
    with pytest.raises(clv.FitError):
        grading.ValueChain(future_method="models").fit(yearly_buyers())
    with pytest.raises(ValueError, match="future_method"):
        grading.ValueChain(future_method="retention").fit(yearly_buyers())


def test_an_unfitted_value_chain_says_so_like_scikit_learn():
    chain = grading.ValueChain()
    for ask in (chain.settings, chain.margin_rate_used, chain.record, chain.cut_sensitivity):
        with pytest.raises(cv.errors.NotFittedError, match="ValueChain is not fitted yet; call fit"):
            ask()
    assert not hasattr(chain, "method_") and isinstance(cv.errors.NotFittedError(), AttributeError)


def repeat_buyers(n=80, seed=0) -> pd.DataFrame:
    """Customers buying at their own Poisson rate, each leaving after a purchase with their own
    chance: the world BG/NBD describes."""
    rng = np.random.default_rng(seed)
    start, end = pd.Timestamp("2022-01-01"), pd.Timestamp("2024-12-31")
    rows = []
    for i in range(n):
        rate, leave = rng.gamma(2.0, 1 / 40), rng.beta(1, 8)  # purchases a day; chance to leave after each
        day = start + pd.Timedelta(days=int(rng.integers(0, 700)))
        while day <= end:
            rows.append((f"r{i:02d}", day, float(rng.integers(50, 150))))
            if rng.random() < leave:
                break
            day += pd.Timedelta(days=max(1, int(rng.exponential(1 / rate))))
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])


def test_win_back_lists_a_one_time_buyer_lapsed_two_years():
    once = pd.DataFrame({"customer_id": ["x"], "order_date": [pd.Timestamp("2022-12-20")], "amount": [5000.0]})
    tx = pd.concat([repeat_buyers(), once], ignore_index=True)
    chain = grading.ValueChain().fit(tx)
    graded = chain.grades_.set_index("customer_id")
    assert chain.method_ == "models" and graded.loc["x", "p_alive"] == 1  # BG/NBD cannot tell for a one-time buyer
    assert graded.loc["x", "lapsed"] and chain.future_.lapse_days < 2 * 365
    lapsed = retention.win_back(chain.grades_).set_index("customer_id")
    # two years gone, so no current value; worth winning back for the 5,000 it brought when active
    assert graded.loc["x", "current_value"] == 0 and lapsed.loc["x", "worth"]
    summary = cv.summarize(tx).set_index("customer_id")
    repeat = graded[summary["frequency"].reindex(graded.index) > 0]
    assert len(repeat) > 40 and (repeat["lapsed"] == (repeat["p_alive"] < 0.3)).all()  # repeat buyers: P(alive) decides
    once_only = graded[summary["frequency"].reindex(graded.index) == 0]
    days = (chain.as_of_ - summary.loc[once_only.index, "first_purchase"]).dt.days
    assert (once_only["lapsed"] == (days > chain.future_.lapse_days)).all()


def test_the_migration_model_by_hand():
    # period 2: a, b, c buy; period 1: a, b; period 0: a
    activity = pd.DataFrame({"customer_id": list("abcaba"), "period": [2, 2, 2, 1, 1, 0], "value": 1.0})
    model = RecencyMigration(value_bands=1, min_customers=1).fit(activity)
    rates = model.rates_.set_index(["recency", "frequency", "value_band"])
    # at the end of period 2, a, b, c are (0, 1): two of three buy in period 1; at the end of period 1,
    # a and b are (0, 2) and buy once in two, c is (1, 1) and does not buy
    assert rates.loc[(0, 1, 1), "probability"] == pytest.approx(2 / 3) and rates.loc[(0, 2, 1), "probability"] == 0.5
    assert rates.loc[(1, 1, 1), "probability"] == 0 and rates.loc[(1, 1, 1), "customers"] == 1
    states = model.states(activity).set_index("customer_id")
    assert states.loc["a", ["recency", "frequency"]].tolist() == [0, 3] and states.loc[
        "b", ["recency", "frequency"]
    ].tolist() == [1, 2]
    # (0, 3) was never seen: it takes (0, 2)'s rate, 0.5; a customer who misses a period moves to
    # recency 1 and never returns, so a buys in period t with probability 0.5^t
    assert rates.loc[(0, 3, 1), "source"] == "fewer active periods" and rates.loc[(1, 3, 1), "probability"] == 0
    assert model.buy_probabilities(states.loc[["a"]].reset_index(), 3)[0] == pytest.approx([0.5, 0.25, 0.125])
    with pytest.raises(clv.FitError, match="two periods"):
        RecencyMigration().fit(activity[activity["period"] == 0])


def test_customer_windows_follow_calendar_month_offsets():
    rng = np.random.default_rng(1)
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1900, 400), unit="D")
    for as_of in ("2024-02-29", "2024-03-31", "2023-03-30", "2023-02-28"):
        for months in (1, 3, 12):
            end = pd.Timestamp(as_of)
            tx = pd.DataFrame({"customer_id": [f"c{i}" for i in range(len(days))], "order_date": days, "amount": 1.0})
            tx = tx[tx["order_date"] <= end]
            found = valuation.customer_windows(tx, as_of=as_of, months=months).set_index("customer_id")["window"]
            expected = [
                next(
                    k
                    for k in range(100)
                    if end - pd.DateOffset(months=months * (k + 1)) < day <= end - pd.DateOffset(months=months * k)
                )
                for day in tx["order_date"]
            ]
            assert found.reindex(tx["customer_id"]).tolist() == expected, (as_of, months)


# --------------------------------------------------------------------------- what notebook 04 says


def said(notes) -> list[str]:
    """The notes as the page says them in both languages: a missing value would raise here."""
    return [t(key, lang, **values) for key, values in notes for lang in ("zh", "en")]


def test_the_value_notes_say_the_chains_window_basis_and_method(sample_chain):
    ((key, values),) = grading.current_notes(sample_chain, lang="en")
    assert key == "vg_current" and values["months"] == 12 and values["as_of"] == sample_chain.as_of_.date()
    assert values["basis"] == "contribution margin (amount − cost)" and values["basis_note"] == ""
    ((key, values),) = grading.future_notes(sample_chain, lang="en")
    assert key == "vg_future_models" and (values["years"], values["discount"]) == (5, 0.10)
    assert values["ll"] == sample_chain.future_.purchases.log_likelihood_
    assert values["margin_note"] == t("vg_margin_note", "en", margin=sample_chain.margin_rate_)  # 21 %: the data's rate
    assert grading.spend_notes(sample_chain) == [] and grading.only_returns_notes(sample_chain) == []
    fallback = SimpleNamespace(
        method_="models", future_=SimpleNamespace(spend_model="mean_order_value"), n_only_returns_=3
    )
    assert grading.spend_notes(fallback) == [("vg_spend_fallback", {})]
    assert grading.only_returns_notes(fallback) == [("vg_only_returns", {"n": 3})]
    assert len(said(grading.current_notes(sample_chain) + grading.future_notes(sample_chain))) == 4


def test_the_migration_notes_say_why_it_was_used_and_which_margin_rate_it_ignored(sample_tx):
    failed = grading.ValueChain().fit(yearly_buyers())  # BG/NBD cannot be fitted: the reason is given
    ((key, values),) = grading.future_notes(failed, lang="en")
    assert key == "vg_future_migration" and values["months"] == 12 and failed.reason_ in values["why"]
    assert values["basis"] == "revenue" and grading.current_notes(failed, "en")[0][1]["basis_note"] != ""
    chosen = grading.ValueChain(future_method="migration", margin_rate=0.2).fit(sample_tx)
    notes = grading.future_notes(chosen, lang="en")
    assert notes[0][1]["why"] == t("vg_future_chosen", "en") and notes[1] == ("vg_margin_unused", {"margin": 0.2})
    assert chosen.future_.parameters() is chosen.future_.model.rates_
    said(notes)


def test_dwyer_on_the_chains_horizon_and_why_there_is_none_on_a_short_history(sample_chain, sample_tx):
    inputs, table = grading.dwyer_tables(sample_tx, sample_chain, by="cohort", service_cost=10.0)
    expected = clv.dwyer_inputs(sample_tx, by="cohort", as_of=sample_chain.as_of_, service_cost=10.0)
    pd.testing.assert_frame_equal(table, clv.dwyer_table(expected, years=5, discount=0.10, group="cohort"))
    (key, values), *rest = grading.dwyer_notes(inputs, table, sample_chain, by="cohort", service_cost=10.0)
    assert key == "vg_dwyer" and values["groups"] == 3 and values["observed"] == int(inputs["year"].max())
    assert values["service"] == 10.0 and values["acquisition"] == t(
        "vg_dwyer_acq_param", cost=0.0
    )  # no customers table
    groups = grading.dwyer_groups(table, "cohort")
    assert [g for g, _ in groups] == list(table["cohort"].unique()) and sum(len(part) for _, part in groups) == len(
        table
    )
    assert all("cohort" not in part.columns for _, part in groups)
    short = SimpleNamespace(history_months_=grading.DWYER_MIN_MONTHS - 1)
    assert grading.dwyer_tables(sample_tx, short) == (None, None) and grading.dwyer_groups(None) == []
    assert grading.dwyer_notes(None, None, short) == [("vg_dwyer_short", {"months": 23})]
    said([(key, values), *rest])


def test_dwyer_notes_name_the_fallback_groups_an_unused_cost_and_the_pooled_years():
    tx, people = channel_customers()
    chain = SimpleNamespace(history_months_=30, as_of_=pd.Timestamp("2023-06-30"), horizon_years=3, discount_rate=0.1)
    inputs, table = grading.dwyer_tables(tx, chain, by="channel", customers=people, acquisition_cost=99.0)
    notes = dict(grading.dwyer_notes(inputs, table, chain, by="channel", acquisition_cost=99.0, lang="en"))
    assert notes["vg_dwyer_acq_fallback"] == {"group_name": "channel", "groups": "store", "cost": 99.0}
    assert notes["vg_dwyer_pooled"]["n"] == int((inputs["source"] != "group").sum()) > 0  # 3 customers, fewer than 30
    assert "acq_cost_unused" not in notes and table["year"].max() == 3
    covered = people.fillna({"acquisition_cost": 5.0})
    inputs, table = grading.dwyer_tables(tx, chain, by="channel", customers=covered, acquisition_cost=99.0)
    notes = dict(grading.dwyer_notes(inputs, table, chain, by="channel", acquisition_cost=99.0))
    assert notes["acq_cost_unused"] == {"cost": 99.0} and "vg_dwyer_acq_fallback" not in notes


def test_the_grid_notes_follow_the_cut_method_and_the_lists_hold_the_kept_grades(sample_chain):
    assert grading.grid_notes(sample_chain) == [("vg_grid", grading.cut_shares())]
    share = SimpleNamespace(grade_method="share", cuts={"future": (0.7,)})
    assert grading.grid_notes(share) == [("vg_grid_share", grading.cut_shares({"future": (0.7,)}, "share"))]
    said(grading.grid_notes(share))
    assert list(grading.level_names("en")) == ["high", "medium", "low"]
    table = grading.strategy_table(grading.grade_table(sample_chain.grades_), "en")
    assert table["grade"].tolist() == list("ABCDEF") and table["investment"].notna().all()
    people = pd.DataFrame({"customer_id": ["x", "y", "z"], "region": ["东", "西", "东"], "revenue": [5.0, 9.0, 7.0]})
    values = {"current_value": [1.0, 2.0, 3.0], "future_value": [4.0, 5.0, 6.0]}
    graded = pd.DataFrame({"customer_id": ["x", "y", "z"], "grade": ["A", "D", "C"], **values})
    lists = grading.key_lists(people, graded)
    assert list(lists) == ["东"] and lists["东"]["customer_id"].tolist() == ["z", "x"]  # by revenue; y is a D
    assert lists["东"]["segment"].tolist() == ["C", "A"]


def test_the_holdout_notes_and_lines(sample_tx):
    check = valuation.holdout_check(sample_tx)
    assert valuation.holdout_notes(check, "models") == [
        ("vg_holdout", {"calibration_end": check.split, "weeks": check.weeks})
    ]
    assert valuation.holdout_notes(None, "models") == [("vg_holdout_skipped", {})]
    assert valuation.holdout_notes(None, "migration") == [("vg_holdout_not_models", {})]
    lines = check.lines("by_frequency")
    assert list(lines.columns) == ["frequency", "variable", "value"] and len(lines) == 2 * len(check.by_frequency)
    actual = lines[lines["variable"] == "actual"]
    assert actual["value"].tolist() == check.by_frequency["actual"].tolist()
    assert check.lines("tracking")["date"].tolist() == 2 * check.tracking["date"].tolist()


def test_a_notebook_says_the_notes_in_order(monkeypatch):
    from custval.notebook import Presenter

    said = []
    monkeypatch.setattr(Presenter, "say", lambda self, key, **values: said.append((key, values)))
    Presenter().say_all([*grading.only_returns_notes(SimpleNamespace(n_only_returns_=2)), ("vg_key", {})])
    assert said == [("vg_only_returns", {"n": 2}), ("vg_key", {})]
