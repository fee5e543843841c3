"""Panel: the read-only result of loading a cohort through a data spec.

Built by :func:`~analysis.data.loader.load_panel`; holds the long panel
(person x wave responded) and everything needed to report how it was made:
missing values by reason, attrition, labels, and the files read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping

import numpy as np
import pandas as pd

from analysis.data.sources import SourceFile
from analysis.data.spec import Spec
from analysis.data.spec_checks import suggest
from analysis.data.survey_design import WEIGHT_RULES, SurveyDesign, WeightRule
from analysis.errors import DataError

if TYPE_CHECKING:
    from analysis.data.audit import AuditWarning

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
        groupings (ordered categoricals), ``weight`` (the wave's weight;
        1.0 throughout when the spec names no weight) and, when the spec's
        ``design`` declares them, ``psu`` and ``strata`` (the wave's codes).
    missing : DataFrame
        Values made missing: ``wave, column, measure, reason, count``.
    attrition : DataFrame
        Per wave: ``respondents, retained`` (also in the previous loaded
        wave), ``new`` (first seen), ``returning`` (seen before, not in the
        previous wave) and ``lost`` (in the previous wave, not this one);
        when the panel is weighted, also the retention of the first wave's
        respondents, unweighted and weighted by their first-wave weight (see
        :func:`~analysis.data.attrition.attrition_table`).
    labels : dict
        Source column -> :class:`ColumnLabels`.
    sources : list of SourceFile
        Files read, with SHA-256.
    weight_columns : dict
        Wave -> weight column used (None when no weight was found).
    design : SurveyDesign
        The weight, PSU and strata columns each wave used, and the columns of
        :meth:`wide` to pass to a fit (``design.fit_keywords()``).
    grouping_cutoffs : dict
        Grouping -> cut-offs used (quantile cut-offs as computed); None for bands.
    notes : tuple of str
        Things a reader should know (absent waves, constructs not found, ...).
    audit : tuple of AuditWarning
        Where the files' value labels disagree with the spec, a construct is
        absent from a wave without the spec saying so, or a weight or design
        column is missing (:mod:`analysis.data.audit`).
    """

    __slots__ = ("_spec", "_data", "_long", "_waves", "_absent", "_construct_waves", "_missing",
                 "_attrition", "_labels", "_sources", "_weight_columns", "_design_columns", "_cutoffs",
                 "_notes", "_audit")

    def __init__(self, *, spec: Spec, data: str, long: pd.DataFrame, waves: tuple[str, ...],
                 absent_waves: tuple[str, ...], construct_waves: dict[str, tuple[str, ...]],
                 missing: pd.DataFrame, attrition: pd.DataFrame, labels: dict[str, ColumnLabels],
                 sources: list[SourceFile], weight_columns: dict[str, str | None],
                 grouping_cutoffs: dict[str, tuple[float, ...] | None], notes: tuple[str, ...],
                 design_columns: dict[str, dict[str, str | None]] | None = None,
                 audit: tuple[AuditWarning, ...] = ()):
        self._spec, self._data, self._long = spec, data, long
        self._waves, self._absent = waves, absent_waves
        self._construct_waves = MappingProxyType(dict(construct_waves))
        self._missing, self._attrition = missing, attrition
        self._labels = MappingProxyType(dict(labels))
        self._sources = tuple(sources)
        self._weight_columns = MappingProxyType(dict(weight_columns))
        self._design_columns = MappingProxyType({k: dict(v) for k, v in (design_columns or {}).items()})
        self._cutoffs = MappingProxyType(dict(grouping_cutoffs))
        self._notes = notes
        self._audit = tuple(audit)

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
    audit = property(lambda self: self._audit, doc="What the files' own labels say against the spec "
                     "(:class:`~analysis.data.audit.AuditWarning`; see :mod:`analysis.data.audit`).")
    long = property(lambda self: self._long.copy(deep=False))
    missing = property(lambda self: self._missing.copy(deep=False))
    attrition = property(lambda self: self._attrition.copy(deep=False))

    @property
    def design(self) -> SurveyDesign:
        """Which weight, PSU and strata columns each wave used (see :class:`SurveyDesign`)."""
        return SurveyDesign(weight=self._weight_columns, psu=self._design_columns.get("psu"),
                            strata=self._design_columns.get("strata"),
                            spec_weight=self._spec.weight is not None)

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
             groupings: Sequence[str] = (), covariates: Sequence[str] = (),
             weight_rule: WeightRule = "last") -> pd.DataFrame:
        """One row per person present in any of ``waves``, columns ``{construct}_{wave}``.

        Parameters
        ----------
        constructs : sequence of str
        waves : sequence of str, optional
            Default: the loaded waves in which every one of ``constructs`` was scored.
        groupings, covariates : sequence of str
            Added as columns with each person's value at the first of ``waves``
            they responded in (a person's group is taken at the first wave analysed).
        weight_rule : {"last", "first"}
            Which wave's weight a person carries.  ``"last"`` (default): the
            weight of the last of ``waves``, as the data producers advise for a
            longitudinal analysis (the longitudinal weight of the last wave
            covers the people who responded in every wave up to it); zero for
            people who did not respond then.  ``"first"``: the weight of the
            first of ``waves``, zero for people who did not respond then; people
            lost later still count, their later waves handled by FIML.

        Returns
        -------
        DataFrame
            ``id``, ``{construct}_{wave}`` (NaN when not observed), the
            groupings and covariates, ``weight`` per ``weight_rule`` (a missing
            weight stays missing: the estimator counts zero and missing weights)
            and, when the spec's ``design`` declares them, ``psu`` and
            ``strata``: each person's codes at the first of ``waves`` they
            responded in (where they were sampled), else at the first wave
            where they are known (other loaded waves after the window's).

        Raises
        ------
        DataError
            If a name is unknown, a construct was not scored in a requested
            wave, or ``weight_rule`` is not "last" or "first".
        """
        if weight_rule not in WEIGHT_RULES:
            raise DataError(f"weight_rule must be 'last' or 'first', not {weight_rule!r}.")
        constructs = self._names(constructs, self.constructs, "construct")
        groupings = self._names(groupings, self.groupings, "grouping")
        covariates = self._names(covariates, self.covariates, "covariate")
        waves = self._window(constructs, waves)
        long = self._long[self._long["wave"].isin(waves)]
        first = long.drop_duplicates("id", keep="first").set_index("id")
        table = long.pivot(index="id", columns="wave", values=list(constructs)) if constructs else None
        out = pd.DataFrame(index=first.index)
        for c in constructs:
            for w in waves:
                # A wave with nobody in it has no column in the pivot: all missing.
                out[f"{c}_{w}"] = table[(c, w)] if table is not None and (c, w) in table.columns else np.nan
        for name in (*groupings, *covariates):
            out[name] = first[name]
        at = long[long["wave"] == (waves[-1] if weight_rule == "last" else waves[0])]
        at = at.set_index("id")["weight"]
        # Zero for people who did not respond in that wave; a missing weight stays missing.
        weight = at.reindex(out.index).astype(np.float64)
        out["weight"] = weight.where(out.index.isin(at.index), 0.0)
        for role in self._spec.design_roles:
            out[role] = self._sampled_at(role, waves).reindex(out.index)
        return out.reset_index()

    def _window(self, constructs: list[str], waves: Sequence[str] | None) -> list[str]:
        """The analysis waves, in panel order, checked against where each construct was scored."""
        if waves is None:
            waves = [w for w in self._waves if all(w in self._construct_waves[c] for c in constructs)]
            if not waves:
                raise DataError(f"{', '.join(constructs)} were never scored in the same wave; "
                                "pass waves= explicitly or fewer constructs.")
            return waves
        waves = self._names(waves, self._waves, "wave")
        if len(set(waves)) != len(waves):
            raise DataError("waves must list each wave once.")
        waves = sorted(waves, key=self._waves.index)
        for c in constructs:
            for w in waves:
                if w not in self._construct_waves[c]:
                    had = ", ".join(self._construct_waves[c]) or "no wave"
                    asked = self._spec.constructs[c].waves
                    if asked is not None and w not in asked:
                        raise DataError(f"wave {w}: {c} is not asked in that wave (the study asks it in waves "
                                        f"{', '.join(asked)}, constructs.{c}.waves); it was scored in {had}.")
                    raise DataError(f"wave {w}: {c} was not scored (its items are not in that "
                                    f"wave's file); it was scored in {had}.")
        return waves

    def _sampled_at(self, role: str, waves: Sequence[str]) -> pd.Series:
        """Per person, the first known ``role`` code: the window's waves first, then the others."""
        long = self._long[["id", "wave_index", role]].dropna(subset=[role])
        inside = long["wave_index"].isin([self._waves.index(w) for w in waves])
        # Sort key: window waves (in order) before the rest (in order).
        key = long["wave_index"].to_numpy() + np.where(inside.to_numpy(), 0, len(self._waves))
        ordered = long.assign(_key=key).sort_values(["id", "_key"], kind="stable")
        return ordered.drop_duplicates("id", keep="first").set_index("id")[role].astype(np.float64)

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
