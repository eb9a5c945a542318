"""The pure parts of benchmarks/bench_report.py: sizes, the manifest, kernels named after notebooks, the
table with its ratios and PASS/FAIL. No report runs here."""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from custval.report.execute import NotebookResult

ROOT = Path(__file__).resolve().parent.parent


def _load():
    spec = importlib.util.spec_from_file_location("bench_report", ROOT / "benchmarks" / "bench_report.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bench = _load()


def test_sizes_are_millions_of_lines_turned_into_sample_customers():
    assert bench.parse_sizes("1M, 10m") == [("1M", 165_000), ("10M", 1_650_000)]
    assert bench.parse_sizes(bench.QUICK_SIZE) == [("0.1M", 16_500)]
    with pytest.raises(ValueError, match="'1000'"):
        bench.parse_sizes("1M,1000")


def test_data_folders_need_their_config(tmp_path):
    (tmp_path / "custval.yml").write_text("inputs: {}\n")
    assert bench.parse_data([f"10m={tmp_path}"]) == {"10M": tmp_path / "custval.yml"}
    with pytest.raises(ValueError, match="SIZE=FOLDER"):
        bench.parse_data([f"1M={tmp_path / 'missing'}"])


def test_manifest_gives_each_notebook_time_status_and_kernel_memory(tmp_path):
    notebooks = [
        asdict(NotebookResult("02_segmentation", "ok", 31.5, peak_memory_mb=1536.0)),
        asdict(NotebookResult("05_resources", "failed", 2.0, error="ValueError: capacity")),
    ]
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"status": "failed", "duration_seconds": 40.0, "notebooks": notebooks}))
    read = bench.read_manifest(path)
    assert read["status"] == "failed"
    assert read["duration_seconds"] == 40.0
    assert read["notebooks"] == [
        {"name": "02_segmentation", "status": "ok", "seconds": 31.5, "peak_gb": 1.5},
        {"name": "05_resources", "status": "failed", "seconds": 2.0, "peak_gb": None},
    ]
    assert bench.read_manifest(tmp_path / "none.json")["notebooks"] == []


def test_summarize_is_the_median_of_the_runs_before_and_after_the_report():
    before = [{"seconds": 4.0, "peak_gb": 1.9}, {"seconds": 9.0, "peak_gb": 2.0}]
    record = bench.summarize_record(before, [{"seconds": 5.0, "peak_gb": 1.8}])
    assert record == {"seconds": 5.0, "peak_gb": 2.0, "runs_before": [4.0, 9.0], "runs_after": [5.0]}


def _kernel(pid, created, last_seen):
    return bench.Seen(pid, "kernel", "python -m ipykernel_launcher -f k.json", created, last_seen)


def test_kernels_started_together_are_told_apart_by_when_they_end(tmp_path):
    for name, start, end in (("00_data_quality", 100.0, 130.0), ("01_market_scan", 100.2, 180.0)):
        meta = {"papermill": {"start_time": _iso(start), "end_time": _iso(end)}}
        (tmp_path / f"{name}.ipynb").write_text(json.dumps({"metadata": meta, "cells": []}))
    (tmp_path / "broken.ipynb").write_text("{}")
    windows = bench.notebook_windows(tmp_path)
    assert windows == {"00_data_quality": (100.0, 130.0), "01_market_scan": (100.2, 180.0)}
    late, early, runner = _kernel(11, 101.0, 180.1), _kernel(12, 101.1, 130.1), bench.Seen(1, "runner", "", 99, 190)
    bench.label_kernels([late, early, runner], windows)
    assert (late.notebook, early.notebook, runner.notebook) == ("01_market_scan", "00_data_quality", "")


def _iso(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).isoformat()


def test_process_roles_come_from_command_lines():
    spawn = "python -c from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5)"
    tracker = "python -c from multiprocessing.resource_tracker import main;main(4)"
    assert bench.process_role("/venv/bin/python /venv/bin/custval report", True) == "runner"
    assert bench.process_role("python -m ipykernel_launcher -f /tmp/k.json", False) == "kernel"
    assert bench.process_role(spawn, False) == "worker"
    assert bench.process_role(tracker, False) == "helper"


def _result(size, summarize_s, notebooks, report_s, peak_gb, status="ok"):
    processes = [{"pid": 2, "role": "kernel", "notebook": "02_segmentation", "peak_gb": peak_gb, "command": ""}]
    processes.append({"pid": 1, "role": "runner", "notebook": "", "peak_gb": peak_gb / 2, "command": ""})
    return {
        "size": size,
        "lines": 1000,
        "summarize": {"seconds": summarize_s, "peak_gb": 0.5},
        "report": {
            "seconds": report_s,
            "exit_code": 0 if status == "ok" else 1,
            "status": status,
            "notebooks": [{"name": n, "status": st, "seconds": s, "peak_gb": 1.0} for n, st, s in notebooks],
            "peak_total_gb": peak_gb * 1.5,
            "processes": processes,
        },
    }


def _by_step(rows, size):
    return {row["step"]: row for row in rows if row["size"] == size}


def test_targets_are_judged_as_ratios_at_ten_million_lines_only():
    fast, slow = ("01_market_scan", "ok", 19.0), ("02_segmentation", "ok", 21.0)
    results = [
        _result("1M", 1.0, [fast, slow], 50.0, 5.0),
        _result("10M", 2.0, [fast, slow, ("05_resources", "failed", 1.0)], 61.0, 3.9, status="failed"),
    ]
    rows = bench.table_rows(results)
    small, big = _by_step(rows, "1M"), _by_step(rows, "10M")
    assert small["02_segmentation"]["ratio"] == 21.0
    assert {row["verdict"] for row in small.values()} == {""}  # 5 GB and 21× at 1 M: not judged
    assert big["01_market_scan"]["ratio"] == 9.5
    assert big["01_market_scan"]["verdict"] == "PASS"
    assert big["02_segmentation"]["verdict"] == "FAIL"
    assert big["05_resources"]["verdict"] == "FAIL"  # under 10× but it failed
    assert big["whole report"]["ratio"] == 30.5
    assert big["whole report"]["verdict"] == "FAIL"
    assert big["peak RSS, any process"]["peak_gb"] == 3.9
    assert big["peak RSS, any process"]["status"] == "kernel 02_segmentation"
    assert big["peak RSS, any process"]["verdict"] == "PASS"
    assert big["peak RSS, runner"]["peak_gb"] == 1.95
    assert big["peak RSS, all processes"]["peak_gb"] == pytest.approx(5.85)
    scaling = rows[-1]
    assert scaling["size"] == "10M ÷ 1M"
    assert scaling["ratio"] == pytest.approx(1.22)
    assert scaling["verdict"] == "PASS"
    assert bench.missed(rows) == 3
    assert bench.verdict_line(rows).startswith("3 report target(s) missed")
    assert bench.verdict_line(bench.table_rows(results[:1])).startswith("no report target judged")


def test_report_time_growing_more_than_five_fold_fails_and_needs_both_sizes():
    results = [_result("1M", 1.0, [], 10.0, 1.0), _result("10M", 5.0, [], 51.0, 1.0)]
    assert bench.scaling_row(results)["verdict"] == "FAIL"
    assert bench.scaling_row(results[:1]) is None
    assert bench.table_rows(results[:1])[-1]["step"] == "peak RSS, all processes"


def test_tables_show_every_row_in_text_and_markdown():
    rows = bench.table_rows([_result("1M", 1.0, [("01_market_scan", "ok", 19.0)], 50.0, 2.0)])
    text = bench.format_text(rows).splitlines()
    assert text[0].split() == ["size", "lines", "step", "seconds", "×", "summarize", "peak", "GB", "status", "target"]
    assert len(text) == 2 + len(rows)
    assert "19.0×" in text[3]
    markdown = bench.format_markdown(rows).splitlines()
    assert len(markdown) == 2 + len(rows)
    assert markdown[3].startswith("| 1M | 1,000 | 01_market_scan | 19.0 | 19.0× | 1.00 | ok | — |")
