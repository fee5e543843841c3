"""The causal section of a run: DoWhy estimates, refutations and the graph, for results and report."""

from __future__ import annotations

import html
import warnings
from typing import Any

from analysis.interpret import plain_numbers
from analysis.naming import name_of
from analysis.outputs import json_safe
from analysis.runs.config import CausalItem
from analysis.runs.disclosure import suppress_listed


VERDICTS = {"pass": "passed", "fail": "failed", "caution": "caution, not a pass"}


def _table_html(frame) -> str:
    from analysis.reporting.html import table_html

    return table_html(json_safe(frame.to_dict("records")))


def protect_sample(sample: dict, *, threshold: int) -> tuple[dict, int]:
    """The sample report with small counts suppressed, and enough others that none can be recovered.

    The person-waves considered are those used plus those not used for each reason, and the
    rows used add up over the wave pairs: a small count blanked alone would be their difference.
    Returns the protected copy and the number of counts blanked.
    """
    out = dict(sample)
    reasons = [dict(r) for r in out.get("not_used") or []]
    pairs = [dict(p) for p in out.get("wave_pairs") or []]
    hidden = suppress_listed([int(r.get("count") or 0) for r in reasons], threshold=threshold,
                             total_shown=out.get("person_waves_considered") is not None)
    words = str(out.get("words", ""))
    for i in sorted(hidden):
        words = words.replace(f"{reasons[i]['reason']} ({int(reasons[i]['count']):,})",
                              f"{reasons[i]['reason']} (suppressed)")
        reasons[i]["count"] = None
    hidden_pairs = suppress_listed([int(p.get("rows") or 0) for p in pairs], threshold=threshold,
                                   total_shown=out.get("person_waves_used") is not None)
    for i in hidden_pairs:
        pairs[i]["rows"] = None
    out.update(not_used=reasons, wave_pairs=pairs, words=words)
    return out, len(hidden) + len(hidden_pairs)


def run_causal(ctx: Any, item: CausalItem) -> dict:
    from analysis.causal import fit_causal
    from analysis.models.survey_design import design_sentence
    from analysis.runs.sections import survey_options

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_causal(ctx.panel, exposure=item.exposure, outcome=item.outcome, mediator=item.mediator,
                         mediator_role=item.stigma_role, direction=item.direction, n_boot=item.bootstrap,
                         n_simulations=item.simulations,
                         seed=ctx.cfg.seed, **survey_options(ctx))
    tag = f"{item.exposure}_{item.outcome}"
    effects = ctx.table(f"causal_effects_{tag}", res.to_frame())
    refutations = ctx.table(f"causal_refutations_{tag}", res.refutation_table())
    ctx.figure(f"causal_graph_{tag}", res.draw_graph(),
               caption=f"Causal graph: what is assumed to cause what ({name_of(item.exposure)} and "
                       f"{name_of(item.outcome)}); the arrows are assumptions, the numbers on them estimates.")
    out = res.to_dict()
    out["sample"], cells = protect_sample(out.get("sample") or {}, threshold=ctx.threshold)
    ctx.suppressed_cells += cells
    parts = [f"<p>{html.escape(res.interpretation())}</p>",
             f"<p class='note'>{html.escape(design_sentence(dict(res.survey)))}</p>",
             f"<p><strong>Estimand:</strong> {html.escape(str(out.get('estimand', '')))}</p>",
             "<h3>Estimates</h3>", _table_html(effects),
             "<h3>Checks of the estimate (refutations)</h3>", _table_html(refutations),
             "<p class='note'>A check passes only when its result supports the estimate: placebo exposures give "
             "about zero, noise confounders and subsets barely move it, and neither a weak unmeasured confounder "
             "nor one as strong as the strongest measured confounder would remove or reverse it (else "
             "<em>caution</em>).</p>",
             "<ul>" + "".join(f"<li><strong>{html.escape(r['title'])}</strong> ({html.escape(VERDICTS[r['verdict']])}): "
                              f"{html.escape(plain_numbers(r['words']))}</li>" for r in out.get("refutations", []))
             + "</ul>",
             "<h3>Assumptions</h3><ul>" + "".join(f"<li>{html.escape(str(a))}</li>" for a in out.get("assumptions", []))
             + "</ul>"]
    if res.reverse is not None:
        parts.append(f"<h3>The other direction</h3><p>{html.escape(res.reverse.interpretation())}</p>")
    from analysis.reporting.html import figure_html

    graph_html = figure_html(ctx.folder, ctx.figures, f"causal_graph_{tag}")
    # The report block is HTML: kept with the run context, not in results.json.
    ctx.html_blocks[f"causal_{tag}"] = graph_html + "".join(parts)
    out["report_block"] = f"causal_{tag}"
    return out
