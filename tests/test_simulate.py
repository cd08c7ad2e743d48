"""The factory: build / simulate / evaluate, and the examples in the docstrings."""

import doctest
import os

import pytest

import sim.config
import sim.region
import sim.simulate
from sim.config import ConfigError, make_config
from sim.simulate import build, evaluate, simulate


@pytest.mark.parametrize("module", [sim.simulate, sim.config, sim.region])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_evaluate_is_the_summary_without_files_or_config(tmp_path):
    cfg = make_config("toy", seed=3, steps=25)
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        out = evaluate(cfg, {"seed": 5, "model.route_noise": 0.1})
    finally:
        os.chdir(here)
    assert list(tmp_path.iterdir()) == []  # nothing written
    full = simulate(sim.config.replace(cfg, seed=5, **{"model.route_noise": 0.1})).summary
    assert out == {k: v for k, v in full.items() if not k.startswith("config.")}
    assert out["seed"] == 5 and out["steps_run"] == 25


def test_evaluate_refuses_a_bad_override_before_simulating():
    with pytest.raises(ConfigError, match=r"^model\.escape_prob = 2\.0 is not allowed"):
        evaluate(make_config("toy", steps=5), {"model.escape_prob": 2.0})


def test_the_seed_recorded_is_the_seed_that_drove_the_run():
    import numpy as np

    from sim.model import TraffickingModel

    model = TraffickingModel(make_config("toy", seed=1, steps=5), rng=np.random.default_rng(7))
    again = build(model.config)
    model.run()
    again.run()
    assert model.config.seed == again.config.seed != 1
    assert model.latest == again.latest
