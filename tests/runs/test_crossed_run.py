"""Runs with crossed groupings (issue 20): a groups item with ``crossed``, its JSON, table, figure and report."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis.errors import SpecError
from analysis.interpret import plain_numbers
from analysis.runs import load_config, run_analysis, verify_run

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "data_specs" / "synthetic.yaml"
TAG = "loneliness_ghq_likert_life_stage_stigma_group"


def crossed_config(tmp_path: Path, n: int = 1500, threshold: int = 10, **item) -> Path:
    cfg = {"title": "Crossed run", "output": {"disclosure_threshold": threshold},
           "data": {"spec": str(SPEC), "synthetic": {"cohort": "ukhls", "n": n, "waves": 4, "seed": 3}},
           "groups": [{"x": "loneliness", "y": "ghq_likert", "crossed": ["life_stage", "stigma_group"], **item}],
           "seed": 1}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True))
    return path


@pytest.fixture(scope="module")
def crossed_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crossed")
    # A threshold of 100 persons: two cells (97 and 95 persons) are suppressed, the others shown.
    return run_analysis(crossed_config(tmp, threshold=100), out=tmp / "runs", quiet=True)


def test_results_json_has_the_crossed_contract(crossed_run):
    results = json.loads((crossed_run.folder / "results.json").read_text())
    assert "groups" not in results  # the single-grouping section is not run for a crossed item
    block = results["crossed_groups"][0]
    assert block["groupings"] == ["life_stage", "stigma_group"]
    cells = [f"{a} × {b}" for a in ("16-29", "30-64", "65+") for b in ("low", "medium", "high")]
    assert sorted(block["groups"]) == sorted(cells)  # results.json sorts its keys
    hidden = sorted(c for c in cells if block["groups"][c]["n"] is None)
    assert hidden == ["16-29 × medium", "65+ × low"]
    for c in cells:
        if c in hidden:  # under the threshold: neither size nor estimates
            assert block["groups"][c] == {"n": None, "x_to_y": None, "y_to_x": None, "suppressed": True}
            assert block["group_sizes"][c] is None
            continue
        assert block["groups"][c]["n"] >= 100
        for path in ("x_to_y", "y_to_x"):
            assert {"est", "se", "ci_lower", "ci_upper", "pvalue", "std"} <= set(block["groups"][c][path])
    tests = block["group_tests"]
    assert set(tests) >= {"omnibus", "main", "interaction"}
    assert set(tests["main"]) == {"life_stage", "stigma_group"}
    for pair in (tests["omnibus"], tests["interaction"], *tests["main"].values()):
        for path in ("x_to_y", "y_to_x"):
            assert set(pair[path]) == {"chisq", "df", "pvalue", "pvalue_holm"}
            assert pair[path]["pvalue"] <= pair[path]["pvalue_holm"] <= 1
    assert tests["interaction"]["x_to_y"]["df"] == 4 and tests["omnibus"]["y_to_x"]["df"] == 8
    assert block["interpretation"].endswith("does not by itself show why it arises.")
    assert any("stigma_group" in n for n in block["notes"])  # persons without a stigma group are counted


def test_tables_and_figure_are_written(crossed_run):
    folder = crossed_run.folder
    cells = pd.read_csv(folder / "tables" / f"crossed_{TAG}.csv")
    assert {"cell", "life_stage", "stigma_group", "n", "path", "est", "std_all", "suppressed"} <= set(cells.columns)
    assert len(cells) == 18 and cells["n"].min() >= 100
    small = cells[cells["n"].isna()]
    assert set(small["cell"]) == {"16-29 × medium", "65+ × low"} and small["suppressed"].all()
    assert small[["est", "se", "std_all", "ci_lower"]].isna().all().all()
    tests = pd.read_csv(folder / "tables" / f"crossed_tests_{TAG}.csv")
    assert set(tests["path"]) == {"x_to_y", "y_to_x"} and len(tests) == 8
    for ext in ("png", "svg"):
        assert (folder / "figures" / f"crossed_forest_{TAG}.{ext}").is_file()


def test_report_gives_the_sentence_figure_and_tests(crossed_run):
    text = crossed_run.report.read_text()
    block = json.loads((crossed_run.folder / "results.json").read_text())["crossed_groups"][0]
    section = text[text.index("<section id='crossed'>"):]
    sentence = html.escape(plain_numbers(block["interpretation"]))
    assert sentence in section
    # The run's only comparison is this one, so its figure is the report's key figure, at the top, and the
    # section points to it instead of repeating it.
    alt = "<img alt='Cross-lagged effects of loneliness and GHQ-12 distress in each cell"
    assert text.count(alt) == 1 and text.index(alt) < text.index("<section id='crossed'>")
    assert text.index("<p id='headline'>") < text.index(alt)
    assert (section.index(sentence) < section.index("The figure at the top of the report shows these estimates.")
            < section.index("Tests of equal effects"))
    assert "No interaction: the differences between stigma groups are the same in all life stages" in section
    assert "No difference between life stages (averaged over the stigma groups)" in section
    assert "e-0" not in section.split("Tests of equal effects")[0] and "pvalue_holm</th>" not in section
    assert "Crossed groupings were compared" in text  # methods
    assert "16-29 × medium (fewer than 100 persons)" in section  # the small cells in one sentence, no count
    assert not re.search(r"\b([1-9]|[1-9]\d) persons", text)


def test_a_run_with_only_crossed_groupings_is_headed_by_the_crossed_answer(crossed_run):
    from analysis.reporting.crossed_headline import crossed_headline

    text = crossed_run.report.read_text()
    results = json.loads((crossed_run.folder / "results.json").read_text())
    assert set(results) & {"crosslag", "groups"} == set()  # only crossed groupings
    answer = crossed_headline(results["crossed_groups"][0])
    assert answer.text == "The links do not clearly differ between life stages or stigma groups, alone or in combination."
    after = text.split("</h1>", 1)[1].lstrip()
    assert after.startswith(f"<p id='headline'>{html.escape(answer.text)}</p>"), "the headline first, after the title"
    caveats = re.search(r"<ul id='headline-caveats' class='note'>(.*?)</ul>", text, re.S).group(1)
    assert "Holm adjustment" in caveats and "does not by itself show why it arises" in caveats


def test_verify_reruns_the_crossed_run_identically(crossed_run, tmp_path):
    assert verify_run(crossed_run.folder).identical  # the manifest's config (groupings: all recorded) loads again


@pytest.mark.parametrize("item, words", [
    ({"crossed": ["life_stage"]}, "groups[0]: crossed lists two or three groupings"),
    ({"crossed": "life_stage,life_stage"}, "names the grouping 'life_stage' twice"),
    ({"crossed": ["life_stage", "stigma_group"], "groupings": ["life_stage"]}, "not both"),
    ({"crossed": None, "exclude_groups": ["65+"]}, "give it together with 'crossed'"),
    ({"crosed": ["life_stage", "stigma_group"]}, "did you mean 'crossed'?"),
])
def test_invalid_crossed_values_are_one_sentence_on_load(tmp_path, item, words):
    path = crossed_config(tmp_path)
    data = yaml.safe_load(path.read_text())
    data["groups"][0].pop("crossed")
    data["groups"][0].update({k: v for k, v in item.items() if v is not None})
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SpecError) as err:
        load_config(path)
    msg = str(err.value)
    assert words in msg and "config.yaml" in msg and "\n" not in msg and msg.replace("e.g. ", "").count(". ") == 0


@pytest.mark.parametrize("item, words", [
    ({"crossed": ["life_stage", "stigma_grup"]}, "groups[0].crossed: unknown grouping 'stigma_grup'; did you mean "
                                                 "'stigma_group'?"),
    ({"exclude_groups": ["70+"]}, "groups[0].exclude_groups: it names '70+', which is neither a cell nor a group"),
])
def test_misspelt_grouping_or_cell_is_one_sentence_before_any_fit(tmp_path, item, words):
    with pytest.raises(SpecError) as err:
        run_analysis(crossed_config(tmp_path, n=200, **item), out=tmp_path / "runs", quiet=True)
    assert words in str(err.value) and "\n" not in str(err.value)
    assert list((tmp_path / "runs").iterdir()) == []  # no run folder, no partial one
