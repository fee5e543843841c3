"""The "Across studies" section of a run: the run's own cohort and the config's other ``cohorts``, pooled.

For each ``pool`` item every study's cross-lagged model is fitted (lags equal over
waves), its lag matrix moved to the common interval and each effect pooled across the
studies (:func:`analysis.pooling.pool_cohorts`).  Tables and the forest plot are
written like the other sections'; the dict returned goes to ``results.json`` under
``pooling`` and to the report (:mod:`analysis.reporting.pooling`).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from analysis.runs.config import PoolItem, SyntheticSource


def write_synthetic(syn: SyntheticSource, out: Path) -> None:
    """Write the built-in cohort ``syn`` describes into ``out`` (continuous-time or the usual generator)."""
    if syn.continuous:
        from analysis.synth.continuous import write_continuous_cohort

        write_continuous_cohort(cohort=syn.cohort, n=syn.n, waves=syn.waves, seed=syn.seed, fmt=syn.format, out=out)
    else:
        from analysis.synth import write_cohort

        write_cohort(cohort=syn.cohort, n=syn.n, waves=syn.waves, seed=syn.seed, fmt=syn.format, out=out)


def load_studies(ctx: Any) -> tuple[dict[str, Any], list[dict]]:
    """The run's own panel and each of ``cohorts`` loaded: name -> panel, and what was read (for the manifest)."""
    from analysis.data import load_panel, load_spec
    from analysis.runs.manifest import sha256_file
    from analysis.runs.sections import panel_hash

    cfg = ctx.cfg
    own = ctx.panel.spec.cohort if getattr(ctx.panel, "spec", None) is not None else "this study"
    panels: dict[str, Any] = {own: ctx.panel}
    inputs = []
    for cohort in cfg.cohorts:
        spec_path = cfg.resolve(cohort.spec)
        spec = load_spec(spec_path)
        if cohort.synthetic is not None:
            data_dir = ctx.folder / "inputs" / "cohorts" / cohort.name
            write_synthetic(cohort.synthetic, data_dir)
            source = {"synthetic": cohort.synthetic.model_dump()}
        else:
            data_dir = cfg.resolve(cohort.path)
            source = {"path": str(data_dir)}
        panel = load_panel(spec, data=data_dir)
        name = cohort.name if cohort.name not in panels else f"{cohort.name} (2)"
        panels[name] = panel
        inputs.append({"name": cohort.name, "spec": {"path": str(spec_path), "sha256": sha256_file(spec_path)},
                       "data": source, "panel_sha256": panel_hash(panel),
                       "files": [] if cohort.synthetic is not None else
                       [{"path": str(s.path), "sha256": s.sha256} for s in panel.sources]})
    return panels, inputs


def run_pool(ctx: Any, item: PoolItem, panels: dict[str, Any]) -> dict:
    """Fit ``item``'s model in every study, pool the converted cross-lags; write the table and forest plot."""
    from analysis.models.crosslag import fit_crosslag
    from analysis.pooling import pool_cohorts
    from analysis.pooling.cohorts import from_result
    from analysis.runs.sections import records, survey_options

    studies = []
    for name, panel in panels.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = fit_crosslag(panel, x=item.x, y=item.y, model=item.model, compare=False,
                               allow_unequal_intervals=item.allow_unequal_intervals, **survey_options(ctx))
        studies.append(from_result(res.to_dict(), source=name, name=name))
    pooled = pool_cohorts(studies, interval=item.interval)
    tag = f"{item.x}_{item.y}"
    table = ctx.table(f"pooled_{tag}", pooled.to_frame(), counts=("n",))
    ctx.figure(f"pooled_{tag}", pooled.forest_plot(threshold=ctx.threshold),
               caption=f"Cross-lagged effects of {item.x} and {item.y} in each study, moved to a "
                       f"{item.interval:g}-year interval, and pooled (random effects; diamond: 95% CI).")
    return {**pooled.to_dict(), "model": item.model, "table": records(table), "figure": f"pooled_{tag}",
            "summary_text": pooled.summary(threshold=ctx.threshold)}


def run_pools(ctx: Any) -> tuple[list[dict], list[dict]]:
    """Every ``pool`` item of the run: the results, and the other studies' inputs for the manifest."""
    panels, inputs = load_studies(ctx)
    return [run_pool(ctx, item, panels) for item in ctx.cfg.pool], inputs
