"""The committed stand-in for the RI-CLPM tutorial data is what its committed script writes."""

from __future__ import annotations

import importlib.util

import pandas as pd

from tests_support_lavaan import REFERENCE, load_fixture


def _generator():
    spec = importlib.util.spec_from_file_location("make_riclpm_standin", REFERENCE / "make_riclpm_standin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_reproduces_the_committed_files_byte_for_byte():
    for name, text in _generator().generate().items():
        assert (REFERENCE / "data" / name).read_text() == text, (
            f"tests/reference/data/{name} is not what make_riclpm_standin.py writes: re-run it, then "
            "make_lavaan_fixtures.R")


def test_the_standin_has_the_tutorial_shape_with_attrition_and_two_groups():
    panel = pd.read_csv(REFERENCE / "data" / "riclpm_standin.csv")
    assert list(panel.columns) == [f"x{t}" for t in range(1, 6)] + [f"y{t}" for t in range(1, 6)] + ["z2", "z1", "G"]
    assert len(panel) == 1189
    assert panel[["x1", "y1", "z1", "z2", "G"]].notna().all().all()
    observed = panel[[f"y{t}" for t in range(1, 6)]].notna().sum().tolist()
    assert observed == sorted(observed, reverse=True) and observed[-1] < 0.8 * len(panel)
    assert set(panel.G) == {1, 2}
    items = pd.read_csv(REFERENCE / "data" / "riclpm_standin_items.csv")
    assert items.shape == (1189, 30) and items.notna().all().all()
    # every fixture fitted to the stand-in names these files
    fx = load_fixture("riclpm_mg_standin")
    assert fx["data"] == {"source": "reference", "file": "data/riclpm_standin.csv", "columns": list(panel.columns),
                          "group_levels": ["1", "2"]}
