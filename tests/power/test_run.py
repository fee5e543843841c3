"""The runner: identical results on any backend, resume after an interruption, run folders."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.errors import UsageError
from analysis.power import PowerDesign, load_power_run, run_power

DESIGN = PowerDesign(model="clpm", n=[60, 120], waves=3, icc=0.0, attrition=0.1, attrition_mechanism="mar")
KW = dict(replicates=6, seed=5, chunk_size=2)


def _estimates(res) -> pd.DataFrame:
    return res.replicates.drop(columns="seconds")


@pytest.fixture(scope="module")
def serial():
    return run_power(DESIGN, backend="joblib", n_jobs=1, **KW)


def test_one_worker_two_workers_and_dask_give_identical_results(serial, dask_cluster):
    two = run_power(DESIGN, backend="joblib", n_jobs=2, **KW)
    dask = run_power(DESIGN, backend="dask", scheduler=dask_cluster.scheduler_address, **KW)
    assert len(serial.replicates) == 12 and (serial.replicates["status"] == "ok").all()
    for other in (two, dask):
        pd.testing.assert_frame_equal(_estimates(serial), _estimates(other), check_exact=True)  # bit for bit
        pd.testing.assert_frame_equal(serial.table, other.table, check_exact=True)
        pd.testing.assert_frame_equal(serial.sample_size, other.sample_size, check_exact=True)


def test_interrupted_run_keeps_finished_replicates_and_resumes(serial, tmp_path):
    folder = tmp_path / "run"
    calls = []

    def interrupt_after_two_chunks(done, total):
        calls.append(done)
        if done >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_power(DESIGN, backend="serial", out=folder, progress=interrupt_after_two_chunks, **KW)
    kept = sorted((folder / "replicates").glob("*.jsonl"))
    assert len(kept) == 2 and not list((folder / "replicates").glob(".*.tmp"))
    seen = []
    resumed = run_power(DESIGN, backend="serial", out=folder, progress=lambda d, t: seen.append((d, t)), **KW)
    assert seen[0] == (4, 12), "the resumed run starts from the finished replicates"
    pd.testing.assert_frame_equal(_estimates(serial), _estimates(resumed), check_exact=True)
    pd.testing.assert_frame_equal(serial.table, resumed.table, check_exact=True)
    assert resumed.folder == folder


def test_more_replicates_and_grid_points_reuse_the_folder(serial, tmp_path):
    folder = tmp_path / "grow"
    run_power(DESIGN, backend="serial", out=folder, **KW)
    bigger = PowerDesign(model="clpm", n=[60, 120, 240], waves=3, icc=0.0, attrition=0.1, attrition_mechanism="mar")
    seen = []
    grown = run_power(bigger, backend="serial", out=folder, progress=lambda d, t: seen.append((d, t)),
                      replicates=8, seed=5, chunk_size=2)
    assert seen[0] == (12, 24)
    old = grown.replicates[grown.replicates["rep"] < 6].drop(columns="seconds")
    old = old[old["cell"].isin(set(serial.replicates["cell"]))].reset_index(drop=True)
    pd.testing.assert_frame_equal(old, _estimates(serial), check_exact=True)


def test_folder_of_another_study_is_refused(tmp_path):
    folder = tmp_path / "run"
    run_power(DESIGN, backend="serial", out=folder, replicates=2, seed=5)
    with pytest.raises(UsageError, match="other settings"):
        run_power(DESIGN, backend="serial", out=folder, replicates=2, seed=6)


def test_a_run_folder_can_be_summarised_again_at_another_alpha(tmp_path):
    folder = tmp_path / "run"
    first = run_power(DESIGN, backend="serial", out=folder, replicates=4, seed=5)
    again = load_power_run(folder, alpha=0.2, target_power=0.5)
    pd.testing.assert_frame_equal(_estimates(first), _estimates(again), check_exact=True)
    assert (again.table["power"] >= first.table["power"]).all()
    assert json.loads((folder / "settings.json").read_text())["kind"] == "power"


@pytest.mark.parametrize("kwargs, words", [
    ({"replicates": 0}, "at least 1"),
    ({"backend": "spark"}, "backend must be"),
    ({"backend": "dask"}, "scheduler"),
    ({"scheduler": "tcp://x:1"}, "only used with the dask backend"),
])
def test_bad_runner_options(kwargs, words):
    with pytest.raises(UsageError, match=words):
        run_power(DESIGN, **{"replicates": 2, **kwargs})


def test_results_report_and_plot(serial, tmp_path):
    text = serial.summary()
    assert "Power is the chance" in text and "Sample size for power 0.8" in text
    d = serial.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["replicates"] == 6 and len(d["table"]) == 2 * 4
    fig = serial.plot(save=tmp_path / "power.svg")
    assert len(fig.axes) == 2 and (tmp_path / "power.svg").stat().st_size > 0
    from matplotlib.figure import Figure

    mine = Figure()
    axes = mine.subplots(1, 2)
    assert serial.plot(ax=axes) is mine and all(a.lines for a in axes) and not mine.texts
    assert fig.axes[0].get_title().startswith("Power to detect x → y")
