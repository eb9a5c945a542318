"""Model fixes: fits that do not depend on the units of money and time, convergence judged by the
gradient, Gamma-Gamma spend that is never negative, BG/NBD at a = 1, the sBG residual lifetime of
the customers still active, and the unit a model was fitted in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, stats
from scipy.special import betaln

from custval import clv
from custval.clv import base

WEEK_SECONDS = 7 * 24 * 3600


@pytest.fixture(scope="module")
def spend(cdnow):
    return clv.GammaGamma().fit(cdnow)


def with_params(model_class, **params):
    """A model with the given parameters, as if fitted."""
    model = model_class()
    model.params_ = params
    return model


def in_seconds(summary):
    """The summary with recency and T in seconds instead of weeks."""
    return summary.assign(recency=summary["recency"] * WEEK_SECONDS, T=summary["T"] * WEEK_SECONDS)


# ===================================================================== units of money and time


def test_gamma_gamma_fit_does_not_depend_on_the_money_unit(cdnow, spend):
    # B2B invoice values: CDNOW amounts × 10^5; γ is an amount, p and q are pure numbers
    factor = 1e5
    scaled = clv.GammaGamma().fit(cdnow.assign(monetary=cdnow["monetary"] * factor))
    assert scaled.params_["p"] == pytest.approx(6.25, abs=0.01)
    assert scaled.params_["q"] == pytest.approx(3.74, abs=0.01)
    assert scaled.params_["gamma"] == pytest.approx(15.44 * factor, rel=1e-3)
    assert scaled.n_customers_ == spend.n_customers_ == 946
    # each customer's mean value is one density in the new unit: log L moves by −n log(factor)
    assert scaled.log_likelihood_ == pytest.approx(spend.log_likelihood_ - 946 * np.log(factor), abs=1e-4)
    for name, unit in {"p": 1.0, "q": 1.0, "gamma": factor}.items():
        assert scaled.standard_errors_[name] == pytest.approx(spend.standard_errors_[name] * unit, rel=1e-3), name


@pytest.mark.parametrize(
    "model_class, published, loglik",
    [
        (clv.BetaGeo, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, -9582.4),  # FHL 2005, BG/NBD
        (clv.ParetoNBD, {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}, -9595.0),  # FHL 2005, Pareto/NBD
    ],
    ids=["bgnbd", "pareto-nbd"],
)
def test_purchase_models_fit_in_seconds_as_in_weeks(cdnow, model_class, published, loglik):
    model = model_class().fit(in_seconds(cdnow))
    for name, value in published.items():
        if name in ("alpha", "beta"):  # times: in seconds now
            assert model.params_[name] == pytest.approx(value * WEEK_SECONDS, rel=2e-3), name
        else:
            assert model.params_[name] == pytest.approx(value, abs=0.006), name
    # the x purchase times are densities in the new unit: log L moves by −Σx log(factor)
    shift = cdnow["frequency"].sum() * np.log(WEEK_SECONDS)
    assert model.log_likelihood_ == pytest.approx(loglik - shift, abs=0.05)


def test_newton_refinement_of_large_fits_works_in_any_time_unit(cdnow, monkeypatch):
    """The warm start on a sample and the Newton steps on all rows respect the moved bounds: the
    Newton steps finish the fit, with no L-BFGS-B run on all rows."""
    weekly = clv.BetaGeo().fit(cdnow)
    monkeypatch.setattr(base, "WARM_START_ROWS", 300)
    rows_optimised = []
    optimise = base.Model._optimise

    def counted(self, data, *args):
        rows_optimised.append(len(data.weight))
        return optimise(self, data, *args)

    monkeypatch.setattr(base.Model, "_optimise", counted)
    model = clv.BetaGeo().fit(in_seconds(cdnow))
    assert len(rows_optimised) == 1 and rows_optimised[0] < model.n_rows_  # the sample only
    for name in model.names:
        unit = WEEK_SECONDS if name == "alpha" else 1.0
        assert model.params_[name] == pytest.approx(weekly.params_[name] * unit, rel=1e-5), name


# ===================================================================== convergence


def abnormal(x):
    """An L-BFGS-B result whose line search gave up at ``x``."""
    return optimize.OptimizeResult(
        x=np.asarray(x, dtype=float), success=False, nit=3, status=2, message="ABNORMAL_TERMINATION_IN_LNSRCH"
    )


@pytest.mark.parametrize("model_class", [clv.BetaGeo, clv.GammaGamma, clv.ParetoNBD])
def test_a_line_search_failure_far_from_the_optimum_is_an_error(cdnow, monkeypatch, model_class):
    monkeypatch.setattr(base.optimize, "minimize", lambda fun, x0, **options: abnormal(x0))  # stuck at the start
    with pytest.raises(clv.FitError, match=rf"{model_class.__name__}: the optimiser did not converge.*gradient"):
        model_class().fit(cdnow)


@pytest.mark.parametrize("model_class", [clv.BetaGeo, clv.GammaGamma, clv.ParetoNBD])
def test_a_line_search_failure_at_the_optimum_is_accepted(cdnow, monkeypatch, model_class):
    minimize = optimize.minimize
    monkeypatch.setattr(base.optimize, "minimize", lambda fun, x0, **options: abnormal(minimize(fun, x0, **options).x))
    model = model_class().fit(cdnow)
    published = {
        "BetaGeo": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
        "GammaGamma": {"p": 6.25, "q": 3.74, "gamma": 15.44},
        "ParetoNBD": {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67},
    }[model_class.__name__]
    for name, value in published.items():
        assert model.params_[name] == pytest.approx(value, abs=0.006), name


# ===================================================================== Gamma-Gamma spend


def test_gamma_gamma_spend_of_customers_whose_returns_outweigh_their_purchases_is_not_negative(spend):
    p, q, g = (spend.params_[n] for n in ("p", "q", "gamma"))
    netted = pd.DataFrame({"frequency": [2, 1, 3], "monetary": [-20.0, -5.0, 0.0]})
    value = spend.expected_spend(netted)
    x = netted["frequency"].to_numpy(float)
    assert np.isfinite(value).all() and (value >= 0).all()
    assert value == pytest.approx(g * p / (p * x + q - 1), rel=1e-12)  # as if they had spent nothing


def test_gamma_gamma_spend_is_the_posterior_median_where_the_mean_is_infinite():
    # ν | x, m ~ gamma(p x + q, rate γ + m x); a customer's mean spend is p/ν
    candidates = pd.DataFrame({"frequency": [0, 0, 2, 1], "monetary": [0.0, 99.0, 30.0, -4.0]})
    for p, q, g in [(2.0, 0.8, 15.0), (0.1, 0.5, 15.0), (0.3, 0.2, 4.0)]:
        rows = candidates[candidates["frequency"] * p + q <= 1]  # an infinite posterior mean
        assert len(rows) >= 2
        value = with_params(clv.GammaGamma, p=p, q=q, gamma=g).expected_spend(rows)
        x = rows["frequency"].to_numpy(float)
        m = np.where(x > 0, np.maximum(rows["monetary"].to_numpy(float), 0.0), 0.0)
        shape, rate = p * x + q, g + m * x
        assert np.isfinite(value).all() and (value > 0).all()
        # P(p/ν ≤ value) = P(ν ≥ p/value) = 1/2
        assert stats.gamma.sf(p / value, shape, scale=1 / rate) == pytest.approx(0.5, abs=1e-12)


def test_gamma_gamma_spend_of_ordinary_customers_is_the_closed_form(cdnow, spend):
    p, q, g = (spend.params_[n] for n in ("p", "q", "gamma"))
    x = cdnow["frequency"].to_numpy(float)
    m = np.where(x > 0, cdnow["monetary"].to_numpy(float), 0.0)
    ordinary = (x == 0) | (m > 0)
    expected = (g + m * x) * p / (p * x + q - 1)
    assert spend.expected_spend(cdnow)[ordinary] == pytest.approx(expected[ordinary], rel=1e-12)


# ===================================================================== BG/NBD at a = 1

BGNBD = {"r": 0.243, "alpha": 4.414, "b": 2.426}
ROWS = pd.DataFrame({"frequency": [0, 1, 5, 40], "recency": [0.0, 2.0, 30.0, 38.0], "T": [38.9, 39.0, 35.0, 39.0]})


def purchases_if_alive(r, alpha, a, b, x, T, t):
    """E[(1 − e^(−λ p t))/p] (purchases in t before the dropout coin comes up, given λ and p) over
    λ ~ gamma(r + x, α + T) and p ~ beta(a, b + x), by quadrature on p."""

    def integrand(p):
        log_density = (a - 1) * np.log(p) + (b + x - 1) * np.log1p(-p) - betaln(a, b + x)
        return -np.expm1(-(r + x) * np.log1p(p * t / (alpha + T))) / p * np.exp(log_density)

    return integrate.quad(integrand, 0, 1, epsabs=0, epsrel=1e-12, limit=200)[0]


def series_at_a_one(r, alpha, b, x, T, t, terms=20_000):
    """The a → 1 limit, (b+x) [−log(1−z) − Σ_{n≥1} (b−r)_n z^n / ((b+x)_n n)], z = t/(α+T+t)."""
    z = t / (alpha + T + t)
    n = np.arange(1, terms + 1)
    ratios = np.cumprod((b - r + n - 1) / (b + x + n - 1) * z)
    return (b + x) * (-np.log1p(-z) - np.sum(ratios / n))


def p_alive(r, alpha, a, b, x, tx, T):
    if x == 0:
        return 1.0
    return 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))


@pytest.mark.parametrize("a", [1.0, 1 + 5e-6, 1 - 5e-6])
def test_bgnbd_expected_purchases_at_a_equal_to_one(a):
    params = dict(BGNBD, a=a)
    model = with_params(clv.BetaGeo, **params)
    r, alpha, b = BGNBD["r"], BGNBD["alpha"], BGNBD["b"]
    for t in (1.0, 39.0, 52.0):
        got = model.expected_purchases(t, ROWS)
        expected = [
            purchases_if_alive(r, alpha, a, b, x, T, t) * p_alive(r, alpha, a, b, x, tx, T)
            for x, tx, T in ROWS.itertuples(index=False)
        ]
        assert np.isfinite(got).all()
        assert got == pytest.approx(expected, rel=1e-7), t  # the interpolation's error is below about 1e-8
    t = np.array([1.0, 39.0, 52.0, 520.0])
    population = model.expected_purchases_population(t)
    assert population == pytest.approx([purchases_if_alive(r, alpha, a, b, 0, 0, s) for s in t], rel=1e-7)
    if a == 1.0:
        assert population == pytest.approx([series_at_a_one(r, alpha, b, 0, 0, s) for s in t], rel=1e-7)


def test_the_reference_integral_is_the_closed_form_away_from_a_one():
    model = with_params(clv.BetaGeo, **BGNBD, a=0.793)
    r, alpha, b = BGNBD["r"], BGNBD["alpha"], BGNBD["b"]
    expected = [
        purchases_if_alive(r, alpha, 0.793, b, x, T, 39.0) * p_alive(r, alpha, 0.793, b, x, tx, T)
        for x, tx, T in ROWS.itertuples(index=False)
    ]
    assert model.expected_purchases(39.0, ROWS) == pytest.approx(expected, rel=1e-10)


# ===================================================================== sBG residual lifetime

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]  # Fader & Hardie (2007), Table 1, "regular"


def test_sbg_residual_lifetime_defaults_to_the_customers_still_active():
    model = clv.ShiftedBetaGeometric().fit(REGULAR)
    # the 241 still active after 7 years have renewed 7 times: they are in year 8
    derl = model.expected_residual_lifetime(0.1)
    assert derl == pytest.approx(6.842, abs=5e-4)
    t = np.arange(8, 5000)  # DERL(d | 8) = Σ_{t ≥ 8} S(t)/S(7)/(1+d)^(t−8), summed directly
    assert derl == pytest.approx(np.sum(model.survival(t) / model.survival(7) / 1.1 ** (t - 8)), rel=1e-9)


# ===================================================================== units of the fit


@pytest.mark.parametrize("model_class", [clv.BetaGeo, clv.ParetoNBD, clv.GammaGamma])
def test_models_record_the_unit_they_were_fitted_in(cdnow, model_class):
    model = model_class().fit(cdnow)
    assert cdnow.attrs["unit"] == "W" and model.unit_ == "W"
    plain = pd.DataFrame({c: cdnow[c].to_numpy() for c in ("frequency", "recency", "T", "monetary")})
    assert plain.attrs == {} and model.fit(plain).unit_ is None
