"""CLV: the CDNOW reproduction, closed forms, and the value calculations."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import custval as cv
from custval import clv, valuation
from custval.datasets import read_cdnow


@pytest.fixture(scope="module")
def bgnbd(cdnow):
    return clv.BetaGeo().fit(cdnow)


def test_bgnbd_reproduces_fader_hardie_lee_2005(bgnbd):
    expected = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in expected.items():
        assert bgnbd.params_[name] == pytest.approx(value, abs=0.005), name
    assert bgnbd.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    assert all(0 < se < 1 for se in bgnbd.standard_errors_.values())


def test_gamma_gamma_reproduces_the_published_spend_model(cdnow):
    model = clv.GammaGamma().fit(cdnow)
    assert model.n_customers_ == 946 and model.excluded_ == len(cdnow) - 946
    for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert model.params_[name] == pytest.approx(value, abs=0.01), name


def test_compressed_fit_equals_the_fit_on_every_row(cdnow, bgnbd):
    doubled = clv.BetaGeo().fit(cdnow, weights=np.full(len(cdnow), 2.0))
    assert doubled.log_likelihood_ == pytest.approx(2 * bgnbd.log_likelihood_, rel=1e-9)
    for name in bgnbd.names:
        assert doubled.params_[name] == pytest.approx(bgnbd.params_[name], rel=1e-4)


def test_predictions_track_the_holdout(cdnow, bgnbd):
    check = clv.calibration_holdout_check(bgnbd, cdnow)
    assert check["customers"].sum() == len(cdnow)
    assert np.abs(check["predicted"] - check["actual"]).max() < 0.5
    alive = bgnbd.p_alive(cdnow)
    assert ((alive > 0) & (alive <= 1)).all() and (alive[cdnow["frequency"].to_numpy() == 0] == 1).all()


def test_heavy_buyers_stay_finite(bgnbd):
    heavy = pd.DataFrame({"frequency": [200, 500], "recency": [38.0, 10.0], "T": [39.0, 39.0]})
    assert np.isfinite(
        bgnbd._loglik(np.array(list(bgnbd.params_.values())), clv.Rows.every(heavy, bgnbd.columns))
    ).all()
    assert np.isfinite(bgnbd.expected_purchases(39, heavy)).all() and np.isfinite(bgnbd.p_alive(heavy)).all()


def test_bgnbd_recovers_simulated_parameters():
    truth = clv.BetaGeo()
    truth.params_ = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 3.0}
    simulated = truth.simulate(6000, T=52.0, random_state=1)
    fitted = clv.BetaGeo().fit(simulated)
    for name, value in truth.params_.items():
        assert fitted.params_[name] == pytest.approx(value, rel=0.25), name


def test_clv_converts_units_and_refuses_unknown_ones(cdnow, bgnbd):
    spend = clv.GammaGamma().fit(cdnow)
    monthly = clv.clv(bgnbd, spend, cdnow, horizon=12, unit="M", discount=0.01)
    weekly = clv.clv(bgnbd, spend, cdnow, horizon=52, unit="W", discount=(1.01 ** (12 / 52.1786)) - 1)
    assert (monthly > 0).all() and monthly.sum() == pytest.approx(weekly.sum(), rel=0.01)
    no_unit = cdnow.copy()
    no_unit.attrs = {}
    with pytest.raises(ValueError, match="time unit"):
        clv.clv(bgnbd, spend, no_unit)
    undiscounted = clv.clv(bgnbd, spend, cdnow, horizon=12, unit="M", discount=0.0)
    expected = bgnbd.expected_purchases(12 * 365.25 / 12 / 7, cdnow) * spend.expected_spend(cdnow)
    assert undiscounted.to_numpy() == pytest.approx(expected, rel=1e-9)


def with_unit(model, unit):
    """A copy of a fitted model that records (or not) the time unit it was fitted in."""
    copied = copy.copy(model)
    copied.unit_ = unit
    return copied


def test_clv_refuses_a_model_fitted_in_another_unit(cdnow, bgnbd):
    spend = clv.GammaGamma().fit(cdnow)
    with pytest.raises(ValueError, match=r"model was fitted on a summary in unit 'D' but this summary's unit is 'W'"):
        clv.clv(with_unit(bgnbd, "D"), spend, cdnow)
    same = clv.clv(with_unit(bgnbd, "W"), spend, cdnow, horizon=6, unit="M", discount=0.01)
    unknown = clv.clv(with_unit(bgnbd, None), spend, cdnow, horizon=6, unit="M", discount=0.01)
    assert same.to_numpy() == pytest.approx(unknown.to_numpy())


def test_clv_values_purchases_in_yearly_steps(cdnow, bgnbd):
    spend = clv.GammaGamma().fit(cdnow)
    yearly = clv.clv(bgnbd, spend, cdnow, horizon=3, unit="Y", discount=0.1)
    weeks = 365.25 / 7
    purchases = [bgnbd.expected_purchases(k * weeks, cdnow) if k else 0.0 for k in range(4)]
    explicit = sum((purchases[k] - purchases[k - 1]) * spend.expected_spend(cdnow) / 1.1**k for k in range(1, 4))
    assert yearly.to_numpy() == pytest.approx(explicit, rel=1e-12)
    one_year = clv.clv(bgnbd, spend, cdnow, horizon=1, unit="Y", discount=0.0)
    twelve_months = clv.clv(bgnbd, spend, cdnow, horizon=12, unit="M", discount=0.0)
    assert one_year.to_numpy() == pytest.approx(twelve_months.to_numpy(), rel=1e-9)


def test_cumulative_tracking_takes_the_unit_the_model_was_fitted_in(bgnbd):
    tx = read_cdnow()
    weekly = valuation.cumulative_tracking(bgnbd, tx, unit="W")
    pd.testing.assert_frame_equal(valuation.cumulative_tracking(with_unit(bgnbd, "W"), tx), weekly)
    with pytest.raises(ValueError, match="time unit is unknown"):
        valuation.cumulative_tracking(with_unit(bgnbd, None), tx)
    with pytest.raises(ValueError, match=r"unit='W' but the model was fitted in unit 'D'"):
        valuation.cumulative_tracking(with_unit(bgnbd, "D"), tx, unit="W")


def test_retention_clv_follows_methods_end_of_period_timing():
    m, r, d = 100.0, 0.8, 0.1
    assert clv.retention_clv(m, r, d) == pytest.approx(266.67, abs=0.005)  # m·r/(1+d−r), METHODS §8.2
    multiples = {0.6: 1.20, 0.7: 1.75, 0.8: 2.67, 0.85: 3.40, 0.9: 4.50, 0.95: 6.33}  # METHODS' table at d = 10 %
    for retention, multiple in multiples.items():
        assert clv.retention_clv(m, retention, d) / m == pytest.approx(multiple, abs=0.005), retention
    assert clv.retention_clv(m, r, d, timing="start") == pytest.approx(m * (1 + d) / (1 + d - r))
    end = sum(m * r**t / (1 + d) ** t for t in range(1, 6))
    start = sum(m * r**t / (1 + d) ** t for t in range(5))
    assert clv.retention_clv(m, r, d, horizon=5) == pytest.approx(end)
    assert clv.retention_clv(m, r, d, horizon=5, timing="start") == pytest.approx(start)
    with pytest.raises(ValueError, match="retention"):
        clv.retention_clv(m, 1.2, d)
    with pytest.raises(ValueError, match="timing"):
        clv.retention_clv(m, r, d, timing="middle")


def test_retention_clv_is_element_wise_where_retention_equals_one_plus_discount():
    start = clv.retention_clv(100, [0.8, 1.0], 0, horizon=5, timing="start")
    assert start == pytest.approx([100 * (1 - 0.8**5) / 0.2, 500]) and start[0] == pytest.approx(336.16, abs=0.005)
    end = clv.retention_clv(100, [0.8, 1.0], 0, horizon=5)
    assert end == pytest.approx([sum(100 * 0.8**t for t in range(1, 6)), 500])
    assert clv.retention_clv([100, -5, 0], [0.8, 1.0, 1.0], 0).tolist() == [
        pytest.approx(400),
        -np.inf,
        0.0,
    ]  # diverges
    margins = np.array([[100.0], [200.0]])
    grid = clv.retention_clv(margins, [0.6, 0.9], 0.1, horizon=3)
    explicit = [[sum(m * r**t / 1.1**t for t in range(1, 4)) for r in (0.6, 0.9)] for m in (100, 200)]
    assert grid.shape == (2, 2) and grid == pytest.approx(np.array(explicit))


def test_markov_clv_equals_a_long_simulation():
    P = np.array([[0.7, 0.2, 0.1], [0.3, 0.5, 0.2], [0.0, 0.0, 1.0]])
    R = np.array([100.0, 40.0, 0.0])
    d = 0.1
    value = clv.markov_clv(P, R, d)
    state, total = np.eye(3), np.zeros(3)
    for step in range(400):
        total += state @ R / (1 + d) ** step
        state = state @ P
    assert value == pytest.approx(total, rel=1e-9)
    with pytest.raises(ValueError, match="rows summing to 1"):
        clv.markov_clv([[0.5, 0.4], [0.5, 0.5]], [1, 1], d)


DWYER_INPUTS = {
    "customers": 1000.0,
    "retention": 0.5,
    "orders_per_customer": 2.0,
    "order_value": 100.0,
    "direct_cost_rate": 0.6,
    "service_cost": 10.0,
    "acquisition_cost": 30.0,
}


def test_dwyer_table_reproduces_the_methods_example():
    # METHODS §4.2: 20,000 customers; retention 65/70/75/80 % in years 2–5; 2 orders × 150; 70 % direct cost;
    # 20 service and 50 acquisition per customer; i = 20 %
    year_one = {
        "group": "all",
        "customers": 20_000,
        "retention": np.nan,
        "orders_per_customer": 2,
        "order_value": 150.0,
        "direct_cost_rate": 0.7,
        "service_cost": 20.0,
        "acquisition_cost": 50.0,
    }
    later = [{**year_one, "year": t, "retention": r} for t, r in zip(range(2, 6), [0.65, 0.7, 0.75, 0.8])]
    rows = [{**year_one, "year": 1}, *later]
    table = clv.dwyer_table(pd.DataFrame(rows), years=5, discount=0.2)
    assert table["customers"].tolist() == pytest.approx([20_000, 13_000, 9_100, 6_825, 5_460])
    # year 1: sales 6,000,000; costs 4,200,000 direct + 400,000 service + 1,000,000 acquisition; undiscounted
    assert table.loc[0, ["sales", "costs", "profit", "npv"]].tolist() == pytest.approx([6e6, 5.6e6, 4e5, 4e5])
    assert table.loc[1, "npv"] == pytest.approx((3.9e6 * 0.3 - 13_000 * 20) / 1.2)
    assert table["acquisition_costs"].tolist() == [1e6, 0, 0, 0, 0]
    assert table["clv_per_customer"].iloc[-1] == pytest.approx(103.07, abs=0.01)
    assert table["cumulative_npv"].iloc[-1] == pytest.approx(table["npv"].sum())


def test_dwyer_table_with_constant_inputs_by_hand():
    groups = pd.DataFrame([{"group": "b", **DWYER_INPUTS}, {"group": "a", **DWYER_INPUTS, "customers": 10.0}])
    table = clv.dwyer_table(groups, years=3, discount=0.1)
    assert table["group"].tolist() == ["a"] * 3 + ["b"] * 3 and table["year"].tolist() == [1, 2, 3] * 2
    b = table[table["group"] == "b"]
    # 1000 → 500 → 250 customers, each 2 × 100 of sales, 40 % margin, 10 service; 30 acquisition in year 1
    assert b["customers"].tolist() == [1000, 500, 250]
    profits = [1000 * 80 - 1000 * 10 - 1000 * 30, 500 * 70, 250 * 70]
    assert b["profit"].tolist() == pytest.approx(profits)
    assert b["npv"].tolist() == pytest.approx([profits[0], profits[1] / 1.1, profits[2] / 1.21])
    assert b["clv_per_customer"].iloc[-1] == pytest.approx(sum(b["npv"]) / 1000)
    a = table[table["group"] == "a"]
    assert a["clv_per_customer"].tolist() == pytest.approx(b["clv_per_customer"].tolist())  # per customer: size-free


def test_dwyer_table_repeats_the_last_given_year_and_names_bad_groups():
    years = pd.DataFrame(
        [
            {"group": "g", "year": 1, **DWYER_INPUTS},
            {"group": "g", "year": 2, **DWYER_INPUTS, "retention": 0.8, "order_value": 50.0},
        ]
    )
    table = clv.dwyer_table(years, years=4, discount=0.0)
    assert table["customers"].tolist() == pytest.approx([1000, 800, 640, 512])  # year 2's 80 % in years 3 and 4
    assert table["order_value"].tolist() == [100, 50, 50, 50]
    with pytest.raises(cv.DataError, match="order_value, service_cost"):  # the user's table lacks them
        clv.dwyer_table(years.drop(columns=["service_cost", "order_value"]))
    with pytest.raises(cv.DataError, match=r"retention must be between 0 and 1; group\(s\) 'g' have 1.5"):
        clv.dwyer_table(years.assign(retention=[np.nan, 1.5]))
    with pytest.raises(cv.DataError, match=r"no retention for year 2 of group\(s\) 'g'"):
        clv.dwyer_table(years.assign(retention=np.nan))
    with pytest.raises(cv.DataError, match=r"service_cost must be 0 or more; group\(s\) 'g'"):
        clv.dwyer_table(years.assign(service_cost=[10.0, -1.0]))
    # returns can net a year's sales below 0: a fact of the data, not an input error
    assert clv.dwyer_table(years.assign(order_value=[100.0, -20.0]), years=2, discount=0.0)["sales"].iloc[1] < 0
    with pytest.raises(cv.DataError, match=r"order_value must be a number"):
        clv.dwyer_table(years.assign(order_value=[100.0, np.inf]))
    with pytest.raises(cv.DataError, match=r"year-1 row .* missing for 'g'"):
        clv.dwyer_table(years[years["year"] == 2])


def purchases(customer, first, amounts, **columns):
    """One purchase line in each tenure year that has an amount (None: no purchase that year), three days
    after the anniversary of ``first`` (the first one on ``first``)."""
    start = pd.Timestamp(first)
    return [
        {
            "customer_id": customer,
            "order_date": start + pd.DateOffset(years=k, days=3 if k else 0),
            "amount": amount,
            **columns,
        }
        for k, amount in enumerate(amounts)
        if amount is not None
    ]


def tenure_cohort(**columns):
    """10 customers starting on 1–10 January 2020; 6 buy in year 2, 5 of those 6 in year 3."""
    lines = []
    for i in range(10):
        amounts = [100.0, 50.0, 40.0] if i < 5 else [100.0, 50.0] if i == 5 else [100.0]
        lines += purchases(f"c{i}", pd.Timestamp("2020-01-01") + pd.Timedelta(days=i), amounts, **columns)
    return pd.DataFrame(lines)


def test_dwyer_inputs_measure_retention_by_tenure_year():
    inputs = clv.dwyer_inputs(tenure_cohort(), as_of="2023-01-31", min_customers=5)
    assert inputs["cohort"].tolist() == [2020] * 3 and inputs["year"].tolist() == [1, 2, 3]
    assert np.isnan(inputs["retention"].iloc[0]) and inputs["retention"].iloc[1:].tolist() == pytest.approx(
        [0.6, 5 / 6]
    )
    assert inputs["customers"].tolist() == [10] * 3 and inputs["at_risk"].tolist() == [10] * 3
    assert inputs["orders_per_customer"].tolist() == [1, 1, 1] and inputs["order_value"].tolist() == [100, 50, 40]
    assert (inputs["source"] == "group").all()


def test_dwyer_inputs_count_orders_and_net_returns():
    tx = pd.DataFrame(purchases("a", "2020-01-01", [60.0, 50.0]) + purchases("b", "2020-01-01", [100.0, None]))
    tx["order_id"] = ["a1", "a2", "b1"]
    same_order = {"customer_id": "a", "order_date": pd.Timestamp("2020-01-01"), "amount": 40.0, "order_id": "a1"}
    same_day = {"customer_id": "b", "order_date": pd.Timestamp("2020-01-01"), "amount": 30.0, "order_id": "b2"}
    refund = {"customer_id": "a", "order_date": pd.Timestamp("2021-02-01"), "amount": -20.0, "order_id": "a3"}
    tx = pd.concat([tx, pd.DataFrame([same_order, same_day, refund])], ignore_index=True)
    by_order = clv.dwyer_inputs(tx, min_customers=1, as_of="2021-12-31").set_index("year")
    # year 1: orders a1 (60 + 40), b1 (100), b2 (30) → 3 orders of 230 by 2 customers; year 2: a2 (50) less a 20 refund
    assert by_order["orders_per_customer"].tolist() == pytest.approx([1.5, 1.0])
    assert by_order["order_value"].tolist() == pytest.approx([230 / 3, 30.0])
    assert by_order.loc[2, "retention"] == 0.5
    by_day = clv.dwyer_inputs(tx.drop(columns="order_id"), min_customers=1, as_of="2021-12-31").set_index("year")
    assert (
        by_day.loc[1, "orders_per_customer"] == 1.0 and by_day.loc[1, "order_value"] == 115.0
    )  # one purchase day each


def test_dwyer_inputs_count_complete_tenure_years_only():
    # a's year 2 (2021) is complete on 31 December 2021; b's (from 1 June 2021) is not, so b is not at risk for it
    tx = pd.DataFrame(purchases("a", "2020-01-01", [100.0, 80.0]) + purchases("b", "2020-06-01", [100.0]))
    inputs = clv.dwyer_inputs(tx, as_of="2021-12-31", min_customers=1)
    assert inputs["year"].tolist() == [1, 2] and inputs["at_risk"].tolist() == [2, 1]
    assert inputs["retention"].iloc[1] == 1.0  # counting b's partial year as a full one would give 0.5
    one = pd.DataFrame(purchases("a", "2020-01-01", [100.0]))
    assert clv.dwyer_inputs(one, as_of="2020-12-31", min_customers=1)["year"].tolist() == [1]  # the year's last day
    with pytest.raises(cv.DataError, match="no customer has a complete first tenure year by 2020-12-30"):
        clv.dwyer_inputs(one, as_of="2020-12-30")


def test_dwyer_inputs_group_by_customer_or_first_line_attributes():
    tx = pd.DataFrame(
        [
            {"customer_id": "a", "order_date": "2020-01-01", "amount": 10.0, "region": "north"},
            {"customer_id": "a", "order_date": "2020-02-01", "amount": 10.0, "region": "south"},
            {"customer_id": "b", "order_date": "2020-02-01", "amount": 10.0, "region": "south"},
            {"customer_id": "c", "order_date": "2020-03-01", "amount": 10.0, "region": ""},
            {"customer_id": "d", "order_date": "2021-04-01", "amount": 10.0, "region": "north"},
        ]
    ).astype({"order_date": "datetime64[ns]"})
    people = pd.DataFrame(
        {"customer_id": ["a", "b", "c"], "acquisition_channel": ["web", "store", None], "company_size": [20, 10, None]}
    )
    by_region = clv.dwyer_inputs(tx, by="region")
    assert by_region[["region", "customers"]].values.tolist() == [["north", 2], ["south", 1], ["—", 1]]  # a: first line
    by_channel = clv.dwyer_inputs(tx, by="acquisition_channel", customers=people)
    assert by_channel[["acquisition_channel", "customers"]].values.tolist() == [["store", 1], ["web", 1], ["—", 2]]
    assert (by_channel["source"] == "all customers").all() and by_channel["at_risk"].tolist() == [1, 1, 1]
    by_size = clv.dwyer_inputs(tx, by="company_size", customers=people)
    assert by_size[["company_size", "customers"]].values.tolist() == [[10, 1], [20, 1], ["—", 2]]  # numbers, then "—"
    with pytest.raises(
        cv.DataError, match=r"cannot group by 'industry'.*region\).*acquisition_channel, company_size\)"
    ):
        clv.dwyer_inputs(tx, by="industry", customers=people)


def test_dwyer_inputs_leave_out_customers_with_returns_only():
    tx = pd.DataFrame(purchases("a", "2020-01-01", [100.0, 100.0]) + purchases("b", "2020-03-01", [-30.0]))
    tx.loc[len(tx)] = {"customer_id": "a", "order_date": pd.Timestamp("2020-05-01"), "amount": -10.0}
    inputs = clv.dwyer_inputs(tx, min_customers=1)
    assert inputs["customers"].tolist() == [1] and inputs.attrs["returns_only_customers"] == 1
    assert inputs["order_value"].iloc[0] == 90.0  # a's year-1 return netted


def test_dwyer_inputs_take_costs_from_the_data():
    tx = pd.DataFrame(
        purchases("a", "2020-01-01", [100.0, 100.0], cost=70.0)
        + purchases("b", "2020-01-01", [100.0], cost=50.0)
        + purchases("c", "2020-01-01", [200.0], cost=20.0)
    )
    people = pd.DataFrame(
        {"customer_id": ["a", "b", "c"], "channel": ["web", "web", "store"], "acquisition_cost": [40.0, 60.0, 10.0]}
    )
    inputs = clv.dwyer_inputs(tx, by="channel", customers=people, service_cost=5.0, acquisition_cost=99.0)
    costs = inputs.drop_duplicates("channel").set_index("channel")[
        ["direct_cost_rate", "acquisition_cost", "service_cost"]
    ]
    assert costs.loc["web"].tolist() == pytest.approx([190 / 300, 50.0, 5.0])  # (70 + 70 + 50) / 300; (40 + 60) / 2
    assert costs.loc["store"].tolist() == pytest.approx([0.1, 10.0, 5.0])
    assert (inputs["direct_cost_source"] == "data: cost").all() and inputs.attrs[
        "acquisition_cost_source"
    ] == "customers table"
    profit = clv.dwyer_inputs(tx.drop(columns="cost").assign(profit=25.0)).iloc[0]
    assert profit["direct_cost_rate"] == pytest.approx(1 - 100 / 500) and profit["direct_cost_source"] == "data: profit"
    given = clv.dwyer_inputs(tx.drop(columns="cost"), direct_cost_rate=0.3, acquisition_cost=99.0).iloc[0]
    assert given[["direct_cost_rate", "acquisition_cost", "direct_cost_source"]].tolist() == [0.3, 99.0, "argument"]


def test_dwyer_inputs_pool_groups_with_too_few_customers_at_risk():
    lines = []
    for i in range(6):  # big: 4 customers, 2 kept in year 2; small: 2 customers, both kept
        region, kept = ("big", i < 2) if i < 4 else ("small", True)
        lines += purchases(f"c{i}", "2020-01-01", [100.0, 10.0 if kept else None], region=region)
    inputs = clv.dwyer_inputs(pd.DataFrame(lines), by="region", min_customers=3, as_of="2021-12-31").set_index(
        ["region", "year"]
    )
    assert inputs.loc[("big", 2), "retention"] == 0.5 and inputs.loc[("big", 2), "source"] == "group"
    assert (
        inputs.loc[("small", 2), "retention"] == pytest.approx(4 / 6)
        and inputs.loc[("small", 2), "source"] == "all customers"
    )
    assert inputs.loc[("small", 2), "at_risk"] == 2 and inputs.loc[("small", 2), "customers"] == 2
    assert inputs.loc[("small", 2), "order_value"] == 10.0 and inputs.loc[("small", 1), "orders_per_customer"] == 1.0


def test_dwyer_table_on_estimated_inputs_gives_the_hand_computed_value():
    tx = tenure_cohort()
    tx["cost"] = 0.6 * tx["amount"]
    inputs = clv.dwyer_inputs(tx, as_of="2023-01-31", min_customers=5, service_cost=5.0, acquisition_cost=20.0)
    table = clv.dwyer_table(inputs, years=3, discount=0.1)
    # year 1: 10 × 100 of sales, 40 % margin, 10 × 5 service, 10 × 20 acquisition → 150;
    # year 2: 6 customers × 50 → 300 × 0.4 − 30 = 90; year 3: 5 × 40 → 200 × 0.4 − 25 = 55
    assert table["customers"].tolist() == pytest.approx([10, 6, 5])
    assert table["clv_per_customer"].iloc[-1] == pytest.approx((150 + 90 / 1.1 + 55 / 1.21) / 10)


def test_event_value_discounts_each_event():
    events = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "probability": [0.5, 0.2, 1.0],
            "value": [100.0, 50.0, 10.0],
            "periods_ahead": [1, 2, 0],
        }
    )
    table = clv.event_value(events, discount=0.1).set_index("customer_id")["expected_value"]
    assert table["a"] == pytest.approx(50 / 1.1 + 10 / 1.21) and table["b"] == 10
    with pytest.raises(cv.DataError, match=r"events: no column\(s\) periods_ahead; columns: customer_id"):
        clv.event_value(events.drop(columns="periods_ahead"), discount=0.1)
    with pytest.raises(
        cv.DataError, match=r"probability must be between 0 and 1; 1 row\(s\) have 1.5, e.g. row\(s\) 2"
    ):
        clv.event_value(events.assign(probability=[0.5, 0.2, 1.5]), discount=0.1)


def test_fit_failures_raise_errors_that_name_the_problem():
    good = pd.DataFrame({"frequency": [1, 2, 0, 3], "recency": [6.0, 5.0, 0.0, 30.0], "T": [52.0, 52.0, 52.0, 52.0]})
    for model in (clv.BetaGeo(), clv.ParetoNBD()):
        name = type(model).__name__
        with pytest.raises(cv.DataError, match=rf"{name}: 1 row\(s\) with recency outside \[0, T\].*row\(s\) 1"):
            model.fit(good.assign(recency=[6.0, 60.0, 0.0, 30.0]))
        with pytest.raises(cv.DataError, match=rf"{name}: 1 row\(s\) with missing or non-numeric values"):
            model.fit(good.assign(frequency=[1, np.nan, 0, 3]))
        with pytest.raises(clv.FitError, match=rf"{name}: no customer has a repeat purchase"):
            model.fit(pd.DataFrame({"frequency": [0] * 20, "recency": [0.0] * 20, "T": np.linspace(10, 50, 20)}))
        assert not hasattr(model, "params_")  # nothing half-fitted to predict from
    spend = pd.DataFrame({"frequency": [1, 2, 3, 4, 0], "monetary": [10.0, np.nan, 12.0, 13.0, 0.0]})
    with pytest.raises(cv.DataError, match=r"GammaGamma: 1 row\(s\) with a missing .* row\(s\) 1"):
        clv.GammaGamma().fit(spend)
    with pytest.raises(clv.FitError, match="fewer than 3 customers"):
        clv.GammaGamma().fit(spend.dropna().iloc[:2])


def test_gamma_gamma_recovers_simulated_parameters():
    truth = {"p": 4.0, "q": 3.0, "gamma": 20.0}
    rng = np.random.default_rng(7)
    n = 20_000
    x = rng.integers(1, 12, n)
    nu = rng.gamma(truth["q"], 1 / truth["gamma"], n)  # each customer's rate ν ~ gamma(q, γ)
    # the mean of x transaction values, each gamma(p, ν), is gamma(p x, ν x)
    monetary = rng.gamma(truth["p"] * x, 1 / (nu * x))
    fitted = clv.GammaGamma().fit(pd.DataFrame({"frequency": x, "monetary": monetary}))
    for name, value in truth.items():
        se = fitted.standard_errors_[name]
        assert 0 < se < 0.2 * value, (name, se)
        assert abs(fitted.params_[name] - value) < 3 * se, (name, fitted.params_[name], value, se)
    heavy = pd.DataFrame({"frequency": [200.0], "monetary": [35.0]})
    data = clv.Rows.every(heavy, fitted.columns)
    assert np.isfinite(fitted._loglik(np.array(list(fitted.params_.values())), data)).all()
    assert fitted.expected_spend(heavy)[0] == pytest.approx(35.0, rel=0.05)  # 200 purchases: little shrinkage


def test_markov_clv_equals_a_monte_carlo_simulation():
    P = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.05, 0.15, 0.8]])
    R = np.array([100.0, 30.0, 0.0])
    d = 0.15
    value = clv.markov_clv(P, R, d)
    rng = np.random.default_rng(11)
    customers, steps = 20_000, 120  # 1.15^-120 < 1e-7: the tail is negligible
    cumulative = P.cumsum(axis=1)
    for start in range(3):
        state = np.full(customers, start)
        total = np.zeros(customers)
        for step in range(steps):
            total += R[state] / (1 + d) ** step
            state = (rng.random(customers)[:, None] > cumulative[state]).sum(axis=1)
        error = total.std() / np.sqrt(customers)
        assert abs(total.mean() - value[start]) < 4 * error, (start, total.mean(), value[start], error)


def test_cumulative_tracking_follows_the_cdnow_repeat_purchases(bgnbd):
    tx = read_cdnow()
    tracking = valuation.cumulative_tracking(bgnbd, tx, unit="W")
    assert tracking["date"].iloc[0] == pd.Timestamp("1997-01-01") and tracking["actual"].iloc[0] == 0
    assert tracking["actual"].is_monotonic_increasing and tracking["predicted"].is_monotonic_increasing
    # actual: repeat purchase days up to each date, counted directly from the transactions
    days = tx.assign(day=tx["order_date"].dt.normalize()).drop_duplicates(["customer_id", "day"])
    repeats = days[days["day"] > days.groupby("customer_id")["day"].transform("min")]["day"]
    assert tracking["actual"].tolist() == [int((repeats <= d).sum()) for d in tracking["date"]]
    # past the acquisition period (12 weeks) the model tracks the cumulative curve within 6 %, holdout included
    later = tracking[tracking["date"] >= pd.Timestamp("1997-05-21")]
    assert (np.abs(later["predicted"] / later["actual"] - 1) < 0.06).all()


def test_frequency_recency_matrix_is_monotone(bgnbd):
    grid = clv.frequency_recency_matrix(bgnbd, T=39.0, max_frequency=10, t=4.0, steps=10)
    assert (grid.loc[grid["frequency"] == 0, "p_alive"] == 1).all()
    for _, part in grid[grid["frequency"] > 0].groupby("frequency"):
        # for a given frequency, a more recent last purchase means more alive and more purchases ahead
        assert part["p_alive"].is_monotonic_increasing and part["expected"].is_monotonic_increasing
    assert grid.loc[grid["recency"] == 39.0].set_index("frequency")["expected"].is_monotonic_increasing


def test_compression_keeps_the_log_likelihood_and_its_gradient(cdnow, bgnbd):
    from custval.clv.base import compress

    params = np.array([bgnbd.params_[n] for n in bgnbd.names]) * [1.1, 0.9, 1.2, 0.8]
    rows = clv.Rows.every(cdnow, bgnbd.columns)
    every_row = float(np.sum(bgnbd._loglik(params, rows)))
    data = compress(cdnow, bgnbd.columns)
    assert len(data.weight) < len(cdnow) and data.weight.sum() == len(cdnow)
    total, grad = bgnbd._total(params, data)
    assert total == pytest.approx(every_row, rel=1e-12)
    step = 1e-6 * params
    for i in range(4):  # the analytic gradient against central differences
        up, down = params.copy(), params.copy()
        up[i] += step[i]
        down[i] -= step[i]
        numeric = (np.sum(bgnbd._loglik(up, rows)) - np.sum(bgnbd._loglik(down, rows))) / (2 * step[i])
        assert grad[i] == pytest.approx(numeric, rel=1e-5, abs=1e-4)


def test_large_fit_path_matches_the_plain_fit(cdnow, bgnbd, monkeypatch):
    """Warm start on a sample, then Newton steps on all rows: the optimum of the plain L-BFGS-B
    fit (forced here on CDNOW by shrinking the warm-start sample)."""
    from custval.clv import base

    spend = clv.GammaGamma().fit(cdnow)
    monkeypatch.setattr(base, "WARM_START_ROWS", 300)
    monkeypatch.setattr(clv.gamma_gamma, "WARM_START_ROWS", 300)
    fast = clv.BetaGeo().fit(cdnow)
    for name in bgnbd.names:
        assert fast.params_[name] == pytest.approx(bgnbd.params_[name], rel=1e-6), name
    assert fast.log_likelihood_ == pytest.approx(bgnbd.log_likelihood_, abs=1e-6)
    fast_spend = clv.GammaGamma().fit(cdnow)  # one row per customer (continuous monetary)
    assert fast_spend.n_rows_ == 946
    for name in spend.names:
        assert fast_spend.params_[name] == pytest.approx(spend.params_[name], rel=1e-6), name
    assert fast_spend.log_likelihood_ == pytest.approx(spend.log_likelihood_, abs=1e-6)


def test_fitting_side_by_side_gives_the_same_models_and_leaves_blas_as_it_was(cdnow):
    from threadpoolctl import threadpool_info

    from custval.clv import BetaGeo, FitError, GammaGamma, fit_value_models

    before = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    summary = cdnow
    purchases, spend = fit_value_models(summary)
    assert purchases.params_ == BetaGeo().fit(summary).params_
    assert spend.params_ == GammaGamma().fit(summary).params_
    assert [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"] == before
    one_time = summary.assign(frequency=0, recency=0.0, monetary=0.0)
    one_time.loc[:1, ["frequency", "recency", "monetary"]] = [
        1,
        1.0,
        10.0,
    ]  # two repeat buyers: too few for Gamma-Gamma
    _, failed = fit_value_models(one_time)
    assert isinstance(failed, FitError)  # Gamma-Gamma's failure comes back for the caller to handle


def test_bgnbd_likelihood_split_over_two_threads_equals_the_single_pass(cdnow, monkeypatch):
    from custval.clv import base, beta_geo

    params = np.array([0.243, 4.414, 0.793, 2.426])
    single = clv.BetaGeo()._total(params, base.compress(cdnow, clv.BetaGeo.columns))
    monkeypatch.setattr(beta_geo, "PARALLEL_ROWS", 10)
    monkeypatch.setattr(beta_geo, "cores", lambda: 2)
    data = base.compress(cdnow, clv.BetaGeo.columns)
    split = clv.BetaGeo()._total(params, data)
    chunks = data.prepared[clv.BetaGeo]["chunks"]
    assert len(chunks) == 2 and all(c["n"] > 0 for c in chunks)
    assert split[0] == pytest.approx(single[0], rel=1e-13) and np.allclose(split[1], single[1], rtol=1e-12)
    assert clv.BetaGeo()._total(params, data)[0] == split[0]  # the same sum in the same order every time
