"""Syntax builders: the syntax is pinned, errors are clear, and lavaan agrees with the fits."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.errors import UsageError
from analysis.models.builders import Groups, PanelDesign, build_syntax
from analysis.models.sem import SEM
from tests_support_lavaan import RICLPM_SOURCES, SUFFIX, load_fixture, riclpm_data

MODELS = Path(__file__).resolve().parents[1] / "reference" / "models"
COLS = [f"x{i}" for i in range(1, 6)] + [f"y{i}" for i in range(1, 6)]
D = PanelDesign(x=tuple(COLS[:5]), y=tuple(COLS[5:]))
DZ = PanelDesign(x=tuple(COLS[:5]), y=tuple(COLS[5:]), covariates=("z1", "z2"))
DMI = PanelDesign(x_items=tuple(tuple(f"x{t}{k}" for k in range(1, 4)) for t in range(1, 6)),
                  y_items=tuple(tuple(f"y{t}{k}" for k in range(1, 4)) for t in range(1, 6)))
CASES = {
    "builder_clpm_free": ("clpm", D, {}),
    "builder_clpm_invariant": ("clpm", D, {"lags": "invariant", "innovations": "invariant"}),
    "builder_dpm_invariant": ("dpm", D, {"lags": "invariant"}),
    "builder_riclpm_covariates": ("riclpm", DZ, {"lags": "invariant"}),
    "builder_dpm_covariates": ("dpm", DZ, {}),
    "builder_riclpm_items_metric": ("riclpm", DMI, {"invariance": "metric", "lags": "invariant"}),
    "builder_riclpm_items_scalar": ("riclpm", DMI, {"invariance": "scalar", "lags": "invariant"}),
    "builder_riclpm_mg_free": ("riclpm", D, {"lags": "invariant", "groups": Groups(n=2)}),
    "builder_riclpm_mg_equal": ("riclpm", D, {"lags": "invariant",
                                              "groups": Groups(n=2, equal=frozenset({"x_to_y", "y_to_x"}))}),
    "builder_clpm_mg_free_lags": ("clpm", D, {"lags": "free", "groups": Groups(n=2, equal=frozenset({"x_to_y"}))}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_builder_output_is_the_syntax_lavaan_was_run_on(name):
    # The lavaan fixtures tests/reference/lavaan/builder_*.json were fitted to these files,
    # and test_lavaan_reference compares our fits of them with lavaan's.
    model, design, kw = CASES[name]
    assert build_syntax(model, design, **kw) == (MODELS / f"{name}.lav").read_text()


@pytest.mark.parametrize("source", RICLPM_SOURCES)
def test_tutorial_riclpm_fit_is_reproduced(source):
    # on the committed stand-in always; on the tutorial data (../shared) as an extra
    data = riclpm_data(source, "xy")
    for fixture, lags in (("riclpm", "free"), ("riclpm_invariant", "invariant")):
        res = SEM(build_syntax("riclpm", D, lags=lags), defaults="lavaan", fixed_x=False).fit(data)
        ref = load_fixture(fixture + SUFFIX[source])["fit"]
        assert abs(res.fit["chisq"] - ref["chisq"]) <= 1e-4 and res.fit["df"] == ref["df"]


@pytest.mark.parametrize("kwargs", [
    {"x": ("a1", "a2"), "y": ("b1", "b2", "b3")},
    {"x": ("a1", "a2"), "y": ("b1", "b2")},
])
def test_design_errors(kwargs):
    with pytest.raises(UsageError):
        build_syntax("riclpm", PanelDesign(**kwargs))


def test_unknown_options_are_refused():
    with pytest.raises(UsageError):
        build_syntax("riclpm", D, lags="sometimes")
    with pytest.raises(UsageError):
        build_syntax("arclpm", D)
    with pytest.raises(UsageError):
        build_syntax("clpm", DMI)


def test_time_varying_covariates_enter_each_wave():
    d = PanelDesign(x=D.x, y=D.y, time_varying={"w": tuple(f"w{t}" for t in range(1, 6))})
    for model in ("clpm", "riclpm", "dpm"):
        assert "x3 + y3 ~ w3" in build_syntax(model, d)
    # In the DPM wave-1 scores are taken as given, so the covariate acts from wave 2.
    assert "x1 + y1 ~ w1" not in build_syntax("dpm", d)
