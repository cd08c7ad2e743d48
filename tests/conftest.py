"""Shared fixtures: small, fast configs; the longest test is collected first."""

import pytest

from sim.config import make_config


@pytest.fixture(scope="session")
def toy_config():
    """The toy scenario, 40 days, seed 7."""
    return make_config("toy", seed=7, steps=40)


LONGEST = ("tests/test_tabletop_cotonou.py",)
"""Tests that run for minutes: collected first, so the parallel workers (pytest-xdist) do
not end the suite waiting on one of them."""


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST))
