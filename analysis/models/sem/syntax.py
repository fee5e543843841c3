"""Parser for lavaan model syntax (the equivalent of ``lavParseModelString``).

The parser turns a model string into *flat elements* (one per
``lhs op rhs`` pair, with their modifiers), variable definitions (``:=``)
and constraints (``==``, ``<``, ``>``).  It knows nothing of defaults:
:mod:`analysis.models.sem.partable` adds those.  Tokens come from
:mod:`analysis.models.sem.tokens`; the arithmetic of ``:=`` and ``==`` is
parsed by :mod:`analysis.models.sem.expressions`.

Supported, as in lavaan: ``=~``, ``~``, ``~~``, ``~ 1``, ``:=``, ``==``;
modifiers ``1*x``, ``NA*x``, ``a*x``, ``"a"*x``, ``start(.5)*x``,
``fixed(1)*x``, ``label("a")*x``, ``equal("a")*x``, ``0.5?x`` and per-group
vectors ``c(...)``; several names on either side; ``#``/``!`` comments;
``;`` or newlines between statements; a statement continues on the next line
when a line ends with an operator, ``+`` or ``*`` or inside parentheses, or
when the next line starts with one.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, replace

from analysis.errors import ModelSpecificationError, ModelSyntaxError
from analysis.models.sem.expressions import expression_from_tokens
from analysis.models.sem.tokens import RESERVED, Cursor, Token, split_statements, tokenize

_FORMULA_OPS = frozenset({"=~", "~", "~~"})
_UNSUPPORTED_OPS = {
    "<~": "formative indicators (<~)",
    "~*~": "scaling factors (~*~)",
    "|": "thresholds (|)",
    "%": "group weights (%)",
    ":": "block syntax such as 'group: 1'",
}


@dataclass(frozen=True)
class Modifiers:
    """Modifiers of one parameter; each is a per-group tuple or ``None``.

    ``fixed`` holds floats, NaN meaning ``NA`` (free the parameter);
    ``label`` holds strings, ``""`` meaning no label for that group.
    """

    fixed: tuple[float, ...] | None = None
    start: tuple[float, ...] | None = None
    label: tuple[str, ...] | None = None

    def merged(self, other: Modifiers) -> Modifiers:
        """Combine with later modifiers; a later modifier of one kind wins (as lavaan)."""
        return Modifiers(
            fixed=other.fixed if other.fixed is not None else self.fixed,
            start=other.start if other.start is not None else self.start,
            label=other.label if other.label is not None else self.label,
        )


@dataclass(frozen=True)
class Element:
    """One flat model element ``lhs op rhs``; intercepts have op ``"~1"`` and rhs ``""``."""

    lhs: str
    op: str
    rhs: str
    modifiers: Modifiers
    line: int


@dataclass(frozen=True)
class Definition:
    """A defined parameter ``name := expression`` (expression without spaces, as lavaan)."""

    name: str
    expression: str
    line: int


@dataclass(frozen=True)
class Constraint:
    """A constraint ``lhs op rhs`` with op one of ``==``, ``<``, ``>``."""

    lhs: str
    op: str
    rhs: str
    line: int


@dataclass(frozen=True)
class ParsedModel:
    """The parsed model: elements in syntax order, then definitions and constraints."""

    elements: tuple[Element, ...]
    definitions: tuple[Definition, ...]
    constraints: tuple[Constraint, ...]
    # := and == rows in the order written (lavaan keeps one list for both).
    extras: tuple[Definition | Constraint, ...] = ()


def _check_name(tok: Token) -> str:
    if tok.kind != "name":
        raise ModelSyntaxError("expected a variable name here", line=tok.line, token=tok.text)
    if tok.text in RESERVED or tok.text.startswith("_") or re.match(r"\.\d", tok.text):
        raise ModelSyntaxError(
            "this is not a valid variable name (a reserved word, or starting with '_' or '.digit')",
            line=tok.line,
            token=tok.text,
        )
    return tok.text


def _signed_number(cur: Cursor) -> float:
    """Read ``NA``, or a number with an optional sign; NaN stands for NA."""
    tok = cur.next("a number")
    sign = 1.0
    if tok.text in ("-", "+") and tok.kind == "symbol":
        sign = -1.0 if tok.text == "-" else 1.0
        tok = cur.next("a number")
    if tok.kind == "name" and tok.text == "NA":
        return math.nan
    if tok.kind != "number":
        raise ModelSyntaxError("expected a number (or NA) here", line=tok.line, token=tok.text)
    return sign * float(tok.text)


def _vector_item(cur: Cursor) -> float | str:
    tok = cur.peek()
    if tok is not None and tok.kind == "string":
        cur.i += 1
        return tok.text
    if tok is not None and tok.kind == "name" and tok.text != "NA":
        cur.i += 1
        return _check_name(tok)
    return _signed_number(cur)


def _arguments(cur: Cursor) -> tuple[list[float | str], Token]:
    """Read ``( item, ... )`` where an item may itself be ``c(...)``."""
    open_tok = cur.expect("(")
    items: list[float | str] = []
    while True:
        if cur.at_call("c"):
            cur.i += 1
            items.extend(_arguments(cur)[0])
        else:
            items.append(_vector_item(cur))
        if cur.at(","):
            cur.i += 1
            continue
        cur.expect(")")
        return items, open_tok


def _as_numbers(items: list[float | str], tok: Token, what: str) -> tuple[float, ...]:
    if any(isinstance(x, str) for x in items):
        raise ModelSyntaxError(f"{what}() needs numbers (or NA)", line=tok.line, token=what)
    return tuple(float(x) for x in items)


def _as_labels(items: list[float | str], tok: Token, what: str) -> tuple[str, ...]:
    # NA inside a label vector means "no label in this group" (lavaan).
    if any(isinstance(x, float) and not math.isnan(x) for x in items):
        raise ModelSyntaxError(
            f"{what}() mixes labels and numbers; write c(...) with only labels or only numbers",
            line=tok.line,
            token=what,
        )
    return tuple("" if isinstance(x, float) else x for x in items)


def _modifier(cur: Cursor) -> Modifiers:
    """Read one modifier (the part before a ``*`` or ``?``)."""
    tok = cur.peek()
    assert tok is not None
    if tok.kind == "string":
        cur.i += 1
        return Modifiers(label=(tok.text,))
    if cur.at_call():
        cur.i += 1
        items, _ = _arguments(cur)
        fn = tok.text
        if fn == "c":
            # All numbers/NA: fixed values (NA frees); otherwise labels (NA = none).
            if all(isinstance(x, float) for x in items):
                return Modifiers(fixed=_as_numbers(items, tok, fn))
            return Modifiers(label=_as_labels(items, tok, fn))
        if fn in ("start", "fixed"):
            values = _as_numbers(items, tok, fn)
            return Modifiers(start=values) if fn == "start" else Modifiers(fixed=values)
        if fn in ("label", "equal"):
            return Modifiers(label=_as_labels(items, tok, fn))
        if fn in ("lower", "upper", "prior", "efa", "rv"):
            raise ModelSpecificationError(f"The {fn}() modifier (line {tok.line}) is not supported yet; remove it.")
        raise ModelSyntaxError("unknown modifier function", line=tok.line, token=fn)
    if tok.kind == "name" and tok.text != "NA":
        cur.i += 1
        return Modifiers(label=(_check_name(tok),))
    return Modifiers(fixed=(_signed_number(cur),))


def _term(cur: Cursor, op: str) -> tuple[str, Modifiers, Token]:
    """Read ``modifier*modifier*...*name``; returns (rhs, modifiers, token)."""
    mods = Modifiers()
    while True:
        tok = cur.peek()
        if tok is None:
            raise ModelSyntaxError(
                "the statement ends where a variable name was expected", line=cur.end_line, token=cur.last
            )
        is_last = cur.peek(1) is None or cur.at("+", 1)
        if is_last and tok.kind in ("name", "number"):
            cur.i += 1
            rhs = _term_variable(tok, op, mods)
            if rhs == "" and float(tok.text) == 0:
                mods = Modifiers(fixed=(0.0,))
            return rhs, mods, tok
        start_i = cur.i
        mod = _modifier(cur)
        sep = cur.next("'*' followed by a variable name")
        if sep.text == "?" and sep.kind == "symbol" and mod.fixed is not None:
            mod = Modifiers(start=mod.fixed)  # lavaan: '0.5?x' means start(0.5)*x
        elif sep.text != "*" or sep.kind != "symbol":
            bad = sep if cur.i - start_i > 1 else tok
            raise ModelSyntaxError("expected '+' or '*' here", line=bad.line, token=bad.text)
        mods = mods.merged(mod)


def _term_variable(tok: Token, op: str, mods: Modifiers) -> str:
    if tok.kind == "name":
        if tok.text == "NA":
            raise ModelSyntaxError("NA needs a '*' and a variable name after it", line=tok.line, token=tok.text)
        return _check_name(tok)
    if op == "~" and float(tok.text) == 1:
        return ""
    if op == "~" and float(tok.text) == 0 and mods == Modifiers():
        return ""  # 'y ~ 0' fixes the intercept at zero (lavaan)
    raise ModelSyntaxError(
        "expected a variable name here (only '~ 1' may have a number as the right-hand side)",
        line=tok.line,
        token=tok.text,
    )


def _formula(stmt: list[Token], op_index: int) -> list[Element]:
    op_tok = stmt[op_index]
    lhs_tokens, rhs_tokens = stmt[:op_index], stmt[op_index + 1 :]
    if not lhs_tokens:
        raise ModelSyntaxError("the left-hand side is missing", line=op_tok.line, token=op_tok.text)
    if not rhs_tokens:
        raise ModelSyntaxError("the right-hand side is missing", line=op_tok.line, token=op_tok.text)
    lhs_names: list[str] = []
    for j, tok in enumerate(lhs_tokens):
        expected_name = j % 2 == 0
        if expected_name:
            if tok.kind == "name" and j + 1 < len(lhs_tokens) and lhs_tokens[j + 1].text == "*":
                raise ModelSyntaxError("modifiers are not allowed on the left-hand side", line=tok.line, token=tok.text)
            lhs_names.append(_check_name(tok))
        elif tok.text != "+" or tok.kind != "symbol":
            raise ModelSyntaxError("expected '+' between names on the left-hand side", line=tok.line, token=tok.text)
    if lhs_tokens[-1].text == "+" and lhs_tokens[-1].kind == "symbol":
        raise ModelSyntaxError("the left-hand side ends with '+'", line=op_tok.line, token=op_tok.text)
    # Leading '+' on the rhs is dropped silently (lavaan: text copied from PDFs).
    if rhs_tokens[0].text == "+" and rhs_tokens[0].kind == "symbol":
        rhs_tokens = rhs_tokens[1:]
    cur = Cursor(rhs_tokens, stmt[-1].line)
    terms: list[tuple[str, Modifiers, Token]] = []
    while True:
        terms.append(_term(cur, op_tok.text))
        if cur.peek() is None:
            break
        cur.expect("+")
    elements = []
    for lhs in lhs_names:
        for rhs, mods, tok in terms:
            op = "~1" if op_tok.text == "~" and rhs == "" else op_tok.text
            if op == "=~" and rhs == lhs:
                raise ModelSpecificationError(
                    f"Latent variable '{lhs}' cannot be measured by itself (line {tok.line})."
                )
            elements.append(Element(lhs, op, rhs, mods, tok.line))
    return elements


def _expression_text(tokens: list[Token]) -> str:
    """Render expression tokens as lavaan does: concatenated without spaces."""
    return "".join(f'"{t.text}"' if t.kind == "string" else t.text for t in tokens)


def _statement(stmt: list[Token]) -> list[Element] | Definition | Constraint:
    depth, op_index = 0, None
    for j, tok in enumerate(stmt):
        depth += (tok.text == "(") - (tok.text == ")")
        if tok.kind == "op" and depth == 0:
            if op_index is not None and tok.text == ":":
                raise ModelSpecificationError(
                    f"Interaction terms such as '{stmt[j - 1].text}:{stmt[min(j + 1, len(stmt) - 1)].text}' "
                    f"(line {tok.line}) are not supported; add the product as a column of the data instead."
                )
            if op_index is not None:
                raise ModelSyntaxError("a statement may contain only one operator", line=tok.line, token=tok.text)
            op_index = j
    if op_index is None:
        raise ModelSyntaxError(
            "this statement has no operator (such as =~, ~, ~~, :=, ==)", line=stmt[0].line, token=stmt[0].text
        )
    op_tok = stmt[op_index]
    op = op_tok.text
    if op in _UNSUPPORTED_OPS:
        raise ModelSpecificationError(f"{_UNSUPPORTED_OPS[op]} (line {op_tok.line}) are not supported yet.")
    if op in _FORMULA_OPS:
        return _formula(stmt, op_index)
    lhs, rhs = stmt[:op_index], stmt[op_index + 1 :]
    if not lhs or not rhs:
        side = "left" if not lhs else "right"
        raise ModelSyntaxError(f"the {side}-hand side is missing", line=op_tok.line, token=op)
    expression_from_tokens(rhs)  # syntax check now, with the right line numbers
    if op == ":=":
        if len(lhs) != 1:
            raise ModelSyntaxError(
                "the left-hand side of ':=' must be a single new name", line=lhs[1].line, token=lhs[1].text
            )
        return Definition(_check_name(lhs[0]), _expression_text(rhs), op_tok.line)
    expression_from_tokens(lhs)
    op = {"<=": "<", ">=": ">"}.get(op, op)
    return Constraint(_expression_text(lhs), op, _expression_text(rhs), op_tok.line)


def parse_model(model: str) -> ParsedModel:
    """Parse lavaan model syntax into flat elements, definitions and constraints.

    Elements with the same ``lhs op rhs`` written twice are merged, a later
    modifier of one kind replacing an earlier one (lavaan 0.6-17+).

    Parameters
    ----------
    model : str
        The model syntax.

    Returns
    -------
    ParsedModel

    Raises
    ------
    ModelSyntaxError
        When the text is not valid syntax (names the line and token).
    ModelSpecificationError
        For valid syntax that is not supported (e.g. ``<~``, ``lower()``).
    """
    if isinstance(model, str):
        return _parse_text(model)
    return _parse(model)


@functools.lru_cache(maxsize=64)
def _parse_text(model: str) -> ParsedModel:
    """The parse of a model text, remembered (a comparison fits a few texts several times; the result is immutable)."""
    return _parse(model)


def _parse(model: str) -> ParsedModel:
    statements = split_statements(tokenize(model))
    if not statements:
        raise ModelSpecificationError("The model syntax is empty; write at least one formula such as 'f =~ x1 + x2'.")
    elements: dict[tuple[str, str, str], Element] = {}
    extras: list[Definition | Constraint] = []
    for stmt in statements:
        parsed = _statement(stmt)
        if not isinstance(parsed, list):
            extras.append(parsed)
            continue
        for el in parsed:
            key = (el.lhs, el.op, el.rhs)
            old = elements.get(key)
            elements[key] = el if old is None else replace(old, modifiers=old.modifiers.merged(el.modifiers))
    return ParsedModel(
        elements=tuple(elements.values()),
        definitions=tuple(x for x in extras if isinstance(x, Definition)),
        constraints=tuple(x for x in extras if isinstance(x, Constraint)),
        extras=tuple(extras),
    )
