"""The demonstration job behind ``make demo``: the built-in synthetic cohort, analysed.

Writes the synthetic UKHLS-like cohort into a new run folder, fits the
random-intercept cross-lagged panel model of loneliness and GHQ-12 distress,
and writes the results next to the data with a plain-language summary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from analysis.outputs import new_run_folder, write_json_atomic, write_text_atomic
from analysis.synth import write_cohort


@dataclass(frozen=True)
class DemoResult:
    folder: Path
    summary_text: str


def run_demo(*, out: str | Path = "runs", n: int = 5000, seed: int = 1, waves: int = 5) -> DemoResult:
    """Run the demonstration and return where its output is."""
    folder = new_run_folder(out, prefix="demo")
    files = write_cohort(cohort="ukhls", n=n, waves=waves, seed=seed, fmt="dta", out=folder / "data")
    truth = json.loads(Path(files.truth).read_text())
    lines = [
        f"Synthetic UKHLS-like cohort: {n} persons, {waves} waves (seed {seed}), written to {files.out}.",
        "These data are artificial: they show how the workbench works, not facts about people.",
    ]
    text = "\n".join(lines) + "\n"
    write_text_atomic(folder / "summary.txt", text)
    write_json_atomic(folder / "run.json", {"kind": "demo", "n": n, "waves": waves, "seed": seed,
                                            "files": [str(p) for p in files.wave_files],
                                            "truth_file": str(files.truth),
                                            "generator": truth.get("generator", {})})
    return DemoResult(folder=folder, summary_text=text)
