"""Dashboard page: how many people does a panel study need to detect a cross-lagged effect?

A Streamlit page script (routed by the dashboard's ``st.navigation``).  It only
collects the design, shows the large-sample answer of
:func:`analysis.power.asymptotic_power` at once, then calls
:func:`analysis.power.run_power` (through the dashboard's store, with a progress
bar) and shows whether the simulated studies confirm it; all statistics and
wording live in the library.
"""

from __future__ import annotations

import os

import streamlit as st

from analysis.errors import UsageError, WorkbenchError
from analysis.interpret import ALPHA, effect_size_scale
from analysis.power import PowerDesign, asymptotic_power, effects_grid
from analysis.reporting.tables import for_people

from app_pages import _results, _shared

MODELS = {"riclpm": "RI-CLPM (separates stable differences between people)",
          "clpm": "CLPM (no random intercepts)"}


def _numbers(text: str, kind: type, what: str) -> list:
    items = [t.strip() for t in text.replace(";", ",").split(",") if t.strip()]
    try:
        values = [kind(t) for t in items]
    except ValueError:
        raise UsageError(f"{what} must be numbers separated by commas, e.g. 200, 500, 1000.") from None
    if not values:
        raise UsageError(f"Give at least one value for {what.lower()}.")
    return values


DEFAULTS = {"model": "riclpm", "n": "200, 500, 1000", "waves": "4", "icc": 0.5, "cross": 0.1, "ar": 0.4,
            "reliability": 1.0, "attrition": 0.1, "mechanism": "mcar", "replicates": 200, "target": 0.8,
            "alpha": ALPHA, "seed": 1, "jobs": os.cpu_count() or 1}

st.title("How many people does the study need?")
st.markdown(
    "**Power** is the chance that a study finds an effect (a p-value below alpha) *if the effect is real* and "
    "as large as you assume. This page first gives the large-sample answer (in a moment), then simulates many "
    "studies with the design you describe, fits the cross-lagged model to each, and counts how often the "
    "cross-lagged effect is found, to check it."
)
_shared.keep_address()
v = {**DEFAULTS, **(_shared.recall("power", None) or {})}

with st.form("design"):
    left, right = st.columns(2)
    with left:
        model = st.radio("Model", list(MODELS), format_func=MODELS.get, key="model",
                         index=list(MODELS).index(v["model"]))
        n_text = st.text_input("Sample sizes to compare (persons at the first wave)", v["n"], key="n")
        waves_text = st.text_input("Number of waves (one or more)", v["waves"], key="waves")
        icc = st.slider("Share of the variance that is stable between people (ICC)", 0.0, 0.9, v["icc"], 0.05,
                        key="icc", help="Stable differences between people, e.g. some are lonelier than others "
                                        "year after year. The RI-CLPM needs this above 0.")
        cross = st.number_input("Cross-lagged effect to detect (standardized)", -0.9, 0.9, v["cross"], 0.01,
                                key="cross", help="Effect of loneliness on later mental health (and back), "
                                                  f"within persons. {effect_size_scale(verb=True)}.")
        ar = st.number_input("Autoregressive effect (carry-over from one wave to the next)", -0.9, 0.9, v["ar"], 0.05,
                             key="ar")
    with right:
        reliability = st.slider("Reliability of the measures", 0.5, 1.0, v["reliability"], 0.05, key="reliability",
                                help="Below 1, measurement error biases the estimates (shown as bias).")
        attrition = st.slider("Share dropping out at each wave", 0.0, 0.5, v["attrition"], 0.05, key="attrition")
        mechanism = st.radio("Who drops out", ["mcar", "mar"], key="mechanism",
                             index=["mcar", "mar"].index(v["mechanism"]),
                             format_func={"mcar": "At random", "mar": "More often those with more problems "
                                          "at the previous wave"}.get)
        replicates = st.number_input("Simulated studies per design", 2, 10000, v["replicates"], 50, key="replicates",
                                     help="More gives more precise power; 500 or more for a final answer.")
        target = st.slider("Target power", 0.5, 0.99, v["target"], 0.01, key="target")
        alpha = st.number_input("Significance level (alpha)", 0.001, 0.2, v["alpha"], 0.005, format="%.3f",
                                key="alpha")
        seed = st.number_input("Random seed", 0, 2**31 - 1, v["seed"], key="seed")
        jobs = st.number_input("Processes to use", 1, os.cpu_count() or 1, min(v["jobs"], os.cpu_count() or 1),
                               key="jobs", help="Changes only how fast the studies are simulated, not the results.")
    submitted = st.form_submit_button("Run")

if submitted:
    _shared.remember("power", None, {
        "model": model, "n": n_text, "waves": waves_text, "icc": icc, "cross": cross, "ar": ar,
        "reliability": reliability, "attrition": attrition, "mechanism": mechanism, "replicates": int(replicates),
        "target": target, "alpha": alpha, "seed": int(seed), "jobs": int(jobs)})
s = _shared.recall("power", None)
if s is None:
    st.info("Describe the design and press **Run**. The default design simulates 600 studies; a progress bar "
            "shows how far it is.")
    st.stop()
try:
    design = PowerDesign(
        model=s["model"], n=_numbers(s["n"], int, "Sample sizes"), waves=_numbers(s["waves"], int, "Waves"),
        icc=s["icc"], effects=effects_grid(cross_lag=[s["cross"]], autoregression=[s["ar"]]),
        reliability=s["reliability"], attrition=s["attrition"], attrition_mechanism=s["mechanism"])
except WorkbenchError as exc:
    st.error(str(exc))
    st.stop()

st.subheader("Result")
# The large-sample answer first (well under a second); the simulated studies below check it.
designed = _results.power_key(design, s)[0]
try:
    quick = _results.kept("power-approximation", (designed, float(s["alpha"]), float(s["target"])),
                          lambda: asymptotic_power(design, alpha=float(s["alpha"]), target_power=float(s["target"])))
except WorkbenchError as exc:
    quick = None
    st.warning(str(exc))
if quick is not None:
    for sentence in quick.sentences():
        st.markdown(f"- {sentence}")
    st.caption(f"This is {quick.assumptions[0]}. The simulated studies below check it.")

st.subheader("Do the simulated studies confirm it?")
try:
    res = _results.power(design, s)
except WorkbenchError as exc:
    st.error(str(exc))
    st.stop()
if quick is not None:
    for sentence in quick.check_sentences(res):
        st.markdown(f"- {sentence}")
st.markdown(f"Sample size from the {res.n_replicates} simulated studies per design:")
for r in res.sample_size[res.sample_size["parameter"].isin(["cl_xy", "cl_yx"])].itertuples(index=False):
    setting = f"{r.waves} waves"
    if r.n_required is None or r.n_required != r.n_required:
        st.markdown(f"- **{r.path} = {r.true:g}** ({setting}): {r.how}.")
    else:
        st.markdown(f"- **{r.path} = {r.true:g}** ({setting}): about **{int(r.n_required)} persons** "
                    f"reach power {res.target_power:g} ({r.how}).")
POWER_LABELS = {"n": "people", "true": "true effect", "power_mcse": "power MCSE", "mean_se": "mean SE",
                "emp_se": "empirical SE", "path": "direction"}
_results.show_figure(("power curve", _results.power_key(design, s)), res.plot,
                    alt="Power curves: the chance of finding each cross-lagged effect against the sample size; "
                        "the horizontal line is the target power.", name="power_curve")
table = res.table[res.table["parameter"].isin(["cl_xy", "cl_yx"])]
st.dataframe(for_people(table[["n", "waves", "path", "true", "power", "power_mcse", "coverage", "bias", "mean_se",
                               "emp_se", "converged", "failed"]], labels=POWER_LABELS), hide_index=True)
st.download_button("Download the full table (CSV)", res.table.to_csv(index=False), "power.csv", "text/csv",
                   on_click="ignore")
with st.expander("What do these numbers mean?"):
    st.markdown(
        f"""
- **power**: share of the {res.n_replicates} simulated studies in which the effect was significant
  (p < {res.alpha:g}). Power of {res.target_power:g} means a study like this finds a real effect of this size
  {res.target_power:.0%} of the time.
- **power MCSE**: the Monte Carlo standard error: how much the power itself would vary if the simulation were
  run again; more simulated studies make it smaller.
- **coverage**: how often the {1 - res.alpha:.0%} confidence interval contained the true effect; it should be
  close to {1 - res.alpha:.0%}.
- **bias**: the average estimate minus the true effect. The CLPM ignores stable differences between people
  and is biased when they exist; unreliable measures bias both models.
- **mean SE / empirical SE**: the average reported standard error and the actual spread of the estimates; they
  should agree.
- **failed**: simulated studies in which the model did not converge; they are left out and counted.
- The sample size between two simulated sizes is interpolated; simulate at that size to confirm it.
- **large-sample approximation**: the first answer, computed from the model's information (the Wald test's
  power as N grows). It is exact for large studies; the simulated studies show whether it holds at your sizes.
"""
    )
