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
