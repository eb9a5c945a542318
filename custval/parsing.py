"""Turning Excel-born text into typed columns: encodings, delimiters, dates, numbers, ids.

Every parser returns the parsed values and a boolean mask of the entries it could not parse,
so the reader decides whether a bad value rejects the row or is cleared and flagged.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np
import pandas as pd

from custval.errors import ColumnError, FileFormatError, examples
from custval.i18n import t

DELIMITERS = (",", "\t", ";", "|")


def detect_encoding(raw: bytes, path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    position = _first_bad_byte(raw)
    raise FileFormatError(t("err_encoding", file=path, position=position))


def decode(raw: bytes, encoding: str, path) -> str:
    """Decode the whole file, naming the byte where a given encoding fails."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            t("err_decode", file=path, encoding=encoding, position=exc.start)
        ) from None
    except LookupError:
        raise FileFormatError(t("err_unknown_encoding", file=path, encoding=encoding)) from None


def _first_bad_byte(raw: bytes) -> int:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return 0


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter that splits the header line most often (comma when none does)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def normalise_text(values: pd.Series) -> pd.Series:
    """Strip whitespace (also full-width) from text; missing stays missing."""
    return values.astype("string").str.strip().str.strip("\u3000").replace("", pd.NA)


def parse_ids(values: pd.Series) -> pd.Series:
    """Identifiers as text; Excel's float rendering of integers ("123.0") becomes "123"."""
    text = normalise_text(values)
    return text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


_NUMBER_JUNK = re.compile(r"[\s,¥￥$€£]|RMB|CNY|元")


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers from text with thousands separators, currency marks, full-width digits, (negatives)."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.astype("float64")
        return numbers, pd.Series(~np.isfinite(numbers) & numbers.notna(), index=values.index)
    text = normalise_text(values)
    present = text.notna()
    cleaned = text[present].map(lambda s: unicodedata.normalize("NFKC", s))
    cleaned = cleaned.str.replace(_NUMBER_JUNK, "", regex=True)
    cleaned = cleaned.str.replace(r"^\((.*)\)$", r"-\1", regex=True)
    parsed = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    numbers = pd.Series(np.nan, index=values.index, dtype="float64")
    numbers[present] = parsed
    bad = present & ~np.isfinite(numbers)
    numbers[bad] = np.nan
    return numbers, bad


# Date families: (name, regex with named groups y, m, d); time of day is accepted and dropped.
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DATE_FAMILIES = (
    ("ymd", re.compile(rf"^(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}$")),
    ("compact", re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")),
    ("chinese", re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?$")),
    ("dm_or_md", re.compile(rf"^(?P<a>\d{{1,2}})[-/.](?P<b>\d{{1,2}})[-/.](?P<y>\d{{4}}){_TIME}$")),
    ("serial", re.compile(r"^(?P<serial>\d{5})(?:\.\d+)?$")),
)
# Excel serial day numbers accepted as dates: 1950-01-01 .. 2099-12-31.
SERIAL_RANGE = (18264, 73050)
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def parse_dates(
    values: pd.Series, column: str, path, dayfirst: bool | None = None
) -> tuple[pd.Series, pd.Series]:
    """Calendar dates from ISO, YYYYMMDD, YYYY/MM/DD, Chinese, Excel serial or d/m/y text.

    Day/month order in ``dd/mm/yyyy`` text is inferred from values above 12; when the column
    does not decide it and ``dayfirst`` is not given, a ColumnError shows examples.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = values.dt.tz_localize(None) if values.dt.tz is not None else values
        return dates.dt.floor("D").astype("datetime64[us]"), pd.Series(False, index=values.index)
    if values.dtype == object and values.map(lambda v: isinstance(v, dt.date)).any():
        values = values.map(lambda v: v.isoformat() if isinstance(v, dt.date) else v)
    text = normalise_text(values.astype("string"))
    dates = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    present = text.notna()
    remaining = present.copy()
    for name, pattern in _DATE_FAMILIES:
        parts = text[remaining].str.extract(pattern)
        hit = parts.notna().any(axis=1)
        if not hit.any():
            continue
        parts = parts[hit]
        if name == "serial":
            dates[parts.index] = _from_serial(parts["serial"])
        else:
            if name == "dm_or_md":
                parts = _order_day_month(parts, text[parts.index], column, path, dayfirst)
            dates[parts.index] = _from_parts(parts)
        remaining[parts.index] = False
    return dates, present & dates.isna()


def _from_parts(parts: pd.DataFrame) -> pd.Series:
    frame = pd.DataFrame(
        {"year": parts["y"].astype(int), "month": parts["m"].astype(int), "day": parts["d"].astype(int)}
    )
    return pd.to_datetime(frame, errors="coerce").astype("datetime64[us]")


def _from_serial(serial: pd.Series) -> pd.Series:
    days = serial.astype(int)
    valid = days.between(*SERIAL_RANGE)
    out = pd.Series(pd.NaT, index=serial.index, dtype="datetime64[us]")
    out[valid] = EXCEL_EPOCH + pd.to_timedelta(days[valid], unit="D")
    return out


def _order_day_month(parts, text, column, path, dayfirst):
    a, b = parts["a"].astype(int), parts["b"].astype(int)
    day_first_seen, month_first_seen = (a > 12).any(), (b > 12).any()
    if day_first_seen and month_first_seen:
        both = list(text[a > 12][:2]) + list(text[b > 12][:3])
        raise ColumnError(t("err_dates_mixed", file=path, column=column, examples=examples(both)))
    if dayfirst is None:
        if not (day_first_seen or month_first_seen):
            raise ColumnError(
                t("err_dates_ambiguous", file=path, column=column, examples=examples(text))
            )
        dayfirst = bool(day_first_seen)
    day, month = (a, b) if dayfirst else (b, a)
    return pd.DataFrame({"y": parts["y"], "m": month.astype(str), "d": day.astype(str)})


# A period label of a market table: a year (2024, 2024年), a quarter (2024Q1, 2024-Q1, 2024年第1季度)
# or a month (2024-03, 2024/3, 2024年3月, 202403, or a date such as 2024-03-01 read as its month).
_YEAR = re.compile(r"(\d{4})年?")
_QUARTER = re.compile(r"(\d{4})\s*[-/ ]?\s*[Qq]([1-4])|(\d{4})\s*年?\s*第?\s*([1-4])\s*季度?")
_MONTH = re.compile(r"(\d{4})(?:\s*[-/.年]\s*(\d{1,2})月?|(\d{2}))(?:\s*[-/.]?\s*\d{1,2}日?)?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")


def parse_periods(values: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Period labels as ``year``, ``kind`` (Y, Q, M) and ``number`` (1, the quarter or the month)."""
    labels = values.astype("string").str.strip().fillna("")
    parsed = {label: _period(label) for label in labels.unique()}
    rows = [parsed[label] or (pd.NA, pd.NA, pd.NA) for label in labels]
    parts = pd.DataFrame(rows, columns=["year", "kind", "number"], index=values.index)
    parts = parts.astype({"year": "Int64", "kind": "string", "number": "Int64"})
    return parts, parts["year"].isna()


def _period(label: str):
    if m := _YEAR.fullmatch(label):
        return int(m[1]), "Y", 1
    if m := _QUARTER.fullmatch(label):
        return int(m[1] or m[3]), "Q", int(m[2] or m[4])
    if m := _MONTH.fullmatch(label):
        month = int(m[2] or m[3])
        return (int(m[1]), "M", month) if 1 <= month <= 12 else None
    return None
