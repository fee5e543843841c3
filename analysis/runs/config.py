"""Analysis configs (``analyses/*.yaml``): what one reproducible run does.

Example::

    title: Loneliness and mental health in the synthetic cohort
    data:
      spec: ../data_specs/synthetic.yaml      # relative to this file
      synthetic: {cohort: ukhls, n: 5000, waves: 5, seed: 1}   # or  path: /data/ukhls
    crosslag:
      - {x: loneliness, y: ghq_likert, model: riclpm, lags: invariant, sensitivity: true}
    groups:
      - {x: loneliness, y: ghq_likert, groupings: all}
      - {x: loneliness, y: ghq_likert, crossed: [life_stage, stigma_group]}   # cells 16-29 × high, ...
    moderation:
      - {x: loneliness, y: ghq_likert, moderator: perceived_stigma}
      - {x: loneliness, y: ghq_likert, moderator: perceived_stigma, method: both, by: life_stage}   # also in the RI-CLPM
    causal:
      - {exposure: loneliness, outcome: ghq_likert, mediator: perceived_stigma}
    invariance:                               # items measure the constructs alike?
      - {x: loneliness, y: perceived_stigma}                      # over waves
      - {x: loneliness, y: perceived_stigma, group: life_stage}   # across groups
    cohorts:                                  # other studies, to pool with this one
      - {name: ELSA-like, spec: ../data_specs/synthetic_ct_elsa.yaml,
         synthetic: {cohort: elsa, continuous: true, n: 5000, waves: 5, seed: 2}}
    pool:                                     # cross-lags on a common interval, pooled across studies
      - {x: loneliness, y: distress, model: riclpm, interval: 1}
    output: {disclosure_threshold: 10, figure_formats: [png, svg]}
    seed: 1

Validated on load; every mistake is one sentence naming the file and key.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from analysis.data.spec_load import load_yaml
from analysis.errors import SpecError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SyntheticSource(_Strict):
    cohort: Literal["ukhls", "elsa"] = "ukhls"
    n: int = Field(5000, ge=50, le=500_000)
    waves: int = Field(5, ge=3, le=26)
    seed: int = Field(1, ge=0)
    format: Literal["dta", "sav"] = "dta"
    # From one continuous-time model (analysis.synth.continuous): ukhls yearly, elsa two-yearly waves.
    continuous: bool = False


class DataSection(_Strict):
    spec: str
    path: str | None = None
    synthetic: SyntheticSource | None = None

    @model_validator(mode="after")
    def _one_source(self) -> "DataSection":
        if (self.path is None) == (self.synthetic is None):
            raise ValueError("give exactly one of 'path' (a folder of data files) or 'synthetic' (a built-in cohort)")
        return self


class CohortSource(DataSection):
    """Another study to pool with the run's own (``data``): its name, spec and data."""

    name: str = Field(min_length=1)


class PoolItem(_Strict):
    """Cross-lags of ``x`` and ``y`` in every study, moved to ``interval`` years and pooled (random effects)."""

    x: str
    y: str
    model: Literal["clpm", "riclpm", "dpm"] = "riclpm"
    interval: float = Field(1.0, gt=0, le=100, allow_inf_nan=False)
    allow_unequal_intervals: bool = False


class CrossLagItem(_Strict):
    x: str
    y: str
    model: Literal["clpm", "riclpm", "dpm"] = "riclpm"
    waves: list[str] | None = None
    lags: Literal["free", "invariant"] = "invariant"
    innovations: Literal["free", "invariant"] = "free"
    covariates: list[str] = []
    estimator: Literal["ml", "mlr"] = "ml"
    compare_models: bool = True
    sensitivity: bool = True
    # Consent to lags equal over intervals of unequal length (as --allow-unequal-intervals; said in the report).
    allow_unequal_intervals: bool = False


class GroupsItem(_Strict):
    """Groups compared: each of ``groupings`` on its own, or the cells of ``crossed`` groupings.

    ``crossed: [life_stage, stigma_group]`` (two or three groupings, or one string
    ``life_stage,stigma_group``) fits one multigroup model over the cells of the
    cross-classification (``16-29 × high``) with tests of all cells equal, each
    grouping's main difference and the interaction (issue 20);
    ``exclude_groups`` leaves out cells or groups of the crossing on purpose.
    """

    x: str
    y: str
    groupings: list[str] | Literal["all"] = "all"
    crossed: list[str] | None = None
    exclude_groups: list[str] = []
    model: Literal["clpm", "riclpm", "dpm"] = "riclpm"
    waves: list[str] | None = None
    lags: Literal["free", "invariant"] = "invariant"
    allow_unequal_intervals: bool = False

    @field_validator("crossed", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        # "life_stage,stigma_group", as the CLI's --group takes it.
        return [part.strip() for part in value.split(",")] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _crossing(self) -> "GroupsItem":
        if self.crossed is None:
            if self.exclude_groups:
                raise ValueError("exclude_groups leaves out cells of crossed groupings; give it together with "
                                 "'crossed' (e.g. crossed: [life_stage, stigma_group])")
            return self
        names = self.crossed
        if not 2 <= len(names) <= 3:
            raise ValueError(f"crossed lists two or three groupings to cross (e.g. [life_stage, stigma_group]), "
                             f"not {len(names)}")
        if not all(names):
            raise ValueError("crossed has an empty grouping name; list two or three groupings, e.g. "
                             "[life_stage, stigma_group]")
        twice = [g for k, g in enumerate(names) if g in names[:k]]
        if twice:
            raise ValueError(f"crossed names the grouping {twice[0]!r} twice; cross two or three different groupings")
        if "groupings" in self.model_fields_set and self.groupings != "all":  # "all", the default, as a manifest records it
            raise ValueError("give either 'groupings' (each grouping compared on its own) or 'crossed' (the cells of "
                             "crossed groupings compared), not both; use two items for both")
        return self


class ModerationItem(_Strict):
    """A continuous moderator of the cross-lags (e.g. the stigma score).

    ``method``: ``fixed-effects`` (default) fixed-effects regressions with a lag x moderator
    interaction (:mod:`analysis.models.moderation`); ``sem`` the moderator inside the RI-CLPM,
    on the within-person cross-lags (:mod:`analysis.models.sem_moderation`), optionally ``by``
    a grouping (one interaction per group and a test that they are equal) with ``estimator``;
    ``both`` both, set side by side.
    """

    x: str
    y: str
    moderator: str
    waves: list[str] | None = None
    allow_unequal_intervals: bool = False
    method: Literal["fixed-effects", "sem", "both"] = "fixed-effects"
    by: str | None = None
    estimator: Literal["ml", "mlr"] = "ml"

    @model_validator(mode="after")
    def _sem_options(self) -> "ModerationItem":
        if self.method == "fixed-effects":
            if self.by is not None:
                raise ValueError("by (one interaction per group) is an option of the moderation inside the SEM; "
                                 "give method: sem or method: both with it")
            if self.estimator != "ml":
                raise ValueError("estimator is an option of the moderation inside the SEM; give method: sem or "
                                 "method: both with it")
        if self.by is not None and not self.by.strip():
            raise ValueError("by is empty; give a grouping of the spec, e.g. life_stage")
        return self


class CausalItem(_Strict):
    exposure: str
    outcome: str
    mediator: str | None = None
    stigma_role: Literal["confounder", "mediator"] = "mediator"
    direction: Literal["forward", "both"] = "both"
    bootstrap: int = Field(200, ge=0, le=10_000)
    #: Simulations per refutation check (the dashboard's report passes the page's, so both show one result).
    simulations: int = Field(30, ge=2, le=10_000)


class InvarianceItem(_Strict):
    """Measurement invariance of two constructs' items (RI-CLPM with items as indicators).

    Without ``group``: configural, metric and scalar invariance over waves; with it:
    configural against metric invariance across the grouping's groups.
    """

    x: str
    y: str
    waves: list[str] | None = None
    group: str | None = None
    over_waves: Literal["configural", "metric", "scalar"] = "metric"
    lags: Literal["free", "invariant"] = "invariant"
    allow_unequal_intervals: bool = False


class SurveySection(_Strict):
    """How the survey's weights and design are used (see data_specs/README.md)."""

    weighted: bool = True  # false: unweighted, simple-random-sample SEs (a sensitivity check; the report says so)
    weight_rule: Literal["last", "first"] = "last"


class OutputSection(_Strict):
    disclosure_threshold: int = Field(10, ge=1)
    figure_formats: list[Literal["png", "svg"]] = ["png", "svg"]
    report: bool = True


class AnalysisConfig(_Strict):
    """A validated analysis config (frozen)."""

    title: str = "Loneliness and mental health: cross-lagged analysis"
    description: str = ""
    data: DataSection
    crosslag: list[CrossLagItem] = []
    groups: list[GroupsItem] = []
    moderation: list[ModerationItem] = []
    causal: list[CausalItem] = []
    invariance: list[InvarianceItem] = []
    cohorts: list[CohortSource] = []
    pool: list[PoolItem] = []
    survey: SurveySection = SurveySection()
    output: OutputSection = OutputSection()
    seed: int = Field(1, ge=0)

    # Set by load_config: where the file was and what it contained.
    source: str = ""
    sha256: str = ""

    @model_validator(mode="after")
    def _studies(self) -> "AnalysisConfig":
        names = [c.name for c in self.cohorts]
        twice = [n for k, n in enumerate(names) if n in names[:k]]
        if twice:
            raise ValueError(f"cohorts: the name {twice[0]!r} is used twice; give each study its own name")
        if self.pool and not self.cohorts:
            raise ValueError("pool needs at least one other study under cohorts (spec and data each) to pool with "
                             "the run's own data")
        return self

    def resolve(self, path: str) -> Path:
        """A path from the config, relative to the config file's folder."""
        p = Path(path)
        if p.is_absolute() or not self.source:
            return p
        return (Path(self.source).parent / p).resolve()


def load_config(path: str | os.PathLike[str]) -> AnalysisConfig:
    """Read and validate an analysis config; errors name the file and key."""
    file = Path(path)
    if not file.is_file():
        raise SpecError(f"{path}: no such analysis config file.")
    raw = file.read_bytes()
    try:
        # Repeated keys and nesting too deep to read are one sentence, as in a data spec.
        data = load_yaml(raw.decode("utf-8"), source=str(path))
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not a valid YAML file ({str(exc).splitlines()[0]}).") from None
    return parse_config(data, source=str(file), sha256=hashlib.sha256(raw).hexdigest())


def parse_config(data: Any, *, source: str = "<config>", sha256: str = "") -> AnalysisConfig:
    """Validate an already-parsed config mapping."""
    if not isinstance(data, dict):
        raise SpecError(f"{source}: an analysis config must be a mapping with keys such as data, crosslag, groups.")
    if "source" in data or "sha256" in data:
        raise SpecError(f"{source}: 'source' and 'sha256' are filled in by the workbench; remove them.")
    try:
        return AnalysisConfig.model_validate({**data, "source": source, "sha256": sha256})
    except ValidationError as exc:
        raise SpecError(f"{source}: {_message(exc)}") from None


def _message(exc: ValidationError) -> str:
    err = min(exc.errors(include_url=False), key=lambda e: (e["type"] != "extra_forbidden", len(e["loc"])))
    loc = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in err["loc"]).replace(".[", "[")
    if err["type"] == "extra_forbidden":
        key = str(err["loc"][-1])
        parent = ".".join(str(p) for p in err["loc"][:-1])
        allowed = _allowed(err["loc"][:-1])
        hint = difflib.get_close_matches(key, allowed, n=1)
        return (f"{parent + ': ' if parent else ''}unknown key {key!r}"
                + (f"; did you mean {hint[0]!r}?" if hint else f"; allowed keys are {', '.join(allowed)}."))
    msg = err["msg"].replace("Value error, ", "")
    return f"{loc}: {msg}." if loc else f"{msg}."


def _allowed(loc: tuple) -> list[str]:
    model: Any = AnalysisConfig
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return []
        ann = field.annotation
        for cand in getattr(ann, "__args__", ()) + (ann,):
            inner = getattr(cand, "__args__", ())
            for c in (cand, *inner):
                if isinstance(c, type) and issubclass(c, BaseModel):
                    model = c
                    break
    return [k for k in model.model_fields if k not in ("source", "sha256")]
