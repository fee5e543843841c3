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

from analysis.models.sem.data import SampleData
from analysis.models.sem.scores import score_blocks
from analysis.models.sem.threads import single_blas_thread


def score_meat(scores: np.ndarray, sample: SampleData) -> np.ndarray:
    """``B``: cross-products of (weighted, PSU-summed, stratum-centred) case-wise scores.

    ``scores`` has one row per case, groups and patterns in the order of ``sample``
    (as :func:`objectives.casewise_scores` returns them), already multiplied by the weights.
    With PSUs but no strata, PSUs are counted within each group (lavaan's ``cluster``).
    With strata, groups are domains of one design (as R ``survey`` and Stata ``svy,
    subpop``): a PSU's scores are added over the groups, and every PSU of a stratum
    counts, also where a group has nobody in it.  Fits use :func:`design_meat`, which never
    holds all the scores.
    """
    every = np.arange(scores.shape[1])
    parts, start = [], 0
    for g in sample.groups:
        n = sum(p.rows.shape[0] for p in g.patterns)
        parts.append((every, n, [(0, n, scores[start:start + n])]))
        start += n
    return _meat(parts, sample, scores.shape[1])


@single_blas_thread
def design_meat(theta: np.ndarray, problem) -> np.ndarray:
    """``score_meat(casewise_scores(theta, problem), problem.data)`` without the N x parameters
    matrix of scores: cross-products and PSU totals are added up a block of rows at a time
    (:func:`.scores.score_blocks`), so a saturated model of 28 variables (434 parameters) on
    10,000 rows needs a few MB instead of 33 at a time.  The same numbers to rounding."""
    parts = [score_blocks(theta, gs, gd, problem.meanstructure)
             for gs, gd in zip(problem.structure.groups, problem.data.groups)]
    return _meat(parts, problem.data, problem.structure.npar)


def _meat(parts, sample: SampleData, npar: int) -> np.ndarray:
    """``B`` from each group's ``(own, rows, blocks)``: blocks of rows ``(lo, hi, scores over own)``."""
    if not sample.clustered:
        meat = np.zeros((npar, npar))
        for own, _, blocks in parts:
            acc = np.zeros((own.size, own.size))
            for _, _, s in blocks:
                acc += s.T @ s
            meat[np.ix_(own, own)] += acc
        return meat
    pairs, unit = _units(sample)
    totals = np.zeros((pairs.shape[0], npar))
    start = 0
    for own, n, blocks in parts:
        for lo, hi, s in blocks:
            u = unit[start + lo:start + hi]
            order = np.argsort(u, kind="stable")
            su = u[order]
            first = np.flatnonzero(np.r_[True, su[1:] != su[:-1]])
            totals[np.ix_(su[first], own)] += np.add.reduceat(s[order], first, axis=0)
        start += n
    return _from_totals(pairs, totals, sample)


def _units(sample: SampleData) -> tuple[np.ndarray, np.ndarray]:
    """The design's units (distinct key rows, sorted) and each row's unit, rows in ``sample`` order.

    Units are (group, PSU) pairs without strata (PSUs counted within groups) and (stratum, PSU)
    pairs with them (groups are domains).  The key columns are packed into one integer for a
    single ``np.unique``.
    """
    psu, stratum, group = [], [], []
    for k, g in enumerate(sample.groups):
        for p in g.patterns:
            psu.append(p.clusters)
            stratum.append(p.strata if sample.design.strata is not None else np.zeros(p.clusters.size, dtype=int))
            group.append(np.full(p.clusters.size, k))
    first = np.concatenate(group if sample.design.strata is None else stratum)
    keys = np.column_stack([first, np.concatenate(psu)]).astype(np.int64)
    base = keys.max(axis=0) + 1
    codes, unit = np.unique(keys[:, 0] * base[1] + keys[:, 1], return_inverse=True)
    pairs = np.column_stack([codes // base[1], codes % base[1]])
    return pairs, unit.ravel()


def _from_totals(pairs: np.ndarray, totals: np.ndarray, sample: SampleData) -> np.ndarray:
    """``B`` from the units' score totals: per group without strata, centred within strata with them."""
    meat = np.zeros((totals.shape[1], totals.shape[1]))
    if sample.design.strata is None:
        for k in range(len(sample.groups)):
            t = totals[pairs[:, 0] == k]
            G = t.shape[0]
            meat += G / (G - 1) * (t.T @ t)
        return meat
    for h in np.unique(pairs[:, 0]):
        t = totals[pairs[:, 0] == h]
        n_h = t.shape[0]
        centred = t - t.mean(axis=0)
        meat += n_h / (n_h - 1) * (centred.T @ centred)
    return meat
