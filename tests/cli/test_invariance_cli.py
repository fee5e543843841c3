"""``python -m analysis invariance`` on a synthetic cohort: the JSON contract and user mistakes."""

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
    write_cohort(cohort="ukhls", n=800, waves=3, seed=2, fmt="dta", out=out)
    return out


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", "invariance", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=900)


@pytest.mark.skip(reason="Measured 2026-11-27 (issue 16): the synthetic cohort's stigma items are trait-like, so "
                  "the item-level RI-CLPM's within-person factor variances go to zero (wy1 2.6e-4, wy2 -5.6e-4 "
                  "after 100 iterations, random-intercept variances negative; the implied covariance stays positive "
                  "definite). There the parameters tied to a zero-variance factor are not identified (flat "
                  "directions, a singular Hessian), so even Newton steps with the analytic observed information "
                  "converge only linearly: -loglik/N falls about 6e-8 per iteration with gradient 0.05-0.16 per "
                  "case, and 500 iterations (187 s under load) end in ConvergenceError. Re-enable when the "
                  "optimiser steps in the identified subspace at such points, or the generator gives stigma "
                  "within-person change.")
def test_invariance_over_waves_json_contract(cohort, tmp_path):
    out = tmp_path / "inv.json"
    res = run("--spec", SPEC, "--data", str(cohort), "--x", "loneliness", "--y", "perceived_stigma",
              "--json", str(out))
    assert res.returncode == 0, res.stderr
    d = json.loads(out.read_text())
    assert d["kind"] == "waves" and d["constructs"] == ["loneliness", "perceived_stigma"]
    assert d["waves"] == ["a", "b", "c"] and d["group"] is None
    assert [r["level"] for r in d["table"]] == ["configural", "metric", "scalar"]
    for row in d["table"]:
        assert {"npar", "chisq", "df", "cfi", "rmsea", "aic", "bic", "chisq_diff", "df_diff", "pvalue"} <= set(row)
    # Metric: two free loadings of loneliness and five of perceived stigma held equal over three waves.
    assert d["table"][1]["df_diff"] == 2 * 2 + 5 * 2
    assert d["table"][0]["pvalue"] is None and 0 <= d["table"][1]["pvalue"] <= 1
    assert d["spec"] == SPEC
    assert "Measurement invariance over waves" in res.stdout and "scalar" in res.stdout


@pytest.mark.parametrize("args,needle", [
    (["--x", "lonelyness", "--y", "discrimination"], "did you mean 'loneliness'"),
    (["--x", "loneliness", "--y", "mcs"], "at least 2"),
    (["--x", "loneliness", "--y", "discrimination", "--waves", "a,b,zz"], "'zz'"),
    (["--x", "loneliness", "--y", "discrimination", "--group", "star_sign"], "star_sign"),
])
def test_invariance_user_mistakes(cohort, args, needle):
    res = run("--spec", SPEC, "--data", str(cohort), *args)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and needle in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
