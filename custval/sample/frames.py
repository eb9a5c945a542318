"""The drawn customers and purchases as contract tables (pandas columns backed by Arrow strings)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from custval.sample.constants import (
    ACQUISITION_CHANNELS,
    ARCHETYPES,
    CATEGORIES,
    CHANNELS,
    CITIES,
    COMPANY_SIZES,
    COMPANY_WORDS,
    CUSTOMER_TYPES,
    GIVEN_CHARS,
    INCOME_BANDS,
    INDUSTRIES,
    INDUSTRY_WORDS,
    NEED_TYPES,
    OCCUPATIONS,
    PREFERENCES,
    PRODUCTS,
    REGIONS,
    SALESPEOPLE,
    SELLING_BASE_PAY,
    SELLING_COMMISSION,
    SELLING_PAY_PER_YEAR,
    SELLING_TRAVEL_MEDIAN,
    SURNAMES,
)

_NULL_TEXT = pa.scalar(None, pa.string())


def lookup(labels, codes: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Labels looked up by integer codes as an Arrow string array; ``valid`` False gives nulls."""
    mask = None if valid is None else ~np.asarray(valid)
    return pa.array(list(labels), pa.string()).take(pa.array(codes, mask=mask))


def id_array(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Identifiers like C000123 built without Python strings."""
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def str_series(values) -> pd.Series:
    """A pandas string column backed by the Arrow array."""
    return pd.Series(values, dtype="str")


def to_dates(cal: dict, days: np.ndarray) -> np.ndarray:
    """Day offsets to calendar dates; negative offsets mean missing."""
    dates = (cal["start"] + days.astype("timedelta64[D]")).astype("datetime64[s]")
    return np.where(days < 0, np.datetime64("NaT"), dates)


def customer_ids(n: int) -> pa.Array:
    """Customer ids in acquisition order."""
    return id_array("C", np.arange(1, n + 1), max(6, len(str(n))))


def transactions_frame(cust: dict, purchases: dict, lines: dict, cal: dict) -> pd.DataFrame:
    """The clean transaction table, one line per order, sorted by date then order id."""
    who = purchases["customer"]
    n = len(who)
    product_names = [name for products in PRODUCTS for name, _ in products]
    ids = customer_ids(cust["n"])
    return pd.DataFrame(
        {
            "order_id": str_series(id_array("SO", np.arange(1, n + 1), max(8, len(str(n))))),
            "customer_id": str_series(ids.take(pa.array(who))),
            "order_date": to_dates(cal, purchases["day"]),
            "product_category": str_series(lookup(CATEGORIES, lines["category"])),
            "product": str_series(lookup(product_names, lines["product"])),
            "quantity": lines["quantity"],
            "amount": lines["amount"],
            "cost": lines["cost"],
            "region": str_series(lookup(REGIONS, cust["region"][who])),
            "channel": str_series(lookup(CHANNELS, lines["channel"])),
            "salesperson_id": str_series(lookup([s[0] for s in SALESPEOPLE], lines["salesperson"])),
            "invoice_date": to_dates(cal, lines["invoice"]),
            "due_date": to_dates(cal, lines["due"]),
            "paid_date": to_dates(cal, lines["paid"]),
        }
    )


def _names(cust: dict) -> pa.Array:
    """Invented personal names for individuals and company names for enterprises."""
    given = [lookup(GIVEN_CHARS, cust["given"][k]) for k in range(2)]
    second = pc.if_else(pa.array(cust["two_char"]), given[1], pa.scalar(""))
    person = pc.binary_join_element_wise(lookup(SURNAMES, cust["surname"]), given[0], second, "")
    cities = [c for group in CITIES for c in group]
    company = pc.binary_join_element_wise(
        lookup(cities, cust["city"]),
        lookup(COMPANY_WORDS, cust["company_word"]),
        lookup(INDUSTRY_WORDS, cust["industry"]),
        pa.scalar("有限公司"),
        "",
    )
    return pc.if_else(pa.array(cust["ctype"] == 1), company, person)


def customers_frame(cust: dict, cal: dict) -> pd.DataFrame:
    """The customer master table in contract columns."""
    ind, ent = cust["ctype"] == 0, cust["ctype"] == 1
    ids = customer_ids(cust["n"])
    referral = cust["referrer"] >= 0
    referrer = pa.array(np.maximum(cust["referrer"], 0))
    return pd.DataFrame(
        {
            "customer_id": str_series(ids),
            "name": str_series(_names(cust)),
            "customer_type": str_series(lookup(CUSTOMER_TYPES, cust["ctype"])),
            "gender": str_series(lookup(("男", "女"), cust["gender"], ind)),
            "birth_year": pd.arrays.IntegerArray(cust["birth_year"], ~ind),
            "region": str_series(lookup(REGIONS, cust["region"])),
            "city": str_series(lookup([c for group in CITIES for c in group], cust["city"])),
            "income_band": str_series(lookup(INCOME_BANDS, cust["income"], ind)),
            "occupation": str_series(lookup(OCCUPATIONS, cust["occupation"], ind)),
            "industry": str_series(lookup(INDUSTRIES, cust["industry"], ent)),
            "company_size": str_series(lookup(COMPANY_SIZES, cust["size"], ent)),
            "need_type": str_series(lookup(NEED_TYPES, cust["need"])),
            "preference": str_series(lookup(PREFERENCES, cust["preference"])),
            "acquired_on": to_dates(cal, cust["first_day"]),
            "acquisition_channel": str_series(lookup(ACQUISITION_CHANNELS, cust["acq_channel"])),
            "acquisition_cost": cust["acq_cost"],
            "owner_id": str_series(lookup([s[0] for s in SALESPEOPLE], cust["owner"])),
            "referred_by": str_series(pc.if_else(pa.array(referral), ids.take(referrer), _NULL_TEXT)),
        }
    )


def customer_truth(cust: dict, purchases: dict) -> pd.DataFrame:
    """Per-customer latent traits: archetype, λ, p, ν, alive at the end, payment habits."""
    return pd.DataFrame(
        {
            "customer_id": str_series(customer_ids(cust["n"])),
            "archetype": str_series(lookup([a.key for a in ARCHETYPES], cust["arch"])),
            "lam": cust["lam"],
            "p": cust["p_drop"],
            "nu": cust["nu"],
            "mean_order_value": cust["gg_p"] * 1.0 / cust["nu"],
            "n_orders": purchases["count"],
            "alive": purchases["alive"],
            "terms": cust["terms"],
            "chronic_late": cust["chronic_late"],
            "payment_delay": cust["delay"],
        }
    )


def salespeople_frame(rng: np.random.Generator, cust: dict, purchases: dict, lines: dict, cal: dict) -> pd.DataFrame:
    """The sales force with past yearly sales (万元) per customer segment from the transactions and
    the yearly selling expense (元): pay, commission on their yearly sales, travel."""
    k = len(SALESPEOPLE)
    ctype = cust["ctype"][purchases["customer"]]
    sales = np.zeros((2, k))
    for t in range(2):
        mask = ctype == t
        sales[t] = np.bincount(lines["salesperson"][mask], weights=lines["amount"][mask], minlength=k)
    yearly = np.round(sales / (cal["days"] / 365.25) / 10_000, 2)
    experience = np.array([s[4] for s in SALESPEOPLE], dtype=np.int64)
    travel = SELLING_TRAVEL_MEDIAN * rng.lognormal(0.0, 0.35, k)
    commission = SELLING_COMMISSION * yearly.sum(axis=0) * 10_000
    expense = SELLING_BASE_PAY + SELLING_PAY_PER_YEAR * experience + commission + travel
    return pd.DataFrame(
        {
            "salesperson_id": str_series(pa.array([s[0] for s in SALESPEOPLE])),
            "name": str_series(pa.array([s[1] for s in SALESPEOPLE])),
            "region": str_series(pa.array([s[2] for s in SALESPEOPLE])),
            "industries": str_series(pa.array(["|".join(s[3]) for s in SALESPEOPLE])),
            "experience_years": experience,
            "capacity": np.array([s[5] for s in SALESPEOPLE], dtype=np.int64),
            "selling_expense": np.round(expense, -2),
            "perf_individual": yearly[0],
            "perf_enterprise": yearly[1],
        }
    )
