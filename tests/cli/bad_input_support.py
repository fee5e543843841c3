"""The CLI run in-process, as the bad-input suite needs it: exit code, stdout and stderr of one command.

Imported by ``tests/cli/conftest.py`` (the ``cli`` fixture) and by the ``test_bad_input_*`` modules.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from analysis.cli import main

SPECS = Path(__file__).resolve().parents[2] / "data_specs"
SYNTHETIC_SPEC = SPECS / "synthetic.yaml"


@dataclass(frozen=True)
class Outcome:
    """What one command did: exit code, stdout, stderr."""

    code: int
    out: str
    err: str

    @property
    def error(self) -> str:
        """The one error sentence: exit 2, no traceback, a single ``error: ...`` line on stderr."""
        assert self.code == 2, (self.code, self.out[-2000:], self.err[-2000:])
        assert "Traceback" not in self.err
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert len(lines) == 1, self.err
        assert lines[0].startswith("error: "), lines[0]
        return lines[0]

    def note(self, json_path: Path, *words: str) -> str:
        """A caveat: exit 0, a note holding every one of ``words`` in the output and in the JSON ``notes``."""
        assert self.code == 0, (self.code, self.err[-2000:])
        said = [line for line in self.out.splitlines() if all(w in line for w in words)]
        assert said, f"no line with {words} in:\n{self.out[-3000:]}"
        notes = json.loads(Path(json_path).read_text())["notes"]
        assert any(all(w in n for w in words) for n in notes), notes
        return said[0]


def make_cli(capsys):
    """``cli(*args)`` runs ``python -m analysis *args`` in this process and returns an :class:`Outcome`."""

    def run(*args: object) -> Outcome:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse errors
            code = exc.code
        captured = capsys.readouterr()
        return Outcome(int(code), captured.out, captured.err)

    return run


def copy_cohort(source: Path, target: Path, *, skip: tuple[str, ...] = ()) -> Path:
    """A copy of a cohort's wave files (``skip``: file names left out)."""
    target.mkdir(parents=True)
    for f in sorted(source.iterdir()):
        if f.is_file() and f.name not in skip:
            shutil.copy(f, target / f.name)
    return target
