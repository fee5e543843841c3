"""A run folder that keeps finished replicates, so an interrupted run can resume.

Layout::

    settings.json          what fixes each replicate's result (checked on resume)
    replicates/*.jsonl     one file per finished chunk, one JSON record per line

Each chunk file is written atomically by the coordinating process as soon as
its chunk finishes (:func:`analysis.outputs.write_text_atomic`), so a file is
complete or absent.  Running again with the same folder and settings reads
the finished records and computes only the missing ones.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from analysis.errors import UsageError
from analysis.outputs import write_json_atomic, write_text_atomic

FORMAT_VERSION = 1


class RunStore:
    """Finished replicate records of one run folder.

    Parameters
    ----------
    folder
        Created if missing.  If it holds ``settings.json`` from an earlier run, that
        run's ``settings`` must equal these (otherwise the records would mix two
        studies); new cells and more replicates are allowed.
    kind
        ``"power"`` or ``"bootstrap"``: a folder holds one kind of run.
    """

    def __init__(self, folder: str | os.PathLike[str], *, kind: str, settings: dict) -> None:
        self.folder = Path(folder)
        self.kind = kind
        if self.folder.exists() and not self.folder.is_dir():
            raise UsageError(f"{self.folder} is a file; give a folder for the run.")
        self.folder.mkdir(parents=True, exist_ok=True)
        wanted = {"kind": kind, "format": FORMAT_VERSION, **settings}
        wanted = json.loads(json.dumps(wanted))  # normalise tuples and numbers as they are stored
        path = self.folder / "settings.json"
        if path.exists():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raise UsageError(f"{path} is not readable JSON; use a new folder for the run.") from None
            if stored != wanted:
                diff = sorted(k for k in set(stored) | set(wanted) if stored.get(k) != wanted.get(k))
                shown = ", ".join(f"{k} {stored.get(k)!r} there, {wanted.get(k)!r} now" for k in diff[:3])
                raise UsageError(f"{self.folder} holds a {stored.get('kind', 'different')} run with other "
                                 f"settings ({shown}); give a new output folder, or the same settings to resume it.")
        else:
            write_json_atomic(path, wanted)
        (self.folder / "replicates").mkdir(exist_ok=True)

    def load(self) -> list[dict]:
        """Every finished record (files in name order, lines in file order)."""
        out = []
        for path in sorted((self.folder / "replicates").glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    out.append(json.loads(line))
        return out

    def save(self, name: str, records: list[dict]) -> Path:
        """Write one finished chunk atomically."""
        text = "".join(json.dumps(r, sort_keys=True, allow_nan=False) + "\n" for r in records)
        return write_text_atomic(self.folder / "replicates" / f"{name}.jsonl", text)
