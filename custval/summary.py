"""Transactions → customer table: the one step whose cost grows with the raw data.

The aggregation is written once as an Ibis expression (:func:`customer_aggregates`) using only
portable operations, so the same expression runs on the embedded DuckDB engine (the default) and
on a distributed backend such as Ibis's PySpark backend. Everything after it works on one row per
customer and is done in memory (:func:`summarize`).

On DuckDB, big inputs are first grouped by customer as if every line were an order and a day of
its own, and only the lines that share their (customer, day) with another line, found by sorting
one key per line in memory (:func:`_route`), go through the order and day groupings to correct
their customers; the result is the same, sooner.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from custval.errors import DataError
from custval.scans import SCALE, scaled, source
from custval.units import unit_days

__all__ = ["customer_aggregates", "summarize"]

REQUIRED = ("customer_id", "order_date", "amount")
BASE_COLUMNS = [
    "customer_id",
    "frequency",
    "recency",
    "T",
    "monetary",
    "n_orders",
    "revenue",
    "profit",
    "first_purchase",
    "last_purchase",
]
# Sending the lines that are alone on their day past the order and day groupings (_route) pays
# from about this many lines, and only while at most this share of lines shares its day.
ROUTE_MIN_LINES = 500_000
ROUTE_MAX_SHARED = 0.2
ROUTE_PROBE = 100_000  # lines looked at first
HOLDOUT_COLUMNS = ["frequency_holdout", "monetary_holdout", "duration_holdout"]
DTYPES = {
    "customer_id": pd.StringDtype(),
    "frequency": "int64",
    "recency": "float64",
    "T": "float64",
    "monetary": "float64",
    "n_orders": "int64",
    "revenue": "float64",
    "profit": "float64",
    "first_purchase": "datetime64[us]",
    "last_purchase": "datetime64[us]",
    "frequency_holdout": "int64",
    "monetary_holdout": "float64",
    "duration_holdout": "float64",
    "only_returns": "bool",
}


def summarize(
    tx,
    as_of=None,
    unit: str = "D",
    calibration_end=None,
    merge_same_day: bool = True,
    engine=None,
) -> pd.DataFrame:
    """One row per customer (sorted by ``customer_id``) from transaction lines.

    ``tx`` is a pandas DataFrame, a path to a CSV or Parquet file (read out of core by the engine),
    a table name on the engine or an Ibis table (``custval.scans``), with the contract columns
    ``customer_id``, ``order_date`` (date or timestamp) and ``amount``; optional ``order_id``,
    ``profit``, ``cost``; others are ignored.
    ``engine`` is an Ibis backend connection; by default an embedded DuckDB using every core.

    Columns: customer_id (string), frequency, recency, T, monetary, n_orders, revenue, profit,
    first_purchase, last_purchase; with ``calibration_end`` also frequency_holdout,
    monetary_holdout, duration_holdout; last ``only_returns``. ``.attrs["unit"]`` records ``unit``.
    Counts are int64, measures float64, days datetime64. An empty input gives an empty frame with these columns.

    Definitions (the project's documented choices):

    - Times of day are dropped: every line belongs to its calendar day. ``as_of`` (default: the
      latest ``order_date`` in the data) is a day too; lines dated after it are not used anywhere.
    - A purchase *occasion* is, with ``merge_same_day=True``, a (customer, day) with at least one
      line of ``amount >= 0``; with ``merge_same_day=False``, each ``order_id`` with such a line
      (each such line when there is no ``order_id`` column; an order whose lines carry several
      dates is one occasion per date). Zero amounts are purchases, so a
      customer whose only purchase is 0.00 is a customer with one occasion.
    - An occasion's value is the sum of its lines' amounts. Returns (``amount < 0``) never create
      an occasion: with ``merge_same_day=True`` a return nets into that day's occasion if the
      customer also bought that day; with ``merge_same_day=False`` it nets into the occasion of
      its own ``order_id``. Otherwise it counts in ``revenue`` and ``profit`` only.
    - ``frequency`` = occasions − 1 (repeat occasions); ``recency`` = last − first occasion and
      ``T`` = ``as_of`` − first occasion, in ``unit``: ``"D"`` days, ``"W"`` weeks of 7 days,
      ``"M"`` months of 365.25 / 12 days (continuous, not calendar, weeks and months).
    - ``monetary`` = mean value of the repeat occasions (the first occasion is excluded, as the
      Gamma-Gamma model requires), 0 when ``frequency`` is 0. With ``merge_same_day=False`` and
      several occasions on the first day, the first is the one with the smallest ``order_id``
      (without order ids: the smallest value).
    - ``n_orders`` = distinct ``order_id`` with a line of ``amount >= 0`` (purchase lines when
      there is no ``order_id``), again once per date.
    - ``revenue`` = sum of all amounts, returns included; ``profit`` = sum of ``profit`` if that
      column exists, else sum of ``amount − cost`` if ``cost`` exists, else NaN.
    - ``first_purchase`` / ``last_purchase`` = days of the first and last occasion.
    - A customer whose lines are all returns is kept (never dropped silently): ``only_returns``
      is True, ``n_orders``, ``frequency``, ``recency`` and ``monetary`` are 0, and
      ``first_purchase`` = ``last_purchase`` = the day of their first line, ``T`` from that day.
    - With ``calibration_end`` the table describes the calibration period: lines up to and
      including that day, ``T`` measured to it, ``n_orders``, ``revenue`` and ``profit`` of that
      period. Customers whose first occasion is after it are not in the result (the convention
      of the ``lifetimes`` package), even when they had returns before it; a customer with only
      returns up to ``as_of`` is kept if the first of them is in the calibration period. ``frequency_holdout`` =
      occasions in (``calibration_end``, ``as_of``], ``monetary_holdout`` = their mean value
      (0 if none), ``duration_holdout`` = ``as_of`` − ``calibration_end`` in ``unit``.
    - Amounts are added exactly in units of 0.0001 (more decimals are rounded), so repeated runs
      on a parallel engine give identical results.
    """
    days_per_unit = unit_days(unit)
    as_of = _day_or_none(as_of, "as_of")
    calibration_end = _day_or_none(calibration_end, "calibration_end")
    table, con, name = source(tx, engine, REQUIRED, "summarize")
    latest, n_lines = _preflight(table, con, name)
    horizon = as_of if as_of is not None else latest
    if calibration_end is not None and horizon is not None and calibration_end >= horizon:
        raise ValueError(
            f"calibration_end ({calibration_end}) must be before as_of ({horizon}); "
            "the holdout period (calibration_end, as_of] would be empty"
        )
    if horizon is None:
        result = _empty(calibration_end is not None)
    else:
        shared = _route(table, con, as_of, merge_same_day, n_lines)
        expr = customer_aggregates(table, as_of, calibration_end, merge_same_day, shared)
        raw = con.to_pyarrow(expr.order_by("customer_id"))
        _fail_on_missing("customer_id", raw.column("customer_id").null_count, table, name)
        result = _finish(raw, horizon, calibration_end, days_per_unit)
    result.attrs["unit"] = unit  # models read it, so that time units are never mixed silently
    return result


# --------------------------------------------------------------------------- the Ibis expression


def customer_aggregates(
    table: ir.Table, as_of=None, calibration_end=None, merge_same_day: bool = True, shared_days=None
) -> ir.Table:
    """Per-customer counts, days and sums from transaction lines, as a portable Ibis expression.

    Sums are integers in units of 1/``SCALE``; days are dates; :func:`summarize` turns them into
    the customer table. Lines after ``as_of`` are dropped; with ``calibration_end`` only customers
    with an occasion in the calibration period (or with nothing but returns) are kept.

    ``shared_days`` (a table with a ``day_key`` column, see :func:`_route`) lists the
    (customer, day) keys that may hold several lines. Then every line is first counted as its own
    order and day, in one grouping by customer, and only the listed lines go through the order and
    day groupings, to correct their customers' counts and first value. The result is the same with
    or without it, as long as every key of a day with several lines is listed.
    """
    lines = _lines(table, as_of)
    if shared_days is None or not _groups_lines(lines, merge_same_day):
        customers = _per_customer(_occasions(lines, merge_same_day), calibration_end, merge_same_day)
    else:
        customers = _corrected(table, as_of, calibration_end, merge_same_day, shared_days)
    if calibration_end is None:
        return customers
    only_returns = (customers.occasions == 0) & (customers.holdout_occasions == 0)
    kept = (customers.occasions > 0) | (only_returns & customers.first_line_day.notnull())
    return customers.filter(kept | customers.customer_id.isnull())


def _lines(table: ir.Table, as_of, keyed: bool = False) -> ir.Table:
    """The columns the summary needs, typed: days instead of times, amounts as scaled integers;
    with ``keyed`` also each line's ``day_key`` (:func:`_day_key`)."""
    columns = table.columns
    amount = table.amount.cast("float64")
    fields = {
        "customer_id": table.customer_id.cast("string"),
        "day": table.order_date.cast("date"),
        "cents": scaled(amount),
        "buy": (amount >= 0).cast("int64"),
    }
    if "order_id" in columns:
        fields["order_key"] = table.order_id.cast("string")
    if "profit" in columns:
        fields["profit"] = scaled(table.profit.cast("float64"))
    elif "cost" in columns:
        fields["profit"] = scaled(amount - table.cost.cast("float64"))
    lines = table.select(**fields)
    if keyed:
        lines = lines.mutate(day_key=_day_key(lines))
    if as_of is not None:
        lines = lines.filter(lines.day <= ibis.literal(as_of, "date"))
    return lines


def _occasions(lines: ir.Table, merge_same_day: bool) -> ir.Table:
    """The rows the customer aggregation counts: days (``merge_same_day``), else orders."""
    if not _groups_lines(lines, merge_same_day):
        return lines  # every line is an occasion
    return _group_lines(lines, merge_same_day)


def _per_customer(occasions: ir.Table, calibration_end, merge_same_day: bool, extra=None) -> ir.Table:
    """The customer aggregation over occasion rows (lines, orders or days); ``extra`` adds the
    aggregates it returns for the marked occasions."""
    occasions = _mark_occasions(occasions, calibration_end)
    if not merge_same_day:
        occasions = occasions.mutate(first_rank=_first_rank(occasions, "order_key" in occasions.columns))
    aggregates = _aggregates(occasions, merge_same_day)
    if extra is not None:
        aggregates |= extra(occasions)
    return occasions.group_by("customer_id").aggregate(**aggregates)


# Customer aggregates that add up over occasions; the others come out the same whether a day's
# lines are grouped first or not (sums over lines, first and last days), except first_value.
ADDITIVE = ("occasions", "occasion_value", "n_orders", "holdout_occasions", "holdout_value")


def _corrected(table: ir.Table, as_of, calibration_end, merge_same_day: bool, shared_days) -> ir.Table:
    """:func:`customer_aggregates` as one grouping of the lines by customer, corrected by the
    lines of the ``shared_days``.

    Counting each line as an occasion of its own is exact for a line alone on its (customer, day).
    The lines of the shared days go through the order and day groupings too, carrying what they
    counted one by one; the difference is added, and the first value is taken from the grouping
    when a customer's first occasion is on a shared day.
    """
    one_by_one = _per_customer(_lines(table, as_of), calibration_end, True)
    keyed = _lines(table, as_of, keyed=True)
    shared = keyed.semi_join(shared_days, keyed.day_key == shared_days.day_key).drop("day_key")
    shared = shared.mutate(line_buys=shared.buy, line_value=shared.cents * shared.buy)
    grouped = _per_customer(_group_lines(shared, merge_same_day), calibration_end, merge_same_day, _line_counts)
    fix = grouped.select(
        fix_customer_id=grouped.customer_id,
        fix_first_day=grouped.first_day,
        fix_first_value=grouped.first_value,
        **{
            f"fix_{name}": grouped[name].fill_null(0) - grouped[f"line_{name}"].fill_null(0)
            for name in ADDITIVE
            if name in grouped.columns
        },
    )
    out = one_by_one.left_join(fix, one_by_one.customer_id == fix.fix_customer_id)
    fields = {}
    for name in one_by_one.columns:
        value = out[name]
        if name in ADDITIVE:
            value = value + out[f"fix_{name}"].fill_null(0)
        elif name == "first_value":
            value = ibis.ifelse(out.fix_first_day == out.first_day, out.fix_first_value, value)
        fields[name] = value
    return out.select(**fields)


def _line_counts(occ: ir.Table) -> dict:
    """The additive aggregates as if every purchase line were an occasion of its own, from the
    ``line_buys`` and ``line_value`` the groupings carried."""
    in_period = occ.in_period if "in_period" in occ.columns else None
    counts = {
        "line_occasions": occ.line_buys.sum(where=in_period),
        "line_occasion_value": occ.line_value.sum(where=in_period),
    }
    counts["line_n_orders"] = counts["line_occasions"]
    if in_period is not None:
        counts["line_holdout_occasions"] = occ.line_buys.sum(where=~in_period)
        counts["line_holdout_value"] = occ.line_value.sum(where=~in_period)
    return counts


def _groups_lines(lines: ir.Table, merge_same_day: bool) -> bool:
    """Whether lines are grouped into orders or days before the customer aggregation."""
    return "order_key" in lines.columns or merge_same_day


def _group_lines(lines: ir.Table, merge_same_day: bool) -> ir.Table:
    orders = _orders(lines) if "order_key" in lines.columns else lines
    return _days(orders) if merge_same_day else orders


def _sums(table: ir.Table) -> dict:
    """Money aggregates that add up unchanged from lines to orders to days."""
    sums = {"cents": table.cents.sum()}
    for name in ("profit", "line_buys", "line_value"):
        if name in table.columns:
            sums[name] = table[name].sum()
    return sums


def _orders(lines: ir.Table) -> ir.Table:
    """One row per (customer, day, order_id); ``buy`` = 1 if the order has a purchase line."""
    keys = ["customer_id", "day", "order_key"]
    return lines.group_by(keys).aggregate(buy=lines.buy.max(), **_sums(lines))


def _days(orders: ir.Table) -> ir.Table:
    """One row per (customer, day); ``buy`` = purchase orders (or purchase lines) that day."""
    return orders.group_by(["customer_id", "day"]).aggregate(buy=orders.buy.sum(), **_sums(orders))


def _mark_occasions(occ: ir.Table, calibration_end) -> ir.Table:
    """Add the day and value of counted occasions (null otherwise) and the period flag.

    Nulls instead of ``where=`` filters keep the per-customer aggregation lean.
    """
    counted = occ.buy > 0
    if calibration_end is not None:
        occ = occ.mutate(in_period=occ.day <= ibis.literal(calibration_end, "date"))
        counted = counted & occ.in_period
    return occ.mutate(
        occ_day=ibis.ifelse(counted, occ.day, ibis.null("date")),
        occ_value=ibis.ifelse(counted, occ.cents, ibis.null("int64")),
    )


def _first_rank(occ: ir.Table, has_order: bool) -> ir.IntegerValue:
    """0 for a customer's first occasion: earliest day, then smallest order_id, then value."""
    order_by = [occ.occ_day.isnull(), occ.occ_day]
    if has_order:
        order_by.append(occ.order_key)
    order_by.append(occ.occ_value)
    return ibis.row_number().over(group_by=occ.customer_id, order_by=order_by)


def _aggregates(occ: ir.Table, merge_same_day: bool) -> dict:
    """Per-customer aggregates over occasion rows (return-only rows included, uncounted)."""
    in_period = occ.in_period if "in_period" in occ.columns else None
    first_value = occ.occ_value.argmin(occ.occ_day) if merge_same_day else occ.occ_value.sum(where=occ.first_rank == 0)
    aggregates = {
        "occasions": occ.occ_day.count(),
        "occasion_value": occ.occ_value.sum(),
        "first_day": occ.occ_day.min(),
        "last_day": occ.occ_day.max(),
        "first_value": first_value,
        "first_line_day": occ.day.min(where=in_period),
        "n_orders": occ.buy.sum(where=in_period),
        "revenue": occ.cents.sum(where=in_period),
    }
    if "profit" in occ.columns:
        aggregates["profit"] = occ.profit.sum(where=in_period)
    if in_period is not None:
        holdout = (occ.buy > 0) & ~in_period
        aggregates["holdout_occasions"] = holdout.cast("int64").sum()
        aggregates["holdout_value"] = occ.cents.sum(where=holdout)
    return aggregates


# --------------------------------------------------------------------------- routing


def _route(table: ir.Table, con, as_of, merge_same_day: bool, n_lines: int):
    """The day keys that may hold several lines, as a table for :func:`customer_aggregates`, or
    None to group every line.

    Grouping lines by (customer, day, order) and then by (customer, day) costs a hash table of
    nearly one entry per line; sorting one column of 32-bit keys in memory finds the few days that
    need it for a fraction of that. Only on DuckDB (on Spark every key would travel to the
    driver), only for inputs big enough for the saving to show (``ROUTE_MIN_LINES``), and only
    while at most ``ROUTE_MAX_SHARED`` of the lines share their day with another line (multi-line
    baskets make the grouping necessary anyway).
    """
    lines = _lines(table, as_of)
    if con.name != "duckdb" or n_lines < ROUTE_MIN_LINES or not _groups_lines(lines, merge_same_day):
        return None
    keys = lines.select(day_key=_day_key(lines))
    # Baskets of several lines show in the first lines already: then the full pass is not paid.
    for probe in (keys.limit(ROUTE_PROBE), keys):
        shared, share = _repeated(con.to_pyarrow(probe).column("day_key").to_numpy())
        if share > ROUTE_MAX_SHARED:
            return None
    return ibis.memtable(pa.table({"day_key": pa.array(shared)}))


def _day_key(lines: ir.Table) -> ir.IntegerValue:
    """A 31-bit key of a line's (customer, day), equal for one customer's lines of one day.

    Different (customer, day) pairs may share a key (some 20,000 of 10 million do); that sends
    their lines through the exact grouping too, which is harmless, and 32-bit integers sort in a
    fifth of the time of 64-bit ones.
    """
    return ((lines.customer_id.hash() ^ lines.day.epoch_days()) & 0x7FFFFFFF).cast("int32")


def _repeated(keys: np.ndarray) -> tuple[np.ndarray, float]:
    """The distinct values that occur more than once in ``keys``, sorted, and the share of the
    keys that are one of them."""
    keys = np.sort(keys)
    repeated = keys[1:] == keys[:-1]
    in_group = np.zeros(len(keys), dtype=bool)
    in_group[1:] = repeated
    in_group[:-1] |= repeated
    twice = keys[1:][repeated]  # sorted: a value's copies are neighbours
    first = np.ones(len(twice), dtype=bool)
    first[1:] = twice[1:] != twice[:-1]
    return twice[first], float(in_group.mean()) if len(keys) else 0.0


# --------------------------------------------------------------------------- inputs


def _day_or_none(value, name: str):
    """A date-like argument as a ``datetime.date`` (times of day dropped), or None."""
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a date, got {value!r} ({exc})") from None
    if pd.isna(stamp):
        raise ValueError(f"{name} must be a date, got {value!r}")
    return stamp.date()


def _preflight(table: ir.Table, con, name: str):
    """The latest day in the data (None when empty) and the number of lines; error on missing
    dates or amounts.

    A line without a date or amount cannot be placed, and dropping it here would lose it
    silently. Empty customer ids are caught on the result, where they form a group of their own.
    """
    amount = table.amount
    bad_amount = amount.isnull()
    if amount.type().is_floating():
        bad_amount = bad_amount | amount.isnan() | amount.isinf()
    expr = table.aggregate(
        latest=table.order_date.max().cast("date"),
        lines=table.count(),
        order_date=table.order_date.isnull().cast("int64").sum(),
        amount=bad_amount.cast("int64").sum(),
    )
    facts = con.to_pyarrow(expr).to_pylist()[0]
    for column in ("order_date", "amount"):
        _fail_on_missing(column, facts[column], table, name)
    return facts["latest"], facts["lines"]


def _fail_on_missing(column: str, count: int, table: ir.Table, name: str) -> None:
    """A clear error for lines without a usable value in a required column."""
    if not count:
        return
    what = {"amount": f"{count} empty or non-finite values", "order_date": f"{count} empty values"}
    raise DataError(
        f"{name}: column '{column}' has {what.get(column, 'empty values')}; every line needs a customer_id, "
        f"order_date and amount (custval.read_transactions rejects such rows with a reason). "
        f"Columns available: {', '.join(table.columns)}"
    )


# --------------------------------------------------------------------------- the customer table


def _finish(raw: pa.Table, horizon, calibration_end, days_per_unit: float) -> pd.DataFrame:
    """The customer table in the documented units, dtypes and column order."""
    horizon_day = np.datetime64(calibration_end if calibration_end is not None else horizon, "D")
    occasions = _ints(raw, "occasions")
    only_returns = occasions == 0
    if calibration_end is not None:
        only_returns &= _ints(raw, "holdout_occasions") == 0
    first_line = _days_of(raw, "first_line_day")
    first = np.where(only_returns, first_line, _days_of(raw, "first_day"))
    last = np.where(only_returns, first_line, _days_of(raw, "last_day"))
    frequency = np.maximum(occasions - 1, 0)
    repeat_value = _money(raw, "occasion_value") - _money(raw, "first_value")
    out = {
        "customer_id": raw.column("customer_id").to_pandas(types_mapper=_string_mapper),
        "frequency": frequency,
        "recency": (last - first).astype("float64") / days_per_unit,
        "T": (horizon_day - first).astype("float64") / days_per_unit,
        "monetary": _mean(repeat_value, frequency),
        "n_orders": _ints(raw, "n_orders"),
        "revenue": _money(raw, "revenue"),
        "profit": _money(raw, "profit") if "profit" in raw.column_names else np.nan,
        "first_purchase": first,
        "last_purchase": last,
    }
    if calibration_end is not None:
        holdout = _ints(raw, "holdout_occasions")
        out["frequency_holdout"] = holdout
        out["monetary_holdout"] = _mean(_money(raw, "holdout_value"), holdout)
        out["duration_holdout"] = (np.datetime64(horizon, "D") - horizon_day).astype("float64") / days_per_unit
    out["only_returns"] = only_returns
    frame = pd.DataFrame(out, copy=False)  # no block consolidation: 0.25 s at 1.65M rows
    return frame.astype({c: DTYPES[c] for c in frame.columns})


def _string_mapper(dtype):
    return pd.StringDtype() if pa.types.is_string(dtype) or pa.types.is_large_string(dtype) else None


def _ints(raw: pa.Table, name: str) -> np.ndarray:
    return raw.column(name).fill_null(0).to_numpy().astype("int64")


def _money(raw: pa.Table, name: str) -> np.ndarray:
    """A scaled integer sum back in currency units; null (no lines) becomes 0, for profit NaN."""
    values = raw.column(name).cast(pa.float64()).to_numpy(zero_copy_only=False)
    if name != "profit":
        values = np.nan_to_num(values, nan=0.0)
    return values / SCALE


def _days_of(raw: pa.Table, name: str) -> np.ndarray:
    return raw.column(name).cast(pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")


def _mean(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    """total / count, 0 where count is 0."""
    return np.divide(total, count, out=np.zeros(len(total)), where=count > 0)


def _empty(holdout: bool) -> pd.DataFrame:
    columns = BASE_COLUMNS + (HOLDOUT_COLUMNS if holdout else []) + ["only_returns"]
    return pd.DataFrame({c: pd.Series(dtype=DTYPES[c]) for c in columns})
