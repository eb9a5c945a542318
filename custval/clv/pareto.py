"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987): Poisson purchasing at rate λ while alive, an
exponential lifetime with rate μ, gamma(r, α) heterogeneity in λ and gamma(s, β) in μ.

The likelihood follows Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and related
expressions", rewritten so that nothing cancels: integrating the death time out and integrating
by parts,

    L = Γ(r+x) α^r β^s / Γ(r) · [ (r+x) K(T; r+x+1, s) + s K(t_x; r+x, s+1) ],
    K(t; P, Q) = ∫_t^∞ (α+τ)^−P (β+τ)^−Q dτ,

a sum of two positive terms (the usual form subtracts two hypergeometric terms, A0). Each K is a
Gauss hypergeometric function, taken through Pfaff's transformation to 2F1(1, b; P+Q; −w) with
w ≥ 0, which lies in (0, 1] whichever of α and β is larger, and evaluated by its continued
fraction (scipy's hyp2f1 returns NaN or loses digits in parts of this range). The log-likelihood
is exact to about 1e-14 for heavy buyers (x in the thousands) and long histories.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln

from custval.clv.base import Model, Rows, check_repeat_buyers, check_summary, log_mean


def _hyp2f1_neg(b, c, w):
    """2F1(1, b; c; −w) for w ≥ 0 and c > max(b, 1), by Gauss's continued fraction.

    With these signs every partial numerator is positive (a Stieltjes fraction), so the modified
    Lentz recursion neither cancels nor divides by zero; it needs about 17·√w steps.
    """
    b, c, w = (np.array(v, dtype=float).ravel() for v in np.broadcast_arrays(b, c, w))
    value, C, D = np.ones(b.shape), np.ones(b.shape), np.zeros(b.shape)
    live = np.flatnonzero(w > 0)
    for j in range(1, 100_000):
        if live.size == 0:
            break
        m, bl, cl = j // 2, b[live], c[live]
        if j % 2:
            k = (bl + m) * (cl - 1 + m) / ((cl - 1 + 2 * m) * (cl + 2 * m))
        else:
            k = m * (cl - 1 - bl + m) / ((cl - 2 + 2 * m) * (cl - 1 + 2 * m))
        a = k * w[live]
        D[live] = 1.0 / (1.0 + a * D[live])
        C[live] = 1.0 + a / C[live]
        delta = C[live] * D[live]
        value[live] *= delta
        live = live[np.abs(delta - 1.0) > 1e-15]
    return 1.0 / value


def _log_tail(alpha, beta, t, P, Q):
    """log K(t; P, Q) = log ∫_t^∞ (α+τ)^−P (β+τ)^−Q dτ.

    With v = min(α, β) + τ, D = |α − β| and the exponents e_s, e_l of the smaller and larger of
    α + τ, β + τ: K = v0^−e_s (D + v0)^(1−e_l) 2F1(1, e_s; e_s+e_l; −D/v0) / (e_s+e_l−1). When
    D/v0 is large the continued fraction would be slow, so the stretch up to v1 = D/W1 is taken
    by the binomial series of (D + v)^−e_l, which converges at least as fast as 16^−k there.
    """
    shape = np.broadcast(t, P, Q).shape
    t, P, Q = (np.broadcast_to(np.asarray(v, dtype=float), shape).ravel() for v in (t, P, Q))
    small, e_s, e_l = (beta, Q, P) if alpha >= beta else (alpha, P, Q)
    D, lam = abs(alpha - beta), P + Q - 1
    v0 = small + t
    w = D / v0
    w1 = np.maximum(256.0, 16.0 * (e_l + 1.0))
    split = w > w1
    v_far = np.where(split, D / w1, v0)  # where the continued fraction takes over
    out = (
        -e_s * np.log(v_far)
        + (1 - e_l) * np.log(D + v_far)
        - np.log(lam)
        + np.log(_hyp2f1_neg(e_s, lam + 1, np.where(split, w1, w)))
    )
    if split.any():
        i = np.flatnonzero(split)
        out[i] = np.logaddexp(out[i], _log_near(D, v0[i], v_far[i], e_s[i], e_l[i]))
    return out.reshape(shape)


def _log_near(D, v0, v1, e_s, e_l, terms=16):
    """log ∫_v0^v1 v^−e_s (D + v)^−e_l dv for v1 ≤ D / (16 max(e_l, 1)), by the binomial series."""
    L = np.log(v1 / v0)
    k = np.arange(terms)[:, None]
    m = k - e_s + 1  # ∫ v^(m−1) dv = v0^m (e^(mL) − 1)/m, written without cancellation
    log_int = m * np.log(v0) + np.maximum(m, 0) * L + np.log(_shrunk(np.abs(m), L))
    log_terms = gammaln(e_l + k) - gammaln(e_l) - gammaln(k + 1) - k * np.log(D) + log_int
    signs = np.where(k % 2 == 0, 1.0, -1.0)
    ratio = np.sum(signs * np.exp(log_terms - log_terms[0]), axis=0)
    return -e_l * np.log(D) + log_terms[0] + np.log(ratio)


class ParetoNBD(Model):
    """Pareto/NBD on a summary with ``frequency`` (repeat purchases), ``recency`` and ``T``.

    The gradient is not analytic (the hypergeometric terms' derivatives in r and s have no closed
    form): the optimiser uses finite differences, four more likelihood evaluations per step; CDNOW
    (2,357 customers) fits in about 0.5 s, 100,000 simulated customers in about 5 s.

    α and β are times, in the summary's unit; ``unit_`` is that unit (``summary.attrs["unit"]``, set
    by ``custval.summarize``; None for a summary without one).
    """

    names = ("r", "alpha", "s", "beta")
    columns = ("frequency", "recency", "T")
    initial = (1.0, 1.0, 1.0, 1.0)
    derivatives = 0
    records_unit = True

    def _log_scale(self, data: Rows) -> np.ndarray:
        """α (r/α is the mean purchase rate) is measured in units of the mean time between repeat
        purchases, total recency / total frequency; β (s/β is the mean dropout rate) in units of
        the mean T."""
        return np.array([0.0, log_mean(data, "recency", per="frequency"), 0.0, log_mean(data, "T")])

    def _check_rows(self, summary: pd.DataFrame) -> None:
        check_summary(type(self).__name__, summary)

    def _check(self, summary: pd.DataFrame) -> None:
        super()._check(summary)
        check_repeat_buyers(type(self).__name__, summary)

    @staticmethod
    def _terms(params, data):
        """log of the constant, of the 'alive at T' term and of the 'died after t_x' term."""
        r, alpha, s, beta = params
        ux = data.distinct("frequency")
        x = ux[data.positions("frequency")]
        T, tx = data["T"], data["recency"]
        const = (gammaln(r + ux) - gammaln(r))[data.positions("frequency")] + r * np.log(alpha) + s * np.log(beta)
        alive = np.log(r + x) + _log_tail(alpha, beta, T, r + x + 1, s)
        dead = np.log(s) + _log_tail(alpha, beta, tx, r + x, s + 1)
        return const, alive, dead

    def _loglik(self, params, data):
        const, alive, dead = self._terms(params, data)
        return const + np.logaddexp(alive, dead)

    # ----------------------------------------------------------------- predictions

    def p_alive(self, summary: pd.DataFrame) -> np.ndarray:
        """P(still alive at T | x, t_x, T)."""
        params = self._fitted()
        r, alpha, s, beta = params
        data = self._rows(summary)
        x, T = data["frequency"], data["T"]
        _, alive, dead = self._terms(params, data)
        # the 'alive at T' part of the likelihood, Γ(r+x)α^r β^s/Γ(r) (α+T)^−(r+x) (β+T)^−s
        log_alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        # ≤ 1 exactly (equal when t_x = T); the minimum only removes rounding
        return np.minimum(np.exp(log_alive - np.logaddexp(alive, dead)), 1.0)

    def expected_purchases(self, t, summary: pd.DataFrame) -> np.ndarray:
        """E[purchases in (T, T + t] | x, t_x, T], per customer (t in the summary's unit)."""
        r, alpha, s, beta = self._fitted()
        data = self._rows(summary)
        x, T = data["frequency"], data["T"]
        # E[Y(t) | alive] = (r+x)/(α+T) · (β+T)/(s−1) · [1 − ((β+T)/(β+T+t))^(s−1)]
        horizon = np.log1p(np.asarray(t, dtype=float) / (beta + T))
        if_alive = (r + x) / (alpha + T) * (beta + T) * _shrunk(s - 1, horizon)
        return if_alive * self.p_alive(summary)

    def expected_purchases_population(self, t) -> np.ndarray:
        """E[X(t)]: expected purchases of a new customer in (0, t]."""
        r, alpha, s, beta = self._fitted()
        t = np.asarray(t, dtype=float)
        return r * beta / alpha * _shrunk(s - 1, np.log1p(t / beta))

    def simulate(self, n: int, T: float, random_state=0) -> pd.DataFrame:
        """Draw a summary of ``n`` customers observed for ``T`` from the fitted (or set) parameters."""
        rng = np.random.default_rng(random_state)
        r, alpha, s, beta = self._fitted()
        lam = rng.gamma(r, 1 / alpha, n)
        mu = rng.gamma(s, 1 / beta, n)
        active = np.minimum(rng.exponential(1 / mu), T)
        x = rng.poisson(lam * active)
        # the last of x uniform purchase times on (0, active) is active · U^(1/x)
        tx = np.where(x > 0, active * rng.random(n) ** (1 / np.maximum(x, 1)), 0.0)
        return pd.DataFrame({"frequency": x, "recency": tx, "T": np.full(n, float(T))})


def _shrunk(k, u):
    """(1 − e^(−k u)) / k, with its limit u at k = 0."""
    k = np.asarray(k, dtype=float)
    safe = np.where(k == 0, 1.0, k)
    return np.where(k == 0, u, -np.expm1(-k * u) / safe)
