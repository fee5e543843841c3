"""Builders that write lavaan syntax for cross-lagged panel models.

The syntax is returned as text so users can read, save and rerun it (in lavaan
too).  Models follow the standard tutorials:

* RI-CLPM: Hamaker, Kuiper & Grasman (2015); syntax as Mulder & Hamaker (2021),
  fitted with ``defaults="lavaan"`` (everything written out).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from analysis.errors import UsageError

Lags = Literal["free", "invariant"]


def _check(x: Sequence[str], y: Sequence[str]) -> int:
    if len(x) != len(y):
        raise UsageError(f"x and y need the same number of waves (got {len(x)} and {len(y)}).")
    if len(x) < 3:
        raise UsageError(f"A random-intercept cross-lagged model needs at least 3 waves (got {len(x)}).")
    return len(x)


def riclpm_syntax(x: Sequence[str], y: Sequence[str], *, lags: Lags = "free") -> str:
    """lavaan syntax of the bivariate RI-CLPM for observed scores ``x[t]``, ``y[t]``.

    Parameters
    ----------
    x, y
        Column names of the two constructs at each wave, in wave order.
    lags
        ``"free"``: wave-specific autoregressive and cross-lagged effects;
        ``"invariant"``: the same four lagged effects at every wave (labels
        ``ar_x``, ``cl_yx`` (y→x), ``cl_xy`` (x→y), ``ar_y``).
    """
    T = _check(x, y)
    if lags not in ("free", "invariant"):
        raise UsageError(f"lags must be 'free' or 'invariant', not {lags!r}.")
    lines = ["# Random intercepts: stable between-person differences"]
    lines.append("RIx =~ " + " + ".join(f"1*{v}" for v in x))
    lines.append("RIy =~ " + " + ".join(f"1*{v}" for v in y))
    lines.append("# Within-person components")
    for t in range(T):
        lines.append(f"wx{t + 1} =~ 1*{x[t]}")
        lines.append(f"wy{t + 1} =~ 1*{y[t]}")
    lines.append("# Lagged effects within persons")
    for t in range(1, T):
        if lags == "free":
            lines.append(f"wx{t + 1} ~ wx{t} + wy{t}")
            lines.append(f"wy{t + 1} ~ wx{t} + wy{t}")
        else:
            lines.append(f"wx{t + 1} ~ ar_x*wx{t} + cl_yx*wy{t}")
            lines.append(f"wy{t + 1} ~ cl_xy*wx{t} + ar_y*wy{t}")
    lines.append("# Within-wave (residual) covariances")
    for t in range(T):
        lines.append(f"wx{t + 1} ~~ wy{t + 1}")
    lines.append("# Random-intercept variances and covariance")
    lines += ["RIx ~~ RIx", "RIy ~~ RIy", "RIx ~~ RIy"]
    lines.append("# (Residual) variances of the within-person components")
    for t in range(T):
        lines.append(f"wx{t + 1} ~~ wx{t + 1}")
        lines.append(f"wy{t + 1} ~~ wy{t + 1}")
    return "\n".join(lines) + "\n"
