"""The SEM model object: holds a specification; ``fit`` returns frozen results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from analysis.errors import UsageError
from analysis.models.sem.compiled import CompiledSEM, compile_model
from analysis.models.sem.estimate import Defaults, Estimator, Missing, estimate
from analysis.models.sem.syntax import parse_model
from analysis.models.sem.results import SEMResults
from analysis.models.sem.threads import one_blas_thread


@dataclass(frozen=True)
class SEM:
    """A structural equation model written in lavaan syntax.

    Parameters
    ----------
    model
        lavaan model syntax (``=~``, ``~``, ``~~``, ``~ 1``, labels, fixed values,
        ``c(...)`` per group, ``:=`` defined parameters, ``==`` equalities).
    defaults
        ``"sem"``: as lavaan's ``sem()``/``cfa()`` (first loading fixed, residual
        variances and exogenous latent covariances added).  ``"lavaan"``: as
        ``lavaan(meanstructure = TRUE, int.ov.free = TRUE)`` — nothing else added, so
        the syntax says everything (the RI-CLPM tutorials use this).
    meanstructure
        Model means and intercepts.  Default: as lavaan — on with FIML, with
        ``defaults="lavaan"``, when the syntax has intercepts, or with equal
        intercepts/means across groups.
    fixed_x
        Treat the moments of exogenous observed covariates as fixed at their sample
        values (lavaan's ``fixed.x = TRUE``).
    group_equal
        Parameter kinds held equal across groups, as lavaan's ``group.equal``:
        ``"loadings"``, ``"intercepts"``, ``"means"``, ``"residuals"``,
        ``"residual.covariances"``, ``"lv.variances"``, ``"lv.covariances"``, ``"regressions"``.

    Examples
    --------
    >>> res = SEM("f =~ x1 + x2 + x3").fit(df)   # doctest: +SKIP
    >>> print(res.summary())                      # doctest: +SKIP
    """

    model: str
    defaults: Defaults = "sem"
    meanstructure: bool | None = None
    fixed_x: bool = True
    group_equal: tuple[str, ...] = ()

    def __init__(
        self,
        model: str,
        *,
        defaults: Defaults = "sem",
        meanstructure: bool | None = None,
        fixed_x: bool = True,
        group_equal: Sequence[str] = (),
    ) -> None:
        if not isinstance(model, str) or not model.strip():
            raise UsageError("The model syntax is empty.")
        if defaults not in ("sem", "lavaan"):
            raise UsageError(f"defaults must be 'sem' or 'lavaan', not {defaults!r}.")
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "defaults", defaults)
        object.__setattr__(self, "meanstructure", meanstructure)
        object.__setattr__(self, "fixed_x", bool(fixed_x))
        object.__setattr__(self, "group_equal", tuple(group_equal))
        # Parse now so syntax errors surface when the model is written, not when fitted.
        parse_model(model)

    def fit(
        self,
        data: pd.DataFrame,
        *,
        group: str | None = None,
        group_levels: Sequence | None = None,
        missing: Missing = "auto",
        estimator: Estimator = "ml",
        se: Literal["standard", "none"] = "standard",
        weights: str | None = None,
        cluster: str | None = None,
        strata: str | None = None,
        start: SEMResults | None = None,
    ) -> SEMResults:
        """Estimate the model; the model object is not changed.

        Parameters
        ----------
        data
            One row per person.
        group
            Column defining groups for a multigroup model (one joint likelihood).
        group_levels
            Order of the groups (default: sorted values).
        missing
            ``"fiml"`` (case-wise likelihood, rows with nothing observed are dropped and
            counted), ``"listwise"`` (complete rows only; dropped rows counted), or
            ``"auto"``: FIML when the model's variables have missing values, else ML.
        estimator
            ``"ml"``, or ``"mlr"``: ML estimates with sandwich standard errors and the
            Yuan–Bentler scaled test.
        se
            ``"none"`` skips standard errors (lavaan's ``se = "none"``): faster when only
            the fit is needed, e.g. for a likelihood-ratio test.
        weights
            Column of sampling weights (lavaan's ``sampling.weights``): the likelihood is
            weighted, with weights rescaled to sum to the number of rows used over all
            groups; rows with a zero or missing weight are dropped and counted.
        cluster
            Column of primary sampling units (PSUs): scores are summed within PSUs for the
            standard errors and the scaled test (lavaan's ``cluster``).
        strata
            Column of strata (needs ``cluster``): PSU totals are centred within strata with
            the ``n_h/(n_h-1)`` factor (Stata ``svy``, R ``survey``, Mplus ``COMPLEX``).
            Any of the three makes the estimator MLR (robust SEs and test), as in lavaan.
        start
            Another fit whose estimates start this one (lavaan's ``start = fit``): each
            parameter starts at that fit's estimate of the same ``lhs op rhs`` in the same
            group (e.g. the free model for a model with equality constraints).  Only where
            to start: the estimates are the same as without it.
        """
        with one_blas_thread():  # the engine's matrices are small: BLAS threads only wait for each other
            return estimate(
                self.model,
                data,
                group=group,
                group_levels=list(group_levels) if group_levels is not None else None,
                defaults=self.defaults,
                meanstructure=self.meanstructure,
                fixed_x=self.fixed_x,
                group_equal=self.group_equal,
                missing=missing,
                estimator=estimator,
                se=se,
                weights=weights,
                cluster=cluster,
                strata=strata,
                start=start,
            )

    def compile(self, columns: Sequence[str], *, groups: Sequence[str] = ()) -> CompiledSEM:
        """Compile the model once for many fits to data with these columns (FIML, mean structure on).

        The compiled model refits quickly (:meth:`CompiledSEM.refit`): power and bootstrap
        replicates use it; ``fit`` goes through the same parameter table, start values
        and optimiser, so the estimates agree.

        Parameters
        ----------
        columns
            Names of the data columns (the model's observed variables must be among them).
        groups
            Group labels, in order, for a multigroup model.
        """
        return compile_model(self.model, observed=list(columns), group_labels=tuple(str(g) for g in groups),
                             defaults=self.defaults,
                             meanstructure=True if self.meanstructure is None else bool(self.meanstructure),
                             fixed_x=self.fixed_x, group_equal=self.group_equal)
