"""Readers: encodings, formats, dates, numbers, ids, mapping, rejection reasons, accounting."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import custval as cv
from custval import io
from custval.errors import ColumnError, DataError, FileFormatError, MissingColumnError

HEADER = "客户编号,下单日期,金额\n"


def write(tmp_path, text, name="tx.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def read(path, **kwargs):
    return io.read_table("transactions", path, **kwargs)


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    "encoding, expected",
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-16", "utf-16")],
)
def test_encodings_are_detected(tmp_path, encoding, expected):
    path = write(tmp_path, HEADER + "甲001,2024-03-05,12.5\n乙002,2024-03-06,7\n", encoding=encoding)
    result = read(path)
    assert result.encoding == expected
    assert list(result.data["customer_id"]) == ["甲001", "乙002"]
    assert list(result.data.columns[:3]) == ["customer_id", "order_date", "amount"]


def test_gb18030_only_characters_survive(tmp_path):
    # U+20000 exists in GB18030 but not in GBK.
    path = write(tmp_path, HEADER + "\U00020000客户,2024-03-05,1\n", encoding="gb18030")
    assert read(path).data["customer_id"][0] == "\U00020000客户"


def test_wrong_explicit_encoding_names_file_and_byte(tmp_path):
    path = write(tmp_path, HEADER + "客户,2024-03-05,1\n", encoding="gbk")
    with pytest.raises(FileFormatError) as info:
        read(path, encoding="utf-8")
    assert "tx.csv" in str(info.value) and "utf-8" in str(info.value) and "第 0 字节" in str(info.value)


def test_undecodable_bytes_are_a_clear_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(HEADER.encode() + b"\x80\xff\x80\xff,2024-01-01,1\n")
    with pytest.raises(FileFormatError, match="bad.csv"):
        read(path)


@pytest.mark.parametrize("sep", ["\t", ";", "|"])
def test_delimiters_are_sniffed(tmp_path, sep):
    text = HEADER.replace(",", sep) + sep.join(["c1", "2024-03-05", "1,5" if sep == ";" else "15"]) + "\n"
    data = read(write(tmp_path, text)).data
    assert data["customer_id"][0] == "c1"
    assert data["amount"][0] == 15


# --------------------------------------------------------------------------- formats


def test_xlsx_first_sheet_and_named_sheet(tmp_path):
    path = tmp_path / "tx.xlsx"
    first = pd.DataFrame(
        {"客户编号": [1, 2], "下单日期": [dt.datetime(2024, 3, 5), dt.datetime(2024, 3, 6)], "金额": [10.0, 20.5]}
    )
    second = pd.DataFrame({"customer_id": ["a"], "order_date": ["2024/01/02"], "amount": [3]})
    with pd.ExcelWriter(path) as writer:
        first.to_excel(writer, sheet_name="明细", index=False)
        second.to_excel(writer, sheet_name="other", index=False)
    data = read(path).data
    assert list(data["customer_id"]) == ["1", "2"]  # Excel numbers become ids without ".0"
    assert list(data["order_date"]) == [pd.Timestamp("2024-03-05"), pd.Timestamp("2024-03-06")]
    other = read(path, sheet="other").data
    assert other["order_date"][0] == pd.Timestamp("2024-01-02")
    with pytest.raises(FileFormatError, match="nosuch.*明细"):
        read(path, sheet="nosuch")


def test_xlsx_lines_are_sheet_rows(tmp_path):
    path = tmp_path / "tx.xlsx"
    pd.DataFrame({"customer_id": ["a", None, "c"], "order_date": ["2024-01-01"] * 3, "amount": [1, 2, 3]}).to_excel(
        path, index=False
    )
    result = read(path)
    assert list(result.rejected["line"]) == [3]
    assert result.rejected["reason"][0] == "missing_value"


def test_parquet_keeps_types(tmp_path):
    path = tmp_path / "tx.parquet"
    frame = pd.DataFrame(
        {
            "customer_id": ["007", "008", None],
            "order_date": pd.to_datetime(["2024-01-01 13:45", "2024-01-02", "2024-01-03"], format="mixed"),
            "amount": [1.5, np.nan, 3.0],
        }
    )
    frame.to_parquet(path)
    result = read(path)
    assert list(result.data["customer_id"]) == ["007"]
    assert result.data["order_date"][0] == pd.Timestamp("2024-01-01")
    assert list(result.rejected["line"]) == [2, 3]
    assert list(result.rejected["column"]) == ["amount", "customer_id"]


def test_a_parquet_folder_is_one_table_in_file_order_with_partition_columns(tmp_path):
    folder = tmp_path / "tx"
    lines = {"2023": [("c1", "2023-05-01", 10.0), ("c2", "2023-06-01", None)], "2024": [("c1", "2024-01-02", 5.0)]}
    for year, rows in lines.items():
        (folder / f"region={year}").mkdir(parents=True)
        frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"]).astype(
            {"order_date": "datetime64[ns]"}
        )
        frame.to_parquet(folder / f"region={year}" / "part-0.parquet")
    result = read(folder)
    assert list(zip(result.data["customer_id"], result.data["region"])) == [("c1", "2023"), ("c1", "2024")]
    assert (
        result.rows_read == 3 and list(result.rejected["line"]) == [2] and list(result.rejected["column"]) == ["amount"]
    )
    with pytest.raises(FileFormatError, match="empty.*Parquet"):
        (tmp_path / "empty").mkdir()
        read(tmp_path / "empty")


@pytest.mark.parametrize("content", ["", "客户编号,下单日期,金额\n", "\n\n"])
def test_empty_files_are_user_errors(tmp_path, content):
    with pytest.raises(FileFormatError, match="tx.csv"):
        read(write(tmp_path, content))


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(FileFormatError, match=r"\.json"):
        read(write(tmp_path, "{}", name="tx.json"))
    with pytest.raises(FileFormatError, match="nope.csv"):
        read(tmp_path / "nope.csv")


# --------------------------------------------------------------------------- dates


# Every date form the readers accept, each meaning 2024-03-05 (tests/test_engine_reader.py reuses them).
DATE_FORMATS = [
    "2024-03-05",
    "2024-3-5",
    "2024/03/05",
    "2024.03.05",
    "20240305",
    "2024年3月5日",
    "2024年03月05日",
    "2024-03-05 14:30:00",
    "2024-03-05T14:30",
    "45356",
    "45356.6",
    "2024/3/5 8:00",
]


@pytest.mark.parametrize("text", DATE_FORMATS)
def test_date_formats(tmp_path, text):
    data = read(write(tmp_path, HEADER + f"c,{text},1\n")).data
    assert data["order_date"][0] == pd.Timestamp("2024-03-05")


def test_day_first_inferred_from_values_above_12(tmp_path):
    data = read(write(tmp_path, HEADER + "a,25/03/2024,1\nb,05/03/2024,1\n")).data
    assert list(data["order_date"]) == [pd.Timestamp("2024-03-25"), pd.Timestamp("2024-03-05")]


def test_month_first_inferred(tmp_path):
    data = read(write(tmp_path, HEADER + "a,03/25/2024,1\nb,03/05/2024,1\n")).data
    assert data["order_date"][1] == pd.Timestamp("2024-03-05")


def test_ambiguous_day_month_is_an_error_with_examples(tmp_path):
    path = write(tmp_path, HEADER + "a,03/05/2024,1\nb,04/06/2024,1\n")
    with pytest.raises(ColumnError) as info:
        read(path)
    message = str(info.value)
    assert "tx.csv" in message and "order_date" in message and "03/05/2024" in message and "dayfirst" in message
    assert read(path, dayfirst=True).data["order_date"][0] == pd.Timestamp("2024-05-03")
    assert read(path, dayfirst=False).data["order_date"][0] == pd.Timestamp("2024-03-05")


def test_a_dayfirst_setting_the_dates_contradict_is_an_error_not_rejected_rows(tmp_path):
    path = write(tmp_path, HEADER + "a,25/03/2024,1\nb,05/04/2024,1\nc,13/04/2024,1\n")
    with pytest.raises(ColumnError, match=r"tx.csv.*order_date.*dayfirst: false.*'25/03/2024', '13/04/2024'"):
        read(path, dayfirst=False)
    assert read(path, dayfirst=True).data["order_date"].tolist() == [
        pd.Timestamp(d) for d in ("2024-03-25", "2024-04-05", "2024-04-13")
    ]
    with pytest.raises(ColumnError, match="dayfirst: true.*'03/25/2024'"):
        read(write(tmp_path, HEADER + "a,03/25/2024,1\n", name="us.csv"), dayfirst=True)


def test_mixed_day_month_orders_are_an_error(tmp_path):
    with pytest.raises(ColumnError, match="25/03/2024|03/25/2024"):
        read(write(tmp_path, HEADER + "a,25/03/2024,1\nb,03/25/2024,1\n"))


@pytest.mark.parametrize("text", ["2023-02-30", "2024-13-01", "yesterday", "12345", "2024年13月1日"])
def test_bad_dates_reject_the_row(tmp_path, text):
    result = read(write(tmp_path, HEADER + f"a,{text},1\nb,2024-01-01,2\n"))
    assert result.rows_read == 2 and result.rows_used == 1
    rejected = result.rejected.iloc[0]
    assert (rejected["line"], rejected["column"], rejected["reason"], rejected["value"]) == (
        2,
        "order_date",
        "bad_date",
        text,
    )


def test_bad_optional_date_is_cleared_not_rejected(tmp_path):
    result = read(write(tmp_path, "客户编号,下单日期,金额,付款日期\na,2024-01-01,1,soon\n"))
    assert result.rows_used == 1 and result.data["paid_date"].isna().all()
    assert list(result.cleared[["line", "column", "reason", "value"]].iloc[0]) == [2, "paid_date", "bad_date", "soon"]


# --------------------------------------------------------------------------- numbers and ids


@pytest.mark.parametrize(
    "text, value",
    [
        ('"1,234.50"', 1234.5),
        ("¥88", 88),
        ('"￥1,000"', 1000),
        ("１２３．５", 123.5),
        ("(100)", -100),
        ("-7.25", -7.25),
        ("12元", 12),
        ("RMB 5", 5),
        (" 3 ", 3),
    ],
)
def test_number_formats(tmp_path, text, value):
    assert read(write(tmp_path, HEADER + f"a,2024-01-01,{text}\n")).data["amount"][0] == value


@pytest.mark.parametrize("text", ["abc", "1.2.3", "nan", "inf", "--5"])
def test_bad_numbers_reject(tmp_path, text):
    result = read(write(tmp_path, HEADER + f"a,2024-01-01,{text}\n" + "b,2024-01-01,1\n"))
    assert list(result.rejected["reason"]) == ["bad_number"]
    assert result.rejected["value"][0] == text


def test_ids_keep_leading_zeros_and_lose_excel_decimal(tmp_path):
    data = read(write(tmp_path, HEADER + "00123,2024-01-01,1\n456.0,2024-01-01,1\n 789 ,2024-01-01,1\n")).data
    assert list(data["customer_id"]) == ["00123", "456", "789"]


# --------------------------------------------------------------------------- columns


def test_explicit_mapping_and_aliases(tmp_path):
    path = write(tmp_path, "会员,日子,金额,备注\na,2024-01-01,5,x\n")
    data = read(path, columns={"会员": "customer_id", "日子": "order_date"}).data
    assert list(data.columns) == ["customer_id", "order_date", "amount", "备注", "is_return", "is_zero", "is_duplicate"]


def test_missing_column_message_names_file_column_and_found_headers(tmp_path):
    path = write(tmp_path, "客户编号,日子,数额\na,2024-01-01,5\n")
    with pytest.raises(MissingColumnError) as info:
        read(path)
    message = str(info.value)
    for part in ("tx.csv", "order_date", "客户编号", "日子", "数额", "columns:"):
        assert part in message


def test_missing_column_message_in_english(tmp_path):
    from custval import i18n

    i18n.set_lang("en")
    try:
        with pytest.raises(MissingColumnError, match=r"has no column 'amount'"):
            read(write(tmp_path, "客户编号,下单日期\na,2024-01-01\n"))
    finally:
        i18n.set_lang("zh")


def test_two_headers_for_one_column_are_an_error(tmp_path):
    with pytest.raises(ColumnError, match="金额.*销售额|销售额.*金额"):
        read(write(tmp_path, "客户编号,下单日期,金额,销售额\na,2024-01-01,1,2\n"))
    with pytest.raises(ColumnError, match="customer_id"):
        read(write(tmp_path, "a,b,下单日期,金额\n1,2,2024-01-01,1\n"), columns={"a": "customer_id", "b": "customer_id"})


def test_headers_are_trimmed(tmp_path):
    data = read(write(tmp_path, " 客户编号 ,下单日期\u3000,金额\na,2024-01-01,1\n")).data
    assert data["customer_id"][0] == "a"


# --------------------------------------------------------------------------- rows and flags


def test_every_rejection_reason_and_flag(tmp_path):
    text = (
        HEADER
        + "a,2024-01-01,10\n"  # 2 used
        + ",2024-01-02,10\n"  # 3 missing customer
        + "b,,10\n"  # 4 missing date
        + "c,2024-01-03,\n"  # 5 missing amount
        + "d,2024-01-32,10\n"  # 6 bad date
        + "e,2024-01-04,ten\n"  # 7 bad number
        + ",,\n"  # 8 empty row
        + "a,2024-01-01,10\n"  # 9 duplicate of 2 (kept)
        + "f,2024-01-05,-4\n"  # 10 return (kept)
        + "g,2024-01-06,0\n"  # 11 zero (kept)
    )
    result = read(write(tmp_path, text))
    reasons = dict(zip(result.rejected["line"], result.rejected["reason"]))
    assert reasons == {
        3: "missing_value",
        4: "missing_value",
        5: "missing_value",
        6: "bad_date",
        7: "bad_number",
        8: "empty_row",
    }
    assert result.rows_read == 10 and result.rows_used == 4 == len(result.data)
    data = result.data.set_index("customer_id")
    assert data["is_duplicate"].tolist() == [False, True, False, False]
    assert bool(data.loc["f", "is_return"]) and bool(data.loc["g", "is_zero"])


def test_blank_lines_are_counted_as_empty_rows(tmp_path):
    result = read(write(tmp_path, HEADER + "a,2024-01-01,1\n\nb,2024-01-02,2\n"))
    assert result.rows_read == 3 and list(result.rejected["line"]) == [3]


def test_all_rows_rejected_is_a_user_error(tmp_path):
    with pytest.raises(DataError, match=r"tx\.csv.*2"):
        read(write(tmp_path, HEADER + "a,notadate,1\nb,never,2\n"))


def test_public_reader_warns_or_returns_rejected(tmp_path):
    path = write(tmp_path, HEADER + "a,2024-01-01,1\nb,bad,2\n")
    with pytest.warns(io.RowsRejectedWarning, match=r"1/2 rows rejected.*lines 3"):
        data = cv.read_transactions(path)
    assert len(data) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data, rejected = cv.read_transactions(path, return_rejected=True)
    assert list(rejected["line"]) == [3]


def test_kano_range_and_factor_kinds(tmp_path):
    kano = write(tmp_path, "respondent_id,feature,functional,dysfunctional\n1,送货,1,5\n2,送货,6,5\n", name="k.csv")
    result = io.read_table("kano", kano)
    assert list(result.rejected["reason"]) == ["out_of_range"] and result.rows_used == 1
    factors = write(
        tmp_path,
        "factor,framework,kind,weight\n政策,PEST,P,\n人口,PEST,S,\n品牌,SWOT,S,0.5\n价格战,,威胁,0.2\n模糊,,S,0.1\n",
        name="f.csv",
    )
    result = io.read_table("factors", factors)
    assert list(result.data["kind"]) == ["political", "social", "strength", "threat"]
    assert list(result.rejected[["line", "reason"]].itertuples(index=False, name=None)) == [(6, "bad_value")]


def test_firm_ranking_headers_and_ranks(tmp_path):
    path = write(
        tmp_path, "需求,企业排序,排序人\n合理的价格,1,张经理\n倾听,0,张经理\n方便,,张经理\n放心,2.5,\n", name="firm.csv"
    )
    result = io.read_table("firm_ranking", path)
    assert result.data["dimension"].tolist() == ["合理的价格", "放心"] and result.data["rank"].tolist() == [1, 2.5]
    assert list(result.rejected[["line", "reason"]].itertuples(index=False, name=None)) == [
        (3, "out_of_range"),
        (4, "missing_value"),
    ]


def test_wide_survey_becomes_long(tmp_path):
    path = write(
        tmp_path,
        "respondent_id,wave,重要性:价格,表现:价格,importance:服务,performance:服务,overall_satisfaction\n"
        "r1,1,7,5,6,x,8\n,1,1,1,1,1,1\nr2,1,5,4,3,2,6\n",
        name="s.csv",
    )
    result = io.read_table("survey", path)
    assert result.rows_read == 3 and result.rows_used == 2 and list(result.rejected["line"]) == [3]
    data = result.data
    assert len(data) == 4
    row = data[(data.respondent_id == "r1") & (data.dimension == "服务")].iloc[0]
    assert row["importance"] == 6 and np.isnan(row["performance"]) and row["overall_satisfaction"] == 8
    assert list(result.cleared["column"]) == ["performance"]


# --------------------------------------------------------------------------- accounting (property)

_cell = st.one_of(
    st.just(""),
    st.just("  "),
    st.sampled_from(["2024-01-05", "20240105", "2024年1月5日", "2024-02-30", "x"]),
    st.sampled_from(["1", "-3.5", "0", "1,000", "abc", "¥12"]),
    st.text(alphabet="abc甲乙0123", min_size=1, max_size=4),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_cell, _cell, _cell, _cell), min_size=1, max_size=25))
def test_row_accounting_holds_on_messy_files(tmp_path, rows):
    lines = ["客户编号,下单日期,金额,付款日期"] + [",".join(r) for r in rows]
    path = write(tmp_path, "\n".join(lines) + "\n", name="messy.csv")
    try:
        result = read(path)
    except DataError:
        return  # every row rejected (or the header alone): reported as a user error
    assert result.rows_read == len(rows)
    assert result.rows_used + result.rows_rejected == result.rows_read
    assert len(result.data) == result.rows_used
    assert result.rejected["line"].is_unique
    used_lines = set(range(2, len(rows) + 2)) - set(result.rejected["line"])
    assert len(used_lines) == len(result.data)
    assert result.data["customer_id"].notna().all() and result.data["order_date"].notna().all()


def test_a_delimiter_at_the_end_of_every_line_loses_no_column(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,order_date,amount\nC1,2024-01-01,5,\nC2,2024-01-02,6,\n", encoding="utf-8")
    result = io.read_table("transactions", path)
    assert result.data[["customer_id", "amount"]].values.tolist() == [["C1", 5.0], ["C2", 6.0]]
    assert result.rows_read == 2 and result.rejected.empty


def test_a_value_beyond_the_header_is_an_error_naming_its_line(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,order_date,amount\nC1,2024-01-01,5,\nC2,2024-01-02,6,'=x\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"tx.csv.*3.*'=x"):
        io.read_table("transactions", path)
