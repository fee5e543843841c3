"""Bad input, part 3: numeric command-line options (issue 17).

Every numeric option has bounds: NaN, infinities, negative, zero where it makes no sense
and absurdly large values are one sentence naming the option, exit code 2, before any
work starts (``power --n 50000000`` used to run out of memory, ``--cross-lag nan`` to end
in a LinAlgError traceback).
"""

from __future__ import annotations

import pytest

SPEC_AND_DATA = ("--spec", "spec.yaml", "--data", "data")
CASES = {
    "synth": (("--out", "out"), [
        ("--n", "0"), ("--n", "50000000"), ("--n", "1e3"), ("--waves", "1"), ("--waves", "27"),
        ("--seed", "-1"), ("--seed", str(2**40)),
    ]),
    "power": (("--backend", "serial"), [
        ("--n", "nan"), ("--n", "10"), ("--n", "50000000"), ("--n", "200,-5"), ("--waves", "1"), ("--waves", "31"),
        ("--icc", "nan"), ("--icc", "1"), ("--icc", "-0.5"), ("--cross-lag", "nan"), ("--cross-lag", "inf"),
        ("--cross-lag", "0.1,1.5"), ("--cross-lag-yx", "-inf"), ("--autoregression", "1"),
        ("--autoregression-y", "nan"), ("--within-cor", "nan"), ("--within-cor", "1"), ("--ri-cor", "-1"),
        ("--ri-cor", "inf"), ("--reliability", "0"), ("--reliability", "1.5"), ("--attrition", "1"),
        ("--attrition", "-0.1"), ("--replicates", "0"), ("--replicates", str(10**10)), ("--alpha", "0"),
        ("--alpha", "nan"), ("--target-power", "1"), ("--seed", "-1"), ("--seed", str(10**20)), ("--jobs", "0"),
        ("--jobs", "1000000"),
    ]),
    "bootstrap": (("--data", "wide.csv", "--x", "x", "--y", "y"), [
        ("--replicates", "0"), ("--replicates", str(10**9)), ("--level", "1"), ("--level", "nan"),
        ("--jackknife", "1"), ("--jackknife", "-5"), ("--seed", "-3"), ("--jobs", "-2"),
    ]),
    "causal": ((*SPEC_AND_DATA, "--exposure", "loneliness", "--outcome", "ghq_likert"), [
        ("--bootstrap", "1"), ("--bootstrap", str(10**7)), ("--simulations", "1"), ("--simulations", str(10**9)),
        ("--level", "0"), ("--level", "inf"), ("--seed", "-1"), ("--seed", str(2**33)), ("--binary-threshold", "nan"),
        ("--binary-threshold", "inf"), ("--binary-threshold", "loneliness=nan"),
    ]),
}
PARAMS = [pytest.param(command, rest, option, value, id=f"{command} {option} {value}")
          for command, (rest, cases) in CASES.items() for option, value in cases]


@pytest.mark.parametrize("command, rest, option, value", PARAMS)
def test_a_numeric_option_out_of_bounds_names_the_option(cli, tmp_path, monkeypatch, command, rest, option, value):
    monkeypatch.chdir(tmp_path)  # nothing may be written, but if it were, it lands here
    err = cli(command, *rest, option, value).error
    assert f"Argument {option}:" in err, err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("args, option", [
    (("crosslag", *SPEC_AND_DATA, "--x", "a", "--y", "b", "--covariates", "sex,age,sex"), "--covariates"),
    (("crosslag", *SPEC_AND_DATA, "--x", "a", "--y", "b", "--waves", "a,b,b"), "--waves"),
    (("causal", *SPEC_AND_DATA, "--exposure", "a", "--outcome", "b", "--confounders", "age,age"), "--confounders"),
    (("power", "--backend", "dask"), "--scheduler"),
    (("power", "--backend", "serial", "--scheduler", "tcp://x:1"), "--scheduler"),
])
def test_repeated_or_inconsistent_options_name_the_option(cli, tmp_path, monkeypatch, args, option):
    monkeypatch.chdir(tmp_path)
    assert option in cli(*args).error


def test_numbers_in_range_are_accepted(cli):
    """The bounds are not too tight: the parser takes the documented defaults and edge values."""
    from analysis.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["power", "--n", "20,500000", "--waves", "2,30", "--icc", "0", "--cross-lag=-0.9,0.9",
                              "--reliability", "1", "--attrition", "0", "--jobs", "-1", "--seed", str(2**32 - 1)])
    assert args.n == [20, 500000] and args.jobs == -1 and args.seed == 2**32 - 1
    args = parser.parse_args(["synth", "--n", "500000", "--waves", "26", "--out", "x"])
    assert args.n == 500000 and args.waves == 26
