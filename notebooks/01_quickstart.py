# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Quick start: which way do loneliness and mental health push each other?
#
# This notebook uses the workbench's scripting API on the built-in **synthetic** cohort (artificial
# data laid out like Understanding Society). With real data, point `load_panel` at the folder of
# `.dta`/`.sav` files you downloaded and use `data_specs/ukhls.yaml`.

# %%
import tempfile
from pathlib import Path

from analysis.data import load_panel
from analysis.models.crosslag import fit_crosslag
from analysis.synth import write_cohort

ROOT = Path.cwd() if (Path.cwd() / "data_specs").exists() else Path.cwd().parent
work = Path(tempfile.mkdtemp())
files = write_cohort(cohort="ukhls", n=2000, waves=5, seed=1, fmt="dta", out=work / "data")
panel = load_panel(ROOT / "data_specs" / "synthetic.yaml", data=files.out)
panel

# %% [markdown]
# The panel holds scored constructs per person and wave. Respondents, scores and attrition by wave:

# %%
panel.attrition

# %% [markdown]
# ## The random-intercept cross-lagged panel model
# `fit_crosslag` writes the lavaan syntax, fits it by full-information maximum likelihood (people who
# drop out still count) and summarises both directions.

# %%
res = fit_crosslag(panel, x="loneliness", y="ghq_likert", model="riclpm", lags="invariant")
print(res.summary())

# %% [markdown]
# The syntax is plain lavaan, so the same model can be rerun in R:

# %%
print(res.syntax)

# %% [markdown]
# The estimates as a tidy table, and everything as JSON-safe data:

# %%
res.to_frame()

# %%
sorted(res.to_dict())
