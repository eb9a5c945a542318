"""The one writer of CSV and XLSX files: no text from the data ever becomes a live formula."""

from __future__ import annotations

import csv

import numpy as np
import openpyxl
import pandas as pd
import pytest

import custval as cv
from custval import io, outputs
from custval.i18n import t

HOSTILE = ['=HYPERLINK("http://evil.example","点击领取")', "@SUM(1)", "+1", "-1+2", "\t=1+1", "\r=1", "=1+1"]


@pytest.fixture
def frame():
    names = pd.Series([*HOSTILE, "王伟", None], dtype="str")
    return pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(len(names))],
            "name": names,
            "grade": pd.Categorical(["=A", *"BCDEFABC"]),
            "direction": ["+", "-", "+", "-", "+", "-", "+", "-", "+"],
            "amount": [-12.5, 3, -0.25, 4, 5, 6, 7, 8, -9],
            "@header": range(len(names)),
        }
    )


def test_xlsx_cells_are_never_formulas_and_numbers_stay_numbers(tmp_path, frame):
    path = outputs.write_xlsx({"lists": frame}, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(path)["lists"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert [c for c in cells if c.data_type == "f"] == []
    by_value = {c.value: c for c in cells}
    for text in [h.replace("\r", "\n") for h in HOSTILE] + ["=A", "@header"]:  # XML keeps CR as LF
        assert by_value[text].data_type == "s" and by_value[text].quotePrefix, repr(text)
    assert not by_value["王伟"].quotePrefix and not by_value["+"].quotePrefix
    amounts = [c.value for c in next(sheet.iter_cols(min_col=5, max_col=5, min_row=2))]
    assert amounts == [-12.5, 3, -0.25, 4, 5, 6, 7, 8, -9] and all(isinstance(v, (int, float)) for v in amounts)
    assert pd.read_excel(path)["name"].tolist()[:7] == [h.replace("\r", "\n") for h in HOSTILE]


def test_csv_fields_never_begin_with_a_formula_character(tmp_path, frame):
    path = outputs.write_csv(frame, tmp_path / "out.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["customer_id", "name", "grade", "direction", "amount", "'@header"]
    fields = [f for row in rows for f in row]
    risky = [f for f in fields if f.startswith(outputs.FORMULA_START) and f not in ("+", "-")]
    assert risky == ["-12.5", "-0.25", "-9.0"]  # negative numbers, written as numbers
    assert len(rows) == 10 and all(len(r) == 6 for r in rows)  # a CR in a name starts no new line
    assert [r[1] for r in rows[1:8]] == ["'" + h.replace("\r", "\n") for h in HOSTILE] and rows[1][2] == "'=A"


def test_the_suites_csv_reads_back_as_written(tmp_path, frame):
    grades = outputs.write_csv(
        frame[["customer_id", "name", "grade"]].assign(customer_id=[*HOSTILE, "a", "b"]), tmp_path / "g.csv"
    )
    read = io.read_grades(grades)
    lf = [h.replace("\r", "\n") for h in HOSTILE]
    assert read["customer_id"].tolist() == [*lf, "a", "b"] and read["name"].tolist()[:7] == lf
    tx = pd.DataFrame({"客户编号": HOSTILE, "下单日期": "2024-01-02", "金额": [1, -2, 3, 4, 5, 6, 7]})
    data = cv.read_transactions(outputs.write_csv(tx, tmp_path / "orders.csv"))
    assert data["customer_id"].tolist() == [h.strip() for h in lf] and data["amount"].tolist() == [1, -2, 3, 4, 5, 6, 7]


def test_a_quote_the_suite_did_not_add_is_kept(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("客户编号,下单日期,金额\n'A,2024-01-02,1\n'=B,2024-01-02,2\n", encoding="utf-8")
    assert cv.read_transactions(path)["customer_id"].tolist() == ["'A", "=B"]


def test_every_written_template_and_sample_goes_through_the_writer(tmp_path):
    from custval import exercises, questionnaires

    paths = [
        *exercises.write_templates(tmp_path / "ex").values(),
        *questionnaires.write_templates(tmp_path / "q").values(),
    ]
    for path in (p for p in paths if p.suffix == ".xlsx"):
        for sheet in openpyxl.load_workbook(path).worksheets:
            assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row), path.name


def test_equal_tables_give_byte_identical_workbooks(tmp_path, frame):
    import time

    first = outputs.write_xlsx({"a": frame}, tmp_path / "1.xlsx").read_bytes()
    time.sleep(1.1)  # openpyxl stamps the second of writing
    assert outputs.write_xlsx({"a": frame}, tmp_path / "2.xlsx").read_bytes() == first
    assert pd.read_excel(tmp_path / "2.xlsx")["amount"].tolist() == frame["amount"].tolist()


def test_a_workbook_with_nothing_to_list_has_one_sheet_saying_so(tmp_path):
    path = outputs.save_workbook({}, "keep_lists", tmp_path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["-"] and book["-"].sheet_state == "visible"
    assert [[c.value for c in row] for row in book["-"].iter_rows()] == [[t("xlsx_nothing_to_list")]]
    assert pd.read_excel(path).empty
    assert outputs.write_xlsx({}, tmp_path / "again.xlsx").read_bytes() == path.read_bytes()


def test_the_streamed_workbook_holds_what_to_excel_writes(tmp_path):
    varied = pd.DataFrame(
        {
            "when": pd.to_datetime(["2024-01-02 03:04:05", None, "2023-12-31 00:00:00"]),
            "flag": [True, False, True],
            "count": pd.array([1, None, 3], dtype="Int64"),
            "ratio": [0.5, np.nan, np.inf],
            "grade": pd.Categorical(["A", None, "=B"]),
            "mixed": ["=1", -5, None],
            "text": pd.array(["王伟", None, "@x"], dtype="string"),
            "n": [1, 2, 3],
        }
    )
    ours = outputs.write_xlsx({"s": varied}, tmp_path / "ours.xlsx")
    varied.to_excel(tmp_path / "pandas.xlsx", sheet_name="s", index=False)

    def cells(path):
        sheet = openpyxl.load_workbook(path)["s"]
        return [
            [(c.value, c.data_type, c.number_format if c.is_date else "") for c in row] for row in sheet.iter_rows()
        ]

    unsafe = cells(tmp_path / "pandas.xlsx")  # pandas alone writes "=1" as a formula
    assert cells(ours) == [[(v, "s" if kind == "f" else kind, f) for v, kind, f in row] for row in unsafe]
    sheet = openpyxl.load_workbook(ours)["s"]
    assert [c.coordinate for row in sheet.iter_rows() for c in row if c.quotePrefix] == ["F2", "E4", "G4"]
    assert sheet["F3"].value == -5 and sheet["D4"].value == "inf" and sheet["B2"].value is True


def test_formula_like_text_is_found_in_every_kind_of_column():
    assert outputs.formula_rows(pd.Series(["=1", -5, None, "a", "+"], dtype=object)).tolist() == [
        True,
        False,
        False,
        False,
        False,
    ]
    assert outputs.formula_rows(pd.Series(["a", "-b", None], dtype=object)).tolist() == [False, True, False]
    grades = pd.Series(pd.Categorical(["=A", None, "B", "=A"]))
    assert outputs.formula_rows(grades).tolist() == [True, False, False, True]
    assert outputs.formula_rows(pd.Series(pd.Categorical([None, None]))).tolist() == [False, False]
    assert outputs.formula_rows(pd.Series([-1.0, 2.0])).tolist() == [False, False]
