"""Customer value grading (course task 四): current value, future value, the A–F grid, strategies,
key customers and grade migration. The A–F layout of the textbook's figure 2-2 could not be
verified (METHODS.md §1), so the layout is a parameter; the default is METHODS' layout 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custval import clv, segment, units, valuation
from custval.errors import DataError, FitError, MissingColumnError, NotFittedError
from custval.i18n import Notes, label, name, t
from custval.summary import summarize

# (future, current) → grade. Future value has two levels, current value three.
DEFAULT_LAYOUT = {
    ("high", "high"): "A",
    ("high", "medium"): "C",
    ("high", "low"): "B",
    ("low", "high"): "D",
    ("low", "medium"): "E",
    ("low", "low"): "F",
}
# Quantile cuts: current value high = top 20 % of customers, medium = the next 30 %, low = the rest;
# future value high = above the median. "Above a cut" is strict, so ties at the cut go down.
DEFAULT_CUTS = {"current": (0.5, 0.8), "future": (0.5,)}
# Value-share cuts (method="share"): current high = customers holding the first 80 % of current
# value, medium the next 15 %; future high = the first 80 % of future value.
DEFAULT_SHARE_CUTS = {"current": (0.8, 0.95), "future": (0.8,)}
GRADES = ("A", "B", "C", "D", "E", "F")
LEVELS = {"current": ("high", "medium", "low"), "future": ("high", "low")}
FUTURE_METHODS = ("auto", "models", "migration")
CUT_METHODS = ("quantile", "share")  # how level cuts are read: see bands
HORIZONS = (1, 3, 5)  # years compared on the page (METHODS §1.4's sensitivity check)
CURRENT_MONTHS = 12  # current value: the margin of the last 12 months
DWYER_MIN_MONTHS = 24  # DWYER estimates retention from two complete tenure years at least
CUT_SHIFT = 0.10  # ±10 percentiles
KEY_LIST_TOP = segment.KEEP_LIST_TOP  # customers per region in the key-customer workbook; the CSV lists all


def current_value(tx, window: str = "12M", as_of=None, engine=None) -> pd.DataFrame:
    """Contribution margin (amount − cost, or profit) per customer in the ``window`` up to ``as_of``.

    ``window`` is ``<n>M``, ``<n>Q`` or ``<n>Y`` (e.g. ``12M``): lines dated after ``as_of`` minus
    that many calendar months and up to ``as_of`` (default: the latest order date). Without a
    cost or profit column the basis is revenue, and the ``basis`` column says so. Every customer
    seen up to ``as_of`` is listed, sorted, with ``customer_id`` as text (0 when they bought nothing
    in the window). ``tx`` and ``engine`` as in ``summarize``: the sums run on DuckDB or Spark,
    exact to 0.0001.
    """
    windows = valuation.customer_windows(tx, as_of=as_of, months=units.window_months(window), engine=engine)
    values = valuation.window_value(windows)
    values["basis"] = windows.attrs["basis"]
    return values


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
    return pd.Series(
        np.asarray(names, dtype=object)[np.asarray(level, dtype=np.int64)], index=values.index, dtype="str"
    )


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


def grade(
    customers: pd.DataFrame,
    current: str = "current_value",
    future: str = "future_value",
    layout: dict | str | None = None,
    cuts: dict | None = None,
    method: str = "quantile",
) -> pd.DataFrame:
    """Add ``current_level``, ``future_level`` and ``grade`` (A–F by ``layout``) to each customer."""
    layout = _layout(layout)
    cuts = level_cuts(cuts, method)
    for column in (current, future):
        if column not in customers.columns:
            raise MissingColumnError(
                f"the customers table has no column {column!r} to grade by; "
                f"columns: {', '.join(map(str, customers.columns))}"
            )
        if customers[column].isna().any():
            raise DataError(
                f"{column} is empty for {int(customers[column].isna().sum())} customer(s); grade needs a value for each"
            )
    out = customers.copy()
    out["current_level"] = bands(out[current], cuts["current"], method)
    out["future_level"] = bands(out[future], cuts["future"], method)
    cells = np.array([[layout[(f, c)] for c in LEVELS["current"]] for f in LEVELS["future"]], dtype=object)
    row = _level_codes(out["future_level"], LEVELS["future"])
    column = _level_codes(out["current_level"], LEVELS["current"])
    out["grade"] = pd.Series(cells[row, column], index=out.index, dtype="str")
    return out


def _level_codes(levels: pd.Series, names) -> np.ndarray:
    """The position of each level in ``names`` (``bands`` gives no other)."""
    codes = np.zeros(len(levels), dtype=np.int64)
    for position, level in enumerate(names[1:], start=1):
        codes[(levels == level).to_numpy(bool)] = position
    return codes


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
        raise ValueError(
            "layout must map every (future, current) cell — future high/low × current "
            f"high/medium/low — to a grade; missing {sorted(cells - set(layout))}"
        )


def grade_table(graded: pd.DataFrame, value: str = "future_value") -> pd.DataFrame:
    """Customers and the sum and share of ``value`` per grade (every grade listed; the sum keeps
    the column's name)."""
    table = graded.groupby("grade").agg(customers=("grade", "size"), **{value: (value, "sum")})
    table = table.reindex(sorted(set(GRADES) | set(table.index)), fill_value=0)
    total = table[value].sum()
    table["share_customers"] = table["customers"] / table["customers"].sum()
    table["share_value"] = table[value] / total if total else np.nan
    return table.rename_axis("grade").reset_index()


def sensitivity(customers: pd.DataFrame, shift: float = CUT_SHIFT, **options) -> pd.DataFrame:
    """How many customers change grade when every cut moves by ±``shift`` (METHODS §1.4: ±10
    percentiles, or ±10 points of value share with ``method="share"``)."""
    defaults = DEFAULT_SHARE_CUTS if options.get("method") == "share" else DEFAULT_CUTS
    cuts = {**defaults, **(options.pop("cuts", None) or {})}
    base = grade(customers, cuts=cuts, **options)["grade"]
    rows = []
    for direction in (-1, 1):
        moved = {k: tuple(min(max(c + direction * shift, 0.01), 0.99) for c in v) for k, v in cuts.items()}
        other = grade(customers, cuts=moved, **options)["grade"]
        rows.append(
            {
                "shift": direction * shift,
                "changed": int((other != base).sum()),
                "share_changed": float((other != base).mean()),
            }
        )
    return pd.DataFrame(rows)


# Table 2-25 of the course: per grade the customer's character, service advice and marketing
# strategy, plus the investment stance of figure 2-2's text. Keys are i18n names.
STRATEGY_KEYS = ("character", "service", "marketing", "investment")


def strategies(lang: str | None = None, layout: dict | str | None = None) -> pd.DataFrame:
    """Service strategy and investment stance per grade, in the report language. The character
    names the grade's levels in ``layout`` (so it stays right when the layout changes) and the
    textbook's description of the letter."""
    cells = {grade: cell for cell, grade in _layout(layout).items()}
    rows = []
    for g in GRADES:
        future, current = cells[g]
        character = t(
            "grade_character",
            lang=lang,
            current=name("level", current, lang=lang),
            future=name("level", future, lang=lang),
            note=t(f"grade_{g}_note", lang=lang),
        )
        rows.append(
            {"grade": g, "character": character, **{k: t(f"grade_{g}_{k}", lang=lang) for k in STRATEGY_KEYS[1:]}}
        )
    return pd.DataFrame(rows)


def bottom_grade(layout: dict | str | None = None) -> str:
    """The grade of the low current, low future value cell (F in the default layout)."""
    return _layout(layout)[("low", "low")]


def _layout(layout: dict | str | None) -> dict:
    """A layout given as a dict, as text like ``"ACB/DEF"`` or None (the default)."""
    if layout is None:
        return DEFAULT_LAYOUT
    if isinstance(layout, str):
        return parse_layout(layout)
    _check_layout(layout)
    return layout


def key_customers(tx: pd.DataFrame, as_of=None, top: int = 20, window_months: int = 12) -> dict[str, pd.DataFrame]:
    """The three questions of 重点客户的判断: top contributors to sales, fastest growing, top profit.

    Over the last ``window_months`` up to ``as_of``; growth compares with the window before (only
    customers who bought in both windows; growth = change / previous).
    """
    end = pd.Timestamp(as_of) if as_of is not None else tx["order_date"].max()
    start, before = end - pd.DateOffset(months=window_months), end - pd.DateOffset(months=2 * window_months)
    day = tx["order_date"]
    columns = [c for c in ("customer_id", "amount", "cost", "profit") if c in tx.columns]
    recent = tx.loc[((day > start) & (day <= end)).to_numpy(), columns]
    earlier = tx.loc[((day > before) & (day <= start)).to_numpy(), columns]
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
    return (
        frame.sort_values([column, "customer_id"], ascending=[False, True], kind="stable")
        .head(n)
        .reset_index(drop=True)
    )


def grade_migration(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Customers by previous grade (rows) and current grade (columns); "new" and "gone" included."""
    merged = previous[["customer_id", "grade"]].merge(
        current[["customer_id", "grade"]], on="customer_id", how="outer", suffixes=("_previous", "_current")
    )
    merged = merged.fillna({"grade_previous": "new", "grade_current": "gone"})
    order = [*GRADES, "new", "gone"]
    table = pd.crosstab(merged["grade_previous"], merged["grade_current"])
    return table.reindex(
        index=[g for g in order if g != "gone"], columns=[g for g in order if g != "new"], fill_value=0
    )


def migration_cells(migration: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """``grade_migration``'s table as one row per (previous, current) cell with grade names in the
    report language, ordered as the table is, for the migration heatmap."""
    cells = migration.stack().rename("customers").reset_index()
    rows = [name("grade", g, lang=lang) for g in migration.index]
    columns = [name("grade", g, lang=lang) for g in migration.columns]
    return cells.assign(
        grade_previous=pd.Categorical([name("grade", g, lang=lang) for g in cells["grade_previous"]], rows),
        grade_current=pd.Categorical([name("grade", g, lang=lang) for g in cells["grade_current"]], columns),
    )


# --------------------------------------------------------------------------- the value chain

GRADES_COLUMNS = [
    "customer_id",
    "current_value",
    "active_value",
    "future_value",
    "method",
    "p_alive",
    "lapsed",
    "current_level",
    "future_level",
    "grade",
    "strategy",
]


class ValueChain:
    """Current value → future value → A–F grade → strategy for every customer: the one chain the
    grading, allocation, win-back and list pages share, so they can never disagree.

    - Current value: margin of the last 12 months up to ``as_of`` (``current_value``).
    - Future value (METHODS §1.4): the margin expected over the next ``horizon_years`` years,
      each year discounted at ``discount_rate`` at its end (Σ_{t=1..H} m_t / (1 + d)^t).
      ``future_method="models"``: BG/NBD purchases × Gamma-Gamma spend × margin rate;
      ``"migration"``: the recency–frequency–value migration model (``custval.clv.migration``) on the
      customer's margin per active year; ``"auto"`` (default): the models, and the migration model
      when BG/NBD cannot be fitted (``reason_`` says why).
    - Customers whose lines are all returns are not fitted as one-time buyers: they made no
      purchase to project from, so their future value is 0 (method ``only_returns``) and their
      current value is what the returns left (≤ 0).
    - ``margin_rate`` (0 < rate ≤ 1) turns spend into margin; None or 0: the data's profit ÷
      revenue, 1 without cost data (then both values are revenue). The migration model on data
      with costs values the data's margin and applies no rate (``margin_rate_used`` is None).
    - Grades by ``grade`` with ``layout``, ``cuts`` and ``grade_method``; ``strategy`` is the
      investment stance of the grade (``strategies``).
    - ``lapsed``: repeat buyers with P(alive) below ``lapse_threshold`` and one-time buyers whose
      purchase lies further back than 90 % of repeat buyers' time between purchases (models); a
      chance below ``lapse_threshold`` of buying in the next period (migration).

    After ``fit``: ``grades_`` (one row per customer, sorted; ``.attrs`` holds the settings, the
    method and the reason for a fallback), ``method_``, ``reason_``, ``future_`` (the fitted
    future-value model: ``.purchases`` and ``.spend`` for the models, ``.model`` for migration),
    ``windows_`` (the customers' 12-month windows, ``valuation.customer_windows``).
    """

    def __init__(
        self,
        horizon_years: int = 5,
        discount_rate: float = 0.10,
        margin_rate: float | None = None,
        future_method: str = "auto",
        layout: dict | str | None = None,
        cuts: dict | None = None,
        grade_method: str = "quantile",
        lapse_threshold: float = 0.3,
        lang: str | None = None,
    ):
        self.horizon_years = horizon_years
        self.discount_rate = discount_rate
        self.margin_rate = margin_rate
        self.future_method = future_method
        self.layout = layout
        self.cuts = cuts
        self.grade_method = grade_method
        self.lapse_threshold = lapse_threshold
        self.lang = lang

    def fit(self, tx, summary: pd.DataFrame | None = None, as_of=None, engine=None):
        """Value and grade every customer of ``tx`` (a frame, file or table, as in ``summarize``)
        at ``as_of`` (default: the latest order date); ``summary`` is ``summarize``'s table of the
        same lines, computed when not given. Returns ``self``."""
        self._check()
        self.windows_ = windows = valuation.customer_windows(tx, as_of=as_of, months=CURRENT_MONTHS, engine=engine)
        if summary is None:
            summary = summarize(tx, as_of=windows.attrs["as_of"], engine=engine)
        values = valuation.window_value(windows).set_index("customer_id")
        customers = values.index.union(pd.Index(summary["customer_id"], dtype="string")).sort_values()
        table = pd.DataFrame(index=customers.rename("customer_id"))
        table["current_value"] = values["current_value"].reindex(customers).fillna(0.0)
        table["active_value"] = valuation.active_value(windows).reindex(customers).fillna(0.0)
        unit = units.summary_unit(summary, "D")
        summary = summary.set_index(summary["customer_id"].astype("string")).reindex(customers)
        summary.attrs = {"unit": unit}
        self.margin_rate_ = self.margin_rate or valuation.summary_margin_rate(summary) or 1.0
        self.basis_, self.as_of_ = windows.attrs["basis"], windows.attrs["as_of"]
        self.history_months_ = valuation.history_months(windows)
        self._future(tx, summary, windows, engine)
        self._table(table, summary)
        return self

    def _check(self) -> None:
        if self.future_method not in FUTURE_METHODS:
            raise ValueError(f"future_method must be one of {', '.join(FUTURE_METHODS)}, got {self.future_method!r}")
        if not (isinstance(self.horizon_years, (int, np.integer)) and self.horizon_years >= 1):
            raise ValueError(f"horizon_years must be a whole number of years ≥ 1, got {self.horizon_years!r}")
        if not 0 <= self.discount_rate < 1:
            raise ValueError(f"discount_rate must be a yearly rate from 0 to below 1, got {self.discount_rate!r}")
        if self.margin_rate is not None and not 0 <= self.margin_rate <= 1:
            raise ValueError(
                f"margin_rate must be between 0 and 1 (0 or None: from the data), got {self.margin_rate!r}"
            )

    def _future(self, tx, summary: pd.DataFrame, windows: pd.DataFrame, engine) -> None:
        """Fit the future-value model on the customers with a purchase."""
        buyers = ~summary["only_returns"].fillna(True).to_numpy(bool)
        self.fitted_customers_ = summary.index[buyers]
        self.n_only_returns_ = int((~buyers).sum())
        years = max(self.horizon_years, *HORIZONS)
        self.reason_ = ""
        fitted = summary[buyers].reset_index(drop=True)
        fitted.attrs = summary.attrs
        fallback = self.future_method == "migration"
        if not fallback:
            try:
                self.future_ = valuation.model_future(fitted, self.margin_rate_, years, self.lapse_threshold)
            except FitError as problem:
                if self.future_method == "models":
                    raise
                fallback, self.reason_ = True, str(problem)
        if fallback:
            self.future_ = valuation.migration_future(
                tx,
                self.fitted_customers_,
                windows,
                years,
                self.lapse_threshold,
                margin=self._migration_margin(),
                engine=engine,
            )
        self.method_ = self.future_.method

    def _migration_margin(self) -> float:
        """The migration model values margin already when the data have costs; revenue otherwise."""
        return 1.0 if self.basis_ == "margin" else self.margin_rate_

    def margin_rate_used(self) -> float | None:
        """The margin rate applied to the future value: None when the migration model values the
        data's own margin (data with costs), where no rate is applied."""
        self._fitted()
        return None if self.method_ == "migration" and self.basis_ == "margin" else float(self.margin_rate_)

    def ignored_margin_rate(self) -> float | None:
        """The ``margin_rate`` the user set (not None or 0) when it had no effect on the future
        value (``margin_rate_used`` is None), for the page to say so; else None."""
        return float(self.margin_rate) if self.margin_rate and self.margin_rate_used() is None else None

    def _table(self, table: pd.DataFrame, summary: pd.DataFrame) -> None:
        fitted = self.fitted_customers_
        table["future_value"] = 0.0
        table.loc[fitted, "future_value"] = self.future_.values(self.horizon_years, self.discount_rate)
        table["method"] = "only_returns"
        table.loc[fitted, "method"] = self.method_
        table["p_alive"] = np.nan
        if self.method_ == "models":
            table.loc[fitted, "p_alive"] = self.future_.p_alive
        table["lapsed"] = False
        table.loc[fitted, "lapsed"] = self.future_.lapsed
        graded = grade(table.reset_index(), layout=self.layout, cuts=self.cuts, method=self.grade_method)
        stance = strategies(self.lang, self.layout).set_index("grade")["investment"]
        graded["strategy"] = graded["grade"].map(stance)
        graded = graded[GRADES_COLUMNS].astype({"method": "str", "lapsed": "bool"})
        graded.attrs.update(self.settings())
        self.grades_ = graded

    def settings(self) -> dict:
        """What the page and the manifest say about this grading."""
        self._fitted()
        return {
            "method": self.method_,
            "reason": self.reason_,
            "horizon_years": int(self.horizon_years),
            "discount_rate": float(self.discount_rate),
            "margin_rate": float(self.margin_rate_),
            "basis": self.basis_,
            "spend_model": getattr(self.future_, "spend_model", None),
            "cuts": level_cuts(self.cuts, self.grade_method),
            "grade_method": self.grade_method,
            "only_returns": self.n_only_returns_,
            "margin_rate_used": self.margin_rate_used(),
        }

    def _fitted(self) -> None:
        if not hasattr(self, "method_"):
            raise NotFittedError("ValueChain is not fitted yet; call fit(tx) first")

    def record(self) -> dict:
        """The settings and fitted parameters, for ``tables/model_params.json``."""
        record = self.settings()
        record["cuts"] = {k: list(v) for k, v in record["cuts"].items()}
        if self.method_ == "models":
            purchases = self.future_.purchases
            record["bgnbd"] = {
                **purchases.params_,
                "log_likelihood": purchases.log_likelihood_,
                "standard_errors": purchases.standard_errors_,
            }
            record["spend"] = dict(getattr(self.future_.spend, "params_", {}))
        else:
            rates = self.future_.model.rates_
            record["migration"] = {
                "period_months": self.future_.period_months,
                "rates": rates.astype({"probability": float}).to_dict("records"),
            }
        return record

    def future_values(self, horizon_years: int) -> pd.Series:
        """Every customer's future value over another horizon, from the same fitted model."""
        self._fitted()
        values = pd.Series(0.0, index=self.grades_["customer_id"].to_numpy())
        values[self.fitted_customers_] = self.future_.values(horizon_years, self.discount_rate)
        return values

    def horizon_sensitivity(self, horizons=HORIZONS) -> pd.DataFrame:
        """Customers whose grade differs from this grading when future value covers other horizons."""
        rows = []
        for years in horizons:
            other = self.grades_.assign(future_value=self.future_values(years).to_numpy())
            changed = self._regraded(other) != self.grades_["grade"].to_numpy()
            rows.append({"horizon_years": years, "changed": int(changed.sum()), "share_changed": float(changed.mean())})
        return pd.DataFrame(rows)

    def sensitivity(self, horizons=HORIZONS, shift: float = CUT_SHIFT) -> pd.DataFrame:
        """Both checks of METHODS §1.4 in one table: ``change`` (in words, the report language),
        ``changed`` customers and ``share_changed``."""
        horizon = self.horizon_sensitivity(horizons)
        cuts = self.cut_sensitivity(shift)
        rows = [
            {
                "change": t("vg_sens_horizon", lang=self.lang, years=r.horizon_years),
                "changed": r.changed,
                "share_changed": r.share_changed,
            }
            for r in horizon.itertuples()
        ]
        rows += [
            {
                "change": t("vg_sens_cuts", lang=self.lang, shift=r.shift * 100),
                "changed": r.changed,
                "share_changed": r.share_changed,
            }
            for r in cuts.itertuples()
        ]
        return pd.DataFrame(rows)

    def cut_sensitivity(self, shift: float = CUT_SHIFT) -> pd.DataFrame:
        """Customers whose grade changes when every cut moves by ±``shift`` (``sensitivity``)."""
        self._fitted()
        return sensitivity(self.grades_, shift=shift, layout=self.layout, cuts=self.cuts, method=self.grade_method)

    def _regraded(self, values: pd.DataFrame) -> np.ndarray:
        return grade(values, layout=self.layout, cuts=self.cuts, method=self.grade_method)["grade"].to_numpy()


def value_grades(tx, summary: pd.DataFrame | None = None, *, as_of=None, engine=None, **parameters) -> pd.DataFrame:
    """``ValueChain(**parameters).fit(tx, summary, as_of, engine).grades_``: the graded customers."""
    return ValueChain(**parameters).fit(tx, summary, as_of=as_of, engine=engine).grades_


def chain_parameters(parameters: dict) -> dict:
    """``ValueChain`` arguments from the report parameters (custval.yml / a notebook's cell)."""
    return {
        "horizon_years": parameters["horizon_years"],
        "discount_rate": parameters["discount_rate"],
        "margin_rate": parameters["margin_rate"] or None,
        "future_method": parameters["future_method"],
        "layout": parameters["grade_layout"],
        "cuts": parameters["grade_cuts"] or None,
        "grade_method": parameters["grade_method"],
        "lang": parameters["lang"],
    }


# --------------------------------------------------------------------------- what notebook 04 says
# Sentences as (i18n key, values) notes for ``run.say_all``, in the report language (``lang=None``: the current one).


def current_notes(chain: ValueChain, lang: str | None = None) -> Notes:
    """Current value: the window, its basis (margin, or revenue without costs) and its last day."""
    basis, note = t(f"vg_basis_{chain.basis_}", lang), t(f"vg_basis_note_{chain.basis_}", lang)
    day = chain.as_of_.date()
    return [("vg_current", {"months": CURRENT_MONTHS, "basis": basis, "as_of": day, "basis_note": note})]


def future_notes(chain: ValueChain, lang: str | None = None) -> Notes:
    """Future value: the method, horizon and discount rate, why the migration model was used and
    a margin rate it ignored (shown before the fitted parameters, ``future_.parameters()``)."""
    basis = t(f"vg_basis_{chain.basis_}", lang)
    values = {"years": chain.horizon_years, "discount": chain.discount_rate, "basis": basis}
    if chain.method_ == "models":
        margin = t("vg_margin_note", lang, margin=chain.margin_rate_) if chain.margin_rate_ < 1 else ""
        return [("vg_future_models", {**values, "margin_note": margin, "ll": chain.future_.purchases.log_likelihood_})]
    if chain.reason_:
        why = t("vg_future_why", lang, reason=chain.reason_)
    else:
        why = t("vg_future_chosen", lang) if chain.future_method == "migration" else ""
    notes = [("vg_future_migration", {**values, "months": chain.future_.period_months, "why": why})]
    if chain.ignored_margin_rate() is not None:
        notes.append(("vg_margin_unused", {"margin": chain.ignored_margin_rate()}))
    return notes


def spend_notes(chain: ValueChain) -> Notes:
    """That each customer's mean order value stood in for Gamma-Gamma (too few repeat buyers)."""
    fallback = chain.method_ == "models" and chain.future_.spend_model != "gamma_gamma"
    return [("vg_spend_fallback", {})] if fallback else []


def only_returns_notes(chain: ValueChain) -> Notes:
    """The customers with only returns, valued 0 and left out of the fits."""
    return [("vg_only_returns", {"n": chain.n_only_returns_})] if chain.n_only_returns_ else []


def dwyer_tables(
    tx,
    chain: ValueChain,
    by: str = "cohort",
    customers: pd.DataFrame | None = None,
    service_cost: float = 0.0,
    acquisition_cost: float = 0.0,
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """DWYER's inputs and table (``clv.dwyer_inputs``, ``clv.dwyer_table``) by ``by`` at the chain's
    date, horizon and discount rate; (None, None) when the history is shorter than ``DWYER_MIN_MONTHS``."""
    if chain.history_months_ < DWYER_MIN_MONTHS:
        return None, None
    inputs = clv.dwyer_inputs(
        tx, by=by, customers=customers, as_of=chain.as_of_, service_cost=service_cost, acquisition_cost=acquisition_cost
    )
    return inputs, clv.dwyer_table(inputs, years=chain.horizon_years, discount=chain.discount_rate, group=by)


def dwyer_notes(
    inputs: pd.DataFrame | None,
    table: pd.DataFrame | None,
    chain: ValueChain,
    by: str = "cohort",
    service_cost: float = 0.0,
    acquisition_cost: float = 0.0,
    lang: str | None = None,
) -> Notes:
    """The DWYER section (``dwyer_tables``' results): the groups and figures, the groups that took
    the ``acquisition_cost`` argument, an argument the customers table overrode, the pooled years;
    or why there is no table."""
    if table is None:
        return [("vg_dwyer_short", {"months": chain.history_months_})]
    attrs = inputs.attrs
    from_table = attrs["acquisition_cost_source"] == "customers table"
    acquisition = t("vg_dwyer_acq_table", lang) if from_table else t("vg_dwyer_acq_param", lang, cost=acquisition_cost)
    group_name, observed = label(by, lang), int(inputs["year"].max())
    costs = {"service": service_cost, "acquisition": acquisition}
    horizon = {"discount": chain.discount_rate, "observed": observed, "years": chain.horizon_years}
    notes = [("vg_dwyer", {"group_name": group_name, "groups": table[by].nunique(), **costs, **horizon})]
    if attrs["acquisition_cost_fallback"]:
        groups = t("sg_sep", lang).join(map(str, attrs["acquisition_cost_fallback"]))
        notes.append(("vg_dwyer_acq_fallback", {"group_name": group_name, "groups": groups, "cost": acquisition_cost}))
    if attrs["acquisition_cost_unused"]:
        notes.append(("acq_cost_unused", {"cost": acquisition_cost}))
    pooled = int((inputs["source"] != "group").sum())
    if pooled:
        notes.append(("vg_dwyer_pooled", {"n": pooled, "min": attrs["min_customers"]}))
    return notes


def dwyer_groups(table: pd.DataFrame | None, by: str = "cohort") -> list[tuple[object, pd.DataFrame]]:
    """Each group of a DWYER table with its rows (without the group column), in the table's order;
    none without a table."""
    if table is None:
        return []
    return [(group, part.drop(columns=by)) for group, part in table.groupby(by, sort=False)]


def grid_notes(chain: ValueChain) -> Notes:
    """The A–F grid: what each level holds under the chain's cuts and cut method."""
    key = "vg_grid_share" if chain.grade_method == "share" else "vg_grid"
    return [(key, cut_shares(chain.cuts, chain.grade_method))]


def level_names(lang: str | None = None) -> dict:
    """The current-value levels (high, medium, low) by display name."""
    return {level: name("level", level, lang) for level in LEVELS["current"]}


def strategy_table(table: pd.DataFrame, lang: str | None = None, layout: dict | str | None = None) -> pd.DataFrame:
    """``grade_table``'s rows with each grade's character, service, marketing and investment (``strategies``)."""
    return table.merge(strategies(lang, layout), on="grade")


def key_lists(people: pd.DataFrame, graded: pd.DataFrame, keep=("A", "B", "C"), by: str = "region") -> dict:
    """``segment.keep_lists`` of the graded customers of ``people`` (``segment.customer_table``) with
    the ``keep`` grades as the segments to keep: one list per ``by`` value, by revenue."""
    values = people.merge(graded[["customer_id", "grade", "current_value", "future_value"]], on="customer_id")
    return segment.keep_lists(values, graded.set_index("customer_id")["grade"], keep=list(keep), by=by)


def key_list_sheets(lists: dict, top: int = KEY_LIST_TOP) -> dict:
    """The lists of ``key_lists`` as workbook sheets, each cut to its first ``top`` customers by
    revenue (``segment.keep_sheets``): what a branch reads. ``segment.list_table`` holds them all."""
    return segment.keep_sheets(lists, top=top)


def key_list_notes(lists: dict, top: int = KEY_LIST_TOP) -> Notes:
    """Where the lists are: all in the workbook, or the first ``top`` of each region there and the
    complete lists in the CSV (with how many regions were cut)."""
    total = sum(len(frame) for frame in lists.values())
    cut = sum(len(frame) > top for frame in lists.values())
    if cut:
        return [("vg_lists_capped", {"top": top, "regions": cut, "n": total})]
    return [("vg_lists_complete", {"n": total})]
