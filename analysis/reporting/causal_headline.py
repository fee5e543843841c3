"""The headline of a causal analysis: the effect in everyday words, the checks' verdict, the assumption."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analysis.interpret import excludes_zero, readable
from analysis.naming import join_words, name_of, scale_of
from analysis.reporting.headline_core import Headline

__all__ = ["causal_headline"]


def _checks_sentence(refutations: Sequence[Mapping[str, Any]]) -> str:
    if not refutations:
        return ""
    verdicts = [r.get("verdict") for r in refutations]
    if all(v == "pass" for v in verdicts):
        return "It passed every check run on it."
    caution = [r for r in refutations if r.get("verdict") == "caution"]
    failed = [str(r.get("title", r.get("name", ""))).lower() for r in refutations if r.get("verdict") == "fail"]
    parts = []
    if caution:
        used = str((caution[0].get("result") or {}).get("benchmark_used") or "")
        strong = (f"earlier {name_of(used[:-4])}" if used.endswith("_lag") else name_of(used)) if used else \
            "the strongest measured one"
        parts.append(f"an unmeasured common cause as strong as {strong} would remove or reverse it")
    if failed:
        parts.append(f"it failed the {join_words(failed)} check{'s' if len(failed) > 1 else ''}")
    return f"Treat it with caution: {'; '.join(parts)}."


def _causal_sentence(c: Mapping[str, Any]) -> str:
    x, y = name_of(c["exposure"]), name_of(c["outcome"])
    lo, hi, est = float(c["ci_lower"]), float(c["ci_upper"]), float(c["estimate"])
    if not excludes_zero(lo, hi):
        return f"The data do not show a clear effect of {x} on {y} at the next interview."
    binary = (c.get("design") or {}).get("binary_threshold") is not None if isinstance(c.get("design"), Mapping) \
        else False
    more = "lower" if est > 0 else "higher"
    sx, sy = scale_of(c["exposure"]), scale_of(c["outcome"])
    if binary:
        return (f"If no one had high {x}, {y} at the next interview would on average be about "
                f"{readable(abs(est))} points {more}{f' ({sy})' if sy else ''}.")
    return (f"If {x} were one point lower{f' ({sx})' if sx else ''}, {y} at the next interview would on average "
            f"be about {readable(abs(est))} points {more}{f' ({sy})' if sy else ''}.")


def causal_headline(causal: Mapping[str, Any]) -> Headline:
    """The headline of a causal analysis (``CausalResults.to_dict()``): the effect, the checks, the assumption.

    Parameters
    ----------
    causal : mapping
        With ``exposure``, ``outcome``, ``estimate``, ``ci_lower``, ``ci_upper``, ``refutations`` and,
        for both directions, ``reverse`` (the same keys).

    Returns
    -------
    Headline
        One sentence per direction, the checks' verdict in words; the caveat that this holds only
        if nothing unmeasured drives both.
    """
    sentences = [_causal_sentence(causal)]
    checks = _checks_sentence(causal.get("refutations") or ())
    if checks:
        sentences.append(checks)
    reverse = causal.get("reverse")
    if reverse:
        sentences.append(_causal_sentence(reverse))
        back = _checks_sentence(reverse.get("refutations") or ())
        if back and back != checks:
            sentences.append(back.replace("It passed", "That direction passed"))
    caveats = ("This treats the link as a cause only under the assumptions listed, above all that nothing "
               "unmeasured drives both; the data are observational, not an experiment.",)
    return Headline(sentences=tuple(sentences), caveats=caveats)
