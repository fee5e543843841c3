"""Where lavaan's behaviour is the reference outside the fixtures: defaults, warnings, non-convergence."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.cli import main
from analysis.errors import ConvergenceError
from analysis.models.sem import SEM, SEMWarning
from analysis.models.sem import optimize


def _two_groups(n: int = 300, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = 0.5 * x + rng.normal(size=n)
    return pd.DataFrame({"x": x, "y": y + 0.3, "g": np.repeat(["a", "b"], n // 2)})


def test_a_multigroup_model_on_complete_data_has_a_mean_structure_as_in_lavaan():
    res = SEM("y ~ x").fit(_two_groups(), group="g")
    assert res.options["meanstructure"] is True
    table = res.to_frame()
    assert ((table.op == "~1") & (table.lhs == "y")).sum() == 2  # one intercept per group
    # lavaan: sem(y ~ x, group = "g") has 2 x (slope, residual variance, intercept) = 6 free parameters.
    assert res.fit["npar"] == 6
    single = SEM("y ~ x").fit(_two_groups().drop(columns="g"))
    assert single.options["meanstructure"] is False and single.fit["npar"] == 2


def test_fit_sem_meanstructure_flag(tmp_path, capsys):
    model = tmp_path / "m.lav"
    model.write_text("y ~ x\n")
    data = tmp_path / "d.csv"
    _two_groups().drop(columns="g").to_csv(data, index=False)
    out = tmp_path / "out.json"
    assert main(["fit-sem", "--model", str(model), "--data", str(data), "--meanstructure", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["fit"]["npar"] == 3


def test_a_non_positive_definite_latent_covariance_matrix_is_warned():
    rng = np.random.default_rng(2)
    f = rng.normal(size=(400, 2))
    data = pd.DataFrame({f"x{i + 1}": f[:, i // 3] + rng.normal(size=400) for i in range(6)})
    model = "f1 =~ x1 + x2 + x3\nf2 =~ x4 + x5 + x6\nf1 ~~ 1*f1\nf2 ~~ 1*f2\nf1 ~~ 1.5*f2"
    with pytest.warns(SEMWarning, match="covariance matrix of the latent variables is not positive definite"):
        res = SEM(model).fit(data)
    assert any("latent variables is not positive definite" in w for w in res.warnings)


def test_the_exogenous_covariate_warning_is_given_once():
    data = _two_groups().drop(columns="g").assign(z=lambda d: d.x ** 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SEM("y ~ x + z\nx ~~ x").fit(data)
    texts = [str(w.message) for w in caught if "exogenous covariate" in str(w.message)]
    assert len(texts) == 1


def test_a_fit_that_does_not_converge_still_reports_its_last_estimates(tmp_path, capsys, monkeypatch):
    # The real optimiser, allowed two iterations: the fit cannot converge in that budget.
    original = optimize.fisher_scoring
    monkeypatch.setattr("analysis.models.sem.compiled.fisher_scoring",
                        lambda theta, problem: original(theta, problem, max_iter=2))
    rng = np.random.default_rng(3)
    f = rng.normal(size=300)
    data = pd.DataFrame({f"x{i}": f * (0.5 + 0.3 * i) + rng.normal(size=300) for i in range(1, 5)})
    with pytest.raises(ConvergenceError) as info:
        SEM("f =~ x1 + x2 + x3 + x4").fit(data)
    res = info.value.results
    assert res is not None and res.converged is False and res.iterations == 2
    assert any("Not converged" in w for w in res.warnings)
    model = tmp_path / "m.lav"
    model.write_text("f =~ x1 + x2 + x3 + x4\n")
    csv = tmp_path / "d.csv"
    data.to_csv(csv, index=False)
    out = tmp_path / "out.json"
    assert main(["fit-sem", "--model", str(model), "--data", str(csv), "--json", str(out)]) == 2
    written = json.loads(out.read_text())
    assert written["converged"] is False and written["parameters"]
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "did not converge" in err[0]
