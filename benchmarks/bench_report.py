"""The report at 1 M and 10 M transaction lines against ``summarize`` on the same data (``make bench``).

Usage: ``python benchmarks/bench_report.py [--sizes 1M,10M] [--jobs N] [--quick] [--markdown]
[--cache DIR] [--data 1M=/path/to/folder]``.

For each size, in one run: ``custval.summarize`` on the transactions Parquet (median of
``--summarize-runs`` fresh processes, half before the report and half after) and the whole report
(``custval report``) in a subprocess while its process tree (runner, workers, kernels) is sampled
every 0.2 s for peak resident memory.
Each notebook's time, status and kernel memory come from the run's ``manifest.json``.

Data: ``custval sample --customers N --format parquet`` (N = 165,000 per million lines) written once
into ``--cache`` (default: ``custval-bench`` in the system temp folder) with a config next to it,
and reused while ``custval/sample/`` is unchanged; ``--data SIZE=FOLDER`` uses a folder holding
its own ``custval.yml`` instead. The table is also written to ``--cache`` as JSON and CSV.

Targets (issue 23; ratios measured in one run on one machine): at 10 M lines each notebook ≤ 10×
``summarize``, the whole report ≤ 30×, peak memory of any process ≤ 4 GB; the report at 10 M
≤ 5× the report at 1 M.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psutil
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from bench_summarize import peak_gb  # noqa: E402

CUSTOMERS_PER_MILLION = 165_000  # the sample has about 6.06 lines per customer over 3 years
QUICK_SIZE = "0.1M"  # 16,500 customers: a smoke run of a few minutes
TARGET_SIZE, BASE_SIZE = "10M", "1M"
NOTEBOOK_RATIO = 10.0  # each notebook ≤ 10× summarize at TARGET_SIZE
REPORT_RATIO = 30.0  # the whole report ≤ 30× summarize at TARGET_SIZE
PEAK_GB = 4.0  # peak RSS of any one process at TARGET_SIZE
SCALING_RATIO = 5.0  # report at TARGET_SIZE ≤ 5× report at BASE_SIZE
SAMPLE_INTERVAL = 0.2  # seconds between samples of the report's process tree
GB = 2**30
COLUMNS = ("size", "lines", "step", "seconds", "ratio", "peak_gb", "status", "target", "verdict")


def parse_sizes(text: str) -> list[tuple[str, int]]:
    """``"1M,10M"`` → ``[("1M", 165000), ("10M", 1650000)]``: labels in millions of lines, with customers."""
    sizes = []
    for label in (part.strip() for part in text.split(",") if part.strip()):
        match = re.fullmatch(r"(\d+(?:\.\d+)?)M", label, flags=re.IGNORECASE)
        if not match or float(match[1]) <= 0:
            raise ValueError(f"size {label!r}: expected millions of lines such as 1M, 10M or 0.1M")
        sizes.append((label.upper(), round(float(match[1]) * CUSTOMERS_PER_MILLION)))
    return sizes


# --- data ---------------------------------------------------------------------------------------


def sample_stamp(customers: int) -> dict:
    """What a cached data set was made from: a changed sample generator means new data."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "custval" / "sample").rglob("*.py")):
        digest.update(path.read_bytes())
    return {"customers": customers, "format": "parquet", "sample_sha256": digest.hexdigest()}


def sample_config(folder: Path, customers: int, regenerate: bool = False) -> Path:
    """The config of the cached sample of ``customers`` in ``folder`` (written by ``custval sample`` when
    missing, stale or ``regenerate``): every Parquet file as an input, the repo's notebooks folder."""
    stamp, config = folder / "bench-stamp.json", folder / "custval.yml"
    if (
        not regenerate
        and config.exists()
        and stamp.exists()
        and json.loads(stamp.read_text()) == sample_stamp(customers)
    ):
        return config
    shutil.rmtree(folder, ignore_errors=True)
    print(f"writing {customers:,} customers into {folder} …", file=sys.stderr, flush=True)
    command = [_custval(), "sample", "--customers", str(customers), "--format", "parquet", "--out", str(folder)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    inputs = {path.stem: path.name for path in sorted(folder.glob("*.parquet"))}
    parameters = yaml.safe_load((ROOT / "custval.yml").read_text(encoding="utf-8")).get("parameters", {})
    text = yaml.safe_dump(
        {"inputs": inputs, "notebooks": str(ROOT / "notebooks"), "parameters": parameters},
        allow_unicode=True,
        sort_keys=False,
    )
    config.write_text(text, encoding="utf-8")
    stamp.write_text(json.dumps(sample_stamp(customers)))
    return config


def transactions_path(config: Path) -> Path:
    """The transactions file a config reads."""
    from custval.config import read_config

    return Path(read_config(config).inputs["transactions"].path)


def parquet_lines(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def _custval() -> str:
    return str(Path(sys.executable).parent / "custval")


# --- measuring ----------------------------------------------------------------------------------


def time_summarize(path: Path, runs: int) -> list[dict]:
    """Seconds and peak GB of ``custval.summarize(path)`` ``runs`` times, each run a fresh process."""
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, __file__, "--worker", str(path)], check=True, capture_output=True, text=True
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def summarize_record(before: list[dict], after: list[dict]) -> dict:
    """The median seconds and highest peak GB of the runs before and after the report."""
    runs = before + after
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "peak_gb": max(r["peak_gb"] for r in runs),
        "runs_before": [r["seconds"] for r in before],
        "runs_after": [r["seconds"] for r in after],
    }


def summarize_worker(path: str) -> dict:
    import custval

    start = time.perf_counter()
    custval.summarize(path)
    return {"seconds": time.perf_counter() - start, "peak_gb": peak_gb()}


@dataclass
class Seen:
    """One process of the report's tree as the sampler saw it."""

    pid: int
    role: str  # runner, worker, kernel, helper or other
    command: str
    created: float  # epoch seconds
    last_seen: float
    peak_rss: int = 0
    notebook: str = ""


@dataclass
class TreeSampler:
    """Peak RSS of every process under ``root`` and of their sum, from samples taken by ``sample()``."""

    root: int
    processes: dict = field(default_factory=dict)
    peak_total: int = 0

    def sample(self) -> None:
        try:
            root = psutil.Process(self.root)
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        total, now = 0, time.time()
        for process in tree:
            try:
                rss = process.memory_info().rss
                seen = self.processes.get(process.pid) or self._new(process)
            except psutil.Error:
                continue
            seen.peak_rss, seen.last_seen = max(seen.peak_rss, rss), now
            total += rss
        self.peak_total = max(self.peak_total, total)

    def _new(self, process: psutil.Process) -> Seen:
        command = " ".join(process.cmdline())
        seen = Seen(process.pid, process_role(command, process.pid == self.root), command, process.create_time(), 0)
        self.processes[process.pid] = seen
        return seen


def process_role(command: str, is_root: bool) -> str:
    """What a process of a report run is, from its command line."""
    if is_root:
        return "runner"
    if "ipykernel" in command:
        return "kernel"
    if "resource_tracker" in command:
        return "helper"
    if "multiprocessing" in command:
        return "worker"
    return "other"


def run_report(config: Path, jobs: int | None, keep: Path | None) -> dict:
    """``custval report`` on ``config`` in a subprocess, its tree sampled; wall seconds, exit code,
    the manifest's summary and the processes' peaks (kernels named after their notebook)."""
    out = Path(tempfile.mkdtemp(prefix="custval-bench-report-")) if keep is None else keep
    command = [_custval(), "report", "--config", str(config), "--out", str(out), "--name", "bench"]
    command += ["--jobs", str(jobs)] if jobs else []
    log = out / "report.log"
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
        sampler = TreeSampler(process.pid)
        while True:
            sampler.sample()
            try:
                process.wait(SAMPLE_INTERVAL)
                break
            except subprocess.TimeoutExpired:
                pass
    seconds = time.perf_counter() - start
    folder = out / "bench" if (out / "bench").is_dir() else next(out.glob(".bench*.partial"), out / "bench")
    manifest = read_manifest(folder / "manifest.json")
    if process.returncode and not manifest["notebooks"]:
        print(log.read_text(encoding="utf-8")[-3000:], file=sys.stderr)
    label_kernels(list(sampler.processes.values()), notebook_windows(folder))
    if keep is None:
        shutil.rmtree(out, ignore_errors=True)
    return {
        "seconds": seconds,
        "exit_code": process.returncode,
        **manifest,
        "peak_total_gb": sampler.peak_total / GB,
        "processes": [_process_record(seen) for seen in sorted(sampler.processes.values(), key=lambda s: s.created)],
    }


def read_manifest(path: Path) -> dict:
    """A run's status, runner-measured duration, and per notebook: name, status, seconds and the
    kernel's peak memory in GB (None when the runner never sampled it); empty if there is no manifest."""
    if not path.exists():
        return {"status": "no manifest", "duration_seconds": None, "notebooks": []}
    manifest = json.loads(path.read_text(encoding="utf-8"))
    notebooks = [
        {
            "name": n["name"],
            "status": n["status"],
            "seconds": n["duration_seconds"],
            "peak_gb": None if n.get("peak_memory_mb") is None else n["peak_memory_mb"] / 1024,
        }
        for n in manifest["notebooks"]
    ]
    return {"status": manifest["status"], "duration_seconds": manifest["duration_seconds"], "notebooks": notebooks}


def notebook_windows(folder: Path) -> dict[str, tuple[float, float]]:
    """Each executed notebook's start and end (epoch seconds) from papermill's metadata in the run folder."""
    windows = {}
    for path in sorted(folder.glob("*.ipynb")):
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]["papermill"]
            start = datetime.fromisoformat(meta["start_time"]).timestamp()
            end = datetime.fromisoformat(meta["end_time"]).timestamp() if meta.get("end_time") else None
        except (OSError, ValueError, KeyError, TypeError):
            continue
        windows[path.stem] = (start, end)
    return windows


def label_kernels(processes: list[Seen], windows: dict[str, tuple[float, float | None]]) -> None:
    """Name each kernel after the notebook it ran: a kernel starts just after papermill stamps the
    notebook's start and ends with it, so pair them by the closest start and end (greedily)."""
    kernels = [p for p in processes if p.role == "kernel"]
    pairs = sorted(
        (abs(k.created - start) + (abs(k.last_seen - end) if end else 0), k.pid, name)
        for k in kernels
        for name, (start, end) in windows.items()
        if k.created >= start - 1.0
    )
    named, used = {}, set()
    for _, pid, name in pairs:
        if pid not in named and name not in used:
            named[pid] = name
            used.add(name)
    for kernel in kernels:
        kernel.notebook = named.get(kernel.pid, "")


def _process_record(seen: Seen) -> dict:
    return {
        "pid": seen.pid,
        "role": seen.role,
        "notebook": seen.notebook,
        "peak_gb": seen.peak_rss / GB,
        "command": seen.command[:200],
    }


def peak_process(report: dict) -> dict | None:
    """The process of a report run with the highest peak RSS."""
    return max(report["processes"], key=lambda p: p["peak_gb"], default=None)


def describe(process: dict | None) -> str:
    if process is None:
        return "not sampled"
    return f"{process['role']} {process['notebook']}".strip()


# --- the table ----------------------------------------------------------------------------------


def verdict(value: float | None, bound: float, judged: bool) -> str:
    """PASS/FAIL of ``value ≤ bound`` where the target applies; blank where it does not."""
    if not judged:
        return ""
    if value is None:
        return "FAIL"
    return "PASS" if value <= bound else "FAIL"


def ratio(seconds: float | None, reference: float | None) -> float | None:
    return None if seconds is None or not reference else seconds / reference


def size_rows(result: dict) -> list[dict]:
    """The table's rows for one size: summarize, each notebook, the whole report, the memory peaks."""
    size, lines, report = result["size"], result["lines"], result["report"]
    reference = result["summarize"]["seconds"]
    judged = size == TARGET_SIZE
    row = dict.fromkeys(COLUMNS, "")
    rows = [
        {
            **row,
            "size": size,
            "lines": lines,
            "step": "summarize",
            "seconds": reference,
            "ratio": 1.0,
            "peak_gb": result["summarize"]["peak_gb"],
            "status": "ok",
        }
    ]
    for notebook in report["notebooks"]:
        seconds = notebook["seconds"]
        ok = notebook["status"] == "ok"
        rows.append(
            {
                **row,
                "size": size,
                "lines": lines,
                "step": notebook["name"],
                "seconds": seconds,
                "ratio": ratio(seconds, reference),
                "peak_gb": notebook["peak_gb"],
                "status": notebook["status"],
                "target": f"≤ {NOTEBOOK_RATIO:g}× summarize" if judged else "",
                "verdict": "FAIL" if judged and not ok else verdict(ratio(seconds, reference), NOTEBOOK_RATIO, judged),
            }
        )
    ok = report["exit_code"] == 0 and report["status"] == "ok"
    top = peak_process(report)
    top_gb = None if top is None else top["peak_gb"]
    rows += [
        {
            **row,
            "size": size,
            "lines": lines,
            "step": "whole report",
            "seconds": report["seconds"],
            "ratio": ratio(report["seconds"], reference),
            "status": f"{report['status']}, exit {report['exit_code']}",
            "target": f"≤ {REPORT_RATIO:g}× summarize" if judged else "",
            "verdict": "FAIL"
            if judged and not ok
            else verdict(ratio(report["seconds"], reference), REPORT_RATIO, judged),
        },
        {
            **row,
            "size": size,
            "lines": lines,
            "step": "peak RSS, any process",
            "peak_gb": top_gb,
            "status": describe(top),
            "target": f"≤ {PEAK_GB:g} GB" if judged else "",
            "verdict": verdict(top_gb, PEAK_GB, judged),
        },
        {
            **row,
            "size": size,
            "lines": lines,
            "step": "peak RSS, runner",
            "peak_gb": max((p["peak_gb"] for p in report["processes"] if p["role"] == "runner"), default=None),
        },
        {
            **row,
            "size": size,
            "lines": lines,
            "step": "peak RSS, all processes",
            "peak_gb": report["peak_total_gb"],
            "status": f"{len(report['processes'])} processes",
        },
    ]
    return rows


def scaling_row(results: list[dict]) -> dict | None:
    """Report time at TARGET_SIZE ÷ report time at BASE_SIZE, when both sizes ran."""
    by_size = {r["size"]: r["report"]["seconds"] for r in results}
    if TARGET_SIZE not in by_size or BASE_SIZE not in by_size:
        return None
    value = ratio(by_size[TARGET_SIZE], by_size[BASE_SIZE])
    return {
        **dict.fromkeys(COLUMNS, ""),
        "size": f"{TARGET_SIZE} ÷ {BASE_SIZE}",
        "step": "whole report",
        "ratio": value,
        "target": f"≤ {SCALING_RATIO:g}× report at {BASE_SIZE}",
        "verdict": verdict(value, SCALING_RATIO, True),
    }


def table_rows(results: list[dict]) -> list[dict]:
    rows = [row for result in results for row in size_rows(result)]
    scaling = scaling_row(results)
    return rows + ([scaling] if scaling else [])


def missed(rows: list[dict]) -> int:
    return sum(row["verdict"] == "FAIL" for row in rows)


def cells(row: dict) -> list[str]:
    """A row as text cells, numbers formatted."""

    def number(value, spec):
        return "" if value in ("", None) else format(value, spec)

    target = f"{row['verdict']} {row['target']}".strip() if row["verdict"] else row["target"]
    return [
        str(row["size"]),
        number(row["lines"], ","),
        row["step"],
        number(row["seconds"], ".1f"),
        number(row["ratio"], ".1f") + ("×" if row["ratio"] not in ("", None) else ""),
        number(row["peak_gb"], ".2f"),
        row["status"],
        target or "—",
    ]


HEADERS = ["size", "lines", "step", "seconds", "× summarize", "peak GB", "status", "target"]
RIGHT = {1, 3, 4, 5}  # numeric columns


def format_text(rows: list[dict]) -> str:
    """A plain-text table, columns padded to their widest cell."""
    body = [cells(row) for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(HEADERS)]

    def line(values):
        return "  ".join(v.rjust(w) if i in RIGHT else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths)))

    header = line(HEADERS)
    return "\n".join([header.rstrip(), "-" * len(header), *(line(r).rstrip() for r in body)])


def format_markdown(rows: list[dict]) -> str:
    """The same table in Markdown, for benchmarks/README.md."""
    align = ["---:" if i in RIGHT else "---" for i in range(len(HEADERS))]
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cells(row)) + " |" for row in rows]
    return "\n".join(lines)


def write_results(cache: Path, header: str, results: list[dict], rows: list[dict]) -> tuple[Path, Path]:
    """The measurements (JSON, with every process seen) and the table (CSV) into ``cache``."""
    stamp = datetime.now().strftime("%Y-%m-%d_%H%M%S")
    json_path, csv_path = cache / f"bench_report_{stamp}.json", cache / f"bench_report_{stamp}.csv"
    saved = {"header": header, "results": results, "rows": rows}
    json_path.write_text(json.dumps(saved, ensure_ascii=False, indent=2) + "\n")
    with open(csv_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return json_path, csv_path


# --- running ------------------------------------------------------------------------------------


def measure(size: str, config: Path, jobs: int | None, summarize_runs: int, keep: Path | None) -> dict:
    """One size: summarize on its transactions (half the runs, rounded up, before the report and the
    rest after it, so that a shared machine's load weighs on both sides of the ratios), and the report."""
    path = transactions_path(config)
    first = (summarize_runs + 1) // 2
    print(f"{size}: summarize ×{first} …", file=sys.stderr, flush=True)
    before = time_summarize(path, first)
    print(f"{size}: custval report --config {config} …", file=sys.stderr, flush=True)
    report = run_report(config, jobs, keep)
    if summarize_runs > first:
        print(f"{size}: summarize ×{summarize_runs - first} …", file=sys.stderr, flush=True)
    after = time_summarize(path, summarize_runs - first)
    summarize = summarize_record(before, after)
    return {"size": size, "config": str(config), "lines": parquet_lines(path), "summarize": summarize, "report": report}


def parse_data(items: list[str]) -> dict[str, Path]:
    """``["1M=/tmp/big1"]`` → ``{"1M": Path("/tmp/big1/custval.yml")}``."""
    data = {}
    for item in items:
        size, _, folder = item.partition("=")
        config = Path(folder) / "custval.yml"
        if not folder or not config.exists():
            raise ValueError(f"--data {item!r}: expected SIZE=FOLDER with FOLDER/custval.yml")
        data[parse_sizes(size)[0][0]] = config
    return data


def report_benchmark(
    sizes: str = f"{BASE_SIZE},{TARGET_SIZE}",
    cache: Path | None = None,
    jobs: int | None = None,
    data: list[str] = (),
    summarize_runs: int = 3,
    regenerate: bool = False,
    keep: bool = False,
) -> tuple[list[dict], list[dict]]:
    """Measure every size; the raw results and the table's rows (also written to ``cache``)."""
    cache = Path(cache or Path(tempfile.gettempdir()) / "custval-bench")
    cache.mkdir(parents=True, exist_ok=True)
    given = parse_data(list(data))
    results = []
    for size, customers in parse_sizes(sizes):
        config = given.get(size) or sample_config(cache / f"sample-{customers}", customers, regenerate)
        runs = cache / "runs" / size if keep else None
        if runs is not None:
            shutil.rmtree(runs, ignore_errors=True)
            runs.mkdir(parents=True)
        results.append(measure(size, config, jobs, summarize_runs, runs))
    rows = table_rows(results)
    json_path, csv_path = write_results(cache, run_header(jobs), results, rows)
    print(f"written: {json_path}, {csv_path}", file=sys.stderr)
    return results, rows


def run_header(jobs: int | None) -> str:
    """The machine and settings a run measured on, for the table's title."""
    from custval.report.workers import default_jobs

    return (
        f"custval report benchmark {datetime.now():%Y-%m-%d} — {psutil.cpu_count()} cores, Python "
        f"{sys.version.split()[0]}, {jobs or default_jobs()} notebooks at a time; ratios to summarize on the same "
        "data in the same run"
    )


def print_table(header: str, rows: list[dict], markdown: bool = False) -> None:
    print(header)
    print()
    print(format_markdown(rows) if markdown else format_text(rows))
    print()
    print(verdict_line(rows))


def verdict_line(rows: list[dict]) -> str:
    if not any(row["verdict"] for row in rows):
        return f"no report target judged: they apply at {TARGET_SIZE} (and {TARGET_SIZE} ÷ {BASE_SIZE})"
    failed = missed(rows)
    return f"{failed} report target(s) missed" if failed else "every report target judged in this run met"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=f"{BASE_SIZE},{TARGET_SIZE}", help="millions of lines, e.g. 1M,10M")
    parser.add_argument("--quick", action="store_true", help=f"a smoke run: {QUICK_SIZE} only, summarize once")
    parser.add_argument("--jobs", type=int, help="notebooks at a time (custval report --jobs)")
    parser.add_argument("--cache", type=Path, help="folder for data, configs and results (default: temp folder)")
    parser.add_argument("--data", action="append", default=[], metavar="SIZE=FOLDER", help="use FOLDER/custval.yml")
    parser.add_argument("--summarize-runs", type=int, help="summarize runs per size, median (default 3; 1 if --quick)")
    parser.add_argument("--regenerate", action="store_true", help="write the cached sample data again")
    parser.add_argument("--keep", action="store_true", help="keep the report runs in CACHE/runs/SIZE")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--show", type=Path, metavar="JSON", help="print the table of a saved run, run nothing")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(summarize_worker(args.worker)))
        return 0
    if args.show:
        saved = json.loads(args.show.read_text(encoding="utf-8"))
        print_table(saved.get("header", str(args.show)), saved["rows"], args.markdown)
        return 0
    try:
        _, rows = report_benchmark(
            QUICK_SIZE if args.quick else args.sizes,
            args.cache,
            args.jobs,
            args.data,
            args.summarize_runs or (1 if args.quick else 3),
            args.regenerate,
            args.keep,
        )
    except ValueError as exc:
        parser.error(str(exc))
    print_table(run_header(args.jobs), rows, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
