r"""Item responses from latent scores: graded-response (ordinal probit) model.

Model
-----
For item :math:`j` with loadings :math:`\lambda_j` on the latent vector
:math:`\eta_{it} = (L_{it}, M_{it}, P_i, D_i)'` and thresholds
:math:`\tau_{j1} < \dots < \tau_{j,K-1}`,

.. math::
    y^*_{ijt} = \lambda_j' \eta_{it} + \varepsilon_{ijt},\quad
    \varepsilon_{ijt} \sim N(0, 1)\ \text{iid},\qquad
    k_{ijt} = \#\{m : y^*_{ijt} > \tau_{jm}\} \in \{0, \dots, K-1\},

and the released code is the :math:`k`-th code in latent order (ascending
codes for most items; CES-D "yes" (1) is the high category).  Thresholds
come from the target shares :math:`p_{j\cdot}` for the reference group
(midlife men, stigma at its mean) with latent mean :math:`\mu_0` and nominal
covariance :math:`\Sigma_0` (random-intercept covariance plus the exact
stationary within-person covariance of a typical midlife person):

.. math::
    \tau_{jm} = \lambda_j'\mu_0 + \sqrt{\lambda_j' \Sigma_0 \lambda_j + 1}\;
                \Phi^{-1}\Big(\sum_{k < m} p_{jk}\Big) .

Perceived stigma and discrimination are stable traits answered afresh each
wave.  The SF-12 mental component summary is continuous:
:math:`MCS = 50 - 10\,(0.75\, z_M + \sqrt{1-0.75^2}\, \xi)`, with
:math:`z_M = (M - \mu_{0M})/\sigma_{0M}` and :math:`\xi \sim N(0, 1)`,
clipped to [5, 75] and rounded to 2 decimals (lower = worse).

Derived scores follow the UKHLS rules: GHQ Likert (``scghq1_dv``)
:math:`= \sum_j (\text{item}_j - 1) \in [0, 36]`; caseness (``scghq2_dv``)
= number of items coded 3 or 4 :math:`\in [0, 12]`; -9 when any item is
missing and -7 for proxy interviews.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from analysis.synth.instruments import CESD_POSITIVE, CONSTRUCTS, MCS_LOADING, MCS_RANGE, Item
from analysis.synth.params import ModelParams
from analysis.synth.stationary import lyapunov_2x2


def reference_moments(params: ModelParams) -> tuple[np.ndarray, np.ndarray]:
    """Nominal mean and covariance of (L, M, P, D) for the reference group.

    The reference group is midlife men at average stigma; the covariance is
    the between-person covariance plus the exact stationary within-person
    covariance of a typical midlife person.
    """
    b = params.between_cov()  # order: P, D, RI_L, RI_M
    s = lyapunov_2x2(params.transition(1), params.innovation_cov())
    order = [2, 3, 0, 1]      # to L, M, P, D
    cov = b[np.ix_(order, order)].copy()
    cov[:2, :2] += s
    mean = np.array([params.mean_L + params.stage_shift_L[1],
                     params.mean_M + params.stage_shift_M[1], 0.0, 0.0])
    return mean, cov


def loading_vector(item: Item) -> np.ndarray:
    """Loadings of ``item`` on (L, M, P, D)."""
    lam = np.zeros(len(CONSTRUCTS))
    for construct, value in item.loadings:
        lam[CONSTRUCTS.index(construct)] = value
    return lam


def latent_order_codes(item: Item) -> tuple[np.ndarray, np.ndarray]:
    """Released codes and target shares ordered from lowest to highest y*."""
    codes = np.array(item.codes)
    props = np.array(item.proportions, dtype=float)
    if not item.ascending:
        codes, props = codes[::-1], props[::-1]
    return codes, props


def thresholds(item: Item, params: ModelParams) -> np.ndarray:
    """Thresholds tau_j1 < ... < tau_j,K-1 of ``item`` (see module docstring)."""
    mean, cov = reference_moments(params)
    lam = loading_vector(item)
    _, props = latent_order_codes(item)
    cum = np.cumsum(props)[:-1]
    return lam @ mean + np.sqrt(lam @ cov @ lam + 1.0) * ndtri(cum)


def draw_items(rng: np.random.Generator, *, items: tuple[Item, ...], eta: np.ndarray,
               params: ModelParams) -> dict[str, np.ndarray]:
    """Substantive released codes (no missing data yet) for one wave.

    Parameters
    ----------
    rng : numpy.random.Generator
    items : tuple of Item
    eta : ndarray, shape (n, 4)
        Latent (L, M, P, D) of every person at this wave.
    params : ModelParams

    Returns
    -------
    dict
        Item name -> int8 array of released codes, length n.
    """
    lam = np.stack([loading_vector(item) for item in items])          # (J, 4)
    ystar = eta @ lam.T + rng.standard_normal((eta.shape[0], len(items)))
    out: dict[str, np.ndarray] = {}
    for j, item in enumerate(items):
        codes, _ = latent_order_codes(item)
        tau = thresholds(item, params)
        category = np.searchsorted(tau, ystar[:, j], side="left")  # count of tau < y*
        out[item.name] = codes[category].astype(np.int8)
    return out


def draw_mcs(rng: np.random.Generator, *, latent_m: np.ndarray, params: ModelParams) -> np.ndarray:
    """SF-12 mental component summary (mean ~50, SD ~10, lower = worse)."""
    mean, cov = reference_moments(params)
    z = (latent_m - mean[1]) / np.sqrt(cov[1, 1])
    noise = rng.standard_normal(latent_m.shape[0])
    score = 50.0 - 10.0 * (MCS_LOADING * z + np.sqrt(1 - MCS_LOADING**2) * noise)
    return np.round(np.clip(score, *MCS_RANGE), 2)


def ghq_scores(ghq: np.ndarray, *, proxy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GHQ-12 Likert (0-36) and caseness (0-12) scores from released item codes.

    Parameters
    ----------
    ghq : ndarray, shape (n, 12)
        Item codes 1-4 or negative missing-value codes.
    proxy : ndarray of bool, shape (n,)

    Returns
    -------
    likert, caseness : ndarray of int8
        -7 for proxies, -9 if any item is missing.
    """
    missing = (ghq < 0).any(axis=1)
    likert = np.where(missing, -9, (ghq - 1).sum(axis=1))
    caseness = np.where(missing, -9, (ghq >= 3).sum(axis=1))
    likert = np.where(proxy, -7, likert).astype(np.int8)
    caseness = np.where(proxy, -7, caseness).astype(np.int8)
    return likert, caseness


def cesd_count(items: dict[str, np.ndarray]) -> np.ndarray:
    """CES-D 8 symptom count (0-8), NaN when any item is missing.

    A symptom is "yes" (1) on the six negatively worded items and "no" (2)
    on ``pscedd`` (was happy) and ``pscedf`` (enjoyed life).
    """
    names = [f"psced{c}" for c in "abcdefgh"]
    codes = np.stack([items[name] for name in names], axis=1)
    symptom_code = np.array([2 if name in CESD_POSITIVE else 1 for name in names])
    count = (codes == symptom_code).sum(axis=1).astype(float)
    return np.where((codes < 0).any(axis=1), np.nan, count)
