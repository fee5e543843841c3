"""Write the project's own stand-in for the RI-CLPM tutorial data (Mulder & Hamaker), so that a fresh clone can
check every lavaan agreement claim without ../shared.

    .venv/bin/python tests/reference/make_riclpm_standin.py

writes two CSV files (header row, empty cell = missing, values rounded to 5 decimals) into tests/reference/data/:

* ``riclpm_standin.csv`` -- x1..x5, y1..y5, z2, z1, G: the shape and variable names of the tutorial's RICLPM.dat,
  RICLPM-Z.dat and RICLPM-MG.dat in one file (N = 1189, as the tutorial). Monotone MAR attrition from wave 2 on.
* ``riclpm_standin_items.csv`` -- x11 x12 x13 x21 ... x53 y11 ... y53: the shape of RICLPM-MI.dat (three indicators
  per construct and wave, N = 1189), complete like the tutorial's (so the one-pattern "missing = 'ML'" path stays
  covered without ../shared).

``tests/reference/make_lavaan_fixtures.R`` reads these files and writes the ``*_standin`` lavaan fixtures;
``tests/models/sem/test_standin_data.py`` checks that this script still reproduces the committed files byte for byte.

The data are simulated from an RI-CLPM on the tutorial's scale (means 0.1-0.4, SDs 0.2-0.35):

* stable between-person differences: random intercepts RIx, RIy (var .030, .060, cov .021), shifted by two
  time-invariant covariates, z1 (binary, p = .5) and z2 (normal, sd .45), which also act on the wave-1 within scores;
* within persons: auto-regression .30 (x) and .25 (y), cross-lags x -> y .15 and y -> x .05, the same at every
  interval; innovations var .025 / .040, cov .005;
* two groups G = 1, 2 (P(G = 2) = .47): in group 2 the x -> y cross-lag is .25 and y is .04 higher;
* attrition: a person present at wave t-1 drops out before wave t with probability
  plogis(qlogis(.06) + 2.5 (y[t-1] - mean y[t-1])) (MAR: depends on the last observed y); observed per wave
  1189 / 1070 / 978 / 882 / 810;
* items: the same within-person process on the item scale; loadings (1, .8, 1.1) for x and (1, .9, .75) for y,
  equal over waves (metric invariance holds); item means drift over waves (x down, y up), so scalar invariance
  (equal intercepts, latent means 0) does not hold; item-specific stable parts (item random intercepts) and
  independent measurement errors.

Only numpy's legacy ``RandomState`` (whose streams numpy keeps frozen) and element-wise arithmetic are used, so
the output does not depend on the numpy version or the BLAS.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

SEED = 20240617
N = 1189
WAVES = 5
DATA = Path(__file__).resolve().parent / "data"
PANEL_FILE = "riclpm_standin.csv"
ITEMS_FILE = "riclpm_standin_items.csv"


def _bivariate(rs: np.random.RandomState, n: int, vx: float, vy: float, cxy: float) -> tuple[np.ndarray, np.ndarray]:
    """n draws of a zero-mean bivariate normal (Cholesky factor by hand: no BLAS)."""
    a = math.sqrt(vx)
    b = cxy / a
    c = math.sqrt(vy - b * b)
    u = rs.standard_normal(n)
    v = rs.standard_normal(n)
    return a * u, b * u + c * v


def _within(rs, n, s1, innov, lags):
    """Within-person scores (waves x n) of x and y. lags: per-person (ar_x, yx, xy, ar_y) arrays or scalars."""
    ar_x, yx, xy, ar_y = lags
    wx = np.empty((WAVES, n))
    wy = np.empty((WAVES, n))
    wx[0], wy[0] = _bivariate(rs, n, *s1)
    for t in range(1, WAVES):
        ex, ey = _bivariate(rs, n, *innov)
        wx[t] = ar_x * wx[t - 1] + yx * wy[t - 1] + ex
        wy[t] = xy * wx[t - 1] + ar_y * wy[t - 1] + ey
    return wx, wy


def _plogis(v):
    return 1.0 / (1.0 + np.exp(-v))


def panel(rs: np.random.RandomState) -> dict[str, np.ndarray]:
    mu_x = (0.25, 0.21, 0.19, 0.15, 0.13)
    mu_y = (0.34, 0.35, 0.33, 0.38, 0.39)
    group = np.where(rs.random_sample(N) < 0.47, 2, 1)
    z1 = (rs.random_sample(N) < 0.5).astype(float)
    z2 = 0.45 * rs.standard_normal(N)
    ri_x, ri_y = _bivariate(rs, N, 0.030, 0.060, 0.021)
    ri_x = ri_x + 0.05 * z1 + 0.08 * z2
    ri_y = ri_y + 0.08 * z1 - 0.06 * z2
    xy = np.where(group == 2, 0.25, 0.15)
    wx, wy = _within(rs, N, (0.030, 0.045, 0.008), (0.025, 0.040, 0.005), (0.30, 0.05, xy, 0.25))
    wx[0] = wx[0] + 0.02 * z1
    wy[0] = wy[0] + 0.03 * z2
    shift_y = np.where(group == 2, 0.04, 0.0)
    x = np.array([mu_x[t] + ri_x + wx[t] for t in range(WAVES)])
    y = np.array([mu_y[t] + shift_y + ri_y + wy[t] for t in range(WAVES)])
    present = np.ones(N, dtype=bool)
    for t in range(1, WAVES):
        p = _plogis(math.log(0.06 / 0.94) + 2.5 * (y[t - 1] - mu_y[t - 1]))
        present &= ~(rs.random_sample(N) < p)
        x[t, ~present] = np.nan
        y[t, ~present] = np.nan
    cols = {f"x{t + 1}": x[t] for t in range(WAVES)} | {f"y{t + 1}": y[t] for t in range(WAVES)}
    return cols | {"z2": z2, "z1": z1, "G": group}


def items(rs: np.random.RandomState) -> dict[str, np.ndarray]:
    lam = {"x": (1.0, 0.8, 1.1), "y": (1.0, 0.9, 0.75)}
    nu = {"x": (0.27, 0.24, 0.28), "y": (0.34, 0.33, 0.32)}
    drift = {"x": -0.04, "y": 0.01}            # change of the construct mean per wave (scalar invariance fails)
    theta = {"x": (0.20, 0.25, 0.22), "y": (0.21, 0.24, 0.26)}
    ri = dict(zip("xy", _bivariate(rs, N, 0.20, 0.25, 0.10)))
    w = dict(zip("xy", _within(rs, N, (0.25, 0.30, 0.06), (0.20, 0.22, 0.04), (0.30, 0.05, 0.15, 0.25))))
    cols = {}
    for v in "xy":
        specific = [math.sqrt(0.03) * rs.standard_normal(N) for _ in range(3)]
        for t in range(WAVES):
            for k in range(3):
                err = math.sqrt(theta[v][k]) * rs.standard_normal(N)
                cols[f"{v}{t + 1}{k + 1}"] = (nu[v][k] + lam[v][k] * (drift[v] * t + ri[v] + w[v][t])
                                              + specific[k] + err)
    return cols


def to_csv(cols: dict[str, np.ndarray]) -> str:
    def cell(name, v):
        if name in ("G", "z1"):
            return str(int(v))
        if np.isnan(v):
            return ""
        s = f"{float(v):.5f}"
        return "0.00000" if s == "-0.00000" else s

    names = list(cols)
    lines = [",".join(names)]
    for i in range(N):
        lines.append(",".join(cell(nm, cols[nm][i]) for nm in names))
    return "\n".join(lines) + "\n"


def generate() -> dict[str, str]:
    """File name -> CSV text."""
    rs = np.random.RandomState(SEED)
    return {PANEL_FILE: to_csv(panel(rs)), ITEMS_FILE: to_csv(items(rs))}


def main() -> int:
    DATA.mkdir(parents=True, exist_ok=True)
    for name, text in generate().items():
        (DATA / name).write_text(text)
        print(f"wrote {DATA / name} ({len(text.encode()) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
