"""What a power study simulates: the population model and the grid of designs.

The population is a bivariate random-intercept cross-lagged panel model
(RI-CLPM) in a standardized metric.  For person :math:`i` at wave :math:`t`,

.. math::

    x_{it} = RI^x_i + w^x_{it} + e^x_{it}, \\qquad y_{it} = RI^y_i + w^y_{it} + e^y_{it},

    w_{it} = \\Phi\\, w_{i,t-1} + \\zeta_{it}, \\qquad
    \\Phi = \\begin{pmatrix} \\phi_{x} & \\gamma_{yx} \\\\ \\gamma_{xy} & \\phi_{y} \\end{pmatrix},

where the true score :math:`RI + w` has variance 1, of which the share ``icc``
is stable between persons (:math:`\\operatorname{Var} RI = \\mathrm{icc}`) and
``1 - icc`` fluctuates within persons.  The within-person process is
stationary: :math:`\\operatorname{Cov}(w_t) = \\Sigma_w = (1-\\mathrm{icc})R_w`
at every wave, with :math:`R_w` the within-person correlation matrix, so the
innovation covariance is :math:`\\Psi = \\Sigma_w - \\Phi\\Sigma_w\\Phi^\\top`
(it must be positive definite).  Because both within-person components have
the same variance, the lagged effects are standardized effects.  Measurement
error :math:`e` has variance :math:`(1-\\rho)/\\rho` so that the reliability
(true-score variance over observed variance) is :math:`\\rho`.  ``icc = 0``
gives the CLPM population (no stable differences).

The model fitted to each simulated data set is chosen separately
(``model="clpm"`` or ``"riclpm"``); fitting the CLPM to a population with
``icc > 0``, or either model to scores with reliability below 1, shows the
bias those misspecifications cause (the ``pseudo_true`` values say what the
fitted model converges to in large samples).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np

from analysis.errors import UsageError
from analysis.limits import MAX_PERSONS, MAX_POWER_WAVES, MIN_POWER_PERSONS

FittedModel = Literal["clpm", "riclpm"]
Mechanism = Literal["mcar", "mar"]
LagSetting = Literal["invariant", "free"]

#: Lagged parameters as the model builders label them (x_to_y is "cl_xy").
PARAMETERS = ("ar_x", "cl_yx", "cl_xy", "ar_y")
PATHS = {"ar_x": "x → x", "cl_yx": "y → x", "cl_xy": "x → y", "ar_y": "y → y"}

#: Bounds of a design: persons per simulated study (as ``synth``) and waves.
MIN_N, MAX_N, MAX_WAVES = MIN_POWER_PERSONS, MAX_PERSONS, MAX_POWER_WAVES


@dataclass(frozen=True, kw_only=True)
class LaggedEffects:
    """The population lag matrix :math:`\\Phi`, in standardized within-person units.

    ``cl_xy`` is the effect of x at wave t-1 on y at wave t (x → y), ``cl_yx`` the
    effect of y on later x; ``ar_x`` and ``ar_y`` are the autoregressions.
    """

    ar_x: float = 0.4
    ar_y: float = 0.4
    cl_xy: float = 0.1
    cl_yx: float = 0.1

    @property
    def matrix(self) -> np.ndarray:
        """:math:`\\Phi` with rows the outcomes (x, y) and columns the predictors at t-1."""
        return np.array([[self.ar_x, self.cl_yx], [self.cl_xy, self.ar_y]], dtype=float)

    def value(self, parameter: str) -> float:
        return float(getattr(self, parameter))


@dataclass(frozen=True, kw_only=True)
class Cell:
    """One point of the design grid: everything needed to simulate a data set."""

    n: int
    waves: int
    icc: float
    effects: LaggedEffects
    reliability: float
    attrition: float
    mechanism: Mechanism
    within_cor: float
    ri_cor: float

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(d.pop("effects"))
        return d

    @property
    def key(self) -> str:
        """Stable identifier of the data-generating settings (hex)."""
        text = json.dumps(self.to_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def entropy(self, seed: int) -> list[int]:
        """SeedSequence entropy of this cell: the master seed and the cell's settings.

        The seed does not depend on the order or size of the grid, so adding a grid
        point or replicates never changes the data sets of the others; and the fitted
        model is not part of it, so CLPM and RI-CLPM runs with one seed see the same data.
        """
        words = [int(self.key[i:i + 8], 16) for i in range(0, 16, 8)]
        return [int(seed), *words]

    def seed_sequence(self, seed: int, replicate: int) -> np.random.SeedSequence:
        """The seed of one replicate: child ``replicate`` of the cell's SeedSequence."""
        return np.random.SeedSequence(self.entropy(seed), spawn_key=(int(replicate),))

    # ---- population moments -------------------------------------------------
    def within_cov(self) -> np.ndarray:
        r = self.within_cor
        return (1.0 - self.icc) * np.array([[1.0, r], [r, 1.0]])

    def innovation_cov(self) -> np.ndarray:
        phi = self.effects.matrix
        sw = self.within_cov()
        return sw - phi @ sw @ phi.T

    def ri_cov(self) -> np.ndarray:
        r = self.ri_cor
        return self.icc * np.array([[1.0, r], [r, 1.0]])

    @property
    def error_variance(self) -> float:
        return (1.0 - self.reliability) / self.reliability

    def population_cov(self) -> np.ndarray:
        """Covariance of the observed scores in the order x1..xT, y1..yT (no attrition)."""
        T = self.waves
        phi = self.effects.matrix
        sw = self.within_cov()
        ri = self.ri_cov()
        powers = [np.linalg.matrix_power(phi, k) for k in range(T)]
        cov = np.zeros((2 * T, 2 * T))
        for t in range(T):
            for s in range(T):
                within = powers[t - s] @ sw if t >= s else sw @ powers[s - t].T
                block = ri + within
                for a in range(2):
                    for b in range(2):
                        cov[a * T + t, b * T + s] = block[a, b]
        cov[np.diag_indices(2 * T)] += self.error_variance
        return cov


def observed_names(waves: int) -> tuple[str, ...]:
    """Column names of a simulated data set: x1..xT, then y1..yT."""
    return tuple(f"x{t}" for t in range(1, waves + 1)) + tuple(f"y{t}" for t in range(1, waves + 1))


def _tuple(value, kind: type, name: str) -> tuple:
    items = list(value) if isinstance(value, Iterable) and not isinstance(value, (str, LaggedEffects)) else [value]
    if not items:
        raise UsageError(f"{name} needs at least one value.")
    try:
        out = tuple(kind(v) if kind is not LaggedEffects else v for v in items)
    except (TypeError, ValueError):
        raise UsageError(f"{name} must be numbers; got {items!r}.") from None
    if len(set(out)) != len(out):
        raise UsageError(f"{name} lists a value twice: {', '.join(map(str, out))}.")
    return out


@dataclass(frozen=True, kw_only=True)
class PowerDesign:
    """A grid of study designs for a Monte Carlo power analysis.

    Each grid argument takes one value or a sequence; the grid is every
    combination.  The fitted model, lag setting and attrition mechanism are the
    same for every cell.

    Parameters
    ----------
    model
        Model fitted to each simulated data set: ``"riclpm"`` (default) or ``"clpm"``.
    n
        Persons at wave 1.
    waves
        Number of waves (at least 3 for the RI-CLPM, 2 for the CLPM).
    icc
        Share of the true-score variance that is stable between persons (random
        intercepts); 0 is a CLPM population.  The RI-CLPM needs ``icc > 0``.
    effects
        Population lag matrices (:class:`LaggedEffects`).
    reliability
        True-score variance over observed variance, in (0, 1].
    attrition
        Share of the persons still taking part who drop out at each wave after the
        first (monotone dropout: a person who leaves does not come back), in [0, 1).
    attrition_mechanism
        ``"mcar"``: dropout at random.  ``"mar"``: the odds of dropping out at wave t
        double per standard deviation of the person's observed y at wave t-1 (missing
        at random given the data, so FIML stays unbiased), with the intercept set so
        that a standard-normal score gives the stated average dropout.
    within_cor, ri_cor
        Correlation of the within-person components (stationary, every wave) and of
        the random intercepts.
    lags
        Fitted lagged effects equal over waves (``"invariant"``, default; labels
        ``ar_x, cl_yx, cl_xy, ar_y``) or one per interval (``"free"``; the average over
        intervals is reported, with its delta-method SE).
    """

    model: FittedModel = "riclpm"
    n: Sequence[int] = (200, 500, 1000)
    waves: Sequence[int] = (4,)
    icc: Sequence[float] = (0.5,)
    effects: Sequence[LaggedEffects] = field(default_factory=lambda: (LaggedEffects(),))
    reliability: Sequence[float] = (1.0,)
    attrition: Sequence[float] = (0.0,)
    attrition_mechanism: Mechanism = "mcar"
    within_cor: float = 0.3
    ri_cor: float = 0.3
    lags: LagSetting = "invariant"

    def __post_init__(self) -> None:
        if self.model not in ("clpm", "riclpm"):
            raise UsageError(f"model must be 'clpm' or 'riclpm', not {self.model!r}.")
        if self.attrition_mechanism not in ("mcar", "mar"):
            raise UsageError(f"attrition_mechanism must be 'mcar' or 'mar', not {self.attrition_mechanism!r}.")
        if self.lags not in ("invariant", "free"):
            raise UsageError(f"lags must be 'invariant' or 'free', not {self.lags!r}.")
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        set_("n", _tuple(self.n, int, "n"))
        set_("waves", _tuple(self.waves, int, "waves"))
        set_("icc", _tuple(self.icc, float, "icc"))
        set_("effects", _tuple(self.effects, LaggedEffects, "effects"))
        set_("reliability", _tuple(self.reliability, float, "reliability"))
        set_("attrition", _tuple(self.attrition, float, "attrition"))
        set_("within_cor", float(self.within_cor))
        set_("ri_cor", float(self.ri_cor))
        self._check()

    def _check(self) -> None:
        for n in self.n:
            if n < MIN_N:
                raise UsageError(f"Sample sizes must be at least {MIN_N} persons; got {n}.")
            if n > MAX_N:
                raise UsageError(f"Sample sizes must be at most {MAX_N} persons (as synth); got {n}.")
        minimum = 3 if self.model == "riclpm" else 2
        for t in self.waves:
            if t < minimum:
                raise UsageError(f"The {self.model.upper()} needs at least {minimum} waves; got {t}.")
            if t > MAX_WAVES:
                raise UsageError(f"At most {MAX_WAVES} waves are supported; got {t}.")
        for icc in self.icc:
            if not 0.0 <= icc < 1.0:
                raise UsageError(f"icc (the stable share of the variance) must be in [0, 1); got {icc}.")
            if self.model == "riclpm" and icc == 0.0:
                raise UsageError("The RI-CLPM needs stable differences between persons: give an icc above 0 "
                                 "(or fit the CLPM, which assumes icc = 0).")
        for rel in self.reliability:
            if not 0.0 < rel <= 1.0:
                raise UsageError(f"reliability must be in (0, 1]; got {rel}.")
        for a in self.attrition:
            if not 0.0 <= a < 1.0:
                raise UsageError(f"attrition (the share dropping out per wave) must be in [0, 1); got {a}.")
        for name in ("within_cor", "ri_cor"):
            r = getattr(self, name)
            if not -1.0 < r < 1.0:
                raise UsageError(f"{name} must be a correlation strictly between -1 and 1; got {r}.")
        for eff in self.effects:
            for name in PARAMETERS:
                if not np.isfinite(eff.value(name)):
                    raise UsageError(f"The lagged effect {name} ({PATHS[name]}) must be a finite number; "
                                     f"got {eff.value(name)}.")
            radius = float(np.max(np.abs(np.linalg.eigvals(eff.matrix))))
            if radius >= 1.0:
                raise UsageError(
                    f"The lagged effects (ar_x {eff.ar_x}, ar_y {eff.ar_y}, cl_xy {eff.cl_xy}, cl_yx {eff.cl_yx}) "
                    "make the process explode over time (spectral radius >= 1); use smaller effects.")
            for icc in self.icc:
                cell = self._cell(self.n[0], self.waves[0], icc, eff, 1.0, 0.0)
                if np.linalg.eigvalsh(cell.innovation_cov()).min() <= 1e-10:
                    raise UsageError(
                        f"With lagged effects (ar_x {eff.ar_x}, ar_y {eff.ar_y}, cl_xy {eff.cl_xy}, "
                        f"cl_yx {eff.cl_yx}) and within-person correlation {self.within_cor} the stationary "
                        "process needs innovations with a negative variance; lower the effects or the correlation.")

    def _cell(self, n, waves, icc, effects, reliability, attrition) -> Cell:
        return Cell(n=n, waves=waves, icc=icc, effects=effects, reliability=reliability, attrition=attrition,
                    mechanism=self.attrition_mechanism, within_cor=self.within_cor, ri_cor=self.ri_cor)

    def cells(self) -> list[Cell]:
        """Every grid point; sample size varies fastest (one power curve per other setting)."""
        return [self._cell(n, t, icc, eff, rel, a) for eff, icc, rel, a, t, n in itertools.product(
            self.effects, self.icc, self.reliability, self.attrition, self.waves, self.n)]

    def fit_settings(self) -> dict:
        """What, besides a cell, determines a replicate's result."""
        return {"model": self.model, "lags": self.lags, "innovations": "free", "missing": "fiml",
                "se": "observed information"}

    def to_dict(self) -> dict:
        return {
            "model": self.model, "n": list(self.n), "waves": list(self.waves), "icc": list(self.icc),
            "effects": [asdict(e) for e in self.effects], "reliability": list(self.reliability),
            "attrition": list(self.attrition), "attrition_mechanism": self.attrition_mechanism,
            "within_cor": self.within_cor, "ri_cor": self.ri_cor, "lags": self.lags,
        }

    @classmethod
    def from_dict(cls, d: dict) -> PowerDesign:
        d = dict(d)
        d["effects"] = tuple(LaggedEffects(**e) for e in d["effects"])
        return cls(**d)


def effects_grid(
    *,
    cross_lag: Sequence[float],
    autoregression: Sequence[float],
    cross_lag_yx: Sequence[float] | None = None,
    autoregression_y: Sequence[float] | None = None,
) -> tuple[LaggedEffects, ...]:
    """Lag matrices for every combination; y→x and y's autoregression default to x's values.

    When ``cross_lag_yx`` is None each x→y value is paired with the same y→x value
    (symmetric effects); when given, its values are crossed with ``cross_lag``.
    The same holds for ``autoregression_y``.
    """
    out = []
    for ar in autoregression:
        ar_ys = [ar] if autoregression_y is None else list(autoregression_y)
        for ar_y in ar_ys:
            for cl in cross_lag:
                cl_yxs = [cl] if cross_lag_yx is None else list(cross_lag_yx)
                for cl_yx in cl_yxs:
                    out.append(LaggedEffects(ar_x=float(ar), ar_y=float(ar_y), cl_xy=float(cl), cl_yx=float(cl_yx)))
    return tuple(dict.fromkeys(out))
