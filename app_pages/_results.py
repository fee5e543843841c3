"""The library calls the pages make, each result kept in the server's store (:mod:`app_pages._store`).

Keys hold the data's key and only what changes the model: display options key figures, never fits.
``cached`` says whether a result is there already (then no bar or spinner is shown).  A long
computation shows a progress bar fed by the library's progress callback (:mod:`app_pages._progress`).
Results are the library's frozen objects, shared read-only between sessions (some hold objects that
cannot be pickled, and none of them is ever changed).
"""

from __future__ import annotations

import io
import json
import threading
import warnings
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from analysis.data import Panel
from analysis.models.crosslag import fit_crosslag
from analysis.models.groups import compare_all_groupings

from app_pages import _progress, _store
from app_pages._shared import Dataset, TempFolder, grouping_name, panel, plain
from app_pages._store import computations  # noqa: F401  (re-exported for tests and benchmarks)


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


def figure_svg(key: tuple, draw: Callable[[], Any]) -> bytes:
    """The SVG of ``draw()``'s figure, drawn once per ``key`` and kept (for the download button)."""
    def render() -> bytes:
        import matplotlib as mpl

        buffer = io.BytesIO()
        with mpl.rc_context({"svg.hashsalt": "loneliness-workbench"}):
            draw().savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        return buffer.getvalue()

    return _store.store().fetch("figure-svg", key, render)


def show_figure(key: tuple, draw: Callable[[], Any], alt: str, *, name: str = "figure") -> None:
    """A figure with its alt text (the figure's message) and a download button for PNG and one for SVG."""
    png = figure_png(key, draw)
    st.image(png, width="stretch", alt=alt)
    slug = "_".join(str(k) for k in key if isinstance(k, str))[:40].replace(" ", "_")
    c1, c2 = st.columns(2)
    c1.download_button("Download PNG", png, file_name=f"{name}.png", mime="image/png", key=f"png-{name}-{slug}")
    c2.download_button("Download SVG", lambda: figure_svg(key, draw), file_name=f"{name}.svg",
                       mime="image/svg+xml", key=f"svg-{name}-{slug}")


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
