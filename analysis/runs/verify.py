"""``verify_run``: rerun a run from its manifest and report any difference in the results."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.errors import DataError
from analysis.runs.config import parse_config
from analysis.runs.manifest import package_versions, sha256_file


@dataclass(frozen=True)
class VerifyResult:
    identical: bool
    differences: list[str]
    notes: list[str]

    def summary(self) -> str:
        lines = ["The rerun gives identical results." if self.identical else
                 f"The rerun differs in {len(self.differences)} place(s):"]
        lines += [f"  {d}" for d in self.differences[:50]]
        if len(self.differences) > 50:
            lines.append(f"  ... and {len(self.differences) - 50} more")
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


def _diff(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'the original' if k in a else 'the rerun'}")
            else:
                out += _diff(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items in the original, {len(b)} in the rerun"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += _diff(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path or '.'}: {a!r} in the original, {b!r} in the rerun"]


def verify_run(folder: str | Path, *, quiet: bool = True) -> VerifyResult:
    """Rerun the run in ``folder`` from its manifest into a temporary folder and compare ``results.json``."""
    from analysis.runs.runner import run_analysis

    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise DataError(f"{folder} is not a run folder (it has no manifest.json).")
    manifest = json.loads(manifest_path.read_text())
    original = json.loads((folder / "results.json").read_text())
    notes = []
    if sha256_file(folder / "results.json") != manifest.get("results_sha256"):
        notes.append("results.json was changed after the run (its checksum differs from the manifest).")
    spec = manifest["inputs"]["spec"]
    spec_path = Path(spec["path"])
    for f in manifest["inputs"].get("files", []):
        p = Path(f["path"])
        if not p.exists():
            raise DataError(f"Input file {p} of the run is missing; verify needs the same inputs.")
        if sha256_file(p) != f["sha256"]:
            notes.append(f"Input file {p} has changed since the run (checksum differs).")
    then = manifest["environment"]["packages"]
    now = package_versions()
    for name, version in then.items():
        if now.get(name) != version:
            notes.append(f"{name} was {version} for the run and is {now.get(name)} now; small differences may follow.")
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        # Recreate the spec as it was (from the manifest), so a later edit of the spec file is noticed.
        spec_copy = tmpdir / spec_path.name
        spec_copy.write_text(spec["text"])
        if spec_path.exists() and sha256_file(spec_path) != spec["sha256"]:
            notes.append(f"The spec {spec_path} has changed since the run; the rerun uses the spec as it was.")
        cfg_dict = dict(manifest["config"])
        cfg_dict["data"] = dict(cfg_dict["data"], spec=str(spec_copy))
        if cfg_dict["data"].get("path"):
            cfg_dict["data"]["path"] = str(manifest["inputs"]["data"]["path"])
        cfg_dict = {k: v for k, v in cfg_dict.items() if v is not None}
        cfg_dict["data"] = {k: v for k, v in cfg_dict["data"].items() if v is not None}
        cfg = parse_config(cfg_dict, source=str(tmpdir / "config.yaml"))
        rerun = run_analysis(cfg, out=tmpdir / "runs", quiet=quiet, command_line=["verify", str(folder)])
        again = rerun.results
        read_now = json.loads((rerun.folder / "manifest.json").read_text())["inputs"].get("panel_sha256")
    if manifest["inputs"].get("panel_sha256") not in (None, read_now):
        notes.append("The scored panel read now differs from the one the run read (panel checksum), "
                     "so the data or the spec changed.")
    differences = _diff(original, again)
    return VerifyResult(identical=not differences, differences=differences, notes=notes)
