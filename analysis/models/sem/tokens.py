"""Tokens of lavaan model syntax: the lexer and the statement splitter.

Both the model parser (:mod:`analysis.models.sem.syntax`) and the expression
parser (:mod:`analysis.models.sem.expressions`) read these tokens through a
:class:`Cursor`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from analysis.errors import ModelSyntaxError

TokenKind = Literal["name", "number", "string", "op", "symbol", "newline"]

# Longest first, so that "=~" is not read as "=" and "~".
LAVAAN_OPS = ("~*~", "=~", "<~", "~~", "==", ":=", "<=", ">=", "~", "<", ">", "|", "%", ":")
_TOKEN_RE = re.compile(
    r"(?P<ws>[ \t\r\f\v]+)|(?P<newline>[\n;])|(?P<comment>[#!][^\n]*)"
    r'|(?P<string>"[^"\n]*")'
    r"|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_.][A-Za-z0-9_.]*)"
    r"|(?P<op>" + "|".join(re.escape(op) for op in LAVAAN_OPS) + r")"
    r"|(?P<symbol>[-+*/^(),?])"
)
# R's reserved words cannot name a variable or label (lavaan checks make.names).
RESERVED = frozenset(
    "if else repeat while function for next break TRUE FALSE NULL Inf NaN NA "
    "NA_integer_ NA_real_ NA_character_ in".split()
)
_CONTINUE_AFTER = frozenset({"+", "-", "*", "/", "^", ",", "(", "?"} | set(LAVAAN_OPS))
# Not "-": a line may start a constraint such as '-0.5 == a'.
_CONTINUE_BEFORE = frozenset({"+", "*", "/", "^", ",", ")", "?"} | set(LAVAAN_OPS))


@dataclass(frozen=True)
class Token:
    """One lexical token with its 1-based source line."""

    kind: TokenKind
    text: str
    line: int


def tokenize(model: str) -> list[Token]:
    """Split model syntax into tokens (comments and blanks dropped, ``;`` as newline).

    Raises
    ------
    ModelSyntaxError
        On a character that cannot start any token, naming its line.
    """
    tokens: list[Token] = []
    line, pos = 1, 0
    model = model.replace("\u02dc", "~")  # some locales type a 'small tilde'
    while pos < len(model):
        match = _TOKEN_RE.match(model, pos)
        if match is None:
            raise ModelSyntaxError(
                "unexpected character; names may only contain letters, digits, '_' and '.'",
                line=line,
                token=model[pos],
            )
        kind, text = match.lastgroup, match.group()
        pos = match.end()
        if kind == "newline":
            tokens.append(Token("newline", text, line))
            line += text == "\n"
        elif kind == "string":
            tokens.append(Token("string", text[1:-1], line))
        elif kind not in ("ws", "comment"):
            tokens.append(Token(kind, text, line))  # type: ignore[arg-type]
    return tokens


def split_statements(tokens: list[Token]) -> list[list[Token]]:
    """Group tokens into statements, joining lines that continue a statement."""
    statements: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.kind != "newline":
            depth += (tok.text == "(") - (tok.text == ")")
            current.append(tok)
            continue
        if not current:
            continue
        following = next((t for t in tokens[i + 1 :] if t.kind != "newline"), None)
        joined = (
            depth > 0
            or current[-1].text in _CONTINUE_AFTER and current[-1].kind != "string"
            or (following is not None and following.text in _CONTINUE_BEFORE and following.kind != "string")
        )
        if not joined:
            statements.append(current)
            current = []
    if current:
        statements.append(current)
    return statements


class Cursor:
    """A read position in one statement's tokens."""

    def __init__(self, tokens: list[Token], end_line: int):
        self.tokens, self.i, self.end_line = tokens, 0, end_line
        # Errors at the end of a statement point at its last token.
        self.last = tokens[-1].text if tokens else ""

    def peek(self, ahead: int = 0) -> Token | None:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

    def next(self, what: str) -> Token:
        tok = self.peek()
        if tok is None:
            raise ModelSyntaxError(f"the statement ends where {what} was expected", line=self.end_line, token=self.last)
        self.i += 1
        return tok

    def expect(self, text: str) -> Token:
        tok = self.next(f"'{text}'")
        if tok.text != text or tok.kind == "string":
            raise ModelSyntaxError(f"expected '{text}' here", line=tok.line, token=tok.text)
        return tok

    def at(self, text: str, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok is not None and tok.kind != "string" and tok.text == text

    def at_call(self, name: str | None = None) -> bool:
        """True when the next tokens are ``name(`` (any name if ``name`` is None)."""
        tok = self.peek()
        return tok is not None and tok.kind == "name" and name in (None, tok.text) and self.at("(", 1)
