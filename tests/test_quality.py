"""Data-quality analyses: coverage adds up, anomalies are found and only reported."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from custval import quality
from custval.errors import DataError, MissingColumnError
from custval.i18n import t


def tx_frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 200
    return pd.DataFrame(
        {
            "customer_id": [f"C{i % 20:02d}" for i in range(n)],
            "order_id": [f"O{i:04d}" for i in range(n)],
            "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 120, n), unit="D"),
            "amount": np.round(rng.lognormal(5, 0.3, n), 2),
            "region": ["华东", "华南", None, "华北"] * 50,
        }
    )


def test_coverage_by_month_adds_up_to_every_line():
    tx = tx_frame()
    table = quality.coverage(tx, by="month")
    assert table["month"].tolist() == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert table["lines"].sum() == len(tx)
    assert table["amount"].sum() == pytest.approx(tx["amount"].sum())
    assert table["share_lines"].sum() == pytest.approx(1.0)


def test_coverage_keeps_empty_values_as_their_own_row():
    table = quality.coverage(tx_frame(), by="region")
    assert table["lines"].sum() == 200
    assert "" in set(table["region"]) and table.loc[table["region"] == "", "lines"].item() == 50


def test_coverage_rejects_unknown_or_missing_columns():
    with pytest.raises(ValueError, match="by must be one of") as bad_argument:
        quality.coverage(tx_frame(), by="colour")
    assert not isinstance(bad_argument.value, DataError)  # a caller's mistake, not the user's data
    columns = ", ".join(tx_frame().columns)
    with pytest.raises(MissingColumnError, match=f"the transactions have no column 'channel'; columns: {columns}$"):
        quality.coverage(tx_frame(), by="channel")


def test_anomalies_find_future_dates_extremes_and_excess_returns():
    tx = tx_frame()
    tx.loc[0, "order_date"] = pd.Timestamp("2030-01-01")
    tx.loc[1, "amount"] = 9_000_000.0
    tx = pd.concat(
        [
            tx,
            pd.DataFrame(
                {
                    "customer_id": ["C05"],
                    "order_id": ["R1"],
                    "order_date": [pd.Timestamp("2024-02-01")],
                    "amount": [-1e9],
                    "region": ["华东"],
                }
            ),
        ],
        ignore_index=True,
    )
    found = quality.anomalies(tx, "2024-12-31")
    by_kind = found.groupby("kind")
    assert by_kind.get_group("future_date")["order_id"].tolist() == ["O0000"]
    assert (
        by_kind.get_group("future_date")["detail"].item()
        == (pd.Timestamp("2030-01-01") - pd.Timestamp("2024-12-31")).days
    )
    assert "O0001" in by_kind.get_group("extreme_amount")["order_id"].tolist()
    assert by_kind.get_group("returns_exceed_purchases")["customer_id"].tolist() == ["C05"]
    counts = quality.anomaly_counts(found).set_index("kind")["count"]
    assert counts.sum() == len(found) and counts["future_date"] == 1


def test_no_anomalies_gives_an_empty_typed_table():
    found = quality.anomalies(tx_frame(), "2030-01-01")
    assert found.empty and list(found.columns) == ["kind", "customer_id", "order_id", "order_date", "amount", "detail"]
    assert quality.anomaly_counts(found)["count"].tolist() == [0, 0, 0]


def test_summary_distribution_has_one_row_per_measure():
    summary = pd.DataFrame({m: np.arange(10, dtype=float) for m in quality.SUMMARY_MEASURES})
    table = quality.summary_distribution(summary)
    assert table["measure"].tolist() == list(quality.SUMMARY_MEASURES)
    assert (table["count"] == 10).all() and (table["median"] == 4.5).all() and (table["max"] == 9).all()


def test_rejection_examples_show_the_reason_in_words_and_the_first_lines():
    from custval.dataset import rejections_by_reason

    rejected = pd.DataFrame(
        {
            "table": ["transactions"] * 3,
            "reason": ["bad_date", "bad_date", "missing_value"],
            "column": ["order_date", "order_date", "amount"],
            "line": [7, 3, 9],
        }
    )
    shown = quality.rejection_examples(rejections_by_reason(rejected))
    assert list(shown.columns) == ["table", "reason_text", "column", "rows", "examples"]
    assert shown["rows"].tolist() == [2, 1] and shown["examples"].tolist() == ["7, 3", "9"]
    assert shown["reason_text"].tolist() == [t("reason_bad_date"), t("reason_missing_value")]
    nothing = quality.rejection_examples(rejections_by_reason(rejected.iloc[:0]))
    assert nothing.empty and list(nothing.columns) == list(shown.columns)


def test_the_summary_day_is_as_of_or_the_last_purchase_and_repeat_buyers_bought_twice():
    summary = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "frequency": [0, 2, 1],
            "monetary": [0.0, 30.0, 12.5],
            "last_purchase": pd.to_datetime(["2024-03-01", "2024-05-17", "2024-04-02"]),
        }
    )
    assert quality.summary_day(summary) == date(2024, 5, 17)
    assert quality.summary_day(summary, "2024-06-30") == "2024-06-30"
    assert quality.repeat_buyers(summary)["customer_id"].tolist() == ["b", "c"]


@pytest.mark.parametrize("bitmap_cells", [quality.BITMAP_CELLS, 0])  # a table of flags, or the distinct pairs
def test_coverage_counts_each_customer_once_per_month_across_years(monkeypatch, bitmap_cells):
    monkeypatch.setattr(quality, "BITMAP_CELLS", bitmap_cells)
    tx = tx_frame()
    tx["order_date"] = pd.Timestamp("2023-11-20") + pd.to_timedelta(np.arange(200) % 90, unit="D")
    tx["customer_id"] = tx["customer_id"].astype("string")
    tx.loc[3, "customer_id"] = None  # counted as a line, not as a customer
    table = quality.coverage(tx, by="month")
    month = tx["order_date"].dt.strftime("%Y-%m")
    expected = tx.groupby(month)["customer_id"].nunique()
    assert table["month"].tolist() == ["2023-11", "2023-12", "2024-01", "2024-02"] == expected.index.tolist()
    assert table["customers"].tolist() == expected.tolist()
    assert table["lines"].tolist() == month.value_counts().sort_index().tolist()
    by_region = quality.coverage(tx, by="region")
    assert by_region["customers"].tolist() == tx.groupby(tx["region"].fillna(""))["customer_id"].nunique().tolist()
