"""The configuration file (custval.yml): inputs, column mapping and analysis parameters.

Input paths are relative to the configuration file's folder. A global ``columns:`` mapping applies
to every input; an input's own ``columns:`` adds to it and wins on conflicts. Unknown keys are
errors that list the valid ones, so a typo never silently falls back to a default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from custval import parameters, schema
from custval.engines import ENGINES, SPARK_KEYS
from custval.errors import ConfigError
from custval.i18n import t
from custval.io import CSV_SUFFIXES, EXCEL_SUFFIXES

TOP_KEYS = ("inputs", "columns", "parameters", "notebooks", "engine", "spark")
INPUT_KEYS = ("path", "table", "columns", "encoding", "sheet", "dayfirst")

# The runner hands every notebook's kernel the run's parameters (JSON) here: a notebook is given
# only the parameters it declares, but what it loads must use all of them (``--param`` included).
RUN_PARAMETERS_ENV = "CUSTVAL_RUN_PARAMETERS"

# What custval.yml's ``parameters:`` may set and their defaults; defined, with their checks, in custval.parameters.
DEFAULT_PARAMETERS: dict = parameters.defaults()
# Parameters that were renamed, with what replaces them: named in the error for an old config.
RENAMED_PARAMETERS = {old: p.name for p in parameters.CONFIGURED for old in p.replaces}
# Parameters that name a path relative to the configuration file; the runner passes them absolute.
PATH_PARAMETERS = tuple(p.name for p in parameters.CONFIGURED if p.path)
# Parameters the report runner passes to every notebook besides the analysis parameters.
RUNNER_PARAMETERS = tuple(p.name for p in parameters.REGISTRY if p.role == parameters.RUNNER)
# Filled in by the runner only for notebooks that declare them.
OPTIONAL_RUNNER_PARAMETERS = tuple(p.name for p in parameters.REGISTRY if p.role == parameters.OPTIONAL)


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
        return {
            "columns": self.columns,
            "encoding": self.encoding,
            "sheet": self.sheet,
            "dayfirst": self.dayfirst,
            "shared_columns": self.shared_columns,
        }


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
    """Defaults < file < overrides, with unknown names and bad values rejected (checks: custval.parameters)."""
    merged = parameters.defaults()
    for where, values in (("parameters", from_file), ("--param", overrides)):
        values = _expect(values or {}, dict, path, where, "mapping")
        _renamed_keys(values, path, where)
        _known_keys(values, tuple(DEFAULT_PARAMETERS), path, where)
        merged.update(values)
    problems = parameters.problems(merged)
    if problems:
        key, expected = problems[0]
        message = t("err_param_value", key=key, value=merged[key], detail=expected)
        raise ConfigError(f"{path}: {message}" if path else message)
    return parameters.converted(merged)


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
    local = isinstance(where, Path)
    suffix = where.suffix.lower() if local and not where.is_dir() else ""
    for key, suffixes, kind in (("encoding", CSV_SUFFIXES, "CSV"), ("sheet", EXCEL_SUFFIXES, "XLSX")):
        if entry.get(key) is not None and not (local and suffix in suffixes):
            source = str(where) if where is not None else f"table: {entry.get('table')}"
            raise ConfigError(
                t("err_option_unused", file=path, table=table, key=key, value=entry[key], kind=kind, source=source)
            )
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
        keys, names = ", ".join(map(str, unknown)), ", ".join(valid)
        raise ConfigError(t("err_config_key", file=path, where=where, keys=keys, valid=names))
