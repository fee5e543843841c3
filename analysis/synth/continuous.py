r"""Cohorts from one continuous-time model, observed yearly (UKHLS-like) or two-yearly (ELSA-like).

The known truth behind pooling across studies (``python -m analysis pool``): one process
in continuous time, observed at different intervals, gives different lags at each
interval, and only their conversion to a common interval makes them comparable.

Model
-----
Person :math:`i` has stable levels (random intercepts) and a within-person deviation
:math:`w_i(t) = (w^L, w^M)'` of loneliness (UCLA-3-like points) and distress
(GHQ-12-like points) that follows a first-order stochastic differential equation

.. math::
    dw_i(t) = A\, w_i(t)\, dt + G\, dW_i(t),\qquad
    L_i(t) = \mu_L + RI^L_i + w^L_i(t),\quad M_i(t) = \mu_M + RI^M_i + w^M_i(t),

with the drift matrix :math:`A` (:data:`DRIFT`, per year; rows are the rates of
change of loneliness and distress) and the diffusion :math:`GG' = -(A\Sigma + \Sigma A')`
chosen so that the stationary within-person covariance is :math:`\Sigma`
(:data:`WITHIN_COV`).  Observed every :math:`\Delta` years the deviations follow the
VAR(1) of the RI-CLPM,

.. math::
    w_{i,t} = \Phi(\Delta)\, w_{i,t-1} + \zeta_{it},\qquad \Phi(\Delta) = e^{A\Delta},\quad
    \zeta_{it} \sim N\big(0,\ \Sigma - \Phi(\Delta)\Sigma\Phi(\Delta)'\big),

starting from the stationary distribution (Voelkle et al. 2012).  Scores are recorded
as they are (no item coarsening, no missing data), so an RI-CLPM on them estimates
:math:`\Phi(\Delta)` without bias: ``truth.json`` gives :math:`A`, :math:`\Phi(\Delta)` and
the one-year lags :math:`\Phi(1)`.

The files follow each study's naming (UKHLS ``{w}_indresp`` with ``{w}_`` prefixes and
``pidp``; ELSA ``wave_{N}_elsa_data`` with ``idauniq``) and are read with
``data_specs/synthetic_ct_ukhls.yaml`` and ``data_specs/synthetic_ct_elsa.yaml``.
The data are artificial.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from scipy import linalg

from analysis.errors import DataError, UsageError
from analysis.outputs import write_atomic, write_text_atomic
from analysis.synth.arguments import check_core, check_format

#: Drift per year: d(loneliness, distress)/dt = DRIFT @ (loneliness, distress) deviations.
DRIFT = ((-0.25, 0.03), (0.55, -0.30))
#: Stationary within-person covariance (loneliness SD 0.8 points, distress SD 3 points, correlation 0.3).
WITHIN_COV = ((0.64, 0.72), (0.72, 9.0))
#: Covariance of the random intercepts (SD 1 and 3 points, correlation 0.4).
BETWEEN_COV = ((1.0, 1.2), (1.2, 9.0))
MEANS = (5.5, 11.0)
#: Years between waves in each study.
INTERVALS = {"ukhls": 1.0, "elsa": 2.0}
CONSTRUCTS = ("loneliness", "distress")


@dataclass(frozen=True)
class ContinuousCohort:
    """What :func:`write_continuous_cohort` wrote: the folder, the wave files and truth.json."""

    out: Path
    wave_files: list[Path]
    truth: Path


def lags(drift: np.ndarray, years: float) -> np.ndarray:
    """The lag matrix :math:`e^{A\\Delta}` over ``years``."""
    return linalg.expm(np.asarray(drift, dtype=float) * years)


def simulate(*, n: int, waves: int, interval: float, seed: int, drift=DRIFT) -> tuple[np.ndarray, dict]:
    """Scores of ``n`` persons at ``waves`` waves ``interval`` years apart: array (n, waves, 2), and the truth.

    Raises
    ------
    UsageError
        If the drift is not stable (an eigenvalue with non-negative real part) or the
        within-person covariance it implies needs a negative diffusion.
    """
    A = np.asarray(drift, dtype=float)
    S = np.asarray(WITHIN_COV)
    if A.shape != (2, 2) or np.max(np.linalg.eigvals(A).real) >= 0:
        raise UsageError("The drift matrix must be 2 x 2 with eigenvalues of negative real part (a stable process).")
    diffusion = -(A @ S + S @ A.T)
    if np.min(np.linalg.eigvalsh(diffusion)) < 0:
        raise UsageError("This drift matrix cannot keep the within-person covariance stationary; choose another.")
    phi = lags(A, interval)
    innov = S - phi @ S @ phi.T
    rng = np.random.default_rng(seed)
    ri = rng.multivariate_normal(np.zeros(2), np.asarray(BETWEEN_COV), size=n)
    w = rng.multivariate_normal(np.zeros(2), S, size=n)
    scores = np.empty((n, waves, 2))
    for t in range(waves):
        if t:
            w = w @ phi.T + rng.multivariate_normal(np.zeros(2), innov, size=n)
        scores[:, t, :] = np.asarray(MEANS) + ri + w
    truth = {
        "generator": "continuous-time RI-CLPM (analysis.synth.continuous)",
        "constructs": list(CONSTRUCTS), "n": n, "waves": waves, "seed": seed, "interval_years": interval,
        "drift": A.tolist(), "diffusion": diffusion.tolist(), "within_cov": S.tolist(),
        "between_cov": np.asarray(BETWEEN_COV).tolist(), "means": list(MEANS),
        "lags_at_interval": phi.tolist(), "lags_one_year": lags(A, 1.0).tolist(),
        "lag_layout": "rows: later loneliness, distress; columns: earlier loneliness, distress "
                      "([[ar_x, y_to_x], [x_to_y, ar_y]])",
        "one_year": {"x_to_y": float(lags(A, 1.0)[1, 0]), "y_to_x": float(lags(A, 1.0)[0, 1]),
                     "ar_x": float(lags(A, 1.0)[0, 0]), "ar_y": float(lags(A, 1.0)[1, 1])},
        "note": "Artificial data from one continuous-time model; never draw conclusions about people from them.",
    }
    return scores, truth


def _file_names(cohort: str, waves: int, fmt: str) -> list[str]:
    if cohort == "ukhls":
        return [f"{chr(ord('a') + t)}_indresp.{fmt}" for t in range(waves)]
    return [f"wave_{t + 1}_elsa_data.{fmt}" for t in range(waves)]


def write_continuous_cohort(*, cohort: Literal["ukhls", "elsa"], n: int, waves: int, seed: int,
                            fmt: Literal["dta", "sav"], out: str | os.PathLike[str], drift=DRIFT,
                            interval: float | None = None) -> ContinuousCohort:
    """Simulate a cohort from the continuous-time model and write its wave files and truth.json.

    Parameters
    ----------
    cohort : {"ukhls", "elsa"}
        Layout and default interval: UKHLS-like yearly, ELSA-like two-yearly waves.
    n, waves, seed : int
        Persons, waves and random seed (as ``synth``).
    fmt : {"dta", "sav"}
        Stata or SPSS files.
    out : path
        Output folder; existing cohort files are never overwritten.
    drift : 2 x 2 array, optional
        The drift matrix per year (default :data:`DRIFT`).
    interval : float, optional
        Years between waves (default: 1 for ukhls, 2 for elsa).
    """
    import pyreadstat

    n, waves, seed, cohort = check_core(n=n, waves=waves, seed=seed, cohort=cohort)
    fmt = check_format(fmt)
    years = INTERVALS[cohort] if interval is None else float(interval)
    if not (np.isfinite(years) and years > 0):
        raise UsageError(f"interval must be a positive number of years, not {interval!r}.")
    folder = Path(out)
    names = _file_names(cohort, waves, fmt)
    if folder.exists() and not folder.is_dir():
        raise DataError(f"Output path {folder} exists and is not a folder.")
    clash = [nm for nm in [*names, "truth.json"] if (folder / nm).exists()]
    if clash:
        raise DataError(f"Output folder {folder} already holds cohort files ({', '.join(clash[:3])}); refusing to "
                        "overwrite, choose an empty or new folder.")
    scores, truth = simulate(n=n, waves=waves, interval=years, seed=seed, drift=drift)
    ids = (68_000_000 if cohort == "ukhls" else 100_000) + np.arange(1, n + 1) * 7
    files = []
    for t, name in enumerate(names):
        prefix = f"{chr(ord('a') + t)}_" if cohort == "ukhls" else ""
        frame = pd.DataFrame({"pidp" if cohort == "ukhls" else "idauniq": ids.astype(np.int64),
                              f"{prefix}lonely_ct": scores[:, t, 0].round(6),
                              f"{prefix}distress_ct": scores[:, t, 1].round(6)})
        writer = pyreadstat.write_dta if fmt == "dta" else pyreadstat.write_sav
        kw = {"version": 15} if fmt == "dta" else {}
        files.append(write_atomic(folder / name, lambda tmp, frame=frame: writer(frame, str(tmp), **kw)))
    truth = {**truth, "cohort": f"{cohort}-like", "format": fmt, "files": names}
    # truth.json last: its presence marks a complete set.
    truth_path = write_text_atomic(folder / "truth.json", json.dumps(truth, indent=2, allow_nan=False) + "\n")
    return ContinuousCohort(out=folder, wave_files=files, truth=truth_path)
