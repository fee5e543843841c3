"""Writing outputs safely: unique run folders and atomic file writes.

Runs never overwrite each other (each gets a new folder) and a file is either
complete or absent (written to a temporary name in the same folder, then
renamed), so an interrupted run leaves no half-written output behind.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import tempfile
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def new_run_folder(base: str | os.PathLike[str], *, prefix: str) -> Path:
    """Create and return a new, empty folder ``base/prefix-<UTC time>-<random>``."""
    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    while True:
        folder = base / f"{prefix}-{stamp}-{secrets.token_hex(3)}"
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder


def write_atomic(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and move the result to ``path`` in one rename.

    The temporary file sits in the destination folder so the rename is atomic.
    On any error the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def json_safe(obj: Any) -> Any:
    """A JSON-ready copy of ``obj``: the one converter for every output of the workbench.

    Mappings become dicts with string keys, sequences and arrays become lists, numpy
    and pandas scalars become Python ones, and NaN, infinities and missing values
    (``pd.NA``, ``NaT``) become ``None`` (JSON has no NaN).  Strings are left as they are.
    """
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, Mapping):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return [json_safe(v) for v in obj.tolist()]
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if math.isfinite(x) else None
    try:
        if obj is pd.NA or obj is pd.NaT or (not hasattr(obj, "__len__") and pd.isna(obj)):
            return None
    except (TypeError, ValueError):
        pass
    return obj


def write_json_atomic(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as indented, key-sorted JSON to ``path`` atomically (through :func:`json_safe`:
    NaN and infinities are ``null``, as everywhere in the workbench's JSON)."""
    text = json.dumps(json_safe(obj), indent=2, sort_keys=True, allow_nan=False) + "\n"
    return write_text_atomic(path, text)
