"""The command line as a user runs it: ``python -m analysis ...`` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.cli import COMMANDS, build_parser

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


def command_names() -> list[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return sorted(sub.choices)


def test_every_command_has_help():
    assert {"synth", "validate-spec", "describe", "fit-sem", "crosslag", "run", "verify"} <= set(command_names())
    assert len(command_names()) >= len(COMMANDS)
    for name in command_names():
        out = run(name, "--help")
        assert out.returncode == 0, name
        assert "usage:" in out.stdout


def test_top_level_help_lists_commands():
    out = run("--help")
    assert out.returncode == 0
    for name in command_names():
        assert name in out.stdout


@pytest.mark.parametrize("args", [
    ["synth", "--cohort", "bhps", "--out", "x"],
    ["synth", "--n", "0", "--out", "x"],
    ["fit-sem", "--model", "m.lav"],
    ["no-such-command"],
])
def test_bad_options_give_one_sentence_and_exit_2(args, tmp_path):
    out = run(*args, cwd=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    lines = [l for l in out.stderr.strip().splitlines() if l]
    assert len(lines) == 1 and lines[0].startswith("error:")


def test_fit_sem_round_trip_writes_contract_json(tmp_path):
    model = tmp_path / "hs.lav"
    model.write_text(HS)
    out_json = tmp_path / "out" / "res.json"
    out = run("fit-sem", "--model", str(model), "--data", str(REFERENCE / "data" / "hs1939.csv"),
              "--json", str(out_json))
    assert out.returncode == 0, out.stderr
    assert "Chi-square" in out.stdout
    d = json.loads(out_json.read_text())
    assert set(["parameters", "fit", "converged", "fit_seconds"]) <= set(d)
    assert d["converged"] is True and d["fit_seconds"] > 0
    p = d["parameters"][0]
    assert set(p) == {"lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_all"}
    assert p["group"] is None
    assert {"chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "srmr",
            "logl", "aic", "bic", "npar", "nobs"} <= set(d["fit"])
    assert abs(d["fit"]["chisq"] - 85.3055217699727) < 1e-4
    assert not list(out_json.parent.glob(".*.tmp"))


def test_fit_sem_group_and_options(tmp_path):
    model = tmp_path / "hs.lav"
    model.write_text(HS)
    out_json = tmp_path / "mg.json"
    out = run("fit-sem", "--model", str(model), "--data", str(REFERENCE / "data" / "hs1939.csv"),
              "--group", "school", "--estimator", "mlr", "--missing", "listwise", "--json", str(out_json))
    assert out.returncode == 0, out.stderr
    d = json.loads(out_json.read_text())
    assert {p["group"] for p in d["parameters"]} == {"Pasteur", "Grant-White"}
    assert "chisq_scaled" in d["fit"]


def test_fit_sem_reads_stata_and_spss(tmp_path):
    import pandas as pd
    import pyreadstat

    data = pd.read_csv(REFERENCE / "data" / "hs1939.csv")[[f"x{i}" for i in range(1, 10)]]
    model = tmp_path / "hs.lav"
    model.write_text(HS)
    results = []
    for suffix, writer in ((".dta", pyreadstat.write_dta), (".sav", pyreadstat.write_sav)):
        path = tmp_path / f"hs{suffix}"
        writer(data, str(path))
        out_json = tmp_path / f"{suffix[1:]}.json"
        out = run("fit-sem", "--model", str(model), "--data", str(path), "--json", str(out_json))
        assert out.returncode == 0, out.stderr
        results.append(json.loads(out_json.read_text())["fit"]["chisq"])
    assert results[0] == pytest.approx(85.3055217699727, abs=1e-4)
    assert results[1] == pytest.approx(results[0], abs=1e-8)


@pytest.mark.parametrize("problem", ["missing_data", "missing_model", "bad_syntax", "bad_column", "not_csv"])
def test_user_mistakes_exit_2_without_traceback(problem, tmp_path):
    model = tmp_path / "m.lav"
    model.write_text(HS)
    data = str(REFERENCE / "data" / "hs1939.csv")
    if problem == "missing_data":
        data = str(tmp_path / "nope.csv")
    elif problem == "missing_model":
        model = tmp_path / "nope.lav"
    elif problem == "bad_syntax":
        model.write_text("visual =~ x1 + \n+ ~~ x2 x3\n")
    elif problem == "bad_column":
        model.write_text("visual =~ x1 + x2 + xx3\n")
    elif problem == "not_csv":
        bad = tmp_path / "data.dta"
        bad.write_text("this is not a stata file")
        data = str(bad)
    out = run("fit-sem", "--model", str(model), "--data", data)
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith("error: ")
    assert len(out.stderr.strip().splitlines()) == 1


def test_debug_shows_traceback(tmp_path):
    out = run("--debug", "fit-sem", "--model", str(tmp_path / "nope.lav"), "--data", "x.csv")
    assert out.returncode != 0
    assert "Traceback" in out.stderr
