"""The run's clean tables: every input read and checked once, kept as Parquet for each notebook.

``custval report`` reads the inputs once (``dataset.load_into``) and writes each table's clean rows
as ``<table>.parquet`` with its account (rows read, rejected and cleared rows, encoding, mapping)
in ``store.json``. The notebooks it runs find the folder in ``STORE_ENV`` and open it instead of
reading the inputs again: a table's rows are loaded only when a notebook asks for them, and the
transaction scans read the Parquet file out of core.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pandas as pd

from custval import io

STORE_ENV = "CUSTVAL_CLEAN_TABLES"
INDEX = "store.json"
VERSION = 1
LEDGERS = ("rejected", "cleared")


def table_file(folder: Path, table: str) -> Path:
    """Where a table's clean rows are stored."""
    return Path(folder) / f"{table}.parquet"


def write(reads: dict[str, io.ReadResult], folder: Path, key: dict) -> dict[str, io.ReadResult]:
    """Store every read in ``folder`` (rows not yet stored are written now); returns the reads
    as stored, their rows loaded only on use. ``key`` says what the reads depend on beyond the
    inputs (the configuration file, anonymisation) so that a notebook never opens another run's
    tables."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    entries = {}
    for table, read in reads.items():
        path = table_file(folder, table)
        if read.data is not None:
            read.data.to_parquet(path, index=False)
        elif Path(read.parquet) != path:
            raise ValueError(f"{table}: rows stored at {read.parquet}, outside the store {folder}")
        for ledger in LEDGERS:
            getattr(read, ledger).to_parquet(folder / f"{table}.{ledger}.parquet", index=False)
        entries[table] = _entry(read)
    index = {"version": VERSION, "key": key, "tables": entries}
    (folder / INDEX).write_text(json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8")
    return opened(folder, index)


def _entry(read: io.ReadResult) -> dict:
    return {
        "file": read.file,
        "rows_read": int(read.rows_read),
        "encoding": read.encoding,
        "mapping": read.mapping,
        "unmatched": list(read.unmatched),
        "headers": list(read.headers),
        "counts": read.flag_counts(),
    }


def open_run_store(key: dict) -> dict[str, io.ReadResult] | None:
    """The reads of the report run this process belongs to (``STORE_ENV``), when that store was
    made for the same ``key``; None outside a run or for another key."""
    folder = os.environ.get(STORE_ENV)
    if not folder or not (Path(folder) / INDEX).exists():
        return None
    index = json.loads((Path(folder) / INDEX).read_text(encoding="utf-8"))
    if index.get("version") != VERSION or index.get("key") != key:
        return None
    return opened(Path(folder), index)


def opened(folder: Path, index: dict) -> dict[str, io.ReadResult]:
    """The stored reads, each with its ledgers loaded and its rows left in the Parquet file."""
    reads = {}
    for table, entry in index["tables"].items():
        ledgers = {ledger: pd.read_parquet(folder / f"{table}.{ledger}.parquet") for ledger in LEDGERS}
        reads[table] = io.ReadResult(
            table=table,
            file=entry["file"],
            data=None,
            rows_read=entry["rows_read"],
            encoding=entry["encoding"],
            mapping=entry["mapping"],
            unmatched=tuple(entry["unmatched"]),
            headers=tuple(entry["headers"]),
            parquet=str(table_file(folder, table)),
            counts=entry["counts"],
            **ledgers,
        )
    return reads


def loaded(read: io.ReadResult) -> io.ReadResult:
    """A copy of the read with its rows in memory."""
    return replace(read, data=read.frame())
