"""The self-contained HTML report of a run: plain language first, then the details.

Figures are embedded (PNG as base64), so the file can be e-mailed or archived
alone.  Every table shown has already passed disclosure control.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from analysis.data.attrition import WEIGHTED_RETENTION_NOTE
from analysis.interpret import (EFFECT_SIZE_SOURCE, effect_size_meaning, effect_size_scale, fit_words, p_text,
                                plain_numbers, readable)
from analysis.naming import column_label, name_of, points_of, value_words
from analysis.outputs import write_text_atomic
from analysis.models.survey_design import design_sentence
from analysis.reporting.between import (analysed_sentence, between_html, between_words, fit_flags,
                                        fit_flags_html)
from analysis.reporting.headline import Headline, causal_headline, run_headline
from analysis.reporting.methods import methods_html
from analysis.reporting.moderation_report import main_points as moderation_points
from analysis.reporting.tables import cell
from analysis.reporting.pooling import pooling_html

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{color:#1f4e79}h2{border-bottom:2px solid #1f4e79;padding-bottom:.2em;margin-top:2em;color:#1f4e79}
table{border-collapse:collapse;margin:.8em 0;font-size:.86em}th,td{border:1px solid #ccd;padding:.25em .5em;text-align:right}
th{background:#eef3f8}td:first-child,th:first-child{text-align:left}.note{color:#555;font-size:.9em}
.summary{background:#f4f8fb;border-left:4px solid #1f4e79;padding:.8em 1em}.warn{background:#fff6e5;border-left:4px solid #e0a000;
padding:.5em 1em}figure{margin:1em 0}figcaption{color:#555;font-size:.9em}img{max-width:100%;height:auto}
#headline{font-size:1.25em;line-height:1.4;font-weight:500;margin:.6em 0}.table{overflow-x:auto;max-width:100%}
figure{overflow-x:auto;max-width:100%}code{overflow-wrap:anywhere}
@media (max-width:600px){body{margin:1em auto}table{font-size:.78em}h1{font-size:1.4em}
figure img{max-width:none;width:640px}}
"""


def _fmt(v: Any, column: str = "", *, x: str | None = None, y: str | None = None) -> str:
    """One cell for people (:func:`analysis.reporting.tables.cell`), escaped for HTML."""
    return html.escape(cell(v, column, x=x, y=y))


def _comparison_rows(rows: list[dict]) -> list[dict]:
    """Model comparison rows with a ``status``: usable, or why not (not converged, negative df)."""
    out = []
    for r in rows:
        flags = fit_flags({"df": r.get("df")}, converged=bool(r.get("converged")))
        out.append({**r, "status": "; ".join(flags) if flags else "usable"})
    return out


def _audit(warnings: list[dict]) -> str:
    """The spec audit's warnings (the files' labels against the spec), or nothing when there are none."""
    if not warnings:
        return ""
    items = "".join(f"<li>{html.escape(w['message'])}</li>" for w in warnings)
    return (f"<h3>Checks of the data spec against the files' own labels</h3><p class='warn'>{len(warnings)} "
            f"warning(s): read them before trusting the scores.</p><ul>{items}</ul>")


def table_html(rows: list[dict], columns: list[str] | None = None, *, labels: dict[str, str] | None = None,
               x: str | None = None, y: str | None = None, csv: str | None = None) -> str:
    """An HTML table of ``rows`` (dicts) for people: readable numbers, plain headings, — for missing values.

    Parameters
    ----------
    rows : list of dict
        One dict per row; JSON-safe values (see :func:`analysis.outputs.json_safe`).
    columns : list of str, optional
        Columns to show, in order (default: the keys of the first row).
    labels : dict, optional
        Column headings to use instead of :func:`analysis.naming.column_label`.
    x, y : str, optional
        The two measures, to write ``x_to_y`` as "loneliness → later GHQ-12 distress".
    csv : str, optional
        The run's full-precision table (``tables/<name>.csv``), named under the table.

    Returns
    -------
    str
        The table, or a short note when there are no rows.
    """
    if not rows:
        return "<p class='note'>(nothing to show)</p>"
    cols = columns or list(rows[0].keys())
    labels = labels or {}
    head = "".join(f"<th>{html.escape(labels.get(c, column_label(c)))}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(r.get(c), c, x=x, y=y)}</td>" for c in cols) + "</tr>"
                   for r in rows)
    note = (f"<p class='note'>Full precision, for analysts: <code>{html.escape(csv)}</code>.</p>" if csv else "")
    return f"<div class='table'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{note}"


def figure_html(folder: Path, figures: dict, name: str) -> str:
    """A saved figure embedded in HTML (PNG as base64, else the SVG itself) with its caption.

    Parameters
    ----------
    folder : Path
        The run folder the figure paths are relative to.
    figures : dict
        Figure name -> ``{"caption": ..., "png": path, "svg": path}``, as a run records them.
    name : str
        The figure to embed; an unknown name gives an empty string.

    Returns
    -------
    str
    """
    info = figures.get(name)
    if not info:
        return ""
    if "png" in info:
        data = base64.b64encode((folder / info["png"]).read_bytes()).decode()
        img = f"<img alt='{html.escape(info['caption'])}' src='data:image/png;base64,{data}'>"
    else:
        img = (folder / info["svg"]).read_text()
    return f"<figure id='fig-{html.escape(name)}'>{img}<figcaption>{html.escape(info['caption'])}</figcaption></figure>"


def report_headline(results: dict) -> Headline | None:
    """The headline of a run (:func:`analysis.reporting.headline.run_headline`): its first cross-lagged model
    with the single and crossed group comparisons of the same measures; else its first group comparison;
    else its first crossed comparison alone (a run with only crossed groupings); None without any."""
    return run_headline(results)


def _main_points(results: dict, *, weight_rule: str | None = None) -> str:
    """The main points after the headline, each one sentence or two (ONS bulletin style)."""
    items = []
    for cl in results.get("crosslag", []):
        x, y, c = name_of(cl["x"]), name_of(cl["y"]), cl["crosslag"]
        items.append(effect_size_meaning(c["x_to_y"]["std"], source=x, target=y))
        words = fit_words(cl["fit"])
        if words:
            items.append(words.split(" With thousands")[0])
        items += [between_words(cl)] if between_words(cl) else []
        items.append(analysed_sentence(cl, persons=results["data"]["persons"], weight_rule=weight_rule))
        items.append(design_sentence(cl.get("design")))
    for m in results.get("moderation", []):  # fixed effects, inside the RI-CLPM, or both (issue 20)
        items += moderation_points(m)
    for c in results.get("causal", []):
        items.append("Causal analysis: " + causal_headline(c).text)
    if not items:
        return "<p>No models were requested in this run.</p>"
    return "<ul>" + "".join(f"<li>{html.escape(plain_numbers(i))}</li>" for i in items if i) + "</ul>"


def _estimate_note(cl: dict) -> str:
    """What the estimates and the standardized values mean, with each scale's range."""
    x, y = name_of(cl["x"]), name_of(cl["y"])
    within = cl["model"] in ("riclpm", "dpm")
    compared = "compared with the person's own usual level" if within else "compared with other people"
    return (f"Estimate: how many points higher the later score is when the earlier score is one point higher, "
            f"{compared}; {x} is measured in {points_of(cl['x'])} and {y} in {points_of(cl['y'])}. "
            "Standardized: the same in standard deviations, comparable across measures (for cross-lagged "
            f"effects about {effect_size_scale(leading_zero=False)}; {EFFECT_SIZE_SOURCE}). "
            f"{analysed_sentence(cl)}")


def _crossed_on_top(results: dict) -> bool:
    """A run whose comparisons are all of crossed groupings shows the first one's figure at the top."""
    return not results.get("groups") and bool(results.get("crossed_groups"))


def _key_figure(folder: Path, figures: dict, results: dict) -> str:
    """The figure that shows the answer: the forest plot by group, else the first crossed groupings'
    small multiples, else the path diagram."""
    for g in results.get("groups", []):
        return figure_html(folder, figures, g["figure"])
    if _crossed_on_top(results):
        return figure_html(folder, figures, results["crossed_groups"][0]["figure"])
    for cl in results.get("crosslag", []):
        return figure_html(folder, figures, cl["figure"])
    return ""


def build_report(folder: Path, *, cfg, results: dict, figures: dict, blocks: dict | None = None) -> str:
    """The report as an HTML string: the headline first, then the key figure, the main points and the details."""
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             "<meta name='viewport' content='width=device-width, initial-scale=1'>"
             f"<title>{html.escape(cfg.title)}</title><style>{CSS}</style></head><body>",
             f"<h1>{html.escape(cfg.title)}</h1>"]
    head = report_headline(results)
    if head is not None:
        parts.append(f"<p id='headline'>{html.escape(head.text)}</p>")
        parts.append("<ul id='headline-caveats' class='note'>"
                     + "".join(f"<li>{html.escape(c)}</li>" for c in head.caveats) + "</ul>")
    if cfg.data.synthetic is not None:
        parts.append("<p class='warn'>These results come from a <strong>synthetic</strong> cohort generated by the "
                     "workbench. They show how the analysis works; they say nothing about real people.</p>")
    parts.append(_key_figure(folder, figures, results))
    if cfg.description:
        parts.append(f"<p class='note'>{html.escape(cfg.description)}</p>")
    parts.append("<section id='summary'><h2>Main points</h2><div class='summary'>"
                 + _main_points(results, weight_rule=cfg.survey.weight_rule if cfg.survey.weighted else None) + "</div></section>")
    data = results["data"]
    used = _constructs_used(results) or data["constructs"][:2]
    parts.append("<section id='data'><h2>The data</h2>"
                 f"<p>{_count(data['persons'], results)} persons with {_count(data['person_waves'], results)} "
                 "interviews over waves "
                 f"{', '.join(data['waves'])}.</p><h3>Respondents and mean scores (SD) by wave and life stage</h3>"
                 + _descriptives(data["descriptives"], used)
                 + ("<p class='note'>Unweighted and weighted (each interview's survey weight; zero or missing "
                    "weights not used) means and SDs side by side.</p>" if data.get("weighted_descriptives") else "")
                 + _audit(data.get("audit") or [])
                 + "<p class='note'>Every construct, with the number who answered, is in "
                   "<code>tables/descriptives.csv</code>. — marks a cell suppressed because fewer than "
                   f"{results['disclosure']['threshold']} persons are in it.</p></section>")
    parts.append("<section id='attrition'><h2>Who stayed in the study (attrition)</h2>"
                 + _attrition(data["attrition"]) + "<p class='note'>People who leave a panel often differ from those "
                 "who stay; the models use everyone's available waves (full-information maximum likelihood), "
                 "which is unbiased if leaving depends on what was observed before.</p></section>")
    for cl in results.get("crosslag", []):
        x, y = name_of(cl["x"]), name_of(cl["y"])
        c = cl["crosslag"]
        keys = ("est", "se", "ci_lower", "ci_upper", "pvalue", "std")
        rows = [{"path": "x_to_y", **{k: c["x_to_y"][k] for k in keys}},
                {"path": "y_to_x", **{k: c["y_to_x"][k] for k in keys}}]
        within = cl["model"] in ("riclpm", "dpm")
        compared = "compared with the person's own usual level" if within else "compared with other people"
        tag = f"{cl['model']}_{cl['x']}_{cl['y']}"
        parts.append(f"<section id='crosslag'><h2>Which way? {html.escape(x)} and {html.escape(y)}</h2>"
                     + f"<p>{html.escape(plain_numbers(cl['interpretation']))}</p>"
                     + (figure_html(folder, figures, cl["figure"]) if results.get("groups") else "")
                     + "<h3>Cross-lagged effects</h3>"
                     + table_html(rows, x=cl["x"], y=cl["y"], csv=f"tables/crosslag_{tag}.csv")
                     + f"<p class='note'>{html.escape(_estimate_note(cl))}</p>"
                     + between_html(cl))
        tests = []
        if c.get("direction_test"):
            tests.append({"test": "the two directions are equally strong (standardized)", **c["direction_test"]})
        if c.get("time_invariance_test"):
            tests.append({"test": "the effects are the same at every interval (LRT)", **c["time_invariance_test"]})
        parts.append(table_html(tests, [k for k in ("test", "chisq", "df", "pvalue") if tests and k in tests[0]]))
        f = cl["fit"]
        parts.append("<h3>How well the model fits</h3>" + table_html([{k: f.get(k) for k in (
            "chisq", "df", "pvalue", "chisq_scaled", "pvalue_scaled", "cfi", "tli", "rmsea", "rmsea_ci_lower",
            "rmsea_ci_upper", "cfi_robust", "rmsea_robust", "srmr", "aic", "bic") if k in f}])
            + fit_flags_html(cl)
            + f"<p class='note'>{html.escape(fit_words(f))}</p>")
        if cl.get("comparison"):
            parts.append("<h3 id='comparison'>Model comparison: CLPM, RI-CLPM and DPM</h3>"
                         + table_html(_comparison_rows(cl["comparison"]), ["model", "lags", "status", "npar",
                                                                           "chisq", "df", "cfi", "rmsea", "aic",
                                                                           "bic", "note"],
                                      csv=f"tables/model_comparison_{tag}.csv")
                         + "<p class='note'>Lower AIC/BIC is better. The CLPM does not separate stable differences "
                           "between people from changes within people.</p>")
        if cl.get("sensitivity"):
            parts.append("<h3 id='sensitivity'>Sensitivity analyses</h3>"
                         + table_html(cl["sensitivity"], ["method", "from", "to", "est", "se", "ci_lower",
                                                          "ci_upper", "pvalue", "n_obs", "note"],
                                      csv=f"tables/sensitivity_{tag}.csv"))
        parts.append("</section>")
    for g in results.get("groups", []):
        parts.append(f"<section id='groups'><h2>Who is most affected? Life stages and stigma</h2>"
                     + "<p class='note'>The figure at the top of the report shows these estimates.</p>"
                     + table_html(g["table"], ["grouping", "group", "n", "path", "est", "ci_lower", "ci_upper",
                                               "std_all", "suppressed"], x=g["x"], y=g["y"],
                                  csv=f"tables/groups_{g['x']}_{g['y']}.csv")
                     + "<h3>Tests of equal effects across groups</h3>"
                     + table_html(g["tests"], x=g["x"], y=g["y"], labels={"pvalue_holm": "p (Holm, over groupings)"})
                     + "".join(f"<p>{html.escape(plain_numbers(t))}</p>" for t in g["interpretations"].values())
                     + "".join(f"<p class='warn'>{html.escape(k)}: {html.escape(v)}</p>" for k, v in g["failures"].items())
                     + "</section>")
    if results.get("crossed_groups"):  # issue 20: the cells of crossed groupings
        from analysis.reporting.crossed_report import crossed_html

        parts.append("<section id='crossed'><h2>Who is most affected? Groupings crossed</h2>"
                     + "".join(crossed_html(folder, figures, c, figure_on_top=k == 0 and _crossed_on_top(results))
                               for k, c in enumerate(results["crossed_groups"])) + "</section>")
    if results.get("moderation"):  # fixed effects and/or inside the RI-CLPM (issue 20)
        from analysis.reporting.moderation_report import moderation_html

        parts += [moderation_html(m) for m in results["moderation"]]
    for inv in results.get("invariance", []):
        across = f"across {html.escape(name_of(inv['group']))} groups" if inv.get("group") else "over waves"
        parts.append(f"<section id='invariance'><h2>Do the items measure {html.escape(name_of(inv['x']))} and "
                     f"{html.escape(name_of(inv['y']))} the same way {across}?</h2>"
                     + table_html(inv["table"], ["level", "npar", "chisq", "df", "cfi", "rmsea", "chisq_diff",
                                                 "df_diff", "pvalue"],
                                  labels={"chisq_diff": "χ² difference", "df_diff": "df difference", "pvalue": "p"})
                     + f"<p>{html.escape(inv['interpretation'])}</p><p class='note'>Configural: the same items "
                       "load on each factor; metric: equal loadings; scalar: also equal item intercepts. Each "
                       "level is tested against the one before (likelihood-ratio test).</p></section>")
    for c in results.get("causal", []):
        parts.append(f"<section id='causal'><h2>If {html.escape(name_of(c['exposure']))} were reduced… (causal analysis)</h2>"
                     + (blocks or {}).get(c.get("report_block", ""), "") + "</section>")
    parts.append(pooling_html(folder, figures, results))
    parts.append("<section id='methods'><h2>Methods</h2>" + methods_html(cfg, results) + "</section>")
    disc = results["disclosure"]
    parts.append(f"<section id='disclosure'><h2>Disclosure control</h2><p>Cells and groups with fewer than "
                 f"{disc['threshold']} persons are suppressed in every table and export "
                 f"({disc['suppressed_cells']} cells suppressed in this run; marked — and 'suppressed').</p></section>")
    parts.append("<section id='reproducibility'><h2>Reproducing this report</h2><p>This folder's "
                 "<code>manifest.json</code> records the config, the data spec, checksums of every input file, "
                 "package versions and the code version. Run <code>python -m analysis verify THIS_FOLDER</code> "
                 "to rerun it and compare the numbers.</p></section></body></html>")
    return "\n".join(parts)


def _count(value: int | None, results: dict) -> str:
    """A count for the text; a suppressed one (null) as "fewer than <threshold>"."""
    return f"{value:,}" if value is not None else f"fewer than {results['disclosure']['threshold']}"


def _constructs_used(results: dict) -> list[str]:
    names: list[str] = []
    for key, fields in (("crosslag", ("x", "y")), ("groups", ("x", "y")), ("crossed_groups", ("x", "y")),
                         ("moderation", ("x", "y", "moderator"))):
        for item in results.get(key, []):
            names += [item[f] for f in fields if f in item]
    return list(dict.fromkeys(names))


def _descriptives(records: list[dict], constructs: list[str]) -> str:
    """Compact table: one row per wave (and life stage), mean (SD) of the constructs analysed.

    With weighted figures (a panel with survey weights) each construct has an unweighted
    and a weighted column side by side.
    """
    keys = [k for k in ("wave", "life_stage") if records and k in records[0]]
    weighted = bool(records) and "weighted_mean" in records[0]

    def cell(mean, sd) -> str:
        return "—" if mean is None else f"{mean:.2f} ({sd:.2f})" if sd is not None else f"{mean:.2f}"

    rows: dict[tuple, dict] = {}
    for r in records:
        if r["construct"] not in constructs:
            continue
        key = tuple(r[k] for k in keys)
        row = rows.setdefault(key, {**{k: r[k] for k in keys}, "respondents": r["respondents"]})
        row[r["construct"]] = cell(r.get("mean"), r.get("sd"))
        if weighted:
            row[f"{r['construct']} (weighted)"] = cell(r.get("weighted_mean"), r.get("weighted_sd"))
    columns = [c for c in constructs for c in ((c, f"{c} (weighted)") if weighted else (c,))]
    out = list(rows.values())
    for row in out:
        for c in columns:
            row.setdefault(c, "—")
    labels = {"life_stage": "life stage", **{c: name_of(c) for c in constructs},
              **{f"{c} (weighted)": f"{name_of(c)} (weighted)" for c in constructs}}
    return table_html(out, [*keys, "respondents", *columns], labels=labels)


#: Headings of the weighted attrition columns (the JSON keys stay as they are).
ATTRITION_LABELS = {"from_first_wave": "from first wave", "retention_pct": "% of first wave",
                    "weighted_retention_pct": "% of first wave (weighted)",
                    "n_weighted": "with first-wave weight", "zero_weight": "zero weight",
                    "missing_weight": "missing weight"}


def _attrition(records: list[dict]) -> str:
    """The attrition table; with weights, weighted retention beside the unweighted, and what it means."""
    if not (records and "weighted_retention_pct" in records[0]):
        return table_html(records)
    rows = [{k: f"{v:.1f}" if k.endswith("_pct") and isinstance(v, float) else v for k, v in r.items()}
            for r in records]
    return (table_html(rows, labels=ATTRITION_LABELS)
            + f"<p class='note'>{html.escape(WEIGHTED_RETENTION_NOTE)}</p>")


def write_report(folder: Path, *, cfg, results: dict, figures: dict, blocks: dict | None = None) -> Path:
    return write_text_atomic(folder / "report.html",
                             build_report(folder, cfg=cfg, results=results, figures=figures, blocks=blocks))
