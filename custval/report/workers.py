"""Running a run's notebooks: one by one or in a pool of worker processes, and stopping them all on a signal.

SIGTERM or SIGINT to the runner stops the workers and every kernel (``RunInterrupted``); workers
whose runner was killed outright notice and stop their kernels themselves. The pool's workers are
spawned and import this module by name: everything they run is a module-level function here.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager, suppress
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path

import psutil

from custval import i18n
from custval.engines import cores
from custval.i18n import t
from custval.report.execute import NotebookResult, run_notebook
from custval.report.kernels import KERNEL_GRACE, stop_kernels
from custval.report.processes import alive, end

MAX_JOBS = 4  # notebooks at a time: each is a kernel with the data in memory
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
STOP_GRACE = 5.0  # seconds a worker gets to stop its kernel after SIGTERM before it is killed
WATCH_INTERVAL = 0.5  # seconds between a worker's checks that its runner still lives


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by SIGTERM or SIGINT. ``exit_code`` is 128 + the signal number (143, 130),
    ``folder`` the ``.partial`` folder holding the finished notebooks and the manifest."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.exit_code = 128 + signum
        self.folder: Path | None = None


@contextmanager
def stop_on_signals():
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
    if jobs == 1:
        _one_by_one(tasks, progress, done)
    else:
        _in_pool(tasks, jobs, progress, lang, done)
    return [done[i] for i in range(len(tasks))]


def _one_by_one(tasks: list[tuple], progress: bool, done: dict) -> None:
    """The tasks in this process, one after the other."""
    try:
        for position, task in enumerate(tasks, start=1):
            log(t("report_start", position=position, total=len(tasks), name=task[0].stem), progress)
            done[position - 1] = _logged(run_task(task), progress)
    except BaseException:
        stop_kernels()
        raise


def _in_pool(tasks: list[tuple], jobs: int, progress: bool, lang: str, done: dict) -> None:
    """The tasks in ``jobs`` worker processes."""
    # spawn, not fork: the workers start clean, without the parent's threads or open files
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=get_context("spawn"), initializer=_worker_setup, initargs=(os.getpid(), lang)
    )
    try:
        log(t("report_parallel", total=len(tasks), jobs=jobs), progress)
        futures = {pool.submit(run_task, task): position for position, task in enumerate(tasks)}
        for future in as_completed(futures):
            done[futures[future]] = _logged(future.result(), progress)
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown()


def run_task(task: tuple) -> NotebookResult:
    """``run_notebook(*task)``, in this process or a worker."""
    return _in_thread(run_notebook, *task)


def _logged(result: NotebookResult, progress: bool) -> NotebookResult:
    seconds = f"{result.duration_seconds:.1f}"
    log(t("report_done", name=result.name, status=t(f"status_{result.status}"), seconds=seconds), progress)
    return result


def log(message: str, progress: bool) -> None:
    """One line of the run's log on stderr, time-stamped unless progress bars show."""
    stamp = "" if progress else datetime.now().strftime("%Y-%m-%d %H:%M:%S ")
    print(f"{stamp}{message}", file=sys.stderr, flush=True)


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
    """Stop this worker's kernels and whatever else it started, then end the worker."""
    stop_kernels()
    end(psutil.Process().children(recursive=True), KERNEL_GRACE)
    os._exit(128 + signum)


def _watch_runner(runner_pid: int) -> None:
    """Poll until the runner is gone (killed outright, so it could not stop this worker), then exit."""
    with suppress(psutil.NoSuchProcess):
        runner = psutil.Process(runner_pid)
        while alive(runner) and os.getppid() == runner_pid:  # a killed runner's workers get a new parent at once
            time.sleep(WATCH_INTERVAL)
    _worker_exit(signal.SIGTERM)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """End the pool's workers (each stops its kernel first), then, after ``STOP_GRACE`` seconds,
    kill what is left of them and of their children.

    The workers are ended and waited for through multiprocessing, never psutil: a worker reaped
    behind multiprocessing's back looks alive to it for ever, and the pool's shutdown then spins.
    """
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
    end(children, KERNEL_GRACE)
