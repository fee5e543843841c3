"""Why a fit stopped: the directions in which the likelihood is flat, in the model's own names.

When Newton steps stop making headway (:func:`.optimize.fisher_scoring` returns ``stalled``),
the observed information at the last iterate has a near-zero eigenvalue: some combination of
parameters can change without changing the fit.  Its eigenvector names the parameters
involved, which usually points straight at the cause, e.g. a latent variable whose variance
shrinks to zero while its loadings grow (the data cannot separate the two).
"""

from __future__ import annotations

import numpy as np

from analysis.models.sem.hessian import observed_information
from analysis.models.sem.objectives import NotPositiveDefinite


def flat_parameters(compiled, sample, theta: np.ndarray, *, most: int = 3) -> list[str]:
    """The parameters that dominate the flattest direction of the likelihood, with their values."""
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            H = observed_information(theta, compiled.problem(sample))
            lam, V = np.linalg.eigh(0.5 * (H + H.T))
    except (NotPositiveDefinite, np.linalg.LinAlgError, ValueError, FloatingPointError):
        return []
    if not np.all(np.isfinite(lam)):
        return []
    v = V[:, 0]
    order = np.argsort(-np.abs(v))
    names = compiled.free_names
    return [f"{names[i]} ({theta[i]:.3g})" for i in order[:most] if abs(v[i]) >= 0.2 * abs(v[order[0]])]


def small_variances(compiled, theta: np.ndarray, *, most: int = 4) -> list[str]:
    """Free variances that are negative or nearly zero against the others (with their values)."""
    idx = compiled.variance_indices
    if idx.size == 0:
        return []
    values = theta[idx]
    scale = float(np.median(np.abs(values))) or 1.0
    small = [i for i, v in zip(idx, values) if v < 1e-3 * scale]
    return [f"{compiled.free_names[i]} ({theta[i]:.2g})" for i in small[:most]]


def stalled_message(compiled, sample, theta: np.ndarray, iterations: int) -> str:
    """One paragraph on a fit that stopped because the likelihood is flat, with what to try."""
    flat = flat_parameters(compiled, sample, theta)
    small = small_variances(compiled, theta)
    text = (f"The model did not converge: after {iterations} iterations the likelihood no longer changes"
            + (f" along {', '.join(flat)}" if flat else "")
            + ", so the data do not determine those estimates.")
    if small:
        text += (f" Variances near zero or negative: {', '.join(small)}; a latent variable with (almost) no "
                 "variance leaves its loadings and paths undetermined, as happens when items hardly change "
                 "within persons.")
    return text + (" Try: (1) a simpler model, e.g. fewer latent variables or measures that vary over the waves; "
                   "(2) fixing the undetermined parameter (e.g. a variance at 0); (3) other start values with "
                   "start().")
