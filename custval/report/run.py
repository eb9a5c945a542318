"""A whole run: check the configuration, data and notebooks, execute the notebooks into a ``.partial``
folder, write the manifest and index, then publish the folder (or record why the run stopped)."""

from __future__ import annotations

import json
import os
import signal
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from custval import i18n
from custval.config import RUN_PARAMETERS_ENV, read_config
from custval.dataset import load_into
from custval.i18n import t
from custval.outputs import write_csv
from custval.report.contract import check_inputs, given, runner_parameters, select_notebooks
from custval.report.execute import DEFAULT_TIMEOUT, NotebookResult
from custval.report.folders import (
    claim,
    clean_partials,
    leftover_record,
    new_run_id,
    partial_folder,
    previous_grades,
    publish,
    release,
    remove_unclaimed,
    stale_partials,
    work_folder,
)
from custval.report.manifest import build_manifest, write_manifest
from custval.report.workers import RunInterrupted, default_jobs, log, run_all, stop_on_signals
from custval.store import STORE_ENV


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
    clean: bool = False,
) -> RunResult:
    """Execute and render the configured notebooks into a new run folder under ``out``.

    ``jobs`` notebooks run at a time (default: one per core, at most ``MAX_JOBS``), each in its own
    worker process and kernel; they are independent, so only the wall time changes. Results are
    listed in notebook order whatever order they finish in.

    While the notebooks run (and when called from the main thread), SIGTERM and SIGINT stop the
    run: workers and kernels are ended, the ``.partial`` folder gets a manifest and index with
    status ``interrupted``, ``latest`` is left alone, and ``RunInterrupted`` (a
    ``KeyboardInterrupt`` with ``exit_code`` 143 or 130) is raised; the caller's own signal
    handlers are back in place by then. Leftovers of earlier stopped runs (``stale_partials``) are
    logged and listed in the index; ``clean`` removes them first.

    The inputs are read and checked once, here, into a work folder of clean tables
    (``custval.store``) that every notebook opens; it is removed when the run ends.
    """
    started = datetime.now().astimezone()
    config = read_config(config, overrides=params or None)
    i18n.set_lang(config.parameters["lang"])
    notebooks = select_notebooks(config, only)
    check_inputs(config, notebooks)
    out = Path(out)
    run_id = new_run_id(out, name, started)
    with work_folder(out, run_id) as work:
        dataset = load_into(config, work)  # unusable data stops the run here, before any notebook
        with _kernels_see(STORE_ENV, str(work.resolve())):
            return _run(config, notebooks, dataset, out, run_id, started, timeout, progress, jobs, clean)


def _run(config, notebooks, dataset, out, run_id, started, timeout, progress, jobs, clean) -> RunResult:
    """The run once its data is read: the notebooks executed into the ``.partial`` folder, its
    manifest and index written, the folder published."""
    progress = sys.stderr.isatty() if progress is None else progress
    partial = _open(out, run_id, clean, progress)
    write_csv(dataset.rejected, partial / "rejected_rows.csv")
    leftovers = _leftovers(out, progress)
    jobs = max(1, min(jobs or default_jobs(), len(notebooks)))
    parameters = runner_parameters(config, partial, previous_grades(out))
    tasks = _tasks(notebooks, parameters, partial, timeout, progress and jobs == 1)
    declared = set().union(*notebooks.values())

    def describe(results, **stopped):
        """The run's manifest as it stands; ``stopped`` says what a signal left unfinished."""
        finished = datetime.now().astimezone()
        facts = {"leftovers": leftovers, "declared": declared, **stopped}
        return build_manifest(run_id, config, dataset, results, started, finished, partial, **facts)

    results = _execute(tasks, jobs, progress, config.parameters, partial, describe)
    write_manifest(describe(results), partial)
    return RunResult(folder=publish(out, run_id), notebooks=results)


def _open(out: Path, run_id: str, clean: bool, progress: bool) -> Path:
    """The run's ``.partial`` folder, new and claimed; ``clean`` first removes what stopped runs left."""
    partial = partial_folder(out, run_id)
    remove_unclaimed(partial)
    if clean:
        removed = clean_partials(out)
        log(t("report_cleaned", count=len(removed), names=", ".join(p.name for p in removed) or "-"), progress)
    claim(partial)
    return partial


def _tasks(notebooks: dict[Path, set], parameters: dict, partial: Path, timeout: float, progress: bool) -> list:
    """``run_notebook``'s arguments for each notebook; it is given only the parameters it declares."""
    return [(path, partial, given(parameters, declared), timeout, progress) for path, declared in notebooks.items()]


def _leftovers(out: Path, progress: bool) -> list[dict]:
    """The folders stopped runs left in ``out``, logged in one line when there are any."""
    leftovers = [leftover_record(p) for p in stale_partials(out)]
    if leftovers:
        names = ", ".join(r["folder"] for r in leftovers)
        log(t("report_stale_partials", count=len(leftovers), out=out, names=names), progress)
    return leftovers


def _execute(tasks: list[tuple], jobs: int, progress: bool, parameters: dict, partial: Path, describe) -> list:
    """Run the tasks under the run's signal handlers; a signal records the stopped run before it goes on."""
    done: dict[int, NotebookResult] = {}
    with stop_on_signals(), _kernels_see(RUN_PARAMETERS_ENV, json.dumps(parameters, ensure_ascii=False)):
        try:
            return run_all(tasks, jobs, progress, i18n.get_lang(), done)
        except RunInterrupted as stop:
            _record_stop(stop, partial, [task[0].stem for task in tasks], done, describe, progress)
            raise


@contextmanager
def _kernels_see(variable: str, value: str):
    """Within the block, the kernels this process and its workers start see ``variable``: the
    run's parameters (also those their notebook does not declare) and its clean tables, which
    ``custval.notebook.start`` reads."""
    before = os.environ.get(variable)
    os.environ[variable] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = before


def _record_stop(stop: RunInterrupted, partial: Path, names: list[str], done: dict, describe, progress: bool) -> None:
    """Write the stopped run's manifest and index into its ``.partial`` folder and say so in one line."""
    stopped_by = signal.Signals(stop.signum).name
    not_finished = [name for position, name in enumerate(names) if position not in done]
    write_manifest(describe([done[i] for i in sorted(done)], stopped_by=stopped_by, not_finished=not_finished), partial)
    release(partial)
    stop.folder = partial
    log(t("report_interrupted", signal=stopped_by, done=len(done), total=len(names), folder=partial), progress)
