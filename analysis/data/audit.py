"""Audit a spec against the files' own metadata: what the value labels say the codes mean.

The UK Data Service's SPSS and Stata files label their codes.  A spec that declares
a code missing when the file labels it as a value (ELSA's ``indager`` codes people
aged 90 and over as -7, labelled "90+") would silently drop those people; a valid
range with codes the file leaves unlabelled while it labels the others suggests a
wrong range.  For each wave file read, :func:`audit_wave` warns, naming the file,
wave, column, code and label, when

* a code declared missing (``missing.codes``), and not recoded to a value by the
  variable's or construct's ``recode``, carries a label that reads as a value;
* a valid code of an item has no label while the item's other valid codes do;
* a construct without a ``waves:`` list has none of its items in the file (it is
  then silently scored in fewer waves than a reader may assume);
* the spec names a weight, PSU or stratum and the file has none of its columns.

The warnings are metadata-only (no data are read for them).  ``validate-spec``
prints them (``--strict`` makes them an error), as do ``describe`` and the run
report's data section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from analysis.data.layouts import WavePlan, candidates
from analysis.data.spec import Construct, Spec, Variable

#: Words that mark a label as a reason for missingness, not a value.
MISSING_WORDS = ("missing", "refus", "don't know", "dont know", "don’t know", "not know", "not applicable",
                 "inapplicable", "not asked", "proxy", "not answered", "no answer", "incomplete",
                 "not completed", "not returned", "schedule", "error", "not available", "no data",
                 "not interviewed", "unable", "not stated", "unknown", "does not apply", "n/a", "skip")
#: Words that mark a label as a value (an answer or a quantity).
VALUE_WORDS = ("none", "never", "not at all", "hardly ever", "yes", "no", "or over", "or more", "and over",
               "and above", "or older", "aged", "years", "plus")
#: At most this many codes in a valid range are checked for missing labels.
MAX_LABELLED_RANGE = 12


@dataclass(frozen=True)
class AuditWarning:
    """One finding: where, which code and label, and what to do, in one sentence."""

    kind: str
    file: str
    wave: str
    column: str | None
    code: float | None
    label: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "file": self.file, "wave": self.wave, "column": self.column,
                "code": self.code, "label": self.label, "message": self.message}


def reads_as_value(label: str) -> bool:
    """Whether a value label reads as a valid value ("90+", "aged 90 or over", "none") rather than a reason."""
    text = label.strip().lower()
    if any(w in text for w in MISSING_WORDS):
        return False
    if re.search(r"\d", text):
        return True
    return any(re.search(rf"(^|\W){re.escape(w)}($|\W)", text) for w in VALUE_WORDS)


def _code(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _recoded(code: float, *maps: dict | None) -> bool:
    """``code`` is recoded to a value (not to null) by one of the recode maps."""
    for m in maps:
        if m and code in m:
            return m[code] is not None
    return False


def _variables(spec: Spec, plan: WavePlan):
    """(column, spec key path, variable, construct or None) for every column the wave reads."""
    for name, columns in plan.constructs.items():
        c = spec.constructs[name]
        for i, column in enumerate(columns):
            yield column, f"constructs.{name}.items[{i}]", c.items[i], c
    for name, column in plan.covariates.items():
        yield column, f"covariates.{name}", spec.covariates[name], None


def _missing_labelled_as_value(spec: Spec, plan: WavePlan, file: str) -> list[AuditWarning]:
    out = []
    labels = plan.info.value_labels
    for column, key, var, construct in _variables(spec, plan):
        vl = labels.get(column) or {}
        for code, reason in spec.missing.codes.items():
            label = vl.get(float(code))
            if label is None or not reads_as_value(label):
                continue
            if _recoded(float(code), var.recode, construct.recode if construct is not None else None):
                continue
            out.append(AuditWarning(
                kind="missing_code_labelled_as_value", file=file, wave=plan.wave.name, column=column,
                code=float(code), label=label,
                message=(f"{file}, wave {plan.wave.name}, column {column} ({key}): code {_code(code)} is declared "
                         f"missing ({reason!r} under missing.codes) but the file labels it {label!r}, which reads "
                         f"as a value; people with it would be dropped. Recode it, e.g. recode: "
                         f"{{{_code(code)}: <value>}} under {key.split('.items')[0]}.")))
    return out


def _raw_valid_codes(var: Variable, construct: Construct | None) -> list[float] | None:
    """The released codes that end up inside the valid range (None when the range is too wide to list)."""
    valid = var.valid if construct is None else construct.valid  # type: ignore[attr-defined]
    if valid is None:
        return None
    lo, hi = float(valid[0]), float(valid[1])
    recode = var.recode or (construct.recode if construct is not None else None)
    if recode:
        return sorted(float(k) for k, v in recode.items() if v is not None and lo <= float(v) <= hi)
    if not (lo.is_integer() and hi.is_integer()) or hi - lo + 1 > MAX_LABELLED_RANGE:
        return None
    return [float(v) for v in range(int(lo), int(hi) + 1)]


def _valid_unlabelled(spec: Spec, plan: WavePlan, file: str) -> list[AuditWarning]:
    out = []
    for column, key, var, construct in _variables(spec, plan):
        if construct is None:  # covariates (ages, years) are mostly unlabelled numbers
            continue
        vl = plan.info.value_labels.get(column) or {}
        codes = _raw_valid_codes(var, construct)
        if not vl or not codes:
            continue
        labelled = [c for c in codes if c in vl]
        bare = [c for c in codes if c not in vl]
        if labelled and bare:
            shown = ", ".join(f"{_code(c)} {vl[c]!r}" for c in labelled[:4])
            out.append(AuditWarning(
                kind="valid_code_unlabelled", file=file, wave=plan.wave.name, column=column, code=bare[0],
                label=None,
                message=(f"{file}, wave {plan.wave.name}, column {column} ({key}): the valid code "
                         f"{', '.join(_code(c) for c in bare[:4])} has no label while the item's other codes do "
                         f"({shown}); check the valid range and recode against the questionnaire.")))
    return out


def _absent(spec: Spec, plan: WavePlan, file: str) -> list[AuditWarning]:
    out = []
    for name, c in spec.constructs.items():
        if c.waves is None and name not in plan.constructs:
            out.append(AuditWarning(
                kind="construct_absent", file=file, wave=plan.wave.name, column=None, code=None, label=None,
                message=(f"{file}, wave {plan.wave.name}: none of the items of constructs.{name} are in the file, "
                         f"so {name} is not scored in wave {plan.wave.name}; list the waves that ask it under "
                         f"constructs.{name}.waves to make this explicit.")))
    names = candidates(spec, spec.weight, plan.wave) if spec.weight is not None else ()
    if names and plan.weight is None:  # by_wave: null declares the wave has no weight
        out.append(AuditWarning(
            kind="weight_absent", file=file, wave=plan.wave.name, column=None, code=None, label=None,
            message=(f"{file}, wave {plan.wave.name}: none of the weight columns the spec names "
                     f"({', '.join(names[:4])}) is in the file; this wave's weights are missing.")))
    for role, column in plan.design.items():
        if column is None and candidates(spec, getattr(spec.design, role), plan.wave):
            out.append(AuditWarning(
                kind=f"{role}_absent", file=file, wave=plan.wave.name, column=None, code=None, label=None,
                message=(f"{file}, wave {plan.wave.name}: the spec's design.{role} column is not in the file; "
                         f"this wave's {'PSUs' if role == 'psu' else 'strata'} are missing.")))
    return out


def audit_wave(spec: Spec, plan: WavePlan) -> list[AuditWarning]:
    """Every audit warning for one wave file (see the module docstring)."""
    file = plan.info.path.name
    return [*_missing_labelled_as_value(spec, plan, file), *_valid_unlabelled(spec, plan, file),
            *_absent(spec, plan, file)]
