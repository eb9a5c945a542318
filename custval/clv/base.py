"""The model contract and the shared fitting machinery: :class:`Model` (what a likelihood model
provides and what it gets), :class:`Rows` (the rows a likelihood is evaluated on, made by
:func:`compress`), maximising the weighted log-likelihood on log parameters with bounds, checking
the result, standard errors from the Hessian.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

from custval.errors import DataError, FitError, MissingColumnError, NotFittedError, examples

LOG_BOUNDS = (-12.0, 12.0)  # parameters between 6e-6 and 1.6e5 times their unit (``Model._log_scale``)
# largest |gradient component| of the mean objective (per customer, on log parameters) at which a
# stalled line search counts as converged (the fits of the tests' data end below 2e-7)
GRADIENT_TOLERANCE = 1e-5
WARM_START_ROWS = 20_000  # customers in the warm-start sample of large fits
REFINE_TOLERANCE = 1e-7  # largest change of a log parameter at which the full-data steps stop


_BLAS = {"depth": 0, "limit": None, "lock": threading.Lock()}


@contextlib.contextmanager
def _one_blas_thread():
    """BLAS on one thread while fits run. L-BFGS-B makes many tiny BLAS calls, and waking
    OpenBLAS's thread pool for each costs milliseconds on a busy 2-core machine (a 20k-row warm
    start took 160 ms instead of 22 ms). Re-entrant and thread-safe: fits running side by side
    share one limit, lifted when the last of them ends. threadpoolctl comes with scikit-learn;
    without it nothing is limited."""
    with _BLAS["lock"]:
        if _BLAS["depth"] == 0:
            _BLAS["limit"] = _blas_limit()
        _BLAS["depth"] += 1
    try:
        yield
    finally:
        with _BLAS["lock"]:
            _BLAS["depth"] -= 1
            if _BLAS["depth"] == 0 and _BLAS["limit"] is not None:
                _BLAS["limit"].restore_original_limits()
                _BLAS["limit"] = None


def _blas_limit():
    """Limit BLAS to one thread; the limiter restores the original limits (None: no threadpoolctl)."""
    if "controller" not in _BLAS:  # inspecting the loaded libraries is slow: once per process
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS["controller"] = ThreadpoolController()
        except ImportError:  # pragma: no cover - optional: only speed depends on it
            _BLAS["controller"] = None
    controller = _BLAS["controller"]
    return None if controller is None else controller.limit(limits=1, user_api="blas")


def check_summary(model: str, summary: pd.DataFrame, columns=("frequency", "recency", "T")) -> None:
    """Raise ``DataError`` for rows no model can explain (negative counts, recency outside [0, T])."""
    x, tx, T = (_floats(summary[c]) for c in columns)
    if _all_fine(x, tx, T):  # a few cheap reductions for the usual case; the details only when something is wrong
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


def _all_fine(x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> bool:
    """Whether every row has finite x, t_x, T with x ≥ 0, 0 ≤ t_x ≤ T and t_x = 0 when x = 0
    (reductions only: a NaN makes a minimum NaN, and every comparison with NaN is false)."""
    if not len(x):
        return True
    with np.errstate(invalid="ignore"):
        return bool(
            x.min() >= 0
            and x.max() < np.inf
            and tx.min() >= 0
            and T.max() < np.inf
            and (T - tx).min() >= 0
            and (tx * (x == 0)).max() == 0
        )


def _floats(column: pd.Series) -> np.ndarray:
    """A column as floats; text that is not a number becomes NaN."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=float)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)


def check_repeat_buyers(model: str, summary: pd.DataFrame) -> None:
    """Raise ``FitError`` when nobody bought twice: purchase and dropout rates are then not identified."""
    if not (_floats(summary["frequency"]) > 0).any():
        raise FitError(
            f"{model}: no customer has a repeat purchase (frequency > 0 for none of "
            f"{len(summary):,} customers), so the purchase and dropout rates cannot be estimated"
        )


@dataclass(eq=False)
class Rows:
    """The rows a likelihood is evaluated on: ``weight`` (customers per row) and ``columns`` (each
    row's value of each column, floats; ``rows[name]`` reads one). A compressed column also has its
    distinct values in increasing order (``values``) and every row's position among them
    (``index``), so that functions of one column are evaluated once per distinct value.
    ``prepared`` keeps what a model computes once per data set, by model class (``Model._prepared``).
    """

    weight: np.ndarray
    columns: dict[str, np.ndarray]
    values: dict[str, np.ndarray] = field(default_factory=dict)
    index: dict[str, np.ndarray] = field(default_factory=dict)
    prepared: dict = field(default_factory=dict, repr=False)

    @classmethod
    def every(cls, frame, columns) -> Rows:
        """One row of weight 1 per row of ``frame`` (a DataFrame or a dict of arrays), not compressed."""
        values = {c: np.asarray(frame[c], dtype=float) for c in columns}
        return cls(weight=np.ones(len(values[columns[0]]) if columns else 0), columns=values)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def distinct(self, name: str) -> np.ndarray:
        """The column's distinct values (the column itself when it is not compressed)."""
        return self.values[name] if name in self.values else self.columns[name]

    def positions(self, name: str) -> np.ndarray:
        """Each row's position in ``distinct(name)``."""
        return self.index[name] if name in self.index else np.arange(len(self.columns[name]))


def compress(summary: pd.DataFrame, columns, weights=None) -> Rows:
    """Distinct rows of ``columns`` with their total weight: the likelihood only needs those.

    Every column gets its distinct values (``Rows.values``) and every row's position among them
    (``Rows.index``). The distinct rows come sorted, the first column varying slowest (so rows
    with the same frequency are contiguous).

    The columns are packed into one integer key (small non-negative integers such as counts and
    days as they are, anything else by its rank among the column's values), and one sort of
    that key finds the distinct rows: faster than hashing the float columns.
    """
    n = len(summary)
    w = None if weights is None else np.asarray(weights, dtype=float)
    if w is not None and len(w) != n:
        raise ValueError(f"weights has {len(w)} values for {n} rows")
    parts = [_key_part(summary[c]) for c in columns]  # (ints or codes, distinct values or None)
    widths = [max(int(p.max()) if p.size else 0, 1).bit_length() for p, _ in parts]
    packed = sum(widths) <= 62
    key = parts[0][0].astype(np.int32 if sum(widths) <= 31 else np.int64)
    for (part, _), width in zip(parts[1:], widths[1:]):
        if not packed and key.size and int(key.max()).bit_length() + width > 62:
            key = np.unique(key, return_inverse=True)[1].astype(np.int64).reshape(-1)  # re-rank: stay in int64
        key = (key << width) | part
    order = None if (w is None and packed) else np.argsort(key)
    ordered = np.sort(key) if order is None else key[order]
    new = np.empty(n, dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    if w is None:
        weight = np.diff(starts, append=n).astype(float)
    else:
        weight = np.add.reduceat(w[order], starts) if n else np.zeros(0)
    if packed:  # unpack the distinct keys
        rest, distinct = ordered[starts], {}
        for c, width in zip(columns[::-1], widths[::-1]):
            distinct[c] = rest & ((1 << width) - 1)
            rest = rest >> width
    else:
        first = order[starts]
        distinct = {c: part[first] for c, (part, _) in zip(columns, parts)}
    rows = Rows(weight=weight, columns={})
    for c, (_, values) in zip(columns, parts):
        rows.index[c], rows.values[c] = _positions(distinct[c], values)
        rows.columns[c] = rows.values[c][rows.index[c]]
    return rows


def _codes(values: np.ndarray):
    """(each value's position among the distinct values, the distinct values in increasing order)."""
    return _positions(*_key_part(pd.Series(values, copy=False)))


def _positions(part: np.ndarray, distinct):
    """A key part (see ``_key_part``) as (positions among the distinct values, the distinct values);
    small integers (``distinct`` None) are ranked through a lookup table."""
    if distinct is None:
        present = np.zeros(int(part.max()) + 1 if part.size else 1, dtype=bool)
        present[part] = True
        return (np.cumsum(present, dtype=np.int64) - 1)[part], np.flatnonzero(present).astype(float)
    return part.astype(np.int64, copy=False), distinct


def _key_part(column: pd.Series):
    """A column as non-negative integers for the key: (the values, None) when they are small
    non-negative integers, else (each value's rank, the distinct values in increasing order)."""
    values = column.to_numpy(dtype=float)
    if values.size:
        low, high = values.min(), values.max()
        if low >= 0 and high < 2**30:
            ints = values.astype(np.int32)
            if (ints == values).all():
                return ints, None
    code, distinct = pd.factorize(values, sort=True)
    return code.astype(np.int64), np.asarray(distinct, dtype=float)


PARALLEL_ROWS = 200_000  # rows from which a likelihood evaluation is split over two threads
_POOL = {}


def _pool() -> ThreadPoolExecutor:
    """Two threads for the halves of a large likelihood evaluation (made once, on first use)."""
    if "pool" not in _POOL:
        _POOL["pool"] = ThreadPoolExecutor(max_workers=2, thread_name_prefix="custval-fit")
    return _POOL["pool"]


def _dot(u, v) -> float:
    """u · v without BLAS (whose thread pool only contends on a busy 2-core machine)."""
    return float(np.einsum("i,i->", u, v))


def _hessian(objective, z, analytic: bool = True, step=1e-5) -> np.ndarray:
    """Symmetrised central-difference Hessian of ``objective`` at ``z``: differences of its analytic
    gradient, or (``analytic`` False) second differences of its value."""
    k = len(z)
    hessian = np.empty((k, k))
    for j in range(k):
        shift = np.zeros(k)
        shift[j] = step
        if analytic:
            hessian[:, j] = (objective(z + shift)[1] - objective(z - shift)[1]) / (2 * step)
            continue
        for i in range(k):
            other = np.zeros(k)
            other[i] = step
            f = lambda d: objective(z + d)[0]  # noqa: E731
            corners = f(shift + other) - f(shift - other) - f(-shift + other) + f(-shift - other)
            hessian[i, j] = corners / (4 * step**2)
    return (hessian + hessian.T) / 2


def _subset(data: Rows, customers: int) -> Rows:
    """A systematic sample of ``customers`` customers from the compressed rows (probability
    proportional to weight, so a heavy row is always in and the sample is spread over the rows in
    their sorted order); each sampled customer carries the weight total / customers."""
    weight = data.weight
    total = float(weight.sum())
    step = total / customers
    hits = np.searchsorted(np.cumsum(weight), (np.arange(customers) + 0.5) * step, side="right")
    rows, counts = np.unique(np.minimum(hits, len(weight) - 1), return_counts=True)
    return Rows(
        weight=counts * step,
        columns={c: v[rows] for c, v in data.columns.items()},
        values=data.values,
        index={c: v[rows] for c, v in data.index.items()},
    )


def log_mean(data: Rows, name: str, per: str | None = None) -> float:
    """log of a column's weighted mean, or with ``per`` of its weighted total per unit of that
    column (recency per purchase: the mean time between purchases): the unit a scale parameter is
    measured in (0 when that is not a positive number)."""
    weight = np.asarray(data.weight, dtype=float)
    total = _dot(weight, data[name])
    count = float(weight.sum()) if per is None else _dot(weight, data[per])
    mean = total / count if count > 0 else np.nan
    return float(np.log(mean)) if np.isfinite(mean) and mean > 0 else 0.0


DERIVATIVES = {
    1: "the analytic gradient: _gradient(params, data), or its own _total(params, data) returning (total, gradient)",
    2: "the analytic Hessian too: _total_hessian(params, data) returning (total, gradient, Hessian)",
}


class Model(ABC):
    """Base class of the likelihood models (BG/NBD, Pareto/NBD, BG/BB, sBG, Gamma-Gamma).

    A model provides (checked when the class is defined, ``_loglik`` when it is instantiated):

    - ``names``: its parameters in order; ``initial``: a start value for each; ``columns``: the
      columns its likelihood reads.
    - ``_loglik(params, data)`` (required): the log-likelihood of each row of ``data`` (:class:`Rows`)
      at ``params`` (an array in the order of ``names``).
    - ``derivatives``, its one capability flag: how many derivatives of the log-likelihood it
      computes analytically. 0: the optimiser takes finite differences. 1: it defines
      ``_gradient(params, data)`` (the gradient of the weighted total ``Σ weight · _loglik``) or
      overrides ``_total(params, data)`` to return (that total, its gradient) in one pass. 2: it also
      defines ``_total_hessian(params, data)`` returning (total, gradient, Hessian), for exact Newton
      steps on large data.
    - Optionally: ``_log_scale(data)`` (the log of the unit of parameters measured in money or
      time), ``records_unit = True`` (keep the summary's time unit as ``unit_``), ``_check(summary)``
      (more checks before a fit; call ``super()._check``), ``_check_rows(summary)`` (raise
      ``DataError`` for rows the model cannot explain; run before fits and by ``_rows``),
      ``_data(summary, weights)`` (the rows to fit; by default :func:`compress`) and
      ``_prepare(data)`` (parameter-free pieces of the likelihood, read with ``_prepared(data)``,
      which computes them once per data set).

    The base class gives it ``fit(summary, weights=None, initial=None)`` (maximum likelihood on log
    parameters within bounds; on large data a warm start on a sample and Newton steps on all rows;
    ``FitError`` when the fit fails), the fitted ``params_``, ``log_likelihood_``, ``n_customers_``,
    ``n_rows_`` and ``unit_``, ``standard_errors_``, ``summary_table()``, ``_fitted()`` (the parameters
    as an array; ``NotFittedError`` before a fit) and ``_rows(summary)`` (checked rows to predict on).
    """

    names: tuple = ()
    columns: tuple = ()
    initial: tuple = ()
    derivatives = 0  # analytic derivatives of the log-likelihood: 0, 1 (gradient) or 2 (and Hessian)
    records_unit = False  # True: fit keeps summary.attrs["unit"] as unit_

    def __init_subclass__(cls, **kwargs):
        """Refuse a model class that does not provide what it declares (see the class docstring)."""
        super().__init_subclass__(**kwargs)
        problems = []
        if not cls.names or not cls.columns or len(cls.initial) != len(cls.names):
            problems.append("names, columns and initial (one start value per name) must be given")
        if cls.derivatives not in (0, 1, 2):
            problems.append(f"derivatives must be 0, 1 or 2, got {cls.derivatives!r}")
        elif cls.derivatives >= 1 and cls._gradient is Model._gradient and cls._total is Model._total:
            problems.append(f"derivatives = {cls.derivatives} needs {DERIVATIVES[1]}")
        if cls.derivatives == 2 and cls._total_hessian is Model._total_hessian:
            problems.append(f"derivatives = 2 needs {DERIVATIVES[2]}")
        if problems:
            raise TypeError(f"{cls.__name__} does not implement the model contract: {'; '.join(problems)}")

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    # ----------------------------------------------------------------- the model's part

    @abstractmethod
    def _loglik(self, params: np.ndarray, data: Rows) -> np.ndarray:
        """The log-likelihood of each row of ``data`` at ``params``."""

    def _gradient(self, params: np.ndarray, data: Rows) -> np.ndarray:
        """The gradient of the weighted log-likelihood w.r.t. ``params`` (models with ``derivatives`` ≥ 1)."""
        raise NotImplementedError(f"{type(self).__name__} has no analytic gradient")

    def _total_hessian(self, params: np.ndarray, data: Rows):
        """(weighted log-likelihood, gradient, Hessian) w.r.t. ``params`` (models with ``derivatives`` = 2)."""
        raise NotImplementedError(f"{type(self).__name__} has no analytic Hessian")

    def _prepare(self, data: Rows):
        """Parameter-free pieces of the likelihood on ``data`` (for models that read ``_prepared``)."""
        raise NotImplementedError(f"{type(self).__name__} prepares nothing")

    def _log_scale(self, data: Rows) -> np.ndarray:
        """Per parameter, the log of the unit the data measure it in (0: a pure number). The start
        point and the bounds move by it, as if the fit ran in that unit: money and time units do
        not matter."""
        return np.zeros(len(self.names))

    def _check(self, summary: pd.DataFrame) -> None:
        """Refuse a summary without the model's columns, without customers, or with rows it cannot explain."""
        missing = [c for c in self.columns if c not in summary.columns]
        if missing:
            shown = ", ".join(map(str, summary.columns))
            raise MissingColumnError(
                f"{type(self).__name__} needs the summary column(s) {', '.join(missing)}; columns: {shown}"
            )
        if len(summary) == 0:
            raise FitError(f"{type(self).__name__}: no customers to fit")
        self._check_rows(summary)

    def _check_rows(self, summary: pd.DataFrame) -> None:  # noqa: B027 - optional hook, every row fine by default
        """Raise ``DataError`` for rows the model cannot explain (by default every row is fine)."""

    def _data(self, summary: pd.DataFrame, weights=None) -> Rows:
        """The rows the likelihood is evaluated on: by default the distinct rows (``compress``)."""
        return compress(summary, self.columns, weights)

    # ----------------------------------------------------------------- what the base gives

    def _prepared(self, data: Rows):
        """``_prepare(data)``, computed on first use and kept in ``data.prepared``."""
        prep = data.prepared.get(type(self))
        if prep is None:
            prep = data.prepared[type(self)] = self._prepare(data)
        return prep

    def _rows(self, summary: pd.DataFrame) -> Rows:
        """The summary's rows, checked, to evaluate the likelihood on for predictions."""
        self._check_rows(summary)
        return Rows.every(summary, self.columns)

    def _fitted(self) -> np.ndarray:
        """The fitted (or set) parameters in the order of ``names``; ``NotFittedError`` before ``fit``."""
        if not hasattr(self, "params_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(summary) first")
        return np.array([self.params_[n] for n in self.names])

    def fit(self, summary: pd.DataFrame, weights=None, initial=None):
        """Maximum-likelihood fit on the summary's distinct rows; returns ``self``.

        With many distinct rows (and an analytic gradient) the optimiser first runs on a systematic
        sample of ``WARM_START_ROWS`` customers, and then finishes on all rows with Newton steps
        that use the sample's Hessian, updated as it goes (``_refine``): the full, exact
        likelihood is only evaluated a few times, near its optimum.
        """
        self._check(summary)
        self._fit_data(self._data(summary, weights), initial)
        if self.records_unit:
            self._record_unit(summary)
        return self

    def _record_unit(self, summary: pd.DataFrame) -> None:
        """Keep the summary's time unit (``summarize`` sets ``attrs["unit"]``; None without one), so
        that predictions for a summary in another unit can be refused."""
        self.unit_ = summary.attrs.get("unit")

    def _fit_data(self, data: Rows, initial=None):
        """``fit`` on prepared rows (see ``compress``). A given ``initial`` is in the data's units;
        the default one is moved by ``_log_scale``, as are the bounds."""
        self.n_customers_ = float(data.weight.sum())
        self.n_rows_ = len(data.weight)
        scale = self._log_scale(data)
        bounds = np.add.outer(scale, LOG_BOUNDS)  # (low, high) per log parameter
        start = np.log(np.asarray(self.initial if initial is None else initial, dtype=float))
        start = start + scale if initial is None else start
        objective = self._objective(data)
        with _one_blas_thread():
            if self.n_rows_ > 2 * WARM_START_ROWS:
                part = _subset(data, WARM_START_ROWS)
                start = self._optimise(part, start, bounds).x
                result = self._refine(objective, part, start, bounds) if self.derivatives else None
                if result is None:
                    result = self._optimise(data, start, bounds, objective)
            else:
                result = self._optimise(data, start, bounds, objective)
            params = np.exp(result.x)
            total = objective.total_at(result.x)
        if not np.isfinite(total) or not np.all(np.isfinite(params)):
            raise FitError(
                f"{type(self).__name__}: the likelihood is not finite at the optimum; "
                "check the summary for impossible rows (recency > T, negative values)"
            )
        at_bound = [n for n, z, edges in zip(self.names, result.x, bounds) if np.min(np.abs(z - edges)) < 1e-6]
        if at_bound:
            raise FitError(
                f"{type(self).__name__}: parameter(s) {', '.join(at_bound)} ran to the edge of the "
                "allowed range; the data do not identify the model (too few repeat buyers?)"
            )
        self._check_converged(result, objective)
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

    def _objective(self, data: Rows):
        """Mean negative log-likelihood on log parameters, with its gradient when analytic.

        ``objective.total_at(log_params)`` is the weighted log-likelihood there, reusing the last
        evaluation when it was at that point.
        """
        n = float(data.weight.sum())
        last = {}

        def objective(log_params):
            params = np.exp(log_params)
            total, grad = self._total(params, data)
            last.update(at=np.array(log_params, dtype=float), total=total)
            value = -total / n + self.penalizer * np.sum(params**2)
            if not np.isfinite(value):
                return np.inf, np.zeros_like(log_params)
            if grad is None:
                return value, None
            grad = -grad / n + 2 * self.penalizer * params
            return value, grad * params  # chain rule for log parameters

        def with_hessian(log_params):
            """(value, gradient, Hessian) on log parameters, for models with ``derivatives`` = 2."""
            params = np.exp(log_params)
            total, grad, hess = self._total_hessian(params, data)
            last.update(at=np.array(log_params, dtype=float), total=total)
            value = -total / n + self.penalizer * np.sum(params**2)
            if not np.isfinite(value):
                return np.inf, np.zeros_like(log_params), None
            grad = -grad / n + 2 * self.penalizer * params
            hess = -hess / n + np.diag(2 * self.penalizer * np.ones_like(params))
            # chain rule for log parameters: d²f/dz_i dz_j = p_i p_j f_ij + δ_ij p_i f_i
            return value, grad * params, hess * np.outer(params, params) + np.diag(grad * params)

        def total_at(log_params):
            if "at" not in last or not np.array_equal(last["at"], log_params):
                objective(log_params)
            return float(last["total"])

        objective.total_at = total_at
        objective.with_hessian = with_hessian
        return objective

    def _optimise(self, data, start, bounds, objective=None):
        objective = self._objective(data) if objective is None else objective
        analytic = self.derivatives >= 1
        return optimize.minimize(
            objective if analytic else (lambda z: objective(z)[0]),
            start,
            jac=analytic,
            method="L-BFGS-B",
            bounds=[tuple(b) for b in bounds],
            options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9},
        )

    def _check_converged(self, result, objective) -> None:
        """Raise ``FitError`` unless the optimiser converged. A line search that stops making progress
        (L-BFGS-B's ABNORMAL_TERMINATION_IN_LNSRCH, common at the optimum where rounding noise is
        all that is left) counts only where the gradient is below ``GRADIENT_TOLERANCE``."""
        if result.success:
            return
        message = f"{type(self).__name__}: the optimiser did not converge ({result.message})"
        if "ABNORMAL" in str(result.message).upper():
            norm = float(np.max(np.abs(self._gradient_at(objective, result.x))))
            if norm < GRADIENT_TOLERANCE:
                return
            message += (
                f"; at its last point the gradient of the mean log-likelihood on the log parameters "
                f"is {norm:.2g} (largest component), above the {GRADIENT_TOLERANCE:g} taken as converged"
            )
        raise FitError(message)

    def _gradient_at(self, objective, z, step=1e-6) -> np.ndarray:
        """The objective's gradient at ``z``: analytic, or by central differences."""
        z = np.asarray(z, dtype=float)
        if self.derivatives:
            return np.asarray(objective(z)[1], dtype=float)
        shifts = np.eye(len(z)) * step
        return np.array([(objective(z + e)[0] - objective(z - e)[0]) / (2 * step) for e in shifts])

    def _refine(self, objective, part, start, bounds, tolerance=REFINE_TOLERANCE, max_steps=50):
        """Minimise the full-data ``objective`` from ``start`` (the optimum on the sample ``part``)
        by Newton steps: with the exact Hessian for models with ``derivatives`` = 2, else with
        the sample's finite-difference Hessian, BFGS-updated after each step.

        Stops when the next step changes no log parameter by more than ``tolerance`` and returns
        the last evaluated point; returns None (the caller then runs L-BFGS-B) if a step leaves the
        bounds or fails to decrease the objective.
        """
        exact = self.derivatives == 2
        evaluate = objective.with_hessian if exact else (lambda z: (*objective(z), None))
        z = np.asarray(start, dtype=float)
        value, grad, hessian = evaluate(z)
        if not exact:
            hessian = _hessian(self._objective(part), z)
        for step_count in range(max_steps):
            finite = np.isfinite(value) and np.all(np.isfinite(grad))
            if hessian is None or not (finite and np.all(np.isfinite(hessian))):
                return None
            try:
                step = -np.linalg.solve(hessian, grad)
            except np.linalg.LinAlgError:
                return None
            slope = float(grad @ step)
            if not np.all(np.isfinite(step)) or slope >= 0:
                return None
            if np.max(np.abs(step)) <= tolerance:
                return optimize.OptimizeResult(
                    x=z, fun=value, jac=grad, success=True, nit=step_count, message="Newton steps converged"
                )
            length = 1.0
            while True:
                trial = z + length * step
                if np.any(trial <= bounds[:, 0]) or np.any(trial >= bounds[:, 1]):
                    return None
                new_value, new_grad, new_hessian = evaluate(trial)
                if new_value <= value + 1e-4 * length * slope + 1e-15 * abs(value):
                    break
                length /= 2
                if length < 1e-3:
                    return None
            if not exact:  # BFGS update of the sample's Hessian
                s, y = trial - z, new_grad - grad
                if s @ y > 1e-12 * np.sqrt((s @ s) * (y @ y)):
                    hs = hessian @ s
                    new_hessian = hessian + np.outer(y, y) / (y @ s) - np.outer(hs, hs) / (s @ hs)
                else:
                    new_hessian = hessian
            z, value, grad, hessian = trial, new_value, new_grad, new_hessian
        return None

    def _total(self, params, data: Rows):
        """Weighted log-likelihood and its gradient (None when the model has no analytic one)."""
        total = float(np.dot(data.weight, self._loglik(params, data)))
        return total, (self._gradient(params, data) if self.derivatives else None)

    def _standard_errors(self, log_params, objective) -> dict:
        """Delta-method standard errors from a finite-difference Hessian on the log scale."""
        customers = float(self._fit_state[0].weight.sum())
        hessian = _hessian(objective, log_params, analytic=self.derivatives >= 1) * customers
        try:
            covariance = np.linalg.inv(hessian)
        except np.linalg.LinAlgError:
            covariance = None
        variance = None if covariance is None else np.diag(covariance)
        if variance is None or not np.all(np.isfinite(variance)) or np.any(variance <= 0):
            warnings.warn(
                f"{type(self).__name__}: the log-likelihood's Hessian at the fitted parameters is not "
                "positive definite (a flat or ridge-shaped likelihood: too few repeat buyers, or a "
                "parameter at its edge), so standard_errors_ are NaN",
                RuntimeWarning,
                stacklevel=3,
            )
            return dict.fromkeys(self.names, np.nan)
        params = np.exp(log_params)
        return dict(zip(self.names, (params * np.sqrt(variance)).tolist()))

    def summary_table(self) -> pd.DataFrame:
        """Parameters with standard errors, and the log-likelihood in ``.attrs``."""
        self._fitted()
        table = pd.DataFrame(
            {
                "parameter": self.names,
                "estimate": [self.params_[n] for n in self.names],
                "standard_error": [self.standard_errors_[n] for n in self.names],
            }
        )
        table.attrs["log_likelihood"] = self.log_likelihood_
        return table
