"""``run_analysis``: one config in, one new run folder out.

The run is built in a hidden staging folder beside the destination and renamed
into place only when everything is written, so an interrupted or failed run
leaves no partial output.  Inputs are only read.  ``results.json`` holds no
timings or paths, so the same inputs and package versions give the same file.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import shutil
import sys
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.interrupts import handle_stop_signals
from analysis.outputs import json_safe, write_json_atomic, write_text_atomic
from analysis.runs import sections
from analysis.runs.config import AnalysisConfig, load_config
from analysis.runs.disclosure import protect_results, scrub_text
from analysis.runs.invariance_section import run_invariance
from analysis.runs.manifest import environment, sha256_file
from analysis.runs.progress import Progress


@dataclass(frozen=True)
class RunResult:
    folder: Path
    report: Path | None
    results: dict


def _round(obj: Any, digits: int = 10) -> Any:
    """Round floats to ``digits`` significant digits (last-bit noise never changes results.json)."""
    if isinstance(obj, float):
        if not math.isfinite(obj):
            return None
        return float(f"{obj:.{digits}g}")
    if isinstance(obj, (np.floating,)):
        return _round(float(obj), digits)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, dict):
        return {str(k): _round(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_round(v, digits) for v in obj]
    return obj


def _strip_timings(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip_timings(v) for k, v in obj.items() if k not in ("fit_seconds", "iterations")}
    if isinstance(obj, list):
        return [_strip_timings(v) for v in obj]
    return obj


def run_analysis(config: str | os.PathLike[str] | AnalysisConfig, *, out: str | os.PathLike[str] = "runs",
                 quiet: bool = False, command_line: list[str] | None = None) -> RunResult:
    """Run every analysis in ``config`` into a new folder under ``out``; return where it is."""
    cfg = config if isinstance(config, AnalysisConfig) else load_config(config)
    started = datetime.now(timezone.utc)
    base = Path(out)
    base.mkdir(parents=True, exist_ok=True)
    stem = Path(cfg.source).stem if cfg.source else "run"
    name = f"{stem}-{started.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"
    staging = base / f".{name}.partial"
    final = base / name
    # SIGTERM stops the run like Ctrl-C: the staging folder is removed either way.
    with handle_stop_signals():
        staging.mkdir()
        try:
            results = _build(cfg, staging, final, quiet=quiet, started=started, command_line=command_line)
        except BaseException:
            _discard(staging)
            raise
    report = final / "report.html"
    return RunResult(folder=final, report=report if report.exists() else None, results=results)


def _discard(folder: Path) -> None:
    """Remove a staging folder, even if a second interrupt arrives meanwhile."""
    for _ in range(5):
        try:
            shutil.rmtree(folder, ignore_errors=True)
            return
        except KeyboardInterrupt:
            continue


def _build(cfg: AnalysisConfig, staging: Path, final: Path, *, quiet: bool, started: datetime,
           command_line: list[str] | None) -> dict:
    """Write the whole run into ``staging``, rename it to ``final`` and return the results."""
    results, manifest_inputs = _run_into(cfg, staging, quiet=quiet)
    results_text = json.dumps(results, indent=2, sort_keys=True, allow_nan=False) + "\n"
    write_text_atomic(staging / "results.json", results_text)
    finished = datetime.now(timezone.utc)
    files = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
    manifest = {
        "workbench_run": 1,
        "config": cfg.model_dump(exclude={"source", "sha256"}),
        "config_file": {"path": cfg.source, "sha256": cfg.sha256},
        "inputs": manifest_inputs,
        "seeds": {"run": cfg.seed},
        "environment": environment(),
        "command_line": command_line if command_line is not None else sys.argv,
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "results_sha256": sha256_file(staging / "results.json"),
        "files": files,
        # Checksums of every file, so verify can tell a file edited after the run.
        "file_sha256": {f: sha256_file(staging / f) for f in files},
    }
    write_json_atomic(staging / "manifest.json", manifest)
    os.rename(staging, final)
    return results


def _run_into(cfg: AnalysisConfig, folder: Path, *, quiet: bool) -> tuple[dict, dict]:
    """Do the work, writing tables, figures and the report into ``folder``."""
    from analysis.data import load_panel, load_spec

    threshold = cfg.output.disclosure_threshold
    spec_path = cfg.resolve(cfg.data.spec)
    spec = load_spec(spec_path)
    steps = (2 + len(cfg.crosslag) + len(cfg.groups) + len(cfg.moderation) + len(cfg.causal) + len(cfg.invariance)
             + int(bool(cfg.pool)) + int(cfg.output.report))
    with Progress(total=steps, quiet=quiet) as progress:
        progress.step("Loading data")
        if cfg.data.synthetic is not None:
            from analysis.runs.pooling_section import write_synthetic

            syn = cfg.data.synthetic
            data_dir = folder / "inputs" / "synthetic"
            write_synthetic(syn, data_dir)
            data_source = {"synthetic": syn.model_dump()}
        else:
            data_dir = cfg.resolve(cfg.data.path)
            data_source = {"path": str(data_dir)}
        # Measurement models need the items, not only the scores.
        items = list(dict.fromkeys(c for item in cfg.invariance for c in (item.x, item.y)))
        panel = load_panel(spec, data=data_dir, items=items)
        inputs = {
            "spec": {"path": str(spec_path), "sha256": sha256_file(spec_path), "text": Path(spec_path).read_text()},
            "data": data_source,
            # A synthetic cohort is regenerated from its settings; its files embed a write time,
            # so the panel's contents are hashed instead of the files.
            "files": [] if cfg.data.synthetic is not None else
                     [{"path": str(s.path), "sha256": s.sha256} for s in panel.sources],
            "panel_sha256": sections.panel_hash(panel),
        }
        ctx = sections.Context(cfg=cfg, panel=panel, folder=folder, threshold=threshold)
        # A misspelt crossed grouping or cell is said before any model is fitted.
        for k, item in enumerate(cfg.groups):
            if item.crossed is not None:
                sections.check_crossed(ctx, item, f"groups[{k}]")
        results: dict[str, Any] = {"title": cfg.title, "data": sections.describe(ctx)}
        progress.step("Describing the data")
        for item in cfg.crosslag:
            progress.step(f"Cross-lagged model: {item.x} and {item.y} ({item.model})")
            results.setdefault("crosslag", []).append(sections.crosslag(ctx, item))
        for item in cfg.groups:
            if item.crossed is not None:  # the cells of crossed groupings (issue 20)
                progress.step(f"Comparing the cells of {' × '.join(item.crossed)}: {item.x} and {item.y}")
                results.setdefault("crossed_groups", []).append(sections.crossed_groups(ctx, item))
                continue
            progress.step(f"Comparing groups: {item.x} and {item.y}")
            results.setdefault("groups", []).append(sections.groups(ctx, item))
        for item in cfg.moderation:
            progress.step(f"Moderation by {item.moderator}")
            results.setdefault("moderation", []).append(sections.moderation(ctx, item))
        for item in cfg.causal:
            progress.step(f"Causal analysis: {item.exposure} and {item.outcome}")
            results.setdefault("causal", []).append(sections.causal(ctx, item))
        for item in cfg.invariance:
            progress.step(f"Measurement invariance: {item.x} and {item.y}")
            results.setdefault("invariance", []).append(run_invariance(ctx, item))
        if cfg.pool:  # the config's other studies, pooled with this one (issue 19)
            from analysis.runs.pooling_section import run_pools

            progress.step("Pooling across studies")
            results["pooling"], inputs["cohorts"] = run_pools(ctx)
        # Counts of fewer than `threshold` persons anywhere else (count fields, sentences) go too.
        results, nulled = protect_results(json_safe(results), threshold)
        ctx.html_blocks.update({k: scrub_text(v, threshold) for k, v in ctx.html_blocks.items()})
        results["disclosure"] = {"threshold": threshold, "suppressed_cells": ctx.suppressed_cells + nulled}
        results = _round(_strip_timings(results))
        if cfg.output.report:
            progress.step("Writing the report")
            from analysis.reporting.html import build_report

            report = build_report(folder, cfg=cfg, results=results, figures=ctx.figures, blocks=ctx.html_blocks)
            write_text_atomic(folder / "report.html", scrub_text(report, threshold))
    return results, inputs
