"""Allocation of customers to salespeople, targets and sales efficiency."""

from __future__ import annotations

from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import custval as cv
from custval import allocation, grading, segment
from custval.i18n import name, t

ROOT = Path(__file__).resolve().parent.parent


def small_instance(seed=0, n=7, m=3):
    rng = np.random.default_rng(seed)
    customers = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "clv": rng.uniform(1, 10, n),
            "hours": rng.choice([1.0, 2.0], n),
            "owner_id": rng.choice([f"s{j}" for j in range(m)], n),
        }
    )
    people = pd.DataFrame({"salesperson_id": [f"s{j}" for j in range(m)], "capacity": [5.0, 5.0, 6.0]})
    scores = pd.DataFrame(
        [(c, s, float(rng.uniform())) for c in customers["customer_id"] for s in people["salesperson_id"]],
        columns=["customer_id", "salesperson_id", "score"],
    )
    return customers, people, scores


def brute_force(customers, people, scores, continuity, balance):
    """Best objective over all m^n assignments that meet the same workload bounds."""
    n, m = len(customers), len(people)
    matrix = scores.pivot(index="customer_id", columns="salesperson_id", values="score").to_numpy()
    v = customers["clv"].to_numpy() / customers["clv"].mean()
    own = customers["owner_id"].to_numpy()[:, None] == people["salesperson_id"].to_numpy()[None, :]
    gain = v[:, None] * (matrix + continuity * own)
    h, cap = customers["hours"].to_numpy(), people["capacity"].to_numpy()
    fair = h.sum() * cap / cap.sum()
    upper, best = np.minimum(cap, fair * (1 + balance)), -np.inf
    lower = np.minimum(fair * (1 - balance), upper)
    for choice in product(range(m), repeat=n):
        load = np.bincount(choice, weights=h, minlength=m)
        if np.all(load <= upper + 1e-9) and np.all(load >= lower - 1e-9):
            best = max(best, gain[np.arange(n), choice].sum())
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_allocation_matches_brute_force(seed):
    customers, people, scores = small_instance(seed)
    result = allocation.allocate(customers, people, scores=scores, continuity=0.3, balance=0.5, gap=0)
    assert result.attrs["objective"] == pytest.approx(brute_force(customers, people, scores, 0.3, 0.5), rel=1e-6)
    assert result["customer_id"].is_unique and len(result) == len(customers)


def test_known_optimum_and_continuity():
    customers = pd.DataFrame(
        {"customer_id": ["a", "b"], "clv": [1.0, 1.0], "hours": [1.0, 1.0], "owner_id": ["y", "y"]}
    )
    people = pd.DataFrame({"salesperson_id": ["x", "y"], "capacity": [1.0, 1.0]})
    scores = pd.DataFrame(
        {"customer_id": ["a", "a", "b", "b"], "salesperson_id": ["x", "y", "x", "y"], "score": [0.9, 0.5, 0.6, 0.5]}
    )
    # capacity 1 each: one customer per person; a → x (0.9) and b → y (0.5 + continuity) beats b → x
    result = allocation.allocate(customers, people, scores=scores, continuity=0.2, balance=1.0, gap=0).set_index(
        "customer_id"
    )
    assert result.loc["a", "salesperson_id"] == "x" and result.loc["b", "salesperson_id"] == "y"
    assert result.attrs["objective"] == pytest.approx(0.9 + 0.5 + 0.2)


def test_capacity_below_demand_says_by_how_much_when_asked_to_raise():
    customers, people, scores = small_instance()
    customers["hours"] = 5.0
    with pytest.raises(cv.DataError, match=r"need 35\.0 hours but the salespeople have 16\.0: 19\.0 hours short"):
        allocation.allocate(customers, people, scores=scores, when_short="raise")
    with pytest.raises(ValueError, match="when_short must be") as bad_argument:
        allocation.allocate(customers, people, scores=scores, when_short="ignore")
    assert not isinstance(bad_argument.value, cv.DataError)  # a caller's mistake, not the user's data


def test_missing_columns_of_the_users_tables_name_the_table_and_its_columns():
    customers, people, scores = small_instance()
    missing = cv.errors.MissingColumnError
    with pytest.raises(missing, match="customers table has no column 'hours' .*columns: customer_id, clv, owner_id$"):
        allocation.allocate(customers.drop(columns="hours"), people, scores=scores)
    with pytest.raises(missing, match="salespeople table has no column 'capacity' .*columns: salesperson_id$"):
        allocation.allocate(customers, people.drop(columns="capacity"), scores=scores)
    tx, _ = owners_instance()
    with pytest.raises(missing, match="transactions have no column channel to split the target by; columns: cust"):
        allocation.decompose_target(tx, 400.0, by=("channel", "month"))
    market = pd.DataFrame({"period": ["2023"], "region": ["东"], "sales": [1.0]})
    with pytest.raises(missing, match="market table has no column market_sales .*columns: period, region, sales$"):
        allocation.decompose_target(tx, 400.0, by=("region",), method="potential", market=market)
    with pytest.raises(ValueError, match="needs region in `by` and a market table, got by=") as bad_argument:
        allocation.decompose_target(tx, 400.0, by=("salesperson_id",), method="potential", market=market)
    assert not isinstance(bad_argument.value, cv.DataError)


def short_instance(n=700, m=3, seed=3):
    """Customers who need about 10 times the hours the salespeople have."""
    rng = np.random.default_rng(seed)
    grade = rng.choice(list("ABCDEF"), n, p=[0.01, 0.05, 0.1, 0.15, 0.3, 0.39])
    customers = pd.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in range(n)],
            "grade": grade,
            "clv": np.round(rng.gamma(2.0, 500.0, n), 2),
            "hours": pd.Series(grade).map(allocation.HOURS_PER_GRADE),
            "owner_id": rng.choice([f"s{j}" for j in range(m)], n),
        }
    )
    people = pd.DataFrame({"salesperson_id": [f"s{j}" for j in range(m)], "capacity": [8.0, 7.0, 6.0]})
    assert customers["hours"].sum() > 10 * people["capacity"].sum()
    return customers, people


def test_short_capacity_covers_the_highest_priority_customers():
    customers, people = short_instance()
    result = allocation.allocate(customers, people, balance=0.3)
    assert sorted(result["customer_id"]) == sorted(customers["customer_id"]) and result["customer_id"].is_unique
    data = result.merge(customers[["customer_id", "clv", "hours"]], on="customer_id")
    covered, uncovered = data[data["covered"]], data[~data["covered"]]
    assert len(covered) + len(uncovered) == len(customers) and len(covered) > 0 and len(uncovered) > 0
    # every covered customer has a salesperson within capacity and ±30 % of the fair share of the covered hours
    load = covered.groupby("salesperson_id")["hours"].sum().reindex(people["salesperson_id"], fill_value=0)
    capacity = people.set_index("salesperson_id")["capacity"]
    fair = covered["hours"].sum() * capacity / capacity.sum()
    assert (load <= capacity + 1e-9).all() and (load >= 0.7 * fair - 1e-9).all()
    # capacity is used: the first customer left out would not have fitted
    assert covered["hours"].sum() > capacity.sum() - 2.0
    # priority = grade (A first), then value: nobody left out ranks above anybody covered
    key = lambda frame: list(zip(frame["grade"], -frame["clv"]))  # noqa: E731
    assert max(key(covered)) <= min(key(uncovered))
    assert covered["salesperson_id"].notna().all() and uncovered["salesperson_id"].isna().all()
    assert (uncovered["reason"] == "capacity").all() and covered["reason"].isna().all()
    expected = uncovered["grade"].map(lambda g: "reactive" if g in "ABC" else "basic")
    assert (uncovered["contact_level"] == expected).all() and covered["contact_level"].isna().all()
    assert not uncovered["reassigned"].any() and result.attrs["uncovered"] == len(uncovered)
    report, summary = allocation.allocation_report(result, customers, people)
    assert report["customers"].sum() == len(covered) and summary["uncovered"] == len(uncovered)
    assert summary["hours_covered"] + summary["hours_uncovered"] == pytest.approx(customers["hours"].sum())
    assert summary["share_value_covered"] == pytest.approx(covered["clv"].sum() / customers["clv"].sum())


def test_the_uncovered_contact_levels_name_the_grades_sent_there():
    customers, people = short_instance()
    result = allocation.allocate(customers, people, balance=0.3, uncovered_levels={"A": "accountable", "B": "reactive"})
    levels = allocation.uncovered_contact(result)
    sent = result[~result["covered"]].groupby("contact_level")["grade"].agg(lambda g: sorted(set(g)))
    assert levels["level"].tolist() == [
        lv for lv in ("partnership", "proactive", "accountable", "reactive", "basic") if lv in sent
    ]
    assert dict(zip(levels["level"], levels["grades"])) == sent.to_dict()
    assert set(levels["channel"]) <= set(segment.LEVELS["channel"])


def test_coverage_by_grade_adds_up():
    customers, people = short_instance()
    result = allocation.allocate(customers, people, balance=0.3)
    table = allocation.coverage(result, customers).set_index("grade")
    by_grade = customers.assign(covered=result["covered"].to_numpy()).groupby("grade")
    assert (
        list(table.index) == list("ABCDEF")
        and table["customers_covered"].tolist() == by_grade["covered"].sum().tolist()
    )
    assert table["customers"].sum() == len(customers) and table["clv"].sum() == pytest.approx(customers["clv"].sum())
    covered_value = by_grade.apply(lambda g: g.loc[g["covered"], "clv"].sum())
    assert table["clv_covered"].tolist() == pytest.approx(covered_value.tolist())
    assert table["share_value_covered"].tolist() == pytest.approx((covered_value / by_grade["clv"].sum()).tolist())
    assert (table["customers_covered"] + table["customers_uncovered"] == table["customers"]).all()
    # every A customer fits, then B customers by value until the capacity is used; nobody of a lower grade
    assert table.loc["A", "share_customers_covered"] == 1 and 0 < table.loc["B", "share_customers_covered"] < 1
    assert table.loc[list("CDEF"), "customers_covered"].sum() == 0


def test_coverage_chart_stacks_the_covered_and_the_uncovered():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from custval import plots

    table = pd.DataFrame({"grade": ["A", "B"], "clv_covered": [30.0, 5.0], "clv_uncovered": [10.0, 20.0]})
    ax = plots.stacked_columns(
        data=table, x="grade", columns=["clv_covered", "clv_uncovered"], labels=["with", "without"]
    )
    bars = [(round(p.get_y(), 6), round(p.get_height(), 6)) for p in ax.patches]
    assert bars == [(0, 30), (0, 5), (30, 10), (5, 20)]  # the uncovered part sits on the covered one
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["with", "without"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B"]
    plt.close("all")


def test_enough_capacity_covers_everybody():
    customers, people, scores = small_instance()
    result = allocation.allocate(customers, people, scores=scores, balance=0.5)
    assert result["covered"].all() and result["reason"].isna().all() and result["contact_level"].isna().all()
    assert result["salesperson_id"].notna().all()


@pytest.fixture(scope="module")
def sample_allocation():
    ds = cv.load(ROOT / "custval.yml")
    tx = ds.transactions
    graded = grading.value_grades(tx)
    customers = allocation.workload(ds.customers, graded, allocation.HOURS_PER_GRADE)
    result = allocation.allocate(customers, ds.salespeople, continuity=0.2, balance=0.3)
    return ds, tx, graded, customers, result


def test_sample_allocation_keeps_every_constraint(sample_allocation):
    ds, _, _, customers, result = sample_allocation
    assert sorted(result["customer_id"]) == sorted(customers["customer_id"])
    report, summary = allocation.allocation_report(result, customers, ds.salespeople)
    assert (report["hours"] <= report["capacity"] + 1e-6).all()
    fair = customers["hours"].sum() * report["capacity"] / report["capacity"].sum()
    assert (report["hours"] >= 0.7 * fair - 1e-6).all() and (report["hours"] <= 1.3 * fair + 1e-6).all()
    _, before_summary = allocation.allocation_report(
        allocation.current_assignment(customers), customers, ds.salespeople
    )
    assert summary["cv_utilisation"] < before_summary["cv_utilisation"]
    assert summary["reassigned"] == int(result["reassigned"].sum()) and 0 < summary["reassigned"] < len(customers)


def test_more_continuity_means_fewer_reassignments(sample_allocation):
    ds, _, _, customers, result = sample_allocation
    sticky = allocation.allocate(customers, ds.salespeople, continuity=2.0, balance=0.3)
    assert sticky["reassigned"].sum() < result["reassigned"].sum()


def test_fit_scores_terms_and_weights():
    customers = pd.DataFrame(
        {"customer_id": ["a"], "industry": ["医疗"], "region": ["华东"], "grade": ["A"], "customer_type": ["企业"]}
    )
    people = pd.DataFrame(
        {
            "salesperson_id": ["x", "y"],
            "industries": ["教育|医疗", "金融"],
            "region": ["华东", "华北"],
            "experience_years": [4.0, 10.0],
            "perf_enterprise": [10.0, 20.0],
        }
    )
    scores = allocation.fit_scores(customers, people).set_index("salesperson_id")
    assert scores.loc["x", ["industry", "seniority", "performance", "region"]].tolist() == [1.0, 0.5, 0.0, 1.0]
    assert scores.loc["y", ["industry", "seniority", "performance", "region"]].tolist() == [0.0, 1.0, 1.0, 0.0]
    assert scores.loc["x", "score"] == pytest.approx(0.3 + 0.2 * 0.5 + 0.3)
    only_region = allocation.fit_scores(
        customers, people, weights={"industry": 0, "seniority": 0, "performance": 0, "region": 2}
    )
    assert only_region.set_index("salesperson_id")["score"].tolist() == [1.0, 0.0]
    with pytest.raises(ValueError, match="unknown fit weights"):
        allocation.fit_scores(customers, people, weights={"charm": 1})
    # Tables without the columns a term needs: the neutral value for every pair, no error.
    bare = allocation.fit_scores(customers[["customer_id"]], people[["salesperson_id"]])
    assert bare[["industry", "seniority", "performance", "region"]].to_numpy().tolist() == [[0.5, 1.0, 0.5, 0.5]] * 2


def test_fit_criteria_without_data_are_named_and_had_no_effect(sample_allocation):
    ds, _, _, customers, _ = sample_allocation
    assert allocation.unused_fit_criteria(customers, ds.salespeople) == []  # the sample has every column
    people = ds.salespeople.drop(columns="region")
    assert allocation.unused_fit_criteria(customers, people) == ["region"]
    scores = allocation.fit_scores(customers.head(50), people)
    assert scores.groupby("customer_id")["region"].nunique().eq(1).all()  # the same for every salesperson
    assert allocation.unused_fit_criteria(customers, people, weights={"region": 0}) == []  # no weight, nothing lost
    bare = people.drop(columns=["industries", "perf_individual", "perf_enterprise"]).assign(experience_years=None)
    assert allocation.unused_fit_criteria(customers, bare) == ["industry", "seniority", "performance", "region"]
    assert allocation.unused_fit_criteria(customers.drop(columns="customer_type"), ds.salespeople) == ["performance"]


def test_target_decomposition_sums_back(sample_allocation):
    ds, tx, graded, _, _ = sample_allocation
    for method in ("history", "potential"):
        targets = allocation.decompose_target(tx, 1_000_000.0, method=method, market=ds.market)
        assert targets["target"].sum() == pytest.approx(1_000_000.0) and (targets["target"] >= 0).all()
        assert set(targets["month"]) == set(range(1, 13))
    tracking = allocation.target_tracking(tx, allocation.decompose_target(tx, 1_000_000.0), year=2024)
    assert tracking["target_to_date"].sum() == pytest.approx(1_000_000.0)
    efficiency = allocation.sales_efficiency(tx, graded, ds.salespeople)
    assert (
        efficiency["rank"].tolist() == list(range(1, len(efficiency) + 1))
        and efficiency["sales"].is_monotonic_decreasing
    )
    assert efficiency["share_ab"].between(0, 1).all()


def test_workload_bounds_that_no_assignment_meets_say_by_how_much():
    customers, people, scores = small_instance()
    customers["hours"] = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 6.0]  # 12 hours, capacity 16: enough in total
    # fair shares 3.75, 3.75, 4.5; with balance 0.3 nobody may take more than 4.5 · 1.3 = 5.85 hours
    with pytest.raises(cv.DataError, match=r"customer c6 needs 6\.00 hours .* more than 5\.85 .* 0\.15 hours short"):
        allocation.allocate(customers, people, scores=scores, balance=0.3)
    assert len(allocation.allocate(customers, people, scores=scores, balance=0.4)) == 7  # 4.5 · 1.4 = 6.3 fits
    customers.loc[2, "hours"] = float("nan")
    with pytest.raises(cv.DataError, match=r"1 customer\(s\) have no valid 'hours'.*'c2'"):
        allocation.allocate(customers, people, scores=scores, balance=0.4)


def test_windows_that_whole_customers_cannot_fill_name_the_narrowest():
    customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "clv": 1.0, "hours": [2.5, 2.5, 1.0]})
    people = pd.DataFrame({"salesperson_id": ["x", "y", "z"], "capacity": [10.0, 10.0, 12.0]})
    # fair shares 1.875, 1.875, 2.25; ±30 %: x and y 1.31–2.44 hours, z 1.58–2.93; no customer fits x
    # without going over, so no split of 2.5 + 2.5 + 1.0 meets every window.
    with pytest.raises(cv.DataError, match=r"1\.00 to 2\.50 hours each.*narrowest window, x's, is 1\.31–2\.44 hours"):
        allocation.allocate(customers, people, capacity="capacity", balance=0.3)
    assert len(allocation.allocate(customers, people, balance=0.6)) == 3


def test_capacity_as_one_number_for_everybody_or_a_column():
    customers, people, scores = small_instance()
    by_column = allocation.allocate(
        customers,
        people.assign(hours_per_month=people["capacity"]),
        capacity="hours_per_month",
        scores=scores,
        balance=1.0,
    )
    same = allocation.allocate(customers, people, scores=scores, balance=1.0)
    assert by_column["salesperson_id"].tolist() == same["salesperson_id"].tolist()
    flat = allocation.allocate(customers, people, capacity=100.0, scores=scores, balance=0.25)
    load = flat.merge(customers, on="customer_id").groupby("salesperson_id")["hours"].sum()
    fair = customers["hours"].sum() / len(people)  # equal capacities: equal fair shares, not 5/5/6
    assert load.sum() == customers["hours"].sum() and load.between(0.75 * fair - 1e-9, 1.25 * fair + 1e-9).all()
    with pytest.raises(cv.DataError, match=r"short"):
        allocation.allocate(customers, people, capacity=1.0, scores=scores, when_short="raise")
    with pytest.raises(cv.DataError, match="positive number of hours"):
        allocation.allocate(customers, people, capacity=0, scores=scores)


def test_the_default_gap_is_proven_and_close_to_the_exact_optimum(sample_allocation):
    ds, _, _, customers, result = sample_allocation
    assert 0 <= result.attrs["gap"] <= 0.005
    exact = allocation.allocate(customers, ds.salespeople, continuity=0.2, balance=0.3, gap=0)
    assert exact.attrs["gap"] <= 1e-6
    assert exact.attrs["objective"] * (1 - 0.005) <= result.attrs["objective"] <= exact.attrs["objective"] + 1e-9


def test_workload_gives_every_customer_a_grade_value_and_hours():
    customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "owner_id": ["s1", "s1", "s2"]})
    grades = pd.DataFrame({"customer_id": ["a", "b"], "grade": ["A", "E"], "future_value": [900.0, 10.0]})
    table = allocation.workload(customers, grades, allocation.HOURS_PER_GRADE, idle_grade="F").set_index("customer_id")
    # c bought nothing up to the analysis date: the grid's low/low grade, no value, still an owner's hours
    assert table["grade"].tolist() == ["A", "E", "F"] and table["clv"].tolist() == [900.0, 10.0, 0.0]
    assert table["hours"].tolist() == [allocation.HOURS_PER_GRADE[g] for g in "AEF"]
    with pytest.raises(ValueError, match="no hours for grade"):
        allocation.workload(customers, grades, {"A": 1.0})


def test_target_tracking_prorates_the_current_month():
    tx = pd.DataFrame(
        {
            "region": ["东", "东"],
            "salesperson_id": ["s1", "s1"],
            "amount": [100.0, 50.0],
            "order_date": pd.to_datetime(["2024-02-10", "2024-03-05"]),
        }
    )
    targets = pd.DataFrame(
        {"region": ["东"] * 3, "salesperson_id": ["s1"] * 3, "month": [2, 3, 4], "target": [290.0, 310.0, 300.0]}
    )
    # 10 March: February in full, 10 of March's 31 days, nothing of April
    row = allocation.target_tracking(tx, targets, year=2024, as_of="2024-03-10").iloc[0]
    assert row["target_to_date"] == pytest.approx(290 + 310 * 10 / 31) and row["actual"] == 150
    assert row["achieved"] == pytest.approx(150 / 390)
    whole = allocation.target_tracking(tx, targets, year=2024, as_of="2024-03-31").iloc[0]
    assert whole["target_to_date"] == pytest.approx(600)
    assert allocation.target_tracking(tx, targets, year=2025, as_of="2024-12-31").iloc[0]["target_to_date"] == 0


def owners_instance():
    """Customer a bought from s1 but is assigned to s2; b is not covered; c stays with s1."""
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c"],
            "salesperson_id": ["s1", "s1", "s1", "s1"],
            "region": "东",
            "amount": [100.0, 60.0, 30.0, 10.0],
            "order_date": pd.to_datetime(["2023-01-15", "2023-02-15", "2023-02-20", "2023-03-01"]),
        }
    )
    assignment = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "salesperson_id": pd.array(["s2", None, "s1"], dtype="string"),
            "covered": [True, False, True],
        }
    )
    return tx, assignment


def test_targets_follow_the_recommended_owners():
    tx, assignment = owners_instance()
    plain = allocation.decompose_target(tx, 400.0, by=("salesperson_id",))
    assert plain.set_index("salesperson_id")["target"].to_dict() == {"s1": 400.0}
    targets = allocation.decompose_target(tx, 400.0, by=("salesperson_id",), assignment=assignment)
    owned = targets.set_index(targets["salesperson_id"].fillna("-"))["target"]
    # a's 160 of the 200 sold go to s2, c's 10 to s1, b's 30 to the uncovered cell: nothing is dropped
    assert owned.to_dict() == pytest.approx({"s1": 20.0, "s2": 320.0, "-": 60.0})
    tracking = allocation.target_tracking(
        tx, targets, year=2023, as_of="2023-12-31", by=("salesperson_id",), assignment=assignment
    )
    actual = tracking.set_index(tracking["salesperson_id"].fillna("-"))["actual"]
    assert actual.to_dict() == {"s1": 10.0, "s2": 160.0, "-": 30.0}


def test_year_to_date_sets_the_target_from_last_year_and_prorates_this_month():
    tx, assignment = owners_instance()
    this_year = pd.DataFrame(
        {
            "customer_id": ["a", "c"],
            "salesperson_id": ["s1", "s1"],
            "region": "东",
            "amount": [50.0, 40.0],
            "order_date": pd.to_datetime(["2024-01-20", "2024-02-10"]),
        }
    )
    tx = pd.concat([tx, this_year], ignore_index=True)
    table = allocation.year_to_date(tx, 0.5, as_of="2024-02-10", by=("salesperson_id",), assignment=assignment)
    # 2023: 200 sold → 2024 target 300; January's history 100 (all a's, now s2's),
    # February's 90 (a 60 → s2, b 30 uncovered)
    # due by 10 February: January's 150 in full and 10/29 of February's 135
    assert table.attrs["target"] == pytest.approx(300.0) and table.attrs["year"] == 2024
    assert table.attrs["month_share"] == pytest.approx(10 / 29)
    rows = table.set_index(table["salesperson_id"].fillna("-"))
    assert rows.loc["s2", "target_to_date"] == pytest.approx(150 + 90 * 10 / 29)
    assert rows.loc["-", "target_to_date"] == pytest.approx(45 * 10 / 29)
    assert rows.loc["s2", "actual"] == 50.0 and rows.loc["s1", "actual"] == 40.0
    assert table.attrs["due"] == pytest.approx(150 + 135 * 10 / 29) and table.attrs["actual"] == 90.0
    assert allocation.year_to_date(this_year, 0.5) is None  # no sales before the year: no target to track


def test_sales_efficiency_uses_the_selling_expense_when_there_is_one():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "salesperson_id": ["s1", "s1", "s2"],
            "amount": [600.0, 400.0, 500.0],
            "cost": [450.0, 300.0, 350.0],
            "order_date": pd.to_datetime(["2024-03-01", "2024-05-01", "2024-06-01"]),
        }
    )
    people = pd.DataFrame({"salesperson_id": ["s1", "s2"], "region": ["东", "东"], "selling_expense": [80.0, 90.0]})
    table = allocation.sales_efficiency(tx, salespeople=people).set_index("salesperson_id")
    assert table.attrs["cost_basis"] == "selling_expense" and "cost_ratio" not in table
    assert table.loc["s1", "expense_ratio"] == pytest.approx(80 / 1000) and table.loc[
        "s2", "expense_ratio"
    ] == pytest.approx(90 / 500)
    assert table.loc["s1", "gross_profit"] == pytest.approx(250.0)
    fallback = allocation.sales_efficiency(tx, salespeople=people.drop(columns="selling_expense")).set_index(
        "salesperson_id"
    )
    assert fallback.attrs["cost_basis"] == "cost_of_goods" and "expense_ratio" not in fallback
    assert fallback.loc["s1", "cost_ratio"] == pytest.approx(750 / 1000)
    assert allocation.sales_efficiency(tx.drop(columns="cost")).attrs["cost_basis"] is None


# --------------------------------------------------------------------------- what notebook 05 says


def test_the_allocation_notes_say_the_load_the_settings_and_the_unused_fit_terms(sample_allocation):
    ds, _, _, customers, result = sample_allocation
    current = allocation.current_assignment(customers)
    before, before_summary = allocation.allocation_report(current, customers, ds.salespeople)
    ((key, values),) = allocation.current_notes(customers, before, before_summary, allocation.HOURS_PER_GRADE)
    assert key == "rr_current" and (values["A"], values["F"]) == (2.0, 0.1) and values["n"] == len(customers)
    assert values["m"] == len(ds.salespeople) and values["capacity"] == ds.salespeople["capacity"].sum()
    assert values["need"] == customers["hours"].sum() and values["cv"] == before_summary["cv_utilisation"]
    after, summary = allocation.allocation_report(result, customers, ds.salespeople)
    notes = allocation.allocation_notes(customers, ds.salespeople, summary, balance=0.3, continuity=0.2)
    balance = {"cv": summary["cv_utilisation"], "ratio": summary["max_min_utilisation"]}
    assert notes == [("rr_allocation", {"balance": 0.3, "bonus": 0.2, "reassigned": summary["reassigned"], **balance})]
    no_region = allocation.allocation_notes(customers.drop(columns="region"), ds.salespeople, summary, lang="en")
    assert no_region[1] == ("rr_fit_unused", {"criteria": name("fit", "region", "en")})
    both = allocation.utilisation_before_after(before, after)
    assert both["allocation"].tolist() == ["current"] * len(before) + ["recommended"] * len(after)
    assert [c for c in allocation.shown_load(after).columns if c.startswith("grade_")] == ["grade_A", "grade_B"]
    assert [t(key, "en", **values) for key, values in notes + no_region]


def test_the_coverage_notes_say_who_goes_without_a_salesperson():
    customers, people = short_instance()
    result = allocation.allocate(customers, people, balance=0.3)
    _, summary = allocation.allocation_report(result, customers, people)
    ((key, values),) = allocation.coverage_notes(result, summary, lang="en")
    assert key == "rr_coverage_short" and values["uncovered"] == summary["uncovered"] > 0
    # B customers beyond the capacity go to reactive, like A and C; the others to basic (most personal first)
    assert values["levels"] == "grades B, C reactive (phone on request); grades D, E, F basic (SMS / e-mail)"
    covered = allocation.allocate(*small_instance()[:2], balance=0.5)
    _, enough = allocation.allocation_report(covered, small_instance()[0], small_instance()[1])
    assert allocation.coverage_notes(covered, enough)[0][0] == "rr_coverage_all"
    assert t(key, "en", **values)


def test_the_target_notes_name_whose_history_the_targets_follow_and_how_this_month_counts():
    tx, assignment = owners_instance()
    ((key, values),) = allocation.target_notes(
        400.0, 0.1, as_of=pd.Timestamp("2023-12-31"), recommended=True, lang="en"
    )
    assert key == "rr_targets" and "no salesperson" in values["owners"]
    history = allocation.target_notes(400.0, 0.1, as_of=pd.Timestamp("2023-12-31"), recommended=False, lang="en")
    assert history[0][1]["owners"] == t("rr_owners_history", "en")
    targets = allocation.decompose_target(tx, 400.0, by=("salesperson_id",), assignment=assignment)
    per_person = allocation.target_by_salesperson(targets, lang="en").set_index("salesperson_id")["target"]
    assert per_person.to_dict() == pytest.approx({"s1": 20.0, "s2": 320.0, t("alloc_no_salesperson", "en"): 60.0})
    sale = {"customer_id": "a", "salesperson_id": "s1", "region": "东", "amount": 50.0}
    sale["order_date"] = pd.Timestamp("2024-01-20")
    tx = pd.concat([tx, pd.DataFrame([sale])], ignore_index=True)
    tracking = allocation.year_to_date(tx, 0.5, as_of="2024-02-10", by=("salesperson_id",))
    ((key, values),) = allocation.tracking_notes(tracking, 0.5, as_of="2024-02-10", lang="en")
    assert key == "rr_tracking" and values["prorate"] == t("rr_prorated", "en", month=2, share=10 / 29)
    assert values["year"] == 2024 and values["growth"] == 0.5 and t(key, "en", **values)
    month_end = allocation.year_to_date(tx, 0.5, as_of="2024-01-31", by=("salesperson_id",))
    ((_, values),) = allocation.tracking_notes(month_end, 0.5, as_of="2024-01-31", lang="en")
    assert values["prorate"] == t("rr_whole_months", "en")
    assert allocation.tracking_notes(None, 0.5, as_of="2024-02-10") == [("rr_tracking_none", {"year": 2024})]
    efficiency = allocation.sales_efficiency(tx.drop(columns="region"))
    assert allocation.efficiency_notes(efficiency) == [("rr_efficiency_none", {})]
