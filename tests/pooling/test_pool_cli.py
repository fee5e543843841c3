"""``python -m analysis pool``: the JSON contract, the forest plot, the sentence and one-sentence refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import linalg
from pooling_support import DRIFT, crosslag_result, write

from analysis.pooling import random_effects

CONTRACT_POOLED = {"est", "se", "ci_lower", "ci_upper", "tau2", "i2", "q_pvalue", "pi_lower", "pi_upper"}


@pytest.fixture
def three(tmp_path):
    return [write(tmp_path / "ukhls.json", crosslag_result(1, cohort="ukhls-like")),
            write(tmp_path / "elsa.json", crosslag_result(2, cohort="elsa-like", se=0.025)),
            write(tmp_path / "own.json", crosslag_result(1, cohort="own", se=0.03))]


def test_pool_writes_the_contract_the_plot_and_the_sentence(cli, three, tmp_path):
    out, plot = tmp_path / "pooled.json", tmp_path / "forest.png"
    res = cli("pool", "--results", *three, "--interval", "1", "--json", out, "--plot", plot)
    assert res.code == 0, res.err
    d = json.loads(out.read_text())
    assert d["interval_years"] == 1
    assert [c["name"] for c in d["cohorts"]] == ["ukhls-like", "elsa-like", "own"]
    for c in d["cohorts"]:
        assert {"name", "interval_years", "n", "x_to_y", "y_to_x", "converted"} <= set(c)
        assert set(c["x_to_y"]) >= {"est", "se"} and set(c["converted"]) >= {"x_to_y", "y_to_x", "ar_x", "ar_y"}
        for block in c["converted"].values():
            assert set(block) >= {"est", "se"}
    truth = linalg.expm(DRIFT)
    elsa = d["cohorts"][1]
    assert elsa["interval_years"] == 2 and elsa["x_to_y"]["est"] == pytest.approx(linalg.expm(2 * DRIFT)[1, 0])
    assert elsa["converted"]["x_to_y"]["est"] == pytest.approx(truth[1, 0], abs=1e-10)
    assert elsa["converted"]["ar_y"]["est"] == pytest.approx(truth[1, 1], abs=1e-10)
    for path in ("x_to_y", "y_to_x"):
        pooled = d["pooled"][path]
        assert CONTRACT_POOLED <= set(pooled)
        again = random_effects([c["converted"][path]["est"] for c in d["cohorts"]],
                               [c["converted"][path]["se"] for c in d["cohorts"]])
        assert pooled["est"] == pytest.approx(again.estimate, abs=1e-12)
        assert pooled["tau2"] == pytest.approx(0, abs=1e-12)
    assert d["sentence"].startswith("Across three studies") and d["sentence"].count("the studies agree") == 2
    assert "Kuiper & Ryan 2018" in d["methods"] and "Viechtbauer 2010" in d["methods"]
    assert "Across three studies" in res.out and plot.read_bytes()[:4] == b"\x89PNG"


def test_the_same_inputs_give_the_same_bytes(cli, three, tmp_path):
    outs = []
    for k in range(2):
        out, plot = tmp_path / f"p{k}.json", tmp_path / f"f{k}.svg"
        assert cli("pool", "--results", *three, "--json", out, "--plot", plot).code == 0
        outs.append((out.read_bytes(), plot.read_bytes()))
    assert outs[0] == outs[1]


def test_studies_that_differ_are_said_to_differ(cli, tmp_path):
    files = [write(tmp_path / f"s{k}.json", crosslag_result(1 + k % 2, cohort=f"s{k}", se=0.015,
                                                            shift=[[0, 0], [0.12 * k, 0]])) for k in range(4)]
    out = tmp_path / "het.json"
    assert cli("pool", "--results", *files, "--json", out).code == 0
    d = json.loads(out.read_text())
    assert d["pooled"]["x_to_y"]["tau2"] > 0 and d["pooled"]["x_to_y"]["q_pvalue"] < 0.05
    assert "the studies differ" in d["sentence"] and "Across four studies" in d["sentence"]


def test_reversed_constructs_are_lined_up_and_run_folders_are_read(cli, tmp_path):
    a = write(tmp_path / "a.json", crosslag_result(1, cohort="a"))
    swapped = crosslag_result(2, cohort="b", x="ghq_likert", y="loneliness")
    phi = np.array(swapped["crosslag"]["lag_matrix"]["est"])
    swapped["crosslag"]["lag_matrix"]["est"] = phi[::-1, ::-1].tolist()  # the same process, named the other way
    run = tmp_path / "run-1"
    run.mkdir()
    write(run / "results.json", {"title": "t", "crosslag": [swapped]})
    out = tmp_path / "o.json"
    res = cli("pool", "--results", a, run, "--names", "first,second", "--json", out)
    assert res.code == 0, res.err
    d = json.loads(out.read_text())
    assert [c["name"] for c in d["cohorts"]] == ["first", "second"] and d["x"] == "loneliness"
    assert d["cohorts"][1]["converted"]["x_to_y"]["est"] == pytest.approx(linalg.expm(DRIFT)[1, 0], abs=1e-10)


def _edit(result, fn):
    fn(result)
    return result


@pytest.mark.parametrize("make, needle", [
    (lambda: {"model": "x"}, "is not a cross-lag result"),
    (lambda: [1, 2], "is not a cross-lag result"),
    (lambda: _edit(crosslag_result(1), lambda r: r["crosslag"].pop("lag_matrix")), "no lag matrix with its covariance"),
    (lambda: _edit(crosslag_result(1), lambda r: r["crosslag"].update(lag_matrix=None)), "lags that differ by wave"),
    (lambda: _edit(crosslag_result(1), lambda r: r.update(interval_years=None)), "how many years apart"),
    (lambda: _edit(crosslag_result(1), lambda r: r["crosslag"]["lag_matrix"].update(vcov=[[1, 2], [3, 4]])),
     "4 x 4 covariance"),
    (lambda: _edit(crosslag_result(1), lambda r: r["crosslag"]["lag_matrix"].update(vcov=(-np.eye(4)).tolist())),
     "not a covariance matrix"),
    (lambda: _edit(crosslag_result(1), lambda r: r["crosslag"]["lag_matrix"].update(est=[[-0.4, 0.05], [0.1, 0.5]])),
     "no real matrix logarithm"),
    (lambda: crosslag_result(1, n=6), "fewer than 10 persons"),
    (lambda: crosslag_result(1, y="cesd"), "pool results on the same two constructs"),
    (lambda: _edit(crosslag_result(1), lambda r: r["fit"].update(nobs="many")), "not a number where one is expected"),
])
def test_bad_results_are_one_sentence_naming_the_file(cli, tmp_path, make, needle):
    good = write(tmp_path / "good.json", crosslag_result(1))
    bad = write(tmp_path / "bad.json", make())
    err = cli("pool", "--results", good, bad, "--json", tmp_path / "o.json").error
    assert needle in err and "bad.json" in err
    assert not (tmp_path / "o.json").exists()


def test_bad_options_are_one_sentence(cli, tmp_path):
    good = write(tmp_path / "good.json", crosslag_result(1))
    other = write(tmp_path / "other.json", crosslag_result(2))
    out = tmp_path / "o.json"
    assert "at least two" in cli("pool", "--results", good, "--json", out).error
    assert "--names gives 1 names for 2 results" in cli("pool", "--results", good, other, "--names", "a",
                                                         "--json", out).error
    assert ".png or .svg" in cli("pool", "--results", good, other, "--json", out, "--plot", tmp_path / "f.pdf").error
    assert "--interval" in cli("pool", "--results", good, other, "--interval", "0", "--json", out).error
    assert "no such file" in cli("pool", "--results", good, tmp_path / "nope.json", "--json", out).error
    (tmp_path / "text.json").write_text("{not json")
    assert "not valid JSON" in cli("pool", "--results", good, tmp_path / "text.json", "--json", out).error
    (tmp_path / "empty_run").mkdir()
    assert "without results.json" in cli("pool", "--results", good, tmp_path / "empty_run", "--json", out).error
    assert not out.exists()


def test_the_forest_plot_and_summary_hide_sizes_below_the_threshold():
    from pooling_support import crosslag_result as make

    from analysis.pooling import pool_cohorts
    from analysis.pooling.cohorts import from_result

    res = pool_cohorts([from_result(make(1, n=40, cohort="small"), source="a"),
                        from_result(make(2, n=5000, cohort="big"), source="b")])
    labels = [t.get_text() for t in res.forest_plot(threshold=50).axes[0].get_yticklabels()]
    assert labels[0] == "small  (1 y, n<50)" and labels[1] == "big  (2 y, n=5,000)"
    labels = [t.get_text() for t in res.forest_plot().axes[0].get_yticklabels()]
    assert labels[0] == "small  (1 y, n=40)"
    assert "     <50  x_to_y" in res.summary(threshold=50) and "      40  x_to_y" in res.summary()


def test_the_forest_plot_saves_where_a_script_says(tmp_path):
    from pooling_support import crosslag_result as make

    from analysis.pooling import pool_cohorts
    from analysis.pooling.cohorts import from_result

    res = pool_cohorts([from_result(make(1, n=400, cohort="a"), source="a"),
                        from_result(make(2, n=500, cohort="b"), source="b")])
    fig = res.forest_plot(save=tmp_path / "pooled")
    assert len(fig.axes) == 2
    assert (tmp_path / "pooled.png").stat().st_size > 0 and (tmp_path / "pooled.svg").stat().st_size > 0
    res.forest_plot(save=tmp_path / "only.svg")
    assert (tmp_path / "only.svg").exists() and not (tmp_path / "only.png").exists()


def test_the_forest_plot_draws_into_a_scripts_axes(tmp_path):
    from matplotlib.figure import Figure
    from pooling_support import crosslag_result as make

    from analysis.errors import UsageError
    from analysis.pooling import pool_cohorts
    from analysis.pooling.cohorts import from_result

    res = pool_cohorts([from_result(make(1, n=400, cohort="a"), source="a"),
                        from_result(make(2, n=500, cohort="b"), source="b")])
    fig = Figure()
    axes = fig.subplots(1, 2)
    assert res.forest_plot(ax=axes, save=tmp_path / "p.svg") is fig
    assert all(a.patches or a.lines for a in axes) and (tmp_path / "p.svg").exists() and not fig.texts
    with pytest.raises(UsageError, match=r"forest_plot\(ax=...\) takes 2"):
        res.forest_plot(ax=axes[0])
