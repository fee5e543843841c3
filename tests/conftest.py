"""Test configuration: make the support modules beside the tests importable."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for sub in ("models/sem", "models"):
    path = str(HERE / sub)
    if path not in sys.path:
        sys.path.insert(0, path)
