"""Time ``custval.summarize`` against its floor and its reference, side by side, and print a table.

Usage: ``python benchmarks/bench_summarize.py [--customers N | --data FILE] [--runs 3] [--skip-pandas]
[--lifetimes-python PATH | --skip-lifetimes]``. The Parquet data set is written once by
``custval.sample.write_sample`` into ``benchmarks/.cache/`` and reused (``--data`` times another
Parquet file with the same columns instead). Every timed call is a fresh Python process, so peak
RSS is the whole cost of one summary; the kinds take turns run after run, so that a change in the
machine's load falls on all of them alike.

Targets (DESIGN.md "Performance targets"), ratios of medians measured in this one run:

- ``summarize`` at least 10× faster than lifetimes 0.11.3 ``summary_data_from_transaction_data`` on the
  same lines. lifetimes needs pandas < 2, so it runs in its own environment (benchmarks/README.md,
  "Comparing with lifetimes"; ``--lifetimes-python``, by default /tmp/lifetimes-env/bin/python);
  without one the ratio is not judged.
- ``summarize`` at most 2× a bare DuckDB ``GROUP BY customer_id`` with count, min, max and sum on the
  same Parquet file.
- ≤ 3 GB peak memory for ``summarize``.

What is timed, the same way for every kind: from the call (for the bare grouping: opening an
in-memory DuckDB with the thread count ``summarize`` uses) to a pandas DataFrame with one row per
customer in memory. Library imports are done before the clock starts (``custval`` and Ibis's DuckDB
backend; ``duckdb``; ``pandas``/``lifetimes``), the lines are read from the same Parquet file, and
every kind gets the same ``as_of`` (the latest day in the file). The bare grouping fetches its
result as ``summarize`` does: an Arrow table from DuckDB, then pandas (pyarrow's ``to_pandas``);
it neither sorts nor checks its input, which ``summarize`` does. lifetimes and the pandas baseline
read the three columns they need into pandas before the clock starts (they cannot read Parquet lazily).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"
CUSTOMERS = 1_650_000  # about 6.1 lines per customer over 3 years: 10.03 million lines
TARGET_GB = 3.0
TARGET_VS_LIFETIMES = 10.0  # summarize at least this many times faster than lifetimes
TARGET_VS_BARE = 2.0  # summarize at most this many times the bare DuckDB grouping
LIFETIMES_PYTHON = Path("/tmp/lifetimes-env/bin/python")
BARE_SQL = (
    "SELECT customer_id, count(*) AS lines, min(order_date) AS first, max(order_date) AS last, "
    "sum(amount) AS amount FROM read_parquet(?) GROUP BY customer_id"
)
LABELS = {
    "bare": "bare DuckDB GROUP BY",
    "custval": "custval.summarize",
    "pandas": "pandas groupby baseline",
    "lifetimes": "lifetimes 0.11.3",
}
# Run by the lifetimes environment's Python (pandas 1.5, Python 3.11): argv = path, as_of.
LIFETIMES_WORKER = r"""
import json, resource, sys, time
import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data
path, as_of = sys.argv[1], sys.argv[2]
tx = pd.read_parquet(path, columns=["customer_id", "order_date", "amount"])
cpu, start = sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), time.perf_counter()
table = summary_data_from_transaction_data(
    tx, "customer_id", "order_date", "amount", observation_period_end=as_of, freq="D"
)
seconds, cpu = time.perf_counter() - start, sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_gb": peak, "customers": len(table)}))
"""


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


def latest_day(path: Path) -> str:
    """The latest ``order_date`` of the file as ``YYYY-MM-DD`` (the ``as_of`` every kind gets)."""
    import duckdb

    day = duckdb.connect().execute("SELECT max(order_date)::DATE FROM read_parquet(?)", [str(path)]).fetchone()[0]
    return day.isoformat()


def bare_grouping(path, threads: int):
    """The floor: count, min, max and sum per customer straight from the Parquet file, fetched as
    ``summarize`` fetches (Arrow, then pandas)."""
    import duckdb

    con = duckdb.connect(config={"threads": threads})
    con.execute("SET enable_progress_bar = false")
    return con.execute(BARE_SQL, [str(path)]).to_arrow_table().to_pandas()


def worker(kind: str, path: str, as_of: str) -> dict:
    """One timed summary in this process; returns seconds, peak RSS and the number of customers."""
    if kind == "custval":
        import ibis.backends.duckdb  # noqa: F401  (imports before the clock, as for the other kinds)

        import custval

        cpu, start = cpu_seconds(), time.perf_counter()
        table = custval.summarize(path, as_of=as_of)
    elif kind == "bare":
        from custval.engines import cores

        cpu, start = cpu_seconds(), time.perf_counter()
        table = bare_grouping(path, cores())
    else:
        import pandas as pd

        tx = pd.read_parquet(path, columns=["customer_id", "order_date", "amount"])
        cpu, start = cpu_seconds(), time.perf_counter()
        table = pandas_summary(tx)  # its as_of is the latest day, as for the others
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    return {"seconds": seconds, "cpu": cpu, "peak_gb": peak_gb(), "customers": len(table)}


def cpu_seconds() -> float:
    """User and system CPU time of this process so far, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


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


def timed_run(kind: str, path: Path, as_of: str, lifetimes_python: Path) -> dict:
    """One fresh process of ``kind``; its JSON result."""
    if kind == "lifetimes":
        command = [str(lifetimes_python), "-c", LIFETIMES_WORKER, str(path), as_of]
    else:
        command = [sys.executable, __file__, "--worker", kind, str(path), as_of]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def verdict(ok: bool, text: str) -> str:
    return f"{'PASS' if ok else 'FAIL'}  {text}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=CUSTOMERS, help="cached sample size (1650000: 10 M lines)")
    parser.add_argument("--data", type=Path, help="time this Parquet file instead of the cached sample")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-pandas", action="store_true", help="do not time the pandas baseline")
    parser.add_argument("--lifetimes-python", type=Path, default=LIFETIMES_PYTHON)
    parser.add_argument("--skip-lifetimes", action="store_true", help="do not time lifetimes")
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "PATH", "AS_OF"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return 0

    import pyarrow.parquet as pq

    from custval.engines import cores

    path = args.data or dataset(args.customers)
    rows = pq.ParquetFile(path).metadata.num_rows
    as_of = latest_day(path)
    lifetimes = not args.skip_lifetimes and os.access(args.lifetimes_python, os.X_OK)
    kinds = ["bare", "custval"] + ([] if args.skip_pandas else ["pandas"]) + (["lifetimes"] if lifetimes else [])
    results = {kind: [] for kind in kinds}
    for _ in range(args.runs):
        for kind in kinds:
            results[kind].append(timed_run(kind, path, as_of, args.lifetimes_python))
    medians = {kind: statistics.median(r["seconds"] for r in runs) for kind, runs in results.items()}

    print(
        f"summarize benchmark — {path}: {rows:,} transactions, {results['custval'][0]['customers']:,} customers, "
        f"as_of {as_of}; {cores()} cores, Python {platform.python_version()}; median of {args.runs} runs, "
        "each in a fresh process, the kinds taking turns"
    )
    print()
    header = f"{'kind':<26}{'median s':>10}{'min s':>9}{'max s':>9}{'CPU s':>8}{'peak GB':>9}{'rows/s':>13}"
    header += f"{'÷ summarize':>13}"
    print(header)
    print("-" * len(header))
    for kind in kinds:
        seconds = [r["seconds"] for r in results[kind]]
        peak = max(r["peak_gb"] for r in results[kind])
        cpu = statistics.median(r["cpu"] for r in results[kind])
        print(
            f"{LABELS[kind]:<26}{medians[kind]:>10.3f}{min(seconds):>9.3f}{max(seconds):>9.3f}{cpu:>8.2f}{peak:>9.2f}"
            f"{rows / medians[kind]:>13,.0f}{medians[kind] / medians['custval']:>12.2f}×"
        )
    if not lifetimes:
        why = "--skip-lifetimes" if args.skip_lifetimes else f"no {args.lifetimes_python}"
        print(f"{LABELS['lifetimes']:<26}  not run ({why})")
    print()
    vs_bare = medians["custval"] / medians["bare"]
    peak = max(r["peak_gb"] for r in results["custval"])
    if lifetimes:
        vs_lifetimes = medians["lifetimes"] / medians["custval"]
        print(verdict(vs_lifetimes >= TARGET_VS_LIFETIMES, f"{vs_lifetimes:.1f}× faster than lifetimes (≥ 10×)"))
    else:
        print("----  faster than lifetimes (≥ 10×): not judged, lifetimes not run (benchmarks/README.md)")
    print(verdict(vs_bare <= TARGET_VS_BARE, f"{vs_bare:.2f}× the bare DuckDB grouping (≤ 2×)"))
    print(verdict(peak <= TARGET_GB, f"peak memory {peak:.2f} GB (≤ {TARGET_GB:g} GB)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
