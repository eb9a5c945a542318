"""The custval command: exit codes, messages, files written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from custval import i18n
from custval.cli import format_table, main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def chinese_by_default():
    yield
    i18n.set_lang("zh")


@pytest.fixture
def project(tmp_path):
    (tmp_path / "订单.csv").write_bytes(
        "客户编号,下单日期,金额\nA1,2024-01-02,5\nA2,2024-02-30,6\nA3,2024-01-05,-2\n,2024-01-06,1\n".encode("gbk")
    )
    (tmp_path / "custval.yml").write_text("inputs:\n  transactions: 订单.csv\n", encoding="utf-8")
    return tmp_path


def test_validate_prints_accounting_and_writes_rejected_rows(project, capsys):
    code = main(["validate", "--config", str(project / "custval.yml"), "--out", str(project / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert "gb18030" in out and "transactions" in out
    assert "无法识别的日期" in out and "必填值为空" in out and "退货 1 行" in out
    rejected = pd.read_csv(project / "out" / "rejected_rows.csv", encoding="utf-8-sig", keep_default_na=False)
    assert rejected[["line", "column", "reason", "value"]].values.tolist() == [
        [3, "order_date", "bad_date", "2024-02-30"],
        [5, "customer_id", "missing_value", ""],
    ]
    quality = pd.read_csv(project / "out" / "quality.csv", encoding="utf-8-sig")
    assert quality.loc[0, ["rows_read", "rows_used", "rows_rejected"]].tolist() == [4, 2, 2]


def test_validate_in_english(project, capsys):
    assert main(["validate", "--config", str(project / "custval.yml"), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "rows rejected" in out and "unrecognised date" in out and "The inputs are usable." in out


def test_user_errors_exit_2_with_one_message(project, capsys):
    (project / "custval.yml").write_text("inputs:\n  transactions: 订单.csv\nparamters: {}\n", encoding="utf-8")
    assert main(["validate", "--config", str(project / "custval.yml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误:") and "paramters" in err and "Traceback" not in err


def test_unusable_data_exits_2_naming_file_and_column(project, capsys):
    (project / "订单.csv").write_text("客户编号,日子,金额\nA1,2024-01-02,5\n", encoding="utf-8")
    assert main(["validate", "--config", str(project / "custval.yml"), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "订单.csv" in err and "order_date" in err and "日子" in err


def test_console_script_runs_as_a_process(project):
    result = subprocess.run(
        [sys.executable, "-m", "custval.cli", "validate", "--config", str(project / "missing.yml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2 and "missing.yml" in result.stderr and "Traceback" not in result.stderr


def test_format_table_aligns_wide_characters():
    lines = format_table([{"表": "交易", "rows": 12}, {"表": "customers", "rows": 3}]).splitlines()
    assert len({len(line.encode("gbk")) for line in lines[:1] + lines[2:]}) == 1
