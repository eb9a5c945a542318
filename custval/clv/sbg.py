"""Shifted-beta-geometric (sBG) retention model (Fader & Hardie 2007, "How to project customer
retention"): in a contractual setting with discrete renewal periods each customer churns at the end
of a period with a constant probability θ, and θ is beta(α, β) across customers. Heterogeneity
makes the aggregate retention rate rise with tenure: r_t = (β + t − 1)/(α + β + t − 1).

The data are a cohort's survivor counts: ``survivors[t]`` customers still active at the start of
period t + 1, ``survivors[0]`` being the cohort size (the paper's Table 1, e.g. ``[1000, 631, 468,
382, 326, 289, 262, 241]``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma

from custval.clv.base import Model, Rows
from custval.clv.pareto import _hyp2f1_neg
from custval.errors import DataError, FitError


class ShiftedBetaGeometric(Model):
    """sBG fitted on a cohort's survivor counts with ``fit(survivors)``."""

    names = ("alpha", "beta")
    columns = ("period", "censored")
    initial = (1.0, 1.0)
    derivatives = 1

    def fit(self, survivors, initial=None):
        """Maximum-likelihood fit on survivor counts at the start of periods 1, 2, …; returns ``self``.

        Customers lost in period t contribute P(T = t); the ``survivors[-1]`` still active at the
        end are censored and contribute S(n). ``n_customers_`` is the cohort size and
        ``n_periods_`` the number of observed periods n. If retention does not rise with tenure
        the optimum is the homogeneous limit (α, β → ∞, churn α/(α+β)): the fit then returns very
        large α and β with standard errors larger still.
        """
        counts = _check_survivors(survivors)
        lost = -np.diff(counts)
        if lost.sum() == 0:
            raise FitError("ShiftedBetaGeometric: no customer was lost, so churn cannot be estimated")
        n = len(lost)
        table = pd.DataFrame({"period": np.r_[np.arange(1, n + 1), n], "censored": np.r_[np.zeros(n), 1.0]})
        try:
            super().fit(table, weights=np.r_[lost, counts[-1]], initial=initial)
        except FitError as error:
            if "edge" not in str(error):
                raise
            raise FitError(
                "ShiftedBetaGeometric: α and β ran to the edge of the allowed range; the "
                "retention rate does not rise with tenure, so the cohort looks homogeneous "
                "(a constant churn rate fits as well)"
            ) from error
        self.n_periods_ = n
        return self

    @staticmethod
    def _terms(params, data: Rows):
        """Per row: the arguments of the beta functions in P(T = t) (churned) or S(t) (censored)."""
        alpha, beta = params
        t, censored = data["period"], data["censored"] > 0
        # P(T = t) = B(α + 1, β + t − 1)/B(α, β); S(t) = B(α, β + t)/B(α, β)
        a = np.where(censored, alpha, alpha + 1)
        b = np.where(censored, beta + t, beta + t - 1)
        return a, b

    def _loglik(self, params, data):
        alpha, beta = params
        a, b = self._terms(params, data)
        return betaln(a, b) - betaln(alpha, beta)

    def _gradient(self, params, data):
        alpha, beta = params
        a, b = self._terms(params, data)
        w = data.weight
        common = digamma(alpha + beta) - digamma(a + b)
        d_alpha = w @ (digamma(a) - digamma(alpha) + common)
        d_beta = w @ (digamma(b) - digamma(beta) + common)
        return np.array([d_alpha, d_beta])

    # ----------------------------------------------------------------- predictions

    def churn_probability(self, t) -> np.ndarray:
        """P(T = t): the chance that a new customer's last period is t (t = 1, 2, …)."""
        alpha, beta = self._fitted()
        t = _periods(t, first=1)
        return np.exp(betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta))

    def survival(self, t) -> np.ndarray:
        """S(t) = P(T > t): the share of a cohort still active after t periods (t = 0, 1, …)."""
        alpha, beta = self._fitted()
        t = _periods(t, first=0)
        return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))

    def retention_rate(self, t) -> np.ndarray:
        """r_t = S(t)/S(t − 1) = (β + t − 1)/(α + β + t − 1), rising with tenure (t = 1, 2, …)."""
        alpha, beta = self._fitted()
        t = _periods(t, first=1)
        return (beta + t - 1) / (alpha + beta + t - 1)

    def expected_lifetime(self, discount) -> float:
        """DEL: discounted expected number of payments of a new customer, the first one now,
        2F1(1, β; α + β; 1/(1 + d)) (Fader & Hardie 2010); E[CLV] = margin · DEL."""
        alpha, beta = self._fitted()
        return 1.0 + self._residual(alpha, beta, 1, _discount(discount)) / (1.0 + _discount(discount))

    def expected_residual_lifetime(self, discount, periods_alive=None) -> np.ndarray:
        """DERL: discounted expected number of further payments of a customer who has made
        n − 1 renewals (active in period n; the first further payment, at the coming renewal, is
        undiscounted) (Fader & Hardie 2010, "Customer-base valuation in a contractual setting"):

            DERL(d | n) = (β + n − 1)/(α + β + n − 1) · 2F1(1, β + n; α + β + n; 1/(1 + d)).

        ``periods_alive`` defaults to ``n_periods_`` + 1: the customers still active at the end of
        the observed periods have renewed ``n_periods_`` times and are in the next period. Multiply
        by the margin per period for the residual value of an active customer. With ``discount`` 0
        it is the undiscounted expected residual lifetime (β + n − 1)/(α − 1), infinite when α ≤ 1.
        """
        alpha, beta = self._fitted()
        n = _periods(self.n_periods_ + 1 if periods_alive is None else periods_alive, first=1, name="periods_alive")
        return self._residual(alpha, beta, n, _discount(discount))

    @staticmethod
    def _residual(alpha, beta, n, d):
        retain = (beta + n - 1) / (alpha + beta + n - 1)
        if d == 0:
            return retain * ((alpha + beta + n - 1) / (alpha - 1) if alpha > 1 else np.inf)
        # Pfaff: 2F1(1, β+n; α+β+n; z) = (1 − z)^−1 2F1(1, α; α+β+n; z/(z − 1)), z/(z − 1) = −1/d
        return retain * (1 + d) / d * _hyp2f1_neg(alpha, alpha + beta + n, 1.0 / d).reshape(np.shape(n))

    def simulate(self, n: int, periods: int, random_state=0) -> np.ndarray:
        """Survivor counts at the start of periods 1 … periods + 1 for a simulated cohort of ``n``."""
        rng = np.random.default_rng(random_state)
        alpha, beta = self._fitted()
        lifetime = rng.geometric(rng.beta(alpha, beta, n))  # the period in which each churns
        return np.array([(lifetime > t).sum() for t in range(periods + 1)])


def _check_survivors(survivors) -> np.ndarray:
    """Survivor counts as floats, or ``DataError`` saying what is wrong with them."""
    values = pd.to_numeric(pd.Series(np.asarray(survivors).ravel()), errors="coerce").to_numpy(dtype=float)
    name = "ShiftedBetaGeometric: survivors"
    if len(values) < 3:
        raise DataError(f"{name} needs the cohort size and at least two later counts; got {len(values)} value(s)")
    if not np.isfinite(values).all() or (values < 0).any():
        raise DataError(f"{name} must be non-negative numbers; got {list(values)}")
    if values[0] <= 0:
        raise DataError(f"{name}[0] (the cohort size) must be positive")
    rises = np.flatnonzero(np.diff(values) > 0)
    if rises.size:
        t = int(rises[0])
        raise DataError(
            f"{name} must not increase (customers who left cannot come back): "
            f"{values[t]:g} at period {t} but {values[t + 1]:g} at period {t + 1}"
        )
    return values


def _periods(t, first: int, name: str = "t") -> np.ndarray:
    """Period numbers as floats, checked to be whole numbers from ``first`` on."""
    t = np.asarray(t, dtype=float)
    if np.any(t < first) or np.any(t != np.round(t)):
        raise ValueError(f"{name} must be whole periods from {first} on; got {t}")
    return t


def _discount(d) -> float:
    d = float(d)
    if not d >= 0:
        raise ValueError(f"discount must be a rate ≥ 0 per period, got {d}")
    return d
