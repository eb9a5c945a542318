"""Shared fitting machinery: compress the customer table, maximise the weighted log-likelihood on
log parameters with bounds, check the result, standard errors from the Hessian.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize

from custval.errors import DataError, examples

LOG_BOUNDS = (-12.0, 12.0)  # parameters between 6e-6 and 1.6e5
WARM_START_ROWS = 20_000


class FitError(DataError):
    """A model could not be fitted to the data (the message says why)."""


def check_summary(model: str, summary: pd.DataFrame, columns=("frequency", "recency", "T")) -> None:
    """Raise ``DataError`` for rows no model can explain (negative counts, recency outside [0, T])."""
    x, tx, T = (_floats(summary[c]) for c in columns)
    with np.errstate(invalid="ignore"):
        fine = np.isfinite(x + tx + T) & (x >= 0) & (tx >= 0) & (tx <= T) & ((x > 0) | (tx == 0))
    if fine.all():  # one cheap pass for the usual case; the details only when something is wrong
        return
    problems = [
        (~np.isfinite(x) | ~np.isfinite(tx) | ~np.isfinite(T), "missing or non-numeric values"),
        (x < 0, f"negative {columns[0]}"),
        (T < 0, f"negative {columns[2]}"),
        ((tx < 0) | (tx > T), f"{columns[1]} outside [0, {columns[2]}]"),
        ((x == 0) & (tx != 0), f"{columns[1]} > 0 with {columns[0]} 0"),
    ]
    for bad, what in problems:
        if bad.any():
            rows = summary.index[bad]
            raise DataError(f"{model}: {int(bad.sum())} row(s) with {what}, e.g. row(s) {examples(rows)}")


def _floats(column: pd.Series) -> np.ndarray:
    """A column as floats; text that is not a number becomes NaN."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=float)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)


def check_repeat_buyers(model: str, summary: pd.DataFrame) -> None:
    """Raise ``FitError`` when nobody bought twice: purchase and dropout rates are then not identified."""
    if not (_floats(summary["frequency"]) > 0).any():
        raise FitError(f"{model}: no customer has a repeat purchase (frequency > 0 for none of "
                       f"{len(summary):,} customers), so the purchase and dropout rates cannot be estimated")  # fmt: skip


def compress(summary: pd.DataFrame, columns, weights=None) -> dict:
    """Distinct rows of ``columns`` with their total weight: the likelihood only needs those.

    Each column also gets its distinct values (``<c>_values``) and every row's position among
    them (``<c>_index``), so that functions of one column are evaluated once per distinct value.
    """
    w = np.ones(len(summary)) if weights is None else np.asarray(weights, dtype=float)
    if len(w) != len(summary):
        raise ValueError(f"weights has {len(w)} values for {len(summary)} rows")
    codes, uniques = [], []
    for c in columns:
        code, values = pd.factorize(summary[c].to_numpy(dtype=float))  # hashing beats sorting here
        uniques.append(np.asarray(values))
        codes.append(code.astype(np.int64))
    key = codes[0]
    for code, values in zip(codes[1:], uniques[1:]):
        key = key * len(values) + code
    inverse, distinct_keys = pd.factorize(key)
    first = np.full(len(distinct_keys), -1, dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(key) - 1, -1, -1)
    weight = np.bincount(inverse, weights=w, minlength=len(distinct_keys))
    data = {"weight": weight}
    for c, code, values in zip(columns, codes, uniques):
        data[f"{c}_index"] = code[first]
        data[f"{c}_values"] = values
        data[c] = values[data[f"{c}_index"]]
    return data


def _subset(data: dict, rows: int) -> dict:
    """A seeded random subset of compressed rows, weights rescaled to the same total."""
    chosen = np.sort(np.random.default_rng(0).choice(len(data["weight"]), size=rows, replace=False))
    part = {k: (v[chosen] if len(v) == len(data["weight"]) and not k.endswith("_values") else v) for k, v in data.items()}
    part["weight"] = part["weight"] * data["weight"].sum() / part["weight"].sum()
    return part


class Model:
    """Base class: subclasses define ``names``, ``columns``, ``initial`` and ``_loglik(params, data)``
    (per distinct row), and for an analytic gradient ``gradient = True`` with either
    ``_gradient(params, data)`` (of the weighted total w.r.t. params) or their own ``_total``.
    """

    names: tuple = ()
    columns: tuple = ()
    initial: tuple = ()
    gradient = False  # True when _total returns the analytic gradient

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    # ----------------------------------------------------------------- fitting

    def fit(self, summary: pd.DataFrame, weights=None, initial=None):
        """Maximum-likelihood fit on the summary's distinct rows; returns ``self``.

        With many distinct rows the optimiser first runs on a seeded random subset of
        ``WARM_START_ROWS`` rows (weights rescaled) and then finishes on all of them, so the full,
        exact likelihood is only evaluated near its optimum.
        """
        self._check(summary)
        data = compress(summary, self.columns, weights)
        self.n_customers_ = float(data["weight"].sum())
        self.n_rows_ = len(data["weight"])
        start = np.log(np.asarray(initial if initial is not None else self.initial, dtype=float))
        if self.n_rows_ > 2 * WARM_START_ROWS:
            start = self._optimise(_subset(data, WARM_START_ROWS), start).x
        result = self._optimise(data, start)
        params = np.exp(result.x)
        total = float(np.dot(data["weight"], self._loglik(params, data)))
        if not np.isfinite(total) or not np.all(np.isfinite(params)):
            raise FitError(f"{type(self).__name__}: the likelihood is not finite at the optimum; "
                           "check the summary for impossible rows (recency > T, negative values)")  # fmt: skip
        at_bound = [n for n, z in zip(self.names, result.x) if min(abs(z - b) for b in LOG_BOUNDS) < 1e-6]
        if at_bound:
            raise FitError(f"{type(self).__name__}: parameter(s) {', '.join(at_bound)} ran to the edge of the "
                           "allowed range; the data do not identify the model (too few repeat buyers?)")  # fmt: skip
        if not result.success and "ABNORMAL" not in str(result.message).upper():
            raise FitError(f"{type(self).__name__}: the optimiser did not converge ({result.message})")
        self.params_ = dict(zip(self.names, params.tolist()))
        self.log_likelihood_ = total
        self._fit_state = (data, result.x)
        self._standard_errors_cache = None
        return self

    @property
    def standard_errors_(self) -> dict:
        """Standard errors from the Hessian of the log-likelihood (computed on first use)."""
        if getattr(self, "_standard_errors_cache", None) is None:
            self._fitted()
            data, log_params = self._fit_state
            self._standard_errors_cache = self._standard_errors(log_params, self._objective(data))
        return self._standard_errors_cache

    def _objective(self, data):
        """Mean negative log-likelihood on log parameters, with its gradient when analytic."""
        n = float(data["weight"].sum())

        def objective(log_params):
            params = np.exp(log_params)
            total, grad = self._total(params, data)
            value = -total / n + self.penalizer * np.sum(params**2)
            if not np.isfinite(value):
                return np.inf, np.zeros_like(log_params)
            if grad is None:
                return value, None
            grad = -grad / n + 2 * self.penalizer * params
            return value, grad * params  # chain rule for log parameters

        return objective

    def _optimise(self, data, start):
        objective = self._objective(data)
        return optimize.minimize(
            objective if self.gradient else (lambda z: objective(z)[0]),
            start, jac=self.gradient, method="L-BFGS-B", bounds=[LOG_BOUNDS] * len(start),
            options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9},
        )  # fmt: skip

    def _total(self, params, data):
        """Weighted log-likelihood and its gradient (None when the model has no analytic one)."""
        total = float(np.dot(data["weight"], self._loglik(params, data)))
        return total, (self._gradient(params, data) if self.gradient else None)

    def _standard_errors(self, log_params, objective) -> dict:
        """Delta-method standard errors from a finite-difference Hessian on the log scale."""
        k = len(log_params)
        step = 1e-5
        hessian = np.zeros((k, k))
        for j in range(k):
            shift = np.zeros(k)
            shift[j] = step
            if self.gradient:
                up, down = objective(log_params + shift)[1], objective(log_params - shift)[1]
                hessian[:, j] = (up - down) / (2 * step)
            else:
                for i in range(k):
                    other = np.zeros(k)
                    other[i] = step
                    f = lambda d: objective(log_params + d)[0]
                    hessian[i, j] = (f(shift + other) - f(shift - other) - f(-shift + other) + f(-shift - other)) / (4 * step**2)
        hessian = (hessian + hessian.T) / 2 * float(self._fit_state[0]["weight"].sum())
        try:
            covariance = np.linalg.inv(hessian)
        except np.linalg.LinAlgError:
            return {n: np.nan for n in self.names}
        params = np.exp(log_params)
        variance = np.clip(np.diag(covariance), 0, None)
        return dict(zip(self.names, (params * np.sqrt(variance)).tolist()))

    def _check(self, summary: pd.DataFrame) -> None:
        missing = [c for c in self.columns if c not in summary.columns]
        if missing:
            raise DataError(f"{type(self).__name__} needs the summary column(s) {', '.join(missing)}")
        if len(summary) == 0:
            raise FitError(f"{type(self).__name__}: no customers to fit")

    def _fitted(self) -> np.ndarray:
        if not hasattr(self, "params_"):
            raise ValueError(f"{type(self).__name__} is not fitted yet; call fit(summary) first")
        return np.array([self.params_[n] for n in self.names])

    def summary_table(self) -> pd.DataFrame:
        """Parameters with standard errors, and the log-likelihood in ``.attrs``."""
        self._fitted()
        table = pd.DataFrame({"parameter": self.names, "estimate": [self.params_[n] for n in self.names],
                              "standard_error": [self.standard_errors_[n] for n in self.names]})  # fmt: skip
        table.attrs["log_likelihood"] = self.log_likelihood_
        return table


def column(data, name):
    return np.asarray(data[name], dtype=float)
