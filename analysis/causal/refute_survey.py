"""DoWhy's refutations repeated on the survey design (sampling weights in every re-estimate).

DoWhy's refuters re-run DoWhy's own, unweighted estimators, so under a survey design
they would check a different estimate from the one reported.  Here the same checks
are made with the survey-weighted estimator (:mod:`.numeric`) and the adjustment
sets DoWhy identified, one simulation per ``RandomState`` as in :mod:`.refute`:

* placebo: the exposure is permuted across the rows analysed;
* random common cause: a standard-normal column is added to the adjustment set;
* data subset: a random 80% of the rows, without replacement.

The unobserved-confounder bounds (Cinelli & Hazlett 2020) use DoWhy's
``LinearSensitivityAnalyzer`` on a survey-weighted least-squares regression
(:class:`WeightedSensitivity`): the partial R² values are those of the weighted
regression, as ``sensemakr`` computes them for a weighted ``lm``.  Their standard
errors are the regression's model-based ones, not design-based.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd

from analysis.causal.data import CausalFrame
from analysis.causal.numeric import ipw_effect, ols_coefficient


@dataclass(frozen=True)
class SurveyEstimator:
    """The survey-weighted total-effect estimator of one frame, with the adjustment set DoWhy identified."""

    frame: CausalFrame
    adjustment_set: tuple[str, ...]
    weights: np.ndarray
    binary: bool
    clip: float

    def estimate(self, *, rows: np.ndarray | None = None, exposure: np.ndarray | None = None,
                 extra: np.ndarray | None = None) -> float:
        d = self.frame.data
        y = d[self.frame.outcome].to_numpy(float)
        t = d[self.frame.exposure].to_numpy(float) if exposure is None else exposure
        w = d.loc[:, list(self.adjustment_set)].to_numpy(float) if self.adjustment_set else np.empty((len(d), 0))
        if extra is not None:
            w = np.column_stack([w, extra])
        sw = self.weights
        if rows is not None:
            y, t, w, sw = y[rows], t[rows], w[rows], sw[rows]
        w = w if w.shape[1] else None
        if self.binary:
            return ipw_effect(y, t, w, clip=self.clip, weights=sw)
        return ols_coefficient(y, t, w, sw)

    def placebo(self, states: Sequence[np.random.RandomState]) -> np.ndarray:
        t = self.frame.data[self.frame.exposure].to_numpy(float)
        return np.array([self.estimate(exposure=rs.permutation(t)) for rs in states])

    def random_common_cause(self, states: Sequence[np.random.RandomState]) -> np.ndarray:
        n = self.frame.n_rows
        return np.array([self.estimate(extra=rs.standard_normal(n)) for rs in states])

    def data_subset(self, states: Sequence[np.random.RandomState], fraction: float) -> np.ndarray:
        n = self.frame.n_rows
        size = int(fraction * n)
        return np.array([self.estimate(rows=np.sort(rs.choice(n, size=size, replace=False))) for rs in states])

    def sensitivity(self, *, percent_change: float, benchmark: str, alpha: float):
        """DoWhy's linear partial-R² analysis of the survey-weighted regression (exposure treated as linear)."""
        import statsmodels.api as sm
        from dowhy.causal_refuters.linear_sensitivity_analyzer import LinearSensitivityAnalyzer

        d = self.frame.data
        common = list(self.adjustment_set)
        exog = pd.DataFrame({"const": 1.0, "x1": d[self.frame.exposure].to_numpy(float)})
        for k, c in enumerate(common):
            exog[f"x{k + 2}"] = d[c].to_numpy(float)
        model = sm.WLS(d[self.frame.outcome].to_numpy(float), exog, weights=self.weights).fit()
        weights = self.weights

        class WeightedSensitivity(LinearSensitivityAnalyzer):
            """DoWhy's analyzer with the exposure regression survey-weighted too."""

            def treatment_regression(self):
                features = sm.tools.add_constant(self.estimator._observed_common_causes.copy())
                features = features.rename(columns=self.common_causes_map)
                return sm.WLS(self.data[self.original_treatment_name].copy(), features, weights=weights).fit()

        shim = SimpleNamespace(model=model, _observed_common_causes=d.loc[:, common].reset_index(drop=True))
        analyzer = WeightedSensitivity(
            estimator=shim, data=self.frame.graph_data(), treatment_name=[self.frame.exposure],
            percent_change_estimate=percent_change, significance_level=alpha, benchmark_common_causes=[benchmark],
            null_hypothesis_effect=0.0, frac_strength_treatment=[1.0], frac_strength_outcome=[1.0],
            common_causes_order=common)
        analyzer.check_sensitivity(plot=False)
        return analyzer, float(model.params["x1"])
