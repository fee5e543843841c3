"""write_cohort: wave files and truth.json, written atomically and never over existing files.

Every file is first written under a hidden temporary name in the output
folder and only published once *all* files have been written; publishing
uses ``os.link`` (fails if the target appeared meanwhile, so nothing is ever
overwritten) and falls back to ``os.replace`` after a fresh existence check on
file systems without hard links.  truth.json is published last, so its
presence marks a complete set.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal

import pyreadstat

from analysis.errors import DataError, UsageError
from analysis.synth import elsa, ukhls
from analysis.synth.arguments import check_core, check_format
from analysis.synth.design import DesignParams
from analysis.synth.labels import WaveTable
from analysis.synth.panel import simulate_latent
from analysis.synth.params import Cohort, ModelParams

TRUTH_NAME = "truth.json"
# Names any earlier synthetic cohort would have left, whatever its format.
_COHORT_FILE_PATTERNS = ("*_indresp.dta", "*_indresp.sav", "wave_*_elsa_data.dta",
                         "wave_*_elsa_data.sav", TRUTH_NAME)


@dataclass(frozen=True)
class CohortFiles:
    """What :func:`write_cohort` wrote.

    Attributes
    ----------
    out : Path
        Output folder.
    wave_files : list of Path
        One file per wave, in wave order.
    truth : Path
        The truth.json file.
    cohort : {"ukhls", "elsa"}
    format : {"dta", "sav"}
    """

    out: Path
    wave_files: list[Path]
    truth: Path
    cohort: Cohort
    format: Literal["dta", "sav"]


def _check_folder(out: str | os.PathLike, targets: list[str]) -> Path:
    """Refuse unusable or already-used output folders before any work is done."""
    try:
        folder = Path(os.fspath(out))
    except TypeError:
        raise UsageError(f"out must be a folder path, got {out!r}.") from None
    if folder.exists() and not folder.is_dir():
        raise DataError(f"Output path {folder} exists and is not a folder.")
    if folder.is_dir():
        clash = sorted({p.name for pattern in _COHORT_FILE_PATTERNS for p in folder.glob(pattern)}
                       | {t for t in targets if (folder / t).exists()})
        if clash:
            shown = ", ".join(clash[:3]) + (", ..." if len(clash) > 3 else "")
            raise DataError(f"Output folder {folder} already holds cohort files ({shown}); "
                            "refusing to overwrite, choose an empty or new folder.")
    return folder


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"Cannot create output folder {folder}: {exc.strerror or exc}.") from None


def _write_table(table: WaveTable, path: Path, fmt: str) -> None:
    if fmt == "dta":
        pyreadstat.write_dta(table.frame, path, column_labels=table.column_labels,
                             variable_value_labels=table.value_labels, version=15)
    else:
        pyreadstat.write_sav(table.frame, path, column_labels=table.column_labels,
                             variable_value_labels=table.value_labels,
                             variable_measure=table.measures)


def _publish(tmp: Path, final: Path) -> None:
    try:
        os.link(tmp, final)  # atomic, and refuses an existing target
    except FileExistsError:
        raise DataError(f"{final} appeared while writing; refusing to overwrite it.") from None
    except OSError:
        if final.exists():
            raise DataError(f"{final} appeared while writing; refusing to overwrite it.") from None
        os.replace(tmp, final)
        return
    tmp.unlink()


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def write_cohort(*, cohort: Cohort, n: int, waves: int, seed: int, fmt: Literal["dta", "sav"],
                 out: str | os.PathLike, params: ModelParams | None = None,
                 design: bool | DesignParams = True) -> CohortFiles:
    """Simulate a cohort and write its wave files and truth.json into ``out``.

    Parameters
    ----------
    cohort : {"ukhls", "elsa"}
        Study layout: UKHLS ``{w}_indresp`` files or ELSA ``wave_{N}_elsa_data`` files.
    n, waves, seed : int
        As for :func:`~analysis.synth.panel.simulate_latent`.
    fmt : {"dta", "sav"}
        Stata or SPSS files (pyreadstat), with variable and value labels.
    out : str or PathLike
        Output folder; created if missing.  It must not already hold cohort
        files or truth.json.
    params : ModelParams, optional
        Latent-model parameters (default :data:`~analysis.synth.params.DEFAULT_PARAMS`).
    design : bool or DesignParams, default True
        Strata, PSUs and informative selection (:mod:`~analysis.synth.design`);
        the files then carry PSU and strata columns (UKHLS ``{w}_psu``,
        ``{w}_strata``; ELSA ``psu``, ``strata``) and design-based weights.
        False writes a simple random sample without design columns.

    Returns
    -------
    CohortFiles

    Raises
    ------
    UsageError
        If an argument is out of range.
    DataError
        If ``out`` is not a usable folder or already holds cohort files.
    """
    n, waves, seed, cohort = check_core(n=n, waves=waves, seed=seed, cohort=cohort)
    fmt = check_format(fmt)  # type: ignore[assignment]
    layout = ukhls if cohort == "ukhls" else elsa
    names = [layout.file_name(w, fmt) for w in range(1, waves + 1)]
    folder = _check_folder(out, names + [TRUTH_NAME])
    panel = simulate_latent(n=n, waves=waves, seed=seed, cohort=cohort, params=params, design=design)
    with_design = panel.truth["design"] is not None
    _make_folder(folder)  # only once the simulation has succeeded
    truth = {**panel.truth, "format": fmt, "files": names}

    token = secrets.token_hex(4)
    staged: list[tuple[Path, Path]] = []
    writers: list[tuple[str, Callable[[Path], None]]] = []
    by_wave = dict(tuple(panel.observed.groupby("wave", sort=True)))
    for w, name in enumerate(names, start=1):
        observed = by_wave.get(w, panel.observed.iloc[0:0])
        table = layout.wave_table(observed, w, fmt, design=with_design)
        writers.append((name, lambda p, table=table: _write_table(table, p, fmt)))
    text = json.dumps(truth, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    writers.append((TRUTH_NAME, lambda p: p.write_text(text, encoding="utf-8")))
    published: list[Path] = []
    try:
        for name, write in writers:
            tmp = folder / f".{name}.{token}.tmp"
            staged.append((tmp, folder / name))
            write(tmp)
        for tmp, final in staged:
            _publish(tmp, final)
            published.append(final)
    except (OSError, pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as exc:
        _remove(published)
        raise DataError(f"Could not write cohort files into {folder}: {exc}.") from None
    except DataError:
        _remove(published)  # only files this call created
        raise
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return CohortFiles(out=folder, wave_files=[folder / nm for nm in names],
                       truth=folder / TRUTH_NAME, cohort=cohort, format=fmt)  # type: ignore[arg-type]
