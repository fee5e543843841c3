"""Execute the example notebooks and write the executed .ipynb beside each jupytext .py file.

Run: ``make notebooks`` (or ``.venv/bin/python notebooks/execute.py [NAME.py ...]``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def execute(source: Path, *, timeout: int = 900) -> nbformat.NotebookNode:
    nb = jupytext.read(source)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(source.parent)}}).execute()
    return nb


def main(argv: list[str]) -> None:
    sources = [Path(a) for a in argv] or sorted(p for p in HERE.glob("[0-9]*.py"))
    for src in sources:
        nb = execute(src)
        target = src.with_suffix(".ipynb")
        nbformat.write(nb, target)
        print(f"executed {src.name} -> {target.name}")


if __name__ == "__main__":
    main(sys.argv[1:])
