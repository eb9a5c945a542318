"""Value dimensions: IPA, derived importance, Kano, gaps and delivered value on hand-made answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import custval as cv
from custval import dimensions, i18n, parsing, questionnaires, sample
from custval.sample.constants import KANO_FEATURES

ROOT = Path(__file__).resolve().parent.parent


def long_survey(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["respondent_id", "dimension", "importance", "performance"])


def test_ipa_quadrants_priority_and_diagonal():
    survey = long_survey(
        [
            ("r1", "price", 7, 3),
            ("r2", "price", 5, 3),  # I 6, P 3: concentrate here
            ("r1", "service", 6, 6),
            ("r2", "service", 6, 6),  # I 6, P 6: keep up
            ("r1", "decor", 2, 2),
            ("r2", "decor", 2, 2),  # I 2, P 2: low priority
            ("r1", "gifts", 2, 7),
            ("r2", "gifts", 2, 5),  # I 2, P 6: possible overkill
        ]
    )
    table = dimensions.ipa(survey).set_index("dimension")
    assert table.loc["price", "quadrant"] == "concentrate_here" and table.loc["service", "quadrant"] == "keep_up"
    assert table.loc["decor", "quadrant"] == "low_priority" and table.loc["gifts", "quadrant"] == "possible_overkill"
    assert table.loc["price", "priority"] == 3 and bool(table.loc["price", "above_diagonal"])
    assert table["center_importance"].iloc[0] == 4 and table["center_performance"].iloc[0] == 4.25
    scale = dimensions.ipa(survey, center="scale", scale=(1, 7)).set_index("dimension")
    assert scale.loc["gifts", "quadrant"] == "possible_overkill" and scale["center_importance"].iloc[0] == 4
    with pytest.raises(ValueError, match="center"):
        dimensions.ipa(survey, center="mode")


def regression_data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    cov = np.array([[1, 0.5, 0.2], [0.5, 1, 0.3], [0.2, 0.3, 1]])
    x = pd.DataFrame(rng.multivariate_normal(np.zeros(3), cov, n), columns=["a", "b", "c"])
    y = pd.Series(0.6 * x["a"] + 0.3 * x["b"] + 0.1 * x["c"] + rng.normal(0, 0.8, n))
    return x, y


def r2(x, y, columns):
    if not columns:
        return 0.0
    design = np.column_stack([np.ones(len(x)), x[list(columns)].to_numpy()])
    beta, *_ = np.linalg.lstsq(design, y.to_numpy(), rcond=None)
    residual = y.to_numpy() - design @ beta
    return 1 - residual.var() / y.to_numpy().var()


def test_shapley_equals_the_exact_average_of_r2_gains_and_sums_to_r2():
    x, y = regression_data()
    phi = dimensions.shapley_r2(x, y)
    orders = [("a", "b", "c"), ("a", "c", "b"), ("b", "a", "c"), ("b", "c", "a"), ("c", "a", "b"), ("c", "b", "a")]
    for j, name in enumerate("abc"):
        gains = [r2(x, y, o[: o.index(name) + 1]) - r2(x, y, o[: o.index(name)]) for o in orders]
        assert phi[j] == pytest.approx(np.mean(gains), abs=1e-10)
    assert phi.sum() == pytest.approx(r2(x, y, ["a", "b", "c"]), abs=1e-10)


def test_johnson_weights_sum_to_r2_and_are_close_to_shapley():
    x, y = regression_data(seed=1)
    rw, phi = dimensions.johnson_weights(x, y), dimensions.shapley_r2(x, y)
    assert rw.sum() == pytest.approx(r2(x, y, ["a", "b", "c"]), abs=1e-10)
    assert np.abs(rw - phi).max() < 0.01


@pytest.fixture(scope="module")
def sample_survey():
    ds = cv.load(ROOT / "custval.yml")
    own = ds.survey[ds.survey["brand"] == "本公司"]
    return ds, dimensions.service_dimensions(own)


@pytest.mark.parametrize("method", ["johnson", "forest"])
def test_derived_importance_recovers_the_planted_drivers(sample_survey, method):
    _, service = sample_survey
    drivers = set(sample.generate().truth["survey"]["drivers"])
    table = dimensions.derived_importance(service, method=method)
    assert set(table["dimension"].head(len(drivers))) == drivers
    assert table["method"].iloc[0] == method and table["share"].sum() == pytest.approx(1)
    if method == "johnson":
        assert table["importance"].sum() == pytest.approx(table.attrs["r2"], abs=1e-9)


def test_auto_uses_exact_shapley_for_few_dimensions_and_refuses_too_many(sample_survey):
    _, service = sample_survey
    drivers = list(sample.generate().truth["survey"]["drivers"])
    few = service[service["dimension"].isin([*drivers, "舒适的环境", "兴趣"])]
    table = dimensions.derived_importance(few, method="auto")
    assert table["method"].iloc[0] == "shapley" and set(table["dimension"].head(4)) == set(drivers)
    assert table["importance"].sum() == pytest.approx(table.attrs["r2"], abs=1e-9)
    assert dimensions.derived_importance(service)["method"].iloc[0] == "johnson"  # 26 dimensions
    with pytest.raises(cv.DataError, match=r"the survey's 26 dimensions \('.*\) are too many .*importance_method"):
        dimensions.derived_importance(service, method="shapley")


def test_strategic_dimensions_follow_the_rule():
    stated = pd.DataFrame({"dimension": list("wxyz"), "importance": [6.0, 6.0, 3.0, 3.0], "performance": [4.0] * 4})
    derived = pd.DataFrame({"dimension": list("wxyz"), "share": [0.5, 0.05, 0.4, 0.05]})
    table = dimensions.strategic_dimensions(stated, derived).set_index("dimension")["category"]
    assert table.to_dict() == {"w": "strategic", "y": "hidden_driver", "x": "hygiene", "z": "secondary"}


def test_value_change_flags_the_planted_rising_and_fading_dimensions(sample_survey):
    _, service = sample_survey
    truth = sample.generate().truth["survey"]
    change = dimensions.value_change(service)
    assert set(change.loc[change["rising"], "dimension"]) == set(truth["rising"])
    assert set(change.loc[change["fading"], "dimension"]) == set(truth["fading"])


def test_kano_table_tie_rule_and_coefficients():
    answers = pd.DataFrame(
        {
            "respondent_id": list("abcdef"),
            "feature": ["f"] * 6,
            "functional": [1, 1, 2, 2, 1, 5],
            "dysfunctional": [5, 5, 5, 5, 3, 5],
        }
    )
    # O, O, M, M, A, Q: O and M tie → M wins (M > O > A > I)
    table = dimensions.kano(answers).set_index("feature")
    assert table.loc["f", ["M", "O", "A", "I", "R", "Q"]].tolist() == [2, 2, 1, 0, 0, 1]
    assert table.loc["f", "category"] == "M"
    assert table.loc["f", "better"] == pytest.approx(3 / 5) and table.loc["f", "worse"] == pytest.approx(-4 / 5)
    assert dimensions.kano_category([1, 3, 5], [2, 3, 1]).tolist() == ["A", "I", "R"]
    with pytest.raises(cv.DataError, match="1–5"):
        dimensions.kano(answers.assign(functional=[6, 1, 1, 1, 1, 1]))


def test_kano_recovers_the_planted_categories():
    ds = cv.load(ROOT / "custval.yml")
    table = dimensions.kano(ds.kano).set_index("feature")["category"]
    assert table.to_dict() == dict(KANO_FEATURES)


def test_gaps_weighted_and_by_group():
    survey = pd.DataFrame(
        {
            "respondent_id": ["a", "a", "b", "b"],
            "dimension": ["d1", "d2", "d1", "d2"],
            "performance": [4, 6, 2, 6],
            "expectation": [5, 5, 5, 5],
        }
    )
    gaps = dimensions.servqual_gaps(survey).set_index("dimension")
    assert gaps.loc["d1", "gap"] == -2 and gaps.loc["d2", "gap"] == 1 and gaps.attrs["gap"] == -0.5
    grouped = dimensions.servqual_gaps(survey, groups={"d1": "g", "d2": "h"}, weights={"g": 3, "h": 1})
    assert grouped.attrs["weighted_gap"] == pytest.approx(0.75 * -2 + 0.25 * 1)


def test_delivered_value_with_stated_importance_as_weights():
    rows = []
    for item, perf, imp in (("产品价值", 6, 3), ("服务价值", 4, 1), ("货币成本", 5, 1), ("时间成本", 2, 1)):
        rows.append(("r1", item, imp, perf, "own"))
    survey = pd.DataFrame(rows, columns=["respondent_id", "dimension", "importance", "performance", "brand"])
    values = dimensions.delivered_value(survey).iloc[0]
    assert values["tcv"] == pytest.approx(0.75 * 6 + 0.25 * 4) and values["tcc"] == pytest.approx(3.5)
    assert values["cdv"] == pytest.approx(2.0) and values["ratio"] == pytest.approx(5.5 / 3.5)
    fixed = dimensions.delivered_value(
        survey, weights={"产品价值": 1, "服务价值": 1, "货币成本": 1, "时间成本": 0}
    ).iloc[0]
    assert fixed["tcv"] == pytest.approx(5.0) and fixed["tcc"] == pytest.approx(5.0)


def three_shortfalls() -> pd.DataFrame:
    """Shortfalls 3, 1, 0 on needs whose derived importance is 0.2, 0.7, 0.1."""
    stated = pd.DataFrame(
        {
            "dimension": ["a", "b", "c"],
            "importance": [6.0, 6.0, 6.0],
            "performance": [3.0, 5.0, 7.0],
            "quadrant": ["concentrate_here"] * 3,
        }
    )
    derived = pd.DataFrame({"dimension": ["a", "b", "c"], "share": [0.2, 0.7, 0.1]})
    return dimensions.delivery_problems(stated, derived)


def test_delivery_problems_rank_weighted_shortfalls():
    table = three_shortfalls()
    assert table["dimension"].tolist() == ["b", "a", "c"]  # 0.7 × 1 > 0.2 × 3 > 0.1 × 0
    assert table["priority"].tolist() == pytest.approx([0.7, 0.6, 0.0])


def test_templates_are_what_the_code_writes_and_read_back(tmp_path):
    written = questionnaires.write_templates(tmp_path)
    csv = [p.name for p in (ROOT / "data" / "templates").glob("*.csv")]
    assert sorted(csv) == sorted(n for n in written if n.endswith(".csv"))
    for name in csv:
        assert (tmp_path / name).read_bytes() == (ROOT / "data" / "templates" / name).read_bytes(), name
    survey = cv.read_survey(written["survey_example.csv"])
    assert survey["dimension"].nunique() == 34 and survey["respondent_id"].nunique() == 6
    assert len(survey) == 6 * 34 and survey[["importance", "performance", "expectation"]].notna().all().all()
    kano = cv.read_kano(written["kano_example.csv"])
    assert len(kano) == 6 * len(KANO_FEATURES)
    for table in ("survey", "kano", "firm_ranking"):
        committed = pd.read_excel(ROOT / "data" / "templates" / f"{table}_template.xlsx", sheet_name=None)
        first, *_, notes = list(committed.values())
        assert list(first.columns) == list(pd.read_csv(written[f"{table}_template.csv"], encoding="utf-8-sig").columns)
        assert len(notes) == len(questionnaires.INSTRUCTIONS)


def test_the_firm_ranking_sheet_lists_every_need_and_reads_back(tmp_path):
    written = questionnaires.write_templates(tmp_path)
    workbook = ROOT / "data" / "templates" / "survey_template.xlsx"
    assert pd.ExcelFile(workbook).sheet_names == ["问卷 survey", "企业排序 firm ranking", "说明 instructions"]
    sheet = pd.read_excel(workbook, sheet_name="企业排序 firm ranking")
    survey_needs = [c.split(":", 1)[1] for c in questionnaires.survey_columns() if c.startswith("重要性:")][:26]
    assert sheet["需求"].tolist() == survey_needs and sheet["企业排序"].isna().all()
    filled = sheet.assign(企业排序=range(26, 0, -1))
    filled.to_excel(tmp_path / "ranked.xlsx", index=False)
    ranking = cv.io.read_table("firm_ranking", tmp_path / "ranked.xlsx").data
    assert ranking["dimension"].tolist() == survey_needs and ranking["rank"].tolist() == list(range(26, 0, -1))
    example = cv.read_firm_ranking(written["firm_ranking_example.csv"])
    assert sorted(example["ranker"].unique()) == ["客服经理", "销售经理"]
    service = dimensions.service_dimensions(cv.read_survey(written["survey_example.csv"]))
    assert len(dimensions.firm_vs_customer(service, example)) == 26


def test_a_filled_excel_template_reads_back(tmp_path):
    path = tmp_path / "answers.xlsx"
    questionnaires.survey_example().to_excel(path, index=False)
    survey = cv.read_survey(path)
    assert len(survey) == 6 * 34 and set(survey["brand"]) == {"本公司", "竞争对手甲"}


# --------------------------------------------------------------------------- delivered value with gaps


# Own-brand ratings: "all" rated both cost items, "none" neither, "some" one of them.
GAPPY_OWN = [
    ("all", "own", "产品价值", 4, 6),
    ("all", "own", "货币成本", 2, 5),
    ("all", "own", "时间成本", 2, 3),
    ("none", "own", "产品价值", 4, 5),
    ("none", "own", "货币成本", None, 5),
    ("none", "own", "时间成本", None, 4),
    ("some", "own", "产品价值", 4, 7),
    ("some", "own", "货币成本", 3, 6),
    ("some", "own", "时间成本", None, 1),
]


def delivered_rows(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["respondent_id", "brand", "dimension", "importance", "performance"])


def test_tcc_is_empty_without_cost_ratings_and_uses_the_cost_items_rated():
    survey = delivered_rows(GAPPY_OWN)
    values = dimensions.delivered_value(survey).set_index("respondent_id")
    assert np.isnan(values.loc["none", "tcc"])  # not 0 from an empty sum
    assert np.isnan(values.loc["none", "cdv"]) and np.isnan(values.loc["none", "ratio"])
    assert values.loc["none", "cost_items"] == 0
    assert values.loc["all", "tcc"] == pytest.approx(4.0) and values.loc["all", "cost_items"] == 2
    assert values.loc["none", "tcv"] == 5.0  # the value side is still there
    assert values.loc["some", "tcc"] == pytest.approx(6.0) and values.loc["some", "cost_items"] == 1
    assert values.loc["some", "cdv"] == pytest.approx(1.0)
    assert values.attrs == {"no_value": 0, "partial_value": 0, "no_cost": 1, "partial_cost": 1}
    summary = dimensions.delivered_value_summary(values.reset_index()).set_index("brand").loc["own"]
    assert summary["respondents"] == 2 and summary["no_cost_rating"] == 1 and summary["no_value_rating"] == 0
    assert summary["tcv"] == pytest.approx((6 + 7) / 2) and summary["cdv"] == pytest.approx(
        summary["tcv"] - summary["tcc"]
    )


def test_a_respondent_with_no_rated_item_at_all_is_kept():
    survey = delivered_rows(
        [
            ("a", "own", "产品价值", 4, 6),
            ("a", "own", "货币成本", 2, 5),
            ("b", "own", "产品价值", 4, None),
            ("b", "own", "货币成本", 2, None),
        ]
    )
    values = dimensions.delivered_value(survey)
    assert values["respondent_id"].tolist() == ["a", "b"]
    assert values.set_index("respondent_id").loc["b", ["tcv", "tcc", "cdv"]].isna().all()


def test_the_sample_lacks_exactly_the_planted_cost_ratings(sample_survey):
    ds, _ = sample_survey
    planted = sample.generate().truth["survey"]["skipped_cost_importance"]
    values = dimensions.delivered_value(ds.survey)
    assert sorted(values.loc[values["tcc"].isna(), "respondent_id"]) == planted["all"]
    assert values.attrs["no_cost"] == len(planted["all"]) and values.attrs["partial_cost"] == len(planted["some"])
    some = values.set_index("respondent_id").loc[list(planted["some"]), "cost_items"]
    assert (some == [4 - len(items) for items in planted["some"].values()]).all()


# --------------------------------------------------------------------------- waves in time order


def waves_survey(labels) -> pd.DataFrame:
    """Two respondents per wave; importance of ``d`` rises by one point per wave in time order."""
    rows = [(f"{label}-{i}", label, "d", step + i, 3 + i) for step, label in enumerate(labels) for i in (0, 1)]
    return pd.DataFrame(rows, columns=["respondent_id", "wave", "dimension", "importance", "performance"])


def test_text_waves_are_ordered_by_time_not_by_appearance_or_spelling():
    change = dimensions.value_change(
        waves_survey(["2023-spring", "2023-autumn", "2024-autumn"]).iloc[[4, 5, 0, 1, 2, 3]]
    )
    assert (change.loc[0, "from"], change.loc[0, "to"]) == ("2023-spring", "2024-autumn")
    assert change.loc[0, "importance_change"] == 2
    assert change.attrs["waves"] == ["2023-spring", "2023-autumn", "2024-autumn"]
    assert change.attrs["wave_basis"] == "time"


@pytest.mark.parametrize(
    "labels",
    [
        ["2022冬", "2023年春季", "2023-summer", "Autumn 2023"],
        ["2023-Q4", "2024-01", "2024-02-15", "2024年第二季度", "2024-H2", "2025"],
        ["2023年5月", "2023/06", "2023.7", "2023年8月3日"],
        ["Q1 2023", "2023 q2", "2023_Q3"],
        ["2", "10", "11"],
    ],
)
def test_labels_custval_reads_as_times_or_numbers(labels):
    shuffled = labels[1::2] + labels[::2]
    assert dimensions.order_waves(shuffled) == labels


def test_wave_periods_are_the_documented_spans():
    span = parsing.period_span
    assert span("2023-winter") == (pd.Timestamp("2023-12-01"), pd.Timestamp("2024-03-01"))
    assert span("2023秋") == span("2023-fall") == (pd.Timestamp("2023-09-01"), pd.Timestamp("2023-12-01"))
    assert span("2023年下半年") == (pd.Timestamp("2023-07-01"), pd.Timestamp("2024-01-01"))
    assert span("2023-02-30") is None and span("2023-13") is None and span("wave one") is None


@pytest.mark.parametrize(
    "labels, named",
    [
        (["2023", "2023-spring"], "'2023' / '2023-spring'"),  # a year contains the spring
        (["2023-autumn", "2023秋"], "'2023-autumn' / '2023秋'"),  # one season, two spellings
        (["2022冬", "2023-01"], "'2022冬' / '2023-01'"),  # winter runs into January
        (["spring", "autumn"], "'autumn', 'spring'"),  # no year: no time order
        (["1", "2023-spring"], "'1'"),  # a wave number among times
    ],
)
def test_labels_without_an_unambiguous_time_order_are_an_error_asking_for_wave_order(labels, named):
    with pytest.raises(cv.DataError, match="wave_order") as error:
        dimensions.value_change(waves_survey(labels))
    assert named in str(error.value)


def test_wave_order_sets_the_order_and_must_list_every_wave():
    survey = waves_survey(["第一次", "第二次", "第三次"])
    change = dimensions.value_change(survey, order=["第一次", "第二次", "第三次"])
    assert (change.loc[0, "from"], change.loc[0, "to"], change.attrs["wave_basis"]) == ("第一次", "第三次", "parameter")
    numbers = waves_survey([1, 2])
    assert dimensions.value_change(numbers, order=["2", "1"]).loc[0, "importance_change"] == -1  # overrides the numbers
    with pytest.raises(cv.DataError, match="第三次"):
        dimensions.value_change(survey, order=["第一次", "第二次"])
    latest, label = dimensions.latest_wave(survey, order=["第三次", "第二次", "第一次"])
    assert label == "第一次" and set(latest["wave"]) == {"第一次"}


def test_one_wave_skips_the_comparison_and_wave_order_labels_the_data_lack_are_named():
    one = waves_survey(["first"])
    assert dimensions.survey_waves(one) == ["first"]  # one label needs no time order
    assert (
        dimensions.survey_waves(one.drop(columns="wave")) == [] and dimensions.survey_waves(one.assign(wave=None)) == []
    )
    assert dimensions.latest_wave(one)[1] == "first"
    assert dimensions.survey_waves(waves_survey([2, 1])) == [1, 2]
    survey = waves_survey(["第一次", "第二次"])
    assert dimensions.absent_waves(survey, ["第零次", "第一次", "第二次", "第三次"]) == ["第零次", "第三次"]
    assert dimensions.absent_waves(waves_survey([1, 2]), ["1", 2]) == [] and dimensions.absent_waves(survey, []) == []
    assert dimensions.absent_waves(survey.drop(columns="wave"), ["第一次"]) == ["第一次"]


def test_the_scale_midpoint_is_named_in_the_step_1_sentence():
    from custval.i18n import t

    survey = long_survey([("r1", "price", 7, 3), ("r2", "price", 5, 2)])
    center = dimensions.ipa(survey, center="scale")["center_importance"].iloc[0]
    assert t("vd_center_scale", lang="en", value=center) == "scale midpoint, 4"
    assert "4" in t("vd_step1", lang="zh", n=1, respondents=2, center=t("vd_center_scale", lang="zh", value=center))


def test_wave_order_parameter_is_validated():
    from custval.config import merge_parameters
    from custval.errors import ConfigError

    assert merge_parameters({"wave_order": ["2023-spring", 2]}, None)["wave_order"] == ["2023-spring", 2]
    for bad in ("2023-spring", ["a", "a"], [["a"]]):
        with pytest.raises(ConfigError, match="wave_order"):
            merge_parameters({"wave_order": bad}, None)


# --------------------------------------------------------------------------- firm versus customer


def needs_survey(means: dict) -> pd.DataFrame:
    """Two respondents per need whose importance averages to ``means[need]``."""
    rows = [(r, need, mean + delta) for need, mean in means.items() for r, delta in (("r1", -0.5), ("r2", 0.5))]
    return pd.DataFrame(rows, columns=["respondent_id", "dimension", "importance"])


def firm_sheet(ranks: dict, ranker=None) -> pd.DataFrame:
    frame = pd.DataFrame({"dimension": list(ranks), "rank": list(ranks.values())})
    return frame if ranker is None else frame.assign(ranker=ranker)


def test_firm_and_customer_rankings_side_by_side_with_spearman():
    survey = needs_survey({"价格": 6.0, "等待": 6.5, "环境": 4.0, "倾听": 5.0, "礼貌": 3.0})
    # customers: 等待 1, 价格 2, 倾听 3, 环境 4, 礼貌 5; the firm: 价格 1, 等待 2, 环境 3, 倾听 4, 礼貌 5
    table = dimensions.firm_vs_customer(survey, firm_sheet({"价格": 1, "等待": 2, "环境": 3, "倾听": 4, "礼貌": 5}))
    assert table["dimension"].tolist() == ["等待", "价格", "倾听", "环境", "礼貌"]
    assert table["customer_rank"].tolist() == [1, 2, 3, 4, 5] and table["firm_rank"].tolist() == [2, 1, 4, 3, 5]
    assert table["difference"].tolist() == [1, -1, 1, -1, 0]
    assert table["view"].tolist() == ["firm_underrates", "firm_overrates", "firm_underrates", "firm_overrates", "agree"]
    # Σd² = 4, n = 5: ρ = 1 − 6·4 / (5·(25 − 1)) = 0.8
    assert table.attrs["spearman"] == pytest.approx(0.8) and table.attrs["respondents"] == 2
    assert table.attrs["rankers"] == 1


def test_largest_disagreements_and_ties():
    survey = needs_survey({"a": 6.0, "b": 5.0, "c": 5.0, "d": 2.0})
    table = dimensions.firm_vs_customer(survey, firm_sheet({"d": 1, "a": 2, "b": 3, "c": 4}))
    assert table.set_index("dimension")["customer_rank"].to_dict() == {"a": 1, "b": 2.5, "c": 2.5, "d": 4}
    top = dimensions.rank_disagreements(table, top=2)
    assert top["dimension"].tolist() == ["d", "c"] and top["difference"].tolist() == [-3, 1.5]
    assert "b" not in dimensions.rank_disagreements(table)["dimension"].tolist()  # half a place: a tie, agree
    # ranks a = (1, 2), b = (2, 2.5), c = (2, 2.5), d = (4, 1): Pearson of the ranks by hand
    firm, customer = np.array([2, 3, 4, 1.0]), np.array([1, 2.5, 2.5, 4])
    expected = np.corrcoef(firm, customer)[0, 1]
    assert table.attrs["spearman"] == pytest.approx(expected)


def test_several_rankers_are_averaged():
    survey = needs_survey({"a": 6.0, "b": 5.0, "c": 4.0})
    sheet = pd.concat([firm_sheet({"a": 1, "b": 2, "c": 3}, "张"), firm_sheet({"a": 3, "b": 1, "c": 2}, "李")])
    table = dimensions.firm_vs_customer(survey, sheet).set_index("dimension")
    assert table["firm_rank"].to_dict() == {"a": 2.0, "b": 1.0, "c": 3.0}  # mean ranks 2, 1.5, 2.5
    assert table.attrs["rankers"] == 2


@pytest.mark.parametrize(
    "sheet, message",
    [
        (firm_sheet({"a": 1, "b": 2, "c": 3, "d": 4}), "'d'"),  # not a need of the survey
        (firm_sheet({"a": 1, "b": 2}), "'c'"),  # a need left unranked
        (pd.concat([firm_sheet({"a": 1, "b": 2, "c": 3}), firm_sheet({"a": 2})]), "'a'"),  # ranked twice
        (firm_sheet({"a": 1, "b": None, "c": 3}), "'b'"),  # no rank
        (pd.DataFrame({"need": ["a"], "rank": [1]}), "dimension"),  # column not mapped
    ],
)
def test_a_firm_sheet_that_does_not_match_the_survey_is_an_error(sheet, message):
    with pytest.raises(cv.DataError, match=message):
        dimensions.firm_vs_customer(needs_survey({"a": 6.0, "b": 5.0, "c": 4.0}), sheet)


def test_the_sample_firm_ranking_shows_the_planted_disagreements(sample_survey):
    ds, service = sample_survey
    truth = sample.generate().truth["firm_ranking"]
    latest, wave = dimensions.latest_wave(service)
    table = dimensions.firm_vs_customer(latest, ds.firm_ranking)
    assert wave == "2" and len(table) == 26
    assert set(dimensions.rank_disagreements(table, top=4)["dimension"]) == set(truth["disagreements"])
    assert 0 < table.attrs["spearman"] < 0.8


# --------------------------------------------------------------------------- what the report says


@pytest.fixture
def zh():
    i18n.set_lang("zh")
    yield
    i18n.set_lang("zh")


def brands_survey() -> pd.DataFrame:
    rows = [
        ("r1", "own", "price", 6, 3, 5.0),
        ("r1", "own", "产品价值", 5, 6, None),
        ("r1", "rival", "price", 6, 5, None),
        ("r2", "own", "price", 4, 4, None),
        ("r2", "own", "产品价值", 3, 5, None),
    ]
    columns = ["respondent_id", "brand", "dimension", "importance", "performance", "expectation"]
    return pd.DataFrame(rows, columns=columns)


def test_the_survey_parts_every_step_needs():
    survey = brands_survey()
    assert dimensions.has_ratings(survey) and not dimensions.has_ratings(None)
    assert not dimensions.has_ratings(survey.drop(columns="importance"))
    assert not dimensions.has_ratings(survey.assign(performance=np.nan))
    assert dimensions.own_brand(survey) == "own" and dimensions.own_brand(survey.drop(columns="brand")) is None
    own = dimensions.service_ratings(survey, "own")
    assert own["respondent_id"].tolist() == ["r1", "r2"] and set(own["dimension"]) == {"price"}
    assert dimensions.service_ratings(survey)["brand"].tolist() == ["own", "rival", "own"]
    assert dimensions.has_expectations(survey) and not dimensions.has_expectations(survey.iloc[1:])
    assert not dimensions.has_expectations(survey.drop(columns="expectation"))
    assert dimensions.has_delivered_items(survey) and not dimensions.has_delivered_items(own)


def test_step_1_names_the_dimensions_respondents_and_crosshair_and_lists_by_priority(zh):
    survey = long_survey(
        [
            ("r1", "price", 7, 3),
            ("r2", "price", 5, 3),
            ("r1", "gifts", 2, 7),
            ("r3", "gifts", 2, 5),
            ("r1", "decor", 3, 2),
            ("r2", "decor", 3, 2),
        ]
    )
    table = dimensions.ipa(survey)
    assert dimensions.ipa_notes(table, survey) == [("vd_step1", {"n": 3, "respondents": 3, "center": "各维度均值"})]
    scale = dimensions.ipa(survey, center="scale")
    assert dimensions.ipa_notes(scale, survey, center="scale")[0][1]["center"] == "量表中点 4"
    assert dimensions.ipa_by_priority(table)["dimension"].tolist() == ["price", "decor", "gifts"]  # 3, 1, −4


def test_strategic_cuts_and_the_step_2_sentence(zh):
    stated = pd.DataFrame({"dimension": list("wxyz"), "importance": [6.0, 6.0, 3.0, 2.0], "performance": [4.0] * 4})
    derived = pd.DataFrame({"dimension": list("wxyz"), "share": [0.5, 0.05, 0.4, 0.05], "method": "johnson"})
    derived.attrs["r2"] = 0.42
    table = dimensions.strategic_dimensions(stated, derived)
    assert table.attrs == {"stated_cut": 4.5, "derived_cut": 0.25}
    [(key, values)] = dimensions.strategic_notes(derived, table, target="switch_intent")
    assert key == "vd_step2"
    assert values == {"target_name": "转换意向", "method": "Johnson 相对权重", "r2": 0.42, "strategic": "w"}
    none = dimensions.strategic_dimensions(stated, derived.assign(share=[0.05, 0.05, 0.45, 0.45]))
    assert dimensions.strategic_notes(derived, none)[0][1]["strategic"] == "无"


def test_step_3_names_the_waves_and_the_dimensions_rising_and_fading(zh):
    rows = [
        (f"{wave}-{i}", wave, dimension, level + i % 2, 3 + i % 3)
        for wave, levels in ((1, {"up": 2, "down": 6, "flat": 4}), (2, {"up": 6, "down": 2, "flat": 4}))
        for dimension, level in levels.items()
        for i in range(10)
    ]
    survey = pd.DataFrame(rows, columns=["respondent_id", "wave", "dimension", "importance", "performance"])
    change = dimensions.value_change(survey)
    assert dimensions.changed_dimensions(change) == ["up", "down"]
    expected = {"n": 2, "basis": "按批次编号排序", "first": 1, "last": 2, "rising": "up", "fading": "down"}
    assert dimensions.value_change_notes(change) == [("vd_step3", expected)]
    flat = dimensions.value_change(survey[survey["dimension"] == "flat"])
    assert dimensions.changed_dimensions(flat) == []
    assert dimensions.value_change_notes(flat)[0][1]["rising"] == "无"
    assert dimensions.one_wave_notes(["2023春"]) == [("vd_step3_one_wave", {"wave": "2023春"})]
    assert dimensions.one_wave_notes([]) == [("vd_step3_one_wave", {"wave": "无"})]
    assert dimensions.unused_wave_notes(survey, [0, 1, 2, 3]) == [("vd_wave_order_unused", {"labels": "0、3"})]
    assert dimensions.unused_wave_notes(survey, [1, 2]) == [] and dimensions.unused_wave_notes(survey) == []


def test_the_firm_ranking_sentence_names_rankers_wave_and_disagreements(zh):
    survey = needs_survey({"价格": 6.0, "等待": 6.5, "环境": 4.0, "倾听": 5.0, "礼貌": 3.0})
    table = dimensions.firm_vs_customer(survey, firm_sheet({"价格": 1, "等待": 2, "环境": 3, "倾听": 4, "礼貌": 5}))
    [(key, values)] = dimensions.firm_ranking_notes(table)
    assert key == "vd_firm" and values["averaged"] == "" and values["wave"] == ""
    assert (values["respondents"], values["n"], values["rho"]) == (2, 5, pytest.approx(0.8))
    assert values["p"] == table.attrs["p_value"]
    assert values["items"].split("、") == [
        "等待(企业第 2,顾客第 1)",
        "价格(企业第 1,顾客第 2)",
        "倾听(企业第 4,顾客第 3)",
        "环境(企业第 3,顾客第 4)",
    ]
    sheet = pd.concat([firm_sheet({"a": 1, "b": 2}, "张"), firm_sheet({"a": 1, "b": 2}, "李")])
    same = dimensions.firm_vs_customer(needs_survey({"a": 6.0, "b": 5.0}), sheet)
    assert dimensions.rank_disagreements(same).empty  # no row made up from the agreeing needs
    agreed = dimensions.firm_ranking_notes(same, "2")
    assert agreed[0][1]["averaged"] == "(2 人排序的平均名次)" and agreed[0][1]["wave"] == "(调查批次 2)"
    assert agreed[0][1]["items"] == "无"


def test_the_kano_map_plots_minus_worse():
    table = pd.DataFrame({"feature": ["f", "g"], "better": [0.6, 0.2], "worse": [-0.8, 0.0]})
    mapped = dimensions.kano_map(table)
    assert mapped["worse"].tolist() == [0.8, 0.0] and mapped["better"].tolist() == [0.6, 0.2]
    assert table["worse"].tolist() == [-0.8, 0.0]


def test_delivered_value_sentences_steps_and_long_table():
    survey = delivered_rows(
        [
            *GAPPY_OWN,
            ("r4", "rival", "产品价值", 4, 7),
            ("r4", "rival", "货币成本", 2, 1),
            ("r4", "rival", "时间成本", 2, 1),
        ]
    )
    values = dimensions.delivered_value(survey)
    summary = dimensions.delivered_value_summary(values)
    notes = dimensions.delivered_value_notes(values, summary, "own")
    # own: TCV (6 + 7) / 2, TCC (4 + 6) / 2 over the two respondents with both; the rival delivers 7 − 1
    assert notes == [
        (
            "vd_delivered",
            {"tcv": 6.5, "tcc": 5.0, "cdv": 1.5, "ratio": pytest.approx((6 / 4 + 7 / 6) / 2), "best": "rival"},
        ),
        ("vd_delivered_no_cost", {"n": 1}),
        ("vd_delivered_partial_cost", {"n": 1}),
    ]
    steps = dimensions.delivered_value_steps(summary, "own")
    assert steps["step"].tolist() == ["tcv", "tcc"] and steps["value"].tolist() == [6.5, -5.0]
    long = dimensions.delivered_value_long(summary)
    assert list(long.columns) == ["brand", "measure", "score"]
    assert list(long.itertuples(index=False, name=None)) == [
        ("own", "tcv", 6.5),
        ("rival", "tcv", 7.0),
        ("own", "tcc", 5.0),
        ("rival", "tcc", 1.0),
        ("own", "cdv", 1.5),
        ("rival", "cdv", 6.0),
    ]


def test_the_improvement_list_numbers_the_first_positive_priorities(zh):
    problems = three_shortfalls()
    assert dimensions.improvement_notes(problems) == [
        ("vd_improvements", {"items": "1. b(未达差距 1.00)\n2. a(未达差距 3.00)"})
    ]  # c has no shortfall
    assert dimensions.improvement_notes(problems, top=1)[0][1]["items"] == "1. b(未达差距 1.00)"
    assert dimensions.improvement_notes(problems.iloc[2:])[0][1]["items"] == "无"
