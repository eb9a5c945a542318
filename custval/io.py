"""Readers: real-world exports in, clean contract frames out, every row accounted for.

Each input row is either used or rejected with a reason (file, line, column, value), so
``rows read = rows used + rows rejected`` always holds. A bad value in an optional column does not
reject its row: the value is cleared and listed in ``ReadResult.cleared``. Returns, zero amounts
and duplicated order lines are kept and flagged (``is_return``, ``is_zero``, ``is_duplicate``).
Line numbers are file lines (header = line 1) for CSV, sheet rows for XLSX, row numbers
(from 1) for Parquet; a CSV field that spans several lines shifts the numbers after it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io as _io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from custval import parsing, schema
from custval.errors import ColumnError, DataError, FileFormatError, MissingColumnError, examples
from custval.i18n import t
from custval.outputs import unmarked

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
REJECTED_COLUMNS = ["table", "file", "line", "column", "reason", "value"]
LINE = "__line__"
FLAGS = ("is_return", "is_zero", "is_duplicate")


class RowsRejectedWarning(UserWarning):
    """Some input rows were rejected; the warning says how many and why."""


@dataclass
class ReadResult:
    """One input file after reading: the clean frame and the account of every row."""

    table: str
    file: str
    data: pd.DataFrame | None  # None while the rows are only stored (see ``frame``)
    rows_read: int
    rejected: pd.DataFrame
    cleared: pd.DataFrame
    encoding: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    unmatched: tuple[str, ...] = ()  # mapping keys (shared ones only) that named no header of this file
    headers: tuple[str, ...] = ()  # the file's own headers, before mapping
    parquet: str | None = None  # where the clean rows are stored when ``data`` is not loaded yet (None)
    counts: dict[str, int] | None = None  # flagged lines (is_return, is_zero, is_duplicate) of stored rows

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)

    def frame(self) -> pd.DataFrame:
        """The clean rows: ``data``, loaded from ``parquet`` on first use when the rows were stored."""
        if self.data is None:  # Arrow's own conversion: half the time of pd.read_parquet at 10 M lines, same frame
            self.data = pq.read_table(self.parquet).to_pandas(self_destruct=True, split_blocks=True)
        return self.data

    def flag_counts(self) -> dict[str, int]:
        """Lines flagged as returns, zero amounts and duplicates (0 for a flag the table does not have)."""
        if self.counts is not None or self.data is None:  # stored rows carry their counts (none: no flags)
            return {flag: int((self.counts or {}).get(flag, 0)) for flag in FLAGS}
        return {flag: int(self.data[flag].sum()) if flag in self.data else 0 for flag in FLAGS}

    @property
    def rows_used(self) -> int:
        return self.rows_read - self.rows_rejected


# --------------------------------------------------------------------------- raw files


def load_raw(path: Path, encoding: str | None = None, sheet=None) -> tuple[pd.DataFrame, str | None, int]:
    """The file as a frame of text cells (Parquet keeps its types), its encoding and line offset."""
    if not path.exists():
        raise FileFormatError(t("err_not_found", file=path))
    suffix = path.suffix.lower()
    if path.is_dir() or suffix in PARQUET_SUFFIXES:
        return _read_parquet(path), None, 1
    if suffix in CSV_SUFFIXES:
        frame, encoding = _read_csv(path, encoding)
        return frame, encoding, 2
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, sheet), None, 2
    supported = ", ".join(CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES)
    raise FileFormatError(t("err_extension", file=path, suffix=suffix, supported=supported))


def parquet_parts(folder: Path) -> list[Path]:
    """The Parquet files of a folder data set (partition sub-folders included), in name order, so
    that rows are numbered the same way on every run."""
    parts = sorted(p for p in folder.rglob("*") if p.suffix.lower() in PARQUET_SUFFIXES and p.is_file())
    if not parts:
        raise FileFormatError(t("err_empty_folder", file=folder))
    return parts


def _read_parquet(path: Path) -> pd.DataFrame:
    """A file, or a folder's files in path order with ``key=value`` folder names as columns."""
    import pyarrow.dataset as ds

    parts = [str(p) for p in parquet_parts(path)] if path.is_dir() else None  # its own clear error, not pyarrow's
    try:
        if parts is None:
            return pd.read_parquet(path)
        return (
            ds.dataset(parts, format="parquet", partitioning="hive", partition_base_dir=str(path))
            .to_table()
            .to_pandas()
        )
    except Exception as exc:  # pyarrow raises many types for damaged files
        raise FileFormatError(t("err_unreadable", file=path, detail=exc)) from None


def _read_csv(path: Path, encoding: str | None) -> tuple[pd.DataFrame, str]:
    raw = path.read_bytes()
    encoding = encoding or parsing.detect_encoding(raw, path)
    text = parsing.decode(raw, encoding, path)
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    if not header.strip():
        raise FileFormatError(t("err_empty", file=path))
    try:
        frame = pd.read_csv(
            _io.StringIO(text.lstrip("\ufeff")),
            sep=parsing.sniff_delimiter(header),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise FileFormatError(t("err_unreadable", file=path, detail=exc)) from None
    if not isinstance(frame.index, pd.RangeIndex):
        frame = _without_trailing_fields(text.lstrip("\ufeff"), header, path)
    if text.endswith("\n") and len(frame) and (frame.iloc[-1] == "").all():
        frame = frame.iloc[:-1]
    if "'" in text:  # cells the suite wrote formula-safe ('=x) read back as written (=x)
        frame = unmarked(frame)
    return frame, encoding


def _without_trailing_fields(text: str, header: str, path: Path) -> pd.DataFrame:
    """Rows with more fields than the header (pandas would silently make the first column an
    index): empty extra fields, as a delimiter at the end of every line leaves, are dropped; an
    extra value is an error naming its line."""
    delimiter = parsing.sniff_delimiter(header)
    width = max(len(row) for row in csv.reader(_io.StringIO(text), delimiter=delimiter))
    try:
        cells = pd.read_csv(
            _io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, header=None, names=range(width)
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise FileFormatError(t("err_unreadable", file=path, detail=exc)) from None
    names, rows = list(cells.iloc[0]), cells.iloc[1:].reset_index(drop=True)
    width = len([n for n in names if n != ""]) if names[-1] == "" else len(names)
    extra = rows.iloc[:, width:]
    filled = (extra != "").any(axis=1)
    if filled.any():
        first = int(filled.idxmax())
        value = next(v for v in extra.iloc[first] if v != "")
        raise FileFormatError(t("err_extra_fields", file=path, line=first + 2, value=value))
    return rows.iloc[:, :width].set_axis(names[:width], axis=1)


def _read_excel(path: Path, sheet) -> pd.DataFrame:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # openpyxl raises zipfile/KeyError/etc. for damaged files
        raise FileFormatError(t("err_unreadable", file=path, detail=exc)) from None
    with book:
        name = book.sheet_names[sheet] if isinstance(sheet, int) else sheet or book.sheet_names[0]
        if name not in book.sheet_names:
            raise FileFormatError(t("err_sheet", file=path, sheet=name, sheets=", ".join(book.sheet_names)))
        frame = pd.read_excel(book, sheet_name=name, dtype=object)
    return frame.apply(_cells_to_text).astype("string").fillna("")


def _cells_to_text(column: pd.Series) -> pd.Series:
    """Excel cell values as text the parsers understand (dates ISO, integral floats as ints)."""

    def one(value):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ""
        if isinstance(value, (dt.datetime, pd.Timestamp)):
            return value.strftime("%Y-%m-%d")
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return column.map(one)


# --------------------------------------------------------------------------- columns


def _clean_header(name) -> str:
    return str(name).replace("\ufeff", "").strip().strip("\u3000")


def map_columns(frame: pd.DataFrame, spec: schema.TableSpec, columns: dict | None, path, shared=()) -> dict[str, str]:
    """Rename source headers to contract names: explicit mapping first, then known aliases.

    A mapping key that names no header is a typo the user would never notice (the column would
    just be missing), so it is an error, except for ``shared`` keys (a global mapping meant for
    some other input); the caller checks that those match somewhere.
    """
    frame.columns = [_clean_header(c) for c in frame.columns]
    mapping = {_clean_header(k): v for k, v in (columns or {}).items()}
    shared = {_clean_header(k) for k in shared}
    missing = [k for k in mapping if k not in frame.columns and k not in shared]
    if missing:
        where = t("mapping_of_input", table=spec.name)
        raise ColumnError(unmatched_key_message(missing[0], {str(path): list(frame.columns)}, where))
    renames: dict[str, str] = {}
    for source, target in mapping.items():
        if source in frame.columns and source != target:
            renames[source] = target
    taken = set(renames.values()) | (set(frame.columns) - set(renames))
    lowered = {c.lower(): c for c in frame.columns if c not in renames}
    for target, aliases in spec.aliases.items():
        if target in taken:
            continue
        found = [lowered[a.lower()] for a in aliases if a.lower() in lowered]
        if len(found) > 1:
            raise ColumnError(t("err_ambiguous_alias", file=path, sources=found, column=target))
        if found:
            renames[found[0]] = target
    targets = [renames.get(c, c) for c in frame.columns]
    clashes = {c for c in targets if targets.count(c) > 1 and c in spec.columns}
    if clashes:
        column = sorted(clashes)[0]
        sources = [c for c in frame.columns if renames.get(c, c) == column]
        raise ColumnError(t("err_duplicate_target", file=path, sources=sources, column=column))
    frame.columns = targets
    return renames


def unmatched_key_message(key: str, headers: dict[str, list[str]], where: str) -> str:
    """The error for a ``columns:`` key that matches no header: the files, their headers and the
    closest header when one is close (``地 区`` → ``地区``)."""
    found = "; ".join(f"{file}: {_shown(names)}" for file, names in headers.items())
    close = closest(key, [n for names in headers.values() for n in names])
    hint = t("err_mapping_closest", header=close) if close else ""
    return t("err_mapping_key", key=key, where=where, files=", ".join(headers), found=found, hint=hint)


def _shown(names: list[str], limit: int = 12) -> str:
    return ", ".join(map(str, names[:limit])) + (" …" if len(names) > limit else "") or "-"


def closest(word: str, candidates: list[str]) -> str | None:
    """The candidate that ``word`` most likely meant: equal but for spaces and case, else the
    nearest by difflib's ratio (at least 0.6)."""
    import difflib

    def squeezed(text):
        return "".join(str(text).split()).lower()

    same = [c for c in candidates if squeezed(c) == squeezed(word)]
    if same:
        return same[0]
    near = difflib.get_close_matches(str(word), [str(c) for c in candidates], n=1, cutoff=0.6)
    return near[0] if near else None


def require_columns(frame, spec: schema.TableSpec, path, columns: dict | None, headers: list[str]) -> None:
    """Every required column present, else one error that shows the file's own headers."""
    for column in spec.required:
        if column not in frame.columns:
            reverse = {v: k for k, v in (columns or {}).items()}
            example = reverse.get(column) or (spec.aliases.get(column) or (column,))[0]
            raise MissingColumnError(
                t(
                    "err_missing_column",
                    file=path,
                    table=spec.name,
                    column=column,
                    found=_shown(headers),
                    example=example,
                )
            )


# --------------------------------------------------------------------------- rows


class _Ledger:
    """Collects rejected rows (one entry each, first problem wins) and cleared values."""

    def __init__(self, table: str, path):
        self.table, self.file = table, str(path)
        self.rejected: list[pd.DataFrame] = []
        self.cleared: list[pd.DataFrame] = []

    def _entries(self, frame, mask, column, reason, raw):
        return pd.DataFrame(
            {
                "table": self.table,
                "file": self.file,
                "line": frame.loc[mask, LINE].astype("int64"),
                "column": column,
                "reason": reason,
                "value": raw[mask].astype("string").fillna("") if raw is not None else "",
            }
        )

    def reject(self, frame: pd.DataFrame, mask: pd.Series, column: str, reason: str, raw=None) -> pd.DataFrame:
        """Move the masked rows out of ``frame`` into the rejected list."""
        if mask.any():
            self.rejected.append(self._entries(frame, mask, column, reason, raw))
        return frame[~mask]

    def clear(self, frame: pd.DataFrame, mask: pd.Series, column: str, reason: str, raw) -> None:
        if mask.any():
            self.cleared.append(self._entries(frame, mask, column, reason, raw))

    @staticmethod
    def _combine(parts):
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype="int64" if c == "line" else "string") for c in REJECTED_COLUMNS})
        return pd.concat(parts, ignore_index=True).sort_values("line", kind="stable").reset_index(drop=True)

    def tables(self):
        return self._combine(self.rejected), self._combine(self.cleared)


def _is_empty(frame: pd.DataFrame) -> pd.Series:
    cells = frame.drop(columns=LINE)
    text = cells.astype("string").apply(lambda c: c.str.strip())
    return (text.isna() | (text == "")).all(axis=1)


def parse_rows(frame: pd.DataFrame, spec: schema.TableSpec, ledger: _Ledger, path, dayfirst=None) -> pd.DataFrame:
    """Type every contract column; reject rows whose required values are missing or unreadable."""
    frame = ledger.reject(frame, _is_empty(frame), "", "empty_row")
    for column in spec.required:
        raw = frame[column]
        textual = raw.dtype == object or pd.api.types.is_string_dtype(raw)
        missing = parsing.normalise_text(raw).isna() if textual else raw.isna()
        frame = ledger.reject(frame, missing, column, "missing_value", raw)
    for column, kind in spec.columns.items():
        if column not in frame.columns:
            continue
        raw = frame[column]
        if kind == schema.ID:
            frame[column] = parsing.parse_ids(raw)
        elif kind == schema.TEXT:
            frame[column] = parsing.normalise_text(raw)
        else:
            if kind == schema.DATE:
                values, bad = parsing.parse_dates(raw, column, path, dayfirst)
                reason = "bad_date"
            else:
                values, bad = parsing.parse_numbers(raw)
                reason = "bad_number"
            if column in spec.required:
                frame = ledger.reject(frame, bad, column, reason, raw)
                values = values[~bad]
            else:
                ledger.clear(frame, bad, column, reason, raw)
            frame[column] = values
    for column, low, high in spec.ranges:
        if column in frame.columns:
            outside = frame[column].notna() & ~frame[column].between(low, high)
            frame = ledger.reject(frame, outside, column, "out_of_range", frame[column])
    return frame


def normalise_factor_kinds(frame: pd.DataFrame, ledger: _Ledger) -> pd.DataFrame:
    """Factor kinds to canonical words; a bare S or T needs the framework column to decide."""
    words = {alias: kind for kind, aliases in schema.FACTOR_KINDS.items() for alias in aliases}
    kind = frame["kind"].str.lower()
    framework = frame["framework"].str.lower() if "framework" in frame else pd.Series(pd.NA, index=frame.index)
    resolved = kind.map(words)
    for name, letters in schema.FACTOR_LETTERS.items():
        use_letters = ((framework == name) & kind.isin(list(letters))).fillna(False).astype(bool)
        resolved = resolved.where(~use_letters, kind.map(letters))
    bad = resolved.isna()
    raw = frame["kind"]
    frame = ledger.reject(frame, bad, "kind", "bad_value", raw)
    frame["kind"] = resolved[~bad].astype("string")
    return frame


def flag_transactions(frame: pd.DataFrame) -> pd.DataFrame:
    """Returns, zero amounts and exact duplicates of an earlier line stay in, flagged."""
    contract = [c for c in schema.TRANSACTIONS.columns if c in frame.columns]
    frame["is_return"] = frame["amount"] < 0
    frame["is_zero"] = frame["amount"] == 0
    frame["is_duplicate"] = frame.duplicated(subset=contract, keep="first")
    return frame


def survey_to_long(frame: pd.DataFrame, path) -> pd.DataFrame:
    """A wide survey (one row per respondent, '<measure>:<dimension>' columns) in long format."""
    measure_of = {alias.lower(): m for m, aliases in schema.SURVEY_MEASURES.items() for alias in aliases}
    wide = {}
    for column in frame.columns:
        match = re.match(r"^\s*([^:：]+?)\s*[:：]\s*(.+?)\s*$", str(column))
        if match and match.group(1).lower() in measure_of:
            wide[column] = (measure_of[match.group(1).lower()], match.group(2))
        elif match and column not in schema.SURVEY.columns:
            raise ColumnError(t("err_wide_survey", file=path, examples=examples([column])))
    if not wide:
        return frame
    keys = [c for c in frame.columns if c not in wide]
    parts = []
    for dimension in dict.fromkeys(d for _, d in wide.values()):
        part = frame[keys].copy()
        part["dimension"] = dimension
        for column, (measure, dim) in wide.items():
            if dim == dimension:
                part[measure] = frame[column]
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    return long.sort_values([LINE], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- public readers


def read_table(
    table: str,
    path,
    columns: dict | None = None,
    encoding: str | None = None,
    sheet=None,
    dayfirst: bool | None = None,
    frame: pd.DataFrame | None = None,
    shared_columns=(),
) -> ReadResult:
    """Read one input file as ``table`` (a name in ``custval.schema.TABLES``), with full accounting.

    Every key of ``columns`` must name a header of the file, except the ``shared_columns`` (keys
    of the configuration's global mapping), which are listed in ``ReadResult.unmatched`` instead.
    With ``frame`` (rows an engine read from a table or a remote path), ``path`` only names the
    source in messages, and the rows are checked exactly like a file's.
    """
    spec = schema.TABLES[table]
    if frame is None:
        path = Path(path)
        frame, used_encoding, offset = load_raw(path, encoding, sheet)
    else:
        used_encoding, offset = None, 1
    if frame.shape[0] == 0:
        raise FileFormatError(t("err_empty", file=path))
    rows_read = len(frame)
    frame = frame.reset_index(drop=True)
    headers = [_clean_header(c) for c in frame.columns]
    renames = map_columns(frame, spec, columns, path, shared_columns)
    unmatched = tuple(k for k in shared_columns if _clean_header(k) not in headers)
    frame[LINE] = np.arange(rows_read) + offset
    if table == "survey":
        frame = survey_to_long(frame, path)
    require_columns(frame, spec, path, columns, headers)
    ledger = _Ledger(table, path)
    frame = parse_rows(frame, spec, ledger, path, dayfirst)
    if table == "factors":
        frame = normalise_factor_kinds(frame, ledger)
    if table == "market":
        frame = ledger.reject(frame, parsing.parse_periods(frame["period"])[1], "period", "bad_value", frame["period"])
    if table == "salespeople":
        for column in [c for c in frame.columns if str(c).startswith("perf_")]:
            values, bad = parsing.parse_numbers(frame[column])
            ledger.clear(frame, bad, column, "bad_number", frame[column])
            frame[column] = values
    if table == "transactions":
        frame = flag_transactions(frame)
    rejected, cleared = ledger.tables()
    if table == "survey":
        # A wide row becomes one long row per dimension; account for it once.
        rejected = rejected.drop_duplicates("line").reset_index(drop=True)
    _check_usable(frame, rejected, rows_read, spec, path)
    ordered = [c for c in spec.columns if c in frame.columns]
    extra = [c for c in frame.columns if c not in spec.columns and c != LINE]
    data = frame[ordered + extra].reset_index(drop=True)
    return ReadResult(
        table, str(path), data, rows_read, rejected, cleared, used_encoding, renames, unmatched, tuple(headers)
    )


def _check_usable(frame, rejected, rows_read, spec, path):
    if len(frame) == 0:
        top = rejected["reason"].mode().iloc[0]
        lines = ", ".join(map(str, rejected.loc[rejected["reason"] == top, "line"].head(5)))
        raise DataError(
            t("err_no_rows", file=path, rows=rows_read, table=spec.name, reason=t(f"reason_{top}"), lines=lines)
        )


def _reader(table: str):
    def read(path, columns=None, encoding=None, sheet=None, dayfirst=None, return_rejected=False):
        result = read_table(table, path, columns=columns, encoding=encoding, sheet=sheet, dayfirst=dayfirst)
        if result.rows_rejected and not return_rejected:
            warn_rejected(result)
        return (result.data, result.rejected) if return_rejected else result.data

    read.__name__ = f"read_{table}"
    read.__qualname__ = read.__name__
    read.__doc__ = (
        f"Read a {table} file (CSV in UTF-8/GBK, XLSX, Parquet) into the contract's columns.\n\n"
        "``columns`` maps source headers to contract names; ``return_rejected=True`` returns\n"
        "``(data, rejected)``; otherwise rejected rows are reported in a RowsRejectedWarning."
    )
    return read


def warn_rejected(result: ReadResult) -> None:
    counts = result.rejected["reason"].value_counts()
    detail = "; ".join(f"{t('reason_' + r)} ×{n}" for r, n in counts.items())
    lines = ", ".join(map(str, result.rejected["line"].head(5)))
    warnings.warn(
        f"{result.file}: {result.rows_rejected}/{result.rows_read} rows rejected ({detail}); lines {lines}. "
        "Use return_rejected=True to get them.",
        RowsRejectedWarning,
        stacklevel=3,
    )


read_transactions = _reader("transactions")
read_customers = _reader("customers")
read_survey = _reader("survey")
read_kano = _reader("kano")
read_firm_ranking = _reader("firm_ranking")
read_market = _reader("market")
read_positioning = _reader("positioning")
read_factors = _reader("factors")
read_salespeople = _reader("salespeople")


def read_grades(path) -> pd.DataFrame:
    """A run's ``tables/grades.csv`` (UTF-8 with BOM), customer ids as text: the previous grading
    that grade migration compares with."""
    return unmarked(pd.read_csv(path, encoding="utf-8-sig", dtype={"customer_id": str}))
