"""Stylized facts (PEERS.md) produced by the mechanisms on the default scenario, paired by
seed. Figures: python -m experiments.stylized_facts (docs/stylized_facts/)."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis.compare import t_interval
from sim.analysis.executor import ProcessExecutor
from sim.analysis.stylized import (
    FACTS,
    fact_task,
    fork_task,
    forks,
    leader_task,
    paired,
    run_fact,
    run_leader_disruption,
)

pytestmark = pytest.mark.slow  # West Africa runs of half a year to a year

# Each fact runs its own seeds (Fact.seeds), as its figure in docs/stylized_facts/ does
# (python -m experiments.stylized_facts): each test checks the experiment its figure shows.
# pytest-xdist sends a module's tests to one worker (pyproject: --dist=loadscope), so a
# module fixture's runs are made once, not once on each worker.


def _run(name):
    return run_fact(name, workers=2)


def test_arms_that_share_their_first_days_are_run_once_and_forked_value_for_value():
    """The displacement and footprint facts run their shared warm-up once and copy the
    model for the treatment (fork_task); each arm is then the run fact_task makes of it."""
    assert forks(FACTS["displacement"]) and forks(FACTS["interdiction_spreads"])
    assert not forks(FACTS["unpredictable_patrols"]) and not forks(FACTS["incapacitation"])
    from sim.config import make_config

    base = make_config("west_africa", steps=40)
    changes = [dict(c, start=21) for c in FACTS["displacement"].treatment_changes]
    both = fork_task(base, {"seed": 5, "changes": changes, "since": 21})
    for arm, arm_changes in (("reference", []), ("treatment", changes)):
        alone = fact_task(base, {"seed": 5, "changes": arm_changes, "since": 21})
        pd.testing.assert_series_equal(pd.Series(both[arm]), pd.Series(alone), check_exact=True)
    assert both["treatment"]["corridor_flow_fuel"] != both["reference"]["corridor_flow_fuel"]


@pytest.fixture(scope="module")
def patrols():
    return _run("unpredictable_patrols")


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
    table = _run("incapacitation")
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
    return _run("displacement")


def test_enforcement_on_one_corridor_cuts_the_fuel_through_it(displacement):
    """The corridor surge works locally: less fuel crosses at Seme and Idiroko."""
    arms = FACTS["displacement"].arms
    assert t_interval(paired(displacement, "corridor_flow_fuel", arms).to_numpy()).high < 0


def test_enforcement_on_one_corridor_diverts_fuel_to_the_rest_of_the_border(displacement):
    """Dell (2015): flow diverted to the next-best routes, here the rest of the same border
    (the desks hear that other desks cross there safely, docs/ODD.md §7.1 Learning)."""
    arms = FACTS["displacement"].arms
    assert t_interval(paired(displacement, "rest_of_border_flow_fuel", arms).to_numpy()).low > 0


@pytest.mark.xfail(reason="PEERS.md fact 2 not shown: on seeds 13-24 the Badagry and Ibadan "
                          "desks deliver 21.0 M L less (95 % CI 13.2 to 28.9 M) against a local "
                          "drop of 25.9 M L; the total minus the local change, +4.9 M L (CI -2.0 "
                          "to +11.7 M), is not told from zero: the detours cost about what they "
                          "save (docs/ODD.md §1, P2)", strict=True)
def test_displacement_is_partial_total_falls_by_less_than_the_local_drop(displacement):
    """Guerette & Bowers (2009): the total falls, but by less than the local drop. The
    total is the trade the surge can displace, the fuel delivered by the desks loading at
    Badagry and Ibadan (design declared before its run, docs/ODD.md §1, P2)."""
    arms = FACTS["displacement"].arms
    total = paired(displacement, "corridor_desks_delivered_fuel", arms).to_numpy()
    local = paired(displacement, "corridor_flow_fuel", arms).to_numpy()
    assert t_interval(total).high < 0
    assert t_interval(total - local).low > 0  # the total lost less than the corridor


@pytest.fixture(scope="module")
def spreads():
    return _run("interdiction_spreads")


def test_more_interdiction_gives_smaller_shipments(spreads):
    """NarcoLogic (Magliocca et al. 2019): more interdiction, smaller shipments. Doubled
    detection after the warm-up: fuel desks lose more loads and carry smaller ones
    (deliveries and seizures of the year after)."""
    arms = FACTS["interdiction_spreads"].arms
    for col in ("mean_delivery_fuel", "mean_seizure_fuel"):
        assert t_interval(paired(spreads, col, arms).to_numpy()).high < 0, col


def test_more_interdiction_widens_the_spatial_footprint(spreads):
    """NarcoLogic: more interdiction, more active cells: with more loads lost, desks spread
    their routes (``route_noise / (1 - L)``) and move off the roads where they lose them."""
    arms = FACTS["interdiction_spreads"].arms
    assert t_interval(paired(spreads, "route_cells_fuel", arms).to_numpy()).low > 0
