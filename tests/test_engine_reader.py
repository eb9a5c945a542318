"""The engine reader gives what the Python reader gives: clean rows, ledgers, accounting and errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_io import DATE_FORMATS

from custval import engine_reader, engines, i18n, io
from custval.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
HEADER = "客户编号,下单日期,金额\n"


@pytest.fixture(scope="module")
def con():
    backend = ibis.duckdb.connect(threads=engines.cores())
    yield backend
    backend.disconnect()


def write(folder: Path, text: str, name: str = "tx.csv", encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def outcome(read):
    """(result, None) or (None, (error class, message))."""
    try:
        return read(), None
    except DataError as error:
        return None, (type(error), str(error))


def assert_same(folder: Path, table: str, path, con=None, **options) -> io.ReadResult | None:
    """Both readers on one input: equal clean rows, ledgers and accounting, or the same error."""
    expected, expected_error = outcome(lambda: io.read_table(table, path, **options))
    out = folder / f"out-{len(list(folder.glob('out-*')))}.parquet"
    got, got_error = outcome(lambda: engine_reader.read_to_parquet(table, path, out, con=con, **options))
    assert got_error == expected_error
    if expected is None:
        return None
    assert got.data is None and got.parquet == str(out)
    pd.testing.assert_frame_equal(pd.read_parquet(out), expected.data)
    pd.testing.assert_frame_equal(got.rejected, expected.rejected)
    pd.testing.assert_frame_equal(got.cleared, expected.cleared)
    for name in ("table", "file", "rows_read", "encoding", "mapping", "unmatched", "headers"):
        assert getattr(got, name) == getattr(expected, name), name
    if table == "transactions":
        assert got.counts == expected.flag_counts()
    else:
        assert got.counts is None
    return got


# --------------------------------------------------------------------------- the test corpus

ROWS = "甲001,2024-03-05,12.5\n乙002,2024-03-06,7\n"
DATES = [
    *DATE_FORMATS,
    "2000-02-29",
    "0000-02-29",  # pandas reads year 0 (proleptic Gregorian)
]
NUMBERS = ['"1,234.50"', "¥88", '"￥1,000"', "１２３．５", "(100)", "-7.25", "12元", "RMB 5", " 3 "]
EVERY_REASON = (
    HEADER
    + "a,2024-01-01,10\n,2024-01-02,10\nb,,10\nc,2024-01-03,\nd,2024-01-32,10\ne,2024-01-04,ten\n,,\n"
    + "a,2024-01-01,10\nf,2024-01-05,-4\ng,2024-01-06,0\n"
)

# (name, text, encoding, options): the CSV inputs tests/test_io.py, test_quality.py and test_cli.py build
CSV_CASES = [
    *[(f"encoding-{e}", HEADER + ROWS, e, {}) for e in ("utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16")],
    ("gb18030-only", HEADER + "\U00020000客户,2024-03-05,1\n", "gb18030", {}),
    ("wrong-explicit-encoding", HEADER + "客户,2024-03-05,1\n", "gbk", {"encoding": "utf-8"}),
    ("unknown-encoding", HEADER + ROWS, "utf-8", {"encoding": "no-such-codec"}),
    *[
        (f"sep-{n}", HEADER.replace(",", s) + s.join(["c1", "2024-03-05", v]) + "\n", "utf-8", {})
        for n, s, v in (("tab", "\t", "15"), ("semicolon", ";", "1,5"), ("pipe", "|", "15"))
    ],
    ("empty", "", "utf-8", {}),
    ("header-only", HEADER, "utf-8", {}),
    ("blank-lines-only", "\n\n", "utf-8", {}),
    *[(f"date-{i}", HEADER + f"c,{d},1\n", "utf-8", {}) for i, d in enumerate(DATES)],
    ("day-first", HEADER + "a,25/03/2024,1\nb,05/03/2024,1\n", "utf-8", {}),
    ("month-first", HEADER + "a,03/25/2024,1\nb,03/05/2024,1\n", "utf-8", {}),
    ("ambiguous", HEADER + "a,03/05/2024,1\nb,04/06/2024,1\n", "utf-8", {}),
    ("ambiguous-dayfirst", HEADER + "a,03/05/2024,1\nb,04/06/2024,1\n", "utf-8", {"dayfirst": True}),
    ("ambiguous-monthfirst", HEADER + "a,03/05/2024,1\nb,04/06/2024,1\n", "utf-8", {"dayfirst": False}),
    ("contradicted", HEADER + "a,25/03/2024,1\nb,05/04/2024,1\nc,13/04/2024,1\n", "utf-8", {"dayfirst": False}),
    ("agreed", HEADER + "a,25/03/2024,1\nb,05/04/2024,1\nc,13/04/2024,1\n", "utf-8", {"dayfirst": True}),
    ("contradicted-us", HEADER + "a,03/25/2024,1\n", "utf-8", {"dayfirst": True}),
    ("mixed-orders", HEADER + "a,25/03/2024,1\nb,03/25/2024,1\n", "utf-8", {}),
    *[
        (f"bad-date-{i}", HEADER + f"a,{d},1\nb,2024-01-01,2\n", "utf-8", {})
        for i, d in enumerate(["2023-02-30", "2024-13-01", "yesterday", "12345", "2024年13月1日", "1900-02-29"])
    ],
    ("optional-date-cleared", "客户编号,下单日期,金额,付款日期\na,2024-01-01,1,soon\n", "utf-8", {}),
    *[(f"number-{i}", HEADER + f"a,2024-01-01,{n}\n", "utf-8", {}) for i, n in enumerate(NUMBERS)],
    *[
        (f"bad-number-{n}", HEADER + f"a,2024-01-01,{n}\nb,2024-01-01,1\n", "utf-8", {})
        for n in ("abc", "1.2.3", "nan", "inf", "--5")
    ],
    ("ids", HEADER + "00123,2024-01-01,1\n456.0,2024-01-01,1\n 789 ,2024-01-01,1\n", "utf-8", {}),
    (
        "mapping",
        "会员,日子,金额,备注\na,2024-01-01,5,x\n",
        "utf-8",
        {"columns": {"会员": "customer_id", "日子": "order_date"}},
    ),
    ("missing-column", "客户编号,日子,数额\na,2024-01-01,5\n", "utf-8", {}),
    ("two-headers", "客户编号,下单日期,金额,销售额\na,2024-01-01,1,2\n", "utf-8", {}),
    (
        "two-targets",
        "a,b,下单日期,金额\n1,2,2024-01-01,1\n",
        "utf-8",
        {"columns": {"a": "customer_id", "b": "customer_id"}},
    ),
    ("mapping-typo", "会员,日子,金额\na,2024-01-01,5\n", "utf-8", {"columns": {"会 员": "customer_id"}}),
    ("shared-mapping", HEADER + ROWS, "utf-8", {"columns": {"地区": "region"}, "shared_columns": ("地区",)}),
    ("trimmed-headers", " 客户编号 ,下单日期\u3000,金额\na,2024-01-01,1\n", "utf-8", {}),
    ("every-reason", EVERY_REASON, "utf-8", {}),
    ("blank-line", HEADER + "a,2024-01-01,1\n\nb,2024-01-02,2\n", "utf-8", {}),
    (
        "blank-lines-crlf",
        HEADER.replace("\n", "\r\n") + "a,2024-01-01,1\r\n\r\n\r\nb,2024-01-02,2\r\n\r\n",
        "utf-8",
        {},
    ),
    ("all-rejected", HEADER + "a,notadate,1\nb,never,2\n", "utf-8", {}),
    (
        "cli-gbk",
        "客户编号,下单日期,金额\nA1,2024-01-02,5\nA2,2024-02-30,6\nA3,2024-01-05,-2\n,2024-01-06,1\n",
        "gbk",
        {},
    ),
    ("formula-safe", "客户编号,下单日期,金额,备注\n'=a,2024-01-01,1,'+x\nb,2024-01-01,2,'-\n", "utf-8", {}),
    ("quoted", HEADER + '"a,1",2024-01-01,"1,000"\n"b ""q""",2024-01-02,"2"\n"c\nd",2024-01-03,3\n', "utf-8", {}),
    ("short-and-long-rows", "客户编号,下单日期,金额,地区\na,2024-01-01\nb,2024-01-02,3,东,extra\n", "utf-8", {}),
    ("trailing-delimiter", HEADER + "a,2024-01-01,1,\nb,2024-01-02,2,\n", "utf-8", {}),
    ("no-final-newline", HEADER + "a,2024-01-01,1\n,,", "utf-8", {}),
    ("empty-last-row", HEADER + "a,2024-01-01,1\n,,\n", "utf-8", {}),
    ("blank-line-with-quotes", HEADER + '"a",2024-01-01,1\n\nb,2024-01-02,2\n', "utf-8", {}),
    ("unicode-digits", HEADER + "a,٢٠٢٤-٠٣-٠٥,１２\nb,2024年 3 月 5 日,⑴\n", "utf-8", {}),
    (
        "all-optional-transactions",
        "客户编号,下单日期,金额,数量,成本,利润,地区,开票日期,到期日,付款日期,订单编号\n"
        "a,2024-01-01,1,2件,(3),-,东, 2024-01-02 ,2024-02-30,45000,SO1.0\n"
        "a,2024-01-01,1,2件,(3),-,东, 2024-01-02 ,2024-02-30,45000,SO1.0\n"
        "b,2024-01-01,0,,,,,,,,\n",
        "utf-8",
        {},
    ),
]


# files the engine hands to the Python reader (rows longer than the header, blank lines among quotes)
FALLBACK = {"short-and-long-rows", "trailing-delimiter", "blank-line-with-quotes"}


@pytest.fixture
def fallbacks(monkeypatch):
    calls = []
    python_read = engine_reader._python_read

    def spy(*args, **kwargs):
        calls.append(args[1])
        return python_read(*args, **kwargs)

    monkeypatch.setattr(engine_reader, "_python_read", spy)
    return calls


@pytest.mark.parametrize("name, text, encoding, options", CSV_CASES, ids=[c[0] for c in CSV_CASES])
def test_csv_inputs_read_as_the_python_reader_reads_them(tmp_path, con, fallbacks, name, text, encoding, options):
    assert_same(tmp_path, "transactions", write(tmp_path, text, encoding=encoding), con=con, **options)
    assert bool(fallbacks) == (name in FALLBACK)


def test_errors_are_worded_in_the_chosen_language(tmp_path, con):
    i18n.set_lang("en")
    try:
        assert_same(tmp_path, "transactions", write(tmp_path, "客户编号,下单日期\na,2024-01-01\n"), con=con)
    finally:
        i18n.set_lang("zh")


def test_undecodable_bytes_and_missing_files(tmp_path, con):
    path = tmp_path / "bad.csv"
    path.write_bytes(HEADER.encode() + b"\x80\xff\x80\xff,2024-01-01,1\n")
    assert_same(tmp_path, "transactions", path, con=con)
    assert_same(tmp_path, "transactions", tmp_path / "nope.csv", con=con)


def test_the_sample_reads_the_same(tmp_path, con, fallbacks):
    config = yaml.safe_load((ROOT / "custval.yml").read_text(encoding="utf-8"))
    for table in engine_reader.ENGINE_TABLES:
        entry = config["inputs"][table]
        got = assert_same(tmp_path, table, ROOT / entry["path"], con=con, columns=entry["columns"])
        assert got.rows_read > 1000
    assert not fallbacks


def test_customers_with_messy_values(tmp_path, con, fallbacks):
    text = (
        "客户编号,客户名称,出生年份,年龄,获客日期,获客成本,推荐人,备注\n"
        'C1, 张三 ,1980,四十,2023/1/5,"¥1,200",C2.0,\n'
        "C2,,19８5,,13/02/2023,(5),,x\n"
        ",李四,1990,,,,,\n"
        ",,,,,,,\n"
    )
    assert_same(tmp_path, "customers", write(tmp_path, text, name="cu.csv"), con=con)
    assert not fallbacks


# --------------------------------------------------------------------------- Parquet


def test_parquet_keeps_types(tmp_path, con, fallbacks):
    path = tmp_path / "tx.parquet"
    frame = pd.DataFrame(
        {
            "customer_id": ["007", "008", None, "009", "010"],
            "order_date": pd.to_datetime(
                ["2024-01-01 13:45", "2024-01-02", "2024-01-03", None, "2024-01-05"], format="mixed"
            ),
            "amount": [1.5, np.nan, 3.0, 4.0, np.inf],
            "quantity": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "cost": [1.0, 2.0, -np.inf, 0.0, 1.0],
            "invoice_date": ["2024-01-02", "2024/13/01", "45000", None, "1/2/2024"],
            "note": ["a", None, "c", "d", "e"],
        }
    )
    frame.to_parquet(path)
    assert_same(tmp_path, "transactions", path, con=con, dayfirst=True)
    assert not fallbacks


def test_parquet_with_typed_ids_dates_and_decimals(tmp_path, con, fallbacks):
    path = tmp_path / "cu.parquet"
    frame = pd.DataFrame(
        {
            "customer_id": [7.0, 8.0, np.nan, 10.5],
            "acquired_on": [dt.date(2024, 1, 2), None, dt.date(2023, 5, 6), dt.date(2022, 1, 1)],
            "birth_year": [1980, 1990, 2000, 1970],
            "owner_id": [1, 2, 3, 4],
            "name": ["a", " ", "c", "d"],
            "seen": pd.to_datetime(["2024-01-01", "2024-01-02", None, "2024-01-04"]).astype("datetime64[ms]"),
        }
    )
    frame.to_parquet(path)
    assert_same(tmp_path, "customers", path, con=con)
    assert not fallbacks


def test_a_parquet_folder_with_hive_partitions(tmp_path, con, fallbacks):
    folder = tmp_path / "tx"
    lines = {
        "2023": [("c1", "2023-05-01", 10.0), ("c2", "2023-06-01", None), ("c1", "2023-05-01", 10.0)],
        "2024": [("c1", "2024-01-02", 5.0), ("c1", "2023-05-01", 10.0)],
    }
    for year, rows in lines.items():
        for part in ("part-0", "part-1"):
            (folder / f"year={year}" / "region=东").mkdir(parents=True, exist_ok=True)
            frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"]).astype(
                {"order_date": "datetime64[ns]"}
            )
            frame.to_parquet(folder / f"year={year}" / "region=东" / f"{part}.parquet")
    got = assert_same(tmp_path, "transactions", folder, con=con)
    assert got.rows_read == 10 and got.counts["is_duplicate"] == 6 and not fallbacks
    (tmp_path / "empty").mkdir()
    assert_same(tmp_path, "transactions", tmp_path / "empty", con=con)


def test_what_the_engine_reads():
    assert engine_reader.engine_readable("transactions", ROOT / "data/sample/transactions.csv")
    assert not engine_reader.engine_readable("survey", ROOT / "data/sample/survey.csv")
    assert not engine_reader.engine_readable("customers", "s3://bucket/customers.parquet")
    assert not engine_reader.engine_readable("customers", ROOT / "data/templates/kano_template.xlsx")


# --------------------------------------------------------------------------- generated messy files

_GOOD_DATE = st.sampled_from(
    [
        "2024-01-05",
        "20240105",
        "2024年1月5日",
        "45356",
        "45356.5",
        "2024/1/5 8:00",
        "2024.3.5",
        "２０２４-０１-０５",
        "2000-02-29",
    ]
)
_BAD_DATE = st.sampled_from(["", " ", "2024-02-30", "1900-02-29", "2024-13-01", "12345", "0000-01-01", "x"])
_CLEAR_DAY = st.tuples(st.integers(13, 28), st.integers(1, 12))
# (day, month), written d/m/y or m/d/y as the file's order says; sometimes both below 13 (ambiguous alone)
_DAY_MONTH = st.one_of(_CLEAR_DAY, _CLEAR_DAY, _CLEAR_DAY, st.tuples(st.integers(1, 12), st.integers(1, 12)))
_DATE = st.one_of(_GOOD_DATE, _GOOD_DATE, _GOOD_DATE, _GOOD_DATE, _DAY_MONTH, _BAD_DATE)
_GOOD_NUMBER = st.one_of(
    st.sampled_from(
        ["0", "-0", "(0)", "1,000", "¥12", "￥1,5", "RMB 5", "3元", "１２．５", "(7.5)", "1e3", ".5", "5."]
    ),
    st.sampled_from(["$ 4", "€2", "12 CNY", " 8 "]),
    st.decimals(min_value=-10_000, max_value=10_000, places=2, allow_nan=False).map(str),
)
_BAD_NUMBER = st.sampled_from(["", "  ", "abc", "nan", "inf", "--5", "1_000", "1.2.3"])
_NUMBER = st.one_of(_GOOD_NUMBER, _GOOD_NUMBER, _GOOD_NUMBER, _GOOD_NUMBER, _GOOD_NUMBER, _BAD_NUMBER)
_GOOD_ID = st.sampled_from(["123.0", "0012", " C1 ", "C1", "C2", "客户\u3000", "４５.0", "7.00", "C1"])
_ID = st.one_of(
    _GOOD_ID, _GOOD_ID, _GOOD_ID, st.text(alphabet="AB12甲", min_size=1, max_size=3), st.sampled_from(["", " "])
)
_TEXT = st.sampled_from(["", "东", " 西 ", "'=x", "'-", "南\u3000", 'a "b", c', "北\n京"])
_ROW = st.tuples(_ID, _DATE, _NUMBER, _NUMBER, _DATE, _TEXT)


def _quoted(cell: str) -> str:
    """A CSV field: quoted when it holds the delimiter, a quote or a line break."""
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n') else cell


def _unquotable(value):
    """The cell without what would need quotes (a delimiter, a quote, a line break)."""
    return value if isinstance(value, tuple) else value.replace('"', "").replace(",", "").replace("\n", "")


def _cell(value, day_first: bool) -> str:
    if isinstance(value, tuple):
        day, month = value
        return f"{day:02d}/{month:02d}/2024" if day_first else f"{month:02d}/{day:02d}/2024"
    return _quoted(value)


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(st.one_of(_ROW, _ROW, _ROW, _ROW, _ROW, st.just(None)), min_size=3, max_size=30),
    repeat=st.integers(0, 3),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),  # GB18030: GBK's bytes for GBK's characters
    day_first=st.booleans(),
    setting=st.sampled_from(["none", "none", "none", "same", "same", "other"]),
)
def test_generated_messy_files_read_the_same(
    tmp_path_factory, con, fallbacks, rows, repeat, encoding, day_first, setting
):
    folder = tmp_path_factory.mktemp("messy")
    if None in rows:  # blank lines: no quoted cells, which would send the file to the Python reader
        rows = [row and tuple(_unquotable(v) for v in row) for row in rows]
    lines = ["" if row is None else ",".join(_cell(v, day_first) for v in row) for row in rows]
    lines += [line for line in lines[:repeat] if line]  # duplicates of earlier lines
    text = "客户编号,下单日期,金额,数量,付款日期,地区\n" + "\n".join(lines) + "\n"
    dayfirst = {"none": None, "same": day_first, "other": not day_first}[setting]
    assert_same(folder, "transactions", write(folder, text, encoding=encoding), con=con, dayfirst=dayfirst)
    assert not fallbacks
