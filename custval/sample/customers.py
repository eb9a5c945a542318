"""Customers and their purchases: archetypes, profiles, acquisition, owners, BG/NBD purchase days,
order lines with Gamma-Gamma amounts, and invoice, due and payment days."""

from __future__ import annotations

import numpy as np

from custval.sample.constants import (
    ACQUISITION_CHANNELS,
    ARCHETYPES,
    CATEGORIES,
    CATEGORY_GROWTH,
    CATEGORY_MARGIN,
    CATEGORY_MIX,
    CHANNEL_MIX,
    CHRONIC_LATE_SHARE,
    CITIES,
    COMPANY_WORDS,
    CUSTOMER_TYPES,
    GIVEN_CHARS,
    INDUSTRIES,
    PRODUCTS,
    REGION_BASE,
    REGION_GROWTH,
    REGIONS,
    SALESPEOPLE,
    SURNAMES,
)
from custval.sample.draws import draw, draw_rows


def _acquisition_days(rng: np.random.Generator, region: np.ndarray, cal: dict) -> np.ndarray:
    """Acquisition times (days, continuous) with intake in each region growing at its own rate."""
    rate = np.log1p(REGION_GROWTH)[region]
    u = rng.random(len(region))
    years = cal["years"]
    flat = np.abs(rate) < 1e-12
    safe = np.where(flat, 1.0, rate)
    t = np.where(flat, u * years, np.log1p(u * np.expm1(safe * years)) / safe)
    return np.minimum(t / years * cal["days"], np.nextafter(cal["days"], 0))


def _region_weights(years: int) -> np.ndarray:
    """Share of all customers acquired in each region over the whole window."""
    rate = np.log1p(REGION_GROWTH)
    flat = np.abs(rate) < 1e-12
    mass = np.where(flat, years, np.expm1(rate * years) / np.where(flat, 1.0, rate))
    return REGION_BASE * mass


def draw_customers(rng: np.random.Generator, n: int, cal: dict) -> dict:
    """Archetype, region, acquisition and latent purchase traits, sorted by acquisition time."""
    arch = draw(rng, [a.share for a in ARCHETYPES], n)
    region = draw(rng, _region_weights(cal["years"]), n)
    acq = _acquisition_days(rng, region, cal)
    order = np.argsort(acq, kind="stable")
    arch, region, acq = arch[order], region[order], acq[order]
    params = np.array([[a.r, a.alpha, a.a, a.b, a.p, a.q, a.gamma] for a in ARCHETYPES])[arch]
    cust = {
        "n": n,
        "arch": arch,
        "ctype": np.array([CUSTOMER_TYPES.index(a.customer_type) for a in ARCHETYPES])[arch],
        "region": region,
        "acq": acq,
        "first_day": np.floor(acq).astype(np.int64),
        "lam": rng.gamma(params[:, 0], 1.0 / params[:, 1]),
        "p_drop": np.clip(rng.beta(params[:, 2], params[:, 3]), 1e-12, 1.0),
        "gg_p": params[:, 4],
        "nu": rng.gamma(params[:, 5], 1.0 / params[:, 6]),
    }
    cust.update(_profile(rng, cust))
    cust.update(_acquisition(rng, cust))
    cust.update(_ownership(rng, cust))
    cust.update(_payment_habits(rng, cust))
    return cust


def _profile(rng: np.random.Generator, cust: dict) -> dict:
    """Demographic and firmographic attributes that depend on the archetype."""
    n, arch, region = cust["n"], cust["arch"], cust["region"]
    income = np.array(
        [[0.20, 0.30, 0.28, 0.15, 0.07], [0.05, 0.15, 0.30, 0.32, 0.18], [1, 0, 0, 0, 0], [1, 0, 0, 0, 0]]
    )
    size = np.array([[1, 0, 0]] * 2 + [[0.75, 0.25, 0.0], [0.0, 0.35, 0.65]])
    need = np.array(
        [
            [0.55, 0.15, 0.15, 0.0, 0.15],
            [0.40, 0.25, 0.25, 0.0, 0.10],
            [0.0, 0.45, 0.30, 0.15, 0.10],
            [0.0, 0.35, 0.25, 0.35, 0.05],
        ]
    )
    preference = np.array(
        [
            [0.45, 0.15, 0.10, 0.20, 0.10],
            [0.15, 0.25, 0.20, 0.25, 0.15],
            [0.35, 0.20, 0.25, 0.15, 0.05],
            [0.10, 0.30, 0.40, 0.10, 0.10],
        ]
    )
    offsets = np.cumsum([0] + [len(c) for c in CITIES])
    counts = np.diff(offsets)
    return {
        "gender": rng.integers(0, 2, n),
        "birth_year": np.clip(np.rint(rng.normal(1985, 12, n)), 1950, 2005).astype(np.int64),
        "income": draw_rows(rng, income, arch),
        "occupation": draw(rng, [0.38, 0.08, 0.07, 0.14, 0.13, 0.10, 0.10], n),
        "industry": draw(rng, [0.22, 0.18, 0.10, 0.09, 0.08, 0.14, 0.10, 0.09], n),
        "size": draw_rows(rng, size, arch),
        "need": draw_rows(rng, need, arch),
        "preference": draw_rows(rng, preference, arch),
        "city": offsets[region] + np.floor(rng.random(n) * counts[region]).astype(np.int64),
        "given": rng.integers(0, len(GIVEN_CHARS), (2, n)),
        "two_char": rng.random(n) < 0.6,
        "surname": rng.integers(0, len(SURNAMES), n),
        "company_word": rng.integers(0, len(COMPANY_WORDS), n),
    }


def _acquisition(rng: np.random.Generator, cust: dict) -> dict:
    """Acquisition channel and cost, and for referrals an earlier-acquired referrer."""
    n, ctype, first_day = cust["n"], cust["ctype"], cust["first_day"]
    mix = np.array([[0.35, 0.35, 0.10, 0.0, 0.20], [0.0, 0.20, 0.30, 0.25, 0.25]])
    channel = draw_rows(rng, mix, ctype)
    earlier = np.searchsorted(first_day, first_day, side="left")
    referral = channel == ACQUISITION_CHANNELS.index("推荐")
    channel = np.where(referral & (earlier == 0), ACQUISITION_CHANNELS.index("网络推广"), channel)
    referral &= earlier > 0
    referrer = np.where(referral, np.floor(rng.random(n) * earlier).astype(np.int64), -1)
    base = np.array([60.0, 80.0, 120.0, 200.0, 30.0])[channel] * np.where(ctype == 1, 8.0, 1.0)
    cost = np.round(base * rng.lognormal(0.0, 0.3, n), 2)
    return {"acq_channel": channel, "acq_cost": cost, "referrer": referrer}


def _ownership(rng: np.random.Generator, cust: dict) -> dict:
    """Owner (a salesperson of the customer's region, industry specialists preferred) and channel."""
    sp_region = np.array([REGIONS.index(s[2]) for s in SALESPEOPLE])
    weights = np.zeros((len(REGIONS) * (len(INDUSTRIES) + 1), len(SALESPEOPLE)))
    for r in range(len(REGIONS)):
        for i in range(len(INDUSTRIES) + 1):
            match = np.array([i < len(INDUSTRIES) and INDUSTRIES[i] in s[3] for s in SALESPEOPLE])
            weights[r * (len(INDUSTRIES) + 1) + i] = (sp_region == r) * (1.0 + 3.0 * match)
    industry_key = np.where(cust["ctype"] == 1, cust["industry"], len(INDUSTRIES))
    owner = draw_rows(rng, weights, cust["region"] * (len(INDUSTRIES) + 1) + industry_key)
    channel = draw_rows(rng, CHANNEL_MIX, cust["ctype"])
    return {"owner": owner, "pref_channel": channel}


def _payment_habits(rng: np.random.Generator, cust: dict) -> dict:
    """Payment terms and each enterprise's usual delay past the due date (chronic late payers)."""
    n, arch = cust["n"], cust["arch"]
    enterprise = cust["ctype"] == 1
    key = arch == [a.key for a in ARCHETYPES].index("key_enterprise")
    long_terms = rng.random(n) < np.where(key, 0.7, 0.2)
    chronic = enterprise & (rng.random(n) < CHRONIC_LATE_SHARE)
    delay = np.where(chronic, rng.uniform(20.0, 60.0, n), rng.normal(1.0, 3.0, n))
    return {
        "terms": np.where(enterprise, np.where(long_terms, 60, 30), 0),
        "chronic_late": chronic,
        "delay": np.where(enterprise, delay, np.nan),
    }


def draw_purchases(rng: np.random.Generator, cust: dict, cal: dict) -> dict:
    """BG/NBD purchase days: a first purchase at acquisition, then Poisson(λ) until dropout.

    As in Fader, Hardie & Lee (2005) the customer drops out after each repeat purchase with
    probability p, so the number G of repeat purchases up to and including the last one is
    geometric on 1, 2, ...; of the N Poisson arrivals in the remaining window the first min(G, N)
    are kept. Their times are the first order statistics of N uniforms, drawn from exponential
    spacings so that the work is proportional to the purchases kept.
    """
    remaining = cal["days"] - cust["acq"]
    drops = rng.geometric(cust["p_drop"])
    arrivals = rng.poisson(cust["lam"] * remaining)
    repeats = np.minimum(drops, arrivals)
    owner = np.repeat(np.arange(cust["n"]), repeats)
    cum = np.concatenate([[0.0], np.cumsum(rng.standard_exponential(len(owner)))])
    ends = np.cumsum(repeats)
    starts = ends - repeats
    partial = cum[1:] - np.repeat(cum[starts], repeats)
    total = np.ones(cust["n"])
    has = repeats > 0
    total[has] = cum[ends[has]] - cum[starts[has]] + rng.gamma(arrivals[has] - repeats[has] + 1.0)
    times = cust["acq"][owner] + remaining[owner] * partial / np.repeat(total, repeats)
    days = np.concatenate([cust["first_day"], np.minimum(np.floor(times), cal["days"] - 1).astype(np.int64)])
    who = np.concatenate([np.arange(cust["n"]), owner])
    order = np.argsort(days * cust["n"] + who, kind="stable")
    return {
        "customer": who[order],
        "day": days[order],
        "count": repeats + 1,
        "alive": drops > arrivals,
    }


def order_lines(rng: np.random.Generator, cust: dict, purchases: dict, cal: dict) -> dict:
    """What each order contains: category, product, quantity, Gamma-Gamma amount, cost, channel."""
    who, day = purchases["customer"], purchases["day"]
    n = len(who)
    ctype = cust["ctype"][who]
    years = cal["years"]
    year = np.minimum(day * years // cal["days"], years - 1)
    trend = (1.0 + CATEGORY_GROWTH) ** (np.arange(years)[:, None] + 0.5)
    mix = (CATEGORY_MIX[:, None, :] * trend[None, :, :]).reshape(-1, len(CATEGORIES))
    category = draw_rows(rng, mix, ctype * years + year)
    amount = np.maximum(np.round(rng.gamma(cust["gg_p"][who], 1.0 / cust["nu"][who]), 2), 0.01)
    prices = np.array([[price for _, price in products] for products in PRODUCTS])
    small = np.where((amount >= prices[3, 0]) & (rng.random(n) < 0.5), 3, 1)
    category = np.where(amount < prices[category, 0], small, category)
    affordable = np.maximum((prices[category] <= amount[:, None]).sum(axis=1), 1)
    pick = affordable - 1 - (rng.random(n) < 0.5) * (affordable > 1)
    product = category * prices.shape[1] + pick
    quantity = np.maximum(np.rint(amount / prices.ravel()[product]), 1).astype(np.int64)
    factor = np.clip(1.0 - CATEGORY_MARGIN[category] + rng.normal(0.0, 0.03, n), 0.2, 1.2)
    cost = np.round(amount * factor, 2)
    usual = rng.random(n) < 0.8
    channel = np.where(usual, cust["pref_channel"][who], draw_rows(rng, CHANNEL_MIX, ctype))
    return {
        "category": category,
        "product": product,
        "quantity": quantity,
        "amount": amount,
        "cost": cost,
        "channel": channel,
        "salesperson": _transaction_salesperson(rng, cust["owner"][who], cust["region"][who]),
    }


def _transaction_salesperson(rng: np.random.Generator, owner: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Usually the owner; otherwise a colleague from the same region."""
    sp_region = np.array([REGIONS.index(s[2]) for s in SALESPEOPLE])
    table = np.array([(sp_region == r).astype(float) for r in range(len(REGIONS))])
    colleague = draw_rows(rng, table, region)
    return np.where(rng.random(len(owner)) < 0.9, owner, colleague)


def settlement(rng: np.random.Generator, cust: dict, who: np.ndarray, day: np.ndarray, cal: dict) -> dict:
    """Invoice, due and paid days: individuals pay at once, enterprises on terms with their delay."""
    n = len(who)
    enterprise = cust["ctype"][who] == 1
    invoice = np.minimum(day + np.where(enterprise, draw(rng, [0.6, 0.3, 0.1], n), 0), cal["days"] - 1)
    due = invoice + cust["terms"][who]
    delay = np.rint(np.nan_to_num(cust["delay"][who]) + rng.normal(0.0, 4.0, n))
    paid = np.where(enterprise, np.maximum(due + delay, invoice), day)
    paid = np.where(paid > cal["days"] - 1, -1, paid).astype(np.int64)
    return {"invoice": invoice, "due": due, "paid": paid}
