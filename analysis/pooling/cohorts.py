"""Cohorts to pool: the lag matrix, its covariance and the years between waves of one study.

:func:`read_cohorts` reads ``crosslag`` JSON files (``python -m analysis crosslag --json``)
or run folders (``python -m analysis run``: their ``results.json``) and returns one
:class:`CohortLags` per study, refusing in one sentence (a
:class:`~analysis.errors.DataError` naming the file) anything that cannot be put on a
common time scale: a file that is not a cross-lag result, lags that differ by wave,
no years between waves, a covariance that is not one.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from analysis.errors import DataError

#: Fewest persons a cohort may have in any output (the workbench's disclosure threshold).
MIN_PERSONS = 10


@dataclass(frozen=True)
class CohortLags:
    """One study's time-invariant lags (rows: later x, y; columns: earlier x, y) and their covariance.

    ``vcov`` is the covariance of the row-major entries ``ar_x, y_to_x, x_to_y, ar_y``.
    """

    name: str
    x: str
    y: str
    interval_years: float
    n: int
    phi: np.ndarray = field(repr=False)
    vcov: np.ndarray = field(repr=False)
    model: str = "riclpm"
    source: str = ""
    group: str | None = None  # the group (e.g. life stage) of a group comparison, when groups are pooled

    def __post_init__(self) -> None:
        check_lags(self.phi, self.vcov, where=self.source or self.name)
        if not (isinstance(self.interval_years, (int, float)) and math.isfinite(self.interval_years)
                and self.interval_years > 0):
            raise DataError(f"{self.source or self.name}: the years between waves must be a positive number, "
                            f"not {self.interval_years!r}.")
        if self.n < MIN_PERSONS:
            raise DataError(f"{self.source or self.name}: the cohort has fewer than {MIN_PERSONS} persons, too few "
                            "to pool or to show.")

    def swapped(self) -> CohortLags:
        """The same lags with x and y exchanged (so cohorts that named them the other way round line up)."""
        perm = [3, 2, 1, 0]  # ar_x, y_to_x, x_to_y, ar_y -> ar_y, x_to_y, y_to_x, ar_x
        return CohortLags(name=self.name, x=self.y, y=self.x, interval_years=self.interval_years, n=self.n,
                          phi=self.phi[::-1, ::-1].copy(), vcov=self.vcov[np.ix_(perm, perm)],
                          model=self.model, source=self.source, group=self.group)


def check_lags(phi: Any, vcov: Any, *, where: str) -> None:
    """Refuse (one sentence naming ``where``) a lag matrix that is not 2 x 2 with a 4 x 4 covariance."""
    phi, vcov = np.asarray(phi, dtype=float), np.asarray(vcov, dtype=float)
    if phi.shape != (2, 2) or vcov.shape != (4, 4) or not (np.all(np.isfinite(phi)) and np.all(np.isfinite(vcov))):
        raise DataError(f"{where}: the lag matrix must be 2 x 2 numbers with a 4 x 4 covariance of its estimates.")
    # Relative tolerances: results.json keeps 10 significant digits, which may leave a singular covariance
    # (strongly correlated estimates) a rounding error below zero.
    scale = float(np.max(np.abs(vcov)))
    if np.max(np.abs(vcov - vcov.T)) > 1e-8 * scale or np.min(np.diag(vcov)) <= 0 or \
            np.min(np.linalg.eigvalsh((vcov + vcov.T) / 2)) < -1e-8 * scale:
        raise DataError(f"{where}: the covariance of the lag estimates is not a covariance matrix (symmetric, "
                        "positive variances); were the standard errors computed?")


def from_result(result: Any, *, source: str, name: str | None = None) -> CohortLags:
    """A :class:`CohortLags` from one cross-lag result (the dict of ``CrossLagResults.to_dict``)."""
    if not isinstance(result, dict) or not isinstance(result.get("crosslag"), dict) or \
            "x_to_y" not in result["crosslag"] or not {"x", "y", "model"} <= set(result):
        raise DataError(f"{source} is not a cross-lag result; give the JSON written by "
                        "'python -m analysis crosslag --json' or a run folder.")
    block = result["crosslag"]
    if "lag_matrix" not in block:
        raise DataError(f"{source} has no lag matrix with its covariance (written by an older version); run "
                        "crosslag again to pool it.")
    if block["lag_matrix"] is None:
        raise DataError(f"{source} has lags that differ by wave (--lags free), so there is no one lag matrix to "
                        "move to another interval; fit it with lags equal over waves (--lags invariant).")
    if result.get("interval_years") is None:
        raise DataError(f"{source} does not say how many years apart its waves are (equally): give 'interval' in "
                        "its data spec, analyse equally spaced waves, and run crosslag again.")
    lag = block["lag_matrix"]
    try:
        phi = np.asarray(lag["est"], dtype=float)
        vcov = np.asarray(lag["vcov"], dtype=float)
        order = list(lag.get("order", ["ar_x", "y_to_x", "x_to_y", "ar_y"]))
        n = _persons(result)
        years = float(result["interval_years"])
    except (TypeError, ValueError, KeyError):
        raise DataError(f"{source}: the lag matrix, its covariance, the years between waves or the number of "
                        "persons is not a number where one is expected.") from None
    if order != ["ar_x", "y_to_x", "x_to_y", "ar_y"]:
        raise DataError(f"{source}: the lag matrix lists its entries as {order}, not ar_x, y_to_x, x_to_y, ar_y.")
    label = name or result.get("cohort") or Path(source).stem
    return CohortLags(name=str(label), x=str(result["x"]), y=str(result["y"]), interval_years=years, n=n,
                      phi=phi, vcov=vcov, model=str(result["model"]), source=source)


def group_studies(result: Any, *, source: str, name: str | None = None) -> tuple[list[CohortLags], list[str]]:
    """Each group of a ``crosslag --group`` result as a study of its own, and notes on groups left out.

    A group with fewer than :data:`MIN_PERSONS` persons (or whose size is hidden) is left
    out and named in a note.

    Raises
    ------
    DataError
        Naming ``source``: no group comparison with lag matrices in it, or lags that differ by wave.
    """
    whole = from_result(result, source=source, name=name)
    lags = result.get("group_lag_matrices")
    comparison = result.get("group_comparison") or {}
    if not isinstance(lags, dict) or not lags:
        raise DataError(f"{source} has no groups with lag matrices; run crosslag with --group GROUPING (e.g. "
                        "life_stage) and --json to pool the groups.")
    sizes = comparison.get("group_sizes") or {}
    studies, notes = [], []
    for level, lag in lags.items():
        if lag is None:
            raise DataError(f"{source}: group {level!r} has lags that differ by wave; fit the groups with lags equal "
                            "over waves (--lags invariant).")
        size = sizes.get(level)
        if not isinstance(size, int) or size < MIN_PERSONS:
            notes.append(f"Group {level!r} of {whole.name} has fewer than {MIN_PERSONS} persons (or its size is "
                         "hidden) and is left out.")
            continue
        group_result = {**result, "crosslag": {**result["crosslag"], "lag_matrix": lag}, "fit": {"nobs": size}}
        study = from_result(group_result, source=f"{source} ({level})", name=f"{whole.name} {level}")
        studies.append(CohortLags(name=study.name, x=study.x, y=study.y, interval_years=study.interval_years,
                                  n=study.n, phi=study.phi, vcov=study.vcov, model=study.model, source=study.source,
                                  group=str(level)))
    return studies, notes


def read_cohorts(paths: Sequence[str | os.PathLike[str]], *, x: str | None = None, y: str | None = None,
                 model: str | None = None) -> list[CohortLags]:
    """Read cross-lag JSON files and run folders; one :class:`CohortLags` per file or folder.

    A run folder may hold several cross-lag results: ``x``, ``y`` and ``model`` pick one;
    otherwise it must hold exactly one.  Cohorts with x and y the other way round are
    swapped to match the first.

    Raises
    ------
    DataError
        Naming the file: unreadable, not JSON, not a cross-lag result, nothing to pool in
        it, several results to choose from, or cohorts about different constructs.
    """
    cohorts = []
    for path in paths:
        cohorts.append(_read_one(Path(path), x=x, y=y, model=model))
    return align(cohorts)


def read_group_studies(paths: Sequence[str | os.PathLike[str]], *, names: Sequence[str] | None = None
                       ) -> tuple[list[CohortLags], list[str]]:
    """Read ``crosslag --group --json`` files: each group of each file a study (see :func:`group_studies`).

    ``names``: the cohorts' names, one per file (default: the ``cohort`` in each file).
    """
    studies, notes = [], []
    for k, path in enumerate(paths):
        file = Path(path)
        if not file.is_file():
            raise DataError(f"{file}: no such file; pooling groups needs the JSON files of crosslag --group.")
        found, said = group_studies(_load_json(file), source=str(file), name=names[k] if names else None)
        studies += found
        notes += said
    return align(studies), notes


def align(cohorts: Sequence[CohortLags]) -> list[CohortLags]:
    """Line the cohorts up on the first one's x and y (swapping where reversed); refuse other constructs."""
    if not cohorts:
        return []
    first = cohorts[0]
    out = []
    for c in cohorts:
        if (c.x, c.y) == (first.x, first.y):
            out.append(c)
        elif (c.y, c.x) == (first.x, first.y):
            out.append(c.swapped())
        else:
            raise DataError(f"{c.source or c.name} is about {c.x} and {c.y}, but {first.source or first.name} about "
                            f"{first.x} and {first.y}; pool results on the same two constructs (named alike in "
                            "the data specs).")
    return out


def _read_one(path: Path, *, x: str | None, y: str | None, model: str | None) -> CohortLags:
    source = str(path)
    if path.is_dir():
        file = path / "results.json"
        if not file.is_file():
            raise DataError(f"{source} is a folder without results.json; give a run folder or a crosslag JSON file.")
        data = _load_json(file)
        items = data.get("crosslag") if isinstance(data, dict) else None
        if not isinstance(items, list) or not items:
            raise DataError(f"{source} is a run without cross-lag results; add a crosslag item to its config.")
        chosen = [r for r in items if isinstance(r, dict) and (x is None or x in (r.get("x"), r.get("y")))
                  and (y is None or y in (r.get("x"), r.get("y"))) and (model is None or r.get("model") == model)]
        if not chosen:
            raise DataError(f"{source} has no cross-lag result for the constructs and model asked for.")
        if len(chosen) > 1:
            which = ", ".join(f"{r.get('x')} and {r.get('y')} ({r.get('model')})" for r in chosen)
            raise DataError(f"{source} holds several cross-lag results ({which}); choose one with --x, --y and "
                            "--model.")
        title = data.get("title")
        return from_result(chosen[0], source=source, name=chosen[0].get("cohort") or path.name or title)
    if not path.exists():
        raise DataError(f"{source}: no such file or folder.")
    result = _load_json(path)
    cohort = from_result(result, source=source)
    if (x is not None and x not in (cohort.x, cohort.y)) or (y is not None and y not in (cohort.x, cohort.y)):
        raise DataError(f"{source} is about {cohort.x} and {cohort.y}, not the constructs asked for.")
    return cohort


def _persons(result: dict) -> int:
    """Persons in the fit: ``fit.nobs``, else the sum of ``nobs`` by group (or ``nobs`` itself)."""
    fit = result.get("fit")
    if isinstance(fit, dict) and fit.get("nobs") is not None:
        return int(fit["nobs"])
    nobs = result.get("nobs")
    return int(sum(nobs.values())) if isinstance(nobs, dict) else int(nobs)


def _load_json(file: Path) -> Any:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError(f"{file} is not a text file; give the JSON written by crosslag --json.") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{file} is not valid JSON (line {exc.lineno}); give the JSON written by crosslag "
                        "--json.") from None
