"""Design grid: validation, cell order, seeds, and the population moments."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.errors import UsageError
from analysis.power import LaggedEffects, PowerDesign, effects_grid
from analysis.power.design import observed_names


def test_grid_is_every_combination_with_n_fastest():
    d = PowerDesign(model="riclpm", n=[100, 200], waves=[3, 5], icc=0.4)
    cells = d.cells()
    assert [(c.waves, c.n) for c in cells] == [(3, 100), (3, 200), (5, 100), (5, 200)]
    assert len({c.key for c in cells}) == 4


def test_scalars_and_sequences_are_accepted():
    d = PowerDesign(n=300, waves=4, icc=[0.3, 0.6], reliability=0.8, attrition=(0.1,))
    assert d.n == (300,) and d.icc == (0.3, 0.6) and d.reliability == (0.8,)
    assert PowerDesign.from_dict(d.to_dict()) == d


@pytest.mark.parametrize("kwargs, words", [
    ({"n": 10}, "at least 20 persons"),
    ({"model": "riclpm", "icc": 0.0}, "icc above 0"),
    ({"model": "riclpm", "waves": 2}, "at least 3 waves"),
    ({"reliability": 1.2}, "reliability"),
    ({"attrition": 1.0}, "attrition"),
    ({"within_cor": 1.0}, "within_cor"),
    ({"effects": LaggedEffects(ar_x=0.9, ar_y=0.9, cl_xy=0.3, cl_yx=0.3)}, "explode"),
    ({"effects": LaggedEffects(ar_x=0.6, ar_y=0.6, cl_xy=0.5, cl_yx=-0.5), "within_cor": 0.9}, "negative variance"),
    ({"n": [100, 100]}, "twice"),
    ({"model": "dpm"}, "model must be"),
])
def test_invalid_designs_are_one_sentence_usage_errors(kwargs, words):
    with pytest.raises(UsageError, match=words):
        PowerDesign(**kwargs)


def test_seeds_depend_on_the_cell_not_on_the_grid():
    small = PowerDesign(n=[100, 200], waves=3).cells()
    large = PowerDesign(n=[50, 100, 200, 400], waves=[3, 4]).cells()
    keys = {c.key: c for c in large}
    for c in small:
        assert c.key in keys
        a = c.seed_sequence(7, 3).generate_state(4)
        assert np.array_equal(a, keys[c.key].seed_sequence(7, 3).generate_state(4))
    # Replicate r is child r of the cell's SeedSequence, however many are spawned.
    c = small[0]
    spawned = np.random.SeedSequence(c.entropy(7)).spawn(5)[3]
    assert np.array_equal(spawned.generate_state(4), c.seed_sequence(7, 3).generate_state(4))
    # The fitted model is not part of the seed: CLPM and RI-CLPM runs see the same data.
    assert PowerDesign(model="clpm", n=100, waves=3).cells()[0].key == small[0].key


def test_effects_grid_pairs_or_crosses():
    paired = effects_grid(cross_lag=[0.0, 0.1], autoregression=[0.4])
    assert [(e.cl_xy, e.cl_yx) for e in paired] == [(0.0, 0.0), (0.1, 0.1)]
    crossed = effects_grid(cross_lag=[0.1], cross_lag_yx=[0.0, 0.2], autoregression=[0.3], autoregression_y=[0.5])
    assert [(e.ar_x, e.ar_y, e.cl_xy, e.cl_yx) for e in crossed] == [(0.3, 0.5, 0.1, 0.0), (0.3, 0.5, 0.1, 0.2)]


def test_population_moments_are_stationary_with_the_stated_shares():
    cell = PowerDesign(n=100, waves=5, icc=0.3, reliability=0.8,
                       effects=LaggedEffects(ar_x=0.5, ar_y=0.3, cl_xy=0.2, cl_yx=-0.1)).cells()[0]
    cov = cell.population_cov()
    assert np.allclose(np.diag(cov), 1 / 0.8)  # true variance 1, reliability 0.8
    phi, sw = cell.effects.matrix, cell.within_cov()
    assert np.allclose(phi @ sw @ phi.T + cell.innovation_cov(), sw)  # stationary within-person variance
    T = cell.waves
    # Lag-2 covariance of x with y: RI covariance plus (Phi^2 Sigma_w)[0, 1].
    assert cov[2, T + 0] == pytest.approx(cell.ri_cov()[0, 1] + (phi @ phi @ sw)[0, 1])
    assert observed_names(3) == ("x1", "x2", "x3", "y1", "y2", "y3")
