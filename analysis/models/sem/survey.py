"""Design-based variance: the 'meat' of the sandwich from case-wise scores under a survey design.

With sampling weights the case-wise scores are multiplied by the (rescaled) weights
before they are combined (lavaan's ``sampling.weights``; the weights enter the
likelihood through the pattern statistics, see :func:`data.patterns`).  Then, per
group (as lavaan counts clusters within groups):

* no clusters: ``B = sum_i s_i s_i'`` (Huber–White);
* clusters (PSUs), no strata: ``B = G/(G-1) sum_c S_c S_c'`` with ``S_c`` the sum of
  the scores of PSU ``c`` — lavaan's ``cluster =`` (totals not centred; at the
  optimum they sum to zero anyway);
* PSUs within strata: ``B = sum_h n_h/(n_h-1) sum_j (S_hj - S_h)(S_hj - S_h)'``, PSU
  totals centred within their stratum — the linearisation (Taylor series) estimator
  of Stata ``svy``, R ``survey`` and Mplus ``TYPE = COMPLEX``.

The covariance of the estimates is then ``A^-1 B A^-1`` with ``A`` the observed
information of the weighted log-likelihood.
"""

from __future__ import annotations

import numpy as np

from analysis.models.sem.data import SampleData


def score_meat(scores: np.ndarray, sample: SampleData) -> np.ndarray:
    """``B``: cross-products of (weighted, PSU-summed, stratum-centred) case-wise scores.

    ``scores`` has one row per case, groups and patterns in the order of ``sample``
    (as :func:`objectives.casewise_scores` returns them), already multiplied by the weights.
    """
    if not sample.clustered:
        return scores.T @ scores
    meat = np.zeros((scores.shape[1], scores.shape[1]))
    start = 0
    for g in sample.groups:
        n_rows = sum(p.rows.shape[0] for p in g.patterns)
        block = scores[start:start + n_rows]
        start += n_rows
        psu = np.concatenate([p.clusters for p in g.patterns])
        stratum = (np.concatenate([p.strata for p in g.patterns]) if sample.design.strata is not None
                   else np.zeros(psu.size, dtype=int))
        pairs, unit = np.unique(np.column_stack([stratum, psu]), axis=0, return_inverse=True)
        totals = np.zeros((pairs.shape[0], block.shape[1]))
        np.add.at(totals, unit.ravel(), block)
        if sample.design.strata is None:
            G = totals.shape[0]
            meat += G / (G - 1) * (totals.T @ totals)
            continue
        for h in np.unique(pairs[:, 0]):
            t = totals[pairs[:, 0] == h]
            n_h = t.shape[0]
            centred = t - t.mean(axis=0)
            meat += n_h / (n_h - 1) * (centred.T @ centred)
    return meat
