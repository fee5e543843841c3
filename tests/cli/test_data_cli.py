"""validate-spec and describe as a user runs them: subprocess round trips into tmp_path."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

SPECS = Path(__file__).resolve().parents[2] / "data_specs"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def one_sentence_error(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ")
    return lines[0]


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "ukhls"
    out = run("synth", "--cohort", "ukhls", "--n", "200", "--waves", "3", "--seed", "3",
              "--format", "sav", "--out", str(folder))
    assert out.returncode == 0, out.stderr
    return folder


@pytest.mark.parametrize("name", ["ukhls.yaml", "elsa.yaml", "synthetic.yaml", "synthetic_elsa.yaml"])
def test_validate_spec_accepts_the_shipped_specs(name):
    out = run("validate-spec", str(SPECS / name))
    assert out.returncode == 0, out.stderr
    assert "is a valid data spec" in out.stdout


def test_validate_spec_against_data(cohort):
    before = hashes(cohort)
    out = run("validate-spec", str(SPECS / "ukhls.yaml"), "--data", str(cohort))
    assert out.returncode == 0, out.stderr
    assert "Read 3 of 15 waves" in out.stdout and "ghq_likert: scored in a, b, c" in out.stdout
    # UKHLS asks the loneliness items from wave i: not in these waves, and said.
    assert "constructs.loneliness: the study asks it in waves i, j, k, l, m, n only" in out.stdout
    assert "Survey design from the data: weights" in out.stdout and "PSUs a_psu (a)" in out.stdout
    assert hashes(cohort) == before


def test_describe_round_trip(cohort, tmp_path):
    before = hashes(cohort)
    out_json = tmp_path / "out" / "describe.json"
    # --threshold 1: every count shown, to check them against the generator's truth.
    out = run("describe", "--spec", str(SPECS / "synthetic.yaml"), "--data", str(cohort),
              "--json", str(out_json), "--threshold", "1")
    assert out.returncode == 0, out.stderr
    assert "Attrition" in out.stdout and "Values made missing" in out.stdout
    d = json.loads(out_json.read_text())
    truth = json.loads((cohort / "truth.json").read_text())
    assert list(d["waves"]) == ["a", "b", "c"]
    realised = [r["responded"] for r in truth["attrition"]["realised"]]
    assert [w["n_respondents"] for w in d["waves"].values()] == realised
    for wave in d["waves"].values():
        for name, s in wave["constructs"].items():
            assert set(s) == {"n", "mean", "sd"} and isinstance(s["n"], int)
            # hcond17 is asked at a person's first interview only: nobody answers it later (no mean).
            assert isinstance(s["mean"], float) if s["n"] else s["mean"] is None
    assert set(d["waves"]["a"]["constructs"]) >= {"loneliness", "ghq_likert", "perceived_stigma"}
    assert not list(out_json.parent.glob(".*.tmp"))
    assert hashes(cohort) == before


def test_bad_spec_exits_2_naming_file_and_key(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text((SPECS / "synthetic.yaml").read_text().replace("    items: [sclonely]", "    itms: [sclonely]"))
    line = one_sentence_error(run("validate-spec", str(spec)))
    assert f"{spec}: constructs.loneliness_single: unknown key 'itms'; did you mean 'items'?" in line


@pytest.mark.parametrize("problem", ["no_spec", "no_data", "wrong_layout", "no_data_option"])
def test_user_mistakes_exit_2(problem, cohort, tmp_path):
    args = {
        "no_spec": ["describe", "--spec", str(tmp_path / "nope.yaml"), "--data", str(cohort)],
        "no_data": ["describe", "--spec", str(SPECS / "synthetic.yaml"), "--data", str(tmp_path / "nope")],
        "wrong_layout": ["validate-spec", str(SPECS / "elsa.yaml"), "--data", str(cohort)],
        "no_data_option": ["describe", "--spec", str(SPECS / "synthetic.yaml")],
    }[problem]
    line = one_sentence_error(run(*args))
    expected = {"no_spec": "nope.yaml: no such spec file.", "no_data": "nope: no such data folder.",
                "wrong_layout": "no wave files found for", "no_data_option": "--data"}[problem]
    assert expected in line


def test_missing_column_names_file_wave_and_column(cohort, tmp_path):
    import pyreadstat

    folder = tmp_path / "copy"
    folder.mkdir()
    for p in cohort.iterdir():
        (folder / p.name).write_bytes(p.read_bytes())
    frame, meta = pyreadstat.read_sav(str(folder / "b_indresp.sav"))
    pyreadstat.write_sav(frame.drop(columns=["b_scghqd"]), str(folder / "b_indresp.sav"))
    line = one_sentence_error(run("describe", "--spec", str(SPECS / "ukhls.yaml"), "--data", str(folder)))
    assert "b_indresp.sav (wave b): no column 'b_scghqd' for constructs.ghq_likert.items[3]" in line


def _counts(d: dict) -> list[tuple[str, int | None]]:
    """Every count of persons or answers in a describe JSON, with where it is."""
    out = []
    for w, wave in d["waves"].items():
        out.append((f"waves.{w}.n_respondents", wave["n_respondents"]))
        out += [(f"waves.{w}.constructs.{c}.n", s["n"]) for c, s in wave["constructs"].items()]
    for g, grouping in d["groupings"].items():
        out += [(f"groupings.{g}.{w}.{k}", n) for w, by in grouping["counts"].items() for k, n in by.items()]
    out += [(f"missing.{i}", r["count"]) for i, r in enumerate(d["missing"])]
    out += [(f"missing_by_reason.{w}.{r}", n) for w, by in d["missing_by_reason"].items() for r, n in by.items()]
    for i, r in enumerate(d["attrition"]):
        out += [(f"attrition.{i}.{k}", v) for k, v in r.items()
                if k in ("respondents", "retained", "new", "returning", "lost", "from_first_wave")]
    return out


def test_describe_shows_no_count_under_the_disclosure_threshold(tmp_path):
    """A 40-person cohort has groups and reasons of 1-9 people: none is shown, none can be had back."""
    folder = tmp_path / "small"
    assert run("synth", "--cohort", "ukhls", "--n", "40", "--waves", "3", "--seed", "5", "--format", "sav",
               "--out", str(folder)).returncode == 0
    raw_json, safe_json = tmp_path / "raw.json", tmp_path / "safe.json"
    assert run("describe", "--spec", str(SPECS / "synthetic.yaml"), "--data", str(folder), "--json", str(raw_json),
               "--threshold", "1").returncode == 0
    out = run("describe", "--spec", str(SPECS / "synthetic.yaml"), "--data", str(folder), "--json", str(safe_json))
    assert out.returncode == 0, out.stderr
    raw, safe = json.loads(raw_json.read_text()), json.loads(safe_json.read_text())
    raw_counts, safe_counts = dict(_counts(raw)), dict(_counts(safe))
    small = [k for k, v in raw_counts.items() if v is not None and 0 < v < 10]
    assert small, "the cohort should have small counts for this test to mean anything"
    assert [k for k, v in safe_counts.items() if v is not None and 0 < v < 10] == []
    assert all(safe_counts[k] is None for k in small)
    assert all(safe_counts[k] in (None, v) for k, v in raw_counts.items())  # nothing else changes
    assert safe["disclosure"]["threshold"] == 10 and safe["disclosure"]["cells_suppressed"] >= len(small)
    assert "hidden" in out.stdout
    # Secondary suppression: a grouping's shown groups never give back a hidden one from the wave's respondents.
    for g, grouping in safe["groupings"].items():
        for w, by in grouping["counts"].items():
            hidden = [k for k, n in by.items() if n is None]
            total = safe["waves"][w]["n_respondents"]
            raw_by = raw["groupings"][g]["counts"][w]
            without = raw["waves"][w]["n_respondents"] - sum(raw_by.values())
            if total is not None and hidden:
                assert len(hidden) + (without > 0) >= 2 and sum(raw_by[k] for k in hidden) + without >= 10
    # The attrition table: a hidden wave's respondents are not given back by the persons from the first wave
    # (respondents = from_first_wave + people who joined since, here nobody).
    for r_raw, r_safe in zip(raw["attrition"], safe["attrition"]):
        if r_safe["respondents"] is None and r_raw["respondents"] == r_raw["from_first_wave"]:
            assert r_safe["from_first_wave"] is None and r_safe["retention_pct"] is None
    # Counts in the printed text: no "n / mean / sd" cell of fewer than 10 people.
    import re
    assert not re.search(r"(?<![\d.])[1-9] / ", out.stdout)


def test_describe_threshold_must_be_positive(cohort):
    line = one_sentence_error(run("describe", "--spec", str(SPECS / "synthetic.yaml"), "--data", str(cohort),
                                  "--threshold", "0"))
    assert "--threshold" in line
