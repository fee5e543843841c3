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


def fixture_names() -> list[str]:
    return sorted(p.stem for p in (REFERENCE / "lavaan").glob("*.json"))


def load_fixture(name: str) -> dict:
    return json.loads((REFERENCE / "lavaan" / f"{name}.json").read_text())


def load_data(fx: dict) -> pd.DataFrame:
    spec = fx["data"]
    if spec["source"] == "shared":
        path = SHARED.resolve() / spec["file"]
        if not path.exists():
            pytest.skip(f"shared data {spec['file']} not available (../shared is absent)")
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
