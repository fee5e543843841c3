"""Which survey design a cross-lagged analysis uses: the spec's weights, PSUs and strata, or none.

Real panels (UKHLS, ELSA) must be analysed with their weights and their clustered,
stratified design.  A :class:`Panel` carries the weight chosen by the spec's rule
(``weight``) and each person's PSU and stratum (``psu``, ``strata``) in its wide
table; ``survey="spec"`` (the default everywhere) uses them, ``survey="none"``
fits the unweighted, simple-random-sample model (a sensitivity check), and a
:class:`Design` names the columns of a wide DataFrame explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from analysis.errors import UsageError

Survey = Literal["spec", "none"]
WeightRule = Literal["last", "first"]


@dataclass(frozen=True)
class Design:
    """Columns of the wide data that hold the sampling weight, the PSU and the stratum (None: not used)."""

    weights: str | None = None
    cluster: str | None = None
    strata: str | None = None

    @property
    def used(self) -> bool:
        return bool(self.weights or self.cluster or self.strata)

    def fit_options(self) -> dict[str, str | None]:
        """Keyword arguments for ``SEM.fit``."""
        return {"weights": self.weights, "cluster": self.cluster, "strata": self.strata}


NO_DESIGN = Design()


def resolve_design(panel: Any, wide: pd.DataFrame, survey: Survey | Design) -> Design:
    """The design to fit with: explicit, the spec's (from a Panel's wide table), or none.

    With ``survey="spec"`` a Panel's ``weight`` is used when the spec names a weight, and
    ``psu``/``strata`` when the spec names them and the data have them; a wide DataFrame
    has no spec, so ``"spec"`` means no design for it (pass a :class:`Design` instead).
    """
    if isinstance(survey, Design):
        for col in (survey.weights, survey.cluster, survey.strata):
            if col is not None and col not in wide.columns:
                raise UsageError(f"The data have no survey-design column {col!r}.")
        return survey
    if survey == "none":
        return NO_DESIGN
    if survey != "spec":
        raise UsageError(f"survey must be 'spec', 'none' or a Design, not {survey!r}.")
    if isinstance(panel, pd.DataFrame):
        return NO_DESIGN
    kw = panel.design.fit_keywords()  # what the spec declares and the files have
    present = lambda col: col is not None and col in wide.columns and wide[col].notna().any()  # noqa: E731
    cluster = kw["cluster"] if present(kw["cluster"]) else None
    return Design(weights=kw["weights"] if present(kw["weights"]) else None, cluster=cluster,
                  strata=kw["strata"] if cluster and present(kw["strata"]) else None)


def design_sentence(design: dict | None) -> str:
    """One plain sentence on the design an estimate used (for summaries and reports)."""
    if not design or not (design.get("weight") or design.get("cluster")):
        return ("Unweighted, with standard errors for a simple random sample: the survey's weights and design "
                "were not used.")
    parts = []
    if design.get("weight"):
        parts.append("weighted to represent the population the survey samples")
    if design.get("cluster"):
        psu = f"standard errors allow for the clustering of people in {design.get('n_psu')} sampling areas (PSUs)"
        if design.get("strata"):
            psu += f" within {design.get('n_strata')} strata"
        parts.append(psu)
    text = "Estimates are " + " and ".join(parts) + "."
    dropped = (design.get("zero_weight") or 0) + (design.get("missing_weight") or 0)
    if dropped:
        text += (f" People with a zero or missing weight are not used ({design.get('zero_weight') or 0} zero, "
                 f"{design.get('missing_weight') or 0} missing).")
    return text
