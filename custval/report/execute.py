"""Executing one notebook with papermill: its result, its HTML page, and a visible mark before the
cell that failed. A failure is recorded, never raised, so the other notebooks keep running."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from custval.i18n import t
from custval.render import render_html
from custval.report.kernels import PeakMemory, kernel_manager_class

KERNEL = "python3"
DEFAULT_TIMEOUT = 600  # seconds per cell
START_TIMEOUT = 120  # seconds for the kernel to start
ERROR_ANCHOR = "failed-cell"
ERROR_TAG = "custval-error"


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


def run_notebook(path: Path, folder: Path, parameters: dict, timeout: float, progress: bool) -> NotebookResult:
    """Execute one notebook into ``folder`` and render it; failures are recorded, not raised, and so
    is the kernel's peak memory (a dead kernel's error names it)."""
    output = folder / path.name
    started = time.perf_counter()
    manager = kernel_manager_class()
    with PeakMemory(manager.started) as memory:
        status, error = _execute(path, output, parameters, timeout, progress, manager)
    if status == "dead":
        peak = t("error_peak_memory", megabytes=f"{memory.megabytes:,.0f}") if memory.megabytes else ""
        error = t("error_dead_kernel", peak=peak)
    duration = round(time.perf_counter() - started, 3)
    result = NotebookResult(path.stem, status, duration, error=error, peak_memory_mb=memory.megabytes)
    if output.exists():
        _render(result, output)
    return result


def _execute(path: Path, output: Path, parameters: dict, timeout: float, progress: bool, manager: type):
    """Run the notebook with papermill; the status it ends with and its error message (for ``dead`` set later)."""
    import papermill  # papermill and nbclient take a second or more to import: only a run needs them
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(
            str(path),
            str(output),
            parameters=parameters,
            kernel_name=KERNEL,
            cwd=str(path.parent),
            progress_bar={"desc": path.stem, "leave": False} if progress else False,
            log_output=False,
            start_timeout=START_TIMEOUT,
            execution_timeout=timeout,
            kernel_manager_class=manager,
        )
    except PapermillExecutionError as exc:
        return "failed", f"{exc.ename}: {exc.evalue}"
    except CellTimeoutError:
        return "timeout", t("error_timeout", seconds=timeout)
    except DeadKernelError:
        return "dead", ""
    except Exception as exc:  # kernel missing, unreadable notebook: record it, keep the others running
        return "failed", f"{type(exc).__name__}: {exc}"
    return "ok", ""


def _render(result: NotebookResult, output: Path) -> None:
    """Add the executed notebook and its HTML page to the result, marking the failing cell first."""
    result.ipynb = output.name
    if result.status != "ok":
        result.error_link = f"{output.stem}.html#{ERROR_ANCHOR}" if mark_failed_cell(output, result.error) else ""
    html = output.with_suffix(".html")
    html.write_text(render_html(output), encoding="utf-8")
    result.html = html.name


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
    """Whether papermill left the code cell running or failed, or it shows an error."""
    if cell.cell_type != "code":
        return False
    if cell.get("metadata", {}).get("papermill", {}).get("status") in ("running", "failed"):
        return True
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def _markdown_code(text: str) -> str:
    return text.replace("`", "'").replace("\n", " ")[:300]
