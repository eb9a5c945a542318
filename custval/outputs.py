"""Machine-readable outputs of a report run: CSV tables in ``<run>/tables/``.

Notebooks call :func:`save_table`; when the notebook runs outside a report (``output_dir`` empty,
as in JupyterLab) nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

TABLES_DIR = "tables"


def save_table(data: pd.DataFrame, name: str, output_dir: str | Path | None) -> Path | None:
    """Write ``data`` as ``<output_dir>/tables/<name>.csv`` (UTF-8 with BOM, so Excel shows Chinese)."""
    if not output_dir:
        return None
    folder = Path(output_dir) / TABLES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    data.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return path


def save_workbook(sheets: dict[str, pd.DataFrame], name: str, output_dir: str | Path | None) -> Path | None:
    """Write one sheet per entry as ``<output_dir>/tables/<name>.xlsx`` (sheet names made Excel-safe)."""
    if not output_dir:
        return None
    folder = Path(output_dir) / TABLES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.xlsx"
    used: set[str] = set()
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for title, frame in sheets.items():
            frame.to_excel(writer, sheet_name=sheet_name(title, used), index=False)
    return path


def sheet_name(title: str, used: set) -> str:
    """An Excel sheet name: no []:*?/\\ characters, at most 31 characters, unique, never empty."""
    clean = "".join("_" if c in '[]:*?/\\' else c for c in str(title)).strip("'")[:31] or "-"
    candidate, counter = clean, 1
    while candidate in used:
        counter += 1
        suffix = f" ({counter})"
        candidate = clean[: 31 - len(suffix)] + suffix
    used.add(candidate)
    return candidate


def save_json(data: dict, name: str, output_dir: str | Path | None) -> Path | None:
    """Write ``data`` as ``<output_dir>/tables/<name>.json`` (UTF-8, sorted keys, so runs compare)."""
    if not output_dir:
        return None
    import json

    folder = Path(output_dir) / TABLES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=float) + "\n", encoding="utf-8")
    return path
