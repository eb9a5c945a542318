"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): a customer's transaction
values are gamma(p, ν) around their own mean, ν is gamma(q, γ) across customers; fitted on the
mean repeat value of customers with at least one repeat purchase.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaincinv, gammaln, polygamma

from custval.clv.base import WARM_START_ROWS, Model, Rows, _codes, _dot, _floats, compress, log_mean
from custval.errors import DataError, FitError, examples


class GammaGamma(Model):
    """Gamma-Gamma on ``frequency`` (repeat purchases) and ``monetary`` (their mean value).

    γ is an amount of money, in the summary's currency; ``unit_`` is the summary's time unit
    (``summary.attrs["unit"]``, set by ``custval.summarize``; None for a summary without one).
    """

    names = ("p", "q", "gamma")
    columns = ("frequency", "monetary")
    initial = (1.0, 1.0, 1.0)
    derivatives = 2

    def fit(self, summary: pd.DataFrame, weights=None, initial=None):
        """Fit on customers with frequency > 0 and monetary > 0; ``excluded_`` counts the others."""
        self._check(summary)
        x, m = _floats(summary["frequency"]), _floats(summary["monetary"])
        missing = np.isnan(x) | ((x > 0) & np.isnan(m))
        if missing.any():
            raise DataError(
                f"GammaGamma: {int(missing.sum())} row(s) with a missing or non-numeric frequency "
                f"or monetary value, e.g. row(s) {examples(summary.index[missing])}"
            )
        usable = (x > 0) & (m > 0)
        self.excluded_ = int((~usable).sum())
        if usable.sum() < 3:
            raise FitError("GammaGamma: fewer than 3 customers with repeat purchases of positive value")
        w = None if weights is None else np.asarray(weights, dtype=float)[usable]
        self._fit_data(self._spend_data(x[usable], m[usable], w), initial)
        self._record_unit(summary)
        return self

    def _log_scale(self, data: Rows) -> np.ndarray:
        """γ is measured in units of the mean monetary value of the fitted customers."""
        return np.array([0.0, 0.0, log_mean(data, "monetary")])

    def _spend_data(self, x: np.ndarray, m: np.ndarray, weights=None) -> Rows:
        """Distinct (frequency, monetary) rows, except for large summaries whose monetary values
        are not whole numbers: a continuous mean spend hardly repeats, so sorting out the distinct
        pairs would cost more than it saves; those keep one row per customer, coded by frequency."""
        whole = lambda v: bool(np.all(v == np.round(v)))  # noqa: E731
        if len(m) <= 2 * WARM_START_ROWS or (m.max() < 2**30 and whole(m[:1000]) and whole(m)):
            return compress(pd.DataFrame({"frequency": x, "monetary": m}), self.columns, weights)
        code, values = _codes(x)
        weight = np.ones(len(m)) if weights is None else np.asarray(weights, dtype=float)
        return Rows(
            weight=weight,
            columns={"frequency": x, "monetary": m},
            values={"frequency": values},
            index={"frequency": code},
        )

    def _prepare(self, data: Rows) -> dict:
        """Parameter-free pieces of the likelihood: per-x weight totals, m x, w x and the sums of
        w ln m and w x ln m."""
        ux, x_idx = data.distinct("frequency"), data.positions("frequency")
        x, m, w = ux[x_idx], data["monetary"], np.asarray(data.weight, dtype=float)
        log_m = np.log(m)
        wx = w * x
        return {
            "ux": ux,
            "w_x": np.bincount(x_idx, weights=w, minlength=len(ux)),
            "n": float(w.sum()),
            "w": w,
            "wx": wx,
            "mx": m * x,
            "s_log_m": _dot(w, log_m),
            "sx_log_m": _dot(wx, log_m),
        }

    @staticmethod
    def _parts(params, data):
        """Per distinct x: the gamma-function terms; per row: x, m and log(γ + m x)."""
        p, q, g = params
        ux, x_idx = data.distinct("frequency"), data.positions("frequency")
        x, m = ux[x_idx], data["monetary"]
        per_x = gammaln(p * ux + q) - gammaln(p * ux) - gammaln(q) + q * np.log(g) + p * ux * np.log(ux)
        return ux, x_idx, x, m, per_x, np.log(g + m * x)

    def _loglik(self, params, data):
        p, q, _ = params
        _, x_idx, x, m, per_x, log_gmx = self._parts(params, data)
        return per_x[x_idx] + (p * x - 1) * np.log(m) - (p * x + q) * log_gmx

    def _total(self, params, data):
        return self._total_hessian(params, data, hessian=False)[:2]

    def _total_hessian(self, params, data, hessian=True):
        """Weighted log-likelihood, gradient and (optionally) Hessian in (p, q, γ).

        With S(f) = Σ w f(γ + m x) and S_x(f) = Σ w x f(γ + m x) over the rows, the log-likelihood
        is Σ_x W_x [lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + px ln x] + p Σ w x ln m − Σ w ln m
        − p S_x(ln) − q S(ln): only γ meets the rows, through ln(γ + m x) and its derivatives.
        """
        p, q, g = params
        prep = self._prepared(data)
        ux, W_x = prep["ux"], prep["w_x"]
        u = prep["mx"] + g
        log_u = np.log(u)
        s_log, sx_log = _dot(prep["w"], log_u), _dot(prep["wx"], log_u)
        inv = np.divide(1.0, u, out=u)
        s_inv, sx_inv = _dot(prep["w"], inv), _dot(prep["wx"], inv)
        n = prep["n"]
        px = p * ux
        total = (
            W_x @ (gammaln(px + q) - gammaln(px) + px * np.log(ux))
            + n * (q * np.log(g) - gammaln(q))
            + p * prep["sx_log_m"]
            - prep["s_log_m"]
            - p * sx_log
            - q * s_log
        )
        psi = digamma(px + q)
        grad = np.array(
            [
                W_x @ (ux * (psi - digamma(px) + np.log(ux))) + prep["sx_log_m"] - sx_log,
                W_x @ psi - n * digamma(q) + n * np.log(g) - s_log,
                n * q / g - p * sx_inv - q * s_inv,
            ]
        )
        if not hessian:
            return float(total), grad, None
        inv *= inv
        s_inv2, sx_inv2 = _dot(prep["w"], inv), _dot(prep["wx"], inv)
        psi1 = polygamma(1, px + q)
        h_pq = W_x @ (ux * psi1)
        h = np.array(
            [
                [W_x @ (ux**2 * (psi1 - polygamma(1, px))), h_pq, -sx_inv],
                [h_pq, W_x @ psi1 - n * polygamma(1, q), n / g - s_inv],
                [-sx_inv, n / g - s_inv, -n * q / g**2 + p * sx_inv2 + q * s_inv2],
            ]
        )
        return float(total), grad, h

    def expected_spend(self, summary: pd.DataFrame) -> np.ndarray:
        """E[value of a transaction | x, m_x] = (γ + m x) p / (p x + q − 1): shrinks each customer's
        mean toward the population mean. A mean m_x ≤ 0 (returns outweighing purchases) counts as
        0. Where that mean is infinite (p x + q ≤ 1) it is the median instead: the customer's mean
        spend is p/ν with ν | x, m_x ~ gamma(p x + q, rate γ + m x), so its posterior median is
        p (γ + m x) / (the gamma(p x + q, 1) median)."""
        p, q, g = self._fitted()
        x = summary["frequency"].to_numpy(float)
        m = np.where(x > 0, np.maximum(summary["monetary"].to_numpy(float), 0.0), 0.0)
        shape, rate = p * x + q, g + m * x
        divisor = shape - 1
        infinite = shape <= 1
        if infinite.any():
            divisor[infinite] = gammaincinv(shape[infinite], 0.5)
        return rate * p / divisor

    def population_mean(self) -> float:
        """E[M] = p γ / (q − 1) for a new customer (infinite when q ≤ 1)."""
        p, q, g = self._fitted()
        return p * g / (q - 1) if q > 1 else np.inf
