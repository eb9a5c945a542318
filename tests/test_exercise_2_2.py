"""Exercise 2-2 (service level): the checker on good and wrong answers, and the IPA by hand."""

from __future__ import annotations

from pathlib import Path

import exercise_support as support
import pandas as pd
import pytest

from custval import exercises
from custval.exercises import service

DATA = Path(__file__).resolve().parents[1] / "data" / "exercises"
EX = service.EXERCISE


def answer(tmp_path, frame, **options):
    return support.answer(tmp_path, EX, frame, **options)


codes = support.codes
problem = support.only


def test_worked_example_has_no_problems_in_csv_and_xlsx(tmp_path):
    assert exercises.start(EX, DATA / "example", lang="zh").problems.empty
    run = answer(tmp_path, service.example(), suffix=".xlsx")
    assert run.ok and run.problems.empty and len(run.rows) == 9


def test_english_headers_are_read(tmp_path):
    frame = service.example().set_axis([f.en for f in EX.fields], axis=1)
    run = answer(tmp_path, frame)
    assert run.ok and run.problems.empty
    assert run.rows["importance"].sum() == 34 and run.rows["performance"].sum() == 29


def test_repeated_aspect_is_named_with_its_rows(tmp_path):
    frame = service.example()
    frame.loc[4, "服务项目"] = "门店接待礼仪"  # the first aspect again, on spreadsheet row 6
    run = answer(tmp_path, frame)
    found = problem(run, "duplicate")
    assert codes(run) == ["duplicate"] and not run.ok
    assert found["row"] == 6 and found["column"] == "service aspect"
    assert "'门店接待礼仪'" in found["message"] and "rows 2, 6" in found["message"]


def test_fewer_than_five_aspects(tmp_path):
    run = answer(tmp_path, service.example().head(4))
    found = problem(run, "too_few_rows")
    assert "Only 4 rows" in found["message"] and "at least 5" in found["message"] and not run.ok


@pytest.mark.parametrize(
    ("column", "value", "code", "shown"),
    [
        ("对顾客的重要性", "6", "out_of_range", "'importance to customers' is 6; it must be between 1 and 5"),
        ("目前表现", "0", "out_of_range", "'current performance' is 0; it must be between 1 and 5"),
        ("目前表现", "3.5", "not_integer", "'current performance' says 3.5; a whole number"),
        ("对顾客的重要性", "高", "not_number", "'importance to customers' says '高'"),
        ("依据与理由", "", "required", "'evidence and reason' is empty"),
        ("服务项目", "", "required", "'service aspect' is empty"),
    ],
)
def test_bad_cells_name_row_column_and_value(tmp_path, column, value, code, shown):
    frame = service.example().astype(str)
    frame.loc[2, column] = value
    run = answer(tmp_path, frame)
    found = problem(run, code)
    assert found["row"] == 4  # header is row 1, the third answer is row 4
    assert "Row 4" in found["message"] and shown in found["message"]
    assert not run.ok


def test_missing_suggestion_is_fine(tmp_path):
    frame = service.example()
    frame["改进建议"] = ""
    run = answer(tmp_path, frame)
    assert run.ok and run.problems.empty


def test_identical_performance_is_only_a_note(tmp_path):
    frame = service.example()
    frame["目前表现"] = 3
    run = answer(tmp_path, frame)
    found = problem(run, "no_discrimination")
    assert codes(run) == ["no_discrimination"] and found["severity"] == "warning" and run.ok
    assert found["column"] == "current performance" and "'current performance' is 3" in found["message"]
    ipa = service.ipa_table(run.rows)  # the analysis still runs
    assert (ipa["center_performance"] == 3).all()


def test_identical_importance_is_a_note_in_chinese_too(tmp_path):
    frame = service.example()
    frame["对顾客的重要性"] = 4
    run = answer(tmp_path, frame, lang="zh")
    found = problem(run, "no_discrimination")
    assert run.ok and "「对顾客的重要性」一列全部填的是 4" in found["message"]


def test_many_bad_cells_are_all_reported_without_raising(tmp_path):
    frame = pd.DataFrame(
        {
            "服务项目": ["a", "a", "", "b", "c"],
            "对顾客的重要性": ["x", "9", "1.2", "", "3"],
            "目前表现": ["", "-1", "2", "5%", "3"],
            "依据与理由": ["", "", "", "", ""],
        }
    )
    run = answer(tmp_path, frame)
    assert not run.ok
    assert {"missing_column", "required", "not_number", "out_of_range", "not_integer"} <= set(codes(run))
    assert "duplicate" not in codes(run)  # cross-row rules need every column


# --------------------------------------------------------------------------- analysis, by hand


def rows() -> pd.DataFrame:
    return exercises.start(EX, DATA / "example").rows


def test_survey_frame_is_what_ipa_reads():
    frame = service.survey(rows())
    assert list(frame.columns) == ["respondent_id", "dimension", "importance", "performance"]
    assert frame["respondent_id"].nunique() == 1 and len(frame) == 9


def test_ipa_on_the_worked_example():
    ipa = service.ipa_table(rows()).set_index("aspect")
    # importance 4+5+4+4+5+3+3+4+2 = 34, performance 4+1+2+3+3+4+3+4+5 = 29, over 9 aspects
    assert ipa["center_importance"].iloc[0] == pytest.approx(34 / 9)
    assert ipa["center_performance"].iloc[0] == pytest.approx(29 / 9)
    assert ipa.loc["线上客服响应速度", "priority"] == 4
    assert ipa.loc["门店环境与陈列", "priority"] == -3
    assert ipa.loc["门店接待礼仪", "quadrant"] == "keep_up"
    assert ipa.loc["外卖配送时效", "quadrant"] == "keep_up"
    assert ipa.loc["直播间答疑", "quadrant"] == "low_priority"
    assert ipa.loc["会员积分与权益", "quadrant"] == "possible_overkill"
    assert ipa.loc["门店环境与陈列", "quadrant"] == "possible_overkill"
    assert ipa.loc["投诉处理", "suggestion"] == "投诉结案后 48 小时内电话回访"


def test_concentrate_here_in_priority_order():
    ipa = service.ipa_table(rows())
    # priorities 4, 2 (importance 5), 2 (importance 4), 1
    assert service.concentrate_here(ipa) == ["线上客服响应速度", "投诉处理", "产品知识讲解", "售后退换货"]


def test_service_index_by_hand():
    # Σ importance × performance = 16+5+8+12+15+12+9+16+10 = 103, Σ importance = 34
    assert service.service_index(rows()) == pytest.approx(103 / 34)
    assert service.verdict(103 / 34) == "ex22_middle"
    assert service.verdict(3.5) == "ex22_good" and service.verdict(2.49) == "ex22_poor"


def test_chart_points_join_aspects_at_one_position():
    points = service.chart_points(service.ipa_table(rows()))
    assert len(points) == 8
    shared = points[(points["performance"] == 4) & (points["importance"] == 4)]["aspect"].iloc[0]
    assert shared == "外卖配送时效 / 门店接待礼仪"


def test_shown_uses_template_headers():
    table = service.shown(service.ipa_table(rows()), lang="en")
    assert {"service aspect", "importance to customers", "evidence and reason"} <= set(table.columns)
