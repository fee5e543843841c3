"""Write the data and model files of make_crossed_fixtures.R (crossed groupings, issue 20).

The data are a synthetic cohort from the workbench's generator with a known life stage x
stigma interaction in the loneliness -> mental-health cross-lag (``gamma_p_by_stage``):
N = 2,000 persons, 4 annual waves of the latent scores L and M (with the generator's
attrition, so FIML is exercised), ``life_stage`` (16-29, 30-64, 65+) and ``stigma_group``
(low, medium, high: perceived stigma below -0.4307, up to 0.4307, above: the tertiles of
its standard normal law).  Values are rounded to 5 decimals.  The model file is exactly
what the builders write for the 9-cell multigroup RI-CLPM (lags equal over waves, and
free over waves).  Run from the repository root:

    .venv/bin/python tests/reference/make_crossed_data.py
    Rscript tests/reference/make_crossed_fixtures.R

tests/models/test_crossed_lavaan.py checks that this script still writes the committed files.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.models.builders import Groups, PanelDesign, build_syntax
from analysis.synth import DEFAULT_PARAMS, simulate_latent

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "crossed_cells.csv"
WAVES = ("1", "2", "3", "4")
DESIGN = PanelDesign(x=tuple(f"L_{w}" for w in WAVES), y=tuple(f"M_{w}" for w in WAVES))
STAGES = ("16-29", "30-64", "65+")
STIGMA = ("low", "medium", "high")
CELLS = tuple(f"{a} × {b}" for a in STAGES for b in STIGMA)
PARAMS = dataclasses.replace(DEFAULT_PARAMS, gamma_p_by_stage=(0.15, 0.0, -0.05))
MODELS = {"crossed_riclpm_free": {"lags": "invariant"}, "crossed_riclpm_free_lags": {"lags": "free"}}


def crossed_data() -> pd.DataFrame:
    """The cohort as one row per person: id, life_stage, stigma_group, L_1..L_4, M_1..M_4."""
    panel = simulate_latent(n=2000, waves=len(WAVES), seed=20, params=PARAMS, design=False)
    long = panel.long.copy()
    long.loc[~long["responded"], ["L", "M"]] = np.nan
    wide = long.pivot(index="id", columns="wave", values=["L", "M"])
    wide.columns = [f"{v}_{w}" for v, w in wide.columns]
    persons = panel.persons.set_index("id")
    cut = 0.4307  # standard normal tertiles
    stigma = pd.cut(persons["perceived_stigma"], [-np.inf, -cut, cut, np.inf], labels=list(STIGMA))
    out = pd.DataFrame({"id": persons.index, "life_stage": persons["life_stage"].astype(str).to_numpy(),
                        "stigma_group": stigma.astype(str).to_numpy()})
    values = wide.loc[persons.index, [*DESIGN.x, *DESIGN.y]].round(5).reset_index(drop=True)
    return pd.concat([out, values], axis=1)


def read_crossed_data(path: Path = DATA) -> pd.DataFrame:
    """The committed CSV with the groupings as ordered categories."""
    df = pd.read_csv(path, dtype={"life_stage": str, "stigma_group": str})
    df["life_stage"] = pd.Categorical(df["life_stage"], categories=list(STAGES), ordered=True)
    df["stigma_group"] = pd.Categorical(df["stigma_group"], categories=list(STIGMA), ordered=True)
    return df


def main() -> None:
    crossed_data().to_csv(DATA, index=False, na_rep="", lineterminator="\n")
    print(f"wrote {DATA}")
    for stem, kw in MODELS.items():
        path = HERE / "models" / f"{stem}.lav"
        path.write_text(build_syntax("riclpm", DESIGN, groups=Groups(n=len(CELLS)), **kw))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
