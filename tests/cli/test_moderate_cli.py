"""``python -m analysis moderate``: fixed effects, inside the RI-CLPM, both; JSON, disclosure and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.synth import write_cohort

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "data_specs" / "synthetic.yaml"
BASE = ("--spec", SPEC, "--x", "loneliness", "--y", "ghq_likert", "--moderator", "perceived_stigma")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cohort") / "data"
    write_cohort(cohort="ukhls", n=1200, waves=4, seed=5, fmt="dta", out=out)
    return out


def test_fixed_effects_is_the_default_and_matches_the_library(cli, cohort, tmp_path):
    from analysis.data import load_panel
    from analysis.models.moderation import moderate_panel

    out = tmp_path / "fe.json"
    res = cli("moderate", *BASE, "--data", cohort, "--json", out)
    assert res.code == 0, res.err
    d = json.loads(out.read_text())
    assert d["method"] == "fixed-effects" and "sem" not in d
    lib = moderate_panel(load_panel(SPEC, data=cohort), x="loneliness", y="ghq_likert", moderator="perceived_stigma")
    got = {r["path"]: r["est"] for r in d["fixed_effects"]["interaction"]}
    assert got == {r.path: r.est for r in lib.interaction.itertuples()}
    assert d["disclosure"] == {"threshold": 10, "counts_hidden": 0}
    assert "fixed-effects regressions" in res.out


def test_both_by_life_stage(cli, cohort, tmp_path):
    out = tmp_path / "both.json"
    res = cli("moderate", *BASE, "--data", cohort, "--method", "both", "--by", "life_stage", "--json", out)
    assert res.code == 0, res.err
    d = json.loads(out.read_text())
    sem = d["sem"]
    assert {r["group"] for r in sem["interaction"]} == {"16-29", "30-64", "65+"}
    assert [r["df"] for r in sem["equality"]] == [2, 2]
    assert {"est", "se", "pvalue", "ci_lower", "ci_upper", "per_sd"} <= set(sem["interaction"][0])
    assert len(sem["simple_slopes"]) == 18 and sem["comparison_with_fixed_effects"]["table"]
    assert sem["design"]["weight"] == "weight" and "RIx" in sem["syntax"] and "tables" not in sem
    assert any("overstates the size" in n for n in sem["notes"]) and "not proof of cause" in sem["caveat"]
    assert d["fixed_effects"]["interaction"]
    # The answer comes first in what is printed after the fixed effects, then the summary.
    assert res.out.index(sem["answer"][:40]) < res.out.index("Moderation of the within-person cross-lags")


def test_unweighted_sem_and_a_threshold_over_the_groups(cli, cohort, tmp_path):
    out = tmp_path / "sem.json"
    res = cli("moderate", *BASE, "--data", cohort, "--method", "sem", "--by", "life_stage", "--unweighted",
              "--threshold", "400", "--json", out)
    assert res.code == 0, res.err
    d = json.loads(out.read_text())
    sem = d["sem"]
    assert sem["design"]["weight"] is None and any("Unweighted on request" in n for n in d["notes"])
    hidden = {g for g, n in sem["group_sizes"].items() if n is None}
    assert hidden and all(r["est"] is None for r in sem["interaction"] if r["group"] in hidden)
    assert d["disclosure"]["threshold"] == 400


@pytest.mark.parametrize("args,needle", [
    (("--method", "fixed-effects", "--by", "life_stage"), "--by fits one interaction per group"),
    (("--estimator", "mlr"), "--estimator is an option of the RI-CLPM"),
    (("--method", "sem", "--by", "lifestage"), "unknown grouping 'lifestage'"),
    (("--method", "lms",), "--method: invalid choice: 'lms'"),
    (("--threshold", "0",), "--threshold"),
])
def test_bad_options_are_one_sentence(cli, cohort, args, needle):
    assert needle in cli("moderate", *BASE, "--data", cohort, *args).error


def test_bad_moderator_and_files_are_one_sentence(cli, cohort, tmp_path):
    bad = cli("moderate", "--spec", SPEC, "--data", cohort, "--x", "loneliness", "--y", "ghq_likert",
              "--moderator", "perceived_stigmaa")
    assert "unknown construct 'perceived_stigmaa'" in bad.error and "perceived_stigma" in bad.error
    assert "nope.yaml" in cli("moderate", "--spec", tmp_path / "nope.yaml", "--data", cohort, "--x", "loneliness",
                              "--y", "ghq_likert", "--moderator", "perceived_stigma").error
    wave = cli("moderate", *BASE, "--data", cohort, "--waves", "a,b,z", "--method", "sem")
    assert "'z'" in wave.error
