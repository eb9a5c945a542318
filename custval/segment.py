"""Customer segmentation (course task 三): profiles, RFM scores and named segments, k-means
clusters and the contact plan per segment. Definitions and rule sets: METHODS.md §6.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from custval.errors import DataError

AGE_BANDS = (0, 25, 35, 45, 55, 200)  # [0, 25), [25, 35) … [55, ∞)
AGE_LABELS = ("<25", "25-34", "35-44", "45-54", "55+")
SPEND_BANDS = (0.5, 0.9)  # revenue below the median: low; up to the 90th percentile: mid; above: high
RATE_FLOOR_DAYS = 30  # purchase rates are per year of observed time, at least 30 days
CENTERS = ("mean", "median")


# --------------------------------------------------------------------------- profiles


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
        raise ValueError(f"no column {by!r}; columns: {', '.join(table.columns)}")
    key = table[by].astype("string").fillna("")
    grouped = table.assign(_key=key).groupby("_key", sort=True)
    out = grouped.agg(customers=("customer_id", "size"), revenue=("revenue", "sum"), profit=("profit", "sum"),
                      orders=("n_orders", "sum"))  # fmt: skip
    out = out.rename_axis(by).reset_index()
    out["share_customers"] = out["customers"] / out["customers"].sum()
    out["average_order_value"] = out["revenue"] / out["orders"].where(out["orders"] > 0)
    return out


# --------------------------------------------------------------------------- RFM


def settlement(tx: pd.DataFrame) -> pd.DataFrame:
    """Amount-weighted days to pay (paid − invoice) and days beyond terms (paid − due) per customer.

    Lines without an invoice or paid date, and returns, are left out; customers with no such line
    are absent from the result.
    """
    needed = {"invoice_date", "paid_date"}
    if not needed <= set(tx.columns):
        raise ValueError("settlement needs invoice_date and paid_date columns")
    lines = tx[(tx["amount"] > 0) & tx["invoice_date"].notna() & tx["paid_date"].notna()]
    weight = lines["amount"]
    days = (lines["paid_date"] - lines["invoice_date"]).dt.days
    parts = {"weight": weight, "pay": days * weight}
    if "due_date" in lines.columns:
        parts["late"] = (lines["paid_date"] - lines["due_date"]).dt.days * weight
    sums = pd.DataFrame(parts).groupby(lines["customer_id"]).sum()
    out = pd.DataFrame({"days_to_pay": sums["pay"] / sums["weight"]})
    if "late" in sums:
        out["days_beyond_terms"] = sums["late"] / sums["weight"]
    return out


def rfm_scores(summary: pd.DataFrame, bins: int = 5, payment: pd.DataFrame | None = None) -> pd.DataFrame:
    """R, F, M scores 1…``bins`` per customer (5 best), and P when ``payment`` is given.

    recency_days = days since the last purchase (``T − recency`` of a daily summary), scored in
    reverse (most recent → highest). frequency = purchase occasions; ties are broken by rank in
    customer-id order, the usual practice, so equal counts may get neighbouring scores. monetary
    = revenue. P = amount-weighted days to pay from :func:`settlement`, reversed (fast payer →
    highest). A measure with fewer distinct values than ``bins`` gets one score per distinct value
    instead, and ties can merge quantile bins; ``.attrs["warnings"]`` lists each case as a dict
    (score, column, reason ``few_values`` or ``ties``, bins used, bins asked) — degenerate data
    never raises.
    """
    if bins < 2:
        raise ValueError(f"bins must be at least 2, got {bins}")
    data = summary.set_index("customer_id").sort_index()
    values = pd.DataFrame({
        "recency_days": data["T"] - data["recency"],
        "frequency": data["frequency"] + 1 - (data["only_returns"].astype(int) if "only_returns" in data else 0),
        "monetary": data["revenue"],
    })  # fmt: skip
    if payment is not None:
        values["days_to_pay"] = payment["days_to_pay"].reindex(values.index)
    warnings = []
    scores = pd.DataFrame(index=values.index)
    specs = {"R": ("recency_days", True, False), "F": ("frequency", False, True), "M": ("monetary", False, False),
             "P": ("days_to_pay", True, False)}  # fmt: skip
    for score, (column, reverse, rank_ties) in specs.items():
        if column in values:
            scores[score], used, reason = _scores(values[column], bins, reverse, rank_ties)
            if reason:
                warnings.append({"score": score, "column": column, "reason": reason, "bins": used, "asked": bins})
    out = values.join(scores).reset_index()
    out["rfm"] = out["R"].astype(str) + out["F"].astype(str) + out["M"].astype(str)
    out.attrs["warnings"] = warnings
    return out


def _scores(values: pd.Series, bins: int, reverse: bool, rank_ties: bool) -> tuple[pd.Series, int, str]:
    """Quantile scores 1…bins (``Int64``, missing stays missing), the bins used and why fewer."""
    present = values.dropna()
    distinct = present.nunique()
    reason = ""
    if distinct < bins:
        codes = present.rank(method="dense").astype(int)
        count, reason = max(distinct, 1), "few_values"
    else:
        ranked = present.rank(method="first") if rank_ties else present
        codes = pd.qcut(ranked, bins, labels=False, duplicates="drop") + 1
        count = int(codes.max())
        reason = "ties" if count < bins else ""
    if reverse:
        codes = count + 1 - codes
    return codes.reindex(values.index).astype("Int64"), count, reason


# --------------------------------------------------------------------------- named segments

# R rfm ≥ 0.3.0, applied in order, first match wins: (segment, (R lo, hi), (F lo, hi), (M lo, hi)).
RFM_03 = (
    ("champions", (5, 5), (5, 5), (5, 5)),
    ("potential_loyalist", (3, 5), (3, 5), (2, 5)),
    ("loyal_customers", (2, 4), (2, 4), (2, 4)),
    ("promising", (3, 4), (1, 3), (3, 5)),
    ("new_customers", (4, 5), (1, 3), (1, 5)),
    ("cant_lose_them", (1, 2), (3, 4), (4, 5)),
    ("at_risk", (1, 2), (2, 5), (4, 5)),
    ("need_attention", (1, 3), (3, 5), (3, 5)),
    ("about_to_sleep", (2, 3), (1, 3), (1, 4)),
    ("lost", (1, 1), (1, 5), (1, 5)),
)
# The classic Python R·F grid: a regular expression over the two-digit "RF" string.
RF_GRID = (
    ("hibernating", r"[1-2][1-2]"), ("at_risk", r"[1-2][3-4]"), ("cant_lose_them", r"[1-2]5"),
    ("about_to_sleep", r"3[1-2]"), ("need_attention", r"33"), ("loyal_customers", r"[3-4][4-5]"),
    ("promising", r"41"), ("new_customers", r"51"), ("potential_loyalist", r"[4-5][2-3]"),
    ("champions", r"5[4-5]"),
)  # fmt: skip
# The Chinese eight-class RFM model: (recent?, frequent?, high spend?) → segment.
CN8 = {
    (True, True, True): "important_value", (True, False, True): "important_development",
    (False, True, True): "important_retention", (False, False, True): "important_winback",
    (True, True, False): "general_value", (True, False, False): "general_development",
    (False, True, False): "general_retention", (False, False, False): "general_winback",
}  # fmt: skip
RULE_SETS = ("rfm-0.3", "rf-grid", "cn-8")
OTHERS = "others"


def rfm_segments(scores: pd.DataFrame, rules="rfm-0.3", center: str = "mean") -> pd.Series:
    """A named segment per customer (indexed by customer_id).

    ``rules``: ``"rfm-0.3"`` (R rfm ≥ 0.3 table, ordered, first match wins, unmatched → others),
    ``"rf-grid"`` (the Python R·F grid, covers all 25 cells), ``"cn-8"`` (the Chinese eight-class
    model: each of recency, frequency and monetary value compared with its ``center``, mean or
    median; "recent" = fewer days since the last purchase than the center, "frequent" and "high
    spend" = strictly above it), or a list of user rules ``{"name", "R": [lo, hi], "F": …, "M": …}``
    (bounds inclusive, missing letters match anything), applied in order.
    """
    table = scores.set_index("customer_id")
    if isinstance(rules, str) and rules == "cn-8":
        return _cn8(table, center)
    if isinstance(rules, str) and rules == "rf-grid":
        rf = table["R"].astype(str) + table["F"].astype(str)
        return rf.map(lambda cell: next((n for n, p in RF_GRID if re.fullmatch(p, cell)), OTHERS)).rename("segment")
    boxes = _rule_boxes(rules)
    cells = zip(table["R"], table["F"], table["M"])
    return pd.Series([_first_match(boxes, cell) for cell in cells], index=table.index, name="segment")


def uncovered_cells(rules="rfm-0.3", bins: int = 5) -> list[str]:
    """The R-F-M cells (as ``"RFM"`` strings) that no rule of the set covers."""
    if rules == "cn-8":
        return []
    if rules == "rf-grid":
        return [f"{r}{f}" for r in range(1, bins + 1) for f in range(1, bins + 1)
                if not any(re.fullmatch(p, f"{r}{f}") for _, p in RF_GRID)]  # fmt: skip
    boxes = _rule_boxes(rules)
    grid = [(r, f, m) for r in range(1, bins + 1) for f in range(1, bins + 1) for m in range(1, bins + 1)]
    return [f"{r}{f}{m}" for r, f, m in grid if _first_match(boxes, (r, f, m)) == OTHERS]


def _rule_boxes(rules) -> list:
    if isinstance(rules, str):
        if rules != "rfm-0.3":
            raise ValueError(f"rules must be one of {', '.join(RULE_SETS)} or a list of rules, got {rules!r}")
        return list(RFM_03)
    boxes = []
    for rule in rules:
        if "name" not in rule:
            raise DataError(f"segment rule without a name: {rule}")
        unknown = set(rule) - {"name", "R", "F", "M"}
        if unknown:
            raise DataError(f"segment rule {rule['name']!r} has unknown keys {sorted(unknown)}; use name, R, F, M")
        bounds = [tuple(rule.get(letter, (1, 99))) for letter in "RFM"]
        if any(len(b) != 2 or b[0] > b[1] for b in bounds):
            raise DataError(f"segment rule {rule['name']!r}: each of R, F, M must be [low, high] with low ≤ high")
        boxes.append((str(rule["name"]), *bounds))
    return boxes


def _first_match(boxes, cell) -> str:
    if any(pd.isna(v) for v in cell):
        return OTHERS
    for name, *bounds in boxes:
        if all(lo <= v <= hi for v, (lo, hi) in zip(cell, bounds)):
            return name
    return OTHERS


def _cn8(table: pd.DataFrame, center: str) -> pd.Series:
    if center not in CENTERS:
        raise ValueError(f"center must be one of {', '.join(CENTERS)}, got {center!r}")
    middle = table[["recency_days", "frequency", "monetary"]].agg(center)
    recent = table["recency_days"] < middle["recency_days"]
    frequent = table["frequency"] > middle["frequency"]
    spender = table["monetary"] > middle["monetary"]
    keys = zip(recent, frequent, spender)
    return pd.Series([CN8[k] for k in keys], index=table.index, name="segment")


def rf_grid(scores: pd.DataFrame) -> pd.DataFrame:
    """Customers and mean monetary value per (R, F) cell, every cell of the grid listed."""
    bins = int(max(scores["R"].max(), scores["F"].max()))
    cells = pd.MultiIndex.from_product([range(1, bins + 1), range(1, bins + 1)], names=["R", "F"])
    grouped = scores.groupby(["R", "F"]).agg(customers=("customer_id", "size"), monetary=("monetary", "mean"))
    grid = grouped.reindex(cells)
    grid["customers"] = grid["customers"].fillna(0).astype(int)
    return grid.reset_index()


def keep_lists(table: pd.DataFrame, segments: pd.Series, keep, by: str = "region") -> dict[str, pd.DataFrame]:
    """The customers of the ``keep`` segments, one list per value of ``by``, by revenue (largest first).

    Customers without a ``by`` value are listed under an empty name; the lists together hold every
    kept customer exactly once.
    """
    kept = table.assign(segment=table["customer_id"].map(segments))
    kept = kept[kept["segment"].isin(list(keep))]
    key = kept[by].astype("string").fillna("") if by in kept.columns else pd.Series("", index=kept.index)
    columns = [c for c in ("customer_id", "name", "segment", "revenue", "profit", "n_orders", "last_purchase",
                           "owner_id", "city", "customer_type") if c in kept.columns]  # fmt: skip
    lists = {}
    for value, group in kept.groupby(key, sort=True):
        lists[str(value)] = group.sort_values(["revenue", "customer_id"], ascending=[False, True])[columns].reset_index(drop=True)
    return lists


# --------------------------------------------------------------------------- clusters


def features(summary: pd.DataFrame, customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Clustering features per customer: average order value, purchases per year, enterprise flag.

    purchases per year = occasions / max(T, 30 days) × 365.25 (``T`` of a daily summary); the
    enterprise flag (1/0) is added when the customers table has ``customer_type``.
    """
    data = summary.set_index("customer_id").sort_index()
    out = pd.DataFrame({
        "average_order_value": (data["revenue"] / data["n_orders"].where(data["n_orders"] > 0)).fillna(0).clip(lower=0),
        "purchases_per_year": (data["frequency"] + 1) / data["T"].clip(lower=RATE_FLOOR_DAYS) * 365.25,
    })  # fmt: skip
    if customers is not None and "customer_type" in customers.columns:
        kinds = customers.drop_duplicates("customer_id").set_index("customer_id")["customer_type"]
        out["enterprise"] = (kinds.reindex(out.index) == "企业").astype(float)
    return out


@dataclass
class Clusters:
    """The result of :func:`cluster`: labels, centres in original units, silhouette per k."""

    k: int
    labels: pd.Series
    centres: pd.DataFrame
    silhouette: pd.Series


def cluster(data: pd.DataFrame, k: int | None = None, k_range=(2, 8), random_state: int = 0) -> Clusters:
    """k-means on log-transformed skewed columns, standardised; k by silhouette when not given.

    Columns with more than two distinct non-negative values and skewness above 1 are log1p
    transformed. Clusters are numbered 1… by descending mean of the first column, so the same
    data always gives the same labels. The silhouette is computed on at most 5,000 rows (seeded).
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    data = data.sort_index()
    if data.isna().any().any():
        raise DataError(f"cluster features have missing values in {', '.join(data.columns[data.isna().any()])}")
    skewed = [c for c in data.columns if data[c].nunique() > 2 and data[c].min() >= 0 and data[c].skew() > 1]
    transformed = data.assign(**{c: np.log1p(data[c]) for c in skewed})
    scaler = StandardScaler().fit(transformed)
    x = scaler.transform(transformed)
    candidates = [k] if k is not None else list(range(k_range[0], min(k_range[1], len(data) - 1) + 1))
    if not candidates or candidates[0] < 2 or len(data) <= candidates[0]:
        raise ValueError(f"need more customers than clusters (k={k or k_range}, customers={len(data)})")
    fits, scores = {}, {}
    for n in candidates:
        fits[n] = KMeans(n_clusters=n, n_init=10, random_state=random_state).fit(x)
        sample = min(len(data), 5000)
        scores[n] = silhouette_score(x, fits[n].labels_, sample_size=sample, random_state=random_state)
    best = k if k is not None else max(scores, key=lambda n: (round(scores[n], 12), -n))
    fit = fits[best]
    centres = pd.DataFrame(scaler.inverse_transform(fit.cluster_centers_), columns=data.columns)
    centres[skewed] = np.expm1(centres[skewed])
    order = centres.iloc[:, 0].sort_values(ascending=False, kind="stable").index
    relabel = {old: new for new, old in enumerate(order, start=1)}
    centres = centres.loc[order].set_axis(range(1, best + 1)).rename_axis("cluster").round(6)
    centres["customers"] = pd.Series(fit.labels_).map(relabel).value_counts().sort_index()
    labels = pd.Series(fit.labels_, index=data.index, name="cluster").map(relabel)
    return Clusters(k=best, labels=labels, centres=centres, silhouette=pd.Series(scores, name="silhouette").rename_axis("k"))


# --------------------------------------------------------------------------- contact plan

# The five relationship levels of seed 001 (基本型, 反应型, 可靠型, 主动型, 合伙型) with the custval
# defaults for how each is served: channel, contacts per month, minutes per contact, enterprise
# visits per year and hours per visit. A design choice, stated in the README; change by argument.
LEVELS = pd.DataFrame(
    [("basic", "sms_email", 0.25, 2, 0, 0.0), ("reactive", "phone_on_request", 0.5, 5, 0, 0.0),
     ("accountable", "phone_after_sale", 1, 10, 1, 1.5), ("proactive", "phone_regular", 2, 15, 4, 2.0),
     ("partnership", "account_manager", 4, 20, 12, 3.0)],
    columns=["level", "channel", "contacts_per_month", "minutes_per_contact", "visits_per_year", "hours_per_visit"],
).set_index("level")  # fmt: skip
SEGMENT_LEVELS = {
    "champions": "partnership", "loyal_customers": "proactive", "potential_loyalist": "proactive",
    "cant_lose_them": "accountable", "at_risk": "accountable", "need_attention": "reactive",
    "promising": "reactive", "new_customers": "reactive", "about_to_sleep": "basic", "hibernating": "basic",
    "lost": "basic", OTHERS: "basic",
    "important_value": "partnership", "important_development": "proactive", "important_retention": "proactive",
    "important_winback": "accountable", "general_value": "accountable", "general_development": "reactive",
    "general_retention": "reactive", "general_winback": "basic",
}  # fmt: skip


def contact_plan(segments: pd.Series, enterprise: pd.Series | None = None, levels: pd.DataFrame = LEVELS,
                 segment_levels: dict = SEGMENT_LEVELS) -> pd.DataFrame:  # fmt: skip
    """Per segment: relationship level, channel, contacts and visits, and the hours per month they take.

    hours = customers × contacts per month × minutes / 60 + enterprise customers × visits per year
    / 12 × hours per visit. ``enterprise`` (bool per customer) limits visits to enterprises; without
    it nobody is visited. Unknown segments get the ``basic`` level.
    """
    frame = pd.DataFrame({"segment": segments})
    frame["enterprise"] = False if enterprise is None else enterprise.reindex(frame.index).fillna(False).astype(bool)
    counts = frame.groupby("segment").agg(customers=("segment", "size"), enterprises=("enterprise", "sum"))
    counts["level"] = [segment_levels.get(s, "basic") for s in counts.index]
    plan = counts.join(levels, on="level")
    plan["contact_hours_per_month"] = plan["customers"] * plan["contacts_per_month"] * plan["minutes_per_contact"] / 60
    plan["visit_hours_per_month"] = plan["enterprises"] * plan["visits_per_year"] / 12 * plan["hours_per_visit"]
    plan["hours_per_month"] = plan["contact_hours_per_month"] + plan["visit_hours_per_month"]
    rank = {level: i for i, level in enumerate(levels.index)}
    plan = plan.assign(_rank=[rank[level] for level in plan["level"]])
    plan = plan.sort_values(["_rank", "customers"], ascending=[False, False], kind="stable").drop(columns="_rank")
    return plan.reset_index()
