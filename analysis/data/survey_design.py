"""SurveyDesign: which weight, PSU and strata columns each wave of a panel used.

A record for reports (``Panel.design``) and the bridge to the estimators:
:meth:`SurveyDesign.fit_keywords` names the columns of ``Panel.wide(...)`` to
pass as ``SEM(...).fit(data, weights=..., cluster=..., strata=...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

#: How ``Panel.wide`` picks a person's weight in an analysis window (see its docstring).
WeightRule = Literal["last", "first"]
WEIGHT_RULES: tuple[str, ...] = ("last", "first")


@dataclass(frozen=True)
class SurveyDesign:
    """The survey design columns a panel was loaded with.

    Attributes
    ----------
    weight : Mapping
        Wave -> weight column used (None: no weight column in that wave).
    psu, strata : Mapping or None
        Wave -> PSU (stratum) column used, None in a wave without one; None
        altogether when the spec's ``design`` does not declare it.
    spec_weight : bool
        Whether the spec names a weight (without one the panel's weight is 1).
    """

    weight: Mapping[str, str | None]
    psu: Mapping[str, str | None] | None = None
    strata: Mapping[str, str | None] | None = None
    spec_weight: bool = False

    def __post_init__(self) -> None:
        for name in ("weight", "psu", "strata"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, MappingProxyType(dict(value)))

    @property
    def weighted(self) -> bool:
        """A weight column was found in at least one wave."""
        return self.spec_weight and any(v is not None for v in self.weight.values())

    @property
    def clustered(self) -> bool:
        """A PSU column was found in at least one wave."""
        return self.psu is not None and any(v is not None for v in self.psu.values())

    @property
    def stratified(self) -> bool:
        """A strata column was found in at least one wave (and PSUs are known)."""
        return (self.clustered and self.strata is not None
                and any(v is not None for v in self.strata.values()))

    def fit_keywords(self, *, unweighted: bool = False) -> dict[str, str | None]:
        """Columns of ``Panel.wide(...)`` for ``SEM(...).fit(data, **keywords)``.

        Parameters
        ----------
        unweighted : bool
            Return all None (a simple-random-sample analysis, e.g. as a sensitivity check).

        Returns
        -------
        dict
            ``{"weights": "weight" | None, "cluster": "psu" | None, "strata": "strata" | None}``.
        """
        if unweighted:
            return {"weights": None, "cluster": None, "strata": None}
        return {"weights": "weight" if self.weighted else None,
                "cluster": "psu" if self.clustered else None,
                "strata": "strata" if self.stratified else None}

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the columns per wave and the flags."""
        def plain(m: Mapping[str, str | None] | None) -> dict[str, str | None] | None:
            return None if m is None else dict(m)
        return {"weight_columns": plain(self.weight), "psu_columns": plain(self.psu),
                "strata_columns": plain(self.strata), "weighted": self.weighted,
                "clustered": self.clustered, "stratified": self.stratified}

    def summary(self) -> str:
        """One sentence on the design available, for reports."""
        if not (self.weighted or self.clustered):
            return "The data spec gives no survey weight or sample design columns."
        parts = []
        if self.weighted:
            parts.append("weights " + _shown(self.weight))
        if self.clustered:
            parts.append("PSUs " + _shown(self.psu))
        if self.stratified:
            parts.append("strata " + _shown(self.strata))
        return "Survey design from the data: " + "; ".join(parts) + "."

    def __repr__(self) -> str:
        flags = [f for f in ("weighted", "clustered", "stratified") if getattr(self, f)]
        return f"SurveyDesign({', '.join(flags) or 'no design'})"


def _shown(columns: Mapping[str, str | None] | None) -> str:
    """``a_psu (a), b_psu (b)``; waves without a column said as such."""
    items = [f"{col} ({wave})" if col is not None else f"none in {wave}"
             for wave, col in (columns or {}).items()]
    return ", ".join(items[:6]) + (", ..." if len(items) > 6 else "")
