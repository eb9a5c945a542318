"""A run's manifest (``manifest.json``: versions, parameters, inputs with their hashes, each notebook's
result, the exercise checks) and the ``index.html`` page made from it."""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from custval import __version__
from custval.io import parquet_parts
from custval.outputs import CHECK_SUFFIX
from custval.render import render_index


def build_manifest(
    run_id,
    config,
    dataset,
    results,
    started,
    finished,
    folder: Path,
    leftovers=(),
    stopped_by: str = "",
    not_finished=(),
    declared=None,
) -> dict:
    """Everything needed to trust or reproduce the run, machine-readable.

    ``stopped_by`` (a signal name) marks a run stopped before ``not_finished`` ran: its status is
    ``interrupted``. ``leftovers`` are the stopped runs' folders found next to it (``stale_partials``).
    ``declared`` (the parameters the run's notebooks declare) gives ``parameters_used``, the ones
    the index shows; ``checks`` holds the verdicts exercise notebooks wrote (``*_check.json``).
    """
    tables = folder / "tables"
    status = "interrupted" if stopped_by else "ok" if all(r.status == "ok" for r in results) else "failed"
    return {
        "run_id": run_id,
        "status": status,
        **({"stopped_by": stopped_by, "not_finished": list(not_finished)} if stopped_by else {}),
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration_seconds": round((finished - started).total_seconds(), 3),
        "versions": {"custval": __version__, "python": platform.python_version(), "pandas": pd.__version__},
        "config": str(config.path.resolve()),
        "parameters": config.parameters,
        "parameters_used": sorted(k for k in config.parameters if declared is None or k in declared),
        "checks": _checks(tables),
        "inputs": [input_record(spec, dataset) for spec in config.inputs.values()],
        "rows_rejected": len(dataset.rejected),
        "notebooks": [asdict(r) for r in results],
        "tables": sorted(p.name for p in tables.iterdir()) if tables.is_dir() else [],
        "rejected_rows": "rejected_rows.csv",
        "interrupted_runs": list(leftovers),
    }


def write_manifest(manifest: dict, folder: Path) -> None:
    """``manifest.json`` and the ``index.html`` page made from it, into the run folder."""
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (folder / "index.html").write_text(render_index(manifest), encoding="utf-8")


def _checks(tables: Path) -> list[dict]:
    """The exercise verdicts the notebooks saved, by exercise."""
    paths = sorted(tables.glob(f"*{CHECK_SUFFIX}.json")) if tables.is_dir() else []
    return sorted((json.loads(p.read_text(encoding="utf-8")) for p in paths), key=lambda c: (c["exercise"], c["slug"]))


def input_record(spec, dataset) -> dict:
    """Where one configured input was read (path, size and SHA-256 of a file) and how many of its rows were used."""
    quality = dataset.quality.set_index("table").loc[spec.table]
    if spec.on_engine:  # a table or remote path: the engine's, not a file to fingerprint here
        where = {"path": spec.source, "bytes": None, "sha256": None}
    else:
        parts = parquet_parts(spec.path) if spec.path.is_dir() else [spec.path]
        size = sum(p.stat().st_size for p in parts)
        where = {"path": str(spec.path.resolve()), "bytes": size, "sha256": sha256(*parts)}
    return {
        "table": spec.table,
        **where,
        "rows_read": int(quality["rows_read"]),
        "rows_used": int(quality["rows_used"]),
        "rows_rejected": int(quality["rows_rejected"]),
    }


def sha256(*paths: Path) -> str:
    """The SHA-256 of a file, or of a folder data set's files one after the other."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
