"""What every transaction scan shares, so that one expression runs on DuckDB or Spark.

The scans (``summarize``, ``current_value``, ``sales_cube``, ``cohort_retention``) take the
transactions as a pandas DataFrame, a CSV or Parquet path (read out of core by the engine), a table
name on the engine, or an Ibis table. They aggregate in Ibis with portable operations only, fetch
the small result, and finish it in pandas. Money is added as whole multiples of 1/``SCALE``:
integer sums are exact, so results do not depend on how parallel workers split the work.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd

from custval.engines import ENGINES, connect, cores
from custval.errors import DataError, FileFormatError, MissingColumnError
from custval.i18n import t
from custval.io import parquet_parts

SCALE = 10_000
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
PERIODS = ("M", "Q", "Y")
# The column types a scan can use; anything else is refused with the column named.
KINDS = {
    "customer_id": ("text or integer", lambda t: t.is_string() or t.is_integer()),
    "order_id": ("text or integer", lambda t: t.is_string() or t.is_integer()),
    "order_date": ("date or timestamp", lambda t: t.is_date() or t.is_timestamp()),
    "amount": ("numeric", lambda t: t.is_numeric() and not t.is_boolean()),
    "profit": ("numeric", lambda t: t.is_numeric() and not t.is_boolean()),
    "cost": ("numeric", lambda t: t.is_numeric() and not t.is_boolean()),
}


def source(tx, engine=None, required=(), who: str = "this scan") -> tuple[ir.Table, object, str]:
    """The input as an Ibis table, the backend to run on and a name for error messages.

    Required columns must exist and every contract column present must have a usable type.
    """
    table_, con, name = table(tx, engine)
    check_columns(table_, name, required, who)
    return table_, con, name


def check_columns(table: ir.Table, name: str, required, who: str) -> None:
    """Required columns exist and the contract columns have usable types."""
    available = ", ".join(table.columns) or "-"
    for column in required:
        if column not in table.columns:
            raise MissingColumnError(
                f"{name} has no column '{column}', required by {who} "
                f"(required: {', '.join(required)}). Columns available: {available}"
            )
    for column, (expected, ok) in KINDS.items():
        if column in table.columns and not ok(table[column].type()):
            raise DataError(
                f"{name}: column '{column}' must be {expected}, found {table[column].type()}. "
                f"Read the file with custval.read_transactions to convert it. Columns available: {available}"
            )


def scaled(value: ir.NumericValue) -> ir.IntegerValue:
    """A money value as an integer number of 1/SCALE units (nulls stay null)."""
    return (value.cast("float64") * SCALE).round().cast("int64")


def margin(table: ir.Table) -> tuple[ir.NumericValue, str]:
    """Contribution margin of each line (profit, else amount − cost) or, without either, the
    amount; and which basis that is: ``margin`` or ``revenue``."""
    if "profit" in table.columns:
        return table.profit.cast("float64"), "margin"
    if "cost" in table.columns:
        return table.amount.cast("float64") - table.cost.cast("float64"), "margin"
    return table.amount.cast("float64"), "revenue"


def check_period(period: str) -> str:
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)} (month, quarter, year), got {period!r}")
    return period


def period_number(day: ir.Value, period: str) -> ir.IntegerValue:
    """The pandas ``Period`` ordinal of a date's month, quarter or year (1970 = 0), as an integer
    every engine computes the same way."""
    years = day.year().cast("int64") - 1970
    if period == "Y":
        return years
    if period == "Q":
        return years * 4 + day.quarter().cast("int64") - 1
    return years * 12 + day.month().cast("int64") - 1


def period_labels(numbers, period: str) -> pd.PeriodIndex:
    """Period ordinals back as pandas periods (``2024Q1``, ``2024-03``, ``2024`` as text)."""
    return pd.PeriodIndex.from_ordinals(pd.Series(numbers, dtype="int64").to_numpy(), freq=period)


def fetch(con, expr: ir.Table) -> pd.DataFrame:
    """Run ``expr`` on ``con`` and return the (small) result in pandas."""
    return con.to_pyarrow(expr).to_pandas()


def latest(con, table: ir.Table):
    """The latest ``order_date`` in ``table`` as a pandas Timestamp (None when empty)."""
    value = con.to_pyarrow(table.aggregate(latest=table.order_date.max())).column("latest")[0].as_py()
    return None if value is None else pd.Timestamp(value)


# --------------------------------------------------------------------------- inputs


def default_engine():
    """An in-memory DuckDB that uses every core this process may run on."""
    con = ibis.duckdb.connect(threads=cores())
    with contextlib.suppress(duckdb.InvalidInputException):  # Jupyter without ipywidgets: refused, no bar drawn
        con.raw_sql("SET enable_progress_bar = false")
    return con


def backend(engine):
    """The Ibis backend ``engine`` names: a connection as it is, ``"duckdb"`` or ``"spark"`` (a
    local session per the defaults of ``custval.engines``) by name, None for the default."""
    if not isinstance(engine, str):
        return engine
    if engine not in ENGINES:
        raise ValueError(t("err_engine_word", engine=engine, valid=", ".join(map(repr, ENGINES))))
    return default_engine() if engine == "duckdb" else connect(engine)


def table(tx, engine=None) -> tuple[ir.Table, object, str]:
    """The input as an Ibis table, unchecked, with its backend and a name for messages."""
    engine = backend(engine)
    if isinstance(tx, ir.Table):
        return tx, engine or _own_backend(tx), "transactions table"
    if isinstance(tx, pd.DataFrame):
        return ibis.memtable(tx), engine or default_engine(), "transactions frame"
    if isinstance(tx, (str, os.PathLike)):
        con = engine or default_engine()
        return _read(tx, con), con, str(tx)
    raise TypeError(
        "tx must be a pandas DataFrame, a path to a CSV or Parquet file, a table name on the engine "
        f"or an Ibis table, got {type(tx).__name__}"
    )


def _own_backend(table: ir.Table):
    """The backend a bound table lives on; a fresh DuckDB for an in-memory table."""
    try:
        return table.get_backend()
    except Exception:  # unbound memtables have no backend of their own
        return default_engine()


def _read(tx, con) -> ir.Table:
    """A lazy table over a file (CSV, Parquet, or a folder or pattern of Parquet files on the
    engine's file system) or, for a name that is no path (``table`` or ``db.table``), the
    engine's table of that name."""
    text = os.fspath(tx)
    suffix = Path(text).suffix.lower()
    if Path(text).is_dir():
        parquet_parts(Path(text))  # the readers' rule: Parquet files anywhere below, else a clear error
        return con.read_parquet(text)
    if suffix in PARQUET_SUFFIXES:
        _must_exist(text)
        return con.read_parquet(text)
    if suffix in CSV_SUFFIXES:
        _must_exist(text)
        return _read_csv(text, con)
    if "://" in text:  # a remote folder: Parquet, as data lakes keep it
        return con.read_parquet(text)
    if not Path(text).exists() and not any(mark in text for mark in ("/", "\\", "://")):
        return _named_table(text, con)
    supported = ", ".join(CSV_SUFFIXES + PARQUET_SUFFIXES) + ", " + t("scan_sources_too")
    raise FileFormatError(t("err_extension", file=text, suffix=suffix, supported=supported))


def _must_exist(text: str) -> None:
    """Local paths are checked here for a clear message; remote ones (s3a://…) by the engine."""
    if "://" not in text and not any(ch in text for ch in "*?[") and not Path(text).exists():
        raise FileFormatError(t("err_not_found", file=text))


def _named_table(name: str, con) -> ir.Table:
    """``db.table`` or ``table`` on the engine, with the tables it has when there is none."""
    *database, table = name.split(".")
    try:
        return con.table(table, database=".".join(database) or None)
    except Exception:  # each backend raises its own "not found"
        try:
            known = ", ".join(sorted(con.list_tables(database=".".join(database) or None))[:20]) or "—"
        except Exception:  # no such database, or a backend that cannot list
            known = "—"
        raise FileFormatError(t("err_no_table", name=name, engine=con.name, known=known)) from None


def _read_csv(path: str, con) -> ir.Table:
    """CSV with identifier columns kept as text (DuckDB would read ``007`` as the number 7)."""
    table = con.read_csv(path)
    if con.name != "duckdb":
        return table
    ids = {c: "VARCHAR" for c in ("customer_id", "order_id") if c in table.columns}
    if not any(not table[c].type().is_string() for c in ids):
        return table
    return con.read_csv(path, types=ids)
