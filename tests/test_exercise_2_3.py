"""Exercise 2-3 (products and competitors): the checker on good and wrong answers, the analysis by hand."""

from __future__ import annotations

from pathlib import Path

import exercise_support as support
import pandas as pd
import pytest

from custval import exercises
from custval.exercises import product

DATA = Path(__file__).resolve().parents[1] / "data" / "exercises"
EX = product.EXERCISE


def answer(tmp_path, frame, **options):
    return support.answer(tmp_path, EX, frame, **options)


codes = support.codes
problem = support.only


def example() -> pd.DataFrame:
    return product.example()


def test_worked_example_has_no_problems_in_csv_and_xlsx(tmp_path):
    assert exercises.start(EX, DATA / "example", lang="zh").problems.empty
    run = answer(tmp_path, example(), suffix=".xlsx")
    assert run.ok and run.problems.empty and len(run.rows) == 24


def test_english_headers_and_yes_no_spellings(tmp_path):
    frame = example().set_axis([f.en for f in EX.fields], axis=1)
    frame["own brand"] = frame["own brand"].map({"是": "Yes", "否": "no"})
    run = answer(tmp_path, frame)
    assert run.ok and run.problems.empty
    assert product.own_brand(run.rows) == "甜趣食品"


def test_a_brand_marked_own_on_some_rows_only(tmp_path):
    frame = example()
    frame.loc[8, "是否本企业"] = "是"  # 果仁家, 包装设计: spreadsheet row 10
    run = answer(tmp_path, frame)
    found = problem(run, "own_brand_mixed")
    assert codes(run) == ["own_brand_mixed"] and not run.ok
    assert found["row"] == 10 and found["column"] == "own brand"
    assert "'果仁家'" in found["message"] and "rows 10 differ" in found["message"]


def test_no_own_brand(tmp_path):
    frame = example()
    frame["是否本企业"] = "否"
    run = answer(tmp_path, frame)
    found = problem(run, "own_brand_missing")
    assert codes(run) == ["own_brand_missing"] and "'own brand'" in found["message"] and not run.ok


def test_two_own_brands_are_named(tmp_path):
    frame = example()
    frame.loc[frame["品牌"] == "果仁家", "是否本企业"] = "是"
    run = answer(tmp_path, frame)
    found = problem(run, "own_brand_several")
    assert codes(run) == ["own_brand_several"] and not run.ok
    assert "果仁家" in found["message"] and "甜趣食品" in found["message"]


def test_too_few_competitors(tmp_path):
    frame = example()
    frame = frame[frame["品牌"].isin(["甜趣食品", "果仁家"])]
    run = answer(tmp_path, frame)
    found = problem(run, "too_few_competitors")
    assert codes(run) == ["too_few_competitors"]
    assert "Only 1 competitor" in found["message"] and "at least 2" in found["message"]


def test_too_few_attributes(tmp_path):
    frame = example()
    frame = frame[frame["产品属性"].isin(["口味", "价格实惠"])]
    extra = frame[frame["品牌"] == "脆乐坊"].assign(品牌="香脆屋")  # 5 brands × 2 attributes = 10 rows
    run = answer(tmp_path, pd.concat([frame, extra]))
    found = problem(run, "too_few_attributes")
    assert codes(run) == ["too_few_attributes"]
    assert "Only 2 attribute" in found["message"] and "at least 3" in found["message"]


def test_missing_pair_names_brand_and_attribute(tmp_path):
    frame = example()
    frame = frame[~((frame["品牌"] == "味小鲜") & (frame["产品属性"] == "包装设计"))]
    run = answer(tmp_path, frame)
    found = problem(run, "pair_missing")
    assert codes(run) == ["pair_missing"] and not run.ok
    assert "'味小鲜'" in found["message"] and "'包装设计'" in found["message"]


def test_repeated_pair_names_its_rows(tmp_path):
    frame = example()
    frame = pd.concat([frame, frame.iloc[[13]]])  # 味小鲜, 价格实惠 (row 15) again on row 26
    run = answer(tmp_path, frame)
    found = problem(run, "pair_repeated")
    assert codes(run) == ["pair_repeated"] and found["row"] == 26
    assert "'味小鲜'" in found["message"] and "'价格实惠'" in found["message"] and "rows 15, 26" in found["message"]


def test_misspelt_brand_shows_up_as_missing_pairs(tmp_path):
    frame = example()
    frame.loc[12, "品牌"] = "味小仙"  # one row of 味小鲜 (口味) spelt differently
    run = answer(tmp_path, frame)
    missing = run.problems[run.problems["code"] == "pair_missing"]["message"]
    assert set(codes(run)) == {"pair_missing"} and len(missing) == 6  # 味小仙 × 5 attributes + 味小鲜 × 口味
    assert any("'味小鲜'" in m and "'口味'" in m for m in missing)


@pytest.mark.parametrize(
    ("column", "value", "code", "shown"),
    [
        ("评分", "7", "out_of_range", "'rating' is 7; it must be between 1 and 5"),
        ("评分", "4.5", "not_integer", "'rating' says 4.5; a whole number"),
        ("是否本企业", "maybe", "choice", "'own brand' says 'maybe'; it must be one of yes / no"),
        ("产品属性", "", "required", "'attribute' is empty"),
    ],
)
def test_bad_cells_name_row_column_and_value(tmp_path, column, value, code, shown):
    frame = example().astype(str)
    frame.loc[5, column] = value
    run = answer(tmp_path, frame)
    found = problem(run, code)
    assert found["row"] == 7 and "Row 7" in found["message"] and shown in found["message"] and not run.ok


def test_identical_ratings_are_a_note_and_leave_no_map(tmp_path):
    frame = example()
    frame["评分"] = 3
    run = answer(tmp_path, frame)
    assert codes(run) == ["no_discrimination"] and run.ok
    assert "'rating' is 3" in run.problems["message"][0]
    assert product.positioning(run.rows) is None


# --------------------------------------------------------------------------- analysis, by hand


def rows() -> pd.DataFrame:
    return exercises.start(EX, DATA / "example").rows


def test_advantages_against_the_best_competitor():
    edge = product.advantages(rows()).set_index("attribute")
    expected = {  # own, best competitor(s), their rating
        "口味": (4, "果仁家", 5),
        "价格实惠": (3, "脆乐坊", 5),
        "包装设计": (4, "果仁家", 4),
        "健康低糖": (3, "果仁家", 4),
        "购买便利": (5, "味小鲜", 4),
        "服务体验": (4, "味小鲜、果仁家", 3),
    }
    for attribute, (own, best, rating) in expected.items():
        assert edge.loc[attribute, "own_rating"] == own
        assert edge.loc[attribute, "best_competitor"] == best
        assert edge.loc[attribute, "gap"] == own - rating
    assert edge.index.tolist() == ["服务体验", "购买便利", "包装设计", "健康低糖", "口味", "价格实惠"]
    assert edge["position"].tolist() == ["advantage", "advantage", "par", "behind", "behind", "behind"]


def test_brand_scores_by_hand():
    scores = product.brand_scores(rows())
    assert scores["brand"].tolist() == ["甜趣食品", "果仁家", "味小鲜", "脆乐坊"]
    assert scores["rating"].tolist() == pytest.approx([23 / 6, 21 / 6, 20 / 6, 17 / 6])
    assert scores["rank"].tolist() == [1, 2, 3, 4] and scores["own"].tolist() == ["yes", "no", "no", "no"]


def test_positioning_map_of_the_example():
    positions = product.positioning(rows())
    brands = positions[positions["kind"] == "brand"].set_index("name")
    assert set(brands.index) == {"甜趣食品", "果仁家", "味小鲜", "脆乐坊"}
    assert len(positions) == 4 + 6 and sum(positions.attrs["explained_variance_ratio"]) <= 1 + 1e-12
    # 脆乐坊, the cheapest, lies opposite the others on the first axis, where price points.
    price = positions[(positions["kind"] == "attribute") & (positions["name"] == "价格实惠")].iloc[0]
    assert brands.loc["脆乐坊", "x"] == brands["x"].min() and price["x"] < 0
