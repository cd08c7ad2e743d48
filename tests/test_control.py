"""Control of a running model: advancing past the configured steps, decisions and lever
settings added mid-run, levers that stay as last set, pickling to branch, replay."""

import pickle

import numpy as np
import pandas as pd
import pytest

from sim.config import ConfigError, make_config
from sim.simulate import build, collect, simulate

CORE = ["AAA", "BBB", "CCC"]


def policy(lever, *, start=0, end=None, countries=CORE, params=None):
    return {"lever": lever, "countries": list(countries), "start": start, "end": end,
            "cost_usd_per_year": 365_000.0, "cost_basis": "test", "params": params or {}}


def toy(policies=None, *, seed=3, steps=60):
    package = {"name": "test" if policies else "baseline", "description": "test",
               "policies": policies or {}}
    return make_config("toy", seed=seed, steps=steps, overrides={"policy": package})


def assert_same_run(a, b):
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
    pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)
    np.testing.assert_array_equal(a.flow, b.flow)
    assert {k: v for k, v in a.summary.items() if not k.startswith("config.")} == \
        {k: v for k, v in b.summary.items() if not k.startswith("config.")}


def test_advance_runs_past_the_configured_steps():
    model = build(toy(steps=10))
    model.run()
    assert model.steps == 10 and not model.running
    model.advance(15)
    assert model.steps == 25
    result = collect(model)
    assert len(result.timeseries) == 25 and result.summary["steps_run"] == 25
    # the first 10 days are those of a plain 10-day run
    plain = simulate(toy(steps=10))
    pd.testing.assert_frame_equal(result.timeseries.iloc[:10], plain.timeseries)


def test_a_decision_added_mid_run_equals_the_same_policy_scheduled():
    model = build(toy(steps=60))
    model.advance(20)
    bribe_before = model.mechanisms["enforcement"].bribe_prob.copy()
    change = model.add_policy("oversight", {
        k: v for k, v in policy("accountable_institutions").items() if k != "start"})
    assert change.start == 21
    model.advance(1)
    np.testing.assert_allclose(model.mechanisms["enforcement"].bribe_prob, bribe_before * 0.5)
    model.advance(39)
    scheduled = simulate(toy({"oversight": policy("accountable_institutions", start=21)}))
    mid_run = collect(model)
    pd.testing.assert_frame_equal(mid_run.timeseries.drop(columns="policy_cost_usd"),
                                  scheduled.timeseries.drop(columns="policy_cost_usd"))
    pd.testing.assert_frame_equal(mid_run.events, scheduled.events)
    assert mid_run.timeseries["policy_cost_usd"].iloc[20:].eq(1000.0).all()


def test_a_lever_set_by_hand_stays_when_a_later_policy_starts():
    """The bug this fixes: a scheduled policy starting later rebuilt every lever from the
    scenario's values, reverting what had been set by hand."""
    model = build(toy({"courts": policy("justice_capacity", start=15)}))
    bbb = model.world.country_index("BBB")
    model.advance(5)
    model.set_lever("penalty_years", 25.0, where=["BBB"])
    model.set_lever("bribe_acceptance", 0.05)
    model.advance(20)  # justice capacity came into force on day 15
    assert model.levers.penalty_years[bbb] == 25.0
    np.testing.assert_array_equal(model.levers.bribe_acceptance, 0.05)
    assert (model.mechanisms["enforcement"].bribe_prob[model.world.core_cell] == 0.05).all()
    base = model.timeline.base
    assert model.levers.court_cases_per_day[bbb] == 2 * base.court_cases_per_day[bbb]


def test_a_later_change_of_the_same_lever_sets_it_again_and_an_ending_one_undoes_itself():
    model = build(toy({"laws": policy("harmonised_laws", start=10, end=30,
                                      params={"penalty_convergence": 1.0})}))
    reg = model.world
    aaa, bbb, ccc = (reg.country_index(c) for c in CORE)
    model.advance(3)
    model.set_lever("penalty_years", 2.0, where=["BBB"])
    model.advance(5)
    assert model.levers.penalty_years[bbb] == 2.0                     # day 8: as set
    model.advance(5)
    top = max(model.timeline.base.penalty_years[[aaa, ccc]])
    assert model.levers.penalty_years[bbb] == top                     # day 13: harmonised
    model.advance(20)
    assert model.levers.penalty_years[bbb] == 2.0                     # day 33: law ended


def test_levers_change_only_through_the_timeline():
    model = build(toy())
    with pytest.raises(ValueError, match="read-only"):
        model.levers.penalty_years[:] = 50.0


def test_a_temporary_setting_ends():
    model = build(toy())
    model.set_lever("bribe_acceptance", 0.0, start=5, end=8)
    seen = []
    for _ in range(10):
        model.advance(1)
        seen.append(float(model.levers.bribe_acceptance.max()))
    assert seen[3] > 0 and seen[4] == seen[5] == seen[6] == 0.0 and seen[7] > 0


@pytest.mark.parametrize("kwargs, field", [
    ({"lever": "penalty_yaers", "value": 1.0}, "change.lever"),
    ({"lever": "penalty_years", "value": 1.0, "where": ["XYZ"]}, "change.where[0]"),
    ({"lever": "penalty_years", "value": [1.0, 2.0], "where": ["AAA"]}, "change.value"),
    ({"lever": "penalty_years", "value": "high"}, "change.value"),
    ({"lever": "penalty_years", "value": 1.0, "start": 3}, "change.start"),
    ({"lever": "penalty_years", "value": 1.0, "end": 2}, "change.end"),
])
def test_bad_changes_are_refused_naming_the_field_and_change_nothing(kwargs, field):
    model = build(toy())
    model.advance(5)
    before = model.levers.copy()
    with pytest.raises(ConfigError) as err:
        model.set_lever(**kwargs)
    assert str(err.value).startswith(field) and "\n" not in str(err.value)
    assert model.timeline.log == [] and not model.levers.changed(before)
    model.advance(1)
    assert not model.levers.changed(before)


def test_a_decision_for_a_country_outside_the_scenario_is_refused():
    model = build(toy())
    with pytest.raises(ConfigError, match=r"^change\.x\.countries\[0\] = 'BEN' is not allowed"):
        model.add_policy("x", policy("accountable_institutions", countries=["BEN"]))
    assert model.timeline.log == []


def test_a_pickled_model_continues_bit_identically():
    cfg = toy({"forces": policy("task_forces", params={"leader_hit_prob": 0.3}),
               "lives": policy("livelihoods", params={"ramp_days": 30})}, steps=80)
    model = build(cfg)
    model.advance(25)
    twin = pickle.loads(pickle.dumps(model))
    model.advance(55)
    twin.advance(55)
    assert_same_run(collect(model), collect(twin))
    assert_same_run(collect(model), simulate(cfg))


def test_replaying_the_decision_log_reproduces_the_run():
    cfg = toy(steps=90)
    model = build(cfg)
    model.advance(10)
    model.add_policy("joint", policy("joint_operations", start=11))
    model.advance(15)
    model.set_lever("penalty_years", 30.0, where=["AAA", "CCC"])
    model.set_lever("bribe_acceptance", 0.0, where=["BBB"], start=40, end=60)
    model.advance(65)
    played = collect(model)
    assert len(played.changes) == 3
    replayed = simulate(cfg, changes=played.changes)
    assert_same_run(played, replayed)
    assert not played.timeseries.equals(simulate(cfg).timeseries)  # the decisions mattered
