"""``python -m analysis causal`` as a user runs it: round trip to JSON and a graph picture; mistakes exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.cli import main

SPEC = Path(__file__).resolve().parents[2] / "data_specs" / "synthetic.yaml"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    from analysis.synth import write_cohort

    folder = tmp_path_factory.mktemp("causal_cli")
    return write_cohort(cohort="ukhls", n=800, waves=3, seed=5, fmt="dta", out=folder / "cohort").out


def test_round_trip_writes_the_json_contract_and_the_graph(cohort, tmp_path):
    out_json = tmp_path / "out" / "causal.json"
    graph = tmp_path / "graph.png"
    out = run("causal", "--spec", str(SPEC), "--data", str(cohort), "--exposure", "loneliness",
              "--outcome", "ghq_likert", "--mediator", "perceived_stigma", "--both-directions",
              "--bootstrap", "30", "--simulations", "3", "--json", str(out_json), "--graph", str(graph))
    assert out.returncode == 0, out.stderr
    assert "Estimand:" in out.stdout and ("[PASS]" in out.stdout or "[FAIL]" in out.stdout)
    assert "not an experiment" in out.stdout and "Results written to" in out.stdout
    assert out.stderr.strip() == "", out.stderr          # DoWhy's chatter stays quiet
    d = json.loads(out_json.read_text())
    assert {"estimate", "ci", "estimand", "refutations"} <= set(d)
    assert d["exposure"] == "loneliness" and d["outcome"] == "ghq_likert"
    assert len(d["ci"]) == 2 and d["ci"][0] <= d["estimate"] <= d["ci"][1]
    assert "loneliness" in d["estimand"]
    assert {r["name"] for r in d["refutations"]} == {"placebo_treatment", "random_common_cause", "data_subset",
                                                      "unobserved_common_cause"}
    assert all(r["verdict"] in ("pass", "fail") and isinstance(r["result"], dict) for r in d["refutations"])
    assert d["mediation"]["mediator"] == "perceived_stigma"
    assert d["reverse"]["exposure"] == "ghq_likert"
    assert d["spec"] == str(SPEC) and d["bootstrap"]["replicates"] == 30
    assert graph.read_bytes()[:4] == b"\x89PNG"
    assert not list(out_json.parent.glob(".*.tmp"))


def test_binary_exposure_and_choices_in_process(cohort, tmp_path, capsys):
    out_json = tmp_path / "binary.json"
    code = main(["causal", "--spec", str(SPEC), "--data", str(cohort), "--exposure", "loneliness",
                 "--outcome", "ghq_likert", "--binary-threshold", "6", "--mediator", "discrimination",
                 "--mediator-role", "confounder", "--confounders", "age,sex", "--refutations", "placebo_treatment",
                 "--bootstrap", "20", "--simulations", "3", "--json", str(out_json)])
    assert code == 0, capsys.readouterr().err
    d = json.loads(out_json.read_text())
    assert d["exposure_scale"] == "binary" and d["method"] == "backdoor.propensity_score_weighting"
    assert d["design"]["confounders"] == ["age", "sex"] and "discrimination_lag" in d["adjustment_set"]
    assert [r["name"] for r in d["refutations"]] == ["placebo_treatment"] and d["mediation"] is None


@pytest.mark.parametrize("args, text", [
    (["--exposure", "lonelyness", "--outcome", "ghq_likert"], "lonelyness"),
    (["--exposure", "loneliness", "--outcome", "ghq_likert", "--binary-threshold", "6", "--both-directions"],
     "threshold for each construct"),
    (["--exposure", "loneliness", "--outcome", "loneliness"], "different"),
    (["--exposure", "loneliness", "--outcome", "ghq_likert", "--graph", "g.gif"], "--graph"),
    (["--exposure", "loneliness", "--outcome", "ghq_likert", "--waves", "a,q"], "Wave 'q'"),
])
def test_user_mistakes_are_one_sentence_and_exit_2(args, text, cohort, capsys):
    code = main(["causal", "--spec", str(SPEC), "--data", str(cohort), *args])
    err = capsys.readouterr().err
    assert code == 2
    lines = [line for line in err.strip().splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("error:") and text in lines[0], err


@pytest.mark.parametrize("args", [
    ["--binary-threshold", "often"],
    ["--binary-threshold", "loneliness=x"],
    ["--refutations", "bootstrap"],
    ["--bootstrap", "0"],
    ["--level", "95"],
])
def test_bad_option_values_exit_2_before_any_work(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["causal", "--spec", "s.yaml", "--data", "d", "--exposure", "loneliness", "--outcome", "ghq_likert",
              *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:")


def test_missing_data_folder_in_a_subprocess_has_no_traceback(tmp_path):
    out = run("causal", "--spec", str(SPEC), "--data", str(tmp_path / "nowhere"), "--exposure", "loneliness",
              "--outcome", "ghq_likert")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_refutation_names_match_the_library():
    from analysis.causal import REFUTATIONS
    from analysis.cli.causal import REFUTATION_NAMES

    assert REFUTATION_NAMES == REFUTATIONS


def test_unweighted_flag_turns_the_design_off_and_says_so(cohort, tmp_path, capsys):
    out_json = tmp_path / "unweighted.json"
    args = ["causal", "--spec", str(SPEC), "--data", str(cohort), "--exposure", "loneliness", "--outcome",
            "ghq_likert", "--refutations", "placebo_treatment", "--bootstrap", "20", "--simulations", "3"]
    assert main([*args, "--json", str(out_json)]) == 0
    weighted = json.loads(out_json.read_text())
    assert weighted["design"]["weight"] == "weight" and weighted["design"]["n_psu"] > 10
    assert weighted["bootstrap"]["resampled"] == "PSUs within strata"
    assert "(survey-weighted)" in capsys.readouterr().out
    assert main([*args, "--unweighted", "--json", str(out_json)]) == 0
    plain = json.loads(out_json.read_text())
    assert plain["design"]["weight"] is None and plain["bootstrap"]["resampled"] == "persons"
    assert any("--unweighted" in n for n in plain["notes"])
    assert any("Survey weights are not used" in n for n in plain["sample"]["notes"])
    assert plain["estimate"] != weighted["estimate"]
