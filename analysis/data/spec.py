"""The data-spec schema: frozen pydantic models of a ``data_specs/*.yaml`` file.

A spec says where a cohort's files are (``layout``, ``files``/``file``,
``waves``), how columns are named in each wave (``column_names``), which
released values are missing (``missing``), and how to turn item responses
into scored constructs, covariates, a weight, the sample design (PSU and
strata columns) and derived groupings.  See
``data_specs/synthetic.yaml`` for a commented example of every key.

Shorthands accepted in YAML: a wave may be just its name, and a variable
(item, covariate, weight) just its column name.  Names may contain
``{wave}`` (the wave's name) and ``{number}`` (its number); ``column_names``
places them in each wave's files, e.g. ``"{wave}_{name}"`` for UKHLS.

Cross-field rules (reverse-scored items that are not items, unknown waves,
groupings of unknown measures, ...) are checked in :mod:`.spec_checks`;
:func:`~analysis.data.spec_load.load_spec` runs both and reports problems as
:class:`~analysis.errors.SpecError` naming the file and key path.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
WAVE_PATTERN = r"^[A-Za-z0-9_]+$"
#: Column names of the long panel that measures may not take.
RESERVED = ("id", "wave", "wave_index", "wave_number", "weight", "psu", "strata")

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]  # NaN compares false with everything
Whole = Annotated[int, Field(strict=True)]
Flag = Annotated[bool, Field(strict=True)]
Text = Annotated[str, Field(strict=True, min_length=1)]
Name = Annotated[str, Field(strict=True, pattern=NAME_PATTERN)]


def _as_tuple(value: Any) -> Any:
    """One name or a list of alternatives -> tuple of names."""
    return (value,) if isinstance(value, str) else value


def _wave_name(value: Any) -> Any:
    # ``waves: [1, 2, 3]`` is natural YAML for numbered waves; names are text.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Names = Annotated[tuple[Text, ...], BeforeValidator(_as_tuple), Field(min_length=1)]
WaveName = Annotated[str, BeforeValidator(_wave_name), Field(strict=True, pattern=WAVE_PATTERN)]
Range = tuple[Number, Number]
RecodeMap = dict[Number, Number | None]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _name_shorthand(value: Any) -> Any:
    return {"name": value} if isinstance(value, (str, list)) else value


class Variable(_Model):
    """A released column, possibly named differently (or absent) in some waves.

    ``name`` may list alternatives: the first one present in a wave's file is
    used (e.g. the weight family that exists in that wave).  ``by_wave`` gives
    other names for particular waves; ``null`` there means "not in this wave".
    """

    name: Names
    by_wave: dict[WaveName, Names | None] = {}
    label: Text | None = None
    recode: RecodeMap | None = None

    @property
    def key(self) -> str:
        """The name the spec uses for this variable (its first name)."""
        return self.name[0]


Item = Annotated[Variable, BeforeValidator(_name_shorthand)]


class Covariate(Variable):
    """A per-wave covariate such as age or sex (numeric codes are kept)."""

    valid: Range | None = None
    out_of_range: Literal["error", "missing"] | None = None


class Weight(Variable):
    """The survey weight of each wave (the longitudinal weight from wave 2 on)."""

    required: Flag = True


class DesignColumn(Variable):
    """The PSU or stratum column of each wave (``required`` None: as ``design.required``)."""

    required: Flag | None = None


DesignVariable = Annotated[DesignColumn, BeforeValidator(_name_shorthand)]


class Design(_Model):
    """The complex sample design: primary sampling unit (PSU) and stratum columns per wave.

    Named like the weight (alternatives, ``{wave}``/``{number}``, ``by_wave``).
    A wave file without them is an error unless ``required: false`` (here, for
    both, or under ``psu``/``strata``), when their values are missing there.
    """

    psu: DesignVariable | None = None
    strata: DesignVariable | None = None
    required: Flag = True

    def is_required(self, role: Literal["psu", "strata"]) -> bool:
        """Whether a wave file must hold the ``role`` column."""
        column = getattr(self, role)
        return self.required if column is None or column.required is None else column.required

    @property
    def roles(self) -> tuple[str, ...]:
        """``psu`` and/or ``strata``: the design columns the spec declares."""
        return tuple(r for r in ("psu", "strata") if getattr(self, r) is not None)


class Construct(_Model):
    r"""A scale scored from items in each wave where its items are present.

    Per item: ``recode`` (applied to the released values), then missing codes,
    then the ``valid`` range, then reversal (:math:`lo + hi - x`).  The score
    is the ``sum`` or ``mean`` of the answered items when at least
    ``min_items`` are answered (default: all); with ``prorate`` a sum is
    scaled up to the full number of items, :math:`k \sum / m`.
    """

    label: Text | None = None
    items: Annotated[tuple[Item, ...], Field(min_length=1)]
    valid: Range
    score: Literal["sum", "mean", "max"] = "sum"
    recode: RecodeMap | None = None
    reverse: tuple[Text, ...] = ()
    min_items: Annotated[int, Field(strict=True, ge=1)] | None = None
    prorate: Flag = False
    waves: tuple[WaveName, ...] | None = None
    stigma: Flag = False
    out_of_range: Literal["error", "missing"] | None = None

    @property
    def item_names(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)

    @property
    def required_items(self) -> int:
        return self.min_items if self.min_items is not None else len(self.items)


class Grouping(_Model):
    """Groups of a construct or covariate: named ``bands``, ``cutoffs`` or ``quantiles``.

    ``bands`` map a label to an inclusive ``[from, to]`` range (``null`` for
    open).  With ``cutoffs`` or ``quantiles`` a value equal to a cut-off goes
    to the lower group; quantile cut-offs are computed from all scored
    person-waves of the panel.

    Or, without ``of``, ``levels`` map a label to a 0/1 measure (e.g. a
    diagnosed condition): a person-wave is in the first level whose measure is
    positive (list the most severe first), else in ``otherwise`` when every
    measure is known.  With ``ever: true`` a measure once positive stays
    positive at the person's later waves ("ever reported up to then").
    """

    of: Name | None = None
    label: Text | None = None
    levels: dict[Text, Names] | None = None
    otherwise: Text | None = None
    ever: Flag = False
    bands: dict[Text, tuple[Number | None, Number | None]] | None = None
    cutoffs: tuple[Number, ...] | None = None
    quantiles: tuple[Number, ...] | None = None
    labels: tuple[Text, ...] | None = None


class Missing(_Model):
    """Released values that mean "missing", with the reason shown in counts."""

    codes: dict[Number, Text] = {}
    out_of_range: Literal["error", "missing"] = "error"


def _wave_shorthand(value: Any) -> Any:
    return {"name": value} if isinstance(value, (str, int)) and not isinstance(value, bool) else value


class Wave(_Model):
    """One wave: its name, number, file name pattern(s) and (long layout) code."""

    name: WaveName
    number: Annotated[int, Field(strict=True, ge=0)]
    file: Names | None = None
    value: Annotated[int, Field(strict=True)] | Text | None = None


def _interval(value: Any) -> Any:
    """``interval``: a positive number of years, or a mapping wave -> positive years (one sentence if not)."""
    def years(v: Any) -> bool:
        return (isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and 0 < v < float("inf"))

    if value is None or years(value):
        return None if value is None else float(value)
    if isinstance(value, dict) and value:
        bad = [k for k, v in value.items() if not years(v)]
        if bad:
            raise ValueError(f"the years since the wave before wave {_wave_name(bad[0])!r} should be a positive "
                             f"number, not {value[bad[0]]!r}")
        return {_wave_name(k): float(v) for k, v in value.items()}
    raise ValueError(f"should be the years between waves, a positive number (e.g. 1 or 2) or a mapping from each "
                     f"wave after the first to the years since the wave before it, not {value!r}")


class Spec(_Model):
    """A validated, frozen data spec (see the module docstring).

    ``interval`` is the time between waves in years: one number (years per step of the
    wave numbers, e.g. 1 for UKHLS, 2 for ELSA), or a mapping from each wave after the
    first to the years since the wave before it in the list.  Lag models use it to say
    (and pooling to convert) over how many years a lagged effect acts.
    """

    cohort: Text
    description: Text | None = None
    layout: Literal["waves", "long", "wide"] = "waves"
    id: Text
    files: Names | None = None
    exclude_files: Names = ()
    file: Text | None = None
    wave_column: Text | None = None
    column_names: Text = "{name}"
    waves: Annotated[tuple[Wave, ...], Field(min_length=1)]
    missing: Missing = Missing()
    constructs: Annotated[dict[Name, Construct], Field(min_length=1)]
    covariates: dict[Name, Annotated[Covariate, BeforeValidator(_name_shorthand)]] = {}
    weight: Annotated[Weight, BeforeValidator(_name_shorthand)] | None = None
    design: Design | None = None
    groupings: dict[Name, Grouping] = {}
    interval: Annotated[float | dict[str, float] | None, BeforeValidator(_interval)] = None

    _path: str | None = PrivateAttr(default=None)
    _sha256: str | None = PrivateAttr(default=None)

    @field_validator("waves", mode="before")
    @classmethod
    def _number_waves(cls, value: Any) -> Any:
        # Waves are numbered by position (1, 2, ...) unless a number is given.
        if not isinstance(value, (list, tuple)):
            return value
        out = []
        for i, wave in enumerate(value):
            wave = _wave_shorthand(wave)
            if isinstance(wave, dict) and "number" not in wave:
                wave = {**wave, "number": i + 1}
            out.append(wave)
        return out

    # -- convenience --------------------------------------------------------
    @property
    def path(self) -> str | None:
        """The spec file as given to :func:`load_spec` (None if built from a dict)."""
        return self._path

    @property
    def sha256(self) -> str | None:
        """SHA-256 of the spec file's bytes (None if built from a dict)."""
        return self._sha256

    @property
    def source(self) -> str:
        """How messages name this spec: its path, or ``<spec>``."""
        return self._path or "<spec>"

    @property
    def wave_names(self) -> tuple[str, ...]:
        return tuple(w.name for w in self.waves)

    @property
    def stigma_measures(self) -> tuple[str, ...]:
        """Constructs marked ``stigma: true``."""
        return tuple(name for name, c in self.constructs.items() if c.stigma)

    @property
    def design_roles(self) -> tuple[str, ...]:
        """Design columns of the long panel (``psu``, ``strata``) that the spec declares."""
        return self.design.roles if self.design is not None else ()

    def years_between(self, first: str, second: str) -> float | None:
        """Years from wave ``first`` to a later wave ``second`` (None when the spec gives no ``interval``)."""
        if self.interval is None:
            return None
        if isinstance(self.interval, float):
            return self.interval * (self.wave(second).number - self.wave(first).number)
        names = self.wave_names
        return float(sum(self.interval[w] for w in names[names.index(first) + 1:names.index(second) + 1]))

    def wave(self, name: str) -> Wave:
        for wave in self.waves:
            if wave.name == name:
                return wave
        raise KeyError(name)
