"""Dashboard page: if loneliness were lower, how much would mental health improve? (DoWhy, with checks)."""

from __future__ import annotations

import streamlit as st

from analysis.interpret import plain_numbers, readable
from analysis.reporting.headline import causal_headline
from analysis.models.survey_design import design_sentence
from app_pages import _results, _shared
from app_pages._glossary import tip

ds, p = _shared.header(
    "If loneliness were lower… (causal analysis)",
    "The cross-lagged models describe associations. This page asks the causal question: how much would mental "
    "health at the next wave change if loneliness one wave earlier were one point lower? It writes the "
    "assumptions down as a graph, estimates the effect, and runs checks (refutations) that could show it to "
    "be spurious. The answer is only as good as the assumptions.")
try:
    import analysis.causal  # noqa: F401  (optional part of the library)
except Exception:
    st.info("The causal analysis is not available in this version of the workbench.")
    st.stop()
name = _shared.short_name

prev = _shared.recall("causal", ds) or {}
constructs = p.constructs
stigma = [c for c in p.spec.stigma_measures if c in constructs]
e0 = prev.get("exposure") or ("loneliness" if "loneliness" in constructs else constructs[0])
o0 = prev.get("outcome") or next((c for c in ("ghq_likert", "cesd", "mental_health", *constructs)
                                  if c in constructs and c != e0), constructs[-1])
with st.form("causal_form"):
    c1, c2 = st.columns(2)
    exposure = c1.selectbox("Exposure (what would be changed)", constructs, index=constructs.index(e0),
                            format_func=name, key="ca_exposure")
    outcome = c2.selectbox("Outcome (at the next wave)", constructs, index=constructs.index(o0), format_func=name,
                           key="ca_outcome")
    c3, c4 = st.columns(2)
    mediators = ["", *stigma]
    mediator = c3.selectbox("Stigma measure", mediators, format_func=lambda m: name(m) if m else "(none)",
                            index=mediators.index(prev.get("mediator") or ""), key="ca_mediator",
                            help="A stigma measure, treated as a path the effect may run through (mediator) "
                                 "or as something to hold fixed (confounder).")
    role = c4.radio("Stigma's role", ["mediator", "confounder"], key="ca_role",
                    index=["mediator", "confounder"].index(prev.get("mediator_role", "mediator")),
                    format_func={"mediator": "a path the effect may run through",
                                 "confounder": "a common cause to hold fixed"}.get)
    direction = st.radio("Directions", ["forward", "both"], horizontal=True, key="ca_direction",
                         index=["forward", "both"].index(prev.get("direction", "forward")),
                         format_func={"forward": "exposure → outcome only",
                                      "both": "also outcome → exposure"}.get)
    c5, c6, c7 = st.columns(3)
    n_boot = c5.number_input("Bootstrap resamples", 20, 2000, prev.get("n_boot", 100), 20, key="ca_boot",
                             help="Resamples of people for the confidence interval; 200 or more for a final answer.")
    n_sim = c6.number_input("Simulations per check", 5, 200, prev.get("n_simulations", 20), 5, key="ca_sims")
    seed = c7.number_input("Random seed", 0, 2**31 - 1, prev.get("seed", 1), key="ca_seed")
    weighted = st.checkbox("Use the survey's weights and design (untick for the unweighted check)",
                           value=prev.get("weighted", True), key="ca_weighted",
                           help="Weights make the answer describe the population the survey samples; resampling "
                                "whole sampling areas makes the uncertainty honest. Unweighted is a sensitivity "
                                "check only.")
    submitted = st.form_submit_button("Estimate", type="primary")
if submitted:
    _shared.remember("causal", ds, {"exposure": exposure, "outcome": outcome, "mediator": mediator or None,
                                    "mediator_role": role, "direction": direction, "n_boot": int(n_boot),
                                    "n_simulations": int(n_sim), "seed": int(seed), "weighted": weighted})
s = _shared.recall("causal", ds)
if s is None:
    st.info("Choose the question and press **Estimate**. With 100 resamples this takes a few seconds.")
    st.stop()

# The estimates first (DoWhy's fit and the bootstrap), then the checks, which take longer, stream in below.
full = _results.cached("causal", _results.causal_key(ds, s))
if full is None:
    with _shared.friendly("estimating the causal effect"):
        res = _results.causal(ds, s, checks=False)  # a progress bar follows the bootstrap
else:
    res = full


def show(r, which: str):
    """The estimates of one direction; returns the places where the words and the checks go."""
    words = st.empty()
    words.info(plain_numbers(r.interpretation()))
    e = r.effect
    effects = [("Average effect", e, "Change in the outcome at the next wave per one point more exposure one wave "
                "earlier.")]
    if r.direct is not None and r.indirect is not None:
        effects += [("Direct part", r.direct, "The part of the effect that does not run through the stigma measure."),
                    ("Through stigma", r.indirect, "The part of the effect that runs through the stigma measure.")]
    cols = st.columns(len(effects) + 1)
    for col, (label, eff, note) in zip(cols, effects):
        col.metric(label, readable(eff.estimate), help=tip("Causal effect"))
        col.caption(f"{note} {eff.level:.0%} CI {readable(eff.ci_lower)} to {readable(eff.ci_upper)}"
                    + ("." if eff.clear else "; it could be zero."))
    cols[-1].metric("Standardized average effect", readable(e.std_estimate), help=tip("Standardized"))
    cols[-1].caption("The average effect in standard deviations of the outcome per standard deviation of the "
                     "exposure.")
    st.markdown(f"**What is estimated.** {e.estimand}")
    st.caption(r.sample.words())
    st.caption(design_sentence(dict(r.survey)))
    st.subheader("The assumed causal graph")
    _results.show_figure(("causal graph", _results.causal_key(ds, s, checks=False), which), r.draw_graph,
                        alt=f"The assumed causal graph of {name(r.exposure)} and later {name(r.outcome)}: arrows "
                            "say what may cause what; the estimates are on the arrows from the exposure.",
                        name=f"causal_graph_{which}")
    st.caption("Arrows say what may directly cause what: these are assumptions, not findings. Thick arrows carry the "
               "estimates. Any unmeasured common cause of the exposure and the outcome is assumed absent.")
    st.subheader("Checks (refutations)", help=tip("Refutation"))
    checks = st.container()
    with st.expander("Assumptions behind the estimate"):
        for a in r.assumptions:
            st.markdown(f"- {a}")
        for note in r.sample.notes:
            st.markdown(f"- {note}")
    return words, checks


def show_checks(r, words, checks) -> None:
    words.info(plain_numbers(r.interpretation()))
    with checks:
        if not r.refutations:
            st.caption("No checks were run.")
        for ref in r.refutations:
            shown = {"pass": "passed", "caution": "caution, not a pass", "fail": "failed"}[ref.verdict]
            (st.success if ref.passed else st.warning)(f"**{ref.title}: {shown}.** {plain_numbers(ref.words)}")


answer = st.container()  # the headline goes first, once the checks say how far it can be trusted
st.header(f"{name(res.exposure)} → later {name(res.outcome)}")
places = [show(res, "forward")]
if res.reverse is not None:
    st.header(f"The other direction: {name(res.reverse.exposure)} → later {name(res.reverse.outcome)}")
    places.append(show(res.reverse, "reverse"))
if full is None:
    with places[0][1], _shared.friendly("running the checks"):
        note = st.empty()
        note.caption(f"Running the checks: placebo exposure, random common cause and random subsets "
                     f"({s['n_simulations']} simulations each), and the unobserved-confounder analysis"
                     f"{' in both directions' if res.reverse is not None else ''}; they appear here when done.")
        full = _results.causal(ds, s)  # a progress bar follows the bootstrap again, then the checks
        note.empty()
show_checks(full, *places[0])
if full.reverse is not None:
    show_checks(full.reverse, *places[1])
with answer:
    _shared.headline(causal_headline(full.to_dict()), p)
