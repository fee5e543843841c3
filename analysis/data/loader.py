"""load_panel: read a cohort's files through a data spec into a :class:`~analysis.data.panel.Panel`.

Reads only the columns the spec needs, cleans them (:mod:`.missing`), scores
constructs (:mod:`.scoring`), merges the waves on the person id into a long
panel and derives the groupings (:mod:`.groupings`).  Input files are only
opened for reading.  Nothing is dropped silently: rows, waves, values and
groups left out are counted in ``panel.missing`` or explained in ``panel.notes``.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data import groupings as grouping_mod
from analysis.data import layouts
from analysis.data.attrition import attrition_table
from analysis.data.audit import AuditWarning, audit_wave
from analysis.data.files import ColumnData, FileInfo, inspect_file, read_columns
from analysis.data.panel import MISSING_COLUMNS, ColumnLabels, Panel
from analysis.data.sources import SourceFile
from analysis.data.spec import Spec, Wave
from analysis.data.spec_load import load_spec
from analysis.data.survey_design import SurveyDesign
from analysis.data.wave_rows import WaveRows, build, item_column
from analysis.errors import DataError


def load_panel(spec: Spec | str | os.PathLike[str], data: str | os.PathLike[str], *,
               items: Sequence[str] = (), constructs: Sequence[str] | None = None,
               groupings: Sequence[str] | None = None) -> Panel:
    """Load a cohort through a data spec.

    Parameters
    ----------
    spec : Spec, or path of a YAML spec
    data : str or PathLike
        Folder holding the data files.
    items : sequence of str
        Constructs whose cleaned items are kept in ``panel.long`` beside the
        score, as columns ``{construct}_i1``, ``{construct}_i2``, ... (reverse-worded
        items reversed), e.g. for measurement models.
    constructs, groupings : sequence of str, optional
        Load only these constructs and derive only these groupings (default: all the spec
        has), with the constructs the groupings are made of: one analysis of a few constructs
        reads and scores less (``crosslag`` of two constructs loads in half the time).  The
        panel (and its ``spec``) then has only those; what it has is loaded as in full.

    Returns
    -------
    Panel

    Raises
    ------
    SpecError
        If the spec is invalid.
    DataError
        If a file, wave or column is missing or holds unusable values; the
        message names the file, wave and column.
    """
    spec = spec if isinstance(spec, Spec) else load_spec(spec)
    for what, names, known in (("construct", items, spec.constructs), ("construct", constructs, spec.constructs),
                               ("grouping", groupings, spec.groupings)):
        _check_known(names or (), known, what)
    items = tuple(dict.fromkeys(items))
    if constructs is not None or groupings is not None:
        spec = _restricted(spec, constructs, groupings, items)
    folder = layouts.data_folder(data)
    notes: list[str] = []
    audit: list[AuditWarning] = []
    if spec.layout == "waves":
        chunks, sources, labels = _read_wave_files(spec, folder, items, audit)
    else:
        chunks, sources, labels = _read_single_file(spec, folder, notes, items, audit)
    return _assemble(spec, str(folder), chunks, sources, labels, notes, items, audit=tuple(audit))


def _check_known(names: Sequence[str], known, what: str) -> None:
    """A name the spec does not have is refused in one sentence, with the nearest one or the list."""
    unknown = [n for n in names if n not in known]
    if unknown:
        hint = difflib.get_close_matches(unknown[0], list(known), n=1)
        raise DataError(f"{unknown[0]!r} is not a {what} of the spec"
                        + (f"; did you mean {hint[0]!r}?" if hint else f"; the {what}s are {', '.join(known)}."))


def _restricted(spec: Spec, constructs: Sequence[str] | None, groupings: Sequence[str] | None,
                items: tuple[str, ...]) -> Spec:
    """The spec with only the constructs and groupings asked for (and the constructs those groupings use)."""
    kept_groupings = spec.groupings if groupings is None else {n: spec.groupings[n] for n in dict.fromkeys(groupings)}
    if constructs is None:
        return spec.model_copy(update={"groupings": kept_groupings})
    needed = set(constructs) | set(items)
    for g in kept_groupings.values():
        needed.update(m for measures in (g.levels or {}).values() for m in measures)
        if g.of is not None:
            needed.add(g.of)
    return spec.model_copy(update={"constructs": {n: c for n, c in spec.constructs.items() if n in needed},
                                   "groupings": kept_groupings})


# -- reading -------------------------------------------------------------------

#: Wave files read at once: the work is mostly I/O and NumPy, which release the GIL.
WORKERS = max(1, min(4, os.cpu_count() or 1))


def _read_one_wave(spec: Spec, wave: Wave, path: Path,
                   items: tuple[str, ...]) -> tuple[SourceFile, FileInfo, list[str], WaveRows, list[AuditWarning]]:
    source = SourceFile.record(path, (wave.name,))  # size and time before reading
    info = inspect_file(path)
    plan = layouts.plan_wave(spec, wave, info)
    id_col = layouts.require_column(info, spec.id, wave, "the person id given as id")
    columns = [id_col, *plan.columns]
    data = read_columns(info, columns)
    if data.n_rows == 0:
        raise DataError(f"{layouts.where(info, wave)}: the file has no rows (no respondents); copy or download "
                        "it again, or move it out of the folder so the wave is left out (and said so).")
    chunk = build(spec, plan, data, np.arange(data.n_rows), id_col, items=items)
    return source, info, columns, chunk, audit_wave(spec, plan)


def _read_wave_files(spec: Spec, folder: Path, items: tuple[str, ...], audit: list[AuditWarning]):
    files = layouts.wave_files(spec, folder)
    present = [(wave, files[wave.name]) for wave in spec.waves if files[wave.name] is not None]
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(present))) as pool:
        futures = [pool.submit(_read_one_wave, spec, wave, path, items) for wave, path in present]
        try:
            results = [f.result() for f in futures]  # the first failing wave, in wave order
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
    chunks, sources, labels = [], [], {}
    for (wave, _), (source, info, columns, chunk, found) in zip(present, results):
        sources.append(source)
        audit.extend(found)
        _collect_labels(labels, info, columns, wave.name)
        chunks.append(chunk)
    return chunks, sources, labels


def _read_single_file(spec: Spec, folder: Path, notes: list[str], items: tuple[str, ...],
                      audit: list[AuditWarning]):
    path = layouts.single_file(spec, folder)
    source = SourceFile.record(path, ())
    info = inspect_file(path)
    id_col = layouts.require_column(info, spec.id, None, "the person id given as id")
    if spec.layout == "long":
        wave_col = layouts.require_column(info, spec.wave_column, None, "given as wave_column")
        plans = [layouts.plan_wave(spec, w, info) for w in spec.waves]
    else:
        wave_col = None
        plans = [layouts.plan_wave(spec, w, info) for w in spec.waves if _wide_present(spec, w, info)]
        if not plans:
            raise DataError(f"{path}: none of the columns named in {spec.source} is in the file; "
                            "check column_names and the variable names.")
    needed = [id_col, *([wave_col] if wave_col else []), *[c for p in plans for c in p.columns]]
    data = read_columns(info, needed)
    labels: dict[str, ColumnLabels] = {}
    chunks = []
    matched = np.zeros(data.n_rows, dtype=bool)
    for plan in plans:
        if wave_col is not None:
            rows = np.flatnonzero(_wave_rows(data.values[wave_col], plan.wave))
        else:
            rows = np.flatnonzero(_wide_rows(data, plan))
        matched[rows] = True
        if rows.size == 0:
            continue
        _collect_labels(labels, info, [id_col, *plan.columns], plan.wave.name)
        audit.extend(w for w in audit_wave(spec, plan) if w.kind != "construct_absent" or wave_col is None)
        chunk = build(spec, plan, data, rows, id_col, items=items)
        if wave_col is not None:
            _drop_unasked(spec, chunk, notes)
        chunks.append(chunk)
    if not chunks:
        raise DataError(f"{path}: no rows belong to any wave of {spec.source}.")
    left = int((~matched).sum())
    if left:
        what = ("have a wave value not listed in the spec" if wave_col is not None
                else "have no data in any wave")
        notes.append(f"{left} rows of {path.name} {what} and are not in the panel.")
    sources = [dataclasses.replace(source, waves=tuple(c.wave.name for c in chunks))]
    return chunks, sources, labels


def _wide_present(spec: Spec, wave: Wave, info: FileInfo) -> bool:
    variables = [i for c in spec.constructs.values() for i in c.items] + list(spec.covariates.values())
    return any(layouts.locate(info, layouts.candidates(spec, v, wave)) for v in variables)


def _wide_rows(data: ColumnData, plan: layouts.WavePlan) -> np.ndarray:
    present = np.zeros(data.n_rows, dtype=bool)
    for col in plan.measure_columns:  # a PSU code alone does not make a respondent
        values = data.values[col]
        present |= (values != None) if values.dtype == object else ~np.isnan(values)  # noqa: E711
        if col in data.tags:
            present |= data.tags[col] > 0
    return present


def _wave_rows(values: np.ndarray, wave: Wave) -> np.ndarray:
    target = wave.value if wave.value is not None else None
    if values.dtype != object:
        if target is None:
            target = wave.number
        try:
            return values == float(target)
        except (TypeError, ValueError):
            return np.zeros(values.shape[0], dtype=bool)
    target = str(wave.name if target is None else target)
    return np.array([v is not None and str(v).strip() == target for v in values])


def _drop_unasked(spec: Spec, chunk: WaveRows, notes: list[str]) -> None:
    """Long layout: every column is in every wave, so a construct counts as asked in
    a wave when someone has a score there (or the construct lists the wave)."""
    for name in list(chunk.scored):
        if spec.constructs[name].waves is None and not chunk.frame[name].notna().any():
            chunk.scored.remove(name)
            chunk.frame = chunk.frame.drop(columns=name)
            chunk.missing = [r for r in chunk.missing if r[2] != name]
            notes.append(f"constructs.{name}: no one has a score in wave {chunk.wave.name}, so it "
                         "is treated as not asked there.")


def _collect_labels(labels: dict[str, ColumnLabels], info: FileInfo, columns: list[str], wave: str) -> None:
    for col in dict.fromkeys(columns):
        if col in labels:
            old = labels[col]
            labels[col] = ColumnLabels(col, old.label, old.value_labels, (*old.waves, wave))
        else:
            labels[col] = ColumnLabels(col, info.column_labels.get(col),
                                       dict(info.value_labels.get(col, {})), (wave,))


# -- the panel -----------------------------------------------------------------

def _stack(chunks: list[WaveRows], waves: tuple[str, ...], columns: list[str]) -> pd.DataFrame:
    """The waves' rows as one frame sorted by person and wave, built a column at a time
    (so memory holds the waves' rows and the result, not several copies of both)."""
    sizes = [len(c.frame) for c in chunks]
    wave_index = np.repeat(np.arange(len(chunks), dtype=np.int64), sizes)
    ids = np.concatenate([c.frame["id"].to_numpy() for c in chunks])
    keys = pd.factorize(ids, sort=True)[0] if ids.dtype == object else ids
    order = np.lexsort((wave_index, keys))
    numbers = np.array([c.wave.number for c in chunks], dtype=np.int64)
    out = {"id": ids[order],
           "wave": pd.Categorical.from_codes(wave_index[order], categories=list(waves), ordered=True),
           "wave_index": wave_index[order], "wave_number": numbers[wave_index[order]]}
    for col in columns[1:]:
        parts = [c.frame[col].to_numpy(dtype=np.float64) if col in c.frame.columns
                 else np.full(len(c.frame), np.nan) for c in chunks]
        out[col] = np.concatenate(parts)[order]
    return pd.DataFrame(out, copy=False)



def _assemble(spec: Spec, data: str, chunks: list[WaveRows], sources, labels, notes: list[str],
              items: tuple[str, ...] = (), *, audit: tuple[AuditWarning, ...] = ()) -> Panel:
    kinds = {c.frame["id"].dtype.kind for c in chunks if len(c.frame)}
    if len(kinds) > 1:
        raise DataError(f"{data}: the person id {spec.id!r} is numeric in some files and text in "
                        "others; make it the same type in every file.")
    waves = tuple(c.wave.name for c in chunks)
    absent = tuple(w for w in spec.wave_names if w not in waves)
    if absent:
        notes.insert(0, f"{len(absent)} of {len(spec.waves)} waves in the spec have no data: "
                        f"{', '.join(absent)}.")
    order = spec.wave_names
    holes = [w for w in absent if waves and order.index(waves[0]) < order.index(w) < order.index(waves[-1])]
    if holes:
        notes.insert(1, f"wave{'s' if len(holes) > 1 else ''} {', '.join(holes)} ha{'ve' if len(holes) > 1 else 's'} "
                        f"no data but {'lie' if len(holes) > 1 else 'lies'} between waves that do: an interval across "
                        f"{'them' if len(holes) > 1 else 'it'} spans more than one wave (lag models refuse equal "
                        "lags over unequal intervals, or say so).")
    construct_waves = {name: tuple(c.wave.name for c in chunks if name in c.scored)
                       for name in spec.constructs}
    for name, found in list(construct_waves.items()):
        if not found:
            asked = spec.constructs[name].waves
            notes.append(f"constructs.{name}: the study asks it in waves {', '.join(asked)} only, none of which is "
                         "loaded, so it is not in the panel." if asked is not None else
                         f"constructs.{name}: its items are in none of the loaded waves, so it is not in the panel.")
            del construct_waves[name]
    item_columns = [item_column(c, k) for c in items if c in construct_waves
                    for k in range(1, len(spec.constructs[c].items) + 1)]
    long = _stack(chunks, waves, ["id", *construct_waves, *item_columns, *spec.covariates, "weight",
                                  *spec.design_roles])

    missing_rows = [r for c in chunks for r in c.missing]
    cutoffs: dict[str, tuple[float, ...] | None] = {}
    for name, g in spec.groupings.items():
        if g.levels is not None:
            groups = grouping_mod.apply_levels(name, g, long)
            long[name] = groups.values
            cutoffs[name] = None
            if groups.outside:
                for w, n in long.loc[long[name].isna(), "wave"].value_counts(sort=False).items():
                    if n:
                        missing_rows.append((w, name, name, grouping_mod.UNKNOWN_LEVEL, int(n)))
            continue
        if g.of not in long.columns:
            notes.append(f"groupings.{name}: {g.of} is not in the panel, so the grouping is empty.")
        values = long[g.of].to_numpy(np.float64) if g.of in long.columns else np.full(len(long), np.nan)
        groups = grouping_mod.apply(name, g, values, source=spec.source)
        long[name] = groups.values
        cutoffs[name] = groups.cutoffs
        if groups.outside:
            out = long[g.of].notna() & long[name].isna()
            for w, n in long.loc[out, "wave"].value_counts(sort=False).items():
                if n:
                    missing_rows.append((w, name, name, grouping_mod.OUTSIDE, int(n)))
    missing = pd.DataFrame(missing_rows, columns=list(MISSING_COLUMNS))
    missing["count"] = missing["count"].astype(np.int64)
    texts = missing[missing["reason"].str.startswith("text '")]
    if len(texts):
        # A column scored into two constructs has a row for each: count its cells once.
        cells = texts.groupby(["wave", "column", "reason"], sort=False)["count"].max()
        shown = ", ".join(f"{n} {r[5:]} in {c} (wave {w})" for (w, c, r), n in cells.items())
        notes.append(f"{int(cells.sum())} cells hold text meaning 'no value' and are treated as "
                     f"missing, counted in panel.missing: {shown}.")
    order = {w: i for i, w in enumerate(waves)}
    missing = missing.sort_values("wave", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    weight_columns = {c.wave.name: c.weight for c in chunks}
    if spec.weight is not None and any(v is None for v in weight_columns.values()):
        lacking = [w for w, v in weight_columns.items() if v is None]
        notes.append(f"no weight column in wave(s) {', '.join(lacking)}; their weight is missing.")
    design_columns = {role: {c.wave.name: c.design_columns.get(role) for c in chunks}
                      for role in spec.design_roles}
    for role, found in design_columns.items():
        lacking = [w for w, v in found.items() if v is None]
        if lacking:
            notes.append(f"no design.{role} column in wave(s) {', '.join(lacking)}; their {role} is "
                         "missing there.")
    weighted = SurveyDesign(weight=weight_columns, spec_weight=spec.weight is not None).weighted
    return Panel(spec=spec, data=data, long=long, waves=waves, absent_waves=absent,
                 construct_waves=construct_waves, missing=missing,
                 attrition=attrition_table(long, waves, weighted=weighted), labels=labels, sources=sources,
                 weight_columns=weight_columns, design_columns=design_columns,
                 grouping_cutoffs=cutoffs, notes=tuple(notes), audit=audit)
