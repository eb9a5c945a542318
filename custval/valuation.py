"""A customer's value now, when active and in the future (METHODS.md §1.4): the measures the A–F
grid is built on. Future value comes from BG/NBD + Gamma-Gamma when they can be fitted, else from
the recency–frequency migration model; both over ``horizon_years`` years, discounted yearly at the
end of each year (Σ_{t=1..H} margin_t / (1 + d)^t).
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from custval import scans, units
from custval.clv import (
    BetaGeo,
    calibration_holdout_check,
    fit_value_models,
    frequency_recency_matrix,
)
from custval.clv.migration import RecencyMigration
from custval.clv.value import discounted, model_unit, period_purchases
from custval.errors import FitError
from custval.i18n import Notes
from custval.summary import summarize

LAPSE_QUANTILE = 0.9  # one-time buyers: lapsed once this share of repeat buyers would have bought again


def customer_windows(tx, as_of=None, months: int = 12, engine=None) -> pd.DataFrame:
    """Margin per customer and window of ``months`` calendar months counted back from ``as_of``.

    Window 0 is (``as_of`` − months, ``as_of``], window 1 the one before, and so on (the same
    boundaries as ``pd.DateOffset(months=...)``). Rows: every (customer, window) with a line;
    ``purchased`` is whether one of them has ``amount >= 0`` (returns alone are no purchase),
    ``sales`` the sum of their amounts, ``margin`` the sum of the lines' margin (``scans.margin``:
    profit, amount − cost, else the amount; ``.attrs["basis"]`` says which). ``.attrs["as_of"]`` is
    the day used (default: the latest order date), ``.attrs["first_day"]`` the earliest line. Sorted
    by customer and window.
    """
    table, con, _ = scans.source(tx, engine, ("customer_id", "order_date", "amount"), "customer_windows")
    end = pd.Timestamp(as_of).normalize() if as_of is not None else scans.latest(con, table)
    columns = {
        "customer_id": pd.Series(dtype="string"),
        "window": pd.Series(dtype="int64"),
        "sales": pd.Series(dtype="float64"),
        "margin": pd.Series(dtype="float64"),
        "purchased": pd.Series(dtype="bool"),
    }
    basis = scans.margin(table)[1]
    if end is None:
        out = pd.DataFrame(columns)
        out.attrs.update(basis=basis, as_of=None, first_day=None)
        return out
    end = end.normalize()
    seen = table.filter(table.order_date.cast("date") <= ibis.literal(end.date()))
    day = seen.order_date
    value = scans.margin(seen)[0]
    behind = (end.year - day.year().cast("int64")) * 12 + (end.month - day.month().cast("int64"))
    behind = behind - (day.day().cast("int64") > end.day).cast("int64")
    lines = seen.select(
        customer_id=seen.customer_id.cast("string"),
        window=behind // months,
        cents=scans.scaled(value).fill_null(0),
        sales=scans.scaled(seen.amount),
        purchase=(seen.amount >= 0).cast("int64"),
        day=day.cast("date"),
    )
    sums = lines.group_by(["customer_id", "window"]).aggregate(
        cents=lines.cents.sum(), sales=lines.sales.sum(), purchases=lines.purchase.sum(), first_day=lines.day.min()
    )
    found = scans.fetch(con, sums.order_by(["customer_id", "window"]))
    out = pd.DataFrame(
        {
            "customer_id": found["customer_id"].astype("string"),
            "window": found["window"].astype("int64"),
            "sales": found["sales"].to_numpy("float64") / scans.SCALE,
            "margin": found["cents"].to_numpy("float64") / scans.SCALE,
            "purchased": found["purchases"].to_numpy() > 0,
        }
    )
    out.attrs.update(basis=basis, as_of=end, first_day=pd.Timestamp(found["first_day"].min()) if len(found) else None)
    return out


def window_value(windows: pd.DataFrame, window: int = 0) -> pd.DataFrame:
    """Every customer of ``windows`` with their margin in ``window`` (0 when they had no line there)."""
    customers = pd.Index(windows["customer_id"].unique(), dtype="string").sort_values()
    mine = windows[windows["window"] == window].set_index("customer_id")["margin"]
    values = mine.reindex(customers).fillna(0.0).to_numpy("float64")
    return pd.DataFrame({"customer_id": customers, "current_value": values})


def active_value(windows: pd.DataFrame) -> pd.Series:
    """Margin per window with a purchase: what a customer was worth in a year they bought (their
    margin over the whole history ÷ the windows in which they bought; 0 when they never did)."""
    total = windows.groupby("customer_id", sort=True)["margin"].sum()
    active = windows.groupby("customer_id", sort=True)["purchased"].sum()
    return (total / active.where(active > 0)).fillna(0.0).rename("active_value")


def history_months(windows: pd.DataFrame) -> int:
    """Whole months between the earliest line and ``as_of``."""
    first, end = windows.attrs.get("first_day"), windows.attrs.get("as_of")
    if first is None or end is None:
        return 0
    return units.whole_months(first, end)


def summary_margin_rate(summary: pd.DataFrame) -> float | None:
    """Total profit over total revenue of the summary (None without cost data or revenue)."""
    profit, revenue = summary["profit"], summary["revenue"].sum()
    if profit.isna().all() or revenue <= 0:
        return None
    return float(profit.sum() / revenue)


# --------------------------------------------------------------------------- future value


@dataclass
class ModelFuture:
    """BG/NBD purchases × Gamma-Gamma spend × margin, valued year by year."""

    purchases: object
    spend: object
    spend_model: str
    yearly: np.ndarray  # expected purchases in year t (customers × years)
    per_purchase: np.ndarray  # expected margin per purchase
    p_alive: np.ndarray
    lapsed: np.ndarray
    lapse_days: float  # one-time buyers are lapsed after this many days without a purchase
    method = "models"

    def values(self, horizon_years: int, discount_rate: float) -> np.ndarray:
        return discounted(self.yearly[:, :horizon_years], discount_rate) * self.per_purchase

    def parameters(self) -> pd.DataFrame:
        """The fitted models' parameters with standard errors (``parameter_table``)."""
        return parameter_table(self)


def model_future(summary: pd.DataFrame, margin: float, years: int, lapse_threshold: float) -> ModelFuture:
    """Fit BG/NBD and Gamma-Gamma on ``summary`` (customers with a purchase) and predict ``years``
    years ahead. Too few repeat buyers for Gamma-Gamma: each customer's mean order value stands in
    (``spend_model`` says so). A BG/NBD ``FitError`` is raised for the caller's fallback."""
    purchases, spend = fit_value_models(summary)
    spend_model = "gamma_gamma"
    if isinstance(spend, FitError):
        spend, spend_model = MeanSpend(summary), "mean_order_value"
    yearly = period_purchases(purchases, summary, years, unit="Y")
    p_alive = purchases.p_alive(summary)
    if not (np.isfinite(yearly).all() and np.isfinite(p_alive).all()):
        shown = ", ".join(f"{k} = {v:.3g}" for k, v in purchases.params_.items())
        raise FitError(
            f"BetaGeo: the fitted parameters ({shown}) give no finite prediction for some customers; "
            "the data do not identify the model"
        )
    days = lapse_days(summary)
    return ModelFuture(
        purchases=purchases,
        spend=spend,
        spend_model=spend_model,
        yearly=yearly,
        per_purchase=spend.expected_spend(summary) * margin,
        p_alive=p_alive,
        lapsed=model_lapsed(summary, p_alive, lapse_threshold, days),
        lapse_days=days,
    )


def model_lapsed(summary: pd.DataFrame, p_alive: np.ndarray, threshold: float, days: float) -> np.ndarray:
    """Lapsed customers under the purchase model: repeat buyers with P(alive) below ``threshold``;
    one-time buyers, for whom BG/NBD's P(alive) is always 1, when their purchase lies more than
    ``days`` back (``lapse_days``)."""
    x = summary["frequency"].to_numpy(float)
    since = summary["T"].to_numpy(float)
    return np.where(x > 0, p_alive < threshold, since > units.from_days(days, _unit(summary)))


def lapse_days(summary: pd.DataFrame) -> float:
    """The ``LAPSE_QUANTILE`` quantile of repeat buyers' mean days between purchases (365 without any)."""
    repeat = summary[summary["frequency"] > 0]
    if repeat.empty:
        return 365.0
    gaps = units.to_days(repeat["recency"].to_numpy(float) / repeat["frequency"].to_numpy(float), _unit(summary))
    return float(np.quantile(gaps, LAPSE_QUANTILE))


def _unit(summary: pd.DataFrame) -> str:
    """The summary's time unit; days for a summary that records none."""
    return units.summary_unit(summary, "D")


class MeanSpend:
    """Stand-in spend model: each customer's own mean order value (population mean when none)."""

    def __init__(self, summary: pd.DataFrame):
        orders = summary["n_orders"].where(summary["n_orders"] > 0)
        overall = summary["revenue"].sum() / max(summary["n_orders"].sum(), 1)
        self._values = (summary["revenue"] / orders).fillna(overall).clip(lower=0).to_numpy()
        self.params_ = {}

    def expected_spend(self, summary: pd.DataFrame) -> np.ndarray:
        return self._values


@dataclass
class MigrationFuture:
    """Recency–frequency migration: margin per active period × P(buying) in each later period."""

    model: object
    per_period: np.ndarray  # margin per active period of each customer
    buying: np.ndarray  # P(buying) in period t (customers × periods)
    period_months: int
    lapsed: np.ndarray
    method = "migration"

    def values(self, horizon_years: int, discount_rate: float) -> np.ndarray:
        periods = units.periods_in(horizon_years, self.period_months)
        rate = units.per_period_rate(discount_rate, self.period_months)
        return discounted(self.buying[:, :periods], rate) * self.per_period

    def parameters(self) -> pd.DataFrame:
        """The fitted chance of buying in the next period per recency–frequency state."""
        return self.model.rates_


def migration_future(
    tx, customers: pd.Index, yearly: pd.DataFrame, years: int, lapse_threshold: float, margin: float = 1.0, engine=None
) -> MigrationFuture:
    """Fit the recency–frequency–value migration model on the 12-month windows ``yearly``
    (``customer_windows`` of ``tx``; shorter windows, half the history, are read from ``tx`` when
    it covers less than two years) and value ``customers`` ``years`` years ahead.
    Lapsed: P(buying in the next period) below ``lapse_threshold``."""
    history = history_months(yearly)
    if history < 2:
        raise FitError("the migration model needs at least two months of history")
    months = 12 if history >= 24 else history // 2
    windows = (
        yearly if months == 12 else customer_windows(tx, as_of=yearly.attrs["as_of"], months=months, engine=engine)
    )
    activity = windows.loc[windows["purchased"], ["customer_id", "window", "margin"]].rename(
        columns={"window": "period", "margin": "value"}
    )
    model = RecencyMigration().fit(activity)
    states = model.states(activity).set_index("customer_id").reindex(customers)
    bought = states["recency"].notna().to_numpy()
    periods = units.periods_in(years, months)
    buying = np.zeros((len(customers), periods))
    if bought.any():
        buying[bought] = model.buy_probabilities(states[bought], periods)
    per_period = active_value(windows).reindex(customers).fillna(0.0).to_numpy() * margin
    return MigrationFuture(
        model=model,
        per_period=per_period,
        buying=buying,
        period_months=months,
        lapsed=bought & (buying[:, 0] < lapse_threshold),
    )


def parameter_table(future: ModelFuture) -> pd.DataFrame:
    """The fitted models' parameters with standard errors, one row per parameter."""
    tables = [future.purchases.summary_table().assign(model="BG/NBD")]
    if future.spend_model == "gamma_gamma":
        tables.append(future.spend.summary_table().assign(model="Gamma-Gamma"))
    return pd.concat(tables, ignore_index=True)[["model", "parameter", "estimate", "standard_error"]]


def frequency_recency_grid(model, summary: pd.DataFrame, months: float = 1.0, max_frequency: int = 30) -> pd.DataFrame:
    """Expected purchases in the next ``months`` and P(alive) over frequency × recency for a customer
    observed as long as the oldest (``clv.frequency_recency_matrix``), recency in whole units of the
    summary; frequencies up to the 95th percentile (at most ``max_frequency``)."""
    top = int(min(summary["frequency"].quantile(0.95), max_frequency)) or 5
    ahead = units.from_months(months, _unit(summary))
    grid = frequency_recency_matrix(model, T=float(summary["T"].max()), max_frequency=top, t=ahead)
    return grid.assign(recency=grid["recency"].round(0).astype(int))


# --------------------------------------------------------------------------- holdout check


@dataclass
class HoldoutCheck:
    """BG/NBD fitted on the history up to ``split``, against what happened after it."""

    split: object
    weeks: float
    model: object
    by_frequency: pd.DataFrame  # calibration_holdout_check
    tracking: pd.DataFrame  # cumulative_tracking

    def lines(self, which: str) -> pd.DataFrame:
        """``by_frequency`` (x: frequency) or ``tracking`` (x: date) as one row per x and curve:
        ``variable`` (actual or predicted) and ``value``, for a line chart."""
        x = {"by_frequency": "frequency", "tracking": "date"}[which]
        return getattr(self, which).melt(id_vars=x, value_vars=["actual", "predicted"])


def holdout_check(tx, min_days: int = 365, engine=None, as_of=None) -> HoldoutCheck | None:
    """Split off the last third of the history (``holdout_split``), fit BG/NBD on a weekly summary
    of the rest and compare its predictions with the holdout; None when the history is shorter
    than ``min_days`` or the calibration data cannot be fitted. ``tx``, ``engine`` and ``as_of``
    (lines after it are not used) as in ``summarize``: three scans on the engine (first and last
    day, the calibration summary, the purchases per day); the rest works on one row per customer
    or per day."""
    split = holdout_split(tx, min_days, engine=engine, as_of=as_of)
    if split is None:
        return None
    calibration = summarize(tx, as_of=as_of, calibration_end=split, unit="W", engine=engine)
    try:
        model = BetaGeo().fit(calibration)
    except FitError:
        return None
    return HoldoutCheck(
        split=split,
        weeks=float(calibration["duration_holdout"].iloc[0]),
        model=model,
        by_frequency=calibration_holdout_check(model, calibration),
        tracking=cumulative_tracking(model, tx, unit="W", engine=engine, as_of=as_of),
    )


def holdout_split(tx, min_days: int = 365, engine=None, as_of=None):
    """A calibration end leaving the last third of the history (whole weeks) for a holdout check;
    None when the history is shorter than ``min_days``. ``tx``, ``engine`` and ``as_of`` as in ``summarize``."""
    first, last = first_and_last_day(tx, engine, as_of)
    if first is None:
        return None
    days = (last - first).days
    if days < min_days:
        return None
    return (last - pd.Timedelta(days=round(days / 3 / 7) * 7)).date()


def first_and_last_day(tx, engine=None, as_of=None) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The days of the earliest and the latest ``order_date`` up to ``as_of`` (None, None without
    lines), in one scan."""
    table, con, _ = scans.source(tx, engine, ("order_date",), "holdout_split")
    if as_of is not None:
        table = table.filter(table.order_date.cast("date") <= ibis.literal(pd.Timestamp(as_of).date()))
    found = scans.fetch(con, table.aggregate(first=table.order_date.min(), last=table.order_date.max()))
    first, last = found["first"].iloc[0], found["last"].iloc[0]
    if pd.isna(first):
        return None, None
    return pd.Timestamp(first).normalize(), pd.Timestamp(last).normalize()


def holdout_notes(check: HoldoutCheck | None, method: str) -> Notes:
    """The holdout check's split and weeks (as ``(i18n key, values)`` notes for ``run.say_all``),
    or why there is none: skipped (``holdout_check`` gave None) or a future value not from BG/NBD."""
    if check is not None:
        return [("vg_holdout", {"calibration_end": check.split, "weeks": check.weeks})]
    return [("vg_holdout_skipped" if method == "models" else "vg_holdout_not_models", {})]


def cumulative_tracking(
    model, tx, unit: str | None = None, step_days: int = 7, engine=None, as_of=None
) -> pd.DataFrame:
    """Cumulative repeat purchases over time: actual (same-day merged) against the model's expectation
    for a cohort born on each customer's first purchase day (population-level E[X(t)]).

    ``unit`` is the time unit the model was fitted in (D, W or M); None takes the model's ``unit_``.
    ``tx``, ``engine`` and ``as_of`` (lines after it are not counted) as in ``summarize``: the lines
    are counted per day on the engine (``purchase_days``), so what follows grows with the days of
    history, not with customers or lines.
    """
    unit = model_unit(model, unit)
    days = purchase_days(tx, engine, as_of)
    if days.empty:
        return pd.DataFrame({"date": pd.DatetimeIndex([]), "actual": pd.Series(dtype="int64"), "predicted": 0.0})
    born = days[days["new"] > 0]
    grid = pd.date_range(born["day"].min(), days["day"].max(), freq=f"{step_days}D")
    repeats = np.cumsum((days["customers"] - days["new"]).to_numpy())
    seen = np.searchsorted(days["day"].to_numpy(), grid.to_numpy(), side="right")
    actual = np.where(seen > 0, repeats[np.maximum(seen - 1, 0)], 0)
    ages = (grid.to_numpy()[:, None] - born["day"].to_numpy()[None, :]) / pd.Timedelta(days=1)
    expected = model.expected_purchases_population(units.from_days(np.maximum(ages, 0.0), unit))
    predicted = np.where(ages >= 0, expected, 0.0) @ born["new"].to_numpy(float)
    return pd.DataFrame({"date": grid, "actual": actual.astype("int64"), "predicted": predicted})


def purchase_days(tx, engine=None, as_of=None) -> pd.DataFrame:
    """One row per calendar day with a purchase (a line with ``amount`` ≥ 0) up to ``as_of``, sorted:
    ``customers`` who bought that day and ``new``, those for whom it was their first purchase day.
    Two groupings of one scan on the engine; ``tx``, ``engine`` and ``as_of`` as in ``summarize``."""
    table, con, _ = scans.source(tx, engine, ("customer_id", "order_date", "amount"), "cumulative_tracking")
    lines = table.select(customer_id=table.customer_id, day=table.order_date.cast("date"), amount=table.amount)
    if as_of is not None:
        lines = lines.filter(lines.day <= ibis.literal(pd.Timestamp(as_of).date()))
    bought = lines.filter((lines.amount >= 0) & lines.day.notnull())
    daily = bought.group_by("day").aggregate(customers=bought.customer_id.nunique())
    first = bought.group_by("customer_id").aggregate(first=bought.day.min())
    born = first.group_by(day=first["first"]).aggregate(new=first.count())
    joined = daily.left_join(born, "day").select("day", "customers", new=ibis.coalesce(born.new, 0))
    found = scans.fetch(con, joined.order_by("day"))
    return pd.DataFrame(
        {
            "day": pd.to_datetime(found["day"]).astype("datetime64[us]"),
            "customers": found["customers"].astype("int64"),
            "new": found["new"].astype("int64"),
        }
    )
