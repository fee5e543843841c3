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


def test_invariance_over_waves_json_contract(cohort, tmp_path):
    out = tmp_path / "inv.json"
    res = run("--spec", SPEC, "--data", str(cohort), "--x", "loneliness", "--y", "ghq_likert",
              "--json", str(out))
    assert res.returncode == 0, res.stderr
    d = json.loads(out.read_text())
    assert d["kind"] == "waves" and d["constructs"] == ["loneliness", "ghq_likert"]
    assert d["waves"] == ["a", "b", "c"] and d["group"] is None
    assert [r["level"] for r in d["table"]] == ["configural", "metric", "scalar"]
    for row in d["table"]:
        assert {"npar", "chisq", "df", "cfi", "rmsea", "aic", "bic", "chisq_diff", "df_diff", "pvalue"} <= set(row)
    # Metric: two free loadings of loneliness and eleven of the GHQ-12 held equal over three waves.
    assert d["table"][1]["df_diff"] == 2 * 2 + 11 * 2
    assert d["table"][0]["pvalue"] is None and 0 <= d["table"][1]["pvalue"] <= 1
    assert d["spec"] == SPEC
    assert "Measurement invariance over waves" in res.stdout and "scalar" in res.stdout


def test_items_that_do_not_change_within_persons_are_a_clear_refusal(cohort):
    """The synthetic stigma items are trait-like: the within-person factor's variance goes to zero and its
    loadings are not determined. The fit stops early (Newton steps without headway) and says which
    estimates the data do not determine, in one line with exit code 2."""
    res = run("--spec", SPEC, "--data", str(cohort), "--x", "loneliness", "--y", "perceived_stigma")
    assert res.returncode == 2, res.stdout
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert "did not converge" in res.stderr and "do not determine" in res.stderr
    assert "Variances near zero or negative" in res.stderr and "wy1~~wy1" in res.stderr


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
