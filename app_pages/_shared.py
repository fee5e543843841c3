"""Shared dashboard helpers: the chosen dataset, what pages remember, plain names, friendly errors.

No statistics live here: every number comes from the library (``analysis``).  The library calls
whose results are kept are in :mod:`app_pages._results`; what the pages remember, across page
switches and a browser refresh, in :mod:`app_pages._store`.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from analysis.data import Panel, load_panel
from analysis import interpret
from analysis.errors import WorkbenchError
from analysis.runs.config import OutputSection
from analysis.runs.disclosure import suppress_counts

from app_pages import _store
from app_pages._store import keep_address

REPO = Path(__file__).resolve().parents[1]
SPEC_DIR = REPO / "data_specs"
DEMO_SPECS = {"ukhls": SPEC_DIR / "synthetic.yaml", "elsa": SPEC_DIR / "synthetic_elsa.yaml"}
#: Cells counting fewer persons than this are suppressed in tables and exports (the library's default).
THRESHOLD = OutputSection().disclosure_threshold
CAUTION = "Cross-lagged estimates are associations over time in observational data, not proof of cause."
TMP_PREFIX = "workbench-"


@dataclass(frozen=True)
class Dataset:
    """The data a session analyses.

    ``key`` identifies the contents (hash of the files, or the generator settings, plus the
    spec's hash): every cache is keyed by it, never by a path.
    """

    key: str
    label: str
    spec_path: str
    data_dir: str
    synthetic: dict | None = None


# -- the built-in synthetic cohort -------------------------------------------------------------

def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def demo_settings() -> dict[str, Any]:
    """Generator settings of the built-in cohort (``WORKBENCH_DEMO_N`` sets its size, e.g. for tests)."""
    return {"cohort": "ukhls", "n": _env_int("WORKBENCH_DEMO_N", 3000), "waves": _env_int("WORKBENCH_DEMO_WAVES", 5),
            "seed": 1, "format": "dta"}


class TempFolder:
    """A private temporary folder, removed when nothing refers to it any more (or at exit)."""

    def __init__(self, kind: str) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix=f"{TMP_PREFIX}{kind}-")
        self.path = Path(self._tmp.name)


@st.cache_resource(show_spinner="Generating the built-in synthetic cohort…")
def _demo_files(cohort: str, n: int, waves: int, seed: int, fmt: str) -> TempFolder:
    from analysis.synth import write_cohort

    folder = TempFolder("demo")
    write_cohort(cohort=cohort, n=n, waves=waves, seed=seed, fmt=fmt,  # type: ignore[arg-type]
                 out=folder.path / "data")
    return folder


def demo_dataset() -> Dataset:
    from analysis.synth import GENERATOR_VERSION

    s = demo_settings()
    spec = DEMO_SPECS[s["cohort"]]
    folder = _demo_files(s["cohort"], s["n"], s["waves"], s["seed"], s["format"])
    spec_hash = hashlib.sha256(spec.read_bytes()).hexdigest()[:16]
    key = f"synthetic-{s['cohort']}-n{s['n']}-w{s['waves']}-s{s['seed']}-g{GENERATOR_VERSION}-{spec_hash}"
    label = f"built-in synthetic cohort ({s['n']:,} people, {s['waves']} waves; artificial data)"
    return Dataset(key=key, label=label, spec_path=str(spec), data_dir=str(folder.path / "data"), synthetic=s)


def current_dataset() -> Dataset:
    """The session's dataset: an upload the user chose, else the built-in cohort."""
    return st.session_state.get("dataset") or demo_dataset()


def use_dataset(ds: Dataset | None) -> None:
    """Switch the session to ``ds`` (None: the built-in cohort) and forget results of the old one."""
    if ds is None:
        st.session_state.pop("dataset", None)
    else:
        st.session_state["dataset"] = ds
    _store.forget_all()


# -- the data ------------------------------------------------------------------------------------

@st.cache_resource(max_entries=4, show_spinner="Reading the data…")
def _panel(_ds: Dataset, key: str) -> Panel:
    return load_panel(_ds.spec_path, data=_ds.data_dir)


def panel(ds: Dataset) -> Panel:
    return _panel(ds, ds.key)


# -- settings a page remembers (widgets forget theirs on another page or after a refresh) -------

def remember(name: str, ds: Dataset | None, settings: dict) -> None:
    """Remember page ``name``'s settings for ``ds``, across page switches and a browser refresh."""
    _store.remember(name, ds.key if ds is not None else "", settings)


def recall(name: str, ds: Dataset | None) -> dict | None:
    """Settings of the last analysis on page ``name`` for this dataset (None if there is none)."""
    return _store.recall(name, ds.key if ds is not None else "")


# -- plain words ------------------------------------------------------------------------------------

def short_name(name: str) -> str:
    """A measure's plain name (``ghq_likert`` -> ``GHQ-12 distress``), as the library writes it."""
    from analysis.naming import name_of

    return name_of(name)


def construct_help(p: Panel, name: str) -> str:
    c = p.spec.constructs.get(name)
    return (c.label if c is not None and c.label else short_name(name))


def grouping_name(p: Panel, name: str) -> str:
    g = p.spec.groupings.get(name)
    if g is not None and g.label:
        return g.label
    if name == "life_stage" or g is None or g.of is None:
        return short_name(name)
    return f"{short_name(g.of)} group"


def plain(text: str, p: Panel) -> str:
    """Replace the library's variable names in ``text`` with plain names."""
    names = {g: grouping_name(p, g) for g in p.groupings}
    names.update({c: short_name(c) for c in p.constructs})
    for code in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(code)}(?![\w-])", names[code], text)
    return text


def headline(h: Any, p: Panel) -> None:
    """The answer first: a results page's headline (from :mod:`analysis.reporting.headline`) and its caveats."""
    st.markdown(f"#### {plain(h.text, p)}")
    for caveat in h.caveats:
        st.caption(plain(caveat, p))


def p_words(p: float) -> str:
    """A p-value in words (:func:`analysis.interpret.p_words`)."""
    return interpret.p_words(p)


def fit_words(fit: dict) -> str:
    """The report's plain-language judgement of model fit (:func:`analysis.interpret.fit_words`)."""
    return interpret.fit_words(fit) or interpret.FIT_MISSING


# -- tables -------------------------------------------------------------------------------------------

def disclosure_safe(frame: pd.DataFrame, counts: Sequence[str], dependent: dict[str, Sequence[str]] | None = None
                    ) -> pd.DataFrame:
    """``frame`` with cells about fewer than THRESHOLD persons blanked (the library's disclosure control)."""
    safe, _ = suppress_counts(frame, counts, threshold=THRESHOLD, dependent=dependent)
    if not safe["suppressed"].any():
        safe = safe.drop(columns="suppressed")
    return safe


# -- errors -----------------------------------------------------------------------------------------

def tidy(message: str) -> str:
    """A library message without the app's temporary folders or the repository path."""
    tmp = re.escape(str(Path(tempfile.gettempdir()).resolve()))
    message = re.sub(rf"{tmp}/{TMP_PREFIX}[^/\s:,;']+/(?:[^/\s:,;']+/)*", "", message)
    message = re.sub(rf"{tmp}/{TMP_PREFIX}[^\s:,;']+", "your files", message)
    return message.replace(str(REPO) + os.sep, "")


@contextmanager
def friendly(action: str, *, stop: bool = True) -> Iterator[None]:
    """Show a problem while ``action`` as one sentence (never a traceback).

    With ``stop`` (default) the page ends there; otherwise it goes on after the message.
    """
    try:
        yield
    except WorkbenchError as exc:
        st.error(tidy(str(exc)))
        if stop:
            st.stop()
    except Exception as exc:  # anything else: still one sentence, the details folded away
        st.error(f"Something went wrong while {action}. Try other settings or other files; if it happens "
                 "again, send the details below to the workbench team.")
        with st.expander("Details"):
            st.code(tidy(f"{type(exc).__name__}: {exc}"), language=None)
        if stop:
            st.stop()


# -- page furniture -----------------------------------------------------------------------------------

def dataset_and_panel() -> tuple[Dataset, Panel]:
    """The session's dataset and its panel (a friendly message and stop if it cannot be read),
    with a note on the data in the sidebar."""
    with friendly("reading the data"):
        ds = current_dataset()
        p = panel(ds)
    keep_address()
    with st.sidebar:
        st.caption(f"**Data:** {ds.label}. Change it on the Data page.")
        st.caption(CAUTION)
    return ds, p


def header(title: str, intro: str) -> tuple[Dataset, Panel]:
    """Title and introduction of a page; returns the dataset and its panel."""
    st.title(title)
    st.markdown(intro)
    return dataset_and_panel()


#: Column names people read for a table of group or cell estimates (the library's columns -> words).
ESTIMATE_COLUMNS = {"n": "People", "path": "Path", "est": "Estimate", "ci_lower": "95% CI from",
                    "ci_upper": "95% CI to", "pvalue": "p", "std_all": "Standardized",
                    "std_all_ci_lower": "Std. 95% CI from", "std_all_ci_upper": "Std. 95% CI to"}


def show_estimates(table: pd.DataFrame, *, label: str, file_name: str, key: str) -> None:
    """A table of estimates (``ESTIMATE_COLUMNS`` names) as people read it, with its full-precision CSV."""
    from analysis.reporting.tables import for_people

    st.dataframe(for_people(table.rename(columns={"p": "pvalue"}), labels={"pvalue": "p", "People": "People"}),
                 hide_index=True, width="stretch")
    st.download_button(label, table.to_csv(index=False).encode(), file_name=file_name, mime="text/csv", key=key)


#: Said under every comparison of groups or cells.
COMPARE_CAUTION = ("Groups are compared on associations over time; a difference between groups does not by itself show "
                   "why it arises. " + CAUTION)


def notes_expander(notes: list[str]) -> None:
    """The notes of a comparison (already in plain words), folded away under their count."""
    if notes:
        with st.expander(f"Notes ({len(notes)})"):
            for note in notes:
                st.markdown(f"- {note}")

