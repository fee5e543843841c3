"""DoWhy's model, identify and estimate steps on an analysis frame.

* Model: a ``dowhy.CausalModel`` of the frame's node columns and the graph of
  :func:`analysis.causal.graph.build_graph`.
* Identify: the backdoor estimand of the average effect; with a mediator also
  the mediation estimands of the natural direct and indirect effects.
* Estimate: linear regression (continuous exposure) or propensity-score
  weighting (0/1 exposure) for the average effect; two-stage regression for the
  natural direct and indirect effects.

What DoWhy said (estimand expressions, adjustment sets, the regressions it ran)
is copied into plain :class:`Identified` records; DoWhy's own objects stay in
:class:`DoWhyFit`, which only the refutation step uses.
"""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.causal.data import CausalFrame
from analysis.causal.numeric import Logit
from analysis.errors import DataError, ModelSpecificationError

LINEAR = "backdoor.linear_regression"
WEIGHTING = "backdoor.propensity_score_weighting"
MEDIATION = "mediation.two_stage_regression"


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence DoWhy's log messages and warnings for the duration (restored afterwards).

    DoWhy logs routine choices ("Defaulting to linear regression") as warnings,
    which would otherwise reach the user's terminal as if something were wrong.
    """
    logger = logging.getLogger("dowhy")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


@dataclass(frozen=True)
class Identified:
    """One identified and estimated quantity, as DoWhy described it.

    Attributes
    ----------
    estimand_type : str
        ``nonparametric-ate``, ``nonparametric-nde`` or ``nonparametric-nie``.
    identifier : str
        ``backdoor`` or ``mediation``.
    expression : str
        DoWhy's estimand expression, e.g. ``Derivative(Expectation(y|w), [t])``.
    assumptions : tuple of str
        DoWhy's statement of the identifying assumptions.
    method : str
        The DoWhy estimation method.
    realized : str
        The regressions DoWhy ran, e.g. ``b: y~t+w``.
    adjustment_set, first_stage_set, second_stage_set : tuple of str
        Variables adjusted for (for mediation: exposure -> mediator and mediator -> outcome).
    value : float
        DoWhy's estimate on the data.
    """

    estimand_type: str
    identifier: str
    expression: str
    assumptions: tuple[str, ...]
    method: str
    realized: str
    adjustment_set: tuple[str, ...]
    first_stage_set: tuple[str, ...]
    second_stage_set: tuple[str, ...]
    value: float

    def to_dict(self) -> dict:
        return {"estimand_type": self.estimand_type, "identifier": self.identifier, "expression": self.expression,
                "assumptions": list(self.assumptions), "method": self.method, "realized": self.realized,
                "adjustment_set": list(self.adjustment_set), "first_stage_set": list(self.first_stage_set),
                "second_stage_set": list(self.second_stage_set)}


@dataclass(frozen=True)
class DoWhyFit:
    """DoWhy's objects for one frame (internal: used by the refutations, never returned to users)."""

    model: Any
    estimand: Any
    estimate: Any
    total: Identified
    direct: Identified | None
    indirect: Identified | None
    clip: float


def _sets(estimand: Any, key: str) -> tuple[str, ...]:
    value = getattr(estimand, key, None) or {}
    if isinstance(value, dict):
        value = value.get("backdoor") or []
    return tuple(sorted(str(v) for v in value))


# DoWhy's candidate-set dicts: the attribute and the key of the default set in it.
_SET_DICTS = (("backdoor_variables", "backdoor"), ("general_adjustment_variables", "general_adjustment"),
              ("mediation_first_stage_confounders", "backdoor"), ("mediation_second_stage_confounders", "backdoor"))


def _canonical(estimand: Any) -> None:
    """Put DoWhy's adjustment sets in one order, whatever Python's string hashing (in place).

    DoWhy builds its candidate sets from Python sets, so their order, their numbering
    (``backdoor1``, ``backdoor2``...) and, among equally good sets, the default one all
    follow ``PYTHONHASHSEED``; the regression formulas and estimand expressions it writes
    follow them too.  Here every set is sorted, the candidates are renumbered in sorted
    order, the default is chosen by DoWhy's own rule (fewest instruments, then fewest
    variables) with ties broken by that order, and the backdoor expressions are rebuilt
    from the sorted sets, so two processes write the same bytes.
    """
    from dowhy.causal_identifier.auto_identifier import construct_adjustment_estimand

    instruments = {str(v) for v in (getattr(estimand, "instrumental_variables", None) or [])}
    treatment = [str(v) for v in estimand.treatment_variable]
    outcome = [str(v) for v in estimand.outcome_variable]
    estimands = estimand.estimands if isinstance(estimand.estimands, dict) else None
    for attr, default in _SET_DICTS:
        found = getattr(estimand, attr, None)
        if not isinstance(found, dict):
            continue
        prefix = "general" if default == "general_adjustment" else "backdoor"
        candidates = sorted({tuple(sorted(str(v) for v in value)) for key, value in found.items()
                             if key != default and value is not None})
        if not candidates:
            continue
        renamed = {f"{prefix}{i + 1}": list(c) for i, c in enumerate(candidates)}
        best = min(renamed, key=lambda k: (len(instruments.intersection(renamed[k])), len(renamed[k]),
                                           renamed[k]))
        if attr in ("backdoor_variables", "general_adjustment_variables") and estimands and default in estimands:
            # The ATE's sets carry an estimand expression each (the mediation estimands keep none).
            for key in [k for k in estimands if re.fullmatch(rf"{prefix}\d+", k)]:
                del estimands[key]
            for key, value in renamed.items():
                estimands[key] = construct_adjustment_estimand(treatment, outcome, value)
            estimands[default] = estimands[best]
        setattr(estimand, attr, {**renamed, default: list(renamed[best])})
        if attr == "backdoor_variables" and getattr(estimand, "default_backdoor_id", None) is not None:
            estimand.default_backdoor_id = best
        if attr == "general_adjustment_variables" and getattr(estimand, "default_adjustment_set_id", None):
            estimand.default_adjustment_set_id = best


def _record(estimand: Any, estimate: Any, *, identifier: str, method: str) -> Identified:
    block = (estimand.estimands or {}).get(identifier) or {}
    found = block.get("assumptions") or {}
    return Identified(
        estimand_type=str(estimand.estimand_type.value),
        identifier=identifier,
        expression=str(block.get("estimand", "")),
        assumptions=tuple(f"{k}: {v}" for k, v in found.items()),
        method=method,
        realized=str(getattr(estimate, "realized_estimand_expr", "") or ""),
        adjustment_set=_sets(estimand, "backdoor_variables"),
        first_stage_set=_sets(estimand, "mediation_first_stage_confounders"),
        second_stage_set=_sets(estimand, "mediation_second_stage_confounders"),
        value=float(estimate.value),
    )


def fit_dowhy(frame: CausalFrame, gml: str, *, binary: bool, clip: float = 0.05) -> DoWhyFit:
    """Model, identify and estimate with DoWhy.

    Parameters
    ----------
    frame : CausalFrame
    gml : str
        The causal graph (:func:`analysis.causal.graph.to_gml`).
    binary : bool
        The exposure column is 0/1: estimate by propensity-score weighting.
    clip : float
        Propensity scores are clipped to ``[clip, 1 - clip]`` (0/1 exposure only).

    Raises
    ------
    ModelSpecificationError
        If DoWhy cannot identify the effect from the graph.
    """
    from dowhy import CausalModel

    with quiet():
        model = CausalModel(data=frame.graph_data(), treatment=frame.exposure, outcome=frame.outcome, graph=gml)
        estimand = model.identify_effect(proceed_when_unidentifiable=False)
        _canonical(estimand)
        if not _sets(estimand, "backdoor_variables"):
            raise ModelSpecificationError(
                f"DoWhy found no set of variables that blocks every backdoor path from {frame.exposure} to "
                f"{frame.outcome}; check the confounders chosen.")
        if binary:
            method = WEIGHTING
            params = {"propensity_score_model": Logit(), "min_ps_score": clip, "max_ps_score": 1 - clip,
                      "weighting_scheme": "ips_weight"}
        else:
            method, params = LINEAR, None
        try:
            estimate = model.estimate_effect(estimand, method_name=method, method_params=params,
                                             target_units="ate", treatment_value=1, control_value=0)
        except np.linalg.LinAlgError as exc:
            raise DataError(f"The effect cannot be estimated: {exc}.") from None
        total = _record(estimand, estimate, identifier="backdoor", method=method)
        direct = indirect = None
        if frame.mediator is not None:
            records = []
            for kind in ("nonparametric-nde", "nonparametric-nie"):
                med_estimand = model.identify_effect(estimand_type=kind)
                _canonical(med_estimand)
                found = [str(v) for v in (med_estimand.mediator_variables or [])]
                if found != [frame.mediator]:
                    raise ModelSpecificationError(
                        f"DoWhy did not identify {frame.mediator} as the mediator of {frame.exposure} -> "
                        f"{frame.outcome} (found {found or 'none'}).")
                med_estimate = model.estimate_effect(med_estimand, method_name=MEDIATION,
                                                     treatment_value=1, control_value=0)
                records.append(_record(med_estimand, med_estimate, identifier="mediation", method=MEDIATION))
            direct, indirect = records
    if not np.isfinite(total.value):
        raise DataError(f"The estimate of the effect of {frame.exposure} on {frame.outcome} is not a finite number; "
                        "the rows analysed may be too few or too alike.")
    return DoWhyFit(model=model, estimand=estimand, estimate=estimate, total=total, direct=direct,
                    indirect=indirect, clip=clip)
