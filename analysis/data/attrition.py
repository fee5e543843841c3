"""Attrition: who is retained, new, returning and lost from one loaded wave to the next."""

from __future__ import annotations

import numpy as np
import pandas as pd

ATTRITION_COLUMNS = ("wave", "respondents", "retained", "new", "returning", "lost")


def attrition_table(long: pd.DataFrame, waves: tuple[str, ...]) -> pd.DataFrame:
    """Per wave: respondents, retained from the previous loaded wave, new (never seen
    before), returning (seen before but not in the previous wave) and lost (in the
    previous wave, not in this one).  ``respondents = retained + new + returning``.
    """
    person, _ = pd.factorize(long["id"])
    wave = long["wave"].cat.codes.to_numpy() if isinstance(long["wave"].dtype, pd.CategoricalDtype) \
        else pd.Index(waves).get_indexer(long["wave"])
    present = np.zeros((len(waves), int(person.max()) + 1 if len(person) else 0), dtype=bool)
    present[wave, person] = True
    rows = []
    previous = np.zeros(present.shape[1], dtype=bool)
    ever = previous.copy()
    for i, name in enumerate(waves):
        now = present[i]
        rows.append({"wave": name, "respondents": int(now.sum()),
                     "retained": int((now & previous).sum()), "new": int((now & ~ever).sum()),
                     "returning": int((now & ~previous & ever).sum()),
                     "lost": int((previous & ~now).sum())})
        previous, ever = now, ever | now
    return pd.DataFrame(rows, columns=list(ATTRITION_COLUMNS))
