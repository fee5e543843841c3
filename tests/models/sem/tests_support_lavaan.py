"""Loading the lavaan reference fixtures (tests/reference/lavaan/*.json) and their data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REFERENCE = Path(__file__).resolve().parents[2] / "reference"


def _shared_dir() -> Path:
    """<repo>/../shared/data, or $ANALYSIS_SHARED_DIR/data when that is set (e.g. /nonexistent to see what a
    fresh clone without ../shared runs)."""
    base = os.environ.get("ANALYSIS_SHARED_DIR")
    return (Path(base) if base else Path(__file__).resolve().parents[3] / ".." / "shared") / "data"


SHARED = _shared_dir()


# The RI-CLPM data sets the tests use, from two sources: "standin" -- the project's own simulated stand-in,
# committed in tests/reference/data/ and written by tests/reference/make_riclpm_standin.py (always there), and
# "tutorial" -- Mulder & Hamaker's tutorial data in ../shared/data/riclpm (an extra check: skipped without it).
# Fixture names of the stand-in cases carry SUFFIX[source].
#: The tutorial data are an extra check: collected only when ../shared has them (a fresh clone runs the
#: stand-in of every agreement check and skips none; conftest's report header says which ran).
TUTORIAL_PRESENT = (SHARED / "riclpm" / "RICLPM.dat").exists()
RICLPM_SOURCES = ("standin", "tutorial") if TUTORIAL_PRESENT else ("standin",)
SUFFIX = {"standin": "_standin", "tutorial": ""}
_XY = [f"x{t}" for t in range(1, 6)] + [f"y{t}" for t in range(1, 6)]
_ITEMS = [f"x{t}{k}" for t in range(1, 6) for k in range(1, 4)] + [f"y{t}{k}" for t in range(1, 6) for k in range(1, 4)]
# kind -> (tutorial file, its columns in file order, stand-in file, the columns the tests get)
_RICLPM_SETS = {
    "xy": ("RICLPM.dat", _XY, "riclpm_standin.csv", _XY),
    "z": ("RICLPM-Z.dat", _XY + ["z2", "z1"], "riclpm_standin.csv", _XY + ["z2", "z1"]),
    "mg": ("RICLPM-MG.dat", _XY + ["G"], "riclpm_standin.csv", _XY + ["G"]),
    "items": ("RICLPM-MI.dat", _ITEMS, "riclpm_standin_items.csv", _ITEMS),
}


def riclpm_data(source: str, kind: str) -> pd.DataFrame:
    """One RI-CLPM data set ("xy", "z", "mg" or "items") with the tutorial's column names (x1..x5, y1..y5, z2, z1, G;
    x11..x53, y11..y53), from the stand-in (always) or the tutorial data (skips when ../shared is absent)."""
    tutorial_file, tutorial_cols, standin_file, cols = _RICLPM_SETS[kind]
    if source == "standin":
        return pd.read_csv(REFERENCE / "data" / standin_file)[cols]
    if source != "tutorial":
        raise ValueError(source)
    path = SHARED.resolve() / "riclpm" / tutorial_file
    if not path.exists():
        pytest.skip(f"tutorial data riclpm/{tutorial_file} not available (../shared is absent); "
                    "the stand-in twin of this test runs instead")
    return pd.read_csv(path, sep=r"\s+", header=None, names=tutorial_cols)[cols]


def fixture_names() -> list[str]:
    """Every lavaan fixture whose data are here (the tutorial-data ones only with ../shared)."""
    names = []
    for p in sorted((REFERENCE / "lavaan").glob("*.json")):
        spec = json.loads(p.read_text())["data"]
        if spec["source"] == "shared" and not (SHARED / spec["file"]).exists():
            continue
        names.append(p.stem)
    return names


def load_fixture(name: str) -> dict:
    return json.loads((REFERENCE / "lavaan" / f"{name}.json").read_text())


def load_data(fx: dict) -> pd.DataFrame:
    spec = fx["data"]
    if spec["source"] == "shared":
        path = SHARED.resolve() / spec["file"]
        if not path.exists():
            pytest.skip(f"shared data {spec['file']} not available (../shared is absent): an extra check, "
                        f"its twin {fx['case']}_standin runs on the committed stand-in")
        return pd.read_csv(path, sep=r"\s+", header=None, names=spec["columns"])
    return pd.read_csv(REFERENCE / spec["file"])


def fit_options(fx: dict) -> tuple[dict, dict]:
    """Translate a fixture's lavaan options into SEM(...) and .fit(...) keyword arguments."""
    o = fx["options"]
    model_kw = {
        "defaults": "lavaan" if o["function"] == "lavaan" else "sem",
        "meanstructure": bool(o["meanstructure"]),
        "fixed_x": bool(o["fixed.x"]),
        "group_equal": tuple(o.get("group.equal") or ()),
    }
    fit_kw = {
        "missing": "fiml" if o["missing"] in ("ml", "fiml") else "listwise",
        "estimator": o["estimator"].lower(),
        "group": o.get("group"),
    }
    levels = fx["data"].get("group_levels")
    if fit_kw["group"] and levels:
        fit_kw["group_levels"] = levels
    return model_kw, fit_kw


def lavaan_rows(fx: dict) -> pd.DataFrame:
    rows = pd.DataFrame(fx["parameters"])
    if "group" not in rows:
        rows["group"] = 1
    if "label" not in rows:
        rows["label"] = ""
    rows = rows.rename(columns=lambda c: c.replace(".", "_"))
    return rows.replace({None: np.nan})
