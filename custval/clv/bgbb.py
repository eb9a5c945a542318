"""BG/BB (Fader, Hardie & Shang 2010, "Customer-base analysis in a discrete-time noncontractual
setting"): at each of n discrete transaction opportunities a living customer transacts with
probability p, and becomes inactive at the start of an opportunity with probability θ; p is
beta(α, β) and θ is beta(γ, δ) across customers. Everything is computed in log space.

The summary has ``frequency`` x (transactions in the n opportunities), ``recency`` t_x (the
opportunity of the last transaction, 0 if none) and ``n_periods`` n.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, logsumexp

from custval.clv.base import Model, Rows
from custval.errors import DataError, examples


def check_bgbb_summary(summary: pd.DataFrame) -> None:
    """Raise ``DataError`` for rows the model cannot explain (0 ≤ x ≤ t_x ≤ n, whole numbers)."""
    x, tx, n = (pd.to_numeric(summary[c], errors="coerce").to_numpy(dtype=float) for c in BetaGeoBetaBinom.columns)
    problems = [
        (~np.isfinite(x) | ~np.isfinite(tx) | ~np.isfinite(n), "missing or non-numeric values"),
        ((x != np.round(x)) | (tx != np.round(tx)) | (n != np.round(n)), "counts that are not whole numbers"),
        (n < 1, "n_periods below 1"),
        ((tx < 0) | (tx > n), "recency outside [0, n_periods]"),
        ((x < 0) | (x > tx), "frequency outside [0, recency] (x transactions need at least x opportunities)"),
        ((x == 0) & (tx != 0), "recency > 0 with frequency 0"),
    ]
    for bad, what in problems:
        if bad.any():
            raise DataError(
                f"BetaGeoBetaBinom: {int(bad.sum())} row(s) with {what}, e.g. row(s) {examples(summary.index[bad])}"
            )


class BetaGeoBetaBinom(Model):
    """BG/BB on a summary with ``frequency``, ``recency`` and ``n_periods`` (see the module)."""

    names = ("alpha", "beta", "gamma", "delta")
    columns = ("frequency", "recency", "n_periods")
    initial = (1.0, 1.0, 1.0, 1.0)
    derivatives = 1

    def _check_rows(self, summary: pd.DataFrame) -> None:
        check_bgbb_summary(summary)

    @staticmethod
    def _grid(params, data: Rows):
        """The likelihood's terms as a (rows, 1 + max(n − t_x)) grid, −inf where absent.

        Column 0 is 'alive after n opportunities': B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ);
        column 1 + i is 'inactive from opportunity t_x + i + 1 on':
        B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ), i = 0 … n − t_x − 1.
        Returned with the arguments (y = failures, g = 0/1, z = opportunities survived).
        """
        alpha, beta, gamma, delta = params
        x, tx, n = (np.asarray(data[c], dtype=float)[:, None] for c in BetaGeoBetaBinom.columns)
        i = np.arange(int(np.max(n - tx)))[None, :]
        present = np.c_[np.ones((len(x), 1), bool), i < n - tx]
        y = np.c_[n - x, tx - x + i]
        g = np.c_[np.zeros_like(x), np.ones_like(tx + i)]
        z = np.c_[n, tx + i]
        y, g, z = (np.where(present, v, 0.0) for v in (y, g, z))
        log_terms = (
            betaln(alpha + x, beta + y) - betaln(alpha, beta) + betaln(gamma + g, delta + z) - betaln(gamma, delta)
        )
        return np.where(present, log_terms, -np.inf), x, y, g, z

    def _loglik(self, params, data):
        return logsumexp(self._grid(params, data)[0], axis=1)

    def _gradient(self, params, data):
        alpha, beta, gamma, delta = params
        log_terms, x, y, g, z = self._grid(params, data)
        loglik = logsumexp(log_terms, axis=1, keepdims=True)
        share = np.exp(log_terms - loglik) * data.weight[:, None]  # each term's share of L, weighted
        p_all = digamma(alpha + beta + x + y)
        t_all = digamma(gamma + delta + g + z)
        return np.array(
            [
                np.sum(share * (digamma(alpha + x) - p_all)) + share.sum() * (digamma(alpha + beta) - digamma(alpha)),
                np.sum(share * (digamma(beta + y) - p_all)) + share.sum() * (digamma(alpha + beta) - digamma(beta)),
                np.sum(share * (digamma(gamma + g) - t_all)) + share.sum() * (digamma(gamma + delta) - digamma(gamma)),
                np.sum(share * (digamma(delta + z) - t_all)) + share.sum() * (digamma(gamma + delta) - digamma(delta)),
            ]
        )

    # ----------------------------------------------------------------- predictions

    def p_alive(self, summary: pd.DataFrame) -> np.ndarray:
        """P(still active at opportunity n + 1 | x, t_x, n)."""
        params = self._fitted()
        alpha, beta, gamma, delta = params
        data = self._rows(summary)
        x, n = data["frequency"], data["n_periods"]
        log_alive = (
            betaln(alpha + x, beta + n - x) - betaln(alpha, beta) + betaln(gamma, delta + n + 1) - betaln(gamma, delta)
        )
        return np.exp(log_alive - self._loglik(params, data))

    def expected_purchases(self, n_star, summary: pd.DataFrame) -> np.ndarray:
        """E[transactions in opportunities n + 1 … n + n* | x, t_x, n], per customer:
        B(α+x+1, β+n−x)/B(α,β) · Σ_{k=1..n*} B(γ, δ+n+k)/B(γ,δ) / L."""
        params = self._fitted()
        alpha, beta, gamma, delta = params
        data = self._rows(summary)
        x, n = data["frequency"], data["n_periods"]
        distinct, where = np.unique(n, return_inverse=True)
        log_survive = np.array([_log_survival_sum(gamma, delta, m, _whole(n_star, "n_star")) for m in distinct])
        log_p = betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta)
        return np.exp(log_p + log_survive[where] - self._loglik(params, data))

    def expected_purchases_population(self, n) -> np.ndarray:
        """E[X(n)]: expected transactions of a new customer in the first n opportunities."""
        alpha, beta, gamma, delta = self._fitted()
        n = np.asarray(n, dtype=float)
        total = [np.exp(_log_survival_sum(gamma, delta, 0, _whole(m, "n"))) for m in n.ravel()]
        return alpha / (alpha + beta) * np.reshape(total, n.shape)

    def simulate(self, n: int, n_periods: int, random_state=0) -> pd.DataFrame:
        """Draw a summary of ``n`` customers over ``n_periods`` opportunities from the fitted (or set)
        parameters."""
        rng = np.random.default_rng(random_state)
        alpha, beta, gamma, delta = self._fitted()
        p = rng.beta(alpha, beta, n)
        # inactive from opportunity G on, G ~ geometric(θ): active in opportunities 1 … G − 1
        first_dead = rng.geometric(rng.beta(gamma, delta, n))
        opportunity = np.arange(1, n_periods + 1)
        buys = (rng.random((n, n_periods)) < p[:, None]) & (opportunity[None, :] < first_dead[:, None])
        last = np.where(buys.any(axis=1), n_periods - np.argmax(buys[:, ::-1], axis=1), 0)
        return pd.DataFrame({"frequency": buys.sum(axis=1), "recency": last, "n_periods": np.full(n, n_periods)})


def _log_survival_sum(gamma, delta, start, count) -> float:
    """log Σ_{k=1..count} E[(1 − θ)^(start + k)] = log Σ B(γ, δ+start+k)/B(γ,δ); −inf when count = 0."""
    if count == 0:
        return -np.inf
    k = np.arange(1, count + 1)
    return float(logsumexp(betaln(gamma, delta + start + k) - betaln(gamma, delta)))


def _whole(value, name: str) -> int:
    """A whole number of opportunities ≥ 0, or ``ValueError``."""
    if not float(value) >= 0 or float(value) != round(float(value)):
        raise ValueError(f"{name} must be a whole number of opportunities ≥ 0, got {value!r}")
    return round(float(value))
