"""The report's "Across studies" section: cross-lags of several studies on one time scale, pooled.

Answer first (the sentence), then the forest plot, the studies' effects before and
after conversion, the pooled table with heterogeneity, and how it was done with the
references (Kuiper & Ryan 2018; Voelkle et al. 2012; Viechtbauer 2010).
"""

from __future__ import annotations

import html
from pathlib import Path

from analysis.naming import name_of

POOLED_LABELS = {"est": "pooled estimate", "ci_lower": "95% CI from", "ci_upper": "95% CI to",
                 "tau2": "between-study variance (tau²)", "i2": "I² (%)", "q_pvalue": "p (studies differ)",
                 "pi_lower": "95% prediction from", "pi_upper": "95% prediction to"}


def pooling_html(folder: Path, figures: dict, results: dict) -> str:
    """The "Across studies" section of a run's report (empty when the run pooled nothing)."""
    from analysis.reporting.html import figure_html, table_html

    blocks = results.get("pooling") or []
    if not blocks:
        return ""
    parts = ["<section id='pooling'><h2>Across studies</h2>"]
    for p in blocks:
        x, y = name_of(p["x"]), name_of(p["y"])
        years = p["interval_years"]
        parts.append(f"<h3>{html.escape(x)} and {html.escape(y)}, on a {years:g}-year interval</h3>"
                     f"<p class='summary'>{html.escape(p['sentence'])}</p>"
                     + figure_html(folder, figures, p["figure"]))
        paths = {"x_to_y": f"{x} → {y}", "y_to_x": f"{y} → {x}"}
        studies = [{"study": c["name"], "years between waves": c["interval_years"], "n": c["n"],
                    "effect": paths[path], "as estimated": c[path]["est"],
                    "on the common interval": c["converted"][path]["est"], "its SE": c["converted"][path]["se"]}
                   for c in p["cohorts"] for path in paths]
        parts.append("<h4>Each study's effects, as estimated and on the common interval</h4>" + table_html(studies)
                     + f"<p class='note'>Full precision, for analysts: <code>tables/pooled_{html.escape(p['x'])}_"
                       f"{html.escape(p['y'])}.csv</code>.</p>")
        pooled = [{"effect": paths[path], **{k: p["pooled"][path][k] for k in POOLED_LABELS}} for path in paths]
        parts.append("<h4>Pooled across studies (random effects)</h4>"
                     + table_html(pooled, ["effect", *POOLED_LABELS], labels=POOLED_LABELS))
        naive = p.get("naive") or {}
        if naive:
            parts.append("<p class='note'>Pooled as estimated, without moving them to one interval, the effects "
                         "would be " + "; ".join(
                             f"{html.escape(paths[path])}: {naive[path]['est']:.3g} (p = "
                             f"{naive[path]['q_pvalue']:.2g} for differences)" for path in ("x_to_y", "y_to_x")
                             if path in naive)
                         + ". Effects over different intervals are not comparable: a two-year effect is not a "
                           "one-year effect.</p>")
        parts += [f"<p class='warn'>{html.escape(n)}</p>" for n in p.get("notes", [])]
        parts.append(f"<p class='note'>{html.escape(p['methods'])}</p>")
    refs = blocks[0].get("references", [])
    parts.append("<h4>References</h4><ul class='note'>" + "".join(f"<li>{html.escape(r)}</li>" for r in refs)
                 + "</ul></section>")
    return "".join(parts)
