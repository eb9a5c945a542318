"""Customer profiles (course task 三): attributes, age and spend bands, and customers, revenue and
profit per attribute value (METHODS.md §6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from custval import units
from custval.errors import MissingColumnError

AGE_BANDS = (0, 25, 35, 45, 55, 200)  # [0, 25), [25, 35) … [55, ∞)
AGE_LABELS = ("<25", "25-34", "35-44", "45-54", "55+")
SPEND_BANDS = (0.5, 0.9)  # revenue below the median: low; up to the 90th percentile: mid; above: high
RATE_FLOOR_DAYS = 30  # purchase rates are per year of observed time, at least 30 days
ENTERPRISE = "企业"  # the customer_type of an enterprise customer (others are individuals)
# Customer attributes profiled in notebook 02, in this order, when the customers table has them.
PROFILE_ATTRIBUTES = (
    "customer_type",
    "region",
    "gender",
    "age_band",
    "income_band",
    "occupation",
    "industry",
    "company_size",
    "need_type",
    "preference",
    "acquisition_channel",
)
CHARTED_ATTRIBUTES = ("customer_type", "region")  # profiles also drawn as a bar chart


def age_band(data: pd.DataFrame, as_of=None) -> pd.Series:
    """Age band from ``age`` or from ``birth_year`` at the ``as_of`` year (default: this data's year)."""
    if "age" in data.columns:
        age = data["age"]
    elif "birth_year" in data.columns:
        year = pd.Timestamp(as_of).year if as_of is not None else pd.Timestamp.today().year
        age = year - data["birth_year"]
    else:
        return pd.Series(pd.NA, index=data.index, dtype="string")
    bands = pd.cut(age, bins=AGE_BANDS, labels=AGE_LABELS, right=False)
    return bands.astype("string")


def spend_band(revenue: pd.Series) -> pd.Series:
    """low (below the median revenue), mid (up to the 90th percentile) or high (the top 10 %)."""
    low, high = revenue.quantile(list(SPEND_BANDS))
    band = np.where(revenue > high, "high", np.where(revenue >= low, "mid", "low"))
    return pd.Series(band, index=revenue.index, dtype="string")


def customer_table(customers: pd.DataFrame | None, summary: pd.DataFrame, as_of=None) -> pd.DataFrame:
    """One row per customer of the summary with their attributes, age band and spend band.

    Customers in the summary without a customers row keep empty attributes (they are not dropped).
    """
    table = summary.copy()
    if customers is not None:
        attributes = customers.drop_duplicates("customer_id").drop(columns=["is_duplicate"], errors="ignore")
        table = table.merge(attributes, on="customer_id", how="left", suffixes=("", "_customer"))
        table["age_band"] = age_band(table, as_of)
    table["spend_band"] = spend_band(table["revenue"])
    return table


def profile_table(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """Customers, share of customers, revenue, profit and average order value per value of ``by``.

    ``table`` is :func:`customer_table`; an empty attribute forms its own row (shown empty).
    """
    if by not in table.columns:
        raise MissingColumnError(
            f"the customer table has no column {by!r} to profile by; columns: {', '.join(map(str, table.columns))}"
        )
    key = table[by].astype("string").fillna("")
    grouped = table.assign(_key=key).groupby("_key", sort=True)
    out = grouped.agg(
        customers=("customer_id", "size"),
        revenue=("revenue", "sum"),
        profit=("profit", "sum"),
        orders=("n_orders", "sum"),
    )
    out = out.rename_axis(by).reset_index()
    out["share_customers"] = out["customers"] / out["customers"].sum()
    out["average_order_value"] = out["revenue"] / out["orders"].where(out["orders"] > 0)
    return out


def profile_attributes(table: pd.DataFrame) -> list[str]:
    """The :data:`PROFILE_ATTRIBUTES` that ``table`` (:func:`customer_table`) has with at least one value."""
    return [a for a in PROFILE_ATTRIBUTES if a in table.columns and table[a].notna().any()]


def enterprises(table: pd.DataFrame) -> pd.Series | None:
    """Whether each customer (indexed by customer_id) is an enterprise; None without ``customer_type``."""
    if "customer_type" not in table.columns:
        return None
    return table.set_index("customer_id")["customer_type"].eq(ENTERPRISE)


def positions(index: pd.Index, values: pd.Series) -> np.ndarray:
    """Where each of ``values`` is in ``index`` (unique; −1 where absent), as ``index.get_indexer``:
    on text, Arrow's hash lookup, several times faster than pandas' on millions of lines."""
    try:
        found = pc.index_in(pa.array(values.array), value_set=pa.array(index.array))
    except (pa.ArrowException, TypeError):
        return index.get_indexer(values)
    return found.fill_null(-1).to_numpy().astype("intp")


def yearly_rate(counts: pd.Series, days: pd.Series) -> pd.Series:
    """``counts`` per year of observed time (``days``, a daily summary's ``T``, at least
    ``RATE_FLOOR_DAYS`` so a customer seen for a day does not buy 365 times a year)."""
    return units.per_year(counts, days.clip(lower=RATE_FLOOR_DAYS))


def sales_shares(tx: pd.DataFrame, segments: pd.Series, by: str) -> pd.DataFrame:
    """Each segment's sales (``amount``) split by ``by`` (e.g. region): columns segment, ``by`` and
    ``share`` of the segment's sales. Lines of customers without a segment are left out."""
    segment_codes, names = pd.factorize(segments, sort=True)
    customer = positions(segments.index, tx["customer_id"])
    line_segment = np.where(customer >= 0, segment_codes[customer], -1)
    key_codes, keys = pd.factorize(tx[by], sort=True)
    kept = (line_segment >= 0) & (key_codes >= 0)
    cell = line_segment[kept].astype("int64") * len(keys) + key_codes[kept]  # integer keys: no text hashed twice
    sales = pd.Series(tx["amount"].to_numpy()[kept]).groupby(cell).sum()
    cells = sales.index.to_numpy()
    index = pd.MultiIndex.from_arrays([names[cells // len(keys)], keys[cells % len(keys)]], names=["segment", by])
    sales = sales.set_axis(index)
    return sales.groupby(level="segment").transform(lambda s: s / s.sum()).rename("share").reset_index()
