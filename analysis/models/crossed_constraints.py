r"""Linear hypotheses on the cells of crossed groupings, fitted as restricted models.

The cells of groupings with :math:`L_1, \dots, L_k` levels are ordered with the
last grouping varying fastest (``16-29 × low``, ``16-29 × medium``, ...).  Each
cell :math:`g` has its own lagged effect :math:`b_g` (with wave-specific lags, the
mean of its effects over the intervals).  A hypothesis is a contrast matrix
:math:`C` with :math:`C b = 0`:

* **omnibus**: every cell equal, :math:`G - 1` rows;
* **main difference** by grouping :math:`a`: the marginal means over the other
  groupings (each cell weighted equally) are equal, :math:`L_a - 1` rows,
  :math:`C = D_a \otimes \bar 1_{\text{others}}`;
* **interaction** of groupings :math:`a, b`: the differences by :math:`a` are the
  same at every level of :math:`b` (in the marginal means over any third
  grouping), :math:`(L_a - 1)(L_b - 1)` rows, :math:`C = D_a \otimes D_b \otimes \bar 1`;
  with three groupings also the three-way interaction and **additive** (every
  interaction at once).

:math:`D_L` is the :math:`(L-1) \times L` matrix of successive differences and
:math:`\bar 1` a row of :math:`1/L`.

The engine ties parameters only by shared labels (``a == b``), so the restricted
model is written by reparameterisation instead of ``==`` rows: :math:`b = \mu 1 +
K \varphi` with :math:`[1, K]` a basis of the null space of :math:`C` (every
hypothesis here holds for equal cells, so :math:`1` is in it).  :math:`\mu` is the
direct path with one label in every cell, and each column :math:`k` of :math:`K` a
*phantom* latent variable :math:`P_k` with no variance of its own, equal to the
predictor times :math:`K_{gk}` (fixed, per cell), whose effect :math:`\varphi_k`
has one label in every cell.  This is the same model as lavaan's ``==`` linear
constraints (same maximum likelihood, same degrees of freedom: checked against
lavaan in ``tests/models/test_crossed_lavaan.py``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg import null_space

from analysis.errors import ModelSpecificationError
from analysis.models.builders import PATH_LABELS


@dataclass(frozen=True)
class Hypothesis:
    """One linear hypothesis on the cell effects: a name, the groupings it is about and its contrasts."""

    kind: str                      # "omnibus", "main", "interaction", "additive"
    groupings: tuple[str, ...]     # which groupings (empty for omnibus and additive)
    contrast: np.ndarray           # C, shape (df, G)

    @property
    def df(self) -> int:
        return int(self.contrast.shape[0])

    @property
    def key(self) -> str:
        return " × ".join(self.groupings) if self.groupings else self.kind


def differences(levels: int) -> np.ndarray:
    """Successive differences of ``levels`` values: ``(levels - 1) x levels``."""
    return np.eye(levels)[:-1] - np.eye(levels)[1:]


def _kron(parts: Sequence[np.ndarray]) -> np.ndarray:
    out = np.ones((1, 1))
    for p in parts:
        out = np.kron(out, p)
    return out


def hypotheses(groupings: Sequence[str], counts: Sequence[int]) -> list[Hypothesis]:
    """Every hypothesis tested for groupings with ``counts`` levels each (cells: last grouping fastest).

    Two groupings: omnibus, a main difference per grouping, their interaction.
    Three: also each two-way interaction (on the means over the third grouping), the
    three-way interaction and ``additive`` (no interaction of any order).
    """
    k = len(groupings)
    G = int(np.prod(counts))
    mean = [np.full((1, c), 1.0 / c) for c in counts]
    out = [Hypothesis("omnibus", (), differences(G))]
    for a in range(k):
        out.append(Hypothesis("main", (groupings[a],),
                              _kron([differences(counts[i]) if i == a else mean[i] for i in range(k)])))
    for pair in itertools.combinations(range(k), 2):
        out.append(Hypothesis("interaction", tuple(groupings[i] for i in pair),
                              _kron([differences(counts[i]) if i in pair else mean[i] for i in range(k)])))
    if k == 3:
        out.append(Hypothesis("interaction", tuple(groupings), _kron([differences(c) for c in counts])))
        # Additive: the cell effects are mu + one term per grouping; C spans everything else.
        span = np.hstack([np.ones((G, 1)), *[_main_columns(counts, a) for a in range(k)]])
        out.append(Hypothesis("additive", (), null_space(span.T).T))
    return out


def _main_columns(counts: Sequence[int], a: int) -> np.ndarray:
    """Columns spanning the effects of grouping ``a`` alone (treatment-coded), shape (G, L_a - 1)."""
    parts = [np.eye(counts[i])[:, 1:] if i == a else np.ones((counts[i], 1)) for i in range(len(counts))]
    return _kron(parts)


def null_basis(contrast: np.ndarray) -> np.ndarray:
    """``K`` with ``[1, K]`` a basis of ``{b : C b = 0}`` (orthonormal columns, orthogonal to 1).

    Raises
    ------
    ModelSpecificationError
        If equal cells do not satisfy the hypothesis (it then has no common effect to
        carry on the direct path): a contrast whose rows do not sum to zero.
    """
    G = contrast.shape[1]
    if np.abs(contrast @ np.ones(G)).max(initial=0.0) > 1e-12:
        raise ModelSpecificationError("A crossed-group hypothesis must hold when every cell is equal "
                                      "(its contrasts must sum to zero).")
    return null_space(np.vstack([contrast, np.ones((1, G))]))


def _number(v: float) -> str:
    return "0" if abs(v) < 1e-15 else repr(float(v))


def restricted_syntax(free_syntax: str, *, path: str, lags: str, intervals: Sequence[tuple[str, str, str]],
                      n_cells: int, basis: np.ndarray, anchor: str) -> str:
    """The multigroup syntax with ``b = mu 1 + K phi`` for one lagged path (see the module docstring).

    Parameters
    ----------
    free_syntax
        The builders' multigroup syntax with every cell's lags free
        (``Groups(n=G)``): labels ``cl_xy_g1..`` (invariant lags) or ``cl_xy_<wave>_g1..`` (free).
    path
        ``"x_to_y"`` or ``"y_to_x"``.
    lags
        ``"invariant"`` or ``"free"``; with free lags the hypothesis is on each cell's mean
        over the intervals: the last interval's effect is ``(T-1) m_g`` minus the others.
    intervals
        ``(target, source, wave)`` of each interval of the path, in wave order (``wave`` is
        the later wave's number in the builders' labels, 2..T).
    n_cells
        Number of cells ``G``.
    basis
        ``K``, shape ``(G, r)`` (:func:`null_basis`).
    anchor
        An observed variable of the model: phantoms are declared as ``P =~ 0*anchor``
        (a latent variable needs a ``=~`` line; the zero loading adds nothing).
    """
    label = PATH_LABELS[path]
    tag = label.replace("cl_", "")
    cells = range(1, n_cells + 1)

    def each(values: Sequence[str]) -> str:
        return "c(" + ", ".join(values) + ")"

    def replace(text: str, old: str, new: str, times: int) -> str:
        if text.count(old) != times:  # the builders' labels are the contract this relies on
            raise ModelSpecificationError(f"The multigroup syntax does not label the {path} path as expected "
                                          f"({old!r} found {text.count(old)} times, not {times}).")
        return text.replace(old, new)

    lines = ["# Restricted model: " + path + " = mu + K phi over the cells (phantom variables carry K)"]
    syntax = free_syntax
    if lags == "invariant":
        syntax = replace(syntax, each([f"{label}_g{g}" for g in cells]) + "*",
                         each([f"{label}_mu"] * n_cells) + "*", len(intervals))
        carriers = list(intervals)
    else:
        target, source, wave = intervals[-1]
        syntax = replace(syntax, each([f"{label}_{wave}_g{g}" for g in cells]) + "*",
                         each([f"{label}_mu"] * n_cells) + "*", 1)
        carriers = [intervals[-1]]
        # Last interval: minus each earlier interval's effect of the same cell (shared labels).
        for t_target, t_source, t_wave in intervals[:-1]:
            q = f"ph_{tag}_{t_wave}_minus"
            lines += [f"{q} =~ 0*{anchor}", f"{q} ~ {each(['-1'] * n_cells)}*{source}", f"{q} ~~ 0*{q}",
                      f"{target} ~ {each([f'{label}_{t_wave}_g{g}' for g in cells])}*{q}"]
    for target, source, wave in carriers:
        for k in range(basis.shape[1]):
            p = f"ph_{tag}_{wave}_{k + 1}"
            lines += [f"{p} =~ 0*{anchor}", f"{p} ~ {each([_number(v) for v in basis[:, k]])}*{source}",
                      f"{p} ~~ 0*{p}", f"{target} ~ {each([f'{label}_phi{k + 1}'] * n_cells)}*{p}"]
    return syntax + "\n".join(lines) + "\n"
