"""Allocating customer resources to salespeople (销售部客户资源量分配) and sales targets.

Fit scores between customers and salespeople, an integer program (scipy ``milp``) that gives the
customers the capacity can carry (by priority: grade, then value) exactly one owner within each
salesperson's workload bounds while rewarding continuity and puts the rest on a non-personal
contact level, the load, balance and coverage reports, target decomposition (on the recommended
owners) and tracking, and sales efficiency with the selling expense.
Method: METHODS.md §7.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from custval.errors import DataError, MissingColumnError, examples
from custval.i18n import Notes, name, t
from custval.segment import LEVELS

# Weights of the four fit terms; they are normalised to sum to 1.
DEFAULT_WEIGHTS = {"industry": 0.3, "seniority": 0.2, "performance": 0.2, "region": 0.3}
# Years of experience a customer of each grade calls for (seniority term = min(1, years / needed)).
SENIORITY_NEEDED = {"A": 8, "B": 4, "C": 4, "D": 2, "E": 0, "F": 0}
# Service hours per month a customer of each grade takes (the workload of the capacity constraint).
HOURS_PER_GRADE = {"A": 2.0, "B": 1.0, "C": 1.0, "D": 0.5, "E": 0.25, "F": 0.1}
SEGMENT_KEYS = {"个人": "individual", "企业": "enterprise"}


def fit_scores(customers: pd.DataFrame, salespeople: pd.DataFrame, weights: dict | None = None) -> pd.DataFrame:
    """Score in [0, 1] for every customer × salesperson pair, with the four terms.

    - industry: 1 if the customer's industry is among the salesperson's ``industries``
      (``|``-separated), 0 if not, 0.5 when the customer has no industry (individuals);
    - seniority: min(1, experience_years / years the customer's grade needs, SENIORITY_NEEDED);
    - performance: the salesperson's ``perf_<segment>`` for the customer's segment (个人 →
      individual, 企业 → enterprise), scaled to [0, 1] across salespeople (0.5 when unknown);
    - region: 1 if the regions match, 0 if not, 0.5 for everybody when either table has no region.
    score = Σ weight × term, weights normalised to sum to 1.
    """
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    unknown = set(w) - set(DEFAULT_WEIGHTS)
    if unknown:
        raise ValueError(f"unknown fit weights {sorted(unknown)}; valid: {', '.join(DEFAULT_WEIGHTS)}")
    total = sum(w.values())
    if total <= 0 or any(v < 0 for v in w.values()):
        raise ValueError("fit weights must be non-negative and not all 0")
    w = {k: v / total for k, v in w.items()}
    c = customers.reset_index(drop=True)
    s = salespeople.reset_index(drop=True)
    pairs = pd.DataFrame(
        {
            "customer_id": np.repeat(c["customer_id"].to_numpy(), len(s)),
            "salesperson_id": np.tile(s["salesperson_id"].to_numpy(), len(c)),
        }
    )
    ci, si = np.repeat(np.arange(len(c)), len(s)), np.tile(np.arange(len(s)), len(c))
    pairs["industry"] = _industry_term(c, s)[ci, si]
    pairs["seniority"] = _seniority_term(c, s)[ci, si]
    pairs["performance"] = _performance_term(c, s)[ci, si]
    pairs["region"] = _region_term(c, s)[ci, si]
    pairs["score"] = sum(w[k] * pairs[k] for k in DEFAULT_WEIGHTS)
    return pairs


def unused_fit_criteria(customers: pd.DataFrame, salespeople: pd.DataFrame, weights: dict | None = None) -> list[str]:
    """The fit terms with a positive weight that had no data, so that their weight had no effect
    (the term is the same for every pair, see :func:`fit_scores`): a needed column is missing or
    empty. industry: customers' ``industry`` and salespeople's ``industries``; seniority:
    ``experience_years`` and the customers' ``grade``; performance: a ``perf_<segment>`` column for
    a segment of the customers' ``customer_type``; region: ``region`` in both tables."""
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    has = _has_values
    perf = {col[5:] for col in salespeople.columns if col.startswith("perf_") and has(salespeople, col)}
    segments = (
        set(customers["customer_type"].dropna().map(lambda v: SEGMENT_KEYS.get(v, v)))
        if "customer_type" in customers
        else set()
    )
    data = {
        "industry": has(customers, "industry") and has(salespeople, "industries"),
        "seniority": has(salespeople, "experience_years") and has(customers, "grade"),
        "performance": bool(perf & segments),
        "region": has(customers, "region") and has(salespeople, "region"),
    }
    return [k for k in DEFAULT_WEIGHTS if w.get(k, 0) > 0 and not data[k]]


def _has_values(frame: pd.DataFrame, column: str) -> bool:
    """Whether ``frame`` has ``column`` with at least one value."""
    return column in frame.columns and bool(frame[column].notna().any())


def _industry_term(c, s) -> np.ndarray:
    if "industry" not in c or "industries" not in s:
        return np.full((len(c), len(s)), 0.5)
    skills = [set(str(v).split("|")) if pd.notna(v) else set() for v in s["industries"]]
    return np.array([[0.5 if pd.isna(ind) else float(ind in k) for k in skills] for ind in c["industry"]])


def _seniority_term(c, s) -> np.ndarray:
    if "experience_years" not in s:
        return np.ones((len(c), len(s)))
    needed = c["grade"].map(SENIORITY_NEEDED).fillna(0).to_numpy(float) if "grade" in c else np.zeros(len(c))
    years = s["experience_years"].fillna(0).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(needed[:, None] > 0, years[None, :] / needed[:, None], 1.0)
    return np.minimum(ratio, 1.0)


def _performance_term(c, s) -> np.ndarray:
    columns = [col for col in s.columns if col.startswith("perf_")]
    if not columns or "customer_type" not in c:
        return np.full((len(c), len(s)), 0.5)
    scaled = {}
    for col in columns:
        values = s[col].astype(float)
        spread = values.max() - values.min()
        scaled[col[5:]] = (
            ((values - values.min()) / spread).fillna(0.5).to_numpy() if spread > 0 else np.full(len(s), 0.5)
        )
    keys = c["customer_type"].map(lambda v: SEGMENT_KEYS.get(v, v))
    return np.array([scaled.get(k, np.full(len(s), 0.5)) for k in keys])


def _region_term(c, s) -> np.ndarray:
    if "region" not in c or "region" not in s:
        return np.full((len(c), len(s)), 0.5)  # unknown on either side: the same for everybody
    return (c["region"].to_numpy()[:, None] == s["region"].to_numpy()[None, :]).astype(float)


def allocate(
    customers: pd.DataFrame,
    salespeople: pd.DataFrame,
    capacity="capacity",
    continuity: float = 0.2,
    value: str = "clv",
    hours: str = "hours",
    balance: float = 0.3,
    scores: pd.DataFrame | None = None,
    weights: dict | None = None,
    gap: float = 0.005,
    when_short: str = "cover",
    uncovered_levels: dict | None = None,
) -> pd.DataFrame:
    """Assign customers to salespeople within their capacity (an integer program, scipy ``milp``).

    Coverage: when the customers need more hours than the salespeople have, the customers are
    taken in priority order (grade in letter order, A first, customers without a grade last;
    then ``value`` from high to low; then customer id) for as long as their hours fit the total
    capacity; the rest are not covered (``reason`` = ``capacity``) and go to a non-personal
    contact level of the contact plan (``segment.LEVELS``): ``uncovered_levels`` maps grades to
    levels (default ``UNCOVERED_LEVELS``: A–C, the high-future grades, ``reactive``, phone on
    request; the others ``basic``, SMS/e-mail). ``when_short="raise"`` raises a ``DataError``
    saying by how many hours instead. When the capacity suffices everybody is covered.

    Among the covered: maximises Σ v_i · score_ij · x_ij + continuity · Σ v_i · x_i,owner(i), with
    v_i = the customer's ``value`` (CLV by default) divided by the mean value (0.01 floor, so every
    customer counts), every covered customer to exactly one salesperson. ``capacity`` is the
    salespeople's column of hours per period, or one number of hours for everybody. Each
    salesperson's workload Σ hours_i · x_ij lies within ±``balance`` of their fair share of the
    covered hours (total × capacity_j / Σ capacity) and never above their capacity.

    The solver stops once its solution is proven within ``gap`` (relative) of the best possible
    objective: 0.5 % by default, reached in about 1.5 s for 2,000 customers and 12 salespeople,
    where proving the last 0.1 % takes 8 s; ``gap=0`` asks for the exact optimum. The proven gap
    is in ``.attrs["gap"]``, the objective in ``.attrs["objective"]``.
    """
    if when_short not in ("cover", "raise"):
        raise ValueError(f"when_short must be 'cover' or 'raise', got {when_short!r}")
    c = customers.reset_index(drop=True)
    s = salespeople.reset_index(drop=True)
    missing = [column for column in ("customer_id", value, hours) if column not in c]
    if missing:
        raise MissingColumnError(
            f"the customers table has no column {', '.join(map(repr, missing))} (allocate needs "
            f"customer_id, {value!r}, {hours!r}); columns: {', '.join(map(str, c.columns))}"
        )
    s = s.assign(capacity=_capacity(s, capacity))
    h = c[hours].to_numpy(float)
    if not np.isfinite(h).all() or (h < 0).any():
        bad = ~np.isfinite(h) | (h < 0)
        raise DataError(
            f"{int(bad.sum())} customer(s) have no valid {hours!r} (empty or negative), "
            f"e.g. {examples(c.loc[bad, 'customer_id'])}"
        )
    total = s["capacity"].sum()
    if h.sum() > total and when_short == "raise":
        raise DataError(
            f"the customers need {h.sum():,.1f} hours but the salespeople have {total:,.1f}: "
            f"{h.sum() - total:,.1f} hours short; add capacity or lower the hours per customer"
        )
    levels = UNCOVERED_LEVELS if uncovered_levels is None else uncovered_levels
    unknown = sorted(set(levels.values()) - set(LEVELS.index))
    if unknown:
        raise ValueError(
            f"uncovered_levels names unknown contact level(s) {', '.join(unknown)}; valid: {', '.join(LEVELS.index)}"
        )
    rank = priority(c, value)
    covered = _within(h, rank, total)
    solved = None
    if not covered.all():
        solved = _solve(c[covered], s, h[covered], continuity, value, balance, scores, weights, gap, strict=False)
        if solved is None:  # whole customers do not pack into every window: leave room for one per salesperson
            covered = _within(h, rank, total - len(s) * h[covered].max())
    if solved is None:
        solved = _solve(c[covered], s, h[covered], continuity, value, balance, scores, weights, gap, strict=True)
    return _assignment(c, s, covered, rank, solved, levels)


# Non-personal contact level (segment.LEVELS) for customers the sales force cannot cover, by grade:
# the high-future grades of the course's grid may phone on request, the others get SMS/e-mail.
UNCOVERED_LEVELS = {"A": "reactive", "B": "reactive", "C": "reactive"}
UNCOVERED_DEFAULT_LEVEL = "basic"


def priority(customers: pd.DataFrame, value: str = "clv") -> np.ndarray:
    """Each customer's rank for coverage (1 = served first): ``grade`` in letter order (A first;
    no grade, or no grade column, last), then ``value`` from high to low, then customer id."""
    grade = (
        customers["grade"].astype("string")
        if "grade" in customers
        else pd.Series(pd.NA, index=customers.index, dtype="string")
    )
    keys = pd.DataFrame(
        {
            "missing": grade.isna().to_numpy(),
            "grade": grade.fillna("").to_numpy(),
            "value": -pd.to_numeric(customers[value], errors="coerce").fillna(0.0).to_numpy(float),
            "id": customers["customer_id"].astype("string").to_numpy(),
        }
    )
    order = keys.sort_values(["missing", "grade", "value", "id"], kind="stable").index.to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    return rank


def _within(h: np.ndarray, rank: np.ndarray, budget: float) -> np.ndarray:
    """The customers of highest priority whose hours add up to at most ``budget``: a prefix of the
    priority order, so nobody is covered ahead of a customer of higher priority."""
    order = np.argsort(rank, kind="stable")
    fits = np.cumsum(h[order]) <= budget + 1e-9
    stop = len(order) if fits.all() else int(np.argmin(fits))
    covered = np.zeros(len(h), dtype=bool)
    covered[order[:stop]] = True
    return covered


def _solve(c, s, h, continuity, value, balance, scores, weights, gap, strict: bool):
    """The integer program over the covered customers ``c``: (chosen salesperson per customer,
    score matrix, objective, gap), or None when ``strict`` is False and no assignment meets the
    workload windows; ``strict`` raises a DataError saying which window is too narrow."""
    c = c.reset_index(drop=True)
    n, m = len(c), len(s)
    capacity = s["capacity"].to_numpy(float)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, m)), 0.0, 0.0
    fair = h.sum() * capacity / capacity.sum()
    upper = np.minimum(capacity, fair * (1 + balance))
    lower = np.minimum(fair * (1 - balance), upper)
    biggest = int(np.argmax(h))
    if h[biggest] > upper.max() + 1e-9:
        if not strict:
            return None
        raise DataError(
            f"customer {c['customer_id'].iloc[biggest]} needs {h[biggest]:,.2f} hours but no salesperson may take "
            f"more than {upper.max():,.2f} (capacity and ±{balance:.0%} of the fair share): "
            f"{h[biggest] - upper.max():,.2f} hours short; widen balance or raise capacity"
        )
    scores = scores if scores is not None else fit_scores(c, s, weights)
    matrix = (
        scores.pivot(index="customer_id", columns="salesperson_id", values="score")
        .reindex(index=c["customer_id"], columns=s["salesperson_id"])
        .to_numpy(float)
    )
    v = c[value].astype(float).clip(lower=0).to_numpy()
    v = np.maximum(v / v.mean() if v.mean() > 0 else np.ones(n), 0.01)
    gain = v[:, None] * matrix
    if "owner_id" in c and continuity:
        gain += continuity * v[:, None] * (c["owner_id"].to_numpy()[:, None] == s["salesperson_id"].to_numpy()[None, :])
    # variable k = i·m + j is "customer i goes to salesperson j"
    k = np.arange(n * m)
    one_owner = sparse.csr_matrix((np.ones(n * m), (k // m, k)), shape=(n, n * m))
    load = sparse.csr_matrix((np.repeat(h, m), (k % m, k)), shape=(m, n * m))
    result = milp(
        -gain.ravel(),
        integrality=np.ones(n * m),
        bounds=Bounds(0, 1),
        constraints=[LinearConstraint(one_owner, 1, 1), LinearConstraint(load, lower, upper)],
        options={"disp": False, "mip_rel_gap": max(float(gap), 1e-9)},
    )
    if not result.success:
        if not strict:
            return None
        j = int(np.argmin(upper - lower))
        raise DataError(
            f"no allocation keeps every workload within ±{balance:.0%} of its fair share: customers "
            f"cannot be split (they need {h.min():,.2f} to {h.max():,.2f} hours each) and the narrowest "
            f"window, {s['salesperson_id'].iloc[j]}'s, is {lower[j]:,.2f}–{upper[j]:,.2f} hours; "
            f"widen balance or check capacities ({result.message})"
        )
    chosen = result.x.reshape(n, m).argmax(axis=1)
    return chosen, matrix, float(-result.fun), float(getattr(result, "mip_gap", 0.0) or 0.0)


def _assignment(c, s, covered, rank, solved, levels: dict) -> pd.DataFrame:
    """The result table: every customer, with their salesperson or why they have none."""
    chosen, matrix, objective, gap = solved
    ids = s["salesperson_id"].astype("string").to_numpy()
    out = c[["customer_id"]].copy()
    owner = pd.Series(pd.NA, index=out.index, dtype="string")
    owner[covered] = ids[chosen]
    out["salesperson_id"] = owner
    out["score"] = np.nan
    out.loc[covered, "score"] = matrix[np.arange(len(chosen)), chosen]
    if "owner_id" in c:
        out["previous_owner"] = c["owner_id"].astype("string")
        out["reassigned"] = covered & (out["previous_owner"] != owner).fillna(True).to_numpy(bool)
    if "grade" in c:
        out["grade"] = c["grade"].to_numpy()
    out["priority"] = rank
    out["covered"] = covered
    grades = c["grade"] if "grade" in c else pd.Series(pd.NA, index=c.index)
    level = grades.astype(object).map(levels).fillna(UNCOVERED_DEFAULT_LEVEL).astype("string")
    out["contact_level"] = level.where(~covered, pd.NA)
    out["reason"] = pd.Series(np.where(covered, None, "capacity"), index=out.index, dtype="string")
    out.attrs.update(objective=objective, gap=gap, covered=int(covered.sum()), uncovered=int((~covered).sum()))
    return out


def uncovered_contact(assignment: pd.DataFrame) -> pd.DataFrame:
    """The contact levels the uncovered customers of :func:`allocate` were put on: one row per
    level (most personal first) with its channel and the grades sent there ("—" for no grade)."""
    out = assignment[~assignment["covered"]]
    grades = out["grade"].astype("string").fillna("—") if "grade" in out else pd.Series("—", index=out.index)
    rows = [
        (level, LEVELS.loc[level, "channel"], sorted(set(grades[out["contact_level"] == level])))
        for level in reversed(LEVELS.index)
        if (out["contact_level"] == level).any()
    ]
    return pd.DataFrame(rows, columns=["level", "channel", "grades"])


def coverage(
    assignment: pd.DataFrame, customers: pd.DataFrame, value: str = "clv", hours: str = "hours"
) -> pd.DataFrame:
    """Per grade: customers, ``value`` and service hours covered by a salesperson and not covered
    (see :func:`allocate`), with the shares covered."""
    data = _with_workload(assignment, customers, value, hours, how="left")
    data["grade"] = data["grade"].astype("string").fillna("—") if "grade" in data else "—"
    data = data.assign(
        **{f"{k}_covered": data[k].where(data["covered"], 0.0) for k in (value, hours)},
        customers_covered=data["covered"].astype(int),
    )
    table = data.groupby("grade", sort=True).agg(
        customers=("customer_id", "size"),
        customers_covered=("customers_covered", "sum"),
        **{
            value: (value, "sum"),
            f"{value}_covered": (f"{value}_covered", "sum"),
            hours: (hours, "sum"),
            f"{hours}_covered": (f"{hours}_covered", "sum"),
        },
    )
    table["customers_uncovered"] = table["customers"] - table["customers_covered"]
    table[f"{value}_uncovered"] = table[value] - table[f"{value}_covered"]
    table["share_customers_covered"] = table["customers_covered"] / table["customers"]
    table["share_value_covered"] = table[f"{value}_covered"] / table[value].where(table[value] > 0)
    table = table.astype({"customers": "int64", "customers_covered": "int64", "customers_uncovered": "int64"})
    order = [
        "customers",
        "customers_covered",
        "customers_uncovered",
        "share_customers_covered",
        value,
        f"{value}_covered",
        f"{value}_uncovered",
        "share_value_covered",
        hours,
        f"{hours}_covered",
    ]
    return table[order].rename_axis("grade").reset_index()


def _with_workload(assignment: pd.DataFrame, customers: pd.DataFrame, value: str, hours: str, how: str) -> pd.DataFrame:
    """The assignment with each customer's ``value``, ``hours`` and (unless it has one) ``grade``."""
    grade = ["grade"] if "grade" in customers and "grade" not in assignment else []
    return assignment.merge(customers[["customer_id", value, hours, *grade]], on="customer_id", how=how)


def workload(
    customers: pd.DataFrame, grades: pd.DataFrame, hours_per_grade: dict, idle_grade: str = "F"
) -> pd.DataFrame:
    """The customers table with each customer's ``grade`` and ``clv`` (future value) from the
    value chain's ``grades`` and the service ``hours`` of their grade. Customers the grading does
    not know (no line up to the analysis date) get ``idle_grade`` (the grid's low/low cell) and
    value 0: they still need an owner."""
    graded = grades[["customer_id", "grade", "future_value"]].astype({"customer_id": "string"})
    out = customers.astype({"customer_id": "string"}).merge(graded, on="customer_id", how="left")
    out["grade"] = out["grade"].fillna(idle_grade)
    out["clv"] = out.pop("future_value").fillna(0.0)
    unknown = sorted(set(out["grade"]) - set(hours_per_grade))
    if unknown:
        raise ValueError(f"hours_per_grade has no hours for grade(s) {', '.join(unknown)}")
    out["hours"] = out["grade"].map(hours_per_grade).astype(float)
    return out


def _capacity(salespeople: pd.DataFrame, capacity) -> np.ndarray:
    """Hours per salesperson: a column of ``salespeople`` or one number for everybody."""
    if isinstance(capacity, str):
        if capacity not in salespeople:
            raise MissingColumnError(
                f"the salespeople table has no column {capacity!r} (hours per period; or pass "
                f"capacity=<hours>); columns: {', '.join(map(str, salespeople.columns))}"
            )
        hours = pd.to_numeric(salespeople[capacity], errors="coerce").to_numpy(float)
    else:
        hours = np.full(len(salespeople), float(capacity))
    bad = ~np.isfinite(hours) | (hours <= 0)
    if bad.any():
        raise DataError(
            f"capacity must be a positive number of hours; {int(bad.sum())} salesperson(s) have none, "
            f"e.g. {examples(salespeople.loc[bad, 'salesperson_id'])}"
        )
    return hours


def allocation_report(
    assignment: pd.DataFrame,
    customers: pd.DataFrame,
    salespeople: pd.DataFrame,
    value: str = "clv",
    hours: str = "hours",
    capacity="capacity",
) -> tuple[pd.DataFrame, dict]:
    """Load per salesperson (customers, hours, utilisation, customers by grade, the total of
    ``value`` under its own name) and the balance figures: coefficient of variation and max/min
    of utilisation, reassignments, and the customers and hours covered and not covered and the
    share of ``value`` covered (1 when there is no value)."""
    salespeople = salespeople.assign(capacity=_capacity(salespeople, capacity))
    data = _with_workload(assignment, customers, value, hours, how="inner")
    covered = data["covered"].to_numpy(bool) if "covered" in data else data["salesperson_id"].notna().to_numpy()
    load = data.groupby("salesperson_id").agg(
        customers=("customer_id", "size"), hours=(hours, "sum"), **{value: (value, "sum")}
    )
    if "grade" in data:
        load = load.join(pd.crosstab(data["salesperson_id"], data["grade"]).add_prefix("grade_"))
    load = salespeople.set_index("salesperson_id")[["capacity"]].join(load).fillna(0)
    load["utilisation"] = load["hours"] / load["capacity"]
    util = load["utilisation"]
    summary = {
        "cv_utilisation": float(util.std(ddof=0) / util.mean()) if util.mean() > 0 else np.nan,
        "max_min_utilisation": float(util.max() / util.min()) if util.min() > 0 else np.inf,
        "reassigned": int(assignment["reassigned"].sum()) if "reassigned" in assignment else 0,
        "covered": int(covered.sum()),
        "uncovered": int((~covered).sum()),
        "hours_covered": float(data.loc[covered, hours].sum()),
        "hours_uncovered": float(data.loc[~covered, hours].sum()),
        "share_value_covered": float(data.loc[covered, value].sum() / data[value].sum())
        if data[value].sum() > 0
        else 1.0,
    }
    return load.reset_index(), summary


def current_assignment(customers: pd.DataFrame) -> pd.DataFrame:
    """The customers' present owners in the shape of :func:`allocate`'s result."""
    out = customers[["customer_id"]].assign(salesperson_id=customers["owner_id"].to_numpy())
    out["reassigned"] = False
    return out


# --------------------------------------------------------------------------- targets


def last_12_months(tx: pd.DataFrame, as_of=None, columns=None) -> pd.DataFrame:
    """The lines of the 12 months up to ``as_of`` (default: the latest order date), both ends as
    the value chain counts them: after ``as_of`` − 12 months, up to and including ``as_of``; only
    ``columns`` (those of them ``tx`` has) when given, so that millions of lines are not copied whole."""
    end = pd.Timestamp(as_of) if as_of is not None else tx["order_date"].max()
    rows = ((tx["order_date"] > end - pd.DateOffset(months=12)) & (tx["order_date"] <= end)).to_numpy()
    return tx.loc[rows, _present(tx, columns)]


def _present(tx: pd.DataFrame, columns) -> list:
    """``columns`` that ``tx`` has, each once (every column of ``tx`` for None)."""
    return list(tx.columns) if columns is None else [c for c in dict.fromkeys(columns) if c in tx.columns]


def company_target(tx: pd.DataFrame, growth: float, as_of=None) -> float:
    """The company's sales target: the last 12 months' sales up to ``as_of`` × (1 + ``growth``)."""
    return float(last_12_months(tx, as_of, ["amount"])["amount"].sum() * (1 + growth))


def decompose_target(
    tx: pd.DataFrame,
    target: float,
    by=("region", "salesperson_id", "month"),
    method: str = "history",
    market: pd.DataFrame | None = None,
    as_of=None,
    assignment: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Split a company sales target over ``by`` (``month`` = month of the year 1–12).

    ``history``: in proportion to the sales of each cell in the 12 months up to ``as_of`` (default:
    the latest order date). ``potential``: region totals in proportion to the region's share of
    the market table's last year (``market_sales``), then within each region by history. The
    targets add up to ``target`` exactly. With an ``assignment`` (:func:`allocate`'s result) a
    line's salesperson is its customer's assigned one, not the one who made the sale, so each
    salesperson's target is their book of customers' history; customers with no salesperson
    (not covered, or not in the assignment) form cells with an empty ``salesperson_id``.
    """
    by = list(by)
    lines = last_12_months(tx, as_of, ["customer_id", "order_date", "amount", *by])
    recent = _owned(lines, assignment).assign(month=lambda d: d["order_date"].dt.month)
    missing = [c for c in by if c not in recent.columns]
    if missing:
        raise MissingColumnError(
            f"the transactions have no column {', '.join(missing)} to split the target by; "
            f"columns: {', '.join(map(str, tx.columns))}"
        )
    cells = recent.groupby(by, sort=True, dropna=False)["amount"].sum().clip(lower=0).rename("history").reset_index()
    if cells["history"].sum() <= 0:
        raise DataError("no sales in the last 12 months to split the target by")
    if method == "history":
        cells["share"] = cells["history"] / cells["history"].sum()
    elif method == "potential":
        if market is None or "region" not in by:
            raise ValueError(
                f"method='potential' needs region in `by` and a market table, got by={by!r} and "
                f"market={'None' if market is None else 'a table'}"
            )
        if "market_sales" not in market:
            raise MissingColumnError(
                f"the market table has no column market_sales (method='potential' splits the "
                f"target by it); columns: {', '.join(map(str, market.columns))}"
            )
        year = market["period"].astype(str).str[:4].max()
        sizes = (
            market[market["period"].astype(str).str.startswith(year)]
            .drop_duplicates([c for c in ("period", "region", "product_category") if c in market])
            .groupby("region")["market_sales"]
            .sum()
        )
        region_share = (sizes / sizes.sum()).reindex(cells["region"]).fillna(0).to_numpy()
        within = cells["history"] / cells.groupby("region", dropna=False)["history"].transform("sum")
        cells["share"] = region_share * within.to_numpy()
        cells["share"] = cells["share"] / cells["share"].sum()
    else:
        raise ValueError(f"method must be 'history' or 'potential', got {method!r}")
    cells["target"] = cells["share"] * target
    return cells


def _owned(tx: pd.DataFrame, assignment: pd.DataFrame | None) -> pd.DataFrame:
    """The lines with ``salesperson_id`` = their customer's salesperson in ``assignment`` (empty
    for customers it does not cover); the lines unchanged without an assignment."""
    if assignment is None:
        return tx
    owners = pd.Series(
        assignment["salesperson_id"].astype("string").to_numpy(),
        index=assignment["customer_id"].astype("string").to_numpy(),
    )
    owners = owners[~owners.index.duplicated()]
    found = pc.index_in(pa.array(tx["customer_id"].astype("string")), value_set=pa.array(owners.index, pa.string()))
    found = found.fill_null(-1).to_numpy()  # each line's customer in ``owners`` (-1: not there); by hashing in Arrow
    named = owners.to_numpy(dtype=object)[np.maximum(found, 0)] if len(owners) else np.full(len(found), pd.NA)
    return tx.assign(salesperson_id=np.where(found >= 0, named, pd.NA))


def target_tracking(
    tx: pd.DataFrame,
    targets: pd.DataFrame,
    year: int,
    as_of=None,
    by=("region", "salesperson_id"),
    assignment: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Actual sales of ``year`` up to ``as_of`` against the targets due by then, per ``by``.

    The months before ``as_of``'s month count in full; the current month's target is prorated by
    the days elapsed (``as_of`` included), so a month that has just begun is not judged against
    its whole target. ``assignment`` credits each line to its customer's assigned salesperson,
    as :func:`decompose_target` did for the targets.
    """
    by = list(by)
    end = pd.Timestamp(as_of) if as_of is not None else tx["order_date"].max()
    if "month" in targets:
        share = targets["month"].map(lambda month: _month_elapsed(month, year, end))
        due = targets.assign(target=targets["target"] * share)
    else:
        due = targets
    planned = due.groupby(by, dropna=False)["target"].sum()
    rows = ((tx["order_date"].dt.year == year) & (tx["order_date"] <= end)).to_numpy()
    this_year = _owned(tx.loc[rows, _present(tx, ["customer_id", "amount", *by])], assignment)
    actual = this_year.groupby(by, dropna=False)["amount"].sum()
    table = pd.DataFrame({"target_to_date": planned, "actual": actual}).fillna(0.0)
    table["achieved"] = table["actual"] / table["target_to_date"].where(table["target_to_date"] > 0)
    return table.reset_index()


def year_to_date(
    tx: pd.DataFrame, growth: float, as_of=None, by=("region", "salesperson_id"), assignment: pd.DataFrame | None = None
) -> pd.DataFrame | None:
    """This year's sales against this year's target, to ``as_of`` (default: the latest order date).

    The year's target is set as on 1 January: the 12 months before the year × (1 + ``growth``)
    (:func:`company_target`), split by ``by`` and month on those months' history
    (:func:`decompose_target`, with ``assignment``), and tracked to ``as_of`` with the current
    month prorated (:func:`target_tracking`). ``.attrs``: ``target`` (the year's), ``year``,
    ``as_of``, ``month_share`` (share of ``as_of``'s month elapsed), ``due`` and ``actual`` (totals).
    None when there are no sales in the 12 months before the year to set a target from.
    """
    end = pd.Timestamp(as_of) if as_of is not None else tx["order_date"].max()
    before = pd.Timestamp(year=end.year, month=1, day=1) - pd.Timedelta(days=1)
    if last_12_months(tx, before, ["amount"])["amount"].clip(lower=0).sum() <= 0:
        return None
    target = company_target(tx, growth, as_of=before)
    plan = decompose_target(tx, target, by=(*by, "month"), as_of=before, assignment=assignment)
    table = target_tracking(tx, plan, year=end.year, as_of=end, by=by, assignment=assignment)
    due, actual = float(table["target_to_date"].sum()), float(table["actual"].sum())
    table.attrs.update(
        target=target,
        year=end.year,
        as_of=end,
        month_share=_month_elapsed(end.month, end.year, end),
        due=due,
        actual=actual,
        achieved=actual / due if due > 0 else np.nan,
    )
    return table


def _month_elapsed(month: int, year: int, end: pd.Timestamp) -> float:
    """Share of ``month`` of ``year`` that lies on or before ``end``: 1, 0 or days elapsed / days."""
    start = pd.Timestamp(year=year, month=int(month), day=1)
    if end < start:
        return 0.0
    if end >= start + pd.offsets.MonthEnd(0):
        return 1.0
    return end.day / start.days_in_month


def sales_efficiency(
    tx: pd.DataFrame, grades: pd.DataFrame | None = None, salespeople: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per salesperson over the last 12 months: sales, gross profit (sales − cost, when the lines have
    a ``cost``), growth on the 12 months before, share of A/B customers and the cost of selling;
    ranked by sales, with the average of the salesperson's region for comparison.

    Cost of selling (销售费用控制): with a ``selling_expense`` column in ``salespeople`` (yearly
    selling expense per salesperson: pay, commission, travel) the ``selling_expense`` and the
    ``expense_ratio`` = selling expense ÷ sales; without it, when the lines have a ``cost``, the
    ``cost_ratio`` = cost of goods ÷ sales instead, which measures the margin, not the cost of
    selling. ``.attrs["cost_basis"]`` says which: ``selling_expense``, ``cost_of_goods`` or None.
    """
    end = tx["order_date"].max()
    columns = ["customer_id", "salesperson_id", "amount", "cost"]
    recent, before = last_12_months(tx, end, columns), last_12_months(tx, end - pd.DateOffset(months=12), columns)
    table = recent.groupby("salesperson_id").agg(sales=("amount", "sum"), customers=("customer_id", "nunique"))
    if "cost" in recent:
        table["gross_profit"] = table["sales"] - recent.groupby("salesperson_id")["cost"].sum()
    basis = None
    if salespeople is not None and "selling_expense" in salespeople and salespeople["selling_expense"].notna().any():
        expense = salespeople.set_index("salesperson_id")["selling_expense"].astype(float)
        table["selling_expense"] = expense.reindex(table.index)
        table["expense_ratio"] = table["selling_expense"] / table["sales"].where(table["sales"] > 0)
        basis = "selling_expense"
    elif "cost" in recent:
        table["cost_ratio"] = (table["sales"] - table["gross_profit"]) / table["sales"].where(table["sales"] > 0)
        basis = "cost_of_goods"
    previous = before.groupby("salesperson_id")["amount"].sum()
    table["growth"] = (table["sales"] - previous) / previous.where(previous > 0)
    if grades is not None:
        owners = (
            recent[["customer_id", "salesperson_id"]]
            .drop_duplicates()
            .merge(grades[["customer_id", "grade"]], on="customer_id")
        )
        table["share_ab"] = owners.assign(ab=owners["grade"].isin(["A", "B"])).groupby("salesperson_id")["ab"].mean()
    table = table.reset_index()
    if salespeople is not None and "region" in salespeople:
        table = table.merge(salespeople[["salesperson_id", "region"]], on="salesperson_id", how="left")
        table["region_average_sales"] = table.groupby("region")["sales"].transform("mean")
    table = table.sort_values(["sales", "salesperson_id"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )
    table["rank"] = np.arange(1, len(table) + 1)
    table.attrs["cost_basis"] = basis
    return table


# --------------------------------------------------------------------------- what notebook 05 says
# Sentences as (i18n key, values) notes for ``run.say_all`` and tables as the page shows them, in the
# report language (``lang=None``: the current one).


def current_notes(customers: pd.DataFrame, load: pd.DataFrame, summary: dict, hours_per_grade: dict) -> Notes:
    """The present allocation: hours the ``customers`` (``workload``) need against the capacity in
    ``load`` and the balance ``summary`` (:func:`allocation_report` of :func:`current_assignment`)."""
    hours = {"A": hours_per_grade["A"], "F": hours_per_grade["F"], "need": customers["hours"].sum()}
    people = {"m": len(load), "capacity": load["capacity"].sum()}
    balance = {"cv": summary["cv_utilisation"], "ratio": summary["max_min_utilisation"]}
    return [("rr_current", {"n": len(customers), **hours, **people, **balance})]


def allocation_notes(
    customers: pd.DataFrame,
    salespeople: pd.DataFrame,
    summary: dict,
    weights: dict | None = None,
    balance: float = 0.3,
    continuity: float = 0.2,
    lang: str | None = None,
) -> Notes:
    """The recommended allocation: its settings and balance (``summary`` of :func:`allocation_report`),
    and the fit terms whose weight had no data (:func:`unused_fit_criteria`)."""
    settings = {"balance": balance, "bonus": continuity, "reassigned": summary["reassigned"]}
    notes = [("rr_allocation", {**settings, "cv": summary["cv_utilisation"], "ratio": summary["max_min_utilisation"]})]
    unused = unused_fit_criteria(customers, salespeople, weights)
    if unused:
        criteria = t("rr_levels_sep", lang).join(name("fit", c, lang) for c in unused)
        notes.append(("rr_fit_unused", {"criteria": criteria}))
    return notes


def utilisation_before_after(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The loads of the current and the recommended allocation (:func:`allocation_report`) in one
    table, ``allocation`` saying which (``current``, ``recommended``), for a side-by-side chart."""
    return pd.concat([before.assign(allocation="current"), after.assign(allocation="recommended")])


def shown_load(load: pd.DataFrame, grades=("A", "B")) -> pd.DataFrame:
    """:func:`allocation_report`'s load with the customer counts of ``grades`` only."""
    return load.drop(columns=[c for c in load.columns if c.startswith("grade_") and c[6:] not in grades])


def coverage_notes(assignment: pd.DataFrame, summary: dict, lang: str | None = None) -> Notes:
    """Coverage: everybody has a salesperson, or how many do not and the contact levels they go to
    (:func:`uncovered_contact`), with the hours missing and the share of value covered."""
    contact = uncovered_contact(assignment)
    levels = t("rr_levels_sep", lang).join(_level_grades(row, lang) for row in contact.itertuples())
    key = "rr_coverage_short" if summary["uncovered"] else "rr_coverage_all"
    figures = {"covered": summary["covered"], "uncovered": summary["uncovered"], "hours": summary["hours_uncovered"]}
    return [(key, {"levels": levels, **figures, "share": summary["share_value_covered"]})]


def _level_grades(row, lang: str | None = None) -> str:
    """One row of :func:`uncovered_contact` in words: the grades, the level and its channel."""
    grades = t("sg_sep", lang).join(row.grades)
    level, channel = name("level", row.level, lang), name("channel", row.channel, lang)
    return t("rr_level_grades", lang, grades=grades, level=level, channel=channel)


def target_notes(target: float, growth: float, as_of, recommended: bool, lang: str | None = None) -> Notes:
    """The company target and whose history each salesperson's part follows: the customers the
    ``recommended`` allocation gives them, else the sales they made."""
    key = "rr_owners_recommended" if recommended else "rr_owners_history"
    owners = t(key, lang, none=t("alloc_no_salesperson", lang))
    return [("rr_targets", {"target": target, "as_of": as_of, "growth": growth, "owners": owners})]


def owners_named(table: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """``table`` with the rows of customers without a salesperson named so (``alloc_no_salesperson``)."""
    return table.fillna({"salesperson_id": t("alloc_no_salesperson", lang)})


def target_by_salesperson(targets: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """:func:`decompose_target`'s targets summed per salesperson, the customers without one on a
    line of their own (:func:`owners_named`)."""
    return owners_named(targets.groupby("salesperson_id", dropna=False, as_index=False)["target"].sum(), lang)


def tracking_notes(tracking: pd.DataFrame | None, growth: float, as_of, lang: str | None = None) -> Notes:
    """Progress on this year's target (:func:`year_to_date`), with how the current month counts; or
    that no target could be set for ``as_of``'s year."""
    if tracking is None:
        return [("rr_tracking_none", {"year": pd.Timestamp(as_of).year})]
    share = tracking.attrs["month_share"]
    month = tracking.attrs["as_of"].month
    prorate = t("rr_prorated", lang, month=month, share=share) if share < 1 else t("rr_whole_months", lang)
    return [("rr_tracking", {"growth": growth, "prorate": prorate, **tracking.attrs})]


def efficiency_notes(efficiency: pd.DataFrame) -> Notes:
    """What :func:`sales_efficiency` measured the cost of selling by: selling expense, cost of goods or nothing."""
    return [(f"rr_efficiency_{efficiency.attrs['cost_basis'] or 'none'}", {})]
