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
  of Stata ``svy``, R ``survey`` and Mplus ``TYPE = COMPLEX``; in a multigroup model
  the groups are domains of the one design (a PSU's totals add over groups).

The covariance of the estimates is then ``A^-1 B A^-1`` with ``A`` the observed
information of the weighted log-likelihood.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from analysis.models.sem.data import SampleData


def score_meat(scores: np.ndarray, sample: SampleData) -> np.ndarray:
    """``B``: cross-products of (weighted, PSU-summed, stratum-centred) case-wise scores.

    ``scores`` has one row per case, groups and patterns in the order of ``sample``
    (as :func:`objectives.casewise_scores` returns them), already multiplied by the weights.
    With PSUs but no strata, PSUs are counted within each group (lavaan's ``cluster``).
    With strata, groups are domains of one design (as R ``survey`` and Stata ``svy,
    subpop``): a PSU's scores are added over the groups, and every PSU of a stratum
    counts, also where a group has nobody in it.
    """
    if not sample.clustered:
        return scores.T @ scores
    psu, stratum, group = [], [], []
    for k, g in enumerate(sample.groups):
        for p in g.patterns:
            psu.append(p.clusters)
            stratum.append(p.strata if sample.design.strata is not None else np.zeros(p.clusters.size, dtype=int))
            group.append(np.full(p.clusters.size, k))
    psu, stratum, group = np.concatenate(psu), np.concatenate(stratum), np.concatenate(group)
    meat = np.zeros((scores.shape[1], scores.shape[1]))
    if sample.design.strata is None:
        for k in range(len(sample.groups)):
            totals = _psu_totals(scores[group == k], np.column_stack([psu[group == k]]))[1]
            G = totals.shape[0]
            meat += G / (G - 1) * (totals.T @ totals)
        return meat
    pairs, totals = _psu_totals(scores, np.column_stack([stratum, psu]))
    for h in np.unique(pairs[:, 0]):
        t = totals[pairs[:, 0] == h]
        n_h = t.shape[0]
        centred = t - t.mean(axis=0)
        meat += n_h / (n_h - 1) * (centred.T @ centred)
    return meat


def _psu_totals(scores: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct key rows (sorted) and the sum of the scores of each.

    The (non-negative integer) key columns are packed into one integer, and the sums are
    one sparse product, not a sort of rows and a scatter-add.
    """
    keys = np.asarray(keys, dtype=np.int64)
    base = keys.max(axis=0) + 1
    packed = np.zeros(keys.shape[0], dtype=np.int64)
    for j in range(keys.shape[1]):
        packed = packed * base[j] + keys[:, j]
    codes, unit = np.unique(packed, return_inverse=True)
    pairs = np.empty((codes.size, keys.shape[1]), dtype=np.int64)
    rest = codes
    for j in reversed(range(keys.shape[1])):
        pairs[:, j] = rest % base[j]
        rest = rest // base[j]
    members = sparse.csr_matrix((np.ones(unit.size), (unit.ravel(), np.arange(unit.size))),
                                shape=(codes.size, unit.size))
    return pairs, np.asarray(members @ scores)
