"""RFM scores and the named segment rule sets (rfm-0.3, rf-grid, cn-8 and user rules) that turn
them into segments (METHODS.md §6.1–6.2)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from custval.errors import DataError
from custval.segment.profiles import yearly_rate

SCORE_METHODS = ("rfm", "quantile", "rank")
FREQUENCY_PER = (None, "year")


def rfm_scores(
    summary: pd.DataFrame,
    bins: int = 5,
    payment: pd.DataFrame | None = None,
    frequency_per: str | None = None,
    method: str = "rfm",
) -> pd.DataFrame:
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
        occasions = yearly_rate(occasions, data["T"])
    values = pd.DataFrame(
        {"recency_days": data["T"] - data["recency"], "frequency": occasions, "monetary": data["revenue"]}
    )
    if payment is not None:
        columns = [c for c in ("days_to_pay", "days_beyond_terms", "payment_band") if c in payment.columns]
        values = values.join(payment[columns].reindex(values.index))
    warnings = []
    scores = pd.DataFrame(index=values.index)
    specs = {
        "R": ("recency_days", True),
        "F": ("frequency", False),
        "M": ("monetary", False),
        "P": ("days_to_pay", True),
    }
    for score, (column, reverse) in specs.items():
        if column in values:
            scores[score] = _scores(values[column], bins, reverse, method)
            empty = sorted(set(range(1, bins + 1)) - set(scores[score].dropna().unique().tolist()))
            if empty and values[column].notna().any():
                warnings.append({"score": score, "column": column, "empty": empty, "bins": bins})
    out = values.join(scores).reset_index()
    out["rfm"] = out["R"].astype(str) + out["F"].astype(str) + out["M"].astype(str)
    out.attrs.update(warnings=warnings, bins=bins)
    return out


def _scores(values: pd.Series, bins: int, reverse: bool, method: str) -> pd.Series:
    """Scores 1…bins (``Int64``; missing stays missing), reversed when ``reverse``."""
    known = values.notna().to_numpy()
    present = values[known]
    if present.empty:
        return pd.Series(pd.NA, index=values.index, dtype="Int64")
    if method == "rank":
        codes = (pd.qcut(present.rank(method="first"), bins, labels=False, duplicates="drop") + 1).to_numpy()
    else:
        codes = _quantile_bins(present.to_numpy(dtype=float), bins, method == "rfm")
    if reverse:
        codes = bins + 1 - codes
    full = np.ones(len(values), dtype="int64")
    full[known] = codes  # by position: no lookup of millions of customer ids
    return pd.Series(pd.arrays.IntegerArray(full, ~known), index=values.index)


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
    ("hibernating", r"[1-2][1-2]"),
    ("at_risk", r"[1-2][3-4]"),
    ("cant_lose_them", r"[1-2]5"),
    ("about_to_sleep", r"3[1-2]"),
    ("need_attention", r"33"),
    ("loyal_customers", r"[3-4][4-5]"),
    ("promising", r"41"),
    ("new_customers", r"51"),
    ("potential_loyalist", r"[4-5][2-3]"),
    ("champions", r"5[4-5]"),
)
# The Chinese eight-class RFM model: (recent?, frequent?, high spend?) → segment.
CN8 = {
    (True, True, True): "important_value",
    (True, False, True): "important_development",
    (False, True, True): "important_retention",
    (False, False, True): "important_winback",
    (True, True, False): "general_value",
    (True, False, False): "general_development",
    (False, True, False): "general_retention",
    (False, False, False): "general_winback",
}
RULE_SETS = ("rfm-0.3", "rf-grid", "cn-8")
OTHERS = "others"
CENTERS = ("mean", "median")


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
        return [
            f"{r}{f}"
            for r in range(1, bins + 1)
            for f in range(1, bins + 1)
            if not any(re.fullmatch(p, f"{r}{f}") for _, p in RF_GRID)
        ]
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


def segment_counts(segments: pd.Series) -> pd.DataFrame:
    """Customers per segment (columns ``segment``, ``customers``), the largest segment first."""
    return segments.value_counts().rename_axis("segment").reset_index(name="customers")


def segment_table(scores: pd.DataFrame, segments: pd.Series, clusters: pd.Series) -> pd.DataFrame:
    """``scores`` with each customer's ``segment`` and ``cluster`` (both indexed by customer_id)."""
    return scores.assign(segment=scores["customer_id"].map(segments), cluster=scores["customer_id"].map(clusters))
