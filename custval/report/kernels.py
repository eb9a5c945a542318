"""Kernels of a run: a kernel-manager class per notebook, every kernel this process started (so
``stop_kernels`` can end them all), and their peak memory.

``_KERNELS`` is this process's one registry: each worker process has its own and stops its own kernels.
"""

from __future__ import annotations

import os
import tempfile
import threading
import uuid
import weakref
from contextlib import suppress
from typing import ClassVar

import psutil

from custval.report.processes import end

KERNEL_GRACE = 2.0  # seconds a kernel gets to exit after SIGTERM before it is killed
MEMORY_INTERVAL = 0.2  # seconds between samples of a running kernel's memory
_KERNELS = weakref.WeakSet()  # every kernel manager this process created, for stop_kernels


def kernel_manager_class() -> type:
    """A kernel-manager class of its own for one notebook: its ``started`` list holds the managers it
    made (for the memory samples) and ``stop_kernels`` knows them all.

    Kernels talk over Unix sockets where there are any. Over TCP, kernels started side by side
    each pick free ports and bind them a moment later, and two can pick the same one
    ("Address already in use", then a start-up timeout)."""
    from jupyter_client import AsyncKernelManager  # only a run needs it

    class RunKernelManager(AsyncKernelManager):
        started: ClassVar[list] = []  # every kernel this process started, shared by the class
        if os.name == "posix":
            transport = "ipc"

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            if self.transport == "ipc":  # a short path: socket paths are limited to ~100 bytes
                self.ip = os.path.join(tempfile.gettempdir(), f"custval-kernel-{uuid.uuid4().hex[:16]}")
            type(self).started.append(self)
            _KERNELS.add(self)

    return RunKernelManager


def stop_kernels() -> None:
    """End every kernel this process started that still runs, with its children, and remove the
    kernels' connection and socket files."""
    end(kernel_trees(list(_KERNELS)), KERNEL_GRACE)
    for manager in list(_KERNELS):
        with suppress(Exception):
            manager.cleanup_connection_file()
            manager.cleanup_ipc_files()


def kernel_trees(managers: list) -> list[psutil.Process]:
    """The managers' running kernel processes with all their children."""
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


class PeakMemory:
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
        """Add up the kernels' memory now and keep the highest total."""
        total = 0
        for process in kernel_trees(self.managers):
            with suppress(psutil.Error):
                total += process.memory_info().rss
        self.peak = max(self.peak, total)

    @property
    def megabytes(self) -> float | None:
        return round(self.peak / 2**20, 1) if self.peak else None
