"""Monte Carlo power for cross-lagged panel models, and the bootstrap over persons.

How many people does a study need to detect a cross-lagged effect of 0.1?
:func:`run_power` simulates many data sets from a population RI-CLPM for each
design in a grid (sample size, waves, stable-variance share, lag matrix,
reliability, attrition), fits the CLPM or RI-CLPM to each and reports, per
lagged parameter, the mean estimate, bias, SEs, MSE, coverage and power with
their Monte Carlo SEs, and the sample size reaching a target power.
:func:`bootstrap_crosslag` gives percentile and BCa intervals for the
cross-lags (and differences between groups) by resampling persons.

Both run on the local cores (joblib), on a Dask cluster or serially, with one
``SeedSequence`` child per replicate, so results do not depend on the backend;
given an output folder they keep finished replicates and resume.

>>> design = PowerDesign(model="riclpm", n=[200, 500, 1000], waves=4, icc=0.5)   # doctest: +SKIP
>>> res = run_power(design, replicates=500, seed=1)                               # doctest: +SKIP
>>> print(res.summary()); res.plot()                                              # doctest: +SKIP
"""

from analysis.power.bootstrap import BootstrapResults, bootstrap_statistic
from analysis.power.crosslag_bootstrap import bootstrap_crosslag
from analysis.power.design import Cell, LaggedEffects, PowerDesign, effects_grid
from analysis.power.intervals import bca_interval, jackknife_acceleration, percentile_interval
from analysis.power.run import load_power_run, run_power
from analysis.power.simulate import simulate_panel
from analysis.power.summary import PowerResults

__all__ = [
    "BootstrapResults", "Cell", "LaggedEffects", "PowerDesign", "PowerResults", "bca_interval",
    "bootstrap_crosslag", "bootstrap_statistic", "effects_grid", "jackknife_acceleration", "load_power_run",
    "percentile_interval", "run_power", "simulate_panel",
]
