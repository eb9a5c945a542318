"""Glue for the report notebooks: one call to start, short calls to show text and tables.

Notebooks stay thin: ``run = start(config, lang=..., ...)`` reads the data with the notebook's
parameters, sets the language and the chart theme; ``run.say(key)`` shows a sentence from
``custval.i18n``, ``run.show(frame)`` an escaped table, ``run.save(frame, name)`` writes it to the
run's ``tables/`` folder when the notebook runs inside ``custval report``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import pandas as pd

from custval import i18n, plots
from custval.config import RUN_PARAMETERS_ENV
from custval.dataset import Dataset, load
from custval.display import table
from custval.engines import connect
from custval.grading import ValueChain, chain_parameters
from custval.outputs import save_json, save_table, save_workbook
from custval.summary import summarize


class Presenter:
    """What every notebook helper does to show and keep results; subclasses have ``lang`` and
    ``output_dir``."""

    lang: str
    output_dir: str

    def say(self, key: str, /, **values) -> None:
        """Show the sentence ``key`` (Markdown) in the report language."""
        from IPython.display import Markdown, display

        display(Markdown(i18n.t(key, **values)))

    def say_all(self, notes) -> None:
        """Show each ``(key, values)`` note in turn: the sentences a package function chose to say."""
        for key, values in notes:
            self.say(key, **values)

    def show(self, data: pd.DataFrame, **options) -> None:
        """Show a table with translated headers and escaped text."""
        from IPython.display import display

        display(table(data, lang=self.lang, **options))

    def save(self, data: pd.DataFrame, name: str) -> None:
        """Write ``data`` to the run's ``tables/`` folder (only inside ``custval report``). Returns
        nothing, so a cell ending with it shows no path (a run's folder is temporary until done)."""
        save_table(data, name, self.output_dir)

    def save_workbook(self, sheets: dict[str, pd.DataFrame], name: str) -> None:
        """One sheet per entry in ``tables/<name>.xlsx`` (only inside ``custval report``)."""
        save_workbook(sheets, name, self.output_dir)

    def save_json(self, data: dict, name: str) -> None:
        """``data`` as ``tables/<name>.json`` (only inside ``custval report``)."""
        save_json(data, name, self.output_dir)


@dataclass
class NotebookRun(Presenter):
    """The data and settings one notebook works with."""

    data: Dataset
    lang: str
    as_of: str | None
    output_dir: str

    @property
    def transactions(self) -> pd.DataFrame:
        """The transactions up to ``as_of`` (all of them when it is not set)."""
        tx = self.data.transactions
        return tx if self.as_of is None else tx[tx["order_date"] <= pd.Timestamp(self.as_of)]

    def has(self, table: str, *columns: str) -> bool:
        """Whether ``table`` was configured and has ``columns``; says which part is skipped if not."""
        frame = getattr(self.data, table)
        missing = [c for c in columns if frame is not None and c not in frame.columns]
        if frame is None:
            self.say("skip_no_table", table=table)
        elif missing:
            self.say("skip_no_column", table=table, columns=", ".join(missing))
        return frame is not None and not missing

    def summary(self, **options) -> pd.DataFrame:
        """The customer summary of the transactions at the run's ``as_of``, on the configured
        engine (``engine:`` in the configuration; DuckDB by default). Without ``options`` it is
        computed once per notebook (it scans every line) and each call gets its own copy."""
        if options:
            return summarize(self.lines, as_of=self.as_of, engine=self.engine, **options)
        return self._summary.copy()

    @cached_property
    def _summary(self) -> pd.DataFrame:
        return summarize(self.lines, as_of=self.as_of, engine=self.engine)

    @property
    def lines(self):
        """All transaction lines for the engine's scans, which take ``as_of`` themselves: in a report
        run the run's clean Parquet file, read out of core (``custval.store``), so no scan copies the
        lines from pandas; else the frame read from the inputs."""
        read = self.data.reads["transactions"]
        return read.parquet if read.data is None and read.parquet else read.frame()

    @cached_property
    def value_chain(self):
        """This run's customer valuation and A–F grades (``custval.grading.ValueChain``) with the
        run's parameters: every notebook that grades customers gets the same grades."""
        chain = ValueChain(**chain_parameters(self.data.parameters))
        return chain.fit(self.lines, self.summary(), as_of=self.as_of, engine=self.engine)

    @cached_property
    def engine(self):
        """The configured engine's Ibis backend, opened on first use (None: the default DuckDB)."""
        config = self.data.config
        return connect(config.engine, config.spark)

    @property
    def reference_day(self) -> pd.Timestamp:
        """``as_of`` when set, else today: the day after which an order date is in the future."""
        return pd.Timestamp(self.as_of or date.today())

    def parameters_table(self) -> pd.DataFrame:
        values = self.data.parameters
        return pd.DataFrame(
            {"parameter": list(values), "value": ["—" if v is None else str(v) for v in values.values()]}
        )


def start(
    config: str, lang: str = "zh", as_of=None, anonymize: bool = False, output_dir: str = "", **parameters
) -> NotebookRun:
    """Read the configured data with these parameters (checked as in custval.yml; they win over
    the file's), and set language and chart theme. In a report run the runner's parameters (the
    file's and ``--param``'s) apply too, also those this notebook does not declare. Opened by hand,
    a notebook can turn ``anonymize`` on but never off: its cell's ``False`` is only the default,
    and ``anonymize: true`` in the file must not be undone by it."""
    i18n.set_lang(lang)
    plots.theme(lang=lang)
    run = json.loads(os.environ.get(RUN_PARAMETERS_ENV) or "{}")  # in a report run: all of the run's parameters
    chosen = {"lang": lang, "as_of": as_of, **({"anonymize": anonymize} if anonymize or run else {}), **parameters}
    data = load(config, **{**run, **chosen})
    return NotebookRun(data=data, lang=lang, as_of=data.parameters["as_of"], output_dir=output_dir)
