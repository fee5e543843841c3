"""Pooling life stages (issue 19): crosslag --group results record each group's lag matrix; pool --groups
treats each study's groups as studies and pools each group across the studies."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from pooling_support import crosslag_result, write

from analysis.synth import write_cohort

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "data_specs" / "synthetic.yaml"


@pytest.fixture(scope="module")
def group_results(tmp_path_factory):
    from analysis.cli import main

    base = tmp_path_factory.mktemp("groups")
    files = []
    for seed in (21, 22):
        data = base / f"cohort{seed}"
        write_cohort(cohort="ukhls", n=1500, waves=4, seed=seed, fmt="dta", out=data, design=False)
        out = base / f"cl{seed}.json"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = main(["crosslag", "--spec", str(SPEC), "--data", str(data), "--x", "loneliness", "--y",
                         "ghq_likert", "--no-compare", "--group", "life_stage", "--json", str(out)])
        assert code == 0
        files.append(out)
    return files


def test_each_group_records_its_lag_matrix(group_results):
    d = json.loads(group_results[0].read_text())
    lags = d["group_lag_matrices"]
    assert set(lags) == set(d["groups"]) == {"16-29", "30-64", "65+"}
    for level, block in lags.items():
        assert block["order"] == ["ar_x", "y_to_x", "x_to_y", "ar_y"]
        phi, vcov = np.array(block["est"]), np.array(block["vcov"])
        assert phi[1, 0] == pytest.approx(d["groups"][level]["x_to_y"]["est"], rel=1e-10)
        assert phi[0, 1] == pytest.approx(d["groups"][level]["y_to_x"]["est"], rel=1e-10)
        assert np.sqrt(vcov[2, 2]) == pytest.approx(d["groups"][level]["x_to_y"]["se"], rel=1e-8)


def test_pool_groups_pools_each_life_stage_across_studies(cli, group_results, tmp_path):
    out = tmp_path / "pooled.json"
    res = cli("pool", "--results", *group_results, "--groups", "--names", "first,second", "--json", out)
    assert res.code == 0, res.err
    d = json.loads(out.read_text())
    assert len(d["cohorts"]) == 6 and {c["group"] for c in d["cohorts"]} == {"16-29", "30-64", "65+"}
    assert d["cohorts"][0]["name"] == "first 16-29"
    assert set(d["by_group"]) == {"16-29", "30-64", "65+"}
    from analysis.pooling import random_effects

    for level, block in d["by_group"].items():
        members = [c for c in d["cohorts"] if c["group"] == level]
        again = random_effects([c["converted"]["x_to_y"]["est"] for c in members],
                               [c["converted"]["x_to_y"]["se"] for c in members])
        assert block["x_to_y"]["est"] == pytest.approx(again.estimate, rel=1e-10)
    assert "Group by group, pooled across the studies" in d["sentence"] and "65+:" in d["sentence"]


def test_groups_need_group_results_and_small_groups_are_left_out_by_name(cli, tmp_path):
    plain = write(tmp_path / "plain.json", crosslag_result(1))
    other = write(tmp_path / "other.json", crosslag_result(2))
    assert "has no groups with lag matrices" in cli("pool", "--results", plain, other, "--groups",
                                                    "--json", tmp_path / "o.json").error
    grouped = []
    for k, sizes in enumerate(({"young": 500, "old": 6}, {"young": 400, "old": 700})):
        r = crosslag_result(1 + k, cohort=f"c{k}")
        r["group_lag_matrices"] = {lv: r["crosslag"]["lag_matrix"] for lv in sizes}
        r["group_comparison"] = {"grouping": "life_stage", "group_sizes": sizes}
        grouped.append(write(tmp_path / f"g{k}.json", r))
    out = tmp_path / "g.json"
    assert cli("pool", "--results", *grouped, "--groups", "--json", out).code == 0
    d = json.loads(out.read_text())
    assert [c["name"] for c in d["cohorts"]] == ["c0 young", "c1 young", "c1 old"]
    assert any("Group 'old' of c0 has fewer than 10 persons" in n for n in d["notes"])
    assert set(d["by_group"]) == {"young"} and all(c["n"] >= 10 for c in d["cohorts"])
    r = crosslag_result(1)
    r["group_lag_matrices"] = {"young": None}
    r["group_comparison"] = {"group_sizes": {"young": 300}}
    bad = write(tmp_path / "free.json", r)
    assert "lags that differ by wave" in cli("pool", "--results", bad, other, "--groups", "--json", out).error
