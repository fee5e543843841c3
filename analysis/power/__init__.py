"""Monte Carlo power for cross-lagged panel models.

How many people does a study need to detect a cross-lagged effect of 0.1?
:func:`run_power` simulates many data sets from a population RI-CLPM for each
design in a grid (sample size, waves, stable-variance share, lag matrix,
reliability, attrition), fits the CLPM or RI-CLPM to each and reports, per
lagged parameter, the mean estimate, bias, SEs, MSE, coverage and power with
their Monte Carlo SEs, and the sample size reaching a target power.
:func:`asymptotic_power` gives the large-sample (Wald-test) answer in well under a
second; the simulations then check it (:meth:`AsymptoticPower.compare`).

It runs on the local cores (joblib), on a Dask cluster or serially
(:mod:`analysis.parallel`), with one ``SeedSequence`` child per replicate, so
results do not depend on the backend; given an output folder it keeps finished
replicates and resumes (:mod:`analysis.run_store`).  Bootstrap intervals live in
:mod:`analysis.resampling` (cross-lags: :mod:`analysis.models.crosslag_bootstrap`).

>>> design = PowerDesign(model="riclpm", n=[200, 500, 1000], waves=4, icc=0.5)   # doctest: +SKIP
>>> res = run_power(design, replicates=500, seed=1)                               # doctest: +SKIP
>>> print(res.summary()); res.plot()                                              # doctest: +SKIP
"""

from analysis.power.analytic import AsymptoticPower, asymptotic_power
from analysis.power.design import Cell, LaggedEffects, PowerDesign, effects_grid
from analysis.power.run import load_power_run, run_power
from analysis.power.simulate import simulate_panel
from analysis.power.summary import PowerResults

__all__ = [
    "AsymptoticPower", "Cell", "LaggedEffects", "PowerDesign", "PowerResults", "effects_grid", "load_power_run", "run_power",
    "simulate_panel", "asymptotic_power",
]
