"""The report's section on a continuous moderator (fixed effects, inside the RI-CLPM, or both).

Reads one item of a run's ``moderation`` block (:func:`analysis.runs.sections.moderation`),
which has passed disclosure control already.  With the moderation inside the SEM the answer
comes first in plain words, then the table of interactions, the cross-lag at low, medium and
high values, the test across groups, the comparison with fixed effects, and the caveats
(association within persons, not proof of cause; the overstated size).
"""

from __future__ import annotations

import html

from analysis.interpret import plain_numbers
from analysis.naming import name_of

#: Headings of the SEM tables.
LABELS = {"path": "Direction", "group": "Group", "est": "Interaction", "se": "SE", "pvalue": "p",
          "ci_lower": "95% CI lower", "ci_upper": "95% CI upper", "per_sd": "Per SD of the moderator",
          "n": "Persons", "level": "Moderator", "moderator_value": "Value"}

SEM_METHOD = ("The moderator entered the random-intercept cross-lagged panel model itself: the person-mean-centred "
              "lagged score times the centred moderator predicts the within-person component at the next wave, with "
              "one interaction per direction (per group with 'by'), the moderator predicting both random "
              "intercepts, and full-information maximum likelihood (Hamaker et al. 2015; Mulder & Hamaker 2021). "
              "Equality across groups is a Wald test.")


def _esc(text: str) -> str:
    return html.escape(plain_numbers(text))


def fixed_effects_html(m: dict) -> str:
    """The fixed-effects part: the marginal effects, the interpretation, notes and design."""
    from analysis.reporting.html import table_html

    return (table_html(m["marginal_effects"], x=m["x"], y=m["y"]) + f"<p>{_esc(m['interpretation'])}</p>"
            + "".join(f"<p class='warn'>{html.escape(n)}</p>" for n in m.get("notes", []))
            + (f"<p class='note'>How the regressions used the survey design: {html.escape(m['design']['note'])}.</p>"
               if (m.get("design") or {}).get("note") else ""))


def sem_html(m: dict) -> str:
    """The moderation inside the RI-CLPM: answer, tables, comparison, caveats."""
    from analysis.reporting.html import table_html

    s = m["sem"]
    x, y = m["x"], m["y"]
    by = s.get("by")
    group_col = ["group"] if by else []
    parts = [f"<h3>Inside the cross-lagged model (within persons){' by ' + html.escape(name_of(by)) if by else ''}</h3>",
             f"<p class='answer'><strong>{_esc(s['answer'])}</strong></p>",
             table_html(s["interaction"], ["path", *group_col, "n", "est", "ci_lower", "ci_upper", "pvalue", "per_sd"],
                        labels=LABELS, x=x, y=y, csv=s["tables"]["interaction"]),
             f"<p class='note'>Interaction: the change in the within-person cross-lag per unit of "
             f"{html.escape(name_of(m['moderator']))} (mean {s['moderator_mean']:.2f}, SD {s['moderator_sd']:.2f}).</p>",
             "<h4>The cross-lag at low, medium and high values</h4>",
             table_html(s["simple_slopes"], ["path", *group_col, "level", "moderator_value", "est", "ci_lower",
                                             "ci_upper", "pvalue"], labels={**LABELS, "est": "Cross-lag"},
                        x=x, y=y, csv=s["tables"]["simple_slopes"])]
    if s.get("equality"):
        parts += [f"<h4>Is the interaction the same in every {html.escape(name_of(by))} group?</h4>",
                  table_html(s["equality"], ["path", "chisq", "df", "pvalue"],
                             labels={**LABELS, "chisq": "Wald χ²", "df": "df"}, x=x, y=y)]
    cmp = s["comparison_with_fixed_effects"]
    parts += ["<h4>Compared with the fixed-effects regressions</h4>",
              table_html(cmp["table"], ["path", "sem_est", "sem_se", "fe_est", "fe_se", "agree"],
                         labels={"path": "Direction", "sem_est": "RI-CLPM", "sem_se": "SE", "fe_est": "Fixed effects",
                                 "fe_se": "SE ", "agree": "Agree"}, x=x, y=y, csv=s["tables"]["comparison"]),
              f"<p>{_esc(cmp['sentence'])}</p>",
              f"<p>{_esc(s['interpretation'])}</p>" if s["interpretation"] != s["answer"] else "",
              f"<p class='warn'>{html.escape(s['caveat'])}</p>",
              *[f"<p class='warn'>{html.escape(n)}</p>" for n in s.get("notes", [])],
              f"<p class='note'>Survey design: {html.escape(s['design_sentence'])}</p>",
              f"<p class='note'>{html.escape(SEM_METHOD)}</p>"]
    return "".join(parts)


def main_points(m: dict) -> list[str]:
    """The report's main points for one moderation item, each a sentence or two, in the section's order.

    A fixed-effects item gives its interpretation; with ``method: sem`` the item's
    interpretation is the SEM's answer already; with ``method: both`` the SEM's answer comes
    first, then the fixed-effects sentence, each saying which model it is from.
    """
    if m.get("method", "fixed-effects") != "both":
        return [m["interpretation"]]
    return [f"Inside the cross-lagged model (within persons): {m['sem']['answer']}",
            f"In the fixed-effects regressions: {m['interpretation']}"]


def moderation_html(m: dict) -> str:
    """The whole section for one moderation item; a fixed-effects item is as before the SEM existed."""
    head = f"<section id='moderation'><h2>Stigma as a moderator: {html.escape(name_of(m['moderator']))}</h2>"
    method = m.get("method", "fixed-effects")
    if method == "fixed-effects":
        return head + fixed_effects_html(m) + "</section>"
    if method == "sem":
        return head + sem_html(m) + "</section>"
    return (head + sem_html(m) + "<h3>Fixed-effects regressions</h3>" + fixed_effects_html(m) + "</section>")
