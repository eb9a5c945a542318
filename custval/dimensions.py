"""Value dimensions (顾客价值确定法) and customer delivered value (客户让渡价值).

Importance–performance analysis, derived importance (exact Shapley/LMG, Johnson relative
weights, random-forest permutation), strategic dimensions, change between survey waves (in time
order), the firm's ranking of the needs against its customers', Kano,
SERVQUAL gaps, delivered value TCV − TCC and the ranked delivery problems. Input is the long
survey table of ``cv.load`` (one row per respondent and dimension). Definitions: METHODS.md §2–3.
"""

from __future__ import annotations

from itertools import combinations, pairwise
from math import factorial

import numpy as np
import pandas as pd

from custval.errors import DataError, examples
from custval.i18n import Notes, t
from custval.parsing import period_span

QUADRANTS = {
    (True, False): "concentrate_here",
    (True, True): "keep_up",
    (False, False): "low_priority",
    (False, True): "possible_overkill",
}
SHAPLEY_MAX = 15
METHODS = ("auto", "shapley", "johnson", "forest")
IPA_CENTERS = ("data", "median", "scale")
TARGETS = ("overall_satisfaction", "switch_intent")  # outcomes derived importance can explain
# Customer delivered value: the four value and four cost components, by their Chinese or English
# survey names. A survey may name others: pass ``items=`` to :func:`delivered_value`.
DELIVERED_VALUE_ITEMS = {
    "产品价值": "value",
    "服务价值": "value",
    "人员价值": "value",
    "形象价值": "value",
    "货币成本": "cost",
    "时间成本": "cost",
    "体力成本": "cost",
    "精神成本": "cost",
    "product value": "value",
    "service value": "value",
    "personnel value": "value",
    "image value": "value",
    "monetary cost": "cost",
    "time cost": "cost",
    "physical (energy) cost": "cost",
    "psychic cost": "cost",
}
# Kano evaluation table: rows functional answer 1–5, columns dysfunctional answer 1–5
# (1 like, 2 must-be, 3 neutral, 4 live with, 5 dislike).
KANO_TABLE = (
    ("Q", "A", "A", "A", "O"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "R", "R", "R", "Q"),
)
KANO_PRIORITY = ("M", "O", "A", "I", "R", "Q")  # tie rule: the first of the tied categories wins
# The charts' quadrant names as drawn: top-left, top-right, bottom-left, bottom-right (IPA: performance
# across, importance up; Kano: |Worse| across, Better up, both cut at KANO_CUT).
IPA_CORNERS = ("concentrate_here", "keep_up", "low_priority", "possible_overkill")
KANO_CORNERS = ("A", "O", "I", "M")
KANO_CUT = 0.5
TOP_IMPROVEMENTS = 5  # improvement priorities the conclusion names


def service_dimensions(survey: pd.DataFrame) -> pd.DataFrame:
    """The survey without the delivered-value items (those are analysed by :func:`delivered_value`)."""
    return survey[~survey["dimension"].isin(DELIVERED_VALUE_ITEMS)]


def has_ratings(survey: pd.DataFrame | None) -> bool:
    """Whether there is a survey with importance and some performance ratings: what every step needs."""
    if survey is None or not {"importance", "performance"} <= set(survey.columns):
        return False
    return bool(survey["performance"].notna().any())


def own_brand(survey: pd.DataFrame):
    """The brand most rows rate (the company's own, which every respondent rates; ties: the first in
    sort order), or None when the survey has no brand column."""
    return survey["brand"].mode().iloc[0] if "brand" in survey.columns else None


def service_ratings(survey: pd.DataFrame, brand=None) -> pd.DataFrame:
    """The ratings of ``brand`` (every row when None) on the service dimensions (:func:`service_dimensions`)."""
    return service_dimensions(survey if brand is None else survey[survey["brand"] == brand])


def has_expectations(survey: pd.DataFrame) -> bool:
    """Whether the survey asked for expectations (some row has one): the SERVQUAL gaps need them."""
    return "expectation" in survey.columns and bool(survey["expectation"].notna().any())


def has_delivered_items(survey: pd.DataFrame) -> bool:
    """Whether the survey rates some delivered-value item (:data:`DELIVERED_VALUE_ITEMS`)."""
    return bool(survey["dimension"].isin(DELIVERED_VALUE_ITEMS).any())


# --------------------------------------------------------------------------- IPA


def ipa(survey: pd.DataFrame, center="data", scale=(1, 7), by=None) -> pd.DataFrame:
    """Importance–performance analysis per dimension (and per ``by`` group, e.g. brand).

    ``center``: ``"data"`` (crosshair at the mean of the dimension means, per group), ``"median"``
    or ``"scale"`` (the midpoint of ``scale``). Quadrants: concentrate_here (important, performs
    below the centre), keep_up, low_priority, possible_overkill. ``priority`` = I − P, the distance
    to the diagonal I = P; ``above_diagonal`` marks dimensions where importance exceeds performance.
    """
    _require(survey, ["dimension", "importance", "performance"], "IPA")
    keys = ([by] if by else []) + ["dimension"]
    means = (
        survey.groupby(keys, sort=True, observed=True)
        .agg(
            importance=("importance", "mean"), performance=("performance", "mean"), respondents=("importance", "count")
        )
        .reset_index()
    )
    if center == "scale":
        middle = pd.DataFrame({"importance": [sum(scale) / 2], "performance": [sum(scale) / 2]})
        centres = means[keys].assign(ci=middle["importance"][0], cp=middle["performance"][0])
    elif center in ("data", "median"):
        how = "mean" if center == "data" else "median"
        group = means.groupby(by) if by else means.assign(_all=0).groupby("_all")
        centres = means[keys].assign(ci=group["importance"].transform(how), cp=group["performance"].transform(how))
    else:
        raise ValueError(f"center must be 'data', 'median' or 'scale', got {center!r}")
    important = means["importance"] >= centres["ci"]
    performs = means["performance"] >= centres["cp"]
    means["quadrant"] = [QUADRANTS[(i, p)] for i, p in zip(important, performs)]
    means["center_importance"], means["center_performance"] = centres["ci"], centres["cp"]
    means["priority"] = means["importance"] - means["performance"]
    means["above_diagonal"] = means["priority"] > 0
    return means


def ipa_notes(table: pd.DataFrame, survey: pd.DataFrame, center="data") -> Notes:
    """Step 1's sentence: the dimensions of an :func:`ipa` table, the respondents of ``survey`` and where
    the crosshair is (``center`` as in :func:`ipa`)."""
    where = t(f"vd_center_{center}", value=table["center_importance"].iloc[0])
    return [("vd_step1", {"n": len(table), "respondents": survey["respondent_id"].nunique(), "center": where})]


def ipa_by_priority(table: pd.DataFrame) -> pd.DataFrame:
    """An :func:`ipa` table with the largest importance − performance first, as the report lists it."""
    return table.sort_values("priority", ascending=False)


# --------------------------------------------------------------------------- derived importance


def respondent_matrix(survey: pd.DataFrame, target: str = "overall_satisfaction", measure="performance"):
    """(X, y): one row per respondent (and brand rated), dimensions as columns; complete rows only."""
    _require(survey, ["respondent_id", "dimension", measure, target], "derived importance")
    keys = ["respondent_id"] + (["brand"] if "brand" in survey.columns else [])
    x = survey.pivot_table(index=keys, columns="dimension", values=measure, aggfunc="mean", observed=True)
    y = survey.groupby(keys, observed=True)[target].first().reindex(x.index)
    complete = x.notna().all(axis=1) & y.notna()
    return x[complete].sort_index(axis=1), y[complete]


def derived_importance(survey, target="overall_satisfaction", method="auto", random_state=0) -> pd.DataFrame:
    """How much each dimension's performance explains ``target`` across respondents.

    ``method``: ``shapley`` (exact LMG decomposition of R², up to 15 dimensions), ``johnson``
    (relative weights, any number), ``forest`` (random-forest permutation importance on a held-out
    quarter, a non-linear cross-check), or ``auto`` (Shapley when it is exact and cheap, else
    Johnson). Columns: dimension, importance, share (of the total), rank, method; for Shapley and
    Johnson ``importance`` sums to the regression's R² (in ``.attrs["r2"]``).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    x, y = respondent_matrix(survey, target)
    if len(x) <= x.shape[1] + 1:
        raise DataError(f"derived importance needs more complete respondents ({len(x)}) than dimensions ({x.shape[1]})")
    chosen = ("shapley" if x.shape[1] <= SHAPLEY_MAX else "johnson") if method == "auto" else method
    if chosen == "shapley" and x.shape[1] > SHAPLEY_MAX:
        raise DataError(
            f"exact Shapley needs 2^p regressions; the survey's {x.shape[1]} dimensions "
            f"({examples(x.columns)} …) are too many (at most {SHAPLEY_MAX}); use method "
            f"(parameter importance_method) 'johnson' or 'auto'"
        )
    compute = {"shapley": shapley_r2, "johnson": johnson_weights, "forest": _forest}[chosen]
    values = compute(x, y, random_state) if chosen == "forest" else compute(x, y)
    out = pd.DataFrame({"dimension": x.columns, "importance": values})
    total = out["importance"].clip(lower=0).sum()
    out["share"] = out["importance"].clip(lower=0) / total if total > 0 else 0.0
    out = out.sort_values(["importance", "dimension"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    out["method"] = chosen
    out.attrs["r2"] = _r2(
        np.corrcoef(np.column_stack([x.to_numpy(), y.to_numpy()]), rowvar=False), list(range(x.shape[1]))
    )
    out.attrs["respondents"] = len(x)
    return out


def shapley_r2(x: pd.DataFrame, y: pd.Series) -> np.ndarray:
    """Exact Shapley (LMG) shares of R²: φ_j = Σ_S |S|!(p−|S|−1)!/p! · [R²(S ∪ j) − R²(S)]."""
    corr = np.corrcoef(np.column_stack([x.to_numpy(float), y.to_numpy(float)]), rowvar=False)
    p = x.shape[1]
    r2 = {(): 0.0}
    for size in range(1, p + 1):
        for subset in combinations(range(p), size):
            r2[subset] = _r2(corr, list(subset))
    weights = [factorial(s) * factorial(p - s - 1) / factorial(p) for s in range(p)]
    phi = np.zeros(p)
    for subset, value in r2.items():
        for j in range(p):
            if j not in subset:
                with_j = tuple(sorted((*subset, j)))
                phi[j] += weights[len(subset)] * (r2[with_j] - value)
    return phi


def johnson_weights(x: pd.DataFrame, y: pd.Series) -> np.ndarray:
    """Johnson's (2000) relative weights: Σ_k Λ*_jk² β_k² with Λ* = R_xx^½ and β = Λ*⁻¹ r_xy."""
    corr = np.corrcoef(np.column_stack([x.to_numpy(float), y.to_numpy(float)]), rowvar=False)
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    values, vectors = np.linalg.eigh(rxx)
    if values.min() <= 1e-12:
        raise DataError("Johnson weights: some dimensions are perfectly collinear; drop one of them")
    root = vectors @ np.diag(np.sqrt(values)) @ vectors.T
    beta = np.linalg.solve(root, rxy)
    return (root**2) @ (beta**2)


def _forest(x: pd.DataFrame, y: pd.Series, random_state: int) -> np.ndarray:
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.inspection import permutation_importance
    from sklearn.model_selection import train_test_split

    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=random_state)
    forest = RandomForestRegressor(n_estimators=300, min_samples_leaf=5, random_state=random_state, n_jobs=1)
    forest.fit(x_train, y_train)
    result = permutation_importance(forest, x_test, y_test, n_repeats=10, random_state=random_state, n_jobs=1)
    return result.importances_mean


def _r2(corr: np.ndarray, subset: list) -> float:
    """R² of the last variable on ``subset`` of the others, from their correlation matrix."""
    if not subset:
        return 0.0
    rxx = corr[np.ix_(subset, subset)]
    rxy = corr[subset, -1]
    return float(rxy @ np.linalg.solve(rxx, rxy))


def strategic_dimensions(stated: pd.DataFrame, derived: pd.DataFrame) -> pd.DataFrame:
    """Combine stated importance (from :func:`ipa`) and derived importance into a ranked list.

    Stated importance is high at or above the median of the dimensions; derived importance is high
    when a dimension's share is at least an equal share (1 / number of dimensions), because
    derived shares concentrate on a few drivers. Rule: high on both → ``strategic``;
    high stated, low derived → ``hygiene`` (expected, no longer differentiates); low stated,
    high derived → ``hidden_driver``; low on both → ``secondary``. Ranked by category in that
    order, then by derived share. ``.attrs``: the two cuts, ``stated_cut`` and ``derived_cut``.
    """
    table = stated[["dimension", "importance", "performance"]].rename(columns={"importance": "stated"})
    table = table.merge(derived[["dimension", "share"]].rename(columns={"share": "derived"}), on="dimension")
    cuts = {"stated_cut": table["stated"].median(), "derived_cut": 1 / len(table)}
    high_stated = table["stated"] >= cuts["stated_cut"]
    high_derived = table["derived"] >= cuts["derived_cut"]
    table["category"] = np.select(
        [high_stated & high_derived, high_stated, high_derived],
        ["strategic", "hygiene", "hidden_driver"],
        default="secondary",
    )
    order = {"strategic": 0, "hidden_driver": 1, "hygiene": 2, "secondary": 3}
    table = table.assign(_order=table["category"].map(order))
    table = table.sort_values(["_order", "derived", "dimension"], ascending=[True, False, True], kind="stable")
    table = table.drop(columns="_order").reset_index(drop=True).assign(rank=lambda d: np.arange(1, len(d) + 1))
    table.attrs.update(cuts)
    return table


def strategic_notes(derived: pd.DataFrame, strategic: pd.DataFrame, target="overall_satisfaction") -> list:
    """Step 2's sentence: what importance was derived from and how (:func:`derived_importance`), its R²
    and the strategic dimensions of :func:`strategic_dimensions`."""
    picked = strategic.loc[strategic["category"] == "strategic", "dimension"].tolist()
    method = t(f"vd_method_{derived['method'].iloc[0]}")
    values = {"target_name": t(f"vd_target_{target}"), "method": method, "r2": derived.attrs["r2"]}
    return [("vd_step2", {**values, "strategic": _listed(picked)})]


# --------------------------------------------------------------------------- change between waves


def order_waves(labels, order=None) -> list:
    """The distinct wave labels in time order, first wave first.

    With ``order`` (a list of labels, e.g. the ``wave_order`` parameter) that order is used, and
    every label must be in it. Otherwise labels that are all numbers (``1``, ``2``; years alone are
    numbers too) sort numerically, and labels that all name a time span (see :func:`custval.parsing.period_span`)
    sort by time when no two spans overlap. Anything else — a label that is neither, numbers mixed
    with periods, overlapping spans such as ``2023`` and ``2023-spring``, or two labels for the same
    span — is a DataError naming the labels and asking for ``wave_order``.
    """
    return _ordered_waves(labels, order)[0]


def survey_waves(survey: pd.DataFrame, by: str = "wave", order=None) -> list:
    """The survey's distinct ``by`` values, first wave first (:func:`order_waves`); a single wave
    as it is, none without the column or its values. Step 3 compares waves only with two or more."""
    if by not in survey.columns:
        return []
    labels = survey[by].dropna().unique()
    return order_waves(labels, order) if len(labels) > 1 else list(labels)


def absent_waves(survey: pd.DataFrame, order=None, by: str = "wave") -> list:
    """The labels of ``order`` (the ``wave_order`` parameter) that no row of the survey's ``by``
    column holds: they are ignored, so the page names them."""
    present = {str(w) for w in survey[by].dropna().unique()} if by in survey.columns else set()
    return [w for w in (order or []) if str(w) not in present]


def _ordered_waves(labels, order=None) -> tuple[list, str]:
    """:func:`order_waves` and how the order was decided: ``parameter``, ``number`` or ``time``."""
    distinct = sorted({str(w): w for w in labels if not pd.isna(w)}.items())
    if order is not None and len(order):
        position = {str(w): i for i, w in enumerate(order)}
        missing = [text for text, _ in distinct if text not in position]
        if missing:
            raise DataError(
                t("vd_err_wave_unlisted", labels=examples(missing, 10), order=examples(map(str, order), 10))
            )
        return [w for _, w in sorted(distinct, key=lambda item: position[item[0]])], "parameter"
    numbers = pd.to_numeric(pd.Series([text for text, _ in distinct], dtype=object), errors="coerce")
    if numbers.notna().all():
        return [w for _, (_, w) in sorted(zip(numbers, distinct), key=lambda item: (item[0], item[1][0]))], "number"
    spans = {text: period_span(text) for text, _ in distinct}
    unread = [text for text, span in spans.items() if span is None]
    if unread:
        raise DataError(t("vd_err_wave_unordered", labels=examples(unread, 10), example=_order_example(distinct)))
    ordered = sorted(distinct, key=lambda item: spans[item[0]])
    clashes = [(a, b) for (a, _), (b, _) in pairwise(ordered) if spans[b][0] < spans[a][1]]
    if clashes:
        pairs = "; ".join(f"'{a}' / '{b}'" for a, b in clashes[:5])
        raise DataError(t("vd_err_wave_overlap", pairs=pairs, example=_order_example(distinct)))
    return [w for _, w in ordered], "time"


def _order_example(distinct) -> str:
    return ", ".join(f"'{text}'" for text, _ in distinct[:6]) + (", …" if len(distinct) > 6 else "")


def value_change(survey: pd.DataFrame, by: str = "wave", alpha: float = 0.05, order=None) -> pd.DataFrame:
    """Change of mean importance and performance from the first to the last ``by`` value in time.

    Waves are put in time order by :func:`order_waves` (``order``: an explicit list of labels, the
    ``wave_order`` parameter). Welch's t-test per dimension and measure; ``rising``/``fading`` flag
    a significant increase or decrease of importance (p < ``alpha``). ``.attrs["waves"]``: every
    wave in order; ``.attrs["wave_basis"]``: ``parameter``, ``number`` or ``time``.
    """
    from scipy import stats

    _require(survey, ["dimension", by, "importance", "performance"], "value change")
    waves, basis = _ordered_waves(survey[by].dropna().unique(), order)
    if len(waves) < 2:
        raise DataError(f"value change needs at least two values of {by!r}; found {examples(waves)}")
    first, last = survey[survey[by] == waves[0]], survey[survey[by] == waves[-1]]
    rows = []
    for dimension in sorted(survey["dimension"].unique()):
        a, b = first[first["dimension"] == dimension], last[last["dimension"] == dimension]
        row = {"dimension": dimension, "from": waves[0], "to": waves[-1]}
        for measure in ("importance", "performance"):
            before, after = a[measure].dropna(), b[measure].dropna()
            row[f"{measure}_before"], row[f"{measure}_after"] = before.mean(), after.mean()
            row[f"{measure}_change"] = after.mean() - before.mean()
            test = stats.ttest_ind(after, before, equal_var=False) if len(before) > 1 and len(after) > 1 else None
            row[f"{measure}_p"] = float(test.pvalue) if test is not None else np.nan
        rows.append(row)
    table = pd.DataFrame(rows)
    significant = table["importance_p"] < alpha
    table["rising"] = significant & (table["importance_change"] > 0)
    table["fading"] = significant & (table["importance_change"] < 0)
    table = table.sort_values(["importance_change", "dimension"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )
    table.attrs.update(waves=list(waves), wave_basis=basis)
    return table


def latest_wave(survey: pd.DataFrame, by: str = "wave", order=None) -> tuple[pd.DataFrame, object]:
    """The rows of the most recent ``by`` wave (in :func:`order_waves` order) and its label;
    all rows and None when the survey has no wave column or no wave values."""
    waves = survey_waves(survey, by, order)
    if not waves:
        return survey, None
    return survey[survey[by] == waves[-1]], waves[-1]


def changed_dimensions(change: pd.DataFrame) -> list:
    """The dimensions of a :func:`value_change` table whose importance rose significantly, then those
    whose importance fell."""
    return change.loc[change["rising"], "dimension"].tolist() + change.loc[change["fading"], "dimension"].tolist()


def value_change_notes(change: pd.DataFrame) -> Notes:
    """Step 3's sentence: how many waves, how they were ordered, the two compared and the dimensions
    rising and fading (:func:`value_change`)."""
    rising, fading = change.loc[change["rising"], "dimension"], change.loc[change["fading"], "dimension"]
    waves = {
        "n": len(change.attrs["waves"]),
        "basis": t(f"vd_order_{change.attrs['wave_basis']}"),
        "first": change["from"].iloc[0],
        "last": change["to"].iloc[0],
    }
    return [("vd_step3", {**waves, "rising": _listed(rising), "fading": _listed(fading)})]


def one_wave_notes(waves: list) -> Notes:
    """Why step 3 is skipped when the survey has one wave (``waves`` from :func:`survey_waves`) or none."""
    return [("vd_step3_one_wave", {"wave": waves[0] if waves else t("vd_none")})]


def unused_wave_notes(survey: pd.DataFrame, order=None, by: str = "wave") -> Notes:
    """A note naming the labels of ``order`` no survey row holds (:func:`absent_waves`), when there are any."""
    absent = absent_waves(survey, order, by)
    return [("vd_wave_order_unused", {"labels": _listed(absent)})] if absent else []


# --------------------------------------------------------------------------- firm versus customer


def firm_vs_customer(survey: pd.DataFrame, firm: pd.DataFrame) -> pd.DataFrame:
    """The needs ranked by the firm next to the needs ranked by the customers (the course's 26-needs
    exercise: "如果你代表企业或顾客,请按重要程度排序").

    ``customer_rank`` ranks the mean stated importance over the survey's respondents (1 = most
    important); ``firm_rank`` ranks the firm's ``rank`` column (1 = most important), first averaged
    per dimension over the ``ranker`` column when several people ranked. Ties share their average
    rank. ``difference`` = firm_rank − customer_rank: 1 or more and the firm ranks the need lower
    than its customers do (``firm_underrates``), −1 or less higher (``firm_overrates``), in between
    ``agree`` (a difference below one place comes from ties). Every need of the survey must be
    ranked by every ranker and every ranked need must be in the survey. ``.attrs``: ``spearman``
    (ρ of the two rankings, ties at their average rank), ``p_value``, ``respondents``, ``rankers``.
    Sorted by customer rank.
    """
    from scipy import stats

    _require(survey, ["respondent_id", "dimension", "importance"], "the firm-versus-customer ranking")
    firm_rank, rankers = _firm_rank(firm, set(survey["dimension"].dropna()))
    means = survey.groupby("dimension", observed=True).agg(
        importance=("importance", "mean"), respondents=("importance", "count")
    )
    unrated = means.index[means["respondents"] == 0].tolist()
    if unrated:
        raise DataError(t("vd_err_firm_unrated", needs=examples(sorted(unrated), 10)))
    table = means.reset_index()
    table["customer_rank"] = table["importance"].rank(ascending=False, method="average")
    table["firm_rank"] = table["dimension"].map(firm_rank)
    table["difference"] = table["firm_rank"] - table["customer_rank"]
    table["view"] = np.select(
        [table["difference"] >= 1, table["difference"] <= -1], ["firm_underrates", "firm_overrates"], default="agree"
    )
    table = table.sort_values(["customer_rank", "dimension"], kind="stable").reset_index(drop=True)
    result = stats.spearmanr(table["firm_rank"], table["customer_rank"])
    table.attrs.update(
        spearman=float(result.statistic),
        p_value=float(result.pvalue),
        respondents=int(survey["respondent_id"].nunique()),
        rankers=rankers,
    )
    return table


def rank_disagreements(table: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """The ``top`` needs of :func:`firm_vs_customer` whose two ranks differ most (|difference|,
    then the customers' rank); needs on which the two agree are left out."""
    apart = table[table["view"] != "agree"]
    apart = apart.assign(_size=apart["difference"].abs())
    apart = apart.sort_values(["_size", "customer_rank", "dimension"], ascending=[False, True, True], kind="stable")
    return apart.drop(columns="_size").head(top).reset_index(drop=True)


def firm_ranking_notes(table: pd.DataFrame, wave=None) -> Notes:
    """The sentence on a :func:`firm_vs_customer` table: who ranked (the mean of several rankers), which
    respondents (of survey ``wave`` when given), Spearman's ρ and the largest disagreements."""
    apart = rank_disagreements(table)
    items = [
        t("vd_firm_item", need=row.dimension, firm=row.firm_rank, customer=row.customer_rank)
        for row in apart.itertuples()
    ]
    rankers, attrs = table.attrs["rankers"], table.attrs
    values = {
        "averaged": t("vd_firm_averaged", n=rankers) if rankers > 1 else "",
        "wave": "" if wave is None else t("vd_firm_wave", wave=wave),
        "respondents": attrs["respondents"],
        "n": len(table),
        "rho": attrs["spearman"],
        "p": attrs["p_value"],
    }
    return [("vd_firm", {**values, "items": _listed(items)})]


def _firm_rank(firm: pd.DataFrame, needs: set) -> tuple[pd.Series, int]:
    """The firm's rank per need (averaged over rankers, then ranked 1..n) and the number of
    rankers, after checking that the sheet ranks exactly the survey's needs, each once per ranker."""
    missing = [c for c in ("dimension", "rank") if c not in firm.columns]
    if missing:
        raise DataError(t("vd_err_firm_columns", columns=", ".join(missing), found=", ".join(map(str, firm.columns))))
    rankers = firm["ranker"].fillna("") if "ranker" in firm.columns else pd.Series("", index=firm.index)
    firm = firm.assign(ranker=rankers)
    blank = firm[firm["dimension"].isna() | firm["rank"].isna()]
    if len(blank):
        raise DataError(t("vd_err_firm_blank", needs=examples(blank["dimension"].fillna("—"), 10)))
    doubled = firm[firm.duplicated(["ranker", "dimension"], keep=False)]
    if len(doubled):
        raise DataError(t("vd_err_firm_duplicate", needs=examples(sorted(doubled["dimension"].unique()), 10)))
    unknown = sorted(set(firm["dimension"]) - needs)
    if unknown:
        raise DataError(t("vd_err_firm_unknown", needs=examples(unknown, 10), survey=examples(sorted(needs), 10)))
    for ranker, part in firm.groupby("ranker", sort=True):
        left_out = sorted(needs - set(part["dimension"]))
        if left_out:
            raise DataError(t("vd_err_firm_missing", needs=examples(left_out, 10), ranker=ranker or "—"))
    mean_rank = firm.groupby("dimension")["rank"].mean()
    return mean_rank.rank(ascending=True, method="average"), int(firm["ranker"].nunique())


# --------------------------------------------------------------------------- Kano


def kano_category(functional, dysfunctional) -> np.ndarray:
    """The Kano category (A, O, M, I, R, Q) of each answer pair (1–5 each)."""
    f = np.asarray(functional, dtype=int) - 1
    d = np.asarray(dysfunctional, dtype=int) - 1
    return np.array(KANO_TABLE)[f, d]


def kano(answers: pd.DataFrame) -> pd.DataFrame:
    """Kano evaluation per feature: counts per category, the category, Better and Worse.

    Category = the most frequent one; ties go to the first in M > O > A > I > R > Q. Better =
    (A + O) / (A + O + M + I); Worse = −(O + M) / (A + O + M + I) (reverse and questionable answers
    excluded, Berger et al. 1993).
    """
    _require(answers, ["feature", "functional", "dysfunctional"], "Kano")
    valid = answers.dropna(subset=["functional", "dysfunctional"])
    bad = valid[~valid["functional"].isin(range(1, 6)) | ~valid["dysfunctional"].isin(range(1, 6))]
    if len(bad):
        raise DataError(
            f"Kano answers must be 1–5; found {examples(bad[['functional', 'dysfunctional']].values.tolist())}"
        )
    categories = valid.assign(category=kano_category(valid["functional"], valid["dysfunctional"]))
    counts = pd.crosstab(categories["feature"], categories["category"]).reindex(
        columns=list(KANO_PRIORITY), fill_value=0
    )
    table = counts.reset_index().rename_axis(columns=None)
    table["answers"] = counts.sum(axis=1).to_numpy()
    order = counts[list(KANO_PRIORITY)].to_numpy()
    table["category"] = [KANO_PRIORITY[int(np.argmax(row))] for row in order]  # argmax takes the first maximum
    core = table[["A", "O", "M", "I"]].sum(axis=1).replace(0, np.nan)
    table["better"] = (table["A"] + table["O"]) / core
    table["worse"] = -(table["O"] + table["M"]) / core
    return table.sort_values("feature", kind="stable").reset_index(drop=True)


def kano_map(table: pd.DataFrame) -> pd.DataFrame:
    """A :func:`kano` table with |Worse| (−Worse) in ``worse``, as the Better–Worse chart plots it."""
    return table.assign(worse=-table["worse"])


# --------------------------------------------------------------------------- gaps and delivered value


def servqual_gaps(survey: pd.DataFrame, groups: dict | None = None, weights: dict | None = None) -> pd.DataFrame:
    """Perception minus expectation per dimension (and per group of dimensions when ``groups`` maps
    dimension → group), averaged over respondents; negative means below expectation.

    With ``weights`` (group → weight, normalised to sum 1) ``.attrs["weighted_gap"]`` is Σ w·gap;
    ``.attrs["gap"]`` is the unweighted mean of the group (or dimension) gaps.
    """
    _require(survey, ["respondent_id", "dimension", "performance", "expectation"], "gap analysis")
    data = survey.dropna(subset=["performance", "expectation"])
    data = data.assign(gap=data["performance"] - data["expectation"])
    if groups:
        data = data.assign(group=data["dimension"].map(groups).fillna(data["dimension"]))
        per_respondent = data.groupby(["respondent_id", "group"])["gap"].mean()
        table = (
            per_respondent.groupby("group")
            .agg(["mean", "count"])
            .rename(columns={"mean": "gap", "count": "respondents"})
        )
    else:
        table = data.groupby("dimension").agg(
            gap=("gap", "mean"),
            respondents=("gap", "count"),
            performance=("performance", "mean"),
            expectation=("expectation", "mean"),
        )
    table = (
        table.reset_index()
        .sort_values(["gap", table.index.name or table.columns[0]], kind="stable")
        .reset_index(drop=True)
    )
    table.attrs["gap"] = float(table["gap"].mean())
    if weights:
        key = "group" if groups else "dimension"
        w = pd.Series(weights, dtype=float)
        w = w / w.sum()
        table.attrs["weighted_gap"] = float((table.set_index(key)["gap"] * w).dropna().sum())
    return table


def delivered_value(
    survey: pd.DataFrame, weights: dict | None = None, items: dict | None = None, by=("brand",)
) -> pd.DataFrame:
    """Total customer value, total customer cost, their difference and ratio per respondent and ``by``.

    The value (产品/服务/人员/形象价值) and cost (货币/时间/体力/精神成本) items are rated like any
    dimension (``performance``; for costs a higher rating is a larger cost). Weights: ``weights``
    (item → weight) or, by default, each respondent's stated importance of the items. An item counts
    for a respondent when it has a performance rating and a weight above 0 (with stated importance:
    when its importance was rated); the weights are normalised to sum 1 over the items that count,
    within value and within cost. TCV = Σ w·V, TCC = Σ u·C, CDV = TCV − TCC, ratio = TCV / TCC.
    A respondent with no cost item that counts has TCC NaN — never 0 — and so CDV and ratio NaN
    (likewise TCV). ``value_items``/``cost_items``: the number of items that counted.
    ``.attrs``: ``no_value``/``no_cost`` (respondents without any), ``partial_value``/
    ``partial_cost`` (respondents with fewer than all the survey's items of that kind).
    """
    items = items or DELIVERED_VALUE_ITEMS
    by = [b for b in by if b in survey.columns]
    keys = ["respondent_id", *by]
    rows = survey[survey["dimension"].isin(items)]
    if rows.empty:
        raise DataError("the survey has no delivered-value items (产品价值 … 精神成本 or their English names)")
    if weights is not None:
        weight = rows["dimension"].map(weights).astype(float)
    else:
        weight = rows["importance"].astype(float) if "importance" in rows else pd.Series(1.0, index=rows.index)
    rows = rows.assign(kind=rows["dimension"].map(items), weight=weight)
    counted = rows[rows["performance"].notna() & (rows["weight"] > 0)]
    total = counted.groupby([*keys, "kind"], dropna=False, observed=True)["weight"].transform("sum")
    counted = counted.assign(weighted=counted["performance"] * counted["weight"] / total)
    per_kind = (
        counted.groupby([*keys, "kind"], dropna=False, observed=True)["weighted"].agg(["sum", "size"]).reset_index()
    )
    scores = rows[keys].drop_duplicates().sort_values(keys, kind="stable").reset_index(drop=True)
    for kind, score in (("value", "tcv"), ("cost", "tcc")):
        part = per_kind[per_kind["kind"] == kind].drop(columns="kind")
        scores = scores.merge(part.rename(columns={"sum": score, "size": f"{kind}_items"}), on=keys, how="left")
        scores[f"{kind}_items"] = scores[f"{kind}_items"].fillna(0).astype("int64")
    scores["cdv"] = scores["tcv"] - scores["tcc"]
    scores["ratio"] = scores["tcv"] / scores["tcc"].where(scores["tcc"] > 0)
    scores = scores[[*keys, "tcv", "tcc", "cdv", "ratio", "value_items", "cost_items"]]
    for kind in ("value", "cost"):
        asked = rows.loc[rows["kind"] == kind, "dimension"].nunique()
        scores.attrs[f"no_{kind}"] = int((scores[f"{kind}_items"] == 0).sum())
        scores.attrs[f"partial_{kind}"] = int(scores[f"{kind}_items"].between(1, asked - 1).sum())
    return scores


def delivered_value_summary(values: pd.DataFrame, by="brand") -> pd.DataFrame:
    """Mean TCV, TCC, CDV and ratio per ``by`` (e.g. brand) over the respondents that have both TCV
    and TCC (so that mean CDV = mean TCV − mean TCC); ``respondents`` counts them,
    ``no_value_rating``/``no_cost_rating`` count the respondents left out for want of ratings."""
    complete = values.assign(_used=values["tcv"].notna() & values["tcc"].notna())
    table = complete.groupby(by, dropna=False).agg(
        respondents=("_used", "sum"),
        no_value_rating=("tcv", lambda s: int(s.isna().sum())),
        no_cost_rating=("tcc", lambda s: int(s.isna().sum())),
    )
    means = complete[complete["_used"]].groupby(by, dropna=False)[["tcv", "tcc", "cdv", "ratio"]].mean()
    table = table.join(means).reset_index()
    table["respondents"] = table["respondents"].astype("int64")
    return table[[by, "respondents", "tcv", "tcc", "cdv", "ratio", "no_value_rating", "no_cost_rating"]]


def delivered_value_notes(values: pd.DataFrame, summary: pd.DataFrame, brand, by="brand") -> list:
    """The sentences on delivered value: ``brand``'s means in a :func:`delivered_value_summary`, the
    ``by`` value delivering most, and the respondents left out or partly rated (``values.attrs`` of
    :func:`delivered_value`)."""
    mine = summary.set_index(by).loc[brand]
    best = summary.sort_values("cdv").iloc[-1][by]
    means = {key: mine[key] for key in ("tcv", "tcc", "cdv", "ratio")}
    notes = [("vd_delivered", {**means, "best": best})]
    return notes + [(f"vd_delivered_{key}", {"n": n}) for key, n in values.attrs.items() if n]


def delivered_value_steps(summary: pd.DataFrame, brand, by="brand") -> pd.DataFrame:
    """``brand``'s way from total value to delivered value: the steps ``tcv`` (+TCV) and ``tcc`` (−TCC)."""
    mine = summary.set_index(by).loc[brand]
    return pd.DataFrame({"step": ["tcv", "tcc"], "value": [mine["tcv"], -mine["tcc"]]})


def delivered_value_long(summary: pd.DataFrame, by="brand") -> pd.DataFrame:
    """A :func:`delivered_value_summary` with one row per ``by`` value and measure (tcv, tcc, cdv): ``score``."""
    return summary.melt(id_vars=by, value_vars=["tcv", "tcc", "cdv"], var_name="measure", value_name="score")


def component_means(survey: pd.DataFrame, items: dict | None = None, by: str = "brand") -> pd.DataFrame:
    """Mean rating of each value and cost component per ``by``; costs as negative values for charts."""
    items = items or DELIVERED_VALUE_ITEMS
    data = survey[survey["dimension"].isin(items)]
    table = data.groupby([by, "dimension"])["performance"].mean().reset_index()
    table["kind"] = table["dimension"].map(items)
    table["signed"] = np.where(table["kind"] == "cost", -table["performance"], table["performance"])
    return table


def delivery_problems(stated: pd.DataFrame, derived: pd.DataFrame, gaps: pd.DataFrame | None = None) -> pd.DataFrame:
    """Dimensions ranked by how much their shortfall matters: weight × shortfall.

    weight = derived importance share; shortfall = expectation − performance when expectations
    were asked (``gaps`` from :func:`servqual_gaps`), else importance − performance; only
    shortfalls above 0 count. Columns: dimension, weight, shortfall, priority, rank.
    """
    table = stated[["dimension", "importance", "performance", "quadrant"]].merge(
        derived[["dimension", "share"]].rename(columns={"share": "weight"}), on="dimension", how="left"
    )
    if gaps is not None and "dimension" in gaps.columns:
        table = table.merge(gaps[["dimension", "gap"]], on="dimension", how="left")
        table["shortfall"] = (-table["gap"]).clip(lower=0)
    else:
        table["shortfall"] = (table["importance"] - table["performance"]).clip(lower=0)
    table["weight"] = table["weight"].fillna(0.0)
    table["priority"] = table["weight"] * table["shortfall"]
    table = table.sort_values(["priority", "dimension"], ascending=[False, True], kind="stable").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table


def improvement_notes(problems: pd.DataFrame, top: int = TOP_IMPROVEMENTS) -> Notes:
    """The numbered list of the first ``top`` :func:`delivery_problems` with a priority above 0."""
    first = problems[problems["priority"] > 0].head(top)
    items = [
        t("vd_improvement_item", i=i, need=row.dimension, shortfall=row.shortfall)
        for i, row in enumerate(first.itertuples(), start=1)
    ]
    return [("vd_improvements", {"items": "\n".join(items) or t("vd_none")})]


def _listed(names) -> str:
    """Names joined for a sentence, or the word for none."""
    return t("vd_sep").join(map(str, names)) or t("vd_none")


def _require(frame: pd.DataFrame, columns: list, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns or frame[c].isna().all()]
    if missing:
        raise DataError(
            f"{what} needs the survey column(s) {', '.join(missing)}; columns present: {', '.join(frame.columns)}"
        )
