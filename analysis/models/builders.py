"""Builders that write lavaan syntax for cross-lagged panel models.

The syntax is returned as text so users can read it, save it and rerun it (in
lavaan too); it is fitted with ``SEM(syntax, defaults="lavaan", fixed_x=False)``:
every parameter is written out and every variable, wave-1 scores and covariates
included, is part of the likelihood, so FIML uses all rows.

Models
------
``clpm``
    Cross-lagged panel model on the observed scores.
``riclpm``
    Random-intercept CLPM (Hamaker, Kuiper & Grasman 2015), written as in Mulder &
    Hamaker (2021): stable person means (random intercepts) are separated from
    within-person fluctuations, and the lagged effects are estimated among the
    within-person components.
``dpm``
    Dynamic panel model with fixed effects estimated by ML-SEM (Allison, Williams &
    Moral-Benito 2017): person-specific fixed effects load on waves 2..T and are free
    to correlate with the wave-1 scores, which are treated as given.

Options shared by all three: lags free or time-invariant (labels ``ar_x``,
``cl_yx`` for y→x, ``cl_xy`` for x→y, ``ar_y``), innovation (residual) variances and
covariance free or time-invariant from wave 2, time-invariant covariates and
time-varying covariates, and (RI-CLPM) several indicators per construct and wave
with configural, metric or scalar invariance over waves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from analysis.errors import UsageError

ModelType = Literal["clpm", "riclpm", "dpm"]
Lags = Literal["free", "invariant"]
Innovations = Literal["free", "invariant"]
Invariance = Literal["configural", "metric", "scalar"]
MODEL_TYPES = ("clpm", "riclpm", "dpm")


@dataclass(frozen=True)
class PanelDesign:
    """What a cross-lagged model is fitted to: column names per wave.

    Parameters
    ----------
    x, y
        Columns of the two constructs at each wave (single indicators), in wave order.
        For several indicators give ``x_items``/``y_items`` instead: one tuple of item
        columns per wave, the same items in the same order at every wave.
    covariates
        Time-invariant covariates (one column each).
    time_varying
        Time-varying covariates: name -> one column per wave.
    """

    x: tuple[str, ...] = ()
    y: tuple[str, ...] = ()
    x_items: tuple[tuple[str, ...], ...] = ()
    y_items: tuple[tuple[str, ...], ...] = ()
    covariates: tuple[str, ...] = ()
    time_varying: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def waves(self) -> int:
        return len(self.x) or len(self.x_items)

    @property
    def multi_indicator(self) -> bool:
        return bool(self.x_items)

    def check(self, model: ModelType) -> None:
        T = self.waves
        if self.multi_indicator:
            if self.x or self.y:
                raise UsageError("Give either single scores (x, y) or items (x_items, y_items), not both.")
            if len(self.x_items) != len(self.y_items):
                raise UsageError("x_items and y_items need one entry per wave each.")
            for items in (self.x_items, self.y_items):
                if len({len(w) for w in items}) != 1 or len(items[0]) < 2:
                    raise UsageError("Each construct needs the same number (at least 2) of items at every wave.")
            if model != "riclpm":
                raise UsageError("Several indicators per wave are supported for the RI-CLPM only.")
        elif len(self.x) != len(self.y):
            raise UsageError(f"x and y need the same number of waves (got {len(self.x)} and {len(self.y)}).")
        minimum = 3 if model in ("riclpm", "dpm") else 2
        if T < minimum:
            raise UsageError(f"The {model.upper()} needs at least {minimum} waves; got {T}.")
        for name, cols in self.time_varying.items():
            if len(cols) != T:
                raise UsageError(f"Time-varying covariate {name!r} needs one column per wave ({T}); got {len(cols)}.")


@dataclass(frozen=True)
class Groups:
    """Multigroup set-up: how many groups, and which parameters are equal across them.

    ``equal`` may hold the lagged paths ``"x_to_y"``, ``"y_to_x"``, ``"ar_x"``,
    ``"ar_y"``; ``measurement`` sets invariance of a multi-indicator measurement model
    across groups (``"configural"``: loadings free per group, ``"metric"``: equal
    loadings, ``"scalar"``: equal loadings and item intercepts).  Everything else is
    free in each group.
    """

    n: int
    equal: frozenset[str] = frozenset()
    measurement: Invariance = "configural"

    def __post_init__(self) -> None:
        unknown = set(self.equal) - set(PATH_LABELS)
        if unknown:
            raise UsageError(f"Unknown path(s) {sorted(unknown)}; use {', '.join(PATH_LABELS)}.")


#: Lagged paths and the labels they get: x_to_y is "cl_xy" (x at t-1 -> y at t).
PATH_LABELS = {"ar_x": "ar_x", "y_to_x": "cl_yx", "x_to_y": "cl_xy", "ar_y": "ar_y"}


def _label(base: str, groups: Groups | None, *, shared: bool) -> str:
    """A label usable as a modifier: the same in every group when ``shared``, else one per group."""
    if groups is None or groups.n == 1:
        return base
    if shared:
        # Written out per group (as lavaan recommends) so the equality across groups is explicit.
        return "c(" + ", ".join([base] * groups.n) + ")"
    return "c(" + ", ".join(f"{base}_g{k + 1}" for k in range(groups.n)) + ")"


def _lag_lines(lhs_x: str, lhs_y: str, rhs_x: str, rhs_y: str, lags: Lags, *, wave: int = 0,
               groups: Groups | None = None) -> list[str]:
    multigroup = groups is not None and groups.n > 1
    terms = {}
    for path, label in PATH_LABELS.items():
        if lags == "invariant":
            base = label
        elif multigroup:
            base = f"{label}_{wave}"
        else:
            terms[path] = ""
            continue
        terms[path] = _label(base, groups, shared=multigroup and path in groups.equal) + "*"
    return [f"{lhs_x} ~ {terms['ar_x']}{rhs_x} + {terms['y_to_x']}{rhs_y}",
            f"{lhs_y} ~ {terms['x_to_y']}{rhs_x} + {terms['ar_y']}{rhs_y}"]


def _innovation_lines(wx: Sequence[str], wy: Sequence[str], innovations: Innovations,
                      groups: Groups | None = None) -> list[str]:
    """Wave-1 (co)variances free; from wave 2 free or equal over waves (separately per group)."""
    lines = [f"{wx[0]} ~~ {wx[0]}", f"{wy[0]} ~~ {wy[0]}", f"{wx[0]} ~~ {wy[0]}"]
    vx, vy, cv = (_label(b, groups, shared=False) for b in ("var_ux", "var_uy", "cov_u"))
    for t in range(1, len(wx)):
        if innovations == "invariant":
            lines += [f"{wx[t]} ~~ {vx}*{wx[t]}", f"{wy[t]} ~~ {vy}*{wy[t]}", f"{wx[t]} ~~ {cv}*{wy[t]}"]
        else:
            lines += [f"{wx[t]} ~~ {wx[t]}", f"{wy[t]} ~~ {wy[t]}", f"{wx[t]} ~~ {wy[t]}"]
    return lines


def _covariate_lines(design: PanelDesign, targets_by_wave: Sequence[tuple[str, str]],
                     invariant_targets: Sequence[str], exogenous: Sequence[str]) -> list[str]:
    """Covariate effects and the (co)variances of exogenous variables.

    ``invariant_targets`` are predicted by the time-invariant covariates (e.g. the random
    intercepts); ``targets_by_wave`` are (x, y) predicted by that wave's time-varying
    covariates; ``exogenous`` are other exogenous variables the covariates correlate with.
    """
    lines: list[str] = []
    z = list(design.covariates)
    if z:
        lines.append("# Time-invariant covariates")
        for tgt in invariant_targets:
            lines.append(f"{tgt} ~ " + " + ".join(z))
    tv = design.time_varying
    if tv:
        lines.append("# Time-varying covariates (same-wave effects)")
        for t, (tx, ty) in enumerate(targets_by_wave):
            preds = " + ".join(cols[t] for cols in tv.values())
            lines.append(f"{tx} + {ty} ~ {preds}")
    cov_vars = z + [c for cols in tv.values() for c in cols]
    if cov_vars:
        lines.append("# Covariates: variances and covariances (part of the likelihood, so FIML uses every row)")
        for i, a in enumerate(cov_vars):
            lines.append(f"{a} ~~ {a}")
            for b in cov_vars[i + 1:]:
                lines.append(f"{a} ~~ {b}")
        for a in [c for cols in tv.values() for c in cols]:
            for b in exogenous:
                lines.append(f"{a} ~~ {b}")
    return lines


def clpm_syntax(design: PanelDesign, *, lags: Lags = "free", innovations: Innovations = "free",
                groups: Groups | None = None) -> str:
    """Cross-lagged panel model on the observed scores."""
    design.check("clpm")
    x, y = list(design.x), list(design.y)
    T = design.waves
    lines = ["# Cross-lagged panel model (CLPM) on observed scores", "# Lagged effects"]
    for t in range(1, T):
        lines += _lag_lines(x[t], y[t], x[t - 1], y[t - 1], lags, wave=t + 1, groups=groups)
    lines.append("# Wave-1 (co)variances and residual (innovation) (co)variances")
    lines += _innovation_lines(x, y, innovations, groups)
    lines += _covariate_lines(design, list(zip(x, y)), [f"{x[t]} + {y[t]}" for t in range(T)], [])
    return "\n".join(lines) + "\n"


def riclpm_syntax(design: PanelDesign, *, lags: Lags = "free", innovations: Innovations = "free",
                  invariance: Invariance = "metric", groups: Groups | None = None) -> str:
    """Random-intercept cross-lagged panel model (Hamaker et al. 2015; Mulder & Hamaker 2021).

    With several indicators (``design.x_items``) each item gets its own random
    intercept and the within-person factor of each wave is measured by that wave's
    items (Mulder & Hamaker's third extension); ``invariance`` sets equal loadings
    (``metric``) and also equal item intercepts (``scalar``) over waves.
    """
    design.check("riclpm")
    T = design.waves
    wx = [f"wx{t + 1}" for t in range(T)]
    wy = [f"wy{t + 1}" for t in range(T)]
    lines = ["# Random-intercept cross-lagged panel model (RI-CLPM)"]
    if design.multi_indicator:
        lines += _multi_indicator_measurement(design, wx, wy, invariance, groups)
        ri_names = [f"RIx{k + 1}" for k in range(len(design.x_items[0]))] + [
            f"RIy{k + 1}" for k in range(len(design.y_items[0]))]
    else:
        x, y = list(design.x), list(design.y)
        lines.append("# Random intercepts: stable differences between persons")
        lines.append("RIx =~ " + " + ".join(f"1*{v}" for v in x))
        lines.append("RIy =~ " + " + ".join(f"1*{v}" for v in y))
        lines.append("# Within-person components")
        for t in range(T):
            lines += [f"{wx[t]} =~ 1*{x[t]}", f"{wy[t]} =~ 1*{y[t]}"]
        ri_names = ["RIx", "RIy"]
    lines.append("# Lagged effects within persons")
    for t in range(1, T):
        lines += _lag_lines(wx[t], wy[t], wx[t - 1], wy[t - 1], lags, wave=t + 1, groups=groups)
    lines.append("# Within-person (co)variances at wave 1 and innovations")
    lines += _innovation_lines(wx, wy, innovations, groups)
    lines.append("# Random-intercept variances and covariances")
    for i, a in enumerate(ri_names):
        lines.append(f"{a} ~~ {a}")
        for b in ri_names[i + 1:]:
            lines.append(f"{a} ~~ {b}")
    targets = [f"{' + '.join(ri_names)}", f"{wx[0]} + {wy[0]}"]
    obs_by_wave = list(zip(design.x, design.y)) if not design.multi_indicator else [
        (f"{wx[t]}", f"{wy[t]}") for t in range(T)]
    lines += _covariate_lines(design, obs_by_wave, targets, [])
    return "\n".join(lines) + "\n"


def _multi_indicator_measurement(design: PanelDesign, wx: list[str], wy: list[str], invariance: Invariance,
                                 groups: Groups | None = None) -> list[str]:
    if invariance not in ("configural", "metric", "scalar"):
        raise UsageError(f"invariance must be 'configural', 'metric' or 'scalar', not {invariance!r}.")
    T = design.waves
    lines = ["# Random intercepts: one per item (stable item-level differences between persons)"]
    for prefix, items in (("RIx", design.x_items), ("RIy", design.y_items)):
        for k in range(len(items[0])):
            lines.append(f"{prefix}{k + 1} =~ " + " + ".join(f"1*{items[t][k]}" for t in range(T)))
    lines.append("# Within-person factors measured by each wave's items "
                 f"({invariance} invariance over waves)")
    for w, items, tag in ((wx, design.x_items, "lx"), (wy, design.y_items, "ly")):
        for t in range(T):
            terms = []
            for k, item in enumerate(items[t]):
                if k == 0:
                    terms.append(f"1*{item}")
                elif invariance == "configural":
                    # Free per wave; across groups equal only with metric group invariance.
                    shared = groups is not None and groups.measurement in ("metric", "scalar")
                    terms.append(f"{_label(f'{tag}{t + 1}_{k + 1}', groups, shared=shared)}*{item}"
                                 if groups is not None and groups.n > 1 else item)
                else:
                    shared = groups is None or groups.measurement in ("metric", "scalar")
                    terms.append(f"{_label(f'{tag}{k + 1}', groups, shared=shared)}*{item}")
            lines.append(f"{w[t]} =~ " + " + ".join(terms))
    lines.append("# Measurement errors")
    for items in (design.x_items, design.y_items):
        for t in range(T):
            for item in items[t]:
                lines.append(f"{item} ~~ {item}")
    if invariance == "scalar":
        lines.append("# Item intercepts equal over waves")
        for tag, items in (("nux", design.x_items), ("nuy", design.y_items)):
            for t in range(T):
                for k, item in enumerate(items[t]):
                    shared = groups is None or groups.measurement == "scalar"
                    lines.append(f"{item} ~ {_label(f'{tag}{k + 1}', groups, shared=shared)}*1")
    return lines


def dpm_syntax(design: PanelDesign, *, lags: Lags = "free", innovations: Innovations = "free",
               groups: Groups | None = None) -> str:
    """Dynamic panel model with fixed effects by ML-SEM (Allison, Williams & Moral-Benito 2017).

    Fixed effects ``Fx``/``Fy`` load on waves 2..T and correlate freely with each other
    and with the wave-1 scores, which are taken as given; lags among observed scores.
    Time-varying covariates act on waves 2..T and may correlate with the fixed effects
    (that is what "fixed effects" buys); time-invariant covariates act on waves 2..T and,
    to be identified, are uncorrelated with the fixed effects.
    """
    design.check("dpm")
    x, y = list(design.x), list(design.y)
    T = design.waves
    lines = ["# Dynamic panel model with fixed effects (ML-SEM)", "# Person fixed effects (waves 2..T)"]
    lines.append("Fx =~ " + " + ".join(f"1*{v}" for v in x[1:]))
    lines.append("Fy =~ " + " + ".join(f"1*{v}" for v in y[1:]))
    lines.append("# Lagged effects")
    for t in range(1, T):
        lines += _lag_lines(x[t], y[t], x[t - 1], y[t - 1], lags, wave=t + 1, groups=groups)
    lines.append("# Wave-1 scores and residual (innovation) (co)variances")
    lines += _innovation_lines(x, y, innovations, groups)
    lines.append("# Fixed effects: variances, and free correlation with the wave-1 scores")
    lines += ["Fx ~~ Fx", "Fy ~~ Fy", "Fx ~~ Fy"]
    lines += [f"Fx ~~ {x[0]}", f"Fx ~~ {y[0]}", f"Fy ~~ {x[0]}", f"Fy ~~ {y[0]}"]
    z = list(design.covariates)
    tv_cols = [cols[1:] for cols in design.time_varying.values()]
    if z or tv_cols:
        lines.append("# Covariates")
        for t in range(1, T):
            preds = z + [cols[t - 1] for cols in tv_cols]
            lines.append(f"{x[t]} + {y[t]} ~ " + " + ".join(preds))
        cov_vars = z + [c for cols in tv_cols for c in cols]
        for i, a in enumerate(cov_vars):
            lines.append(f"{a} ~~ {a}")
            for b in cov_vars[i + 1:]:
                lines.append(f"{a} ~~ {b}")
            lines += [f"{a} ~~ {x[0]}", f"{a} ~~ {y[0]}"]
        for a in [c for cols in tv_cols for c in cols]:
            lines += [f"Fx ~~ {a}", f"Fy ~~ {a}"]
    return "\n".join(lines) + "\n"


def build_syntax(model: ModelType, design: PanelDesign, *, lags: Lags = "free", innovations: Innovations = "free",
                 invariance: Invariance = "metric", groups: Groups | None = None) -> str:
    """Syntax of ``model`` (``clpm``, ``riclpm`` or ``dpm``) for ``design``."""
    if model not in MODEL_TYPES:
        raise UsageError(f"model must be one of {', '.join(MODEL_TYPES)}, not {model!r}.")
    if lags not in ("free", "invariant"):
        raise UsageError(f"lags must be 'free' or 'invariant', not {lags!r}.")
    if innovations not in ("free", "invariant"):
        raise UsageError(f"innovations must be 'free' or 'invariant', not {innovations!r}.")
    if model == "clpm":
        return clpm_syntax(design, lags=lags, innovations=innovations, groups=groups)
    if model == "dpm":
        return dpm_syntax(design, lags=lags, innovations=innovations, groups=groups)
    return riclpm_syntax(design, lags=lags, innovations=innovations, invariance=invariance, groups=groups)


def lag_paths(model: ModelType, design: PanelDesign) -> dict[str, list[tuple[str, str]]]:
    """Where the builders put the lagged paths: ``(lhs, rhs)`` of each regression, by interval.

    Keys ``x_to_y`` (x at t-1 -> y at t), ``y_to_x``, ``ar_x`` and ``ar_y``; one entry per
    interval, in wave order.  In the RI-CLPM the paths link the within-person
    components ``wx1..wxT``/``wy1..wyT``; in the CLPM and DPM the scores themselves.
    """
    T = design.waves
    if model == "riclpm":
        xs = [f"wx{t + 1}" for t in range(T)]
        ys = [f"wy{t + 1}" for t in range(T)]
    else:
        xs, ys = list(design.x), list(design.y)
    out: dict[str, list[tuple[str, str]]] = {"x_to_y": [], "y_to_x": [], "ar_x": [], "ar_y": []}
    for t in range(1, T):
        out["x_to_y"].append((ys[t], xs[t - 1]))
        out["y_to_x"].append((xs[t], ys[t - 1]))
        out["ar_x"].append((xs[t], xs[t - 1]))
        out["ar_y"].append((ys[t], ys[t - 1]))
    return out
