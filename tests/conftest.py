"""Shared fixtures: small, fast configs; the longest modules are collected first."""

import pytest

from sim.config import make_config


@pytest.fixture(scope="session")
def toy_config():
    """The toy scenario, 40 days, seed 7."""
    return make_config("toy", seed=7, steps=40)


LONGEST = ("tests/test_tabletop_cotonou.py", "tests/test_stylized_facts.py",
           "tests/test_calibration.py", "tests/test_policies.py")
"""Modules that run for minutes, longest first: collected first, so the parallel workers
(pytest-xdist, one module per worker at a time: ``--dist=loadscope``, in this order:
``--no-loadscope-reorder``) start them at once and do not end the suite waiting on one."""


def pytest_collection_modifyitems(items):
    def rank(item):
        return next((k for k, m in enumerate(LONGEST) if item.nodeid.startswith(m)),
                    len(LONGEST))

    items.sort(key=rank)
