r"""The estimators DoWhy runs, written on arrays so the bootstrap can repeat them fast.

DoWhy estimates once on the data (model, identify, estimate); the bootstrap
repeats the *same* estimator, with the adjustment sets DoWhy identified, a few
hundred times on resampled persons.  Rebuilding DoWhy's estimator objects for
each replicate costs about 0.1 s, so the replicates use these array versions
(tests check they equal DoWhy's values on the data to 1e-8).

* Linear regression (``backdoor.linear_regression``): the coefficient of the
  exposure in :math:`y = a + \tau t + W\gamma + e`.
* Two-stage regression for mediation (``mediation.two_stage_regression``):
  :math:`\alpha` from :math:`m = a_1 + \alpha t + W_1\gamma_1`,
  :math:`\beta` from :math:`y = a_2 + \beta m + W_2\gamma_2` (:math:`W_2`
  includes the exposure); NIE :math:`= \alpha\beta`, NDE = total - NIE.
* Propensity-score weighting (``backdoor.propensity_score_weighting``): a
  logistic regression of the exposure on :math:`W` (:class:`Logit`, also the
  model DoWhy is given), scores clipped to ``[clip, 1 - clip]``, weights
  :math:`t/e + (1-t)/(1-e)`, and the difference of the weighted means.

Under a survey design each takes the sampling weights: weighted least squares, and
for the weighting estimator a survey-weighted propensity model whose inverse
propensities are multiplied by the sampling weights (DuGoff, Schuler & Stuart 2014).
Equal weights give the unweighted answers exactly.
"""

from __future__ import annotations

import numpy as np

from analysis.errors import DataError


def ols_coefficient(y: np.ndarray, t: np.ndarray, w: np.ndarray | None,
                    weights: np.ndarray | None = None) -> float:
    """Coefficient of ``t`` in the (weighted) least-squares regression of ``y`` on 1, ``t`` and ``w``.

    Solved by the normal equations of the centred regressors (about 50 times faster
    than an SVD for the tall, narrow designs here, which matters in the bootstrap);
    collinear regressors raise ``LinAlgError``.  ``weights``: sampling weights.
    """
    cols = [np.asarray(t, dtype=float).ravel()]
    if w is not None and np.size(w):
        cols.append(np.asarray(w, dtype=float).reshape(len(cols[0]), -1))
    X = np.column_stack(cols)
    y = np.asarray(y, dtype=float)
    if weights is None:
        X = X - X.mean(axis=0)
        yc = y - np.mean(y)
        gram = X.T @ X
    else:
        sw = np.asarray(weights, dtype=float)
        X = X - (sw @ X) / sw.sum()
        yc = (y - (sw @ y) / sw.sum()) * sw
        gram = (X * sw[:, None]).T @ X
    scale = np.sqrt(np.diag(gram))
    if np.any(scale == 0):
        raise np.linalg.LinAlgError("a regressor is constant")
    corr = gram / np.outer(scale, scale)
    if np.linalg.eigvalsh(corr)[0] < 1e-10:
        raise np.linalg.LinAlgError("the regressors are collinear")
    coef = np.linalg.solve(corr, (X.T @ yc) / scale) / scale
    return float(coef[0])


def mediation_effects(y: np.ndarray, t: np.ndarray, m: np.ndarray, w_first: np.ndarray | None,
                      w_second: np.ndarray | None, w_total: np.ndarray | None,
                      weights: np.ndarray | None = None) -> tuple[float, float, float]:
    """(total, natural direct, natural indirect) effects by two-stage (weighted) linear regression.

    ``w_second`` must include the exposure when it is a confounder of mediator and
    outcome (DoWhy's second-stage set does).
    """
    alpha = ols_coefficient(m, t, w_first, weights)
    beta = ols_coefficient(y, m, w_second, weights)
    total = ols_coefficient(y, t, w_total, weights)
    nie = alpha * beta
    return total, total - nie, nie


class Logit:
    """Unpenalised logistic regression by Newton-Raphson (a ``fit``/``predict_proba`` model).

    Given to DoWhy as the propensity-score model and used by the bootstrap, so both
    compute the same scores.  Columns are standardised internally for stability.
    """

    def __init__(self, *, max_iter: int = 100, tol: float = 1e-10):
        self.max_iter = max_iter
        self.tol = tol
        self.coef_: np.ndarray | None = None
        self._center: np.ndarray | None = None
        self._scale: np.ndarray | None = None

    def _design(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            X = X[:, None]
        Z = (X - self._center) / self._scale
        return np.column_stack([np.ones(len(Z)), Z])

    def fit(self, X, y, sample_weight=None) -> Logit:
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            X = X[:, None]
        y = np.asarray(y, dtype=float).ravel()
        sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self._center = X.mean(axis=0)
        scale = X.std(axis=0)
        self._scale = np.where(scale > 0, scale, 1.0)
        Z = self._design(X)
        beta = np.zeros(Z.shape[1])
        p0 = min(max(float(sw @ y) / sw.sum(), 1e-6), 1 - 1e-6)
        beta[0] = np.log(p0 / (1 - p0))
        for _ in range(self.max_iter):
            eta = np.clip(Z @ beta, -35, 35)
            p = 1.0 / (1.0 + np.exp(-eta))
            wgt = sw * p * (1 - p)
            grad = Z.T @ (sw * (y - p))
            hess = (Z * wgt[:, None]).T @ Z
            try:
                step = np.linalg.solve(hess, grad)
            except np.linalg.LinAlgError:
                raise DataError("The propensity model cannot be fitted: the variables held fixed are collinear "
                                "among the rows analysed.") from None
            beta = beta + step
            if np.max(np.abs(step)) < self.tol * (1 + np.max(np.abs(beta))):
                break
        if np.max(np.abs(beta[1:]), initial=0.0) > 30:
            raise DataError("The propensity model separates high from low exposure perfectly (some people can "
                            "only be in one group); choose another threshold or fewer variables to hold fixed.")
        self.coef_ = beta
        return self

    def predict_proba(self, X) -> np.ndarray:
        if self.coef_ is None:
            raise RuntimeError("Logit.predict_proba called before fit")
        eta = np.clip(self._design(X) @ self.coef_, -35, 35)
        p = 1.0 / (1.0 + np.exp(-eta))
        return np.column_stack([1 - p, p])


def ipw_effect(y: np.ndarray, t: np.ndarray, w: np.ndarray, *, clip: float = 0.05,
               weights: np.ndarray | None = None) -> float:
    """Average effect of a 0/1 exposure by inverse propensity-score weighting (normalised weights).

    With sampling ``weights`` the propensity model is survey-weighted and each
    person's inverse propensity is multiplied by their sampling weight.
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    if t.min() == t.max():
        raise DataError("Only one exposure group is present; the weighting estimator needs both.")
    ps = Logit().fit(w, t, sample_weight=weights).predict_proba(w)[:, 1]
    ps = np.clip(ps, clip, 1 - clip)
    wt = t / ps + (1 - t) / (1 - ps)
    if weights is not None:
        wt = wt * np.asarray(weights, dtype=float)
    treated = np.sum(wt * t * y) / np.sum(wt * t)
    control = np.sum(wt * (1 - t) * y) / np.sum(wt * (1 - t))
    return float(treated - control)
