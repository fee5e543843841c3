"""Shared dashboard helpers: the chosen dataset, cached library calls, plain names, friendly errors.

No statistics live here: every number comes from the library (``analysis``).  Results are kept in
the server's store (:mod:`app_pages._store`), keyed by the data's hash and only the settings that
change the model; they are the library's frozen results, shared read-only between sessions (some
hold objects that cannot be pickled, and none of them is ever changed).  A long computation shows
a progress bar fed by the library's progress callback where it has one (:mod:`app_pages._progress`).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import threading
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from analysis.data import Panel, load_panel
from analysis import interpret
from analysis.errors import WorkbenchError
from analysis.models.crosslag import fit_crosslag
from analysis.models.groups import compare_all_groupings
from analysis.runs.config import OutputSection
from analysis.runs.disclosure import suppress_counts

from app_pages import _progress, _store
from app_pages._store import computations, keep_address  # noqa: F401  (used by pages and tests)

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


# -- cached library calls -----------------------------------------------------------------------
# Each key holds the data's key and only what changes the model; `cached` says whether a key is
# already there (then no bar or spinner is shown).

@st.cache_resource(max_entries=4, show_spinner="Reading the data…")
def _panel(_ds: Dataset, key: str) -> Panel:
    return load_panel(_ds.spec_path, data=_ds.data_dir)


def panel(ds: Dataset) -> Panel:
    return _panel(ds, ds.key)


def _quiet(call: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the results keep their warnings; pages show them
        return call()


def crosslag_key(ds: Dataset, s: dict) -> tuple:
    return (ds.key, s["x"], s["y"], s["model"], s["lags"], s["innovations"],
            tuple(s["waves"]) if s.get("waves") else None, bool(s.get("compare")),
            "spec" if s.get("weighted", True) else "none")


def crosslag(ds: Dataset, s: dict):
    """``fit_crosslag`` for settings ``s`` (x, y, model, lags, innovations, waves, compare, weighted), cached."""
    key = crosslag_key(ds, s)
    _, x, y, model, lags, innovations, waves, compare_models, survey = key
    p = panel(ds)
    return _store.store().fetch("crosslag", key, lambda: _quiet(lambda: fit_crosslag(
        p, x=x, y=y, model=model, waves=waves, lags=lags, innovations=innovations,  # type: ignore[arg-type]
        compare=compare_models, survey=survey)))  # type: ignore[arg-type]


def groups_key(ds: Dataset, s: dict, groupings: Sequence[str]) -> tuple:
    return (ds.key, s["x"], s["y"], tuple(groupings), s["model"], s["lags"],
            tuple(s["waves"]) if s.get("waves") else None)


def compare(ds: Dataset, s: dict, groupings: Sequence[str]):
    """``compare_all_groupings`` for settings ``s`` (x, y, model, lags, waves), cached.

    With several groupings a progress bar shows which one is being fitted and about how long is left.
    """
    key = groups_key(ds, s, groupings)
    _, x, y, names, model, lags, waves = key
    p = panel(ds)

    def compute():
        if len(names) == 1:
            return _quiet(lambda: compare_all_groupings(p, x=x, y=y, groupings=names, model=model,  # type: ignore
                                                        lags=lags, waves=waves))
        with _progress.bar("Fitting the multigroup models") as bar:
            def show(done: int, total: int, grouping: str) -> None:
                bar(done, total, f"Comparing {grouping_name(p, grouping)} ({done + 1} of {total} groupings)")

            return _quiet(lambda: compare_all_groupings(p, x=x, y=y, groupings=names, model=model,  # type: ignore
                                                        lags=lags, waves=waves, progress=show))

    return _store.store().fetch("groups", key, compute)


def causal_key(ds: Dataset, s: dict, *, checks: bool = True) -> tuple:
    # Without the checks the number of simulations changes nothing, so it is left out of the key.
    return (ds.key, s["exposure"], s["outcome"], s.get("mediator"), s["mediator_role"], s["direction"],
            int(s["n_boot"]), int(s["n_simulations"]) if checks else None, int(s["seed"]),
            bool(s.get("weighted", True)))


def causal(ds: Dataset, s: dict, *, checks: bool = True):
    """``fit_causal`` for settings ``s``, cached, with a progress bar; ``checks=False``: the estimates
    without the refutations (the same estimates: the bootstrap's random numbers do not depend on the checks)."""
    from analysis.causal import fit_causal

    key = causal_key(ds, s, checks=checks)
    _, exposure, outcome, mediator, role, direction, n_boot, n_sim, seed, weighted = key
    p = panel(ds)

    def compute():
        with _progress.bar("Running the checks" if checks else "Estimating the effect") as bar:
            return _quiet(lambda: fit_causal(
                p, exposure=exposure, outcome=outcome, mediator=mediator, mediator_role=role,  # type: ignore
                direction=direction, n_boot=n_boot, n_simulations=n_sim or 2,  # type: ignore[arg-type]
                refutations=None if checks else (), seed=seed, survey="spec" if weighted else "none",
                progress=bar))

    return _store.store().fetch("causal" if checks else "causal-estimate", key, compute)


def power_key(design: Any, s: dict) -> tuple:
    # The number of processes changes how fast, not what: it is left out.
    return (json.dumps(design.to_dict(), sort_keys=True), int(s["replicates"]), int(s["seed"]), float(s["alpha"]),
            float(s["target"]))


def power(design: Any, s: dict):
    """``run_power`` of ``design`` with settings ``s`` (replicates, seed, alpha, target, jobs), cached.

    The simulated studies are kept in a run folder per design and seed, so a new alpha or target power
    only summarises them again, and more replicates simulate only the extra ones (the library resumes).
    """
    from analysis.power import run_power

    key = power_key(design, s)
    designed, replicates, seed, alpha, target = key

    def compute():
        folder = _store.store().fetch("power-folder", (designed, seed), lambda: TempFolder("power"))
        with _store.store().lock("power-folder", (designed, seed)), _progress.bar("Simulating studies") as bar:
            return run_power(design, replicates=replicates, seed=seed, n_jobs=int(s["jobs"]), alpha=alpha,
                             target_power=target, out=folder.path / "run",
                             progress=lambda done, total: bar(done, total, "Simulating studies"))

    return _store.store().fetch("power", key, compute)


def kept(kind: str, key: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()``, once per ``key`` (the data's key first), for summaries a page shows on every rerun."""
    return _store.store().fetch(kind, key, compute)


def cached(kind: str, key: tuple) -> Any | None:
    """The stored result of ``kind`` under ``key``, without computing it (None if not there yet)."""
    return _store.store().get(kind, key)


#: Widest image Streamlit sends as it is (``st.image`` scales wider ones down on every rerun).
IMAGE_WIDTH = 1460


def figure_png(key: tuple, draw: Callable[[], Any]) -> bytes:
    """The PNG of the matplotlib figure ``draw()`` makes, drawn once per ``key`` (the result's key and
    the display options) and kept, so a rerun or a display change does not draw it again."""
    def render() -> bytes:
        from PIL import Image

        fig = draw()
        # st.pyplot's 200 dpi, unless that is wider than Streamlit sends: drawing fewer pixels is faster
        # and gives the same image as scaling down afterwards.
        dpi = min(200.0, IMAGE_WIDTH / fig.get_figwidth())
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        image = Image.open(buffer)
        if image.width > IMAGE_WIDTH:  # scaled once here, not by Streamlit on every rerun
            image = image.resize((IMAGE_WIDTH, round(image.height * IMAGE_WIDTH / image.width)), Image.LANCZOS)
            buffer = io.BytesIO()
            image.save(buffer, format="png", optimize=False)
        return buffer.getvalue()

    return _store.store().fetch("figure", key, render)


def show_figure(key: tuple, draw: Callable[[], Any], alt: str) -> None:
    st.image(figure_png(key, draw), width="stretch", alt=alt)


@st.cache_resource(show_spinner=False)
def _warm_up() -> threading.Thread:
    def work() -> None:
        try:  # the causal page's libraries take seconds to import; import them while the user reads
            import analysis.causal  # noqa: F401
            from dowhy import CausalModel  # noqa: F401
        except Exception:  # the page says so itself if the causal analysis is missing
            pass

    thread = threading.Thread(target=work, name="workbench-warm-up", daemon=True)
    thread.start()
    return thread


def warm_up() -> None:
    """Import the slow optional libraries in the background, once per server process."""
    _warm_up()


# -- settings a page remembers (widgets forget theirs when the user visits another page) ---------

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


# -- the report of what is on screen -----------------------------------------------------------------

@dataclass(frozen=True)
class Report:
    """A finished run, held in memory (its temporary folder is gone)."""

    name: str
    report_html: bytes
    tables_zip: bytes
    tables: tuple[str, ...]
    results_json: bytes
    manifest_json: bytes
    suppressed_cells: int


def _run_report(config: dict, p: Panel) -> Report:
    from analysis.runs import run_analysis
    from analysis.runs.config import parse_config
    from analysis.runs.progress import reporting_to

    cfg = parse_config(config, source="dashboard")
    out = TempFolder("report")
    with _progress.bar("Building the report") as bar, \
            reporting_to(lambda done, total, step: bar(done, total, plain(step, p))):
        run = run_analysis(cfg, out=out.path, quiet=True, command_line=["streamlit", "run", "app.py"])
    buffer = io.BytesIO()
    tables = sorted((run.folder / "tables").glob("*.csv"))
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for t in tables:
            z.write(t, arcname=f"tables/{t.name}")
    return Report(name=run.folder.name, report_html=(run.folder / "report.html").read_bytes(),
                  tables_zip=buffer.getvalue(), tables=tuple(t.name for t in tables),
                  results_json=(run.folder / "results.json").read_bytes(),
                  manifest_json=(run.folder / "manifest.json").read_bytes(),
                  suppressed_cells=int(run.results.get("disclosure", {}).get("suppressed_cells", 0)))


def report_key(ds: Dataset, config: dict) -> tuple:
    return (ds.key, json.dumps({k: v for k, v in config.items() if k != "data"}, sort_keys=True, default=str))


def report(ds: Dataset, config: dict) -> Report:
    """``run_analysis`` of an analysis config (as a mapping), cached by the data's hash and the settings;
    a progress bar follows the run's steps."""
    p = panel(ds)
    return _store.store().fetch("report", report_key(ds, config), lambda: _run_report(config, p))
