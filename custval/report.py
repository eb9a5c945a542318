"""``custval report``: run every notebook with papermill and render a report folder.

A run is built in ``<out>/.<run-id>.partial`` and renamed to ``<out>/<run-id>`` only when it is
complete, so a folder without the dot prefix is never half-written; ``<out>/latest`` then points at
it. One failing notebook does not stop the others: its status, error and a link to the failing
cell go into ``index.html`` and ``manifest.json``, and the run's exit code is 1. User errors (bad
configuration, unusable data, a notebook without a parameters cell) raise before any notebook runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat

from custval import __version__, i18n
from custval.config import (DEFAULT_PARAMETERS, OPTIONAL_RUNNER_PARAMETERS, PATH_PARAMETERS, RUNNER_PARAMETERS, Config,
                            read_config)  # fmt: skip
from custval.dataset import load
from custval.engines import cores
from custval.errors import ConfigError
from custval.i18n import t
from custval.io import parquet_parts
from custval.outputs import write_csv
from custval.render import render_html, render_index

KERNEL = "python3"
DEFAULT_TIMEOUT = 600  # seconds per cell
MAX_JOBS = 4  # notebooks at a time: each is a kernel with the data in memory
START_TIMEOUT = 120  # seconds for the kernel to start
ERROR_ANCHOR = "failed-cell"
ERROR_TAG = "custval-error"
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass
class NotebookResult:
    """What happened to one notebook of a run."""

    name: str
    status: str  # ok, failed, timeout or dead (the kernel died)
    duration_seconds: float
    error: str = ""
    error_link: str = ""
    ipynb: str = ""
    html: str = ""


@dataclass
class RunResult:
    """A finished run: where it is, what each notebook did, and the exit code for the CLI."""

    folder: Path
    notebooks: list[NotebookResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(n.status == "ok" for n in self.notebooks)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    @property
    def index(self) -> Path:
        return self.folder / "index.html"


def run_report(
    config="custval.yml",
    out="reports",
    name: str | None = None,
    only=None,
    params: dict | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: bool | None = None,
    jobs: int | None = None,
) -> RunResult:
    """Execute and render the configured notebooks into a new run folder under ``out``.

    ``jobs`` notebooks run at a time (default: one per core, at most ``MAX_JOBS``), each in its own
    worker process and kernel; they are independent, so only the wall time changes. Results are
    listed in notebook order whatever order they finish in.
    """
    started = datetime.now().astimezone()
    config = read_config(config, overrides=params or None)
    i18n.set_lang(config.parameters["lang"])
    notebooks = select_notebooks(config, only)
    check_inputs(config, notebooks)
    out = Path(out)
    run_id = _run_id(out, name, started)
    dataset = load(config)  # unusable data stops the run here, before any notebook
    partial = out / f".{run_id}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    write_csv(dataset.rejected, partial / "rejected_rows.csv")
    progress = sys.stderr.isatty() if progress is None else progress
    parameters = {**config.parameters, **resolved_paths(config), "config": str(config.path.resolve()),
                  "output_dir": str(partial.resolve()), "previous_grades": previous_grades(out)}  # fmt: skip
    jobs = max(1, min(jobs or default_jobs(), len(notebooks)))
    tasks = [(notebook, partial, {k: v for k, v in parameters.items() if k in declared}, timeout, progress and jobs == 1)
             for notebook, declared in notebooks.items()]  # fmt: skip
    results = run_all(tasks, jobs, progress, i18n.get_lang())
    finished = datetime.now().astimezone()
    manifest = build_manifest(run_id, config, dataset, results, started, finished, partial)
    (partial / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (partial / "index.html").write_text(render_index(manifest), encoding="utf-8")
    folder = out / run_id
    os.rename(partial, folder)
    point_latest(out, run_id)
    return RunResult(folder=folder, notebooks=results)


def default_jobs() -> int:
    """One notebook per core this process may use, at most ``MAX_JOBS``."""
    return max(1, min(cores(), MAX_JOBS))


def run_all(tasks: list[tuple], jobs: int, progress: bool, lang: str) -> list[NotebookResult]:
    """``run_notebook`` for every task, ``jobs`` at a time, logged as each starts and ends."""
    total = len(tasks)
    if jobs == 1:
        results = []
        for position, task in enumerate(tasks, start=1):
            _log(t("report_start", position=position, total=total, name=task[0].stem), progress)
            results.append(_logged(run_notebook(*task), progress))
        return results
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    # spawn, not fork: the workers start clean, without the parent's threads or open files
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        _log(t("report_parallel", total=total, jobs=jobs), progress)
        futures = [pool.submit(_run_in_worker, lang, task) for task in tasks]
        return [_logged(future.result(), progress) for future in futures]


def _run_in_worker(lang: str, task: tuple) -> NotebookResult:
    """``run_notebook`` in a worker process, whose messages must be in the run's language too."""
    i18n.set_lang(lang)
    return run_notebook(*task)


def _logged(result: NotebookResult, progress: bool) -> NotebookResult:
    _log(t("report_done", name=result.name, status=t(f"status_{result.status}"),
           seconds=f"{result.duration_seconds:.1f}"), progress)  # fmt: skip
    return result


def select_notebooks(config: Config, only=None) -> dict[Path, set]:
    """The notebooks to run, in name order, with the parameters each declares.

    ``only`` names a subset (with or without ``.ipynb``).
    """
    folder = config.notebooks
    if folder is None or not folder.is_dir():
        raise ConfigError(t("err_notebooks_folder", folder=folder, file=config.path))
    available = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if only:
        wanted = [n.strip().removesuffix(".ipynb") for item in only for n in str(item).split(",") if n.strip()]
        by_stem = {p.stem: p for p in available}
        unknown = [n for n in wanted if n not in by_stem]
        if unknown:
            raise ConfigError(t("err_only", names=", ".join(unknown), valid=", ".join(by_stem)))
        available = [by_stem[n] for n in dict.fromkeys(wanted)]
    if not available:
        raise ConfigError(t("err_no_notebooks", folder=folder))
    return {path: check_parameters_cell(path) for path in available}


def resolved_paths(config: Config) -> dict[str, str]:
    """Path parameters made absolute against the configuration file's folder."""
    base = config.path.resolve().parent
    return {key: str((base / config.parameters[key]).resolve()) for key in PATH_PARAMETERS}


def check_inputs(config: Config, notebooks: dict[Path, set]) -> None:
    """What the selected notebooks read is there: transactions for notebooks that load the
    configured data (they declare ``config``), the answers folder for the exercises."""
    if "transactions" not in config.inputs and any("config" in declared for declared in notebooks.values()):
        raise ConfigError(t("err_config_no_transactions", file=config.path))
    folder = Path(resolved_paths(config)["answers"])
    if any("answers" in declared for declared in notebooks.values()) and not folder.is_dir():
        raise ConfigError(t("err_answers_folder", folder=folder, file=config.path))


def check_parameters_cell(path: Path) -> set:
    """The parameters a notebook declares in its cell tagged ``parameters``.

    Without that cell papermill would inject the values at the top, the notebook's own assignments
    would overwrite them, and the run would succeed with the defaults. Every notebook must declare
    ``lang``, ``output_dir`` and what it reads — ``config`` (the configured data) or ``answers``
    (an exercise's answer files) — so it can never analyse its own default data unnoticed; it is
    given only the parameters it declares, and a parameter no package default knows is an error
    (a typo would otherwise keep its default).
    """
    import papermill

    nb = nbformat.read(path, as_version=4)
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells):
        raise ConfigError(t("err_no_parameters_cell", notebook=path))
    declared = set(papermill.inspect_notebook(str(path)))
    missing = [p for p in ("lang", *RUNNER_PARAMETERS) if p not in declared and not (p == "config" and "answers" in declared)]
    if missing:
        raise ConfigError(t("err_parameters_missing", notebook=path, names=", ".join(missing)))
    unknown = sorted(declared - set(DEFAULT_PARAMETERS) - set(RUNNER_PARAMETERS) - set(OPTIONAL_RUNNER_PARAMETERS))
    if unknown:
        raise ConfigError(t("err_parameters_unknown", notebook=path, names=", ".join(unknown),
                            valid=", ".join(DEFAULT_PARAMETERS)))  # fmt: skip
    return declared


def run_notebook(path: Path, folder: Path, parameters: dict, timeout: float, progress: bool) -> NotebookResult:
    """Execute one notebook into ``folder`` and render it; failures are recorded, not raised."""
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    output = folder / path.name
    started = time.perf_counter()
    status, error = "ok", ""
    try:
        papermill.execute_notebook(
            str(path), str(output), parameters=parameters, kernel_name=KERNEL, cwd=str(path.parent),
            progress_bar={"desc": path.stem, "leave": False} if progress else False,
            log_output=False, start_timeout=START_TIMEOUT, execution_timeout=timeout, **_kernel_manager(),
        )  # fmt: skip
    except PapermillExecutionError as exc:
        status, error = "failed", f"{exc.ename}: {exc.evalue}"
    except CellTimeoutError:
        status, error = "timeout", t("error_timeout", seconds=timeout)
    except DeadKernelError as exc:
        status, error = "dead", t("error_dead_kernel", detail=str(exc).strip().splitlines()[0] if str(exc) else "")
    except Exception as exc:  # kernel missing, unreadable notebook: record it, keep the others running
        status, error = "failed", f"{type(exc).__name__}: {exc}"
    duration = time.perf_counter() - started
    result = NotebookResult(name=path.stem, status=status, duration_seconds=round(duration, 3), error=error)
    if output.exists():
        result.ipynb = output.name
        if status != "ok":
            result.error_link = f"{path.stem}.html#{ERROR_ANCHOR}" if mark_failed_cell(output, error) else ""
        html = folder / f"{path.stem}.html"
        html.write_text(render_html(output), encoding="utf-8")
        result.html = html.name
    return result


def _kernel_manager() -> dict:
    """Kernels talk over Unix sockets where there are any. Over TCP, kernels started side by side
    each pick free ports and bind them a moment later, and two can pick the same one
    ("Address already in use", then a start-up timeout)."""
    if os.name != "posix":
        return {}
    from jupyter_client import AsyncKernelManager

    class SocketFileKernelManager(AsyncKernelManager):
        transport = "ipc"

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.ip = os.path.join(tempfile.gettempdir(), f"custval-kernel-{uuid.uuid4().hex[:16]}")  # short: socket paths are limited to ~100 bytes

    return {"kernel_manager_class": SocketFileKernelManager}


def mark_failed_cell(path: Path, error: str) -> bool:
    """Insert a visible anchor before the cell that failed or was interrupted; False if none is found."""
    nb = nbformat.read(path, as_version=4)
    index = next((i for i, cell in enumerate(nb.cells) if _failed(cell)), None)
    if index is None:
        return False
    banner = nbformat.v4.new_markdown_cell(
        f'<a id="{ERROR_ANCHOR}"></a>\n\n**{t("error_cell_banner")}**\n\n`{_markdown_code(error)}`'
    )
    banner.metadata["tags"] = [ERROR_TAG]
    nb.cells.insert(index, banner)
    nbformat.write(nb, path)
    return True


def _failed(cell) -> bool:
    if cell.cell_type != "code":
        return False
    if cell.get("metadata", {}).get("papermill", {}).get("status") in ("running", "failed"):
        return True
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def _markdown_code(text: str) -> str:
    return text.replace("`", "'").replace("\n", " ")[:300]


def build_manifest(run_id, config, dataset, results, started, finished, folder: Path) -> dict:
    """Everything needed to trust or reproduce the run, machine-readable."""
    import pandas as pd

    tables = folder / "tables"
    return {
        "run_id": run_id,
        "status": "ok" if all(r.status == "ok" for r in results) else "failed",
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration_seconds": round((finished - started).total_seconds(), 3),
        "versions": {"custval": __version__, "python": platform.python_version(), "pandas": pd.__version__},
        "config": str(config.path.resolve()),
        "parameters": config.parameters,
        "inputs": [_input_record(spec, dataset) for spec in config.inputs.values()],
        "rows_rejected": len(dataset.rejected),
        "notebooks": [asdict(r) for r in results],
        "tables": sorted(p.name for p in tables.iterdir()) if tables.is_dir() else [],
        "rejected_rows": "rejected_rows.csv",
    }


def _input_record(spec, dataset) -> dict:
    quality = dataset.quality.set_index("table").loc[spec.table]
    if spec.on_engine:  # a table or remote path: the engine's, not a file to fingerprint here
        where = {"path": spec.source, "bytes": None, "sha256": None}
    else:
        parts = parquet_parts(spec.path) if spec.path.is_dir() else [spec.path]
        where = {"path": str(spec.path.resolve()), "bytes": sum(p.stat().st_size for p in parts), "sha256": sha256(*parts)}
    return {
        "table": spec.table,
        **where,
        "rows_read": int(quality["rows_read"]),
        "rows_used": int(quality["rows_used"]),
        "rows_rejected": int(quality["rows_rejected"]),
    }


def sha256(*paths: Path) -> str:
    """The SHA-256 of a file, or of a folder data set's files one after the other."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _run_id(out: Path, name: str | None, started: datetime) -> str:
    """``--name`` if valid and unused, else a timestamp (with a counter if that exists already)."""
    if name is not None:
        if not RUN_ID.match(name) or name == "latest":
            raise ConfigError(t("err_run_name", name=name))
        if (out / name).exists():
            raise ConfigError(t("err_run_exists", folder=out / name))
        return name
    base = started.strftime("%Y-%m-%d_%H%M%S")
    candidate, counter = base, 1
    while (out / candidate).exists():
        counter += 1
        candidate = f"{base}_{counter}"
    return candidate


def previous_grades(out: Path) -> str:
    """The newest finished run's ``tables/grades.csv`` (for grade migration), or "" when there is none."""
    path = out / "latest" / "tables" / "grades.csv"
    if not path.exists() and (out / "latest.txt").exists():
        path = out / (out / "latest.txt").read_text(encoding="utf-8").strip() / "tables" / "grades.csv"
    return str(path.resolve()) if path.exists() else ""


def point_latest(out: Path, run_id: str) -> None:
    """Make ``out/latest`` point at the run, replacing the old link in one step."""
    link = out / "latest"
    temporary = out / f".latest.{os.getpid()}"
    try:
        if temporary.is_symlink() or temporary.exists():
            temporary.unlink()
        temporary.symlink_to(run_id, target_is_directory=True)
        os.replace(temporary, link)
    except OSError:  # no symlinks (some Windows setups): name the run in a text file instead
        (out / "latest.txt").write_text(run_id + "\n", encoding="utf-8")


def _log(message: str, progress: bool) -> None:
    stamp = "" if progress else datetime.now().strftime("%Y-%m-%d %H:%M:%S ")
    print(f"{stamp}{message}", file=sys.stderr, flush=True)
