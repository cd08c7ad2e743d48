"""Shared fixtures: small, fast configs."""

import pytest

from sim.config import make_config


@pytest.fixture(scope="session")
def toy_config():
    """The toy scenario, 40 days, seed 7."""
    return make_config("toy", seed=7, steps=40)
