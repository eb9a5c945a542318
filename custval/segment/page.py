"""What notebook 02's page says and shows: sentences as ``(i18n key, values)`` notes for
``run.say_all`` and tables whose coded values carry display names, in the report language
(``lang=None``: the current one)."""

from __future__ import annotations

import pandas as pd

from custval.i18n import Notes, name, named, t
from custval.segment.clusters import Clusters
from custval.segment.contact import PAYMENT_CALL_MINUTES, keep_lists
from custval.segment.payment import payment_counts, slow_payer_counts, with_payment
from custval.segment.rfm import uses_payment

NO_PAYMENT = ("no_columns", "no_lines")  # payment_behaviour notes that come without settlement data


def rfm_notes(scores: pd.DataFrame, rules: str, frequency_per, method: str, center: str, uncovered, lang=None) -> Notes:
    """How the scores were made and segmented (``rules``: the rule set's name, e.g. ``custom``),
    each score's empty bins (``scores.attrs["warnings"]``) and the ``uncovered`` score cells."""
    bins, warnings = scores.attrs["bins"], scores.attrs["warnings"]
    rule_set = t(f"sg_rules_{rules}", lang, center=t(f"col_{center}", lang))
    frequency = t(f"sg_frequency_{frequency_per or 'count'}", lang)
    method_text = t(f"sg_method_{method}", lang)
    notes = [("sg_rfm", {"bins": bins, "frequency": frequency, "method": method_text, "rules": rule_set})]
    if warnings:
        empty = [t("sg_empty_bin", lang, score=w["score"], empty=_listed(w["empty"], lang)) for w in warnings]
        notes.append(("sg_empty_bins", {"bins": bins, "notes": "; ".join(empty)}))
    if len(uncovered):
        notes.append(("sg_uncovered", {"n": len(uncovered), "cells": ", ".join(uncovered)}))
    return notes


def payment_notes(scores: pd.DataFrame, note: str, bands, rules, lang=None) -> Notes:
    """The settlement section: why there is no settlement data (``note`` of ``payment_behaviour``),
    or who counts as a slow payer (``bands``) and how payment enters the ``rules``."""
    if note in NO_PAYMENT:
        return [("sg_payment_none", {"reason": t(f"sg_payment_{note}", lang)})]
    entry = "sg_payment_rules_custom" if uses_payment(rules) else "sg_payment_rules_flag"
    return [("sg_payment", {"slow": _slow_payers(scores, note, bands, lang), "rules": t(entry, lang)})]


def _slow_payers(scores: pd.DataFrame, note: str, bands, lang=None) -> str:
    """Who the slow payers are: none (no ``bands``), the P = 1 customers (no due dates) or the bands."""
    n = int(scores["slow_payer"].sum())
    if not bands:
        return t("sg_slow_none", lang)
    if note:
        return t("sg_slow_p1", lang, n=n)
    counts = slow_payer_counts(scores, bands=bands)
    shown = t("sg_or", lang).join(name("pay", band, lang) for band in bands)
    return t("sg_slow_bands_p1" if counts["no_due"] else "sg_slow_bands", lang, bands=shown, n=n, **counts)


def payment_shares(scores: pd.DataFrame, segments: pd.Series, by: str, lang=None) -> pd.DataFrame:
    """:func:`payment_counts` with segments and ``by`` values (bands or P scores) by display name,
    ``by`` still an ordered category so that the chart stacks it in order."""
    shares = payment_counts(scores, segments, by=by)
    shares[by] = shares[by].cat.rename_categories(lambda value: name("pay", value, lang))
    return named(shares, lang, segment="seg")


def cluster_notes(found: Clusters, features: pd.DataFrame, asked_k: int = 0, lang=None) -> Notes:
    """The clustering section: k (``asked_k``, or chosen by silhouette when 0), the features used
    and, when k-means was fitted on a sample, its size."""
    chosen = "" if asked_k else t("sg_clusters_chosen", lang)
    enterprise = t("sg_clusters_enterprise", lang) if "enterprise" in features.columns else ""
    notes = [("sg_clusters", {"k": found.k, "chosen": chosen, "enterprise": enterprise})]
    if found.sampled:
        notes.append(("sg_clusters_sampled", {"fitted": found.sample_size, "n": found.n}))
    return notes


def cluster_crosstab(segments: pd.Series, clusters: pd.Series, lang=None) -> pd.DataFrame:
    """Customers per segment (rows, by display name in its order) and cluster (columns)."""
    shown = segments.map({segment: name("seg", segment, lang) for segment in segments.unique()})
    table = pd.crosstab(shown, clusters.reindex(segments.index))
    return table.rename_axis(index=t("col_segment", lang), columns=t("col_cluster", lang)).reset_index()


def shown_keep_lists(table: pd.DataFrame, scores: pd.DataFrame, segments: pd.Series, keep, lang=None) -> dict:
    """:func:`keep_lists` per region of ``table`` (customer_table) with the settlement columns of
    ``scores``, segments and payment bands by display name."""
    lists = keep_lists(with_payment(table, scores), segments, keep, by="region")
    return {region: named(frame, lang, segment="seg", payment_band="pay") for region, frame in lists.items()}


def keep_sheets(lists: dict, top: int | None = None) -> dict:
    """The keep lists as workbook sheets, one per region; customers without a region on sheet "-".
    With ``top``, each sheet holds only its first ``top`` customers (by revenue): what a branch reads,
    and what a workbook can hold at millions of customers; :func:`list_table` keeps them all."""
    return {region or "-": frame if top is None else frame.head(top) for region, frame in lists.items()}


def keep_notes(lists: dict, keep, scores: pd.DataFrame, top: int | None = None, lang=None) -> Notes:
    """The kept segments and customers, and how many of them pay slowly (with settlement data); that
    there is nothing to list when no customer is in a kept segment. With ``top`` (the workbook's
    customers per region, :func:`keep_sheets`), whether the workbook lists them all or only the
    first ``top`` of some regions, the complete lists being in the CSV."""
    kept = sum(len(frame) for frame in lists.values())
    if not kept:
        return [("sg_keep_none", {})]
    segments = t("sg_sep", lang).join(name("seg", s, lang) for s in sorted(keep))
    notes = [("sg_keep", {"segments": segments, "n": kept})]
    if "slow_payer" in scores.columns:
        notes.append(("sg_keep_slow", {"n": int(sum(frame["slow_payer"].sum() for frame in lists.values()))}))
    if top is not None:
        cut = sum(len(frame) > top for frame in lists.values())
        notes.append(
            ("sg_lists_capped", {"top": top, "regions": cut, "n": kept}) if cut else ("sg_lists_complete", {"n": kept})
        )
    return notes


def contact_notes(plan: pd.DataFrame) -> Notes:
    """The contact plan's total hours a month, and the payment calls when slow payers are in it."""
    notes = [("sg_contact", {"hours": plan["hours_per_month"].sum()})]
    if "payment_hours_per_month" in plan.columns:
        notes.append(("sg_contact_payment", {"minutes": PAYMENT_CALL_MINUTES}))
    return notes


def _listed(values, lang=None) -> str:
    return t("sg_sep", lang).join(map(str, values))
