"""The example notebooks run from top to bottom, and each .ipynb is paired with its .py source."""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9]*.py"))


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_executes(source):
    import sys

    sys.path.insert(0, str(NOTEBOOKS))
    from execute import execute

    nb = execute(source)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_executed_ipynb_is_in_sync_with_source(source):
    paired = source.with_suffix(".ipynb")
    assert paired.exists(), f"run 'make notebooks' to write {paired.name}"
    code = lambda nb: [c.source for c in nb.cells if c.cell_type == "code"]  # noqa: E731
    assert code(jupytext.read(source)) == code(jupytext.read(paired))
