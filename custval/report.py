"""``custval report``: run every notebook with papermill and render a report folder.

A run is built in ``<out>/.<run-id>.partial`` and renamed to ``<out>/<run-id>`` only when it is
complete, so a folder without the dot prefix is never half-written; ``<out>/latest`` then points at
it. One failing notebook does not stop the others: its status, error and a link to the failing
cell go into ``index.html`` and ``manifest.json``, and the run's exit code is 1. User errors (bad
configuration, unusable data, a notebook without a parameters cell) raise before any notebook runs.

A run stopped from outside leaves no process behind: SIGTERM or SIGINT stops the workers and every
kernel and records the partial run as ``interrupted``; workers whose runner was killed outright
notice and stop their kernels themselves. The ``.partial`` folders such runs leave are listed by
the next run and removed by ``clean_partials`` (``custval report --clean``).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
import weakref
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat

from custval import __version__, i18n
from custval.config import (DEFAULT_PARAMETERS, OPTIONAL_RUNNER_PARAMETERS, PATH_PARAMETERS, RUN_PARAMETERS_ENV,
                            RUNNER_PARAMETERS, Config, read_config)  # fmt: skip
from custval.dataset import load
from custval.engines import cores
from custval.errors import ConfigError
from custval.i18n import t
from custval.io import parquet_parts
from custval.outputs import CHECK_SUFFIX, write_csv
from custval.render import render_html, render_index

KERNEL = "python3"
DEFAULT_TIMEOUT = 600  # seconds per cell
MAX_JOBS = 4  # notebooks at a time: each is a kernel with the data in memory
START_TIMEOUT = 120  # seconds for the kernel to start
ERROR_ANCHOR = "failed-cell"
ERROR_TAG = "custval-error"
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
STOP_GRACE = 5.0  # seconds a worker gets to stop its kernel after SIGTERM before it is killed
KERNEL_GRACE = 2.0  # seconds a kernel gets to exit after SIGTERM before it is killed
WATCH_INTERVAL = 0.5  # seconds between a worker's checks that its runner still lives
MEMORY_INTERVAL = 0.2  # seconds between samples of a running kernel's memory
STALE_AFTER = 24 * 3600  # a .partial folder untouched this long (seconds) and without a runner is a leftover
RUNNER_FILE = ".runner.json"  # in a .partial folder while its runner lives: its pid and start time
_KERNELS = weakref.WeakSet()  # every kernel manager this process created, for stop_kernels


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
    peak_memory_mb: float | None = None  # the kernel's, sampled every MEMORY_INTERVAL s; None if never seen


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


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by SIGTERM or SIGINT. ``exit_code`` is 128 + the signal number (143, 130),
    ``folder`` the ``.partial`` folder holding the finished notebooks and the manifest."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.exit_code = 128 + signum
        self.folder: Path | None = None


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
        if runner_alive(partial):
            raise ConfigError(t("err_run_running", folder=partial))
        shutil.rmtree(partial)
    progress = sys.stderr.isatty() if progress is None else progress
    if clean:
        removed = clean_partials(out)
        _log(t("report_cleaned", count=len(removed), names=", ".join(p.name for p in removed) or "-"), progress)
    partial.mkdir(parents=True)
    _claim(partial)
    write_csv(dataset.rejected, partial / "rejected_rows.csv")
    leftovers = [_leftover_record(p) for p in stale_partials(out)]
    if leftovers:
        _log(t("report_stale_partials", count=len(leftovers), out=out, names=", ".join(r["folder"] for r in leftovers)), progress)
    parameters = {**config.parameters, **resolved_paths(config), "config": str(config.path.resolve()),
                  "output_dir": str(partial.resolve()), "previous_grades": previous_grades(out)}  # fmt: skip
    jobs = max(1, min(jobs or default_jobs(), len(notebooks)))
    tasks = [(notebook, partial, {k: v for k, v in parameters.items() if k in declared}, timeout, progress and jobs == 1)
             for notebook, declared in notebooks.items()]  # fmt: skip

    def describe(results, **stopped):
        return build_manifest(run_id, config, dataset, results, started, datetime.now().astimezone(), partial,
                              leftovers=leftovers, declared=set().union(*notebooks.values()), **stopped)  # fmt: skip

    done: dict[int, NotebookResult] = {}
    with _stop_on_signals(), _kernels_see(config.parameters):
        try:
            results = run_all(tasks, jobs, progress, i18n.get_lang(), done)
        except RunInterrupted as stop:
            _record_stop(stop, partial, [task[0].stem for task in tasks], done, describe, progress)
            raise
    _write_manifest(describe(results), partial)
    (partial / RUNNER_FILE).unlink()
    folder = out / run_id
    os.rename(partial, folder)
    point_latest(out, run_id)
    return RunResult(folder=folder, notebooks=results)


@contextmanager
def _kernels_see(parameters: dict):
    """Within the block, the kernels this process and its workers start see the run's parameters
    (``custval.notebook.start`` reads them), also those their notebook does not declare."""
    before = os.environ.get(RUN_PARAMETERS_ENV)
    os.environ[RUN_PARAMETERS_ENV] = json.dumps(parameters, ensure_ascii=False)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(RUN_PARAMETERS_ENV, None)
        else:
            os.environ[RUN_PARAMETERS_ENV] = before


def _record_stop(stop: RunInterrupted, partial: Path, names: list[str], done: dict, describe, progress: bool) -> None:
    """Write the stopped run's manifest and index into its ``.partial`` folder and say so in one line."""
    stopped_by = signal.Signals(stop.signum).name
    not_finished = [name for position, name in enumerate(names) if position not in done]
    _write_manifest(describe([done[i] for i in sorted(done)], stopped_by=stopped_by, not_finished=not_finished), partial)
    (partial / RUNNER_FILE).unlink(missing_ok=True)
    stop.folder = partial
    _log(t("report_interrupted", signal=stopped_by, done=len(done), total=len(names), folder=partial), progress)


def _write_manifest(manifest: dict, folder: Path) -> None:
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (folder / "index.html").write_text(render_index(manifest), encoding="utf-8")


@contextmanager
def _stop_on_signals():
    """Within the block, SIGTERM and SIGINT raise ``RunInterrupted`` in this (the main) thread —
    once: a second signal during the clean-up is ignored. The previous handlers come back after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        for number in STOP_SIGNALS:
            signal.signal(number, signal.SIG_IGN)
        raise RunInterrupted(signum)

    previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    try:
        for number in STOP_SIGNALS:
            signal.signal(number, interrupt)
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)


def default_jobs() -> int:
    """One notebook per core this process may use, at most ``MAX_JOBS``."""
    return max(1, min(cores(), MAX_JOBS))


def run_all(tasks: list[tuple], jobs: int, progress: bool, lang: str, done: dict | None = None) -> list[NotebookResult]:
    """``run_notebook`` for every task, ``jobs`` at a time, logged as each starts and ends.

    Each result also goes into ``done`` (by task position) as it arrives, so a stopped run still
    knows what finished; whatever stops it (``RunInterrupted``, a bug), the workers and kernels are
    ended before the exception goes on.
    """
    done = {} if done is None else done
    total = len(tasks)
    if jobs == 1:
        try:
            for position, task in enumerate(tasks, start=1):
                _log(t("report_start", position=position, total=total, name=task[0].stem), progress)
                done[position - 1] = _logged(_in_thread(run_notebook, *task), progress)
        except BaseException:
            stop_kernels()
            raise
        return [done[i] for i in range(total)]
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    # spawn, not fork: the workers start clean, without the parent's threads or open files
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), initializer=_worker_setup,
                               initargs=(os.getpid(), lang))  # fmt: skip
    try:
        _log(t("report_parallel", total=total, jobs=jobs), progress)
        futures = {pool.submit(_run_in_worker, task): position for position, task in enumerate(tasks)}
        for future in as_completed(futures):
            done[futures[future]] = _logged(future.result(), progress)
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown()
    return [done[i] for i in range(total)]


def _run_in_worker(task: tuple) -> NotebookResult:
    return _in_thread(run_notebook, *task)


def _logged(result: NotebookResult, progress: bool) -> NotebookResult:
    _log(t("report_done", name=result.name, status=t(f"status_{result.status}"),
           seconds=f"{result.duration_seconds:.1f}"), progress)  # fmt: skip
    return result


def _in_thread(function, *args):
    """``function(*args)`` in a helper thread while this one waits.

    nbclient replaces the main thread's SIGINT and SIGTERM handlers while a notebook runs (and sets
    them to the defaults afterwards); off the main thread it leaves them alone, so the run's own
    handlers stay in force and reach the waiting main thread.
    """
    outcome = {}

    def target():
        try:
            outcome["value"] = function(*args)
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            _close_event_loop()

    thread = threading.Thread(target=target, name="custval-notebook", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.2)  # timed waits: a signal is handled between them on every platform
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _close_event_loop() -> None:
    """Close the event loop nbclient opened in this helper thread (each thread gets its own)."""
    import asyncio

    with suppress(RuntimeError):
        loop = asyncio.get_event_loop_policy().get_event_loop()
        if not loop.is_running():
            loop.close()


def _worker_setup(runner_pid: int, lang: str) -> None:
    """Tie a worker process to its runner: SIGTERM or the runner's death stops the worker's kernel
    and ends the worker. Ctrl-C reaches the whole process group; the runner alone acts on it."""
    i18n.set_lang(lang)
    signal.signal(signal.SIGINT, _ignore)  # a function, not SIG_IGN, which kernels started here would inherit
    signal.signal(signal.SIGTERM, _worker_exit)
    threading.Thread(target=_watch_runner, args=(runner_pid,), name="custval-watch-runner", daemon=True).start()


def _ignore(signum, frame) -> None:
    pass


def _worker_exit(signum: int = signal.SIGTERM, frame=None) -> None:
    import psutil

    stop_kernels()
    _end(psutil.Process().children(recursive=True), KERNEL_GRACE)
    os._exit(128 + signum)


def _watch_runner(runner_pid: int) -> None:
    """Poll until the runner is gone (killed outright, so it could not stop this worker), then exit."""
    import psutil

    with suppress(psutil.NoSuchProcess):
        runner = psutil.Process(runner_pid)
        while _alive(runner) and os.getppid() == runner_pid:  # a killed runner's workers get a new parent at once
            time.sleep(WATCH_INTERVAL)
    _worker_exit(signal.SIGTERM)


def _alive(process) -> bool:
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _stop_pool(pool) -> None:
    """End the pool's workers (each stops its kernel first), then, after ``STOP_GRACE`` seconds,
    kill what is left of them and of their children.

    The workers are ended and waited for through multiprocessing, never psutil: a worker reaped
    behind multiprocessing's back looks alive to it for ever, and the pool's shutdown then spins.
    """
    import psutil

    workers = list((pool._processes or {}).values())  # the pool's processes; there is no public accessor
    children = []
    for worker in workers:
        with suppress(psutil.Error):
            children += psutil.Process(worker.pid).children(recursive=True)
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        worker.terminate()
    deadline = time.monotonic() + STOP_GRACE
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.is_alive():
            worker.kill()
            worker.join(KERNEL_GRACE)
    _end(children, KERNEL_GRACE)


def _end(processes: list, grace: float) -> None:
    """SIGTERM to the processes, up to ``grace`` seconds for them to exit, then SIGKILL to whatever
    still lives. Not for processes multiprocessing started (see ``_stop_pool``)."""
    import psutil

    for process in processes:
        with suppress(psutil.Error):
            process.terminate()
    psutil.wait_procs(processes, timeout=grace)
    left = [p for p in processes if _alive(p)]
    for process in left:
        with suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(left, timeout=grace)


def stop_kernels() -> None:
    """End every kernel this process started that still runs, with its children, and remove the
    kernels' connection and socket files."""
    _end(_kernel_trees(list(_KERNELS)), KERNEL_GRACE)
    for manager in list(_KERNELS):
        with suppress(Exception):
            manager.cleanup_connection_file()
            manager.cleanup_ipc_files()


def _kernel_trees(managers: list) -> list:
    """The managers' running kernel processes with all their children (psutil processes)."""
    import psutil

    tree = []
    for pid in _running_kernels(managers):
        with suppress(psutil.Error):
            kernel = psutil.Process(pid)
            tree += [kernel, *kernel.children(recursive=True)]
    return tree


def _running_kernels(managers: list) -> list[int]:
    """The pids of the managers' kernel processes that have not exited (a pid that was waited for is never used)."""
    pids = []
    for manager in managers:
        process = getattr(getattr(manager, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            pids.append(process.pid)
    return pids


class _PeakMemory:
    """The highest memory (resident set of the kernel and its children) seen while the kernels of a
    kernel-manager class run, sampled every ``MEMORY_INTERVAL`` seconds in a thread: a spike
    shorter than that can be missed, and a kernel never sampled leaves it unknown (None)."""

    def __init__(self, managers: list):
        self.managers = managers
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, name="custval-memory", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _sample_until_stopped(self) -> None:
        while not self._stop.wait(MEMORY_INTERVAL):
            self.sample()

    def sample(self) -> None:
        import psutil

        total = 0
        for process in _kernel_trees(self.managers):
            with suppress(psutil.Error):
                total += process.memory_info().rss
        self.peak = max(self.peak, total)

    @property
    def megabytes(self) -> float | None:
        return round(self.peak / 2**20, 1) if self.peak else None


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
    """Execute one notebook into ``folder`` and render it; failures are recorded, not raised, and so
    is the kernel's peak memory (a dead kernel's error names it)."""
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    output = folder / path.name
    started = time.perf_counter()
    status, error = "ok", ""
    manager = _kernel_manager()
    with _PeakMemory(manager["kernel_manager_class"].started) as memory:
        try:
            papermill.execute_notebook(
                str(path), str(output), parameters=parameters, kernel_name=KERNEL, cwd=str(path.parent),
                progress_bar={"desc": path.stem, "leave": False} if progress else False,
                log_output=False, start_timeout=START_TIMEOUT, execution_timeout=timeout, **manager,
            )  # fmt: skip
        except PapermillExecutionError as exc:
            status, error = "failed", f"{exc.ename}: {exc.evalue}"
        except CellTimeoutError:
            status, error = "timeout", t("error_timeout", seconds=timeout)
        except DeadKernelError:
            status = "dead"
        except Exception as exc:  # kernel missing, unreadable notebook: record it, keep the others running
            status, error = "failed", f"{type(exc).__name__}: {exc}"
    if status == "dead":
        peak = t("error_peak_memory", megabytes=f"{memory.megabytes:,.0f}") if memory.megabytes else ""
        error = t("error_dead_kernel", peak=peak)
    duration = time.perf_counter() - started
    result = NotebookResult(name=path.stem, status=status, duration_seconds=round(duration, 3), error=error,
                            peak_memory_mb=memory.megabytes)  # fmt: skip
    if output.exists():
        result.ipynb = output.name
        if status != "ok":
            result.error_link = f"{path.stem}.html#{ERROR_ANCHOR}" if mark_failed_cell(output, error) else ""
        html = folder / f"{path.stem}.html"
        html.write_text(render_html(output), encoding="utf-8")
        result.html = html.name
    return result


def _kernel_manager() -> dict:
    """A kernel-manager class of its own for one notebook: its ``started`` list holds the managers it
    made (for the memory samples) and ``stop_kernels`` knows them all.

    Kernels talk over Unix sockets where there are any. Over TCP, kernels started side by side
    each pick free ports and bind them a moment later, and two can pick the same one
    ("Address already in use", then a start-up timeout)."""
    from jupyter_client import AsyncKernelManager

    class RunKernelManager(AsyncKernelManager):
        started: list = []
        if os.name == "posix":
            transport = "ipc"

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            if self.transport == "ipc":
                self.ip = os.path.join(tempfile.gettempdir(), f"custval-kernel-{uuid.uuid4().hex[:16]}")  # short: socket paths are limited to ~100 bytes
            type(self).started.append(self)
            _KERNELS.add(self)

    return {"kernel_manager_class": RunKernelManager}


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


def build_manifest(run_id, config, dataset, results, started, finished, folder: Path, leftovers=(), stopped_by: str = "",
                   not_finished=(), declared=None) -> dict:  # fmt: skip
    """Everything needed to trust or reproduce the run, machine-readable.

    ``stopped_by`` (a signal name) marks a run stopped before ``not_finished`` ran: its status is
    ``interrupted``. ``leftovers`` are the stopped runs' folders found next to it (``stale_partials``).
    ``declared`` (the parameters the run's notebooks declare) gives ``parameters_used``, the ones
    the index shows; ``checks`` holds the verdicts exercise notebooks wrote (``*_check.json``).
    """
    import pandas as pd

    tables = folder / "tables"
    status = "interrupted" if stopped_by else "ok" if all(r.status == "ok" for r in results) else "failed"
    return {
        "run_id": run_id,
        "status": status,
        **({"stopped_by": stopped_by, "not_finished": list(not_finished)} if stopped_by else {}),
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration_seconds": round((finished - started).total_seconds(), 3),
        "versions": {"custval": __version__, "python": platform.python_version(), "pandas": pd.__version__},
        "config": str(config.path.resolve()),
        "parameters": config.parameters,
        "parameters_used": sorted(k for k in config.parameters if declared is None or k in declared),
        "checks": _checks(tables),
        "inputs": [_input_record(spec, dataset) for spec in config.inputs.values()],
        "rows_rejected": len(dataset.rejected),
        "notebooks": [asdict(r) for r in results],
        "tables": sorted(p.name for p in tables.iterdir()) if tables.is_dir() else [],
        "rejected_rows": "rejected_rows.csv",
        "interrupted_runs": list(leftovers),
    }


def _checks(tables: Path) -> list[dict]:
    """The exercise verdicts the notebooks saved, by exercise."""
    paths = sorted(tables.glob(f"*{CHECK_SUFFIX}.json")) if tables.is_dir() else []
    return sorted((json.loads(p.read_text(encoding="utf-8")) for p in paths), key=lambda c: (c["exercise"], c["slug"]))


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
    while (out / candidate).exists() or (out / f".{candidate}.partial").exists():
        counter += 1
        candidate = f"{base}_{counter}"
    return candidate


def _claim(partial: Path) -> None:
    """Mark the ``.partial`` folder as this process's run, so no other run or ``--clean`` removes it."""
    import psutil

    record = {"pid": os.getpid(), "started": psutil.Process().create_time()}
    (partial / RUNNER_FILE).write_text(json.dumps(record) + "\n", encoding="utf-8")


def runner_alive(partial: Path) -> bool:
    """Whether the process that claimed the ``.partial`` folder still runs (same pid and start time)."""
    import psutil

    try:
        record = json.loads((partial / RUNNER_FILE).read_text(encoding="utf-8"))
        runner = psutil.Process(int(record["pid"]))
        return abs(runner.create_time() - float(record["started"])) < 1 and _alive(runner)
    except (OSError, ValueError, KeyError, TypeError, psutil.Error):
        return False


def stale_partials(out: Path, age: float = STALE_AFTER) -> list[Path]:
    """The ``.partial`` folders in ``out`` that stopped runs left: nothing in them changed for ``age``
    seconds (a day by default) and no living runner claims them. A stopped run's folder keeps the
    notebooks it finished; the day gives time to look at them, and a running run is never one."""
    if not out.is_dir():
        return []
    now = time.time()
    folders = (p for p in out.glob(".*.partial") if p.is_dir() and not p.is_symlink())
    return sorted(p for p in folders if now - _last_change(p) > age and not runner_alive(p))


def clean_partials(out: Path, age: float = STALE_AFTER) -> list[Path]:
    """Remove ``stale_partials(out, age)`` and return them."""
    removed = stale_partials(out, age)
    for folder in removed:
        with suppress(FileNotFoundError):  # gone already
            shutil.rmtree(folder)
    return removed


def _last_change(folder: Path) -> float:
    """The newest modification time of the folder and what is directly in it; now if it cannot be read."""
    try:
        return max([folder.stat().st_mtime, *(p.lstat().st_mtime for p in folder.iterdir())])
    except OSError:
        return time.time()


def _leftover_record(folder: Path) -> dict:
    """A stopped run's folder for the log and index: name, last change, and what its manifest says if it has one."""
    modified = datetime.fromtimestamp(_last_change(folder)).astimezone().isoformat(timespec="seconds")
    record = {"folder": folder.name, "modified": modified, "stopped_by": "", "finished": None}
    with suppress(OSError, ValueError, AttributeError):
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        record.update(stopped_by=manifest.get("stopped_by", ""), finished=len(manifest.get("notebooks", [])))
    return record


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
