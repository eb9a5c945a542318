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
        raise FileFormatError(t("err_decode", file=path, encoding=encoding, position=exc.start)) from None
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


def parse_dates(values: pd.Series, column: str, path, dayfirst: bool | None = None) -> tuple[pd.Series, pd.Series]:
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
            raise ColumnError(t("err_dates_ambiguous", file=path, column=column, examples=examples(text)))
        dayfirst = bool(day_first_seen)
    contradicting = text[a > 12] if not dayfirst else text[b > 12]
    if len(contradicting):  # the setting says one order, the values show the other
        raise ColumnError(
            t(
                "err_dayfirst_contradicted",
                file=path,
                column=column,
                dayfirst=str(dayfirst).lower(),
                examples=examples(contradicting),
            )
        )
    day, month = (a, b) if dayfirst else (b, a)
    return pd.DataFrame({"y": parts["y"], "m": month.astype(str), "d": day.astype(str)})


# Period labels read as time spans (after NFKC normalisation, case-insensitive): survey waves and
# the periods of a market table.
# Seasons are meteorological: spring March–May, summer June–August, autumn (fall) September–
# November, winter December to February of the next year.
SEASON_MONTHS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12, "春": 3, "夏": 6, "秋": 9, "冬": 12}
_QUARTER = {"1": 1, "2": 2, "3": 3, "4": 4, "一": 1, "二": 2, "三": 3, "四": 4}
_SEASON = r"(spring|summer|autumn|fall|winter)"
_SEP = r"\s*[-_/. ]?\s*"
_PERIODS = (  # (pattern, unit): year and, for the finer units, the number of the unit in the year
    (re.compile(r"^(\d{4})年?$"), "year"),
    (re.compile(rf"^(\d{{4}}){_SEP}h([12])$"), "half"),
    (re.compile(r"^(\d{4})年?(上|下)半年$"), "half"),
    (re.compile(rf"^(\d{{4}}){_SEP}q([1-4])$"), "quarter"),
    (re.compile(rf"^q([1-4]){_SEP}(\d{{4}})$"), "quarter_first"),
    (re.compile(r"^(\d{4})年?第?([1-4一二三四])季度?$"), "quarter"),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})年(\d{1,2})月份?$"), "month"),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?: \d{1,2}:\d{2}(?::\d{2})?)?$"), "day"),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"), "day"),
    (re.compile(rf"^(\d{{4}}){_SEP}{_SEASON}$"), "season"),
    (re.compile(rf"^{_SEASON}{_SEP}(\d{{4}})$"), "season_first"),
    (re.compile(r"^(\d{4})年?(春|夏|秋|冬)季?$"), "season"),
)


def period_span(label) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The time span [start, end) a wave label names, or None when it names none.

    Accepted: a year ``2023``, ``2023年``; a half ``2023-H1``, ``2023年上半年``; a quarter ``2023-Q3``,
    ``Q3 2023``, ``2023年第三季度``; a month ``2023-05``, ``2023/5``, ``2023年5月``, ``202305``; a day
    ``2023-05-20``, ``2023-05-20 00:00:00``, ``2023年5月20日``; a season ``2023-spring``, ``spring 2023``, ``2023春``,
    ``2023年秋季`` (see ``SEASON_MONTHS``). Separators ``-``, ``_``, ``/``, ``.`` or a space.
    """
    text = unicodedata.normalize("NFKC", str(label)).strip().lower()
    for pattern, unit in _PERIODS:
        match = pattern.match(text)
        if match:
            return _span(unit, *match.groups())
    return None


def _span(unit: str, *parts: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    if unit.endswith("_first"):
        unit, parts = unit.removesuffix("_first"), parts[::-1]
    year = int(parts[0])
    if unit == "year":
        months, length = 1, 12
    elif unit == "half":
        months, length = (1 if parts[1] in ("1", "上") else 7), 6
    elif unit == "quarter":
        months, length = 3 * _QUARTER[parts[1]] - 2, 3
    elif unit == "season":
        months, length = SEASON_MONTHS[parts[1]], 3
    else:
        months, length = int(parts[1]), 1
    if not 1 <= months <= 12:
        return None
    start = pd.Timestamp(year=year, month=months, day=1)
    if unit == "day":
        try:
            start = pd.Timestamp(year=year, month=months, day=int(parts[2]))
        except ValueError:
            return None
        return start, start + pd.Timedelta(days=1)
    return start, start + pd.DateOffset(months=length)


def parse_periods(values: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Market period labels as ``year``, ``kind`` (Y, H, Q, M) and ``number`` (1, the half, the
    quarter or the month), from :func:`period_span`. A date stands for its month (a monthly table
    exported from Excel); a season, which is no calendar period, is not a market period. Returns
    the parts and the mask of labels that are none of these.
    """
    labels = values.astype("string").str.strip().fillna("")
    parsed = {label: _calendar_period(period_span(label)) for label in labels.unique()}
    rows = [parsed[label] or (pd.NA, pd.NA, pd.NA) for label in labels]
    parts = pd.DataFrame(rows, columns=["year", "kind", "number"], index=values.index)
    parts = parts.astype({"year": "Int64", "kind": "string", "number": "Int64"})
    return parts, parts["year"].isna()


def _calendar_period(span):
    if span is None:
        return None
    start, end = span
    months = (end.year - start.year) * 12 + end.month - start.month
    kinds = {12: "Y", 6: "H", 3: "Q", 1: "M"}
    if end - start == pd.Timedelta(days=1):
        return start.year, "M", start.month
    if months not in kinds or start.day != 1 or (start.month - 1) % months:
        return None
    return start.year, kinds[months], (start.month - 1) // months + 1
