"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): Poisson purchasing
while alive, a geometric chance p of dropping out after each purchase, r, α gamma heterogeneity in
the purchase rate and a, b beta heterogeneity in p. Everything is computed in log space.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from custval.clv.base import PARALLEL_ROWS, Model, Rows, _dot, _pool, check_repeat_buyers, check_summary, log_mean
from custval.engines import cores


def _pieces(data: Rows) -> dict:
    """Parameter-free pieces of the BG/NBD likelihood: per-x and per-T weight totals, and the rows
    with repeat purchases grouped by x."""
    ux, uT, utx = (data.distinct(c) for c in ("frequency", "T", "recency"))
    x_idx, t_idx, tx_idx = (np.asarray(data.positions(c)) for c in ("frequency", "T", "recency"))
    w = np.asarray(data.weight, dtype=float)
    x = ux[x_idx]
    prep = {
        "ux": ux,
        "uT": uT,
        "utx": utx,
        "n": float(w.sum()),
        "w_x": np.bincount(x_idx, weights=w, minlength=len(ux)),
        "w_T": np.bincount(t_idx, weights=w, minlength=len(uT)),
        "wx_T": np.bincount(t_idx, weights=w * x, minlength=len(uT)),
    }
    if len(x_idx) < 2 or np.all(x_idx[1:] >= x_idx[:-1]):  # sorted by x (compress): a slice
        repeat = slice(int(np.searchsorted(x, 0.0, side="right")) if np.all(ux >= 0) else 0, None)
        if np.any(x[repeat] <= 0):
            repeat = np.flatnonzero(x > 0)
    else:
        repeat = np.flatnonzero(x > 0)
        repeat = repeat[np.argsort(x_idx[repeat], kind="stable")]  # group the rows by x
    rx_idx = x_idx[repeat]
    rows = {
        "x": x[repeat],
        "w": w[repeat],
        "T_index": t_idx[repeat],
        "recency_index": tx_idx[repeat],
        "x_index": rx_idx,
    }
    prep["chunks"] = [_grouped(rows, part) for part in _halves(rx_idx)]
    return prep


def _halves(x_index: np.ndarray) -> list[slice]:
    """Row ranges for the parallel part of the likelihood: two halves split where x changes, so
    each holds whole groups of equal x; one range for small data (threads would not pay)."""
    n = len(x_index)
    if n < PARALLEL_ROWS or cores() < 2:
        return [slice(0, n)]
    cut = int(np.searchsorted(x_index, x_index[n // 2]))
    cut = cut if cut > 0 else int(np.searchsorted(x_index, x_index[n // 2], side="right"))
    return [slice(0, cut), slice(cut, n)] if 0 < cut < n else [slice(0, n)]


def _grouped(rows: dict, part: slice) -> dict:
    """One range of repeat-purchase rows with the starts and sizes of its groups of equal x."""
    chunk = {k: v[part] for k, v in rows.items()}
    rx_idx = chunk.pop("x_index")
    starts = np.flatnonzero(np.r_[True, rx_idx[1:] != rx_idx[:-1]]) if len(rx_idx) else np.zeros(0, np.int64)
    chunk.update(n=len(rx_idx), x_starts=starts, x_values=rx_idx[starts], x_counts=np.diff(starts, append=len(rx_idx)))
    return chunk


def _repeat_rows(rows: dict, params, log_T_u, log_tx_u, inv_T_u, inv_tx_u, ux) -> tuple:
    """The rows with repeat purchases' share of the log-likelihood and its gradient (r, α, a, b):
    log(1 + e^d) with d = log a/(b+x−1) − (r+x) log((α+t_x)/(α+T)). Plain numpy ufuncs, which
    release the GIL, so two halves of the rows run in parallel threads."""
    if not rows["n"]:
        return 0.0, 0.0, 0.0, 0.0, 0.0
    r, _, a, b = params
    x, w, t_idx, tx_idx = rows["x"], rows["w"], rows["T_index"], rows["recency_index"]
    ux_rep = ux[rows["x_values"]]
    log_ratio = log_tx_u[tx_idx]
    log_ratio -= log_T_u[t_idx]  # log((α+t_x)/(α+T)) ≤ 0
    r_x = x + r
    d = r_x * log_ratio
    np.subtract(np.repeat(np.log(a) - np.log(b + ux_rep - 1), rows["x_counts"]), d, out=d)
    # log(1 + e^d) = max(d, 0) + log(1 + e^−|d|), with plain SIMD ufuncs (no overflow)
    soft = np.abs(d)
    np.negative(soft, out=soft)
    np.exp(soft, out=soft)
    soft += 1.0
    np.log(soft, out=soft)
    soft += np.maximum(d, 0.0)
    total = _dot(w, soft)
    w3 = np.subtract(d, soft, out=d)
    np.exp(w3, out=w3)  # e^d / (1 + e^d): the weight of the 'dropped out at t_x' term
    w3 *= w
    d_r = -_dot(w3, log_ratio)
    inv = inv_tx_u[tx_idx]
    inv -= inv_T_u[t_idx]
    inv *= r_x
    d_alpha = -_dot(w3, inv)
    w3_x = np.add.reduceat(w3, rows["x_starts"])
    return total, d_r, d_alpha, w3_x.sum() / a, -(w3_x @ (1.0 / (b + ux_rep - 1)))


NEAR_ONE = 1e-5  # |a − 1| below which expected purchases are interpolated between a = 1 ± NEAR_ONE


def _purchases_if_alive(params, x, T, t):
    """E[purchases in (T, T + t] | alive at T, x purchases]. The formula divides 0 by 0 at a = 1
    (a removable singularity) and loses digits near it, so within ``NEAR_ONE`` of a = 1 it is
    interpolated linearly between a = 1 ± NEAR_ONE (relative error below about 1e-8)."""
    r, alpha, a, b = params
    if abs(a - 1) >= NEAR_ONE:
        return _purchases_if_alive_formula(r, alpha, a, b, x, T, t)
    low, high = (_purchases_if_alive_formula(r, alpha, 1 + side * NEAR_ONE, b, x, T, t) for side in (-1, 1))
    return low + (a - 1 + NEAR_ONE) / (2 * NEAR_ONE) * (high - low)


def _purchases_if_alive_formula(r, alpha, a, b, x, T, t):
    """(a+b+x−1)/(a−1) · [1 − (1−z)^(a−1) 2F1(a+b−1−r, a−1; a+b+x−1; z)], z = t/(α+T+t): the
    Euler transformation of Fader, Hardie & Lee's (2005) expression, finite for heavy buyers."""
    z = t / (alpha + T + t)
    tail = (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * (1 - tail)


class BetaGeo(Model):
    """BG/NBD on a summary with ``frequency`` (repeat purchases), ``recency`` and ``T``.

    α is a time, in the summary's unit; ``unit_`` is that unit (``summary.attrs["unit"]``, set by
    ``custval.summarize``; None for a summary without one).
    """

    names = ("r", "alpha", "a", "b")
    columns = ("frequency", "recency", "T")
    initial = (1.0, 1.0, 1.0, 1.0)
    derivatives = 1
    records_unit = True

    def _log_scale(self, data: Rows) -> np.ndarray:
        """α (r/α is the mean purchase rate) is measured in units of the mean time between repeat
        purchases, total recency / total frequency."""
        return np.array([0.0, log_mean(data, "recency", per="frequency"), 0.0, 0.0])

    def _check_rows(self, summary: pd.DataFrame) -> None:
        """Impossible rows (recency outside [0, T], negative or missing values) are errors that say
        so, not a fit that drifts to a bound."""
        check_summary(type(self).__name__, summary)

    def _check(self, summary: pd.DataFrame) -> None:
        """A summary without any repeat buyer is an error too."""
        super()._check(summary)
        check_repeat_buyers(type(self).__name__, summary)

    def _prepare(self, data: Rows) -> dict:
        return _pieces(data)

    @staticmethod
    def _parts(params, data):
        """The likelihood's pieces; functions of x alone are evaluated once per distinct x and
        logs of α + T and α + t_x once per distinct T and t_x (the hot path of large fits)."""
        r, alpha, a, b = params
        ux = data.distinct("frequency")
        repeat_u = ux > 0
        bx_u = np.where(repeat_u, b + ux - 1, 1.0)
        per_x = {
            "a1": gammaln(r + ux) - gammaln(r) + r * np.log(alpha),
            "b2": betaln(a, b + ux) - betaln(a, b),
            "b3": np.where(repeat_u, betaln(a + 1, bx_u) - betaln(a, b), -np.inf),
        }
        x_idx = data.positions("frequency")
        x = ux[x_idx]
        log_T = np.log(alpha + data.distinct("T"))[data.positions("T")]
        log_tx = np.log(alpha + data.distinct("recency"))[data.positions("recency")]
        a2 = per_x["b2"][x_idx] - (r + x) * log_T
        a3 = per_x["b3"][x_idx] - (r + x) * log_tx
        return ux, x_idx, x, log_T, log_tx, per_x, a2, a3

    def _loglik(self, params, data):
        _, x_idx, _, _, _, per_x, a2, a3 = self._parts(params, data)
        return per_x["a1"][x_idx] + np.logaddexp(a2, a3)

    def _total(self, params, data):
        """Weighted log-likelihood and its gradient.

        Per row, ℓ = a1(x) + a2 + log(1 + e^d) with a2 = log B(a, b+x)/B(a, b) − (r+x) log(α+T) and
        d = a3 − a2 = log a − log(b+x−1) − (r+x) log((α+t_x)/(α+T)) (d = −∞ for x = 0). The sums of
        a1 and a2 and of their derivatives need only per-x and per-T totals of the weights, fixed
        before the fit (``_pieces``); only d, log(1 + e^d) and its logistic run over the rows,
        and only over the rows with repeat purchases.
        """
        r, alpha, a, b = params
        prep = self._prepared(data)
        ux, uT, utx = prep["ux"], prep["uT"], prep["utx"]
        log_T_u, log_tx_u = np.log(alpha + uT), np.log(alpha + utx)
        inv_T_u, inv_tx_u = 1.0 / (alpha + uT), 1.0 / (alpha + utx)
        lgamma_ab = betaln(a, b)
        # per distinct x
        a1 = gammaln(r + ux) - gammaln(r) + r * np.log(alpha)
        b2 = betaln(a, b + ux) - lgamma_ab
        common = digamma(a + b) - digamma(a + b + ux)
        d_b2 = common + digamma(b + ux) - digamma(b)
        # per distinct T (rows with and without repeat purchases)
        r_w_T = r * prep["w_T"] + prep["wx_T"]  # Σ w (r + x) per distinct T
        W_x = prep["w_x"]
        total = W_x @ (a1 + b2) - r_w_T @ log_T_u
        d_r = W_x @ (digamma(r + ux) - digamma(r) + np.log(alpha)) - prep["w_T"] @ log_T_u
        d_alpha = prep["n"] * r / alpha - r_w_T @ inv_T_u
        d_a = W_x @ common
        d_b = W_x @ d_b2
        per_x = (log_T_u, log_tx_u, inv_T_u, inv_tx_u, ux)
        chunks = prep["chunks"]
        if len(chunks) > 1:
            parts = list(_pool().map(lambda chunk: _repeat_rows(chunk, params, *per_x), chunks))
        else:
            parts = [_repeat_rows(chunk, params, *per_x) for chunk in chunks]
        for part in parts:  # added in a fixed order: the same result every run
            total += part[0]
            d_r, d_alpha, d_a, d_b = d_r + part[1], d_alpha + part[2], d_a + part[3], d_b + part[4]
        return float(total), np.array([d_r, d_alpha, d_a, d_b])

    # ----------------------------------------------------------------- predictions

    def p_alive(self, summary: pd.DataFrame) -> np.ndarray:
        """P(still alive at T | x, t_x, T)."""
        r, alpha, a, b = self._fitted()
        x, tx, T = (summary[c].to_numpy(float) for c in self.columns)
        repeat = x > 0
        log_odds = (
            np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        )
        return np.where(repeat, expit(-log_odds), 1.0)

    def expected_purchases(self, t, summary: pd.DataFrame) -> np.ndarray:
        """E[purchases in (T, T + t] | x, t_x, T], per customer (t in the summary's unit)."""
        x, T = summary["frequency"].to_numpy(float), summary["T"].to_numpy(float)
        return _purchases_if_alive(self._fitted(), x, T, t) * self.p_alive(summary)

    def expected_purchases_population(self, t) -> np.ndarray:
        """E[X(t)]: expected purchases of a new customer in (0, t] (alive, with x = 0, at T = 0)."""
        t = np.asarray(t, dtype=float)
        return _purchases_if_alive(self._fitted(), 0.0, 0.0, t)

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
