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

The modules, as papermill splits the same work:

- ``run``: ``run_report``, the whole run from configuration to published folder;
- ``contract``: which notebooks run, the parameters cell each must have, what they read and are given;
- ``execute``: one notebook through papermill, its HTML page, the mark before a failed cell;
- ``workers``: notebooks one by one or in worker processes, and stopping them on a signal;
- ``kernels``: the kernels a process started, stopping them, their peak memory;
- ``processes``: whether a process lives, ending a group of processes;
- ``manifest``: ``manifest.json`` (inputs with hashes, results, checks) and ``index.html``;
- ``folders``: run ids, the ``.partial`` folder and its runner, ``latest``, earlier runs' leftovers.
"""

from custval.report.execute import NotebookResult
from custval.report.folders import RUNNER_FILE, clean_partials, runner_alive, stale_partials
from custval.report.run import RunResult, run_report
from custval.report.workers import RunInterrupted

__all__ = [
    "RUNNER_FILE",
    "NotebookResult",
    "RunInterrupted",
    "RunResult",
    "clean_partials",
    "run_report",
    "runner_alive",
    "stale_partials",
]
