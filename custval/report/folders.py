"""Run folders: the run's name, its ``.partial`` folder and who claims it, ``latest``, and what earlier runs left.

A run is built in ``<out>/.<run-id>.partial`` and renamed to ``<out>/<run-id>`` only when it is
complete, so a folder without the dot prefix is never half-written; ``<out>/latest`` then points at
it. While its runner lives, a ``.partial`` folder holds ``RUNNER_FILE`` (the runner's pid and start
time), so no other run or ``--clean`` removes it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

import psutil

from custval.errors import ConfigError
from custval.i18n import t
from custval.report.processes import alive

RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
STALE_AFTER = 24 * 3600  # a .partial folder untouched this long (seconds) and without a runner is a leftover
RUNNER_FILE = ".runner.json"  # in a .partial folder while its runner lives: its pid and start time


def partial_folder(out: Path, run_id: str) -> Path:
    """Where the run is built until it is complete."""
    return out / f".{run_id}.partial"


def new_run_id(out: Path, name: str | None, started: datetime) -> str:
    """``--name`` if valid and unused, else a timestamp (with a counter if that exists already)."""
    if name is not None:
        if not RUN_ID.match(name) or name == "latest":
            raise ConfigError(t("err_run_name", name=name))
        if (out / name).exists():
            raise ConfigError(t("err_run_exists", folder=out / name))
        return name
    base = started.strftime("%Y-%m-%d_%H%M%S")
    candidate, counter = base, 1
    while (out / candidate).exists() or partial_folder(out, candidate).exists():
        counter += 1
        candidate = f"{base}_{counter}"
    return candidate


def remove_unclaimed(partial: Path) -> None:
    """Remove what an earlier run of the same name left in ``partial``; a run still going on is an error."""
    if partial.exists():
        if runner_alive(partial):
            raise ConfigError(t("err_run_running", folder=partial))
        shutil.rmtree(partial)


def claim(partial: Path) -> None:
    """Create the ``.partial`` folder as this process's run, so no other run or ``--clean`` removes it."""
    partial.mkdir(parents=True)
    record = {"pid": os.getpid(), "started": psutil.Process().create_time()}
    (partial / RUNNER_FILE).write_text(json.dumps(record) + "\n", encoding="utf-8")


def runner_alive(partial: Path) -> bool:
    """Whether the process that claimed the ``.partial`` folder still runs (same pid and start time)."""
    try:
        record = json.loads((partial / RUNNER_FILE).read_text(encoding="utf-8"))
        runner = psutil.Process(int(record["pid"]))
        return abs(runner.create_time() - float(record["started"])) < 1 and alive(runner)
    except (OSError, ValueError, KeyError, TypeError, psutil.Error):
        return False


def release(partial: Path) -> None:
    """Drop this process's claim on a stopped run's ``.partial`` folder; the folder stays for a look."""
    (partial / RUNNER_FILE).unlink(missing_ok=True)


def publish(out: Path, run_id: str) -> Path:
    """Rename the complete ``.partial`` folder to the run's name and point ``latest`` at it."""
    partial = partial_folder(out, run_id)
    (partial / RUNNER_FILE).unlink()
    folder = out / run_id
    os.rename(partial, folder)
    point_latest(out, run_id)
    return folder


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


def previous_grades(out: Path) -> str:
    """The newest finished run's ``tables/grades.csv`` (for grade migration), or "" when there is none."""
    path = out / "latest" / "tables" / "grades.csv"
    if not path.exists() and (out / "latest.txt").exists():
        path = out / (out / "latest.txt").read_text(encoding="utf-8").strip() / "tables" / "grades.csv"
    return str(path.resolve()) if path.exists() else ""


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


def leftover_record(folder: Path) -> dict:
    """A stopped run's folder for the log and index: name, last change, and what its manifest says if it has one."""
    modified = datetime.fromtimestamp(_last_change(folder)).astimezone().isoformat(timespec="seconds")
    record = {"folder": folder.name, "modified": modified, "stopped_by": "", "finished": None}
    with suppress(OSError, ValueError, AttributeError):
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        record.update(stopped_by=manifest.get("stopped_by", ""), finished=len(manifest.get("notebooks", [])))
    return record


def _last_change(folder: Path) -> float:
    """The newest modification time of the folder and what is directly in it; now if it cannot be read."""
    try:
        return max([folder.stat().st_mtime, *(p.lstat().st_mtime for p in folder.iterdir())])
    except OSError:
        return time.time()


@contextmanager
def work_folder(out: Path, run_id: str):
    """A hidden folder in ``out`` for the run's clean tables (``custval.store``), removed when the
    run ends however it ends; ``out`` goes too when the run created it and left nothing in it."""
    made = not out.exists()
    folder = out / f".{run_id}.work"
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if made and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
