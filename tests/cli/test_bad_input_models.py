"""Bad input, part 4: models, groups and runs (issue 17).

On a small synthetic cohort (written once for the module): names that do not exist,
waves that do not fit the model, groups that are empty or misspelt, run folders that
are not what ``verify`` needs.  Mistakes are one sentence naming the thing with exit
code 2; caveats that change what an estimate means (unequally spaced waves, a group
with nobody in it) are said in the output and in the JSON ``notes``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from analysis.synth import write_cohort
from bad_input_support import SYNTHETIC_SPEC, copy_cohort

PAIR = ("--x", "loneliness", "--y", "ghq_likert")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("models") / "cohort"
    # A simple random sample: 300 persons spread over the design's strata leave strata with one PSU.
    write_cohort(cohort="ukhls", n=300, waves=4, seed=11, fmt="dta", out=folder, design=False)
    return folder


@pytest.fixture(scope="module")
def gap(cohort, tmp_path_factory) -> Path:
    """The cohort without its wave-b file: waves a, c, d."""
    return copy_cohort(cohort, tmp_path_factory.mktemp("gap") / "cohort", skip=("b_indresp.dta",))


@pytest.fixture(scope="module")
def empty_band_spec(tmp_path_factory) -> Path:
    """The synthetic spec with a life stage nobody is in (110+)."""
    text = SYNTHETIC_SPEC.read_text()
    old = '"65+": [65, null]}'
    assert old in text
    path = tmp_path_factory.mktemp("spec") / "empty_band.yaml"
    path.write_text(text.replace(old, '"65+": [65, 109], "110+": [110, null]}'))
    return path


def crosslag(cli, data: Path, *extra: object, spec: Path = SYNTHETIC_SPEC):
    return cli("crosslag", "--spec", spec, "--data", data, *PAIR, "--no-compare", *extra)


@pytest.fixture(autouse=True)
def quiet_small_groups():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SmallGroupWarning: 300 persons make small life stages, by design
        yield


# -- waves and intervals -------------------------------------------------------

def test_a_missing_middle_wave_is_refused_with_equal_lags(cli, gap):
    err = crosslag(cli, gap).error
    assert "a→c spans 2 waves" in err and "b is not in the data" in err
    assert "--lags free" in err and "--allow-unequal-intervals" in err


def test_a_missing_middle_wave_with_free_lags_is_said(cli, gap, tmp_path):
    out = tmp_path / "free.json"
    crosslag(cli, gap, "--model", "clpm", "--lags", "free", "--json", out).note(
        out, "unequal length", "a→c spans 2 waves")
    by_wave = json.loads(out.read_text())["crosslag"]["x_to_y"]["by_wave"]
    assert [(w["from_wave"], w["to_wave"]) for w in by_wave] == [("a", "c"), ("c", "d")]


def test_a_missing_middle_wave_with_consent_is_said(cli, gap, tmp_path):
    out = tmp_path / "allowed.json"
    crosslag(cli, gap, "--model", "clpm", "--allow-unequal-intervals", "--json", out).note(
        out, "--allow-unequal-intervals", "a→c spans 2 waves")


def test_waves_skipped_on_request_are_refused_with_equal_lags(cli, cohort):
    err = crosslag(cli, cohort, "--waves", "a,b,d").error
    assert "b→d spans 2 waves" in err and "c is not analysed" in err


def test_every_other_wave_is_said(cli, cohort, tmp_path):
    out = tmp_path / "every_other.json"
    crosslag(cli, cohort, "--model", "clpm", "--waves", "a,c", "--json", out).note(out, "spans 2 waves", "a→c")


def test_a_missing_middle_wave_in_the_bootstrap(cli, gap, tmp_path):
    err = cli("bootstrap", "--spec", SYNTHETIC_SPEC, "--data", gap, *PAIR, "--replicates", "2", "--backend",
              "serial", "--quiet", "--out", tmp_path / "boot").error
    assert "a→c spans 2 waves" in err


def test_a_missing_middle_wave_in_invariance(cli, gap):
    err = cli("invariance", "--spec", SYNTHETIC_SPEC, "--data", gap, "--x", "loneliness", "--y",
              "perceived_stigma").error
    assert "a→c spans 2 waves" in err


def test_a_missing_middle_wave_in_the_causal_analysis(cli, gap, tmp_path):
    """"One wave earlier" is the study's previous wave: pairs across the gap are counted and left out."""
    out = tmp_path / "causal.json"
    res = cli("causal", "--spec", SYNTHETIC_SPEC, "--data", gap, "--exposure", "loneliness", "--outcome",
              "ghq_likert", "--bootstrap", "5", "--refutations", "none", "--json", out)
    res.note(out, "not the study's previous wave", "a→c")
    assert "previous wave of the study" in json.dumps(json.loads(out.read_text())["sample"]["not_used"])


def moderation_run(cli, data: Path, tmp_path: Path, waves: str = "") -> tuple:
    """A run with one moderation item on the cohort in ``data`` (``waves``: the item's waves key)."""
    config = tmp_path / "config.yaml"
    config.write_text(f"""title: Moderation across a gap
data: {{spec: {SYNTHETIC_SPEC}, path: {data}}}
moderation:
  - {{x: loneliness, y: ghq_likert, moderator: perceived_stigma{waves}}}
output: {{disclosure_threshold: 10, figure_formats: [png], report: true}}
seed: 1
""")
    return cli("run", config, "--out", tmp_path / "runs", "--quiet"), tmp_path / "runs"


def test_a_missing_middle_wave_in_a_moderation_run(cli, gap, tmp_path):
    """The moderation regressions pool the intervals: a→c would count as one step beside c→d."""
    err = moderation_run(cli, gap, tmp_path)[0].error
    assert "a→c spans 2 waves: b is not in the data" in err and "a, c, d" in err and "perceived_stigma" in err
    assert not list((tmp_path / "runs").glob("*/results.json"))


def test_two_waves_in_a_moderation_run(cli, gap, tmp_path):
    err = moderation_run(cli, gap, tmp_path, ", waves: [c, d]")[0].error
    assert "at least three waves" in err and "c, d" in err


@pytest.fixture(scope="module")
def every_other(tmp_path_factory) -> Path:
    """A 5-wave cohort without its wave-b and wave-d files: waves a, c, e (each interval two waves)."""
    folder = tmp_path_factory.mktemp("five") / "cohort"
    write_cohort(cohort="ukhls", n=300, waves=5, seed=11, fmt="dta", out=folder, design=False)
    return copy_cohort(folder, tmp_path_factory.mktemp("every_other") / "cohort",
                       skip=("b_indresp.dta", "d_indresp.dta"))


def test_every_other_wave_in_a_moderation_run_is_said(cli, every_other, tmp_path):
    res, runs = moderation_run(cli, every_other, tmp_path)
    assert res.code == 0, res.err
    (folder,) = [p for p in runs.iterdir() if p.is_dir()]
    (item,) = json.loads((folder / "results.json").read_text())["moderation"]
    assert len(item["notes"]) == 1 and "Every interval spans 2 waves" in item["notes"][0]
    assert "b is not in the data" in item["notes"][0] and "d is not in the data" in item["notes"][0]
    assert "Every interval spans 2 waves" in (folder / "report.html").read_text()


def test_an_unknown_wave(cli, cohort):
    err = crosslag(cli, cohort, "--waves", "a,b,q").error
    assert "'q'" in err


def test_a_wave_where_the_construct_is_not_asked(cli, cohort):
    err = cli("crosslag", "--spec", SYNTHETIC_SPEC, "--data", cohort, "--x", "loneliness", "--y", "depression_new",
              "--waves", "a,b,c", "--no-compare").error
    assert "wave a" in err and "depression_new" in err


# -- names -----------------------------------------------------------------------

def test_an_unknown_construct(cli, cohort):
    err = cli("crosslag", "--spec", SYNTHETIC_SPEC, "--data", cohort, "--x", "lonelyness", "--y", "ghq_likert").error
    assert "'lonelyness'" in err and "'loneliness'" in err


def test_the_same_construct_twice(cli, cohort):
    err = cli("crosslag", "--spec", SYNTHETIC_SPEC, "--data", cohort, "--x", "loneliness", "--y", "loneliness").error
    assert "different" in err


def test_an_unknown_covariate(cli, cohort):
    assert "'sexx'" in crosslag(cli, cohort, "--covariates", "sexx").error


def test_a_single_item_construct_has_no_invariance(cli, cohort):
    err = cli("invariance", "--spec", SYNTHETIC_SPEC, "--data", cohort, "--x", "loneliness", "--y", "mcs").error
    assert "'mcs'" in err and "constructs.mcs.items" in err


def test_causal_unknown_exposure(cli, cohort):
    err = cli("causal", "--spec", SYNTHETIC_SPEC, "--data", cohort, "--exposure", "lonely", "--outcome",
              "ghq_likert").error
    assert "'lonely'" in err


def test_causal_graph_of_an_unknown_format(cli, cohort, tmp_path):
    err = cli("causal", "--spec", SYNTHETIC_SPEC, "--data", cohort, "--exposure", "loneliness", "--outcome",
              "ghq_likert", "--graph", tmp_path / "graph.gif").error
    assert "--graph" in err and "graph.gif" in err


@pytest.mark.parametrize("threshold, extra, words", [
    ("lonely=6", ("--both-directions",), ("'lonely'", "exposure (loneliness)")),
    ("ghq_likert=12", (), ("'ghq_likert'", "--both-directions")),
])
def test_causal_threshold_no_direction_uses(cli, cohort, threshold, extra, words):
    err = cli("causal", "--spec", SYNTHETIC_SPEC, "--data", cohort, "--exposure", "loneliness", "--outcome",
              "ghq_likert", "--binary-threshold", threshold, *extra).error
    assert all(w in err for w in words), err


# -- groups ----------------------------------------------------------------------

def test_an_unknown_grouping(cli, cohort):
    err = crosslag(cli, cohort, "--group", "lifestage").error
    assert "'lifestage'" in err and "'life_stage'" in err


def test_exclude_groups_with_an_unknown_group(cli, cohort):
    err = crosslag(cli, cohort, "--group", "life_stage", "--exclude-groups", "70+").error
    assert "'70+'" in err and "16-29, 30-64, 65+" in err


def test_exclude_groups_without_group(cli, cohort):
    assert "--exclude-groups" in crosslag(cli, cohort, "--exclude-groups", "65+").error


def test_bootstrap_unknown_grouping(cli, cohort, tmp_path):
    err = cli("bootstrap", "--spec", SYNTHETIC_SPEC, "--data", cohort, *PAIR, "--group", "lifestage",
              "--replicates", "2", "--backend", "serial", "--quiet", "--out", tmp_path / "boot").error
    assert "'lifestage'" in err


def test_an_empty_group_is_said(cli, cohort, empty_band_spec, tmp_path):
    out = tmp_path / "groups.json"
    res = crosslag(cli, cohort, "--model", "clpm", "--waves", "a,b,c", "--group", "life_stage", "--json", out,
                   spec=empty_band_spec)
    res.note(out, "'110+'", "nobody", "not in the comparison")
    block = json.loads(out.read_text())["group_comparison"]
    assert "110+" not in block["group_sizes"] and any("110+" in n for n in block["notes"])


def test_an_empty_group_in_the_bootstrap_is_said(cli, cohort, empty_band_spec, tmp_path):
    out = tmp_path / "boot.json"
    res = cli("bootstrap", "--spec", empty_band_spec, "--data", cohort, *PAIR, "--model", "clpm", "--waves", "a,b,c",
              "--group", "life_stage", "--replicates", "2", "--jackknife", "2", "--backend", "serial", "--quiet",
              "--out", tmp_path / "boot", "--json", out)
    res.note(out, "'110+'", "nobody")


# -- output paths and run folders ------------------------------------------------

def test_json_into_a_path_that_cannot_be_written(cli, tmp_path):
    model = tmp_path / "m.lav"
    model.write_text("visual =~ x1 + x2 + x3\n")
    blocker = tmp_path / "file"
    blocker.write_text("")
    data = Path(__file__).resolve().parents[1] / "reference" / "data" / "hs1939.csv"
    err = cli("fit-sem", "--model", model, "--data", data, "--json", blocker / "out.json").error
    assert "file" in err


def test_verify_of_something_that_is_not_a_folder(cli, tmp_path):
    assert "nope" in cli("verify", tmp_path / "nope").error


def test_verify_of_a_folder_without_manifest(cli, tmp_path):
    assert "manifest.json" in cli("verify", tmp_path).error


@pytest.mark.parametrize("text, words", [
    ("not json at all", "not valid JSON"),
    ("[1, 2]", "not a run manifest"),
    ("{}", "'config'"),
    ('{"config": {}, "inputs": {}}', "'inputs.spec'"),
])
def test_verify_of_a_damaged_manifest(cli, tmp_path, text, words):
    (tmp_path / "manifest.json").write_text(text)
    (tmp_path / "results.json").write_text("{}")
    err = cli("verify", tmp_path).error
    assert "manifest.json" in err and words in err
