"""The headline object: the main points of a result in everyday words, and their length limit.

Its own module so that each kind of headline (:mod:`analysis.reporting.headline` for the
cross-lagged model and groups, :mod:`analysis.reporting.crossed_headline`,
:mod:`analysis.reporting.causal_headline`) builds one without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_WORDS", "Headline"]

#: A headline is read in one breath: at most this many words (ONS main points are a sentence each).
MAX_WORDS = 60


@dataclass(frozen=True)
class Headline:
    """The main points of a result in everyday words (read-only).

    Attributes
    ----------
    sentences : tuple of str
        The headline proper: which way, for whom, how sure.
    caveats : tuple of str
        What limits it, most serious first.
    """

    sentences: tuple[str, ...]
    caveats: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The headline's sentences as one paragraph."""
        return " ".join(self.sentences)

    @property
    def words(self) -> int:
        return len(self.text.split())

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "sentences": list(self.sentences), "caveats": list(self.caveats)}

    def summary(self) -> str:
        return "\n".join([self.text, *[f"Caveat: {c}" for c in self.caveats]])

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"Headline({self.words} words, {len(self.caveats)} caveats)"
