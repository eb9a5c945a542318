"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): a customer's transaction
values are gamma(p, ν) around their own mean, ν is gamma(q, γ) across customers; fitted on the
mean repeat value of customers with at least one repeat purchase.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from custval.clv.base import FitError, Model, _floats, column
from custval.errors import DataError, examples


class GammaGamma(Model):
    """Gamma-Gamma on ``frequency`` (repeat purchases) and ``monetary`` (their mean value)."""

    names = ("p", "q", "gamma")
    columns = ("frequency", "monetary")
    initial = (1.0, 1.0, 1.0)
    gradient = True

    def fit(self, summary: pd.DataFrame, weights=None, initial=None):
        """Fit on customers with frequency > 0 and monetary > 0; ``excluded_`` counts the others."""
        self._check(summary)
        x, m = _floats(summary["frequency"]), _floats(summary["monetary"])
        missing = np.isnan(x) | ((x > 0) & np.isnan(m))
        if missing.any():
            raise DataError(f"GammaGamma: {int(missing.sum())} row(s) with a missing or non-numeric frequency "
                            f"or monetary value, e.g. row(s) {examples(summary.index[missing])}")  # fmt: skip
        usable = pd.Series((x > 0) & (m > 0), index=summary.index)
        self.excluded_ = int((~usable).sum())
        if usable.sum() < 3:
            raise FitError("GammaGamma: fewer than 3 customers with repeat purchases of positive value")
        w = None if weights is None else np.asarray(weights, dtype=float)[usable.to_numpy()]
        return super().fit(summary[usable], weights=w, initial=initial)

    @staticmethod
    def _parts(params, data):
        """Per distinct x: the gamma-function terms; per row: x, m and log(γ + m x)."""
        p, q, g = params
        ux = np.asarray(data.get("frequency_values", data["frequency"]), dtype=float)
        x_idx = data["frequency_index"] if "frequency_index" in data else np.arange(len(ux))
        x, m = ux[x_idx], column(data, "monetary")
        per_x = gammaln(p * ux + q) - gammaln(p * ux) - gammaln(q) + q * np.log(g) + p * ux * np.log(ux)
        return ux, x_idx, x, m, per_x, np.log(g + m * x)

    def _loglik(self, params, data):
        p, q, g = params
        _, x_idx, x, m, per_x, log_gmx = self._parts(params, data)
        return per_x[x_idx] + (p * x - 1) * np.log(m) - (p * x + q) * log_gmx

    def _total(self, params, data):
        p, q, g = params
        ux, x_idx, x, m, per_x, log_gmx = self._parts(params, data)
        w = data["weight"]
        log_m = data.setdefault("_log_monetary", np.log(m))
        total = float(w @ (per_x[x_idx] + (p * x - 1) * log_m - (p * x + q) * log_gmx))
        w_x = np.bincount(x_idx, weights=w, minlength=len(ux))
        psi = digamma(p * ux + q)
        d_p = w_x @ (ux * (psi - digamma(p * ux) + np.log(ux))) + (w * x) @ (log_m - log_gmx)
        d_q = w_x @ (psi - digamma(q) + np.log(g)) - w @ log_gmx
        d_g = w.sum() * q / g - w @ ((p * x + q) / (g + m * x))
        return total, np.array([d_p, d_q, d_g])

    def expected_spend(self, summary: pd.DataFrame) -> np.ndarray:
        """E[value of a transaction | x, m_x]: shrinks each customer's mean toward the population mean."""
        p, q, g = self._fitted()
        x = summary["frequency"].to_numpy(float)
        m = np.where(x > 0, summary["monetary"].to_numpy(float), 0.0)
        return (g + m * x) * p / (p * x + q - 1)

    def population_mean(self) -> float:
        """E[M] = p γ / (q − 1) for a new customer (infinite when q ≤ 1)."""
        p, q, g = self._fitted()
        return p * g / (q - 1) if q > 1 else np.inf
