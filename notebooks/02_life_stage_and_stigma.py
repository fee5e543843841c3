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
# # Who is most affected? Life stages and stigma
#
# Are the loneliness → mental-health effects stronger for young adults than for older people, and
# do they grow with stigma around mental illness? Synthetic data again (the stigma scales are not
# in the real studies).

# %%
import tempfile
import warnings
from pathlib import Path

from analysis.data import load_panel
from analysis.models.crosslag import wide_design
from analysis.models.groups import compare_all_groupings, compare_groups
from analysis.models.moderation import first_wave_values, moderation
from analysis.synth import write_cohort

warnings.simplefilter("ignore")
ROOT = Path.cwd() if (Path.cwd() / "data_specs").exists() else Path.cwd().parent
work = Path(tempfile.mkdtemp())
files = write_cohort(cohort="ukhls", n=4000, waves=5, seed=1, fmt="dta", out=work / "data")
panel = load_panel(ROOT / "data_specs" / "synthetic.yaml", data=files.out)
panel.groupings

# %% [markdown]
# ## Life stages: one multigroup model, tests of equal effects

# %%
by_stage = compare_groups(panel, x="loneliness", y="ghq_likert", grouping="life_stage")
print(by_stage.summary())

# %% [markdown]
# ## Every grouping at once, with a forest plot

# %%
everything = compare_all_groupings(panel, x="loneliness", y="ghq_likert")
print(everything.summary())  # one screen: each group's standardized effects and the tests; repr is one line
everything.tests()

# %%
from IPython.display import Image, display  # noqa: E402
import io  # noqa: E402

buffer = io.BytesIO()
everything.forest_plot().savefig(buffer, format="png", bbox_inches="tight")
display(Image(buffer.getvalue()))

# %% [markdown]
# ## Stigma as a continuous moderator (fixed-effects regression with an interaction)

# %%
wide, design, waves = wide_design(panel, x="loneliness", y="ghq_likert", waves=None)
stigma = first_wave_values(panel.long, "perceived_stigma", list(waves))
wide = wide.assign(perceived_stigma=wide["id"].map(stigma))
mod = moderation(wide, design, x="loneliness", y="ghq_likert", moderator="perceived_stigma")
print(mod.interpretation())
mod.marginal_effects
