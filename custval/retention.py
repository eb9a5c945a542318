"""Customer retention and the ways to realise customer value: cohort retention, the economics of
retention (and when the course's claims hold), cross-selling, win-back and referral value.
Method: METHODS.md §8.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations

import ibis
import numpy as np
import pandas as pd

from custval import scans
from custval.errors import DataError, MissingColumnError, examples
from custval.i18n import Notes, t


def cohort_retention(
    tx, period: str = "Q", engine=None, measure: str = "retention", as_of=None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Acquisition cohorts × periods since acquisition (tenure), and both curves by tenure.

    A customer is active in a period when they buy in it (a line with ``amount`` ≥ 0; returns,
    amount < 0, are no activity); their cohort is the month, quarter or year (``period``) of their
    first active period. Two measures (METHODS §8.2):

    - ``retention`` r̂_t = customers active in t and t−1 / customers active in t−1 (defined from
      tenure 1);
    - ``activity`` = customers active in t / customers in the cohort (1 at tenure 0).

    Returns the cohort × tenure table of ``measure`` (a cell is empty when the tenure is not yet
    observable for the cohort, or, for retention, when nobody was active in t−1) and the pooled
    curves by tenure: ``retention`` = Σ active in t and t−1 / Σ active in t−1 and ``activity`` =
    Σ active / Σ cohort sizes over the cohorts that have reached t, with those counts
    (``customers`` in the cohorts, ``active``, ``previous`` active in t−1, ``retained``). ``tx``,
    ``engine`` and ``as_of`` (lines after it are not counted) as in ``summarize``: the counting runs
    on DuckDB or Spark.
    """
    scans.check_period(period)
    if measure not in ("retention", "activity"):
        raise ValueError(f"measure must be 'retention' or 'activity', got {measure!r}")
    counts = _cohort_counts(tx, period, engine, as_of)
    if counts.empty:
        raise DataError("cohort_retention: no purchases (lines with amount ≥ 0) to form cohorts from")
    cells = counts.set_index(["cohort", "tenure"])
    size = cells["active"].xs(0, level="tenure")
    last = int((counts["cohort"] + counts["tenure"]).max())
    tenures = range(last - int(counts["cohort"].min()) + 1)  # every observable tenure, even one in which nobody bought
    active = cells["active"].unstack("tenure").reindex(columns=tenures)
    retained = cells["retained"].unstack("tenure").reindex(columns=tenures)
    horizon = pd.DataFrame({t: last - active.index.to_numpy() >= t for t in active.columns}, index=active.index)
    active = active.fillna(0.0).where(horizon)  # 0 when nobody bought, empty when not yet observable
    retained = retained.fillna(0.0).where(horizon)
    previous = active.shift(1, axis=1).where(horizon)
    tables = {"activity": active.div(size, axis=0), "retention": retained / previous.where(previous > 0)}
    curve = pd.DataFrame(
        {
            "customers": horizon.mul(size, axis=0).sum(),
            "active": active.sum(),
            "previous": previous.sum(),
            "retained": retained.sum(),
        }
    )
    curve.loc[0, ["previous", "retained"]] = np.nan
    curve["retention"] = curve["retained"] / curve["previous"].where(curve["previous"] > 0)
    curve["activity"] = curve["active"] / curve["customers"]
    curve = curve.astype({"customers": "int64", "active": "int64"})
    table = tables[measure] if measure == "activity" else tables[measure].drop(columns=0)
    table.index = scans.period_labels(table.index, period).astype(str)
    table.index.name, table.columns.name = "cohort", "tenure"
    curve = curve.rename_axis("tenure").reset_index()[
        ["tenure", "retention", "activity", "customers", "active", "previous", "retained"]
    ]
    return table, curve


def _cohort_counts(tx, period: str, engine, as_of=None) -> pd.DataFrame:
    """Per cohort (period ordinal) and tenure: customers active, and active in the period before too."""
    table, con, _ = scans.source(tx, engine, ("customer_id", "order_date", "amount"), "cohort_retention")
    if as_of is not None:
        table = table.filter(table.order_date.cast("date") <= ibis.literal(pd.Timestamp(as_of).date()))
    bought = table.filter(table.amount >= 0)
    active = bought.select(
        customer_id=bought.customer_id, number=scans.period_number(bought.order_date, period)
    ).distinct()
    before = active.number.lag().over(group_by=active.customer_id, order_by=active.number)
    active = active.mutate(
        cohort=active.number.min().over(group_by=active.customer_id),
        kept=(before == active.number - 1).fill_null(False),
    )
    active = active.mutate(tenure=active.number - active.cohort)
    grouped = active.group_by(["cohort", "tenure"]).aggregate(
        active=active.count(), retained=active.kept.cast("int64").sum()
    )
    counts = scans.fetch(con, grouped).astype(
        {"cohort": "int64", "tenure": "int64", "active": "float64", "retained": "float64"}
    )
    return counts.sort_values(["cohort", "tenure"], kind="stable").reset_index(drop=True)


def simulate_base(
    acquired_per_period: float,
    retention: float,
    margin: float,
    acquisition_cost: float,
    fixed_cost: float,
    discount: float = 0.0,
    periods: int = 20,
    initial: float = 0.0,
) -> pd.DataFrame:
    """Customers and profit period by period: N_t = r·N_{t−1} + a (new customers join at the start of
    the period and count in it); profit_t = N_t·margin − a·acquisition_cost − fixed_cost, and its
    present value. ``.attrs`` holds the steady state N* = a / (1 − r) and its profit."""
    if not 0 <= retention < 1:
        raise ValueError(f"retention must be in [0, 1), got {retention}")
    rows, customers = [], initial
    for period in range(1, periods + 1):
        customers = retention * customers + acquired_per_period
        profit = customers * margin - acquired_per_period * acquisition_cost - fixed_cost
        present = profit / (1 + discount) ** period
        rows.append({"period": period, "customers": customers, "profit": profit, "present_value": present})
    table = pd.DataFrame(rows)
    steady = acquired_per_period / (1 - retention)
    table.attrs.update(
        steady_customers=steady, steady_profit=steady * margin - acquired_per_period * acquisition_cost - fixed_cost
    )
    return table


def steady_profit(acquired, retention, revenue, variable_cost, acquisition_cost, fixed_cost):
    """Steady-state profit a/(1 − r)·(revenue − variable cost) − a·acquisition cost − fixed cost."""
    return acquired / (1 - retention) * (revenue - variable_cost) - acquired * acquisition_cost - fixed_cost


def claims_check(
    acquired: float,
    retention: float,
    revenue: float,
    variable_cost: float,
    acquisition_cost: float,
    fixed_cost: float,
    retention_cost: float | None = None,
    steps=(0.02, 0.05),
    cost_cut: float = 0.10,
) -> pd.DataFrame:
    """The course's retention claims under the user's numbers, at steady state.

    Rows: profit change for retention +2 and +5 points (``steps``), for a 10 % cut of every cost
    (variable, acquisition, fixed), whether +2 points beats the cost cut ("2 % more retention is
    worth a 10 % cost cut"), whether +5 points lands in the claimed +25 % … +85 % profit range,
    and the acquisition-to-retention cost ratio (claimed 5–25×) when ``retention_cost`` is given.
    """
    base = steady_profit(acquired, retention, revenue, variable_cost, acquisition_cost, fixed_cost)
    if base <= 0:
        raise DataError(f"the business makes no steady-state profit ({base:,.0f}); relative changes are meaningless")
    rows = []
    for step in steps:
        if retention + step >= 1:
            raise DataError(
                f"retention {retention:g} + {step:g} reaches 1: the retention scenarios (parameter "
                f"retention_steps: {examples(steps)}) must keep retention below 1; choose smaller steps"
            )
        better = steady_profit(acquired, retention + step, revenue, variable_cost, acquisition_cost, fixed_cost)
        rows.append({"scenario": f"retention_+{round(step * 100)}pp", "profit": better, "change": better / base - 1})
    cut = steady_profit(
        acquired,
        retention,
        revenue,
        variable_cost * (1 - cost_cut),
        acquisition_cost * (1 - cost_cut),
        fixed_cost * (1 - cost_cut),
    )
    rows.append({"scenario": f"cost_cut_{round(cost_cut * 100)}pct", "profit": cut, "change": cut / base - 1})
    table = pd.DataFrame(rows)
    changes = dict(zip(table["scenario"], table["change"]))
    first, second = (f"retention_+{round(s * 100)}pp" for s in steps[:2])
    claims = [
        {
            "claim": "retention_vs_cost_cut",
            "value": changes[first] - changes[f"cost_cut_{round(cost_cut * 100)}pct"],
            "holds": changes[first] >= changes[f"cost_cut_{round(cost_cut * 100)}pct"],
        },
        {"claim": "profit_25_to_85pct", "value": changes[second], "holds": 0.25 <= changes[second] <= 0.85},
    ]
    if retention_cost:
        ratio = acquisition_cost / retention_cost
        claims.append({"claim": "acquisition_5_to_25x", "value": ratio, "holds": 5 <= ratio <= 25})
    table.attrs["base_profit"] = base
    table.attrs["claims"] = pd.DataFrame(claims)
    return table


def claims_grid(
    acquired, revenue, variable_cost, acquisition_cost, fixed_cost, retentions=None, margins=None
) -> pd.DataFrame:
    """Where each claim holds: retention × margin rate (on revenue) grid with both claim flags."""
    retentions = np.round(np.arange(0.5, 0.93, 0.05), 2) if retentions is None else retentions
    margins = np.round(np.arange(0.2, 0.75, 0.1), 2) if margins is None else margins
    rows = []
    for r in retentions:
        for m in margins:
            try:
                check = claims_check(acquired, r, revenue, revenue * (1 - m), acquisition_cost, fixed_cost)
            except DataError:
                rows.append({"retention": r, "margin_rate": m, "cost_cut_claim": np.nan, "profit_claim": np.nan})
                continue
            flags = check.attrs["claims"].set_index("claim")["holds"]
            rows.append(
                {
                    "retention": r,
                    "margin_rate": m,
                    "cost_cut_claim": float(flags["retention_vs_cost_cut"]),
                    "profit_claim": float(flags["profit_25_to_85pct"]),
                }
            )
    return pd.DataFrame(rows)


# The retention economics need figures some data cannot give; these stand in, and
# ``business_figures`` lists which were assumed so that the page can say so.
ASSUMED_RETENTION = 0.5  # yearly retention when the history covers a single year
MAX_RETENTION = 0.9  # above it the steady state a / (1 − r) explodes and +points scenarios reach 1
ASSUMED_MARGIN_RATE = 0.3  # contribution margin on revenue without cost data
ASSUMED_CAC_SHARE = 0.2  # acquisition cost as a share of a customer's yearly revenue


@dataclass
class BusinessFigures:
    """The business's figures for the retention economics, and which of them were assumed."""

    acquired: float
    retention: float
    revenue: float
    variable_cost: float
    acquisition_cost: float
    fixed_cost: float
    assumed: tuple = ()
    retention_capped: bool = False
    acquisition_source: str = "assumed"  # customers_table, parameter or assumed
    acquisition_cost_unused: float | None = None  # the parameter, when set but the customers table's column won

    def inputs(self) -> dict:
        """The arguments of ``steady_profit`` and ``claims_check``."""
        return {
            k: getattr(self, k)
            for k in ("acquired", "retention", "revenue", "variable_cost", "acquisition_cost", "fixed_cost")
        }

    def steady_profit(self) -> float:
        """The steady-state profit of these figures (:func:`steady_profit`)."""
        return steady_profit(**self.inputs())

    def claims(self, steps=(0.02, 0.05)) -> pd.DataFrame | None:
        """:func:`claims_check` on these figures; None when they make no steady-state profit."""
        return claims_check(**self.inputs(), steps=tuple(steps)) if self.steady_profit() > 0 else None

    def claims_grid(self) -> pd.DataFrame:
        """:func:`claims_grid` around these figures (the grid varies retention and margin)."""
        inputs = self.inputs()
        del inputs["retention"]
        return claims_grid(**inputs)


def business_figures(
    windows: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    margin_rate: float | None = None,
    acquisition_cost: float | None = None,
    fixed_cost_share: float = 0.3,
) -> BusinessFigures:
    """The inputs of the retention economics (``steady_profit``, ``claims_check``) from 12-month
    windows (``custval.valuation.customer_windows``; window 0 = the last 12 months).

    - ``retention``: customers who bought in a window and again in the next, over those who bought
      in the first, pooled over every pair of windows (capped at ``MAX_RETENTION``).
    - ``acquired``: new customers a year: first purchases in each of the last two windows (only
      windows with an earlier one, where a customer's first purchase in the data is really new).
    - ``revenue``: sales per customer who bought in the last 12 months; ``variable_cost`` the part
      that is not margin (``margin_rate``, else the data's margin rate).
    - ``acquisition_cost``: the customers table's mean ``acquisition_cost``, else the argument;
      ``acquisition_source`` says which (``customers_table``, ``parameter`` or ``assumed``), and
      ``acquisition_cost_unused`` holds a non-zero argument the table's column overrode (else None).
    - ``fixed_cost``: ``fixed_cost_share`` of the steady-state contribution (no data holds it).
    ``assumed`` names the figures for which an ``ASSUMED_*`` value stood in.
    """
    bought = windows.loc[windows["purchased"], ["customer_id", "window"]]
    last = int(bought["window"].max()) if len(bought) else 0
    assumed = []
    kept = bought.merge(bought.assign(window=bought["window"] + 1), on=["customer_id", "window"])
    base = int((bought["window"] >= 1).sum())
    if base:
        measured = len(kept) / base
    else:
        measured = ASSUMED_RETENTION
        assumed.append("retention")
    retention = min(measured, MAX_RETENTION)
    first = bought.groupby("customer_id")["window"].max()
    new = [int((first == k).sum()) for k in (0, 1) if k < last] or [int((first == 0).sum())]
    acquired = float(np.mean(new))
    recent = windows[windows["window"] == 0]
    active = int(recent["purchased"].sum())
    revenue = float(recent["sales"].sum() / active) if active else 0.0
    if not margin_rate:
        sales = windows["sales"].sum()
        if windows.attrs.get("basis") == "margin" and sales > 0:
            margin_rate = float(windows["margin"].sum() / sales)
        else:
            margin_rate = ASSUMED_MARGIN_RATE
            assumed.append("margin_rate")
    known = (
        customers["acquisition_cost"].dropna() if customers is not None and "acquisition_cost" in customers else None
    )
    unused = None
    if known is not None and len(known):
        cac, source = float(known.mean()), "customers_table"
        unused = float(acquisition_cost) if acquisition_cost else None
    elif acquisition_cost:
        cac, source = float(acquisition_cost), "parameter"
    else:
        cac, source = revenue * ASSUMED_CAC_SHARE, "assumed"
        assumed.append("cac")
    variable = revenue * (1 - margin_rate)
    contribution = acquired / (1 - retention) * (revenue - variable)
    return BusinessFigures(
        acquired=acquired,
        retention=retention,
        revenue=revenue,
        variable_cost=variable,
        acquisition_cost=cac,
        fixed_cost=fixed_cost_share * (contribution - acquired * cac),
        assumed=tuple(assumed),
        retention_capped=measured > MAX_RETENTION,
        acquisition_source=source,
        acquisition_cost_unused=unused,
    )


def cross_sell(
    tx: pd.DataFrame,
    item: str = "product_category",
    min_support: float = 0.05,
    min_confidence: float = 0.3,
    top: int = 3,
    segments: pd.Series | None = None,
    min_share: float = 0.3,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Association rules A → B between items bought by the same customer (support, confidence,
    lift), and per customer up to ``top`` items they do not buy yet.

    With ``segments`` (customer id → segment, e.g. the grade) a candidate is an item that at least
    ``min_share`` of the customer's segment buys, ranked by that share (``because`` names the
    segment); without it, the consequents of rules whose antecedent the customer buys, ranked by
    confidence (``because`` names the antecedent). ``score`` is the share or the confidence.
    Customers are rows of one customer × item table, so the work grows with customers × items.
    """
    if item not in tx.columns:
        raise MissingColumnError(
            f"the transactions have no column {item!r} to find cross-selling items in; "
            f"columns: {', '.join(map(str, tx.columns))}"
        )
    has = _baskets(tx, item)
    rules = _rules(has, min_support, min_confidence)
    rules.attrs["customers"] = len(has)
    if segments is None:
        candidates = _rule_candidates(has, rules, top)
    else:
        candidates = _segment_candidates(has, segments, min_share, top)
    return rules, candidates


def _baskets(tx: pd.DataFrame, item: str) -> pd.DataFrame:
    """Customer (rows, sorted) × item (columns, sorted) table of who bought what: the customers with
    a line of ``amount`` > 0 (even if its item is empty) and the items on such lines."""
    bought = tx.loc[tx["amount"] > 0, ["customer_id", item]]
    customer, customers = pd.factorize(bought["customer_id"], sort=True)
    thing, items = pd.factorize(bought[item], sort=True)
    has = np.zeros((len(customers), len(items)), dtype=bool)
    named = (thing >= 0) & (customer >= 0)
    has[customer[named], thing[named]] = True
    return pd.DataFrame(has, index=pd.Index(customers, name="customer_id"), columns=list(items))


def _rules(has: pd.DataFrame, min_support: float, min_confidence: float) -> pd.DataFrame:
    support = has.mean()
    rules = []
    for a, b in permutations(has.columns, 2):
        both = (has[a] & has[b]).mean()
        if both >= min_support and support[a] > 0:
            confidence = both / support[a]
            if confidence >= min_confidence:
                rules.append(
                    {
                        "antecedent": a,
                        "consequent": b,
                        "support": both,
                        "confidence": confidence,
                        "lift": confidence / support[b],
                    }
                )
    rules = pd.DataFrame(rules, columns=["antecedent", "consequent", "support", "confidence", "lift"])
    return rules.sort_values(
        ["lift", "confidence", "antecedent", "consequent"], ascending=[False, False, True, True], kind="stable"
    ).reset_index(drop=True)


CANDIDATE_COLUMNS = ["customer_id", "suggest", "because", "score"]


def _rule_candidates(has: pd.DataFrame, rules: pd.DataFrame, top: int) -> pd.DataFrame:
    """Per customer the consequents of the rules whose antecedent they buy and consequent they do
    not, best confidence first (ties: by consequent, then antecedent), each consequent once."""
    matrix, column = has.to_numpy(), {item: j for j, item in enumerate(has.columns)}
    parts = [
        pd.DataFrame(
            {
                "order": np.flatnonzero(matrix[:, column[rule.antecedent]] & ~matrix[:, column[rule.consequent]]),
                "suggest": rule.consequent,
                "because": rule.antecedent,
                "score": rule.confidence,
            }
        )
        for rule in rules.itertuples()
    ]
    if not parts:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    table = pd.concat(parts, ignore_index=True).sort_values(
        ["order", "score", "suggest", "because"], ascending=[True, False, True, True], kind="stable"
    )
    table = table.drop_duplicates(["order", "suggest"]).groupby("order", sort=False).head(top)
    table["customer_id"] = has.index[table["order"].to_numpy()]
    return table[CANDIDATE_COLUMNS].reset_index(drop=True)


def _segment_candidates(has: pd.DataFrame, segments: pd.Series, min_share: float, top: int) -> pd.DataFrame:
    """Items a customer's segment commonly buys and the customer does not; customers without a
    segment get no candidates."""
    segment = segments.reindex(has.index)
    shares = has.groupby(segment, sort=True).mean()
    mine = shares.reindex(segment.to_numpy()).set_axis(has.index)  # each customer's segment shares
    wanted = mine.where((mine >= min_share) & ~has).rename_axis(index="customer_id", columns="suggest").stack().dropna()
    if wanted.empty:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    table = wanted.rename("score").reset_index()
    table["order"] = has.index.get_indexer(table["customer_id"])
    table = table.sort_values(["order", "score", "suggest"], ascending=[True, False, True], kind="stable")
    table = table.groupby("order", sort=False).head(top)
    table["because"] = segment.to_numpy()[table["order"].to_numpy()]
    return table[CANDIDATE_COLUMNS].reset_index(drop=True)


def win_back(grades: pd.DataFrame, summary: pd.DataFrame | None = None, quantile: float = 0.5) -> pd.DataFrame:
    """Lapsed customers ranked by the value they had when active (``active_value``).

    ``grades`` is the value chain's table (``custval.grading.ValueChain``): ``lapsed`` (P(alive)
    below the threshold for repeat buyers; for one-time buyers, whose BG/NBD P(alive) is always 1,
    a purchase further back than most repeat buyers wait between purchases; the migration model's
    chance of buying next year otherwise), ``active_value`` (margin per year in which they bought)
    and ``current_value``. ``worth`` is True when their value when active reaches the ``quantile``
    of the current value of the customers who bought in the last 12 months (by default the
    median): they were worth as much as a typical customer served today, however long ago they
    stopped. (The grid's own cuts would not do: when most customers have lapsed, its median is 0.)
    ``summary`` (optional) adds revenue, orders and the last purchase day.
    """
    needed = {"customer_id", "lapsed", "active_value", "current_value"}
    missing = sorted(needed - set(grades.columns))
    if missing:
        raise ValueError(f"win_back needs the value chain's grades table; missing column(s) {', '.join(missing)}")
    active = grades.loc[grades["current_value"] > 0, "current_value"]
    bar = float(active.quantile(quantile)) if len(active) else np.inf
    lapsed = grades[grades["lapsed"].astype(bool)].copy()
    lapsed["worth"] = (lapsed["active_value"] >= bar) & (lapsed["active_value"] > 0)
    if summary is not None:
        extra = [c for c in ("revenue", "n_orders", "last_purchase") if c in summary and c not in lapsed]
        lapsed = lapsed.merge(
            summary[["customer_id", *extra]].astype({"customer_id": "string"}), on="customer_id", how="left"
        )
    lapsed.attrs["worth_bar"] = bar
    return lapsed.sort_values(["active_value", "customer_id"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )


def referral_value(customers: pd.DataFrame, values: pd.Series, depth: int = 3, decay: float = 0.5) -> pd.DataFrame:
    """The value each customer brought through the customers they referred, down to ``depth`` steps,
    each step weighted by ``decay`` (referred directly: decay¹, their referrals: decay², …).

    Cycles in ``referred_by`` are detected: the customers on a cycle are listed in
    ``.attrs["cycles"]`` and the edge closing each cycle is ignored, so nothing loops. A customer
    listed twice counts once (the first row's ``referred_by``). Each step is one pass over arrays of
    all customers (their referrer ``depth`` steps up), so the work grows with customers × ``depth``.
    """
    people = customers.drop_duplicates("customer_id")
    ids = pd.Index(people["customer_id"])
    up = ids.get_indexer(people["referred_by"])  # each customer's referrer (-1: none, or not a customer)
    cycles, cut = _cycles(up, ids)
    up[cut] = -1
    value = values.reindex(ids).fillna(0.0).to_numpy(float)
    total, count = np.zeros(len(ids)), np.zeros(len(ids), dtype=np.int64)
    chain = [np.arange(len(ids))]  # chain[k]: each customer's referrer k steps up (-1: none)
    for level in range(1, depth + 1):
        chain.append(np.where(chain[-1] >= 0, up[np.maximum(chain[-1], 0)], -1))
        sums, referrers, counts = _level_sums(chain, value)
        total[referrers] += decay**level * sums
        count[referrers] += counts
    direct = np.bincount(up[up >= 0], minlength=len(ids))
    out = pd.DataFrame({"customer_id": ids, "referred": count, "direct": direct, "referral_value": total})
    out = out[count > 0].sort_values(["referral_value", "customer_id"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs["cycles"] = [ids[cycle].tolist() for cycle in cycles]
    return out


PAIRWISE_FROM = 8  # numpy sums this many numbers or more pairwise, fewer one after the other


def _level_sums(chain: list, value: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per referrer ``chain[-1]`` levels up: the sum of its referrals' values at that level, the
    referrer and their number. Added as ``np.sum`` adds the list a breadth-first walk from the
    referrer meets (by the customers' order at each step down), so the sums are the same to the
    last bit: short lists one position at a time for all referrers, long ones (rare) by ``np.sum``."""
    known = chain[-1] >= 0
    order = np.lexsort(tuple(step[known] for step in chain))
    referrer, values = chain[-1][known][order], value[known][order]
    starts = np.flatnonzero(np.r_[True, referrer[1:] != referrer[:-1]]) if len(referrer) else np.zeros(0, int)
    sizes = np.diff(np.r_[starts, len(referrer)])
    sums = np.zeros(len(starts))
    short = sizes < PAIRWISE_FROM
    for k in range(PAIRWISE_FROM - 1):
        sums[short & (sizes > k)] += values[starts[short & (sizes > k)] + k]
    for i in np.flatnonzero(~short):
        sums[i] = np.sum(values[starts[i] : starts[i] + sizes[i]])
    return sums, referrer[starts], sizes


def _cycles(up: np.ndarray, ids: pd.Index) -> tuple[list[list[int]], list[int]]:
    """The cycles of the referral graph ``up`` (each customer's referrer, -1 for none) and the
    customer of each cycle whose referral is cut, as walking up from every referred customer in the
    order of ``ids`` finds them: a cycle starts where the walk from the first customer leading into
    it enters it, and the last customer before coming round is cut. Which customers lead into a
    cycle is found by jumping 2^k steps up at once, so only the cycles are walked one by one."""
    n = len(up)
    jump = np.append(np.where(up >= 0, up, n), n)  # n: where a customer without a referrer leads
    for _ in range(n.bit_length()):
        jump = jump[jump]
    end = jump[:n]  # where a long walk up from each customer ends: on a cycle, or at n
    on_cycle = np.zeros(n + 1, dtype=bool)
    on_cycle[end] = True
    on_cycle = on_cycle[:n]
    label = np.full(n + 1, -1)
    for node in np.flatnonzero(on_cycle):
        if label[node] < 0:
            label[_round(up, node)] = node
    basin = label[end]  # the cycle each customer's walk leads into (-1: none)
    by_id = ids.argsort()
    rank = np.empty(n, dtype=np.int64)
    rank[by_id] = np.arange(n)
    leads = np.flatnonzero(basin >= 0)
    firsts = pd.Series(rank[leads]).groupby(basin[leads]).min()
    cycles = []
    for first in sorted(firsts):
        node = int(by_id[first])
        while not on_cycle[node]:
            node = int(up[node])
        cycles.append(_round(up, node))
    return cycles, [cycle[-1] for cycle in cycles]


def _round(up: np.ndarray, node: int) -> list[int]:
    """The customers of the cycle through ``node``, from ``node`` on."""
    cycle = [node]
    while up[cycle[-1]] != node:
        cycle.append(int(up[cycle[-1]]))
    return cycle


# --------------------------------------------------------------------------- what notebook 05 says
# Sentences as (i18n key, values) notes for ``run.say_all`` and tables as the page shows them, in the
# report language (``lang=None``: the current one).

# The win-back list's columns: the grading's, the summary's and whether the customer is worth winning back.
WIN_BACK_COLUMNS = ["customer_id", "grade", "active_value", "current_value", "revenue", "n_orders", "last_purchase"]
WIN_BACK_COLUMNS += ["p_alive", "worth"]


def tenure_curves(by_tenure: pd.DataFrame) -> pd.DataFrame:
    """:func:`cohort_retention`'s curves by tenure as one row per tenure and ``curve`` (retention,
    activity) with its ``share``, for a line chart."""
    return by_tenure.melt(id_vars="tenure", value_vars=["retention", "activity"], var_name="curve", value_name="share")


def cohort_notes(by_tenure: pd.DataFrame) -> Notes:
    """How to read the pooled curves: retention in the first period after acquisition, the pooled
    retention after it and the activity at the last tenure (nothing before two periods of history)."""
    later = by_tenure.iloc[2:]
    if later["previous"].sum() <= 0:
        return []
    pooled = {"first": by_tenure["retention"].iloc[1], "later": later["retained"].sum() / later["previous"].sum()}
    last = {"tenure": by_tenure["tenure"].iloc[-1], "activity": by_tenure["activity"].iloc[-1]}
    return [("rr_cohorts_reading", {**pooled, **last})]


def cohort_table(cohorts: pd.DataFrame, cohort: str = "acquisition_quarter") -> pd.DataFrame:
    """:func:`cohort_retention`'s cohort × tenure table with the cohort as its first column (named
    ``cohort``) and the tenures as text headers."""
    return cohorts.rename_axis(cohort).reset_index().rename(columns=str)


def claims_notes(
    figures: BusinessFigures,
    claims: pd.DataFrame | None,
    steps=(0.02, 0.05),
    fixed_cost_share: float = 0.3,
    lang: str | None = None,
) -> Notes:
    """The economics of retention: the course's claims under the business's ``figures`` and whether
    they hold (``claims``: ``figures.claims(steps)``), or why they are not checked; then the
    figures that were assumed or capped and an ``acquisition_cost`` argument that went unused."""
    base, source = figures.steady_profit(), t(f"rr_acq_{figures.acquisition_source}", lang)
    if claims is not None:
        notes = _claim_notes(figures, claims, steps, fixed_cost_share, lang)
    elif figures.acquired > 0:
        notes = [("rr_claims_skipped", {**figures.inputs(), "base": base, "acq_source": source})]
    else:
        notes = [("rr_no_acquisition", {"acquired": figures.acquired})]
    if figures.acquisition_cost_unused is not None:
        notes.append(("acq_cost_unused", {"cost": figures.acquisition_cost_unused}))
    if figures.assumed:
        notes.append(("rr_assumed", {"items": "; ".join(t(f"rr_assumed_{name}", lang) for name in figures.assumed)}))
    if figures.retention_capped:
        notes.append(("rr_retention_capped", {}))
    return notes


def _claim_notes(figures: BusinessFigures, claims: pd.DataFrame, steps, fixed_cost_share: float, lang=None) -> Notes:
    """The claims checked: the changes of each scenario, then each claim's verdict."""
    changes = claims.set_index("scenario")["change"]
    verdicts = claims.attrs["claims"].set_index("claim")["holds"]
    verdict = {claim: t("rr_holds" if holds else "rr_fails", lang) for claim, holds in verdicts.items()}
    first, second = steps[0] * 100, steps[1] * 100
    scenarios = {"s1": first, "s2": second, "c1": changes.iloc[0], "c2": changes.iloc[1], "cut": changes.iloc[2]}
    source = t(f"rr_acq_{figures.acquisition_source}", lang)
    base = {"share": fixed_cost_share, "base": figures.steady_profit(), "acq_source": source}
    return [
        ("rr_claims", {**figures.inputs(), **base, **scenarios}),
        ("rr_claim_cost_cut", {"step": first, "verdict": verdict["retention_vs_cost_cut"]}),
        ("rr_claim_profit", {"step": second, "verdict": verdict["profit_25_to_85pct"]}),
    ]


def win_back_list(lapsed: pd.DataFrame) -> pd.DataFrame:
    """:func:`win_back`'s customers (with a summary) in the columns the page shows and saves."""
    return lapsed[WIN_BACK_COLUMNS]


def win_back_notes(lapsed: pd.DataFrame, chain, lang: str | None = None) -> Notes:
    """How many lapsed customers :func:`win_back` found, how many are worth winning back and the
    lapse rule of the value ``chain``'s method (``custval.grading.ValueChain``)."""
    days = getattr(chain.future_, "lapse_days", 0)
    rule = t(f"rr_lapsed_{chain.method_}", lang, threshold=chain.lapse_threshold, days=days)
    worth = int(lapsed["worth"].sum())
    return [("rr_win_back", {"n": len(lapsed), "worth": worth, "bar": lapsed.attrs["worth_bar"], "rule": rule})]


def referral_notes(referrals: pd.DataFrame, depth: int = 3, decay: float = 0.5) -> Notes:
    """Referral value's depth and decay, and the cycles :func:`referral_value` cut."""
    notes = [("rr_referral", {"depth": depth, "decay": decay})]
    cycles = referrals.attrs["cycles"]
    if cycles:
        notes.append(("rr_cycles", {"n": len(cycles), "cycles": "; ".join(" → ".join(c) for c in cycles)}))
    return notes
