"""Every performance target of DESIGN.md in one table (``make bench``).

Usage: ``python benchmarks/bench_all.py [--runs 3]``. Each timing is a fresh Python process (so
peak RSS is the whole cost of that step), median of ``--runs``. Data sets are written once into
``benchmarks/.cache/`` by ``custval.sample.write_sample`` and reused; nothing is committed.

Rows: ``summarize`` at 1 M and 10 M transactions on DuckDB, at 10 M under a DuckDB memory limit
smaller than the data (out of core) and on Spark local mode (when PySpark and Java are there);
the other transaction scans (``market.sales_cube``, ``retention.cohort_retention``,
``grading.current_value``) at 10 M under the same memory limit;
BG/NBD + Gamma-Gamma fits at 100 k and 1.65 M customers, grading 1 M customers, the whole value
chain (current value, summary, fits, five years of future value, grades) at 1 M transactions,
notebook 02's clustering (``segment.features`` + ``segment.cluster``, k chosen from 2–8) at 1.65 M
customers, and the whole report on ``data/sample/``.

Then the report rows of ``bench_report.py``: ``summarize``, each notebook and the whole report at 1 M
and 10 M lines in one run, peak memory per process, ratios to ``summarize`` and the issue-23 targets
(``--report-sizes 1M`` for fewer, ``none`` for none; skipped with ``--only`` unless asked for).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import bench_report  # noqa: E402
from bench_summarize import CUSTOMERS, dataset, peak_gb  # noqa: E402

SMALL = 165_000  # customers: about 1 million transactions
MEMORY_LIMIT = "512MB"  # below the 10 M lines' size in memory, so DuckDB must spill to disk
CASES = {
    # name: (what is timed, rows label, engine, target seconds, target GB)
    "summarize_1m": ("summarize", "transactions", "DuckDB", None, None),
    "bare_group_10m": ("bare GROUP BY customer_id (floor)", "transactions", "DuckDB", None, None),
    "summarize_10m": ("summarize", "transactions", "DuckDB", None, 3.0),
    "summarize_10m_limited": ("summarize", "transactions", f"DuckDB, memory_limit {MEMORY_LIMIT}", None, 3.0),
    "summarize_10m_spark": ("summarize", "transactions", "Spark local[*]", None, None),
    "scans_10m_limited": (
        "cube, cohorts, current value",
        "transactions",
        f"DuckDB, memory_limit {MEMORY_LIMIT}",
        None,
        None,
    ),
    "fit_100k": ("BG/NBD + Gamma-Gamma fit", "customers", "numpy/scipy", None, None),
    "fit_1650k": ("BG/NBD + Gamma-Gamma fit", "customers", "numpy/scipy", 0.5, None),
    "grade_1m": ("A–F grading", "customers", "pandas", None, None),
    "value_chain_1m": ("value chain (ValueChain.fit)", "transactions", "DuckDB + numpy", None, None),
    "cluster_1650k": ("features + k-means (02)", "customers", "scikit-learn", None, 4.0),
    "report_sample": ("custval report (6 notebooks)", "transactions", "DuckDB", 60.0, None),
}
# Targets stated as a ratio to another row of the same run (DESIGN.md: every notebook ≤ 10× the time
# of summarize on the same lines): case → (reference case, ratio).
# summarize: at most 2x a bare DuckDB grouping (count, min, max, sum) of the same Parquet file, in
# place of the absolute 1 s target (its ratio to lifetimes is measured by bench_summarize.py).
RATIO_TARGETS = {"cluster_1650k": ("summarize_10m", 10.0), "summarize_10m": ("bare_group_10m", 2.0)}


def worker(case: str) -> dict:
    """One timed step in this process: seconds, peak RSS, rows and customers."""
    import pandas as pd

    import custval

    if case == "bare_group_10m":
        import bench_summarize
        import pyarrow.parquet as pq

        from custval.engines import cores

        path = dataset(CUSTOMERS)
        start = time.perf_counter()
        table = bench_summarize.bare_grouping(path, cores())
        seconds = time.perf_counter() - start
        rows, customers = pq.ParquetFile(path).metadata.num_rows, len(table)
    elif case.startswith(("summarize", "scans")):
        import pyarrow.parquet as pq

        path = dataset(SMALL if case == "summarize_1m" else CUSTOMERS)
        engine = _engine(case)
        source = engine.read_parquet(path) if case.endswith("spark") else path
        step = custval.summarize if case.startswith("summarize") else scans
        start = time.perf_counter()
        table = step(source, engine=engine)
        seconds = time.perf_counter() - start
        rows, customers = pq.ParquetFile(path).metadata.num_rows, len(table)
    elif case.startswith("fit"):
        from custval.clv import fit_value_models

        summary = _summary().head(100_000 if case == "fit_100k" else None)
        start = time.perf_counter()
        fit_value_models(summary)
        seconds = time.perf_counter() - start
        rows = customers = len(summary)
    elif case == "grade_1m":
        from custval import grading

        summary = _summary().head(1_000_000)
        values = pd.DataFrame(
            {
                "customer_id": summary["customer_id"],
                "current_value": summary["revenue"],
                "future_value": summary["monetary"] * summary["frequency"],
            }
        )
        start = time.perf_counter()
        graded = grading.grade(values)
        grading.grade_table(graded)
        seconds = time.perf_counter() - start
        rows = customers = len(values)
    elif case == "cluster_1650k":
        from custval import segment

        summary = _summary()
        people = pd.read_parquet(
            dataset(CUSTOMERS).with_name("customers.parquet"), columns=["customer_id", "customer_type"]
        )
        start = time.perf_counter()
        found = segment.cluster(segment.features(summary, people))
        seconds = time.perf_counter() - start
        rows = customers = len(found.labels)
    elif case == "value_chain_1m":
        from custval import grading

        path = dataset(SMALL)
        start = time.perf_counter()
        graded = grading.ValueChain().fit(path).grades_
        seconds = time.perf_counter() - start
        rows, customers = pq_rows(path), len(graded)
    else:
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run(
                [
                    str(Path(sys.executable).parent / "custval"),
                    "report",
                    "--config",
                    str(ROOT / "custval.yml"),
                    "--out",
                    out,
                ],
                check=True,
                capture_output=True,
            )
            seconds = time.perf_counter() - start
        tx = custval.load(ROOT / "custval.yml").transactions
        rows, customers = len(tx), tx["customer_id"].nunique()
    jvm = [_jvm_pid(engine)] if case.endswith("spark") else []
    return {"seconds": seconds, "peak_gb": peak_gb(*jvm), "rows": rows, "customers": customers}


def _ratio_verdict(seconds: float, reference: str, ratio: float, medians: dict) -> str:
    """PASS/FAIL against ``ratio`` × the reference row's median of this run, or why it is not judged."""
    if reference not in medians:
        return f"{ratio:g}× {reference}: not judged (run that row too)"
    bound = ratio * medians[reference]
    return f"{'PASS' if seconds <= bound else 'FAIL'} ≤ {ratio:g}× {reference} ({bound:.1f} s)"


def pq_rows(path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def _engine(case: str):
    import ibis

    if case.endswith("spark"):
        from custval.engines import connect

        return connect("spark", {"master": "local[*]"})
    if case.endswith("limited"):
        spill = tempfile.mkdtemp(prefix="custval-spill-")
        return ibis.duckdb.connect(threads=_cores(), memory_limit=MEMORY_LIMIT, temp_directory=spill)
    return None


def scans(path, engine=None):
    """The report's other transaction scans, as 04 and 05 call them; the current-value table."""
    from custval import grading, market, retention

    market.sales_cube(path, by=("region", "product_category"), period="M", engine=engine)
    retention.cohort_retention(path, period="Q", engine=engine)
    return grading.current_value(path, window="12M", engine=engine)


def _jvm_pid(engine) -> int:
    """The process id of the Spark driver's JVM (local mode: all of Spark), to count its memory."""
    return int(engine._session._jvm.java.lang.ProcessHandle.current().pid())


def _summary():
    from bench_fit import cached_summary

    return cached_summary(CUSTOMERS)


def _cores() -> int:
    from custval.engines import cores

    return cores()


def spark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return bool(os.environ.get("JAVA_HOME") or shutil.which("java"))


def report_rows(sizes: str) -> int:
    """``bench_report``'s table at ``sizes`` (none for ``""`` or ``"none"``); the number of its targets missed."""
    if sizes.strip().lower() in ("", "none"):
        return 0
    _, rows = bench_report.report_benchmark(sizes)
    print(bench_report.format_text(rows))
    print(bench_report.verdict_line(rows))
    print()
    return bench_report.missed(rows)


def timed(case: str, runs: int) -> list[dict]:
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, __file__, "--worker", case], check=True, capture_output=True, text=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", help="comma-separated rows to run: " + ", ".join(CASES))
    parser.add_argument("--report-sizes", help="report rows at these sizes (default 1M,10M; none: no report rows)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return 0
    report_sizes = args.report_sizes if args.report_sizes is not None else "" if args.only else "1M,10M"
    try:
        bench_report.parse_sizes("" if report_sizes.lower() == "none" else report_sizes)
    except ValueError as exc:
        parser.error(f"--report-sizes: {exc}")
    dataset(SMALL), dataset(CUSTOMERS), _summary()  # write the cached data before timing anything
    print(
        f"custval benchmarks — {_cores()} cores, Python {sys.version.split()[0]}, median of {args.runs} runs, "
        "each in a fresh process"
    )
    print()
    header = (
        f"{'step':<30}{'rows':>12}{'customers':>11}  {'engine':<28}{'median s':>9}{'peak GB':>9}{'rows/s':>13}  target"
    )
    print(header)
    print("-" * len(header))
    failed = 0
    medians = {}
    only = args.only.split(",") if args.only else list(CASES)
    unknown = sorted(set(only) - set(CASES))
    if unknown:
        parser.error(f"unknown row(s) {', '.join(unknown)}; choose from {', '.join(CASES)}")
    for case, (what, _, engine, target_s, target_gb) in CASES.items():
        if case not in only:
            continue
        if case.endswith("spark") and not spark_available():
            print(f"{what:<30}{'':>12}{'':>11}  {engine:<28}{'skipped: no PySpark or Java (pip install .[spark])':>31}")
            continue
        results = timed(case, args.runs)
        seconds = medians[case] = statistics.median(r["seconds"] for r in results)
        peak = max(r["peak_gb"] for r in results)
        rows, customers = results[0]["rows"], results[0]["customers"]
        verdicts = []
        if target_s is not None:
            verdicts.append(f"{'PASS' if seconds <= target_s else 'FAIL'} ≤ {target_s:g} s")
        if case in RATIO_TARGETS:
            verdicts.append(_ratio_verdict(seconds, *RATIO_TARGETS[case], medians))
        if target_gb is not None:
            verdicts.append(f"{'PASS' if peak <= target_gb else 'FAIL'} ≤ {target_gb:g} GB")
        failed += sum(v.startswith("FAIL") for v in verdicts)
        print(
            f"{what:<30}{rows:>12,}{customers:>11,}  {engine:<28}{seconds:>9.3f}{peak:>9.2f}{rows / seconds:>13,.0f}"
            f"  {', '.join(verdicts) or '—'}"
        )
    print()
    failed += report_rows(report_sizes)
    print(
        "lifetimes 0.11.3 (DESIGN.md reference, 2 cores): summary 11.3 s and BetaGeoFitter.fit 14.6 s at 10 M lines /"
        " 1.65 M customers; see benchmarks/README.md to re-measure it."
    )
    print(
        f"{failed} target(s) missed"
        if failed
        else ("every target met" if not args.only else "every target in these rows met")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
