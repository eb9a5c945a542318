"""The engine that runs the transaction-level aggregation: embedded DuckDB by default, Spark
(through Ibis's PySpark backend) when the data outgrows one machine.

Only the scans of transaction lines, whose cost grows with the raw data, run on the engine
(``summarize``, ``grading.current_value``, ``market.sales_cube``/``contribution``/``customer_values``,
``retention.cohort_retention``; see ``custval.scans``); everything after them works on one row per
customer in pandas. ``engine: spark`` in the configuration needs the
``spark`` extra (``pip install 'custval[spark]'``) and Java 17 or newer.
"""

from __future__ import annotations

import atexit
import os
import shutil
import warnings

from custval.errors import ConfigError
from custval.i18n import t

ENGINES = ("duckdb", "spark")
SPARK_KEYS = ("master", "conf", "app_name")
# Spark settings custval sets unless the configuration does: UTC so that dates never shift, no
# web UI or console progress bars (a report run needs neither), errors only in the log, and few
# shuffle partitions for one-machine data (raise it on a cluster).
SPARK_DEFAULTS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.log.level": "ERROR",
    "spark.sql.shuffle.partitions": "8",
}


def cores() -> int:
    """Cores this process may use (its CPU affinity where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def connect(engine: str = "duckdb", spark: dict | None = None):
    """An Ibis backend for ``engine``; None for DuckDB, which ``summarize`` opens itself."""
    if engine == "duckdb":
        return None
    if engine != "spark":
        raise ConfigError(t("err_engine", engine=engine, valid=" / ".join(ENGINES)))
    return spark_backend(spark or {})


def spark_backend(options: dict):
    """A Spark session (local or a cluster, per ``options``) wrapped as an Ibis backend."""
    try:
        import ibis
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError(t("err_spark_missing")) from None
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise ConfigError(t("err_java_missing"))
    # PySpark 4.x warns on every pandas conversion that pandas 3 is "not fully supported"; the
    # results are checked equal to DuckDB's (tests/test_engines.py), so the notice is noise in reports.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    warnings.filterwarnings("ignore", message="The copy keyword is deprecated", module="pyspark")
    builder = SparkSession.builder.master(str(options.get("master", "local[*]"))).appName(
        str(options.get("app_name", "custval"))
    )
    for key, value in {**SPARK_DEFAULTS, **(options.get("conf") or {})}.items():
        builder = builder.config(str(key), str(value))
    session = builder.getOrCreate()
    atexit.register(session.stop)  # stopped before the JVM's own shutdown hooks race the kernel's exit
    return ibis.pyspark.connect(session)
