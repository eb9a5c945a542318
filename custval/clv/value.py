"""Customer lifetime value from the fitted models and from the course's simpler methods:
retention-based CLV, the DWYER group table, the Markov (always-a-share) migration model, event
values, and the calibration / holdout check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custval.errors import DataError
from custval.summary import UNITS


def fit_value_models(summary: pd.DataFrame, weights=None):
    """BG/NBD and Gamma-Gamma fitted side by side (Gamma-Gamma in a second thread: numpy releases
    the GIL, so on two cores the pair takes about as long as the slower fit).

    Returns the fitted ``BetaGeo`` and the fitted ``GammaGamma``, or the ``FitError`` that
    Gamma-Gamma raised (too few repeat buyers is common in small data; the caller decides what
    stands in). A BG/NBD failure is raised. Each fit is the same as on its own.
    """
    from concurrent.futures import ThreadPoolExecutor

    from custval.clv.base import FitError, _one_blas_thread
    from custval.clv.beta_geo import BetaGeo
    from custval.clv.gamma_gamma import GammaGamma

    def spend_model():
        try:
            return GammaGamma().fit(summary, weights=weights)
        except FitError as problem:
            return problem

    with _one_blas_thread(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="custval-spend") as pool:
        spend = pool.submit(spend_model)
        purchases = BetaGeo().fit(summary, weights=weights)
        return purchases, spend.result()


def clv(bgnbd, gamma_gamma, summary: pd.DataFrame, horizon: int = 12, unit: str = "M", discount: float = 0.01,
        margin: float = 1.0, summary_unit: str | None = None) -> pd.Series:  # fmt: skip
    """Discounted expected margin over ``horizon`` periods of length ``unit`` per customer.

    CLV = Σ_k (E[Y(k)] − E[Y(k − 1)]) · E[spend] · margin / (1 + discount)^k, k = 1…horizon, with
    ``discount`` the rate *per ``unit`` period*. The summary's own time unit comes from
    ``summary.attrs["unit"]`` (set by ``summarize``) or ``summary_unit``; periods are converted to
    it, so a weekly summary with a monthly rate is handled, never mixed.
    """
    own = summary_unit or summary.attrs.get("unit")
    if own is None:
        raise ValueError("the summary's time unit is unknown: pass summary_unit='D', 'W' or 'M' "
                         "(summaries from custval.summarize carry it in .attrs['unit'])")  # fmt: skip
    for name, value in (("unit", unit), ("summary unit", own)):
        if value not in UNITS:
            raise ValueError(f"{name} must be one of {', '.join(UNITS)}, got {value!r}")
    if discount <= -1:
        raise ValueError(f"discount must be above −1, got {discount}")
    length = UNITS[unit] / UNITS[own]  # one period in the summary's unit
    spend = gamma_gamma.expected_spend(summary) * margin
    total = np.zeros(len(summary))
    previous = np.zeros(len(summary))
    for k in range(1, int(horizon) + 1):
        cumulative = bgnbd.expected_purchases(k * length, summary)
        total += (cumulative - previous) * spend / (1 + discount) ** k
        previous = cumulative
    return pd.Series(total, index=summary["customer_id"] if "customer_id" in summary else summary.index, name="clv")


def retention_clv(margin, retention, discount, horizon=None):
    """Lost-for-good CLV with a constant retention rate: Σ_{t=0}^{H−1} m · r^t / (1 + d)^t.

    The first margin is earned now (t = 0, undiscounted); the customer survives each later period
    with probability r. Without ``horizon`` the infinite sum m (1 + d) / (1 + d − r).
    Works element-wise on arrays.
    """
    margin, retention, discount = (np.asarray(v, dtype=float) for v in (margin, retention, discount))
    if np.any((retention < 0) | (retention > 1)):
        raise ValueError("retention must be between 0 and 1")
    if np.any(discount <= -1):
        raise ValueError("discount must be above −1")
    ratio = retention / (1 + discount)
    if horizon is None:
        return margin / (1 - ratio)
    return margin * (1 - ratio**horizon) / (1 - ratio) if np.all(ratio != 1) else margin * horizon


def dwyer_inputs(tx: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per group: customers, mean yearly retention, revenue and cost per active customer-year.

    retention = share of a year's active customers who buy again the next year, averaged over the
    years with a next year; cost comes from ``cost`` (0 without it, said in ``cost_known``).
    """
    if by not in tx.columns:
        raise ValueError(f"the transactions have no column {by!r}")
    data = tx.assign(year=tx["order_date"].dt.year, _cost=tx["cost"] if "cost" in tx.columns else 0.0)
    rows = []
    for group, part in data.groupby(by, sort=True):
        active = part.groupby("year")["customer_id"].apply(set)
        kept = [len(active[y] & active[y + 1]) / len(active[y]) for y in active.index if y + 1 in active.index and active[y]]
        customer_years = sum(len(s) for s in active)
        rows.append({by: group, "customers": part["customer_id"].nunique(), "retention": float(np.mean(kept)) if kept else np.nan,
                     "revenue_per_customer": part["amount"].sum() / customer_years,
                     "cost_per_customer": part["_cost"].sum() / customer_years})  # fmt: skip
    table = pd.DataFrame(rows)
    table["cost_known"] = "cost" in tx.columns
    return table


def dwyer_table(groups: pd.DataFrame, years: int = 5, discount: float = 0.10, group: str | None = None) -> pd.DataFrame:
    """The DWYER customer-group table: per group and year, customers, sales, costs, profit and NPV.

    Conventions: year 1 starts with ``customers``; year t has customers × retention^(t−1);
    sales = customers × revenue_per_customer, costs = customers × cost_per_customer, profit =
    sales − costs; discount factor = (1 + discount)^(t−1) (year 1 undiscounted); NPV = profit /
    factor; CLV per customer = cumulative NPV / the year-1 customers.
    """
    group = group or groups.columns[0]
    needed = ["customers", "retention", "revenue_per_customer", "cost_per_customer"]
    missing = [c for c in needed if c not in groups.columns]
    if missing:
        raise ValueError(f"DWYER groups need the column(s) {', '.join(missing)}")
    bad = groups[~groups["retention"].between(0, 1)]
    if len(bad):
        raise DataError(f"DWYER: retention must be between 0 and 1; group(s) {', '.join(map(str, bad[group]))} are not")
    rows = []
    for g in groups.itertuples(index=False):
        g = g._asdict()
        cumulative = 0.0
        for year in range(1, years + 1):
            customers = g["customers"] * g["retention"] ** (year - 1)
            sales, costs = customers * g["revenue_per_customer"], customers * g["cost_per_customer"]
            factor = (1 + discount) ** (year - 1)
            npv = (sales - costs) / factor
            cumulative += npv
            rows.append({group: g[group], "year": year, "customers": customers, "retention": g["retention"],
                         "sales": sales, "costs": costs, "profit": sales - costs, "discount_factor": factor,
                         "npv": npv, "cumulative_npv": cumulative, "clv_per_customer": cumulative / g["customers"]})  # fmt: skip
    return pd.DataFrame(rows)


def markov_clv(P, R, discount: float) -> np.ndarray:
    """Always-a-share migration model: V = (I − P / (1 + d))⁻¹ R, the value of a customer in each state.

    ``P`` is the state-to-state transition matrix (rows sum to 1), ``R`` the margin earned in each
    state per period (earned now, then discounted by one period per step).
    """
    P, R = np.asarray(P, dtype=float), np.asarray(R, dtype=float)
    if P.ndim != 2 or P.shape[0] != P.shape[1] or P.shape[0] != len(R):
        raise ValueError(f"P must be square with one row per state and R one value per state; got {P.shape} and {R.shape}")
    if np.any(P < 0) or not np.allclose(P.sum(axis=1), 1):
        raise ValueError("P must be non-negative with rows summing to 1")
    if discount <= 0:
        raise ValueError("discount must be positive for the infinite sum to converge")
    return np.linalg.solve(np.eye(len(R)) - P / (1 + discount), R)


def event_value(events: pd.DataFrame, discount: float) -> pd.DataFrame:
    """Customer event prediction: value = probability × value / (1 + d)^periods_ahead per event,
    summed per customer. ``events`` has customer_id, probability, value, periods_ahead.
    """
    needed = {"customer_id", "probability", "value", "periods_ahead"}
    if not needed <= set(events.columns):
        raise ValueError(f"events need the columns {', '.join(sorted(needed))}")
    if not events["probability"].between(0, 1).all():
        raise DataError("event probabilities must be between 0 and 1")
    worth = events["probability"] * events["value"] / (1 + discount) ** events["periods_ahead"]
    out = events.assign(expected_value=worth).groupby("customer_id", sort=True)["expected_value"].sum()
    return out.reset_index()


def calibration_holdout_check(model, summary: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Mean actual and predicted holdout purchases by calibration frequency (the last bin is "≥ max")."""
    if "frequency_holdout" not in summary.columns:
        raise ValueError("the summary has no holdout columns; summarize with calibration_end=...")
    predicted = model.expected_purchases(summary["duration_holdout"].to_numpy(float), summary)
    bins = summary["frequency"].clip(upper=max_frequency)
    table = pd.DataFrame({"frequency": bins, "actual": summary["frequency_holdout"], "predicted": predicted})
    out = table.groupby("frequency").agg(customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean"))
    return out.reset_index()


def cumulative_tracking(model, tx: pd.DataFrame, unit: str = "W", step_days: int = 7) -> pd.DataFrame:
    """Cumulative repeat purchases over time: actual (same-day merged) against the model's expectation
    for a cohort born on each customer's first purchase day (population-level E[X(t)])."""
    days = tx.loc[tx["amount"] >= 0, ["customer_id", "order_date"]].assign(day=lambda d: d["order_date"].dt.normalize())
    days = days.drop_duplicates(["customer_id", "day"])
    first = days.groupby("customer_id")["day"].transform("min")
    repeats = days.loc[days["day"] > first, "day"]
    births = days.groupby("customer_id")["day"].min()
    grid = pd.date_range(births.min(), days["day"].max(), freq=f"{step_days}D")
    actual = [(repeats <= g).sum() for g in grid]
    predicted = []
    for g in grid:
        age = (g - births[births <= g]).dt.days.to_numpy() / UNITS[unit]
        predicted.append(float(model.expected_purchases_population(age).sum()))
    return pd.DataFrame({"date": grid, "actual": actual, "predicted": predicted})


def frequency_recency_matrix(model, T: float, max_frequency: int = 20, t: float = 1.0, steps: int = 20) -> pd.DataFrame:
    """Expected purchases in the next ``t`` and P(alive) for every (frequency, recency) of a customer
    observed for ``T``: the grid behind the frequency–recency charts."""
    frequency = np.arange(0, max_frequency + 1)
    recency = np.linspace(0, T, steps + 1)
    grid = pd.DataFrame([(x, tx, T) for x in frequency for tx in recency if (x > 0 or tx == 0)],
                        columns=["frequency", "recency", "T"])  # fmt: skip
    grid["expected"] = model.expected_purchases(t, grid)
    grid["p_alive"] = model.p_alive(grid)
    return grid
