r"""Exact stationary moments of the within-person VAR(1) and standardized cross-lags.

For a person with transition matrix :math:`A` and innovation covariance
:math:`Q`, the stationary covariance :math:`S` of :math:`w = (w^L, w^M)'`
solves the discrete Lyapunov equation

.. math:: S = A S A' + Q \quad\Longleftrightarrow\quad
          \operatorname{vec} S = (I_4 - A \otimes A)^{-1} \operatorname{vec} Q ,

solved here exactly (a 4x4 linear system, batched over persons).

Two standardizations are reported per life stage :math:`g`:

* **typical person** (stigma at its mean, :math:`c = 0`): the standardized
  cross-lag of :math:`w^L_{t-1}` on :math:`w^M_t` is
  :math:`\beta_g \sqrt{S_{LL}/S_{MM}}`, and of :math:`w^M_{t-1}` on
  :math:`w^L_t` is :math:`\delta_g \sqrt{S_{MM}/S_{LL}}`;
* **pooled over the stage** (what a multi-group model without the stigma
  interaction estimates): with :math:`c = \gamma_p P + \gamma_d D \sim
  N(0, \sigma_c^2)`, the population regression of :math:`w_t` on
  :math:`w_{t-1}` is :math:`B = E_c[A(c) S(c)]\, E_c[S(c)]^{-1}`, standardized
  with the diagonal of :math:`E_c[S(c)]`.  The expectations over :math:`c`
  use Gauss-Hermite quadrature; :math:`S(c)` is a smooth rational function of
  :math:`c`, so 81 nodes are exact to machine precision.
"""

from __future__ import annotations

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

from analysis.synth.params import LIFE_STAGES, ModelParams

QUADRATURE_NODES = 81


def lyapunov_2x2(a: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Stationary covariance for a batch of 2x2 VAR(1) transition matrices.

    Parameters
    ----------
    a : ndarray, shape (..., 2, 2)
        Transition matrices; every spectral radius must be below 1.
    q : ndarray, shape (2, 2)
        Innovation covariance, shared by the batch.

    Returns
    -------
    ndarray, shape (..., 2, 2)
        :math:`S` with :math:`S = A S A' + Q`.
    """
    a = np.asarray(a, dtype=float)
    batch = a.shape[:-2]
    # kron(A, A)[2a+c, 2b+d] = A[a, b] A[c, d]; row-major vec(A S A') = kron(A, A) vec(S).
    kron = np.einsum("...ab,...cd->...acbd", a, a).reshape(*batch, 4, 4)
    lhs = np.eye(4) - kron
    rhs = np.broadcast_to(np.asarray(q, dtype=float).reshape(4), (*batch, 4))
    s = np.linalg.solve(lhs, rhs[..., None])[..., 0]
    s = s.reshape(*batch, 2, 2)
    return 0.5 * (s + np.swapaxes(s, -1, -2))  # remove rounding asymmetry


def spectral_radius(a: np.ndarray) -> np.ndarray:
    """Largest absolute eigenvalue of each 2x2 matrix in a batch (closed form)."""
    tr = a[..., 0, 0] + a[..., 1, 1]
    det = a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0]
    # ((a - d)/2)^2 + b c equals (tr/2)^2 - det without its cancellation near a double root.
    disc = ((a[..., 0, 0] - a[..., 1, 1]) / 2) ** 2 + a[..., 0, 1] * a[..., 1, 0]
    root = np.sqrt(np.abs(disc))
    real_case = np.maximum(np.abs(tr / 2 + root), np.abs(tr / 2 - root))
    # Complex pair: |lambda|^2 = det.
    return np.where(disc >= 0, real_case, np.sqrt(np.abs(det)))


def _standardize(b: np.ndarray, s: np.ndarray) -> np.ndarray:
    sd = np.sqrt(np.diag(s))
    # Coefficient of regressor k in equation j, in SD units of both.
    return b * sd[None, :] / sd[:, None]


def _coefs(b: np.ndarray) -> dict[str, float]:
    # 12 decimals: far below any Monte Carlo error, and hides 1e-16 round-off.
    b = np.round(b, 12)
    return {"phi_L": float(b[0, 0]), "delta": float(b[0, 1]),
            "beta": float(b[1, 0]), "phi_M": float(b[1, 1])}


def stage_expectations(params: ModelParams, stage: int, mean_c: float = 0.0, *,
                       mean_p: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    r""":math:`E_c[A(c)S(c)]` and :math:`E_c[S(c)]` in one life stage.

    Parameters
    ----------
    params : ModelParams
    stage : int
        Index into :data:`~analysis.synth.params.LIFE_STAGES`.
    mean_c : float
        Mean of :math:`c = \gamma_p P + \gamma_d D` (0 in the sample; shifted
        in a population the sample was selected from).
    mean_p : float
        Mean of perceived stigma :math:`P` there: the stage's own slope
        :math:`\kappa_g` (``gamma_p_by_stage``) shifts the mean of :math:`c` by :math:`\kappa_g`
        times it.

    Returns
    -------
    eas, es : ndarray, shape (2, 2)
    """
    q = params.innovation_cov()
    nodes, weights = hermegauss(QUADRATURE_NODES)
    weights = weights / weights.sum()
    c = nodes * params.stigma_shift_sd(stage) + mean_c + params.gamma_p_by_stage[stage] * mean_p
    a_c = np.stack([params.transition(stage, float(ci)) for ci in c])
    s_c = lyapunov_2x2(a_c, q)
    es = np.einsum("k,kij->ij", weights, s_c)
    eas = np.einsum("k,kij,kjl->il", weights, a_c, s_c)
    return eas, es


def pooled_regression(eas: np.ndarray, es: np.ndarray) -> dict[str, object]:
    """Raw and standardized lagged regression B = E[AS] E[S]^-1 from pooled moments."""
    b = eas @ np.linalg.inv(es)
    return {"stationary_cov": es.round(12).tolist(), "coefficients": _coefs(b),
            "standardized": _coefs(_standardize(b, es))}


def stage_moments(params: ModelParams) -> dict[str, dict[str, object]]:
    """Exact stationary within-person moments and cross-lags for each life stage.

    Parameters
    ----------
    params : ModelParams

    Returns
    -------
    dict
        Keyed by life stage; each value holds ``typical_person`` (c = 0) and
        ``pooled_over_stigma`` blocks with the stationary covariance, the
        raw and standardized coefficients, and the between-person variance
        share :math:`\\mathrm{Var}(RI)/(\\mathrm{Var}(RI) + S)` for L and M.
    """
    q = params.innovation_cov()
    out: dict[str, dict[str, object]] = {}
    for g, stage in enumerate(LIFE_STAGES):
        a0 = params.transition(g)
        s0 = lyapunov_2x2(a0, q)
        eas, es = stage_expectations(params, g)
        b_pooled = eas @ np.linalg.inv(es)
        ri = np.array([params.var_ri_L, params.var_ri_M])
        out[stage] = {
            "typical_person": {
                "stationary_cov": s0.round(12).tolist(),
                "coefficients": _coefs(a0),
                "standardized": _coefs(_standardize(a0, s0)),
                "between_person_share": {"L": float(ri[0] / (ri[0] + s0[0, 0])),
                                         "M": float(ri[1] / (ri[1] + s0[1, 1]))},
            },
            "pooled_over_stigma": {
                "stationary_cov": es.round(12).tolist(),
                "coefficients": _coefs(b_pooled),
                "standardized": _coefs(_standardize(b_pooled, es)),
            },
        }
    return out


STATIONARY_METHOD = (
    "Stationary within-person covariance S solves S = A S A' + Q exactly via "
    "vec(S) = (I - kron(A, A))^-1 vec(Q). 'typical_person' uses stigma at its mean "
    "(c = gamma_p*P + gamma_d*D = 0): standardized beta = beta*sqrt(S_LL/S_MM), "
    "standardized delta = delta*sqrt(S_MM/S_LL). 'pooled_over_stigma' is the population "
    "regression of w_t on w_{t-1} within the stage, B = E_c[A(c)S(c)] E_c[S(c)]^-1 with "
    "c ~ N(0, sd_c^2), computed by Gauss-Hermite quadrature "
    f"({QUADRATURE_NODES} nodes, exact to machine precision), standardized with diag(E_c[S(c)])."
)
