"""How the cross-lagged builders' syntax is fitted: one place for every panel model.

The builders (:mod:`analysis.models.builders`) write every parameter out, so the
syntax is fitted as lavaan's ``lavaan()`` would (``defaults="lavaan"``) with every
variable, wave-1 scores and covariates included, in the likelihood
(``fixed_x=False``), so FIML uses all rows.  Single fits, group comparisons,
invariance tests, power and bootstrap replicates all come through here.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import pandas as pd

from analysis.models.sem import SEM, SEMResults


def panel_sem(syntax: str) -> SEM:
    """The SEM of a builder's syntax (lavaan defaults, covariates in the likelihood)."""
    return SEM(syntax, defaults="lavaan", fixed_x=False)


def fit_panel(syntax: str, data: pd.DataFrame, *, group: str | None = None, group_levels: Sequence | None = None,
              estimator: Literal["ml", "mlr"] = "ml", missing: Literal["fiml", "listwise", "auto"] = "fiml",
              se: Literal["standard", "none"] = "standard", weights: str | None = None,
              cluster: str | None = None, strata: str | None = None, start: SEMResults | None = None) -> SEMResults:
    """Fit a builder's syntax; engine warnings are kept in ``results.warnings``, not printed.

    ``weights``, ``cluster`` and ``strata`` are the survey-design columns and ``start`` a related
    fit to start from (see ``SEM.fit``).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return panel_sem(syntax).fit(data, group=group, group_levels=group_levels, missing=missing,
                                     estimator=estimator, se=se, weights=weights, cluster=cluster, strata=strata,
                                     start=start)
