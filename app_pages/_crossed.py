"""The Compare groups page's crossed view: life stage × stigma group (or any two or three groupings) at once.

No statistics or wording live here: the fit is :func:`analysis.models.crossed.compare_crossed`, the
answer first is :meth:`~analysis.models.crossed_results.CrossedComparison.headline` and
``interpretation()``, the figure :func:`analysis.reporting.crossed_plot.crossed_forest_plot`, the tests
table, the notes and the disclosure rule of the cells :mod:`analysis.reporting.crossed_report` (the
report's own), so the page says what the report says.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from analysis.data import Panel
from analysis.errors import WorkbenchError
from analysis.interpret import effect_size_scale, plain_numbers
from analysis.runs.disclosure import scrub_text

from app_pages import _progress, _results, _shared
from app_pages._glossary import tip
from app_pages._shared import Dataset

MODELS = {"riclpm": "RI-CLPM (within each person)", "clpm": "CLPM", "dpm": "DPM"}
#: Separates a grouping from its group in the values of the "leave out" choice.
SEP = "\t"


def levels_of(ds: Dataset, p: Panel) -> dict[str, list[str]]:
    """Each grouping's groups in the grouping's order (kept once per dataset)."""
    from analysis.models.groups import group_levels

    def compute() -> dict[str, list[str]]:
        out = {}
        for g in p.groupings:
            _, present, empty = group_levels(p.long[g], g)
            out[g] = [*present, *empty]
        return out

    return _results.kept("group-levels", (ds.key,), compute)


def crossed_key(ds: Dataset, s: dict) -> tuple:
    """What changes the crossed model: the data, measures, groupings, model, lags, waves and cells left out."""
    return (ds.key, s["x"], s["y"], tuple(s["groupings"]), s["model"], s["lags"],
            tuple(s["waves"]) if s.get("waves") else None, tuple(s.get("exclude") or ()))


def crossed(ds: Dataset, s: dict):
    """``compare_crossed`` for settings ``s``, kept in the server's store, with a progress bar.

    The bar follows the library's progress: first the model in every cell, then the tests' restricted
    models as a step of their own (its clock starts again, so the time left is estimated from tests only;
    the model in every cell takes longer than a test).
    """
    from analysis.models.crossed import compare_crossed

    key = crossed_key(ds, s)
    _, x, y, groupings, model, lags, waves, exclude = key
    p = _shared.panel(ds)
    crossing = " × ".join(_shared.grouping_name(p, g) for g in groupings)

    def compute():
        with _progress.bar(f"Fitting the model in every cell of {crossing}") as bar:
            def show(done: int, total: int, step: str) -> None:
                if done == 0:
                    bar(0, total, f"Fitting the model in every cell of {crossing} (then {total - 1} tests)")
                else:  # the tests, counted on their own
                    bar(done - 1, total - 1, f"Fitting the {total - 1} tests' models")

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the results keep their warnings; the page shows them
                return compare_crossed(p, x=x, y=y, groupings=groupings, model=model, lags=lags, waves=waves,
                                       exclude_groups=exclude, progress=show)

    return _results.kept("crossed", key, compute)


def _form(ds: Dataset, p: Panel, *, x0: str, y0: str, model0: str, lags0: str, waves: Sequence[str]) -> dict | None:
    """The choices; returns the settings of the last comparison asked for (None before the first)."""
    prev = _shared.recall("groups-crossed", ds) or {}
    name, constructs, levels = _shared.short_name, p.constructs, levels_of(ds, p)
    default = prev.get("groupings") or [g for g in ("life_stage", "stigma_group") if g in p.groupings] \
        or list(p.groupings[:2])
    x0, y0 = prev.get("x", x0), prev.get("y", y0)
    with st.form("crossed_form"):
        chosen = st.multiselect("Cross these groupings (two or three)", list(p.groupings), default=default,
                                max_selections=3, key="grc_groupings",
                                format_func=lambda g: _shared.grouping_name(p, g),
                                help=f"{tip('Life stage')}\n\n{tip('Stigma group')}")
        c1, c2 = st.columns(2)
        x = c1.selectbox("First measure (x)", constructs, index=constructs.index(x0), format_func=name, key="grc_x")
        y = c2.selectbox("Second measure (y)", constructs, index=constructs.index(y0), format_func=name, key="grc_y")
        c3, c4 = st.columns(2)
        model = c3.radio("Model", list(MODELS), format_func=MODELS.get, key="grc_model",
                         index=list(MODELS).index(prev.get("model", model0)))
        lags = c4.radio("Effects over time", ["invariant", "free"], key="grc_lags",
                        index=["invariant", "free"].index(prev.get("lags", lags0)),
                        format_func={"invariant": "the same at every interval",
                                     "free": "separate for each interval"}.get)
        options = [f"{g}{SEP}{lv}" for g in p.groupings for lv in levels[g]]
        leave = st.multiselect(
            "Leave out these groups (optional)", options, key="grc_exclude",
            default=[o for o in prev.get("leave", []) if o in options],
            format_func=lambda o: f"{_shared.grouping_name(p, o.split(SEP)[0])}: {o.split(SEP)[1]}",
            help="Cells with too few people are refused, never dropped silently: leave out a whole group here "
                 "(every cell of it, so all the tests can still be made) and compare again.")
        submitted = st.form_submit_button("Compare crossed groups", type="primary")
    if submitted:
        if not 2 <= len(chosen) <= 3:
            st.warning("Choose two or three groupings to cross.")
            st.stop()
        exclude = [o.split(SEP)[1] for o in leave if o.split(SEP)[0] in chosen]
        _shared.remember("groups-crossed", ds, {"x": x, "y": y, "groupings": list(chosen), "model": model,
                                                "lags": lags, "waves": list(waves), "leave": list(leave),
                                                "exclude": exclude})
    return _shared.recall("groups-crossed", ds)


def show(ds: Dataset, p: Panel, *, x0: str, y0: str, model0: str = "riclpm", lags0: str = "invariant",
         waves: Sequence[str] = ()) -> None:
    """The crossed view: choices, then the answer in words, the small multiples, the tests and the cells."""
    from analysis.reporting.crossed_plot import crossed_forest_plot
    from analysis.reporting.crossed_report import crossed_caption, note_lines, safe_cells, test_rows

    s = _form(ds, p, x0=x0, y0=y0, model0=model0, lags0=lags0, waves=waves)
    if s is None:
        st.info("Choose two or three groupings to cross and press **Compare crossed groups**. The model is "
                "fitted in every cell at once (e.g. 9 cells for 3 life stages × 3 stigma groups), with about ten "
                "tests; it takes a minute or so.")
        st.stop()
    key = crossed_key(ds, s)
    plain_group = {g: _shared.grouping_name(p, g) for g in p.groupings}
    res = None
    with _shared.friendly("comparing the crossed groups", stop=False):
        try:
            res = _results.cached("crossed", key)
            if res is None:  # the elapsed time, and a progress bar following the fits
                crossing = " × ".join(plain_group[g] for g in s["groupings"])
                with st.spinner(f"Fitting the model in every cell of {crossing} and its tests…", show_time=True):
                    res = crossed(ds, s)
        except WorkbenchError as exc:  # a refused cell, named in plain words
            st.error(_shared.plain(_shared.tidy(str(exc)), p).replace(" (exclude_groups, --exclude-groups)", ""))
    if res is None:
        st.info("Cells are never merged or dropped without you: leave out a group under **Leave out these groups** "
                "and compare again, or cross other groupings.")
        st.stop()

    # -- the answer first ------------------------------------------------------------------------------------------
    X, Y = _shared.short_name(res.x), _shared.short_name(res.y)
    head = res.headline()
    _shared.headline(head, p)
    block = res.to_dict()
    st.subheader("In detail")
    st.info(_shared.plain(plain_numbers(res.interpretation()), p))

    # -- the small multiples -----------------------------------------------------------------------------------------
    st.header("Effects in each cell")
    value = st.radio("Scale", ["std_all", "est"], horizontal=True, key="grc_value", help=tip("Standardized"),
                     format_func={"std_all": "standardized (comparable across measures)",
                                  "est": "in the measures' own points"}.get)
    safe, _ = safe_cells(res.to_frame(), res.not_grouped, threshold=_shared.THRESHOLD)
    tag = f"{res.x}_{res.y}_{'_'.join(res.groupings)}"
    _results.show_figure(("crossed forest plot", key, value),
                         lambda: crossed_forest_plot(safe, x=res.x, y=res.y, groupings=res.groupings, value=value,
                                                     threshold=_shared.THRESHOLD),
                         alt=_shared.plain(crossed_caption(res.x, res.y, res.groupings, threshold=_shared.THRESHOLD,
                                                           message=head.text), p),
                         name=f"crossed_forest_{tag}")
    st.caption(f"One panel per {plain_group[res.groupings[0]]} group. Each dot is a cell's cross-lagged effect and "
               "each line its 95% confidence interval. Compare the pattern across panels: if the differences "
               "within each panel look alike, the groupings do not combine (no interaction). The tests below "
               f"compare them directly. Cells with fewer than {_shared.THRESHOLD} people are not drawn.")

    # -- the tests ---------------------------------------------------------------------------------------------------
    st.header("Do the cells differ?")
    rows = pd.DataFrame(test_rows(block))
    st.dataframe(rows.rename(columns={"test": "Test (likelihood ratio)", "df": "df",
                                      "xy_chisq": f"{X} → later {Y}: chi-square",
                                      "xy_p": f"{X} → later {Y}: p (Holm)",
                                      "yx_chisq": f"{Y} → later {X}: chi-square",
                                      "yx_p": f"{Y} → later {X}: p (Holm)"}),
                 hide_index=True, width="stretch")
    st.caption("Each test compares the model with the cells' effects held to a rule (all equal; no difference "
               "between the groups of one grouping, averaged over the other; the same differences in every group "
               "of the other: no interaction) against the model with every cell's own effects. "
               + _shared.plain(block["multiple_testing"].replace("(pvalue_holm) ", ""), p))
    notes, others = note_lines({"x": res.x, "y": res.y, **block})
    for n in notes:  # cells left out, with nobody, or small: each named
        st.warning(_shared.plain(plain_numbers(scrub_text(n, _shared.THRESHOLD)), p))

    # -- the cells ---------------------------------------------------------------------------------------------------
    st.subheader("Estimates by cell")
    shown = safe.assign(path=[f"{_shared.short_name(a)} → later {_shared.short_name(b)}"
                              for a, b in zip(safe["from"], safe["to"])])
    columns = {**{g: plain_group.get(g, g) for g in res.groupings}, **_shared.ESTIMATE_COLUMNS}
    shown = shown[[*columns, *(["suppressed"] if safe["suppressed"].any() else [])]].rename(columns=columns)
    _shared.show_estimates(shown, label="Download the cells' estimates at full precision (CSV)",
                           file_name=f"crossed_{tag}.csv", key="grc_table_csv")
    st.caption("**People**: persons in the cell (at their first wave analysed). **Estimate**: the cell's cross-lagged "
               "effect in the measures' own points; **Standardized**: in standard deviations "
               f"(about {effect_size_scale()}). Cells with fewer than {_shared.THRESHOLD} people would be blanked, "
               "and a cell's size is hidden when it would give away the people without a cell.")
    _shared.notes_expander([_shared.plain(plain_numbers(scrub_text(w, _shared.THRESHOLD)), p) for w in others])
    st.caption(_shared.COMPARE_CAUTION)
