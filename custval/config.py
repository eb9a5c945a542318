"""The configuration file (custval.yml): inputs, column mapping and analysis parameters.

Input paths are relative to the configuration file's folder. A global ``columns:`` mapping applies
to every input; an input's own ``columns:`` adds to it and wins on conflicts. Unknown keys are
errors that list the valid ones, so a typo never silently falls back to a default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import yaml

from custval import schema
from custval.errors import ConfigError
from custval.i18n import LANGS, t

TOP_KEYS = ("inputs", "columns", "parameters", "notebooks", "engine", "spark")
INPUT_KEYS = ("path", "table", "columns", "encoding", "sheet", "dayfirst")

# The runner hands every notebook's kernel the run's parameters (JSON) here: a notebook is given
# only the parameters it declares, but what it loads must use all of them (``--param`` included).
RUN_PARAMETERS_ENV = "CUSTVAL_RUN_PARAMETERS"

# Analysis parameters and their defaults; the report notebooks take exactly these names.
DEFAULT_PARAMETERS: dict = {
    "lang": "zh",  # 报告语言 / report language: zh or en
    "as_of": None,  # 分析日期 / analysis date (YYYY-MM-DD); default: last order date
    "anonymize": False,  # 匿名化客户编号和名称 / replace customer ids and names by pseudonyms
    # 01_market_scan
    "period": "Q",  # 期间粒度 M/Q/Y / period of the sales cube: month, quarter or year
    "value": "profit",  # 排序和 ABC 所用的指标 amount/profit / measure for ranking and ABC
    "abc_cuts": [0.8, 0.95],  # ABC 分类的累计占比界限 / cumulative-share cuts of classes A and B
    "bcg_growth_cut": 0.10,  # BCG 市场增长率界限 / market growth cut-off
    "bcg_share_cut": 1.0,  # BCG 相对市场份额界限 / relative market share cut-off
    # 02_segmentation
    "rfm_rules": "",  # RFM 分群规则 cn-8/rfm-0.3/rf-grid/custom,空:中文报告用 cn-8,英文用 rfm-0.3 / rule set
    "rfm_bins": 5,  # RFM 评分档数 / number of score bins
    "rfm_center": "mean",  # 八类模型的比较基准 mean/median / centre for the eight-class model
    "custom_segments": [],  # 自定义分群规则 [{name, R: [lo, hi], F: …, M: …, P: …}] / user rules for rfm_rules: custom
    "rfm_frequency_per": "",  # F 的口径:空为购买次数,year 为每年购买次数 / F: "" purchases, year: purchases per year
    "rfm_method": "rfm",  # 评分分档方法 rfm/quantile/rank / how scores are binned
    "slow_payer_bands": ["moderate", "severe"],  # 算作慢付款的超期档 / days-beyond-terms bands that mark a slow payer
    "clusters": 0,  # k-means 的簇数,0 表示按轮廓系数选择 / number of clusters; 0: chosen by silhouette
    "cluster_max_rows": 50_000,  # k-means 最多用多少位客户拟合(随机抽样)/ customers k-means is fitted on at most (seeded sample)
    # 03_value_dimensions
    "target": "overall_satisfaction",  # 导出重要性的目标 overall_satisfaction/switch_intent / outcome explained
    "importance_method": "auto",  # 导出重要性方法 auto/shapley/johnson/forest / derived importance method
    "ipa_center": "data",  # IPA 十字线位置 data/median/scale / crosshair of the IPA quadrants
    "wave_order": [],  # 调查批次从早到晚的顺序,空表示按编号或时间自动排序 / survey waves earliest first; empty: by number or time
    # 04_value_grading (and 05, which grades customers with the same chain)
    "horizon_years": 5,  # 未来价值的年数(METHODS §1.4:5 年)/ years of future value
    "discount_rate": 0.10,  # 年折现率 / yearly discount rate
    "future_method": "auto",  # 未来价值方法 auto/models/migration / future-value method
    "margin_rate": 0.0,  # 毛利率,0 表示由成本数据计算 / margin on revenue; 0: from the cost data
    "grade_layout": "ACB/DEF",  # A–F 排列:未来价值高一行/低一行,各按目前价值高中低 / grid layout
    "grade_cuts": {},  # 分档界限,空表示分档方法的默认值 / level cuts; empty: the method's defaults
    "grade_method": "quantile",  # 分档方法 quantile 或 share / cut method
    "dwyer_by": "cohort",  # DWYER 分组:cohort(首次购买年份)或交易表、客户表的任一列 / DWYER groups
    "service_cost": 0.0,  # DWYER:每位客户每年的服务成本 / DWYER service cost per customer and year
    "acquisition_cost": 0.0,  # DWYER:每位客户的获客成本(客户表无 acquisition_cost 列时)/ when the customers table has none
    # 05_resources_retention
    "fit_weights": {"industry": 0.3, "seniority": 0.2, "performance": 0.2, "region": 0.3},  # 匹配度权重 / fit weights
    "continuity_bonus": 0.2,  # 保留原客户经理的奖励 / bonus for keeping the current owner
    "balance": 0.3,  # 工作量可偏离公平份额的比例 / allowed deviation from the fair workload share
    "hours_per_grade": {"A": 2.0, "B": 1.0, "C": 1.0, "D": 0.5, "E": 0.25, "F": 0.1},  # 每月服务小时 / hours per month
    "sales_target_growth": 0.10,  # 销售目标:在最近 12 个月基础上的增长 / target growth on the last 12 months
    "retention_steps": [0.02, 0.05],  # 保留率提升情景(百分点)/ retention scenarios in points
    "fixed_cost_share": 0.3,  # 固定成本占稳态贡献的比例(数据中没有)/ fixed cost as a share of steady-state contribution
    # notebooks/exercises
    "answers": "data/exercises/example",  # 练习答案文件夹(相对于配置文件)/ folder of exercise answers, relative to the config file
}
# Parameters that were renamed, with what replaces them: named in the error for an old config.
RENAMED_PARAMETERS = {"horizon": "horizon_years", "unit": "horizon_years", "discount": "discount_rate"}
# Parameters that name a path relative to the configuration file; the runner passes them absolute.
PATH_PARAMETERS = ("answers",)
# Parameters the report runner passes to every notebook besides the analysis parameters.
RUNNER_PARAMETERS = ("config", "output_dir")
# Filled in by the runner only for notebooks that declare them.
OPTIONAL_RUNNER_PARAMETERS = ("previous_grades",)


@dataclass(frozen=True)
class InputSpec:
    table: str
    path: Path | str | None  # a local file, or a remote path (``s3a://…``) that the engine reads
    columns: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    sheet: str | int | None = None
    dayfirst: bool | None = None
    source_table: str | None = None  # ``table:``: a table name on the engine instead of a file
    shared_columns: tuple[str, ...] = ()  # keys of the global mapping (not overridden here)

    @property
    def on_engine(self) -> bool:
        """Read through the engine (a table name or a remote path) rather than from a local file."""
        return self.source_table is not None or "://" in str(self.path)

    @property
    def source(self) -> str:
        return self.source_table if self.source_table is not None else str(self.path)

    def read_options(self) -> dict:
        return {"columns": self.columns, "encoding": self.encoding, "sheet": self.sheet, "dayfirst": self.dayfirst,
                "shared_columns": self.shared_columns}  # fmt: skip


@dataclass(frozen=True)
class Config:
    path: Path | None
    inputs: dict[str, InputSpec]
    parameters: dict
    notebooks: Path | None = None
    engine: str = "duckdb"  # what runs the transaction-level scans: duckdb or spark
    spark: dict = field(default_factory=dict)  # master, conf, app_name (engine: spark)


def read_config(path="custval.yml", overrides: dict | None = None) -> Config:
    """Parse and validate a configuration file; ``overrides`` are parameters that win over it."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(t("err_config_missing", file=path))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(t("err_config_yaml", file=path, detail=exc)) from None
    _expect(raw, dict, path, "custval.yml", "mapping")
    _known_keys(raw, TOP_KEYS, path, "custval.yml")
    base = path.resolve().parent
    global_columns = _columns(raw.get("columns"), path, "columns")
    inputs = {}
    for table, entry in (_expect(raw.get("inputs") or {}, dict, path, "inputs", "mapping")).items():
        inputs[table] = _input(table, entry, base, global_columns, path)
    # A configuration without inputs serves notebooks that read none (the exercises); the runner
    # still refuses to run a notebook that loads data without transactions.
    if "transactions" not in inputs and "inputs" in raw:
        raise ConfigError(t("err_config_no_transactions", file=path))
    parameters = merge_parameters(raw.get("parameters"), overrides, path)
    notebooks = Path(_expect(raw.get("notebooks", "notebooks"), str, path, "notebooks", "path"))
    notebooks = notebooks if notebooks.is_absolute() else base / notebooks
    engine, spark = _engine(raw, path)
    for spec in inputs.values():
        if spec.on_engine and engine != "spark":
            raise ConfigError(t("err_input_needs_spark", file=path, table=spec.table, source=spec.source))
    return Config(path=path, inputs=inputs, parameters=parameters, notebooks=notebooks, engine=engine, spark=spark)


def _engine(raw: dict, path) -> tuple[str, dict]:
    """``engine:`` (duckdb or spark) and the ``spark:`` settings, checked."""
    from custval.engines import ENGINES, SPARK_KEYS

    engine = raw.get("engine", "duckdb")
    if engine not in ENGINES:
        raise ConfigError(t("err_engine", engine=engine, valid=" / ".join(ENGINES)) + f" ({path})")
    spark = _expect(raw.get("spark") or {}, dict, path, "spark", "mapping")
    if spark and engine != "spark":
        raise ConfigError(t("err_spark_unused", file=path, engine=engine))
    _known_keys(spark, SPARK_KEYS, path, "spark")
    _expect(spark.get("conf") or {}, dict, path, "spark.conf", "mapping")
    return engine, spark


def merge_parameters(from_file: dict | None, overrides: dict | None, path=None) -> dict:
    """Defaults < file < overrides, with unknown names and bad values rejected."""
    merged = dict(DEFAULT_PARAMETERS)
    for where, values in (("parameters", from_file), ("--param", overrides)):
        values = _expect(values or {}, dict, path, where, "mapping")
        _renamed_keys(values, path, where)
        _known_keys(values, tuple(DEFAULT_PARAMETERS), path, where)
        merged.update(values)
    if merged["as_of"] == "":
        merged["as_of"] = None
    checks = {
        "lang": (merged["lang"] in LANGS, " / ".join(LANGS)),
        "anonymize": (isinstance(merged["anonymize"], bool), "true / false"),
        "as_of": (merged["as_of"] is None or _is_day(merged["as_of"]), "YYYY-MM-DD"),
        "period": (merged["period"] in ("M", "Q", "Y"), "M / Q / Y"),
        "value": (merged["value"] in ("amount", "profit"), "amount / profit"),
        "abc_cuts": (_is_cuts(merged["abc_cuts"]), "[A, B] with 0 < A < B ≤ 1, e.g. [0.8, 0.95]"),
        "bcg_growth_cut": (_is_number(merged["bcg_growth_cut"]), "a number, e.g. 0.10"),
        "bcg_share_cut": (_is_number(merged["bcg_share_cut"]) and merged["bcg_share_cut"] > 0, "a number > 0, e.g. 1.0"),
        "rfm_rules": (merged["rfm_rules"] in ("", "cn-8", "rfm-0.3", "rf-grid", "custom"), "cn-8 / rfm-0.3 / rf-grid / custom"),
        "rfm_bins": (_is_int(merged["rfm_bins"]) and 2 <= merged["rfm_bins"] <= 9, "an integer from 2 to 9"),
        "rfm_center": (merged["rfm_center"] in ("mean", "median"), "mean / median"),
        "custom_segments": (_is_rules(merged["custom_segments"]), "a list of {name: …, R: [lo, hi], F: [lo, hi], M: [lo, hi], P: [lo, hi]}"),
        "rfm_frequency_per": (merged["rfm_frequency_per"] in (None, "", "year"), '"" (purchases) / year (purchases per year)'),
        "rfm_method": (merged["rfm_method"] in ("rfm", "quantile", "rank"), "rfm / quantile / rank"),
        "slow_payer_bands": (isinstance(merged["slow_payer_bands"], list) and all(b in ("on_time", "slight", "moderate", "severe") for b in merged["slow_payer_bands"]),
                             "a list of on_time / slight / moderate / severe, e.g. [moderate, severe]; [] marks nobody"),
        "cluster_max_rows": (_is_int(merged["cluster_max_rows"]) and merged["cluster_max_rows"] >= 100, "an integer ≥ 100, e.g. 50000"),
        "clusters": (_is_int(merged["clusters"]) and (merged["clusters"] == 0 or merged["clusters"] >= 2), "0 (choose) or an integer ≥ 2"),
        "target": (merged["target"] in ("overall_satisfaction", "switch_intent"), "overall_satisfaction / switch_intent"),
        "importance_method": (merged["importance_method"] in ("auto", "shapley", "johnson", "forest"), "auto / shapley / johnson / forest"),
        "ipa_center": (merged["ipa_center"] in ("data", "median", "scale"), "data / median / scale"),
        "wave_order": (_is_wave_order(merged["wave_order"]), "a list of distinct wave labels, earliest first, e.g. ['2023-spring', '2023-autumn']"),
        "horizon_years": (_is_int(merged["horizon_years"]) and 1 <= merged["horizon_years"] <= 50, "whole years from 1 to 50, e.g. 5"),
        "discount_rate": (_is_number(merged["discount_rate"]) and 0 <= merged["discount_rate"] < 1, "a yearly rate from 0 to below 1, e.g. 0.10"),
        "future_method": (merged["future_method"] in ("auto", "models", "migration"), "auto / models / migration"),
        "margin_rate": (_is_number(merged["margin_rate"]) and 0 <= merged["margin_rate"] <= 1, "0 (from the data) or a rate up to 1"),
        "grade_layout": (_is_layout(merged["grade_layout"]), "two rows of three grades, each of A–F once, like ACB/DEF"),
        "grade_cuts": (_is_grade_cuts(merged["grade_cuts"]), "{current: [low, high], future: [cut]} with increasing numbers in (0, 1]"),
        "grade_method": (merged["grade_method"] in ("quantile", "share"), "quantile / share"),
        "dwyer_by": (isinstance(merged["dwyer_by"], str) and merged["dwyer_by"].strip() != "", "cohort or a column of the transactions or customers table"),
        "service_cost": (_is_number(merged["service_cost"]) and merged["service_cost"] >= 0, "a number ≥ 0"),
        "acquisition_cost": (_is_number(merged["acquisition_cost"]) and merged["acquisition_cost"] >= 0, "a number ≥ 0"),
        "fit_weights": (isinstance(merged["fit_weights"], dict) and set(merged["fit_weights"]) <= {"industry", "seniority", "performance", "region"}
                        and all(_is_number(v) and v >= 0 for v in merged["fit_weights"].values()) and sum(merged["fit_weights"].values()) > 0,
                        "{industry, seniority, performance, region} → non-negative weights"),
        "continuity_bonus": (_is_number(merged["continuity_bonus"]) and merged["continuity_bonus"] >= 0, "a number ≥ 0"),
        "balance": (_is_number(merged["balance"]) and 0 <= merged["balance"] <= 1, "a share from 0 to 1"),
        "hours_per_grade": (isinstance(merged["hours_per_grade"], dict) and set(merged["hours_per_grade"]) == set("ABCDEF")
                            and all(_is_number(v) and v >= 0 for v in merged["hours_per_grade"].values()), "hours for each of A–F"),
        "sales_target_growth": (_is_number(merged["sales_target_growth"]) and merged["sales_target_growth"] > -1, "a growth rate, e.g. 0.10"),
        "fixed_cost_share": (_is_number(merged["fixed_cost_share"]) and 0 <= merged["fixed_cost_share"] < 1, "a share from 0 to below 1"),
        "answers": (isinstance(merged["answers"], str) and merged["answers"].strip() != "", "a folder, e.g. data/exercises/example"),
        "retention_steps": (isinstance(merged["retention_steps"], list) and len(merged["retention_steps"]) == 2
                            and all(_is_number(v) and 0 < v < 0.5 for v in merged["retention_steps"]), "two increases in points, e.g. [0.02, 0.05]"),
    }
    if merged["rfm_rules"] == "custom" and not merged["custom_segments"]:
        checks["custom_segments"] = (False, "rules, because rfm_rules is custom")
    checks.update(_unused_parameters(merged))
    for key, (ok, expected) in checks.items():
        if not ok:
            message = t("err_param_value", key=key, value=merged[key], detail=expected)
            raise ConfigError(f"{path}: {message}" if path else message)
    if merged["as_of"] is not None:
        merged["as_of"] = pd.Timestamp(str(merged["as_of"])).date().isoformat()
    return merged


def _unused_parameters(merged: dict) -> dict:
    """Values that pass their own check but would have no effect with the others: an error, so a
    setting the user wrote never silently does nothing."""
    rules = merged["rfm_rules"] or ("cn-8" if merged["lang"] == "zh" else "rfm-0.3")
    found = {}
    if merged["custom_segments"] and merged["rfm_rules"] != "custom":
        found["custom_segments"] = (False, f"[] — the rules are used only with rfm_rules: custom, and this run uses {rules}")
    if merged["rfm_center"] != DEFAULT_PARAMETERS["rfm_center"] and rules != "cn-8":
        found["rfm_center"] = (False, f"mean — only the cn-8 rule set compares with a centre, and this run uses {rules}")
    return found


def parse_param(text: str) -> tuple[str, object]:
    """``key=value`` from the command line; the value is read as YAML (true, 3, 2024-06-30, text)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(t("err_param_syntax", text=text))
    try:
        parsed = yaml.safe_load(value) if value.strip() else None
    except yaml.YAMLError:
        parsed = value
    return key.strip(), parsed


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_layout(value) -> bool:
    from custval.grading import parse_layout

    try:
        parse_layout(value)
    except ValueError:
        return False
    return True


def _is_grade_cuts(value) -> bool:
    if not isinstance(value, dict) or set(value) - {"current", "future"}:
        return False
    sizes = {"current": 2, "future": 1}
    return all(isinstance(v, (list, tuple)) and len(v) == sizes[k] and all(_is_number(c) and 0 < c <= 1 for c in v)
               and list(v) == sorted(v) for k, v in value.items())  # fmt: skip


def _is_wave_order(value) -> bool:
    return (isinstance(value, list) and all(isinstance(v, (str, int, date)) and not isinstance(v, bool) for v in value)
            and len({str(v) for v in value}) == len(value))  # fmt: skip


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_rules(value) -> bool:
    return isinstance(value, list) and all(isinstance(r, dict) and "name" in r for r in value)


def _is_cuts(value) -> bool:
    return (isinstance(value, (list, tuple)) and len(value) == 2 and all(_is_number(v) for v in value)
            and 0 < value[0] < value[1] <= 1)  # fmt: skip


def _is_day(value) -> bool:
    try:
        return not pd.isna(pd.Timestamp(str(value)))
    except (TypeError, ValueError):
        return False


def _input(table, entry, base, global_columns, path) -> InputSpec:
    if table not in schema.TABLES:
        _known_keys({table: None}, tuple(schema.TABLES), path, "inputs")
    if isinstance(entry, str):
        entry = {"path": entry}
    entry = _expect(entry, dict, path, f"inputs.{table}", "mapping or path")
    _known_keys(entry, INPUT_KEYS, path, f"inputs.{table}")
    if not entry.get("path") and not entry.get("table"):
        raise ConfigError(t("err_config_no_path", file=path, table=table))
    if entry.get("path") and entry.get("table"):
        raise ConfigError(t("err_config_path_and_table", file=path, table=table))
    own = _columns(entry.get("columns"), path, f"inputs.{table}.columns")
    columns = {**global_columns, **own}
    for source, target in own.items():
        if target not in schema.TABLES[table].columns:
            valid = ", ".join(schema.TABLES[table].columns)
            raise ConfigError(t("err_config_column", file=path, source=source, target=target, table=table, valid=valid))
    given = str(entry.get("path") or "")
    if entry.get("table") or "://" in given:
        where = None if entry.get("table") else given
    else:
        where = Path(given) if Path(given).is_absolute() else base / given
    _check_read_options(table, entry, where, path)
    return InputSpec(
        table=table,
        path=where,
        source_table=str(entry["table"]) if entry.get("table") else None,
        columns=columns,
        shared_columns=tuple(k for k in global_columns if k not in own),
        encoding=entry.get("encoding"),
        sheet=entry.get("sheet"),
        dayfirst=entry.get("dayfirst"),
    )


def _check_read_options(table: str, entry: dict, where, path) -> None:
    """``encoding`` only for a local CSV, ``sheet`` only for a local workbook, ``dayfirst`` true or
    false: an option that cannot apply is an error rather than silently nothing."""
    from custval.io import CSV_SUFFIXES, EXCEL_SUFFIXES

    local = isinstance(where, Path)
    suffix = where.suffix.lower() if local and not where.is_dir() else ""
    for key, suffixes, kind in (("encoding", CSV_SUFFIXES, "CSV"), ("sheet", EXCEL_SUFFIXES, "XLSX")):
        if entry.get(key) is not None and not (local and suffix in suffixes):
            source = str(where) if where is not None else f"table: {entry.get('table')}"
            raise ConfigError(t("err_option_unused", file=path, table=table, key=key, value=entry[key], kind=kind, source=source))
    if entry.get("dayfirst") is not None and not isinstance(entry["dayfirst"], bool):
        raise ConfigError(t("err_config_type", file=path, key=f"inputs.{table}.dayfirst", expected="true / false"))


def _columns(mapping, path, where) -> dict[str, str]:
    mapping = _expect(mapping or {}, dict, path, where, "mapping")
    known = {c for spec in schema.TABLES.values() for c in spec.columns}
    for source, target in mapping.items():
        if target not in known:
            raise ConfigError(t("err_config_column_any", file=path, source=source, target=target))
    return {str(k): str(v) for k, v in mapping.items()}


def _expect(value, kind, path, key, expected):
    if not isinstance(value, kind):
        raise ConfigError(t("err_config_type", file=path, key=key, expected=expected))
    return value


def _renamed_keys(mapping: dict, path, where) -> None:
    """An old parameter name gets an error that names its replacement (its meaning changed too)."""
    old = [k for k in mapping if k in RENAMED_PARAMETERS]
    if old:
        pairs = ", ".join(f"{k} → {RENAMED_PARAMETERS[k]}" for k in old)
        raise ConfigError(t("err_param_renamed", file=path, where=where, pairs=pairs))


def _known_keys(mapping: dict, valid: tuple, path, where) -> None:
    unknown = [k for k in mapping if k not in valid]
    if unknown:
        raise ConfigError(t("err_config_key", file=path, where=where, keys=", ".join(map(str, unknown)), valid=", ".join(valid)))
