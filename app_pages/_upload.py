"""Using the user's own SPSS/Stata files: upload, checks, a shipped spec or a variable mapping.

Files are kept in a private temporary folder of the session (removed when the session ends),
named by the SHA-256 of their contents, so every cache is keyed by the data's hash.  Anything
that goes wrong is one friendly sentence (``_shared.friendly``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import streamlit as st
import yaml

from analysis.data import load_spec
from analysis.data.files import inspect_file
from analysis.data.mapping import DEFAULT_MISSING_CODES, MeasureMapping, mapping_spec
from analysis.errors import DataError

from app_pages import _shared

SURVEY_TYPES = ("sav", "zsav", "dta")
#: Largest file accepted, in MB (also ``server.maxUploadSize`` in .streamlit/config.toml).
MAX_MB_DEFAULT = 200
MAPPING = "__mapping__"


def max_mb() -> float:
    """Upload limit per file in MB (``WORKBENCH_MAX_UPLOAD_MB`` lowers it, e.g. in tests)."""
    try:
        return float(os.environ.get("WORKBENCH_MAX_UPLOAD_MB", MAX_MB_DEFAULT))
    except ValueError:
        return float(MAX_MB_DEFAULT)


@st.cache_data(show_spinner=False, max_entries=64)
def _spec_line(path: str, modified: int) -> str | None:
    """A spec's one-line description (None if it does not load), read again when the file changes."""
    try:
        spec = load_spec(path)
    except Exception:  # a broken spec is simply not offered
        return None
    return f"{Path(path).name}: {spec.description or spec.cohort}"


def shipped_specs() -> dict[str, str]:
    """Shipped data specs (path -> one-line description)."""
    lines = {str(path): _spec_line(str(path), path.stat().st_mtime_ns)
             for path in sorted(_shared.SPEC_DIR.glob("*.yaml"))}
    return {path: line for path, line in lines.items() if line is not None}


def _session_folder() -> Path:
    if "upload_folder" not in st.session_state:
        st.session_state["upload_folder"] = _shared.TempFolder("upload")
    return st.session_state["upload_folder"].path


def save(files) -> tuple[Path, str]:
    """Check the uploaded files and store them for this session; return (folder, sha256 of the set)."""
    ids = tuple(sorted((f.file_id, f.name) for f in files))
    last = st.session_state.get("upload_saved")
    if last is not None and last[0] == ids and last[1].exists():
        return last[1], last[2]  # already checked and stored on an earlier rerun
    limit = max_mb()
    digest = hashlib.sha256()
    names = set()
    for f in sorted(files, key=lambda f: f.name):
        name = Path(f.name).name
        if Path(name).suffix.lower().lstrip(".") not in SURVEY_TYPES:
            raise DataError(f"{name} is not an SPSS (.sav, .zsav) or Stata (.dta) file; upload the survey's "
                            "data files as released.")
        if f.size > limit * 1024 * 1024:
            raise DataError(f"{name} is {f.size / 1024 / 1024:,.1f} MB, more than the {limit:g} MB allowed per file; "
                            "upload only the waves you need, or run the workbench from the command line.")
        if name in names:
            raise DataError(f"Two uploaded files are called {name}; upload each file once.")
        names.add(name)
        digest.update(name.encode() + b"\0" + hashlib.sha256(f.getvalue()).digest())
    sha = digest.hexdigest()
    folder = _session_folder() / sha[:24] / "data"
    if not folder.exists():
        folder.mkdir(parents=True)
        for f in files:
            (folder / Path(f.name).name).write_bytes(f.getvalue())
    for f in sorted(files, key=lambda f: f.name):  # is it survey data at all?
        path = folder / Path(f.name).name
        try:
            inspect_file(path)
        except DataError:
            raise DataError(f"{path.name} could not be read as {path.suffix[1:].upper()} data; it may be damaged "
                            "or another kind of file. Upload SPSS or Stata files as released by the data "
                            "service.") from None
    st.session_state["upload_saved"] = (ids, folder, sha)
    return folder, sha


def adopt(folder: Path, sha: str, spec_path: str, label: str) -> None:
    """Use the files in ``folder`` with the spec if they load (else raise), and rerun the app."""
    spec_sha = hashlib.sha256(Path(spec_path).read_bytes()).hexdigest()
    ds = _shared.Dataset(key=f"upload-{sha}-{spec_sha[:16]}", label=label, spec_path=spec_path, data_dir=str(folder))
    p = _shared.panel(ds)
    if len(p.constructs) < 2:
        raise DataError(f"Only {len(p.constructs)} measure could be scored from your files with "
                        f"{Path(spec_path).name}; two are needed (e.g. loneliness and mental health).")
    if len(p.waves) < 2:
        raise DataError(f"Your files hold only {len(p.waves)} wave for {Path(spec_path).name}; "
                        "cross-lagged models need at least two (three for the RI-CLPM).")
    _shared.use_dataset(ds)
    st.rerun()


# -- the page section --------------------------------------------------------------------------------

def chooser() -> None:
    """Data-source section of the Data page."""
    ds = st.session_state.get("dataset")
    if ds is not None:
        st.success(f"Using {ds.label}.")
        if st.button("Go back to the built-in synthetic cohort"):
            _shared.use_dataset(None)
            st.rerun()
    with st.expander("Use your own SPSS or Stata files", expanded=False):
        st.markdown(
            "Upload the survey's data files as released (for example UKHLS `a_indresp.dta`, `b_indresp.dta`, … "
            "or ELSA `wave_1_core_data….dta`), then say how to read them: with a shipped data spec, whose file "
            "names and variables they follow, or by telling the workbench which questions measure what. "
            f"Files stay private to your session and are deleted when it ends; up to {max_mb():g} MB per file.")
        files = st.file_uploader("Data files (.sav, .zsav, .dta)", type=list(SURVEY_TYPES),
                                 accept_multiple_files=True, key="upload_files")
        specs = shipped_specs()
        choice = st.radio("How should they be read?", [*specs, MAPPING], key="upload_spec",
                          format_func=lambda k: "I will say which questions measure what" if k == MAPPING
                          else f"With the shipped spec {specs[k]}")
        if files:
            with _shared.friendly("reading your files", stop=False):
                _use_uploads(files, choice)


def _use_uploads(files, choice: str) -> None:
    folder, sha = save(files)
    names = sorted(p.name for p in folder.iterdir())
    if choice != MAPPING:
        if st.button("Use these files", type="primary"):
            adopt(folder, sha, choice, f"your files ({', '.join(names)}) read with {Path(choice).name}")
        return
    spec = mapping_form(folder, names)
    if spec is not None:
        path = folder.parent / "mapping_spec.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        adopt(folder, sha, str(path), f"your files ({', '.join(names)}) with your variable mapping")


def mapping_form(folder: Path, names: list[str]) -> dict | None:
    """A form mapping the files' columns to loneliness, mental health, stigma and age; returns a checked spec
    (:func:`analysis.data.mapping.mapping_spec`) once submitted, else None."""
    info = inspect_file(folder / names[0])
    columns = list(info.columns)

    def show(c: str) -> str:
        label = info.column_labels.get(c)
        return f"{c}: {label}" if label else c

    long = len(names) == 1
    if long:
        st.caption(f"One file ({names[0]}): one row per person and wave, with a column saying which wave.")
    else:
        st.caption("One file per wave, with the same column names in each; the waves are in this order: "
                   + ", ".join(names) + ".")
    with st.form("mapping"):
        a, b = st.columns(2)
        id_col = a.selectbox("Person identifier", columns, format_func=show, key="map_id")
        wave_col = b.selectbox("Wave column", columns, format_func=show, key="map_wave") if long else None
        measures = {}
        for key, title, lo, hi in (("loneliness", "Loneliness", 1, 3), ("mental_health", "Mental health", 0, 3),
                                   ("stigma", "Stigma about mental illness (optional)", 1, 4)):
            st.markdown(f"**{title}**")
            c1, c2, c3, c4 = st.columns([3, 1, 1, 1])
            items = c1.multiselect("Questions (items)", columns, format_func=show, key=f"map_{key}_items")
            low = c2.number_input("Lowest answer", value=lo, step=1, key=f"map_{key}_lo")
            high = c3.number_input("Highest answer", value=hi, step=1, key=f"map_{key}_hi")
            score = c4.radio("Score", ["sum", "mean"], key=f"map_{key}_score")
            measures[key] = MeasureMapping(items=tuple(items), low=low, high=high, score=score)
        age = st.selectbox("Age (for life stages; optional)", ["", *columns], format_func=lambda c: show(c) if c
                           else "(none)", key="map_age")
        codes = st.text_input("Answers that mean missing (comma-separated)", DEFAULT_MISSING_CODES, key="map_codes")
        lenient = st.checkbox("Treat any other answer outside the valid range as missing", value=True,
                              key="map_lenient")
        submitted = st.form_submit_button("Use these files with this mapping", type="primary")
    if not submitted:
        return None
    return mapping_spec(folder, names, id_column=id_col, wave_column=wave_col, measures=measures, missing=codes,
                        out_of_range="missing" if lenient else "error", age=age or None)
