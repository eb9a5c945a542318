"""summarize on the CDNOW sample: the published calibration/holdout figures and pandas cross-checks."""

from __future__ import annotations

import pandas as pd
import pytest

from custval.datasets import read_cdnow
from custval.summary import summarize

CALIBRATION_END = pd.Timestamp("1997-09-30")
AS_OF = pd.Timestamp("1998-06-30")


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return read_cdnow()


@pytest.fixture(scope="module")
def table(tx) -> pd.DataFrame:
    return summarize(tx, calibration_end="1997-09-30", unit="W")


def test_published_counts(table):
    # Fader, Hardie & Lee (2005): 2,357 customers, 946 of them repeat buyers in the 39-week
    # calibration period; the lifetimes package gives the same sums for frequency and holdout.
    assert len(table) == 2357
    assert table["frequency"].sum() == 2457
    assert (table["frequency"] > 0).sum() == 946
    assert table["frequency_holdout"].sum() == 1882
    assert (table["duration_holdout"] == 39.0).all()


def test_zero_dollar_customers_are_kept(table, tx):
    zero_only = tx.groupby("customer_id")["amount"].max() == 0
    assert zero_only.sum() == 8
    kept = table.set_index("customer_id").loc[zero_only[zero_only].index]
    assert (kept["revenue"] == 0).all() and not kept["only_returns"].any()


def test_t_of_a_new_year_customer(table):
    first_day = table[table["first_purchase"] == "1997-01-01"]
    assert len(first_day) > 0
    # 1997-01-01 .. 1997-09-30 is 272 days = 38.857 weeks.
    assert first_day["T"].round(3).unique().tolist() == [38.857]


def test_every_customer_starts_in_the_first_quarter(table):
    assert table["first_purchase"].between("1997-01-01", "1997-03-31").all()
    assert not table["only_returns"].any()


def pandas_summary(tx: pd.DataFrame, customer: str) -> dict:
    """One customer's calibration and holdout figures computed directly with pandas."""
    lines = tx[tx["customer_id"] == customer]
    days = lines.groupby("order_date")["amount"].sum().sort_index()
    calibration = days[days.index <= CALIBRATION_END]
    holdout = days[days.index > CALIBRATION_END]
    first = calibration.index[0]
    return {
        "frequency": len(calibration) - 1,
        "recency": (calibration.index[-1] - first).days / 7,
        "T": (CALIBRATION_END - first).days / 7,
        "monetary": calibration.iloc[1:].mean() if len(calibration) > 1 else 0.0,
        "n_orders": int((lines["order_date"] <= CALIBRATION_END).sum()),
        "revenue": lines.loc[lines["order_date"] <= CALIBRATION_END, "amount"].sum(),
        "frequency_holdout": len(holdout),
        "monetary_holdout": holdout.mean() if len(holdout) else 0.0,
    }


def test_cross_check_with_pandas(table, tx):
    # The busiest customers (several purchases on one day among them), and a few others.
    per_day = tx.groupby(["customer_id", "order_date"]).size()
    same_day = per_day[per_day > 1].index.get_level_values(0).unique()[:5].tolist()
    busiest = tx["customer_id"].value_counts().index[:5].tolist()
    customers = sorted(set(same_day + busiest + ["0001", "0100", "1234", "2357"]))
    indexed = table.set_index("customer_id")
    for customer in customers:
        got = indexed.loc[customer]
        for column, expected in pandas_summary(tx, customer).items():
            assert got[column] == pytest.approx(expected, abs=1e-9), (customer, column)


def test_no_customer_lost_without_calibration(tx):
    full = summarize(tx)
    assert len(full) == tx["customer_id"].nunique() == 2357
    assert full["revenue"].sum() == pytest.approx(tx["amount"].sum())
    assert full["T"].max() == (AS_OF - pd.Timestamp("1997-01-01")).days


def test_the_master_file_with_its_header_line_reads_whole():
    from custval.datasets import REFERENCE_DIR

    master = read_cdnow(REFERENCE_DIR / "CDNOW_master.txt")
    assert len(master) == 69_659 and master["customer_id"].nunique() == 23_570
    assert master["order_date"].min() == pd.Timestamp("1997-01-01") and master["amount"].notna().all()
