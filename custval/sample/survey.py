"""Questionnaire tables: two satisfaction survey waves, the firm's ranking sheet, Kano answers and
brand positioning ratings, with the drivers planted in them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from custval.sample.constants import (
    BRAND_OFFSETS,
    BRANDS,
    FADING_DIMENSIONS,
    FIRM_RANKING,
    IMPORTANCE,
    KANO_FEATURES,
    OWN_PERFORMANCE,
    POSITIONING_ATTRIBUTES,
    POSITIONING_BRANDS,
    POSITIONING_PROFILES,
    POSITIONING_RESPONDENTS,
    RISING_DIMENSIONS,
    SATISFACTION_DRIVERS,
    SERVICE_NEEDS,
    SKIPPED_COST_IMPORTANCE,
    SURVEY_BRAND_SHARE,
    SURVEY_RESPONDENTS,
    VALUE_ITEM_KIND,
    VALUE_ITEMS,
    WAVE_SHIFT,
)
from custval.sample.draws import draw, draw_rows
from custval.sample.frames import customer_ids, id_array, lookup, str_series


def _dimensions() -> list[str]:
    """Survey dimensions in questionnaire order: the 26 service needs, then the value items."""
    return [zh for zh, _ in SERVICE_NEEDS] + [zh for zh, _ in VALUE_ITEMS]


def _wave_importance(wave: int) -> np.ndarray:
    """Mean importance per dimension in a wave: some needs rise, some fade in wave 2."""
    dims = _dimensions()
    shift = np.zeros(len(dims))
    if wave == 2:
        shift[[dims.index(d) for d in RISING_DIMENSIONS]] = WAVE_SHIFT
        shift[[dims.index(d) for d in FADING_DIMENSIONS]] = -WAVE_SHIFT
    return IMPORTANCE + shift


def _brand_performance() -> np.ndarray:
    """Mean performance per brand (rows, BRANDS order) and dimension."""
    dims = _dimensions()
    table = np.tile(OWN_PERFORMANCE, (len(BRANDS), 1))
    for b, offsets in BRAND_OFFSETS.items():
        for dim, delta in offsets.items():
            table[BRANDS.index(b), dims.index(dim)] += delta
    return table


def _expectation() -> np.ndarray:
    """Mean expectation per dimension: higher where the dimension matters more."""
    return 3.0 + 0.45 * IMPORTANCE


def _scale(values: np.ndarray, low: int, high: int) -> np.ndarray:
    """Round to an integer rating scale."""
    return np.clip(np.rint(values), low, high).astype(np.int64)


def survey_waves(rng: np.random.Generator, cust: dict, cal: dict) -> tuple[pd.DataFrame, dict]:
    """Two survey waves in long format, and what drives their answers."""
    frames = [_survey_wave(rng, wave, cust, cal) for wave in (1, 2)]
    survey, skipped = _skip_cost_importance(rng, pd.concat(frames, ignore_index=True))
    dims = _dimensions()
    truth = {
        "drivers": dict(SATISFACTION_DRIVERS),
        "satisfaction_model": "round(6 + Σ β·(performance − 5) + N(0, 0.8)), clipped to 1–10",
        "switch_model": "round(5.6 − 0.5·satisfaction + N(0, 0.6)), clipped to 1–5",
        "rising": list(RISING_DIMENSIONS),
        "fading": list(FADING_DIMENSIONS),
        "wave_shift": WAVE_SHIFT,
        "importance": {w: dict(zip(dims, _wave_importance(w).round(2).tolist())) for w in (1, 2)},
        "performance": {b: dict(zip(dims, row.round(2).tolist())) for b, row in zip(BRANDS, _brand_performance())},
        "expectation": dict(zip(dims, _expectation().round(2).tolist())),
        "cost_items_rate": "the size of the cost (higher = costlier)",
        "skipped_cost_importance": skipped,
        "brand_share": dict(zip(BRANDS, SURVEY_BRAND_SHARE)),
    }
    return survey, truth


def _skip_cost_importance(rng: np.random.Generator, survey: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Blank the importance of every cost item for a few respondents and of some for a few more
    (drawn after both waves, so the answers themselves stay as they were)."""
    respondents = survey["respondent_id"].unique()
    picked = rng.choice(len(respondents), sum(SKIPPED_COST_IMPORTANCE.values()), replace=False)
    costs = [d for d, kind in VALUE_ITEM_KIND.items() if kind == "cost"]
    skipped = {"all": sorted(respondents[picked[: SKIPPED_COST_IMPORTANCE["all"]]]), "some": {}}
    blank = survey["respondent_id"].isin(skipped["all"]) & survey["dimension"].isin(costs)
    for i in picked[SKIPPED_COST_IMPORTANCE["all"] :]:
        items = sorted(np.array(costs)[rng.permutation(len(costs))[: rng.integers(1, len(costs))]].tolist())
        skipped["some"][respondents[i]] = items
        blank |= (survey["respondent_id"] == respondents[i]) & survey["dimension"].isin(items)
    importance = survey["importance"].astype("Int64").mask(blank)
    return survey.assign(importance=importance), {"all": skipped["all"], "some": dict(sorted(skipped["some"].items()))}


def firm_ranking_sheet() -> pd.DataFrame:
    """The firm's ranking sheet: one row per need, rank 1 = most important."""
    return pd.DataFrame(
        {"dimension": str_series(list(FIRM_RANKING)), "rank": np.arange(1, len(FIRM_RANKING) + 1, dtype=np.int64)}
    )


def _survey_wave(rng: np.random.Generator, wave: int, cust: dict, cal: dict) -> pd.DataFrame:
    """One wave: importance, performance, expectation per dimension and the overall judgements.

    Satisfaction depends only on the performance of the driver dimensions; a respondent-level halo
    (reversed for cost items) and scale use add the correlation real answers have.
    """
    dims = _dimensions()
    m, k = SURVEY_RESPONDENTS, len(dims)
    cost = np.array([VALUE_ITEM_KIND.get(d) == "cost" for d in dims])
    drivers = np.array([dims.index(d) for d in SATISFACTION_DRIVERS])
    beta = np.array(list(SATISFACTION_DRIVERS.values()))
    brand = draw(rng, SURVEY_BRAND_SHARE, m)
    halo = rng.normal(0.0, 0.35, m)[:, None] * np.where(cost, -1.0, 1.0)
    scale_use = rng.normal(0.0, 0.4, (m, 1))
    importance = _scale(_wave_importance(wave) + scale_use + rng.normal(0.0, 0.9, (m, k)), 1, 7)
    performance = _scale(_brand_performance()[brand] + halo + rng.normal(0.0, 1.0, (m, k)), 1, 7)
    expectation = _scale(_expectation() + rng.normal(0.0, 0.9, (m, k)), 1, 7)
    latent = 6.0 + (performance[:, drivers] - 5.0) @ beta + rng.normal(0.0, 0.8, m)
    satisfaction = _scale(latent, 1, 10)
    switch = _scale(5.6 - 0.5 * satisfaction + rng.normal(0.0, 0.6, m), 1, 5)
    customer = _survey_customers(rng, cust, brand == 0, cal, 0.45 if wave == 1 else 0.9)
    first = (wave - 1) * m + 1
    row = np.repeat(np.arange(m), k)
    return pd.DataFrame(
        {
            "respondent_id": str_series(id_array("R", first + row, 4)),
            "customer_id": str_series(customer.take(pa.array(row))),
            "wave": np.full(m * k, wave, dtype=np.int64),
            "brand": str_series(lookup(BRANDS, brand[row])),
            "dimension": str_series(lookup(dims, np.tile(np.arange(k), m))),
            "importance": importance.ravel(),
            "performance": performance.ravel(),
            "expectation": expectation.ravel(),
            "overall_satisfaction": satisfaction[row],
            "switch_intent": switch[row],
        }
    )


def _survey_customers(rng: np.random.Generator, cust: dict, own: np.ndarray, cal: dict, at: float) -> pa.Array:
    """Customer ids of own-brand respondents, drawn from customers acquired before the wave."""
    eligible = int(np.searchsorted(cust["first_day"], at * cal["days"], side="left"))
    m = len(own)
    chosen = rng.choice(max(eligible, 1), size=min(int(own.sum()), eligible), replace=False)
    codes = np.zeros(m, dtype=np.int64)
    valid = np.zeros(m, dtype=bool)
    slots = np.flatnonzero(own)[: len(chosen)]
    codes[slots], valid[slots] = chosen, True
    return customer_ids(cust["n"]).take(pa.array(codes, mask=~valid))


def kano_answers(rng: np.random.Generator, respondents: pa.Array) -> pd.DataFrame:
    """Kano answer pairs per respondent and feature; each feature has a planted category.

    A respondent answers in the feature's category with probability 0.64, otherwise in another
    (A, O, M, I 0.09 each, reverse 0.05, questionable 0.04); the pair is then drawn from the cells
    of the Kano evaluation table that give that category.
    """
    m, k = len(respondents), len(KANO_FEATURES)
    table = np.full((4, 6), 0.09)
    table[:, 4], table[:, 5] = 0.05, 0.04
    np.fill_diagonal(table, 0.64)
    planted = np.array(["AOMI".index(c) for _, c in KANO_FEATURES])
    answer = draw_rows(rng, table, np.tile(planted, m))
    low = 2 + draw(rng, [0.3, 0.45, 0.25], m * k)
    mid = 2 + draw(rng, [0.2, 0.5, 0.3], m * k)
    odd = np.where(rng.random(m * k) < 0.5, 1, 5)
    functional = np.select([answer <= 1, answer == 4, answer == 5], [1, low + 1, odd], low)
    dysfunctional = np.select([(answer == 0) | (answer == 3), answer == 4, answer == 5], [mid, 1, odd], 5)
    return pd.DataFrame(
        {
            "respondent_id": str_series(respondents.take(pa.array(np.repeat(np.arange(m), k)))),
            "feature": str_series(lookup([f for f, _ in KANO_FEATURES], np.tile(np.arange(k), m))),
            "functional": functional.astype(np.int64),
            "dysfunctional": dysfunctional.astype(np.int64),
        }
    )


def positioning_ratings(rng: np.random.Generator) -> pd.DataFrame:
    """Attribute ratings of the own brand and three competitors, each with a distinct profile."""
    m, nb, na = POSITIONING_RESPONDENTS, len(POSITIONING_BRANDS), len(POSITIONING_ATTRIBUTES)
    bias = rng.normal(0.0, 0.4, (m, 1, 1))
    rating = _scale(POSITIONING_PROFILES[None] + bias + rng.normal(0.0, 0.9, (m, nb, na)), 1, 7)
    i, b, a = np.meshgrid(np.arange(m), np.arange(nb), np.arange(na), indexing="ij")
    return pd.DataFrame(
        {
            "respondent_id": str_series(id_array("P", i.ravel() + 1, 4)),
            "brand": str_series(lookup(POSITIONING_BRANDS, b.ravel())),
            "attribute": str_series(lookup(POSITIONING_ATTRIBUTES, a.ravel())),
            "rating": rating.ravel(),
        }
    )
