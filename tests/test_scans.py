"""Transaction scans: any input (frame, file, folder, table name), the same numbers as a plain
pandas computation, and the same periods as pandas."""

from __future__ import annotations

from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

import custval as cv
from custval import grading, i18n, market, retention, scans
from custval.errors import FileFormatError, MissingColumnError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sample_tx() -> pd.DataFrame:
    return cv.load(ROOT / "custval.yml").transactions


def random_tx(n=3000, seed=7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2019-12-30") + pd.to_timedelta(rng.integers(0, 1500, n), unit="D")
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in rng.integers(0, 300, n)],
            "order_date": days + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s"),
            "amount": np.round(rng.gamma(2, 40, n) - 5, 2),
            "cost": np.round(rng.gamma(2, 20, n), 2),
            "region": rng.choice(["华东", "华南", None], n),
        }
    )


@pytest.mark.parametrize("period", ["M", "Q", "Y"])
def test_period_numbers_are_pandas_periods(period):
    tx = random_tx()
    table = ibis.memtable(tx)
    numbers = scans.fetch(scans.default_engine(), table.select(n=scans.period_number(table.order_date, period)))["n"]
    expected = tx["order_date"].dt.to_period(period)
    assert list(scans.period_labels(numbers, period)) == list(expected)
    assert scans.period_labels(numbers, period).astype(str).tolist() == expected.astype(str).tolist()


def test_current_value_equals_a_plain_pandas_sum():
    tx = random_tx()
    end = pd.Timestamp("2023-06-30")
    seen = tx[tx["order_date"] <= end]
    margin = (seen["amount"] - seen["cost"]).where(seen["order_date"] > end - pd.DateOffset(months=12), 0.0)
    expected = margin.groupby(seen["customer_id"]).sum()
    found = grading.current_value(tx, window="4Q", as_of=end).set_index("customer_id")["current_value"]
    assert list(found.index) == sorted(seen["customer_id"].unique())
    np.testing.assert_allclose(found.to_numpy(), expected.reindex(found.index).to_numpy(), rtol=0, atol=1e-6)


def test_sales_cube_counts_every_line_and_keeps_empty_keys_last():
    tx = random_tx()
    cube = market.sales_cube(tx, by=("region", "period"), period="Y")
    assert cube["lines"].sum() == len(tx)
    assert cube["region"].isna().tail(cube["region"].isna().sum()).all() and cube["region"].isna().iloc[-1]
    expected = (
        tx.assign(profit=tx["amount"] - tx["cost"])
        .groupby(["region", tx["order_date"].dt.year.astype(str)], dropna=False)["profit"]
        .sum()
    )
    found = cube.set_index(["region", "period"])["profit"]
    np.testing.assert_allclose(found.to_numpy(), expected.reindex(found.index).to_numpy(), atol=1e-6)


def plain_cohorts(tx: pd.DataFrame, period: str) -> tuple[dict, dict]:
    """Retention and activity per (cohort, tenure) by plain set arithmetic on the purchases."""
    bought = tx[tx["amount"] >= 0]
    periods = bought["order_date"].dt.to_period(period)
    sets = {p: set(bought.loc[periods == p, "customer_id"]) for p in periods.unique()}
    first = periods.groupby(bought["customer_id"]).min()
    last = periods.max()
    retention, activity = {}, {}
    for cohort in sorted(first.unique()):
        members = set(first[first == cohort].index)
        for t in range((last - cohort).n + 1):
            now, before = sets.get(cohort + t, set()) & members, sets.get(cohort + t - 1, set()) & members
            activity[(str(cohort), t)] = len(now) / len(members)
            if t and before:
                retention[(str(cohort), t)] = len(now & before) / len(before)
    return retention, activity


@pytest.mark.parametrize("period", ["Y", "Q"])
def test_cohort_rates_equal_a_plain_count(period):
    tx = random_tx()
    assert (tx["amount"] < 0).any()  # returns are in the data and must not count as activity
    retention_expected, activity_expected = plain_cohorts(tx, period)
    rates, curves = retention.cohort_retention(tx, period=period)
    activity, _ = retention.cohort_retention(tx, period=period, measure="activity")
    found = rates.stack().dropna().to_dict()
    assert found.keys() == retention_expected.keys()
    assert np.allclose([found[k] for k in retention_expected], list(retention_expected.values()))
    assert activity.stack().dropna().to_dict() == pytest.approx(activity_expected)
    for cohort in activity.index:  # a tenure the data cannot show yet is empty, not 0
        seen = [t for (c, t) in activity_expected if c == cohort]
        assert activity.loc[cohort].drop(seen).isna().all() and activity.loc[cohort, seen].notna().all()
    assert curves["retention"].iloc[1:].between(0, 1).all() and curves["activity"].iloc[0] == 1.0
    with pytest.raises(ValueError, match="period must be one of"):
        retention.cohort_retention(tx, period="W")


def test_cohort_rates_on_a_file_equal_the_frame(tmp_path):
    tx = random_tx()
    tx.to_parquet(tmp_path / "tx.parquet")
    for expected, found in zip(retention.cohort_retention(tx), retention.cohort_retention(tmp_path / "tx.parquet")):
        pd.testing.assert_frame_equal(found, expected)


def test_parquet_file_folder_and_table_name_give_the_frames_numbers(tmp_path, sample_tx):
    expected = grading.current_value(sample_tx)
    sample_tx.to_parquet(tmp_path / "tx.parquet")
    (tmp_path / "parts").mkdir()
    half = len(sample_tx) // 2
    sample_tx.iloc[:half].to_parquet(tmp_path / "parts" / "a.parquet")
    sample_tx.iloc[half:].to_parquet(tmp_path / "parts" / "b.parquet")
    con = ibis.duckdb.connect()
    con.raw_sql(f"CREATE TABLE transactions AS SELECT * FROM read_parquet('{tmp_path / 'tx.parquet'}')")
    for tx, engine in [(tmp_path / "tx.parquet", None), (str(tmp_path / "parts"), None), ("transactions", con)]:
        pd.testing.assert_frame_equal(grading.current_value(tx, engine=engine), expected)
    cube = market.sales_cube("transactions", by=("region",), engine=con)
    pd.testing.assert_frame_equal(cube, market.sales_cube(sample_tx, by=("region",)))


def test_a_partitioned_folder_is_read_as_the_config_readers_read_it(tmp_path, sample_tx):
    """Files only in ``key=value`` sub-folders, as Spark writes them; the same rule as custval.io."""
    for number, part in enumerate((sample_tx.iloc[:100], sample_tx.iloc[100:])):
        (tmp_path / "tx" / f"batch={number}").mkdir(parents=True)
        part.to_parquet(tmp_path / "tx" / f"batch={number}" / "part.parquet")
    pd.testing.assert_frame_equal(grading.current_value(tmp_path / "tx"), grading.current_value(sample_tx))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileFormatError, match="empty.*Parquet"):
        grading.current_value(tmp_path / "empty")


def test_unknown_inputs_and_columns_are_named(tmp_path):
    con = ibis.duckdb.connect()
    con.raw_sql("CREATE TABLE orders (customer_id VARCHAR)")
    with pytest.raises(FileFormatError, match=r"sales\.lines 既不是文件,也不是 duckdb 引擎上的表"):
        grading.current_value("sales.lines", engine=con)
    i18n.set_lang("en")
    try:
        with pytest.raises(FileFormatError, match=r"sales\.lines is neither a file nor a table on the duckdb engine"):
            grading.current_value("sales.lines", engine=con)
        with pytest.raises(FileFormatError, match="File not found: .*missing.parquet"):
            market.sales_cube(tmp_path / "missing.parquet")
    finally:
        i18n.set_lang("zh")
    with pytest.raises(MissingColumnError, match="no column 'customer_id', required by cohort_retention"):
        retention.cohort_retention(random_tx(10).drop(columns="customer_id"))
