"""custval.i18n: texts read once from YAML files, one entry per key with both languages."""

import ast
from pathlib import Path

import pandas as pd
import pytest

from custval import i18n

PACKAGE = Path(i18n.__file__).parents[1]


def test_every_file_holds_entries_with_both_languages_side_by_side():
    files = sorted(Path(i18n.__file__).parent.glob("*.yml"))
    assert {"common.yml", "runner.yml", "02_segmentation.yml", "exercise_problems.yml"} <= {f.name for f in files}
    loaded = i18n._load()
    assert set(loaded["zh"]) == set(loaded["en"]) == set(i18n.TEXT["zh"])


def test_a_report_notebook_has_its_own_file():
    notebooks = sorted(p.stem for p in (PACKAGE.parent / "notebooks").glob("0*.ipynb"))
    assert notebooks and all((Path(i18n.__file__).parent / f"{stem}.yml").is_file() for stem in notebooks)


def test_texts_cannot_be_changed_by_an_importing_module():
    with pytest.raises(TypeError):
        i18n.TEXT["zh"]["err_not_found"] = "changed"
    with pytest.raises(TypeError):
        i18n.TEXT["fr"] = {}


def test_no_module_writes_into_the_texts():
    """Texts live in the YAML files: no ``TEXT[...].update`` or item assignment anywhere in the package."""
    writes = []
    for path in PACKAGE.joinpath("custval").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            target = node.func.value if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) else None
            if target is not None and node.func.attr in ("update", "setdefault") and "TEXT" in ast.unparse(target):
                writes.append(f"{path.name}:{node.lineno}")
    assert not writes


def test_a_key_defined_twice_or_missing_a_language_is_refused(tmp_path):
    (tmp_path / "a.yml").write_text("k:\n  zh: 一\n  en: one\n", encoding="utf-8")
    (tmp_path / "b.yml").write_text("k:\n  zh: 二\n  en: two\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'k' is defined in both a.yml and b.yml"):
        i18n._load(tmp_path)
    (tmp_path / "b.yml").write_text("m:\n  zh: 二\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'m' in b.yml needs exactly the languages"):
        i18n._load(tmp_path)


def test_texts_are_looked_up_in_the_chosen_language():
    assert i18n.t("err_not_found", lang="zh", file="a.csv") == "找不到文件 a.csv"
    assert i18n.t("err_not_found", lang="en", file="a.csv") == "File not found: a.csv"
    assert i18n.label("no_such_column", lang="en") == "no_such_column"


def test_named_shows_display_names_and_keeps_missing_values():
    frame = pd.DataFrame({"segment": ["champions", None, "lost"], "n": [1, 2, 3]})
    frame["band"] = pd.array(["on_time", pd.NA, "severe"], dtype="string")
    shown = i18n.named(frame, lang="zh", segment="seg", band="pay", absent="seg")
    assert shown["segment"].iloc[0] == "冠军客户" and shown["band"].iloc[2] == i18n.name("pay", "severe", lang="zh")
    assert shown["segment"].isna().iloc[1] and shown["band"].isna().iloc[1]
    assert list(shown.columns) == ["segment", "n", "band"] and shown["n"].tolist() == [1, 2, 3]
    assert frame["segment"].iloc[0] == "champions"
