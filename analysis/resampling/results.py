"""Results of a bootstrap: replicates, standard errors and intervals, in one read-only object.

:class:`BootstrapResults` holds what was computed (the full-data estimates, the
replicates that succeeded, the jackknife values for BCa) and derives the rest:
``table`` (tidy: one row per statistic and interval method, with ``est``, ``se``,
``ci_lower``, ``ci_upper``), ``by_statistic()`` (one row per statistic, every
method side by side), ``summary()`` and ``to_dict()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from analysis.errors import UsageError
from analysis.outputs import json_safe
from analysis.resampling.intervals import bca_interval, bias_correction, jackknife_acceleration, percentile_interval

Interval = Literal["percentile", "bca"]
INTERVALS: tuple[Interval, ...] = ("percentile", "bca")
TABLE_COLUMNS = ["statistic", "method", "est", "se", "bias", "ci_lower", "ci_upper", "n_boot"]
METHOD_WORDS = {"percentile": "percentile (quantiles of the resampled estimates)",
                "bca": "BCa (corrected for bias and skewness; usually the better choice)"}


@dataclass(frozen=True, eq=False)
class BootstrapResults:
    """Bootstrap replicates of one or more statistics and their intervals (read-only).

    Attributes
    ----------
    estimate : Series
        The statistics on the full data, indexed by name.
    draws : DataFrame
        One row per replicate that succeeded (index: replicate number), one column per statistic.
    jackknife : DataFrame
        Jackknife values (index: block number) for the BCa acceleration; empty without BCa.
    replicates, failed : int
        Replicates asked for, and how many failed (left out of every interval).
    jackknife_failed : int
    jackknife_method : str
        ``"leave-one-out jackknife"``, ``"grouped jackknife (k blocks of persons)"`` or ``"none"``.
    level : float
        Confidence level of the intervals.
    seed : int
        Entropy of the run's ``SeedSequence``; ``spawn_key`` locates a child sequence.
    methods : tuple of str
        Interval methods computed: ``"percentile"`` and/or ``"bca"``.
    resampled : str
        What was resampled: ``"persons"``, ``"persons within strata"``, ``"clusters within strata"``.
    description, notes, folder, info
        Words for people, the run folder (if any), and facts the caller adds to ``to_dict()``.
    """

    estimate: pd.Series
    draws: pd.DataFrame
    jackknife: pd.DataFrame
    replicates: int
    failed: int
    jackknife_failed: int
    jackknife_method: str
    level: float
    seed: int | list[int]
    spawn_key: tuple[int, ...] = ()
    methods: tuple[Interval, ...] = INTERVALS
    resampled: str = "persons"
    description: str = ""
    notes: tuple[str, ...] = ()
    folder: Path | None = None
    info: dict = field(default_factory=dict)

    # ---- what was computed ---------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        return tuple(str(n) for n in self.estimate.index)

    @property
    def n_ok(self) -> int:
        """Replicates that succeeded."""
        return int(len(self.draws))

    @property
    def params(self) -> pd.Series:
        """The statistics on the full data."""
        return self.estimate.copy()

    @property
    def std_errors(self) -> pd.Series:
        """Bootstrap standard errors (SD of the replicates; NaN with fewer than two)."""
        if self.n_ok < 2:
            return pd.Series(np.nan, index=self.estimate.index, name="se")
        return self.draws[list(self.estimate.index)].std(ddof=1).rename("se")

    # ---- intervals -----------------------------------------------------------------------
    @cached_property
    def _wide(self) -> pd.DataFrame:
        rows = []
        for name in self.estimate.index:
            b = self.draws[name].to_numpy(float) if name in self.draws else np.empty(0)
            est = float(self.estimate[name])
            row = {"statistic": name, "estimate": est,
                   "boot_mean": float(b.mean()) if b.size else np.nan,
                   "bias": float(b.mean() - est) if b.size else np.nan,
                   "boot_se": float(b.std(ddof=1)) if b.size > 1 else np.nan}
            row["percentile_lower"], row["percentile_upper"] = percentile_interval(b, level=self.level)
            if "bca" in self.methods:
                j = self.jackknife[name].to_numpy(float) if name in self.jackknife else np.empty(0)
                row["bca_lower"], row["bca_upper"] = bca_interval(b, est, j, level=self.level)
                row["z0"] = bias_correction(b, est) if b.size else np.nan
                row["acceleration"] = jackknife_acceleration(j)
            row["n_boot"] = int(b.size)
            rows.append(row)
        return pd.DataFrame(rows)

    def by_statistic(self) -> pd.DataFrame:
        """One row per statistic: ``estimate``, ``boot_mean``, ``bias``, ``boot_se``,
        ``percentile_lower/upper`` and, with BCa, ``bca_lower/upper``, ``z0`` (bias
        correction) and ``acceleration``; ``n_boot`` replicates used."""
        return self._wide.copy()

    def to_frame(self) -> pd.DataFrame:
        """Tidy intervals: ``statistic``, ``method``, ``est``, ``se``, ``bias``, ``ci_lower``, ``ci_upper``, ``n_boot``."""
        w = self._wide
        parts = []
        for method in self.methods:
            parts.append(pd.DataFrame({
                "statistic": w["statistic"], "method": method, "est": w["estimate"], "se": w["boot_se"],
                "bias": w["bias"], "ci_lower": w[f"{method}_lower"], "ci_upper": w[f"{method}_upper"],
                "n_boot": w["n_boot"]}))
        out = pd.concat(parts, ignore_index=True)
        order = {n: k for k, n in enumerate(w["statistic"])}
        return out.sort_values("statistic", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)

    def conf_int(self, method: Interval | None = None) -> pd.DataFrame:
        """Intervals of one method (default BCa when computed, else percentile): ``ci_lower``, ``ci_upper``."""
        method = method or ("bca" if "bca" in self.methods else "percentile")
        if method not in self.methods:
            raise UsageError(f"No {method} intervals were computed; choose from {', '.join(self.methods)}.")
        w = self._wide.set_index("statistic")
        return pd.DataFrame({"ci_lower": w[f"{method}_lower"], "ci_upper": w[f"{method}_upper"]})

    # ---- for people and files ------------------------------------------------------------
    def summary(self) -> str:
        """The intervals as text, with how many replicates failed."""
        pct = f"{100 * self.level:g}%"
        jack = f" BCa acceleration from a {self.jackknife_method}." if "bca" in self.methods else ""
        lines = [self.description or f"Bootstrap over {self.resampled}",
                 f"{self.replicates} resamples of {self.resampled} (seed {self.seed}); {self.failed} failed and "
                 f"are left out.{jack}", ""]
        cols = ["statistic", "estimate", "boot_se", "bias", "percentile_lower", "percentile_upper"]
        cols += ["bca_lower", "bca_upper"] if "bca" in self.methods else []
        lines.append(self._wide[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        words = " and ".join(METHOD_WORDS[m] for m in self.methods)
        lines += ["", f"Intervals are {pct}: {words}."]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        methods = " and ".join("BCa" if m == "bca" else m for m in self.methods)
        return (f"<BootstrapResults: {len(self.names)} statistics, {self.replicates} resamples of {self.resampled} "
                f"({self.failed} failed), {100 * self.level:g}% {methods} intervals>")

    def to_dict(self) -> dict:
        """JSON-ready: settings, ``table`` (one row per statistic), ``intervals`` (tidy), notes and ``info``."""
        return json_safe({
            "description": self.description, "level": self.level, "seed": self.seed,
            "spawn_key": list(self.spawn_key), "replicates": self.replicates, "failed": self.failed,
            "jackknife": self.jackknife_method, "jackknife_failed": self.jackknife_failed,
            "resampled": self.resampled, "methods": list(self.methods),
            "table": self._wide.to_dict("records"), "intervals": self.to_frame().to_dict("records"),
            "notes": list(self.notes), "folder": None if self.folder is None else str(self.folder),
            **self.info,
        })
