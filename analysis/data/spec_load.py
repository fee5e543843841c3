"""load_spec: read a YAML data spec into a frozen, validated :class:`~analysis.data.spec.Spec`.

Every problem is one :class:`~analysis.errors.SpecError` sentence naming the
spec file and the key path, e.g. ``data_specs/ukhls.yaml: constructs.loneliness.
items[2]: ...``; an unknown key gets a "did you mean" suggestion.  YAML
mappings with a repeated key are rejected (PyYAML would keep the last one).
"""

from __future__ import annotations

import difflib
import hashlib
import os
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from analysis.data.spec import Spec
from analysis.data.spec_checks import check_spec, key_path
from analysis.errors import SpecError

PLACEHOLDER = "<spec>"


class _UniqueKeys:
    """Refuse repeated keys in a mapping (mixed into a safe YAML loader)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: list = []
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.append(key)
        return super().construct_mapping(node, deep=deep)


class _UniqueKeyLoader(_UniqueKeys, yaml.SafeLoader):
    """Safe YAML loader (pure Python) that refuses repeated keys in a mapping."""


#: The same with libyaml's parser where PyYAML has it (several times faster); a file it refuses is read
#: again by the pure-Python loader, whose messages the errors quote.
_FAST = (yaml.CSafeLoader, type("_CUniqueKeyLoader", (_UniqueKeys, yaml.CSafeLoader), {})) \
    if getattr(yaml, "__with_libyaml__", False) else None


def load_spec(path: str | os.PathLike[str]) -> Spec:
    """Read, validate and freeze a data spec.

    Parameters
    ----------
    path : str or PathLike
        A ``.yaml`` file (see ``data_specs/``).

    Returns
    -------
    Spec
        Frozen; ``spec.path`` and ``spec.sha256`` identify the file read.

    Raises
    ------
    SpecError
        If the file is missing, is not YAML, or breaks the schema; the
        message names the file and key path.
    """
    source = os.fspath(path)
    file = Path(source)
    if not file.is_file():
        raise SpecError(f"{source}: no such spec file." if not file.exists()
                        else f"{source} is not a file; give the path of a .yaml data spec.")
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"{source} is not a UTF-8 text file; a data spec is YAML text.") from None
    data = load_yaml(text, source=source)
    spec = parse_spec(data, source=source)
    spec._path = source
    spec._sha256 = hashlib.sha256(raw).hexdigest()
    return spec


def parse_spec(data: Any, *, source: str = PLACEHOLDER) -> Spec:
    """Validate an already-parsed spec (a mapping, as from YAML).

    ``source`` names the spec in error messages.
    """
    if not isinstance(data, Mapping):
        got = "nothing" if data is None else f"a {type(data).__name__}"
        raise SpecError(f"{source}: a data spec must be a mapping of keys (cohort, id, waves, "
                        f"constructs, ...), but the file holds {got}.")
    try:
        spec = Spec.model_validate(dict(data))
    except ValidationError as exc:
        raise SpecError(_sentence(f"{source}: {_pydantic_message(exc, data)}")) from None
    if source != PLACEHOLDER:
        spec._path = source
    check_spec(spec)
    return spec


#: Deepest nesting of mappings and lists a spec or config may have (the shipped ones have 5).
MAX_DEPTH = 64


def load_yaml(text: str, *, source: str) -> Any:
    """Parse YAML text safely: repeated keys and nesting deeper than :data:`MAX_DEPTH` are refused.

    PyYAML builds nested values recursively, so a deeply nested file would end in
    Python's ``RecursionError``; the nesting is measured first from the event stream
    (which stops at the first level too deep) and reported with its line.

    Raises
    ------
    SpecError
        Naming ``source`` and the line: not valid YAML, a repeated key, or nested too deeply.
    """
    if _FAST is not None:
        try:
            return _parse(text, source, *_FAST)
        except (yaml.YAMLError, RecursionError):
            pass  # said below, in the pure-Python parser's words
    try:
        return _parse(text, source, yaml.SafeLoader, _UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise SpecError(_yaml_message(source, exc)) from None
    except RecursionError:  # aliases can nest without nesting the text
        raise SpecError(f"{source}: nested too deeply to read (anchors and aliases within each other?); "
                        "a spec or config needs a few levels.") from None


def _parse(text: str, source: str, events_loader: type, loader: type) -> Any:
    """The depth check on the event stream, then the values."""
    depth = 0
    for event in yaml.parse(text, Loader=events_loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise SpecError(f"{source}: line {event.start_mark.line + 1}, column "
                                f"{event.start_mark.column + 1}: nested more than {MAX_DEPTH} levels deep; a "
                                "spec or config needs a few levels (see data_specs/synthetic.yaml).")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return yaml.load(text, Loader=loader)  # noqa: S506 (safe loaders)


def _yaml_message(source: str, exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{source}: {where}not valid YAML ({problem})."


# -- pydantic errors -> one sentence ------------------------------------------

def _pydantic_message(exc: ValidationError, data: Any) -> str:
    errors = exc.errors(include_url=False)
    # Union members each report an error; the most specific one is most useful.
    rank = {"extra_forbidden": 0, "missing": 1}
    error = min(errors, key=lambda e: (rank.get(e["type"], 2), -len(e["loc"])))
    loc = _data_path(error["loc"], data, keep_last=error["type"] == "missing")
    kind = error["type"]
    if kind == "extra_forbidden":
        key = loc[-1]
        where = key_path(loc[:-1])
        hint = _did_you_mean(str(key), _allowed_keys(loc[:-1]))
        return f"{where + ': ' if where else ''}unknown key {key!r}{hint}"
    if kind == "missing":
        where = key_path(loc[:-1])
        return f"{where + ': ' if where else ''}missing required key {loc[-1]!r}"
    where = key_path(loc)
    return f"{where + ': ' if where else ''}{_detail(error)}"


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?")) else text + "."


def _detail(error: dict) -> str:
    msg = error["msg"]
    value = error.get("input")
    if error["type"] == "string_pattern_mismatch":
        first = "" if error["loc"][:1] == ("waves",) else " (not starting with a digit)"
        return f"{value!r} is not a usable name; use letters, digits and _ only{first}"
    if msg.startswith("Value error, "):
        return msg.removeprefix("Value error, ")
    if msg.startswith("Input should be "):
        return f"should be {msg.removeprefix('Input should be ')}, not {_show(value)}"
    return f"{msg[:1].lower()}{msg[1:]} (got {_show(value)})"


def _show(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return repr(value)


def _data_path(loc: tuple, data: Any, *, keep_last: bool) -> tuple:
    """The part of a pydantic location that exists in the input (drops union tags)."""
    out: list = []
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, Mapping):
            match = _find_key(node, part)
            if match is not _MISSING:
                out.append(match)
                node = node[match]
                continue
            if last and keep_last:
                out.append(part)
            elif isinstance(part, str) and last and part not in _TAGS and not part.startswith(_TAG_PREFIXES):
                out.append(part)  # an extra key is present in the data under another spelling
            continue
        if isinstance(node, (list, tuple)) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
            continue
    return tuple(out)


_MISSING = object()
_TAGS = {"str", "int", "float", "bool", "list", "tuple", "dict", "[key]", "none"}
_TAG_PREFIXES = ("function-", "constrained-", "nullable[", "tuple[", "list[", "dict[", "union[",
                 "json-or-python[", "lax-or-strict[")


def _find_key(node: Mapping, part: Any) -> Any:
    if part in node:
        return part
    for key in node:  # dict keys that pydantic turned into text (e.g. numbers)
        if str(key) == str(part):
            return key
    try:
        number = float(part)
    except (TypeError, ValueError):
        return _MISSING
    for key in node:
        if isinstance(key, (int, float)) and not isinstance(key, bool) and float(key) == number:
            return key
    return _MISSING


def _allowed_keys(loc: tuple) -> list[str]:
    """Field names of the model found at ``loc`` in the Spec schema (empty if unknown)."""
    node: Any = Spec
    for part in loc:
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return []
            node = field.annotation
        elif typing.get_origin(node) is dict:
            node = typing.get_args(node)[1]
        elif typing.get_origin(node) in (tuple, list):
            node = typing.get_args(node)[0]
        else:
            return []
    node = _unwrap(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(node.model_fields)
    return []


def _unwrap(node: Any) -> Any:
    """Strip Annotated and Optional/Union wrappers, preferring a model or container."""
    while True:
        origin = typing.get_origin(node)
        if origin is typing.Annotated:
            node = typing.get_args(node)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(node) if a is not type(None)]
            models = [a for a in args if isinstance(_unwrap(a), type) and issubclass(_unwrap(a), BaseModel)]
            node = models[0] if models else args[0]
            continue
        return node


def _did_you_mean(key: str, allowed: list[str]) -> str:
    if not allowed:
        return ""
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; allowed keys are {', '.join(allowed)}"
