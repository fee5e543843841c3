"""A crossed comparison's JSON record, as a run writes it, for the headline tests."""

from __future__ import annotations

X, Y = "loneliness", "ghq_likert"
STAGES, STIGMA = ["16-29", "30-64", "65+"], ["low", "medium", "high"]
#: Standardized effects loneliness -> later distress: stigma matters in 16-29 only.
STD = {("16-29", "low"): 0.05, ("16-29", "medium"): 0.15, ("16-29", "high"): 0.30,
       ("30-64", "low"): 0.08, ("30-64", "medium"): 0.09, ("30-64", "high"): 0.10,
       ("65+", "low"): 0.07, ("65+", "medium"): 0.08, ("65+", "high"): 0.07}


def lrt(p_holm):
    return {"chisq": 9.0, "df": 4, "pvalue": p_holm, "pvalue_holm": p_holm}


def block(*, inter=(0.01, 0.6), main_stage=(0.5, 0.5), main_stigma=(0.5, 0.5), std=STD, levels=None,
          groupings=("life_stage", "stigma_group")):
    levels = levels or {"life_stage": STAGES, "stigma_group": STIGMA}
    cells = {f"{a} × {b}": {"n": 300, "x_to_y": {"std": s}, "y_to_x": {"std": 0.1}} for (a, b), s in std.items()}
    return {"x": X, "y": Y, "model": "riclpm", "groupings": list(groupings), "levels": levels, "groups": cells,
            "group_tests": {"omnibus": {"x_to_y": lrt(0.01), "y_to_x": lrt(0.5)},
                            "main": {"life_stage": {"x_to_y": lrt(main_stage[0]), "y_to_x": lrt(main_stage[1])},
                                     "stigma_group": {"x_to_y": lrt(main_stigma[0]),
                                                      "y_to_x": lrt(main_stigma[1])}},
                            "interaction": {"x_to_y": lrt(inter[0]), "y_to_x": lrt(inter[1])}}}
