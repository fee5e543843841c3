"""Disclosure control of what the analysis commands print and write (``--threshold``).

The commands that read microdata (``crosslag``, ``causal``, ``fit-sem``,
``invariance``, ``bootstrap``, ``describe``) never show a count of 1 to
``threshold - 1`` persons: in their JSON such counts are null, and in their printed
text and the JSON's sentences they read "fewer than <threshold> ..." — the rules of a
run's ``results.json`` (:func:`analysis.runs.disclosure.protect_results`).
"""

from __future__ import annotations

import argparse
from typing import Any

from analysis.cli._parser import whole_number

#: The default threshold, a run's ``output.disclosure_threshold``.
DEFAULT_THRESHOLD = 10


def add_threshold(p: argparse.ArgumentParser) -> None:
    """The ``--threshold N`` option (at least 1; default 10)."""
    p.add_argument("--threshold", type=whole_number(1), default=DEFAULT_THRESHOLD, metavar="N",
                   help="disclosure threshold: counts of 1 to N-1 persons are not shown (null in the JSON, "
                        "'fewer than N' in sentences); default 10, as a run's disclosure_threshold")


def shown(text: str, args: argparse.Namespace) -> str:
    """``text`` with counts under the threshold reworded."""
    from analysis.runs.disclosure import scrub_text

    return scrub_text(text, args.threshold)


def protected(obj: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """A command's JSON with counts under the threshold nulled, plus ``disclosure`` (threshold, counts_hidden)."""
    from analysis.outputs import json_safe
    from analysis.runs.disclosure import protect_results

    safe, hidden = protect_results(json_safe(obj), args.threshold)
    safe["disclosure"] = {"threshold": int(args.threshold), "counts_hidden": int(hidden)}
    return safe


def write_results(out: dict[str, Any], args: argparse.Namespace) -> None:
    """A command's JSON at ``--json``: the unweighted note, its spec and data, disclosure control, atomically."""
    from analysis.outputs import write_json_atomic

    if getattr(args, "unweighted", False):
        out.setdefault("notes", []).append("Unweighted on request (--unweighted): the survey's weights and "
                                           "design were not used.")
    out["spec"] = str(args.spec)
    out["data"] = str(args.data)
    write_json_atomic(args.json, protected(out, args))
    print(f"Results written to {args.json}")
