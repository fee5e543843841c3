"""Crossed groupings against lavaan: cell estimates and the likelihood-ratio tests of linear constraints.

The workbench fits a restricted model by reparameterisation (phantom variables, see
``analysis.models.crossed_constraints``); lavaan fits the same hypotheses with its own ``==`` linear
constraints written from the cell grid (``tests/reference/make_crossed_fixtures.R``).  Same data
(``tests/reference/data/crossed_cells.csv``), same cells in the same order.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import pytest

from analysis.models.builders import Groups, build_syntax
from analysis.models.crossed import compare_crossed

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
sys.path.insert(0, str(REFERENCE))
from make_crossed_data import CELLS, DESIGN, MODELS, WAVES, crossed_data, read_crossed_data  # noqa: E402

FIXTURE_TESTS = {"omnibus": ("omnibus", ()), "main_life_stage": ("main", ("life_stage",)),
                 "main_stigma_group": ("main", ("stigma_group",)),
                 "interaction": ("interaction", ("life_stage", "stigma_group"))}


def fixture(case: str) -> dict:
    return json.loads((REFERENCE / "crossed" / f"{case}.json").read_text())


@pytest.fixture(scope="module")
def data():
    return read_crossed_data()


def crossed(data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cells under 200 persons warn; that is not what is checked here
        return compare_crossed(data, x="L", y="M", groupings=("life_stage", "stigma_group"), waves=list(WAVES), **kw)


@pytest.mark.parametrize("case,kw", [
    ("crossed_riclpm_ml", {}),
    ("crossed_riclpm_mlr", {"estimator": "mlr"}),
    ("crossed_riclpm_free_lags_ml", {"lags": "free", "tests": ("interaction",)}),
])
def test_cell_estimates_and_constraint_tests_match_lavaan(data, case, kw):
    ref = fixture(case)
    assert tuple(ref["data"]["group_levels"]) == CELLS
    res = crossed(data, **kw)
    assert res.cells == CELLS
    for cell, paths in ref["cells"].items():
        for path, r in paths.items():
            got = res.groups[cell][path]
            assert abs(got.est - r["est"]) <= 1e-4, (cell, path)
            assert abs(got.se / r["se"] - 1) <= 0.005, (cell, path)
    assert abs(res.sem.fit["chisq"] - ref["fit"]["chisq"]) <= 1e-3
    assert res.sem.fit["df"] == ref["fit"]["df"]
    checked = 0
    for test, by_path in ref["lrt"].items():
        kind, groupings = FIXTURE_TESTS[test]
        for path, r in by_path.items():
            t = res.test(kind, path, groupings)
            assert t.df == r["df_diff"], (test, path)
            assert abs(t.chisq - r["chisq_diff"]) <= 1e-3 * max(1.0, r["chisq_diff"]), (test, path, t.chisq)
            assert abs(t.pvalue - r["pvalue"]) <= 1e-4, (test, path)
            checked += 1
    assert checked == sum(len(v) for v in ref["lrt"].values()) > 0


def test_the_committed_data_and_models_are_what_the_script_writes(data):
    fresh = crossed_data()
    committed = (REFERENCE / "data" / "crossed_cells.csv").read_text()
    assert fresh.to_csv(index=False, na_rep="", lineterminator="\n") == committed
    for stem, kw in MODELS.items():
        assert (REFERENCE / "models" / f"{stem}.lav").read_text() == build_syntax(
            "riclpm", DESIGN, groups=Groups(n=len(CELLS)), **kw)
