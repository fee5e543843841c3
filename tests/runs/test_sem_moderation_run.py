"""Moderation inside the SEM in a run (issue 20): config keys, results.json block, disclosure, report, reruns."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from analysis.errors import SpecError
from analysis.runs import load_config, run_analysis, verify_run
from analysis.runs.disclosure import COUNT_KEYS, COUNT_MAPS

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "data_specs" / "synthetic.yaml"
FE_KEYS = {"x", "y", "moderator", "interaction", "marginal_effects", "interpretation", "design", "notes"}
BASE = {"x": "loneliness", "y": "ghq_likert", "moderator": "perceived_stigma"}


def write_config(tmp_path: Path, moderation: list[dict], **extra) -> Path:
    cfg = {"title": "SEM moderation", "seed": 1,
           "data": {"spec": str(SPEC), "synthetic": {"cohort": "ukhls", "n": 1500, "waves": 4, "seed": 4}},
           "moderation": moderation, **extra}
    path = tmp_path / f"config-{len(list(tmp_path.glob('config-*')))}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("semmod")
    cfg = write_config(tmp, [BASE, {**BASE, "method": "both", "by": "life_stage"}, {**BASE, "method": "sem"}])
    res = run_analysis(cfg, out=tmp / "runs", quiet=True)
    return res, json.loads((res.folder / "results.json").read_text())


def test_config_keys_are_validated(tmp_path):
    cfg = load_config(write_config(tmp_path, [BASE]))
    item = cfg.moderation[0]
    assert (item.method, item.by, item.estimator) == ("fixed-effects", None, "ml")
    assert load_config(write_config(tmp_path, [{**BASE, "method": "sem", "by": "life_stage",
                                                "estimator": "mlr"}])).moderation[0].by == "life_stage"
    with pytest.raises(SpecError, match=r"moderation\[0\].*by .*method: sem"):
        load_config(write_config(tmp_path, [{**BASE, "by": "life_stage"}]))
    with pytest.raises(SpecError, match=r"moderation\[0\].*estimator .*method: sem"):
        load_config(write_config(tmp_path, [{**BASE, "estimator": "mlr"}]))
    with pytest.raises(SpecError, match=r"moderation\[0\]\.method"):
        load_config(write_config(tmp_path, [{**BASE, "method": "lms"}]))


def test_fixed_effects_items_are_unchanged(run):
    _, results = run
    fe, both, sem = results["moderation"]
    assert set(fe) == FE_KEYS  # no method or sem keys: results.json of existing configs is as before
    assert set(both) == FE_KEYS | {"method", "sem"} and both["method"] == "both"
    for key in ("interaction", "marginal_effects", "interpretation", "design"):
        assert both[key] == fe[key]
    assert set(sem) == {"x", "y", "moderator", "method", "interpretation", "design", "notes", "sem"}


def test_sem_block(run):
    _, results = run
    both, sem = results["moderation"][1]["sem"], results["moderation"][2]["sem"]
    groups = {"16-29", "30-64", "65+"}
    assert {(r["path"], r["group"]) for r in both["interaction"]} == {(p, g) for p in ("x_to_y", "y_to_x") for g in groups}
    for r in both["interaction"]:
        assert {"est", "se", "pvalue", "ci_lower", "ci_upper", "per_sd", "n"} <= set(r)
        assert r["ci_lower"] < r["est"] < r["ci_upper"]
    assert {r["level"] for r in both["simple_slopes"]} == {"low (10th percentile)", "medium (median)",
                                                           "high (90th percentile)"}
    assert [r["df"] for r in both["equality"]] == [2, 2] and sem["equality"] == []
    assert {r["path"] for r in both["comparison_with_fixed_effects"]["table"]} == {"x_to_y", "y_to_x"}
    assert both["comparison_with_fixed_effects"]["sentence"].startswith("The RI-CLPM interaction")
    assert any("overstates the size" in n for n in both["notes"])
    assert "not proof of cause" in both["caveat"]
    assert both["design"]["weight"] == "weight" and both["design"]["cluster"] == "psu"
    assert both["estimation"]["estimator"] == "mlr"  # the design makes it MLR
    assert sum(both["group_sizes"].values()) == both["fit"]["nobs"]
    assert sem["group_sizes"] == {"all": sem["fit"]["nobs"]} and sem["by"] is None
    assert results["moderation"][2]["interpretation"] == sem["answer"]


def test_report_answers_first_then_table_then_caveat(run):
    res, _ = run
    text = res.report.read_text()
    sections = re.findall(r"<section id='moderation'>.*?</section>", text, re.S)
    assert len(sections) == 3
    assert "Inside the cross-lagged model" not in sections[0]
    both = sections[1]
    answer, table, caveat = (both.index("class='answer'"), both.index("<table>"), both.index("not proof of cause"))
    assert answer < table < caveat
    assert "Compared with the fixed-effects regressions" in both and "overstates the size" in both
    assert "Is the interaction the same in every life stage group?" in both
    assert "Fixed-effects regressions" in both and "Fixed-effects regressions" not in sections[2]
    for section in sections[1:]:  # numbers and names for people, as tests/reporting/test_report_text.py asks
        seen = re.sub(r"<code>.*?</code>|<[^>]+>", " ", section, flags=re.S)
        assert not re.findall(r"\d(?:\.\d+)?e[-+]?\d", seen)
        for name in ("ghq_likert", "x_to_y", "y_to_x", "pvalue", "life_stage", "perceived_stigma", "None", "nan"):
            assert not re.search(rf"\b{name}\b", seen), name
    methods = re.search(r"<section id='methods'>.*?</section>", text, re.S).group(0)
    assert "random-intercept cross-lagged panel model itself" in methods


def test_main_points_give_the_sem_answer_beside_the_fixed_effects_sentence(run):
    import html

    from analysis.interpret import plain_numbers

    res, results = run
    fe, both, sem = results["moderation"]
    summary = re.search(r"<section id='summary'>.*?</section>", res.report.read_text(), re.S).group(0)
    points = [html.unescape(p) for p in re.findall(r"<li>(.*?)</li>", summary, re.S)]
    expected = [fe["interpretation"],
                f"Inside the cross-lagged model (within persons): {both['sem']['answer']}",
                f"In the fixed-effects regressions: {both['interpretation']}",
                sem["sem"]["answer"]]  # method: sem, whose interpretation is the SEM's answer
    assert points == [plain_numbers(e) for e in expected]
    assert both["sem"]["answer"] != both["interpretation"] and sem["interpretation"] == sem["sem"]["answer"]


def test_rerun_is_identical(run):
    res, _ = run
    out = verify_run(res.folder)
    assert out.identical, out.summary()


def _counts(obj, key=None, in_map=False):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _counts(v, k, key in COUNT_MAPS)
    elif isinstance(obj, list):
        for v in obj:
            yield from _counts(v, key)
    elif (in_map or key in COUNT_KEYS) and isinstance(obj, int) and not isinstance(obj, bool):
        yield key, obj


def test_disclosure_hides_small_groups_with_their_estimates(tmp_path):
    # A threshold of 400 hides the 16-29 and 65+ life stages (about 320 persons each, unweighted): sizes and estimates.
    cfg = write_config(tmp_path, [{**BASE, "method": "sem", "by": "life_stage"}],
                       output={"disclosure_threshold": 400, "report": True}, survey={"weighted": False})
    res = run_analysis(cfg, out=tmp_path / "runs", quiet=True)
    results = json.loads((res.folder / "results.json").read_text())
    block = results["moderation"][0]["sem"]
    assert block["design"]["weight"] is None  # survey: weighted: false
    assert all(v is None or v == 0 or v >= 400 for _, v in _counts(results))  # zero discloses nobody
    hidden = {g for g, n in block["group_sizes"].items() if n is None}
    assert hidden and "30-64" not in hidden
    for r in block["interaction"] + block["simple_slopes"]:
        if r["group"] in hidden:
            assert r["est"] is None and r["se"] is None and r["suppressed"] is True
        else:
            assert r["est"] is not None
    assert not any(g in block["answer"] for g in hidden)
    import pandas as pd

    for name in ("sem_moderation", "sem_simple_slopes"):
        table = pd.read_csv(res.folder / "tables" / f"{name}_loneliness_ghq_likert_perceived_stigma_by_life_stage.csv")
        small = table[table.group.isin(hidden)]
        assert len(small) and small.suppressed.all() and small.n.isna().all() and small.est.isna().all()
