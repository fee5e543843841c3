"""Cross-lag results (as ``crosslag --json`` writes them) built from a known continuous-time drift."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy import linalg

# Drift of (loneliness, distress) per year: rows are the rates of change of x and y.
DRIFT = np.array([[-0.60, 0.05], [0.18, -0.70]])


def crosslag_result(years: float, *, n: int = 2000, se: float = 0.02, cohort: str = "study", shift=None,
                    x: str = "loneliness", y: str = "ghq_likert", model: str = "riclpm") -> dict:
    """A minimal crosslag JSON: the lags exp(DRIFT * years) (plus ``shift``) and a covariance of them."""
    phi = linalg.expm(DRIFT * years) + (0 if shift is None else np.asarray(shift))
    vcov = np.diag([se, se, se, se]) ** 2
    vcov[1, 2] = vcov[2, 1] = -0.2 * se * se
    block = {k: {"est": float(phi[i]), "se": se, "time_invariant": True}
             for k, i in (("ar_x", (0, 0)), ("y_to_x", (0, 1)), ("x_to_y", (1, 0)), ("ar_y", (1, 1)))}
    block["lag_matrix"] = {"order": ["ar_x", "y_to_x", "x_to_y", "ar_y"], "rows": [x, y], "columns": [x, y],
                           "est": phi.tolist(), "vcov": vcov.tolist(), "within_person": model != "clpm"}
    return {"model": model, "x": x, "y": y, "waves": ["a", "b", "c"], "nobs": {"": n}, "fit": {"nobs": n}, "crosslag": block,
            "interval_years": years, "cohort": cohort, "notes": []}


def write(path: Path, result: dict) -> Path:
    path.write_text(json.dumps(result))
    return path
