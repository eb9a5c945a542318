"""summarize: hand-computed customer tables, input kinds, errors and properties."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custval import summary as summary_module
from custval.errors import DataError, MissingColumnError
from custval.summary import customer_aggregates, summarize

MONTH = 365.25 / 12


def frame(rows, columns=("customer_id", "order_date", "amount", "order_id")) -> pd.DataFrame:
    """A transactions frame in the contract types from (id, date, amount, ...) tuples."""
    out = pd.DataFrame(rows, columns=list(columns))
    out["customer_id"] = out["customer_id"].astype("string")
    out["order_date"] = pd.to_datetime(out["order_date"], format="ISO8601")
    out["amount"] = out["amount"].astype("float64")
    if "order_id" in out:
        out["order_id"] = out["order_id"].astype("string")
    return out


# Customer A: two orders on Jan 1 (10 + 5), an order on Jan 4 at 12:30 (20) with a same-day
#   return of 5 booked on the same order, a return of 3 on Jan 8 (no purchase that day), 30 on
#   Jan 11.
# Customer B: one purchase of 0.00 on Jan 5.
# Customer C: 40 on Jan 10, and 99 on Jan 20, after as_of.
# Customer D: nothing but returns, Jan 6 (-7) and Jan 9 (-2).
# Customer E: only a line after as_of.
# Customer F: a return on Jan 3, a purchase of 25 on Jan 12.
TX = frame(
    [
        ("A", "2024-01-01", 10.0, "A1"),
        ("A", "2024-01-01", 5.0, "A2"),
        ("A", "2024-01-04 12:30", 20.0, "A3"),
        ("A", "2024-01-04", -5.0, "A3"),
        ("A", "2024-01-08", -3.0, "A5"),
        ("A", "2024-01-11", 30.0, "A4"),
        ("B", "2024-01-05", 0.0, "B1"),
        ("C", "2024-01-10", 40.0, "C1"),
        ("C", "2024-01-20", 99.0, "C2"),
        ("D", "2024-01-06", -7.0, "D1"),
        ("D", "2024-01-09", -2.0, "D2"),
        ("E", "2024-01-16", 10.0, "E1"),
        ("F", "2024-01-03", -4.0, "F1"),
        ("F", "2024-01-12", 25.0, "F2"),
    ]
)
AS_OF = "2024-01-15"


def row(table: pd.DataFrame, customer: str) -> pd.Series:
    found = table[table["customer_id"] == customer]
    assert len(found) == 1, f"{customer} should be exactly one row"
    return found.iloc[0]


@pytest.fixture(scope="module")
def daily() -> pd.DataFrame:
    return summarize(TX, as_of=AS_OF)


def test_columns_order_and_dtypes(daily):
    assert list(daily.columns) == [
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
        "only_returns",
    ]
    assert isinstance(daily["customer_id"].dtype, pd.StringDtype)
    assert daily["frequency"].dtype == "int64" and daily["n_orders"].dtype == "int64"
    for column in ("recency", "T", "monetary", "revenue", "profit"):
        assert daily[column].dtype == "float64", column
    for column in ("first_purchase", "last_purchase"):
        assert pd.api.types.is_datetime64_dtype(daily[column]), column
    assert daily["only_returns"].dtype == bool


def test_customers_sorted_and_later_customers_absent(daily):
    # E's only line is after as_of, so E is not a customer yet.
    assert daily["customer_id"].tolist() == ["A", "B", "C", "D", "F"]


def test_same_day_lines_merge_and_returns_net(daily):
    # Occasions: Jan 1 (10 + 5 = 15), Jan 4 (20 - 5 = 15), Jan 11 (30); the Jan 8 return is no
    # occasion. frequency 2, recency Jan 11 - Jan 1 = 10 days, T Jan 15 - Jan 1 = 14 days,
    # monetary (15 + 30) / 2 = 22.5, orders A1 A2 A3 A4 = 4, revenue 10+5+20-5-3+30 = 57.
    a = row(daily, "A")
    assert (a.frequency, a.recency, a["T"], a.monetary) == (2, 10.0, 14.0, 22.5)
    assert (a.n_orders, a.revenue) == (4, 57.0)
    assert a.first_purchase == pd.Timestamp("2024-01-01")
    assert a.last_purchase == pd.Timestamp("2024-01-11")
    assert not a.only_returns


def test_without_merge_each_order_is_an_occasion():
    # A's occasions are the orders A1 (10), A2 (5), A3 (20 - 5 = 15, its return nets in), A4 (30):
    # frequency 3. Two orders share the first day; the first is A1 (smallest order_id), so
    # monetary = (5 + 15 + 30) / 3.
    table = summarize(TX, as_of=AS_OF, merge_same_day=False)
    a = row(table, "A")
    assert (a.frequency, a.recency, a["T"], a.n_orders, a.revenue) == (3, 10.0, 14.0, 4, 57.0)
    assert a.monetary == pytest.approx(50 / 3)


def test_without_merge_or_order_id_each_line_is_an_occasion():
    # Lines 10, 5 on Jan 1 and 20 on Jan 4; the -5 return has no order to net into.
    # The first occasion (Jan 1) is the smaller line, 5: monetary = (10 + 20) / 2 = 15.
    tx = TX[TX["customer_id"] == "A"].drop(columns="order_id")
    a = row(summarize(tx, as_of="2024-01-05", merge_same_day=False), "A")
    assert (a.frequency, a.monetary, a.n_orders, a.revenue) == (2, 15.0, 3, 30.0)
    merged = row(summarize(tx, as_of="2024-01-05"), "A")
    # Merged: Jan 1 (15) and Jan 4 (20 - 5 = 15).
    assert (merged.frequency, merged.monetary, merged.n_orders) == (1, 15.0, 3)


def test_single_zero_purchase_is_a_customer(daily):
    b = row(daily, "B")
    assert (b.frequency, b.recency, b["T"], b.monetary, b.n_orders, b.revenue) == (0, 0.0, 10.0, 0.0, 1, 0.0)
    assert not b.only_returns


def test_as_of_cuts_later_lines(daily):
    # The 99 on Jan 20 is after as_of: C has one occasion (Jan 10), T = 5 days.
    c = row(daily, "C")
    assert (c.frequency, c["T"], c.revenue, c.n_orders) == (0, 5.0, 40.0, 1)
    assert c.last_purchase == pd.Timestamp("2024-01-10")


def test_default_as_of_is_latest_date():
    # Latest line is C's on Jan 20: A's T = 19 days, C has two occasions 10 days apart.
    table = summarize(TX)
    assert row(table, "A")["T"] == 19.0
    c = row(table, "C")
    assert (c.frequency, c.recency, c.monetary) == (1, 10.0, 99.0)


def test_return_only_customer_is_kept(daily):
    # D: first line Jan 6, T = 9 days, revenue -9; everything about purchases is 0.
    d = row(daily, "D")
    assert d.only_returns
    assert (d.frequency, d.recency, d["T"], d.monetary, d.n_orders, d.revenue) == (0, 0.0, 9.0, 0.0, 0, -9.0)
    assert d.first_purchase == d.last_purchase == pd.Timestamp("2024-01-06")
    assert daily["only_returns"].sum() == 1


def test_return_before_first_purchase_counts_in_revenue_only(daily):
    # F: first occasion Jan 12 (T = 3); revenue -4 + 25 = 21.
    f = row(daily, "F")
    assert (f.frequency, f["T"], f.revenue, f.n_orders) == (0, 3.0, 21.0, 1)
    assert f.first_purchase == pd.Timestamp("2024-01-12")


@pytest.mark.parametrize("unit, days", [("D", 1.0), ("W", 7.0), ("M", MONTH)])
def test_units(unit, days):
    a = row(summarize(TX, as_of=AS_OF, unit=unit), "A")
    assert a.recency == pytest.approx(10 / days)
    assert a["T"] == pytest.approx(14 / days)
    assert a.monetary == 22.5


def test_months_are_continuous():
    # 14 days are 14 / 30.4375 = 0.45996 months, not a calendar month count.
    assert row(summarize(TX, as_of=AS_OF, unit="M"), "A")["T"] == pytest.approx(0.459959, abs=1e-6)


def test_calibration_and_holdout():
    # calibration_end Jan 7, as_of Jan 15 (8 days of holdout).
    # A: calibration occasions Jan 1 (15) and Jan 4 (15): frequency 1, recency 3, T 6,
    #    monetary 15, orders A1 A2 A3, revenue 30; holdout: Jan 11 (30) -> 1 occasion, mean 30.
    # B: Jan 5, T 2. C and F first buy after Jan 7: not in the table. D: only returns, first
    #    Jan 6, T 1, calibration revenue -7. E: after as_of.
    table = summarize(TX, as_of=AS_OF, calibration_end="2024-01-07")
    assert table["customer_id"].tolist() == ["A", "B", "D"]
    assert list(table.columns[-4:]) == ["frequency_holdout", "monetary_holdout", "duration_holdout", "only_returns"]
    a = row(table, "A")
    assert (a.frequency, a.recency, a["T"], a.monetary, a.n_orders, a.revenue) == (1, 3.0, 6.0, 15.0, 3, 30.0)
    assert (a.frequency_holdout, a.monetary_holdout, a.duration_holdout) == (1, 30.0, 8.0)
    b = row(table, "B")
    assert (b["T"], b.frequency_holdout, b.monetary_holdout) == (2.0, 0, 0.0)
    d = row(table, "D")
    assert d.only_returns and (d["T"], d.revenue, d.frequency_holdout) == (1.0, -7.0, 0)
    assert table["frequency_holdout"].dtype == "int64"


def test_calibration_in_weeks():
    table = summarize(TX, as_of=AS_OF, calibration_end="2024-01-07", unit="W")
    assert row(table, "A").duration_holdout == pytest.approx(8 / 7)
    assert row(table, "A")["T"] == pytest.approx(6 / 7)


def test_calibration_end_must_be_before_as_of():
    with pytest.raises(ValueError, match="calibration_end"):
        summarize(TX, as_of=AS_OF, calibration_end=AS_OF)
    with pytest.raises(ValueError, match="calibration_end"):
        summarize(TX, calibration_end="2024-02-01")  # default as_of is Jan 20


# --------------------------------------------------------------------------- profit


def test_profit_from_profit_column():
    tx = TX.assign(profit=TX["amount"] * 0.25, cost=1.0)  # profit wins over cost
    a = row(summarize(tx, as_of=AS_OF), "A")
    assert a.profit == pytest.approx(57 * 0.25)


def test_profit_from_cost():
    # A's lines up to as_of: 6 lines with cost 1 each: 57 - 6 = 51.
    a = row(summarize(TX.assign(cost=1.0), as_of=AS_OF), "A")
    assert a.profit == pytest.approx(51.0)


def test_profit_missing_is_nan(daily):
    assert daily["profit"].isna().all()


# --------------------------------------------------------------------------- input kinds


def test_pandas_csv_parquet_and_ibis_give_identical_results(tmp_path):
    tx = TX.copy()
    tx["customer_id"] = "00" + tx["customer_id"]  # leading zeros must survive a CSV
    expected = summarize(tx, as_of=AS_OF, calibration_end="2024-01-07")
    assert expected["customer_id"].iloc[0] == "00A"
    csv = tmp_path / "tx.csv"
    tx.to_csv(csv, index=False)
    parquet = tmp_path / "tx.parquet"
    tx.to_parquet(parquet)
    con = ibis.duckdb.connect()
    inputs = {
        "csv": csv,
        "csv as str": str(csv),
        "parquet": parquet,
        "memtable": ibis.memtable(tx),
        "bound table": con.create_table("tx", ibis.memtable(tx)),
    }
    for name, source in inputs.items():
        got = summarize(source, as_of=AS_OF, calibration_end="2024-01-07")
        pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=name)


def test_numeric_customer_ids_in_csv_are_text(tmp_path):
    csv = tmp_path / "tx.csv"
    csv.write_text("customer_id,order_date,amount\n007,2024-01-01,5\n007,2024-01-02,6\n12,2024-01-02,1\n")
    table = summarize(csv)
    assert table["customer_id"].tolist() == ["007", "12"]
    assert row(table, "007").frequency == 1


def test_integer_customer_ids_and_date_column():
    tx = pd.DataFrame(
        {
            "customer_id": [2, 10, 2],
            "order_date": [dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 3)],
            "amount": [1, 2, 3],
        }
    )
    table = summarize(tx)
    # Text ids sort as text: "10" before "2".
    assert table["customer_id"].tolist() == ["10", "2"]
    assert row(table, "2").recency == 2.0


def test_other_columns_are_ignored():
    got = summarize(TX.assign(region="华东", quantity=3), as_of=AS_OF)
    pd.testing.assert_frame_equal(got, summarize(TX, as_of=AS_OF))


def test_explicit_engine():
    con = ibis.duckdb.connect()
    pd.testing.assert_frame_equal(summarize(TX, as_of=AS_OF, engine=con), summarize(TX, as_of=AS_OF))


@pytest.mark.parametrize("calibration_end", [None, "2024-01-07"])
def test_empty_input(calibration_end):
    table = summarize(TX.iloc[:0], calibration_end=calibration_end)
    assert len(table) == 0
    expected = summarize(TX, as_of=AS_OF, calibration_end=calibration_end)
    assert list(table.columns) == list(expected.columns)
    assert table.dtypes.to_dict() == expected.dtypes.to_dict()


def test_as_of_before_all_data_gives_empty_table():
    assert len(summarize(TX, as_of="2023-12-31")) == 0


# --------------------------------------------------------------------------- determinism


def random_transactions(n: int, customers: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": pd.array([f"C{i:05d}" for i in rng.integers(0, customers, n)], dtype="string"),
            "order_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "amount": np.round(rng.gamma(2.0, 30.0, n) * np.where(rng.random(n) < 0.05, -1, 1), 2),
            "profit": rng.normal(5.0, 3.0, n),
        }
    )


def test_deterministic_on_a_parallel_engine():
    tx = random_transactions(300_000, 20_000, seed=1)
    first = summarize(tx, engine=ibis.duckdb.connect(threads=4), calibration_end="2023-09-30")
    second = summarize(tx, engine=ibis.duckdb.connect(threads=4), calibration_end="2023-09-30")
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    # Shuffled input lines describe the same customers.
    shuffled = tx.sample(frac=1.0, random_state=3).reset_index(drop=True)
    third = summarize(shuffled, engine=ibis.duckdb.connect(threads=4), calibration_end="2023-09-30")
    pd.testing.assert_frame_equal(first, third, check_exact=True)


# --------------------------------------------------------------------------- errors


def test_missing_column_names_it_and_lists_available():
    with pytest.raises(MissingColumnError, match="'amount'") as info:
        summarize(TX.drop(columns="amount"))
    assert isinstance(info.value, ValueError)
    assert "customer_id, order_date, order_id" in str(info.value)


def test_unknown_unit():
    with pytest.raises(ValueError, match="'D', 'W', 'M'"):
        summarize(TX, unit="Y")


def test_dates_as_text_are_rejected():
    with pytest.raises(DataError, match="'order_date' must be date or timestamp"):
        summarize(TX.assign(order_date=TX["order_date"].dt.strftime("%Y-%m-%d")))


def test_text_amounts_are_rejected():
    with pytest.raises(DataError, match="'amount' must be numeric"):
        summarize(TX.assign(amount=TX["amount"].astype(str)))


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("amount", np.nan, "'amount' has 1 empty or non-finite"),
        ("amount", np.inf, "'amount' has 1 empty or non-finite"),
        ("order_date", pd.NaT, "'order_date' has 1 empty"),
        ("customer_id", pd.NA, "'customer_id' has empty"),
    ],
)
def test_missing_required_values_are_an_error(column, value, message):
    tx = TX.copy()
    tx.loc[3, column] = value
    with pytest.raises(DataError, match=message):
        summarize(tx)


def test_bad_dates_as_arguments():
    with pytest.raises(ValueError, match="as_of"):
        summarize(TX, as_of="not a date")
    with pytest.raises(ValueError, match="calibration_end"):
        summarize(TX, calibration_end="2024-13-45")


def test_file_errors(tmp_path):
    with pytest.raises(DataError, match="找不到文件 .*missing.parquet"):
        summarize(tmp_path / "missing.parquet")
    other = tmp_path / "tx.json"
    other.write_text("{}")
    with pytest.raises(DataError, match="不支持的文件类型 '.json'.*Parquet 文件夹"):
        summarize(other)
    with pytest.raises(TypeError, match="DataFrame"):
        summarize([("A", "2024-01-01", 1.0)])


# --------------------------------------------------------------------------- portability


def test_expression_compiles_for_pyspark(monkeypatch):
    """The same expression must run on Ibis's PySpark backend: it compiles with its compiler."""
    from ibis.config import Config

    class PySparkOptions(Config):
        treat_nan_as_null: bool = False

    monkeypatch.setattr(ibis.options, "pyspark", PySparkOptions())
    schema = {
        "customer_id": "string",
        "order_date": "timestamp",
        "amount": "float64",
        "order_id": "string",
        "cost": "float64",
    }
    table = ibis.table(schema, name="tx")
    shared_days = ibis.table({"day_key": "int32"}, name="shared")  # Spark has no unsigned integers
    for merge in (True, False):
        for calibration_end in (None, dt.date(2024, 1, 7)):
            for shared in (None, shared_days):
                expr = customer_aggregates(table, dt.date(2024, 1, 15), calibration_end, merge, shared)
                sql = ibis.to_sql(expr.order_by("customer_id"), dialect="pyspark")
                assert "GROUP BY" in sql


# --------------------------------------------------------------------------- properties


def reference(tx: pd.DataFrame) -> pd.DataFrame:
    """A plain-Python customer table (days, merged by day) to check summarize against."""
    as_of = tx["order_date"].max()
    out = {}
    for customer, lines in tx.groupby("customer_id"):
        by_day = {}
        for day, amount in zip(lines["order_date"], lines["amount"]):
            bought, value = by_day.get(day, (False, 0.0))
            by_day[day] = (bought or amount >= 0, value + amount)
        occasions = sorted((day, value) for day, (bought, value) in by_day.items() if bought)
        if occasions:
            first, last = occasions[0][0], occasions[-1][0]
            repeat = [value for _, value in occasions[1:]]
        else:
            first = last = lines["order_date"].min()
            repeat = []
        out[customer] = {
            "frequency": len(repeat),
            "recency": (last - first).days,
            "T": (as_of - first).days,
            "monetary": sum(repeat) / len(repeat) if repeat else 0.0,
            "n_orders": int((lines["amount"] >= 0).sum()),
            "revenue": lines["amount"].sum(),
            "only_returns": not occasions,
        }
    return pd.DataFrame.from_dict(out, orient="index").sort_index()


def drawn_lines(rows) -> pd.DataFrame:
    """Transaction lines from drawn (customer, day of January, amount[, order, cost]) tuples."""
    out = {
        "customer_id": pd.array([r[0] for r in rows], dtype="string"),
        "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta([r[1] for r in rows], unit="D"),
        "amount": [r[2] for r in rows],
    }
    if len(rows[0]) > 3:
        out["order_id"] = pd.array([r[0] + r[3] for r in rows], dtype="string")
        out["cost"] = [r[4] for r in rows]
    return pd.DataFrame(out)


transactions = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d", "e"]),
        st.integers(0, 30),
        st.sampled_from([-20.0, -2.5, 0.0, 0.01, 3.0, 12.34, 99.99]),
    ),
    min_size=1,
    max_size=40,
).map(drawn_lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transactions)
def test_matches_plain_python_reference(tx):
    got = summarize(tx).set_index("customer_id")
    expected = reference(tx)
    assert got.index.tolist() == expected.index.tolist()
    for column in ("frequency", "n_orders", "only_returns"):
        assert got[column].tolist() == expected[column].tolist(), column
    for column in ("recency", "T", "monetary", "revenue"):
        np.testing.assert_allclose(got[column], expected[column].astype(float), atol=1e-9, err_msg=column)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transactions)
def test_invariants(tx):
    table = summarize(tx)
    purchase_days = tx[tx["amount"] >= 0].drop_duplicates(["customer_id", "order_date"])
    assert (table["frequency"] + 1 - table["only_returns"]).sum() == len(purchase_days)
    assert (table["frequency"] >= 0).all()
    assert (table["recency"] <= table["T"]).all() and (table["recency"] >= 0).all()
    assert table["revenue"].sum() == pytest.approx(tx["amount"].sum())
    assert len(table) == tx["customer_id"].nunique()
    assert ((table["frequency"] == 0) <= (table["monetary"] == 0)).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transactions, st.integers(1, 29))
def test_holdout_adds_up(tx, split):
    # Every purchase day of a customer in the table is either in calibration or in holdout.
    calibration_end = pd.Timestamp("2024-01-01") + pd.Timedelta(days=split)
    if calibration_end >= tx["order_date"].max():
        return
    table = summarize(tx, calibration_end=calibration_end).set_index("customer_id")
    full = summarize(tx).set_index("customer_id")
    kept = full.loc[table.index]
    occasions = table["frequency"] + 1 - table["only_returns"] + table["frequency_holdout"]
    assert occasions.tolist() == (kept["frequency"] + 1 - kept["only_returns"]).tolist()
    assert (table["first_purchase"] <= calibration_end).all()


# --------------------------------------------------------------------------- routing past the groupings

lines_with_orders = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "007"]),
        st.integers(0, 12),
        st.sampled_from([-9.0, -0.5, 0.0, 1.25, 7.0, 40.0]),
        st.sampled_from(["o1", "o2", "o3"]),
        st.sampled_from([0.0, 0.5, 3.0]),
    ),
    min_size=1,
    max_size=30,
).map(drawn_lines)


def routed(tx, **options) -> pd.DataFrame:
    """summarize with the shared-day routing on however small the input."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(summary_module, "ROUTE_MIN_LINES", 0)
        patch.setattr(summary_module, "ROUTE_MAX_SHARED", 1.0)
        return summarize(tx, **options)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines_with_orders, st.booleans(), st.sampled_from([None, "2024-01-06"]), st.booleans())
def test_routing_gives_the_same_table(tx, merge_same_day, calibration_end, with_orders):
    tx = tx if with_orders else tx.drop(columns="order_id")
    if calibration_end is not None and tx["order_date"].max() <= pd.Timestamp(calibration_end):
        calibration_end = None
    options = {"merge_same_day": merge_same_day, "calibration_end": calibration_end}
    pd.testing.assert_frame_equal(routed(tx, **options), summarize(tx, **options), check_exact=True)


@pytest.mark.parametrize("merge_same_day", [True, False])
@pytest.mark.parametrize("calibration_end", [None, "2024-01-07"])
def test_routing_corrects_the_shared_days(merge_same_day, calibration_end):
    # Routed, A's lines are first counted one by one: Jan 1 (two orders, 10 and 5) as two occasions
    # and Jan 4 (20 and its -5 return) as one of 20. The grouped shared days correct that: Jan 1 is
    # one occasion of 15 merged, or two orders with A1 (10) first; Jan 4 is 15.
    options = {"as_of": AS_OF, "merge_same_day": merge_same_day, "calibration_end": calibration_end}
    got = routed(TX, **options)
    pd.testing.assert_frame_equal(got, summarize(TX, **options), check_exact=True)
    a = row(got, "A")
    if calibration_end is None:
        assert (a.frequency, a.n_orders) == ((2, 4) if merge_same_day else (3, 4))
        assert a.monetary == pytest.approx(22.5 if merge_same_day else 50 / 3)
    else:
        assert (a.frequency, a.n_orders, a.frequency_holdout, a.monetary_holdout) == (
            (1, 3, 1, 30.0) if merge_same_day else (2, 3, 1, 30.0)
        )


@pytest.mark.parametrize("merge_same_day", [True, False])
def test_routing_on_many_customers_with_baskets(merge_same_day):
    # Baskets of several lines (shared orders and days), same-day returns and a holdout period,
    # over 3,000 customers: the routed table is the grouped one to the last bit.
    tx = random_transactions(60_000, 3_000, seed=7).drop(columns="profit")
    rng = np.random.default_rng(8)
    tx["order_id"] = pd.array([f"O{i}" for i in rng.integers(0, 40_000, len(tx))], dtype="string")
    tx["cost"] = np.round(rng.gamma(2.0, 10.0, len(tx)), 2)
    options = {"merge_same_day": merge_same_day, "calibration_end": "2023-10-31"}
    pd.testing.assert_frame_equal(routed(tx, **options), summarize(tx, **options), check_exact=True)
    pd.testing.assert_frame_equal(
        routed(tx, merge_same_day=merge_same_day), summarize(tx, merge_same_day=merge_same_day), check_exact=True
    )


def aggregated(table, merge_same_day: bool, shared_days=None) -> pa.Table:
    """customer_aggregates over a whole table, run on a fresh DuckDB, sorted by customer."""
    expr = customer_aggregates(table, None, None, merge_same_day, shared_days).order_by("customer_id")
    return ibis.duckdb.connect().to_pyarrow(expr)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines_with_orders, st.lists(st.integers(-(2**63), 2**63 - 1), max_size=20), st.booleans())
def test_extra_shared_keys_change_nothing(tx, extra, merge_same_day):
    # Keys of days with one line (or of no line at all) only send more lines through the grouping.
    table = ibis.memtable(tx)
    lines = summary_module._lines(table, None)
    con = ibis.duckdb.connect()
    keys = con.to_pyarrow(lines.select(k=summary_module._day_key(lines))).column("k").to_numpy()
    shared = ibis.memtable({"day_key": np.unique(np.concatenate([keys, np.array(extra, dtype="int64")]))})
    assert aggregated(table, merge_same_day, shared).equals(aggregated(table, merge_same_day))


def test_a_missing_shared_key_would_change_the_table():
    # The contract matters: A's two lines of Jan 1 are one occasion only when grouped.
    table = ibis.memtable(TX)
    none_shared = ibis.memtable({"day_key": np.array([], dtype="int64")})
    right = aggregated(table, True).to_pandas()
    wrong = aggregated(table, True, none_shared).to_pandas()
    assert wrong.loc[0, "occasions"] == right.loc[0, "occasions"] + 1  # Jan 1 counted twice


def test_repeated_keys_and_their_lines():
    keys, share = summary_module._repeated(np.array([5, 3, 5, 9, 3, 5, -1, 9], dtype="int64"))
    assert keys.tolist() == [3, 5, 9] and share == 7 / 8
    keys, share = summary_module._repeated(np.array([1, 2, 3], dtype="int64"))
    assert keys.tolist() == [] and share == 0.0
    assert summary_module._repeated(np.array([], dtype="int64"))[1] == 0.0


def test_routing_only_when_most_lines_are_alone_on_their_day(monkeypatch):
    monkeypatch.setattr(summary_module, "ROUTE_MIN_LINES", 0)
    monkeypatch.setattr(summary_module, "ROUTE_MAX_SHARED", 0.3)
    table = ibis.memtable(TX)
    con = ibis.duckdb.connect()
    shared = summary_module._route(table, con, None, True, len(TX))
    # A's Jan 1 (two orders) and Jan 4 (a purchase and a return): 4 of 14 lines.
    assert len(con.to_pyarrow(shared)) == 2
    monkeypatch.setattr(summary_module, "ROUTE_MAX_SHARED", 0.25)
    assert summary_module._route(table, con, None, True, len(TX)) is None
    # The first lines decide alone when they already share too many days (the first 2 of A's).
    monkeypatch.setattr(summary_module, "ROUTE_MAX_SHARED", 0.5)
    assert summary_module._route(table, con, None, True, len(TX)) is not None
    monkeypatch.setattr(summary_module, "ROUTE_PROBE", 2)
    assert summary_module._route(table, con, None, True, len(TX)) is None
    # No grouping to skip: every line is an occasion.
    assert summary_module._route(ibis.memtable(TX.drop(columns="order_id")), con, None, False, len(TX)) is None
    monkeypatch.setattr(summary_module, "ROUTE_MIN_LINES", 100)
    monkeypatch.setattr(summary_module, "ROUTE_MAX_SHARED", 1.0)
    assert summary_module._route(table, con, None, True, len(TX)) is None
