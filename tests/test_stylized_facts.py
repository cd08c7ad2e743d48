"""Stylized facts (PEERS.md) produced by the mechanisms on the default scenario, paired by
seed. Figures: python -m experiments.stylized_facts (docs/stylized_facts/)."""

from __future__ import annotations

import pytest

from sim.analysis.compare import t_interval
from sim.analysis.executor import ProcessExecutor
from sim.analysis.stylized import (
    FACTS,
    fact_task,
    leader_task,
    paired,
    run_fact,
    run_leader_disruption,
)

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
        assert t_interval(paired(patrols, col, arms).to_numpy()).low > 0, col
    for col in ("delivered_fuel", "delivered_gold"):
        assert t_interval(paired(patrols, col, arms).to_numpy()).high < 0, col


def test_more_arrests_without_less_recruitment_leave_as_many_in_the_trade():
    """Prieto-Curiel et al. (2023): incapacitation is not enough. Doubled detection gives
    many more arrests, recruitment refills the vacancies, and the share of community
    members in the trade is not lower at the end."""
    table = run_fact("incapacitation", range(1, 5), executor=ProcessExecutor(2, fn=fact_task))
    arms = FACTS["incapacitation"].arms
    assert t_interval(paired(table, "arrests", arms).to_numpy()).low > 0
    assert t_interval(paired(table, "recruits", arms).to_numpy()).low > 0
    assert t_interval(paired(table, "participation_end", arms).to_numpy()).high > 0


def test_arresting_leaders_disrupts_more_than_in_proportion_with_diminishing_returns():
    """MADTOR (Manzi & Calderoni 2024): arresting a small share of a network's leaders
    disrupts it more than in proportion, and each further share disrupts less."""
    table = run_leader_disruption(range(1, 4), exponents=(2.0,),
                                  executor=ProcessExecutor(2, fn=leader_task))
    assert (table["leaders_lost"] > 0).all()
    ratio = (table["capacity_lost"] / table["leaders_lost"]).groupby(
        [table["leader_hit_prob"], table["seed"]]).first().unstack("seed")
    weakest, strongest = ratio.index.min(), ratio.index.max()
    assert (ratio.loc[weakest] > 1).all()                    # more than in proportion
    assert (ratio.loc[strongest] < ratio.loc[weakest]).all()  # diminishing returns
