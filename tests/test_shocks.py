"""Shocks: timed lever changes on the policy timeline, their checks, and the direction of
the three shipped shocks (paired by seed against the baseline)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.shocks import paired_change, shock_mapping
from sim.config import ConfigError, ShockConfig, available, from_dict, make_config
from sim.simulate import build, simulate
from sim.world import PATROL, POST
from tests.test_control import assert_same_run

SHOCKS = ("nigeria_subsidy_removal", "nigeria_border_closure", "afghan_opium_ban")


def shock(name, **fields):
    return {**shock_mapping(name), **fields}


def toy_shock(changes, start=10, duration=None, steps=30, seed=1):
    mapping = {"name": "test", "description": "test", "start": start,
               "duration_days": duration, "changes": changes}
    return make_config("toy", seed=seed, steps=steps, overrides={"shock": mapping})


def test_every_shipped_shock_is_a_valid_config_and_none_is_the_default():
    assert set(SHOCKS) <= set(available("shock"))
    for name in available("shock"):
        cfg = from_dict(ShockConfig, shock_mapping(name), "shock")
        assert cfg.name == name
        assert all(c.basis for c in cfg.changes)
    assert make_config("toy").shock.name == "none"
    assert make_config("toy").shock.changes == []


@pytest.mark.parametrize("change, field", [
    ({"lever": "supply", "where": ["fuel"], "value": 0.5, "scale": 2.0, "basis": "x"},
     "shock.changes[0] = value 0.5, scale 2.0"),
    ({"lever": "supply", "where": ["fuel"], "basis": "x"}, "shock.changes[0] = value None"),
    ({"lever": "suply", "value": 1.0, "basis": "x"}, "shock.changes[0].lever = 'suply'"),
    ({"lever": "supply", "where": ["opium"], "value": 0.1, "basis": "x"},
     "shock.changes[0].where[0] = 'opium'"),
    ({"lever": "mla_delay_days", "scale": 2.0, "basis": "x"}, "shock.changes[0].scale"),
    ({"lever": "unit_effectiveness", "where": [["AAA", "tower"]], "value": 2.0, "basis": "x"},
     "shock.changes[0].where[0][1] = 'tower'"),
])
def test_a_bad_shock_is_refused_before_any_step_naming_the_field(change, field):
    with pytest.raises(ConfigError) as err:
        build(toy_shock([change]))
    assert str(err.value).startswith(field)


def test_a_shock_naming_what_the_scenario_lacks_is_refused():
    with pytest.raises(ConfigError, match=r"shock.changes\[0\].where\[0\] = 'NGA'"):
        build(make_config("central_asia", shock="nigeria_border_closure", steps=5))
    with pytest.raises(ConfigError, match=r"shock.changes\[0\].where\[0\] = 'heroin'"):
        build(make_config("toy", shock="afghan_opium_ban", steps=5))


def test_units_are_chosen_by_country_and_kind():
    model = build(make_config("west_africa", shock="nigeria_border_closure", steps=5,
                              overrides={"shock.start": 1}))
    model.run(1)
    units, w = model.world.units, model.world
    eff = model.levers.unit_effectiveness
    nga = units.country == w.country_index("NGA")
    assert (nga & (units.kind == POST)).any() and (nga & (units.kind == PATROL)).any()
    np.testing.assert_array_equal(eff[nga & (units.kind == POST)], 10.0)
    np.testing.assert_array_equal(eff[nga & (units.kind == PATROL)], 2.0)
    np.testing.assert_array_equal(eff[~nga], 1.0)


def test_a_crossing_name_chooses_the_posts_at_that_crossing():
    model = build(make_config("west_africa", steps=5))
    units = model.world.units
    names = [x.name for x in model.world.region.crossings]
    model.set_lever("unit_effectiveness", 5.0, ["Seme"], start=1)
    model.run(1)
    at_seme = units.post_crossing == names.index("Seme")
    assert at_seme.any() and (units.kind[at_seme] == POST).all()
    np.testing.assert_array_equal(model.levers.unit_effectiveness[at_seme], 5.0)
    np.testing.assert_array_equal(model.levers.unit_effectiveness[~at_seme], 1.0)
    with pytest.raises(ConfigError, match=r"where\[0\] = 'Semé' is not allowed: .*Seme"):
        model.set_lever("unit_effectiveness", 5.0, ["Semé"], start=2)


def test_a_scale_multiplies_what_the_timeline_built_and_the_shock_ends():
    change = {"lever": "supply", "where": ["fuel"], "scale": 0.5, "basis": "test"}
    model = build(toy_shock([change], start=5, duration=10))
    model.set_lever("supply", 0.8, ["fuel"], start=1)
    k = model.world.commodity_names.index("fuel")
    seen = {}
    for _ in range(20):
        model.step()
        seen[model.steps] = float(model.levers.supply[k])
    assert seen[4] == 0.8 and seen[5] == pytest.approx(0.4) and seen[14] == pytest.approx(0.4)
    assert seen[15] == 0.8


def test_a_shock_added_to_a_running_model_equals_the_configured_shock():
    mapping = shock("nigeria_subsidy_removal", start=20)
    configured = simulate(make_config("west_africa", seed=2, steps=40,
                                      overrides={"shock": mapping}))
    model = build(make_config("west_africa", seed=2, steps=40))
    model.run(10)
    model.add_change({"kind": "shock", "shock": mapping})  # a tabletop inject
    model.run()
    from sim.simulate import collect

    injected = collect(model)
    assert_same_run(configured, injected)
    assert injected.changes[0]["kind"] == "shock"


def pairs(scenario, name, seeds, steps, **fields):
    """Daily series of the baseline and the shock for each seed, as run_pairs returns."""
    import pandas as pd

    mapping = shock(name, **fields)
    frames = []
    for seed in seeds:
        for arm, cfg in (("none", make_config(scenario, seed=seed, steps=steps)),
                         (name, make_config(scenario, seed=seed, steps=steps,
                                            overrides={"shock": mapping}))):
            ts = simulate(cfg).timeseries.copy()  # has step and seed
            ts.insert(0, "arm", arm)
            frames.append(ts)
    table = pd.concat(frames, ignore_index=True)
    cfg = from_dict(ShockConfig, mapping, "shock")
    table["start"], table["end"] = cfg.start, np.nan if cfg.end is None else cfg.end
    return table


def test_subsidy_removal_cuts_fuel_smuggling():
    table = pairs("west_africa", "nigeria_subsidy_removal", (1, 2), 90, start=30)
    change = paired_change(table, "delivered_fuel")["change"]
    assert (change < -0.2).all(), change  # the price gap pays the smugglers


@pytest.mark.slow
def test_border_closure_raises_seizures_then_the_station_ban_cuts_fuel():
    """Closed posts and more patrols: more fuel seized while couriers reroute; from the
    ban on supplying stations within 20 km of the border (78 days in), less fuel
    delivered."""
    table = pairs("west_africa", "nigeria_border_closure", (1, 2), 200, start=30)
    closure_only = table[table["step"] < 30 + 78].assign(end=30.0 + 78)
    assert (paired_change(closure_only, "seized_fuel")["change"] > 0).all()
    ban = table.assign(start=30 + 78)
    assert (paired_change(ban, "delivered_fuel")["change"] < -0.2).all()


def test_a_later_change_of_a_shock_starts_on_its_offset_and_sites_name_cells():
    mapping = shock("nigeria_border_closure", start=5)
    model = build(make_config("west_africa", steps=100, overrides={"shock": mapping}))
    badagry = model.world.region.site("Badagry").cell
    ibadan = model.world.region.site("Ibadan").cell
    seen = {}
    for _ in range(5 + 79):
        model.step()
        seen[model.steps] = float(model.levers.source_supply[badagry])
    assert seen[5 + 77] == 1.0 and seen[5 + 78] == 0.0  # 78 days after the closure
    assert model.levers.source_supply[ibadan] == 1.0     # inland: still supplied
    with pytest.raises(ConfigError, match=r"shock.changes\[0\].where\[0\] = 'Atlantis'"):
        build(toy_shock([{"lever": "source_supply", "where": ["Atlantis"], "value": 0.0,
                          "basis": "x"}]))
    with pytest.raises(ConfigError, match=r"start_offset_days = 10 is not allowed"):
        toy_shock([{"lever": "supply", "value": 0.5, "basis": "x", "start_offset_days": 10}],
                  duration=10)


def test_opium_ban_cuts_heroin_and_moves_effort_to_methamphetamine():
    table = pairs("central_asia", "afghan_opium_ban", (1, 2), 150, start=30)
    assert (paired_change(table, "delivered_heroin")["change"] < -0.5).all()
    assert (paired_change(table, "multi_market_share_methamphetamine")["change"] > 0.2).all()
    assert (paired_change(table, "delivered_methamphetamine")["change"] > 0).all()
