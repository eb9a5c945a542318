"""Settlement behaviour: days to pay, days beyond terms and their bands, the slow-payer override
and payment per segment (METHODS.md §6.3)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from custval.errors import MissingColumnError

# Days beyond terms (amount-weighted paid − due) by band, upper bounds inclusive: METHODS §6.3.
PAYMENT_BANDS = (("on_time", 0.0), ("slight", 15.0), ("moderate", 45.0), ("severe", np.inf))
SLOW_BANDS = ("moderate", "severe")
# Per-customer settlement columns of RFM scores that travel with a customer into lists.
SETTLEMENT_COLUMNS = ("P", "days_to_pay", "days_beyond_terms", "payment_band", "slow_payer")


def settlement(tx: pd.DataFrame) -> pd.DataFrame:
    """Per customer: amount-weighted days to pay (paid − invoice), days beyond terms (paid − due)
    and their band (METHODS §6.3: on_time ≤ 0, slight 1–15, moderate 16–45, severe > 45 days).

    Lines without an invoice or paid date (open invoices), and returns, are left out; customers
    with no such line are absent from the result. Days beyond terms and the band need
    ``due_date`` and are weighted over the lines that have one.
    """
    missing = [c for c in ("invoice_date", "paid_date") if c not in tx.columns]
    if missing:
        raise MissingColumnError(
            f"the transactions have no column {', '.join(missing)} (settlement needs "
            f"invoice_date and paid_date); columns: {', '.join(map(str, tx.columns))}"
        )
    used = [c for c in ("customer_id", "amount", "invoice_date", "paid_date", "due_date") if c in tx.columns]
    lines = tx.loc[(tx["amount"] > 0) & tx["invoice_date"].notna() & tx["paid_date"].notna(), used]
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


def with_slow_payers(scores: pd.DataFrame, bands=SLOW_BANDS) -> pd.DataFrame:
    """``scores`` with a ``slow_payer`` column (:func:`slow_payers`) when they hold settlement data
    (``days_to_pay``); without it they are returned unchanged, as nobody can be judged."""
    if "days_to_pay" not in scores.columns:
        return scores
    return scores.assign(slow_payer=scores["customer_id"].map(slow_payers(scores, bands)))


def slow_payer_flags(scores: pd.DataFrame) -> pd.Series | None:
    """The ``slow_payer`` column of ``scores`` indexed by customer_id (None when it has none)."""
    return scores.set_index("customer_id").get("slow_payer")


def with_payment(table: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """``table`` (one row per customer) with the :data:`SETTLEMENT_COLUMNS` that ``scores`` has."""
    columns = ["customer_id", *(c for c in SETTLEMENT_COLUMNS if c in scores.columns)]
    return table.merge(scores[columns], on="customer_id", how="left")


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
    out = pd.DataFrame(
        {
            "customers": grouped.size(),
            "with_payment": grouped["days_to_pay"].count(),
            "days_to_pay": grouped["days_to_pay"].mean(),
        }
    )
    if "days_beyond_terms" in table:
        out["days_beyond_terms"] = grouped["days_beyond_terms"].mean()
        bands = pd.crosstab(table["segment"], table["payment_band"]).reindex(
            columns=[b for b, _ in PAYMENT_BANDS], fill_value=0
        )
        out = out.join(bands).fillna(dict.fromkeys(bands.columns, 0))
    if "slow_payer" in table:
        out["slow_payers"] = grouped["slow_payer"].sum()
    return out.rename_axis("segment").reset_index()


def payment_counts(scores: pd.DataFrame, segments: pd.Series, by: str = "payment_band") -> pd.DataFrame:
    """Customers per segment and ``by`` (``payment_band`` or ``P``) and their share of the segment's
    customers with a ``by`` value; ``by`` is an ordered category (on time → severe, or P 1…bins) so
    that charts stack it in order. Customers without a ``by`` value are left out."""
    table = scores.set_index("customer_id").assign(segment=segments)
    order = (
        [b for b, _ in PAYMENT_BANDS] if by == "payment_band" else list(range(1, int(scores.attrs.get("bins", 5)) + 1))
    )
    known = table[table[by].notna()]
    counts = known.groupby(["segment", known[by].astype(object)], sort=True).size().rename("customers").reset_index()
    counts[by] = pd.Categorical(counts[by], categories=order, ordered=True)
    counts["share"] = counts["customers"] / counts.groupby("segment")["customers"].transform("sum")
    return counts
