"""Customer lifetime value from the fitted models and from the course's simpler methods:
retention-based CLV, the DWYER group table, the Markov (always-a-share) migration model, event
values, and the calibration / holdout check.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from custval import units
from custval.clv.base import _one_blas_thread
from custval.clv.beta_geo import BetaGeo
from custval.clv.gamma_gamma import GammaGamma
from custval.errors import DataError, FitError, MissingColumnError, examples


def fit_value_models(summary: pd.DataFrame, weights=None):
    """BG/NBD and Gamma-Gamma fitted side by side (Gamma-Gamma in a second thread: numpy releases
    the GIL, so on two cores the pair takes about as long as the slower fit).

    Returns the fitted ``BetaGeo`` and the fitted ``GammaGamma``, or the ``FitError`` that
    Gamma-Gamma raised (too few repeat buyers is common in small data; the caller decides what
    stands in). A BG/NBD failure is raised. Each fit is the same as on its own.
    """

    def spend_model():
        try:
            return GammaGamma().fit(summary, weights=weights)
        except FitError as problem:
            return problem

    with _one_blas_thread(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="custval-spend") as pool:
        spend = pool.submit(spend_model)
        purchases = BetaGeo().fit(summary, weights=weights)
        return purchases, spend.result()


def clv(
    bgnbd,
    gamma_gamma,
    summary: pd.DataFrame,
    horizon: int = 12,
    unit: str = "M",
    discount: float = 0.01,
    margin: float = 1.0,
    summary_unit: str | None = None,
) -> pd.Series:
    """Discounted expected margin over ``horizon`` periods of length ``unit`` per customer.

    CLV = Σ_k (E[Y(k)] − E[Y(k − 1)]) · E[spend] · margin / (1 + discount)^k, k = 1…horizon, with
    ``discount`` the rate *per ``unit`` period*; ``unit`` is D, W, M or Y (a year of 365.25 days).
    The summary's own time unit comes from ``summary.attrs["unit"]`` (set by ``summarize``) or
    ``summary_unit`` and must be the unit the purchase model was fitted in (its ``unit_``, when
    recorded); periods are converted to it, so a weekly summary with a monthly rate is handled, never mixed.
    """
    if discount <= -1:
        raise ValueError(f"discount must be above −1, got {discount}")
    increments = period_purchases(bgnbd, summary, horizon, unit, summary_unit)
    total = discounted(increments, discount) * gamma_gamma.expected_spend(summary) * margin
    return pd.Series(total, index=summary.get("customer_id", summary.index), name="clv")


def period_purchases(
    bgnbd, summary: pd.DataFrame, periods: int, unit: str = "M", summary_unit: str | None = None
) -> np.ndarray:
    """E[Y(k)] − E[Y(k − 1)] for k = 1…``periods`` periods of length ``unit`` (customers × periods):
    the purchases each customer is expected to make in each coming period. Units as in ``clv``."""
    own = summary_unit or summary.attrs.get("unit")
    if own is None:
        raise ValueError(
            "the summary's time unit is unknown: pass summary_unit='D', 'W' or 'M' "
            "(summaries from custval.summarize carry it in .attrs['unit'])"
        )
    units.check_unit(unit, units.STEPS)
    units.check_unit(own, name="summary_unit")
    fitted = getattr(bgnbd, "unit_", None)
    if fitted is not None and fitted != own:
        raise ValueError(
            f"the purchase model was fitted on a summary in unit {fitted!r} but this summary's unit "
            f"is {own!r}: refit the model on this summary or summarize with unit={fitted!r}"
        )
    length = units.unit_ratio(unit, own)  # one period in the summary's unit
    cumulative = np.column_stack([bgnbd.expected_purchases(k * length, summary) for k in range(1, int(periods) + 1)])
    return np.diff(cumulative.reshape(len(summary), -1), axis=1, prepend=0.0)


def discounted(increments: np.ndarray, rate: float) -> np.ndarray:
    """Σ_t increments[:, t−1] / (1 + rate)^t over the columns t = 1, 2, … (each at its period's end)."""
    factors = (1.0 + rate) ** -np.arange(1, increments.shape[1] + 1)
    return increments @ factors


def retention_clv(margin, retention, discount, horizon=None, timing: str = "end"):
    """Retention-rate CLV with a constant margin m, retention r and discount d per period (METHODS §1.4, §8.2).

    ``timing="end"`` (METHODS' convention): each margin arrives at the end of its period,
    Σ_{t=1..H} m·r^t/(1+d)^t; without ``horizon`` m·r/(1+d−r). ``timing="start"``: the first margin
    arrives now, Σ_{t=0..H−1} m·r^t/(1+d)^t; without ``horizon`` m(1+d)/(1+d−r). Element-wise with
    numpy broadcasting (a float for scalar inputs). Where r/(1+d) = 1 a finite horizon gives m·H;
    an infinite horizon with r/(1+d) ≥ 1 diverges and gives ±inf (0 for a zero margin).
    """
    if timing not in ("end", "start"):
        raise ValueError(f"timing must be 'end' (margin at the end of each period) or 'start', got {timing!r}")
    margin, retention, discount = (np.asarray(v, dtype=float) for v in (margin, retention, discount))
    if np.any((retention < 0) | (retention > 1)):
        raise ValueError(
            f"retention must be between 0 and 1, got {examples(retention[(retention < 0) | (retention > 1)])}"
        )
    if np.any(discount <= -1):
        raise ValueError(f"discount must be above −1, got {examples(discount[discount <= -1])}")
    if horizon is not None:
        horizon = np.asarray(horizon, dtype=float)
        if np.any((horizon < 0) | (horizon != np.floor(horizon))):
            raise ValueError(
                f"horizon must be a whole number of periods ≥ 0, or None (infinite); got {examples(np.ravel(horizon))}"
            )
    ratio = retention / (1 + discount)
    series = _geometric_sum(ratio, horizon)  # Σ_{t=0..H−1} ratio^t
    if timing == "end":
        series = ratio * series
    with np.errstate(invalid="ignore"):
        value = np.where(margin == 0, 0.0, margin * series)
    return float(value) if value.ndim == 0 else value


def _geometric_sum(ratio: np.ndarray, horizon) -> np.ndarray:
    """Σ_{t=0..H−1} ratio^t element-wise: H where ratio = 1; without a horizon 1/(1 − ratio), inf where ratio ≥ 1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if horizon is None:
            return np.where(ratio < 1, 1 / (1 - ratio), np.inf)
        return np.where(np.isclose(ratio, 1.0, rtol=1e-12, atol=0.0), horizon, (1 - ratio**horizon) / (1 - ratio))


DWYER_INPUTS = [
    "customers",
    "retention",
    "orders_per_customer",
    "order_value",
    "direct_cost_rate",
    "service_cost",
    "acquisition_cost",
]
DWYER_EXTRAS = {"year", "at_risk", "source", "direct_cost_source"}
EMPTY_GROUP = "—"
POOLED = "all customers"
SIGNED_INPUTS = ("order_value", "direct_cost_rate")  # net of returns, these can be below 0


def dwyer_inputs(
    tx: pd.DataFrame,
    by: str = "cohort",
    customers: pd.DataFrame | None = None,
    as_of=None,
    direct_cost_rate: float | None = None,
    service_cost: float = 0.0,
    acquisition_cost: float = 0.0,
    min_customers: int = 30,
) -> pd.DataFrame:
    """The DWYER inputs of each group and tenure year, estimated from transaction lines (METHODS §4.2, §8.2).

    ``tx``: customer_id, order_date, amount; optional order_id, cost, profit and attribute columns.
    Conventions:

    * Groups: ``by="cohort"`` is the calendar year of a customer's first purchase; another name is a
      column of ``tx`` (the value on the customer's first purchase line) or, if not there, of
      ``customers`` (one row per customer_id). An empty value, or a customer missing from
      ``customers``, makes the group "—".
    * Acquired customers have a purchase line (amount ≥ 0) by ``as_of`` (default: the latest
      order_date; later lines are ignored). Customers with returns only are left out and counted in
      ``.attrs["returns_only_customers"]``.
    * Tenure year k of a customer covers [first purchase day + (k − 1) years, + k years) (a 29 February
      start has its anniversaries on 1 March). A year counts only for the customers for whom it is
      complete by ``as_of`` (``at_risk``); a partial year never counts as a full one. Returns are netted
      in the tenure year they fall in (year 1 if before the first purchase).
    * retention r_k (k ≥ 2) = customers active (a purchase line) in years k − 1 and k / customers
      active in year k − 1, among those whose year k is complete; NaN in year 1. orders_per_customer
      f_k = orders (distinct order_id with a purchase line, else distinct purchase days) per customer
      active in year k; order_value v_k = the year's net sales / its orders. A ratio over no customers is 0.
    * A group's year with fewer than ``min_customers`` at risk takes the estimate over all customers
      (``source`` "all customers", else "group"); years no customer has completed are not in the output.
    * direct_cost_rate: 1 − Σprofit/Σamount of the group (lines with a profit), else Σcost/Σamount (lines
      with a cost), else the ``direct_cost_rate`` argument, else 0; ``direct_cost_source`` says which.
      service_cost is the argument; acquisition_cost the mean of ``customers["acquisition_cost"]`` over
      the group's customers when that column exists, else the argument (``.attrs["acquisition_cost_source"]``);
      ``.attrs["acquisition_cost_fallback"]`` lists the groups that took the argument although the column
      exists (none of their customers has a cost there), ``.attrs["acquisition_cost_unused"]`` is True
      when a non-zero argument had no effect (the column gave every group its cost).
    * ``customers`` is the group's acquired customers N_1, on every row.

    Sorted by group, then year.
    """
    _check_dwyer_arguments(direct_cost_rate, service_cost, acquisition_cost, min_customers)
    lines, ids, end, returns_only = _acquired_lines(tx, as_of, by)
    people = _first_purchases(lines, end)
    people["group"] = _customer_groups(people, lines, by, customers, ids)
    labels = _sorted(people["group"].unique())
    row = np.full(len(ids), -1)
    row[people["customer_id"].to_numpy()] = np.arange(len(people))
    row = row[lines["customer_id"].to_numpy()]  # each line's customer in people (every one has a row)
    group = pd.Index(labels).get_indexer(people["group"])
    lines = lines.assign(_first=people["first"].to_numpy()[row], _group=group[row])
    lines["_tenure"] = np.maximum(units.whole_years(lines["_first"], lines["_day"]) + 1, 1)
    last = int(people["completed"].max())
    if last < 1:
        raise DataError(
            f"DWYER: no customer has a complete first tenure year by {end.date()} (first purchases from "
            f"{people['first'].min().date()}): at least a year of history is needed"
        )
    table = _yearly_estimates(_customer_years(people, lines), labels, min_customers, last)
    table = table.rename_axis([by, "year"]).reset_index()
    sizes = people.groupby("group", sort=False)["customer_id"].size()
    table.insert(2, "customers", table[by].map(sizes).astype("int64"))
    rates = _direct_cost_rates(lines, labels, direct_cost_rate)
    table["direct_cost_rate"] = table[by].map(rates["rate"])
    table["service_cost"] = float(service_cost)
    costs, cost_source, fallback_groups = _acquisition_costs(people, customers, acquisition_cost, ids)
    table["acquisition_cost"] = table[by].map(costs)
    table["direct_cost_source"] = table[by].map(rates["source"])
    table = table[
        [
            by,
            "year",
            "customers",
            "at_risk",
            "retention",
            "orders_per_customer",
            "order_value",
            "direct_cost_rate",
            "service_cost",
            "acquisition_cost",
            "source",
            "direct_cost_source",
        ]
    ]
    table.attrs.update(
        group=by,
        as_of=end,
        returns_only_customers=returns_only,
        acquisition_cost_source=cost_source,
        acquisition_cost_fallback=fallback_groups,
        min_customers=min_customers,
        acquisition_cost_unused=bool(acquisition_cost) and cost_source != "argument" and not fallback_groups,
    )
    return table


def _check_dwyer_arguments(direct_cost_rate, service_cost, acquisition_cost, min_customers) -> None:
    """Refuse negative cost arguments and a negative ``min_customers``."""
    for name, value in (
        ("direct_cost_rate", direct_cost_rate),
        ("service_cost", service_cost),
        ("acquisition_cost", acquisition_cost),
        ("min_customers", min_customers),
    ):
        if value is not None and not value >= 0:
            raise ValueError(f"{name} must be 0 or more, got {value!r}")


def _acquired_lines(tx: pd.DataFrame, as_of, by: str) -> tuple[pd.DataFrame, pd.Index, pd.Timestamp, int]:
    """The lines up to ``as_of`` of customers with a purchase line, with ``_day`` and ``_purchase``,
    only the columns DWYER reads and ``customer_id`` as a number (the position of the customer's id
    in the sorted ids, returned second: grouping by numbers is faster than by text); the day used
    as ``as_of`` and the number of customers with returns only."""
    missing = [c for c in ("customer_id", "order_date", "amount") if c not in tx.columns]
    if missing:
        raise MissingColumnError(
            f"DWYER: the transactions have no column(s) {', '.join(missing)}; "
            f"columns: {', '.join(map(str, tx.columns))}"
        )
    if not pd.api.types.is_datetime64_any_dtype(tx["order_date"]):
        raise DataError(
            f"DWYER: order_date must be dates, got {tx['order_date'].dtype} e.g. {examples(tx['order_date'])}"
        )
    empty = tx[["customer_id", "order_date", "amount"]].isna().any(axis=1)
    if empty.any():
        raise DataError(
            f"DWYER: {int(empty.sum())} line(s) with an empty customer_id, order_date or amount, "
            f"e.g. row(s) {examples(tx.index[empty])}"
        )
    end = pd.Timestamp(as_of).normalize() if as_of is not None else tx["order_date"].max().normalize()
    read = ["customer_id", "order_date", "amount", *(c for c in ("order_id", "profit", "cost", by) if c in tx.columns)]
    day = tx["order_date"].dt.normalize()
    seen = (day <= end).to_numpy()
    lines = tx.loc[seen, list(dict.fromkeys(read))]
    codes, ids = pd.factorize(lines["customer_id"], sort=True)
    lines = lines.assign(customer_id=codes, _day=day[seen].to_numpy(), _purchase=lines["amount"] >= 0)
    lines.attrs["columns"] = list(tx.columns)  # for messages: the columns a group may come from
    buyer = np.bincount(codes, weights=lines["_purchase"].to_numpy(float), minlength=len(ids)) > 0
    if not buyer.any():
        raise DataError(f"DWYER: no purchase line (amount ≥ 0) up to {end.date()}")
    kept = buyer[codes]
    return lines[kept].reset_index(drop=True), pd.Index(ids), end, int((~buyer).sum())


def _first_purchases(lines: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Per customer: the first purchase day and the number of tenure years complete by ``end``."""
    first = lines[lines["_purchase"]].groupby("customer_id", sort=True)["_day"].min()
    people = first.rename("first").reset_index()
    people["completed"] = units.whole_years(people["first"], pd.Series(end + pd.Timedelta(days=1), index=people.index))
    return people


def _customer_groups(
    people: pd.DataFrame, lines: pd.DataFrame, by: str, customers: pd.DataFrame | None, ids: pd.Index
) -> pd.Series:
    """Each customer's group label: cohort year, first purchase line's ``by``, or ``customers[by]``; "—" if empty."""
    if by == "cohort":
        return people["first"].dt.year
    if by in lines.columns:
        first = lines[lines["_purchase"]].sort_values("order_date", kind="stable").drop_duplicates("customer_id")
        values = people["customer_id"].map(first.set_index("customer_id")[by])
    elif customers is not None and by in customers.columns:
        values = _from_customers(customers, people, ids, by)
    else:
        own = ", ".join(map(str, lines.attrs["columns"]))
        listed = f"({', '.join(map(str, customers.columns))})" if customers is not None else "(none given)"
        raise DataError(
            f"DWYER: cannot group by {by!r}: it is not 'cohort' nor a column of the transactions "
            f"({own}) or of the customers table {listed}"
        )
    values = values.astype(object)
    blank = values.isna().to_numpy() | values.astype("string").str.strip().eq("").fillna(False).to_numpy(bool)
    return values.mask(blank, EMPTY_GROUP)


def _from_customers(customers: pd.DataFrame, people: pd.DataFrame, ids: pd.Index, column: str) -> pd.Series:
    """``column`` of the customers table for each of ``people`` (empty for a customer not in it)."""
    table = _customer_table(customers, people, ids)
    found = pd.Index(table["customer_id"]).get_indexer(ids[people["customer_id"].to_numpy()])
    values = table[column].take(np.maximum(found, 0)).where(found >= 0)
    return pd.Series(values.to_numpy(), index=people.index, dtype=values.dtype)


def _customer_table(customers: pd.DataFrame, people: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    """The customers table checked: a customer_id column, one row per customer, sharing ids with the transactions."""
    if "customer_id" not in customers.columns:
        raise MissingColumnError(
            f"DWYER: the customers table has no customer_id column; columns: {', '.join(map(str, customers.columns))}"
        )
    twice = customers["customer_id"].duplicated()
    if twice.any():
        raise DataError(
            f"DWYER: the customers table must have one row per customer_id; repeated: "
            f"{examples(customers.loc[twice, 'customer_id'])}"
        )
    acquired = pd.Series(ids[people["customer_id"].to_numpy()])
    if not (pd.Index(customers["customer_id"]).get_indexer(acquired) >= 0).any():
        raise DataError(
            f"DWYER: no customer_id of the transactions is in the customers table: transactions "
            f"{examples(acquired)}; customers table {examples(customers['customer_id'])}"
        )
    return customers


def _customer_years(people: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """One row per customer and complete tenure year: active, active the year before, orders, net sales.
    A (customer, year) is one number, customer × span + year, so the groupings are by one integer."""
    span = int(max(lines["_tenure"].max(), people["completed"].max())) + 1
    completed = people["completed"].clip(lower=0).to_numpy()
    row = np.repeat(np.arange(len(people)), completed)
    grid = pd.DataFrame(
        {
            "customer_id": people["customer_id"].to_numpy()[row],
            "group": people["group"].to_numpy()[row],
            "year": np.arange(len(row)) - np.repeat(np.cumsum(completed) - completed, completed) + 1,
        }
    )
    key = grid["customer_id"].to_numpy(np.int64) * span + grid["year"].to_numpy(np.int64)
    buys = lines[lines["_purchase"]]
    codes, labels = pd.factorize(buys["order_id"] if "order_id" in buys.columns else buys["_day"])
    named = codes >= 0  # empty orders not counted
    bought = (buys["customer_id"].to_numpy(np.int64) * span + buys["_tenure"].to_numpy(np.int64))[named]
    width = len(labels) + 1  # one integer per (customer-year, order): hashing it beats a two-column distinct
    orders = pd.Series(pd.unique(bought * width + codes[named]) // width).value_counts(sort=False)
    sales = lines["amount"].groupby(lines["customer_id"].to_numpy(np.int64) * span + lines["_tenure"].to_numpy()).sum()
    grid["orders"] = orders.reindex(key).fillna(0).to_numpy()
    grid["sales"] = sales.reindex(key).fillna(0.0).to_numpy()
    grid["active"] = grid["orders"] > 0
    grid["previous"] = pd.Series(grid["active"].to_numpy(), index=key).reindex(key - 1).fillna(False).to_numpy(bool)
    grid["kept"] = grid["active"] & grid["previous"]
    return grid


def _yearly_estimates(grid: pd.DataFrame, labels: list, min_customers: int, last: int) -> pd.DataFrame:
    """at_risk, retention, orders_per_customer, order_value and source per group (``labels``) and year 1..last."""
    sums = {
        "at_risk": ("customer_id", "size"),
        "previous": ("previous", "sum"),
        "kept": ("kept", "sum"),
        "active": ("active", "sum"),
        "orders": ("orders", "sum"),
        "sales": ("sales", "sum"),
    }
    years = pd.RangeIndex(1, last + 1, name="year")
    pooled = grid.groupby("year").agg(**sums).reindex(years, fill_value=0)
    index = pd.MultiIndex.from_product([labels, years])
    own = grid.groupby(["group", "year"], sort=False).agg(**sums).reindex(index, fill_value=0)
    small = own["at_risk"].to_numpy() < min_customers
    counts = own.mask(pd.Series(small, index=index), pooled.reindex(index.get_level_values(1)).set_axis(index), axis=0)
    out = pd.DataFrame(
        {
            "at_risk": own["at_risk"].astype("int64"),
            "retention": _ratio(counts["kept"], counts["previous"]),
            "orders_per_customer": _ratio(counts["orders"], counts["active"]),
            "order_value": _ratio(counts["sales"], counts["orders"]),
            "source": np.where(small, POOLED, "group"),
        },
        index=index,
    )
    out.loc[out.index.get_level_values(1) == 1, "retention"] = np.nan
    return out


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, 0 where the denominator is 0 (a ratio over no customers)."""
    return (numerator / denominator.where(denominator != 0)).fillna(0.0).astype(float)


def _sorted(labels) -> list:
    """Group labels sorted: numbers (or other non-text labels) in order, then text such as "—"."""
    try:
        return sorted(labels, key=lambda label: (isinstance(label, str), label))
    except TypeError:
        return sorted(labels, key=str)


def _direct_cost_rates(lines: pd.DataFrame, labels: list, fallback: float | None) -> pd.DataFrame:
    """Per group (``labels``; a line's ``_group`` is its position there): the direct-cost share of
    sales and its source (profit, cost, argument or none)."""
    out = pd.DataFrame({"rate": np.nan, "source": ""}, index=pd.Index(labels))
    for column in ("profit", "cost"):
        if column in lines.columns:
            known = lines[lines[column].notna()]
            sums = known.groupby("_group", sort=False)[[column, "amount"]].sum().reindex(range(len(labels)))
            sums.index = out.index
            share = sums[column] / sums["amount"].where(sums["amount"] > 0)
            out["rate"] = 1 - share if column == "profit" else share
            out["source"] = f"data: {column}"
            break
    unknown = out["rate"].isna()
    out.loc[unknown, "rate"] = fallback if fallback is not None else 0.0
    out.loc[unknown, "source"] = "argument" if fallback is not None else "none (0)"
    return out


def _acquisition_costs(
    people: pd.DataFrame, customers: pd.DataFrame | None, fallback: float, ids: pd.Index
) -> tuple[pd.Series, str, list]:
    """Per group: the mean ``acquisition_cost`` of its customers from the customers table, else
    ``fallback``; the source, and the groups that took ``fallback`` although the table has the
    column (none of their customers has a cost there)."""
    groups = pd.Index(_sorted(people["group"].unique()))
    if customers is None or "acquisition_cost" not in customers.columns:
        return pd.Series(float(fallback), index=groups), "argument", []
    cost = _from_customers(customers, people, ids, "acquisition_cost")
    means = cost.astype(float).groupby(people["group"], sort=False).mean().reindex(groups)
    return means.fillna(float(fallback)), "customers table", [g for g in groups if pd.isna(means[g])]


def dwyer_table(groups: pd.DataFrame, years: int = 5, discount: float = 0.10, group: str | None = None) -> pd.DataFrame:
    """The DWYER customer-group table (METHODS §4.2): per group and year t = 1..``years``, customers,
    sales, costs, profit, discounted profit and the CLV per acquired customer.

    ``groups``: one row per group (the same inputs every year) or per group and ``year`` (a year not
    given repeats the latest given year before it; year 1 is required). Inputs: customers N_1 and
    acquisition_cost (read from year 1), retention r_t (share of year t−1's customers still customers
    in year t; unused in year 1), orders_per_customer f_t, order_value v_t, direct_cost_rate (share of
    sales), service_cost (per customer and year). ``group``: the group column (default:
    ``groups.attrs["group"]``, else the first column that is not an input).
    N_t = N_{t−1}·r_t; S_t = N_t·f_t·v_t; C_t = rate·S_t + N_t·service_cost + (t = 1) N_1·acquisition_cost;
    profit π_t = S_t − C_t; discount_factor D_t = (1 + discount)^(t−1) (year 1 undiscounted); npv π_t/D_t;
    clv_per_customer = cumulative npv / N_1. Sorted by group, then year.
    """
    group = _group_column(groups, group)
    if years < 1 or discount <= -1:
        raise ValueError(f"years must be 1 or more and discount above −1, got years={years!r}, discount={discount!r}")
    plan = _dwyer_years(groups, group, int(years))
    _check_dwyer(plan, group)
    first = plan.groupby(group, sort=False)[["customers", "acquisition_cost"]].transform("first")
    first_year = plan["year"] == 1
    kept = plan["retention"].where(~first_year, 1.0)
    customers = first["customers"] * kept.groupby(plan[group], sort=False).cumprod()
    out = plan[[group, "year", "retention", "orders_per_customer", "order_value"]].copy()
    out.insert(2, "customers", customers)
    out.loc[first_year, "retention"] = np.nan
    out["sales"] = customers * out["orders_per_customer"] * out["order_value"]
    out["direct_costs"] = plan["direct_cost_rate"] * out["sales"]
    out["service_costs"] = customers * plan["service_cost"]
    out["acquisition_costs"] = (first["customers"] * first["acquisition_cost"]).where(first_year, 0.0)
    out["costs"] = out["direct_costs"] + out["service_costs"] + out["acquisition_costs"]
    out["profit"] = out["sales"] - out["costs"]
    out["discount_factor"] = (1 + discount) ** (out["year"] - 1)
    out["npv"] = out["profit"] / out["discount_factor"]
    out["cumulative_npv"] = out.groupby(group, sort=False)["npv"].cumsum()
    out["clv_per_customer"] = out["cumulative_npv"] / first["customers"]
    return out.reset_index(drop=True)


def _group_column(groups: pd.DataFrame, group: str | None) -> str:
    """The group column: ``group``, ``groups.attrs["group"]``, else the first column that is not an input."""
    missing = [c for c in DWYER_INPUTS if c not in groups.columns]
    if missing:
        shown = ", ".join(map(str, groups.columns))
        raise MissingColumnError(f"DWYER groups need the column(s) {', '.join(missing)}; columns: {shown}")
    candidates = [c for c in groups.columns if c not in DWYER_INPUTS and c not in DWYER_EXTRAS]
    group = group or (groups.attrs.get("group") if groups.attrs.get("group") in groups.columns else None)
    group = group or (candidates[0] if candidates else None)
    if group not in groups.columns:
        raise ValueError(
            f"DWYER groups need a group column (pass group=...); columns: {', '.join(map(str, groups.columns))}"
        )
    if groups[group].isna().any():
        raise DataError(f"DWYER: {int(groups[group].isna().sum())} row(s) with an empty group in column {group!r}")
    return group


def _dwyer_years(groups: pd.DataFrame, group: str, years: int) -> pd.DataFrame:
    """The inputs of every group and year 1..``years``, sorted: given years, later ones repeating the latest given."""
    labels = _sorted(groups[group].unique())
    grid = pd.MultiIndex.from_product([labels, range(1, years + 1)], names=[group, "year"])
    if "year" not in groups.columns:
        twice = groups[group].duplicated()
        if twice.any():
            raise DataError(
                f"DWYER: one row per group without a year column; repeated group(s) "
                f"{examples(groups.loc[twice, group])}"
            )
        rows = groups.set_index(group)[DWYER_INPUTS].reindex(grid.get_level_values(0))
        return rows.set_axis(grid).reset_index()
    year = pd.to_numeric(groups["year"], errors="coerce")
    bad = groups[(year < 1) | (year != np.floor(year)) | year.isna()]
    if len(bad):
        raise DataError(f"DWYER: year must be 1, 2, …; group(s) {examples(bad[group])} have {examples(bad['year'])}")
    keyed = groups.assign(year=year.astype("int64"))
    twice = keyed.duplicated([group, "year"])
    if twice.any():
        raise DataError(f"DWYER: a group has the same year twice: group(s) {examples(keyed.loc[twice, group])}")
    no_first = sorted(set(keyed[group]) - set(keyed.loc[keyed["year"] == 1, group]), key=str)
    if no_first:
        raise DataError(
            f"DWYER: every group needs a year-1 row (customers, acquisition cost); missing for {examples(no_first)}"
        )
    given = {
        label: part.set_index("year").sort_index()[DWYER_INPUTS] for label, part in keyed.groupby(group, sort=False)
    }
    parts = [given[label].reindex(range(1, years + 1), method="ffill").assign(**{group: label}) for label in labels]
    return pd.concat(parts).rename_axis("year").reset_index()[[group, "year", *DWYER_INPUTS]]


def _check_dwyer(plan: pd.DataFrame, group: str) -> None:
    """Refuse retention outside [0, 1] and empty or negative inputs, naming the groups. Order value
    and direct-cost rate only need to be numbers: returns can net a year's sales below 0."""
    first_year = plan["year"] == 1
    retention = plan["retention"]
    unknown = retention.isna() & ~first_year
    if unknown.any():
        raise DataError(
            f"DWYER: no retention for year {plan.loc[unknown, 'year'].min()} of group(s) "
            f"{examples(plan.loc[unknown, group])}; estimating it from transactions needs customers "
            f"with at least two complete tenure years"
        )
    wrong = retention.notna() & ~retention.between(0, 1)
    if wrong.any():
        raise DataError(
            f"DWYER: retention must be between 0 and 1; group(s) {examples(plan.loc[wrong, group])} "
            f"have {examples(retention[wrong])}"
        )
    for column in (c for c in DWYER_INPUTS if c != "retention"):
        values = plan.loc[first_year if column in ("customers", "acquisition_cost") else plan.index, column]
        if column in SIGNED_INPUTS:
            wrong, rule = ~np.isfinite(values.astype(float)), "a number"
        elif column == "customers":
            wrong, rule = ~(values > 0), "above 0"
        else:
            wrong, rule = ~(values >= 0), "0 or more"
        if wrong.any():
            named = plan.loc[wrong[wrong].index, group]
            raise DataError(
                f"DWYER: {column} must be {rule}; group(s) {examples(named)} have {examples(values[wrong])}"
            )


def markov_clv(P, R, discount: float) -> np.ndarray:
    """Always-a-share migration model: V = (I − P / (1 + d))⁻¹ R, the value of a customer in each state.

    ``P`` is the state-to-state transition matrix (rows sum to 1), ``R`` the margin earned in each
    state per period (earned now, then discounted by one period per step).
    """
    P, R = np.asarray(P, dtype=float), np.asarray(R, dtype=float)
    if P.ndim != 2 or P.shape[0] != P.shape[1] or P.shape[0] != len(R):
        raise ValueError(
            f"P must be square with one row per state and R one value per state; got {P.shape} and {R.shape}"
        )
    if np.any(P < 0) or not np.allclose(P.sum(axis=1), 1):
        raise ValueError("P must be non-negative with rows summing to 1")
    if discount <= 0:
        raise ValueError("discount must be positive for the infinite sum to converge")
    return np.linalg.solve(np.eye(len(R)) - P / (1 + discount), R)


def event_value(events: pd.DataFrame, discount: float) -> pd.DataFrame:
    """Customer event prediction: value = probability × value / (1 + d)^periods_ahead per event,
    summed per customer. ``events`` has customer_id, probability, value, periods_ahead.
    """
    missing = [c for c in ("customer_id", "probability", "value", "periods_ahead") if c not in events.columns]
    if missing:
        raise MissingColumnError(
            f"events: no column(s) {', '.join(missing)}; columns: {', '.join(map(str, events.columns))}"
        )
    wrong = ~events["probability"].between(0, 1)
    if wrong.any():
        raise DataError(
            f"events: probability must be between 0 and 1; {int(wrong.sum())} row(s) have "
            f"{examples(events.loc[wrong, 'probability'])}, e.g. row(s) {examples(events.index[wrong])}"
        )
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
    out = table.groupby("frequency").agg(
        customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean")
    )
    return out.reset_index()


def model_unit(model, unit: str | None) -> str:
    """The model's time unit: ``unit`` or the model's ``unit_``, which must agree when both are known."""
    fitted = getattr(model, "unit_", None)
    if unit is None and fitted is None:
        raise ValueError(
            "the model's time unit is unknown: pass unit='D', 'W' or 'M', the unit of the summary it was fitted on"
        )
    if unit is not None and fitted is not None and unit != fitted:
        raise ValueError(
            f"unit={unit!r} but the model was fitted in unit {fitted!r}: predictions would be off by the ratio"
        )
    return units.check_unit(unit or fitted)


def frequency_recency_matrix(model, T: float, max_frequency: int = 20, t: float = 1.0, steps: int = 20) -> pd.DataFrame:
    """Expected purchases in the next ``t`` and P(alive) for every (frequency, recency) of a customer
    observed for ``T``: the grid behind the frequency–recency charts."""
    frequency = np.arange(0, max_frequency + 1)
    recency = np.linspace(0, T, steps + 1)
    grid = pd.DataFrame(
        [(x, tx, T) for x in frequency for tx in recency if (x > 0 or tx == 0)], columns=["frequency", "recency", "T"]
    )
    grid["expected"] = model.expected_purchases(t, grid)
    grid["p_alive"] = model.p_alive(grid)
    return grid
