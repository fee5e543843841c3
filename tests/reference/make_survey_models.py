"""Write the model files used by make_survey_fixtures.R (issue 14).

The syntax is exactly what the workbench's builders write, so the survey fixtures test the
models the workbench fits.  Run from the repository root:

    .venv/bin/python tests/reference/make_survey_models.py

tests/models/sem/test_survey_fixtures_wellformed.py checks that the committed .lav files
still equal the builders' output.
"""

from __future__ import annotations

from pathlib import Path

from analysis.models.builders import Groups, PanelDesign, build_syntax

MODELS = Path(__file__).resolve().parent / "models"
DESIGN = PanelDesign(x=("x1", "x2", "x3", "x4"), y=("y1", "y2", "y3", "y4"))

#: file stem -> (model, design, keyword arguments of build_syntax)
SURVEY_MODELS = {
    "survey_riclpm_invariant": ("riclpm", DESIGN, {"lags": "invariant"}),
    "survey_clpm_mg_equal_cl": ("clpm", DESIGN, {"lags": "invariant",
                                                 "groups": Groups(n=2, equal=frozenset({"x_to_y", "y_to_x"}))}),
}


def main() -> None:
    for stem, (model, design, kw) in SURVEY_MODELS.items():
        (MODELS / f"{stem}.lav").write_text(build_syntax(model, design, **kw))
        print(f"wrote {MODELS / f'{stem}.lav'}")


if __name__ == "__main__":
    main()
