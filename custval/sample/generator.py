"""Assemble every table and the truth behind it from the section modules, and write the files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from custval.outputs import write_csv
from custval.sample.constants import (
    ARCHETYPES,
    CATEGORIES,
    CATEGORY_GROWTH,
    CATEGORY_MARGIN,
    CHRONIC_LATE_SHARE,
    FIRM_DISAGREEMENTS,
    FIRM_RANKING,
    KANO_FEATURES,
    POSITIONING_ATTRIBUTES,
    POSITIONING_BRANDS,
    POSITIONING_PROFILES,
    REGION_GROWTH,
    REGIONS,
    SURVEY_RESPONDENTS,
)
from custval.sample.csv_export import csv_frames, plan_problems
from custval.sample.customers import draw_customers, draw_purchases, order_lines, settlement
from custval.sample.draws import observation_window, random_stream
from custval.sample.frames import customer_truth, customers_frame, id_array, salespeople_frame, transactions_frame
from custval.sample.market import factor_scores, factor_sheet, market_sales
from custval.sample.survey import firm_ranking_sheet, kano_answers, positioning_ratings, survey_waves
from custval.schema import TABLES


@dataclass
class Sample:
    """Generated tables (clean, contract column names and dtypes) and what was planted in them.

    ``truth`` keys: ``archetypes`` (BG/NBD r, alpha, a, b and Gamma-Gamma p, q, gamma per
    archetype, time unit days), ``customers`` (per customer: archetype, λ, p, ν, alive at the end,
    payment habits), ``region_growth``, ``category_margin``, ``category_growth``, ``settlement``,
    ``survey`` (drivers, rising and fading dimensions, means), ``kano``, ``market`` (shares),
    ``positioning``, ``factors`` (EFE/IFE totals) and ``planted_problems`` (CSV only, with counts).
    """

    tables: dict[str, pd.DataFrame]
    truth: dict
    csv_problems: dict = field(default_factory=dict, repr=False)

    def frames(self, fmt: str = "csv") -> dict[str, pd.DataFrame]:
        """The tables as they are written: CSV gets Chinese headers, text dates and the problems."""
        if fmt == "parquet":
            return dict(self.tables)
        if fmt != "csv":
            raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
        return csv_frames(self.tables, self.csv_problems)


def generate(customers: int = 2000, years: int = 3, seed: int = 0, start: str = "2022-01-01") -> Sample:
    """Generate every table and the truth behind them; pure, no file I/O."""
    if customers < 20:
        raise ValueError("customers must be at least 20")
    cal = observation_window(start, years)
    cust = draw_customers(random_stream(seed, "customers"), customers, cal)
    purchases = draw_purchases(random_stream(seed, "purchases"), cust, cal)
    lines = order_lines(random_stream(seed, "lines"), cust, purchases, cal)
    lines.update(settlement(random_stream(seed, "settlement"), cust, purchases["customer"], purchases["day"], cal))
    transactions = transactions_frame(cust, purchases, lines, cal)
    survey, survey_truth = survey_waves(random_stream(seed, "survey"), cust, cal)
    wave_two = id_array("R", np.arange(SURVEY_RESPONDENTS + 1, 2 * SURVEY_RESPONDENTS + 1), 4)
    market, market_truth = market_sales(random_stream(seed, "market"), cust, purchases, lines, cal)
    problems, problems_truth = plan_problems(random_stream(seed, "problems"), transactions, cal)
    tables = {
        "transactions": transactions,
        "customers": customers_frame(cust, cal),
        "survey": survey,
        "kano": kano_answers(random_stream(seed, "kano"), wave_two),
        "firm_ranking": firm_ranking_sheet(),
        "market": market,
        "positioning": positioning_ratings(random_stream(seed, "positioning")),
        "factors": factor_sheet(),
        "salespeople": salespeople_frame(random_stream(seed, "salespeople"), cust, purchases, lines, cal),
    }
    truth = {
        "arguments": {"customers": customers, "years": years, "seed": seed, "start": start},
        "period": {"start": str(cal["start"]), "end": str(cal["end"]), "days": cal["days"]},
        "time_unit": "D",
        "archetypes": {a.key: a.as_dict() for a in ARCHETYPES},
        "customers": customer_truth(cust, purchases),
        "region_growth": dict(zip(REGIONS, REGION_GROWTH.tolist())),
        "category_margin": dict(zip(CATEGORIES, CATEGORY_MARGIN.tolist())),
        "category_growth": dict(zip(CATEGORIES, CATEGORY_GROWTH.tolist())),
        "settlement": {
            "terms_days": (30, 60),
            "chronic_late_share": CHRONIC_LATE_SHARE,
            "chronic_late_payers": int(cust["chronic_late"].sum()),
            "open_invoices": int((lines["paid"] < 0).sum()),
        },
        "survey": survey_truth,
        "kano": dict(KANO_FEATURES),
        "firm_ranking": {"ranking": list(FIRM_RANKING), "disagreements": list(FIRM_DISAGREEMENTS)},
        "market": market_truth,
        "positioning": {
            b: dict(zip(POSITIONING_ATTRIBUTES, row.tolist()))
            for b, row in zip(POSITIONING_BRANDS, POSITIONING_PROFILES)
        },
        "factors": factor_scores(),
        "planted_problems": problems_truth,
    }
    return Sample(tables=tables, truth=truth, csv_problems=problems)


def write_sample(
    out, *, customers: int = 2000, years: int = 3, seed: int = 0, fmt: str = "csv", start: str = "2022-01-01"
) -> dict[str, Path]:
    """Write every table to ``out/<table>.<fmt>`` (byte-identical for equal arguments)."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frames = generate(customers=customers, years=years, seed=seed, start=start).frames(fmt)
    paths = {}
    for name in TABLES:
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            write_csv(frames[name], path, encoding="utf-8", float_format="%.2f")
        else:
            table = pa.Table.from_pandas(frames[name], preserve_index=False)
            pq.write_table(table, path, compression="zstd")
        paths[name] = path
    return paths
