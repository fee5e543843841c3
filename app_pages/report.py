"""Dashboard page: download a reproducible report of what is on screen (HTML, CSV tables, results, manifest)."""

from __future__ import annotations

import importlib.util
import json
import time

import streamlit as st

from analysis.reporting.html import report_headline

from app_pages import _results, _shared
from app_pages._progress import duration_words

ds, p = _shared.header(
    "Report and downloads",
    "A reproducible run of the analyses you have on screen: the same models, refitted by the workbench's run "
    "command, with a plain-language HTML report, the tables as CSV, every number in `results.json`, and a "
    "`manifest.json` recording the data's checksums, the settings and the software versions.")
name = _shared.short_name

cl = _shared.recall("crosslag", ds)
gr = _shared.recall("groups", ds)
ca = _shared.recall("causal", ds)
# The run command learns causal sections from analysis.runs.causal_section; without it they are left out.
causal_supported = importlib.util.find_spec("analysis.runs.causal_section") is not None

config: dict = {
    "title": "Loneliness and mental health: results from the dashboard",
    "description": f"Exported from the dashboard; data: {ds.label}.",
    "data": {"spec": ds.spec_path, **({"synthetic": dict(ds.synthetic)} if ds.synthetic else {"path": ds.data_dir})},
    "output": {"disclosure_threshold": _shared.THRESHOLD, "figure_formats": ["png"]},
    "seed": 1,
}
included = [f"the data: respondents, attrition and scores by wave and life stage ({ds.label})"]
if cl:
    config["crosslag"] = [{"x": cl["x"], "y": cl["y"], "model": cl["model"], "lags": cl["lags"],
                           "innovations": cl["innovations"], "waves": cl["waves"] or None,
                           "compare_models": bool(cl["compare"]), "sensitivity": False}]
    included.append(f"the {cl['model'].upper().replace('RICLPM', 'RI-CLPM')} of {name(cl['x'])} and {name(cl['y'])} "
                    "from the Cross-lag page" + (", with the model comparison" if cl["compare"] else ""))
if gr:
    groupings = "all" if gr["grouping"] == "__all__" else [gr["grouping"]]
    config["groups"] = [{"x": gr["x"], "y": gr["y"], "groupings": groupings, "model": gr["model"],
                         "lags": gr["lags"], "waves": gr["waves"] or None}]
    what = ("every grouping" if groupings == "all" else _shared.grouping_name(p, groupings[0]))
    included.append(f"the comparison of {what} from the Compare groups page")
left_out = []
if ca and causal_supported:
    config["causal"] = [{"exposure": ca["exposure"], "outcome": ca["outcome"], "mediator": ca["mediator"],
                         "stigma_role": ca["mediator_role"], "direction": ca["direction"], "bootstrap": ca["n_boot"],
                         "simulations": ca["n_simulations"]}]
    # The page's seed too (only the causal checks draw random numbers), so the report shows the page's numbers.
    config["seed"] = int(ca["seed"])
    included.append(f"the causal analysis of {name(ca['exposure'])} and {name(ca['outcome'])}")
elif ca:
    left_out.append("the causal analysis (the report cannot include it yet in this version)")

# The same weighting as on screen, so the report's numbers are the pages' numbers (groups are always weighted).
weighting = {page: bool(v.get("weighted", True)) for page, v in (("Cross-lag", cl), ("Causal", ca)) if v}
if weighting and not any(weighting.values()) and not gr:
    config["survey"] = {"weighted": False}
    included.append("unweighted estimates, as on the pages (the sensitivity check)")
elif weighting and not all(weighting.values()):
    unweighted = [page for page, w in weighting.items() if not w]
    left_out.append(f"the unweighted check shown on the {' and '.join(unweighted)} page: the report uses the "
                    "survey weights throughout, so those numbers differ from the page's")
st.header("What the report will contain")
for item in included:
    st.markdown(f"- {item}")
for item in left_out:
    st.markdown(f"- *Not included:* {item}")
if not cl and not gr:
    st.caption("No model is on screen yet: fit one on the Cross-lag page or compare groups to include it.")
st.caption(f"Disclosure control: every table cell about fewer than {_shared.THRESHOLD} people is blanked in the "
           "downloads. Individual records are never included.")

config = json.loads(json.dumps(config))  # as remembered (and compared) across a browser refresh
pressed = st.button("Build the report", type="primary")
if pressed:
    _shared.remember("report", ds, {"config": config})
wanted = _shared.recall("report", ds)
if not wanted or wanted.get("config") != config:
    st.info("Press **Build the report** to run the analyses above and prepare the downloads.")
    st.stop()

# After a page switch or a browser refresh the report built for these settings comes from the server's
# cache; a build takes minutes, so it runs only when the button is pressed, never on opening the page.
rep = _results.cached("report", _results.report_key(ds, config))
elapsed = None
if rep is None and not pressed:
    st.info("The report for these settings is no longer kept on the server (or its build was stopped). Press "
            "**Build the report** to build it again.")
    st.stop()
if rep is None:
    with _shared.friendly("building the report"):
        started = time.perf_counter()
        rep = _results.report(ds, config)  # a progress bar follows the run's steps
        elapsed = time.perf_counter() - started

st.success(f"Report ready: {rep.name}. {rep.suppressed_cells} table cells were suppressed for disclosure control.")
st.caption(f"Built in {duration_words(elapsed)}." if elapsed is not None else
           "Shown from the cache: built earlier for these settings and data, nothing was run again.")
answer = report_headline(json.loads(rep.results_json))  # the report's own first paragraph
if answer is not None:
    _shared.headline(answer, p)
c1, c2, c3, c4 = st.columns(4)
c1.download_button("Report (HTML)", rep.report_html, f"{rep.name}-report.html", "text/html", on_click="ignore",
                   type="primary")
c1.caption("The plain-language report with figures; opens in any browser.")
c2.download_button("Tables (CSV, zip)", rep.tables_zip, f"{rep.name}-tables.zip", "application/zip",
                   on_click="ignore")
c2.caption(f"{len(rep.tables)} tables, with small cells suppressed.")
c3.download_button("Results (JSON)", rep.results_json, f"{rep.name}-results.json", "application/json",
                   on_click="ignore")
c3.caption("Every number in the report, for analysts and scripts.")
c4.download_button("Manifest (JSON)", rep.manifest_json, f"{rep.name}-manifest.json", "application/json",
                   on_click="ignore")
c4.caption("What was run: settings, data checksums, software versions.")
with st.expander("Preview the report"):
    # The report is the library's own HTML (every text from the data is escaped there).
    st.iframe(rep.report_html.decode("utf-8"), height=900, alt="Preview of the HTML report")
