"""``python -m analysis crosslag --group life_stage,stigma_group``: crossed groupings through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.synth import write_cohort

ROOT = Path(__file__).resolve().parents[2]
SPEC = str(ROOT / "data_specs" / "synthetic.yaml")
PAIR = ("--x", "loneliness", "--y", "ghq_likert", "--model", "clpm", "--waves", "a,b,c", "--no-compare")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cohort") / "data"
    write_cohort(cohort="ukhls", n=1500, waves=3, seed=2, fmt="dta", out=out)
    return out


@pytest.fixture(scope="module")
def small_cohort(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small") / "data"
    write_cohort(cohort="ukhls", n=150, waves=3, seed=3, fmt="dta", out=out)
    return out


def run(data: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", "crosslag", "--spec", SPEC, "--data", str(data), *PAIR,
                           *args], capture_output=True, text=True, cwd=ROOT, timeout=900)


def test_crossed_groups_json_and_same_bytes(cohort, tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    res = run(cohort, "--group", "life_stage,stigma_group", "--json", str(first))
    assert res.returncode == 0, res.stderr
    d = json.loads(first.read_text())
    assert len(d["groups"]) == 9 and "16-29 × high" in d["groups"]
    for cell in d["groups"].values():
        assert set(cell) == {"n", "x_to_y", "y_to_x"} and cell["n"] >= 20 and "est" in cell["x_to_y"]
    tests = d["group_tests"]
    for path in ("x_to_y", "y_to_x"):
        assert set(tests["interaction"][path]) == {"chisq", "df", "pvalue", "pvalue_holm"}
        assert tests["interaction"][path]["df"] == 4 and tests["omnibus"][path]["df"] == 8
        assert tests["main"]["life_stage"][path]["df"] == 2 and tests["main"]["stigma_group"][path]["df"] == 2
    assert d["group_comparison"]["groupings"] == ["life_stage", "stigma_group"]
    assert "Holm" in d["group_comparison"]["multiple_testing"]
    assert d["crosslag"]["x_to_y"]["est"] is not None and d["model"] == "clpm"  # the single fit's keys stay
    assert "Tests of equal effects" in res.stdout and "does not by itself show why" in res.stdout
    again = run(cohort, "--group", "life_stage,stigma_group", "--json", str(second))
    assert again.returncode == 0, again.stderr
    # Same inputs, same output: everything but the single fit's own timing ("fit_seconds", not ours).
    strip = lambda text: "\n".join(line for line in text.splitlines() if '"fit_seconds"' not in line)  # noqa: E731
    assert strip(first.read_text()) == strip(second.read_text())


@pytest.mark.parametrize("group,needle", [
    ("life_stage,star_sign", "star_sign"),
    ("life_stage,life_stage", "'life_stage' is named twice"),
    ("life_stage,stigma_group,discrimination_group,diagnosed_condition", "two or three groupings, not 4"),
    ("life_stage,,stigma_group", "empty grouping name"),
])
def test_bad_crossed_groupings_are_one_sentence_and_exit_2(cohort, group, needle):
    res = run(cohort, "--group", group)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and needle in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_an_unknown_cell_to_exclude_is_said_before_fitting(cohort):
    res = run(cohort, "--group", "life_stage,stigma_group", "--exclude-groups", "16-29 x high")
    assert res.returncode == 2 and "'16-29 x high'" in res.stderr and "16-29 × high" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_a_cell_under_20_is_refused_by_name(small_cohort):
    res = run(small_cohort, "--group", "life_stage,stigma_group", "--unweighted")
    assert res.returncode == 2, res.stdout
    assert "Traceback" not in res.stderr and "fewer than 20 persons" in res.stderr and "'16-29 × " in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
