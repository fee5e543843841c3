"""Dashboard page: do the cross-lagged effects differ between life stages and stigma groups?"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.interpret import ALPHA, effect_size_scale, number
from analysis.interpret import plain_numbers
from analysis.reporting.figures import forest_caption, forest_plot
from analysis.reporting.headline import groups_headline
from analysis.reporting.tables import for_people
from analysis.runs.disclosure import hide_group_sizes

from app_pages import _crossed, _results, _shared
from app_pages._glossary import tip

ALL = "__all__"
MODELS = {"riclpm": "RI-CLPM (within each person)", "clpm": "CLPM", "dpm": "DPM"}
TESTS = {"x_to_y": "{x} → later {y}", "y_to_x": "{y} → later {x}", "omnibus": "both directions together"}

ds, p = _shared.header(
    "Who is most affected? Life stages and stigma",
    "The same cross-lagged model, fitted separately in each group at once (a multigroup model), with tests of "
    "whether the effects differ between groups. A person's group is the one at the first wave analysed.")
name = _shared.short_name
if not p.groupings:
    st.info("The data spec defines no groupings (life stage or stigma groups), so there is nothing to compare. "
            "Add an age covariate or a stigma measure when you map your variables on the Data page.")
    st.stop()

prev = _shared.recall("groups", ds) or {}
seed = _shared.recall("crosslag", ds) or {}  # start from the model on the Cross-lag page
constructs = p.constructs
x0 = prev.get("x") or seed.get("x") or ("loneliness" if "loneliness" in constructs else constructs[0])
y0 = prev.get("y") or seed.get("y") or next((c for c in ("ghq_likert", "cesd", "mental_health", *constructs)
                                             if c in constructs and c != x0), constructs[-1])
options = [*p.groupings, ALL] if len(p.groupings) > 1 else list(p.groupings)
g0 = prev.get("grouping") or ("life_stage" if "life_stage" in p.groupings else options[0])
if len(p.groupings) > 1:  # life stage × stigma group: the crossed view (issue 20)
    views = {"single": "one grouping at a time", "crossed": "groupings crossed (e.g. life stage × stigma group)"}
    view0 = (_shared.recall("groups-view", ds) or {}).get("view", "single")
    view = st.radio("How to compare", list(views), index=list(views).index(view0), format_func=views.get,
                    horizontal=True, key="gr_view",
                    help="Crossed: the model in every combination of groups at once, to ask whether the difference "
                         "by one grouping is the same in every group of the other.")
    if view != view0:
        _shared.remember("groups-view", ds, {"view": view})
    if view == "crossed":
        _crossed.show(ds, p, x0=x0, y0=y0, model0=prev.get("model") or seed.get("model") or "riclpm",
                      lags0=prev.get("lags") or seed.get("lags") or "invariant", waves=seed.get("waves") or [])
        st.stop()
with st.form("groups_form"):
    c1, c2 = st.columns(2)
    x = c1.selectbox("First measure (x)", constructs, index=constructs.index(x0), format_func=name, key="gr_x")
    y = c2.selectbox("Second measure (y)", constructs, index=constructs.index(y0), format_func=name, key="gr_y")
    grouping = st.radio("Compare", options, index=options.index(g0), horizontal=True, key="gr_grouping",
                        format_func=lambda g: "all groupings" if g == ALL else _shared.grouping_name(p, g),
                        help=f"{tip('Life stage')}\n\n{tip('Stigma group')}")
    c3, c4 = st.columns(2)
    model = c3.radio("Model", list(MODELS), format_func=MODELS.get, key="gr_model",
                     index=list(MODELS).index(prev.get("model") or seed.get("model") or "riclpm"))
    lags = c4.radio("Effects over time", ["invariant", "free"], key="gr_lags",
                    index=["invariant", "free"].index(prev.get("lags") or seed.get("lags") or "invariant"),
                    format_func={"invariant": "the same at every interval", "free": "separate for each interval"}.get)
    submitted = st.form_submit_button("Compare groups", type="primary")
if submitted:
    _shared.remember("groups", ds, {"x": x, "y": y, "grouping": grouping, "model": model, "lags": lags,
                                    "waves": seed.get("waves") or []})
s = _shared.recall("groups", ds)
if s is None:
    st.info("Choose what to compare and press **Compare groups**. Each grouping takes a few seconds.")
    st.stop()

names = list(p.groupings) if s["grouping"] == ALL else [s["grouping"]]
key = _results.groups_key(ds, s, names)
with _shared.friendly("comparing the groups"):
    allg = _results.cached("groups", key)
    if allg is None and len(names) > 1:  # a progress bar, grouping by grouping
        allg = _results.compare(ds, s, names)
    elif allg is None:
        with st.spinner(f"Fitting the multigroup model of {_shared.grouping_name(p, names[0])} and the tests…",
                        show_time=True):
            allg = _results.compare(ds, s, names)
X, Y = name(allg.x), name(allg.y)
plain_group = {g: _shared.grouping_name(p, g) for g in p.groupings}

# -- the answer first ------------------------------------------------------------------------------------------------
table = allg.to_frame()
tests = allg.tests()
_shared.headline(groups_headline({"x": allg.x, "y": allg.y, "table": table.to_dict("records"),
                                  "tests": tests.to_dict("records")}), p)
st.subheader("In detail")
for g, c in allg.comparisons.items():
    st.info(_shared.plain(plain_numbers(c.interpretation()), p))
for g, why in allg.failures.items():
    st.warning(f"{plain_group[g]} could not be compared: {_shared.tidy(why)}")

# -- forest plot ------------------------------------------------------------------------------------------------------
st.header("Effects in each group")
value = st.radio("Scale", ["std_all", "est"], horizontal=True, key="gr_value", help=tip("Standardized"),
                 format_func={"std_all": "standardized (comparable across measures)",
                              "est": "in the measures' own points"}.get)
_results.show_figure(("forest plot", key, value),
                    lambda: forest_plot(table.assign(grouping=table["grouping"].map(plain_group)), x=X, y=Y,
                                        value=value),
                    alt=_shared.plain(forest_caption(allg.x, allg.y, tests), p),
                    name=f"forest_{allg.x}_{allg.y}")
st.caption("Each dot is a group's cross-lagged effect and each line its 95% confidence interval; a line crossing "
           "the zero line means that group's effect could be zero. Overlapping lines alone do not show that groups "
           "are alike: the tests below compare them directly.")

# -- tests -------------------------------------------------------------------------------------------------------------
st.header("Do the groups differ?")
several = len(allg.comparisons) > 1
rows = []
for r in tests.itertuples(index=False):
    what = ("the link " + TESTS[r.test].format(x=X, y=Y) if r.test != "omnibus"
            else "the pair of links, taken together,")
    p_use = r.pvalue_holm if several else r.pvalue
    st.markdown(f"- **Is {what} the same in every {plain_group[r.grouping]}?** {_shared.p_words(p_use)} "
                f"(chi-square {r.chisq:.2f} on {r.df} df{', Holm-adjusted over the groupings' if several else ''}).")
    rows.append({"Grouping": plain_group[r.grouping], "Equal across groups?": TESTS[r.test].format(x=X, y=Y),
                 "Chi-square": r.chisq, "df": r.df, "p": r.pvalue, **({"p (Holm)": r.pvalue_holm} if several else {})})
shown_tests = pd.DataFrame(rows)
st.dataframe(for_people(shown_tests.rename(columns={"p": "pvalue", "p (Holm)": "pvalue_holm"}),
                        labels={"pvalue": "p", "pvalue_holm": "p (Holm)"}), hide_index=True, width="stretch")
st.caption("Each test asks whether an effect is the same in every group (likelihood-ratio test of the model with "
           "the effect held equal against the model with group-specific effects). **Chi-square** and **df**: the "
           f"test statistic and its degrees of freedom. **p**: below {number(ALPHA)} suggests the groups differ."
           + (" **p (Holm)**: adjusted for testing several groupings." if several else ""))

st.subheader("Estimates by group")
table, _ = hide_group_sizes(table, {g: c.not_grouped for g, c in allg.comparisons.items()},
                            threshold=_shared.THRESHOLD)
shown = table.assign(grouping=table["grouping"].map(plain_group),
                     path=[f"{name(a)} → later {name(b)}" for a, b in zip(table["from"], table["to"])])
shown = shown[["grouping", "group", "n", "path", "est", "ci_lower", "ci_upper", "pvalue", "std_all", "std_all_ci_lower",
               "std_all_ci_upper"]].rename(columns={"grouping": "Grouping", "group": "Group", **_shared.ESTIMATE_COLUMNS})
stats = ["Estimate", "95% CI from", "95% CI to", "p", "Standardized", "Std. 95% CI from", "Std. 95% CI to"]
safe = _shared.disclosure_safe(shown, ["People"], {"People": stats})
_shared.show_estimates(safe, label="Download the estimates at full precision (CSV)",
                       file_name=f"groups_{allg.x}_{allg.y}.csv", key="gr_table_csv")
st.caption("**People**: persons in the group (at their first wave analysed). **Estimate**: the group's cross-lagged "
           "effect in the measures' own points; **Standardized**: in standard deviations "
           f"(about {effect_size_scale()}). **95% CI**: values compatible with the data. Groups with fewer than "
           f"{_shared.THRESHOLD} people would be blanked.")

with st.expander("Pairs of groups"):
    pairs = pd.concat([c.pairwise.assign(grouping=plain_group[g]) for g, c in allg.comparisons.items()],
                      ignore_index=True)
    if len(pairs):
        pairs = pairs.assign(path=pairs["path"].map(lambda k: TESTS[k].format(x=X, y=Y)),
                             words=pairs["pvalue_holm"].map(_shared.p_words))
        st.dataframe(for_people(pairs[["grouping", "path", "group_a", "group_b", "difference", "chisq", "pvalue",
                                       "pvalue_holm", "words"]],
                                labels={"path": "direction", "group_a": "first group", "group_b": "second group",
                                        "words": "in words"}), hide_index=True)
        st.caption("Each pair of groups compared directly (Wald test). **difference**: first group's effect minus the "
                   "second's, in points. **p (Holm-adjusted)**: adjusted for the number of pairs (Holm).")
_shared.notes_expander([_shared.plain(w, p) for c in allg.comparisons.values() for w in c.warnings])
st.caption(_shared.COMPARE_CAUTION)
