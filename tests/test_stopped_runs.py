"""A stopped ``custval report`` leaves no process behind and nothing half-done.

Real runs on the sample data in child processes, stopped with real signals; psutil watches every
process a run started (runner, workers, kernels).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path

import psutil
import pytest

from custval import i18n
from custval.cli import main
from custval.report import RUNNER_FILE, run_report, runner_alive

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "notebooks"
WAIT = 120  # seconds a run may take to reach a point on a slow machine
GONE_WITHIN = 10  # seconds after the signal by which every process of the run must be gone

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="POSIX signals and sessions")]


@pytest.fixture(autouse=True)
def chinese_by_default():
    yield
    i18n.set_lang("zh")


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    """The project's config over the shipped sample, with a notebooks folder of small fixtures:
    one that finishes at once, three that sleep a minute, one whose kernel dies."""
    root = tmp_path_factory.mktemp("stopped")
    notebooks = root / "notebooks"
    notebooks.mkdir()
    for name in ("10_quick.ipynb", "60_sleeps.ipynb", "70_kernel_dies.ipynb"):
        shutil.copy(FIXTURES / name, notebooks / name)
    for name in ("61_sleeps.ipynb", "62_sleeps.ipynb"):
        shutil.copy(FIXTURES / "60_sleeps.ipynb", notebooks / name)
    text = (ROOT / "custval.yml").read_text(encoding="utf-8").replace("data/sample/", f"{ROOT}/data/sample/")
    path = root / "custval.yml"
    path.write_text(text + f"notebooks: {notebooks}\n", encoding="utf-8")
    return path


class Run:
    """``custval report`` in a child process in its own session, its stderr read line by line."""

    def __init__(self, config: Path, out: Path, *args: str):
        command = [
            sys.executable,
            "-m",
            "custval.cli",
            "report",
            "--config",
            str(config),
            "--out",
            str(out),
            "--lang",
            "en",
            *args,
        ]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: list[str] = []
        self.seen: set[psutil.Process] = set()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str) -> None:
        deadline = time.monotonic() + WAIT
        while not any(text in line for line in self.lines):
            assert self.process.poll() is None, "\n".join(self.lines)
            assert time.monotonic() < deadline, "\n".join(self.lines)
            time.sleep(0.1)

    def wait_for_kernel(self) -> list[psutil.Process]:
        """The run's processes once a kernel runs among them."""
        deadline = time.monotonic() + WAIT
        while kinds(processes := self.tree())["kernels"] == 0:
            assert self.process.poll() is None and time.monotonic() < deadline, "\n".join(self.lines)
            time.sleep(0.1)
        return processes

    def tree(self) -> list[psutil.Process]:
        """Every process the run started that lives now (remembered for the clean-up)."""
        runner = psutil.Process(self.process.pid)
        processes = [runner, *runner.children(recursive=True)]
        self.seen.update(processes)
        return processes

    def kill_everything(self) -> None:
        """Whatever the test saw or the session still holds: a failing test must not leave processes."""
        with suppress(OSError):
            os.killpg(self.process.pid, signal.SIGKILL)
        for process in self.seen:
            with suppress(psutil.Error):
                process.kill()
        self.process.wait(timeout=30)
        self._reader.join(timeout=10)


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def left_after(processes: list[psutil.Process], seconds: float) -> list[str]:
    """The processes still alive ``seconds`` from now (or as soon as none is)."""
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in processes) and time.monotonic() < deadline:
        time.sleep(0.2)
    return [" ".join(p.cmdline()) for p in processes if alive(p)]


def kinds(processes: list[psutil.Process]) -> dict[str, int]:
    lines = [" ".join(p.cmdline()) for p in processes]
    return {
        "kernels": sum("ipykernel_launcher" in line for line in lines),
        "workers": sum("multiprocessing.spawn" in line for line in lines),
    }


def previous_run(out: Path) -> None:
    """A complete earlier run that ``latest`` points at."""
    (out / "previous").mkdir(parents=True)
    (out / "latest").symlink_to("previous", target_is_directory=True)


@pytest.mark.parametrize(
    ("jobs", "how", "code"),
    [
        (2, "SIGTERM", 143),  # timeout(1) in a crontab: the runner alone gets SIGTERM
        (1, "SIGTERM", 143),  # one notebook at a time: the kernel is the runner's own child
        (2, "Ctrl-C", 130),  # the terminal sends SIGINT to the whole process group, workers included
    ],
)
def test_a_stopped_run_stops_everything_it_started_and_records_what_finished(config, tmp_path, jobs, how, code):
    out = tmp_path / "reports"
    previous_run(out)
    run = Run(
        config, out, "--only", "10_quick,60_sleeps,61_sleeps,62_sleeps", "--jobs", str(jobs)
    )  # more than the workers
    try:
        run.wait_for("10_quick: ok")
        processes = run.wait_for_kernel()  # a sleeping notebook's
        assert kinds(processes)["kernels"] >= 1 and kinds(processes)["workers"] == (jobs if jobs > 1 else 0)
        if how == "Ctrl-C":
            os.killpg(run.process.pid, signal.SIGINT)
        else:
            run.process.send_signal(signal.SIGTERM)
        assert run.process.wait(timeout=WAIT) == code
        assert left_after(processes, GONE_WITHIN) == []
    finally:
        run.kill_everything()
    stopped_by = "SIGTERM" if how == "SIGTERM" else "SIGINT"
    said = [line for line in run.lines if "run stopped by" in line]
    assert len(said) == 1 and f"run stopped by {stopped_by}: 1 of 4 notebooks finished" in said[0]
    assert os.readlink(out / "latest") == "previous"
    [partial] = out.glob(".*.partial")
    assert sorted(p.name for p in out.iterdir()) == sorted(["latest", "previous", partial.name])
    manifest = json.loads((partial / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "interrupted" and manifest["stopped_by"] == stopped_by
    assert [(n["name"], n["status"]) for n in manifest["notebooks"]] == [("10_quick", "ok")]
    assert manifest["not_finished"] == ["60_sleeps", "61_sleeps", "62_sleeps"]
    assert (partial / "10_quick.html").exists() and not (partial / RUNNER_FILE).exists()
    index = (partial / "index.html").read_text(encoding="utf-8")
    assert f"Run stopped by {stopped_by}: 1 of 4 reports finished" in index and "62_sleeps" in index


def test_workers_and_kernels_end_when_the_runner_is_killed_outright(config, tmp_path):
    out = tmp_path / "reports"
    run = Run(config, out, "--only", "10_quick,60_sleeps", "--jobs", "2")
    try:
        run.wait_for("10_quick: ok")
        processes = run.wait_for_kernel()
        assert kinds(processes)["kernels"] >= 1 and kinds(processes)["workers"] == 2
        run.process.kill()  # as the out-of-memory killer would: no chance to clean up
        assert run.process.wait(timeout=WAIT) == -signal.SIGKILL
        assert left_after(processes, GONE_WITHIN) == []
    finally:
        run.kill_everything()
    [partial] = out.glob(".*.partial")
    assert (partial / RUNNER_FILE).exists() and not runner_alive(partial)  # the pid file names a dead runner
    assert not (out / "latest").exists()


def test_a_dead_kernel_is_recorded_with_its_peak_memory_and_the_others_go_on(config, tmp_path):
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    result = run_report(
        config,
        out=tmp_path / "reports",
        only=["10_quick", "70_kernel_dies"],
        params={"lang": "en"},
        progress=False,
        jobs=2,
    )
    assert {s: signal.getsignal(s) for s in handlers} == handlers  # a library caller keeps its handlers
    quick, dies = result.notebooks
    assert (quick.name, quick.status, dies.name, dies.status) == ("10_quick", "ok", "70_kernel_dies", "dead")
    assert dies.error.startswith("kernel died — probably out of memory (peak memory about ")
    assert dies.peak_memory_mb > 300  # the fixture holds 300 MB when it kills its kernel
    assert dies.error.endswith(f"{dies.peak_memory_mb:,.0f} MB)")
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and manifest["notebooks"][1]["peak_memory_mb"] == dies.peak_memory_mb
    assert result.exit_code == 1 and (tmp_path / "reports" / "latest").resolve() == result.folder.resolve()


def _partial(
    out: Path, name: str, runner: dict | None = None, manifest: dict | None = None, days_old: float = 2
) -> Path:
    folder = out / f".{name}.partial"
    folder.mkdir(parents=True)
    (folder / "10_quick.ipynb").write_text("{}", encoding="utf-8")
    if runner is not None:
        (folder / RUNNER_FILE).write_text(json.dumps(runner), encoding="utf-8")
    if manifest is not None:
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    stamp = time.time() - days_old * 86400
    for path in [*folder.iterdir(), folder]:
        os.utime(path, (stamp, stamp))
    return folder


def test_the_next_run_lists_stopped_runs_and_clean_removes_them(config, tmp_path, capsys):
    out = tmp_path / "reports"
    me = {"pid": os.getpid(), "started": psutil.Process().create_time()}
    _partial(out, "old-stopped", manifest={"stopped_by": "SIGTERM", "notebooks": [{"name": "10_quick"}]})
    _partial(out, "old-killed", runner={**me, "started": me["started"] - 3600})  # that pid is another process now
    _partial(out, "old-running", runner=me)  # a run that has been running for two days is still a run
    _partial(out, "fresh", days_old=0.5)
    report = ["report", "--config", str(config), "--out", str(out), "--only", "10_quick", "--lang", "en"]

    assert main([*report, "--name", "first"]) == 0
    err = capsys.readouterr().err
    assert "2 folder(s) left by interrupted runs" in err and ".old-killed.partial, .old-stopped.partial" in err
    manifest = json.loads((out / "first" / "manifest.json").read_text(encoding="utf-8"))
    assert [(r["folder"], r["stopped_by"], r["finished"]) for r in manifest["interrupted_runs"]] == [
        (".old-killed.partial", "", None),
        (".old-stopped.partial", "SIGTERM", 1),
    ]
    index = (out / "first" / "index.html").read_text(encoding="utf-8")
    assert "Interrupted runs" in index and ".old-killed.partial" in index and ".old-running.partial" not in index

    assert main([*report, "--name", "second", "--clean"]) == 0
    assert (
        "removed 2 folder(s) left by interrupted runs: .old-killed.partial, .old-stopped.partial"
        in capsys.readouterr().err
    )
    assert sorted(p.name for p in out.glob(".*.partial")) == [".fresh.partial", ".old-running.partial"]
    assert json.loads((out / "second" / "manifest.json").read_text(encoding="utf-8"))["interrupted_runs"] == []
    assert "Interrupted runs" not in (out / "second" / "index.html").read_text(encoding="utf-8")


def test_a_run_name_in_use_by_a_running_run_is_refused(config, tmp_path, capsys):
    out = tmp_path / "reports"
    folder = _partial(out, "busy", runner={"pid": os.getpid(), "started": psutil.Process().create_time()}, days_old=0)
    assert (
        main(
            [
                "report",
                "--config",
                str(config),
                "--out",
                str(out),
                "--only",
                "10_quick",
                "--lang",
                "en",
                "--name",
                "busy",
            ]
        )
        == 2
    )
    assert "is in progress" in capsys.readouterr().err and (folder / "10_quick.ipynb").exists()
