"""Studies to pool without files of one's own: the built-in continuous-time cohorts, and uploaded results.

:func:`builtin_study` simulates a UKHLS-like (yearly) or ELSA-like (two-yearly) cohort from
the one continuous-time model of :mod:`analysis.synth.continuous`, reads it through its data
spec and fits the RI-CLPM, exactly as a user's own cohort would go; :func:`study_from_json`
reads a ``crosslag --json`` result given as bytes (an upload).
"""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path
from typing import Literal

from analysis.errors import DataError
from analysis.pooling.cohorts import CohortLags, from_result

SPECS = Path(__file__).resolve().parents[2] / "data_specs"
#: The built-in studies: name -> (generator layout, spec file, seed).
BUILTIN = {"UKHLS-like (yearly)": ("ukhls", "synthetic_ct_ukhls.yaml", 102),
           "ELSA-like (two-yearly)": ("elsa", "synthetic_ct_elsa.yaml", 103)}


def builtin_result(name: str, *, n: int = 3000, waves: int = 5,
                   model: Literal["clpm", "riclpm", "dpm"] = "riclpm") -> dict:
    """The crosslag result (JSON-safe dict) of built-in study ``name`` (a key of :data:`BUILTIN`)."""
    from analysis.data import load_panel
    from analysis.models.crosslag import fit_crosslag
    from analysis.synth.continuous import write_continuous_cohort

    if name not in BUILTIN:
        raise DataError(f"{name!r} is not a built-in study; choose from {', '.join(BUILTIN)}.")
    layout, spec, seed = BUILTIN[name]
    with tempfile.TemporaryDirectory(prefix="workbench-pool-") as tmp:
        write_continuous_cohort(cohort=layout, n=n, waves=waves, seed=seed, fmt="dta", out=Path(tmp))
        panel = load_panel(SPECS / spec, data=tmp)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = fit_crosslag(panel, x="loneliness", y="distress", model=model, compare=False, survey="none")
    return {**json.loads(json.dumps(res.to_dict(), allow_nan=True)), "cohort": name}


def builtin_study(name: str, **kwargs) -> CohortLags:
    """Built-in study ``name`` as :class:`CohortLags` (see :func:`builtin_result`)."""
    return from_result(builtin_result(name, **kwargs), source=name, name=name)


def study_from_json(data: bytes, *, source: str) -> CohortLags:
    """A study from the bytes of a ``crosslag --json`` file (``source`` names it in messages).

    Raises
    ------
    DataError
        The bytes are not UTF-8 JSON, or not a cross-lag result that can be pooled.
    """
    try:
        result = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise DataError(f"{source} is not a text file; give the JSON written by crosslag --json.") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{source} is not valid JSON (line {exc.lineno}); give the JSON written by crosslag "
                        "--json.") from None
    return from_result(result, source=source)
