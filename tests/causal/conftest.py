"""Known-truth panels for the causal tests.

``simulate_panel`` draws a long panel from a small structural model whose causal
effects are known exactly (all person-waves, then optional dropout and missing
values), one row per person and wave like ``Panel.long``:

    X_t = 0.4 X_{t-1} + d Y_{t-1} + 0.01 age + 0.2 sex + u_t
    M_t = a X_{t-1} (or a H_{t-1}) + 0.3 M_{t-1} + 0.1 Y_{t-1} + v_t
    Y_t = b X_{t-1} (or tau H_{t-1}) + theta M_t + 0.4 Y_{t-1} + 0.01 age - 0.2 sex + e_t

with H = 1[X >= cut] when ``cut`` is given.  Holding Y_{t-1}, M_{t-1}, age and sex
fixed, the effect of X_{t-1} on Y_t is b + a*theta (natural direct b, indirect
a*theta), and the effect of Y_{t-1} on X_t is d.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

STAGES = ["16-29", "30-64", "65+"]


def simulate_panel(*, n: int = 1500, waves: int = 3, seed: int = 1, b: float = 0.3, a: float = 0.5,
                   theta: float = 0.4, d: float = 0.2, cut: float | None = None, tau: float = 0.0,
                   dropout: float = 0.0, missing_y: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sex = rng.integers(1, 3, n).astype(float)
    age0 = rng.integers(16, 80, n).astype(float)
    X = np.zeros((n, waves))
    Y = np.zeros((n, waves))
    M = np.zeros((n, waves))
    X[:, 0] = rng.normal(size=n) + 0.2 * sex
    Y[:, 0] = 0.5 * X[:, 0] + rng.normal(size=n)
    M[:, 0] = rng.normal(size=n)
    for t in range(1, waves):
        age = age0 + t - 1
        X[:, t] = 0.4 * X[:, t - 1] + d * Y[:, t - 1] + 0.01 * age + 0.2 * sex + rng.normal(size=n)
        cause = X[:, t - 1] if cut is None else (X[:, t - 1] >= cut).astype(float)
        slope = b if cut is None else tau
        M[:, t] = a * cause + 0.3 * M[:, t - 1] + 0.1 * Y[:, t - 1] + rng.normal(size=n)
        Y[:, t] = (slope * cause + theta * M[:, t] + 0.4 * Y[:, t - 1] + 0.01 * age - 0.2 * sex
                   + rng.normal(size=n))
    age = age0[:, None] + np.arange(waves)[None, :]
    long = pd.DataFrame({
        "id": np.repeat(np.arange(100, 100 + n), waves),
        "wave": np.tile([chr(ord("a") + t) for t in range(waves)], n),
        "wave_index": np.tile(np.arange(waves), n),
        "x": X.ravel(), "y": Y.ravel(), "m": M.ravel(),
        "age": age.ravel(), "sex": np.repeat(sex, waves),
    })
    stage = np.where(long["age"] < 30, 0, np.where(long["age"] < 65, 1, 2))
    long["life_stage"] = pd.Categorical.from_codes(stage, categories=STAGES, ordered=True)
    if dropout:
        # A person-wave after the first is absent with this probability (intermittent non-response).
        absent = (long["wave_index"] > 0) & (rng.random(len(long)) < dropout)
        long = long[~absent]
    if missing_y:
        long.loc[rng.random(len(long)) < missing_y, "y"] = np.nan
    return long.reset_index(drop=True)


@pytest.fixture(scope="session")
def simulate():
    """The simulator, as a fixture (test modules cannot import conftest)."""
    return simulate_panel
