"""The run's clean tables: written once by the runner, opened by every notebook of the run."""

import pandas as pd
import pytest

from custval import dataset, io, store
from custval.config import read_config
from custval.report.folders import work_folder

BAD_LINES = (
    "客户编号,下单日期,金额\nA1,2024-01-02,5\nA2,2024-02-30,6\nA3,2024-01-05,-2\n,2024-01-06,1\nA1,2024-01-02,5\n"
)


@pytest.fixture
def project(tmp_path):
    """Transactions with a bad date, a missing id, a return and a duplicate, in GBK; customers in UTF-8."""
    (tmp_path / "订单.csv").write_bytes(BAD_LINES.encode("gbk"))
    (tmp_path / "customers.csv").write_text("customer_id,region\nA1,华东\nA2,\nA3,华北\n", encoding="utf-8")
    (tmp_path / "custval.yml").write_text(
        "inputs:\n  transactions: 订单.csv\n  customers: customers.csv\n", encoding="utf-8"
    )
    return tmp_path


def test_stored_tables_are_the_tables_read(project, monkeypatch):
    config = read_config(project / "custval.yml")
    direct = dataset.load(config)
    stored = dataset.load_into(config, project / "work")
    assert all(read.data is None for read in stored.reads.values())  # rows stay on disk until asked for
    pd.testing.assert_frame_equal(stored.quality, direct.quality)
    for table in ("transactions", "customers"):
        pd.testing.assert_frame_equal(getattr(stored, table), getattr(direct, table))
    pd.testing.assert_frame_equal(stored.rejected, direct.rejected)
    assert stored.rejected[["line", "reason"]].values.tolist() == [[3, "bad_date"], [5, "missing_value"]]
    assert stored.quality.set_index("table").loc["transactions", ["returns", "duplicates"]].tolist() == [1, 1]

    monkeypatch.setenv(store.STORE_ENV, str(project / "work"))
    monkeypatch.setattr(io, "read_table", _must_not_read)
    opened = dataset.load(project / "custval.yml")
    pd.testing.assert_frame_equal(opened.transactions, direct.transactions)
    pd.testing.assert_frame_equal(opened.rejected, direct.rejected)


def test_a_store_made_for_other_settings_is_not_opened(project, monkeypatch):
    dataset.load_into(read_config(project / "custval.yml"), project / "work")
    monkeypatch.setenv(store.STORE_ENV, str(project / "work"))
    reads = []
    monkeypatch.setattr(io, "read_table", lambda *a, **k: reads.append(a[0]) or _real_read(*a, **k))
    anonymized = dataset.load(project / "custval.yml", anonymize=True)
    assert sorted(reads) == ["customers", "transactions"]
    assert not anonymized.transactions["customer_id"].isin(["A1", "A2", "A3"]).any()


def test_work_folder_is_removed_and_leaves_no_empty_out(tmp_path):
    out = tmp_path / "reports"
    with pytest.raises(RuntimeError), work_folder(out, "run1") as folder:
        (folder / "x.parquet").write_bytes(b"1")
        raise RuntimeError("the data was unusable")
    assert not out.exists()
    (out / "old").mkdir(parents=True)
    with work_folder(out, "run2") as folder:
        assert folder.parent == out and folder.name.startswith(".")
    assert [p.name for p in out.iterdir()] == ["old"]


_real_read = io.read_table


def _must_not_read(*args, **kwargs):
    raise AssertionError(f"read the input again: {args}")
