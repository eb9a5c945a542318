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
