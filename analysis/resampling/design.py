"""Who is drawn together: rows grouped into resampling units, units into strata.

A bootstrap resample must copy the dependence of the data.  A person's rows (the
waves of long data) are not independent, so whole persons are drawn; in a survey,
persons of one primary sampling unit (PSU) share their area, so whole PSUs are
drawn, independently within each stratum, as many as the stratum has (Rao & Wu
1988's "naive" bootstrap with :math:`m_h = n_h`).

* wide data (one row per person): ``ids=None``, each row is a unit;
* long data (several rows per person): ``ids`` gives each row's person;
* ``cluster``: each row's PSU; then PSUs are the units (persons must lie in one);
* ``strata``: each row's stratum; units are drawn within strata (units must lie in one),
  so every resample has the stratum sizes (in units) of the data.

Units are numbered in the sorted order of their labels, and within a stratum a
resample draws ``units[rng.integers(0, n_h, n_h)]`` stratum by stratum (sorted
labels), so a resample is a function of the generator alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import DataError, UsageError


def _codes(values: Any, name: str, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (in sorted label order where labels sort) and the labels of one labelling of the rows."""
    values = np.asarray(values)
    if values.ndim != 1 or len(values) != n_rows:
        raise UsageError(f"{name} needs one label per row of the data ({n_rows}); got shape {values.shape}.")
    missing = pd.isna(values)
    if missing.any():
        raise DataError(f"{name} has {int(missing.sum())} missing labels; every row needs one (drop those rows "
                        "or give them a label).")
    try:
        codes, labels = pd.factorize(values, sort=True)
    except TypeError:  # labels of mixed types that do not sort
        codes, labels = pd.factorize(values, sort=False)
    return np.asarray(codes, dtype=np.intp), np.asarray(labels, dtype=object)


def _nested(inner: np.ndarray, outer: np.ndarray, n_inner: int) -> np.ndarray:
    """The outer code of each inner code; -1 where an inner group spans several outer groups."""
    _, first_row = np.unique(inner, return_index=True)  # factorized codes: every code 0..n_inner-1 occurs
    first = outer[first_row]
    spans = np.zeros(n_inner, dtype=bool)
    spans[inner[outer != first[inner]]] = True
    return np.where(spans, -1, first)


@dataclass(frozen=True, eq=False)
class ResamplingDesign:
    """Rows grouped into resampling units and units into strata (read-only; picklable).

    Attributes
    ----------
    n_rows : int
        Rows of the data.
    order : ndarray
        Row positions sorted by unit (rows of a unit in their data order).
    starts, counts : ndarray
        Where each unit's rows start in ``order``, and how many there are.
    strata : tuple of ndarray
        The unit numbers of each stratum.
    stratum_labels : tuple
        The stratum labels (``()`` without strata).
    unit : str
        ``"person"`` or ``"cluster"``.
    """

    n_rows: int
    order: np.ndarray
    starts: np.ndarray
    counts: np.ndarray
    strata: tuple[np.ndarray, ...]
    stratum_labels: tuple
    unit: str

    @property
    def n_units(self) -> int:
        return int(self.starts.size)

    @property
    def one_row_each(self) -> bool:
        """Every unit is one row (wide data, persons as units)."""
        return self.n_units == self.n_rows

    def describe(self) -> str:
        """What is resampled, in words: ``persons``, ``persons within strata``, ``clusters within strata``."""
        what = "persons" if self.unit == "person" else "clusters"
        return what + (" within strata" if self.stratum_labels else "")

    def rows_of(self, units: np.ndarray) -> np.ndarray:
        """Row positions of ``units`` (in that order; a unit given twice gives its rows twice)."""
        units = np.asarray(units, dtype=np.intp)
        if self.one_row_each:
            return self.order[units]
        c = self.counts[units]
        begin = np.cumsum(c) - c
        # Position k of the output belongs to unit j: its first row plus (k - where unit j's rows begin).
        within = np.arange(int(c.sum())) - np.repeat(begin, c)
        return self.order[np.repeat(self.starts[units], c) + within]

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """Units of one resample: within each stratum, as many as it has, drawn with replacement."""
        parts = [units[rng.integers(0, units.size, units.size)] for units in self.strata]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def resample(self, rng: np.random.Generator) -> np.ndarray:
        """Row positions of one bootstrap resample (whole units, drawn within strata)."""
        return self.rows_of(self.draw(rng))

    def without(self, units: np.ndarray) -> np.ndarray:
        """Row positions of the data with ``units`` left out (in data order), for the jackknife."""
        keep = np.ones(self.n_rows, dtype=bool)
        keep[self.rows_of(units)] = False
        return np.flatnonzero(keep)

    def arrays(self) -> Sequence[np.ndarray]:
        """The arrays that fix the design (for a checksum of a run's settings)."""
        return (self.order, self.counts, *self.strata)


def resampling_design(n_rows: int, *, ids: Any = None, strata: Any = None, cluster: Any = None) -> ResamplingDesign:
    """Group ``n_rows`` rows into resampling units (persons or clusters) within strata.

    Parameters
    ----------
    n_rows
        Rows of the data.
    ids
        Each row's person (long data).  None: each row is a person (wide data).
    strata
        Each row's stratum; units are resampled within strata.  None: one stratum.
    cluster
        Each row's cluster (PSU); whole clusters are resampled.  None: persons are the clusters.

    Raises
    ------
    DataError
        If a label is missing, a person lies in two clusters, a unit in two strata, or a
        stratum has fewer than two units.
    """
    n_rows = int(n_rows)
    if ids is None and cluster is None:
        unit_codes, unit_labels, unit = np.arange(n_rows, dtype=np.intp), None, "person"
    elif cluster is None:
        unit_codes, unit_labels = _codes(ids, "ids", n_rows)
        unit = "person"
    else:
        unit_codes, unit_labels = _codes(cluster, "cluster", n_rows)
        unit = "cluster"
        if ids is not None:
            person_codes, person_labels = _codes(ids, "ids", n_rows)
            where = _nested(person_codes, unit_codes, len(person_labels))
            if (where < 0).any():
                bad = person_labels[np.flatnonzero(where < 0)[0]]
                raise DataError(f"Person {bad!r} has rows in more than one cluster; a person must lie in one "
                                "cluster (PSU) to be resampled with it.")
    n_units = n_rows if unit_labels is None else len(unit_labels)
    order = np.argsort(unit_codes, kind="stable")
    counts = np.bincount(unit_codes, minlength=n_units)
    starts = np.cumsum(counts) - counts
    labels: tuple = ()
    if strata is None:
        groups = (np.arange(n_units, dtype=np.intp),)
    else:
        s_codes, s_labels = _codes(strata, "strata", n_rows)
        where = _nested(unit_codes, s_codes, n_units)
        if (where < 0).any():
            k = np.flatnonzero(where < 0)[0]
            name = f"Row {k}" if unit_labels is None else f"{unit.capitalize()} {unit_labels[k]!r}"
            raise DataError(f"{name} lies in more than one stratum; each {unit} must lie in one stratum.")
        groups = tuple(np.flatnonzero(where == s) for s in range(len(s_labels)))
        labels = tuple(s_labels.tolist())
        lonely = [lab for lab, g in zip(labels, groups) if g.size < 2]
        if lonely:
            raise DataError(f"Stratum {lonely[0]!r} has only one {unit}; a bootstrap cannot resample within it: "
                            "merge it with a neighbouring stratum.")
    if n_units < 2:
        raise DataError(f"The bootstrap needs at least two {unit}s to resample (two persons or clusters); "
                        f"the data have {n_units}.")
    return ResamplingDesign(n_rows=n_rows, order=order, starts=starts, counts=counts, strata=groups,
                            stratum_labels=labels, unit=unit)
