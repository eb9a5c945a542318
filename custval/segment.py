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


def per_year(counts: pd.Series, days: pd.Series) -> pd.Series:
    """``counts`` per year of observed time (``days``, a daily summary's ``T``, at least
    ``RATE_FLOOR_DAYS`` so a customer seen for a day does not buy 365 times a year)."""
    return counts / days.clip(lower=RATE_FLOOR_DAYS) * 365.25


# --------------------------------------------------------------------------- settlement cycle

# Days beyond terms (amount-weighted paid − due) by band, upper bounds inclusive: METHODS §6.3.
PAYMENT_BANDS = (("on_time", 0.0), ("slight", 15.0), ("moderate", 45.0), ("severe", np.inf))
SLOW_BANDS = ("moderate", "severe")


def settlement(tx: pd.DataFrame) -> pd.DataFrame:
    """Per customer: amount-weighted days to pay (paid − invoice), days beyond terms (paid − due)
    and their band (METHODS §6.3: on_time ≤ 0, slight 1–15, moderate 16–45, severe > 45 days).

    Lines without an invoice or paid date (open invoices), and returns, are left out; customers
    with no such line are absent from the result. Days beyond terms and the band need
    ``due_date`` and are weighted over the lines that have one.
    """
    needed = {"invoice_date", "paid_date"}
    if not needed <= set(tx.columns):
        raise ValueError("settlement needs invoice_date and paid_date columns")
    lines = tx[(tx["amount"] > 0) & tx["invoice_date"].notna() & tx["paid_date"].notna()]
    weight = lines["amount"]
    parts = {"weight": weight, "pay": (lines["paid_date"] - lines["invoice_date"]).dt.days * weight}
    if "due_date" in lines.columns:
        known = lines["due_date"].notna()
        parts["due_weight"] = weight.where(known, 0.0)
        parts["late"] = ((lines["paid_date"] - lines["due_date"]).dt.days * weight).where(known, 0.0)
    sums = pd.DataFrame(parts).groupby(lines["customer_id"], sort=True).sum()
    out = pd.DataFrame({"days_to_pay": sums["pay"] / sums["weight"]})
    if "late" in sums:
        out["days_beyond_terms"] = sums["late"] / sums["due_weight"].where(sums["due_weight"] > 0)
        out["payment_band"] = payment_band(out["days_beyond_terms"])
    return out


def payment_band(days_beyond_terms: pd.Series) -> pd.Series:
    """on_time, slight, moderate or severe (METHODS §6.3 bands); missing days stay missing."""
    edges = [-np.inf, *(upper for _, upper in PAYMENT_BANDS)]
    bands = pd.cut(days_beyond_terms, edges, labels=[band for band, _ in PAYMENT_BANDS], right=True)
    return bands.astype("string")


def payment_behaviour(tx: pd.DataFrame) -> tuple[pd.DataFrame | None, str]:
    """:func:`settlement` when the transactions allow it, and a note on what is missing.

    The note is ``""`` (everything there), ``"no_due"`` (days to pay but no due dates, so no days
    beyond terms), ``"no_columns"`` (no invoice or paid date column, e.g. CDNOW-like data) or
    ``"no_lines"`` (the columns are there but no sale has both dates); the frame is None for the
    last two.
    """
    if not {"invoice_date", "paid_date"} <= set(tx.columns):
        return None, "no_columns"
    payment = settlement(tx)
    if payment.empty:
        return None, "no_lines"
    if "days_beyond_terms" not in payment or payment["days_beyond_terms"].isna().all():
        return payment.drop(columns=["days_beyond_terms", "payment_band"], errors="ignore"), "no_due"
    return payment, ""


def slow_payers(scores: pd.DataFrame, bands=SLOW_BANDS) -> pd.Series:
    """The slow-payer override, the same for every rule set: True (indexed by customer_id) for a
    customer whose days-beyond-terms band is in ``bands`` (default moderate or severe, more than
    15 days late) or, for a customer without due dates, whose P score is 1 (the slowest payers).

    ``bands=()`` flags nobody; customers with no settlement data are never flagged.
    """
    table = scores.set_index("customer_id")
    flag = pd.Series(False, index=table.index, name="slow_payer")
    if not bands:
        return flag
    if "payment_band" in table:
        band = table["payment_band"]
        flag = flag | (band.isin(list(bands)) & band.notna())
    else:
        band = pd.Series(pd.NA, index=table.index)
    if "P" in table:
        flag = flag | (band.isna() & table["P"].eq(1).fillna(False))
    return flag.astype(bool).rename("slow_payer")


def slow_payer_counts(scores: pd.DataFrame, bands=SLOW_BANDS) -> dict:
    """How :func:`slow_payers` decided, for the page: ``no_due`` customers with a P score but no
    days-beyond-terms band (no due date on their lines), ``p1`` of them flagged because P = 1
    whatever ``bands`` say, and ``by_band`` flagged by their band."""
    table = scores.set_index("customer_id")
    flag = slow_payers(scores, bands)
    band = table["payment_band"] if "payment_band" in table else pd.Series(pd.NA, index=table.index)
    no_due = band.isna() & table["P"].notna() if "P" in table else pd.Series(False, index=table.index)
    return {"no_due": int(no_due.sum()), "p1": int((flag & no_due).sum()), "by_band": int((flag & ~no_due).sum())}


def payment_profile(scores: pd.DataFrame, segments: pd.Series) -> pd.DataFrame:
    """Per segment: customers, customers with settlement data, their mean days to pay (and beyond
    terms), customers per band and slow payers (column ``slow_payer`` of ``scores``)."""
    table = scores.set_index("customer_id").assign(segment=segments)
    grouped = table.groupby("segment", sort=True)
    out = pd.DataFrame({"customers": grouped.size(), "with_payment": grouped["days_to_pay"].count(),
                        "days_to_pay": grouped["days_to_pay"].mean()})  # fmt: skip
    if "days_beyond_terms" in table:
        out["days_beyond_terms"] = grouped["days_beyond_terms"].mean()
        bands = pd.crosstab(table["segment"], table["payment_band"]).reindex(columns=[b for b, _ in PAYMENT_BANDS], fill_value=0)
        out = out.join(bands).fillna({b: 0 for b in bands.columns})
    if "slow_payer" in table:
        out["slow_payers"] = grouped["slow_payer"].sum()
    return out.rename_axis("segment").reset_index()


def payment_counts(scores: pd.DataFrame, segments: pd.Series, by: str = "payment_band") -> pd.DataFrame:
    """Customers per segment and ``by`` (``payment_band`` or ``P``) and their share of the segment's
    customers with a ``by`` value; ``by`` is an ordered category (on time → severe, or P 1…bins) so
    that charts stack it in order. Customers without a ``by`` value are left out."""
    table = scores.set_index("customer_id").assign(segment=segments)
    order = [b for b, _ in PAYMENT_BANDS] if by == "payment_band" else list(range(1, int(scores.attrs.get("bins", 5)) + 1))
    known = table[table[by].notna()]
    counts = known.groupby(["segment", known[by].astype(object)], sort=True).size().rename("customers").reset_index()
    counts[by] = pd.Categorical(counts[by], categories=order, ordered=True)
    counts["share"] = counts["customers"] / counts.groupby("segment")["customers"].transform("sum")
    return counts


# --------------------------------------------------------------------------- RFM

SCORE_METHODS = ("rfm", "quantile", "rank")
FREQUENCY_PER = (None, "year")


def rfm_scores(summary: pd.DataFrame, bins: int = 5, payment: pd.DataFrame | None = None,
               frequency_per: str | None = None, method: str = "rfm") -> pd.DataFrame:  # fmt: skip
    """R, F, M scores 1…``bins`` per customer (``bins`` best), and P when ``payment`` is given.

    recency_days = days since the last purchase (``T − recency`` of a daily summary), scored in
    reverse (most recent → highest). frequency = purchase occasions, or with ``frequency_per=
    "year"`` occasions per year (occasions / max(T, 30 days) × 365.25, as :func:`features`).
    monetary = revenue. P = amount-weighted days to pay from :func:`settlement`, reversed (fast
    payer → highest); its other columns (days beyond terms, band) are carried along.

    ``method="rfm"`` (default) is R rfm's rule (METHODS §6.1): breaks at the interior quantiles
    + 1, score i when lower_i ≤ x < upper_i, so equal values share a score and bins that ties
    leave empty stay empty; the largest value always gets the top bin (R rfm can leave it in a
    lower one). The "+ 1" suits counts and whole days; ``method="quantile"`` drops it (score i
    when q_(i−1) < x ≤ q_i, the same quantiles), for rates such as purchases per year.
    ``method="rank"`` is the common Python convention: quintiles of the rank, ties ranked in
    customer-id order, so every bin is filled and equal values may get different scores.
    ``.attrs["warnings"]`` lists each score with empty bins (score, column, empty, bins).
    """
    if bins < 2:
        raise ValueError(f"bins must be at least 2, got {bins}")
    if method not in SCORE_METHODS:
        raise ValueError(f"method must be one of {', '.join(SCORE_METHODS)}, got {method!r}")
    if frequency_per not in FREQUENCY_PER:
        raise ValueError(f"frequency_per must be None (lifetime count) or 'year', got {frequency_per!r}")
    data = summary.set_index("customer_id").sort_index()
    occasions = data["frequency"] + 1 - (data["only_returns"].astype(int) if "only_returns" in data else 0)
    if frequency_per == "year":
        occasions = per_year(occasions, data["T"])
    values = pd.DataFrame({"recency_days": data["T"] - data["recency"], "frequency": occasions, "monetary": data["revenue"]})
    if payment is not None:
        columns = [c for c in ("days_to_pay", "days_beyond_terms", "payment_band") if c in payment.columns]
        values = values.join(payment[columns].reindex(values.index))
    warnings = []
    scores = pd.DataFrame(index=values.index)
    specs = {"R": ("recency_days", True), "F": ("frequency", False), "M": ("monetary", False), "P": ("days_to_pay", True)}
    for score, (column, reverse) in specs.items():
        if column in values:
            scores[score] = _scores(values[column], bins, reverse, method)
            empty = sorted(set(range(1, bins + 1)) - set(scores[score].dropna()))
            if empty and values[column].notna().any():
                warnings.append({"score": score, "column": column, "empty": empty, "bins": bins})
    out = values.join(scores).reset_index()
    out["rfm"] = out["R"].astype(str) + out["F"].astype(str) + out["M"].astype(str)
    out.attrs.update(warnings=warnings, bins=bins)
    return out


def _scores(values: pd.Series, bins: int, reverse: bool, method: str) -> pd.Series:
    """Scores 1…bins (``Int64``; missing stays missing), reversed when ``reverse``."""
    present = values.dropna()
    if present.empty:
        return pd.Series(pd.NA, index=values.index, dtype="Int64")
    if method == "rank":
        codes = pd.qcut(present.rank(method="first"), bins, labels=False, duplicates="drop") + 1
    else:
        codes = pd.Series(_quantile_bins(present.to_numpy(dtype=float), bins, method == "rfm"), index=present.index)
    if reverse:
        codes = bins + 1 - codes
    return codes.reindex(values.index).astype("Int64")


def _quantile_bins(x: np.ndarray, bins: int, plus_one: bool) -> np.ndarray:
    """Bins 1…bins at the interior quantiles (type 7): R rfm's [q + 1 …) bins when ``plus_one``,
    else (… q] bins; the largest value always in the top bin."""
    breaks = np.quantile(x, np.linspace(0, 1, bins + 1)[1:-1])
    if plus_one:
        codes = np.searchsorted(breaks + 1, x, side="right") + 1
    else:
        codes = np.searchsorted(breaks, x, side="left") + 1
    top = x.max()
    if x.min() < top:
        codes[x == top] = bins
    return codes


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
    spend" = strictly above it), or a list of user rules ``{"name", "R": [lo, hi], "F": …, "M": …,
    "P": …}`` (bounds inclusive, missing letters match anything, a rule with a P range matches no
    customer without a P score), applied in order. Payment enters the three named rule sets
    through :func:`slow_payers`, which flags customers without changing their segment.
    """
    table = scores.set_index("customer_id")
    if isinstance(rules, str) and rules == "cn-8":
        return _cn8(table, center)
    if isinstance(rules, str) and rules == "rf-grid":
        rf = table["R"].astype(str) + table["F"].astype(str)
        return rf.map(lambda cell: next((n for n, p in RF_GRID if re.fullmatch(p, cell)), OTHERS)).rename("segment")
    boxes = _rule_boxes(rules)
    out = np.full(len(table), OTHERS, dtype=object)
    open_ = np.ones(len(table), dtype=bool)
    for name, bounds in boxes:
        hit = open_.copy()
        for letter, (lo, hi) in bounds.items():
            values = table[letter] if letter in table else pd.Series(pd.NA, index=table.index)
            hit &= values.between(lo, hi).fillna(False).to_numpy(dtype=bool)
        out[hit] = name
        open_ &= ~hit
    return pd.Series(out, index=table.index, name="segment")


def uses_payment(rules) -> bool:
    """Whether a list of user rules has a P range (then cells are R-F-M-P)."""
    return not isinstance(rules, str) and any("P" in rule for rule in rules)


def cells(scores: pd.DataFrame, rules) -> pd.Series:
    """Each customer's score cell as :func:`uncovered_cells` writes it ("RFM", or "RFMP" for user
    rules with a P range; a missing P is written "-"), indexed by customer_id."""
    table = scores.set_index("customer_id")
    cell = table["R"].astype(str) + table["F"].astype(str) + table["M"].astype(str)
    if uses_payment(rules):
        cell = cell + (table["P"].astype("string").fillna("-") if "P" in table else "-")
    return cell.rename("cell")


def uncovered_cells(rules="rfm-0.3", bins: int = 5) -> list[str]:
    """The score cells (``"RFM"``, or ``"RFMP"`` for user rules with a P range, P "-" when a
    customer has none) that no rule of the set covers."""
    if rules == "cn-8":
        return []
    if rules == "rf-grid":
        return [f"{r}{f}" for r in range(1, bins + 1) for f in range(1, bins + 1)
                if not any(re.fullmatch(p, f"{r}{f}") for _, p in RF_GRID)]  # fmt: skip
    letters = "RFMP" if uses_payment(rules) else "RFM"
    levels = [list(range(1, bins + 1))] * 3 + ([[*range(1, bins + 1), None]] if letters == "RFMP" else [])
    grid = pd.MultiIndex.from_product(levels, names=list(letters)).to_frame(index=False).astype("Int64")
    grid.insert(0, "customer_id", range(len(grid)))
    named = rfm_segments(grid, rules)
    keys = cells(grid, rules)
    return keys[named.eq(OTHERS)].tolist()


def _rule_boxes(rules) -> list:
    """(name, {letter: (lo, hi)}) per rule, in order; letters a rule leaves out match anything."""
    if isinstance(rules, str):
        if rules != "rfm-0.3":
            raise ValueError(f"rules must be one of {', '.join(RULE_SETS)} or a list of rules, got {rules!r}")
        return [(name, {"R": r, "F": f, "M": m}) for name, r, f, m in RFM_03]
    boxes = []
    for rule in rules:
        if "name" not in rule:
            raise DataError(f"segment rule without a name: {rule}")
        unknown = set(rule) - {"name", "R", "F", "M", "P"}
        if unknown:
            raise DataError(f"segment rule {rule['name']!r} has unknown keys {sorted(unknown)}; use name, R, F, M, P")
        bounds = {letter: tuple(rule[letter]) for letter in "RFMP" if letter in rule}
        if any(len(b) != 2 or b[0] > b[1] for b in bounds.values()):
            raise DataError(f"segment rule {rule['name']!r}: each of R, F, M, P must be [low, high] with low ≤ high")
        boxes.append((str(rule["name"]), bounds))
    return boxes


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
    """Customers and mean monetary value per (R, F) cell, every cell of the grid listed (empty
    cells too, with 0 customers)."""
    bins = int(scores.attrs.get("bins") or max(scores["R"].max(), scores["F"].max()))
    cells = pd.MultiIndex.from_product([range(1, bins + 1), range(1, bins + 1)], names=["R", "F"])
    grouped = scores.groupby(["R", "F"]).agg(customers=("customer_id", "size"), monetary=("monetary", "mean"))
    grid = grouped.reindex(cells)
    grid["customers"] = grid["customers"].fillna(0).astype(int)
    return grid.reset_index()


def keep_lists(table: pd.DataFrame, segments: pd.Series, keep, by: str = "region") -> dict[str, pd.DataFrame]:
    """The customers of the ``keep`` segments, one list per value of ``by``, by revenue (largest first).

    Customers without a ``by`` value are listed under an empty name; the lists together hold every
    kept customer exactly once. Settlement columns of ``table`` (P, days to pay, days beyond terms,
    band, slow_payer) are listed too, so a branch sees who pays late.
    """
    kept = table.assign(segment=table["customer_id"].map(segments))
    kept = kept[kept["segment"].isin(list(keep))]
    key = kept[by].astype("string").fillna("") if by in kept.columns else pd.Series("", index=kept.index)
    columns = [c for c in ("customer_id", "name", "segment", "revenue", "profit", "n_orders", "last_purchase",
                           "owner_id", "city", "customer_type", "P", "days_to_pay", "days_beyond_terms", "payment_band",
                           "slow_payer") if c in kept.columns]  # fmt: skip
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
        "purchases_per_year": per_year(data["frequency"] + 1, data["T"]),
    })  # fmt: skip
    if customers is not None and "customer_type" in customers.columns:
        kinds = customers.drop_duplicates("customer_id").set_index("customer_id")["customer_type"]
        out["enterprise"] = (kinds.reindex(out.index) == "企业").astype(float)
    return out


@dataclass
class Clusters:
    """The result of :func:`cluster`: labels, centres in original units, silhouette per k, and the
    number of customers k-means was fitted on (``sample_size``; all of them when it equals ``n``)."""

    k: int
    labels: pd.Series
    centres: pd.DataFrame
    silhouette: pd.Series
    sample_size: int = 0
    n: int = 0

    @property
    def sampled(self) -> bool:
        return self.sample_size < self.n


MAX_FIT_ROWS = 50_000  # k-means is fitted on a seeded sample of at most this many customers


def cluster(data: pd.DataFrame, k: int | None = None, k_range=(2, 8), random_state: int = 0,
            max_rows: int = MAX_FIT_ROWS) -> Clusters:  # fmt: skip
    """k-means on log-transformed skewed columns, standardised; k by silhouette when not given.

    Columns with more than two distinct non-negative values and skewness above 1 are log1p
    transformed. With more than ``max_rows`` customers, each k is fitted on a seeded sample of
    ``max_rows`` of them and every customer is then assigned to the nearest centre (``predict``),
    so large data costs one pass over all rows, not ten fits per k. Clusters are numbered 1… by
    descending mean of the first column, so the same data always gives the same labels. The
    silhouette is computed on at most 5,000 of the fitted rows (seeded).
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    if max_rows < 2:
        raise ValueError(f"max_rows must be at least 2, got {max_rows}")
    data = data.sort_index()
    if data.isna().any().any():
        raise DataError(f"cluster features have missing values in {', '.join(data.columns[data.isna().any()])}")
    skewed = [c for c in data.columns if data[c].nunique() > 2 and data[c].min() >= 0 and data[c].skew() > 1]
    transformed = data.assign(**{c: np.log1p(data[c]) for c in skewed})
    scaler = StandardScaler().fit(transformed)
    x = scaler.transform(transformed)
    rows = np.sort(np.random.default_rng(random_state).choice(len(x), max_rows, replace=False)) if len(x) > max_rows else slice(None)
    fitted = x[rows]
    candidates = [k] if k is not None else list(range(k_range[0], min(k_range[1], len(fitted) - 1) + 1))
    if not candidates or candidates[0] < 2 or len(fitted) <= candidates[0]:
        raise ValueError(f"need more customers than clusters (k={k or k_range}, customers={len(data)})")
    fits, scores = {}, {}
    for n in candidates:
        fits[n] = KMeans(n_clusters=n, n_init=10, random_state=random_state).fit(fitted)
        sample = min(len(fitted), 5000)
        scores[n] = silhouette_score(fitted, fits[n].labels_, sample_size=sample, random_state=random_state)
    best = k if k is not None else max(scores, key=lambda n: (round(scores[n], 12), -n))
    fit = fits[best]
    assigned = fit.predict(x) if len(fitted) < len(x) else fit.labels_
    centres = pd.DataFrame(scaler.inverse_transform(fit.cluster_centers_), columns=data.columns)
    centres[skewed] = np.expm1(centres[skewed])
    order = centres.iloc[:, 0].sort_values(ascending=False, kind="stable").index
    relabel = {old: new for new, old in enumerate(order, start=1)}
    centres = centres.loc[order].set_axis(range(1, best + 1)).rename_axis("cluster").round(6) + 0.0  # no -0.0
    labels = pd.Series(assigned, index=data.index, name="cluster").map(relabel)
    centres["customers"] = labels.value_counts().reindex(centres.index, fill_value=0)
    return Clusters(k=best, labels=labels, centres=centres, silhouette=pd.Series(scores, name="silhouette").rename_axis("k"),
                    sample_size=len(fitted), n=len(data))  # fmt: skip


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
PAYMENT_CALL_MINUTES = 10  # a slow payer's monthly payment follow-up call (a custval default, like LEVELS)
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
                 segment_levels: dict = SEGMENT_LEVELS, slow_payers: pd.Series | None = None,
                 payment_call_minutes: float = PAYMENT_CALL_MINUTES) -> pd.DataFrame:  # fmt: skip
    """Per segment: relationship level, channel, contacts and visits, and the hours per month they take.

    hours = customers × contacts per month × minutes / 60 + enterprise customers × visits per year
    / 12 × hours per visit. ``enterprise`` (bool per customer) limits visits to enterprises; without
    it nobody is visited. Unknown segments get the ``basic`` level. With ``slow_payers`` (bool per
    customer, :func:`slow_payers`) each slow payer also gets one payment follow-up call a month of
    ``payment_call_minutes``: columns ``slow_payers`` and ``payment_hours_per_month``, in the total.
    """
    frame = pd.DataFrame({"segment": segments})
    frame["enterprise"] = False if enterprise is None else enterprise.reindex(frame.index).fillna(False).astype(bool)
    frame["slow"] = False if slow_payers is None else slow_payers.reindex(frame.index).fillna(False).astype(bool)
    counts = frame.groupby("segment").agg(customers=("segment", "size"), enterprises=("enterprise", "sum"),
                                          slow_payers=("slow", "sum"))  # fmt: skip
    counts["level"] = [segment_levels.get(s, "basic") for s in counts.index]
    plan = counts.join(levels, on="level")
    plan["contact_hours_per_month"] = plan["customers"] * plan["contacts_per_month"] * plan["minutes_per_contact"] / 60
    plan["visit_hours_per_month"] = plan["enterprises"] * plan["visits_per_year"] / 12 * plan["hours_per_visit"]
    plan["hours_per_month"] = plan["contact_hours_per_month"] + plan["visit_hours_per_month"]
    if slow_payers is None:
        plan = plan.drop(columns="slow_payers")
    else:
        plan.insert(len(plan.columns) - 1, "payment_hours_per_month", plan["slow_payers"] * payment_call_minutes / 60)
        plan["hours_per_month"] += plan["payment_hours_per_month"]
    rank = {level: i for i, level in enumerate(levels.index)}
    plan = plan.assign(_rank=[rank[level] for level in plan["level"]])
    plan = plan.sort_values(["_rank", "customers"], ascending=[False, False], kind="stable").drop(columns="_rank")
    return plan.reset_index()
