"""The crossed section's pieces the report and the dashboard share: safe cells, notes, caption, tests table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.reporting import crossed_report
from analysis.reporting.crossed_report import crossed_caption, note_lines, safe_cells

THRESHOLD = 10


def cells_table(sizes: dict[str, int]) -> pd.DataFrame:
    rows = []
    for cell, n in sizes.items():
        stage, stigma = cell.split(" × ")
        for path in ("x_to_y", "y_to_x"):
            rows.append({"cell": cell, "life_stage": stage, "stigma_group": stigma, "n": n, "path": path,
                         "from": "loneliness", "to": "ghq_likert", "est": 0.3, "se": 0.1, "ci_lower": 0.1,
                         "ci_upper": 0.5, "pvalue": 0.01, "std_all": 0.1, "std_all_ci_lower": 0.02,
                         "std_all_ci_upper": 0.18})
    return pd.DataFrame(rows)


def test_a_small_cell_loses_its_size_and_its_estimates():
    safe, hidden = safe_cells(cells_table({"16-29 × low": 300, "16-29 × high": 6, "65+ × low": 250}), 40,
                              threshold=THRESHOLD)
    small = safe["cell"] == "16-29 × high"
    assert safe.loc[small, ["n", "est", "std_all", "ci_lower"]].isna().all().all()
    assert safe.loc[~small, "n"].tolist() == [300, 300, 250, 250]
    assert safe.loc[small, "suppressed"].all() and hidden >= 2


def test_a_cell_size_that_gives_back_the_persons_without_a_cell_is_hidden_but_its_estimates_stay():
    safe, hidden = safe_cells(cells_table({"16-29 × low": 300, "16-29 × high": 120, "65+ × low": 250}), 4,
                              threshold=THRESHOLD)
    smallest = safe["cell"] == "16-29 × high"
    assert safe.loc[smallest, "n"].isna().all()
    assert np.allclose(safe.loc[smallest, "est"].astype(float), 0.3)
    assert safe.loc[~smallest, "n"].notna().all() and hidden == 2
    none_hidden, count = safe_cells(cells_table({"16-29 × low": 300, "65+ × low": 250}), 40, threshold=THRESHOLD)
    assert count == 0 and none_hidden["n"].notna().all()


def test_notes_name_left_out_and_small_cells_in_one_sentence():
    block = {"notes": ["Left out on request: 65+ × low, 65+ × high."],
             "warnings": ["Left out on request: 65+ × low, 65+ × high.",
                          "The cell '16-29 × high' has only 150 persons; its estimates will be imprecise (fewer "
                          "than 200).",
                          "The cell '16-29 × low' has only 180 persons; its estimates will be imprecise (fewer "
                          "than 200).",
                          "the standard errors are robust",
                          "The test(s) main life_stage (x_to_y) could not be computed"]}
    notes, others = note_lines(block)
    assert notes[0] == "Left out on request: 65+ × low, 65+ × high."
    assert notes[1] == ("2 cells have fewer than 200 persons, so their estimates are imprecise: 16-29 × high "
                        "(150 persons), 16-29 × low (180 persons).")
    assert others == ["The standard errors are robust", "The test(s) main life_stage (x_to_y) could not be computed"]
    _, others = note_lines({**block, "x": "loneliness", "y": "ghq_likert"})
    assert others[1] == "The test(s) main life_stage (loneliness → later GHQ-12 distress) could not be computed"


def test_caption_says_what_the_panels_are_and_ends_with_the_message():
    text = crossed_caption("loneliness", "ghq_likert", ["life_stage", "stigma_group"], threshold=THRESHOLD,
                           message="The links do not clearly differ.")
    assert "one panel per life stage group" in text and "fewer than 10 persons are not drawn" in text
    assert text.endswith("The links do not clearly differ.") and "ghq_likert" not in text


def test_tests_table_has_both_directions_with_holm_p_for_people():
    lrt = {"chisq": 12.345, "df": 4, "pvalue": 0.015, "pvalue_holm": 0.045}
    block = {"groupings": ["life_stage", "stigma_group"],
             "group_tests": {"omnibus": {"x_to_y": lrt, "y_to_x": lrt},
                             "main": {"life_stage": {"x_to_y": lrt, "y_to_x": lrt}},
                             "interaction": {"x_to_y": lrt, "y_to_x": {**lrt, "pvalue_holm": None}}}}
    rows = crossed_report.test_rows(block)
    assert [r["test"] for r in rows][-1].startswith("No interaction: the differences between stigma groups")
    assert rows[-1]["xy_p"] == "0.045" and rows[-1]["xy_chisq"] == "12.35"
    assert rows[-1]["yx_p"] == "—"  # not computed: shown as missing, never as a number
