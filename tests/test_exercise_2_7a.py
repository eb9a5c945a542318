"""Exercise 2-7a (customer groups by channel): checker messages and the per-channel profile."""

from __future__ import annotations

from pathlib import Path

import exercise_support as support
import pandas as pd
import pytest

from custval import exercises
from custval.exercises import channels

DATA = Path(__file__).resolve().parents[1] / "data" / "exercises"


def answer(tmp_path, frame, **options):
    return support.answer(tmp_path, channels.EXERCISE, frame, **options)


only = support.only


def test_worked_example_is_fixed_data_with_thirty_customers(tmp_path):
    assert channels.example().equals(channels.example())
    run = answer(tmp_path, channels.example(), suffix=".xlsx")
    assert run.problems.empty and len(run.rows) == 30


def test_english_names_and_other_spellings_are_accepted(tmp_path):
    frame = channels.example().set_axis([f.en for f in channels.EXERCISE.fields], axis=1)
    frame["source channel"] = frame["source channel"].map(
        {"现有业务": "existing business", "市场调查": "问卷", "网络平台": "Online"}
    )
    frame["gender"] = frame["gender"].map({"男": "M", "女": "female", "未知": "unknown"})
    frame.loc[0, "age band"] = "26~35"
    frame.loc[1, "age band"] = "36-45岁"
    run = answer(tmp_path, frame)
    assert run.ok and run.problems.empty
    assert run.rows["source"].value_counts().to_dict() == {"existing": 12, "survey": 9, "online": 9}
    assert run.rows["age_band"].iloc[:2].tolist() == ["26-35", "36-45"]


def test_the_same_customer_id_twice(tmp_path):
    frame = channels.example()
    frame.loc[20, "客户编号"] = "C05"
    run = answer(tmp_path, frame)
    problem = only(run, "duplicate")
    assert problem["row"] == 22 and "'C05'" in problem["message"] and "rows 6, 22" in problem["message"]
    assert "'customer id'" in problem["message"] and not run.ok


def test_a_channel_with_no_customers(tmp_path):
    frame = channels.example()
    frame = frame[frame["来源渠道"] != "市场调查"]
    run = answer(tmp_path, frame)
    problem = only(run, "choice_missing")
    assert problem["severity"] == "error" and "'market survey'" in problem["message"]
    assert "'source channel'" in problem["message"] and not run.ok


def test_a_channel_with_few_customers_is_a_note(tmp_path):
    frame = channels.example()
    frame = frame.drop(index=frame.index[frame["来源渠道"] == "网络平台"][2:])  # keep two online customers
    run = answer(tmp_path, frame)
    problem = only(run, "source_few")
    assert problem["severity"] == "warning" and run.ok
    assert (
        "Only 2 customer(s)" in problem["message"]
        and "'online'" in problem["message"]
        and "fewer than 3" in problem["message"]
    )
    assert "'source channel'" in problem["message"]


def test_too_few_customers(tmp_path):
    frame = pd.concat([part.head(4) for _, part in channels.example().groupby("来源渠道", sort=False)])
    run = answer(tmp_path, frame)
    problem = only(run, "too_few_rows")
    assert "Only 12 rows" in problem["message"] and "at least 15" in problem["message"] and not run.ok


@pytest.mark.parametrize(
    ("column", "value", "code", "shown"),
    [
        ("年龄段", "30", "choice", "'30'; it must be one of <18 / 18-25 / 26-35 / 36-45 / 46-60 / >60"),
        ("性别", "保密", "choice", "'保密'; it must be one of male / female / unknown"),
        ("年消费额(元)", "-200", "out_of_range", "'yearly spend (yuan)' is -200"),
        ("年消费额(元)", "约两千", "not_number", "'约两千', which is not a number"),
        ("主要需求", "", "required", "'main need' is empty"),
    ],
)
def test_bad_cells_name_row_column_and_value(tmp_path, column, value, code, shown):
    frame = channels.example().astype(str)
    frame.loc[9, column] = value
    run = answer(tmp_path, frame)
    problem = only(run, code)
    assert problem["row"] == 11 and "Row 11" in problem["message"] and shown in problem["message"]
    assert not run.ok


def rows() -> pd.DataFrame:
    return exercises.start(channels.EXERCISE, DATA / "example").rows


def test_profile_of_the_worked_example():
    profile = channels.profile(rows()).set_index("source")
    assert profile.index.tolist() == ["existing", "survey", "online"]
    assert profile["customers"].tolist() == [12, 9, 9]
    assert profile["share"].tolist() == pytest.approx([0.4, 0.3, 0.3])
    # yearly spend by hand: existing 29,000 / 12, survey 5,700 / 9, online 15,000 / 9
    assert profile["mean_spend"].tolist() == pytest.approx([29000 / 12, 5700 / 9, 15000 / 9])
    # medians: existing (2,100 + 2,400) / 2, survey the 5th of 9 (600), online the 5th of 9 (1,600)
    assert profile["median_spend"].tolist() == [2250.0, 600.0, 1600.0]
    assert profile["top_age_band"].tolist() == ["26-35", "18-25", "26-35"]
    assert profile["top_need"].tolist() == ["下午茶零食", "新品尝鲜", "低糖健康"]
    assert profile["share_female"].tolist() == pytest.approx([7 / 12, 5 / 9, 6 / 9])


def test_ties_go_to_the_younger_band_and_the_first_need():
    frame = pd.DataFrame(
        {
            "source": ["existing"] * 4,
            "gender": ["female", "male", "unknown", "male"],
            "age_band": [">60", "18-25", ">60", "18-25"],
            "spend": [1.0, 2.0, 3.0, 4.0],
            "need": ["礼盒", "零食", "零食", "礼盒"],
        }
    )
    profile = channels.profile(frame)
    assert profile[["top_age_band", "top_need", "share_female"]].iloc[0].tolist() == ["18-25", "礼盒", 0.25]
    assert len(profile) == 1  # channels without customers are left out


def test_age_mix_of_the_worked_example():
    mix = channels.age_mix(rows())
    assert len(mix) == 3 * 6 and mix["customers"].sum() == 30
    survey = mix[mix["source"] == "survey"].set_index("age_band")["customers"]
    assert survey.tolist() == [2, 4, 1, 0, 1, 1]  # <18, 18-25, 26-35, 36-45, 46-60, >60
    assert mix.groupby("source", observed=True)["share"].sum().tolist() == pytest.approx([1.0, 1.0, 1.0])
    named = channels.named(mix, lang="en")
    assert list(named["source"].cat.categories) == ["existing business", "market survey", "online"]
    shown = channels.shown(channels.profile(rows()), lang="zh")
    assert shown["来源渠道"].tolist() == ["现有业务", "市场调查", "网络平台"] and shown["女性占比"].iloc[0] == "58.3%"
