"""Plain names of the measures, for every sentence, title and label a reader sees.

One table so that the results, the report, the figures and the dashboard say
the same thing in the same words.  Names not listed are shown as their column
name with spaces.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Short plain names of the measures the workbench knows.
KNOWN_NAMES = {
    "loneliness": "loneliness",
    "loneliness_single": "feeling lonely (single question)",
    "ghq_likert": "GHQ-12 distress",
    "ghq_caseness": "GHQ-12 caseness score",
    "mcs": "SF-12 mental health (MCS)",
    "cesd": "CES-D depressive symptoms",
    "perceived_stigma": "perceived stigma",
    "discrimination": "experienced discrimination",
    "age": "age",
    "sex": "sex",
    "life_stage": "life stage",
}


def name_of(column: str) -> str:
    """Plain name of a measure, e.g. ``ghq_likert`` -> ``GHQ-12 distress``."""
    return KNOWN_NAMES.get(column, column.replace("_", " "))


def join_words(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [i for i in items if i]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]
