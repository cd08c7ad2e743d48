"""Unit tests of single mechanisms, the mechanism interface and common random numbers."""

import numpy as np
import pandas as pd
import pytest

from sim.config import make_config
from sim.mechanisms import MECHANISMS, Mechanism, phase
from sim.mechanisms.justice import CONVICTED, NOT_CHARGED, PENDING
from sim.metrics import METRICS, define_metric
from sim.simulate import build, simulate

CORE = ["AAA", "BBB", "CCC"]


@pytest.fixture
def toy_model():
    return build(make_config("toy", seed=1, steps=400))


def with_levers(model, **values):
    """Put lever values straight into a model (unit tests of one mechanism)."""
    levers = model.levers.copy()
    for name, value in values.items():
        getattr(levers, name)[...] = value
    model._apply_levers(levers.frozen(), set(values))


# ----------------------------------------------------------------------------- justice


def test_a_saturated_court_decides_exactly_its_capacity_each_day(toy_model):
    justice, world = toy_model.mechanisms["justice"], toy_model.world
    with_levers(toy_model, court_cases_per_day=2.5)
    justice.evidence[:] = 1.0  # every case charged: all go to court
    aaa = world.country_index("AAA")
    n = 60
    justice.open_cases(1, np.arange(n), np.full(n, aaa), np.full(n, aaa), np.ones(n))
    investigation = toy_model.config.model.investigation_days
    rng = np.random.default_rng(0)
    decided = [len(justice.advance(t, rng).case) for t in range(1, investigation + 21)]
    assert decided[:investigation] == [0] * investigation  # still under investigation
    # the first day uses its own capacity and the one day's worth banked while idle ...
    assert decided[investigation] == 5
    # ... then 2.5 cases/day: 2 then 3 cases a day (credit accrues), while saturated
    assert decided[investigation + 1:investigation + 11] == [2, 3] * 5
    assert justice.pending == n - sum(decided)


def test_unused_court_capacity_banks_one_day_at_most(toy_model):
    justice, world = toy_model.mechanisms["justice"], toy_model.world
    with_levers(toy_model, court_cases_per_day=2.0)
    justice.evidence[:] = 1.0
    aaa = world.country_index("AAA")
    rng = np.random.default_rng(0)
    for t in range(1, 50):  # idle courts
        justice.advance(t, rng)
    justice.open_cases(50, np.arange(20), np.full(20, aaa), np.full(20, aaa), np.ones(20))
    ready = 50 + toy_model.config.model.investigation_days
    counts = [len(justice.advance(t, rng).case) for t in range(50, ready + 3)]
    assert counts[-3:] == [4, 2, 2]  # 49 idle days bank one day's capacity, not 49


def test_mutual_legal_assistance_delay_is_added_exactly(toy_model):
    justice, world = toy_model.mechanisms["justice"], toy_model.world
    aaa, bbb = world.country_index("AAA"), world.country_index("BBB")
    with_levers(toy_model, court_cases_per_day=10.0)
    levers = toy_model.levers.copy()
    levers.mla_delay_days[aaa, bbb] = 77
    toy_model._apply_levers(levers.frozen(), {"mla_delay_days"})
    ids = justice.open_cases(5, np.array([0, 1]), np.array([aaa, aaa]), np.array([aaa, bbb]),
                             np.ones(2))
    investigation = toy_model.config.model.investigation_days
    assert list(justice.ready[ids]) == [5 + investigation, 5 + investigation + 77]
    assert list(justice.cross_border[ids]) == [False, True]
    rng = np.random.default_rng(1)
    day_decided = {}
    for t in range(5, 5 + investigation + 80):
        d = justice.advance(t, rng)
        for case in d.case:
            day_decided[int(case)] = t
    assert day_decided == {int(ids[0]): 5 + investigation, int(ids[1]): 5 + investigation + 77}
    assert (justice.status[ids] != PENDING).all()


def test_the_uncharged_are_released_when_the_investigation_ends_without_court_time(toy_model):
    justice, world = toy_model.mechanisms["justice"], toy_model.world
    with_levers(toy_model, court_cases_per_day=1.0)
    justice.evidence[:] = 0.3
    aaa = world.country_index("AAA")
    n = 400
    justice.open_cases(1, np.arange(n), np.full(n, aaa), np.full(n, aaa), np.ones(n))
    ready = 1 + toy_model.config.model.investigation_days
    rng = np.random.default_rng(4)
    for t in range(1, ready):
        assert len(justice.advance(t, rng).case) == 0
    d = justice.advance(ready, rng)
    charged = justice._charged_today
    released = d.case[d.outcome == NOT_CHARGED]
    assert len(charged) + len(released) == n  # every investigation ended today
    assert abs(len(charged) / n - 0.3) < 0.07  # charged with the evidence quality
    assert (justice.status[released] == NOT_CHARGED).all()
    # the court decided only what its capacity allows, from the charged cases
    court = d.case[d.outcome != NOT_CHARGED]
    assert len(court) == 2 and set(court) <= set(charged)  # its own day + one banked
    assert justice.awaiting_trial == len(charged) - 2
    assert justice.pending == len(charged) - 2


def test_settled_arrests_open_no_case_and_go_free_the_same_day():
    from sim.agents.courier import CourierState

    model = build(make_config("toy", seed=2, steps=60, overrides={
        "scenario.commodities.fuel.settlement_prob": 1.0,
        "scenario.commodities.cocaine.settlement_prob": 0.0}))
    justice, c = model.mechanisms["justice"], model.mechanisms["couriers"].arrays
    fuel = model.world.commodity_names.index("fuel")
    for _ in range(60):
        model.step()
        detained = c.state == CourierState.DETAINED
        assert not (detained & (c.commodity == fuel)).any()  # settled ones went free today
    ts = model.datacollector.get_model_vars_dataframe()
    assert ts["settlements"].sum() > 0
    ev = model.events.to_frame(model.world.region, model.world.commodity_names)
    arrests = ev[ev["event"] == "arrest"]
    settled = ev[ev["event"] == "settlement"]
    assert (settled["commodity"] == "fuel").all()  # every fuel arrest settled, no other
    assert (arrests["commodity"] == "fuel").sum() == len(settled)
    assert (arrests["commodity"] != "fuel").sum() == justice.n  # a case for each other
    assert ts["arrests"].sum() == ts["settlements"].sum() + justice.n


def test_sentences_follow_the_penalty_and_spread(toy_model):
    justice, world, m = toy_model.mechanisms["justice"], toy_model.world, toy_model.config.model
    aaa = world.country_index("AAA")
    with_levers(toy_model, court_cases_per_day=1000.0, conviction_rate=1.0)
    justice.evidence[:] = 1.0
    n = 500
    justice.open_cases(1, np.arange(n), np.full(n, aaa), np.full(n, aaa), np.full(n, 0.5))
    d = justice.advance(1 + m.investigation_days, np.random.default_rng(2))
    assert (d.outcome == CONVICTED).all()
    mean = toy_model.levers.penalty_years[aaa] * 365.0 * m.sentence_fraction * 0.5
    lo, hi = mean * (1 - m.sentence_spread / 2), mean * (1 + m.sentence_spread / 2)
    assert d.sentence_days.min() >= np.floor(lo) and d.sentence_days.max() <= np.ceil(hi)
    assert abs(d.sentence_days.mean() - mean) < 0.05 * mean


# ----------------------------------------------------------------------------- organisations


def test_risk_memory_decays_exponentially_and_is_capped(toy_model):
    orgs, m = toy_model.mechanisms["organisations"], toy_model.config.model
    orgs.passages[0] = 0.0  # no passages: the memory reads as seizures
    orgs.commodity_passages[:] = 0.0
    cells = np.array([[10, 11, -1]])
    orgs._learn(0, 100, cells, np.array([[0.4, 0.6, 0.9]]))
    memory = orgs.risk_memory(0)
    assert memory[10] == pytest.approx(0.4) and memory[11] == pytest.approx(0.6)
    orgs._decay_memory(0, 130)
    decayed = orgs.risk_memory(0)
    assert decayed[10] == pytest.approx(0.4 * (1 - m.risk_memory_decay_per_day) ** 30, rel=1e-12)
    orgs._learn(0, 130, np.array([[10]]), np.array([[5.0]]))
    assert orgs.risk_memory(0)[10] == pytest.approx(1.0)  # a probability: capped at 1
    assert orgs.risk_memory(0).sum() == pytest.approx(1.0 + decayed[11])


def test_perceived_risk_is_the_areas_seizures_per_passage(toy_model):
    """One seizure among 99 passages reads as about 1 %; the same seizure beside the
    route (where the passages are spread by the disk's weight) reads higher; on a cell
    far from any passage, one seizure reads as ``risk_learning_rate``."""
    from sim.spatial import disk_offsets

    orgs, world = toy_model.mechanisms["organisations"], toy_model.world
    lr, nx = toy_model.config.model.risk_learning_rate, world.nx
    orgs.memory[0], orgs.passages[0], orgs.scale[0] = 0.0, 0.0, 1.0
    orgs.commodity_passages[:] = 0.0  # no other desk's passages heard of
    here, beside, far = 5 * nx + 5, 5 * nx + 6, 15 * nx + 15
    orgs.passages[0, here] = 99 * lr
    orgs.memory[0, [here, beside, far]] = lr
    drow, dcol, weight = disk_offsets(world.memory_radius)
    w1 = weight[(drow == 0) & (dcol == 1)][0]
    assert world.memory_radius < 10 and w1 < 1
    p = orgs.risk_memory(0)
    assert p[here] == pytest.approx(lr / (99 * lr + 1))
    assert p[beside] == pytest.approx(lr / (w1 * 99 * lr + 1))
    assert p[far] == pytest.approx(lr)
    assert p[here] < p[beside] < p[far]


def test_a_road_other_desks_use_reads_as_their_seizures_per_passage(toy_model):
    """Desk 0 never used a road that other desks of its commodity crossed 999 times for
    ten seizures; it hears of both by ``gossip_weight``, so the road reads as about 1 %
    -- not as ten seizures on an empty road (which would read as certain loss)."""
    orgs, world, m = toy_model.mechanisms["organisations"], toy_model.world, toy_model.config.model
    lr, g, nx = m.risk_learning_rate, m.gossip_weight, world.nx
    k = int(orgs.layout.commodity[0])
    assert g > 0
    orgs.memory[0], orgs.passages[0], orgs.scale[0] = 0.0, 0.0, 1.0
    orgs.commodity_passages[k], orgs.commodity_scale[k] = 0.0, 1.0
    orgs.commodity_step[k] = orgs.memory_step[0]
    road = 5 * nx + 5
    orgs.memory[0, road] = g * 10 * lr            # others' seizures, heard by gossip
    assert orgs.risk_memory(0)[road] == pytest.approx(min(g * 10 * lr, 1.0))  # no traffic heard
    orgs.commodity_passages[k, road] = 999 * lr   # others' passages, heard the same way
    near = orgs.risk_memory(0)[road]
    from sim.spatial import disk_offsets

    drow, dcol, weight = disk_offsets(world.memory_radius)
    w0 = weight[(drow == 0) & (dcol == 0)][0]
    assert near == pytest.approx(g * 10 * lr / (w0 * g * 999 * lr + 1))
    assert near < 0.05
    orgs.passages[0, road] = 999 * lr             # had desk 0 crossed it itself: no gossip
    orgs.commodity_passages[k, road] = 2 * 999 * lr
    assert orgs.risk_memory(0)[road] == pytest.approx(
        g * 10 * lr / (w0 * (999 + g * 999) * lr + 1))


def test_loads_shrink_and_routes_spread_with_the_share_of_loads_lost(toy_model):
    orgs, m = toy_model.mechanisms["organisations"], toy_model.config.model
    assert m.loss_response > 0
    orgs.lost[:], orgs.ended[:] = 0.0, 0.0
    orgs.lost[0], orgs.ended[0] = 3.0, 9.0  # 3 of 9 recent trips lost: 3 / (9 + 1)
    assert orgs.loss_share()[0] == pytest.approx(0.3)
    factor = orgs.load_factor()
    assert factor[0] == pytest.approx(0.7 ** m.loss_response) and (factor[1:] == 1).all()
    assert orgs.route_noise()[0] == pytest.approx(m.route_noise / 0.7 ** m.loss_response)


def test_route_cost_is_travel_time_when_nothing_is_risky():
    cfg = make_config("toy", seed=1, steps=5, overrides={
        "model.post_detection_prob": 0.0, "model.patrol_detection_prob": 0.0,
        "model.tip_detection_prob": 0.0, "scenario.armed_groups.ridge.toll_share": 0.0})
    model = build(cfg)
    orgs, world = model.mechanisms["organisations"], model.world
    com = world.commodities[orgs.layout.commodity[0]]
    value = com.load_median * com.value_at_source_usd
    cost = orgs.route_cost(0)
    land = world.land
    expected = (com.value_of_time_usd_per_hour * world.cell_hours
                + 1e-6 * (1.0 + value) * world.cell_hours)
    np.testing.assert_allclose(cost[land], expected[land], rtol=1e-12)
    assert np.isinf(cost[~land]).all()


def test_route_cost_rises_with_the_law_and_with_learned_risk(toy_model):
    orgs, world = toy_model.mechanisms["organisations"], toy_model.world
    bbb = world.country_index("BBB")
    in_bbb = world.country == bbb
    before = orgs.route_cost(0)
    orgs._learn(0, 0, np.flatnonzero(in_bbb)[None, :5], np.full((1, 5), 0.5))
    learned = orgs.route_cost(0)
    assert (learned[np.flatnonzero(in_bbb)[:5]] > before[np.flatnonzero(in_bbb)[:5]]).all()
    levers = toy_model.levers.copy()
    levers.penalty_years[bbb] *= 4
    toy_model._apply_levers(levers.frozen(), {"penalty_years"})
    harsher = orgs.route_cost(0)
    assert (harsher[in_bbb] >= learned[in_bbb]).all() and (harsher[in_bbb] > learned[in_bbb]).any()
    np.testing.assert_array_equal(harsher[~in_bbb], learned[~in_bbb])


# ----------------------------------------------------------------------------- interface


class Census(Mechanism):
    """A test mechanism: one draw a day from its own stream, reported as a metric."""

    name = "census_test"
    setup_order = 70.0
    streams = ("count",)
    metrics = ("census_draw",)

    @phase(62.0)
    def count(self, day):
        self.draw = float(self.stream("count").random())

    def record(self, day, row):
        row["census_draw"] = self.draw


@pytest.fixture
def census():
    MECHANISMS[Census.name] = Census
    define_metric("census_draw", "daily", "1", "census draw", "a test draw", "sum")
    yield Census
    del MECHANISMS[Census.name]
    del METRICS["census_draw"]


def test_a_new_mechanism_is_one_class_and_shifts_no_other_stream(census):
    cfg = make_config("toy", seed=4, steps=60)
    model = build(cfg)
    labels = [label for _, label, _ in model.phases]
    assert labels.index("couriers.resolve") < labels.index("census_test.count") \
        < labels.index("organisations.hit_leaders")
    assert "census_test.count" in model.stream_names
    with_census = simulate(cfg)
    del MECHANISMS[Census.name]
    without = simulate(cfg)
    MECHANISMS[Census.name] = Census
    assert "census_draw" in with_census.timeseries and "census_draw" in with_census.summary
    pd.testing.assert_frame_equal(with_census.timeseries.drop(columns="census_draw"),
                                  without.timeseries)
    pd.testing.assert_frame_equal(with_census.events, without.events)


def test_streams_are_keyed_by_name_not_position():
    a = build(make_config("toy", seed=9, steps=5))
    b = build(make_config("toy", seed=9, steps=5))
    names = list(a.stream_names)
    draws_a = {n: a.stream(n).random() for n in names}
    draws_b = {n: b.stream(n).random() for n in reversed(names)}  # other order of first use
    assert draws_a == draws_b
    assert len(set(draws_a.values())) == len(names)  # all different streams
    with pytest.raises(KeyError, match="no random stream"):
        a.stream("couriers.mvoe")


CRN_STREAMS = ("couriers.move", "couriers.trips", "enforcement.detect", "enforcement.patrol",
               "enforcement.redeploy")
"""Streams that take the same draws every day whatever the policy does."""


def test_common_random_numbers_hold_through_a_whole_run():
    def package(lever, params):
        return {"lever": lever, "countries": CORE, "start": 0, "end": None,
                "cost_usd_per_year": 1.0, "cost_basis": "test", "params": params}

    policies = {"joint": package("joint_operations", {}),
                "lives": package("livelihoods", {"ramp_days": 30}),
                "forces": package("task_forces", {"leader_hit_prob": 0.5})}
    base = build(make_config("toy", seed=11, steps=150))
    pol = build(make_config("toy", seed=11, steps=150, overrides={
        "policy": {"name": "p", "description": "p", "policies": policies}}))
    base.run()
    pol.run()
    assert not base.latest == pol.latest  # the package changed the run
    for name in CRN_STREAMS:
        assert base.stream(name).bit_generator.state == pol.stream(name).bit_generator.state, name
