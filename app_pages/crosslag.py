"""Dashboard page: which way? A cross-lagged panel model of two measures, in numbers, a picture and words."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from analysis.interpret import (ALPHA, EFFECT_SIZE_SOURCE, effect_size_scale, effect_size_words, excludes_zero,
                                fit_rule, fit_verdict, number, plain_numbers, readable, star_levels, std_text)
from analysis.naming import scale_of
from analysis.reporting.between import analysed_sentence, between, between_words, fit_flags
from analysis.reporting.headline import crosslag_headline
from analysis.reporting.tables import cell, for_people
from analysis.models.crosslag_results import MODEL_NAMES
from analysis.models.survey_design import design_sentence
from analysis.reporting.path_diagram import path_diagram

from app_pages import _results, _shared
from app_pages._glossary import tip

MODELS = {"riclpm": "RI-CLPM: changes within each person (recommended)",
          "clpm": "CLPM: differences between people and changes within them, mixed",
          "dpm": "DPM: within each person, with fixed effects"}
LAGS = {"invariant": "The same at every interval between waves", "free": "Separate for each interval (averaged below)"}
INNOVATIONS = {"free": "Free at each wave", "invariant": "Equal over waves"}

ds, p = _shared.header(
    "Which way? Two measures over time",
    "Does loneliness go with worse mental health later, does worse mental health go with more loneliness later, "
    "or both? A cross-lagged panel model estimates both directions at once. Choose the measures and the model, "
    "then press **Fit model**.")
name = _shared.short_name


def _default(options: tuple[str, ...], preferred: tuple[str, ...], avoid: str | None = None) -> str:
    for o in (*preferred, *options):
        if o in options and o != avoid:
            return o
    return options[0]


prev = _shared.recall("crosslag", ds) or {}
constructs = p.constructs
x0 = prev.get("x") or _default(constructs, ("loneliness",))
y0 = prev.get("y") or _default(constructs, ("ghq_likert", "cesd", "mental_health", "mcs"), avoid=x0)
with st.form("crosslag_form"):
    c1, c2 = st.columns(2)
    x = c1.selectbox("First measure (x)", constructs, index=constructs.index(x0), format_func=name, key="cl_x")
    y = c2.selectbox("Second measure (y)", constructs, index=constructs.index(y0), format_func=name, key="cl_y")
    model = st.radio("Model", list(MODELS), index=list(MODELS).index(prev.get("model", "riclpm")),
                     format_func=MODELS.get, key="cl_model", help=f"{tip('RI-CLPM')}\n\n{tip('CLPM')}")
    c3, c4 = st.columns(2)
    lags = c3.radio("Cross-lagged and stability effects", list(LAGS), format_func=LAGS.get, key="cl_lags",
                    index=list(LAGS).index(prev.get("lags", "invariant")),
                    help="Holding the effects equal over time gives one, more precise, number per direction.")
    innovations = c4.radio("Residual variances from wave 2 on", list(INNOVATIONS), format_func=INNOVATIONS.get,
                           key="cl_innovations", index=list(INNOVATIONS).index(prev.get("innovations", "free")),
                           help="What the model leaves unexplained at each wave; equal is a stronger assumption.")
    waves = st.multiselect("Waves (leave empty for every wave in which both measures were asked)", p.waves,
                           default=prev.get("waves") or [], key="cl_waves")
    compare = st.checkbox("Also fit the other model types and test equal effects over time (slower)",
                          value=prev.get("compare", False), key="cl_compare")
    weighted = st.checkbox("Use the survey's weights and design (untick for the unweighted check)",
                           value=prev.get("weighted", True), key="cl_weighted",
                           help="Weights make the answer describe the population the survey samples; PSUs and "
                                "strata make the uncertainty honest. Unweighted is a sensitivity check only.")
    submitted = st.form_submit_button("Fit model", type="primary")
if submitted:
    _shared.remember("crosslag", ds, {"x": x, "y": y, "model": model, "lags": lags, "innovations": innovations,
                                      "waves": list(waves), "compare": compare, "weighted": weighted})
s = _shared.recall("crosslag", ds)
if s is None:
    st.info("Choose two measures and a model, then press **Fit model**. The RI-CLPM of loneliness and GHQ-12 "
            "distress is a good start.")
    st.stop()

# The model alone first; the comparison models (if asked for) follow below, so the answer shows at once.
main = {**s, "compare": False}
with _shared.friendly("fitting the model"):
    full = _results.cached("crosslag", _results.crosslag_key(ds, s)) if s["compare"] else None
    res = full if full is not None else _results.cached("crosslag", _results.crosslag_key(ds, main))
    elapsed = None
    if res is None:
        with st.spinner("Fitting the model…", show_time=True):
            started = time.perf_counter()
            res = _results.crosslag(ds, main)
            elapsed = time.perf_counter() - started
X, Y = name(res.x), name(res.y)
st.caption(f"{MODEL_NAMES[res.model]}, waves {', '.join(res.waves)}; {res.sem.fit['nobs']:,} people; "
           + (f"fitted in {elapsed:.1f} s." if elapsed is not None else "shown from the cache."))
st.caption(design_sentence(res.sem.design))
if not res.sem.converged:
    st.warning("The model did not converge: the estimates below may be wrong. Try the CLPM, equal effects over "
               "time, or fewer waves.")

# -- the answer first: the headline, its caveats, then two numbers ------------------------------------------
result = res.to_dict()
_shared.headline(crosslag_headline(result), p)
flags = fit_flags(result["fit"], converged=res.sem.converged, parameters=result["parameters"])
cols = st.columns(2)
for col, path, a, b in ((cols[0], res.x_to_y, X, Y), (cols[1], res.y_to_x, Y, X)):
    col.metric(f"{a} → later {b} (standardized)", std_text(path.std), help=tip("Standardized"))
    clear = excludes_zero(path.ci_lower, path.ci_upper)
    col.caption(f"A {effect_size_words(path.std)} effect: when {a} is one standard deviation higher than "
                f"{'usual for that person' if res.within_person else 'average'}, {b} at the next wave is on average "
                f"{std_text(abs(path.std))} standard deviations {'higher' if path.std > 0 else 'lower'} "
                f"({EFFECT_SIZE_SOURCE} benchmarks). "
                + ("The 95% interval excludes zero." if clear else "The 95% interval includes zero, so it could be no "
                   "effect at all."))

st.subheader("In detail")
st.info(_shared.plain(plain_numbers(res.interpretation()), p))
between_text = between_words(result)
if between_text:
    st.markdown(_shared.plain(between_text, p))
st.caption(analysed_sentence(result, persons=int(p.long["id"].nunique())))

# -- estimates table ---------------------------------------------------------------------------------------------
st.header("Estimates")
rows = []
for kind, path, a, b in (("cross-lagged", res.x_to_y, X, Y), ("cross-lagged", res.y_to_x, Y, X),
                         ("stability", res.ar_x, X, X), ("stability", res.ar_y, Y, Y)):
    if path is None:
        continue
    rows.append({"Path": f"{a} → later {b}", "Kind": kind, "Estimate": path.est, "SE": path.se,
                 "95% CI from": path.ci_lower, "95% CI to": path.ci_upper, "p": path.pvalue,
                 "Standardized": path.std, "Std. 95% CI from": path.std_ci_lower, "Std. 95% CI to": path.std_ci_upper})
table = pd.DataFrame(rows)
st.dataframe(for_people(table.rename(columns={"p": "pvalue"}), labels={"pvalue": "p"}), hide_index=True,
             width="stretch")
st.download_button("Download this table at full precision (CSV)", table.to_csv(index=False).encode(),
                   file_name=f"crosslag_{res.model}_{res.x}_{res.y}.csv", mime="text/csv", key="cl_table_csv")
st.caption(
    "**Estimate**: change in the later score, in its own points, for one point more on the earlier score"
    + (" than the person's usual level" if res.within_person else "") + ". "
    "**SE**: standard error, the estimate's uncertainty. "
    "**95% CI**: the range of values compatible with the data. "
    f"**p**: how surprising the estimate would be if the true effect were zero (below {number(ALPHA)}: "
    "conventionally significant). **Standardized**: the same in standard deviations, comparable across measures "
    f"(about {effect_size_scale()}). **Stability**: how much each measure carries over to the next wave.")
if res.lags == "free":
    with st.expander("Effects at each interval"):
        frames = [pd.DataFrame(list(path.by_wave)).assign(path=f"{a} → later {b}")
                  for path, a, b in ((res.x_to_y, X, Y), (res.y_to_x, Y, X))]
        columns = ["path", "from_wave", "to_wave", "est", "ci_lower", "ci_upper", "pvalue", "std"]
        st.dataframe(for_people(pd.concat(frames)[columns]), hide_index=True)
        st.caption("One row per interval between waves; the table above shows their average.")

# -- path diagram -------------------------------------------------------------------------------------------------
st.header("Path diagram")
value = st.radio("Numbers on the arrows", ["std", "est"], horizontal=True, key="cl_value",
                 format_func={"std": "standardized", "est": "in the measures' own points"}.get)
ri = between(result)
_results.show_figure(
    ("path diagram", _results.crosslag_key(ds, main), value),
    lambda: path_diagram(x=X, y=Y, waves=list(res.waves), ar_x=list(res.ar_x.by_wave), ar_y=list(res.ar_y.by_wave),
                         x_to_y=list(res.x_to_y.by_wave), y_to_x=list(res.y_to_x.by_wave),
                         within=res.within_person, value=value, between=None if ri is None else ri.correlation),
    alt=f"Path diagram of {X} and {Y} over waves {', '.join(res.waves)}: {X} → later {Y} "
        f"{readable(res.x_to_y.std)} and {Y} → later {X} {readable(res.y_to_x.std)} (standardized, blue solid "
        "and orange dashed arrows)" + ("" if ri is None else f"; lasting differences between people correlate "
                                           f"{readable(ri.correlation)}") + ".",
    name=f"path_diagram_{res.model}_{res.x}_{res.y}")
st.caption("Boxes are the two measures at each wave" + (" (each person's departure from their own usual level)"
           if res.within_person else "") + ". Diagonal arrows are the cross-lagged effects, horizontal arrows "
           f"the stability of each measure; stars mark p-values below {star_levels()}.")

# -- fit ----------------------------------------------------------------------------------------------------------
st.header("How well the model fits the data")
f = res.sem.fit
judgement = _shared.fit_words(f)
if flags:  # never a green tick for a fit that did not converge, is not identified or is inadmissible
    st.error(f"This fit should not be trusted: it {' and '.join(flags)}. {judgement}")
else:
    (st.warning if fit_verdict(f) == "poor" else st.success)(judgement)


def fmt(v, digits: int = 3) -> str:
    return cell(v, "cfi") if digits == 3 and isinstance(v, float) and abs(v) < 1 else cell(v)


indices = [
    ("People", f"{f['nobs']:,}", "Everyone with at least one answer counts (full-information maximum likelihood).",
     "FIML"),
    ("Chi-square", f"{fmt(f['chisq'], 1)} (df {f['df']})", f"Exact-fit test, p = {fmt(f['pvalue'])}; with many people "
     "it flags even tiny misfit.", "Chi-square test of fit"),
    ("CFI", fmt(f["cfi"]), f"Comparative fit: {fit_rule('cfi')} is good.", "CFI / TLI"),
    ("TLI", fmt(f["tli"]), f"Like CFI, with a penalty for complexity: {fit_rule('tli')} is good.", "CFI / TLI"),
    ("RMSEA", fmt(f["rmsea"]), f"Misfit per degree of freedom, 90% CI {fmt(f.get('rmsea_ci_lower'))} to "
     f"{fmt(f.get('rmsea_ci_upper'))}: {fit_rule('rmsea')} is good.", "RMSEA"),
    ("SRMR", fmt(f["srmr"]), f"Average gap between observed and model correlations: {fit_rule('srmr')} is good.",
     "SRMR"),
    ("AIC", fmt(f["aic"], 1), "For comparing models on the same data: lower is better.", "AIC / BIC"),
    ("BIC", fmt(f["bic"], 1), "Like AIC, favouring simpler models more: lower is better.", "AIC / BIC"),
]
for start in range(0, len(indices), 4):
    for col, (label, val, note, term) in zip(st.columns(4), indices[start:start + 4]):
        col.metric(label, val, help=tip(term))
        col.caption(note)

# -- tests ------------------------------------------------------------------------------------------------------------
st.header("Tests")
d = res.direction_test
st.markdown(f"**Is one direction stronger than the other?** Comparing the two standardized cross-lagged effects: "
            f"chi-square {d.chisq:.2f} on {d.df} df, {_shared.p_words(d.pvalue)}.")
if s["compare"] and full is None:
    with _shared.friendly("fitting the other model types"), \
            st.spinner("Fitting the other model types and the test of equal effects over time…", show_time=True):
        full = _results.crosslag(ds, s)
t = full.time_invariance_test if full is not None else None
if t is not None:
    st.markdown(f"**Are the effects the same at every interval?** Likelihood-ratio test of equal against "
                f"interval-specific effects: chi-square {t.chisq:.2f} on {t.df} df, {_shared.p_words(t.pvalue)}.")
elif not s["compare"]:
    st.caption("Tick *Also fit the other model types* above to test whether the effects are the same at every "
               "interval and to compare the CLPM, RI-CLPM and DPM.")
if full is not None and full.comparison is not None:
    st.subheader("Comparing model types")
    comp = full.comparison.copy()
    comp["model"] = comp["model"].map(lambda m: m.upper().replace("RICLPM", "RI-CLPM"))
    comp["status"] = [("; ".join(fit_flags({"df": d}, converged=bool(c))) or "usable")
                      for d, c in zip(comp.get("df", [None] * len(comp)), comp["converged"])]
    keep = [c for c in ("model", "lags", "status", "npar", "chisq", "df", "cfi", "rmsea", "srmr", "aic", "bic",
                        "note") if c in comp.columns]
    st.dataframe(for_people(comp[keep].assign(model=full.comparison["model"])), hide_index=True, width="stretch")
    st.caption("One row per model fitted to the same data. **Fit usable?**: a fit that did not converge or has "
               "negative degrees of freedom (more unknowns than the data can tell apart) is not usable, whatever "
               "its numbers. **Parameters**: how many the model estimates; lower **AIC**/**BIC** "
               "is better. The CLPM does not separate stable differences between people from changes within "
               "people; a much worse CLPM fit is a sign that such stable differences matter.")

# -- details ----------------------------------------------------------------------------------------------------------
if res.sem.warnings:
    with st.expander(f"Warnings from the fit ({len(res.sem.warnings)})"):
        for w in res.sem.warnings:
            st.markdown(f"- {w}")
with st.expander("All parameters (for analysts)"):
    st.dataframe(res.sem.to_frame(), hide_index=True)
    st.download_button("Download all parameters (CSV, full precision)", res.sem.to_frame().to_csv(index=False).encode(),
                       file_name=f"parameters_{res.model}_{res.x}_{res.y}.csv", mime="text/csv", key="cl_params_csv")
    st.caption("The full lavaan-style parameter table: lhs op rhs, estimate, standard error, z, p, 95% CI and "
               "the fully standardized value (std_all).")
with st.expander("The model in lavaan syntax"):
    st.code(res.syntax, language=None)
st.caption(_shared.CAUTION)
