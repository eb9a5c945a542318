"""Write the registry into the files that repeat it: the report notebooks' parameters cells and the README table.

Run as ``python -m custval.parameters --write-cells notebooks/ --readme README.md``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from custval.parameters import README_END, README_START, REPORTS, cell_source, readme_section, readme_table


def write_cells(folder) -> list[Path]:
    """Replace the first cell (tagged ``parameters``) of each report notebook in ``folder`` by ``cell_source``."""
    written = []
    for stem in REPORTS:
        path = Path(folder) / f"{stem}.ipynb"
        nb = json.loads(path.read_text(encoding="utf-8"))
        cell = nb["cells"][0]
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            raise ValueError(f"{path}: the first cell is not tagged parameters")
        cell["source"] = cell_source(stem).splitlines(keepends=True)
        path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(path)
    return written


def write_readme(path) -> None:
    """Replace the README's parameter table (between the markers) by ``readme_table``."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    old = f"{README_START}\n{readme_section(text)}{README_END}"
    path.write_text(text.replace(old, f"{README_START}\n{readme_table()}{README_END}"), encoding="utf-8")


def main(argv=None) -> None:
    """The command line: rewrite the cells, the README table, or both."""
    parser = argparse.ArgumentParser(prog="python -m custval.parameters", description=__doc__.splitlines()[0])
    parser.add_argument("--write-cells", metavar="FOLDER", help="rewrite the report notebooks' parameters cells")
    parser.add_argument("--readme", metavar="FILE", help="rewrite the README's parameter table")
    args = parser.parse_args(argv)
    if args.write_cells:
        for path in write_cells(args.write_cells):
            print(f"wrote {path}")
    if args.readme:
        write_readme(args.readme)
        print(f"wrote {args.readme}")
