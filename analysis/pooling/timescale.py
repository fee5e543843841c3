"""Cross-lagged effects on a common time scale, through the continuous-time drift matrix.

A time-invariant lag matrix :math:`\\Phi(\\Delta)` between waves :math:`\\Delta` years apart
(rows: outcome at the later wave, columns: predictor at the earlier wave; for two
variables ``[[ar_x, y_to_x], [x_to_y, ar_y]]``) implies the drift
:math:`A = \\log(\\Phi)/\\Delta` of a first-order continuous-time model, and so the lags
at any interval :math:`\\Delta^*`: :math:`\\Phi(\\Delta^*) = \\exp(A\\,\\Delta^*)`
(Voelkle, Oud, Davidov & Schmidt 2012; Kuiper & Ryan 2018).  Standard errors come
from the delta method with the Jacobian of that map, taken by central differences
of the (smooth) matrix functions, and the covariance of the lag estimates.

The principal matrix logarithm must exist and be real: a lag matrix with an
eigenvalue on the negative real axis (or zero) has none, and is refused in a sentence
(such lags alternate in sign from one wave to the next, which no first-order
continuous process produces).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

from analysis.errors import DataError

#: Relative step of the central differences of the Jacobian.
STEP = 1e-6


@dataclass(frozen=True)
class Converted:
    """A lag matrix moved to another interval, with the covariance of its entries (row-major)."""

    phi: np.ndarray
    vcov: np.ndarray
    interval: float
    drift: np.ndarray

    def __repr__(self) -> str:
        return f"Converted(interval={self.interval:g}, phi={np.round(self.phi, 4).tolist()})"

    @property
    def se(self) -> np.ndarray:
        """Standard errors, shaped like ``phi``."""
        return np.sqrt(np.clip(np.diag(self.vcov), 0.0, None)).reshape(self.phi.shape)


def drift(phi: np.ndarray, interval: float) -> np.ndarray:
    """The drift matrix ``log(phi) / interval`` (the real principal logarithm).

    Raises
    ------
    DataError
        If ``phi`` has an eigenvalue that is zero or on the negative real axis.
    """
    phi = np.asarray(phi, dtype=float)
    if not interval > 0:
        raise DataError(f"The interval between waves must be a positive number of years, not {interval!r}.")
    eig = np.linalg.eigvals(phi)
    bad = [e for e in eig if abs(e.imag) < 1e-12 and e.real <= 0]
    if bad:
        raise DataError(f"The lag matrix has the eigenvalue {bad[0].real:.3g}, so it has no real matrix logarithm: "
                        "its effects would flip sign between waves, which no continuous-time process gives; "
                        "these lags cannot be moved to another interval.")
    log = linalg.logm(phi)
    if np.max(np.abs(np.imag(log))) > 1e-9:
        raise DataError("The lag matrix has no real matrix logarithm, so these lags cannot be moved to another "
                        "interval.")
    return np.real(log) / interval


def lags_at(phi: np.ndarray, interval: float, target: float) -> np.ndarray:
    """``exp(drift(phi, interval) * target)``: the lags ``target`` years apart.

    Computed as the matrix power ``phi ** (target / interval)`` through the eigenvalues
    (the same matrix when ``phi`` is diagonalisable, and about 100 times faster than
    ``logm``/``expm``, which the Jacobian and simulations call often); otherwise by
    ``expm`` of the drift.
    """
    if not target > 0:
        raise DataError(f"The common interval must be a positive number of years, not {target!r}.")
    phi = np.asarray(phi, dtype=float)
    lam, V = np.linalg.eig(phi)
    if np.linalg.cond(V) < 1e8 and not np.any((np.abs(lam.imag) < 1e-12) & (lam.real <= 0)):
        power = np.exp(np.log(lam.astype(complex)) * (target / interval))
        out = (V * power) @ np.linalg.inv(V)
        if np.max(np.abs(out.imag)) < 1e-9:
            return np.real(out)
    return np.real(linalg.expm(drift(phi, interval) * target))


def jacobian(phi: np.ndarray, interval: float, target: float) -> np.ndarray:
    """d vec(lags_at) / d vec(phi), row-major vec, by central differences."""
    phi = np.asarray(phi, dtype=float)
    n = phi.size
    J = np.empty((n, n))
    for k in range(n):
        h = STEP * max(1.0, abs(phi.flat[k]))
        up, down = phi.copy(), phi.copy()
        up.flat[k] += h
        down.flat[k] -= h
        J[:, k] = (lags_at(up, interval, target) - lags_at(down, interval, target)).ravel() / (2 * h)
    return J


def convert(phi, vcov, *, interval: float, target: float) -> Converted:
    """Move a lag matrix estimated at ``interval`` years to ``target`` years, with delta-method covariance.

    Parameters
    ----------
    phi : (m, m) array
        Lag matrix (rows: outcome, columns: predictor).
    vcov : (m*m, m*m) array
        Covariance of the row-major entries of ``phi``.
    interval, target : float
        Years between the waves of the estimate, and of the common scale.
    """
    phi = np.asarray(phi, dtype=float)
    vcov = np.asarray(vcov, dtype=float)
    if phi.ndim != 2 or phi.shape[0] != phi.shape[1] or vcov.shape != (phi.size, phi.size):
        raise DataError("A lag matrix must be square, with a covariance matrix of its entries.")
    if interval == target:
        return Converted(phi=phi, vcov=vcov, interval=float(target), drift=drift(phi, interval))
    J = jacobian(phi, interval, target)
    return Converted(phi=lags_at(phi, interval, target), vcov=J @ vcov @ J.T, interval=float(target),
                     drift=drift(phi, interval))
