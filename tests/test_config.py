"""Configuration parsing, cv.load and the conda wrapper."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

import custval as cv
from custval.config import DEFAULT_PARAMETERS, merge_parameters, read_config
from custval.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def write_config(tmp_path, text):
    path = tmp_path / "custval.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tx_file(tmp_path):
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "orders.csv"
    path.write_text("会员编号,日子,金额\nA1,2024-01-02,5\nA2,2024-01-03,bad\n", encoding="utf-8")
    return path


def test_paths_are_relative_to_the_config_and_mappings_merge(tmp_path, tx_file):
    config = read_config(
        write_config(
            tmp_path,
            "columns:\n  日子: order_date\n"
            "inputs:\n  transactions:\n    path: data/orders.csv\n    columns: {会员编号: customer_id}\n",
        )
    )
    spec = config.inputs["transactions"]
    assert spec.path == tx_file
    assert spec.columns == {"日子": "order_date", "会员编号": "customer_id"}
    assert config.parameters == DEFAULT_PARAMETERS


def test_load_reads_every_input_and_accounts_for_rows(tmp_path, tx_file):
    ds = cv.load(write_config(tmp_path, "columns: {日子: order_date}\ninputs:\n  transactions: data/orders.csv\n"))
    assert list(ds.transactions["customer_id"]) == ["A1"]
    assert ds.customers is None
    quality = ds.quality.set_index("table").loc["transactions"]
    assert (quality.rows_read, quality.rows_used, quality.rows_rejected) == (2, 1, 1)
    assert list(ds.rejected[["table", "line", "column", "reason"]].iloc[0]) == [
        "transactions",
        3,
        "amount",
        "bad_number",
    ]
    by_reason = ds.rejections_by_reason()
    assert by_reason[["reason", "rows", "lines"]].values.tolist() == [["bad_number", 1, "3"]]


@pytest.mark.parametrize(
    "text, pattern",
    [
        ("inputs:\n  transactions: a.csv\nextra: 1\n", r"extra.*inputs, columns, parameters"),
        ("inputs:\n  transaction: a.csv\n", r"transaction\b.*transactions"),
        ("inputs:\n  transactions: {path: a.csv, encodng: gbk}\n", r"encodng.*encoding"),
        ("inputs:\n  customers: c.csv\n", r"transactions"),
        ("inputs:\n  transactions: {encoding: gbk}\n", r"transactions.*path|path"),
        ("inputs:\n  transactions: a.csv\nparameters: {lagn: en}\n", r"lagn.*lang"),
        ("inputs:\n  transactions: a.csv\nparameters: {lang: fr}\n", r"fr"),
        ("inputs:\n  transactions: {path: a.csv, columns: {客户: customer}}\n", r"客户.*customer"),
        ("inputs: [a, b]\n", r"inputs"),
        ("inputs:\n  transactions: a.csv\n  bad: [\n", r"YAML"),
    ],
)
def test_config_errors_name_the_problem(tmp_path, text, pattern):
    with pytest.raises(ConfigError) as info:
        read_config(write_config(tmp_path, text))
    assert re.search(pattern, str(info.value)), str(info.value)
    assert "custval.yml" in str(info.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="nope.yml"):
        read_config(tmp_path / "nope.yml")


def test_parameter_precedence_defaults_file_overrides():
    merged = merge_parameters({"lang": "en", "anonymize": True}, {"lang": "zh"})
    assert merged["lang"] == "zh" and merged["anonymize"] is True and merged["as_of"] is None
    with pytest.raises(ConfigError, match="colour"):
        merge_parameters(None, {"colour": "red"})


def test_default_config_points_at_the_sample():
    config = read_config(ROOT / "custval.yml")
    assert set(config.inputs) == {
        "transactions",
        "customers",
        "survey",
        "kano",
        "firm_ranking",
        "market",
        "positioning",
        "factors",
        "salespeople",
    }
    for spec in config.inputs.values():
        assert spec.path.parent == ROOT / "data" / "sample"


def test_environment_yml_defers_to_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert env["name"] == "custval" and env["channels"] == ["conda-forge"]
    assert "pip" in env["dependencies"]
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    minimum = project["requires-python"].removeprefix(">=")
    assert tuple(map(int, python.split("=")[1].split("."))) >= tuple(map(int, minimum.split(".")))
    pip = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    extras = re.fullmatch(r"-e \.\[(.*)\]", pip[0]).group(1).split(",")
    assert set(extras) <= set(project["optional-dependencies"])


def test_command_line_parameters_are_read_as_yaml():
    from custval.config import parse_param

    assert parse_param("anonymize=true") == ("anonymize", True)
    assert parse_param("lang=en") == ("lang", "en")
    assert parse_param("as_of=") == ("as_of", None)
    with pytest.raises(ConfigError, match="key=value"):
        parse_param("anonymize")


def test_parameters_are_validated_and_as_of_normalised(tmp_path):
    from custval.config import merge_parameters

    assert merge_parameters(None, {"as_of": "2024/6/30"})["as_of"] == "2024-06-30"
    for bad in ({"anonymize": "yes"}, {"as_of": "someday"}, {"as_of": -1}, {"as_of": "20240630"}, {"lang": "fr"}):
        with pytest.raises(ConfigError, match=next(iter(bad))):
            merge_parameters(None, bad)


def test_notebooks_folder_defaults_to_the_config_folder(tmp_path):
    (tmp_path / "custval.yml").write_text("inputs:\n  transactions: tx.csv\n", encoding="utf-8")
    assert read_config(tmp_path / "custval.yml").notebooks == tmp_path.resolve() / "notebooks"
    (tmp_path / "custval.yml").write_text("inputs:\n  transactions: tx.csv\nnotebooks: nb\n", encoding="utf-8")
    assert read_config(tmp_path / "custval.yml").notebooks == tmp_path.resolve() / "nb"


@pytest.mark.parametrize(
    "bad",
    [
        {"period": "W"},
        {"value": "revenue"},
        {"abc_cuts": [0.95, 0.8]},
        {"abc_cuts": [0.8]},
        {"abc_cuts": "0.8,0.95"},
        {"bcg_growth_cut": "ten"},
        {"bcg_share_cut": 0},
    ],
)
def test_market_parameters_are_validated(bad):
    from custval.config import merge_parameters

    with pytest.raises(ConfigError, match=next(iter(bad))):
        merge_parameters(None, bad)


@pytest.mark.parametrize(
    "bad",
    [
        {"rfm_rules": "rfm-9"},
        {"rfm_bins": 1},
        {"rfm_bins": 2.5},
        {"rfm_center": "mode"},
        {"clusters": 1},
        {"custom_segments": [{"R": [1, 2]}]},
        {"rfm_rules": "custom"},
    ],
)
def test_segmentation_parameters_are_validated(bad):
    from custval.config import merge_parameters

    with pytest.raises(ConfigError, match="rfm_|clusters|custom_segments"):
        merge_parameters(None, bad)


@pytest.mark.parametrize(
    "bad",
    [
        {"horizon_years": 0},
        {"horizon_years": 2.5},
        {"discount_rate": 1.0},
        {"discount_rate": -0.1},
        {"future_method": "retention"},
        {"dwyer_by": ""},
        {"service_cost": -5},
        {"acquisition_cost": "free"},
    ],
)
def test_grading_parameters_are_validated(bad):
    with pytest.raises(ConfigError, match=next(iter(bad))):
        merge_parameters(None, bad)


def test_the_old_future_value_parameters_name_their_replacements(tmp_path):
    # horizon: 12 meant 12 months; read as years it would silently mean 12 years
    path = write_config(tmp_path, "parameters:\n  horizon: 12\n  unit: M\n  discount: 0.01\n")
    with pytest.raises(ConfigError, match="horizon → horizon_years, unit → horizon_years, discount → discount_rate"):
        read_config(path)
    assert DEFAULT_PARAMETERS["horizon_years"] == 5 and DEFAULT_PARAMETERS["discount_rate"] == 0.10


def test_dwyer_groups_must_be_a_grouping_column_of_the_data(tmp_path):
    (tmp_path / "tx.csv").write_text("客户编号,日期,金额,地区,备注\nA,2024-01-02,5,东,\n", encoding="utf-8")
    (tmp_path / "people.csv").write_text("客户编号,行业,获客日期\nA,医疗,2023-01-01\n", encoding="utf-8")
    text = (
        "inputs:\n  transactions: tx.csv\n  customers: people.csv\n"
        "columns: {客户编号: customer_id, 日期: order_date, 金额: amount, 地区: region, 行业: industry, "
        "获客日期: acquired_on}\n"
    )
    path = write_config(tmp_path, text)
    for by in ("cohort", "region", "industry"):
        assert cv.load(path, dwyer_by=by).parameters["dwyer_by"] == by
    # ids, dates and amounts give one customer per group; an empty column gives one group
    for by in ("地区", "customer_id", "order_date", "amount", "acquired_on", "备注"):
        with pytest.raises(ConfigError, match=rf"dwyer_by .*'{by}'.*cohort, region, industry$"):
            cv.load(path, dwyer_by=by)


@pytest.fixture
def two_inputs(tmp_path):
    (tmp_path / "tx.csv").write_text("客户号,日期,金额,地区\nA,2024-01-02,5,东\n", encoding="utf-8")
    (tmp_path / "people.csv").write_text("客户号,行业\nA,医疗\n", encoding="utf-8")
    return tmp_path


def test_an_input_mapping_key_that_names_no_header_is_an_error_with_the_closest(two_inputs):
    from custval import i18n
    from custval.errors import DataError

    text = (
        "inputs:\n  transactions:\n    path: tx.csv\n"
        "    columns: {客户号: customer_id, 日期: order_date, 金额: amount, 地 区: region}\n"
    )
    i18n.set_lang("en")
    try:
        with pytest.raises(DataError) as info:
            cv.load(write_config(two_inputs, text))
    finally:
        i18n.set_lang("zh")
    message = str(info.value)
    for part in ("'地 区'", "transactions input", "tx.csv", "客户号, 日期, 金额, 地区", "Did you mean '地区'?"):
        assert part in message, part
    with pytest.raises(DataError, match="'客户编号'.*tx.csv"):  # no close header: no guess
        cv.io.read_transactions(two_inputs / "tx.csv", columns={"客户编号": "customer_id"})


def test_a_global_mapping_key_must_name_a_header_of_some_input(two_inputs):
    from custval.errors import DataError

    base = "inputs:\n  transactions: tx.csv\n  customers: people.csv\n"
    fine = base + "columns: {客户号: customer_id, 日期: order_date, 金额: amount, 地区: region, 行业: industry}\n"
    ds = cv.load(write_config(two_inputs, fine))  # 地区 only in transactions, 行业 only in customers
    assert "region" in ds.transactions and "industry" in ds.customers
    typo = fine.replace("行业: industry", "行 业: industry")
    with pytest.raises(DataError) as info:
        cv.load(write_config(two_inputs, typo))
    message = str(info.value)
    assert "'行 业'" in message and "tx.csv" in message and "people.csv" in message and "'行业'" in message
    nowhere = base + "columns: {客户号: customer_id, 日期: order_date, 金额: amount, 日子: order_date}\n"
    with pytest.raises(DataError, match="'日子'"):
        cv.load(write_config(two_inputs, nowhere))


@pytest.mark.parametrize(
    "entry, pattern",
    [
        ("{path: tx.csv, sheet: 客户}", r"inputs.transactions.sheet: '客户' applies only to a local XLSX file.*tx.csv"),
        (
            "{path: tx.parquet, encoding: gbk}",
            r"inputs.transactions.encoding: 'gbk' applies only to a local CSV file.*tx.parquet",
        ),
        ("{path: tx.csv, dayfirst: 'false'}", r"inputs.transactions.dayfirst must be true / false"),
    ],
)
def test_input_options_that_cannot_apply_are_errors(tmp_path, entry, pattern):
    from custval import i18n

    i18n.set_lang("en")
    try:
        with pytest.raises(ConfigError, match=pattern):
            read_config(write_config(tmp_path, f"inputs:\n  transactions: {entry}\n"))
        assert read_config(
            write_config(tmp_path, "inputs:\n  transactions: {path: tx.csv, encoding: gbk, dayfirst: true}\n")
        )
    finally:
        i18n.set_lang("zh")


def test_spark_settings_without_the_spark_engine_are_an_error(tmp_path):
    with pytest.raises(ConfigError, match="spark:.*duckdb"):
        read_config(write_config(tmp_path, "spark: {master: 'local[2]'}\n"))
    assert read_config(write_config(tmp_path, "engine: spark\nspark: {master: 'local[2]'}\n")).spark == {
        "master": "local[2]"
    }


def test_segment_settings_the_rule_set_would_ignore_are_errors():
    rules = [{"name": "x", "R": [1, 5]}]
    with pytest.raises(ConfigError, match="custom_segments.*rfm_rules: custom.*cn-8"):
        merge_parameters({"custom_segments": rules}, None)
    assert merge_parameters({"custom_segments": rules, "rfm_rules": "custom"}, None)["custom_segments"] == rules
    assert merge_parameters({"rfm_center": "median"}, None)["rfm_center"] == "median"  # zh: cn-8 uses it
    with pytest.raises(ConfigError, match="rfm_center.*rfm-0.3"):
        merge_parameters({"rfm_center": "median"}, {"lang": "en"})
    with pytest.raises(ConfigError, match="rfm_center.*rf-grid"):
        merge_parameters({"rfm_center": "median", "rfm_rules": "rf-grid"}, None)
