"""Are the waves of a lag model equally spaced?  Refuse, or say so, when they are not.

A lagged effect is an effect over one interval between waves.  When a wave in the
middle is missing (its file is absent, or ``waves`` skips it) the interval across it
spans two steps of the study, and "lags equal over waves" would assume that an
effect over two steps equals one over a single step: in a stationary process the
two-step effect is roughly the product of one-step effects, so it is not.  The
study's wave numbers (``waves`` in the spec, numbered 1, 2, ... unless given)
measure the steps; a spec whose ``interval`` gives the years since the previous wave
wave by wave measures them in years instead (waves two years apart after yearly ones
are unequally spaced even when no wave is skipped).

:func:`check_intervals` returns the notes a results object carries, and refuses
(one :class:`~analysis.errors.DataError` naming the gap) time-invariant lags across
intervals of unequal length unless the caller consents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analysis.errors import DataError

CONSENT_FLAG = "--allow-unequal-intervals"
#: The same consent in a run config (``analyses/*.yaml``), per analysis.
CONSENT_KEY = "allow_unequal_intervals: true"


def wave_years(panel: Any, waves: Sequence[str]) -> list[float] | None:
    """Years between consecutive ``waves`` from the spec's ``interval``; None without one."""
    spec = getattr(panel, "spec", None)
    if spec is None or getattr(spec, "interval", None) is None or any(w not in spec.wave_names for w in waves):
        return None
    return [spec.years_between(a, b) for a, b in zip(waves, waves[1:])]


def interval_years(panel: Any, waves: Sequence[str]) -> float | None:
    """The years between consecutive ``waves`` when they are all equal (None if unknown or unequal)."""
    years = wave_years(panel, waves)
    if not years or any(abs(y - years[0]) > 1e-9 for y in years):
        return None
    return years[0]


def wave_steps(panel: Any, waves: Sequence[str]) -> list[int] | None:
    """Steps of the study (wave numbers) between consecutive ``waves``; None without a spec."""
    spec = getattr(panel, "spec", None)
    if spec is None:
        return None
    numbers = {w.name: w.number for w in spec.waves}
    if any(w not in numbers for w in waves):
        return None
    return [numbers[b] - numbers[a] for a, b in zip(waves, waves[1:])]


def _skipped(panel: Any, a: str, b: str) -> str:
    """The waves between ``a`` and ``b``, and why they are not analysed."""
    spec = panel.spec
    lo, hi = spec.wave(a).number, spec.wave(b).number
    between = [w.name for w in spec.waves if lo < w.number < hi]
    absent = [w for w in between if w not in panel.waves]
    unused = [w for w in between if w in panel.waves]
    parts = []
    if absent:
        parts.append(f"{', '.join(absent)} {'is' if len(absent) == 1 else 'are'} not in the data")
    if unused:
        parts.append(f"{', '.join(unused)} {'is' if len(unused) == 1 else 'are'} not analysed")
    return f"{a}→{b} spans {hi - lo} waves: {' and '.join(parts) or 'skipped'}"


def check_intervals(panel: Any, waves: Sequence[str], *, lags: str,
                    allow_unequal: bool = False) -> tuple[str, ...]:
    """Notes on the spacing of ``waves``; refuse equal lags over unequal intervals unless allowed.

    Parameters
    ----------
    panel
        A Panel (its spec numbers the waves); a wide DataFrame has no wave numbers, and
        nothing is checked.
    waves
        The analysis waves, in order.
    lags : {"invariant", "free"}
        The lag setting of the model.
    allow_unequal
        Hold lags equal over intervals of unequal length anyway (said in the notes).

    Returns
    -------
    tuple of str
        Nothing when every interval is one step; otherwise sentences for the output and
        the JSON ``notes``.

    Raises
    ------
    DataError
        Lags equal over waves (``lags="invariant"``) across intervals of unequal
        length, without ``allow_unequal``: names the gap and what to do.
    """
    steps = wave_steps(panel, waves)
    if steps and isinstance(getattr(panel.spec, "interval", None), dict):
        return _check_years(panel, waves, steps, lags=lags, allow_unequal=allow_unequal)
    if not steps or all(s == 1 for s in steps):
        return ()
    gaps = "; ".join(_skipped(panel, a, b) for (a, b), s in zip(zip(waves, waves[1:]), steps) if s != 1)
    if len(set(steps)) == 1:
        return (f"Every interval spans {steps[0]} waves of the study ({gaps}): the lagged effects are effects "
                f"over {steps[0]} waves, not comparable with effects over one wave.",)
    if lags == "free":
        return (f"The intervals are of unequal length ({gaps}); each interval has its own lagged effects, and "
                "their average mixes intervals of different lengths: read the effects by interval.",)
    if not allow_unequal:
        raise DataError(
            f"The waves {', '.join(waves)} are unequally spaced ({gaps}), and lags equal over waves would treat "
            "that interval as one step like the others; choose equally spaced waves (--waves), estimate one lag "
            f"per interval (--lags free), or hold them equal anyway with {CONSENT_FLAG} or {CONSENT_KEY} in a run "
            "config (said in the output).")
    return (f"Lags are held equal over intervals of unequal length on request ({CONSENT_FLAG}; {gaps}): an "
            "effect over several waves is assumed to equal an effect over one.",)


def _check_years(panel: Any, waves: Sequence[str], steps: list[int], *, lags: str,
                 allow_unequal: bool) -> tuple[str, ...]:
    """As :func:`check_intervals`, with the spec's per-wave years measuring the intervals."""
    years = wave_years(panel, waves)
    pairs = list(zip(waves, waves[1:]))
    skipped = "; ".join(_skipped(panel, a, b) for (a, b), s in zip(pairs, steps) if s != 1)
    if all(abs(y - years[0]) < 1e-9 for y in years):
        if all(s == 1 for s in steps):
            return ()
        return (f"Every interval is {years[0]:g} years long ({skipped}).",)
    spans = "; ".join(f"{a}→{b} is {y:g} year{'s' if y != 1 else ''}" for (a, b), y in zip(pairs, years))
    if lags == "free":
        return (f"The intervals are of unequal length ({spans}); each interval has its own lagged effects, and "
                "their average mixes intervals of different lengths: read the effects by interval.",)
    if not allow_unequal:
        raise DataError(
            f"The waves {', '.join(waves)} are unequally spaced in time ({spans}, from the spec's interval), and lags "
            "equal over waves would treat a longer interval like a shorter one; choose equally spaced waves "
            f"(--waves), estimate one lag per interval (--lags free), or hold them equal anyway with {CONSENT_FLAG} "
            f"or {CONSENT_KEY} in a run config (said in the output).")
    return (f"Lags are held equal over intervals of unequal length on request ({CONSENT_FLAG}; {spans}): an "
            "effect over a longer interval is assumed to equal one over a shorter.",)
