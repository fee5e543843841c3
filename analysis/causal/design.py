"""CausalDesign: the causal question as data (exposure, outcome, what is held fixed, stigma's role).

A design is frozen and checked on creation; the results keep it, so a run can
be rebuilt from what it reports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from analysis.errors import UsageError

MediatorRole = Literal["mediator", "confounder"]
ConfounderTiming = Literal["previous", "baseline"]
MEDIATOR_ROLES: tuple[str, ...] = ("mediator", "confounder")
CONFOUNDER_TIMINGS: tuple[str, ...] = ("previous", "baseline")


@dataclass(frozen=True)
class CausalDesign:
    """What is asked: the effect of ``exposure`` at wave t-1 on ``outcome`` at wave t.

    Attributes
    ----------
    exposure, outcome : str
        Constructs (columns of the long panel), e.g. ``"loneliness"`` and ``"ghq_likert"``.
    confounders : tuple of str
        Variables held fixed (covariates and groupings such as ``age``, ``sex``,
        ``life_stage``), taken at wave t-1 (``confounder_timing="previous"``) or at the
        person's first analysed wave (``"baseline"``).  The outcome at t-1 is always
        held fixed as well.
    mediator : str or None
        A construct such as ``perceived_stigma``.
    mediator_role : {"mediator", "confounder"}
        ``"mediator"``: measured at wave t, on the path exposure -> mediator -> outcome
        (natural direct and indirect effects are estimated); its value at t-1 is held
        fixed.  ``"confounder"``: its value at t-1 is held fixed as a common cause.
    binary_threshold : float or None
        If given, the exposure is "high" when at or above this value and the effect of
        being high is estimated by propensity-score weighting; otherwise the exposure
        is continuous and the effect per point is estimated by linear regression.
    waves : tuple of str or None
        Waves to use (consecutive pairs among them); default every loaded wave.
    """

    exposure: str
    outcome: str
    confounders: tuple[str, ...] = ()
    mediator: str | None = None
    mediator_role: MediatorRole = "mediator"
    confounder_timing: ConfounderTiming = "previous"
    binary_threshold: float | None = None
    waves: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for name, value in (("exposure", self.exposure), ("outcome", self.outcome)):
            if not isinstance(value, str) or not value:
                raise UsageError(f"{name} must be the name of a construct, e.g. 'loneliness'.")
        if self.exposure == self.outcome:
            raise UsageError("exposure and outcome must be two different constructs.")
        if self.mediator is not None and self.mediator in (self.exposure, self.outcome):
            raise UsageError(f"the mediator {self.mediator!r} must differ from the exposure and the outcome.")
        if self.mediator_role not in MEDIATOR_ROLES:
            raise UsageError(f"mediator_role must be 'mediator' or 'confounder', not {self.mediator_role!r}.")
        if self.confounder_timing not in CONFOUNDER_TIMINGS:
            raise UsageError(f"confounder_timing must be 'previous' or 'baseline', not {self.confounder_timing!r}.")
        clash = {self.exposure, self.outcome, self.mediator} & set(self.confounders)
        if clash:
            raise UsageError(f"{sorted(clash)[0]!r} cannot be both a confounder and the exposure, outcome or "
                             "mediator; the outcome's earlier value is held fixed automatically.")
        if len(set(self.confounders)) != len(self.confounders):
            raise UsageError("confounders must list each variable once.")
        if self.binary_threshold is not None:
            if isinstance(self.binary_threshold, bool) or not isinstance(self.binary_threshold, (int, float)) \
                    or not math.isfinite(self.binary_threshold):
                raise UsageError(f"binary_threshold must be a finite number, not {self.binary_threshold!r}.")

    @property
    def binary(self) -> bool:
        return self.binary_threshold is not None

    @property
    def mediates(self) -> bool:
        """True when natural direct and indirect effects are asked for."""
        return self.mediator is not None and self.mediator_role == "mediator"

    def reversed(self, *, binary_threshold: float | None) -> CausalDesign:
        """The same question the other way round (outcome -> exposure)."""
        return replace(self, exposure=self.outcome, outcome=self.exposure, binary_threshold=binary_threshold)

    def to_dict(self) -> dict:
        return {"exposure": self.exposure, "outcome": self.outcome, "confounders": list(self.confounders),
                "mediator": self.mediator, "mediator_role": self.mediator_role if self.mediator else None,
                "confounder_timing": self.confounder_timing, "binary_threshold": self.binary_threshold,
                "waves": None if self.waves is None else list(self.waves)}


def as_names(value: str | Sequence[str] | None, what: str) -> tuple[str, ...]:
    """A name or a sequence of names -> tuple (``None`` -> empty)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    try:
        names = tuple(value)
    except TypeError:
        raise UsageError(f"{what} must be a name or a list of names, not {value!r}.") from None
    if not all(isinstance(n, str) and n for n in names):
        raise UsageError(f"{what} must be names (text), got {list(names)!r}.")
    return names
