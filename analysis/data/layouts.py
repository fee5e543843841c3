"""Where a spec's variables are: the file of each wave and the column of each variable.

Three layouts:

* ``waves``: one file per wave, found from a name pattern (``{wave}_indresp``);
  waves without a file are skipped (a partial download works).
* ``long``: one file with a row per person-wave and a wave column.
* ``wide``: one file with a row per person; each wave's columns are told apart
  by ``column_names`` (e.g. ``{wave}_{name}``).

A construct is planned for a wave when all its items are in that wave's
file; when none is there it is skipped in that wave (not asked); when only
some are, or a wave listed in the construct's ``waves`` lacks one, that is a
:class:`~analysis.errors.DataError` naming the file, wave and column.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

from analysis.data.files import SUPPORTED, FileInfo
from analysis.data.spec import Spec, Variable, Wave
from analysis.data.spec_checks import key_path
from analysis.errors import DataError

_GLOB = set("*?[")


@dataclass(frozen=True)
class WavePlan:
    """The columns to read for one wave.

    ``constructs`` maps each construct planned in this wave to its item
    columns (in the spec's item order); ``weight`` is None when no weight
    column was found and the weight is not required; ``design`` maps each
    design role the spec declares (``psu``, ``strata``) to its column, None
    when absent and not required.
    """

    wave: Wave
    info: FileInfo
    constructs: dict[str, tuple[str, ...]]
    covariates: dict[str, str]
    weight: str | None
    design: dict[str, str | None] = field(default_factory=dict)

    @property
    def measure_columns(self) -> list[str]:
        """Item, covariate and weight columns (what says a person took part in the wave)."""
        cols = [c for items in self.constructs.values() for c in items]
        cols += list(self.covariates.values())
        if self.weight is not None:
            cols.append(self.weight)
        return list(dict.fromkeys(cols))

    @property
    def columns(self) -> list[str]:
        """Every column to read: the measures, then the design columns found."""
        return list(dict.fromkeys([*self.measure_columns,
                                   *(c for c in self.design.values() if c is not None)]))


def where(info: FileInfo, wave: Wave | None = None) -> str:
    """How messages name a file (and wave)."""
    return f"{info.path} (wave {wave.name})" if wave is not None else str(info.path)


# -- files ---------------------------------------------------------------------

def _matches(folder: Path, pattern: str) -> list[Path]:
    suffix = Path(pattern).suffix.lower()
    patterns = [pattern] if suffix in SUPPORTED else [pattern + ext for ext in SUPPORTED]
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    found: list[Path] = []
    for pat in patterns:
        if _GLOB & set(pat):
            found += [folder / n for n in names if fnmatch.fnmatchcase(n, pat)
                      and Path(n).suffix.lower() in SUPPORTED]
        elif pat in names:
            found.append(folder / pat)
    return list(dict.fromkeys(found))


def _find(folder: Path, patterns: tuple[str, ...], *, what: str, key: str,
          exclude: tuple[str, ...] = ()) -> Path | None:
    for pattern in patterns:
        found = [p for p in _matches(folder, pattern)
                 if not any(fnmatch.fnmatchcase(p.name.lower(), x.lower()) for x in exclude)]
        if len(found) > 1:
            shown = ", ".join(sorted(p.name for p in found)[:4])
            raise DataError(f"{folder}: {len(found)} files match {what} ({shown}); make {key} in "
                            "the spec name one of them (e.g. with its extension), or leave the others out "
                            "with exclude_files (e.g. the Special Licence versions, \"*_sl_*\").")
        if found:
            return found[0]
    return None


def data_folder(data: str | os.PathLike[str]) -> Path:
    folder = Path(data)
    if not folder.exists():
        raise DataError(f"{folder}: no such data folder.")
    if not folder.is_dir():
        raise DataError(f"{folder} is a file; give the folder that holds the data files.")
    return folder


def wave_files(spec: Spec, folder: Path) -> dict[str, Path | None]:
    """Layout ``waves``: the file of each wave (None when absent)."""
    out: dict[str, Path | None] = {}
    for i, wave in enumerate(spec.waves):
        patterns = wave.file if wave.file is not None else spec.files
        key = f"waves[{i}].file" if wave.file is not None else "files"
        resolved = tuple(p.format(wave=wave.name, number=wave.number) for p in patterns or ())
        out[wave.name] = _find(folder, resolved, what=f"wave {wave.name}", key=key, exclude=spec.exclude_files)
    if not any(out.values()):
        first = spec.waves[0]
        example = (first.file or spec.files or ("?",))[0].format(wave=first.name, number=first.number)
        raise DataError(f"{folder}: no wave files found for {spec.source} (looked for files such as "
                        f"{example!r}); check the folder or the spec's files pattern.")
    return out


def single_file(spec: Spec, folder: Path) -> Path:
    """Layouts ``long`` and ``wide``: the one data file."""
    found = _find(folder, (spec.file or "",), what=repr(spec.file), key="file")
    if found is None:
        raise DataError(f"{folder}: no file {spec.file!r} (the file named in {spec.source}).")
    return found


# -- columns -------------------------------------------------------------------

def candidates(spec: Spec, var: Variable, wave: Wave) -> tuple[str, ...]:
    """Column names ``var`` may have in ``wave``, in order of preference (empty: not asked)."""
    names = var.by_wave[wave.name] if wave.name in var.by_wave else var.name
    out = []
    for name in names or ():
        base = name.format(wave=wave.name, number=wave.number)
        out.append(spec.column_names.format(wave=wave.name, number=wave.number, name=base))
    return tuple(out)


def locate(info: FileInfo, names: tuple[str, ...]) -> str | None:
    """The first of ``names`` in the file (exact, else the only case-insensitive match)."""
    present = set(info.columns)
    for name in names:
        if name in present:
            return name
    lower: dict[str, list[str]] = {}
    for column in info.columns:
        lower.setdefault(column.lower(), []).append(column)
    for name in names:
        match = lower.get(name.lower(), [])
        if len(match) == 1:
            return match[0]
    return None


def require_column(info: FileInfo, name: str, wave: Wave | None, role: str) -> str:
    found = locate(info, (name,))
    if found is None:
        raise DataError(f"{where(info, wave)}: no column {name!r} ({role}).")
    return found


def plan_wave(spec: Spec, wave: Wave, info: FileInfo) -> WavePlan:
    """Resolve every variable of ``spec`` to a column of ``info`` for ``wave``."""
    constructs: dict[str, tuple[str, ...]] = {}
    for name, c in spec.constructs.items():
        if c.waves is not None and wave.name not in c.waves:
            continue
        found, lacking = [], []
        for i, item in enumerate(c.items):
            names = candidates(spec, item, wave)
            column = locate(info, names) if names else None
            (found if column else lacking).append((i, column or (names[0] if names else None)))
        if not lacking:
            constructs[name] = tuple(col for _, col in found)
            continue
        expected = c.waves is not None
        if found or expected:
            i, column = lacking[0]
            why = (f"the construct's waves list {wave.name}" if expected else
                   f"its other items ({', '.join(col for _, col in found[:3])}) are there")
            if column is None:
                raise DataError(f"{where(info, wave)}: {key_path(('constructs', name, 'items', i))} "
                                f"is set to null for this wave, but {why}.")
            raise DataError(f"{where(info, wave)}: no column {column!r} for "
                            f"{key_path(('constructs', name, 'items', i))}, but {why}.")
    covariates = {}
    for name, cov in spec.covariates.items():
        names = candidates(spec, cov, wave)
        column = locate(info, names) if names else None
        if column is None:
            raise DataError(f"{where(info, wave)}: no column {(names or ('(none)',))[0]!r} for "
                            f"covariates.{name}; name it per wave with by_wave if it differs.")
        covariates[name] = column
    weight = None
    if spec.weight is not None:
        names = candidates(spec, spec.weight, wave)
        weight = locate(info, names) if names else None
        if weight is None and spec.weight.required:
            shown = " or ".join(repr(n) for n in names[:4]) or "(none)"
            raise DataError(f"{where(info, wave)}: no weight column ({shown}); name it under "
                            f"weight.by_wave.{wave.name}, or set weight.required: false.")
    return WavePlan(wave=wave, info=info, constructs=constructs, covariates=covariates, weight=weight,
                    design=plan_design(spec, wave, info))


def plan_design(spec: Spec, wave: Wave, info: FileInfo) -> dict[str, str | None]:
    """The PSU and strata columns of ``wave`` (None where absent and not required).

    Raises
    ------
    DataError
        If a required design column is not in the file, naming the file, wave,
        the column looked for and the spec key.
    """
    design = spec.design
    out: dict[str, str | None] = {}
    for role in spec.design_roles:
        names = candidates(spec, getattr(design, role), wave)
        column = locate(info, names) if names else None
        if column is None and design.is_required(role):
            shown = " or ".join(repr(n) for n in names[:4]) or "(none)"
            raise DataError(f"{where(info, wave)}: no column {shown} for design.{role}; name it "
                            f"under design.{role}.by_wave.{wave.name}, or set design.required: "
                            "false to allow waves without it.")
        out[role] = column
    return out
