"""Panel: the read-only result of loading a cohort through a data spec.

Built by :func:`~analysis.data.loader.load_panel`; holds the long panel
(person x wave responded) and everything needed to report how it was made:
missing values by reason, attrition, labels, and the files read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import numpy as np
import pandas as pd

from analysis.data.sources import SourceFile
from analysis.data.spec import Spec
from analysis.data.spec_checks import suggest
from analysis.errors import DataError

MISSING_COLUMNS = ("wave", "column", "measure", "reason", "count")


@dataclass(frozen=True)
class ColumnLabels:
    """Labels of one source column, as stored in the SPSS/Stata files."""

    column: str
    label: str | None
    value_labels: Mapping[float, str]
    waves: tuple[str, ...]


class Panel:
    """A cohort loaded through a data spec (read-only).

    Attributes
    ----------
    spec : Spec
    waves : tuple of str
        Waves loaded, in spec order (only waves whose files exist).
    absent_waves : tuple of str
        Waves listed in the spec with no data.
    constructs : tuple of str
        Constructs scored in at least one wave.
    construct_waves : dict
        Construct -> waves in which it was scored (its items present).
    groupings : tuple of str
    covariates : tuple of str
    long : DataFrame
        One row per person x wave responded: ``id``, ``wave`` (ordered
        categorical), ``wave_index`` (0-based position in ``waves``),
        ``wave_number`` (the spec's wave number), constructs, covariates,
        groupings (ordered categoricals) and ``weight`` (the wave's weight;
        1.0 throughout when the spec names no weight).
    missing : DataFrame
        Values made missing: ``wave, column, measure, reason, count``.
    attrition : DataFrame
        Per wave: ``respondents, retained`` (also in the previous loaded
        wave), ``new`` (first seen), ``returning`` (seen before, not in the
        previous wave) and ``lost`` (in the previous wave, not this one).
    labels : dict
        Source column -> :class:`ColumnLabels`.
    sources : list of SourceFile
        Files read, with SHA-256.
    weight_columns : dict
        Wave -> weight column used (None when no weight was found).
    grouping_cutoffs : dict
        Grouping -> cut-offs used (quantile cut-offs as computed); None for bands.
    notes : tuple of str
        Things a reader should know (absent waves, constructs not found, ...).
    """

    __slots__ = ("_spec", "_data", "_long", "_waves", "_absent", "_construct_waves", "_missing",
                 "_attrition", "_labels", "_sources", "_weight_columns", "_cutoffs", "_notes")

    def __init__(self, *, spec: Spec, data: str, long: pd.DataFrame, waves: tuple[str, ...],
                 absent_waves: tuple[str, ...], construct_waves: dict[str, tuple[str, ...]],
                 missing: pd.DataFrame, attrition: pd.DataFrame, labels: dict[str, ColumnLabels],
                 sources: list[SourceFile], weight_columns: dict[str, str | None],
                 grouping_cutoffs: dict[str, tuple[float, ...] | None], notes: tuple[str, ...]):
        self._spec, self._data, self._long = spec, data, long
        self._waves, self._absent = waves, absent_waves
        self._construct_waves = MappingProxyType(dict(construct_waves))
        self._missing, self._attrition = missing, attrition
        self._labels = MappingProxyType(dict(labels))
        self._sources = tuple(sources)
        self._weight_columns = MappingProxyType(dict(weight_columns))
        self._cutoffs = MappingProxyType(dict(grouping_cutoffs))
        self._notes = notes

    def __repr__(self) -> str:
        return (f"Panel({self._spec.cohort!r}: {self._long['id'].nunique()} persons, "
                f"{len(self._waves)} waves {', '.join(self._waves)}; "
                f"constructs {', '.join(self.constructs)})")

    # -- read-only views (copies are cheap under copy-on-write) ------------
    spec = property(lambda self: self._spec)
    data = property(lambda self: self._data, doc="The data folder read.")
    waves = property(lambda self: self._waves)
    absent_waves = property(lambda self: self._absent)
    construct_waves = property(lambda self: dict(self._construct_waves))
    labels = property(lambda self: dict(self._labels))
    sources = property(lambda self: list(self._sources))
    weight_columns = property(lambda self: dict(self._weight_columns))
    grouping_cutoffs = property(lambda self: dict(self._cutoffs))
    notes = property(lambda self: self._notes)
    long = property(lambda self: self._long.copy(deep=False))
    missing = property(lambda self: self._missing.copy(deep=False))
    attrition = property(lambda self: self._attrition.copy(deep=False))

    @property
    def constructs(self) -> tuple[str, ...]:
        return tuple(self._construct_waves)

    @property
    def groupings(self) -> tuple[str, ...]:
        return tuple(self._cutoffs)

    @property
    def covariates(self) -> tuple[str, ...]:
        return tuple(self._spec.covariates)

    # -- wide ---------------------------------------------------------------
    def wide(self, constructs: Sequence[str], *, waves: Sequence[str] | None = None,
             groupings: Sequence[str] = (), covariates: Sequence[str] = ()) -> pd.DataFrame:
        """One row per person present in any of ``waves``, columns ``{construct}_{wave}``.

        Parameters
        ----------
        constructs : sequence of str
        waves : sequence of str, optional
            Default: the loaded waves in which every one of ``constructs`` was scored.
        groupings, covariates : sequence of str
            Added as columns with each person's value at the first of ``waves``
            they responded in (a person's group is taken at the first wave analysed).

        Returns
        -------
        DataFrame
            ``id``, ``{construct}_{wave}`` (NaN when not observed), the
            groupings and covariates, and ``weight``: the weight of the last
            of ``waves`` (0 for people who did not respond then, as a
            longitudinal weight is zero outside the longitudinal sample).

        Raises
        ------
        DataError
            If a name is unknown or a construct was not scored in a requested wave.
        """
        constructs = self._names(constructs, self.constructs, "construct")
        groupings = self._names(groupings, self.groupings, "grouping")
        covariates = self._names(covariates, self.covariates, "covariate")
        if waves is None:
            waves = [w for w in self._waves if all(w in self._construct_waves[c] for c in constructs)]
            if not waves:
                raise DataError(f"{', '.join(constructs)} were never scored in the same wave; "
                                "pass waves= explicitly or fewer constructs.")
        else:
            waves = self._names(waves, self._waves, "wave")
            if len(set(waves)) != len(waves):
                raise DataError("waves must list each wave once.")
            waves = sorted(waves, key=self._waves.index)
            for c in constructs:
                for w in waves:
                    if w not in self._construct_waves[c]:
                        had = ", ".join(self._construct_waves[c]) or "no wave"
                        raise DataError(f"wave {w}: {c} was not scored (its items are not in that "
                                        f"wave's file); it was scored in {had}.")
        long = self._long[self._long["wave"].isin(waves)]
        first = long.drop_duplicates("id", keep="first").set_index("id")
        table = long.pivot(index="id", columns="wave", values=list(constructs)) if constructs else None
        out = pd.DataFrame(index=first.index)
        for c in constructs:
            for w in waves:
                out[f"{c}_{w}"] = table[(c, w)] if table is not None else np.nan
        for name in (*groupings, *covariates):
            out[name] = first[name]
        last = long[long["wave"] == waves[-1]].set_index("id")["weight"]
        # Zero for people who did not respond in the last wave; a missing weight stays missing.
        weight = last.reindex(out.index).astype(np.float64)
        out["weight"] = weight.where(out.index.isin(last.index), 0.0)
        return out.reset_index()

    @staticmethod
    def _names(given: Sequence[str], known: Sequence[str], what: str) -> list[str]:
        return known_names(given, known, what=what)


def known_names(given: str | Sequence[str], known: Sequence[str], *, what: str) -> list[str]:
    """``given`` as a list, after checking that each name is one of ``known``.

    Parameters
    ----------
    given : str or sequence of str
        One name or several.
    known : sequence of str
        The names the panel has.
    what : str
        What the names are ("construct", "grouping", "wave"), for the message.

    Raises
    ------
    DataError
        Naming the first unknown name, with a "did you mean" suggestion or the choices.
    """
    names = [given] if isinstance(given, str) else list(given)
    for name in names:
        if name not in known:
            hint = suggest(str(name), known) or "; there are none"
            raise DataError(f"unknown {what} {name!r}{hint}" + ("" if hint.endswith("?") else "."))
    return names
