"""Every table the suite writes (CSV and XLSX), and the outputs of a report run in ``<run>/tables/``.

Notebooks call :func:`save_table`; when the notebook runs outside a report (``output_dir`` empty,
as in JupyterLab) nothing is written. All CSV and XLSX files go through :func:`write_csv` and
:func:`write_xlsx`, which never let a spreadsheet evaluate text from the data as a formula
(OWASP's CSV-injection guidance): text that begins with ``=``, ``+``, ``-``, ``@``, tab or CR is
written with a leading ``'`` in CSV (where a carriage return inside text also becomes a line feed,
so the field is quoted), and as a string cell marked "text" (never a formula) in XLSX. Numbers
stay numbers, negative ones included; a lone ``+`` or ``-`` stays as it is. ``custval.io``
removes that ``'`` again when it reads a CSV, so the suite's own tables read back unchanged.
"""

from __future__ import annotations

import datetime
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.cell import WriteOnlyCell

from custval.i18n import t

TABLES_DIR = "tables"
CHECK_SUFFIX = "_check"  # tables/<exercise>_check.json: an exercise's verdict, listed in the run's index
EMPTY_SHEET = "-"  # the one sheet of a workbook with nothing to list


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"
LONE_SIGNS = ("+", "-")  # a sign alone (the factors' direction) is no formula and stays readable


def is_formula_like(value) -> bool:
    """Text a spreadsheet would read as a formula (or the start of one)."""
    return isinstance(value, str) and value.startswith(FORMULA_START) and value not in LONE_SIGNS


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with formula-like text (values and headers) prefixed by ``'``, and carriage returns
    inside text turned into line feeds (the CSV writer quotes those; a bare CR would end the line
    unquoted and start a new, unprotected cell); numbers untouched."""
    out = frame.copy(deep=False)
    out.columns = [_csv_text(c) for c in out.columns]
    for position in range(out.shape[1]):
        hits = _flagged(out.iloc[:, position], carriage_return=True)
        if hits.any():
            values = out.iloc[:, position].to_numpy(dtype=object).copy()
            values[hits] = [_csv_text(v) for v in values[hits]]
            out.isetitem(position, values)
    return out


def _csv_text(value):
    if not isinstance(value, str):
        return value
    text = value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value
    return TEXT_MARK + text if is_formula_like(value) else text


def formula_rows(column: pd.Series) -> np.ndarray:
    """Which cells of a column hold formula-like text (never any in a numeric or date column)."""
    return _flagged(column, carriage_return=False)


def _flagged(column: pd.Series, carriage_return: bool) -> np.ndarray:
    """Cells holding formula-like text, or (``carriage_return``) a CR anywhere: vectorised for text
    columns (millions of cells in a customer table), per category for categorical ones, cell by cell
    only for columns that mix text with other values."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        hits = _flagged(pd.Series(column.cat.categories, dtype=object), carriage_return)
        return np.append(hits, False)[column.cat.codes.to_numpy()]  # code -1 (missing) takes the False
    if column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        column = column.astype("string")
    if isinstance(column.dtype, pd.StringDtype):
        hits = column.str.startswith(FORMULA_START) & ~column.isin(LONE_SIGNS)
        if carriage_return:
            hits |= column.str.contains("\r", regex=False)
        return hits.fillna(False).to_numpy(dtype=bool)
    if column.dtype != object:
        return np.zeros(len(column), dtype=bool)

    def flag(value):
        return is_formula_like(value) or (carriage_return and isinstance(value, str) and "\r" in value)

    return np.fromiter(map(flag, column.to_numpy(dtype=object)), dtype=bool, count=len(column))


def unmark(value):
    """Undo :func:`csv_safe` for one cell: ``'=x`` reads back as ``=x``."""
    marked = (*FORMULA_START, "\n")  # a CR at the start was written as LF
    if isinstance(value, str) and value.startswith(TEXT_MARK) and value[1:2] and value[1] in marked:
        return value[1:]
    return value


def unmarked(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`csv_safe` for a frame of text read from a CSV (in place; returned for chaining)."""
    frame.columns = [unmark(c) for c in frame.columns]
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            marked = column.str.startswith(TEXT_MARK, na=False).to_numpy(dtype=bool)
            if marked.any():
                frame.isetitem(position, column.mask(marked, column[marked].map(unmark)))
    return frame


def write_csv(frame: pd.DataFrame, path, *, encoding: str = "utf-8-sig", **options) -> Path:
    """Write ``frame`` as CSV (UTF-8 with BOM by default, so Excel shows Chinese), formula-safe."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    csv_safe(frame).to_csv(path, index=False, encoding=encoding, lineterminator="\n", **options)
    return path


def write_xlsx(sheets: dict[str, pd.DataFrame], path) -> Path:
    """Write one sheet per entry (sheet names made Excel-safe); no cell is ever a formula. With no
    entries, one sheet says there is nothing to list (a workbook needs a visible sheet). Rows are
    streamed (openpyxl's write-only workbook), so memory and time grow with the cells, nothing more;
    values and number formats are those ``DataFrame.to_excel`` writes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    shown = sheets or {EMPTY_SHEET: pd.DataFrame(columns=[t("xlsx_nothing_to_list")])}
    book = openpyxl.Workbook(write_only=True)
    for title, frame in shown.items():
        sheet = book.create_sheet(sheet_name(title, used))
        sheet.append([_text_cell(sheet, c) if is_formula_like(str(c)) else c for c in frame.columns])
        for row in zip(*(_cells(sheet, frame.iloc[:, j]) for j in range(frame.shape[1]))):
            sheet.append(row)
    book.save(path)
    _without_timestamps(path)
    return path


DATETIME_FORMAT, DATE_FORMAT = "YYYY-MM-DD HH:MM:SS", "YYYY-MM-DD"  # pandas' to_excel formats
MISSING = ""  # what to_excel writes for a missing value: an empty text cell


def _cells(sheet, column: pd.Series) -> list:
    """A column's cells as ``DataFrame.to_excel`` writes them: numbers as numbers (±inf as the text
    ``inf``), missing values empty, dates with pandas' formats, other values as text; formula-like
    text as a text cell with Excel's quote prefix."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":
        return column.tolist()
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        values = column.to_numpy()
        out = values.astype(object)
        out[np.isnan(values)] = MISSING
        out[np.isposinf(values)], out[np.isneginf(values)] = "inf", "-inf"
        return out.tolist()
    out = [_excel_value(sheet, v) for v in column.to_numpy(dtype=object)]
    for i in np.flatnonzero(formula_rows(column)):
        out[i] = _text_cell(sheet, out[i])
    return out


def _excel_value(sheet, value):
    """One value as pandas' Excel writer converts it (``ExcelWriter._value_with_fmt``)."""
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return ("inf" if value > 0 else "-inf") if np.isinf(value) else float(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        if getattr(value, "tzinfo", None) is not None:
            raise ValueError("Excel does not support datetimes with timezones; make them timezone-naive first")
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATETIME_FORMAT if isinstance(value, datetime.datetime) else DATE_FORMAT
        return cell
    if isinstance(value, datetime.timedelta):
        cell = WriteOnlyCell(sheet, value.total_seconds() / 86400)
        cell.number_format = "0"
        return cell
    return value if isinstance(value, (str, Decimal)) else str(value)


def _text_cell(sheet, value) -> WriteOnlyCell:
    """``value`` as a text cell marked with Excel's quote prefix, so it stays text when edited."""
    cell = WriteOnlyCell(sheet, str(value))
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


FIXED_TIME = "2000-01-01T00:00:00Z"


def _without_timestamps(path: Path) -> None:
    """Make equal tables give byte-identical workbooks: openpyxl stamps the time of writing into
    ``docProps/core.xml`` and on every zip entry; both become a fixed time."""
    with zipfile.ZipFile(path) as book:
        entries = [(info.filename, book.read(info.filename)) for info in book.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as book:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + FIXED_TIME.encode(), data)
            book.writestr(
                zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED
            )


def save_table(data: pd.DataFrame, name: str, output_dir: str | Path | None) -> Path | None:
    """Write ``data`` as ``<output_dir>/tables/<name>.csv``."""
    if not output_dir:
        return None
    return write_csv(data, Path(output_dir) / TABLES_DIR / f"{name}.csv")


def save_workbook(sheets: dict[str, pd.DataFrame], name: str, output_dir: str | Path | None) -> Path | None:
    """Write one sheet per entry as ``<output_dir>/tables/<name>.xlsx``."""
    if not output_dir:
        return None
    return write_xlsx(sheets, Path(output_dir) / TABLES_DIR / f"{name}.xlsx")


def sheet_name(title: str, used: set) -> str:
    """An Excel sheet name: no []:*?/\\ characters, at most 31 characters, unique, never empty."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in str(title)).strip("'")[:31] or "-"
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
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=float) + "\n", encoding="utf-8"
    )
    return path
