"""The firm's environment: market and competitor sales per quarter, region and category, calibrated
to the own sales, and the PEST/SWOT factor sheet with its EFE/IFE totals."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from custval.sample.constants import (
    BRANDS,
    CATEGORIES,
    CATEGORY_GROWTH,
    CATEGORY_SHARE_FACTOR,
    PEST_FACTORS,
    REGION_GROWTH,
    REGION_SHARE,
    REGIONS,
    RIVAL_CATEGORY_LEAD,
    RIVAL_REGION_LEAD,
    SEASON,
    SWOT_FACTORS,
)
from custval.sample.frames import lookup, str_series

FACTOR_COLUMNS = ["factor", "framework", "kind", "weight", "rating", "impact", "probability", "direction", "note"]


def _planted_shares(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Own and competitor market shares per region × category (competitors lead some cells)."""
    shape = (len(REGIONS), len(CATEGORIES))
    own = REGION_SHARE[:, None] * CATEGORY_SHARE_FACTOR[None, :] * rng.lognormal(0, 0.1, shape)
    own = np.clip(own, 0.05, 0.5)
    cheap = 0.16 + RIVAL_CATEGORY_LEAD[0][None, :] + RIVAL_REGION_LEAD[0][:, None]
    premium = 0.12 + RIVAL_CATEGORY_LEAD[1][None, :] + RIVAL_REGION_LEAD[1][:, None]
    rivals = np.stack([cheap, premium]) * rng.lognormal(0, 0.1, (2, *shape))
    room = np.minimum(1.0, (0.9 - own) / rivals.sum(axis=0))
    return own, rivals * room


def _quarters(cal: dict, days: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Quarter labels of the window, each day's quarter index, and quarter midpoints in years."""
    months = (cal["start"] + days.astype("timedelta64[D]")).astype("datetime64[M]").astype(np.int64)
    first = int(cal["start"].astype("datetime64[M]").astype(np.int64)) // 3
    last = int(cal["end"].astype("datetime64[M]").astype(np.int64)) // 3
    labels = [f"{1970 + q // 4}Q{q % 4 + 1}" for q in range(first, last + 1)]
    start_month = float(cal["start"].astype("datetime64[M]").astype(np.int64))
    mid = (np.arange(first, last + 1) * 3 + 1.5 - start_month) / 12.0
    return labels, months // 3 - first, mid


def market_sales(
    rng: np.random.Generator, cust: dict, purchases: dict, lines: dict, cal: dict
) -> tuple[pd.DataFrame, dict]:
    """Market size and competitor sales per quarter × region × category, calibrated to own sales.

    The market of each cell grows smoothly at (1 + region growth)·(1 + category growth) a year with
    a seasonal pattern; its level is set so that own sales over the window equal the planted share.
    """
    labels, quarter, mid = _quarters(cal, purchases["day"])
    nq, nr, nc = len(labels), len(REGIONS), len(CATEGORIES)
    cell = (quarter * nr + cust["region"][purchases["customer"]]) * nc + lines["category"]
    own_sales = np.bincount(cell, weights=lines["amount"], minlength=nq * nr * nc).reshape(nq, nr, nc)
    own_share, rival_share = _planted_shares(rng)
    growth = np.log1p(REGION_GROWTH)[:, None] + np.log1p(CATEGORY_GROWTH)[None, :]
    season = SEASON[[int(label[-1]) - 1 for label in labels]]
    noise = rng.lognormal(0, 0.03, (nq, nr, nc))
    trend = np.exp(mid[:, None, None] * growth[None]) * season[:, None, None] * noise
    own_total = own_sales.sum(axis=0)
    floor = 0.2 * own_total.mean() if own_total.mean() > 0 else 1.0
    level = np.maximum(own_total, floor) / (own_share * trend.sum(axis=0))
    market = level[None] * trend
    rivals = rival_share[:, None] * market[None] * rng.lognormal(0, 0.05, (2, nq, nr, nc))
    market = np.round(np.maximum(market, (own_sales + rivals.sum(axis=0)) / 0.95), 2)
    rivals = np.round(rivals, 2)
    q, r, c, k = np.meshgrid(np.arange(nq), np.arange(nr), np.arange(nc), np.arange(2), indexing="ij")
    frame = pd.DataFrame(
        {
            "period": str_series(lookup(labels, q.ravel())),
            "region": str_series(lookup(REGIONS, r.ravel())),
            "product_category": str_series(lookup(CATEGORIES, c.ravel())),
            "market_sales": market[q, r, c].ravel(),
            "competitor": str_series(lookup(BRANDS[1:], k.ravel())),
            "competitor_sales": rivals[k, q, r, c].ravel(),
        }
    )
    realised = own_total / market.sum(axis=0)
    truth = {
        "own_share": _nested(own_share),
        "competitor_share": {b: _nested(s) for b, s in zip(BRANDS[1:], rival_share)},
        "realised_own_share": _nested(realised),
        "growth_rule": "(1 + region_growth)·(1 + category_growth) per year, seasonal factors by quarter",
        "season": dict(zip(("Q1", "Q2", "Q3", "Q4"), SEASON.tolist())),
    }
    return frame, truth


def _nested(table: np.ndarray) -> dict:
    """A region × category array as {region: {category: value}}."""
    return {r: dict(zip(CATEGORIES, np.round(row, 4).tolist())) for r, row in zip(REGIONS, table)}


def factor_sheet() -> pd.DataFrame:
    """PEST factors (impact, probability, direction) and SWOT factors (EFE/IFE weights, ratings)."""
    pest = pd.DataFrame(PEST_FACTORS, columns=["factor", "kind", "impact", "probability", "direction", "note"])
    pest["framework"] = "PEST"
    swot = pd.DataFrame(SWOT_FACTORS, columns=["factor", "kind", "weight", "rating", "note"])
    swot["framework"] = "SWOT"
    swot["weight"] = swot["weight"].astype(float)
    frame = pd.concat([pest, swot], ignore_index=True)
    frame = frame[FACTOR_COLUMNS]
    for column in ("rating", "impact", "probability"):
        frame[column] = frame[column].astype("Int64")
    for column in ("factor", "framework", "kind", "direction", "note"):
        frame[column] = frame[column].replace("", None).astype("str")
    return frame


def factor_scores() -> dict:
    """EFE and IFE totals (Σ weight × rating) of the planted SWOT factors, computed exactly."""
    scores = {"EFE": Decimal(0), "IFE": Decimal(0)}
    for _, kind, weight, rating, _ in SWOT_FACTORS:
        scores["EFE" if kind in "OT" else "IFE"] += Decimal(weight) * rating
    return {key: float(value) for key, value in scores.items()}
