"""Market scanning (course tasks 一 and 二): where sales and profit are, how they move, and where
the company stands — sales cube, contribution to growth, ABC, BCG, EFE/IFE/IE, SPACE, PEST and
the positioning map. Pure functions over DataFrames; each returns a tidy, sorted DataFrame.
Definitions and sources: METHODS.md §5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custval import parsing, scans
from custval.errors import DataError, MissingColumnError, examples
from custval.i18n import Notes, t

PERIODS = {"M": "M", "Q": "Q", "Y": "Y"}
MEASURES = ("amount", "profit")  # what ranking and ABC can measure
WEIGHT_TOLERANCE = 1e-9
EXTERNAL_KINDS = ("opportunity", "threat")
INTERNAL_KINDS = ("strength", "weakness")
PEST_KINDS = ("political", "economic", "social", "technological")
# IE matrix cells (David, Fig. 6-9): rows EFE high→low, columns IFE strong→weak.
IE_STRATEGY = {
    1: "grow_build",
    2: "grow_build",
    4: "grow_build",
    3: "hold_maintain",
    5: "hold_maintain",
    7: "hold_maintain",
    6: "harvest_divest",
    8: "harvest_divest",
    9: "harvest_divest",
}
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX")
SPACE_SIGNS = {"FP": 1, "IP": 1, "SP": -1, "CP": -1}
CUBE_KEYS = ("region", "period", "product_category")  # the sales cube's keys, those the data have
CUBE_VALUES = ("amount", "profit", "quantity")  # what the sales cube totals, those the data have
GROWTH_KEYS = ("region", "product_category", "channel")  # the groups whose contribution to growth is shown
# BCG quadrants as the chart draws them (relative share falls to the right): top-left, top-right,
# bottom-left, bottom-right.
BCG_CORNERS = ("star", "question_mark", "cash_cow", "dog")
# Columns of the market tables that hold shares or rates (shown as percentages).
PERCENT_COLUMNS = (
    "share_amount",
    "share_profit",
    "share_quantity",
    "margin",
    "growth",
    "contribution_to_growth",
    "share",
    "cum_share",
    "cum_items",
    "market_share",
    "market_growth",
)
LIST_SEPARATOR = "、"  # between the names the conclusion lists


# --------------------------------------------------------------------------- sales scanning


def with_period(tx: pd.DataFrame, period: str = "Q") -> pd.DataFrame:
    """``tx`` with a ``period`` label column: ``2024-03`` (M), ``2024Q1`` (Q) or ``2024`` (Y)."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)} (month, quarter, year), got {period!r}")
    return tx.assign(period=tx["order_date"].dt.to_period(PERIODS[period]).astype(str))


def with_profit(tx: pd.DataFrame) -> pd.DataFrame:
    """``tx`` with a ``profit`` column: given, or ``amount − cost`` when there is a cost column."""
    if "profit" in tx.columns or "cost" not in tx.columns:
        return tx
    return tx.assign(profit=tx["amount"] - tx["cost"])


def sales_cube(
    tx,
    by=("region", "period", "product_category"),
    period="Q",
    values=("amount", "profit"),
    engine=None,
    customers=True,
):
    """Totals of ``values`` for every combination of ``by`` with shares of the grand total and margin.

    ``period`` in ``by`` is the order date's month, quarter or year (``2024-03``, ``2024Q1``,
    ``2024``). ``profit`` is derived from ``cost`` when needed. Columns: the ``by`` columns
    (sorted, empty keys last), ``lines``, ``customers`` (distinct customer ids in the cell, when
    ``customers`` and the data has ``customer_id``; a customer buying in two cells counts in
    both, so the column does not add up), each value (``quantity`` too, when asked for),
    ``share_<value>`` and, when both amount and profit are there, ``margin`` = profit / amount.
    ``tx`` and ``engine`` as in ``summarize``: the totals run on DuckDB or Spark, exact to 0.0001.
    """
    by, values = list(by), list(values)
    table, con, name = scans.source(tx, engine, ("order_date", "amount"), "sales_cube")
    if "period" in by:
        scans.check_period(period)
    missing = [c for c in by if c != "period" and c not in table.columns]
    missing += [v for v in values if v not in table.columns and not (v == "profit" and "cost" in table.columns)]
    if missing:
        raise MissingColumnError(
            f"{name} has no column {', '.join(missing)} (profit needs a profit or cost column); "
            f"columns available: {', '.join(table.columns)}"
        )
    keys = {c: scans.period_number(table.order_date, period) if c == "period" else table[c] for c in by}
    sums = {v: scans.scaled(scans.margin(table)[0] if v == "profit" else table[v]) for v in values}
    count_customers = customers and "customer_id" in table.columns and "customer_id" not in by
    ids = {"_customer": table["customer_id"]} if count_customers else {}
    lines = table.select(**keys, **sums, **ids)
    distinct = {"customers": lines["_customer"].nunique()} if count_customers else {}
    totals = lines.group_by(by).aggregate(lines=lines.count(), **distinct, **{v: lines[v].sum() for v in values})
    cube = scans.fetch(con, totals).sort_values(by, na_position="last", kind="stable").reset_index(drop=True)
    if "period" in by:
        cube["period"] = scans.period_labels(cube["period"], period).astype(str)
    for count in ("lines", "customers")[: 1 + count_customers]:
        cube[count] = cube[count].astype("int64")
    for value in values:
        cube[value] = cube[value].astype("float64").fillna(0.0) / scans.SCALE
    for value in values:
        cube[f"share_{value}"] = _share(cube[value])
    if "amount" in values and "profit" in values:
        cube["margin"] = _ratio(cube["profit"], cube["amount"])
    counts = ["lines", "customers"][: 1 + count_customers]
    return cube[[*by, *counts, *values, *[c for c in cube.columns if c.startswith("share_") or c == "margin"]]]


def contribution(tx, by="region", period="Y", values=("amount", "profit"), engine=None, through=None):
    """Per group and period: shares, margin, growth on the previous period and contribution to growth.

    change = S_t − S_{t−1} (amount); growth = change / S_{t−1} (NaN when S_{t−1} is 0: growth from
    nothing is undefined);
    contribution = ΔS_g / ΔS_total (NaN when the total did not change). A group absent in a
    period counts as 0 there, so every group has every period; lines without a group are left
    out. The totals come from :func:`sales_cube`. ``through`` (a date; yearly periods only) cuts
    every year to the same span, 1 January to ``through``'s day and month, so a year in progress
    is compared with the same months of the years before (see :func:`year_in_progress`).
    """
    values = list(values)
    if through is not None:
        if period != "Y":
            raise ValueError(f"through compares years over the same span; it needs period 'Y', got {period!r}")
        table, engine, _ = scans.source(tx, engine, ("order_date",), "contribution")
        day = pd.Timestamp(through)
        tx = table.filter(table.order_date.month() * 100 + table.order_date.day() <= day.month * 100 + day.day)
    cube = sales_cube(tx, by=(by, "period"), period=period, values=values, engine=engine, customers=False)
    totals = cube.dropna(subset=[by]).set_index([by, "period"])[values]
    grid = pd.MultiIndex.from_product(
        [sorted(totals.index.get_level_values(by).unique()), sorted(cube["period"].unique())], names=[by, "period"]
    )
    table = totals.reindex(grid, fill_value=0.0).reset_index()
    period_total = table.groupby("period")["amount"].transform("sum")
    table["share_amount"] = _ratio(table["amount"], period_total)
    if "profit" in values:
        table["share_profit"] = _ratio(table["profit"], table.groupby("period")["profit"].transform("sum"))
        table["margin"] = _ratio(table["profit"], table["amount"])
    previous = table.groupby(by)["amount"].shift(1)
    change = table["amount"] - previous
    table["change"] = change
    table["growth"] = _ratio(change, previous)
    total_change = change.groupby(table["period"]).transform(lambda s: s.sum(min_count=1))
    table["contribution_to_growth"] = _ratio(change, total_change)
    return table


def year_in_progress(last_day) -> pd.Timestamp | None:
    """``last_day`` when its year is not over (a partial year to compare like for like), else None."""
    day = pd.Timestamp(last_day)
    return None if (day.month, day.day) == (12, 31) else day.normalize()


def abc(values: pd.DataFrame, cuts=(0.8, 0.95), by="profit", item=None) -> pd.DataFrame:
    """ABC (Pareto) classes of items by ``by``, with the Pareto curve.

    Items are sorted by value, largest first (ties by item name). An item is A when the cumulative
    share *before* it is below ``cuts[0]`` — so the item that crosses 80 % is still A — B when it
    is below ``cuts[1]``, else C. Shares are of the total of positive values; items worth 0 or
    less are C. ``item`` names the item column (default: the index). Columns: item, value, rank,
    share, cum_share, cum_items (share of items up to this one), class.
    """
    low, high = cuts
    if not 0 < low < high <= 1:
        raise ValueError(f"cuts must satisfy 0 < A cut < B cut ≤ 1, got {cuts!r}")
    frame = values.reset_index() if item is None else values
    item = item or frame.columns[0]
    if by not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        raise MissingColumnError(f"ABC: the table to class has no column {by!r} to rank by; columns: {columns}")
    table = pd.DataFrame({"item": frame[item].astype("string"), "value": frame[by].astype("float64")})
    table = table.sort_values(["value", "item"], ascending=[False, True], kind="stable").reset_index(drop=True)
    positive = table["value"].clip(lower=0)
    total = positive.sum()
    table["rank"] = np.arange(1, len(table) + 1)
    table["share"] = positive / total if total > 0 else 0.0
    table["cum_share"] = table["share"].cumsum()
    table["cum_items"] = table["rank"] / len(table) if len(table) else 0.0
    before = table["cum_share"] - table["share"]
    grade = np.where(before < low, "A", np.where(before < high, "B", "C"))
    table["class"] = np.where(table["value"] > 0, grade, "C")
    return table


def bcg(
    own: pd.DataFrame, market: pd.DataFrame, growth_cut=0.10, share_cut=1.0, by=("product_category",), year=None
) -> pd.DataFrame:
    """Growth-share matrix for the latest complete year (or ``year``).

    relative_share = own sales / sales of the largest competitor; market_growth = market sales on
    the previous year. Quadrants: star (growth ≥ cut, relative share ≥ cut), cash_cow (low
    growth, high share), question_mark (high growth, low share), dog. ``by`` is
    ``("product_category",)`` or ``("region", "product_category")``. Only a year the market
    table covers by the calendar (a yearly row, 4 quarters or 12 months, see :func:`full_years`)
    and the own transactions cover from January to December is used; the latest such year is
    chosen when the market table has its previous year complete too, so growth compares two whole
    years. When no complete previous year exists, growth and quadrant are left empty (``quadrant`` "unknown").
    """
    by = list(by)
    missing = [c for c in ("period", "market_sales", "competitor", "competitor_sales", *by) if c not in market.columns]
    if missing:
        raise MissingColumnError(
            f"the market table has no column {', '.join(missing)} (the BCG matrix needs them); "
            f"columns available: {', '.join(map(str, market.columns))}"
        )
    market = market.assign(year=market_years(market["period"]))
    complete, market_complete = full_years(market, own), full_years(market)
    if year is None:
        if not complete:
            raise DataError(
                f"the market table and the transactions share no complete calendar year "
                f"(periods {examples(sorted(market['period'].astype(str).unique()))}); the BCG matrix "
                f"needs a year with a yearly row, 4 quarters or 12 months of both"
            )
        year = max((y for y in complete if y - 1 in market_complete), default=max(complete))
    elif year not in complete:
        raise DataError(
            f"year {year} is not complete in the market table and the transactions; complete years: "
            f"{examples(complete) if complete else 'none'}"
        )
    cells = market.drop_duplicates(["period", "year", *_cell_keys(market)])
    sizes = cells.groupby(["year", *by])["market_sales"].sum()
    rivals = market.groupby(["year", *by, "competitor"])["competitor_sales"].sum().reset_index()
    rivals = rivals[rivals["year"] == year].sort_values(
        [*by, "competitor_sales", "competitor"], ascending=[*[True] * len(by), False, True]
    )
    largest = rivals.groupby(by, sort=True).first()
    mine = own.assign(year=own["order_date"].dt.year)
    mine = mine[mine["year"] == year].groupby(by)["amount"].sum()
    table = largest.rename(columns={"competitor": "largest_competitor"})[["largest_competitor", "competitor_sales"]]
    table["own_sales"] = mine.reindex(table.index).fillna(0.0)
    table["market_sales"] = sizes.xs(year, level="year").reindex(table.index)
    previous = sizes.xs(year - 1, level="year").reindex(table.index) if (year - 1) in market_complete else np.nan
    table["market_growth"] = _ratio(table["market_sales"] - previous, previous)
    table["market_share"] = _ratio(table["own_sales"], table["market_sales"])
    table["relative_share"] = _ratio(table["own_sales"], table["competitor_sales"])
    high_growth = table["market_growth"] >= growth_cut
    high_share = table["relative_share"] >= share_cut
    table["quadrant"] = np.select(
        [table["market_growth"].isna(), high_growth & high_share, ~high_growth & high_share, high_growth & ~high_share],
        ["unknown", "star", "cash_cow", "question_mark"],
        default="dog",
    )
    table.insert(0, "year", year)
    return table.reset_index()


def usable_measure(tx: pd.DataFrame, value: str) -> str:
    """``value`` if the transactions can provide it, else ``amount`` (profit needs profit or cost)."""
    if value == "profit" and "profit" not in with_profit(tx).columns:
        return "amount"
    return value


def customer_values(tx, engine=None) -> pd.DataFrame:
    """Amount and (when available) profit per customer, for ABC of customers."""
    table, con, _ = scans.source(tx, engine, ("customer_id", "amount"), "customer_values")
    values = [v for v in ("amount", "profit") if v in table.columns or (v == "profit" and "cost" in table.columns)]
    return sales_cube(table, by=("customer_id",), values=values, engine=con).set_index("customer_id")[values]


def leaders(table: pd.DataFrame, key: str, column: str, n: int = 2) -> list:
    """The ``n`` values of ``key`` with the largest ``column`` (ties by name)."""
    ordered = table.sort_values([column, key], ascending=[False, True], kind="stable")
    return ordered[key].head(n).astype(str).tolist()


def value_columns(tx, candidates=MEASURES) -> list[str]:
    """The ``candidates`` the transactions have (after :func:`with_profit`), in that order."""
    return [c for c in candidates if c in tx.columns]


def cube_keys(tx) -> list[str]:
    """The keys of the sales cube the transactions allow: region, period, product category (period always)."""
    return [c for c in CUBE_KEYS if c == "period" or c in tx.columns]


def cube_totals(cube: pd.DataFrame, value: str, by) -> pd.DataFrame:
    """``value`` of a :func:`sales_cube` summed over its other keys: one row per combination of the ``by``
    columns the cube has (per period and region for a stacked chart; per period when there is no
    region). Rows with an empty key are left out; a combination whose values are all empty stays empty."""
    keys = [k for k in by if k in cube.columns]
    return cube.groupby(keys, sort=True, observed=True)[value].sum(min_count=1).reset_index()


def last_day(tx: pd.DataFrame, as_of=None) -> pd.Timestamp:
    """The last day the analysis covers: ``as_of`` when set, else the last order date."""
    return pd.Timestamp(as_of or tx["order_date"].max())


def latest_contributions(tx, last, keys=GROWTH_KEYS, values=None, engine=None) -> dict[str, pd.DataFrame]:
    """:func:`contribution` in the year of the day ``last``, per each of ``keys`` the data have (in that
    order), without the period column. A year not over yet is compared over the same span of each year
    (:func:`year_in_progress`). ``values``: default the amount and profit the data have."""
    day = pd.Timestamp(last)
    through, values = year_in_progress(day), values or value_columns(tx)
    tables = {}
    for key in [k for k in keys if k in tx.columns]:
        table = contribution(tx, by=key, period="Y", values=values, engine=engine, through=through)
        tables[key] = table[table["period"] == str(day.year)].drop(columns="period")
    return tables


def contribution_notes(last) -> Notes:
    """The sentences before the contribution tables: the latest year, and the span compared when it is not over."""
    day = pd.Timestamp(last)
    notes = [("ms_contribution", {"year": day.year})]
    through = year_in_progress(day)
    if through is not None:
        notes.append(("ms_contribution_partial", {"year": day.year, "month": through.month, "day": through.day}))
    return notes


def product_key(tx) -> str:
    """The column that tells products apart: ``product`` when the data have it, else ``product_category``."""
    return "product" if "product" in tx.columns else "product_category"


def abc_tables(tx, cuts=(0.8, 0.95), by="profit", engine=None) -> dict[str, pd.DataFrame]:
    """:func:`abc` of the customers and, when the data have a :func:`product_key` column, of the products."""
    tables = {"customers": abc(customer_values(tx, engine=engine), cuts=cuts, by=by)}
    key = product_key(tx)
    if key in tx.columns:
        products = sales_cube(tx, by=(key,), values=value_columns(tx), engine=engine, customers=False)
        tables["products"] = abc(products, cuts=cuts, by=by, item=key)
    return tables


def abc_counts(table: pd.DataFrame) -> dict:
    """Items per class of an :func:`abc` table (``a``, ``b``, ``c``), all items (``n``) and class A's share
    of the value (``a_share``)."""
    counts = table["class"].value_counts().reindex(["A", "B", "C"], fill_value=0)
    a_share = table.loc[table["class"] == "A", "share"].sum()
    return {"a": int(counts["A"]), "b": int(counts["B"]), "c": int(counts["C"]), "n": len(table), "a_share": a_share}


def latest_bcg(own: pd.DataFrame, market: pd.DataFrame, growth_cut=0.10, share_cut=1.0) -> pd.DataFrame | None:
    """:func:`bcg` of the latest complete year, or None when the market table and the transactions share
    no complete calendar year (:func:`full_years`)."""
    if not full_years(market, own):
        return None
    return bcg(own, market, growth_cut=growth_cut, share_cut=share_cut)


def bcg_notes(table: pd.DataFrame | None, market: pd.DataFrame, growth_cut=0.10, share_cut=1.0) -> list:
    """The sentences about the BCG matrix: its year and cut-offs, and a missing previous year (growth
    unknown); without a ``table``, the market periods that give no complete year."""
    if table is None:
        return [("ms_bcg_no_year", {"periods": ", ".join(sorted(market["period"].astype(str).unique()))})]
    year = int(table["year"].iloc[0])
    notes = [("ms_bcg", {"year": year, "growth": growth_cut, "share": share_cut})]
    if table["quadrant"].eq("unknown").all():
        notes.append(("ms_bcg_no_growth", {"previous": year - 1}))
    return notes


def conclusion_notes(measure: str, by_region: pd.DataFrame | None, classes: dict, ie: dict | None) -> list:
    """The conclusion: the two regions with most ``measure`` (by amount when the table has no share of it),
    the region contributing most to growth, the class-A products and the IE advice; "—" where the data
    give none. ``by_region``: the region table of :func:`latest_contributions`; ``classes``: :func:`abc_tables`."""
    share = f"share_{measure}"
    if by_region is None:
        top = growth = "—"
    else:
        top = LIST_SEPARATOR.join(leaders(by_region, "region", share if share in by_region else "share_amount"))
        growth = LIST_SEPARATOR.join(leaders(by_region, "region", "contribution_to_growth", n=1))
    products = classes.get("products")
    core = "—" if products is None else LIST_SEPARATOR.join(products.loc[products["class"] == "A", "item"])
    advice = t("ms_conclusion_no_ie")
    if ie:
        advice = t("ms_conclusion_ie", cell=ie["cell"], strategy=t(f"strategy_{ie['strategy']}"))
    values = {"measure_name": t(f"measure_{measure}"), "top_regions": top, "growth_region": growth, "core": core}
    return [("ms_conclusion", {**values, "strategy_line": advice})]


# --------------------------------------------------------------------------- factor matrices


def efe(factors: pd.DataFrame) -> pd.DataFrame:
    """External factor evaluation: opportunities and threats, score = weight × rating (1–4)."""
    return _weighted(factors, EXTERNAL_KINDS, "EFE")


def ife(factors: pd.DataFrame) -> pd.DataFrame:
    """Internal factor evaluation: strengths rated 3–4, weaknesses 1–2, score = weight × rating."""
    table = _weighted(factors, INTERNAL_KINDS, "IFE")
    wrong = ((table["kind"] == "strength") & (table["rating"] < 3)) | (
        (table["kind"] == "weakness") & (table["rating"] > 2)
    )
    if wrong.any():
        bad = table[wrong]
        raise DataError(
            "IFE: strengths must be rated 3 or 4 and weaknesses 1 or 2; these are not: "
            + examples([f"{f} ({k}, {r:g})" for f, k, r in zip(bad["factor"], bad["kind"], bad["rating"])])
        )
    return table


def ie_cell(ife_score: float, efe_score: float) -> dict:
    """The IE matrix cell (I–IX) and its strategy for total IFE (columns) and EFE (rows) scores."""
    for name, score in (("IFE", ife_score), ("EFE", efe_score)):
        if not 1 <= score <= 4:
            raise ValueError(f"{name} score must be between 1 and 4, got {score}")
    column = 1 if ife_score >= 3 else 2 if ife_score >= 2 else 3
    row = 1 if efe_score >= 3 else 2 if efe_score >= 2 else 3
    cell = (row - 1) * 3 + column
    return {"cell": ROMAN[cell - 1], "number": cell, "row": row, "column": column, "strategy": IE_STRATEGY[cell]}


def space(ratings: pd.DataFrame, scale: int = 7) -> pd.DataFrame:
    """SPACE matrix: mean rating per dimension, direction vector (x = CP + IP, y = FP + SP), quadrant.

    ``ratings`` has columns dimension (FP, CP, SP, IP) and rating; FP and IP are rated +1…+scale,
    SP and CP −scale…−1 (David uses 7, many courses 6).
    """
    dims = ratings["dimension"].astype(str).str.upper()
    for dim, sign in SPACE_SIGNS.items():
        values = ratings.loc[dims == dim, "rating"]
        if values.empty:
            raise DataError(f"SPACE: no ratings for dimension {dim} (need FP, CP, SP and IP)")
        low, high = (1, scale) if sign > 0 else (-scale, -1)
        bad = values[(values < low) | (values > high)]
        if len(bad):
            raise DataError(f"SPACE: {dim} ratings must be between {low} and {high}; found {examples(bad.tolist())}")
    means = ratings.assign(dimension=dims).groupby("dimension")["rating"].mean()
    x, y = means["CP"] + means["IP"], means["FP"] + means["SP"]
    quadrant = {
        (True, True): "aggressive",
        (False, True): "conservative",
        (False, False): "defensive",
        (True, False): "competitive",
    }[(x >= 0, y >= 0)]
    return pd.DataFrame([{**{d.lower(): means[d] for d in SPACE_SIGNS}, "x": x, "y": y, "quadrant": quadrant}])


def pest_scores(factors: pd.DataFrame) -> pd.DataFrame:
    """Impact-weighted PEST scores: weight = impact / Σ impact, score = weight × probability.

    ``direction`` (+ opportunity, − threat) is kept beside the score, not folded into it. Sorted
    by score, largest first (ties by factor name).
    """
    table = factors[factors["kind"].isin(PEST_KINDS)].copy()
    if table.empty:
        raise DataError("PEST: the factors table has no political, economic, social or technological rows")
    for column in ("impact", "probability"):
        missing = table[table[column].isna()]
        if len(missing):
            raise DataError(f"PEST: column {column} is empty for {examples(missing['factor'].tolist())}")
    table["weight"] = table["impact"] / table["impact"].sum()
    table["score"] = table["weight"] * table["probability"]
    columns = ["factor", "kind", "impact", "probability", "direction", "weight", "score"]
    table = table.reindex(columns=columns)
    return table.sort_values(["score", "factor"], ascending=[False, True], kind="stable").reset_index(drop=True)


def has_kinds(factors: pd.DataFrame, kinds) -> bool:
    """Whether some row of the factors table is of one of ``kinds`` (e.g. ``PEST_KINDS``)."""
    return bool(factors["kind"].isin(kinds).any())


def ie_position(external: pd.DataFrame, internal: pd.DataFrame) -> dict:
    """:func:`ie_cell` of the total scores of an :func:`efe` and an :func:`ife` table, with the totals
    (``efe``, ``ife``)."""
    efe_score, ife_score = external["score"].sum(), internal["score"].sum()
    return {**ie_cell(ife_score, efe_score), "efe": efe_score, "ife": ife_score}


def ie_notes(ie: dict) -> Notes:
    """The sentence on the factor evaluation: both totals, the IE cell and its strategy (:func:`ie_position`)."""
    strategy = t(f"strategy_{ie['strategy']}")
    return [("ms_efe_ife", {"efe": ie["efe"], "ife": ie["ife"], "cell": ie["cell"], "strategy": strategy})]


def ie_strategies() -> pd.DataFrame:
    """The strategy code of each IE matrix cell, one row per cell 1–9 (columns cell, strategy)."""
    cells = sorted(IE_STRATEGY)
    return pd.DataFrame({"cell": cells, "strategy": [IE_STRATEGY[c] for c in cells]})


def factor_scores(external: pd.DataFrame, internal: pd.DataFrame, pest: pd.DataFrame | None = None) -> pd.DataFrame:
    """The :func:`efe`, :func:`ife` and (when given) :func:`pest_scores` rows in one table, ``matrix``
    naming the source (EFE, IFE, PEST)."""
    parts = [external.assign(matrix="EFE"), internal.assign(matrix="IFE")]
    parts += [] if pest is None else [pest.assign(matrix="PEST")]
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- positioning


def positioning_map(ratings: pd.DataFrame, standardize: bool = True) -> pd.DataFrame:
    """PCA biplot of brands (points) and attributes (vectors) from brand × attribute mean ratings.

    Attributes are centred (and scaled to unit variance when ``standardize``); brand coordinates
    are the principal component scores, attribute vectors the loadings scaled by the component's
    standard deviation. Each axis is oriented so its largest loading is positive. Columns: kind
    (brand/attribute), name, x, y; ``.attrs["explained_variance_ratio"]`` holds the two shares.
    """
    means = ratings.pivot_table(index="brand", columns="attribute", values="rating", aggfunc="mean", observed=True)
    means = means.sort_index().sort_index(axis=1)
    if means.shape[0] < 3 or means.shape[1] < 2:
        raise DataError("positioning map needs at least 3 brands and 2 attributes with ratings")
    if means.isna().any().any():
        holes = [f"{b}/{a}" for b, a in zip(*np.where(means.isna()))]
        raise DataError(f"positioning map: some brands have no rating for some attributes: {examples(holes)}")
    centred = means - means.mean()
    if standardize:
        spread = means.std(ddof=0).replace(0, 1.0)
        centred = centred / spread
    u, s, vt = np.linalg.svd(centred.to_numpy(), full_matrices=False)
    signs = np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(axis=1)])
    u, vt = u * signs, vt * signs[:, None]
    scores = u[:, :2] * s[:2]
    sd = s[:2] / np.sqrt(len(means))
    loadings = vt[:2].T * sd
    variance = s**2 / (s**2).sum()
    out = pd.concat(
        [
            pd.DataFrame({"kind": "brand", "name": means.index.astype(str), "x": scores[:, 0], "y": scores[:, 1]}),
            pd.DataFrame(
                {"kind": "attribute", "name": means.columns.astype(str), "x": loadings[:, 0], "y": loadings[:, 1]}
            ),
        ],
        ignore_index=True,
    )
    out.attrs["explained_variance_ratio"] = variance[:2].tolist()
    return out


# --------------------------------------------------------------------------- helpers


def _share(values: pd.Series) -> pd.Series:
    total = values.sum()
    return values / total if total else pd.Series(np.nan, index=values.index)


def _ratio(numerator, denominator):
    """numerator / denominator, NaN where the denominator is 0 or missing."""
    denominator = pd.Series(denominator, dtype="float64") if np.isscalar(denominator) else denominator
    return numerator / denominator.where(denominator != 0)


def _weighted(factors: pd.DataFrame, kinds: tuple, name: str) -> pd.DataFrame:
    table = factors[factors["kind"].isin(kinds)].reindex(columns=["factor", "kind", "weight", "rating"]).copy()
    if table.empty:
        raise DataError(f"{name}: the factors table has no {' or '.join(kinds)} rows")
    empty = table[table["weight"].isna() | table["rating"].isna()]
    if len(empty):
        raise DataError(f"{name}: weight or rating is empty for {examples(empty['factor'].tolist())}")
    total = table["weight"].sum()
    if abs(total - 1) > WEIGHT_TOLERANCE:
        raise DataError(
            f"{name}: the weights of the {' and '.join(kinds)} factors must add up to 1, they add up to {total:.6g}"
        )
    bad = table[~table["rating"].isin([1, 2, 3, 4])]
    if len(bad):
        raise DataError(
            f"{name}: ratings must be 1, 2, 3 or 4; found "
            + examples([f"{f} ({r:g})" for f, r in zip(bad["factor"], bad["rating"])])
        )
    table["score"] = table["weight"] * table["rating"]
    return table.reset_index(drop=True)


def _cell_keys(market: pd.DataFrame) -> list:
    return [c for c in ("region", "product_category") if c in market.columns]


def market_periods(period: pd.Series) -> pd.DataFrame:
    """Each market period label as ``year``, ``kind`` (Y, H, Q or M) and ``number`` (half, quarter or month).

    The forms are those of :func:`custval.parsing.parse_periods`; any other label raises a
    DataError naming it (the reader has already rejected such rows from a market file).
    """
    parts, bad = parsing.parse_periods(period)
    if bad.any():
        raise DataError(
            f"market: column period has labels that are not a year, half, quarter or month: "
            f"{examples(period[bad].astype(str).unique())}; write them as 2024, 2024Q1 or 2024-03"
        )
    return parts.astype({"year": "int64", "number": "int64"})


def market_years(period: pd.Series) -> pd.Series:
    """The calendar year of each market period label."""
    return market_periods(period)["year"]


def full_years(market: pd.DataFrame, own: pd.DataFrame | None = None) -> list[int]:
    """The years complete by the calendar: a yearly row, 2 halves, 4 quarters or 12 months in the
    market table.

    With ``own`` transactions, a year also needs own orders in its first and last month, so own
    sales are a whole year too. A year that mixes yearly, quarterly and monthly rows is an error
    (its market sales would be counted twice).
    """
    periods = market_periods(market["period"]).drop_duplicates()
    kinds = periods.groupby("year")["kind"].nunique()
    if (kinds > 1).any():
        mixed = kinds[kinds > 1].index.tolist()
        raise DataError(
            f"market: the periods of year {examples(mixed)} mix years, halves, quarters and months; "
            f"use one kind of period per year"
        )
    needed = {"Y": 1, "H": 2, "Q": 4, "M": 12}
    counts = periods.groupby(["year", "kind"])["number"].nunique()
    years = sorted(int(y) for (y, kind), n in counts.items() if n == needed[kind])
    if own is None or own.empty:
        return years
    months = own["order_date"].dt.year * 12 + own["order_date"].dt.month
    first, last = int(months.min()), int(months.max())
    return [y for y in years if first <= y * 12 + 1 and last >= y * 12 + 12]
