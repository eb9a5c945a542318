"""Engines: DuckDB by default, Spark through Ibis's PySpark backend with the same results."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

import custval as cv
from custval import engines
from custval.config import read_config
from custval.datasets import read_cdnow
from custval.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def config_with(tmp_path, text: str) -> Path:
    path = tmp_path / "custval.yml"
    path.write_text((ROOT / "custval.yml").read_text(encoding="utf-8").replace("data/sample/", f"{ROOT}/data/sample/") + text,
                    encoding="utf-8")  # fmt: skip
    return path


def test_engine_and_spark_settings_are_read_and_checked(tmp_path):
    config = read_config(config_with(tmp_path, "engine: spark\nspark:\n  master: local[2]\n  conf: {spark.driver.memory: 2g}\n"))
    assert config.engine == "spark" and config.spark == {"master": "local[2]", "conf": {"spark.driver.memory": "2g"}}
    assert read_config(ROOT / "custval.yml").engine == "duckdb"
    with pytest.raises(ConfigError, match="flink"):
        read_config(config_with(tmp_path, "engine: flink\n"))
    with pytest.raises(ConfigError, match="masterr"):
        read_config(config_with(tmp_path, "engine: spark\nspark: {masterr: local}\n"))


def test_duckdb_is_the_default_and_needs_no_connection():
    assert engines.connect("duckdb") is None


def test_spark_without_pyspark_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark now fails
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(ConfigError, match=r"pip install 'custval\[spark\]'"):
        engines.connect("spark", {"master": "local[1]"})


def test_spark_without_java_says_so(monkeypatch):
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ConfigError, match="Java 17"):
        engines.connect("spark")


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    if not shutil.which("java"):
        pytest.skip("no Java for Spark")
    return engines.connect("spark", {"master": "local[2]"})


@pytest.mark.spark
@pytest.mark.parametrize("options", [{}, {"calibration_end": "1997-09-30", "unit": "W"}, {"merge_same_day": False}])
def test_spark_summary_of_cdnow_equals_duckdb(spark, options):
    tx = read_cdnow()
    expected = cv.summarize(tx, **options)
    pd.testing.assert_frame_equal(cv.summarize(tx, engine=spark, **options), expected, check_exact=False, rtol=1e-9, atol=1e-9)


@pytest.mark.spark
def test_spark_summary_of_the_sample_equals_duckdb(spark):
    tx = cv.load(ROOT / "custval.yml").transactions
    expected = cv.summarize(tx, as_of="2024-12-31")
    pd.testing.assert_frame_equal(cv.summarize(tx, as_of="2024-12-31", engine=spark), expected, check_exact=False, rtol=1e-9, atol=1e-9)


@pytest.mark.spark
def test_report_on_spark_writes_the_same_tables_as_on_duckdb(spark, tmp_path):
    from custval.report import run_report

    config = config_with(tmp_path, f"notebooks: {ROOT / 'notebooks'}\nengine: spark\nspark: {{master: 'local[2]'}}\n")
    only = ["00_data_quality", "04_value_grading"]  # 04 is where the summary feeds the models and grades
    on_spark = run_report(config, out=tmp_path / "spark", name="run", only=only, progress=False)
    on_duckdb = run_report(ROOT / "custval.yml", out=tmp_path / "duckdb", name="run", only=only, progress=False)
    assert on_spark.ok and on_duckdb.ok
    tables = sorted(p.name for p in (on_duckdb.folder / "tables").glob("*.csv"))
    assert "grades.csv" in tables and sorted(p.name for p in (on_spark.folder / "tables").glob("*.csv")) == tables
    for name in tables:
        assert (on_spark.folder / "tables" / name).read_bytes() == (on_duckdb.folder / "tables" / name).read_bytes(), name


def scans_on(tx, engine) -> dict:
    """Every transaction scan besides the summary, on one engine."""
    from custval import grading, market, retention

    cohorts, by_tenure = retention.cohort_retention(tx, period="Q", engine=engine)
    by = [c for c in ("region", "period", "product_category") if c == "period" or c in tx.columns]
    values = ["amount", "profit"] if {"profit", "cost"} & set(tx.columns) else ["amount"]
    return {
        "current_value": grading.current_value(tx, window="12M", engine=engine),
        "sales_cube": market.sales_cube(tx, by=by, period="M", values=values, engine=engine),
        "contribution": market.contribution(tx, by=by[0], period="Y", values=values, engine=engine),
        "customer_values": market.customer_values(tx, engine=engine),
        "cohorts": cohorts,
        "by_tenure": by_tenure,
    }


@pytest.mark.spark
@pytest.mark.parametrize("data", ["sample", "cdnow"])
def test_every_scan_on_spark_equals_duckdb(spark, data):
    tx = cv.load(ROOT / "custval.yml").transactions if data == "sample" else read_cdnow().assign(region="all")
    on_duckdb, on_spark = scans_on(tx, None), scans_on(tx, spark)
    for name, expected in on_duckdb.items():
        assert len(expected), name
        pd.testing.assert_frame_equal(on_spark[name], expected, check_exact=False, rtol=1e-9, atol=1e-9, obj=name)


@pytest.mark.spark
def test_spark_reads_parquet_paths_and_table_names(spark, tmp_path):
    tx = read_cdnow()
    tx.to_parquet(tmp_path / "cdnow.parquet")
    spark.raw_sql(f"CREATE OR REPLACE TEMPORARY VIEW cdnow_lines USING parquet OPTIONS (path '{tmp_path / 'cdnow.parquet'}')")
    expected = cv.summarize(tx)
    for source in (tmp_path / "cdnow.parquet", "cdnow_lines"):
        pd.testing.assert_frame_equal(cv.summarize(source, engine=spark), expected, check_exact=False, rtol=1e-9, atol=1e-9)
