"""The committed sample and default configuration: what `make report` and a new user see first."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import custval as cv
from custval import i18n, sample
from custval.cli import main
from custval.schema import TABLES

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "custval.yml"
SAMPLE_DIR = ROOT / "data" / "sample"


@pytest.fixture(autouse=True)
def chinese_by_default():
    yield
    i18n.set_lang("zh")


@pytest.fixture(scope="module")
def dataset():
    return cv.load(CONFIG)


@pytest.fixture(scope="module")
def planted():
    return sample.generate().truth["planted_problems"]


def test_committed_sample_is_what_make_sample_writes(tmp_path):
    assert main(["sample", "--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in SAMPLE_DIR.iterdir())
    for name in written:
        assert (tmp_path / name).read_bytes() == (SAMPLE_DIR / name).read_bytes(), name


def test_every_table_of_the_contract_is_configured(dataset):
    assert set(dataset.quality["table"]) == set(TABLES)


def test_rows_read_equal_rows_used_plus_rejected(dataset):
    q = dataset.quality.set_index("table")
    assert (q["rows_read"] == q["rows_used"] + q["rows_rejected"]).all()
    for table in TABLES:
        assert len(getattr(dataset, table)) == q.loc[table, "rows_used"], table
        assert (dataset.rejected["table"] == table).sum() == q.loc[table, "rows_rejected"], table


def test_rows_read_equal_lines_in_the_files(dataset):
    for table in TABLES:
        path = SAMPLE_DIR / f"{table}.csv"
        lines = path.read_text(encoding="utf-8").count("\n") - 1
        assert dataset.quality.set_index("table").loc[table, "rows_read"] == lines, table


def test_exactly_the_planted_bad_rows_are_rejected(dataset, planted):
    rejected = dataset.rejected
    assert len(rejected) == planted["impossible_date"]["count"] + planted["empty_customer_id"]["count"]
    dates = rejected[rejected["reason"] == "bad_date"]
    assert (dates["column"] == "order_date").all()
    assert sorted(dates["value"]) == sorted(planted["impossible_date"]["values"])
    empty = rejected[rejected["reason"] == "missing_value"]
    assert empty["column"].tolist() == ["customer_id"]


def test_returns_zero_amounts_and_duplicates_are_kept_and_flagged(dataset, planted):
    tx = dataset.transactions
    q = dataset.quality.set_index("table").loc["transactions"]
    assert tx["is_return"].sum() == q["returns"] == planted["return"]["count"]
    assert tx["is_zero"].sum() == q["zero_amounts"] == planted["zero_amount"]["count"]
    assert tx["is_duplicate"].sum() == q["duplicates"] == planted["duplicate"]["count"]
    assert set(tx.loc[tx["is_duplicate"], "order_id"]) <= set(planted["duplicate"]["order_ids"])


def test_summary_keeps_every_customer_of_the_transactions(dataset):
    tx = dataset.transactions
    table = cv.summarize(tx)
    assert table["customer_id"].tolist() == sorted(tx["customer_id"].unique())
    assert table["revenue"].sum() == pytest.approx(tx["amount"].sum(), abs=1e-6)
    assert table["n_orders"].sum() == tx.loc[tx["amount"] >= 0, "order_id"].nunique()


def test_validate_on_the_default_configuration(tmp_path, capsys):
    assert main(["validate", "--config", str(CONFIG), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "输入数据可用" in out
    rejected = pd.read_csv(tmp_path / "rejected_rows.csv", encoding="utf-8-sig", keep_default_na=False)
    assert len(rejected) == 3 and set(rejected["file"]) == {str(SAMPLE_DIR / "transactions.csv")}
