"""Tests for the lavaan model-syntax parser."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.errors import ModelSpecificationError, ModelSyntaxError
from analysis.models.sem.expressions import Binary, Call, Num, Unary, Var, expression_names, parse_expression
from analysis.models.sem.syntax import Modifiers, parse_model
from analysis.models.sem.tokens import split_statements, tokenize


def triples(model: str) -> list[tuple[str, str, str]]:
    return [(e.lhs, e.op, e.rhs) for e in parse_model(model).elements]


def mods(model: str, rhs: str) -> Modifiers:
    return next(e.modifiers for e in parse_model(model).elements if e.rhs == rhs)


def same(a: tuple[float, ...] | None, b: tuple[float, ...]) -> bool:
    return a is not None and len(a) == len(b) and all(x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(a, b))


def syntax_error(model: str) -> ModelSyntaxError:
    with pytest.raises(ModelSyntaxError) as info:
        parse_model(model)
    err = info.value
    assert f"line {err.line}" in str(err)
    assert repr(err.token) in str(err)
    return err


# --------------------------------------------------------------- operators
def test_measurement_regression_covariance_and_intercept() -> None:
    model = "f =~ x1 + x2 + x3\ny ~ f + z\nx1 ~~ x2\ny ~ 1"
    assert triples(model) == [
        ("f", "=~", "x1"),
        ("f", "=~", "x2"),
        ("f", "=~", "x3"),
        ("y", "~", "f"),
        ("y", "~", "z"),
        ("x1", "~~", "x2"),
        ("y", "~1", ""),
    ]


def test_several_names_on_both_sides_expand_to_all_pairs_lhs_first() -> None:
    assert triples("wx2 + wy2 ~ wx1 + wy1") == [
        ("wx2", "~", "wx1"),
        ("wx2", "~", "wy1"),
        ("wy2", "~", "wx1"),
        ("wy2", "~", "wy1"),
    ]
    assert triples("a + b ~~ c") == [("a", "~~", "c"), ("b", "~~", "c")]


def test_intercept_with_label_value_and_zero() -> None:
    model = "x ~ a*1\nw ~ 0*1\nz ~ 0\nv ~ start(2)*1"
    assert triples(model) == [("x", "~1", ""), ("w", "~1", ""), ("z", "~1", ""), ("v", "~1", "")]
    els = parse_model(model).elements
    assert els[0].modifiers.label == ("a",)
    assert els[1].modifiers.fixed == (0.0,)
    assert els[2].modifiers.fixed == (0.0,)  # 'y ~ 0' fixes the intercept at 0 (lavaan)
    assert els[3].modifiers.start == (2.0,)


def test_regression_with_intercept_and_predictors() -> None:
    assert triples("y ~ 1 + x") == [("y", "~1", ""), ("y", "~", "x")]


def test_names_with_dots_underscores_and_digits() -> None:
    assert triples("f.1_a =~ x.1 + x_2 + X3") == [("f.1_a", "=~", "x.1"), ("f.1_a", "=~", "x_2"), ("f.1_a", "=~", "X3")]


# --------------------------------------------------------------- modifiers
@pytest.mark.parametrize(
    ("term", "fixed"),
    [("1*x", (1.0,)), ("0*x", (0.0,)), ("-0.5*x", (-0.5,)), ("+2*x", (2.0,)), ("1e-2*x", (0.01,)), (".5*x", (0.5,))],
)
def test_fixed_values(term: str, fixed: tuple[float, ...]) -> None:
    assert same(mods(f"f =~ {term}", "x").fixed, fixed)


def test_na_frees_a_parameter() -> None:
    assert same(mods("f =~ NA*x1 + x2", "x1").fixed, (math.nan,))


def test_labels_unquoted_quoted_label_and_equal() -> None:
    model = 'f =~ a*x1 + "b"*x2 + label("c")*x3 + equal("d")*x4'
    assert [e.modifiers.label for e in parse_model(model).elements] == [("a",), ("b",), ("c",), ("d",)]


def test_start_values() -> None:
    assert mods("f =~ x1 + start(0.5)*x2", "x2").start == (0.5,)
    assert mods("f =~ x1 + 0.5?x2", "x2").start == (0.5,)
    assert mods("f =~ x1 + start(c(1, 2))*x2", "x2").start == (1.0, 2.0)


def test_fixed_function() -> None:
    assert mods("f =~ x1 + fixed(2)*x2", "x2").fixed == (2.0,)


def test_vectors_of_labels_values_and_na() -> None:
    assert mods("f =~ x1 + c(a1, a1)*x2", "x2").label == ("a1", "a1")
    assert mods("f =~ x1 + c(a, b)*x2", "x2").label == ("a", "b")
    assert mods('f =~ x1 + c("a", NA)*x2', "x2").label == ("a", "")
    assert same(mods("f =~ x1 + c(1, NA)*x2", "x2").fixed, (1.0, math.nan))
    assert same(mods("f =~ x1 + c(NA, NA)*x2", "x2").fixed, (math.nan, math.nan))
    assert mods("f =~ x1 + c(-1, .5)*x2", "x2").fixed == (-1.0, 0.5)


def test_several_modifiers_on_one_term() -> None:
    m = mods("f =~ x1 + a*start(1)*x2", "x2")
    assert m.label == ("a",) and m.start == (1.0,) and m.fixed is None
    m = mods("f =~ x1 + 2*b*x2", "x2")
    assert m.label == ("b",) and m.fixed == (2.0,)


def test_same_modifier_twice_last_wins() -> None:
    assert mods("f =~ x1 + a*b*x2", "x2").label == ("b",)


def test_repeated_element_merges_modifiers() -> None:
    model = "f =~ x1 + x2\nf =~ NA*x1\nf =~ start(2)*x1"
    parsed = parse_model(model)
    assert triples(model) == [("f", "=~", "x1"), ("f", "=~", "x2")]
    m = parsed.elements[0].modifiers
    assert same(m.fixed, (math.nan,)) and m.start == (2.0,)


# ---------------------------------------------------- layout of statements
def test_comments_and_semicolons() -> None:
    model = "# a comment\nf =~ x1 + x2 ! another\n\ny ~ f; z ~ f  # trailing\n"
    assert triples(model) == [("f", "=~", "x1"), ("f", "=~", "x2"), ("y", "~", "f"), ("z", "~", "f")]


@pytest.mark.parametrize(
    "model",
    [
        "f =~ x1 +\n  x2 +\n  x3",
        "f =~ x1\n  + x2\n  + x3",
        "f =~\n x1 + x2 + x3",
        "f =~ x1 + x2 + 1*\n x3",
        "f =~ x1 + x2 + c(1,\n 1)*x3",
    ],
)
def test_continuation_lines(model: str) -> None:
    assert [e.rhs for e in parse_model(model).elements] == ["x1", "x2", "x3"]


def test_continuation_after_regression_operator() -> None:
    assert triples("y ~\n  x1 + x2") == [("y", "~", "x1"), ("y", "~", "x2")]


def test_leading_plus_on_rhs_is_ignored() -> None:
    assert triples("f =~ + x1 + x2") == [("f", "=~", "x1"), ("f", "=~", "x2")]


def test_element_lines_are_recorded() -> None:
    els = parse_model("\nf =~ x1 +\n x2\ny ~ f").elements
    assert [e.line for e in els] == [2, 3, 4]


def test_tokenize_and_split() -> None:
    toks = tokenize('a =~ 1*x # c\nb ~ "lab"*y')
    kinds = ["name", "op", "number", "symbol", "name", "newline", "name", "op", "string", "symbol", "name"]
    assert [t.kind for t in toks] == kinds
    assert toks[8].text == "lab"
    assert len(split_statements(toks)) == 2


# ------------------------------------------------- definitions, constraints
def test_definitions_and_constraints_keep_order() -> None:
    parsed = parse_model("y ~ a*x + b*m\nab := a * b\na == b\nc := exp( a ) / 2")
    assert [(d.name, d.expression) for d in parsed.definitions] == [("ab", "a*b"), ("c", "exp(a)/2")]
    assert [(c.lhs, c.op, c.rhs) for c in parsed.constraints] == [("a", "==", "b")]
    assert [type(x).__name__ for x in parsed.extras] == ["Definition", "Constraint", "Definition"]


def test_inequality_is_parsed_here_and_rejected_by_the_table() -> None:
    parsed = parse_model("y ~ a*x\na > 0")
    assert parsed.constraints[0].op == ">"


def test_expression_precedence_follows_r() -> None:
    assert parse_expression("-2^2") == Unary("-", Binary("^", Num(2.0), Num(2.0)))
    assert parse_expression("2^3^2") == Binary("^", Num(2.0), Binary("^", Num(3.0), Num(2.0)))
    assert parse_expression("a+b*c") == Binary("+", Var("a"), Binary("*", Var("b"), Var("c")))
    assert parse_expression("(a+b)*c") == Binary("*", Binary("+", Var("a"), Var("b")), Var("c"))
    assert parse_expression("log(a, 2)") == Call("log", (Var("a"), Num(2.0)))
    assert expression_names(parse_expression("a*b + sqrt(a) - c/.p3.")) == ["a", "b", "c", ".p3."]


# ------------------------------------------------------------------- errors
def test_error_names_line_and_token_for_missing_plus() -> None:
    err = syntax_error("f =~ x1 + x2\ny ~ f x3")
    assert (err.line, err.token) == (2, "x3")


def test_error_unexpected_character() -> None:
    err = syntax_error("f =~ x1\n\ny ~ f + @x3")
    assert (err.line, err.token) == (3, "@")


def test_error_statement_without_operator() -> None:
    err = syntax_error("f =~ x1 + x2\ng x3")
    assert (err.line, err.token) == (2, "g")


def test_error_dangling_plus_at_end() -> None:
    err = syntax_error("f =~ x1 + x2 +")
    assert (err.line, err.token) == (1, "+")


def test_error_missing_sides() -> None:
    assert syntax_error("=~ x1").token == "=~"
    assert syntax_error("f =~").token == "=~"
    assert syntax_error("f =~ x1\n:= a").line == 2


def test_error_modifier_on_lhs() -> None:
    err = syntax_error("f =~ x1\na*y ~ x")
    assert (err.line, err.token) == (2, "a")


def test_error_two_operators() -> None:
    err = syntax_error("f =~ x1 + x2 ~ x3")
    assert err.token == "~"


def test_error_reserved_or_invalid_names() -> None:
    assert syntax_error("if =~ x1").token == "if"
    assert syntax_error("f =~ _x").token == "_x"
    assert syntax_error("f =~ x1 + NA").token == "NA"


def test_error_number_as_variable() -> None:
    err = syntax_error("y ~ x + 2")
    assert err.token == "2"
    assert syntax_error("f =~ x1 + 3").token == "3"


def test_error_bad_vectors_and_starts() -> None:
    assert syntax_error("f =~ x1 + c(a, 1)*x2").token == "c"
    assert syntax_error("f =~ x1 + start(a)*x2").token == "start"
    assert syntax_error("f =~ x1 + foo(1)*x2").token == "foo"
    assert syntax_error("f =~ x1 + c(1, 2*x2").line == 1


def test_error_in_definition_expression() -> None:
    err = syntax_error("y ~ a*x\n\nd := a * foo(2)")
    assert (err.line, err.token) == (3, "foo")
    err = syntax_error("y ~ a*x\nd := a *")
    assert (err.line, err.token) == (2, "*")
    assert syntax_error("y ~ a*x\nd + e := a").token == "+"


@pytest.mark.parametrize(
    ("model", "words"),
    [
        ("f <~ x1 + x2", "<~"),
        ("y | t1", "thresholds"),
        ("group: 1\nf =~ x1", "group: 1"),
        ("f =~ x1 + lower(0)*x2", "lower()"),
        ("f =~ f", "measured by itself"),
        ("y ~ x1:x2", "'x1:x2'"),
        ("", "empty"),
    ],
)
def test_unsupported_or_impossible_specifications(model: str, words: str) -> None:
    with pytest.raises(ModelSpecificationError) as info:
        parse_model(model)
    assert words in str(info.value)


# ---------------------------------------------------------- property tests
_VALUE = st.one_of(st.just(math.nan), st.floats(-5, 5, allow_nan=False).map(lambda x: round(x, 3)))
_LABEL = st.sampled_from(["a", "b1", "lam.2", "c_d"])
_MODIFIER = st.one_of(
    _VALUE.map(lambda v: ("fixed", (v,))),
    _LABEL.map(lambda v: ("label", (v,))),
    st.floats(-5, 5, allow_nan=False).map(lambda v: ("start", (round(v, 3),))),
    st.lists(_VALUE, min_size=2, max_size=3).map(lambda vs: ("fixed", tuple(vs))),
    st.lists(_LABEL, min_size=2, max_size=3).map(lambda vs: ("label", tuple(vs))),
)


def _render(kind: str, values: tuple) -> str:
    def one(v) -> str:
        return "NA" if isinstance(v, float) and math.isnan(v) else str(v)

    body = one(values[0]) if len(values) == 1 else "c(" + ", ".join(one(v) for v in values) + ")"
    return f"start({body})*" if kind == "start" else f"{body}*"


@given(
    lhs=st.lists(st.sampled_from(["f1", "f2", "eta"]), min_size=1, max_size=2, unique=True),
    op=st.sampled_from(["=~", "~", "~~"]),
    terms=st.lists(
        st.tuples(st.sampled_from([f"x{i}" for i in range(1, 9)]), st.lists(_MODIFIER, max_size=2)),
        min_size=1,
        max_size=4,
        unique_by=lambda t: t[0],
    ),
    sep=st.sampled_from([" + ", "+", " +\n  ", "\n + "]),
)
def test_random_statements_parse_to_their_pairs_and_modifiers(lhs, op, terms, sep) -> None:
    text = " + ".join(lhs) + f" {op} " + sep.join("".join(_render(*m) for m in mods) + name for name, mods in terms)
    parsed = parse_model(text)
    assert triples(text) == [(l, op, name) for l in lhs for name, _ in terms]
    for el in parsed.elements:
        expected: dict[str, tuple] = {}
        for kind, values in dict(terms)[el.rhs]:
            expected[kind] = values  # a later modifier of one kind wins
        for kind in ("fixed", "start", "label"):
            got = getattr(el.modifiers, kind)
            if kind not in expected:
                assert got is None
            elif kind == "label":
                assert got == expected[kind]
            else:
                assert same(got, expected[kind])
