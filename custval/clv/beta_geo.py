"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): Poisson purchasing
while alive, a geometric chance p of dropping out after each purchase, r, α gamma heterogeneity in
the purchase rate and a, b beta heterogeneity in p. Everything is computed in log space.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from custval.clv.base import Model, check_repeat_buyers, check_summary


def _values(data, name):
    """Distinct values of a column (compressed data) or the column itself (plain arrays)."""
    return np.asarray(data.get(f"{name}_values", data[name]), dtype=float)


def _index(data, name):
    key = f"{name}_index"
    return data[key] if key in data else np.arange(len(data[name]))


class BetaGeo(Model):
    """BG/NBD on a summary with ``frequency`` (repeat purchases), ``recency`` and ``T``."""

    names = ("r", "alpha", "a", "b")
    columns = ("frequency", "recency", "T")
    initial = (1.0, 1.0, 1.0, 1.0)
    gradient = True

    def _check(self, summary: pd.DataFrame) -> None:
        """Impossible rows (recency outside [0, T], negative or missing values) and a summary
        without any repeat buyer are errors that say so, not a fit that drifts to a bound."""
        super()._check(summary)
        check_summary(type(self).__name__, summary)
        check_repeat_buyers(type(self).__name__, summary)

    @staticmethod
    def _parts(params, data):
        """The likelihood's pieces; functions of x alone are evaluated once per distinct x and
        logs of α + T and α + t_x once per distinct T and t_x (the hot path of large fits)."""
        r, alpha, a, b = params
        ux = _values(data, "frequency")
        repeat_u = ux > 0
        bx_u = np.where(repeat_u, b + ux - 1, 1.0)
        per_x = {
            "a1": gammaln(r + ux) - gammaln(r) + r * np.log(alpha),
            "b2": betaln(a, b + ux) - betaln(a, b),
            "b3": np.where(repeat_u, betaln(a + 1, bx_u) - betaln(a, b), -np.inf),
        }
        x_idx = _index(data, "frequency")
        x = ux[x_idx]
        log_T = np.log(alpha + _values(data, "T"))[_index(data, "T")]
        log_tx = np.log(alpha + _values(data, "recency"))[_index(data, "recency")]
        a2 = per_x["b2"][x_idx] - (r + x) * log_T
        a3 = per_x["b3"][x_idx] - (r + x) * log_tx
        return ux, x_idx, x, log_T, log_tx, per_x, a2, a3

    def _loglik(self, params, data):
        _, x_idx, _, _, _, per_x, a2, a3 = self._parts(params, data)
        return per_x["a1"][x_idx] + np.logaddexp(a2, a3)

    def _total(self, params, data):
        r, alpha, a, b = params
        ux, x_idx, x, log_T, log_tx, per_x, a2, a3 = self._parts(params, data)
        weight = data["weight"]
        both = np.logaddexp(a2, a3)
        total = float(weight @ (per_x["a1"][x_idx] + both))
        w3 = np.exp(a3 - both)
        w2 = 1 - w3
        # functions of x for the derivatives, once per distinct x
        bx_u = np.where(ux > 0, b + ux - 1, 1.0)
        common_u = digamma(a + b) - digamma(a + b + ux)
        d_a3_u = digamma(a + 1) - digamma(a)
        d_b2_u = common_u + digamma(b + ux) - digamma(b)
        d_b3_u = common_u + digamma(bx_u) - digamma(b)
        weight_x = np.bincount(x_idx, weights=weight, minlength=len(ux))
        weight_w3_x = np.bincount(x_idx, weights=weight * w3, minlength=len(ux))
        weight_w2_x = weight_x - weight_w3_x
        d_r = (weight_x @ (digamma(r + ux) - digamma(r) + np.log(alpha))
               - weight @ (w2 * log_T + w3 * log_tx))  # fmt: skip
        d_alpha = weight.sum() * r / alpha - weight @ ((r + x) * (w2 * np.exp(-log_T) + w3 * np.exp(-log_tx)))
        d_a = weight_w2_x @ common_u + weight_w3_x @ (common_u + d_a3_u)
        d_b = weight_w2_x @ d_b2_u + weight_w3_x @ d_b3_u
        return total, np.array([d_r, d_alpha, d_a, d_b])

    # ----------------------------------------------------------------- predictions

    def p_alive(self, summary: pd.DataFrame) -> np.ndarray:
        """P(still alive at T | x, t_x, T)."""
        r, alpha, a, b = self._fitted()
        x, tx, T = (summary[c].to_numpy(float) for c in self.columns)
        repeat = x > 0
        log_odds = np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        return np.where(repeat, expit(-log_odds), 1.0)

    def expected_purchases(self, t, summary: pd.DataFrame) -> np.ndarray:
        """E[purchases in (T, T + t] | x, t_x, T], per customer (t in the summary's unit).

        Uses Euler's transformation of the hypergeometric term, which keeps it finite for heavy
        buyers (large x).
        """
        r, alpha, a, b = self._fitted()
        x, T = summary["frequency"].to_numpy(float), summary["T"].to_numpy(float)
        z = t / (alpha + T + t)
        tail = (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        return (a + b + x - 1) / (a - 1) * (1 - tail) * self.p_alive(summary)

    def expected_purchases_population(self, t) -> np.ndarray:
        """E[X(t)]: expected purchases of a new customer in (0, t]."""
        r, alpha, a, b = self._fitted()
        t = np.asarray(t, dtype=float)
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))

    def simulate(self, n: int, T: float, random_state=0) -> pd.DataFrame:
        """Draw a summary of ``n`` customers observed for ``T`` from the fitted (or set) parameters."""
        rng = np.random.default_rng(random_state)
        r, alpha, a, b = self._fitted()
        lam = rng.gamma(r, 1 / alpha, n)
        p = rng.beta(a, b, n)
        rows = []
        for i in range(n):
            t, purchases, last = 0.0, 0, 0.0
            while True:
                t += rng.exponential(1 / lam[i])
                if t > T:
                    break
                purchases, last = purchases + 1, t
                if rng.random() < p[i]:
                    break
            rows.append((purchases, last, T))
        return pd.DataFrame(rows, columns=["frequency", "recency", "T"])
