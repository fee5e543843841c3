"""``python -m analysis crosslag`` on a synthetic cohort: the JSON contract, groups, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.synth import write_cohort

ROOT = Path(__file__).resolve().parents[2]
SPEC = str(ROOT / "data_specs" / "synthetic.yaml")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cohort") / "data"
    write_cohort(cohort="ukhls", n=1500, waves=5, seed=2, fmt="dta", out=out)
    return out


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", "crosslag", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


def test_crosslag_json_contract(cohort, tmp_path):
    out = tmp_path / "cl.json"
    res = run("--spec", SPEC, "--data", str(cohort), "--x", "loneliness", "--y", "ghq_likert", "--model", "riclpm",
              "--waves", "a,b,c,d,e", "--json", str(out))
    assert res.returncode == 0, res.stderr
    d = json.loads(out.read_text())
    assert d["model"] == "riclpm" and "RIx =~" in d["syntax"]
    assert d["parameters"] and {"chisq", "df", "cfi", "rmsea", "srmr", "aic", "bic", "npar", "nobs"} <= set(d["fit"])
    for key in ("x_to_y", "y_to_x"):
        block = d["crosslag"][key]
        assert {"est", "se", "ci_lower", "ci_upper", "pvalue", "std"} <= set(block)
        assert block["time_invariant"] is True
    assert "within persons" in res.stdout


def test_crosslag_group_blocks(cohort, tmp_path):
    out = tmp_path / "g.json"
    res = run("--spec", SPEC, "--data", str(cohort), "--x", "loneliness", "--y", "ghq_likert", "--model", "clpm",
              "--lags", "invariant", "--no-compare", "--group", "life_stage", "--json", str(out))
    assert res.returncode == 0, res.stderr
    d = json.loads(out.read_text())
    assert set(d["groups"]) == {"16-29", "30-64", "65+"}
    for lv in d["groups"].values():
        assert set(lv) == {"x_to_y", "y_to_x"} and "est" in lv["x_to_y"]
    for key in ("x_to_y", "y_to_x", "omnibus"):
        assert set(d["group_tests"][key]) == {"chisq", "df", "pvalue"}
    assert d["group_tests"]["omnibus"]["df"] == 4


@pytest.mark.parametrize("args,needle", [
    (["--x", "lonelyness", "--y", "ghq_likert"], "did you mean 'loneliness'"),
    (["--x", "loneliness", "--y", "ghq_likert", "--waves", "a,b,zz"], "'zz'"),
    (["--x", "loneliness", "--y", "ghq_likert", "--group", "star_sign"], "star_sign"),
])
def test_crosslag_user_mistakes(cohort, args, needle):
    res = run("--spec", SPEC, "--data", str(cohort), *args)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and needle in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_spec_weights_are_used_by_default_and_unweighted_says_so(cohort, tmp_path):
    weighted, plain = tmp_path / "w.json", tmp_path / "u.json"
    common = ("--spec", SPEC, "--data", str(cohort), "--x", "loneliness", "--y", "ghq_likert", "--waves", "a,b,c",
              "--no-compare")
    res = run(*common, "--json", str(weighted))
    assert res.returncode == 0, res.stderr
    d = json.loads(weighted.read_text())
    assert set(d["design"]) == {"weight", "cluster", "strata", "n_psu", "n_strata", "zero_weight", "missing_weight"}
    assert d["design"]["weight"] == "weight"
    assert "weighted" in res.stdout
    res = run(*common, "--unweighted", "--json", str(plain))
    assert res.returncode == 0, res.stderr
    u = json.loads(plain.read_text())
    assert u["design"]["weight"] is None and any("Unweighted" in n for n in u["notes"])
    assert "Unweighted" in res.stdout
    # Weighting changes the estimate (the weights are not all equal) and the fit uses robust SEs.
    assert d["crosslag"]["x_to_y"]["est"] != pytest.approx(u["crosslag"]["x_to_y"]["est"], rel=1e-6)


def test_counts_under_the_threshold_are_not_shown(cohort, tmp_path):
    """--threshold: with a threshold above the cohort's size every count of persons is null or reworded."""
    out = tmp_path / "t.json"
    res = run("--spec", SPEC, "--data", str(cohort), "--x", "loneliness", "--y", "ghq_likert", "--model", "clpm",
              "--no-compare", "--threshold", "100000", "--json", str(out))
    assert res.returncode == 0, res.stderr
    d = json.loads(out.read_text())
    assert d["disclosure"]["threshold"] == 100000 and d["disclosure"]["counts_hidden"] > 0
    assert d["fit"]["nobs"] is None
    assert "fewer than 100000" in res.stdout
    default = tmp_path / "d.json"
    assert run("--spec", SPEC, "--data", str(cohort), "--x", "loneliness", "--y", "ghq_likert", "--model", "clpm",
               "--no-compare", "--json", str(default)).returncode == 0
    d = json.loads(default.read_text())
    assert d["disclosure"] == {"threshold": 10, "counts_hidden": 0} and d["fit"]["nobs"] > 10


def test_group_comparison_in_a_second_process_gives_the_same_output(cohort, tmp_path):
    """--jobs 2 (the default on two cores) compares the groups in a forked process meanwhile: same text, same JSON."""
    outs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"g{jobs}.json"
        res = run("--spec", SPEC, "--data", str(cohort), "--x", "loneliness", "--y", "ghq_likert", "--model", "riclpm",
                  "--group", "life_stage", "--jobs", jobs, "--json", str(out))
        assert res.returncode == 0, res.stderr
        d = json.loads(out.read_text())
        d["fit"].pop("fit_seconds", None)
        d.pop("fit_seconds", None)
        outs[jobs] = (res.stdout.replace(str(out), "OUT"), _no_timings(d))
    assert outs["1"] == outs["2"]
    assert set(outs["2"][1]["groups"]) == {"16-29", "30-64", "65+"}


def test_an_error_in_the_group_comparison_is_one_sentence_from_either_process(cohort):
    for jobs in ("1", "2"):
        res = run("--spec", SPEC, "--data", str(cohort), "--x", "loneliness", "--y", "ghq_likert", "--model", "clpm",
                  "--no-compare", "--group", "life_stage", "--exclude-groups", "16-29,30-64", "--jobs", jobs)
        assert res.returncode == 2, res.stderr
        assert "Traceback" not in res.stderr and "fewer than two groups" in res.stderr


def _no_timings(obj):
    if isinstance(obj, dict):
        return {k: _no_timings(v) for k, v in obj.items() if k != "fit_seconds"}
    if isinstance(obj, list):
        return [_no_timings(v) for v in obj]
    return obj
