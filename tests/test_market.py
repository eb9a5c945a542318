"""Market scanning functions against hand-computed cases and invariants (METHODS §5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custval import i18n, market
from custval.errors import DataError, MissingColumnError


def tx_frame() -> pd.DataFrame:
    rows = [  # region, date, category, amount, cost
        ("华东", "2023-02-01", "A", 100.0, 60.0),
        ("华东", "2024-02-01", "A", 150.0, 90.0),
        ("华南", "2023-05-01", "B", 50.0, 10.0),
        ("华南", "2024-05-01", "B", 100.0, 20.0),
        ("西北", "2024-08-01", "A", 30.0, 15.0),  # nothing in 2023
    ]
    frame = pd.DataFrame(rows, columns=["region", "order_date", "product_category", "amount", "cost"])
    return frame.assign(order_date=pd.to_datetime(frame["order_date"]), customer_id="C1")


def test_sales_cube_totals_shares_and_margin():
    cube = market.sales_cube(tx_frame(), by=("region",), period="Y")
    assert cube["region"].tolist() == ["华东", "华南", "西北"]
    assert cube["amount"].tolist() == [250.0, 150.0, 30.0] and cube["profit"].tolist() == [100.0, 120.0, 15.0]
    assert cube["share_amount"].sum() == pytest.approx(1.0) and cube["share_profit"].sum() == pytest.approx(1.0)
    assert cube["margin"].tolist() == pytest.approx([0.4, 0.8, 0.5])
    assert cube["lines"].sum() == 5


def test_sales_cube_periods():
    cube = market.sales_cube(tx_frame(), by=("period",), period="Q", values=("amount",))
    assert cube["period"].tolist() == ["2023Q1", "2023Q2", "2024Q1", "2024Q2", "2024Q3"]
    assert market.with_period(tx_frame(), "M")["period"].iloc[0] == "2023-02"
    with pytest.raises(ValueError, match="period must be one of"):
        market.sales_cube(tx_frame(), period="W")


def test_sales_cube_without_cost_names_the_missing_column():
    with pytest.raises(
        MissingColumnError,
        match=r"no column profit \(profit needs a profit or cost column\); "
        r"columns available: region, order_date, product_category, amount, customer_id",
    ):
        market.sales_cube(tx_frame().drop(columns="cost"), by=("region",))
    with pytest.raises(MissingColumnError, match="has no column channel"):
        market.sales_cube(tx_frame(), by=("channel",), values=("amount",))


def test_contribution_growth_and_zero_previous_period():
    table = market.contribution(tx_frame(), by="region", period="Y").set_index(["region", "period"])
    # total 2023 = 150, 2024 = 280: Δ = 130
    assert table.loc[("华东", "2024"), "growth"] == pytest.approx(0.5)
    assert table.loc[("华东", "2024"), "contribution_to_growth"] == pytest.approx(50 / 130)
    assert table.loc[("华南", "2024"), "contribution_to_growth"] == pytest.approx(50 / 130)
    assert np.isnan(table.loc[("西北", "2024"), "growth"])  # from 0: undefined
    assert table.loc[("西北", "2023"), "amount"] == 0
    assert table.loc[("西北", "2024"), "contribution_to_growth"] == pytest.approx(30 / 130)
    assert table.xs("2024", level="period")["contribution_to_growth"].sum() == pytest.approx(1.0)
    assert table.xs("2024", level="period")["share_amount"].sum() == pytest.approx(1.0)


def test_contribution_of_a_year_in_progress_compares_the_same_months():
    table = market.contribution(tx_frame(), by="region", period="Y", through="2024-05-01").set_index(
        ["region", "period"]
    )
    # to 1 May: 2023 = 100 + 50, 2024 = 150 + 100; 西北's August line is in neither span
    assert table.loc[("华南", "2024"), "growth"] == pytest.approx(1.0)
    assert table.loc[("华东", "2024"), "contribution_to_growth"] == pytest.approx(50 / 100)
    assert "西北" not in table.index.get_level_values("region")
    april = market.contribution(tx_frame(), by="region", period="Y", through="2024-04-30")
    assert april["region"].unique().tolist() == ["华东"]
    assert market.year_in_progress("2024-12-31") is None
    assert market.year_in_progress("2024-04-30 15:00") == pd.Timestamp("2024-04-30")
    with pytest.raises(ValueError, match="needs period 'Y'"):
        market.contribution(tx_frame(), period="Q", through="2024-04-30")


def test_abc_boundary_item_goes_to_a_and_ties_are_ordered_by_name():
    values = pd.DataFrame({"product": ["p1", "p2", "p3", "p4", "p5"], "profit": [50.0, 30.0, 10.0, 10.0, 0.0]})
    table = market.abc(values, by="profit", item="product")
    # cumulative before: 0, .5, .8, .9, 1.0 → A, A, B (0.8 is not < 0.8), B, C (worth 0)
    assert table["item"].tolist() == ["p1", "p2", "p3", "p4", "p5"]
    assert table["class"].tolist() == ["A", "A", "B", "B", "C"]
    assert table["cum_share"].iloc[-1] == pytest.approx(1.0) and table["cum_items"].iloc[-1] == 1.0
    crossing = market.abc(pd.DataFrame({"i": ["x", "y", "z"], "profit": [70.0, 20.0, 10.0]}), item="i")
    assert crossing["class"].tolist() == ["A", "A", "B"]  # y crosses 80 % from 70 %: still A; z starts at 90 %


def test_abc_covers_every_item_once_and_puts_losses_in_c():
    rng = np.random.default_rng(1)
    values = pd.DataFrame({"id": [f"c{i}" for i in range(100)], "profit": rng.normal(10, 20, 100)})
    table = market.abc(values, item="id")
    assert sorted(table["item"]) == sorted(values["id"]) and table["class"].isin(["A", "B", "C"]).all()
    assert (table.loc[table["value"] <= 0, "class"] == "C").all()
    with pytest.raises(ValueError, match="cuts"):
        market.abc(values, item="id", cuts=(0.9, 0.8))
    with pytest.raises(MissingColumnError, match="no column 'amount' to rank by; columns: id, profit"):
        market.abc(values, item="id", by="amount")


def factors() -> pd.DataFrame:
    rows = [
        ("o1", "opportunity", 0.3, 4),
        ("o2", "opportunity", 0.2, 2),
        ("t1", "threat", 0.5, 3),
        ("s1", "strength", 0.6, 4),
        ("w1", "weakness", 0.4, 1),
        ("p1", "political", None, None),
        ("e1", "economic", None, None),
    ]
    frame = pd.DataFrame(rows, columns=["factor", "kind", "weight", "rating"])
    return frame.assign(
        impact=[None] * 5 + [3, 1], probability=[None] * 5 + [4.0, 5.0], direction=[None] * 5 + ["+", "-"]
    )


def test_efe_ife_scores_and_ie_cell():
    efe, ife = market.efe(factors()), market.ife(factors())
    assert efe["score"].sum() == pytest.approx(0.3 * 4 + 0.2 * 2 + 0.5 * 3)  # 3.1
    assert ife["score"].sum() == pytest.approx(0.6 * 4 + 0.4 * 1)  # 2.8
    cell = market.ie_cell(ife["score"].sum(), efe["score"].sum())
    assert cell == {"cell": "II", "number": 2, "row": 1, "column": 2, "strategy": "grow_build"}
    assert market.ie_cell(3.0, 1.0)["cell"] == "VII" and market.ie_cell(1.5, 2.5)["strategy"] == "harvest_divest"
    with pytest.raises(ValueError, match="between 1 and 4"):
        market.ie_cell(0.5, 2)


def test_weights_that_do_not_add_up_to_one_are_an_error():
    bad = factors()
    bad.loc[0, "weight"] = 0.35
    with pytest.raises(DataError, match="add up to 1.*1.05"):
        market.efe(bad)


def test_a_strength_rated_2_is_an_error_naming_it():
    bad = factors()
    bad.loc[3, "rating"] = 2
    with pytest.raises(DataError, match="s1 \\(strength, 2\\)"):
        market.ife(bad)
    bad.loc[3, "rating"] = 5
    with pytest.raises(DataError, match="1, 2, 3 or 4"):
        market.ife(bad)


def test_pest_scores_weight_by_impact_and_keep_direction():
    table = market.pest_scores(factors())
    assert table["factor"].tolist() == ["p1", "e1"]
    assert table["weight"].tolist() == pytest.approx([0.75, 0.25]) and table["weight"].sum() == pytest.approx(1)
    assert table["score"].tolist() == pytest.approx([3.0, 1.25])
    assert table["direction"].tolist() == ["+", "-"]


def test_space_vector_and_quadrant_with_a_scale_parameter():
    ratings = pd.DataFrame({"dimension": ["FP", "FP", "IP", "SP", "CP"], "rating": [5, 3, 6, -2, -3]})
    row = market.space(ratings, scale=6).iloc[0]
    assert (row["fp"], row["ip"], row["sp"], row["cp"]) == (4, 6, -2, -3)
    assert (row["x"], row["y"], row["quadrant"]) == (3, 2, "aggressive")
    with pytest.raises(DataError, match="SP ratings must be between -6 and -1"):
        market.space(ratings.assign(rating=[5, 3, 6, 2, -3]), scale=6)


def test_bcg_quadrants_against_the_largest_competitor():
    own = pd.DataFrame(
        {
            "order_date": pd.to_datetime(["2024-01-03", "2024-12-01"]),
            "amount": [300.0, 50.0],
            "product_category": ["A", "B"],
        }
    )
    rows = []
    for year, size_a, size_b in ((2023, 1000.0, 1000.0), (2024, 1200.0, 1020.0)):
        for q in range(1, 5):
            for cat, size, rivals in (
                ("A", size_a, {"R1": 200.0, "R2": 100.0}),
                ("B", size_b, {"R1": 100.0, "R2": 400.0}),
            ):
                for name, sales in rivals.items():
                    rows.append((f"{year}Q{q}", cat, size / 4, name, sales / 4))
    market_table = pd.DataFrame(
        rows, columns=["period", "product_category", "market_sales", "competitor", "competitor_sales"]
    )
    table = market.bcg(own, market_table).set_index("product_category")
    assert table.loc["A", "largest_competitor"] == "R1" and table.loc["A", "relative_share"] == pytest.approx(1.5)
    assert table.loc["A", "market_growth"] == pytest.approx(0.2) and table.loc["A", "quadrant"] == "star"
    assert table.loc["B", "relative_share"] == pytest.approx(50 / 400) and table.loc["B", "quadrant"] == "dog"
    assert table.loc["A", "market_share"] == pytest.approx(300 / 1200)


def test_positioning_map_is_deterministic_and_explains_variance():
    rng = np.random.default_rng(0)
    rows = [
        (b, a, float(r))
        for b in ("甲", "乙", "丙", "丁")
        for a in ("价格", "质量", "服务")
        for r in rng.integers(1, 6, 5)
    ]
    ratings = pd.DataFrame(rows, columns=["brand", "attribute", "rating"])
    first, again = market.positioning_map(ratings), market.positioning_map(ratings.sample(frac=1, random_state=3))
    pd.testing.assert_frame_equal(first, again)
    assert sorted(first.loc[first["kind"] == "brand", "name"]) == sorted(["甲", "乙", "丙", "丁"])
    ratio = first.attrs["explained_variance_ratio"]
    assert 0 < ratio[1] <= ratio[0] <= 1 and sum(ratio) <= 1 + 1e-12
    assert first.loc[first["kind"] == "brand", "x"].sum() == pytest.approx(0, abs=1e-9)  # scores are centred
    with pytest.raises(DataError, match="at least 3 brands"):
        market.positioning_map(ratings[ratings["brand"].isin(["甲", "乙"])])


def test_measure_falls_back_to_amount_without_cost_and_customer_values():
    tx = tx_frame()
    assert market.usable_measure(tx, "profit") == "profit"
    assert market.usable_measure(tx.drop(columns="cost"), "profit") == "amount"
    values = market.customer_values(tx.assign(customer_id=["a", "b", "a", "b", "c"]))
    assert (
        values.loc["a", "amount"] == 150.0
        and values.loc["b", "profit"] == 140.0
        and list(values.index) == ["a", "b", "c"]
    )
    table = pd.DataFrame({"region": ["x", "y", "z"], "share": [0.2, 0.4, 0.4]})
    assert market.leaders(table, "region", "share") == ["y", "z"]


def test_bcg_per_region_and_category():
    own = pd.DataFrame(
        {
            "order_date": pd.to_datetime(["2024-01-02", "2024-12-30"]),
            "amount": [40.0, 10.0],
            "region": ["华东", "华南"],
            "product_category": ["A", "A"],
        }
    )
    rows = [
        (f"{y}Q{q}", r, "A", size / 4, "R1", rival / 4)
        for y, sizes in ((2023, {"华东": 100.0, "华南": 100.0}), (2024, {"华东": 100.0, "华南": 150.0}))
        for q in range(1, 5)
        for r, size in sizes.items()
        for rival in [20.0]
    ]
    market_table = pd.DataFrame(
        rows, columns=["period", "region", "product_category", "market_sales", "competitor", "competitor_sales"]
    )
    table = market.bcg(own, market_table, by=("region", "product_category")).set_index("region")
    assert table.loc["华东", "quadrant"] == "cash_cow" and table.loc["华东", "relative_share"] == pytest.approx(2.0)
    assert table.loc["华南", "quadrant"] == "question_mark" and table.loc["华南", "market_growth"] == pytest.approx(0.5)


def test_sales_cube_counts_distinct_customers_and_quantity_per_cell():
    tx = tx_frame().assign(customer_id=["a", "a", "b", "a", "b"], quantity=[1.0, 2.0, 3.0, 4.0, 5.0])
    cube = market.sales_cube(tx, by=("product_category",), period="Y", values=("amount", "quantity"))
    assert cube["customers"].tolist() == [2, 2] and cube["quantity"].tolist() == [8.0, 7.0]
    assert cube["share_quantity"].tolist() == pytest.approx([8 / 15, 7 / 15])
    by_customer = market.sales_cube(tx, by=("customer_id",), values=("amount",))
    assert "customers" not in by_customer and by_customer["lines"].tolist() == [3, 2]


def monthly_market(last: str, first: str = "2023-01") -> pd.DataFrame:
    """One category; the market sells 100 a month in 2023, 115 in 2024, 120 in 2025."""
    months = pd.period_range(first, last, freq="M")
    size = {2023: 100.0, 2024: 115.0, 2025: 120.0}
    return pd.DataFrame(
        {
            "period": months.astype(str),
            "product_category": "A",
            "market_sales": [size[m.year] for m in months],
            "competitor": "R1",
            "competitor_sales": 40.0,
        }
    )


def own_orders(first: str, last: str) -> pd.DataFrame:
    dates = pd.date_range(first, last, freq="MS")
    return pd.DataFrame({"order_date": dates, "amount": 10.0, "product_category": "A"})


@pytest.mark.parametrize("last", ["2025-01", "2025-04"])
def test_bcg_skips_a_partial_year_of_monthly_market_data(last):
    table = market.bcg(own_orders("2023-01-01", last + "-01"), monthly_market(last)).iloc[0]
    assert table["year"] == 2024 and table["market_sales"] == pytest.approx(12 * 115.0)
    assert table["market_growth"] == pytest.approx(0.15) and table["quadrant"] == "question_mark"


def test_bcg_needs_own_sales_for_the_whole_year_and_says_when_growth_is_unknown():
    table = market.bcg(own_orders("2023-01-01", "2024-10-01"), monthly_market("2024-12")).iloc[0]
    assert table["year"] == 2023 and np.isnan(table["market_growth"]) and table["quadrant"] == "unknown"
    with pytest.raises(DataError, match="year 2024 is not complete"):
        market.bcg(own_orders("2023-01-01", "2024-10-01"), monthly_market("2024-12"), year=2024)
    with pytest.raises(DataError, match="no complete calendar year"):
        market.bcg(own_orders("2023-01-01", "2023-06-01"), monthly_market("2023-06"))
    without = monthly_market("2024-12").drop(columns="competitor_sales")
    with pytest.raises(MissingColumnError, match="market table has no column competitor_sales .*columns available: "):
        market.bcg(own_orders("2023-01-01", "2024-12-01"), without)


def test_market_period_labels_years_quarters_and_months():
    labels = pd.Series(
        [
            "2024",
            "2024年",
            "2024Q3",
            "2024-Q2",
            "2024年第1季度",
            "2024-03",
            "2024/3",
            "2024年3月",
            "202403",
            "2024-03-01 00:00:00",
        ]
    )
    periods = market.market_periods(labels)
    assert periods["year"].eq(2024).all()
    assert periods["kind"].tolist() == ["Y", "Y", "Q", "Q", "Q", "M", "M", "M", "M", "M"]
    assert periods["number"].tolist() == [1, 1, 3, 2, 1, 3, 3, 3, 3, 3]
    with pytest.raises(DataError, match="'2024-13', 'spring'"):
        market.market_periods(pd.Series(["2024Q1", "2024-13", "spring"]))
    quarters = [f"2024Q{q}" for q in range(1, 5)]
    assert market.full_years(pd.DataFrame({"period": [*quarters, "2025Q1", "2023"]})) == [2023, 2024]
    with pytest.raises(DataError, match="mix years, halves, quarters and months"):
        market.full_years(pd.DataFrame({"period": [*quarters, "2024"]}))
    assert market.full_years(pd.DataFrame({"period": ["2023-H1", "2023年下半年", "2024-H1"]})) == [2023]
    with pytest.raises(DataError, match="'2024-spring'"):
        market.market_periods(pd.Series(["2024Q1", "2024-spring"]))  # a season is no calendar period


def test_the_reader_rejects_market_rows_whose_period_is_not_a_calendar_period(tmp_path):
    from custval import io

    path = tmp_path / "market.csv"
    path.write_text("期间,市场销售额\n2024Q1,10\n2024年第2季度,10\n春季,10\n2024-13,10\n", encoding="gbk")
    result = io.read_table("market", path)
    assert result.data["period"].tolist() == ["2024Q1", "2024年第2季度"]
    assert result.rejected["line"].tolist() == [4, 5] and set(result.rejected["reason"]) == {"bad_value"}
    assert result.rows_read == result.rows_used + result.rows_rejected


# --------------------------------------------------------------------------- what the report shows


@pytest.fixture
def zh():
    i18n.set_lang("zh")
    yield
    i18n.set_lang("zh")


def test_value_columns_and_cube_keys_are_those_the_data_have():
    tx = market.with_profit(tx_frame())
    assert market.value_columns(tx) == ["amount", "profit"]
    assert market.value_columns(tx.assign(quantity=1.0), market.CUBE_VALUES) == ["amount", "profit", "quantity"]
    assert market.value_columns(tx_frame(), market.CUBE_VALUES) == ["amount"]
    assert market.cube_keys(tx) == ["region", "period", "product_category"]
    assert market.cube_keys(tx.drop(columns="region")) == ["period", "product_category"]
    assert market.cube_keys(tx[["order_date", "amount"]]) == ["period"]


def test_cube_totals_sum_the_other_keys_one_row_per_cell():
    cube = market.sales_cube(tx_frame(), by=("region", "period", "product_category"), period="Y")
    totals = market.cube_totals(cube, "amount", by=("period", "region"))
    assert list(totals.columns) == ["period", "region", "amount"]
    assert list(totals.itertuples(index=False, name=None)) == [
        ("2023", "华东", 100.0),
        ("2023", "华南", 50.0),
        ("2024", "华东", 150.0),
        ("2024", "华南", 100.0),
        ("2024", "西北", 30.0),
    ]
    no_region = market.sales_cube(tx_frame().drop(columns="region"), by=("period", "product_category"), period="Y")
    assert market.cube_totals(no_region, "amount", by=("period", "region"))["amount"].tolist() == [150.0, 280.0]
    holes = pd.DataFrame({"region": ["a", "a", "b", None], "x": [np.nan, np.nan, 1.0, 5.0]})
    shares = market.cube_totals(holes, "x", by=("region",))
    assert shares["region"].tolist() == ["a", "b"] and np.isnan(shares["x"].iloc[0]) and shares["x"].iloc[1] == 1.0


def test_latest_contributions_of_a_whole_and_of_a_partial_year():
    tx = market.with_profit(tx_frame())
    assert market.last_day(tx) == pd.Timestamp("2024-08-01")
    assert market.last_day(tx, "2024-12-31") == pd.Timestamp("2024-12-31")
    tables = market.latest_contributions(tx, "2024-12-31")
    assert list(tables) == ["region", "product_category"] and "period" not in tables["region"]
    region = tables["region"].set_index("region")
    assert region.loc["华东", "growth"] == pytest.approx(0.5) and region.loc["西北", "amount"] == 30.0
    assert region.loc["华南", "profit"] == 80.0
    assert market.contribution_notes("2024-12-31") == [("ms_contribution", {"year": 2024})]
    partial = market.latest_contributions(tx, "2024-05-01", values=["amount"])["region"].set_index("region")
    assert partial["amount"].to_dict() == {"华东": 150.0, "华南": 100.0}  # 西北 sold in August only
    assert "profit" not in partial
    assert market.contribution_notes("2024-05-01") == [
        ("ms_contribution", {"year": 2024}),
        ("ms_contribution_partial", {"year": 2024, "month": 5, "day": 1}),
    ]


def test_abc_tables_of_customers_and_products_and_their_counts():
    tx = market.with_profit(tx_frame().assign(customer_id=["a", "b", "a", "b", "c"]))
    tables = market.abc_tables(tx, by="profit")
    # profit per customer: a 40 + 40 = 80, b 60 + 80 = 140, c 15 (of 235); per category: A 115, B 120
    assert list(tables) == ["customers", "products"] and market.product_key(tx) == "product_category"
    assert tables["customers"]["item"].tolist() == ["b", "a", "c"]
    assert tables["products"]["item"].tolist() == ["B", "A"]
    counts = market.abc_counts(tables["customers"])
    assert counts == {"a": 2, "b": 1, "c": 0, "n": 3, "a_share": pytest.approx(220 / 235)}
    products = tx.assign(product=["p1", "p2", "p3", "p4", "p1"])
    assert market.product_key(products) == "product"
    assert sorted(market.abc_tables(products, by="amount")["products"]["item"]) == ["p1", "p2", "p3", "p4"]
    assert list(market.abc_tables(tx.drop(columns="product_category"))) == ["customers"]


def test_bcg_notes_say_the_year_a_missing_previous_year_or_why_there_is_no_matrix():
    whole = market.latest_bcg(own_orders("2023-01-01", "2025-01-01"), monthly_market("2025-01"), growth_cut=0.2)
    assert whole["quadrant"].tolist() == ["dog"]  # growth 0.15 under the 0.2 cut, share 10 / 40
    assert market.bcg_notes(whole, monthly_market("2025-01"), growth_cut=0.2) == [
        ("ms_bcg", {"year": 2024, "growth": 0.2, "share": 1.0})
    ]
    unknown = market.latest_bcg(own_orders("2023-01-01", "2024-10-01"), monthly_market("2024-12"))
    assert market.bcg_notes(unknown, monthly_market("2024-12"))[1] == ("ms_bcg_no_growth", {"previous": 2022})
    partial = monthly_market("2023-02").iloc[::-1]
    assert market.latest_bcg(own_orders("2023-01-01", "2023-02-01"), partial) is None
    assert market.bcg_notes(None, partial) == [("ms_bcg_no_year", {"periods": "2023-01, 2023-02"})]


def test_ie_position_notes_strategies_and_factor_scores(zh):
    efe, ife = market.efe(factors()), market.ife(factors())
    ie = market.ie_position(efe, ife)
    assert (ie["cell"], ie["number"], ie["strategy"]) == ("II", 2, "grow_build")
    assert ie["efe"] == pytest.approx(3.1) and ie["ife"] == pytest.approx(2.8)
    assert market.ie_notes(ie) == [
        ("ms_efe_ife", {"efe": ie["efe"], "ife": ie["ife"], "cell": "II", "strategy": "增长与建立(加大投入)"})
    ]
    cells = market.ie_strategies()
    assert cells["cell"].tolist() == list(range(1, 10))
    assert cells["strategy"].tolist()[:4] == ["grow_build", "grow_build", "hold_maintain", "grow_build"]
    assert cells["strategy"].tolist()[-1] == "harvest_divest"
    assert i18n.named(cells, strategy="ie_strategy", lang="en")["strategy"].tolist()[:3] == [
        "grow and build",
        "grow and build",
        "hold and maintain",
    ]
    scores = market.factor_scores(efe, ife, market.pest_scores(factors()))
    assert scores["matrix"].tolist() == ["EFE"] * 3 + ["IFE"] * 2 + ["PEST"] * 2
    assert scores["factor"].tolist() == ["o1", "o2", "t1", "s1", "w1", "p1", "e1"]
    assert market.factor_scores(efe, ife)["matrix"].tolist() == ["EFE"] * 3 + ["IFE"] * 2
    assert market.has_kinds(factors(), market.PEST_KINDS)
    assert not market.has_kinds(factors().iloc[:5], market.PEST_KINDS)


def test_conclusion_names_leaders_core_products_and_the_ie_advice(zh):
    by_region = pd.DataFrame(
        {
            "region": ["x", "y", "z"],
            "share_amount": [0.6, 0.3, 0.1],
            "share_profit": [0.2, 0.5, 0.3],
            "contribution_to_growth": [0.1, 0.2, 0.7],
        }
    )
    products = pd.DataFrame({"item": ["p1", "p2", "p3"], "class": ["A", "A", "B"]})
    ie = {"cell": "II", "strategy": "grow_build"}
    [(key, values)] = market.conclusion_notes("profit", by_region, {"products": products}, ie)
    assert key == "ms_conclusion"
    assert values == {
        "measure_name": "利润",
        "top_regions": "y、z",
        "growth_region": "z",
        "core": "p1、p2",
        "strategy_line": "外部与内部因素评价显示公司处于 IE 矩阵第 II 格,建议:增长与建立(加大投入)。",
    }
    by_amount = market.conclusion_notes("profit", by_region.drop(columns="share_profit"), {}, None)[0][1]
    assert by_amount["top_regions"] == "x、y" and by_amount["core"] == "—"
    assert market.conclusion_notes("amount", None, {}, None)[0][1] == {
        "measure_name": "销售额",
        "top_regions": "—",
        "growth_region": "—",
        "core": "—",
        "strategy_line": "没有因素评价表,无法给出 IE 矩阵建议。",
    }
