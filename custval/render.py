"""HTML for a report run: each executed notebook (nbconvert) and the run's index page (Jinja2)."""

from __future__ import annotations

from pathlib import Path

import jinja2
import nbformat

from custval.i18n import get_lang, t

TEMPLATES = Path(__file__).parent / "templates"
# Cells that never show in a report: setup and checks, and papermill's parameter cells (their
# Chinese values are \u-escaped and the index lists the parameters readably anyway).
REMOVE_CELL_TAGS = {"remove_cell", "parameters", "injected-parameters"}
REMOVE_INPUT_TAGS = {"remove_input"}
STATUSES = ("ok", "failed", "timeout", "dead")
INDEX_KEYS = (
    "title",
    "run",
    "started",
    "duration",
    "notebooks",
    "notebook",
    "status",
    "error",
    "files",
    "failing_cell",
    "parameters",
    "inputs",
    "table",
    "file",
    "rows_read",
    "rows_used",
    "rows_rejected",
    "bytes",
    "outputs",
)


def render_html(path: Path) -> str:
    """A standalone page from an executed notebook: code hidden, images embedded, nothing fetched."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="custval_report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code="zh" if get_lang() == "zh" else "en",
    )
    remover = TagRemovePreprocessor(remove_cell_tags=REMOVE_CELL_TAGS, remove_input_tags=REMOVE_INPUT_TAGS)
    exporter.register_preprocessor(remover, enabled=True)
    nb = nbformat.read(path, as_version=4)
    resources = {"metadata": {"name": Path(path).stem, "path": str(Path(path).parent)}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def render_page(template: str, lang: str, **context) -> str:
    """A page from one of custval's Jinja2 templates: every value HTML-escaped, ``html_lang`` set."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    return env.get_template(template).render(html_lang="zh-CN" if lang == "zh" else "en", **context)


def render_index(manifest: dict) -> str:
    """The run's index page from its manifest; every value is HTML-escaped."""
    done = len(manifest["notebooks"])
    failed = sum(n["status"] != "ok" for n in manifest["notebooks"])
    keys = (
        *INDEX_KEYS,
        "interrupted_runs",
        "interrupted_runs_hint",
        "folder",
        "modified",
        "stopped_by",
        "finished",
        "checks",
        "exercise",
        "result",
        "errors",
        "warnings",
        "passed",
        "not_passed",
    )
    text = {key: t(f"index_{key}") for key in keys}
    if manifest["status"] == "interrupted":
        total = done + len(manifest["not_finished"])
        text["status_line"] = t("index_interrupted", signal=manifest["stopped_by"], done=done, total=total)
    else:
        text["status_line"] = (
            t("index_all_ok", total=done) if not failed else t("index_some_failed", failed=failed, total=done)
        )
    if manifest.get("checks"):  # a hand-in: the notebooks ran, but did the answers pass?
        checks = manifest["checks"]
        text["status_line"] += " " + t("index_checks_line", passed=sum(c["ok"] for c in checks), total=len(checks))
    return render_page(
        "run_index.html.j2",
        get_lang(),
        m=manifest,
        text=text,
        status_text={s: t(f"status_{s}") for s in (*STATUSES, "not_finished")},
    )
