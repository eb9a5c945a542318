"""Time ``custval.summarize`` on about 10 million transactions and print a table.

Usage: ``python benchmarks/bench_summarize.py [--customers N] [--runs 3] [--skip-pandas]``
(``make bench``). The Parquet data set is written once by ``custval.sample.write_sample`` into
``benchmarks/.cache/`` and reused. Each run is a fresh Python process, so peak RSS is the whole
cost of one summary (interpreter, libraries, engine and result) and runs do not warm each other.

Targets (DESIGN.md "Performance targets"): ≤ 1 s and ≤ 3 GB peak memory at 10 million
transactions / 1.65 million customers on 2 cores, at least 10× faster than lifetimes 0.11.3,
whose ``summary_data_from_transaction_data`` takes 11.3 s on the same data on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"
CUSTOMERS = 1_650_000  # about 6.1 lines per customer over 3 years: 10.03 million lines
TARGET_SECONDS = 1.0
TARGET_GB = 3.0
LIFETIMES_SECONDS = 11.3


def peak_gb(*pids: int) -> float:
    """Peak resident memory of this process, plus ``pids`` (e.g. Spark's JVM), plus its waited-for
    children, in GB. ``VmHWM`` rather than ``ru_maxrss`` for this process: Linux carries a
    process's ``ru_maxrss`` over fork and exec, so a worker started by a parent that wrote the
    data sets would report the parent's peak."""
    total_kb = sum(_high_water_kb(pid) for pid in ("self", *pids))
    return (total_kb + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024**2


def _high_water_kb(pid) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss if pid == "self" else 0


def dataset(customers: int) -> Path:
    """The cached transactions Parquet for ``customers`` (written on first use)."""
    folder = CACHE / f"sample-{customers}"
    path = folder / "transactions.parquet"
    if not path.exists():
        from custval.sample import write_sample

        print(f"writing {folder} (once) …", file=sys.stderr, flush=True)
        write_sample(folder, customers=customers, fmt="parquet")
    return path


def worker(kind: str, path: str) -> dict:
    """One timed summary in this process; returns seconds, peak RSS and sizes."""
    if kind == "custval":
        import custval

        start = time.perf_counter()
        table = custval.summarize(path)
        seconds = time.perf_counter() - start
    else:
        import pandas as pd

        start = time.perf_counter()
        table = pandas_summary(pd.read_parquet(path, columns=["customer_id", "order_date", "amount"]))
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_gb": peak_gb(), "customers": len(table)}


def pandas_summary(tx):
    """The same-day-merged frequency/recency/T/monetary with plain pandas groupby, for scale."""
    tx = tx.assign(day=tx["order_date"].dt.floor("D"))
    days = tx.groupby(["customer_id", "day"], sort=False, observed=True)["amount"].sum().reset_index()
    days = days[days["amount"] >= 0]
    first = days.groupby("customer_id")["day"].transform("min")
    per = (
        days.assign(repeat=days["day"] > first)
        .groupby("customer_id")
        .agg(first=("day", "min"), last=("day", "max"), n=("day", "size"))
    )
    as_of = days["day"].max()
    per["frequency"] = per["n"] - 1
    per["recency"] = (per["last"] - per["first"]).dt.days
    per["T"] = (as_of - per["first"]).dt.days
    return per


def timed_runs(kind: str, path: Path, runs: int) -> list[dict]:
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, __file__, "--worker", kind, str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(out.stdout))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-pandas", action="store_true", help="do not time the pandas baseline")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return 0

    import pyarrow.parquet as pq

    path = dataset(args.customers)
    rows = pq.ParquetFile(path).metadata.num_rows
    kinds = ["custval"] + ([] if args.skip_pandas else ["pandas"])
    results = {kind: timed_runs(kind, path, args.runs) for kind in kinds}

    from custval.engines import cores

    print(
        f"summarize benchmark — {rows:,} transactions, {results['custval'][0]['customers']:,} customers, "
        f"{cores()} cores, Python {platform.python_version()}, median of {args.runs} runs"
    )
    print()
    header = f"{'engine':<24}{'median s':>10}{'peak GB':>10}{'rows/s':>14}{'vs lifetimes':>14}"
    print(header)
    print("-" * len(header))
    for kind in kinds:
        seconds = statistics.median(r["seconds"] for r in results[kind])
        peak = max(r["peak_gb"] for r in results[kind])
        label = "custval (Ibis/DuckDB)" if kind == "custval" else "pandas groupby baseline"
        print(f"{label:<24}{seconds:>10.3f}{peak:>10.2f}{rows / seconds:>14,.0f}{LIFETIMES_SECONDS / seconds:>13.1f}×")
    print(
        f"{'lifetimes 0.11.3 (ref.)':<24}{LIFETIMES_SECONDS:>10.1f}{'':>10}{rows / LIFETIMES_SECONDS:>14,.0f}"
        f"{1:>13.1f}×"
    )
    print()
    seconds = statistics.median(r["seconds"] for r in results["custval"])
    peak = max(r["peak_gb"] for r in results["custval"])
    checks = [
        (f"time ≤ {TARGET_SECONDS:g} s", seconds <= TARGET_SECONDS),
        (f"peak memory ≤ {TARGET_GB:g} GB", peak <= TARGET_GB),
        ("≥ 10× faster than lifetimes", LIFETIMES_SECONDS / seconds >= 10),
    ]
    for name, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
