"""End-to-end runs of ``custval report`` on a tiny generated data set in a temporary folder."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from custval import i18n, sample
from custval.cli import main
from custval.config import DEFAULT_PARAMETERS
from custval.dataset import load
from custval.datasets import read_cdnow
from custval.io import read_grades
from custval.parameters import REPORTS
from custval.report import run_report
from custval.report.kernels import kernel_manager_class
from custval.report.manifest import input_record, sha256

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAYLOAD = "<script>alert(1)</script>"

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def chinese_by_default():
    yield
    i18n.set_lang("zh")


# Spreadsheet formulas as customer names and ids (OWASP CSV injection): outputs must keep them text.
FORMULAS = ['=HYPERLINK("http://evil.example","点击领取")', "@SUM(1)", "+1", "-1+2", "\t=1+1", "=1+1"]
HOSTILE_IDS = {
    "C000001": "=2+3",
    "C000002": "@SUM(1)",
    "C000003": "+1",
    "C000004": "-1+2",
    "C000005": "\t=cmd|' /C calc'!A0",
}


def _hostile(path, columns, values=None):
    """Replace ids (everywhere) and, with ``values``, every cell of the first column by formulas."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in columns:
        frame[column] = frame[column].replace(HOSTILE_IDS)
    if values:
        frame[values] = [FORMULAS[i % len(FORMULAS)] + f" {i}" for i in range(len(frame))]
    frame.to_csv(path, index=False, lineterminator="\n")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of the project's config and notebooks over a 60-customer sample with hostile text:
    a script tag, formulas as every customer name and as five customer ids."""
    root = tmp_path_factory.mktemp("project")
    sample.write_sample(root / "data" / "sample", customers=60, seed=5)
    data = root / "data" / "sample"
    _hostile(data / "customers.csv", ["客户编号", "推荐人"], values="客户名称")
    _hostile(data / "survey.csv", ["customer_id"])
    _hostile(data / "transactions.csv", ["客户编号"])
    tx_path = data / "transactions.csv"
    tx = pd.read_csv(tx_path, dtype=str, keep_default_na=False)
    tx.loc[3, "地区"] = PAYLOAD
    buyer = tx.loc[tx["金额"].astype(float) > 0].iloc[0]
    big_return = buyer.copy()
    big_return["订单编号"], big_return["金额"] = "R-BIG", "-99999999.00"  # returns exceed purchases
    tx = pd.concat([tx, big_return.to_frame().T], ignore_index=True)
    tx.to_csv(tx_path, index=False, lineterminator="\n")
    shutil.copy(ROOT / "custval.yml", root / "custval.yml")
    shutil.copytree(ROOT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns("exercises", ".*"))
    return root


def report(project, *args) -> int:
    return main(["report", "--config", str(project / "custval.yml"), "--out", str(project / "reports"), *args])


@pytest.fixture(scope="module")
def english_run(project):
    """One run in English with as_of set on the command line."""
    code = report(project, "--name", "en-run", "--lang", "en", "--param", "as_of=2024-06-30", "--param", "period=Y")
    return code, project / "reports" / "en-run"


def test_run_succeeds_and_latest_points_at_it(english_run, project):
    code, folder = english_run
    assert code == 0
    assert (project / "reports" / "latest").resolve() == folder.resolve()
    assert not list((project / "reports").glob(".*partial"))


def test_run_folder_has_exactly_the_documented_contents(english_run):
    _, folder = english_run
    names = {p.name for p in folder.iterdir()}
    notebooks = {f"{n}.{ext}" for n in REPORTS for ext in ("ipynb", "html")}
    assert {"index.html", "manifest.json", "rejected_rows.csv", "tables", *notebooks} == names
    tables = {p.name for p in (folder / "tables").iterdir()}
    assert {"data_quality.csv", "coverage_month.csv", "coverage_region.csv", "anomalies.csv"} <= tables
    assert {"market_cube.csv", "abc_products.csv", "abc_customers.csv", "bcg.csv", "factor_scores.csv"} <= tables
    assert {"segments.csv", "keep_lists.xlsx", "contact_plan.csv"} <= tables
    assert {"ipa.csv", "importance.csv", "kano.csv", "delivered_value.csv", "improvement_priorities.csv"} <= tables
    assert {"grades.csv", "key_customers.xlsx", "dwyer.csv", "dwyer_inputs.csv", "model_params.json"} <= tables
    assert {"allocation.csv", "targets.csv", "cross_sell.csv", "win_back.csv", "referral_value.csv"} <= tables


def test_no_spreadsheet_cell_of_the_run_is_a_formula(english_run):
    """Formula-like names and ids are text in every workbook and CSV; numbers stay numbers."""
    import csv

    import openpyxl

    _, folder = english_run
    formulas, numbers = [], 0
    for path in sorted((folder / "tables").glob("*.xlsx")):
        for sheet in openpyxl.load_workbook(path).worksheets:
            for cell in (c for row in sheet.iter_rows() for c in row):
                assert cell.data_type != "f", (path.name, sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(("=", "@", "+", "-", "\t")):
                    formulas.append(cell.value)
                    assert cell.quotePrefix, (path.name, cell.coordinate)
                numbers += isinstance(cell.value, (int, float))
    assert any(f.startswith("=HYPERLINK") for f in formulas) and any(f.startswith("@SUM") for f in formulas)
    assert numbers > 0  # amounts and scores are still numeric cells
    plain_number = re.compile(r"^-\d+(\.\d+)?(e[+-]?\d+)?$")
    marked = 0
    for path in sorted([*(folder / "tables").glob("*.csv"), folder / "rejected_rows.csv"]):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                for field in row:
                    if field.startswith(("=", "+", "-", "@", "\t", "\r")):
                        assert plain_number.match(field) or field in ("+", "-"), (path.name, field)
                    marked += field.startswith(("'=", "'@", "'+", "'-", "'\t"))
    assert marked > 0
    grades = read_grades(folder / "tables" / "grades.csv")  # the suite reads its own tables back unchanged
    assert set(HOSTILE_IDS.values()) - {"\t=cmd|' /C calc'!A0"} <= set(grades["customer_id"])


def test_the_grading_page_says_which_method_horizon_and_discount(english_run):
    _, folder = english_run
    html = (folder / "04_value_grading.html").read_text(encoding="utf-8")
    record = json.loads((folder / "tables" / "model_params.json").read_text(encoding="utf-8"))
    assert record["horizon_years"] == 5 and record["discount_rate"] == 0.10
    assert "next <strong>5 years</strong>" in html and "<strong>10% a year</strong>" in html
    method = {"models": "Method: BG/NBD × Gamma-Gamma", "migration": "Method: the recency–frequency migration model"}
    assert method[record["method"]] in html
    grades = pd.read_csv(folder / "tables" / "grades.csv", encoding="utf-8-sig")
    assert set(grades["method"]) <= {record["method"], "only_returns"}


def test_the_resources_page_uses_the_grading_pages_grades(english_run):
    """05 grades with the same chain and parameters as 04: every grade it uses is 04's."""
    _, folder = english_run
    grades = pd.read_csv(folder / "tables" / "grades.csv", encoding="utf-8-sig", dtype={"customer_id": str}).set_index(
        "customer_id"
    )
    allocation = pd.read_csv(folder / "tables" / "allocation.csv", encoding="utf-8-sig", dtype={"customer_id": str})
    graded = allocation[allocation["customer_id"].isin(grades.index)]
    assert (
        len(graded) > 0 and (graded["grade"].to_numpy() == grades.loc[graded["customer_id"], "grade"].to_numpy()).all()
    )
    assert (
        allocation.loc[~allocation["customer_id"].isin(grades.index), "grade"] == "F"
    ).all()  # no purchase: the low/low cell
    lapsed = pd.read_csv(folder / "tables" / "win_back.csv", encoding="utf-8-sig", dtype={"customer_id": str})
    assert (lapsed["grade"].to_numpy() == grades.loc[lapsed["customer_id"], "grade"].to_numpy()).all()
    assert set(lapsed["customer_id"]) == set(grades.index[grades["lapsed"]])


def test_no_page_shows_object_reprs_or_temporary_paths(english_run):
    _, folder = english_run
    for page in [*folder.glob("*.html")]:
        html = page.read_text(encoding="utf-8")
        for leak in ("PosixPath(", "WindowsPath(", ".partial", "&lt;Axes", "<Axes", "object at 0x"):
            assert leak not in html, (page.name, leak)


def test_manifest_records_versions_parameters_inputs_and_status(english_run, project):
    _, folder = english_run
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok" and manifest["run_id"] == "en-run"
    assert set(manifest["versions"]) >= {"custval", "python", "pandas"}
    assert manifest["parameters"] == {**DEFAULT_PARAMETERS, "lang": "en", "as_of": "2024-06-30", "period": "Y"}
    inputs = {i["table"]: i for i in manifest["inputs"]}
    path = project / "data" / "sample" / "transactions.csv"
    assert inputs["transactions"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert inputs["transactions"]["bytes"] == path.stat().st_size
    assert (
        inputs["transactions"]["rows_read"]
        == inputs["transactions"]["rows_used"] + inputs["transactions"]["rows_rejected"]
    )
    assert [n["name"] for n in manifest["notebooks"]] == list(REPORTS)
    assert all(n["status"] == "ok" and n["duration_seconds"] > 0 for n in manifest["notebooks"])
    assert manifest["tables"] == sorted(p.name for p in (folder / "tables").iterdir())


def test_parameters_reach_the_notebook(english_run):
    _, folder = english_run
    nb = nbformat.read(folder / "00_data_quality.ipynb", as_version=4)
    assert nb.metadata.papermill.parameters["as_of"] == "2024-06-30"
    assert nb.metadata.papermill.parameters["lang"] == "en"
    outputs = json.dumps([c.get("outputs", []) for c in nb.cells], ensure_ascii=False)
    assert "Data quality" in outputs and "数据质量检查" not in outputs
    assert "2024-06-30" in outputs  # the parameters table and the as-of sentence show it
    assert "period" not in nb.metadata.papermill.parameters  # only what the notebook declares,
    html = (folder / "00_data_quality.html").read_text(encoding="utf-8")  # but it loads with every run parameter
    assert re.search(r">period</t[dh]>\s*<td[^>]*>Y</td>", html), "00's parameter table shows --param period=Y"
    market_nb = nbformat.read(folder / "01_market_scan.ipynb", as_version=4)
    assert market_nb.metadata.papermill.parameters["period"] == "Y"
    cube = pd.read_csv(folder / "tables" / "market_cube.csv", encoding="utf-8-sig", dtype={"period": str})
    assert sorted(cube["period"].unique()) == ["2022", "2023", "2024"]  # yearly, and nothing after as_of
    # the data-quality notebook covers everything read, including lines after as_of (flagged as future)
    assert pd.read_csv(folder / "tables" / "coverage_month.csv", encoding="utf-8-sig")["month"].max() == "2024-12"
    assert "future_date" in set(pd.read_csv(folder / "tables" / "anomalies.csv", encoding="utf-8-sig")["kind"])


def test_html_escapes_data_hides_code_and_needs_no_network(english_run):
    _, folder = english_run
    html = (folder / "00_data_quality.html").read_text(encoding="utf-8")
    assert PAYLOAD not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "run = start(" not in html and "import custval" not in html
    assert "<script src=" not in html and "cdnjs" not in html
    assert "Glyph" not in html and "findfont" not in html and "Traceback" not in html
    assert 'src="data:image/png;base64,' in html
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert PAYLOAD not in index and "00_data_quality.html" in index


def test_anomalies_table_lists_the_planted_return(english_run):
    _, folder = english_run
    found = pd.read_csv(folder / "tables" / "anomalies.csv", encoding="utf-8-sig")
    assert "returns_exceed_purchases" in set(found["kind"])


def test_a_relative_out_folder_gives_the_notebooks_the_runs_clean_tables(project, monkeypatch):
    """Page 00 checks that it opened the runner's store; kernels start in another folder."""
    monkeypatch.chdir(project)
    code = main(["report", "--config", "custval.yml", "--out", "relative", "--name", "r", "--only", "00_data_quality"])
    assert code == 0
    assert sorted(p.name for p in (project / "relative").iterdir()) == ["latest", "r"]  # no work folder left


def test_anonymized_run_shows_no_customer_id(project):
    assert report(project, "--name", "anon", "--param", "anonymize=true") == 0
    folder = project / "reports" / "anon"
    ids = pd.read_csv(project / "data" / "sample" / "transactions.csv", dtype=str)["客户编号"].dropna().unique()
    names = pd.read_csv(project / "data" / "sample" / "customers.csv", dtype=str)["客户名称"].dropna().unique()
    texts = [p.read_text(encoding="utf-8-sig") for p in folder.rglob("*") if p.suffix in (".html", ".csv", ".ipynb")]
    sheets = pd.read_excel(folder / "tables" / "keep_lists.xlsx", sheet_name=None, dtype=str)
    texts += [frame.to_csv() for frame in sheets.values()]
    leaked = [i for i in [*ids, *names] if len(i) > 3 and any(i in text for text in texts)]  # "+1" is in any page
    assert leaked == [] and sum(len(f) for f in sheets.values()) > 0
    found = pd.read_csv(folder / "tables" / "anomalies.csv", encoding="utf-8-sig")
    assert found["customer_id"].str.fullmatch(r"C-[0-9a-f]{10}").all() and len(found) > 0


def test_failing_and_timed_out_notebooks_do_not_stop_the_others(project, tmp_path, capsys):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(project / "notebooks", notebooks)
    for name in ("50_fails.ipynb", "60_sleeps.ipynb"):
        shutil.copy(FIXTURES / "notebooks" / name, notebooks / name)
    config = tmp_path / "custval.yml"
    text = (project / "custval.yml").read_text(encoding="utf-8").replace("data/sample/", f"{project}/data/sample/")
    config.write_text(text + f"notebooks: {notebooks}\n", encoding="utf-8")
    only = (
        "00_data_quality,04_value_grading,50_fails,60_sleeps"  # two real notebooks are enough to show the others go on
    )
    code = main(
        [
            "report",
            "--config",
            str(config),
            "--out",
            str(tmp_path / "reports"),
            "--name",
            "mixed",
            "--timeout",
            "20",
            "--only",
            only,
        ]
    )  # the fixture sleeps 60 s; real cells need far less than 20 s even on a loaded machine
    assert code == 1
    folder = tmp_path / "reports" / "mixed"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    status = {n["name"]: n for n in manifest["notebooks"]}
    assert {k: v["status"] for k, v in status.items()} == {
        "00_data_quality": "ok",
        "04_value_grading": "ok",
        "50_fails": "failed",
        "60_sleeps": "timeout",
    }
    assert manifest["status"] == "failed"
    assert "ValueError: planted failure" in status["50_fails"]["error"]
    assert status["50_fails"]["error_link"] == "50_fails.html#failed-cell"
    assert status["60_sleeps"]["error_link"] == "60_sleeps.html#failed-cell"
    failed_html = (folder / "50_fails.html").read_text(encoding="utf-8")
    assert 'id="failed-cell"' in failed_html and "planted failure" in failed_html
    assert (folder / "50_fails.ipynb").exists() and (folder / "60_sleeps.ipynb").exists()
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "50_fails.html#failed-cell" in index and "planted failure" in index
    assert "1 个笔记本失败" not in capsys.readouterr().out  # failures go to stderr


def test_bad_config_exits_2_before_any_notebook(project, tmp_path, capsys):
    config = tmp_path / "custval.yml"
    config.write_text((project / "custval.yml").read_text(encoding="utf-8") + "paramters: {}\n", encoding="utf-8")
    code = main(["report", "--config", str(config), "--out", str(tmp_path / "reports")])
    assert code == 2
    err = capsys.readouterr().err
    assert "paramters" in err and "inputs, columns, parameters, notebooks" in err and "Traceback" not in err
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "colour=red"], "colour"),
        (["--param", "anonymize=maybe"], "anonymize"),
        (["--param", "as_of=not-a-date"], "as_of"),
        (["--param", "horizon=12"], "horizon → horizon_years"),
        (["--param", "dwyer_by=地区"], "dwyer_by"),
        (["--only", "07_nothing"], "07_nothing"),
        (["--name", "../escape"], "../escape"),
    ],
)
def test_user_errors_exit_2_with_the_offending_value(project, tmp_path, capsys, args, message):
    code = main(["report", "--config", str(project / "custval.yml"), "--out", str(tmp_path / "r"), *args])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_unusable_data_exits_2(project, tmp_path, capsys):
    (tmp_path / "tx.csv").write_text("客户编号,金额\nA,1\n", encoding="utf-8")
    (tmp_path / "custval.yml").write_text(
        f"inputs:\n  transactions: tx.csv\nnotebooks: {project / 'notebooks'}\n", encoding="utf-8"
    )
    assert main(["report", "--config", str(tmp_path / "custval.yml"), "--out", str(tmp_path / "r")]) == 2
    assert "order_date" in capsys.readouterr().err


def test_notebook_without_parameters_cell_is_a_user_error(project, tmp_path, capsys):
    config = tmp_path / "custval.yml"
    text = (project / "custval.yml").read_text(encoding="utf-8").replace("data/sample/", f"{project}/data/sample/")
    config.write_text(text + f"notebooks: {FIXTURES / 'no_parameters'}\n", encoding="utf-8")
    assert main(["report", "--config", str(config), "--out", str(tmp_path / "r")]) == 2
    assert "parameters" in capsys.readouterr().err


def test_cdnow_shaped_data_runs_every_notebook_and_says_what_it_skipped(project, tmp_path):
    """Only customer, date and amount: no region, product, cost, market, factors or positioning."""
    read_cdnow().head(3000).to_csv(tmp_path / "cdnow.csv", index=False)
    (tmp_path / "custval.yml").write_text(
        f"inputs:\n  transactions: cdnow.csv\nnotebooks: {project / 'notebooks'}\nparameters:\n  lang: en\n",
        encoding="utf-8",
    )
    assert (
        main(["report", "--config", str(tmp_path / "custval.yml"), "--out", str(tmp_path / "r"), "--name", "cdnow"])
        == 0
    )
    folder = tmp_path / "r" / "cdnow"
    html = (folder / "01_market_scan.html").read_text(encoding="utf-8")
    assert "no profit or cost" in html
    for skipped in ("no region column", "No market table", "No factors table", "No positioning table"):
        assert skipped in html, skipped
    segmentation = (folder / "02_segmentation.html").read_text(encoding="utf-8")
    assert "No customers table" in segmentation and "no region column" in segmentation
    grades = pd.read_csv(folder / "tables" / "grades.csv", encoding="utf-8-sig")
    assert grades["grade"].isin(list("ABCDEF")).all() and grades["customer_id"].is_unique
    assert "current value is revenue" in (folder / "04_value_grading.html").read_text(encoding="utf-8")
    resources = (folder / "05_resources_retention.html").read_text(encoding="utf-8")
    assert "No salespeople table" in resources and "no product_category column" in resources
    # one acquisition cohort: no new customers lately, said in a line; no warning printed on the page
    assert "No new customers in the last two years" in resources and "Warning" not in resources
    values = (folder / "03_value_dimensions.html").read_text(encoding="utf-8")
    assert "A survey is needed" in values and "overall_satisfaction" in values and "合理的价格" in values
    segments = pd.read_csv(folder / "tables" / "segments.csv", encoding="utf-8-sig")
    assert segments["segment"].notna().all() and len(segments) == read_cdnow().head(3000)["customer_id"].nunique()
    abc = pd.read_csv(folder / "tables" / "abc_customers.csv", encoding="utf-8-sig")
    assert len(abc) == read_cdnow().head(3000)["customer_id"].nunique()


def test_a_second_run_shows_grade_migration_from_the_first(project, english_run):
    """The runner hands the previous run's grades.csv to the grading notebook."""
    assert report(project, "--name", "second", "--lang", "en", "--only", "04_value_grading") == 0
    folder = project / "reports" / "second"
    nb = nbformat.read(folder / "04_value_grading.ipynb", as_version=4)
    previous = nb.metadata.papermill.parameters["previous_grades"]
    assert previous.endswith("tables/grades.csv") and "reports/" in previous
    html = (folder / "04_value_grading.html").read_text(encoding="utf-8")
    assert "Grade migration since the previous run" in html and "No previous grades.csv" not in html


@pytest.mark.parametrize("jobs", [1, 2])
def test_notebooks_in_parallel_or_one_by_one_give_the_same_run(project, tmp_path, jobs):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("50_fails.ipynb", "60_sleeps.ipynb"):
        shutil.copy(FIXTURES / "notebooks" / name, notebooks / name)
    shutil.copy(project / "notebooks" / "00_data_quality.ipynb", notebooks / "00_data_quality.ipynb")
    config = tmp_path / "custval.yml"
    text = (project / "custval.yml").read_text(encoding="utf-8").replace("data/sample/", f"{project}/data/sample/")
    config.write_text(text + f"notebooks: {notebooks}\n", encoding="utf-8")
    result = run_report(config, out=tmp_path / "reports", params={"lang": "en"}, timeout=20, progress=False, jobs=jobs)
    assert [(n.name, n.status) for n in result.notebooks] == [
        ("00_data_quality", "ok"),
        ("50_fails", "failed"),
        ("60_sleeps", "timeout"),
    ]
    # the worker processes speak the run's language too
    assert result.notebooks[2].error == "a cell ran longer than 20 s and was interrupted (see --timeout)"
    assert (result.folder / "tables" / "data_quality.csv").exists()


def test_a_parquet_folder_input_is_fingerprinted_by_its_files(tmp_path):
    tx = pd.read_csv(ROOT / "data/sample/transactions.csv", dtype=str, keep_default_na=False)
    (tmp_path / "tx").mkdir()
    parts = [tmp_path / "tx" / "part-0.parquet", tmp_path / "tx" / "part-1.parquet"]
    tx.iloc[:100].to_parquet(parts[0]), tx.iloc[100:].to_parquet(parts[1])
    (tmp_path / "custval.yml").write_text("inputs:\n  transactions: tx\n", encoding="utf-8")
    dataset = load(tmp_path / "custval.yml")
    record = input_record(dataset.config.inputs["transactions"], dataset)
    assert record["bytes"] == sum(p.stat().st_size for p in parts) and record["sha256"] == sha256(*parts)
    assert record["rows_read"] == len(tx) and record["rows_used"] + record["rows_rejected"] == len(tx)


@pytest.mark.skipif(os.name != "posix", reason="Unix sockets only")
def test_kernels_side_by_side_never_share_sockets():
    managers = [kernel_manager_class()(kernel_name="python3") for _ in range(2)]
    assert {m.transport for m in managers} == {"ipc"} and managers[0].ip != managers[1].ip
    assert all(len(f"{m.ip}-65535") < 100 for m in managers)  # the limit of a Unix socket path
