"""The reading rules of :mod:`custval.io` as engine expressions: big inputs validated without the
lines entering Python.

Only the tables that grow with the business, ``transactions`` and ``customers``, are read here
(CSV/TXT/TSV files and Parquet files or folders); the small tables (survey, kano, market, …) and
XLSX files keep the Python path (:func:`custval.io.read_table`). The rules are the same, rule by
rule, and so are the results: the clean rows written to Parquet read back (``pd.read_parquet``)
equal to ``io.read_table(...).data``, and the rejected and cleared ledgers equal the Python ones.

How a file gets into the engine:

* Encodings are found like the Python reader does (:func:`custval.parsing.detect_encoding`), by a
  streaming pass over the bytes; files that are not UTF-8 (GBK/GB18030, UTF-16) are transcoded to
  UTF-8 in a streaming way into a temporary file next to ``out``.
* A CSV is scanned by DuckDB with every column as text, the sniffed delimiter and ``"`` quotes, and
  numbered with ``row_number() OVER ()`` (order-preserving in DuckDB); data row *k* is line *k* + 2.
  DuckDB skips blank lines, which pandas keeps as rows, so a file with blank lines (and no quotes)
  is first copied with each blank line written as a row of empty fields.
* A Parquet file or folder is numbered from 1 in :func:`custval.io.parquet_parts` order with the
  per-file ``file_row_number``; ``key=value`` folders become columns, typed as pyarrow infers them.

The rules themselves are Ibis expressions (portable operations: regex search/extract/replace,
translate, casts, ``make_date``, date plus interval, a row hash), built in layers: each layer is
compiled on its own and the layers are chained as SQL common table expressions. Every check gets
a column, the first rejecting one a step number (first problem wins, in the Python order), and the
ledgers are built from the few rows that have a problem by :class:`custval.io._Ledger` itself.
Duplicates are compared in full only among lines whose row hash is shared. A CSV's checked rows
are written once to a work file (its text rules cost more than a write); typed Parquet is checked
on the fly.

Files the engine could read differently from pandas take the Python path and are written to
``out`` from there (same result, but the lines do enter Python): rows with more fields than the
header, blank lines in a file with quoted fields, time-zone-aware or nested Parquet columns,
headers that collide after mapping, and any file DuckDB's CSV reader refuses. Known difference
left: text after a closing quote (``"abc"def``) is ``abcdef`` for pandas and ``abcde`` for DuckDB.

Engines: DuckDB. The scan, the work files and the Parquet output are DuckDB SQL; on Spark the
same rule expressions would need a Spark scan with line numbers and a Spark writer (not yet).
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import inspect
import shutil
import tempfile
import unicodedata
from functools import cache
from io import StringIO
from pathlib import Path

import ibis
import ibis.expr.datatypes as dt
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pds
import pyarrow.parquet as pq

from custval import engines, io, parsing, schema
from custval.errors import ColumnError, FileFormatError, examples
from custval.i18n import t
from custval.outputs import FORMULA_START, TEXT_MARK, unmark

ENGINE_TABLES = ("transactions", "customers")
LINE = io.LINE
CHUNK = 1 << 24  # bytes per streamed read
HEAD = 1 << 16  # characters of text the header is read from
MEMORY_LIMIT = "1GB"  # DuckDB's own budget when the reader opens the connection; it spills beyond
DUPLICATE_HASHES = 100_000  # beyond this many shared hashes, duplicates are found by one window over all lines


class _Fallback(Exception):
    """This file needs the Python reader to be read exactly as it reads it."""


# --------------------------------------------------------------------------- character classes


@cache
def _whitespace() -> str:
    """Python's whitespace (``str.strip``, ``\\s`` in ``re``) as regex class items."""
    return "".join(f"\\x{{{c:x}}}" for c in range(0x110000) if chr(c).isspace())


@cache
def _digits() -> tuple[str, str]:
    """Every non-ASCII decimal digit (what ``\\d`` matches in Python) and its ASCII digit."""
    found = [(chr(c), str(unicodedata.decimal(chr(c)))) for c in range(128, 0x110000) if chr(c).isdecimal()]
    return "".join(a for a, _ in found), "".join(b for _, b in found)


_NUMBER_CHARS = set("0123456789+-.eE(),$¥￥€£RMBCNY元")


@cache
def _nfkc() -> tuple[tuple[str, str], list[tuple[str, str]]]:
    """NFKC as far as it can change whether a text is a number: characters whose compatibility form
    is made of digits, signs, marks, currency and whitespace, as (from, to) for ``translate`` plus
    the few that expand to several characters, for ``replace``."""
    single, multiple = [], []
    for code in range(0x110000):
        char = chr(code)
        form = unicodedata.normalize("NFKC", char)
        if form == char or not all(c in _NUMBER_CHARS or c.isspace() for c in form):
            continue
        (single if len(form) == 1 else multiple).append((char, form))
    return ("".join(a for a, _ in single), "".join(b for _, b in single)), multiple


# --------------------------------------------------------------------------- public


def engine_readable(table: str, path) -> bool:
    """Whether :func:`read_to_parquet` reads this input: a transactions or customers table in a
    local CSV/TXT/TSV file or a Parquet file or folder (not XLSX, not a remote path)."""
    if table not in ENGINE_TABLES or "://" in str(path):
        return False
    path = Path(path)
    if path.is_dir():
        return True
    return path.is_file() and path.suffix.lower() in io.CSV_SUFFIXES + io.PARQUET_SUFFIXES


def read_to_parquet(
    table: str,
    path,
    out,
    *,
    columns: dict | None = None,
    encoding: str | None = None,
    sheet=None,
    dayfirst: bool | None = None,
    shared_columns=(),
    con=None,
) -> io.ReadResult:
    """Read ``path`` as ``table`` with the reading rules of :func:`custval.io.read_table`, run by
    the engine ``con`` (an Ibis backend; None opens an in-memory DuckDB), and write the clean rows
    to the Parquet file ``out``. Returns the same account as ``read_table`` with ``data=None``,
    ``parquet=str(out)`` and, for transactions, the flag ``counts``."""
    spec = schema.TABLES[table]
    if con is not None and con.name != "duckdb":
        raise ValueError(f"read_to_parquet runs on DuckDB only for now, got the {con.name} backend")
    path, out = Path(path), Path(out)
    if not path.exists():
        raise FileFormatError(t("err_not_found", file=path))
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".custval-read-", dir=out.parent))
    own = con is None
    try:
        if own:
            con = ibis.duckdb.connect(
                threads=engines.cores(), memory_limit=MEMORY_LIMIT, temp_directory=str(work / "spill")
            )
        try:
            with _settings(con):
                return _Reader(spec, path, out, work, con, columns, encoding, dayfirst, shared_columns).run()
        except _Fallback:
            return _python_read(spec, path, out, columns, encoding, sheet, dayfirst, shared_columns)
    finally:
        if own and con is not None:
            con.disconnect()
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def _settings(con):
    """DuckDB without filter pushdown while the rules run: pushed below the layers, a filter on the
    first failing check would repeat every layer's expressions inside it. Restored afterwards."""
    if con.name != "duckdb":
        yield
        return
    query = "SELECT current_setting('disabled_optimizers'), current_setting('enable_progress_bar')"
    before, progress = con.raw_sql(query).fetchone()
    disabled = ",".join(filter(None, [*str(before or "").split(","), "filter_pushdown"]))
    con.raw_sql(f"SET disabled_optimizers = {_sql_text(disabled)}")
    con.raw_sql("SET enable_progress_bar = false")
    try:
        yield
    finally:
        con.raw_sql(f"SET disabled_optimizers = {_sql_text(before or '')}")
        con.raw_sql(f"SET enable_progress_bar = {str(bool(progress)).lower()}")


def _python_read(spec, path, out, columns, encoding, sheet, dayfirst, shared_columns) -> io.ReadResult:
    """The Python reader's result, its rows written to ``out`` (files the engine would misread)."""
    result = io.read_table(
        spec.name,
        path,
        columns=columns,
        encoding=encoding,
        sheet=sheet,
        dayfirst=dayfirst,
        shared_columns=shared_columns,
    )
    result.data.to_parquet(out, index=False)
    counts = result.flag_counts() if spec.name == "transactions" else None
    return dataclasses.replace(result, data=None, parquet=str(out), counts=counts)


# --------------------------------------------------------------------------- sources


class _Plan:
    """The rules as a chain of named steps (SQL common table expressions), each compiled from a
    small Ibis expression over the step before, run on one backend."""

    def __init__(self, con):
        self.con, self.steps = con, []

    def base(self, sql: str, columns) -> ibis.Table:
        """The first step: the file scan (engine SQL), with its columns' types."""
        self.steps.append(("custval_scan", sql))
        return ibis.table(columns, name="custval_scan")

    def layer(self, expr: ibis.Table) -> ibis.Table:
        """A step computing ``expr``; later expressions see it as a plain table."""
        name = f"custval_step{len(self.steps)}"
        self.steps.append((name, self.con.compile(expr)))
        return ibis.table(expr.schema(), name=name)

    def sql(self, expr) -> str:
        steps = ", ".join(f'"{name}" AS ({sql})' for name, sql in self.steps)
        return f"WITH {steps} SELECT * FROM ({self.con.compile(expr)}) AS custval_result"

    def fetch(self, expr) -> pa.Table:
        if self.con.name == "duckdb":  # straight to DuckDB: Ibis would parse the whole query again
            return self.con.con.sql(self.sql(expr)).to_arrow_table()
        return self.con.sql(self.sql(expr), schema=expr.schema()).to_pyarrow()

    def columns(self, sql: str) -> ibis.Schema:
        """The columns a scan gives (its query run for no rows)."""
        if self.con.name == "duckdb":
            return ibis.Schema.from_pyarrow(self.con.con.sql(f"SELECT * FROM ({sql}) LIMIT 0").to_arrow_table().schema)
        return self.con.sql(sql).schema()

    def first(self, expr) -> dict:
        """The one row of an aggregate."""
        return self.fetch(expr).to_pylist()[0]


@dataclasses.dataclass
class _Source:
    """The raw rows as an engine table: the file's columns (positional names) and ``LINE``."""

    table: ibis.Table
    names: list[str]  # engine column per header, in file order
    headers: list[str]  # the headers as the Python reader sees them (before cleaning)
    rows: int
    encoding: str | None
    textual: bool  # every column is text (CSV)
    dtypes: dict[str, object]  # engine column -> the pandas dtype the Python reader gives it
    arrow: dict[str, pa.DataType]  # engine column -> Arrow type (Parquet)


def _csv_source(plan: _Plan, path: Path, encoding: str | None, work: Path) -> _Source:
    prepared = _prepare_csv(path, encoding, work)
    names = [f"c{i}" for i in range(len(prepared.headers) + 1)]  # one more: rows longer than the header
    spec = ", ".join(f"'{n}': 'VARCHAR'" for n in names)
    stage = work / "stage.parquet"
    scan = (
        f"SELECT *, row_number() OVER () + 1 AS {LINE} FROM read_csv({_sql_text(prepared.file)}, auto_detect=false, "
        f"header=true, columns={{{spec}}}, delim={_sql_text(prepared.delimiter)}, quote='\"', escape='\"', "
        f"null_padding=true, strict_mode=false, parallel={str(not prepared.quoted).lower()}, nullstr='\x1f')"
    )
    try:
        plan.con.raw_sql(f"COPY ({scan}) TO {_sql_text(stage)} (FORMAT parquet)")
    except Exception:  # DuckDB's CSV errors: pandas may still read the file (or word the error its way)
        raise _Fallback from None
    raw = plan.base(
        f"SELECT * FROM read_parquet({_sql_text(stage)})", {**dict.fromkeys(names, "string"), LINE: "int64"}
    )
    longer, last, rows, last_empty = _stage_facts(plan, raw, names)
    if longer:
        raise _Fallback
    if prepared.ends_with_newline and rows and last_empty:
        raw = raw.filter(raw[LINE] < last)
        rows -= 1
    unmarked = {n: _unmark(raw[n].fill_null("")) for n in names[:-1]}
    table = plan.layer(raw.select(**unmarked, **{LINE: raw[LINE]}))
    dtypes = dict.fromkeys(names[:-1], "str")
    return _Source(table, names[:-1], prepared.headers, rows, prepared.encoding, True, dtypes, {})


def _stage_facts(plan: _Plan, raw, names):
    """Rows longer than the header, the last line, the row count and whether the last row is empty."""
    longer = raw[names[-1]].notnull().sum()
    facts = plan.first(raw.aggregate(longer=longer, last=raw[LINE].max(), rows=raw.count()))
    if not facts["rows"]:
        return bool(facts["longer"]), 0, 0, False
    tail = raw.filter(raw[LINE] == facts["last"])
    empty = ibis.and_(*[tail[n].fill_null("") == "" for n in names[:-1]])
    last_empty = bool(plan.first(tail.select(e=empty))["e"])
    return bool(facts["longer"]), facts["last"], facts["rows"], last_empty


def _unmark(cell):
    """Cells the suite wrote formula-safe (``'=x``) read back as written (``=x``), as ``outputs.unmark``."""
    marked = cell.startswith(TEXT_MARK) & cell.substr(1, 1).isin([*FORMULA_START, "\n"])
    return ibis.ifelse(marked, cell.substr(1), cell)


@dataclasses.dataclass
class _Prepared:
    file: Path
    encoding: str
    headers: list[str]
    delimiter: str
    quoted: bool
    ends_with_newline: bool


def _prepare_csv(path: Path, encoding: str | None, work: Path) -> _Prepared:
    """Find the encoding like the Python reader, read the header, and give DuckDB a UTF-8 file in
    which every pandas row is a row (blank lines written as rows of empty fields)."""
    encoding = encoding or _detect_encoding(path)
    facts = _decode_facts(path, encoding)
    head = facts["head"].lstrip("\ufeff")
    header = head.split("\n", 1)[0]
    if not header.strip():
        raise FileFormatError(t("err_empty", file=path))
    delimiter = parsing.sniff_delimiter(header)
    headers = _csv_headers(head, delimiter)
    blank = facts["blank"]
    if blank and facts["quoted"]:
        raise _Fallback
    utf8 = codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
    file = path
    if blank or not utf8:
        file = work / "utf8.csv"
        _transcode(path, encoding, file, delimiter * (len(headers) - 1) if blank else None)
    return _Prepared(file, encoding, headers, delimiter, facts["quoted"], facts["newline"])


def _csv_headers(head: str, delimiter: str) -> list[str]:
    """The header names exactly as pandas makes them (duplicates numbered, blanks 'Unnamed: i')."""
    cut = head.rfind("\n")
    text = head if cut < 0 else head[: cut + 1]
    try:
        frame = pd.read_csv(
            StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, skip_blank_lines=False, nrows=0
        )
    except (pd.errors.ParserError, ValueError):
        raise _Fallback from None
    return [unmark(c) for c in frame.columns]


def _detect_encoding(path: Path) -> str:
    """:func:`custval.parsing.detect_encoding` without holding the file in memory."""
    with path.open("rb") as stream:
        start = stream.read(3)
    if start.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        if _first_error(path, encoding) is None:
            return encoding
    raise FileFormatError(t("err_encoding", file=path, position=_first_error(path, "utf-8")))


def _first_error(path: Path, encoding: str) -> int | None:
    """The byte offset where decoding ``path`` as ``encoding`` fails, or None."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as stream:
        while True:
            chunk = stream.read(CHUNK)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return offset - pending + exc.start
            if not chunk:
                return None
            offset += len(chunk)


def _decode_facts(path: Path, encoding: str) -> dict:
    """Decode the whole file (streaming) as the Python reader would, failing the same way, and note
    its first characters, whether it has quotes or blank lines and whether it ends with a newline."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        raise FileFormatError(t("err_unknown_encoding", file=path, encoding=encoding)) from None
    facts = {"head": "", "quoted": False, "blank": False, "newline": False}
    offset, tail = 0, ""
    with path.open("rb") as stream:
        while True:
            chunk = stream.read(CHUNK)
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                position = offset - pending + exc.start
                raise FileFormatError(t("err_decode", file=path, encoding=encoding, position=position)) from None
            if len(facts["head"]) < HEAD:
                facts["head"] += text[: HEAD - len(facts["head"])]
            window = tail + text
            facts["quoted"] |= '"' in text
            facts["blank"] |= "\n\n" in window or "\n\r\n" in window or "\r\r" in window
            if text:
                tail = window[-2:]
                facts["newline"] = text.endswith("\n")
            if not chunk:
                return facts
            offset += len(chunk)


def _transcode(path: Path, encoding: str, target: Path, filler: str | None) -> None:
    """Copy ``path`` as UTF-8; with ``filler``, every blank line (but the header) becomes that
    row of empty fields, so that DuckDB does not skip it."""
    with (
        path.open("r", encoding=encoding, newline="") as source,
        target.open("w", encoding="utf-8", newline="") as sink,
    ):
        first = True
        for line in source:
            if filler is not None and not first and line in ("\n", "\r\n", "\r"):
                line = filler + line
            sink.write(line)
            first = False


def _parquet_source(plan: _Plan, path: Path) -> _Source:
    parts = io.parquet_parts(path) if path.is_dir() else [path]
    try:
        if path.is_dir():
            found = pds.dataset(
                [str(p) for p in parts], format="parquet", partitioning="hive", partition_base_dir=str(path)
            )
            arrow = found.schema
        else:
            arrow = pq.read_schema(path)
        counts = [pq.ParquetFile(p).metadata.num_rows for p in parts]
    except Exception:  # damaged files: the Python reader words the error
        raise _Fallback from None
    if (path.is_dir() and "=" in str(path)) or any(_unsupported(f.type) for f in arrow):
        raise _Fallback  # DuckDB would read key=value folders above the data set too; odd column types
    python_dtypes = arrow.empty_table().to_pandas().dtypes
    file_fields = set(pq.read_schema(parts[0]).names)
    partitions = [f.name for f in arrow if f.name not in file_fields]
    offsets = [sum(counts[:i]) for i in range(len(counts))]
    files = ", ".join(_sql_text(p) for p in parts)
    hive = "true, hive_types_autocast=false" if partitions else "false"
    sql = (
        f"SELECT * FROM read_parquet([{files}], filename=true, file_row_number=true, union_by_name=true, "
        f"hive_partitioning={hive})"
    )
    scan = plan.base(sql, plan.columns(sql))
    start = ibis.cases(*[(scan.filename == str(p), o) for p, o in zip(parts, offsets)], else_=0)
    names = [f"c{i}" for i in range(len(arrow))]
    selected = {}
    for name, field in zip(names, arrow):
        column = scan[field.name]
        if field.name in partitions and not pa.types.is_string(field.type):
            column = column.cast(dt.DataType.from_pyarrow(field.type))
        selected[name] = column
    line = (start + scan.file_row_number + 1).cast("int64")
    table = plan.layer(scan.select(**selected, **{LINE: line}))
    dtypes = {n: python_dtypes[f.name] for n, f in zip(names, arrow)}
    return _Source(table, names, list(arrow.names), sum(counts), None, False, dtypes, dict(zip(names, arrow.types)))


def _unsupported(kind: pa.DataType) -> bool:
    if pa.types.is_timestamp(kind):
        return kind.tz is not None
    return (
        pa.types.is_nested(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_dictionary(kind)
    )


def _sql_text(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


# --------------------------------------------------------------------------- rules


def _normalise(text):
    """``parsing.normalise_text``: Python's whitespace (``str.strip``) off both ends, empty as
    missing. Only cells with whitespace at an end are rewritten (a quick anchored search first)."""
    ws = _whitespace()
    edge = text.re_search(f"^[{ws}]|[{ws}]$")
    return ibis.ifelse(edge, text.re_replace(f"^[{ws}]+|[{ws}]+$", ""), text).nullif("")


def _ids(text):
    """``parsing.parse_ids`` of normalised text: Excel's ``123.0`` back to ``123``."""
    return ibis.ifelse(text.re_search(r"^\p{Nd}+\.0+$"), text.re_replace(r"\.0+$", ""), text)


def _number_text(text, expand: bool):
    """``parsing.parse_numbers``' cleaning of normalised text: compatibility forms (full-width
    digits and marks) as NFKC makes them, then spaces, separators and currency marks removed.
    ``expand``: also the rare forms that stand for several characters (``⑴`` is ``(1)``)."""
    (source, target), expanded = _nfkc()
    cleaned = text.translate(source, target)
    for char, form in expanded if expand else ():
        cleaned = cleaned.replace(char, form)
    cleaned = ibis.ifelse(text.re_search(r"[^\x00-\x7f]"), cleaned, text)  # ASCII is its own NFKC form
    return cleaned.re_replace(f"[{_whitespace()},¥￥$€£]|RMB|CNY|元", "")


def _negated(text):
    """``(x)`` as ``-x``."""
    negative = text.startswith("(") & text.endswith(")") & (text.length() >= 2)
    return ibis.ifelse(negative, "-" + text.substr(1, text.length() - 2), text)


def _number_value(text):
    """The finite number ``pd.to_numeric`` reads from cleaned text, else null."""
    valid = text.re_search(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
    value = ibis.ifelse(valid, text, ibis.null("string")).cast("float64")
    return ibis.ifelse(value.isinf(), ibis.null("float64"), value)


_TIME = r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
_YMD = rf"^([0-9]{{4}})[-/.]([0-9]{{1,2}})[-/.]([0-9]{{1,2}}){_TIME}$"
_COMPACT = r"^[0-9]{8}$"
_DMY = rf"^([0-9]{{1,2}})[-/.]([0-9]{{1,2}})[-/.]([0-9]{{4}}){_TIME}$"
_SERIAL = r"^([0-9]{5})(?:\.[0-9]+)?$"
_FAMILIES = ("ymd", "compact", "chinese", "dmy", "serial")
_EXCEL_EPOCH = parsing.EXCEL_EPOCH.date()


@cache
def _chinese() -> str:
    ws = f"[{_whitespace()}]*"
    return rf"^([0-9]{{4}}){ws}年{ws}([0-9]{{1,2}}){ws}月{ws}([0-9]{{1,2}}){ws}日?$"


def _patterns() -> dict[str, str]:
    return {"ymd": _YMD, "compact": _COMPACT, "chinese": _chinese(), "dmy": _DMY, "serial": _SERIAL}


def _ascii_digits(text):
    """Every decimal digit as its ASCII digit, as Python's ``\\d`` and ``int`` read them."""
    source, target = _digits()
    return ibis.ifelse(text.re_search(r"[^\x00-\x7f]"), text.translate(source, target), text)


def _date_parts(digits, family: dict):
    """(year, first number, second number, serial day) of a date text by its family (the first
    matching one, in ``parsing``'s order)."""
    ymd, compact, chinese, dmy = (family[f] for f in _FAMILIES[:4])

    def part(ymd_group, compact_slice, chinese_group, dmy_group):
        return ibis.cases(
            (ymd, digits.re_extract(_YMD, ymd_group)),
            (compact, digits.substr(*compact_slice)),
            (chinese, digits.re_extract(_chinese(), chinese_group)),
            (dmy, digits.re_extract(_DMY, dmy_group)),
            else_="0",
        ).cast("int64")

    serial = family["serial"] & ~(ymd | compact | chinese | dmy)
    days = ibis.ifelse(serial, digits.re_extract(_SERIAL, 1), "0").cast("int64")
    return part(1, (0, 4), 1, 3), part(2, (4, 2), 2, 1), part(3, (6, 2), 3, 2), days


def _valid_day(year, month, day):
    """A calendar day pandas accepts (proleptic Gregorian, years 0 to 9999)."""
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    length = ibis.cases((month == 2, ibis.ifelse(leap, 29, 28)), (month.isin([4, 6, 9, 11]), 30), else_=31)
    return (year >= 0) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= length)


# --------------------------------------------------------------------------- the reader


@dataclasses.dataclass
class _Step:
    """One check in the Python reader's order: a reject (first one wins) or a clear."""

    action: str  # "reject" or "clear"
    column: str
    reason: str
    bad: str  # the engine column holding the check's result
    shown: str | None  # the engine column with the text the ledger shows (None: empty text)
    number: bool = False  # ``shown`` holds a number, shown as pandas shows it (out_of_range)


class _Reader:
    """One read: the source, the header checks, the rules as layers of columns, ledger and output."""

    def __init__(self, spec, path, out, work, con, columns, encoding, dayfirst, shared_columns):
        self.spec, self.path, self.out, self.work, self.con = spec, path, out, work, con
        self.columns, self.encoding, self.dayfirst, self.shared = columns, encoding, dayfirst, tuple(shared_columns)
        self.plan = _Plan(con)
        self.built: dict = {}  # day/month orders -> (checked table, steps, plan steps)

    def run(self) -> io.ReadResult:
        source = self._source()
        if source.rows == 0:
            raise FileFormatError(t("err_empty", file=self.path))
        frame = pd.DataFrame(columns=source.headers)
        headers = [io._clean_header(c) for c in frame.columns]
        renames = io.map_columns(frame, self.spec, self.columns, self.path, self.shared)
        unmatched = tuple(k for k in self.shared if io._clean_header(k) not in headers)
        io.require_columns(frame, self.spec, self.path, self.columns, headers)
        self._bind(source, [str(c) for c in frame.columns])
        orders = self._day_orders()
        table, steps = self._checked(orders)
        if source.textual:
            table = self._materialised(table, steps)
        rejected, cleared = self._ledger(table, steps)
        if len(rejected) == source.rows:
            io._check_usable(pd.DataFrame(), rejected, source.rows, self.spec, self.path)
        self._write(table)
        counts = self._counts() if self.spec.name == "transactions" else None
        return io.ReadResult(
            self.spec.name,
            str(self.path),
            None,
            source.rows,
            rejected,
            cleared,
            source.encoding,
            renames,
            unmatched,
            tuple(headers),
            parquet=str(self.out),
            counts=counts,
        )

    def _source(self) -> _Source:
        suffix = self.path.suffix.lower()
        if self.path.is_dir() or suffix in io.PARQUET_SUFFIXES:
            return _parquet_source(self.plan, self.path)
        if suffix in io.CSV_SUFFIXES:
            return _csv_source(self.plan, self.path, self.encoding, self.work)
        raise _Fallback  # the Python reader names the unsupported extension

    def _bind(self, source: _Source, names: list[str]) -> None:
        """The raw table under the contract's names; engine columns of the rules are ``__cv_*``."""
        clash = self.spec.name == "transactions" and set(io.FLAGS) & set(names)
        if len(set(names)) < len(names) or clash or any(n.startswith("__") for n in names):
            raise _Fallback
        self.names = names
        self.kinds = {n: _kind(source, c) for n, c in zip(names, source.names)}
        self.dtypes = {n: source.dtypes[c] for n, c in zip(names, source.names)}
        self.arrow = {n: source.arrow.get(c) for n, c in zip(names, source.names)}
        self.raw = self._layer(source.table, {n: source.table[c] for n, c in zip(names, source.names)}).select(
            *names, LINE
        )
        self.contract = {c: k for c, k in self.spec.columns.items() if c in names}
        for column, kind in self.contract.items():
            if self.kinds[column] not in _ACCEPTED[kind]:
                raise _Fallback  # e.g. a typed date in an id column: pandas' text for it is its own
        self.kept = len(self.plan.steps)
        self.expanded = self._expanded()

    def _expanded(self) -> set[str]:
        """The text number columns with characters NFKC expands to several (``⑴``): rare enough to
        keep them out of the rules of every other column."""
        numbers = [c for c, k in self.contract.items() if k == schema.NUMBER and self.kinds[c] == "text"]
        if not numbers:
            return set()
        chars = "".join(char for char, _ in _nfkc()[1])
        raw = self.raw
        found = raw.aggregate(
            **{f"n{i}": raw[c].re_search(f"[{chars}]").fill_null(False).sum() for i, c in enumerate(numbers)}
        )
        found = self.plan.first(found)
        return {c for i, c in enumerate(numbers) if found[f"n{i}"]}

    # ----------------------------------------------------------------- layers

    def _layer(self, table, columns: dict):
        """``table`` with ``columns`` added, as a step of the plan: each layer of the rules is
        compiled on its own (a few columns over a named table), not as one ever deeper expression."""
        return self.plan.layer(table.mutate(**columns)) if columns else table

    def _col(self, column: str) -> int:
        return self.names.index(column)

    def _textual(self, column: str) -> bool:
        """Whether the rules read this column as text (typed numbers too, outside number columns)."""
        kind = self.contract.get(column)
        raw = self.kinds[column]
        return raw == "text" or (raw in ("int", "float") and kind in (schema.ID, schema.TEXT, schema.DATE))

    def _as_text(self, table, column):
        """The cell as ``astype("string")`` writes it, for typed numbers read as text."""
        cell, raw = table[column], self.kinds[column]
        if raw == "float":
            return ibis.ifelse(cell.isnan(), ibis.null("string"), cell.cast("string"))
        if raw == "int":
            return cell.cast("string")
        return cell

    def _checked(self, orders: dict):
        """Every row with its parsed values (``__cv_v<i>``), each check's result (``__cv_b<j>``) and
        the first rejecting check (``__cv_step``, null for a used row)."""
        key = tuple(sorted(orders.items()))
        if key in self.built:
            self.plan.steps[:] = self.built[key][2]
            return self.built[key][:2]
        del self.plan.steps[self.kept :]
        table = self.raw
        n = {}  # column -> normalised text
        layer = {}
        for column in self.names:
            if self._textual(column):
                name = f"__cv_n{self._col(column)}"
                layer[name] = _normalise(self._as_text(table, column))
                n[column] = name
        table = self._layer(table, layer)

        values, bad, layer = {}, {}, {}
        numbers, dates = [], []
        for column, kind in self.contract.items():
            i, raw = self._col(column), self.kinds[column]
            v, b = f"__cv_v{i}", f"__cv_bad{i}"
            if kind == schema.ID:
                layer[v] = _ids(table[n[column]])
            elif kind == schema.TEXT:
                layer[v] = table[n[column]]
            elif kind == schema.NUMBER and raw == "bool":
                layer[v], layer[b] = ibis.null("float64"), table[column].notnull()
            elif kind == schema.NUMBER and raw in ("int", "float", "decimal"):
                number = table[column].cast("float64")
                number = ibis.ifelse(number.isnan() | number.isinf(), ibis.null("float64"), number)
                layer[v], layer[b] = number, table[column].cast("float64").isinf().fill_null(False)
            elif kind == schema.NUMBER:
                layer[f"__cv_q{i}"] = _number_text(table[n[column]], column in self.expanded)
                numbers.append(column)
            elif raw == "timestamp":
                layer[v], layer[b] = table[column].truncate("D").cast("timestamp"), ibis.literal(False)
            elif raw == "date":
                layer[v], layer[b] = table[column].cast("timestamp"), ibis.literal(False)
            else:
                layer[f"__cv_g{i}"] = _ascii_digits(table[n[column]])
                dates.append(column)
            values[column], bad[column] = v, b
        table = self._layer(table, layer)

        layer = {}
        for column in numbers:
            i = self._col(column)
            layer[f"__cv_p{i}"] = _negated(table[f"__cv_q{i}"])
        for column in dates:
            i = self._col(column)
            for family, pattern in _patterns().items():
                layer[f"__cv_{family}{i}"] = table[f"__cv_g{i}"].re_search(pattern).fill_null(False)
        table = self._layer(table, layer)

        layer = {}
        for column in numbers:
            i = self._col(column)
            layer[f"__cv_v{i}"] = _number_value(table[f"__cv_p{i}"])
        for column in dates:
            i = self._col(column)
            family = {f: table[f"__cv_{f}{i}"] for f in _FAMILIES}
            year, first, second, days = _date_parts(table[f"__cv_g{i}"], family)
            layer.update({f"__cv_y{i}": year, f"__cv_a{i}": first, f"__cv_c{i}": second, f"__cv_s{i}": days})
        table = self._layer(table, layer)

        layer = {}
        for column in numbers:
            i = self._col(column)
            layer[f"__cv_bad{i}"] = table[n[column]].notnull() & table[f"__cv_v{i}"].isnull()
        for column in dates:
            i = self._col(column)
            dmy = table[f"__cv_dmy{i}"]
            a, b = table[f"__cv_a{i}"], table[f"__cv_c{i}"]
            month, day = (ibis.ifelse(dmy, b, a), ibis.ifelse(dmy, a, b)) if orders.get(column) else (a, b)
            calendar = ibis.or_(*[table[f"__cv_{f}{i}"] for f in _FAMILIES[:4]])
            days = table[f"__cv_s{i}"]
            serial = table[f"__cv_serial{i}"] & ~calendar
            serial &= (days >= parsing.SERIAL_RANGE[0]) & (days <= parsing.SERIAL_RANGE[1])
            layer.update({f"__cv_m{i}": month, f"__cv_d{i}": day, f"__cv_ok{i}": serial})
        table = self._layer(table, layer)

        layer = {}
        for column in dates:
            i = self._col(column)
            year, month, day = table[f"__cv_y{i}"], table[f"__cv_m{i}"], table[f"__cv_d{i}"]
            calendar = ibis.or_(*[table[f"__cv_{f}{i}"] for f in _FAMILIES[:4]]) & _valid_day(year, month, day)
            layer[f"__cv_cal{i}"] = calendar
        table = self._layer(table, layer)

        layer = {}
        for column in dates:
            i = self._col(column)
            calendar, serial = table[f"__cv_cal{i}"], table[f"__cv_ok{i}"]
            made = ibis.date(
                ibis.ifelse(calendar, table[f"__cv_y{i}"], 2000),
                ibis.ifelse(calendar, table[f"__cv_m{i}"], 1),
                ibis.ifelse(calendar, table[f"__cv_d{i}"], 1),
            ).cast("timestamp")
            counted = (ibis.literal(_EXCEL_EPOCH) + ibis.ifelse(serial, table[f"__cv_s{i}"], 0).as_interval("D")).cast(
                "timestamp"
            )
            value = ibis.cases((calendar, made), (serial, counted), else_=ibis.null("timestamp"))
            layer[f"__cv_v{i}"] = value
            layer[f"__cv_bad{i}"] = table[n[column]].notnull() & ~(calendar | serial)
        table = self._layer(table, layer)
        self.orders = orders
        return self._steps(table, values, bad)

    def _steps(self, table, values, bad):
        """The checks in the Python reader's order as columns, and the first rejecting one."""
        spec = self.spec
        layer = {"__cv_b0": ibis.and_(*[self._blank(table, c) for c in self.names])}
        steps = [_Step("reject", "", "empty_row", "__cv_b0", None)]
        for column in spec.required:
            j = len(steps)
            layer[f"__cv_b{j}"] = self._blank(table, column)
            layer[f"__cv_show{j}"] = self._shown(table, column)
            steps.append(_Step("reject", column, "missing_value", f"__cv_b{j}", f"__cv_show{j}"))
        for column, kind in self.contract.items():
            if kind in (schema.ID, schema.TEXT):
                continue
            j = len(steps)
            layer[f"__cv_b{j}"] = table[bad[column]]
            layer[f"__cv_show{j}"] = self._shown(table, column)
            action = "reject" if column in spec.required else "clear"
            reason = "bad_date" if kind == schema.DATE else "bad_number"
            steps.append(_Step(action, column, reason, f"__cv_b{j}", f"__cv_show{j}"))
        for column, low, high in spec.ranges:
            if column in values:
                j = len(steps)
                value = ibis.ifelse(table[bad[column]], ibis.null("float64"), table[values[column]])
                layer[f"__cv_b{j}"] = value.notnull() & ~value.between(low, high)
                layer[f"__cv_show{j}"] = value
                steps.append(_Step("reject", column, "out_of_range", f"__cv_b{j}", f"__cv_show{j}", number=True))
        table = self._layer(table, layer)
        rejects = [(table[s.bad].fill_null(False), j) for j, s in enumerate(steps) if s.action == "reject"]
        table = self._layer(table, {"__cv_step": ibis.cases(*rejects, else_=ibis.null("int64"))})
        self.built[tuple(sorted(self.orders.items()))] = (table, steps, list(self.plan.steps))
        self.values = {c: (values[c], bad[c] if spec.kind(c) in (schema.DATE, schema.NUMBER) else None) for c in values}
        return table, steps

    def _blank(self, table, column):
        """``_is_empty``'s and the missing check's view of one cell."""
        if self._textual(column):
            return table[f"__cv_n{self._col(column)}"].isnull()
        if self.kinds[column] == "float":
            return table[column].isnull() | table[column].isnan()
        return table[column].isnull()

    def _shown(self, table, column):
        """``raw.astype("string").fillna("")`` of a cell, as the ledger shows it."""
        cell, raw = table[column], self.kinds[column]
        if raw == "text":
            return cell.fill_null("")
        if raw == "float":
            return ibis.cases(
                (cell.isnan(), ""),
                (cell.isinf() & (cell > 0), "inf"),
                (cell.isinf(), "-inf"),
                else_=cell.cast("string"),
            ).fill_null("")
        if raw == "bool":
            return ibis.ifelse(cell, "True", "False").fill_null("")
        if raw in ("int", "decimal"):
            return cell.cast("string").fill_null("")
        return ibis.literal("")  # typed dates are never bad; missing ones show as empty text

    # ----------------------------------------------------------------- day/month order

    def _day_orders(self) -> dict:
        """The day/month order of each text date column with d/m/y values, decided like
        ``parsing._order_day_month`` on the rows still in play when that column is parsed."""
        dates = [c for c, k in self.contract.items() if k == schema.DATE and self._textual(c)]
        orders: dict = {}
        if not dates:
            return orders
        table, _ = self._checked(orders)
        found = table.aggregate(**{f"n{i}": table[f"__cv_dmy{self._col(c)}"].sum() for i, c in enumerate(dates)})
        found = self.plan.first(found)
        for i, column in enumerate(dates):
            if found[f"n{i}"]:
                table, steps = self._checked(orders)
                orders[column] = self._decide(table, steps, column)
        return orders

    def _decide(self, table, steps, column) -> bool | None:
        position = list(self.spec.columns).index(column)
        earlier = set(list(self.spec.columns)[:position])
        before = [
            table[s.bad].fill_null(False)
            for s in steps
            if s.action == "reject" and (s.reason in ("empty_row", "missing_value") or s.column in earlier)
        ]
        i = self._col(column)
        rows = table.filter(~ibis.or_(*before), table[f"__cv_dmy{i}"]).select(
            line=table[LINE], text=table[f"__cv_n{i}"], a=table[f"__cv_a{i}"], b=table[f"__cv_c{i}"]
        )
        seen = rows.aggregate(day=(rows.a > 12).sum(), month=(rows.b > 12).sum(), n=rows.count())
        seen = self.plan.first(seen)
        if not seen["n"]:
            return None
        day_first, month_first = bool(seen["day"]), bool(seen["month"])
        if day_first and month_first:
            both = self._texts(rows, rows.a > 12, 2) + self._texts(rows, rows.b > 12, 3)
            raise ColumnError(t("err_dates_mixed", file=self.path, column=column, examples=examples(both)))
        dayfirst = self.dayfirst
        if dayfirst is None:
            if not (day_first or month_first):
                shown = self._distinct(rows, None)
                raise ColumnError(t("err_dates_ambiguous", file=self.path, column=column, examples=examples(shown)))
            dayfirst = day_first
        if (day_first and not dayfirst) or (month_first and dayfirst):
            shown = self._distinct(rows, (rows.a > 12) if not dayfirst else (rows.b > 12))
            raise ColumnError(
                t(
                    "err_dayfirst_contradicted",
                    file=self.path,
                    column=column,
                    dayfirst=str(dayfirst).lower(),
                    examples=examples(shown),
                )
            )
        return bool(dayfirst)

    def _materialised(self, table, steps):
        """The checked rows written once to a Parquet file in the work folder, for text sources,
        whose rules cost more than a write: the ledger, the duplicate search and the output then
        read that file instead of applying the rules again. Ledger texts are kept only where shown."""
        step = table["__cv_step"]
        columns = {LINE: table[LINE], "__cv_step": step}
        for value, bad in self.values.values():
            columns[value] = table[value]
            if bad is not None:
                columns[bad] = table[bad]
        for column in self.names:
            if column not in self.spec.columns:
                columns[column] = table[column]
        for j, s in enumerate(steps):
            columns[s.bad] = table[s.bad]
            if s.shown is not None:
                used = (step == j) if s.action == "reject" else table[s.bad].fill_null(False)
                columns[s.shown] = ibis.ifelse(used, table[s.shown], ibis.null(table[s.shown].type()))
        checked = table.select(**columns)
        target = self.work / "checked.parquet"
        self.con.raw_sql(f"COPY ({self.plan.sql(checked)}) TO {_sql_text(target)} (FORMAT parquet)")
        self.plan = _Plan(self.con)
        return self.plan.base(f"SELECT * FROM read_parquet({_sql_text(target)})", checked.schema())

    def _texts(self, rows, condition, n: int) -> list:
        return self.plan.fetch(rows.filter(condition).order_by("line").limit(n))["text"].to_pylist()

    def _distinct(self, rows, condition) -> list:
        """Up to five distinct texts in order of first appearance (what ``examples`` shows)."""
        if condition is not None:
            rows = rows.filter(condition)
        first = rows.group_by("text").aggregate(first=rows.line.min()).order_by("first").limit(5)
        return self.plan.fetch(first)["text"].to_pylist()

    # ----------------------------------------------------------------- ledger and output

    def _ledger(self, table, steps):
        """The rejected and cleared rows, built by ``io._Ledger`` exactly as the Python reader does."""
        step = table["__cv_step"]
        columns = {LINE: table[LINE], "__cv_step": step}
        shown = [(step == j, table[s.shown].cast("string")) for j, s in enumerate(steps) if s.shown and not s.number]
        columns["__cv_text"] = ibis.cases(*shown, else_="") if shown else ibis.literal("")
        numbers = [(step == j, table[s.shown]) for j, s in enumerate(steps) if s.number]
        columns["__cv_number"] = ibis.cases(*numbers, else_=ibis.null("float64")) if numbers else ibis.null("float64")
        keep = step.notnull()
        for j, s in enumerate(steps):
            if s.action == "clear":
                flag = table[s.bad].fill_null(False) & (step.isnull() | (step > j))
                columns[f"__cv_clear{j}"] = flag
                columns[f"__cv_cleartext{j}"] = ibis.ifelse(flag, table[s.shown], ibis.null("string"))
                keep |= flag
        rows = table.select(**columns).filter(keep).order_by(LINE)
        found = self.plan.fetch(rows).to_pandas()
        ledger = io._Ledger(self.spec.name, self.path)
        for j, s in enumerate(steps):
            if s.action == "reject":
                mask = (found["__cv_step"] == j).fillna(False).astype(bool)
                shown = None if s.shown is None else found["__cv_number" if s.number else "__cv_text"]
                ledger.reject(found, mask, s.column, s.reason, shown)
            else:
                ledger.clear(
                    found, found[f"__cv_clear{j}"].astype(bool), s.column, s.reason, found[f"__cv_cleartext{j}"]
                )
        return ledger.tables()

    def _write(self, table) -> None:
        """The used rows in line order, typed as the Python reader types them, to ``out``."""
        spec = self.spec
        selected, dtypes = {}, {}
        for column, kind in self.contract.items():
            value, bad = self.values[column]
            cell = table[value]
            if bad is not None and column not in spec.required:
                cell = ibis.ifelse(table[bad], ibis.null(cell.type()), cell)
            selected[column], dtypes[column] = cell, _output_dtype(kind)
        for column in self.names:
            if column not in spec.columns:
                selected[column], dtypes[column] = self._extra(table, column), self.dtypes[column]
        kept = table.filter(table["__cv_step"].isnull()).select(**selected, **{LINE: table[LINE]})
        joined = False
        if spec.name == "transactions":
            kept, joined = self._flagged(kept)
            dtypes.update(is_return="bool", is_zero="bool", is_duplicate="bool")
        # Scans, projections and filters keep DuckDB's row order (its documented order preservation);
        # a lookup of duplicate lines might not, so then the lines are sorted.
        result = (kept.order_by(LINE) if joined or self.con.name != "duckdb" else kept).select(*dtypes)
        sql = self.plan.sql(result)
        meta = _sql_text(_pandas_metadata(dtypes))
        self.con.raw_sql(f"COPY ({sql}) TO {_sql_text(self.out)} (FORMAT parquet, KV_METADATA {{pandas: {meta}}})")

    def _flagged(self, kept):
        """``io.flag_transactions``: returns, zero amounts, and exact duplicates of an earlier used
        line on the contract columns (nulls equal). Duplicates are found among the lines whose hash
        is shared, the only ones that can be duplicates, so that only those are compared in full."""
        contract = [c for c in schema.TRANSACTIONS.columns if c in self.contract]
        hashed = self.plan.layer(kept.mutate(__cv_h=_row_hash([kept[c] for c in contract], self.con.name)))
        shared = hashed.group_by("__cv_h").aggregate(n=hashed.count()).filter(lambda g: g.n > 1)
        hashes = self.plan.fetch(shared.select("__cv_h"))["__cv_h"].to_pylist()
        window = ibis.row_number().over(group_by=[hashed[c] for c in contract], order_by=hashed[LINE]) > 0
        duplicate = ibis.literal(False)
        if len(hashes) > DUPLICATE_HASHES:
            duplicate = window
        elif hashes:
            shared = [ibis.literal(h, type=hashed["__cv_h"].type()) for h in hashes]
            candidates = hashed.filter(hashed["__cv_h"].isin(shared)).mutate(d=window)
            lines = self.plan.fetch(candidates.filter(candidates.d).select(LINE))[LINE].to_pylist()
            duplicate = hashed[LINE].isin(lines) if lines else duplicate
        flagged = hashed.mutate(is_return=hashed.amount < 0, is_zero=hashed.amount == 0, is_duplicate=duplicate)
        return flagged, bool(hashes)

    def _extra(self, table, column):
        cell, arrow = table[column], self.arrow.get(column)
        if arrow is not None and pa.types.is_timestamp(arrow):
            return cell.cast(dt.Timestamp(scale={"s": 0, "ms": 3, "us": 6, "ns": 9}[arrow.unit]))
        return cell

    def _counts(self) -> dict[str, int]:
        plan = _Plan(self.con)
        stored = plan.base(f"SELECT * FROM read_parquet({_sql_text(self.out)})", dict.fromkeys(io.FLAGS, "boolean"))
        found = plan.first(stored.aggregate(**{f: stored[f].cast("int64").sum() for f in io.FLAGS}))
        return {f: int(found[f] or 0) for f in io.FLAGS}


def _row_hash(columns: list, engine: str):
    """One 64-bit hash of several columns (nulls hash alike): DuckDB's ``hash``, Spark's ``xxhash64``."""

    def call(*values):
        """The engine's own function."""

    parameter = inspect.Parameter.POSITIONAL_OR_KEYWORD
    call.__signature__ = inspect.Signature([inspect.Parameter(f"a{i}", parameter) for i in range(len(columns))])
    name, returns = ("hash", "uint64") if engine == "duckdb" else ("xxhash64", "int64")
    function = ibis.udf.scalar.builtin(call, name=name, signature=(tuple(c.type() for c in columns), returns))
    return function(*columns)


_ACCEPTED = {
    schema.ID: ("text", "int", "float"),
    schema.TEXT: ("text", "int", "float"),
    schema.NUMBER: ("text", "int", "float", "decimal", "bool"),
    schema.DATE: ("text", "int", "float", "timestamp", "date"),
}


def _kind(source: _Source, column: str) -> str:
    """How the rules read a raw column: text, int, float, decimal, bool, timestamp, date or other."""
    if source.textual:
        return "text"
    kind = source.arrow[column]
    tests = (
        ("text", (pa.types.is_string, pa.types.is_large_string, pa.types.is_string_view)),
        ("float", (pa.types.is_floating,)),
        ("int", (pa.types.is_integer,)),
        ("decimal", (pa.types.is_decimal,)),
        ("bool", (pa.types.is_boolean,)),
        ("timestamp", (pa.types.is_timestamp,)),
        ("date", (pa.types.is_date,)),
    )
    for name, checks in tests:
        if any(check(kind) for check in checks):
            return name
    return "other"


def _output_dtype(kind: str):
    if kind in (schema.ID, schema.TEXT):
        return pd.StringDtype()
    if kind == schema.DATE:
        return "datetime64[us]"
    return "float64"


def _pandas_metadata(dtypes: dict) -> str:
    """The ``pandas`` Parquet metadata that makes ``pd.read_parquet`` give these dtypes."""
    empty = pd.DataFrame({c: pd.Series(dtype=d) for c, d in dtypes.items()})
    return pa.Schema.from_pandas(empty, preserve_index=False).metadata[b"pandas"].decode()
