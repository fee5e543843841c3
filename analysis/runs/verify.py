"""``verify_run``: rerun a run from its manifest and compare every output file with the rerun's.

What is compared:

* ``results.json`` value by value (each difference named by its path in the file);
* ``tables/*.csv`` cell by cell (file, row and column named);
* ``report.html`` and any other text output line by line (file and first line named);
* figures (``figures/*.png``, ``*.svg``) by content hash: the workbench draws them
  deterministically, so the same numbers and package versions give the same bytes.

Not compared: ``manifest.json`` (it records when and how the run was made) and
``inputs/`` (a synthetic cohort is regenerated there; its files carry a write time,
so it is compared through the checksum of the scored panel instead).  Files edited
after the run are also found from the checksums the manifest records.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.errors import DataError, SpecError
from analysis.runs.config import parse_config
from analysis.runs.manifest import package_versions, sha256_file

# Files of a run folder that are not outputs to compare (see the module docstring).
NOT_COMPARED = ("manifest.json",)
NOT_COMPARED_DIRS = ("inputs",)
TEXT_SUFFIXES = (".html", ".txt", ".md", ".svg")
SHOWN = 50


@dataclass(frozen=True)
class VerifyResult:
    """What a rerun found.

    Attributes
    ----------
    identical : bool
        Every compared file of the rerun equals the run's.
    differences : list of str
        One line per difference, each starting with the file it is in.
    notes : list of str
        What changed since the run (inputs, spec, package versions, edited files).
    files : list of str
        The files that differ (paths inside the run folder), sorted.
    compared : list of str
        The files compared, sorted.
    """

    identical: bool
    differences: list[str]
    notes: list[str]
    files: list[str] = field(default_factory=list)
    compared: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.identical:
            lines = [f"The rerun gives identical results ({len(self.compared)} files compared)."]
        else:
            lines = [f"The rerun differs in {len(self.differences)} place(s), in {len(self.files)} file(s): "
                     f"{', '.join(self.files)}."]
        lines += [f"  {d}" for d in self.differences[:SHOWN]]
        if len(self.differences) > SHOWN:
            lines.append(f"  ... and {len(self.differences) - SHOWN} more")
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


# -- comparing -------------------------------------------------------------------

def _diff(a: Any, b: Any, path: str = "") -> list[str]:
    """Differences between two JSON values, each named by its path (``.crosslag[0].est``)."""
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
    same = a == b and type(a) is type(b)
    return [] if same else [f"{path or '.'}: {a!r} in the original, {b!r} in the rerun"]


def _diff_json(name: str, old: bytes, new: bytes) -> list[str]:
    try:
        a, b = json.loads(old), json.loads(new)
    except ValueError:
        return [f"{name}: not readable JSON in the original"]
    found = [f"{name}: {d}" for d in _diff(a, b)]
    # Same values written differently (order of keys, spacing) still differ as bytes.
    return found or [f"{name}: the same values, written differently"]


def _diff_csv(name: str, old: bytes, new: bytes) -> list[str]:
    try:
        a = list(csv.reader(io.StringIO(old.decode("utf-8"))))
        b = list(csv.reader(io.StringIO(new.decode("utf-8"))))
    except (UnicodeDecodeError, csv.Error):
        return [f"{name}: not a readable CSV file in the original"]
    if not a or not b or a[0] != b[0]:
        return [f"{name}: the columns differ ({', '.join(a[0] if a else [])} in the original, "
                f"{', '.join(b[0] if b else [])} in the rerun)"]
    header = a[0]
    out = []
    if len(a) != len(b):
        out.append(f"{name}: {len(a) - 1} rows in the original, {len(b) - 1} in the rerun")
    for i, (ra, rb) in enumerate(zip(a[1:], b[1:]), start=1):
        for j in range(max(len(ra), len(rb))):
            va = ra[j] if j < len(ra) else ""
            vb = rb[j] if j < len(rb) else ""
            if va != vb:
                col = header[j] if j < len(header) else f"#{j + 1}"
                out.append(f"{name}: row {i}, column {col}: {va!r} in the original, {vb!r} in the rerun")
    return out or [f"{name}: the same cells, written differently"]


def _diff_text(name: str, old: bytes, new: bytes) -> list[str]:
    a, b = old.decode("utf-8", "replace").splitlines(), new.decode("utf-8", "replace").splitlines()
    for i, (la, lb) in enumerate(zip(a, b), start=1):
        if la != lb:
            return [f"{name}: differs from line {i} on"]
    if len(a) != len(b):
        return [f"{name}: {len(a)} lines in the original, {len(b)} in the rerun"]
    return [f"{name}: differs (line endings or spacing)"]


def compare_file(name: str, old: bytes, new: bytes) -> list[str]:
    """Differences between a run's file and the rerun's (none when the bytes are equal)."""
    if old == new:
        return []
    suffix = Path(name).suffix.lower()
    if suffix == ".json":
        return _diff_json(name, old, new)
    if suffix == ".csv":
        return _diff_csv(name, old, new)
    if suffix in TEXT_SUFFIXES:
        return _diff_text(name, old, new)
    return [f"{name}: content differs (sha256 of the file)"]


def output_files(folder: Path) -> list[str]:
    """The output files of a run folder to compare (paths relative to it, sorted)."""
    out = []
    for p in folder.rglob("*"):
        rel = p.relative_to(folder)
        if not p.is_file() or rel.parts[0] in NOT_COMPARED_DIRS or str(rel) in NOT_COMPARED:
            continue
        if any(part.startswith(".") for part in rel.parts):  # temporary files of an atomic write
            continue
        out.append(rel.as_posix())
    return sorted(out)


def compare_folders(original: Path, rerun: Path) -> tuple[list[str], list[str], list[str]]:
    """(differences, files that differ, files compared) between two run folders."""
    old, new = output_files(original), output_files(rerun)
    differences: list[str] = []
    files: list[str] = []
    for name in sorted(set(old) | set(new)):
        if name not in new:
            found = [f"{name}: only in the original"]
        elif name not in old:
            found = [f"{name}: missing from the run folder (the rerun writes it)"]
        else:
            found = compare_file(name, (original / name).read_bytes(), (rerun / name).read_bytes())
        if found:
            files.append(name)
            differences += found
    return differences, files, sorted(set(old) | set(new))


# -- reading the manifest --------------------------------------------------------

def _read_manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder; give a run folder made by 'run'.")
    if not path.is_file():
        raise DataError(f"{folder} is not a run folder (it has no manifest.json).")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} is not valid JSON ({str(exc).splitlines()[0]}); "
                        "it cannot be verified (a run writes it; was it edited?).") from None
    if not isinstance(manifest, dict):
        raise DataError(f"{path} is not a run manifest (a JSON object with config, inputs and environment).")
    return manifest


def _need(manifest: dict, path: Path, *keys: str, kind: type = dict) -> Any:
    """``manifest[k1][k2]...``, or a DataError naming the missing key."""
    value: Any = manifest
    for i, key in enumerate(keys):
        if not isinstance(value, dict) or key not in value:
            where = ".".join(keys[:i + 1])
            raise DataError(f"{path} has no '{where}'; it is not a complete run manifest, so the run "
                            "cannot be rerun from it.")
        value = value[key]
    if not isinstance(value, kind):
        raise DataError(f"{path}: '{'.'.join(keys)}' should be a {kind.__name__}, not {type(value).__name__}.")
    return value


# -- verify ----------------------------------------------------------------------

def verify_run(folder: str | Path, *, quiet: bool = True) -> VerifyResult:
    """Rerun the run in ``folder`` from its manifest into a temporary folder and compare every output file.

    Raises
    ------
    DataError
        If ``folder`` is not a run folder, its manifest is not JSON or lacks what a rerun
        needs, or an input file of the run is missing.
    """
    from analysis.runs.runner import run_analysis

    folder = Path(folder)
    manifest = _read_manifest(folder)
    mpath = folder / "manifest.json"
    config = _need(manifest, mpath, "config")
    spec = _need(manifest, mpath, "inputs", "spec")
    spec_text = _need(manifest, mpath, "inputs", "spec", "text", kind=str)
    spec_path = Path(str(_need(manifest, mpath, "inputs", "spec", "path", kind=str)))
    inputs = manifest["inputs"]
    if not (folder / "results.json").is_file():
        raise DataError(f"{folder} has no results.json; the run folder is incomplete.")
    notes = []
    if manifest.get("results_sha256") and sha256_file(folder / "results.json") != manifest["results_sha256"]:
        notes.append("results.json was changed after the run (its checksum differs from the manifest).")
    for name, digest in sorted((manifest.get("file_sha256") or {}).items()):
        p = folder / name
        if name != "results.json" and p.is_file() and sha256_file(p) != digest:
            notes.append(f"{name} was changed after the run (its checksum differs from the manifest).")
    for f in inputs.get("files") or []:
        if not isinstance(f, dict) or "path" not in f:
            raise DataError(f"{mpath}: an entry of 'inputs.files' has no path; the manifest is damaged.")
        p = Path(f["path"])
        if not p.exists():
            raise DataError(f"Input file {p} of the run is missing; verify needs the same inputs.")
        if sha256_file(p) != f.get("sha256"):
            notes.append(f"Input file {p} has changed since the run (checksum differs).")
    then = (manifest.get("environment") or {}).get("packages") or {}
    now = package_versions()
    for name, version in sorted(then.items()):
        if now.get(name) != version:
            notes.append(f"{name} was {version} for the run and is {now.get(name)} now; small differences may follow.")
    if spec_path.exists() and spec.get("sha256") and sha256_file(spec_path) != spec["sha256"]:
        notes.append(f"The spec {spec_path} has changed since the run; the rerun uses the spec as it was.")
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        # Recreate the spec as it was (from the manifest), so a later edit of the spec file is noticed.
        spec_copy = tmpdir / (spec_path.name or "spec.yaml")
        spec_copy.write_text(spec_text, encoding="utf-8")
        cfg_dict = {k: v for k, v in config.items() if v is not None}
        data = _need(manifest, mpath, "config", "data")
        cfg_dict["data"] = {k: v for k, v in dict(data, spec=str(spec_copy)).items() if v is not None}
        if cfg_dict["data"].get("path"):
            cfg_dict["data"]["path"] = str(_need(manifest, mpath, "inputs", "data", "path", kind=str))
        try:
            cfg = parse_config(cfg_dict, source=str(tmpdir / "config.yaml"))
        except SpecError as exc:
            raise DataError(f"{mpath}: the config it records is not valid ({exc}).") from None
        rerun = run_analysis(cfg, out=tmpdir / "runs", quiet=quiet, command_line=["verify", str(folder)])
        differences, files, compared = compare_folders(folder, rerun.folder)
        read_now = json.loads((rerun.folder / "manifest.json").read_text())["inputs"].get("panel_sha256")
    if inputs.get("panel_sha256") not in (None, read_now):
        notes.append("The scored panel read now differs from the one the run read (panel checksum), "
                     "so the data or the spec changed.")
    return VerifyResult(identical=not differences, differences=differences, notes=notes, files=files,
                        compared=compared)
