"""Acting on the segments: keep lists per branch and the contact plan (relationship level,
channel, contacts and hours per month per segment)."""

from __future__ import annotations

import pandas as pd

from custval.segment.payment import SETTLEMENT_COLUMNS
from custval.segment.rfm import OTHERS

# The five relationship levels of seed 001 (基本型, 反应型, 可靠型, 主动型, 合伙型) with the custval
# defaults for how each is served: channel, contacts per month, minutes per contact, enterprise
# visits per year and hours per visit. A design choice, stated in the README; change by argument.
LEVELS = pd.DataFrame(
    [
        ("basic", "sms_email", 0.25, 2, 0, 0.0),
        ("reactive", "phone_on_request", 0.5, 5, 0, 0.0),
        ("accountable", "phone_after_sale", 1, 10, 1, 1.5),
        ("proactive", "phone_regular", 2, 15, 4, 2.0),
        ("partnership", "account_manager", 4, 20, 12, 3.0),
    ],
    columns=["level", "channel", "contacts_per_month", "minutes_per_contact", "visits_per_year", "hours_per_visit"],
).set_index("level")
PAYMENT_CALL_MINUTES = 10  # a slow payer's monthly payment follow-up call (a custval default, like LEVELS)
SEGMENT_LEVELS = {
    "champions": "partnership",
    "loyal_customers": "proactive",
    "potential_loyalist": "proactive",
    "cant_lose_them": "accountable",
    "at_risk": "accountable",
    "need_attention": "reactive",
    "promising": "reactive",
    "new_customers": "reactive",
    "about_to_sleep": "basic",
    "hibernating": "basic",
    "lost": "basic",
    OTHERS: "basic",
    "important_value": "partnership",
    "important_development": "proactive",
    "important_retention": "proactive",
    "important_winback": "accountable",
    "general_value": "accountable",
    "general_development": "reactive",
    "general_retention": "reactive",
    "general_winback": "basic",
}
KEEP_LEVELS = ("partnership", "proactive", "accountable")  # segments served at these levels are kept
KEEP_LIST_TOP = 500  # customers per region in the keep-list workbook: what a branch reads; the CSV lists all
# The columns of a keep list, those the customer table has (settlement columns show who pays late).
LIST_COLUMNS = (
    "customer_id",
    "name",
    "segment",
    "revenue",
    "profit",
    "n_orders",
    "last_purchase",
    "owner_id",
    "city",
    "customer_type",
    *SETTLEMENT_COLUMNS,
)


def kept_segments(segments: pd.Series, segment_levels: dict = SEGMENT_LEVELS, levels=KEEP_LEVELS) -> list[str]:
    """The segments present in ``segments`` whose relationship level is one of ``levels``, sorted."""
    return sorted(s for s in segments.unique() if segment_levels.get(s) in levels)


def keep_lists(table: pd.DataFrame, segments: pd.Series, keep, by: str = "region") -> dict[str, pd.DataFrame]:
    """The customers of the ``keep`` segments, one list per value of ``by``, by revenue (largest first).

    Customers without a ``by`` value are listed under an empty name; the lists together hold every
    kept customer exactly once. Settlement columns of ``table`` (P, days to pay, days beyond terms,
    band, slow_payer) are listed too, so a branch sees who pays late.
    """
    kept = table.assign(segment=table["customer_id"].map(segments))
    kept = kept[kept["segment"].isin(list(keep))]
    key = kept[by].astype("string").fillna("") if by in kept.columns else pd.Series("", index=kept.index)
    columns = [c for c in LIST_COLUMNS if c in kept.columns]
    lists = {}
    for value, group in kept.groupby(key, sort=True):
        ordered = group.sort_values(["revenue", "customer_id"], ascending=[False, True])
        lists[str(value)] = ordered[columns].reset_index(drop=True)
    return lists


def list_table(lists: dict[str, pd.DataFrame], by: str = "region") -> pd.DataFrame:
    """Every list of :func:`keep_lists` in one table, ``by`` first (empty for customers without one),
    in the lists' order: the complete lists, for a CSV beside a workbook cut to what a person reads."""
    columns = next(iter(lists.values())).columns if lists else pd.Index(["customer_id"])
    parts = [frame.assign(**{by: region}) for region, frame in lists.items()]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns).assign(**{by: ""})
    return table[[by, *(c for c in table.columns if c != by)]].astype({by: "string"})


def contact_plan(
    segments: pd.Series,
    enterprise: pd.Series | None = None,
    levels: pd.DataFrame = LEVELS,
    segment_levels: dict = SEGMENT_LEVELS,
    slow_payers: pd.Series | None = None,
    payment_call_minutes: float = PAYMENT_CALL_MINUTES,
) -> pd.DataFrame:
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
    counts = frame.groupby("segment").agg(
        customers=("segment", "size"), enterprises=("enterprise", "sum"), slow_payers=("slow", "sum")
    )
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
