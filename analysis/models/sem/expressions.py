"""Arithmetic expressions of parameter labels: parsing and evaluation.

The right-hand side of ``:=`` and both sides of ``==`` are R arithmetic of
labels and numbers with ``+ - * / ^``, parentheses and a few functions
(``FUNCTIONS``).  :func:`parse_expression` turns the text into a small
syntax tree; :func:`evaluate_expression` computes its value safely (no Python
``eval``) with R's IEEE semantics.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from analysis.errors import ModelSpecificationError, ModelSyntaxError
from analysis.models.sem.tokens import RESERVED, Cursor, Token, tokenize

FUNCTIONS = frozenset({"exp", "log", "log10", "sqrt", "abs", "sin", "cos", "tan", "tanh", "atan", "pnorm"})


# ---------------------------------------------------------------------- parsing
@dataclass(frozen=True)
class Num:
    """A numeric literal."""

    value: float


@dataclass(frozen=True)
class Var:
    """A parameter label (or defined-parameter name)."""

    name: str


@dataclass(frozen=True)
class Unary:
    """Unary minus or plus."""

    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary:
    """A binary operation: ``+ - * / ^``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Call:
    """A call of one of the allowed functions (see ``FUNCTIONS``)."""

    function: str
    args: tuple[Expr, ...]


Expr = Num | Var | Unary | Binary | Call


def parse_expression(text: str, *, line: int = 1) -> Expr:
    """Parse an arithmetic expression of labels, numbers and allowed functions.

    Precedence follows R: ``^`` (right associative) binds tighter than unary
    minus, which binds tighter than ``* /``, then ``+ -``.

    Raises
    ------
    ModelSyntaxError
        When the expression is malformed or uses an unknown function.
    """
    tokens = [replace(t, line=t.line + line - 1) for t in tokenize(text) if t.kind != "newline"]
    if not tokens:
        raise ModelSyntaxError("the expression is empty", line=line, token="")
    return expression_from_tokens(tokens)


def expression_from_tokens(tokens: list[Token]) -> Expr:
    """Parse an expression from the tokens of one statement side (keeping their lines).

    Raises
    ------
    ModelSyntaxError
        When the expression is malformed or uses an unknown function.
    """
    cur = Cursor(tokens, tokens[-1].line)
    expr = _sum(cur)
    extra = cur.peek()
    if extra is not None:
        raise ModelSyntaxError("unexpected token in expression", line=extra.line, token=extra.text)
    return expr


def _sum(cur: Cursor) -> Expr:
    expr = _product(cur)
    while cur.at("+") or cur.at("-"):
        op = cur.next("an operator").text
        expr = Binary(op, expr, _product(cur))
    return expr


def _product(cur: Cursor) -> Expr:
    expr = _unary(cur)
    while cur.at("*") or cur.at("/"):
        op = cur.next("an operator").text
        expr = Binary(op, expr, _unary(cur))
    return expr


def _unary(cur: Cursor) -> Expr:
    if cur.at("-") or cur.at("+"):
        op = cur.next("an operator").text
        return Unary(op, _unary(cur))
    base = _atom(cur)
    if cur.at("^"):
        cur.i += 1
        return Binary("^", base, _unary(cur))
    return base


def _atom(cur: Cursor) -> Expr:
    tok = cur.next("a number, label or '('")
    if tok.kind == "number":
        return Num(float(tok.text))
    if tok.text == "(" and tok.kind == "symbol":
        expr = _sum(cur)
        cur.expect(")")
        return expr
    if tok.kind == "name" and cur.at("("):
        if tok.text not in FUNCTIONS:
            raise ModelSyntaxError(
                f"unknown function; allowed are {', '.join(sorted(FUNCTIONS))}", line=tok.line, token=tok.text
            )
        cur.i += 1
        args = [_sum(cur)]
        while cur.at(","):
            cur.i += 1
            args.append(_sum(cur))
        cur.expect(")")
        return Call(tok.text, tuple(args))
    if tok.kind == "name" and tok.text not in RESERVED:
        return Var(tok.text)
    raise ModelSyntaxError("expected a number, label or '(' here", line=tok.line, token=tok.text)


def expression_names(expr: Expr) -> list[str]:
    """Labels used in an expression, in order of first appearance."""
    if isinstance(expr, Var):
        return [expr.name]
    if isinstance(expr, Unary):
        return expression_names(expr.operand)
    if isinstance(expr, Binary):
        left = expression_names(expr.left)
        return left + [n for n in expression_names(expr.right) if n not in left]
    if isinstance(expr, Call):
        out: list[str] = []
        for arg in expr.args:
            out += [n for n in expression_names(arg) if n not in out]
        return out
    return []


# ------------------------------------------------------------------ evaluation
def _pnorm(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


_NUMPY_FUNCTIONS = {
    "exp": np.exp,
    "log": lambda x, base=None: np.log(x) if base is None else np.log(x) / np.log(base),
    "log10": np.log10,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "tanh": np.tanh,
    "atan": np.arctan,
    "pnorm": _pnorm,
}
_ARITY = {"log": (1, 2)}


def _evaluate(expr: Expr, values: Mapping[str, float]) -> float:
    if isinstance(expr, Num):
        return np.float64(expr.value)
    if isinstance(expr, Var):
        if expr.name not in values:
            raise ModelSpecificationError(f"No value for {expr.name!r} when evaluating a defined parameter.")
        return np.float64(values[expr.name])
    if isinstance(expr, Unary):
        inner = _evaluate(expr.operand, values)
        return -inner if expr.op == "-" else inner
    if isinstance(expr, Binary):
        a, b = _evaluate(expr.left, values), _evaluate(expr.right, values)
        return {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power}[expr.op](a, b)
    assert isinstance(expr, Call)
    lo, hi = _ARITY.get(expr.function, (1, 1))
    if not lo <= len(expr.args) <= hi:
        raise ModelSpecificationError(f"{expr.function}() takes {lo} argument(s), not {len(expr.args)}.")
    return np.float64(_NUMPY_FUNCTIONS[expr.function](*(_evaluate(a, values) for a in expr.args)))


def evaluate_expression(expr: str, values: Mapping[str, float]) -> float:
    """Evaluate a ``:=`` expression safely (no Python ``eval``).

    Parameters
    ----------
    expr : str
        Arithmetic of labels and numbers with ``+ - * / ^``, parentheses and
        the functions exp, log, log10, sqrt, abs, sin, cos, tan, tanh, atan,
        pnorm.
    values : mapping of str to float
        Value of every label (and earlier defined parameter) used.

    Returns
    -------
    float
        The value, with R's IEEE semantics (``1/0`` is ``inf``, ``log(-1)`` NaN).
    """
    with np.errstate(all="ignore"):
        return float(_evaluate(_cached_parse(expr), values))


# The core evaluates the same few expressions many times (e.g. for derivatives);
# parsed expressions are immutable, so they can be shared.
_cached_parse = lru_cache(maxsize=512)(parse_expression)
