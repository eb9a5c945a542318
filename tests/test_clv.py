"""CLV: the CDNOW reproduction, closed forms, and the value calculations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import custval as cv
from custval import clv
from custval.datasets import read_cdnow


@pytest.fixture(scope="module")
def cdnow():
    return cv.summarize(read_cdnow(), calibration_end="1997-09-30", unit="W")


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
    assert np.isfinite(bgnbd._loglik(np.array(list(bgnbd.params_.values())), {c: heavy[c].to_numpy() for c in heavy})).all()
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


def test_retention_clv_equals_the_explicit_sum():
    m, r, d = 100.0, 0.8, 0.1
    explicit = sum(m * r**t / (1 + d) ** t for t in range(5))
    assert clv.retention_clv(m, r, d, horizon=5) == pytest.approx(explicit)
    assert clv.retention_clv(m, r, d) == pytest.approx(m * (1 + d) / (1 + d - r))
    with pytest.raises(ValueError, match="retention"):
        clv.retention_clv(m, 1.2, d)


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


def test_dwyer_table_by_hand():
    groups = pd.DataFrame({"group": ["g"], "customers": [1000.0], "retention": [0.5], "revenue_per_customer": [200.0],
                           "cost_per_customer": [120.0]})  # fmt: skip
    table = clv.dwyer_table(groups, years=3, discount=0.2)
    # year 1: 1000 customers, profit 80,000 undiscounted; year 2: 500 → 40,000 / 1.2; year 3: 250 → 20,000 / 1.44
    assert table["customers"].tolist() == [1000, 500, 250]
    assert table["npv"].tolist() == pytest.approx([80000, 40000 / 1.2, 20000 / 1.44])
    assert table["cumulative_npv"].iloc[-1] == pytest.approx(80000 + 40000 / 1.2 + 20000 / 1.44)
    assert table["clv_per_customer"].iloc[-1] == pytest.approx(table["cumulative_npv"].iloc[-1] / 1000)
    with pytest.raises(cv.DataError, match="retention"):
        clv.dwyer_table(groups.assign(retention=1.5))


def test_dwyer_inputs_measure_retention_year_to_year():
    tx = pd.DataFrame({
        "customer_id": ["a", "b", "a", "c", "a"], "group": ["x"] * 5, "amount": [10.0, 20.0, 30.0, 40.0, 50.0],
        "order_date": pd.to_datetime(["2022-01-01", "2022-02-01", "2023-01-01", "2023-02-01", "2024-01-01"]),
    })  # fmt: skip
    row = clv.dwyer_inputs(tx, by="group").iloc[0]
    # 2022 {a, b} → 2023 {a, c}: 1/2 kept; 2023 {a, c} → 2024 {a}: 1/2 kept
    assert row["retention"] == 0.5 and row["customers"] == 3 and row["revenue_per_customer"] == pytest.approx(150 / 5)
    assert not row["cost_known"]


def test_event_value_discounts_each_event():
    events = pd.DataFrame({"customer_id": ["a", "a", "b"], "probability": [0.5, 0.2, 1.0], "value": [100.0, 50.0, 10.0],
                           "periods_ahead": [1, 2, 0]})  # fmt: skip
    table = clv.event_value(events, discount=0.1).set_index("customer_id")["expected_value"]
    assert table["a"] == pytest.approx(50 / 1.1 + 10 / 1.21) and table["b"] == 10


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
    data = {"frequency": heavy["frequency"].to_numpy(), "monetary": heavy["monetary"].to_numpy()}
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
    tracking = clv.cumulative_tracking(bgnbd, tx, unit="W")
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
    rows = {c: cdnow[c].to_numpy(float) for c in bgnbd.columns}
    every_row = float(np.sum(bgnbd._loglik(params, rows)))
    data = compress(cdnow, bgnbd.columns)
    assert len(data["weight"]) < len(cdnow) and data["weight"].sum() == len(cdnow)
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
    one_time.loc[:1, ["frequency", "recency", "monetary"]] = [1, 1.0, 10.0]  # two repeat buyers: too few for Gamma-Gamma
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
    assert len(data["_bgnbd"]["chunks"]) == 2 and all(c["n"] > 0 for c in data["_bgnbd"]["chunks"])
    assert split[0] == pytest.approx(single[0], rel=1e-13) and np.allclose(split[1], single[1], rtol=1e-12)
    assert clv.BetaGeo()._total(params, data)[0] == split[0]  # the same sum in the same order every time
