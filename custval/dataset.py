"""``cv.load``: every configured input read into one Dataset with its data-quality account."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from custval import anonymize, engine_reader, io, schema, store
from custval.config import Config, read_config
from custval.engines import connect
from custval.errors import ColumnError, ConfigError
from custval.i18n import t
from custval.scans import table as engine_table


@dataclass
class Dataset:
    """The inputs of one analysis; tables that are not configured are ``None``."""

    config: Config
    reads: dict[str, io.ReadResult] = field(default_factory=dict)

    def __getattr__(self, name):
        if name in schema.TABLES:
            read = self.reads.get(name)
            return None if read is None else read.frame()
        raise AttributeError(name)

    @property
    def parameters(self) -> dict:
        return self.config.parameters

    @property
    def rejected(self) -> pd.DataFrame:
        """Every rejected input row: table, file, line, column, reason, value."""
        return _stack([r.rejected for r in self.reads.values()])

    @property
    def cleared(self) -> pd.DataFrame:
        """Values in optional columns that could not be read and were left empty."""
        return _stack([r.cleared for r in self.reads.values()])

    @property
    def quality(self) -> pd.DataFrame:
        """One row per table: rows read, used, rejected, values cleared, flagged lines."""
        return quality_table(self.reads.values())

    def rejections_by_reason(self) -> pd.DataFrame:
        return rejections_by_reason(self.rejected)


def load(config="custval.yml", **parameters) -> Dataset:
    """Read every input named in the configuration file (parameters override the file's).

    Inside ``custval report`` the inputs were read and checked once by the runner
    (:func:`load_into`); the run's clean tables are opened instead of reading them again.
    """
    config = config if isinstance(config, Config) else read_config(config, overrides=parameters or None)
    reads = store.open_run_store(store_key(config))
    if reads is None:
        reads = _read_all(config)
    check_parameters(config, reads)
    return Dataset(config=config, reads=reads)


def load_into(config: Config, folder) -> Dataset:
    """Read and check every input once and keep the clean tables in ``folder`` (``custval.store``),
    for the notebooks of a report run to open."""
    reads = store.write(_read_all(config, folder), folder, store_key(config))
    check_parameters(config, reads)
    return Dataset(config=config, reads=reads)


def store_key(config: Config) -> dict:
    """What a run's clean tables depend on besides the input files."""
    path = str(config.path.resolve()) if config.path else None
    return {"config": path, "anonymize": bool(config.parameters.get("anonymize"))}


def _read_all(config: Config, folder=None) -> dict[str, io.ReadResult]:
    """Every input read and checked; with a store ``folder``, local transactions and customers
    files are checked by DuckDB straight into it (``custval.engine_reader``, also under ``engine:
    spark``: the lines are on this machine anyway), the rest by the Python reader."""
    engine = _engine_for_inputs(config)
    reads = {}
    for table, spec in config.inputs.items():
        if folder is not None and engine_reader.engine_readable(table, spec.source):
            reads[table] = engine_reader.read_to_parquet(
                table, spec.path, store.table_file(folder, table), **spec.read_options()
            )
        else:
            reads[table] = _read(spec, engine)
    check_shared_columns(config, reads)
    if config.parameters.get("anonymize"):
        reads = _anonymized(reads, config)
    return reads


def check_shared_columns(config: Config, reads: dict) -> None:
    """A key of the global ``columns:`` mapping must name a header of at least one input it
    applies to (one that matches nowhere is a typo, and its column would silently be missing)."""
    applies = {}
    for table, spec in config.inputs.items():
        for key in spec.shared_columns:
            applies.setdefault(key, []).append(table)
    for key, tables in applies.items():
        if all(key in reads[table].unmatched for table in tables):
            headers = {reads[table].file: reads[table].headers for table in tables}
            raise ColumnError(io.unmatched_key_message(key, headers, t("mapping_global", file=config.path)))


def check_parameters(config: Config, reads: dict) -> None:
    """Parameters that name a column of the data must name one that can serve: ``dwyer_by`` is
    ``cohort`` or a grouping column of the transactions or customers table with some values."""
    by = config.parameters.get("dwyer_by", "cohort")
    if by == "cohort" or "transactions" not in reads:
        return
    columns = group_columns(reads)
    if by not in columns:
        raise ConfigError(t("err_dwyer_by", file=config.path, value=by, columns=", ".join(["cohort", *columns])))


NOT_GROUPS = ("customer_id", "order_id", "referred_by")  # one value per customer or order: no groups


def group_columns(reads: dict) -> list[str]:
    """Columns of the transactions and customers tables that can split customers into groups:
    not ids, dates or measures, not flags, and with at least one value."""
    found = []
    for table in ("transactions", "customers"):
        if table not in reads:
            continue
        data, spec = reads[table].frame(), schema.TABLES[table]
        for column in data.columns:
            if (
                column in NOT_GROUPS
                or column.startswith("is_")
                or column == "line"
                or spec.kind(column) in (schema.DATE, schema.NUMBER)
            ):
                continue
            values = data[column].dropna()
            if len(values) and (values.astype(str).str.strip() != "").any():
                found.append(column)
    return list(dict.fromkeys(found))


def _engine_for_inputs(config: Config):
    """One engine connection for every input given as a table or remote path (None if there are none)."""
    if not any(spec.on_engine for spec in config.inputs.values()):
        return None
    return connect(config.engine, config.spark)


def _read(spec, engine) -> io.ReadResult:
    """One input: a local file read here, or a table or remote path read by the engine (Spark)
    into memory and then checked like a file."""
    if not spec.on_engine:
        return io.read_table(spec.table, spec.path, **spec.read_options())
    source, con, _ = engine_table(spec.source, engine)
    return io.read_table(spec.table, spec.source, **spec.read_options(), frame=con.to_pyarrow(source).to_pandas())


def _anonymized(reads: dict, config: Config) -> dict:
    """Every read with customer ids and names replaced by stable pseudonyms."""
    key = anonymize.load_key(config.path.resolve().parent if config.path else ".")
    return {
        table: replace(
            read,
            data=anonymize.anonymize_frame(read.frame(), key),
            rejected=anonymize.anonymize_rejected(read.rejected, key),
        )
        for table, read in reads.items()
    }


def quality_table(reads) -> pd.DataFrame:
    rows = []
    for read in reads:
        flags = read.flag_counts()
        rows.append(
            {
                "table": read.table,
                "file": read.file,
                "encoding": read.encoding or "",
                "rows_read": read.rows_read,
                "rows_used": read.rows_used,
                "rows_rejected": read.rows_rejected,
                "values_cleared": len(read.cleared),
                "returns": flags["is_return"],
                "zero_amounts": flags["is_zero"],
                "duplicates": flags["is_duplicate"],
            }
        )
    return pd.DataFrame(rows)


def rejections_by_reason(rejected: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows counted per table, reason and column, with the first line numbers."""
    if rejected.empty:
        return pd.DataFrame(columns=["table", "reason", "column", "rows", "lines"])
    grouped = rejected.groupby(["table", "reason", "column"], sort=True)["line"]
    out = grouped.agg(rows="size", lines=lambda s: ", ".join(map(str, s.head(5)))).reset_index()
    out["reason_text"] = [t(f"reason_{r}") for r in out["reason"]]
    return out


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "line" else "string") for c in io.REJECTED_COLUMNS})
    return pd.concat(frames, ignore_index=True)
