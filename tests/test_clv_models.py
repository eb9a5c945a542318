"""Pareto/NBD, sBG and BG/BB: published results, likelihoods checked against independent
computations, parameter recovery and predictions checked against simulated holdouts."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize
from scipy.special import gammaln

import custval as cv
from custval import clv, errors
from custval.clv import BetaGeo, Model, RecencyMigration
from custval.clv.base import Rows, compress
from custval.clv.bgbb import BetaGeoBetaBinom
from custval.clv.gamma_gamma import GammaGamma
from custval.clv.pareto import ParetoNBD
from custval.clv.sbg import ShiftedBetaGeometric
from custval.datasets import read_cdnow
from custval.errors import DataError, FitError, NotFittedError

LIKELIHOOD_MODELS = [BetaGeo, ParetoNBD, BetaGeoBetaBinom, GammaGamma, ShiftedBetaGeometric]


def with_params(model_class, **params):
    model = model_class()
    model.params_ = params
    return model


def assert_recovered(fitted, truth, max_relative_se=0.25):
    """Each estimate within 3 standard errors of the truth, and the standard errors small enough
    for that to mean something."""
    for name, value in truth.items():
        se = fitted.standard_errors_[name]
        assert 0 < se < max_relative_se * value, (name, se)
        assert abs(fitted.params_[name] - value) < 3 * se, (name, fitted.params_[name], value, se)


# ===================================================================== Pareto/NBD


def test_pareto_nbd_reproduces_the_published_cdnow_fit():
    # Fader, Hardie & Lee (2005), "Counting your customers the easy way", Table 1 (Pareto/NBD)
    summary = cv.summarize(read_cdnow(), calibration_end="1997-09-30", unit="W")
    model = ParetoNBD().fit(summary)
    for name, value in {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}.items():
        assert model.params_[name] == pytest.approx(value, abs=0.006), name
    assert model.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)
    alive = model.p_alive(summary)
    assert ((alive > 0) & (alive <= 1)).all()


def pareto_reference(params, x, tx, T):
    """The textbook likelihood, L = C [(α+T)^−(r+x) (β+T)^−s + s ∫_tx^T (α+τ)^−(r+x) (β+τ)^−(s+1) dτ],
    with the integral by adaptive quadrature (independent of the model's hypergeometric route)."""
    r, alpha, s, beta = params
    const = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)

    def log_f(tau):
        return -(r + x) * np.log(alpha + tau) - (s + 1) * np.log(beta + tau)

    top = log_f(tx)
    scale = 1 / ((r + x) / (alpha + tx) + (s + 1) / (beta + tx))  # the integrand's decay length at tx
    points = [p for p in tx + scale * np.array([0.1, 1, 3, 10, 30, 100]) if p < T]

    def integrand(tau):
        return np.exp(log_f(tau) - top)

    value, _ = integrate.quad(integrand, tx, T, points=points, epsabs=0, epsrel=1e-13, limit=200)
    return const + np.logaddexp(alive, np.log(s) + top + np.log(value))


@pytest.mark.parametrize(
    "params", [(0.55, 10.6, 0.61, 11.7), (0.3, 50.0, 1.2, 0.5), (2.0, 0.8, 0.4, 30.0), (0.9, 1e-3, 0.8, 5.0)]
)  # (r, α, s, β): α ≈ β, α > β, α < β, α ≪ β
def test_pareto_nbd_likelihood_is_exact_for_heavy_buyers_and_long_histories(params):
    rows = pd.DataFrame(
        {
            "frequency": [200, 200, 200, 0, 3, 1000],
            "recency": [50.0, 10.0, 30.0, 0.0, 1.0, 9000.0],
            "T": [52.0, 52.0, 1e4, 1e4, 1e4, 1e4],
        }
    )
    loglik = ParetoNBD()._loglik(np.array(params), Rows.every(rows, ParetoNBD.columns))
    expected = [pareto_reference(params, *row) for row in rows.itertuples(index=False)]
    assert np.isfinite(loglik).all()
    assert loglik == pytest.approx(expected, rel=1e-10, abs=1e-10)
    model = with_params(ParetoNBD, **dict(zip(ParetoNBD.names, params)))
    alive, future = model.p_alive(rows), model.expected_purchases(52, rows)
    assert ((alive >= 0) & (alive <= 1)).all() and np.isfinite(future).all() and (future >= 0).all()


PARETO_TRUTH = {"r": 0.8, "alpha": 6.0, "s": 0.7, "beta": 9.0}


def test_pareto_nbd_recovers_simulated_parameters():
    simulated = with_params(ParetoNBD, **PARETO_TRUTH).simulate(5000, T=52.0, random_state=1)
    assert_recovered(ParetoNBD().fit(simulated), PARETO_TRUTH)


def simulate_pareto_holdout(params, n, T, t, seed):
    """Calibration summary, purchases in (T, T + t] and alive-at-T, drawn directly from the process."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(params["r"], 1 / params["alpha"], n)
    death = rng.exponential(1 / rng.gamma(params["s"], 1 / params["beta"], n))
    x = rng.poisson(lam * np.minimum(death, T))
    times = [np.sort(rng.uniform(0, min(d, T), k)) for d, k in zip(death, x)]
    summary = pd.DataFrame({"frequency": x, "recency": [ts[-1] if len(ts) else 0.0 for ts in times], "T": T})
    holdout = rng.poisson(lam * np.clip(death - T, 0, t))
    return summary, holdout, death > T


def test_pareto_nbd_predictions_match_a_simulated_holdout():
    model = with_params(ParetoNBD, **PARETO_TRUTH)
    summary, holdout, alive = simulate_pareto_holdout(PARETO_TRUTH, 80_000, T=52.0, t=52.0, seed=2)
    p_alive, expected = model.p_alive(summary), model.expected_purchases(52.0, summary)
    assert p_alive.sum() == pytest.approx(alive.sum(), rel=0.02)
    assert expected.sum() == pytest.approx(holdout.sum(), rel=0.02)
    groups = pd.cut(summary["frequency"], [-1, 0, 1, 3, 7, np.inf])
    by_group = pd.DataFrame({"group": groups, "expected": expected, "actual": holdout})
    by_group = by_group.groupby("group", observed=True).sum()
    # the groups' totals are noisy: a few fast buyers dominate each (±7 % across seeds)
    assert by_group["expected"].to_numpy() == pytest.approx(by_group["actual"].to_numpy(), rel=0.1)
    population = model.expected_purchases_population([52.0])[0]
    assert population == pytest.approx(summary["frequency"].mean(), rel=0.03)


def test_pareto_nbd_refuses_impossible_rows():
    bad = pd.DataFrame({"frequency": [1, 2], "recency": [10.0, 60.0], "T": [52.0, 52.0]})
    with pytest.raises(DataError, match=r"recency outside \[0, T\].*row\(s\) 1"):
        ParetoNBD().fit(bad)
    with pytest.raises(DataError, match="negative frequency"):
        ParetoNBD().fit(bad.assign(frequency=[-1, 2], recency=[1.0, 2.0]))
    with pytest.raises(ValueError, match="not fitted"):
        ParetoNBD().p_alive(bad)


# ===================================================================== sBG

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


@pytest.mark.parametrize(
    "survivors, alpha, beta, loglik",
    [(REGULAR, 0.704, 1.182, -1680.3), (HIGH_END, 0.668, 3.806, -1611.2)],
    ids=["regular", "high-end"],
)
def test_sbg_reproduces_fader_hardie_2007(survivors, alpha, beta, loglik):
    # Fader & Hardie (2007), "How to project customer retention", Table 1 data (years 0-7)
    model = ShiftedBetaGeometric().fit(survivors)
    assert model.params_["alpha"] == pytest.approx(alpha, abs=0.001)
    assert model.params_["beta"] == pytest.approx(beta, abs=0.001)
    assert model.log_likelihood_ == pytest.approx(loglik, abs=0.05)
    assert model.n_customers_ == 1000 and model.n_periods_ == 7
    assert all(0 < se < 1 for se in model.standard_errors_.values())
    # the fitted survival curve follows the data within 2.5 % of the cohort
    assert model.survival(np.arange(8)) * 1000 == pytest.approx(survivors, abs=25)


def test_sbg_quantities_agree_with_each_other():
    model = with_params(ShiftedBetaGeometric, alpha=0.704, beta=1.182)
    t = np.arange(1, 400)
    survival, churn = model.survival(t), model.churn_probability(t)
    assert survival == pytest.approx(1 - np.cumsum(churn), abs=1e-12)
    assert model.retention_rate(t) == pytest.approx(survival / model.survival(t - 1), rel=1e-12)
    assert model.retention_rate([1, 2, 10]) == pytest.approx([0.6267, 0.7560, 0.9353], abs=1e-4)
    long = np.arange(0, 5000)  # the neglected tail is below 1e-40
    s_long = model.survival(long)
    for d, n in [(0.1, 1), (0.1, 5), (0.02, 3)]:
        # DERL: Σ_{t ≥ n} S(t)/S(n−1)/(1+d)^(t−n), summed directly
        direct = np.sum(s_long[n:] / s_long[n - 1] / (1 + d) ** (long[n:] - n))
        assert model.expected_residual_lifetime(d, periods_alive=n) == pytest.approx(direct, rel=1e-9)
    assert model.expected_lifetime(0.1) == pytest.approx(np.sum(s_long / 1.1**long), rel=1e-9)
    homogeneous_ish = with_params(ShiftedBetaGeometric, alpha=3.0, beta=6.0)
    assert homogeneous_ish.expected_residual_lifetime(0, periods_alive=2) == pytest.approx(7 / 2)
    assert model.expected_residual_lifetime(0, periods_alive=2) == np.inf  # α ≤ 1: infinite mean lifetime
    with pytest.raises(ValueError, match="whole periods"):
        model.churn_probability(0)


def test_sbg_recovers_a_simulated_cohort():
    truth = {"alpha": 0.7, "beta": 1.2}
    survivors = with_params(ShiftedBetaGeometric, **truth).simulate(20_000, periods=12, random_state=3)
    assert len(survivors) == 13 and survivors[0] == 20_000 and (np.diff(survivors) <= 0).all()
    assert_recovered(ShiftedBetaGeometric().fit(survivors), truth, max_relative_se=0.1)


def test_sbg_refuses_impossible_survivor_counts():
    with pytest.raises(DataError, match="must not increase.*631 at period 1 but 650 at period 2"):
        ShiftedBetaGeometric().fit([1000, 631, 650, 382])
    with pytest.raises(DataError, match="at least two later counts"):
        ShiftedBetaGeometric().fit([1000, 631])
    with pytest.raises(DataError, match="non-negative"):
        ShiftedBetaGeometric().fit([1000, 631, -1])
    with pytest.raises(FitError, match="no customer was lost"):
        ShiftedBetaGeometric().fit([500, 500, 500])
    with pytest.raises(ValueError, match="not fitted"):
        ShiftedBetaGeometric().survival(3)


# ===================================================================== BG/BB

# Fader, Hardie & Shang (2010), the 1995 cohort of 11,104 donors over 6 opportunities (1996-2001);
# the recency/frequency table as distributed with the `lifetimes` package (donations.csv)
DONATIONS = pd.read_csv(
    io.StringIO("""frequency,recency,n_periods,donors
0,0,6,3464
1,1,6,1091
1,2,6,277
1,3,6,129
1,4,6,78
1,5,6,119
1,6,6,129
2,2,6,613
2,3,6,255
2,4,6,155
2,5,6,173
2,6,6,234
3,3,6,322
3,4,6,181
3,5,6,225
3,6,6,357
4,4,6,240
4,5,6,284
4,6,6,512
5,5,6,335
5,6,6,728
6,6,6,1203
""")
)


def test_bgbb_reproduces_fader_hardie_shang_2010():
    model = BetaGeoBetaBinom().fit(DONATIONS, weights=DONATIONS["donors"])
    assert model.n_customers_ == 11_104
    for name, value in {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}.items():
        assert model.params_[name] == pytest.approx(value, abs=0.001), name
    assert model.log_likelihood_ == pytest.approx(-33_225.6, abs=0.05)
    alive = model.p_alive(DONATIONS)
    assert ((alive > 0) & (alive < 1)).all()
    # more recent donors (same frequency) are more likely alive and expected to give more
    ones = DONATIONS["frequency"].to_numpy() == 1
    assert (np.diff(alive[ones]) > 0).all() and (np.diff(model.expected_purchases(5, DONATIONS)[ones]) > 0).all()


def all_histories(n):
    """Every possible (x, t_x) after n opportunities."""
    rows = [(0, 0)] + [(x, tx) for tx in range(1, n + 1) for x in range(1, tx + 1)]
    return pd.DataFrame(rows, columns=["frequency", "recency"]).assign(n_periods=n)


@pytest.mark.parametrize("n", [1, 6, 200])
def test_bgbb_likelihood_is_a_distribution_over_histories(n):
    histories = all_histories(n)
    params = np.array([1.2, 0.75, 0.66, 2.8])
    loglik = BetaGeoBetaBinom()._loglik(params, Rows.every(histories, BetaGeoBetaBinom.columns))
    assert np.isfinite(loglik).all()
    # L is the probability of one transaction sequence; C(t_x − 1, x − 1) sequences share (x, t_x)
    x, tx = histories["frequency"].to_numpy(float), histories["recency"].to_numpy(float)
    x1, tx1 = np.maximum(x, 1), np.maximum(tx, 1)
    log_sequences = np.where(x > 0, gammaln(tx1) - gammaln(x1) - gammaln(tx1 - x1 + 1), 0.0)
    assert np.exp(loglik + log_sequences).sum() == pytest.approx(1.0, abs=1e-10)
    heavy = histories[histories["frequency"] == n]
    assert np.isfinite(with_params(BetaGeoBetaBinom, alpha=1.2, beta=0.75, gamma=0.66, delta=2.8).p_alive(heavy)).all()


def test_bgbb_analytic_gradient_matches_finite_differences():
    model = BetaGeoBetaBinom()
    data = compress(DONATIONS, model.columns, DONATIONS["donors"])
    params = np.array([1.3, 0.7, 0.6, 2.5])

    def total(p):
        return data.weight @ model._loglik(p, data)

    numeric = optimize.approx_fprime(params, total, 1e-7)
    assert model._gradient(params, data) == pytest.approx(numeric, rel=1e-5, abs=1e-3)


BGBB_TRUTH = {"alpha": 2.0, "beta": 3.0, "gamma": 0.4, "delta": 5.0}


def test_bgbb_recovers_simulated_parameters():
    truth = with_params(BetaGeoBetaBinom, **BGBB_TRUTH)
    cohorts = [truth.simulate(2000, n_periods=10, random_state=4), truth.simulate(2000, n_periods=20, random_state=5)]
    simulated = pd.concat(cohorts, ignore_index=True)  # two cohorts, different numbers of opportunities
    assert (simulated["frequency"] <= simulated["recency"]).all()
    assert (simulated["recency"] <= simulated["n_periods"]).all()
    assert_recovered(BetaGeoBetaBinom().fit(simulated), BGBB_TRUTH)


def test_bgbb_predictions_match_a_simulated_holdout():
    n, n_star, customers = 8, 5, 40_000
    model = with_params(BetaGeoBetaBinom, **BGBB_TRUTH)
    rng = np.random.default_rng(5)
    p = rng.beta(BGBB_TRUTH["alpha"], BGBB_TRUTH["beta"], customers)
    first_dead = rng.geometric(rng.beta(BGBB_TRUTH["gamma"], BGBB_TRUTH["delta"], customers))
    opportunity = np.arange(1, n + n_star + 1)
    buys = (rng.random((customers, n + n_star)) < p[:, None]) & (opportunity < first_dead[:, None])
    calibration = buys[:, :n]
    last = np.where(calibration.any(axis=1), n - np.argmax(calibration[:, ::-1], axis=1), 0)
    summary = pd.DataFrame({"frequency": calibration.sum(axis=1), "recency": last, "n_periods": n})
    holdout = buys[:, n:].sum(axis=1)
    assert model.p_alive(summary).sum() == pytest.approx((first_dead > n + 1).sum(), rel=0.02)
    expected = model.expected_purchases(n_star, summary)
    assert expected.sum() == pytest.approx(holdout.sum(), rel=0.015)
    by_x = pd.DataFrame({"x": summary["frequency"], "expected": expected, "actual": holdout}).groupby("x").sum()
    assert by_x["expected"].to_numpy() == pytest.approx(by_x["actual"].to_numpy(), rel=0.08)
    assert model.expected_purchases_population([n])[0] == pytest.approx(summary["frequency"].mean(), rel=0.02)
    assert model.expected_purchases_population([0, n + n_star]) == pytest.approx([0, buys.sum(axis=1).mean()], rel=0.02)


def test_bgbb_refuses_impossible_rows():
    bad = pd.DataFrame({"frequency": [2, 3], "recency": [4, 2], "n_periods": [6, 6]})
    with pytest.raises(DataError, match=r"frequency outside \[0, recency\].*row\(s\) 1"):
        BetaGeoBetaBinom().fit(bad)
    with pytest.raises(DataError, match=r"recency outside \[0, n_periods\]"):
        BetaGeoBetaBinom().fit(bad.assign(recency=[4, 7]))
    with pytest.raises(DataError, match="whole numbers"):
        BetaGeoBetaBinom().fit(bad.assign(recency=[4, 3.5]))
    model = with_params(BetaGeoBetaBinom, **BGBB_TRUTH)
    with pytest.raises(ValueError, match="n_star must be a whole number"):
        model.expected_purchases(2.5, bad.assign(recency=[4, 3]))


# ===================================================================== standard errors


def test_standard_errors_of_a_ridge_shaped_likelihood_warn_and_are_nan():
    # A likelihood flat along one parameter has a singular Hessian: no standard error can be
    # read from it, and the model says so instead of reporting 0 or a silent NaN.
    rng = np.random.default_rng(4)
    summary = pd.DataFrame({"frequency": rng.integers(1, 6, 400), "monetary": rng.gamma(4.0, 10.0, 400)})
    model = GammaGamma().fit(summary)
    _, log_params = model._fit_state
    assert all(np.isfinite(v) and v > 0 for v in model.standard_errors_.values())

    def ridge(z):
        d = np.asarray(z) - log_params
        return float(d[0] ** 2 + d[1] ** 2), np.array([2 * d[0], 2 * d[1], 0.0])

    with pytest.warns(RuntimeWarning, match="GammaGamma: .* not positive definite"):
        errors = model._standard_errors(log_params, ridge)
    assert list(errors) == ["p", "q", "gamma"] and all(np.isnan(v) for v in errors.values())


# ===================================================================== the model contract


class PoissonRate(Model):
    """The smallest model: purchases over time T are Poisson with one rate λ (MLE Σx / ΣT)."""

    names = ("rate",)
    columns = ("frequency", "T")
    initial = (1.0,)
    derivatives = 1
    records_unit = True

    def _loglik(self, params, data):
        (rate,) = params
        x, T = data["frequency"], data["T"]
        return x * np.log(rate * T) - rate * T - gammaln(x + 1)

    def _gradient(self, params, data):
        (rate,) = params
        return np.array([data.weight @ (data["frequency"] / rate - data["T"])])

    def _check_rows(self, summary):
        if (summary["T"] <= 0).any():
            raise DataError("PoissonRate: T must be above 0")

    def expected_purchases(self, t, summary):
        (rate,) = self._fitted()
        return np.full(len(self._rows(summary)["T"]), rate * t)


def test_a_minimal_model_works_through_fit_and_predict():
    rng = np.random.default_rng(1)
    T = rng.integers(10, 50, 3000).astype(float)
    summary = pd.DataFrame({"frequency": rng.poisson(0.3 * T), "T": T})
    summary.attrs["unit"] = "W"
    model = PoissonRate().fit(summary)
    rate = summary["frequency"].sum() / T.sum()
    assert model.params_["rate"] == pytest.approx(rate, rel=1e-7)
    assert model.standard_errors_["rate"] == pytest.approx(np.sqrt(rate / T.sum()), rel=1e-4)
    assert model.n_customers_ == 3000 and model.n_rows_ < 3000 and model.unit_ == "W"
    assert model.summary_table()["estimate"].tolist() == [model.params_["rate"]]
    assert model.expected_purchases(2.0, summary.head(3)) == pytest.approx([2 * rate] * 3)
    with pytest.raises(DataError, match="T must be above 0"):
        model.expected_purchases(2.0, summary.assign(T=0.0))
    no_gradient = type("PoissonNoGradient", (PoissonRate,), {"derivatives": 0})().fit(summary)
    assert no_gradient.params_["rate"] == pytest.approx(rate, rel=1e-6)


def test_the_parameter_free_pieces_are_kept_in_the_rows_not_in_hidden_keys(cdnow):
    model = BetaGeo()
    data = compress(cdnow, model.columns)
    assert data.prepared == {} and set(data.columns) == set(data.values) == set(data.index) == set(model.columns)
    model._total(np.array([0.2, 4.0, 0.8, 2.4]), data)
    assert list(data.prepared) == [BetaGeo]
    assert data.columns["T"] == pytest.approx(data.values["T"][data.index["T"]])


def test_a_model_missing_its_likelihood_fails_when_instantiated():
    class NoLikelihood(Model):
        names, columns, initial = ("rate",), ("frequency",), (1.0,)

    with pytest.raises(TypeError, match="abstract method.*_loglik"):
        NoLikelihood()


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"derivatives": 1}, r"derivatives = 1 needs the analytic gradient: _gradient\(params, data\)"),
        ({"derivatives": 2, "_gradient": lambda self, p, d: p}, r"derivatives = 2 needs .*_total_hessian"),
        ({"derivatives": 3}, "derivatives must be 0, 1 or 2"),
        ({"initial": (1.0, 1.0)}, "one start value per name"),
        ({"columns": ()}, "names, columns and initial"),
    ],
)
def test_a_model_that_does_not_provide_what_it_declares_fails_when_defined(attributes, message):
    body = {"names": ("rate",), "columns": ("frequency",), "initial": (1.0,)}
    body["_loglik"] = lambda self, p, d: d["frequency"]
    with pytest.raises(TypeError, match=rf"Broken does not implement the model contract: .*{message}"):
        type("Broken", (Model,), {**body, **attributes})


SUMMARY = pd.DataFrame(
    {"frequency": [1, 0], "recency": [3.0, 0.0], "T": [5.0, 5.0], "monetary": [10.0, 0.0], "n_periods": [5, 5]}
)
BEFORE_FIT = {
    "BetaGeo.p_alive": (BetaGeo, lambda m: m.p_alive(SUMMARY)),
    "BetaGeo.expected_purchases": (BetaGeo, lambda m: m.expected_purchases(1.0, SUMMARY)),
    "BetaGeo.expected_purchases_population": (BetaGeo, lambda m: m.expected_purchases_population(1.0)),
    "BetaGeo.simulate": (BetaGeo, lambda m: m.simulate(5, 10.0)),
    "ParetoNBD.p_alive": (ParetoNBD, lambda m: m.p_alive(SUMMARY)),
    "ParetoNBD.expected_purchases": (ParetoNBD, lambda m: m.expected_purchases(1.0, SUMMARY)),
    "ParetoNBD.expected_purchases_population": (ParetoNBD, lambda m: m.expected_purchases_population(1.0)),
    "ParetoNBD.simulate": (ParetoNBD, lambda m: m.simulate(5, 10.0)),
    "BetaGeoBetaBinom.p_alive": (BetaGeoBetaBinom, lambda m: m.p_alive(SUMMARY)),
    "BetaGeoBetaBinom.expected_purchases": (BetaGeoBetaBinom, lambda m: m.expected_purchases(2, SUMMARY)),
    "BetaGeoBetaBinom.expected_purchases_population": (BetaGeoBetaBinom, lambda m: m.expected_purchases_population(2)),
    "BetaGeoBetaBinom.simulate": (BetaGeoBetaBinom, lambda m: m.simulate(5, 6)),
    "GammaGamma.expected_spend": (GammaGamma, lambda m: m.expected_spend(SUMMARY)),
    "GammaGamma.population_mean": (GammaGamma, lambda m: m.population_mean()),
    "ShiftedBetaGeometric.churn_probability": (ShiftedBetaGeometric, lambda m: m.churn_probability(1)),
    "ShiftedBetaGeometric.survival": (ShiftedBetaGeometric, lambda m: m.survival(1)),
    "ShiftedBetaGeometric.retention_rate": (ShiftedBetaGeometric, lambda m: m.retention_rate(1)),
    "ShiftedBetaGeometric.expected_lifetime": (ShiftedBetaGeometric, lambda m: m.expected_lifetime(0.1)),
    "ShiftedBetaGeometric.expected_residual_lifetime": (
        ShiftedBetaGeometric,
        lambda m: m.expected_residual_lifetime(0.1),
    ),
    "ShiftedBetaGeometric.simulate": (ShiftedBetaGeometric, lambda m: m.simulate(5, 3)),
    "RecencyMigration.buy_probabilities": (RecencyMigration, lambda m: m.buy_probabilities(SUMMARY, 2)),
    **{f"{c.__name__}.summary_table": (c, lambda m: m.summary_table()) for c in LIKELIHOOD_MODELS},
    **{f"{c.__name__}.standard_errors_": (c, lambda m: m.standard_errors_) for c in LIKELIHOOD_MODELS},
}


@pytest.mark.parametrize("name", BEFORE_FIT)
def test_every_prediction_before_fit_raises_not_fitted(name):
    model_class, call = BEFORE_FIT[name]
    with pytest.raises(NotFittedError, match=f"{model_class.__name__} is not fitted yet; call fit") as raised:
        call(model_class())
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, AttributeError)


@pytest.mark.parametrize("model_class", LIKELIHOOD_MODELS)
def test_an_unfitted_model_has_no_fitted_attributes(model_class):
    model = model_class()
    assert not hasattr(model, "standard_errors_") and not hasattr(model, "params_")


def test_the_model_package_does_not_import_the_summary_or_ibis():
    """clv/ is the models: it must not pull in the Ibis aggregation (custval.summary)."""
    for path in sorted(Path(clv.__file__).parent.glob("*.py")):
        nodes = list(ast.walk(ast.parse(path.read_text())))
        imported = {alias.name for node in nodes if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in nodes if isinstance(node, ast.ImportFrom)}
        assert not {"custval.summary", "custval.scans", "ibis"} & imported, path.name


def test_errors_live_in_errors_and_are_importable_where_they_were():
    assert clv.FitError is errors.FitError and issubclass(errors.FitError, errors.DataError)
    assert clv.NotFittedError is errors.NotFittedError
    assert issubclass(errors.NotFittedError, ValueError) and issubclass(errors.NotFittedError, AttributeError)
