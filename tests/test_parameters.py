"""The parameter registry: the notebooks' parameters cells, the README table, config's defaults and checks
all agree with it, and its allowed values are the owning modules' own."""

from __future__ import annotations

import ast
import importlib
import json
import re
import shutil
from pathlib import Path

import papermill
import pytest

from custval import allocation, config, dimensions, grading, i18n, market, parameters
from custval.errors import ConfigError
from custval.parameters import CONFIGURED, REGISTRY, REPORTS, cell_source, generate
from custval.segment import payment, rfm

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXERCISES = sorted((NOTEBOOKS / "exercises").glob("*.ipynb"))
# parameter → the owning module's allowed values: the registry must hold these very objects
OWNERS = {
    "lang": i18n.LANGS,
    "period": market.PERIODS,
    "value": market.MEASURES,
    "rfm_rules": rfm.RULE_SETS,
    "rfm_center": rfm.CENTERS,
    "rfm_frequency_per": rfm.FREQUENCY_PER,
    "rfm_method": rfm.SCORE_METHODS,
    "slow_payer_bands": payment.PAYMENT_BANDS,
    "target": dimensions.TARGETS,
    "importance_method": dimensions.METHODS,
    "ipa_center": dimensions.IPA_CENTERS,
    "future_method": grading.FUTURE_METHODS,
    "grade_method": grading.CUT_METHODS,
    "fit_weights": allocation.DEFAULT_WEIGHTS,
    "hours_per_grade": grading.GRADES,
}
WRONG_TYPE = {str: [], bool: "yes", int: 2.5, float: "ten", list: "text", dict: [1]}


def read_notebook(folder: Path, stem: str) -> dict:
    return json.loads((folder / f"{stem}.ipynb").read_text(encoding="utf-8"))


def parameters_cells(folder: Path) -> dict[str, str]:
    """The source of the first cell (tagged parameters) of each report notebook in ``folder``."""
    cells = {}
    for stem in REPORTS:
        first = read_notebook(folder, stem)["cells"][0]
        assert "parameters" in first["metadata"].get("tags", []), stem
        cells[stem] = "".join(first["source"])
    return cells


def bad_values(p: parameters.Parameter) -> list:
    """Values the entry must refuse: one of the wrong type and, for a choice, a text that is none of them."""
    return [WRONG_TYPE[p.type], *(["|".join(map(str, p.choices))] if p.choices else [])]


@pytest.mark.parametrize("stem", REPORTS)
def test_each_report_notebooks_parameters_cell_is_generated_from_the_registry(stem):
    regenerate = "python -m custval.parameters --write-cells notebooks/"
    assert parameters_cells(NOTEBOOKS)[stem] == cell_source(stem), f"regenerate the cells: {regenerate}"


def test_write_cells_rewrites_only_the_parameters_cells(tmp_path):
    shutil.copytree(NOTEBOOKS, tmp_path / "notebooks")
    before = {stem: read_notebook(tmp_path / "notebooks", stem) for stem in REPORTS}
    written = generate.write_cells(tmp_path / "notebooks")
    assert [p.stem for p in written] == list(REPORTS)
    assert parameters_cells(tmp_path / "notebooks") == {stem: cell_source(stem) for stem in REPORTS}
    for stem, old in before.items():
        text = (tmp_path / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8")
        new = json.loads(text)
        assert text == json.dumps(new, ensure_ascii=False, indent=1) + "\n"
        assert new["metadata"] == old["metadata"] and new["cells"][1:] == old["cells"][1:]
        new["cells"][0].pop("source"), old["cells"][0].pop("source")
        assert new["cells"][0] == old["cells"][0]
        declared = papermill.inspect_notebook(str(tmp_path / "notebooks" / f"{stem}.ipynb"))
        assert list(declared) == [p.name for p in REGISTRY if stem in p.notebooks]
        assert all(declared[p.name]["help"] for p in REGISTRY if stem in p.notebooks)


@pytest.mark.parametrize("stem", REPORTS)
def test_cells_start_with_config_and_keep_lines_short(stem):
    lines = cell_source(stem).splitlines()
    assert lines[0].startswith("config: str = ") and lines[-1].startswith("output_dir: str = ")
    assert all(len(line) <= 120 for line in lines), [line for line in lines if len(line) > 120]
    assert all(re.fullmatch(r"\w+: (str|bool|int|float|list|dict) = .+  # .+ / .+", line) for line in lines)


def test_cell_source_refuses_a_notebook_that_is_not_a_report():
    with pytest.raises(ValueError, match="2-1_macro_environment.*00_data_quality"):
        cell_source("2-1_macro_environment")


@pytest.mark.parametrize("stem", REPORTS)
def test_each_entrys_notebooks_are_the_notebooks_that_declare_it(stem):
    declared = set(papermill.inspect_notebook(str(NOTEBOOKS / f"{stem}.ipynb")))
    assert declared == {p.name for p in REGISTRY if stem in p.notebooks}


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.name)
def test_exercise_notebooks_declare_the_exercise_parameters(path):
    declared = papermill.inspect_notebook(str(path))
    assert set(declared) == {p.name for p in REGISTRY if p.exercises}
    assert all(p["help"] for p in declared.values())


def test_every_configured_parameter_is_used_by_a_notebook():
    assert all(p.notebooks or p.exercises for p in CONFIGURED)
    assert all(p.role == parameters.CONFIG or p.check is None for p in REGISTRY)


def test_the_readme_table_is_generated_from_the_registry():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    regenerate = "python -m custval.parameters --readme README.md"
    assert parameters.readme_section(readme) == parameters.readme_table(), f"regenerate the table: {regenerate}"


def test_write_readme_replaces_only_the_table_between_the_markers(tmp_path):
    path = tmp_path / "README.md"
    path.write_text(f"# x\n\n{parameters.README_START}\n| old |\n{parameters.README_END}\n\nrest\n", encoding="utf-8")
    generate.main(["--readme", str(path)])
    text = path.read_text(encoding="utf-8")
    assert text == f"# x\n\n{parameters.README_START}\n{parameters.readme_table()}{parameters.README_END}\n\nrest\n"
    assert all(f"| `{p.name}` |" in text for p in CONFIGURED) and "`previous_grades`" not in text


def test_config_takes_its_lists_from_the_registry():
    defaults = {p.name: p.default for p in CONFIGURED}
    assert defaults == config.DEFAULT_PARAMETERS and list(defaults) == list(config.DEFAULT_PARAMETERS)
    runner = (config.RUNNER_PARAMETERS, config.OPTIONAL_RUNNER_PARAMETERS, config.PATH_PARAMETERS)
    assert runner == (("config", "output_dir"), ("previous_grades",), ("answers",))
    renamed = {"horizon": "horizon_years", "unit": "horizon_years", "discount": "discount_rate"}
    assert renamed == config.RENAMED_PARAMETERS


def test_merged_defaults_are_fresh_copies():
    merged = config.merge_parameters(None, None)
    merged["hours_per_grade"]["A"] = 99
    merged["slow_payer_bands"].append("slight")
    assert allocation.HOURS_PER_GRADE["A"] == 2.0 and config.merge_parameters(None, None) == config.DEFAULT_PARAMETERS


def test_allowed_values_are_the_owning_modules_objects():
    assert {p.name for p in REGISTRY if p.allowed is not None} == set(OWNERS)
    for name, owned in OWNERS.items():
        assert parameters.BY_NAME[name].allowed is owned, name


@pytest.mark.parametrize("p", [p for p in CONFIGURED if p.choices], ids=lambda p: p.name)
def test_every_choice_is_accepted_and_listed_in_the_hint(p):
    for choice in p.choices:
        assert p.check(choice) and str(choice) in p.hint and str(choice) in p.help_zh()


@pytest.fixture
def new_rule_set(monkeypatch):
    """The registry as it is built when segment.rfm gains a rule set; rebuilt from the real one afterwards."""
    monkeypatch.setattr(rfm, "RULE_SETS", (*rfm.RULE_SETS, "new-rules"))
    yield importlib.reload(parameters)
    monkeypatch.undo()
    importlib.reload(parameters)


def test_a_new_rule_set_is_accepted_and_listed_without_editing_the_registry(new_rule_set):
    entry = new_rule_set.BY_NAME["rfm_rules"]
    assert entry.check("new-rules") and "new-rules" in entry.hint
    assert "new-rules" in new_rule_set.cell_source("02_segmentation")
    assert config.merge_parameters(None, {"rfm_rules": "new-rules"})["rfm_rules"] == "new-rules"


def test_the_defaults_pass_their_checks():
    assert not parameters.problems(config.merge_parameters(None, None))
    assert all(p.check(p.default) for p in CONFIGURED)


@pytest.mark.parametrize("p", CONFIGURED, ids=lambda p: p.name)
def test_a_bad_value_is_refused_naming_the_parameter(p):
    for bad in bad_values(p):
        with pytest.raises(ConfigError) as info:
            config.merge_parameters(None, {p.name: bad})
        message = str(info.value)
        assert re.search(rf"\b{p.name}\b", message) and repr(bad) in message, message
        assert p.hint in message or p.name in parameters.conflicts({**config.DEFAULT_PARAMETERS, p.name: bad})


def test_the_check_hints_are_the_ones_users_know():
    hints = {p.name: p.hint for p in CONFIGURED}
    assert hints["lang"] == "zh / en" and hints["period"] == "M / Q / Y" and hints["value"] == "amount / profit"
    assert hints["rfm_rules"] == " / ".join((*rfm.RULE_SETS, "custom"))
    bands = "a list of on_time / slight / moderate / severe, e.g. [moderate, severe]; [] marks nobody"
    assert hints["slow_payer_bands"] == bands
    assert hints["fit_weights"] == "{industry, seniority, performance, region} → non-negative weights"


def _imports(path: Path) -> tuple[set[str], list[str]]:
    """custval modules a file imports, and the ones it imports inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names, nested = set(), []
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    inner = {id(n) for f in functions for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("custval"):
            found = {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
        elif isinstance(node, ast.Import):
            found = {a.name for a in node.names if a.name.startswith("custval")}
        else:
            continue
        names |= found
        if id(node) in inner:
            nested += sorted(found)
    return names, nested


def test_config_and_the_registry_import_at_module_level_and_config_not_grading():
    for module in ("config.py", "parameters/__init__.py", "parameters/generate.py"):
        nested = _imports(ROOT / "custval" / module)[1]
        assert not nested, (module, nested)
    assert not any("grading" in name for name in _imports(ROOT / "custval" / "config.py")[0])


def test_the_modules_the_registry_reads_never_import_config_or_the_registry():
    names, _ = _imports(ROOT / "custval" / "parameters" / "__init__.py")
    owners = {name.split(".")[1] for name in names if name.count(".") >= 1}
    assert owners == {"allocation", "dimensions", "grading", "i18n", "market", "segment"}
    for owner in sorted(owners):
        base = ROOT / "custval" / owner
        for file in sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]:
            assert not _imports(file)[0] & {"custval.config", "custval.parameters"}, file
