"""Armed groups: tolls and site taxes, revenue per group, strength following revenue."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import ConfigError, make_config
from sim.simulate import build, collect, simulate


def toy(steps=60, seed=1, **overrides):
    return make_config("toy", seed=seed, steps=steps, overrides=overrides)


def test_tolls_are_toll_share_times_value_times_flow_through_the_zone():
    model = build(toy(**{"scenario.armed_groups.ridge.revenue_dependence": 0.0})).run()
    groups, couriers, w = (model.mechanisms["armed_groups"], model.mechanisms["couriers"],
                           model.world)
    assert groups.strength[0] == 1.0  # no dependence on revenue: strength stays put
    value = w.commodity_table["value_at_source_usd"]
    expected = 0.001 * (couriers.flow @ groups.presence[0]) * value
    np.testing.assert_allclose(groups.revenue_total[0], expected, rtol=1e-9)
    summary = collect(model).summary
    assert summary["armed_group_revenue_usd.ridge"] == pytest.approx(expected.sum(), rel=1e-9)
    assert summary["armed_group_revenue_usd"] == pytest.approx(
        sum(summary[f"armed_revenue_{c}"] for c in w.commodity_names), rel=1e-12)


def test_strength_follows_revenue_and_zones_widen_with_it():
    """With all its strength from trafficking, a group whose revenue is far above (below)
    its reference heads for its cap of 2 (floor of 0.2) once tolls come in; day by day,
    strength follows the rule of the module docstring exactly."""
    def run(reference):
        model = build(toy(steps=200, **{
            "scenario.armed_groups.ridge.revenue_dependence": 1.0,
            "scenario.armed_groups.ridge.reference_revenue_usd_per_day": reference})).run()
        return model, collect(model).timeseries

    (rich, ts_rich), (poor, ts_poor) = run(1e-6), run(1e12)
    g_rich, g_poor = rich.mechanisms["armed_groups"], poor.mechanisms["armed_groups"]
    first = int(np.flatnonzero(ts_rich["armed_group_revenue_usd.ridge"].to_numpy() > 0)[0])
    rising = ts_rich["armed_strength.ridge"].to_numpy()[first:]
    assert (np.diff(rising) > 0).all() and 1.0 < g_rich.strength[0] <= 2.0
    assert 0.2 <= g_poor.strength[0] < 0.6
    for ts, reference in ((ts_rich, 1e-6), (ts_poor, 1e12)):
        avg, strength = reference, 1.0
        for revenue, recorded in zip(ts["armed_group_revenue_usd.ridge"],
                                     ts["armed_strength.ridge"], strict=True):
            avg += (revenue - avg) * -np.expm1(-1 / 30)
            target = np.clip(avg / reference, 0.2, 2.0)
            strength += (target - strength) * -np.expm1(-1 / 180)
            assert recorded == pytest.approx(strength, rel=1e-9)
    assert (g_rich.presence[0] > 0).sum() > (g_poor.presence[0] > 0).sum()
    radius = 80.0 * np.sqrt(g_rich.strength[0])  # area in proportion to strength
    assert g_rich.zone_radius_km()[0] == pytest.approx(radius)
    agent = g_rich.agents[0]
    assert agent.key == "ridge" and agent.strength == g_rich.strength[0]
    assert agent.revenue_usd == pytest.approx(g_rich.revenue_total[0].sum())


@pytest.mark.slow
def test_cutting_a_groups_presence_cuts_its_revenue_and_strength_paired_by_seed():
    """A military operation halving JNIM's presence (lever armed_presence) from day 1:
    its revenue and its strength fall, seed by seed."""
    for seed in (1, 2):
        config = make_config("west_africa", seed=seed, steps=180)
        base = simulate(config).summary
        model = build(config)
        model.set_lever("armed_presence", 0.4, where=["jnim"])
        cut = collect(model.run()).summary
        assert cut["armed_group_revenue_usd.jnim"] < 0.8 * base["armed_group_revenue_usd.jnim"]
        assert cut["armed_strength.jnim_end"] < base["armed_strength.jnim_end"]


@pytest.mark.slow
def test_groups_tax_gold_at_the_sites_they_control():
    """Every gold source of West Africa lies where a group's presence is above the control
    threshold, so every gold load pays the site tax (10 % of its value at source). With
    strength frozen (no dependence on revenue) the site tax changes nothing else."""
    frozen = {f"scenario.armed_groups.{g}.revenue_dependence": 0.0
              for g in ("jnim", "is_sahel", "wap_borderlands", "kidal")}
    taxed = simulate(make_config("west_africa", seed=1, steps=120, overrides=frozen)).summary
    untaxed = simulate(make_config("west_africa", seed=1, steps=120, overrides={
        **frozen, **{k.replace("revenue_dependence", "site_tax_share"): 0.0 for k in frozen}})
    ).summary
    assert taxed["delivered_gold"] == untaxed["delivered_gold"]
    assert taxed["armed_revenue_fuel"] == untaxed["armed_revenue_fuel"] > 0
    picked_up = taxed["delivered_gold"] + taxed["seized_gold"]  # kg; more are still on the road
    site_tax = taxed["armed_revenue_gold"] - untaxed["armed_revenue_gold"]
    assert site_tax >= 0.1 * 70_000.0 * picked_up > 0


def test_a_zone_needs_a_known_place_or_a_point_in_the_region():
    with pytest.raises(ConfigError, match=r"^scenario\.armed_groups\.ridge\.zones\.ridge\.centre "
                                          r"= 'Atlantis' is not allowed: must be a place"):
        build(toy(**{"scenario.armed_groups.ridge.zones.ridge.centre": "Atlantis"}))
    with pytest.raises(ConfigError, match=r"^scenario\.armed_groups\.ridge\.zones\.ridge = .* "
                                          r"give either centre"):
        toy(**{"scenario.armed_groups.ridge.zones.ridge": {"centre": "Bram", "lon": 3.0,
                                                            "lat": 2.0, "radius_km": 80.0}})
    with pytest.raises(ConfigError, match=r"must lie in region 'toy'"):
        build(toy(**{"scenario.armed_groups.ridge.zones.ridge": {"lon": 100.0, "lat": 0.0,
                                                                  "radius_km": 50.0}}))


def test_the_armed_presence_lever_names_groups():
    model = build(toy())
    with pytest.raises(ConfigError, match=r"change\.where\[0\] = 'jnim' is not allowed: must be "
                                          r"an armed group of the scenario: ridge"):
        model.set_lever("armed_presence", 0.5, where=["jnim"])
