"""Reading selected columns: the fast Stata path agrees with pyreadstat, missing markers are kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from data_support import nan_equal

from analysis.data import read_table
from analysis.data import stata
from analysis.data.files import inspect_file, read_columns
from analysis.errors import DataError


@pytest.mark.parametrize("cohort", ["ukhls", "elsa"])
def test_fast_stata_reader_matches_pyreadstat(cohort_dirs, cohort):
    for path in sorted(cohort_dirs[(cohort, "dta")].glob("*.dta")):
        info = inspect_file(path)
        layout = stata.read_layout(path)
        assert layout is not None and layout.names == info.columns and layout.n_rows == info.n_rows
        values, tags = stata.read_numeric(layout, list(info.columns))
        frame, _ = pyreadstat.read_dta(str(path))
        assert not tags
        for col in info.columns:
            assert nan_equal(values[col], frame[col].to_numpy(float)), (path.name, col)


def _patch(path, layout, column, row, raw: bytes):
    """Overwrite one cell's bytes in a test copy of a .dta file."""
    i = layout.names.index(column)
    offset = layout.data_start + row * layout.row_width + layout.offsets[i]
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(raw)


MISSING_BITS = {  # Stata's "." and ".a" ... ".z" by type: (numpy type, first code, step)
    "b": ("i1", 101, 1), "h": ("i2", 32741, 1), "l": ("i4", 2147483621, 1),
    "f": ("f4", 0x7F000000, 0x800), "d": ("f8", 0x7FE0000000000000, 1 << 40),
}


@pytest.mark.parametrize("version", [117, 118, 119])
@pytest.mark.parametrize("byteorder", ["<", ">"])
def test_stata_missing_values_of_every_type(tmp_path, version, byteorder):
    n = 6
    frame = pd.DataFrame({
        "b": np.array([1, -5, 3, 100, -127, 7], dtype=np.int8),
        "h": np.array([1, -300, 3, 32740, 5, 6], dtype=np.int16),
        "l": np.array([1, -70000, 3, 2147483620, 5, 6], dtype=np.int32),
        "f": np.array([1.5, -2.25, 3, 1e38, -1e-3, 6], dtype=np.float32),
        "d": np.array([1.5, -2.25, 3, 8.9e307, -1e-300, 6], dtype=np.float64),
    })
    path = tmp_path / "t.dta"
    frame.to_stata(path, write_index=False, version=version, byteorder=byteorder)
    layout = stata.read_layout(path)
    assert layout is not None and layout.release == version
    # Row 1: ".", row 2: ".a", row 5: ".z" in every column.
    for col, (kind, first, step) in MISSING_BITS.items():
        for row, k in ((1, 0), (2, 1), (5, 26)):
            code = first + k * step
            if kind.startswith("f"):
                raw = np.array([code], dtype=byteorder + ("u4" if kind == "f4" else "u8")).tobytes()
            else:
                raw = np.array([code], dtype=byteorder + kind).tobytes()
            _patch(path, layout, col, row, raw)
    values, tags = stata.read_numeric(layout, list(frame.columns))
    for col in frame.columns:
        expected = frame[col].to_numpy(np.float64).copy()
        expected[[1, 2, 5]] = np.nan
        assert nan_equal(values[col], expected), col
        assert tags[col].tolist() == [0, 0, 1, 0, 0, 26], col
    # pyreadstat agrees: .a and .z come back as letters.
    check, _ = pyreadstat.read_dta(str(path), user_missing=True)
    assert check["b"].tolist()[2] == "a" and check["d"].tolist()[5] == "z"
    data = read_columns(inspect_file(path), ["b", "d"])
    assert data.tags["b"].tolist() == [0, 0, 1, 0, 0, 26]


def test_old_format_and_text_columns_use_pyreadstat(tmp_path):
    frame = pd.DataFrame({"id": [1, 2, 3], "x": [1.0, np.nan, 3.0], "s": ["a", "bb", "c"]})
    old = tmp_path / "old.dta"
    frame.to_stata(old, write_index=False, version=114)
    assert stata.read_layout(old) is None
    new = tmp_path / "new.dta"
    frame.to_stata(new, write_index=False, version=118)
    for path in (old, new):
        data = read_columns(inspect_file(path), ["id", "x", "s"])
        assert nan_equal(data.values["x"], [1, np.nan, 3]) and data.values["id"].tolist() == [1, 2, 3]
        assert data.values["s"].tolist() == ["a", "bb", "c"]


def test_tagged_missing_through_pyreadstat_fallback(tmp_path):
    frame = pd.DataFrame({"id": [1, 2, 3, 4], "x": pd.Series([1, "a", 3, "c"], dtype=object),
                          "s": ["p", "q", "r", "t"]})
    path = tmp_path / "tagged.dta"
    pyreadstat.write_dta(frame, str(path), missing_user_values={"x": ["a", "c"]})
    data = read_columns(inspect_file(path), ["id", "x", "s"])  # text column -> pyreadstat path
    assert nan_equal(data.values["x"], [1, np.nan, 3, np.nan])
    assert data.tags["x"].tolist() == [0, 1, 0, 3]
    fast = read_columns(inspect_file(path), ["id", "x"])        # numeric only -> fast path
    assert fast.tags["x"].tolist() == [0, 1, 0, 3]


def test_spss_user_missing_ranges_are_kept(tmp_path):
    frame = pd.DataFrame({"id": [1.0, 2, 3, 4], "x": [1.0, -9, 99, -1]})
    path = tmp_path / "u.sav"
    pyreadstat.write_sav(frame, str(path), missing_ranges={"x": [{"lo": -9, "hi": -1}, 99]},
                         column_labels={"x": "An item"}, variable_value_labels={"x": {1: "yes"}})
    info = inspect_file(path)
    assert info.format == "sav" and info.column_labels["x"] == "An item"
    assert info.value_labels["x"] == {1.0: "yes"}
    data = read_columns(info, ["id", "x"])
    assert data.values["x"].tolist() == [1, -9, 99, -1]
    assert set(data.user_missing["x"]) == {(-9.0, -1.0), (99.0, 99.0)}


def test_csv_and_parquet(tmp_path):
    frame = pd.DataFrame({"id": [1, 2, 3], "x": [1.5, None, 3.0], "t": ["a", None, "c"]})
    csv, parquet = tmp_path / "f.csv", tmp_path / "f.parquet"
    frame.to_csv(csv, index=False)
    frame.to_parquet(parquet)
    for path in (csv, parquet):
        info = inspect_file(path)
        assert info.columns == ("id", "x", "t")
        data = read_columns(info, ["x", "t"])
        assert nan_equal(data.values["x"], [1.5, np.nan, 3.0])
        assert data.values["t"].tolist() == ["a", None, "c"]


def test_inspect_errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match=r"nope\.dta: no such file\."):
        inspect_file(tmp_path / "nope.dta")
    with pytest.raises(DataError, match=r"f\.xlsx: unsupported file type '\.xlsx'"):
        inspect_file(tmp_path / "f.xlsx")
    for suffix in (".dta", ".sav", ".parquet"):
        bad = tmp_path / f"bad{suffix}"
        bad.write_text("not a data file")
        with pytest.raises(DataError, match=rf"bad\{suffix} is not a readable"):
            inspect_file(bad)


def test_read_table_still_reads_whole_files_and_subsets(tmp_path):
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, np.nan]})
    path = tmp_path / "t.dta"
    frame.to_stata(path, write_index=False)
    assert read_table(path).shape == (2, 2)
    assert list(read_table(path, columns=["b"]).columns) == ["b"]
