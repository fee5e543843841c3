"""Reproducible runs: an analysis config in, a run folder with a manifest, results and a report out."""

from analysis.runs.config import AnalysisConfig, load_config
from analysis.runs.runner import RunResult, run_analysis
from analysis.runs.verify import verify_run

__all__ = ["AnalysisConfig", "RunResult", "load_config", "run_analysis", "verify_run"]
