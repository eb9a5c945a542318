"""Students see no model answers, the check cell re-reads the answer file, the course text is right."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from custval import exercises
from custval.exercises import macro, value_grades

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks" / "exercises"
EXAMPLE = ROOT / "data" / "exercises" / "example"
# What only the model answers show: their heading and the worked example's company.
SOLUTION_MARKERS = ("参考答案", "Model answer", exercises.EXAMPLE_COMPANY)
STUDENT_COMPANY = "学生自选企业"


def tags(cell) -> list:
    return cell.get("metadata", {}).get("tags", [])


def cells(name: str) -> list:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4).cells


def test_the_markers_are_in_the_solution_cells_and_only_there():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        solutions = "".join(c.source for c in nb.cells if "solution" in tags(c))
        others = "".join(c.source for c in nb.cells if "solution" not in tags(c))
        assert all(marker in solutions for marker in SOLUTION_MARKERS), path.name
        assert not any(marker in others for marker in SOLUTION_MARKERS), path.name


def student_repository(tmp_path: Path) -> Path:
    """A checkout as a student has it after ``make lab``: handin.yml, the hand-outs in
    build/exercises and answers/ filled in (the worked example, for the student's own company)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(ROOT / "handin.yml", repo / "handin.yml")
    exercises.handouts(NOTEBOOKS, repo / "build" / "exercises", answers="../../answers", keep=True)
    (repo / "answers").mkdir()
    for path in EXAMPLE.glob("*.csv"):
        text = path.read_text(encoding="utf-8-sig").replace(exercises.EXAMPLE_COMPANY, STUDENT_COMPANY)
        (repo / "answers" / path.name).write_text(text, encoding="utf-8-sig")
    return repo


def test_a_hand_in_renders_the_hand_outs_without_any_model_answer(tmp_path):
    from custval.report import run_report

    repo = student_repository(tmp_path)
    result = run_report(repo / "handin.yml", out=tmp_path / "reports", name="S2024001", progress=False)
    assert result.ok, [(n.name, n.error) for n in result.notebooks]
    assert sorted(n.name for n in result.notebooks) == sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    for name in (n.name for n in result.notebooks):  # every analysis ran on the student's answers
        assert pd.read_csv(result.folder / "tables" / f"{name}_problems.csv").empty, name
    assert STUDENT_COMPANY in (result.folder / "2-3_product_competitors.html").read_text(encoding="utf-8")
    outputs = [p for p in result.folder.rglob("*") if p.suffix in (".html", ".ipynb", ".csv", ".json", ".md", ".txt")]
    assert any(p.suffix == ".html" for p in outputs) and any(p.suffix == ".csv" for p in outputs)
    for path in [*outputs, *(repo / "build" / "exercises").glob("*.ipynb")]:
        text = path.read_text(encoding="utf-8", errors="replace")
        found = [marker for marker in SOLUTION_MARKERS if marker in text]
        assert not found, f"{path.relative_to(tmp_path)} shows {found}"


def test_the_student_commands_use_the_hand_outs():
    from custval.config import read_config

    handin = read_config(ROOT / "handin.yml")
    assert handin.notebooks.resolve() == (ROOT / "build" / "exercises").resolve()
    assert handin.parameters["answers"] == "answers"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipes = {m.group(1): m.group(2) for m in re.finditer(r"^([\w-]+):[^\n]*\n((?:\t[^\n]*\n)*)", makefile, re.M)}
    assert "$(HANDOUTS)" in recipes["lab"] and "notebooks/exercises" not in recipes["lab"]
    assert "handin.yml" in recipes["handin"] and "handouts" in recipes["handin"]
    assert "notebooks/exercises" in recipes["lab-teacher"]
    assert re.search(r"^HANDOUTS := build/exercises$", makefile, re.M)


def test_hand_outs_read_the_students_folder_and_keep_what_a_student_typed(tmp_path):
    out = tmp_path / "build" / "exercises"
    written = exercises.handouts(NOTEBOOKS, out, answers="../../answers")
    first = nbformat.read(written[0], as_version=4)
    assert 'answers: str = "../../answers"' in first.cells[0].source
    assert "../../data/exercises/example" not in first.cells[0].source
    assert [c.source for c in first.cells[1:]] == [
        c.source for c in cells(written[0].stem)[1:] if "solution" not in tags(c)
    ]
    first.cells[-1].source += "\n# my own notes"
    nbformat.write(first, written[0])
    written[1].unlink()
    again = exercises.handouts(NOTEBOOKS, out, answers="../../answers", keep=True)
    assert again == written and written[1].exists()
    assert nbformat.read(written[0], as_version=4).cells[-1].source.endswith("# my own notes")
    exercises.handouts(NOTEBOOKS, out, answers="../../answers")
    assert not nbformat.read(written[0], as_version=4).cells[-1].source.endswith("# my own notes")


# --------------------------------------------------------------------------- the check cell


def write_answer(folder: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(folder / "2-1_macro_environment.csv", index=False, encoding="utf-8-sig")


def test_the_check_reads_the_corrected_file_and_the_analysis_uses_it(tmp_path, monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(getattr(obj, "data", obj)))
    wrong = macro.example()
    wrong.loc[0, "权重"] = 0.5
    write_answer(tmp_path, wrong)
    run = exercises.start(macro.EXERCISE, tmp_path, lang="en")
    assert run.problems["code"].tolist() == ["sum_not_one"] and not run.ok

    write_answer(tmp_path, macro.example())
    run.check()
    assert run.ok and run.problems.empty
    assert run.rows["weight"].sum() == pytest.approx(1.0)
    assert macro.efe_table(run.rows)["weight"].iloc[0] == pytest.approx(0.15)  # the corrected weight, not 0.5
    assert any("No problems found" in str(s) for s in shown)
    shown.clear()

    (tmp_path / "2-1_macro_environment.csv").unlink()
    run.check()
    assert run.problems["code"].tolist() == ["unreadable"] and run.rows.empty
    assert any("1 problem(s) found" in str(s) for s in shown)


def test_every_check_cell_reads_the_file_again():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        sources = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        assert any(s.startswith("run.check()") for s in sources), path.name
        assert not any("run.report()" in s for s in sources), path.name


# --------------------------------------------------------------------------- course text


def grades_summary(grades: list[str]) -> pd.DataFrame:
    rows = exercises.start(value_grades.EXERCISE, EXAMPLE).rows
    return value_grades.grade_summary(rows.assign(grade=grades))


def test_the_summary_names_the_classes_actually_used():
    rows = exercises.start(value_grades.EXERCISE, EXAMPLE).rows
    summary = value_grades.grade_summary(rows)
    a = summary.set_index("grade").loc["A"]
    assert value_grades.summary_sentence(summary, "zh") == (
        "你把 30 位客户分成了 A、B、C 三类:A 类 6 位,"
        f"占目前价值的 {a['share_current_value']:.0%}、未来价值的 {a['share_future_value']:.0%}。"
    )
    assert value_grades.summary_sentence(summary, "en").startswith(
        "You put 30 customers into three classes, A, B and C: 6 in A,"
    )

    everyone_a = grades_summary(["A"] * len(rows))
    assert value_grades.summary_sentence(everyone_a, "zh") == "你的 30 位客户全部为 A 类。"
    assert value_grades.summary_sentence(everyone_a, "en") == "All 30 of your customers are in class A."

    no_a = grades_summary(["B" if g == "A" else g for g in rows["grade"]])
    sentence = value_grades.summary_sentence(no_a, "zh")
    assert sentence.startswith("你把 30 位客户分成了 B、C 两类:B 类 15 位,") and "三类" not in sentence
    assert value_grades.summary_sentence(no_a, "en").startswith(
        "You put 30 customers into two classes, B and C: 15 in B,"
    )


def test_the_cross_table_keeps_value_classes_and_grid_grades_apart():
    rows = exercises.start(value_grades.EXERCISE, EXAMPLE).rows
    _, versus = value_grades.compare_with_grid(rows)
    shown = value_grades.versus_table(versus, "zh")
    assert list(shown.columns) == ["value_class", *(f"等级 {g}" for g in "ABCDEF")]
    assert shown["value_class"].tolist() == ["A 类", "B 类", "C 类"]
    assert (shown.drop(columns="value_class").to_numpy() == versus[list("ABCDEF")].to_numpy()).all()
    english = value_grades.versus_table(versus, "en")
    assert english.columns[1] == "grade A" and english["value_class"].iloc[0] == "class A"
    from custval.i18n import label

    assert label("value_class", lang="zh") != label("grade", lang="zh")


def test_the_customer_grades_notebook_cites_figure_2_2_for_the_a_to_f_grades():
    text = "".join(c.source for c in cells("2-7_customer_grades") if c.cell_type == "markdown")
    assert "表 2-25 的列" not in text
    strategies = next(c.source for c in cells("2-7_customer_grades") if "A–F" in c.source and "图 2-2" in c.source)
    assert "Figure 2-2" in strategies and "表 2-25" in strategies  # A–F from figure 2-2, the answer table is 2-25


@pytest.mark.parametrize(("name", "beyond"), [("2-1_macro_environment", "EFE"), ("2-4_target_groups", "ABC")])
def test_notebooks_say_where_they_go_beyond_the_textbook(name, beyond):
    notes = [c.source for c in cells(name) if "课本之外" in c.source]
    assert len(notes) == 1 and "beyond the textbook" in notes[0] and beyond in notes[0]
