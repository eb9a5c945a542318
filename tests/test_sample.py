"""The synthetic sample: reproducible files, contract columns, integrity and the planted structure."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from custval import sample
from custval.sample import constants, csv_export
from custval.schema import TABLES

DEFAULT_BYTES_LIMIT = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def default_files(tmp_path_factory):
    """The default sample written as CSV once for the whole module."""
    return sample.write_sample(tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def default_sample():
    """The default sample in memory (same arguments as ``default_files``)."""
    return sample.generate()


@pytest.fixture(scope="module")
def large_sample():
    """A larger sample for statistical checks that need more customers."""
    return sample.generate(customers=20_000, seed=3)


def read_csv(path) -> pd.DataFrame:
    """A written CSV as raw text, the way a strict reader first sees it."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")


def english(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Map the Chinese CSV headers back to contract names."""
    headers = csv_export.CSV_HEADERS.get(table, {})
    return frame.rename(columns={zh: en for en, zh in headers.items()})


# --- files ---------------------------------------------------------------------------------------


def test_csv_files_are_byte_identical_across_runs(default_files, tmp_path):
    again = sample.write_sample(tmp_path / "again")
    assert set(again) == set(TABLES)
    for name, path in default_files.items():
        assert path.read_bytes() == again[name].read_bytes(), name


def test_parquet_files_are_byte_identical_across_runs(tmp_path):
    first = sample.write_sample(tmp_path / "a", customers=300, fmt="parquet")
    second = sample.write_sample(tmp_path / "b", customers=300, fmt="parquet")
    for name, path in first.items():
        assert path.suffix == ".parquet"
        assert path.read_bytes() == second[name].read_bytes(), name


def test_another_seed_gives_other_data(default_files, tmp_path):
    other = sample.write_sample(tmp_path / "other", seed=1)
    assert other["transactions"].read_bytes() != default_files["transactions"].read_bytes()
    assert other["survey"].read_bytes() != default_files["survey"].read_bytes()


def test_csv_encoding_and_line_ends(default_files):
    raw = default_files["transactions"].read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" not in raw
    assert raw.decode("utf-8").splitlines()[0].split(",") == list(csv_export.CSV_HEADERS["transactions"].values())


def test_default_sample_is_small_with_about_six_orders_per_customer(default_files, default_sample):
    total = sum(path.stat().st_size for path in default_files.values())
    assert total < DEFAULT_BYTES_LIMIT
    per_customer = len(default_sample.tables["transactions"]) / 2000
    assert 5.0 < per_customer < 7.0


def test_money_is_written_with_two_decimals(default_files):
    tx = read_csv(default_files["transactions"])
    assert tx["金额"].str.fullmatch(r"-?\d+\.\d{2}").all()
    assert tx["成本"].str.fullmatch(r"-?\d+\.\d{2}").all()


# --- contract ------------------------------------------------------------------------------------


EXPECTED_COLUMNS = {
    "transactions": [
        "order_id",
        "customer_id",
        "order_date",
        "product_category",
        "product",
        "quantity",
        "amount",
        "cost",
        "region",
        "channel",
        "salesperson_id",
        "invoice_date",
        "due_date",
        "paid_date",
    ],
    "customers": [
        "customer_id",
        "name",
        "customer_type",
        "gender",
        "birth_year",
        "region",
        "city",
        "income_band",
        "occupation",
        "industry",
        "company_size",
        "need_type",
        "preference",
        "acquired_on",
        "acquisition_channel",
        "acquisition_cost",
        "owner_id",
        "referred_by",
    ],
    "survey": [
        "respondent_id",
        "customer_id",
        "wave",
        "brand",
        "dimension",
        "importance",
        "performance",
        "expectation",
        "overall_satisfaction",
        "switch_intent",
    ],
    "kano": ["respondent_id", "feature", "functional", "dysfunctional"],
    "firm_ranking": ["dimension", "rank"],
    "market": ["period", "region", "product_category", "market_sales", "competitor", "competitor_sales"],
    "positioning": ["respondent_id", "brand", "attribute", "rating"],
    "factors": ["factor", "framework", "kind", "weight", "rating", "impact", "probability", "direction", "note"],
    "salespeople": [
        "salesperson_id",
        "name",
        "region",
        "industries",
        "experience_years",
        "capacity",
        "selling_expense",
        "perf_individual",
        "perf_enterprise",
    ],
}
EXTRA_COLUMNS = {"salespeople": {"perf_individual", "perf_enterprise"}}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_tables_have_the_contract_columns(default_sample, default_files, table):
    spec = TABLES[table]
    frame = default_sample.tables[table]
    assert list(frame.columns) == EXPECTED_COLUMNS[table]
    assert set(spec.required) <= set(frame.columns)
    assert set(frame.columns) - EXTRA_COLUMNS.get(table, set()) <= set(spec.columns)
    written = english(read_csv(default_files[table]), table)
    assert list(written.columns) == EXPECTED_COLUMNS[table]


@pytest.mark.parametrize("table", sorted(csv_export.CSV_HEADERS))
def test_chinese_headers_are_known_aliases(table):
    spec = TABLES[table]
    for column, header in csv_export.CSV_HEADERS[table].items():
        assert header in spec.aliases[column], (column, header)


def test_parquet_uses_contract_names_and_types(default_sample):
    tx = default_sample.frames("parquet")["transactions"]
    assert list(tx.columns) == EXPECTED_COLUMNS["transactions"]
    for column in ("order_date", "invoice_date", "due_date", "paid_date"):
        assert pd.api.types.is_datetime64_any_dtype(tx[column])
    for column in ("amount", "cost"):
        assert pd.api.types.is_float_dtype(tx[column])
    for column in ("order_id", "customer_id", "salesperson_id"):
        assert pd.api.types.is_string_dtype(tx[column])


def test_module_lists(default_sample):
    assert len(constants.SERVICE_NEEDS) == 26
    assert constants.SERVICE_NEEDS[0][0] == "合理的价格"
    assert constants.SERVICE_NEEDS[-1][0] == "理解顾客期望的层次"
    assert [zh for zh, _ in constants.VALUE_ITEMS][:4] == ["产品价值", "服务价值", "人员价值", "形象价值"]
    assert sorted(constants.VALUE_ITEM_KIND.values()).count("cost") == 4
    assert len(constants.REGIONS) == 7 and len(constants.CATEGORIES) == 5 and len(constants.CHANNELS) == 3
    assert constants.BRANDS[0] == "本公司" and len(constants.BRANDS) == 3
    tx = default_sample.tables["transactions"]
    assert set(tx["region"]) == set(constants.REGIONS)
    assert set(tx["product_category"]) == set(constants.CATEGORIES)
    assert set(tx["channel"]) == set(constants.CHANNELS)


# --- integrity -----------------------------------------------------------------------------------


def test_transaction_customers_exist_except_the_planted_empty_id(default_files):
    tx = english(read_csv(default_files["transactions"]), "transactions")
    customers = english(read_csv(default_files["customers"]), "customers")
    assert customers["customer_id"].is_unique
    assert tx["customer_id"].isna().sum() == 1
    assert set(tx["customer_id"].dropna()) <= set(customers["customer_id"])


def test_salespeople_ids_are_known(default_files):
    tx = english(read_csv(default_files["transactions"]), "transactions")
    customers = english(read_csv(default_files["customers"]), "customers")
    people = set(read_csv(default_files["salespeople"])["salesperson_id"])
    assert len(people) == 12
    assert set(customers["owner_id"]) <= people
    assert set(tx["salesperson_id"]) <= people


def test_the_transaction_salesperson_is_usually_the_owner(default_sample):
    tx = default_sample.tables["transactions"]
    owner = default_sample.tables["customers"].set_index("customer_id")["owner_id"]
    share = (tx["salesperson_id"].to_numpy() == owner.loc[tx["customer_id"]].to_numpy()).mean()
    assert 0.85 < share < 0.99


def test_referrals_point_to_earlier_customers_without_cycles(default_files):
    customers = english(read_csv(default_files["customers"]), "customers").set_index("customer_id")
    referred = customers["referred_by"].dropna()
    assert len(referred) > 50
    assert (customers.loc[referred.index, "acquisition_channel"] == "推荐").all()
    assert customers.loc[customers["referred_by"].isna(), "acquisition_channel"].ne("推荐").all()
    assert set(referred) <= set(customers.index)
    acquired = pd.to_datetime(customers["acquired_on"])
    assert (acquired.loc[referred.values].to_numpy() < acquired.loc[referred.index].to_numpy()).all()
    parent = referred.to_dict()
    for start in parent:
        seen, node = set(), start
        while node in parent:
            assert node not in seen, f"referral cycle through {node}"
            seen.add(node)
            node = parent[node]


def test_survey_customers_exist_and_rate_the_own_brand(default_sample):
    survey = default_sample.tables["survey"]
    customers = set(default_sample.tables["customers"]["customer_id"])
    known = survey["customer_id"].notna()
    assert set(survey.loc[known, "customer_id"]) <= customers
    assert (survey.loc[known, "brand"] == "本公司").all()


def test_order_dates_and_settlement_are_consistent(default_sample):
    tx = default_sample.tables["transactions"]
    start, end = pd.Timestamp("2022-01-01"), pd.Timestamp("2024-12-31")
    assert tx["order_date"].between(start, end).all()
    assert tx["order_date"].is_monotonic_increasing
    assert (tx["invoice_date"] >= tx["order_date"]).all()
    assert (tx["due_date"] >= tx["invoice_date"]).all()
    paid = tx["paid_date"].notna()
    assert (tx.loc[paid, "paid_date"] >= tx.loc[paid, "invoice_date"]).all()
    assert (tx.loc[paid, "paid_date"] <= end).all()


def test_individuals_pay_on_the_day_and_some_enterprises_pay_late(default_sample):
    tx = default_sample.tables["transactions"]
    kind = default_sample.tables["customers"].set_index("customer_id")["customer_type"]
    tx = tx.assign(kind=kind.loc[tx["customer_id"]].to_numpy())
    individual = tx[tx["kind"] == "个人"]
    assert (individual["paid_date"] == individual["order_date"]).all()
    enterprise = tx[(tx["kind"] == "企业") & tx["paid_date"].notna()]
    terms = (enterprise["due_date"] - enterprise["invoice_date"]).dt.days
    assert set(terms) == {30, 60}
    days_late = (enterprise["paid_date"] - enterprise["due_date"]).dt.days
    late = days_late.groupby(enterprise["customer_id"]).median()
    chronic = default_sample.truth["customers"].set_index("customer_id")["chronic_late"]
    assert late[chronic.loc[late.index]].min() > 10
    assert late[~chronic.loc[late.index]].median() < 5


# --- planted data problems -----------------------------------------------------------------------


def test_planted_problems_appear_exactly_as_counted(default_files, default_sample):
    planted = default_sample.truth["planted_problems"]
    assert set(planted) == set(csv_export.PLANTED_PROBLEM_KINDS)
    tx = english(read_csv(default_files["transactions"]), "transactions")
    amount = tx["amount"].astype(float)
    returns = tx[amount < 0]
    assert returns["order_id"].str.endswith("-R").all()
    assert len(returns) == planted["return"]["count"] == tx["order_id"].str.endswith("-R").sum()
    assert sorted(returns["order_id"]) == sorted(planted["return"]["order_ids"])
    assert (amount == 0).sum() == planted["zero_amount"]["count"]
    assert tx.duplicated().sum() == planted["duplicate"]["count"] == 10
    parsed = pd.to_datetime(tx["order_date"], format="%Y-%m-%d", errors="coerce")
    assert parsed.isna().sum() == planted["impossible_date"]["count"] == 2
    assert sorted(tx.loc[parsed.isna(), "order_date"]) == sorted(planted["impossible_date"]["values"])
    assert tx["customer_id"].isna().sum() == planted["empty_customer_id"]["count"] == 1


def test_returns_follow_their_original_line(default_files):
    tx = english(read_csv(default_files["transactions"]), "transactions")
    returns = tx[tx["order_id"].str.endswith("-R")].set_index("order_id")
    originals = tx.drop_duplicates().set_index("order_id")
    source = originals.loc[returns.index.str.removesuffix("-R")]
    assert (returns["amount"].astype(float).to_numpy() == -source["amount"].astype(float).to_numpy()).all()
    assert (returns["customer_id"].to_numpy() == source["customer_id"].to_numpy()).all()
    returned_on = pd.to_datetime(returns["order_date"]).to_numpy()
    assert (returned_on > pd.to_datetime(source["order_date"]).to_numpy()).all()
    assert 0.005 < len(returns) / len(tx) < 0.015


def test_zero_amount_lines_are_gifts_with_a_cost(default_files):
    tx = english(read_csv(default_files["transactions"]), "transactions")
    gifts = tx[tx["amount"].astype(float) == 0]
    assert len(gifts) >= 5
    assert gifts.drop(columns="paid_date").notna().all().all()
    assert gifts["order_id"].is_unique
    assert not gifts["order_id"].isin(tx.loc[tx["amount"].astype(float) != 0, "order_id"]).any()
    assert (gifts["cost"].astype(float) > 0).all()
    same_day = tx.groupby(["customer_id", "order_date"]).size()
    assert (same_day.loc[list(zip(gifts["customer_id"], gifts["order_date"]))] >= 2).all()


def test_csv_rows_are_sorted_by_date_then_order_id(default_files):
    tx = english(read_csv(default_files["transactions"]), "transactions")
    required = [
        "order_id",
        "order_date",
        "product_category",
        "product",
        "quantity",
        "amount",
        "cost",
        "region",
        "channel",
        "salesperson_id",
        "invoice_date",
        "due_date",
    ]
    assert tx[required].notna().all().all()
    keys = list(zip(tx["order_date"], tx["order_id"]))
    assert keys == sorted(keys)


def test_parquet_data_is_clean(default_sample):
    tx = default_sample.frames("parquet")["transactions"]
    assert (tx["amount"] > 0).all()
    assert not tx.duplicated().any()
    assert tx["order_date"].notna().all()
    assert tx["customer_id"].notna().all()
    assert tx["order_id"].is_unique


# --- factors -------------------------------------------------------------------------------------


def test_swot_weights_sum_to_one_and_ratings_follow_the_rules(default_files):
    factors = read_csv(default_files["factors"])
    swot = factors[factors["framework"] == "SWOT"]
    weight = swot["weight"].map(Decimal)
    assert weight[swot["kind"].isin(["S", "W"])].sum() == Decimal(1)
    assert weight[swot["kind"].isin(["O", "T"])].sum() == Decimal(1)
    rating = swot["rating"].astype(int)
    assert rating[swot["kind"] == "S"].isin([3, 4]).all()
    assert rating[swot["kind"] == "W"].isin([1, 2]).all()
    assert rating[swot["kind"].isin(["O", "T"])].between(1, 4).all()
    assert set(swot["kind"]) == {"S", "W", "O", "T"}


def test_pest_rows_carry_impact_probability_and_direction(default_files):
    factors = read_csv(default_files["factors"])
    pest = factors[factors["framework"] == "PEST"]
    assert set(pest["kind"]) == {"P", "E", "S", "T"}
    assert pest["impact"].astype(int).between(1, 3).all()
    assert pest["probability"].astype(int).between(1, 5).all()
    assert pest["direction"].isin(["+", "-"]).all()
    assert pest["weight"].isna().all() and pest["rating"].isna().all()


# --- planted structure ---------------------------------------------------------------------------


def test_mean_order_value_per_archetype_matches_gamma_gamma(large_sample):
    tx = large_sample.tables["transactions"]
    archetype = large_sample.truth["customers"].set_index("customer_id")["archetype"]
    realised = tx.groupby(archetype.loc[tx["customer_id"]].to_numpy())["amount"].mean()
    for key, params in large_sample.truth["archetypes"].items():
        gg = params["gamma_gamma"]
        planted = gg["p"] * gg["gamma"] / (gg["q"] - 1)
        assert planted == pytest.approx(params["mean_order_value"])
        assert realised[key] == pytest.approx(planted, rel=0.10), key


def test_archetypes_have_their_planted_shares_and_types(large_sample):
    truth = large_sample.truth
    archetype = truth["customers"].set_index("customer_id")["archetype"]
    kind = large_sample.tables["customers"].set_index("customer_id")["customer_type"]
    share = archetype.value_counts(normalize=True)
    for key, params in truth["archetypes"].items():
        assert share[key] == pytest.approx(params["share"], abs=0.02)
        assert (kind[archetype == key] == params["customer_type"]).all()


def test_frequent_archetypes_buy_more_often(large_sample):
    orders = large_sample.tables["transactions"].groupby("customer_id").size()
    archetype = large_sample.truth["customers"].set_index("customer_id")["archetype"]
    mean = orders.groupby(archetype.loc[orders.index].to_numpy()).mean()
    assert mean["frequent_individual"] > 3 * mean["occasional_individual"]
    assert mean["key_enterprise"] > 1.5 * mean["small_enterprise"]


def test_every_customer_buys_on_the_acquisition_day(default_sample):
    tx = default_sample.tables["transactions"]
    first = tx.groupby("customer_id")["order_date"].min()
    acquired = default_sample.tables["customers"].set_index("customer_id")["acquired_on"]
    assert first.index.equals(acquired.index.sort_values())
    assert (first == acquired.loc[first.index]).all()


def test_regions_planted_to_grow_take_on_more_customers(large_sample):
    customers = large_sample.tables["customers"]
    intake = pd.crosstab(customers["region"], customers["acquired_on"].dt.year)
    change = intake[2024] / intake[2022] - 1
    for region, growth in large_sample.truth["region_growth"].items():
        if growth > 0.05:
            assert change[region] > 0, region
        elif growth < -0.05:
            assert change[region] < 0, region
    ranked = pd.Series(large_sample.truth["region_growth"]).rank()
    assert np.corrcoef(ranked, change.loc[ranked.index].rank())[0, 1] > 0.8


def test_fast_growing_regions_grow_fastest_in_sales(large_sample):
    tx = large_sample.tables["transactions"]
    sales = tx.pivot_table(index="region", columns=tx["order_date"].dt.year, values="amount", aggfunc="sum")
    growth = sales[2024] / sales[2023] - 1
    assert growth["华东"] > growth["东北"] + 0.2
    assert growth["西南"] > growth["西北"]


def test_market_grows_at_the_planted_rates(default_sample):
    market = default_sample.tables["market"].drop_duplicates(["period", "region", "product_category"])
    yearly = market.groupby(["region", "product_category", market["period"].str[:4]])["market_sales"].sum()
    yearly = yearly.unstack()
    realised = (yearly["2024"] / yearly["2022"]) ** 0.5
    truth = default_sample.truth
    planted = pd.Series(
        {
            (region, category): (1 + g) * (1 + h)
            for region, g in truth["region_growth"].items()
            for category, h in truth["category_growth"].items()
        }
    )
    error = (realised / planted.loc[realised.index] - 1).abs()
    assert error.median() < 0.02
    assert (error < 0.1).mean() > 0.9


def test_market_holds_own_and_competitor_sales(default_sample):
    tx = default_sample.tables["transactions"]
    market = default_sample.tables["market"]
    assert len(market) == 12 * 7 * 5 * 2
    assert set(market["competitor"]) == set(constants.BRANDS[1:])
    period = tx["order_date"].dt.year.astype(str) + "Q" + tx["order_date"].dt.quarter.astype(str)
    own = tx.groupby([period.rename("period"), "region", "product_category"])["amount"].sum()
    cell = market.groupby(["period", "region", "product_category"]).agg(
        market_sales=("market_sales", "first"), rivals=("competitor_sales", "sum")
    )
    cell["own"] = own.reindex(cell.index, fill_value=0.0)
    assert (cell["market_sales"] >= cell["own"] + cell["rivals"] - 0.01).all()
    total = cell.groupby(["region", "product_category"])[["own", "market_sales"]].sum()
    share = (total["own"] / total["market_sales"]).unstack()
    planted = pd.DataFrame(default_sample.truth["market"]["realised_own_share"]).T
    assert np.allclose(share.loc[planted.index, planted.columns], planted, atol=1e-3)
    rival = market.groupby(["region", "product_category", "competitor"])["competitor_sales"].sum().unstack()
    best_rival = rival.max(axis=1).reindex(total.index)
    leads = total["own"] > best_rival
    assert 0 < leads.sum() < len(leads)


def test_category_margins_differ_and_few_categories_carry_the_profit(default_sample):
    tx = default_sample.tables["transactions"]
    by = tx.groupby("product_category")[["amount", "cost"]].sum()
    margin = 1 - by["cost"] / by["amount"]
    for category, planted in default_sample.truth["category_margin"].items():
        assert margin[category] == pytest.approx(planted, abs=0.02)
    profit = (by["amount"] - by["cost"]).sort_values(ascending=False)
    assert profit.iloc[:3].sum() / profit.sum() > 0.75
    assert by["amount"].idxmax() == "电子设备" and profit.idxmin() in ("电子设备", "办公家具")


def test_survey_drivers_explain_satisfaction(default_sample):
    survey = default_sample.tables["survey"]
    performance = survey.pivot_table(index="respondent_id", columns="dimension", values="performance")
    satisfaction = survey.groupby("respondent_id")["overall_satisfaction"].first()
    correlation = performance.corrwith(satisfaction).sort_values(ascending=False)
    drivers = set(default_sample.truth["survey"]["drivers"])
    assert set(correlation.index[: len(drivers)]) == drivers
    switch = survey.groupby("respondent_id")["switch_intent"].first()
    assert np.corrcoef(satisfaction, switch.loc[satisfaction.index])[0, 1] < -0.5


def test_survey_importance_changes_between_waves(default_sample):
    survey = default_sample.tables["survey"]
    assert survey.groupby("wave")["respondent_id"].nunique().between(250, 350).all()
    assert set(survey["dimension"]) == {zh for zh, _ in constants.SERVICE_NEEDS + constants.VALUE_ITEMS}
    importance = survey.pivot_table(index="dimension", columns="wave", values="importance")
    change = (importance[2] - importance[1]).sort_values()
    truth = default_sample.truth["survey"]
    assert set(change.index[:2]) == set(truth["fading"])
    assert set(change.index[-2:]) == set(truth["rising"])
    brands = survey.groupby("respondent_id")["brand"].first().value_counts(normalize=True)
    assert brands["本公司"] == pytest.approx(0.6, abs=0.06)


def test_some_respondents_skip_the_importance_of_cost_items(default_sample):
    survey = default_sample.tables["survey"]
    skipped = default_sample.truth["survey"]["skipped_cost_importance"]
    blank = survey[survey["importance"].isna()]
    assert set(blank["dimension"]) <= {zh for zh, kind in constants.VALUE_ITEM_KIND.items() if kind == "cost"}
    per_respondent = blank.groupby("respondent_id")["dimension"].apply(sorted).to_dict()
    assert per_respondent == {
        **{r: sorted(["货币成本", "时间成本", "体力成本", "精神成本"]) for r in skipped["all"]},
        **{r: sorted(items) for r, items in skipped["some"].items()},
    }
    assert all(1 <= len(items) <= 3 for items in skipped["some"].values())
    assert survey["performance"].notna().all()


def test_the_firm_ranks_every_need_once(default_sample):
    firm = default_sample.tables["firm_ranking"]
    assert sorted(firm["dimension"]) == sorted(zh for zh, _ in constants.SERVICE_NEEDS)
    assert firm["rank"].tolist() == list(range(1, 27))
    assert set(default_sample.truth["firm_ranking"]["disagreements"]) <= set(firm["dimension"])


KANO_TABLE = {(1, 2): "A", (1, 3): "A", (1, 4): "A", (1, 5): "O", (1, 1): "Q", (5, 5): "Q"}


def kano_category(functional: int, dysfunctional: int) -> str:
    """Evaluation table lookup (Kano): A, O, M, I, R or Q."""
    if (functional, dysfunctional) in KANO_TABLE:
        return KANO_TABLE[(functional, dysfunctional)]
    if dysfunctional == 1 or functional == 5:
        return "R"
    return "M" if dysfunctional == 5 else "I"


def test_kano_answers_reveal_the_planted_categories(default_sample):
    kano = default_sample.tables["kano"]
    assert kano[["functional", "dysfunctional"]].stack().between(1, 5).all()
    category = [kano_category(f, d) for f, d in zip(kano["functional"], kano["dysfunctional"])]
    by_feature = pd.Series(category, index=kano["feature"]).groupby(level=0)
    mode = by_feature.agg(lambda s: s.value_counts().idxmax())
    assert mode.to_dict() == default_sample.truth["kano"]
    assert set(mode) == {"A", "O", "M", "I"}


def test_positioning_profiles_are_distinct(default_sample):
    positioning = default_sample.tables["positioning"]
    assert set(positioning["brand"]) == set(constants.POSITIONING_BRANDS)
    assert positioning["attribute"].nunique() == 6
    assert positioning["rating"].between(1, 7).all()
    means = positioning.groupby(["brand", "attribute"])["rating"].mean().unstack()
    planted = pd.DataFrame(default_sample.truth["positioning"]).T
    assert np.abs(means.loc[planted.index, planted.columns] - planted).max().max() < 0.35
    assert means.idxmax()["价格"] == "华信商贸" and means.idxmax()["服务"] == "本公司"


def test_generate_rejects_tiny_samples_and_unknown_formats(tmp_path):
    with pytest.raises(ValueError):
        sample.generate(customers=5)
    with pytest.raises(ValueError):
        sample.write_sample(tmp_path, fmt="xlsx")
