"""Stylized facts (PEERS.md) produced by the mechanisms on the default scenario, paired by
seed. Figures: python -m experiments.stylized_facts (docs/stylized_facts/)."""

from __future__ import annotations

import pytest

from sim.analysis.executor import ProcessExecutor
from sim.analysis.stylized import FACTS, fact_task, paired, run_fact, t_interval

pytestmark = pytest.mark.slow  # West Africa runs of half a year


@pytest.fixture(scope="module")
def patrols():
    return run_fact("unpredictable_patrols", range(1, 5),
                    executor=ProcessExecutor(2, fn=fact_task))


def test_moving_patrols_beat_the_same_patrols_kept_in_place(patrols):
    """SOAR: random allocation beats predictable allocation of the same effort. Static
    patrols are learnt by the organisations (their known-patrol hazard) and routed around;
    moving ones catch more and let less through."""
    arms = FACTS["unpredictable_patrols"].arms
    for col in ("arrests", "seized_value_usd"):
        assert t_interval(paired(patrols, col, arms).to_numpy())[1] > 0, col
    for col in ("delivered_fuel", "delivered_gold"):
        assert t_interval(paired(patrols, col, arms).to_numpy())[2] < 0, col


def test_more_arrests_without_less_recruitment_leave_as_many_in_the_trade():
    """Prieto-Curiel et al. (2023): incapacitation is not enough. Doubled detection gives
    many more arrests, recruitment refills the vacancies, and the share of community
    members in the trade is not lower at the end."""
    table = run_fact("incapacitation", range(1, 5), executor=ProcessExecutor(2, fn=fact_task))
    arms = FACTS["incapacitation"].arms
    assert t_interval(paired(table, "arrests", arms).to_numpy())[1] > 0
    assert t_interval(paired(table, "recruits", arms).to_numpy())[1] > 0
    assert t_interval(paired(table, "participation_end", arms).to_numpy())[2] > 0


def _task_forces(p: float) -> dict:
    """Task forces in every country against every commodity, with leader_hit_prob ``p``."""
    from sim.config import read_policy

    package = read_policy("task_forces")
    tf = package["policies"]["task_forces"]
    tf["countries"] = ["all"]
    tf["params"] = {"leader_hit_prob": p, "commodities": [], "kinds": []}
    return package


def _disruption(args):
    p, seed = args
    from sim.config import make_config
    from sim.simulate import simulate

    over = {"policy": _task_forces(p)} if p else {}
    s = simulate(make_config("west_africa", seed=seed, steps=180, overrides=over)).summary
    return p, seed, s["organisation_capacity_end"], s["leaders_end"]


def test_arresting_leaders_disrupts_more_than_in_proportion_with_diminishing_returns():
    """MADTOR (Manzi & Calderoni 2024): arresting a small share of a network's leaders
    disrupts it more than in proportion, and each further share disrupts less."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    import numpy as np

    levels, seeds = (0.0, 0.004, 0.02), (1, 2, 3)
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        out = list(pool.map(_disruption, [(p, s) for p in levels for s in seeds]))
    cap = {(p, s): c for p, s, c, _ in out}
    lead = {(p, s): n for p, s, _, n in out}
    ratio = {}
    for p in levels[1:]:
        lost = np.array([1 - lead[p, s] / lead[0.0, s] for s in seeds])       # share of leaders
        hit = np.array([1 - cap[p, s] / cap[0.0, s] for s in seeds])          # share of capacity
        assert (lost > 0).all()
        ratio[p] = hit / lost
    assert (ratio[0.004] > 1).all()                 # a small share disrupts more than in proportion
    assert (ratio[0.02] < ratio[0.004]).all()       # diminishing returns
