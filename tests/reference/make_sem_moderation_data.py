"""Simulated RI-CLPM with a within-person cross-lag moderated by a time-invariant score.

The within-person cross-lag of x on later y is ``0.15 + gamma_xy * (S - 3)`` and of y on
later x ``0.10 + gamma_yx * (S - 3)``; S predicts both random intercepts.  Used by
``tests/models/test_sem_moderation.py`` (known truth) and, written to
``tests/reference/data/sem_moderation.csv`` (``python make_sem_moderation_data.py``), by
``make_sem_moderation_fixtures.R`` (lavaan agreement).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

WAVES = ("1", "2", "3", "4")


def moderated_panel(n: int, *, waves: int = 4, gamma_xy: float = 0.1, gamma_yx: float = -0.05, seed: int = 0,
                    missing: float = 0.0, within: bool = False) -> pd.DataFrame:
    """Wide data ``lonely_1..T``, ``mh_1..T``, ``stigma`` (and ``wx_t``/``wy_t`` when ``within``)."""
    r = np.random.default_rng(seed)
    s = r.normal(size=n)
    ri_x = 0.3 * s + 0.8 * r.normal(size=n)
    ri_y = 0.2 * s + 0.3 * ri_x + 0.8 * r.normal(size=n)
    wx, wy = np.zeros((n, waves)), np.zeros((n, waves))
    wx[:, 0] = r.normal(size=n)
    wy[:, 0] = 0.3 * wx[:, 0] + r.normal(size=n)
    for t in range(1, waves):
        wx[:, t] = 0.4 * wx[:, t - 1] + (0.10 + gamma_yx * s) * wy[:, t - 1] + 0.8 * r.normal(size=n)
        wy[:, t] = 0.4 * wy[:, t - 1] + (0.15 + gamma_xy * s) * wx[:, t - 1] + 0.8 * r.normal(size=n)
    d = {"id": np.arange(n)}
    for t in range(waves):
        x, y = 2 + 0.1 * t + ri_x + wx[:, t], 1 + ri_y + wy[:, t]
        if missing and t > 0:
            gone = r.random(n) < missing
            x, y = np.where(gone, np.nan, x), np.where(gone, np.nan, y)
        d[f"lonely_{t + 1}"], d[f"mh_{t + 1}"] = x, y
        if within:
            d[f"wx_{t + 1}"], d[f"wy_{t + 1}"] = wx[:, t], wy[:, t]
    d["stigma"] = s + 3
    d["life_stage"] = np.where(r.random(n) < 0.5, "16-29", "30+")
    return pd.DataFrame(d)


if __name__ == "__main__":
    out = Path(__file__).resolve().parent / "data" / "sem_moderation.csv"
    moderated_panel(400, seed=20, missing=0.1).round(6).to_csv(out, index=False)
    print(out)
