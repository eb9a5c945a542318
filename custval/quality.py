"""Data-quality analyses for notebook 00: coverage of the transactions and obvious anomalies.

Pure functions over the frames ``cv.load`` returns; each returns a tidy DataFrame sorted so the
same input always gives the same table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custval.errors import MissingColumnError

COVERAGE_KEYS = ("month", "region", "product_category", "channel", "salesperson_id")
# A line's amount is extreme when its log10 is this many robust standard deviations (1.4826 × MAD)
# away from the median log10 amount of all non-zero lines of the same sign.
EXTREME_Z = 4.0
SUMMARY_MEASURES = ("frequency", "recency", "T", "monetary", "n_orders", "revenue")


def coverage(tx: pd.DataFrame, by: str = "month") -> pd.DataFrame:
    """Lines, customers and amount per month (``YYYY-MM``) or per value of a column, with shares.

    Empty values of ``by`` form their own row (shown as an empty label), so the rows add up to the
    whole table.
    """
    if by not in COVERAGE_KEYS:
        raise ValueError(f"by must be one of {', '.join(COVERAGE_KEYS)}, got {by!r}")
    if by == "month":
        dates = tx["order_date"]
        key = dates.dt.year * 100 + dates.dt.month  # sorts as the YYYY-MM label does
    elif by in tx.columns:
        key = tx[by].astype("string").fillna("")
    else:
        raise MissingColumnError(f"the transactions have no column {by!r}; columns: {', '.join(map(str, tx.columns))}")
    codes, keys = pd.factorize(key, sort=True, use_na_sentinel=False)
    table = pd.DataFrame(
        {
            "lines": np.bincount(codes, minlength=len(keys)),
            "customers": _distinct_per_group(codes, tx["customer_id"], len(keys)),
            "amount": tx["amount"].groupby(codes).sum().to_numpy(),
        },
        index=[_month_label(k) for k in keys] if by == "month" else keys,
    )
    table = table.rename_axis(by).reset_index()
    total = table["amount"].sum()
    table["share_lines"] = table["lines"] / table["lines"].sum()
    table["share_amount"] = table["amount"] / total if total else np.nan
    return table


def _month_label(number) -> str | float:
    """``YYYY-MM`` of a year × 100 + month number (NaN stays NaN)."""
    return number if pd.isna(number) else f"{int(number) // 100:04d}-{int(number) % 100:02d}"


BITMAP_CELLS = 200_000_000  # group × id pairs counted in a table of flags (at most this many bytes), else hashed


def _distinct_per_group(codes: np.ndarray, ids: pd.Series, groups: int) -> np.ndarray:
    """Distinct non-missing ``ids`` in each group of ``codes`` (0…groups−1), on integer codes, not text:
    a table of flags group × id when it is small (months, regions), else the distinct pairs."""
    id_codes, uniques = pd.factorize(ids)
    known = id_codes >= 0
    width = max(len(uniques), 1)
    if groups * width <= BITMAP_CELLS:
        seen = np.zeros((groups, width), dtype=bool)
        seen[codes[known], id_codes[known]] = True
        return seen.sum(axis=1)
    pairs = pd.unique(codes[known].astype("int64") * width + id_codes[known])
    return np.bincount(pairs // width, minlength=groups)


def summary_distribution(summary: pd.DataFrame, measures=SUMMARY_MEASURES) -> pd.DataFrame:
    """Count, mean, spread and quantiles of the customer summary's measures, one row per measure."""
    rows = []
    for measure in measures:
        values = summary[measure].astype("float64")
        quantiles = values.quantile([0.0, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0]).to_numpy()
        rows.append(
            {
                "measure": measure,
                "count": int(values.count()),
                "mean": values.mean(),
                "std": values.std(),
                "min": quantiles[0],
                "p25": quantiles[1],
                "median": quantiles[2],
                "p75": quantiles[3],
                "p90": quantiles[4],
                "p99": quantiles[5],
                "max": quantiles[6],
            }
        )
    return pd.DataFrame(rows)


def anomalies(tx: pd.DataFrame, reference_day, z: float = EXTREME_Z) -> pd.DataFrame:
    """Lines and customers that deserve a look before any analysis, one row per finding.

    Kinds: ``future_date`` (a line dated after ``reference_day``: the ``as_of`` parameter, or the
    run date when it is not set), ``extreme_amount`` (see ``EXTREME_Z``), ``returns_exceed_purchases``
    (a customer whose returned amount is larger than everything they bought). Rows are only
    reported, never removed. Columns: kind, customer_id, order_id, order_date, amount, detail.
    """
    day = pd.Timestamp(reference_day).normalize()
    found = [_future(tx, day), _extreme(tx, z), _returns_exceed(tx)]
    columns = ["kind", "customer_id", "order_id", "order_date", "amount", "detail"]
    frames = [f for f in found if not f.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in _ANOMALY_DTYPES.items()})
    out = pd.concat(frames, ignore_index=True).reindex(columns=columns).astype(_ANOMALY_DTYPES)
    return out.sort_values(["kind", "customer_id", "order_date", "order_id"], kind="stable").reset_index(drop=True)


_ANOMALY_DTYPES = {
    "kind": "string",
    "customer_id": "string",
    "order_id": "string",
    "order_date": "datetime64[us]",
    "amount": "float64",
    "detail": "float64",
}


def _lines(tx: pd.DataFrame, mask, kind: str, detail) -> pd.DataFrame:
    order_id = tx.loc[mask, "order_id"] if "order_id" in tx.columns else pd.Series(pd.NA, index=tx.index[mask])
    return pd.DataFrame(
        {
            "kind": kind,
            "customer_id": tx.loc[mask, "customer_id"],
            "order_id": order_id,
            "order_date": tx.loc[mask, "order_date"],
            "amount": tx.loc[mask, "amount"],
            "detail": detail,
        }
    )


def _future(tx: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """Lines dated after the reference day; ``detail`` = days after it."""
    mask = tx["order_date"] > day
    return _lines(tx, mask, "future_date", (tx.loc[mask, "order_date"] - day).dt.days.astype("float64"))


def _extreme(tx: pd.DataFrame, z: float) -> pd.DataFrame:
    """Amounts far from the typical line of their sign on a log scale; ``detail`` = robust z."""
    scores = pd.Series(np.nan, index=tx.index)
    for sign in (1, -1):
        part = tx["amount"] * sign > 0
        logs = np.log10(tx.loc[part, "amount"] * sign)
        if len(logs) < 10:
            continue
        mad = 1.4826 * (logs - logs.median()).abs().median()
        if mad > 0:
            scores.loc[part] = (logs - logs.median()) / mad
    mask = scores.abs() > z
    return _lines(tx, mask, "extreme_amount", scores[mask])


def _returns_exceed(tx: pd.DataFrame) -> pd.DataFrame:
    """Customers whose returns add up to more than their purchases; ``detail`` = the excess."""
    returning = tx.loc[tx["amount"] < 0, "customer_id"].unique()  # only they can return more than they bought
    lines = tx.loc[tx["customer_id"].isin(returning), ["customer_id", "amount"]]
    bought = lines["amount"].clip(lower=0).groupby(lines["customer_id"]).sum()
    returned = (-lines["amount"]).clip(lower=0).groupby(lines["customer_id"]).sum()
    excess = (returned - bought)[lambda s: s > 0]
    return pd.DataFrame(
        {
            "kind": "returns_exceed_purchases",
            "customer_id": excess.index,
            "order_id": pd.NA,
            "order_date": pd.NaT,
            "amount": -returned[excess.index].to_numpy(),
            "detail": excess.to_numpy(),
        }
    )


def anomaly_counts(found: pd.DataFrame) -> pd.DataFrame:
    """Findings per kind, every kind listed (zero when none)."""
    kinds = ["future_date", "extreme_amount", "returns_exceed_purchases"]
    counts = found["kind"].value_counts().reindex(kinds, fill_value=0)
    return counts.rename_axis("kind").reset_index(name="count")


def rejection_examples(by_reason: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows per table, reason and column as the report lists them: the reason in words and the
    first line numbers as ``examples`` (from ``Dataset.rejections_by_reason``; empty when nothing was rejected)."""
    shown = by_reason.reindex(columns=["table", "reason_text", "column", "rows", "lines"])
    return shown.rename(columns={"lines": "examples"})


def summary_day(summary: pd.DataFrame, as_of=None):
    """The day the customer summary counts to: ``as_of`` when set, else the summary's last purchase."""
    return summary["last_purchase"].max().date() if as_of is None else as_of


def repeat_buyers(summary: pd.DataFrame) -> pd.DataFrame:
    """The customers who bought again (frequency above 0): their mean repeat value is defined, the others' is not."""
    return summary[summary["frequency"] > 0]
