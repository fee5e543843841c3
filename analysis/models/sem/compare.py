"""Comparing nested models: likelihood-ratio (chi-square difference) tests."""

from __future__ import annotations

from scipy import stats

from analysis.errors import UsageError
from analysis.models.sem.inference import TestResult
from analysis.models.sem.results import SEMResults


def lrt(restricted: SEMResults, full: SEMResults) -> TestResult:
    """Likelihood-ratio test of a restricted model against the model it is nested in.

    With MLR fits the Satorra–Bentler (2001) scaled difference is used, as
    lavaan's ``lavTestLRT`` does:
    ``c_d = (df0 c0 - df1 c1) / (df0 - df1)``, ``T_d = (T0 - T1) / c_d``.
    """
    f0, f1 = restricted.fit, full.fit
    if f0["nobs"] != f1["nobs"]:
        raise UsageError(
            f"The two models were fitted to different numbers of observations ({f0['nobs']} and {f1['nobs']}), "
            "so they cannot be compared with a likelihood-ratio test."
        )
    ddf = f0["df"] - f1["df"]
    if ddf <= 0:
        raise UsageError(
            "The first model must be the restricted one (more degrees of freedom than the second); "
            f"got df {f0['df']} and {f1['df']}."
        )
    diff = max(f0["chisq"] - f1["chisq"], 0.0)
    robust = restricted.options["estimator"] == "mlr" and full.options["estimator"] == "mlr"
    if robust:
        c0, c1 = f0["chisq_scaling_factor"], f1["chisq_scaling_factor"]
        cd = (f0["df"] * c0 - f1["df"] * c1) / ddf
        diff = diff / cd if cd > 0 else float("nan")
    return TestResult(diff, int(ddf), float(stats.chi2.sf(diff, ddf)),
                      "Satorra-Bentler (2001) scaled difference" if robust else "chi-square difference")
