"""``fit-sem --weight --cluster --strata``: the design-based fit from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "reference" / "data" / "survey_panel.csv"
SVYGLM = ROOT / "tests" / "reference" / "survey" / "svyglm_strata.json"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", "fit-sem", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


@pytest.fixture()
def model(tmp_path) -> Path:
    path = tmp_path / "reg.lav"
    path.write_text("y4 ~ x3 + y3\ny4 ~ 1\n")
    return path


def test_design_flags_give_survey_standard_errors_and_a_design_object(model, tmp_path):
    out = tmp_path / "fit.json"
    res = run("--model", str(model), "--data", str(DATA), "--missing", "listwise", "--weight", "w",
              "--cluster", "psu", "--strata", "stratum", "--json", str(out))
    assert res.returncode == 0, res.stderr
    d = json.loads(out.read_text())
    assert d["design"] == {"weight": "w", "cluster": "psu", "strata": "stratum", "n_psu": 60, "n_strata": 20,
                           "zero_weight": 0, "missing_weight": 0}
    ref = {c["term"]: c for c in json.loads(SVYGLM.read_text())["coefficients"]}
    row = next(p for p in d["parameters"] if p["lhs"] == "y4" and p["op"] == "~" and p["rhs"] == "x3")
    assert row["se"] == pytest.approx(ref["x3"]["se"], rel=1e-6)
    assert "Survey design: weighted by w; 60 PSUs (psu) in 20 strata (stratum)" in res.stdout


@pytest.mark.parametrize("args, needle", [
    (["--weight", "wt"], "no weight column 'wt'"),
    (["--strata", "stratum"], "cluster"),
])
def test_bad_design_options_are_one_sentence(model, args, needle):
    res = run("--model", str(model), "--data", str(DATA), "--missing", "listwise", *args)
    assert res.returncode == 2
    assert needle in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
