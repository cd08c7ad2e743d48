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

pytestmark = pytest.mark.slow  # West Africa runs of half a year to a year

SEEDS = range(1, 7)
"""The seeds of the figures in docs/stylized_facts/ (python -m experiments.stylized_facts):
each test checks the experiment its figure shows."""


@pytest.fixture(scope="module")
def patrols():
    return run_fact("unpredictable_patrols", SEEDS, executor=ProcessExecutor(2, fn=fact_task))


def test_moving_patrols_beat_the_same_patrols_kept_in_place(patrols):
    """SOAR: random allocation beats predictable allocation of the same effort. Static
    patrols are learnt by the organisations (their known-patrol hazard) and routed around;
    moving ones catch more and let less through. (The value seized is not judged: a few
    cocaine seizures of a hundred kilograms or more make it too lumpy to call over six
    seeds; its interval is in the figure.)"""
    arms = FACTS["unpredictable_patrols"].arms
    assert t_interval(paired(patrols, "arrests", arms).to_numpy()).low > 0
    for col in ("delivered_fuel", "delivered_gold"):
        assert t_interval(paired(patrols, col, arms).to_numpy()).high < 0, col


def test_more_arrests_without_less_recruitment_leave_as_many_in_the_trade():
    """Prieto-Curiel et al. (2023): incapacitation is not enough. Doubled detection gives
    many more arrests, recruitment refills the vacancies, and the share of community
    members in the trade is not lower at the end."""
    table = run_fact("incapacitation", SEEDS, executor=ProcessExecutor(2, fn=fact_task))
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


@pytest.fixture(scope="module")
def displacement():
    return run_fact("displacement", SEEDS, executor=ProcessExecutor(2, fn=fact_task))


def test_enforcement_on_one_corridor_cuts_the_fuel_through_it(displacement):
    """The corridor surge works locally: less fuel crosses at Seme and Idiroko."""
    arms = FACTS["displacement"].arms
    assert t_interval(paired(displacement, "corridor_flow_fuel", arms).to_numpy()).high < 0


@pytest.mark.xfail(reason="PEERS.md fact 1 not produced: the desks that used the corridor "
                          "detour and make fewer trips with the same couriers; nothing pulls "
                          "more fuel to the other crossings (destination prices are fixed and "
                          "viability is capped at 1; docs/ODD.md §1, P1)", strict=True)
def test_enforcement_on_one_corridor_diverts_fuel_to_the_rest_of_the_border(displacement):
    """Dell (2015): flow diverted to the next-best routes, here the rest of the same border."""
    arms = FACTS["displacement"].arms
    assert t_interval(paired(displacement, "rest_of_border_flow_fuel", arms).to_numpy()).low > 0


@pytest.mark.xfail(reason="PEERS.md fact 2 not produced: total fuel delivered falls by more "
                          "than the fuel through the corridor, because the detouring desks' "
                          "trips get longer and no demand side makes up the shortfall "
                          "(docs/ODD.md §1, P2)", strict=True)
def test_displacement_is_partial_total_falls_by_less_than_the_local_drop(displacement):
    """Guerette & Bowers (2009): the total falls, but by less than the local drop."""
    arms = FACTS["displacement"].arms
    total = paired(displacement, "delivered_fuel", arms).to_numpy()
    local = paired(displacement, "corridor_flow_fuel", arms).to_numpy()
    assert t_interval(total).high < 0
    assert t_interval(total - local).low > 0  # the total lost less than the corridor


@pytest.fixture(scope="module")
def spreads():
    return run_fact("interdiction_spreads", SEEDS, executor=ProcessExecutor(2, fn=fact_task))


def test_more_interdiction_gives_smaller_shipments(spreads):
    """NarcoLogic (Magliocca et al. 2019): more interdiction, smaller shipments. Doubled
    detection: fuel desks lose more loads and carry smaller ones (deliveries and seizures)."""
    arms = FACTS["interdiction_spreads"].arms
    for col in ("mean_delivery_fuel", "mean_seizure_fuel"):
        assert t_interval(paired(spreads, col, arms).to_numpy()).high < 0, col


@pytest.mark.xfail(reason="PEERS.md fact 3, second half, not produced at the calibrated "
                          "defaults: doubled detection leaves the fuel routes' cells unchanged; "
                          "the share of fuel lost only moves from 5.9 to 7.5 %, so the "
                          "loss-driven route spread hardly changes (docs/ODD.md §1, P3)",
                   strict=True)
def test_more_interdiction_widens_the_spatial_footprint(spreads):
    """NarcoLogic: more interdiction, more active cells."""
    arms = FACTS["interdiction_spreads"].arms
    assert t_interval(paired(spreads, "route_cells_fuel", arms).to_numpy()).low > 0
