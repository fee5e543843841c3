"""Bad input, part 1: data files (issue 17).

Every case runs the real CLI in-process on a small synthetic cohort (written once for
the module) or a file made from it: a damaged, empty, truncated or odd file is one
sentence naming the file (and wave and column where there is one) with exit code 2,
never a traceback or an attempt to allocate what the file cannot hold; cells that
become missing are counted and said.
"""

from __future__ import annotations

import json
import resource
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from analysis.synth import write_cohort
from bad_input_support import SYNTHETIC_SPEC, copy_cohort

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "data"
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("files") / "cohort"
    write_cohort(cohort="ukhls", n=300, waves=4, seed=7, fmt="dta", out=folder)
    return folder


@pytest.fixture(scope="module")
def make(cohort, tmp_path_factory):
    """``make(name, change)``: a copy of the cohort whose wave-b file ``change(path)`` edits."""
    root = tmp_path_factory.mktemp("variants")

    def variant(name: str, change=None, *, skip: tuple[str, ...] = ()) -> Path:
        folder = copy_cohort(cohort, root / name, skip=skip)
        if change is not None:
            change(folder / "b_indresp.dta")
        return folder

    return variant


def edit_rows(path: Path, edit) -> None:
    frame, meta = pyreadstat.read_dta(str(path))
    frame = edit(frame)
    pyreadstat.write_dta(frame, str(path))


def patch(path: Path, tag: bytes, value: int, fmt: str) -> None:
    raw = bytearray(path.read_bytes())
    at = raw.index(tag) + len(tag)
    raw[at:at + struct.calcsize(fmt)] = struct.pack(fmt, value)
    path.write_bytes(bytes(raw))


def describe(cli, folder: Path, *extra: object):
    return cli("describe", "--spec", SYNTHETIC_SPEC, "--data", folder, *extra)


# -- wave files ----------------------------------------------------------------

def test_the_cohort_itself_is_fine(cli, cohort):
    assert describe(cli, cohort).code == 0


def test_a_data_folder_that_does_not_exist(cli, tmp_path):
    assert "nowhere" in describe(cli, tmp_path / "nowhere").error


def test_a_data_folder_that_is_a_file(cli, tmp_path):
    f = tmp_path / "a_file.dta"
    f.write_bytes(b"x")
    assert "a_file.dta" in describe(cli, f).error


def test_a_data_folder_without_wave_files(cli, tmp_path):
    err = describe(cli, tmp_path).error
    assert str(tmp_path) in err


def test_a_truncated_dta(cli, make):
    folder = make("half", lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]))
    err = describe(cli, folder).error
    assert "b_indresp.dta" in err and "truncated or corrupt" in err


def test_a_dta_cut_inside_its_header(cli, make):
    folder = make("header", lambda p: p.write_bytes(p.read_bytes()[:500]))
    err = describe(cli, folder).error
    assert "b_indresp.dta" in err and "truncated or corrupt" in err


def test_a_patched_row_count_is_caught_before_allocating(cli, make):
    # 2**40 rows of 160 bytes would be 160 TiB; the header is checked against the file size first.
    folder = make("rows", lambda p: patch(p, b"<N>", 2**40, "<Q"))
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    statm = Path("/proc/self/statm")  # Linux; elsewhere the check runs without the limit
    if statm.exists():
        in_use = int(statm.read_text().split()[0]) * resource.getpagesize()
        limit = in_use + 4 * 2**30  # room to work, none to allocate TiB: an attempt fails the test
        resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    try:
        err = describe(cli, folder).error
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    assert "b_indresp.dta" in err and "1099511627776 rows" in err


def test_a_patched_variable_count(cli, make):
    folder = make("vars", lambda p: patch(p, b"<K>", 2**31, "<I"))
    err = describe(cli, folder).error
    assert "b_indresp.dta" in err and "variables" in err


def test_an_empty_dta_file(cli, make):
    folder = make("empty", lambda p: p.write_bytes(b""))
    assert "b_indresp.dta" in describe(cli, folder).error


def test_a_dta_file_holding_something_else(cli, make):
    folder = make("garbage", lambda p: p.write_bytes(b"<html>not found</html>" * 20))
    assert "b_indresp.dta" in describe(cli, folder).error


def test_a_wave_file_with_no_rows(cli, make):
    folder = make("norows", lambda p: edit_rows(p, lambda f: f.iloc[:0]))
    err = describe(cli, folder).error
    assert "b_indresp.dta" in err and "wave b" in err and "no rows" in err


def test_a_wave_file_with_no_rows_in_a_model(cli, make):
    folder = make("norows_model", lambda p: edit_rows(p, lambda f: f.iloc[:0]))
    err = cli("crosslag", "--spec", SYNTHETIC_SPEC, "--data", folder, "--x", "loneliness", "--y", "ghq_likert",
              "--no-compare").error
    assert "b_indresp.dta" in err and "wave b" in err


def test_a_person_twice_in_a_wave(cli, make):
    folder = make("dup", lambda p: edit_rows(p, lambda f: pd.concat([f, f.iloc[:2]], ignore_index=True)))
    err = describe(cli, folder).error
    assert "b_indresp.dta" in err and "'pidp'" in err and "share a person id" in err


def test_a_row_without_a_person_id(cli, make):
    def blank(f):
        f = f.copy()
        f.loc[f.index[:3], "pidp"] = np.nan
        return f
    err = describe(cli, make("noid", lambda p: edit_rows(p, blank))).error
    assert "wave b" in err and "'pidp'" in err and "no person id" in err


def test_a_file_without_the_id_column(cli, make):
    folder = make("idcol", lambda p: edit_rows(p, lambda f: f.rename(columns={"pidp": "person"})))
    err = describe(cli, folder).error
    assert "b_indresp.dta" in err and "pidp" in err


def test_a_value_outside_the_valid_range(cli, make):
    def wild(f):
        f = f.copy()
        f.loc[f.index[:4], "b_sclackcom"] = 17
        return f
    err = describe(cli, make("range", lambda p: edit_rows(p, wild))).error
    assert "wave b" in err and "b_sclackcom" in err and "17" in err


def test_a_text_column_where_numbers_are_expected(cli, cohort, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    for f in sorted(cohort.glob("*_indresp.dta")):
        frame, _ = pyreadstat.read_dta(str(f))
        if f.name.startswith("b_"):
            frame = frame.astype({"b_sclackcom": object})
            frame.loc[frame.index[:5], "b_sclackcom"] = "refused"
        frame.to_csv(folder / f"{f.stem}.csv", index=False)
    err = describe(cli, folder).error
    assert "b_indresp.csv" in err and "wave b" in err and "b_sclackcom" in err and "'refused'" in err


def test_na_text_in_a_csv_is_counted_and_said(cli, cohort, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    for f in sorted(cohort.glob("*_indresp.dta")):
        frame, _ = pyreadstat.read_dta(str(f))
        if f.name.startswith("b_"):
            frame = frame.astype({"b_sclackcom": object, "b_scghqa": object})
            frame.loc[frame.index[:7], "b_sclackcom"] = "n/a"
            frame.loc[frame.index[7:9], "b_scghqa"] = "NA"
        frame.to_csv(folder / f"{f.stem}.csv", index=False)
    out_json = tmp_path / "describe.json"
    res = describe(cli, folder, "--json", out_json)
    line = res.note(out_json, "no value", "7 'n/a' in b_sclackcom (wave b)", "2 'NA' in b_scghqa")
    assert "9 cells" in line
    assert "text 'n/a'" in res.out  # a row of the missing-values table
    missing = json.loads(out_json.read_text())["missing"]
    text = [r for r in missing if r["reason"].startswith("text ")]
    assert {(r["column"], r["reason"]) for r in text} >= {("b_sclackcom", "text 'n/a'"), ("b_scghqa", "text 'NA'")}


def test_a_gap_in_the_waves_is_said_when_loading(cli, make, tmp_path):
    folder = make("gap_load", skip=("b_indresp.dta",))
    out_json = tmp_path / "d.json"
    describe(cli, folder, "--json", out_json).note(out_json, "wave b", "lies between waves")


# -- one data file (fit-sem, bootstrap) ----------------------------------------

@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "hs.lav"
    path.write_text(HS)
    return path


def fit_sem(cli, model: Path, data: Path, *extra: object):
    return cli("fit-sem", "--model", model, "--data", data, *extra)


def test_fit_sem_data_file_missing(cli, model_file, tmp_path):
    assert "nope.csv" in fit_sem(cli, model_file, tmp_path / "nope.csv").error


def test_fit_sem_data_of_an_unsupported_type(cli, model_file, tmp_path):
    f = tmp_path / "data.xlsx"
    f.write_bytes(b"PK")
    err = fit_sem(cli, model_file, f).error
    assert "data.xlsx" in err and ".xlsx" in err


def test_fit_sem_data_is_a_folder(cli, model_file, tmp_path):
    folder = tmp_path / "d.csv"
    folder.mkdir()
    assert "d.csv" in fit_sem(cli, model_file, folder).error


def test_fit_sem_empty_csv(cli, model_file, tmp_path):
    f = tmp_path / "empty.csv"
    f.write_text("")
    assert "empty.csv" in fit_sem(cli, model_file, f).error


def test_fit_sem_csv_with_a_header_only(cli, model_file, tmp_path):
    f = tmp_path / "header.csv"
    f.write_text(",".join(f"x{i}" for i in range(1, 10)) + "\n")
    err = fit_sem(cli, model_file, f).error
    assert "row" in err or "observation" in err


def test_fit_sem_corrupt_dta(cli, model_file, tmp_path):
    frame = pd.read_csv(REFERENCE / "hs1939.csv")[[f"x{i}" for i in range(1, 10)]]
    path = tmp_path / "hs.dta"
    pyreadstat.write_dta(frame, str(path))
    patch(path, b"<N>", 2**40, "<Q")
    err = fit_sem(cli, model_file, path).error
    assert "hs.dta" in err and "truncated or corrupt" in err


def test_fit_sem_corrupt_sav(cli, model_file, tmp_path):
    frame = pd.read_csv(REFERENCE / "hs1939.csv")[[f"x{i}" for i in range(1, 10)]]
    path = tmp_path / "hs.sav"
    pyreadstat.write_sav(frame, str(path))
    path.write_bytes(path.read_bytes()[:-900])
    assert "hs.sav" in fit_sem(cli, model_file, path).error


def test_fit_sem_text_in_a_column(cli, model_file, tmp_path):
    frame = pd.read_csv(REFERENCE / "hs1939.csv").astype({"x1": object})
    frame.loc[frame.index[:5], "x1"] = "missing"
    path = tmp_path / "text.csv"
    frame.to_csv(path, index=False)
    assert "'x1'" in fit_sem(cli, model_file, path).error


def test_fit_sem_na_text_is_counted_and_said(cli, model_file, tmp_path):
    frame = pd.read_csv(REFERENCE / "hs1939.csv").astype({"x1": object, "x2": object})
    frame.loc[frame.index[:5], "x1"] = "n/a"
    frame.loc[frame.index[5:7], "x2"] = "NA"
    path = tmp_path / "na.csv"
    frame.to_csv(path, index=False)
    out_json = tmp_path / "na.json"
    line = fit_sem(cli, model_file, path, "--json", out_json).note(out_json, "na.csv", "x1: 5 'n/a'", "x2: 2 'NA'")
    assert "7 cells" in line


def test_fit_sem_model_file_missing(cli, tmp_path):
    assert "nope.lav" in fit_sem(cli, tmp_path / "nope.lav", REFERENCE / "hs1939.csv").error


def test_fit_sem_model_file_not_text(cli, tmp_path):
    f = tmp_path / "model.lav"
    f.write_bytes(b"\xff\xfe\x00\x81" * 50)
    assert "model.lav" in fit_sem(cli, f, REFERENCE / "hs1939.csv").error


def test_fit_sem_model_syntax_error_names_the_line(cli, tmp_path):
    f = tmp_path / "model.lav"
    f.write_text("visual =~ x1 + x2 + x3\ntextual =~ x4 + + x5\n")
    assert "line 2" in fit_sem(cli, f, REFERENCE / "hs1939.csv").error


def test_fit_sem_model_names_an_unknown_column(cli, tmp_path):
    f = tmp_path / "model.lav"
    f.write_text("visual =~ x1 + x2 + xx3\n")
    assert "xx3" in fit_sem(cli, f, REFERENCE / "hs1939.csv").error


def test_fit_sem_unknown_group_column(cli, model_file):
    assert "schol" in fit_sem(cli, model_file, REFERENCE / "hs1939.csv", "--group", "schol").error


def test_bootstrap_wide_file_without_waves(cli, tmp_path):
    f = tmp_path / "wide.csv"
    pd.DataFrame({"x_1": [1.0, 2.0], "y_1": [1.0, 2.0]}).to_csv(f, index=False)
    assert "--waves" in cli("bootstrap", "--data", f, "--x", "x", "--y", "y", "--quiet").error


def test_bootstrap_folder_without_spec(cli, cohort):
    err = cli("bootstrap", "--data", cohort, "--x", "loneliness", "--y", "ghq_likert", "--quiet").error
    assert "--spec" in err and str(cohort) in err
