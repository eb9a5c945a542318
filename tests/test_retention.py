"""Retention economics, cohort retention, cross-selling, win-back and referral value."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import custval as cv
from custval import retention
from custval.i18n import t


def test_simulated_base_reaches_the_steady_state():
    table = retention.simulate_base(100, 0.8, margin=50, acquisition_cost=20, fixed_cost=1000, periods=200)
    assert table.attrs["steady_customers"] == pytest.approx(100 / (1 - 0.8))
    assert table["customers"].iloc[-1] == pytest.approx(500) and table["customers"].iloc[0] == 100
    assert (
        table["profit"].iloc[-1] == pytest.approx(table.attrs["steady_profit"]) == pytest.approx(500 * 50 - 2000 - 1000)
    )


def test_claims_check_on_hand_made_numbers():
    # METHODS §8.2: a = 1000, revenue 500, variable cost 300, CAC 200, fixed 150,000, r = 0.80
    table = retention.claims_check(1000, 0.80, 500, 300, 200, 150_000, retention_cost=40)
    changes = table.set_index("scenario")["change"]
    assert table.attrs["base_profit"] == pytest.approx(650_000)
    assert changes["retention_+2pp"] == pytest.approx(0.1709, abs=1e-4)
    assert changes["retention_+5pp"] == pytest.approx(0.5128, abs=1e-4)
    assert changes["cost_cut_10pct"] == pytest.approx(0.2846, abs=1e-4)
    claims = table.attrs["claims"].set_index("claim")
    assert not claims.loc["retention_vs_cost_cut", "holds"] and claims.loc["profit_25_to_85pct", "holds"]
    assert claims.loc["acquisition_5_to_25x", "value"] == 5 and claims.loc["acquisition_5_to_25x", "holds"]
    with pytest.raises(cv.DataError, match=r"retention 0\.9 \+ 0\.1 reaches 1: .*retention_steps: 0\.05, 0\.1\)"):
        retention.claims_check(1000, 0.90, 500, 300, 200, 150_000, steps=(0.05, 0.1))


def test_claims_grid_marks_where_each_claim_holds():
    grid = retention.claims_grid(1000, 500, 300, 200, 150_000, retentions=[0.6, 0.9], margins=[0.4, 0.7])
    assert len(grid) == 4 and set(grid.columns) == {"retention", "margin_rate", "cost_cut_claim", "profit_claim"}
    high = grid[(grid["retention"] == 0.9) & (grid["margin_rate"] == 0.7)].iloc[0]
    assert high["cost_cut_claim"] == 1.0  # at high retention and margin the retention lever wins


def test_cohort_retention_is_the_methods_rate_and_activity_has_its_own_name():
    # quarters of 2024; a return (amount < 0) is no activity
    rows = [
        ("a", "01-10", 10),
        ("a", "04-10", 10),
        ("a", "07-10", 10),
        ("a", "10-10", 10),
        ("b", "01-20", 10),
        ("b", "05-20", 10),
        ("b", "08-20", -50),
        ("c", "02-01", 10),
        ("c", "08-01", 10),
        ("c", "11-01", 10),
        ("d", "03-01", 10),
        ("d", "06-01", -10),
        ("e", "04-15", 10),
        ("e", "07-15", 10),
        ("f", "05-15", 10),
        ("h", "02-15", -5),
        ("h", "06-15", 10),
        ("h", "12-15", 10),
        ("g", "06-30", -20),
    ]
    tx = pd.DataFrame(rows, columns=["customer_id", "day", "amount"])
    tx = tx.assign(order_date=pd.to_datetime("2024-" + tx.pop("day")), amount=tx["amount"].astype(float))
    rates, curves = retention.cohort_retention(tx, period="Q")
    # cohort 2024Q1 = a, b, c, d (4); active Q2 a, b; Q3 a, c; Q4 a, c
    # r̂: Q2 2/4 (a, b of 4), Q3 1/2 (a of a, b), Q4 2/2 (a, c of a, c); activity 2/4 each time
    assert rates.loc["2024Q1", [1, 2, 3]].tolist() == [0.5, 0.5, 1.0]
    # cohort 2024Q2 = e, f, h (3; h's earlier return does not make h a Q1 customer); Q3 e; Q4 h
    assert rates.loc["2024Q2", [1, 2]].tolist() == pytest.approx([1 / 3, 0.0]) and pd.isna(rates.loc["2024Q2", 3])
    assert list(rates.columns) == [1, 2, 3] and list(rates.index) == ["2024Q1", "2024Q2"]
    activity, _ = retention.cohort_retention(tx, period="Q", measure="activity")
    assert activity.loc["2024Q1"].tolist() == [1.0, 0.5, 0.5, 0.5]
    assert activity.loc["2024Q2", [0, 1, 2]].tolist() == pytest.approx([1.0, 1 / 3, 1 / 3])
    pooled = curves.set_index("tenure")
    # t = 1: (2 + 1) / (4 + 3); t = 2: (1 + 0) / (2 + 1); t = 3: only 2024Q1 reached it, 2 / 2
    assert pooled["retention"].iloc[1:].tolist() == pytest.approx([3 / 7, 1 / 3, 1.0]) and pd.isna(
        pooled.loc[0, "retention"]
    )
    assert pooled["activity"].tolist() == pytest.approx([1.0, 3 / 7, 3 / 7, 0.5])
    assert (
        pooled["customers"].tolist() == [7, 7, 7, 4]
        and pooled.loc[2, "previous"] == 3
        and pooled.loc[2, "retained"] == 1
    )
    with pytest.raises(ValueError, match="measure must be"):
        retention.cohort_retention(tx, measure="share")


def test_a_tenure_nobody_reached_is_zero_not_missing():
    # x bought in Q1 only, y in Q2 and Q3: 2024Q1's tenure 2 (Q3) is observable and nobody bought
    tx = pd.DataFrame(
        {
            "customer_id": ["x", "y", "y"],
            "amount": 1.0,
            "order_date": pd.to_datetime(["2024-01-05", "2024-04-05", "2024-07-05"]),
        }
    )
    rates, curves = retention.cohort_retention(tx, period="Q")
    activity, _ = retention.cohort_retention(tx, period="Q", measure="activity")
    assert (
        activity.loc["2024Q1"].tolist() == [1.0, 0.0, 0.0]
        and rates.loc["2024Q1", 1] == 0.0
        and pd.isna(rates.loc["2024Q1", 2])
    )
    assert (
        curves.set_index("tenure").loc[2, "activity"] == 0.0 and curves.set_index("tenure").loc[1, "retention"] == 0.5
    )
    with pytest.raises(cv.DataError, match="no purchases"):
        retention.cohort_retention(tx.assign(amount=-1.0))


def test_association_rules_on_hand_made_baskets():
    rows = [("c1", "A"), ("c1", "B"), ("c2", "A"), ("c2", "B"), ("c3", "A"), ("c4", "C")]
    tx = pd.DataFrame(rows, columns=["customer_id", "product_category"]).assign(amount=1.0)
    rules, suggestions = retention.cross_sell(tx, min_support=0.25, min_confidence=0.5)
    rule = rules.set_index(["antecedent", "consequent"])
    assert rule.loc[("A", "B"), "support"] == 0.5 and rule.loc[("A", "B"), "confidence"] == pytest.approx(2 / 3)
    assert rule.loc[("A", "B"), "lift"] == pytest.approx((2 / 3) / 0.5) and rule.loc[("B", "A"), "confidence"] == 1.0
    assert suggestions.to_dict("records") == [
        {"customer_id": "c3", "suggest": "B", "because": "A", "score": pytest.approx(2 / 3)}
    ]
    with pytest.raises(cv.errors.MissingColumnError, match="transactions have no column 'brand' .*customer_id, pro"):
        retention.cross_sell(tx, item="brand")


def test_cross_sell_suggests_what_the_customers_segment_buys():
    rows = [("c1", "A"), ("c1", "B"), ("c2", "A"), ("c2", "B"), ("c2", "C"), ("c3", "A"), ("c4", "C"), ("c5", "B")]
    tx = pd.DataFrame(rows, columns=["customer_id", "product_category"]).assign(amount=1.0)
    segments = pd.Series({"c1": "x", "c2": "x", "c3": "x", "c4": "y", "c5": "y"})
    _, suggestions = retention.cross_sell(tx, segments=segments, min_share=0.5)
    # segment x buys A 3/3, B 2/3, C 1/3; segment y buys B 1/2, C 1/2
    assert suggestions.to_dict("records") == [
        {"customer_id": "c3", "suggest": "B", "because": "x", "score": pytest.approx(2 / 3)},
        {"customer_id": "c4", "suggest": "B", "because": "y", "score": 0.5},
        {"customer_id": "c5", "suggest": "C", "because": "y", "score": 0.5},
    ]
    _, none = retention.cross_sell(tx, segments=pd.Series({"c1": "x"}), min_share=0.5)
    assert none.empty  # c1 buys what its segment buys; the others have no segment


def test_win_back_ranks_lapsed_customers_by_their_value_when_active():
    grades = pd.DataFrame(
        {
            "customer_id": list("abcdef"),
            "lapsed": [True, True, True, False, False, True],
            "active_value": [900.0, 40.0, 300.0, 500.0, 200.0, 0.0],
            "current_value": [0.0, 0.0, 50.0, 500.0, 200.0, 0.0],
            "grade": list("FFEACF"),
        }
    )
    lapsed = retention.win_back(grades)
    assert lapsed["customer_id"].tolist() == ["a", "c", "b", "f"]  # by value when active, the active customers left out
    # worth it: as valuable when active as the median customer who bought this year (c, d, e: 200),
    # however long ago they stopped
    assert lapsed["worth"].tolist() == [True, True, False, False] and lapsed.attrs["worth_bar"] == 200
    summary = pd.DataFrame(
        {"customer_id": list("abcde"), "revenue": [1.0, 2.0, 3.0, 4.0, 5.0], "n_orders": [1, 1, 2, 3, 4]}
    )
    summary = pd.concat(
        [summary, pd.DataFrame({"customer_id": ["f"], "revenue": [0.0], "n_orders": [0]})], ignore_index=True
    )
    assert retention.win_back(grades, summary)["revenue"].tolist() == [1.0, 3.0, 2.0, 0.0]
    with pytest.raises(ValueError, match="lapsed"):
        retention.win_back(grades.drop(columns="lapsed"))


def test_referral_value_on_a_tree_and_with_a_cycle():
    customers = pd.DataFrame({"customer_id": list("abcde"), "referred_by": [None, "a", "a", "b", None]})
    values = pd.Series({"a": 10.0, "b": 20.0, "c": 30.0, "d": 40.0, "e": 5.0})
    table = retention.referral_value(customers, values, depth=3, decay=0.5).set_index("customer_id")
    assert table.loc["a", "referral_value"] == pytest.approx(0.5 * (20 + 30) + 0.25 * 40)
    assert table.loc["a", "referred"] == 3 and table.loc["a", "direct"] == 2 and table.loc["b", "referral_value"] == 20
    cyclic = pd.DataFrame({"customer_id": list("xyz"), "referred_by": ["z", "x", "y"]})
    result = retention.referral_value(cyclic, pd.Series({"x": 1.0, "y": 1.0, "z": 1.0}), depth=5)
    assert len(result.attrs["cycles"]) == 1 and sorted(result.attrs["cycles"][0]) == ["x", "y", "z"]
    assert (result["referred"] <= 2).all()  # the cut edge keeps the chain finite


@pytest.mark.slow
def test_notebook_skips_the_claims_with_a_line_when_the_business_makes_no_profit(tmp_path):
    """A non-positive steady-state profit (here: fixed cost above the contribution) must not stop
    the notebook; it says why the claims are not checked and goes on."""
    import shutil
    from pathlib import Path

    import nbformat
    import papermill

    from custval import sample

    root = Path(__file__).resolve().parent.parent
    sample.write_sample(tmp_path / "data" / "sample", customers=60, seed=5)
    config = (root / "custval.yml").read_text(encoding="utf-8").replace("data/sample/", f"{tmp_path}/data/sample/")
    (tmp_path / "custval.yml").write_text(config, encoding="utf-8")
    shutil.copy(root / "notebooks" / "05_resources_retention.ipynb", tmp_path / "nb.ipynb")
    papermill.execute_notebook(
        str(tmp_path / "nb.ipynb"),
        str(tmp_path / "out.ipynb"),
        kernel_name="python3",
        cwd=str(tmp_path),
        parameters={"config": str(tmp_path / "custval.yml"), "lang": "en", "fixed_cost_share": 1.5},
        progress_bar=False,
    )
    text = "\n".join(
        str(output.get("data", {}).get("text/markdown", ""))
        for cell in nbformat.read(tmp_path / "out.ipynb", as_version=4).cells
        for output in cell.get("outputs", [])
    )
    assert "the claims are not checked here" in text and "is -" in text
    assert "Win-back" in text  # the later sections still ran


def test_business_figures_come_from_the_last_years_and_name_what_was_assumed():
    from custval import valuation

    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "a", "c", "d", "e", "a", "d"],
            "order_date": pd.to_datetime(
                [
                    "2022-03-01",
                    "2022-05-01",
                    "2022-06-01",
                    "2023-03-01",
                    "2023-04-01",
                    "2023-05-01",
                    "2023-06-01",
                    "2024-03-01",
                    "2024-04-01",
                ]
            ),
            "amount": [100.0, 50.0, 80.0, 120.0, 60.0, 90.0, 40.0, 200.0, 100.0],
            "cost": [60.0] * 9,
        }
    )
    windows = valuation.customer_windows(tx, as_of="2024-12-31")
    figures = retention.business_figures(windows, fixed_cost_share=0.3)
    # 2022 {a, b, c} → 2023 {a, c, d, e}: 2 kept of 3; 2023 → 2024 {a, d}: 2 of 4 → 4 of 7 pooled
    assert figures.retention == pytest.approx(4 / 7)
    assert figures.acquired == pytest.approx((0 + 2) / 2)  # nobody new in 2024, d and e in 2023
    assert figures.revenue == pytest.approx(150.0) and figures.variable_cost == pytest.approx(150 * 540 / 840)
    assert figures.assumed == ("cac",) and figures.acquisition_cost == pytest.approx(0.2 * 150)
    contribution = figures.acquired / (1 - figures.retention) * (figures.revenue - figures.variable_cost)
    assert figures.fixed_cost == pytest.approx(0.3 * (contribution - figures.acquired * figures.acquisition_cost))
    people = pd.DataFrame({"customer_id": list("abcde"), "acquisition_cost": [10.0, 20.0, None, 30.0, None]})
    known = retention.business_figures(windows, people)
    assert known.acquisition_cost == 20.0 and known.assumed == ()
    one_year = retention.business_figures(valuation.customer_windows(tx[tx["order_date"] >= "2024-01-01"]))
    assert one_year.retention == retention.ASSUMED_RETENTION and "retention" in one_year.assumed


def test_business_figures_name_the_source_of_the_acquisition_cost_and_an_unused_parameter():
    from custval import valuation

    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a", "c"],
            "amount": [100.0, 50.0, 120.0, 90.0],
            "order_date": pd.to_datetime(["2023-03-01", "2023-05-01", "2024-03-01", "2024-04-01"]),
        }
    )
    windows = valuation.customer_windows(tx, as_of="2024-12-31")
    people = pd.DataFrame({"customer_id": ["a", "b", "c"], "acquisition_cost": [10.0, None, 30.0]})
    table = retention.business_figures(windows, people, acquisition_cost=500.0)
    assert table.acquisition_cost == 20.0 and table.acquisition_source == "customers_table"
    assert table.acquisition_cost_unused == 500.0  # set, but the table's column won
    assert retention.business_figures(windows, people).acquisition_cost_unused is None  # the default 0: nothing to say
    empty = people.assign(acquisition_cost=None)  # the column without a value: the parameter is used
    given = retention.business_figures(windows, empty, acquisition_cost=500.0)
    assert (given.acquisition_cost, given.acquisition_source, given.acquisition_cost_unused) == (
        500.0,
        "parameter",
        None,
    )
    assert retention.business_figures(windows).acquisition_source == "assumed"


# --------------------------------------------------------------------------- what notebook 05 says


def test_the_cohort_page_reads_the_pooled_curves():
    counts = {"previous": [None, 10.0, 5.0, 5.0], "retained": [None, 5.0, 3.0, 2.0]}
    curves = {"retention": [None, 0.5, 0.6, 0.4], "activity": [1.0, 0.5, 0.3, 0.2]}
    by_tenure = pd.DataFrame({"tenure": [0, 1, 2, 3], **curves, **counts})
    ((key, values),) = retention.cohort_notes(by_tenure)
    # after the first quarter: 3 + 2 retained of 5 + 5 active the quarter before
    assert key == "rr_cohorts_reading" and values == {"first": 0.5, "later": 0.5, "tenure": 3, "activity": 0.2}
    assert isinstance(values["tenure"], (int, np.integer)) and t(key, "en", **values)
    assert retention.cohort_notes(by_tenure.head(2)) == []  # no tenure after the first yet
    curves = retention.tenure_curves(by_tenure)
    assert curves.columns.tolist() == ["tenure", "curve", "share"]
    assert curves["curve"].tolist() == ["retention"] * 4 + ["activity"] * 4
    assert curves["share"].tolist()[4:] == by_tenure["activity"].tolist()
    cohorts = pd.DataFrame({1: [0.5, 0.4], 2: [0.3, None]}, index=pd.Index(["2024Q1", "2024Q2"], name="cohort"))
    table = retention.cohort_table(cohorts)
    assert table.columns.tolist() == ["acquisition_quarter", "1", "2"]
    assert table["acquisition_quarter"].tolist() == ["2024Q1", "2024Q2"]


def figures(**changes) -> retention.BusinessFigures:
    """METHODS §8.2's example: a = 1000, r = 0.80, revenue 500, variable cost 300, CAC 200, fixed 150,000."""
    numbers = {"acquired": 1000.0, "retention": 0.8, "revenue": 500.0, "variable_cost": 300.0}
    return retention.BusinessFigures(**{**numbers, "acquisition_cost": 200.0, "fixed_cost": 150_000.0, **changes})


def test_the_claims_notes_give_the_verdicts_or_say_why_there_are_none():
    business = figures(acquisition_source="parameter")
    claims = business.claims([0.02, 0.05])
    assert business.steady_profit() == pytest.approx(650_000) and claims.attrs["base_profit"] == pytest.approx(650_000)
    pd.testing.assert_frame_equal(business.claims_grid(), retention.claims_grid(1000.0, 500.0, 300.0, 200.0, 150_000.0))
    notes = retention.claims_notes(business, claims, [0.02, 0.05], fixed_cost_share=0.3, lang="en")
    assert [key for key, _ in notes] == ["rr_claims", "rr_claim_cost_cut", "rr_claim_profit"]
    said = notes[0][1]
    assert said["c1"] == pytest.approx(0.1709, abs=1e-4) and said["cut"] == pytest.approx(0.2846, abs=1e-4)
    assert notes[0][1]["acq_source"] == t("rr_acq_parameter", "en") and notes[0][1]["share"] == 0.3
    assert notes[1][1] == {"step": 2.0, "verdict": t("rr_fails", "en")}  # +2 points: 17 % < the cost cut's 28 %
    assert notes[2][1] == {"step": 5.0, "verdict": t("rr_holds", "en")}  # +5 points: 51 %, within 25–85 %
    flags = {"assumed": ("retention", "cac"), "retention_capped": True, "acquisition_cost_unused": 50.0}
    losing = figures(fixed_cost=850_000.0, **flags)
    assert losing.claims() is None
    notes = retention.claims_notes(losing, None, lang="en")
    assert [key for key, _ in notes] == ["rr_claims_skipped", "acq_cost_unused", "rr_assumed", "rr_retention_capped"]
    assert notes[0][1]["base"] == pytest.approx(-50_000) and notes[1][1] == {"cost": 50.0}
    assert notes[2][1]["items"] == f"{t('rr_assumed_retention', 'en')}; {t('rr_assumed_cac', 'en')}"
    assert retention.claims_notes(figures(acquired=0.0), None) == [("rr_no_acquisition", {"acquired": 0.0})]
    assert all(t(key, "en", **values) for key, values in notes)


def test_the_win_back_and_referral_notes():
    values = {"active_value": [900.0, 50.0, 10.0], "current_value": [0.0, 50.0, 0.0], "p_alive": [0.1, 0.9, 0.2]}
    grades = pd.DataFrame({"customer_id": list("abc"), "lapsed": [True, False, True], "grade": list("FAF"), **values})
    days = pd.to_datetime(["2022-01-01", "2024-06-01", "2023-01-01"])
    orders = {"revenue": [9.0, 5.0, 1.0], "n_orders": [3, 1, 1], "last_purchase": days}
    summary = pd.DataFrame({"customer_id": list("abc"), **orders})
    lapsed = retention.win_back(grades, summary)
    assert retention.win_back_list(lapsed).columns.tolist() == retention.WIN_BACK_COLUMNS
    models = SimpleNamespace(method_="models", lapse_threshold=0.3, future_=SimpleNamespace(lapse_days=400.0))
    ((key, values),) = retention.win_back_notes(lapsed, models, lang="en")
    assert key == "rr_win_back" and (values["n"], values["worth"], values["bar"]) == (2, 1, 50.0)
    assert values["rule"] == t("rr_lapsed_models", "en", threshold=0.3, days=400.0)
    migration = SimpleNamespace(method_="migration", lapse_threshold=0.3, future_=SimpleNamespace())
    ((_, values),) = retention.win_back_notes(lapsed, migration, lang="en")
    assert values["rule"] == t("rr_lapsed_migration", "en", threshold=0.3)
    cyclic = pd.DataFrame({"customer_id": list("xyz"), "referred_by": ["z", "x", "y"]})
    revenue = pd.Series({"x": 1.0, "y": 1.0, "z": 1.0})
    referrals = retention.referral_value(cyclic, revenue, depth=5)
    notes = retention.referral_notes(referrals, depth=5, decay=0.5)
    assert notes[0] == ("rr_referral", {"depth": 5, "decay": 0.5}) and notes[1][0] == "rr_cycles"
    assert notes[1][1] == {"n": 1, "cycles": " → ".join(referrals.attrs["cycles"][0])}
    tree = retention.referral_value(cyclic.assign(referred_by=[None, "x", "y"]), revenue)
    assert retention.referral_notes(tree) == [("rr_referral", {"depth": 3, "decay": 0.5})]  # no cycle to report
