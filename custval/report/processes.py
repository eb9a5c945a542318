"""Processes of a run (workers, kernels, runners): whether one still lives, and ending a group of them."""

from __future__ import annotations

from contextlib import suppress

import psutil


def alive(process: psutil.Process) -> bool:
    """Whether the process runs and is not a zombie waiting to be reaped."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def end(processes: list, grace: float) -> None:
    """SIGTERM to the processes, up to ``grace`` seconds for them to exit, then SIGKILL to whatever
    still lives. Not for processes multiprocessing started (see ``workers._stop_pool``)."""
    for process in processes:
        with suppress(psutil.Error):
            process.terminate()
    psutil.wait_procs(processes, timeout=grace)
    left = [p for p in processes if alive(p)]
    for process in left:
        with suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(left, timeout=grace)
