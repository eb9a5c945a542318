"""Engines: DuckDB by default, Spark through Ibis's PySpark backend with the same results."""

from __future__ import annotations

import importlib.util
import os
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
    path.write_text(
        (ROOT / "custval.yml").read_text(encoding="utf-8").replace("data/sample/", f"{ROOT}/data/sample/") + text,
        encoding="utf-8",
    )
    return path


def test_engine_and_spark_settings_are_read_and_checked(tmp_path):
    config = read_config(
        config_with(tmp_path, "engine: spark\nspark:\n  master: local[2]\n  conf: {spark.driver.memory: 2g}\n")
    )
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


def skip_without_spark(reason: str):
    """Skip a Spark test, unless CI asks for them all to run (CUSTVAL_REQUIRE_SPARK=1 in .ci/run)."""
    if os.environ.get("CUSTVAL_REQUIRE_SPARK"):
        pytest.fail(f"{reason}, but CUSTVAL_REQUIRE_SPARK is set")
    pytest.skip(reason)


def test_spark_without_java_says_so(monkeypatch):
    if importlib.util.find_spec("pyspark") is None:
        skip_without_spark("the spark extra is not installed")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ConfigError, match="Java 17"):
        engines.connect("spark")


@pytest.fixture(scope="module")
def spark():
    if importlib.util.find_spec("pyspark") is None:
        skip_without_spark("the spark extra is not installed")
    if not shutil.which("java"):
        skip_without_spark("no Java for Spark")
    return engines.connect("spark", {"master": "local[2]"})


@pytest.mark.spark
@pytest.mark.parametrize("options", [{}, {"calibration_end": "1997-09-30", "unit": "W"}, {"merge_same_day": False}])
def test_spark_summary_of_cdnow_equals_duckdb(spark, options):
    tx = read_cdnow()
    expected = cv.summarize(tx, **options)
    pd.testing.assert_frame_equal(
        cv.summarize(tx, engine=spark, **options), expected, check_exact=False, rtol=1e-9, atol=1e-9
    )


@pytest.mark.spark
def test_spark_summary_of_the_sample_equals_duckdb(spark):
    tx = cv.load(ROOT / "custval.yml").transactions
    expected = cv.summarize(tx, as_of="2024-12-31")
    pd.testing.assert_frame_equal(
        cv.summarize(tx, as_of="2024-12-31", engine=spark), expected, check_exact=False, rtol=1e-9, atol=1e-9
    )


@pytest.mark.spark
def test_report_on_spark_writes_the_same_tables_as_on_duckdb(spark, tmp_path):
    from custval.report import run_report

    config = config_with(tmp_path, f"notebooks: {ROOT / 'notebooks'}\nengine: spark\nspark: {{master: 'local[2]'}}\n")
    # every notebook that scans transactions (03 reads only the survey)
    only = ["00_data_quality", "01_market_scan", "02_segmentation", "04_value_grading", "05_resources_retention"]
    on_spark = run_report(config, out=tmp_path / "spark", name="run", only=only, progress=False)
    on_duckdb = run_report(ROOT / "custval.yml", out=tmp_path / "duckdb", name="run", only=only, progress=False)
    assert on_spark.ok and on_duckdb.ok
    tables = sorted(p.name for p in (on_duckdb.folder / "tables").glob("*.csv"))
    assert "grades.csv" in tables and sorted(p.name for p in (on_spark.folder / "tables").glob("*.csv")) == tables
    for name in tables:
        assert (on_spark.folder / "tables" / name).read_bytes() == (on_duckdb.folder / "tables" / name).read_bytes(), (
            name
        )
    ledger = "rejected_rows.csv"
    assert (on_spark.folder / ledger).read_bytes() == (on_duckdb.folder / ledger).read_bytes()
    assert len(pd.read_csv(on_duckdb.folder / ledger)) == 3  # the sample's planted bad lines


def scans_on(tx, engine) -> dict:
    """Every transaction scan besides the summary, on one engine."""
    from custval import grading, market, retention

    cohorts, by_tenure = retention.cohort_retention(tx, period="Q", engine=engine)
    by = [c for c in ("region", "period", "product_category") if c == "period" or c in tx.columns]
    values = ["amount", "profit"] if {"profit", "cost"} & set(tx.columns) else ["amount"]
    return {
        "current_value": grading.current_value(tx, window="12M", engine=engine),
        "sales_cube": market.sales_cube(tx, by=by, period="M", values=[*values, "quantity"], engine=engine),
        "contribution": market.contribution(tx, by=by[0], period="Y", values=values, engine=engine),
        "contribution_to_date": market.contribution(tx, by=by[0], values=values, engine=engine, through="2024-04-30"),
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


@pytest.mark.parametrize("word", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_every_scan_takes_the_engine_by_name(word, request):
    if word == "spark":
        request.getfixturevalue("spark")  # skips without pyspark or Java; the session is reused
    tx = cv.load(ROOT / "custval.yml").transactions
    expected, named = scans_on(tx, None), scans_on(tx, word)
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(named[name], frame, check_exact=False, rtol=1e-9, atol=1e-9, obj=name)
    pd.testing.assert_frame_equal(
        cv.summarize(tx, engine=word), cv.summarize(tx), check_exact=False, rtol=1e-9, atol=1e-9
    )


def test_an_unknown_engine_word_lists_the_valid_ones():
    from custval import grading, market, retention

    tx = read_cdnow().head(200)
    scans = [
        cv.summarize,
        grading.current_value,
        market.sales_cube,
        market.contribution,
        market.customer_values,
        retention.cohort_retention,
    ]
    for scan in scans:
        with pytest.raises(ValueError, match=r"engine='duck' .*'duckdb', 'spark'"):
            scan(tx, engine="duck")


@pytest.mark.spark
def test_spark_reads_parquet_paths_and_table_names(spark, tmp_path):
    tx = read_cdnow()
    tx.to_parquet(tmp_path / "cdnow.parquet")
    spark.raw_sql(
        f"CREATE OR REPLACE TEMPORARY VIEW cdnow_lines USING parquet OPTIONS (path '{tmp_path / 'cdnow.parquet'}')"
    )
    expected = cv.summarize(tx)
    for source in (tmp_path / "cdnow.parquet", "cdnow_lines"):
        pd.testing.assert_frame_equal(
            cv.summarize(source, engine=spark), expected, check_exact=False, rtol=1e-9, atol=1e-9
        )


def written(tmp_path, text: str) -> Path:
    path = tmp_path / "inputs.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_table_names_and_remote_paths_need_spark(tmp_path):
    with pytest.raises(ConfigError, match=r"transactions.*sales\.lines.*engine: spark"):
        read_config(written(tmp_path, "inputs:\n  transactions: {table: sales.lines}\n"))
    with pytest.raises(ConfigError, match="s3a://bucket/tx/"):
        read_config(written(tmp_path, "inputs:\n  transactions: s3a://bucket/tx/\n"))
    with pytest.raises(ConfigError, match="transactions.*path.*table"):
        read_config(written(tmp_path, "engine: spark\ninputs:\n  transactions: {path: a.csv, table: t}\n"))
    config = read_config(
        written(
            tmp_path,
            "engine: spark\ninputs:\n  transactions: {table: sales.lines}\n  customers: s3a://lake/customers/\n",
        )
    )
    assert [(s.on_engine, s.source) for s in config.inputs.values()] == [
        (True, "sales.lines"),
        (True, "s3a://lake/customers/"),
    ]


@pytest.mark.spark
def test_a_table_on_spark_is_read_and_checked_like_the_file(spark, tmp_path):
    from custval.dataset import load

    by_file = cv.load(ROOT / "custval.yml")
    raw = pd.read_csv(ROOT / "data/sample/transactions.csv", dtype=str, keep_default_na=False)
    raw.to_parquet(tmp_path / "lines.parquet")
    spark.raw_sql(
        f"CREATE OR REPLACE TEMPORARY VIEW sample_lines USING parquet OPTIONS (path '{tmp_path / 'lines.parquet'}')"
    )
    config = config_with(tmp_path, "engine: spark\nspark: {master: 'local[2]'}\n")
    config.write_text(
        config.read_text(encoding="utf-8").replace(f"path: {ROOT}/data/sample/transactions.csv", "table: sample_lines"),
        encoding="utf-8",
    )
    by_table = load(config)
    assert by_table.config.inputs["transactions"].source == "sample_lines"
    pd.testing.assert_frame_equal(by_table.transactions, by_file.transactions)
    assert len(by_table.rejected) == len(by_file.rejected.query("table == 'transactions'"))


def test_the_readme_spark_cluster_configuration_is_valid(tmp_path):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index("**Configure: a Spark cluster") :]
    block = block[block.index("```yaml") + len("```yaml") : block.index("```\n", block.index("```yaml") + 7)]
    config = read_config(written(tmp_path, block))
    assert config.engine == "spark" and config.spark["master"].startswith("spark://")
    assert {t: (s.on_engine, s.source) for t, s in config.inputs.items()} == {
        "transactions": (True, "s3a://lake/sales/transactions/"),
        "customers": (True, "crm.customers"),
    }
