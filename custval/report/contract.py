"""The notebook contract: which notebooks a run executes, the parameters cell each must have, what
they read, and the parameters the runner gives each of them.

User errors found here (no notebooks folder, an unknown ``--only`` name, a notebook without a
parameters cell, missing inputs) raise ``ConfigError`` before any notebook runs.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from custval.config import (
    DEFAULT_PARAMETERS,
    OPTIONAL_RUNNER_PARAMETERS,
    PATH_PARAMETERS,
    RUNNER_PARAMETERS,
    Config,
)
from custval.errors import ConfigError
from custval.i18n import t


def select_notebooks(config: Config, only=None) -> dict[Path, set]:
    """The notebooks to run, in name order, with the parameters each declares.

    ``only`` names a subset (with or without ``.ipynb``).
    """
    folder = config.notebooks
    if folder is None or not folder.is_dir():
        raise ConfigError(t("err_notebooks_folder", folder=folder, file=config.path))
    available = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if only:
        available = _only(available, only)
    if not available:
        raise ConfigError(t("err_no_notebooks", folder=folder))
    return {path: check_parameters_cell(path) for path in available}


def _only(available: list[Path], only) -> list[Path]:
    """The notebooks ``only`` names (items may hold several, comma-separated), each once, in the order named."""
    wanted = [n.strip().removesuffix(".ipynb") for item in only for n in str(item).split(",") if n.strip()]
    by_stem = {p.stem: p for p in available}
    unknown = [n for n in wanted if n not in by_stem]
    if unknown:
        raise ConfigError(t("err_only", names=", ".join(unknown), valid=", ".join(by_stem)))
    return [by_stem[n] for n in dict.fromkeys(wanted)]


def check_parameters_cell(path: Path) -> set:
    """The parameters a notebook declares in its cell tagged ``parameters``.

    Without that cell papermill would inject the values at the top, the notebook's own assignments
    would overwrite them, and the run would succeed with the defaults. Every notebook must declare
    ``lang``, ``output_dir`` and what it reads — ``config`` (the configured data) or ``answers``
    (an exercise's answer files) — so it can never analyse its own default data unnoticed; it is
    given only the parameters it declares, and a parameter no package default knows is an error
    (a typo would otherwise keep its default).
    """
    import papermill  # takes a second or more to import: only a run needs it

    nb = nbformat.read(path, as_version=4)
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells):
        raise ConfigError(t("err_no_parameters_cell", notebook=path))
    declared = set(papermill.inspect_notebook(str(path)))
    needed = ("lang", *RUNNER_PARAMETERS)
    missing = [p for p in needed if p not in declared and not (p == "config" and "answers" in declared)]
    if missing:
        raise ConfigError(t("err_parameters_missing", notebook=path, names=", ".join(missing)))
    unknown = sorted(declared - set(DEFAULT_PARAMETERS) - set(RUNNER_PARAMETERS) - set(OPTIONAL_RUNNER_PARAMETERS))
    if unknown:
        valid = ", ".join(DEFAULT_PARAMETERS)
        raise ConfigError(t("err_parameters_unknown", notebook=path, names=", ".join(unknown), valid=valid))
    return declared


def check_inputs(config: Config, notebooks: dict[Path, set]) -> None:
    """What the selected notebooks read is there: transactions for notebooks that load the
    configured data (they declare ``config``), the answers folder for the exercises."""
    if "transactions" not in config.inputs and any("config" in declared for declared in notebooks.values()):
        raise ConfigError(t("err_config_no_transactions", file=config.path))
    folder = Path(resolved_paths(config)["answers"])
    if any("answers" in declared for declared in notebooks.values()) and not folder.is_dir():
        raise ConfigError(t("err_answers_folder", folder=folder, file=config.path))


def resolved_paths(config: Config) -> dict[str, str]:
    """Path parameters made absolute against the configuration file's folder."""
    base = config.path.resolve().parent
    return {key: str((base / config.parameters[key]).resolve()) for key in PATH_PARAMETERS}


def runner_parameters(config: Config, output_dir: Path, previous_grades: str) -> dict:
    """Every parameter the runner can give a notebook: the configured ones (paths absolute), the
    configuration file, the run folder and the previous run's grades."""
    return {
        **config.parameters,
        **resolved_paths(config),
        "config": str(config.path.resolve()),
        "output_dir": str(output_dir.resolve()),
        "previous_grades": previous_grades,
    }


def given(parameters: dict, declared: set) -> dict:
    """What one notebook is given: only the parameters it declares."""
    return {k: v for k, v in parameters.items() if k in declared}
