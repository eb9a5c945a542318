"""The ``custval`` command: ``report``, ``validate``, ``sample`` and ``class-check``.

User errors (``DataError``) print one message and exit with code 2; a report whose notebooks did
not all succeed exits with 1; a report stopped by SIGINT (Ctrl-C) or SIGTERM exits with 130 or 143;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

from custval import i18n
from custval.config import parse_param, read_config
from custval.dataset import load
from custval.errors import DataError
from custval.i18n import t
from custval.outputs import write_csv
from custval.report import RunInterrupted
from custval.report import run_report as make_report
from custval.report.execute import DEFAULT_TIMEOUT
from custval.report.workers import MAX_JOBS
from custval.sample import write_sample

EXIT_USER_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "lang", None):
        i18n.set_lang(args.lang)
    try:
        return args.run(args)
    except DataError as exc:
        print(f"{t('error_prefix')}: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="custval", description="客户资源分析与客户价值评价 / customer value analysis")
    commands = parser.add_subparsers(dest="command", required=True)

    report = commands.add_parser("report", help="run the notebooks and write a report folder")
    report.add_argument("--config", default="custval.yml", help="configuration file (default: custval.yml)")
    report.add_argument("--out", type=Path, default=Path("reports"), help="folder for runs (default: reports)")
    report.add_argument("--name", help="name of the run folder (default: date and time)")
    report.add_argument("--only", action="append", metavar="NAMES", help="run only these notebooks (comma-separated)")
    report.add_argument("--lang", choices=i18n.LANGS, help="report language (overrides the config's lang)")
    report.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a parameter (overrides the config); repeatable",
    )
    report.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS", help="per-cell time limit")
    report.add_argument(
        "--jobs", type=int, metavar="N", help=f"notebooks run at a time (default: one per core, at most {MAX_JOBS})"
    )
    report.add_argument(
        "--clean",
        action="store_true",
        help="first remove the .partial folders interrupted runs left in --out (unchanged for a day, "
        "no runner alive), then run as usual",
    )
    report.set_defaults(run=run_report)

    validate = commands.add_parser("validate", help="read every configured input and account for every row")
    validate.add_argument("--config", default="custval.yml", help="configuration file (default: custval.yml)")
    validate.add_argument("--out", type=Path, help="folder to write rejected_rows.csv and quality.csv into")
    validate.add_argument("--lang", choices=i18n.LANGS, help="language of messages (default: the config's lang)")
    validate.set_defaults(run=run_validate)

    class_check = commands.add_parser("class-check", help="check a whole class's exercise answers (for teachers)")
    class_check.add_argument(
        "answers_dir",
        type=Path,
        metavar="ANSWERS_DIR",
        help="one sub-folder per student id, or files named <student id>_<exercise>.xlsx/.csv",
    )
    class_check.add_argument("--out", type=Path, help="output folder (default: <ANSWERS_DIR>_class_check next to it)")
    class_check.add_argument("--lang", choices=i18n.LANGS, help="language of messages and tables (default: zh)")
    class_check.set_defaults(run=run_class_check)

    sample = commands.add_parser("sample", help="write the synthetic sample data set")
    sample.add_argument("--customers", type=int, default=2000)
    sample.add_argument("--years", type=int, default=3)
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--format", choices=("csv", "parquet"), default="csv")
    sample.add_argument("--out", type=Path, default=Path("data/sample"))
    sample.add_argument("--lang", choices=i18n.LANGS)
    sample.set_defaults(run=run_sample)
    return parser


def run_report(args) -> int:
    params = dict(parse_param(p) for p in args.param)
    if args.lang:
        params["lang"] = args.lang
    try:
        result = make_report(
            args.config,
            out=args.out,
            name=args.name,
            only=args.only,
            params=params,
            timeout=args.timeout,
            jobs=args.jobs,
            clean=args.clean,
        )
    except RunInterrupted as stop:  # the runner has stopped everything and said so in one line
        return stop.exit_code
    index = result.index.resolve()
    if result.ok:
        print(t("report_finished", index=index))
    else:
        failed = sum(n.status != "ok" for n in result.notebooks)
        print(t("report_failed", failed=failed, index=index), file=sys.stderr)
        print(t("report_finished", index=index))
    return result.exit_code


def run_validate(args) -> int:
    config = read_config(args.config)
    if not args.lang:
        i18n.set_lang(config.parameters["lang"])
    dataset = load(config)
    print(t("validate_title", config=args.config))
    print()
    print(format_table(_quality_rows(dataset)))
    by_reason = dataset.rejections_by_reason()
    if len(by_reason):
        print()
        rows = [
            {
                t("col_table"): r.table,
                t("col_reason"): r.reason_text,
                t("col_column"): r.column,
                t("col_rows"): r.rows,
                t("col_examples"): r.lines,
            }
            for r in by_reason.itertuples()
        ]
        print(format_table(rows))
    tx = dataset.quality.set_index("table").loc["transactions"]
    print()
    print(t("validate_flags", returns=tx.returns, zero=tx.zero_amounts, duplicates=tx.duplicates))
    if args.out:
        write_csv(dataset.rejected, args.out / "rejected_rows.csv")
        write_csv(dataset.quality, args.out / "quality.csv")
        print(t("validate_rejected_written", path=args.out / "rejected_rows.csv"))
    print(t("validate_ok"))
    return 0


def _quality_rows(dataset) -> list[dict]:
    return [
        {
            t("col_table"): q.table,
            t("col_file"): Path(q.file).name,
            t("col_encoding"): q.encoding or "-",
            t("col_rows_read"): q.rows_read,
            t("col_rows_used"): q.rows_used,
            t("col_rows_rejected"): q.rows_rejected,
            t("col_values_cleared"): q.values_cleared,
        }
        for q in dataset.quality.itertuples()
    ]


def run_class_check(args) -> int:
    # Imported here, not at the top: the report's spawned workers re-import this module, and
    # classcheck brings SciPy and Matplotlib (about a second per worker) that no report needs.
    from custval.exercises import classcheck

    out = args.out or classcheck.default_out(args.answers_dir)
    result = classcheck.check_class(args.answers_dir, lang=i18n.get_lang(), exclude=[out])
    paths = classcheck.write_outputs(result, out)
    print(f"{classcheck.summary_line(result)} {t('cc_written', path=paths['html'].resolve())}")
    return 0


def run_sample(args) -> int:
    paths = write_sample(args.out, customers=args.customers, years=args.years, seed=args.seed, fmt=args.format)
    print(t("sample_written", out=args.out, files=", ".join(sorted(p.name for p in paths.values()))))
    return 0


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def format_table(rows: list[dict]) -> str:
    """A plain-text table aligned for terminals where CJK characters take two cells."""
    if not rows:
        return ""
    headers = list(rows[0])
    cells = [[str(r[h]) for h in headers] for r in rows]
    widths = [max(_width(h), *(_width(c[i]) for c in cells)) for i, h in enumerate(headers)]

    def line(values):
        padded = []
        for value, width in zip(values, widths):
            pad = " " * (width - _width(value))
            padded.append(pad + value if value.replace(".", "").isdigit() else value + pad)
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(c) for c in cells)])


if __name__ == "__main__":
    sys.exit(main())
