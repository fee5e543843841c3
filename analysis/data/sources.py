"""The input files a panel was read from, with their SHA-256 for run manifests.

Hashing every byte of a 14-wave release takes longer than reading the few
columns a spec needs, so the hash is computed on first use and cached.  The
file's size and modification time are recorded when it is read; if they
have changed by the time the hash is taken, the hash would not describe the
data that was loaded, and a :class:`~analysis.errors.DataError` says so.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.errors import DataError

_CHUNK = 4 * 2**20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class SourceFile:
    """One input file: path, waves read from it, size, and (lazily) its SHA-256."""

    path: Path
    waves: tuple[str, ...]
    bytes: int
    mtime_ns: int
    _hash: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def record(cls, path: Path, waves: tuple[str, ...]) -> SourceFile:
        stat = os.stat(path)
        return cls(path=Path(path), waves=waves, bytes=stat.st_size, mtime_ns=stat.st_mtime_ns)

    @property
    def sha256(self) -> str:
        """SHA-256 of the file (computed once; the file must not have changed since loading)."""
        if "sha256" not in self._hash:
            try:
                stat = os.stat(self.path)
            except OSError:
                raise DataError(f"{self.path} was removed after it was loaded; load the panel "
                                "again to record what was read.") from None
            if (stat.st_size, stat.st_mtime_ns) != (self.bytes, self.mtime_ns):
                raise DataError(f"{self.path} changed after it was loaded; load the panel again "
                                "so the recorded hash matches the data analysed.")
            self._hash["sha256"] = sha256_of(self.path)
        return self._hash["sha256"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (computes the hash)."""
        return {"path": str(self.path), "waves": list(self.waves), "bytes": self.bytes,
                "sha256": self.sha256}
