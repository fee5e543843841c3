"""Dashboard page: pool the cross-lags of several studies on one time scale (built-in cohorts and uploads)."""

from __future__ import annotations

import json
import os

import pandas as pd
import streamlit as st

from analysis.naming import name_of
from analysis.pooling import pool_cohorts
from analysis.pooling.builtin import BUILTIN, builtin_result, study_from_json
from analysis.pooling.cohorts import align, from_result
from analysis.pooling.pooled import CELLS, DIRECTIONS

from app_pages import _shared


@st.cache_data(show_spinner=False, max_entries=8)
def _builtin(name: str, n: int) -> dict:
    # The fitted result of a built-in study, kept for the session (keyed by study and size).
    return builtin_result(name, n=n)


st.title("Across studies: pool the cross-lags")
st.markdown(
    "Cross-lagged effects depend on the time between waves: a two-year effect is not a one-year effect. This page "
    "moves each study's effects to one interval (through the continuous-time drift matrix; Voelkle et al. 2012, "
    "Kuiper & Ryan 2018) and pools them across studies with a random-effects meta-analysis (as metafor; "
    "Viechtbauer 2010). The built-in studies are synthetic cohorts from one known continuous-time model, observed "
    "every year (UKHLS-like) and every two years (ELSA-like); add your own `crosslag --json` results.")

n_builtin = int(os.environ.get("WORKBENCH_DEMO_N", 3000))
with st.form("pool_form"):
    chosen = [name for name in BUILTIN if st.checkbox(name, value=True, key=f"pool_{name}")]
    uploads = st.file_uploader("Your studies' results (JSON written by `python -m analysis crosslag --json`)",
                               type=["json"], accept_multiple_files=True, key="pool_uploads")
    interval = st.number_input("Common interval between waves (years)", min_value=0.25, max_value=10.0, value=1.0,
                               step=0.25, key="pool_interval")
    submitted = st.form_submit_button("Pool the studies", type="primary")
if not submitted and "pool_last" not in st.session_state:
    st.info("Choose the studies and press **Pool the studies**. The built-in ones take a few seconds each.")
    st.stop()
if submitted:
    st.session_state["pool_last"] = True

with _shared.friendly("pooling the studies"):
    studies = []
    for name in chosen:
        with st.spinner(f"Fitting the RI-CLPM in the {name} study…"):
            studies.append(from_result(_builtin(name, n_builtin), source=name, name=name))
    for up in uploads or []:
        studies.append(study_from_json(up.getvalue(), source=up.name))
    if len(studies) < 2:
        st.warning("Pooling needs at least two studies: tick the built-in ones or upload results.")
        st.stop()
    studies = align(studies)
    res = pool_cohorts(studies, interval=float(interval))

# -- the answer first ---------------------------------------------------------------------------------------------
st.markdown(f"#### {res.sentence()}")
for note in res.notes:
    st.caption(note)
st.pyplot(res.forest_plot())
st.caption("Squares: each study's effect on the common interval; diamond: the pooled estimate with its 95% "
           "confidence interval; dotted: where the effect in a new study would lie (95% prediction interval).")

X, Y = name_of(res.x), name_of(res.y)
label = {"x_to_y": f"{X} → {Y}", "y_to_x": f"{Y} → {X}"}
rows = []
for c, conv in zip(res.cohorts, res.converted):
    for path in DIRECTIONS:
        rows.append({"Study": c.name, "Years between waves": c.interval_years, "People": c.n,
                     "Effect": label[path], "As estimated": float(c.phi[CELLS[path]]),
                     f"On {res.interval_years:g} year(s)": float(conv.phi[CELLS[path]]),
                     "SE": float(conv.se[CELLS[path]])})
st.subheader("Each study")
st.dataframe(_shared.disclosure_safe(pd.DataFrame(rows), ["People"]), hide_index=True)
st.subheader("Pooled (random effects)")
pooled = res.to_dict()["pooled"]
st.dataframe(pd.DataFrame([{"Effect": label[p], "Pooled": pooled[p]["est"], "95% CI from": pooled[p]["ci_lower"],
                            "95% CI to": pooled[p]["ci_upper"], "Between-study variance (tau²)": pooled[p]["tau2"],
                            "I² (%)": pooled[p]["i2"], "p (studies differ)": pooled[p]["q_pvalue"],
                            "95% prediction from": pooled[p]["pi_lower"], "95% prediction to": pooled[p]["pi_upper"]}
                           for p in DIRECTIONS]), hide_index=True)
st.download_button("Download the pooled results (JSON)", json.dumps(res.to_dict(), indent=2, sort_keys=True),
                   file_name="pooled.json", mime="application/json")
