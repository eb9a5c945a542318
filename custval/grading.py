"""Customer value grading (course task 四): current value, future value, the A–F grid, strategies,
key customers and grade migration. The A–F layout of the textbook's figure 2-2 could not be
verified (METHODS.md §1), so the layout is a parameter; the default is METHODS' layout 1.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from custval import scans
from custval.errors import DataError, examples

# (future, current) → grade. Future value has two levels, current value three.
DEFAULT_LAYOUT = {("high", "high"): "A", ("high", "medium"): "C", ("high", "low"): "B",
                  ("low", "high"): "D", ("low", "medium"): "E", ("low", "low"): "F"}  # fmt: skip
# Quantile cuts: current value high = top 20 % of customers, medium = the next 30 %, low = the rest;
# future value high = above the median. "Above a cut" is strict, so ties at the cut go down.
DEFAULT_CUTS = {"current": (0.5, 0.8), "future": (0.5,)}
# Value-share cuts (method="share"): current high = customers holding the first 80 % of current
# value, medium the next 15 %; future high = the first 80 % of future value.
DEFAULT_SHARE_CUTS = {"current": (0.8, 0.95), "future": (0.8,)}
GRADES = ("A", "B", "C", "D", "E", "F")
WINDOWS = {"M": 1, "Q": 3, "Y": 12}


def current_value(tx, window: str = "12M", as_of=None, engine=None) -> pd.DataFrame:
    """Contribution margin (amount − cost) per customer in the ``window`` up to ``as_of``.

    ``window`` is ``<n>M``, ``<n>Q`` or ``<n>Y`` (e.g. ``12M``): lines dated after ``as_of`` minus
    that many calendar months and up to ``as_of`` (default: the latest order date). Without a
    cost or profit column the basis is revenue, and the ``basis`` column says so. Every customer
    seen up to ``as_of`` is listed, sorted, with ``customer_id`` as text (0 when they bought nothing
    in the window). ``tx`` and ``engine`` as in ``summarize``: the sums run on DuckDB or Spark,
    exact to 0.0001.
    """
    months = _window_months(window)
    table, con, _ = scans.source(tx, engine, ("customer_id", "order_date", "amount"), "current_value")
    end = pd.Timestamp(as_of) if as_of is not None else scans.latest(con, table)
    basis = scans.margin(table)[1]
    if end is None:
        values = pd.DataFrame({"customer_id": pd.Series(dtype="string"), "current_value": pd.Series(dtype="float64")})
    else:
        start = end - pd.DateOffset(months=months)
        seen = table.filter(table.order_date <= ibis.literal(end.to_pydatetime()))
        in_window = seen.order_date > ibis.literal(start.to_pydatetime())
        cents = ibis.ifelse(in_window, scans.scaled(scans.margin(seen)[0]).fill_null(0), 0)
        lines = seen.select(customer_id=seen.customer_id.cast("string"), cents=cents)
        sums = lines.group_by("customer_id").aggregate(cents=lines.cents.sum()).order_by("customer_id")
        found = scans.fetch(con, sums)
        values = pd.DataFrame({"customer_id": found["customer_id"].astype("string"),
                               "current_value": found["cents"].to_numpy("float64") / scans.SCALE})  # fmt: skip
    values["basis"] = basis
    return values


def _window_months(window: str) -> int:
    text = str(window).strip().upper()
    if len(text) < 2 or text[-1] not in WINDOWS or not text[:-1].isdigit():
        raise ValueError(f"window must look like 12M, 4Q or 1Y, got {window!r}")
    return int(text[:-1]) * WINDOWS[text[-1]]


def future_value(summary: pd.DataFrame, horizon: int = 12, unit: str = "M", discount: float = 0.01,
                 margin_rate: float = 1.0, method: str = "models", current=None,
                 retention: float | None = None, dwyer: pd.DataFrame | None = None,
                 groups: pd.Series | None = None) -> pd.DataFrame:  # fmt: skip
    """Future value per customer and the model behind it.

    ``models``: BG/NBD purchases × Gamma-Gamma spend × ``margin_rate``, discounted per ``unit``
    period (``custval.clv.clv``), with P(alive) and expected purchases; when too few customers
    repeat for Gamma-Gamma, each customer's mean order value stands in and ``spend_model`` says so.
    ``retention``: ``retention_clv`` of the yearly ``current`` value (a Series by customer) with a
    constant yearly ``retention`` rate over ``horizon`` years.
    ``dwyer``: every customer gets the CLV per customer of their group in the last year of a
    ``custval.clv.dwyer_table`` (``dwyer``, grouped by its first column); ``groups`` is each
    customer's group (a Series indexed by customer_id).
    """
    from custval.clv import FitError, clv, fit_value_models, retention_clv

    if method == "dwyer":
        if dwyer is None or groups is None:
            raise ValueError("method='dwyer' needs dwyer (a dwyer_table) and groups (each customer's group)")
        group = dwyer.columns[0]
        per_customer = dwyer[dwyer["year"] == dwyer["year"].max()].set_index(group)["clv_per_customer"]
        mine = groups.reindex(summary["customer_id"].to_numpy())
        values = mine.map(per_customer)
        lost = values.isna()
        if lost.any():
            raise DataError(f"DWYER future value: {int(lost.sum())} customer(s) have no group or a group the "
                            f"DWYER table lacks, e.g. customer(s) {examples(mine.index[lost])} "
                            f"(group(s) {examples(mine[lost].fillna('—'))})")  # fmt: skip
        return pd.DataFrame({"customer_id": summary["customer_id"].to_numpy(), group: mine.to_numpy(),
                             "future_value": values.to_numpy(float), "method": "dwyer"})  # fmt: skip
    if method == "retention":
        if current is None or retention is None:
            raise ValueError("method='retention' needs current (value per customer) and retention (a rate)")
        values = retention_clv(current.reindex(summary["customer_id"]).fillna(0).to_numpy(), retention, discount, horizon)
        return pd.DataFrame({"customer_id": summary["customer_id"], "future_value": values, "method": "retention"})
    if method != "models":
        raise ValueError(f"method must be 'models', 'retention' or 'dwyer', got {method!r}")
    purchases, spend = fit_value_models(summary)
    spend_model = "gamma_gamma"
    if isinstance(spend, FitError):
        spend, spend_model = _MeanSpend(summary), "mean_order_value"
    values = clv(purchases, spend, summary, horizon=horizon, unit=unit, discount=discount, margin=margin_rate)
    from custval.summary import UNITS

    length = horizon * UNITS[unit] / UNITS[summary.attrs.get("unit", "D")]
    out = pd.DataFrame({
        "customer_id": summary["customer_id"].to_numpy(), "future_value": values.to_numpy(),
        "p_alive": purchases.p_alive(summary), "expected_purchases": purchases.expected_purchases(length, summary),
        "expected_spend": spend.expected_spend(summary),
    })  # fmt: skip
    out.attrs.update(method="models", spend_model=spend_model, bgnbd=purchases, spend=spend)
    return out


class _MeanSpend:
    """Stand-in spend model: each customer's own mean order value (population mean when none)."""

    def __init__(self, summary):
        orders = summary["n_orders"].where(summary["n_orders"] > 0)
        self._values = (summary["revenue"] / orders).fillna((summary["revenue"].sum() / summary["n_orders"].sum())).to_numpy()
        self.params_ = {}

    def expected_spend(self, summary):
        return self._values


def bands(values: pd.Series, cuts, method: str = "quantile") -> pd.Series:
    """Level names (low, medium, high — or low, high with one cut) from quantile or value-share cuts.

    ``quantile`` (cuts increasing, e.g. (0.5, 0.8)): a value strictly above the q-quantile is above
    that cut, so (0.5, 0.8) makes the top 20 % high and the next 30 % medium. ``share`` (cuts
    increasing cumulative shares from the top, e.g. (0.8, 0.95), as in ABC): customers sorted by
    value, largest first; high while the customers ranked ahead hold less than the first cut of
    the total (the customer crossing it included), medium up to the second; 0 or less is low.
    """
    names = ("low", "high") if len(cuts) == 1 else ("low", "medium", "high")
    if len(cuts) not in (1, 2) or list(cuts) != sorted(cuts) or not all(0 < c <= 1 for c in cuts):
        raise ValueError(f"cuts must be one or two increasing numbers between 0 and 1, got {cuts!r}")
    if method == "quantile":
        thresholds = [values.quantile(c) for c in cuts]
        level = sum((values > t).astype(int) for t in thresholds)
    elif method == "share":
        order = values.sort_values(ascending=False, kind="stable").clip(lower=0)
        total = order.sum()
        before = (order.cumsum() - order) / total if total > 0 else order * 0 + 1
        level = sum((before < c).astype(int) for c in cuts).reindex(values.index)
        level = level.where(values > 0, 0)
    else:
        raise ValueError(f"method must be 'quantile' or 'share', got {method!r}")
    return pd.Series(np.asarray(names, dtype=object)[np.asarray(level, dtype=np.int64)], index=values.index, dtype="str")


def level_cuts(cuts: dict | None = None, method: str = "quantile") -> dict:
    """The cuts ``grade`` uses: the method's defaults, overridden by ``cuts``."""
    return {**(DEFAULT_SHARE_CUTS if method == "share" else DEFAULT_CUTS), **(cuts or {})}


def cut_shares(cuts: dict | None = None, method: str = "quantile") -> dict:
    """What each level holds, for the report's sentence: shares of customers (quantile) or of
    value (share) in the high and medium current levels and the high future level."""
    full = level_cuts(cuts, method)
    (low, high), (future,) = full["current"], full["future"]
    if method == "share":  # cuts are cumulative value shares, largest customers first
        return {"high": low, "medium": high - low, "future_high": future}
    return {"high": 1 - high, "medium": high - low, "future_high": 1 - future}


def grade(customers: pd.DataFrame, current: str = "current_value", future: str = "future_value",
          layout: dict | None = None, cuts: dict | None = None, method: str = "quantile") -> pd.DataFrame:  # fmt: skip
    """Add ``current_level``, ``future_level`` and ``grade`` (A–F by ``layout``) to each customer."""
    layout = layout or DEFAULT_LAYOUT
    cuts = level_cuts(cuts, method)
    _check_layout(layout)
    for column in (current, future):
        if column not in customers.columns:
            raise ValueError(f"no column {column!r} to grade by")
        if customers[column].isna().any():
            raise DataError(f"{column} is empty for {int(customers[column].isna().sum())} customer(s); grade needs a value for each")
    out = customers.copy()
    out["current_level"] = bands(out[current], cuts["current"], method)
    out["future_level"] = bands(out[future], cuts["future"], method)
    cells = {(f, c): layout[(f, c)] for f in ("high", "low") for c in ("high", "medium", "low")}
    pairs = pd.MultiIndex.from_arrays([out["future_level"], out["current_level"]])
    out["grade"] = pd.Series(pd.Series(cells).reindex(pairs).to_numpy(dtype=object), index=out.index, dtype="str")
    return out


def parse_layout(text: str) -> dict:
    """``"ACB/DEF"`` → layout: the future-high row then the future-low row, each listing the grades
    for current value high, medium, low."""
    rows = str(text).replace(" ", "").upper().split("/")
    if len(rows) != 2 or any(len(r) != 3 for r in rows) or sorted("".join(rows)) != list(GRADES):
        raise ValueError(f"grade_layout must be two rows of three grades A–F, each once, like 'ACB/DEF'; got {text!r}")
    return {(f, c): rows[i][j] for i, f in enumerate(("high", "low")) for j, c in enumerate(("high", "medium", "low"))}


def _check_layout(layout: dict) -> None:
    cells = {(f, c) for f in ("high", "low") for c in ("high", "medium", "low")}
    if set(layout) != cells:
        raise ValueError("layout must map every (future, current) cell — future high/low × current "
                         f"high/medium/low — to a grade; missing {sorted(cells - set(layout))}")  # fmt: skip


def grade_table(graded: pd.DataFrame, value: str = "future_value") -> pd.DataFrame:
    """Customers and share of ``value`` per grade (every grade listed)."""
    table = graded.groupby("grade").agg(customers=("grade", "size"), value=(value, "sum"))
    table = table.reindex(sorted(set(GRADES) | set(table.index)), fill_value=0)
    total = table["value"].sum()
    table["share_customers"] = table["customers"] / table["customers"].sum()
    table["share_value"] = table["value"] / total if total else np.nan
    return table.rename_axis("grade").reset_index()


def sensitivity(customers: pd.DataFrame, shift: float = 0.05, **options) -> pd.DataFrame:
    """How many customers change grade when every cut moves by ±``shift``."""
    defaults = DEFAULT_SHARE_CUTS if options.get("method") == "share" else DEFAULT_CUTS
    cuts = {**defaults, **(options.pop("cuts", None) or {})}
    base = grade(customers, cuts=cuts, **options)["grade"]
    rows = []
    for direction in (-1, 1):
        moved = {k: tuple(min(max(c + direction * shift, 0.01), 0.99) for c in v) for k, v in cuts.items()}
        other = grade(customers, cuts=moved, **options)["grade"]
        rows.append({"shift": direction * shift, "changed": int((other != base).sum()),
                     "share_changed": float((other != base).mean())})  # fmt: skip
    return pd.DataFrame(rows)


# Table 2-25 of the course: per grade the customer's character, service advice and marketing
# strategy, plus the investment stance of figure 2-2's text. Keys are i18n names.
STRATEGY_KEYS = ("character", "service", "marketing", "investment")


def strategies(lang: str | None = None) -> pd.DataFrame:
    """Service strategy and investment stance per grade, in the report language."""
    from custval.i18n import t

    rows = [{"grade": g, **{k: t(f"grade_{g}_{k}", lang=lang) for k in STRATEGY_KEYS}} for g in GRADES]
    return pd.DataFrame(rows)


def key_customers(tx: pd.DataFrame, as_of=None, top: int = 20, window_months: int = 12) -> dict[str, pd.DataFrame]:
    """The three questions of 重点客户的判断: top contributors to sales, fastest growing, top profit.

    Over the last ``window_months`` up to ``as_of``; growth compares with the window before (only
    customers who bought in both windows; growth = change / previous).
    """
    end = pd.Timestamp(as_of) if as_of is not None else tx["order_date"].max()
    start, before = end - pd.DateOffset(months=window_months), end - pd.DateOffset(months=2 * window_months)
    recent = tx[(tx["order_date"] > start) & (tx["order_date"] <= end)]
    earlier = tx[(tx["order_date"] > before) & (tx["order_date"] <= start)]
    sales = recent.groupby("customer_id")["amount"].sum()
    previous = earlier.groupby("customer_id")["amount"].sum()
    both = sales.index.intersection(previous.index[previous > 0])
    growth = ((sales[both] - previous[both]) / previous[both]).rename("growth")
    out = {
        "sales": _top(sales.rename("sales"), top),
        "growth": _top(growth, top).merge(sales.rename("sales").reset_index(), on="customer_id"),
    }
    if "cost" in recent.columns or "profit" in recent.columns:
        profit = recent["profit"] if "profit" in recent.columns else recent["amount"] - recent["cost"]
        out["profit"] = _top(profit.groupby(recent["customer_id"]).sum().rename("profit"), top)
    return out


def _top(values: pd.Series, n: int) -> pd.DataFrame:
    frame = values.rename_axis("customer_id").reset_index()
    column = values.name
    return frame.sort_values([column, "customer_id"], ascending=[False, True], kind="stable").head(n).reset_index(drop=True)


def grade_migration(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Customers by previous grade (rows) and current grade (columns); "new" and "gone" included."""
    merged = previous[["customer_id", "grade"]].merge(current[["customer_id", "grade"]], on="customer_id",
                                                     how="outer", suffixes=("_previous", "_current"))  # fmt: skip
    merged = merged.fillna({"grade_previous": "new", "grade_current": "gone"})
    order = [*GRADES, "new", "gone"]
    table = pd.crosstab(merged["grade_previous"], merged["grade_current"])
    return table.reindex(index=[g for g in order if g != "gone"], columns=[g for g in order if g != "new"], fill_value=0)


def margin_rate(tx: pd.DataFrame) -> float | None:
    """Total margin over total revenue from ``profit`` or ``cost``; None when neither is there."""
    if "profit" in tx.columns:
        margin = tx["profit"].sum()
    elif "cost" in tx.columns:
        margin = (tx["amount"] - tx["cost"]).sum()
    else:
        return None
    revenue = tx["amount"].sum()
    return float(margin / revenue) if revenue > 0 else None


def holdout_split(tx: pd.DataFrame, min_days: int = 365):
    """A calibration end leaving the last third of the history (whole weeks) for a holdout check;
    None when the history is shorter than ``min_days``."""
    first, last = tx["order_date"].min().normalize(), tx["order_date"].max().normalize()
    days = (last - first).days
    if days < min_days:
        return None
    return (last - pd.Timedelta(days=round(days / 3 / 7) * 7)).date()


def with_cohort(tx: pd.DataFrame) -> pd.DataFrame:
    """``tx`` with ``cohort``: the year of each customer's first purchase."""
    first = tx.groupby("customer_id")["order_date"].transform("min")
    return tx.assign(cohort=first.dt.year.astype(str))


def per_year(rate: float, unit: str) -> float:
    """A rate per ``unit`` period (D, W, M) as a yearly rate."""
    from custval.summary import UNITS

    return (1 + rate) ** (365.25 / UNITS[unit]) - 1


def yearly_retention(tx: pd.DataFrame) -> float:
    """Share of a year's active customers who buy again the next year, over all years (NaN with one year)."""
    from custval.clv import dwyer_inputs

    return float(dwyer_inputs(tx.assign(_all="all"), by="_all")["retention"].iloc[0])
