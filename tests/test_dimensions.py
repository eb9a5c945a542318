"""Value dimensions: IPA, derived importance, Kano, gaps and delivered value on hand-made answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import custval as cv
from custval import dimensions, questionnaires, sample

ROOT = Path(__file__).resolve().parent.parent


def long_survey(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["respondent_id", "dimension", "importance", "performance"])


def test_ipa_quadrants_priority_and_diagonal():
    survey = long_survey([
        ("r1", "price", 7, 3), ("r2", "price", 5, 3),      # I 6, P 3: concentrate here
        ("r1", "service", 6, 6), ("r2", "service", 6, 6),  # I 6, P 6: keep up
        ("r1", "decor", 2, 2), ("r2", "decor", 2, 2),      # I 2, P 2: low priority
        ("r1", "gifts", 2, 7), ("r2", "gifts", 2, 5),      # I 2, P 6: possible overkill
    ])  # fmt: skip
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
    few = service[service["dimension"].isin(drivers + ["舒适的环境", "兴趣"])]
    table = dimensions.derived_importance(few, method="auto")
    assert table["method"].iloc[0] == "shapley" and set(table["dimension"].head(4)) == set(drivers)
    assert table["importance"].sum() == pytest.approx(table.attrs["r2"], abs=1e-9)
    assert dimensions.derived_importance(service)["method"].iloc[0] == "johnson"  # 26 dimensions
    with pytest.raises(ValueError, match="too many"):
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
    answers = pd.DataFrame({
        "respondent_id": list("abcdef"), "feature": ["f"] * 6,
        "functional": [1, 1, 2, 2, 1, 5], "dysfunctional": [5, 5, 5, 5, 3, 5],
    })  # fmt: skip
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
    assert table.to_dict() == dict(sample.KANO_FEATURES)


def test_gaps_weighted_and_by_group():
    survey = pd.DataFrame({
        "respondent_id": ["a", "a", "b", "b"], "dimension": ["d1", "d2", "d1", "d2"],
        "performance": [4, 6, 2, 6], "expectation": [5, 5, 5, 5],
    })  # fmt: skip
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
    fixed = dimensions.delivered_value(survey, weights={"产品价值": 1, "服务价值": 1, "货币成本": 1, "时间成本": 0}).iloc[0]
    assert fixed["tcv"] == pytest.approx(5.0) and fixed["tcc"] == pytest.approx(5.0)


def test_delivery_problems_rank_weighted_shortfalls():
    stated = pd.DataFrame({"dimension": ["a", "b", "c"], "importance": [6.0, 6.0, 6.0], "performance": [3.0, 5.0, 7.0],
                           "quadrant": ["concentrate_here"] * 3})  # fmt: skip
    derived = pd.DataFrame({"dimension": ["a", "b", "c"], "share": [0.2, 0.7, 0.1]})
    table = dimensions.delivery_problems(stated, derived)
    assert table["dimension"].tolist() == ["b", "a", "c"]  # 0.7 × 1 > 0.2 × 3 > 0.1 × 0
    assert table["priority"].tolist() == pytest.approx([0.7, 0.6, 0.0])


def test_templates_are_what_the_code_writes_and_read_back(tmp_path):
    written = questionnaires.write_templates(tmp_path)
    for name in ("survey_template.csv", "survey_example.csv", "kano_template.csv", "kano_example.csv"):
        assert (tmp_path / name).read_bytes() == (ROOT / "data" / "templates" / name).read_bytes(), name
    survey = cv.read_survey(written["survey_example.csv"])
    assert survey["dimension"].nunique() == 34 and survey["respondent_id"].nunique() == 6
    assert len(survey) == 6 * 34 and survey[["importance", "performance", "expectation"]].notna().all().all()
    kano = cv.read_kano(written["kano_example.csv"])
    assert len(kano) == 6 * len(sample.KANO_FEATURES)
    for table in ("survey", "kano"):
        committed = pd.read_excel(ROOT / "data" / "templates" / f"{table}_template.xlsx", sheet_name=None)
        first, notes = list(committed.values())
        assert list(first.columns) == list(pd.read_csv(written[f"{table}_template.csv"], encoding="utf-8-sig").columns)
        assert len(notes) == len(questionnaires.INSTRUCTIONS)


def test_a_filled_excel_template_reads_back(tmp_path):
    path = tmp_path / "answers.xlsx"
    questionnaires.survey_example().to_excel(path, index=False)
    survey = cv.read_survey(path)
    assert len(survey) == 6 * 34 and set(survey["brand"]) == {"本公司", "竞争对手甲"}
