"""Markets: profit per desk, viability with the price gap, supply, and multi-market
organisations moving effort between commodities."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import ConfigError, make_config
from sim.simulate import build, collect, simulate
from tests.test_policies import lower_ci, upper_ci


def toy(steps=30, seed=1, **overrides):
    return make_config("toy", seed=seed, steps=steps, overrides=overrides)


def test_a_multi_market_organisation_has_one_desk_per_commodity_and_shares_leaders():
    model = build(toy())
    lay = model.world.organisations
    names = model.world.commodity_names
    multi = np.flatnonzero(lay.multi)
    assert len(multi) == 1
    desks = np.flatnonzero(lay.network == multi[0])
    assert [names[lay.commodity[d]] for d in desks] == ["cocaine", "fuel"]
    np.testing.assert_allclose(lay.share0[desks], [1 / 3, 2 / 3])
    assert lay.network_capacity[multi[0]] == 30
    orgs = model.mechanisms["organisations"]
    assert orgs.capacity()[desks].tolist() == [10, 20]
    assert len(orgs.leaders) == lay.n_organisations == 3  # leaders belong to organisations
    agents = [orgs.agents[d] for d in desks]  # Mesa agents, one per desk
    assert [a.organisation for a in agents] == [multi[0]] * 2
    assert [a.leaders for a in agents] == [orgs.leaders[multi[0]]] * 2
    assert [a.capacity for a in agents] == [10, 20]


def test_trip_cost_is_courier_time_when_nothing_is_risky():
    model = build(toy(**{"model.post_detection_prob": 0.0, "model.patrol_detection_prob": 0.0,
                         "model.tip_detection_prob": 0.0,
                         "scenario.armed_groups.ridge.toll_share": 0.0}))
    orgs, w = model.mechanisms["organisations"], model.world
    for o in range(orgs.layout.n):
        k = orgs.layout.commodity[o]
        cell, hours = int(orgs.layout.source[o]), 0.0
        while orgs.succ[o, cell, 0] >= 0:
            hours += float(orgs.succ_hours[o, cell, 0])
            cell = int(orgs.succ[o, cell, 0])
        assert orgs.trip_cost[o] == pytest.approx(
            w.commodities[k].value_of_time_usd_per_hour * hours, rel=1e-9)
        cycle = 2 * orgs.trip_days[o] + w.commodities[k].rest_days
        assert orgs.profit[o] == pytest.approx(
            (orgs.gross_margin()[o] - orgs.trip_cost[o]) / cycle, rel=1e-9)


def test_capacity_follows_the_price_gap_and_the_supply():
    model = build(toy(steps=5))
    orgs, lay = model.mechanisms["organisations"], model.world.organisations
    fuel = lay.commodity == model.world.commodity_names.index("fuel")
    before = orgs.capacity()
    model.set_lever("value_at_source", 0.505, where=["fuel"])  # gap 0.31 -> 0.155 USD/L
    model.set_lever("supply", 0.5, where=["cocaine"])
    model.advance(1)
    viable = 0.5 ** model.config.model.market_margin_elasticity  # (gap / gap0) ** elasticity
    np.testing.assert_allclose(orgs.viability[fuel], viable)
    after = orgs.capacity()
    assert (after[fuel] == np.rint(viable * before[fuel])).all()
    assert (after[~fuel] == np.rint(0.5 * before[~fuel])).all()
    model.set_lever("value_at_source", 0.7, where=["fuel"])    # no gap: the market closes
    model.advance(1)
    assert (orgs.capacity()[fuel] == 0).all() and (orgs.viability[fuel] == 0).all()


@pytest.mark.slow
def test_enforcement_on_one_commodity_moves_effort_to_another_partially():
    """Units focusing on cocaine (detection hazard x 4 in every country) from day 1: the
    multi-market organisation moves effort from cocaine to fuel, seed by seed on
    average, but keeps trading cocaine: most of its cocaine share stays, against the same
    seed without the focus (the baseline share itself drifts, 0.23-0.34 over these seeds).
    The shift is small (about -0.04 of the share: a lost load costs the organisation its
    price at the source, small against cocaine's margin), so it takes 16 paired seeds to
    resolve."""
    shares = []
    for seed in range(16):
        config = toy(steps=240, seed=seed)
        base = simulate(config).summary
        model = build(config)
        model.set_lever("detection_focus", 4.0, where=[["all", "cocaine"]])
        focus = collect(model.run()).summary
        shares.append((base["multi_market_share_cocaine_mean"],
                       focus["multi_market_share_cocaine_mean"],
                       base["seized_cocaine"], focus["seized_cocaine"]))
    shares = np.array(shares)
    assert lower_ci(shares[:, 3] - shares[:, 2]) > 0      # the focus works: more seized
    assert upper_ci(shares[:, 1] - shares[:, 0]) < 0      # effort leaves cocaine ...
    assert (shares[:, 1] > 0.5 * shares[:, 0]).all()      # ... partially


def test_multi_market_shares_must_sum_to_one_and_name_commodities():
    with pytest.raises(ConfigError, match=r"^scenario\.multi_market\.network\.shares = .* must "
                                          r"give at least two commodities with shares summing"):
        toy(**{"scenario.multi_market.network.shares": {"cocaine": 0.5, "fuel": 0.6}})
    with pytest.raises(ConfigError, match=r"^scenario\.multi_market\.network\.shares\.gold is "
                                          r"not allowed: must be a commodity of the scenario"):
        toy(**{"scenario.multi_market.network.shares": {"cocaine": 0.5, "gold": 0.5}})


def test_the_smuggled_share_of_a_fuel_market_counts_deliveries_against_legal_sales():
    run = simulate(toy(steps=73))  # a fifth of a year
    ev = run.events
    fuel = ev[(ev["event"] == "delivery") & (ev["commodity"] == "fuel")]
    smuggled = fuel[fuel["country"] == "BBB"]["quantity"].sum()
    assert smuggled > 0
    legal = 2.0e6 * 73 / 365  # toy.yaml: BBB sells 2 M L/year legally
    s = run.summary
    assert s["smuggled_share_fuel.BBB"] == pytest.approx(smuggled / (smuggled + legal))
    assert s["smuggled_fuel_l_per_year.BBB"] == pytest.approx(smuggled * 365 / 73)
    assert "smuggled_fuel_l_per_year.CCC" in s     # a fuel market ...
    assert "smuggled_share_fuel.CCC" not in s      # ... without legal-sales data
    assert "smuggled_share_fuel.AAA" not in s      # no fuel destination in AAA
    more = simulate(toy(steps=73, **{"scenario.countries.BBB.legal_fuel_sales_l_per_year":
                                     4.0e6})).summary
    assert more["smuggled_share_fuel.BBB"] < s["smuggled_share_fuel.BBB"]
    ca = simulate(make_config("central_asia", steps=5)).summary
    assert not [k for k in ca if k.startswith("smuggled_")]  # no fuel commodity


def priced_toy(demand: dict, steps: int = 60, **model):
    """The toy with fuel sold on priced markets (``demand_per_day``), model overrides."""
    from sim.config import ModelConfig, config_dict, from_dict

    data = config_dict("toy", seed=1, steps=steps)
    data["scenario"]["commodities"]["fuel"]["demand_per_day"] = demand
    data["model"].update(model)
    return from_dict(ModelConfig, data)


def test_a_priced_market_must_be_a_country_of_the_commodity_s_destinations():
    with pytest.raises(ConfigError, match=r"scenario.commodities.fuel.demand_per_day.AAA is not "
                                          r"allowed: must be a country of its destinations: "
                                          r"BBB, CCC"):
        build(priced_toy({"AAA": 1000.0}))


def test_without_demand_every_price_is_fixed():
    model = build(toy(steps=10)).run()
    orgs = model.mechanisms["organisations"]
    assert (orgs.price_index == 1.0).all()
    assert (collect(model).timeseries["price_index_fuel"] == 1.0).all()


def test_a_market_short_of_supply_raises_its_price_and_pulls_couriers():
    """Demand far above what the toy's fuel desks deliver to Bricken (BBB), where they sell:
    its price rises as the averaged supply falls towards what is delivered, the desks see a
    wider gap and run more couriers (up to ``viability_max``); Celle (CCC) keeps its fixed
    price."""
    model = build(priced_toy({"BBB": 1.0e6}, viability_max=2.0))
    orgs, w = model.mechanisms["organisations"], model.world
    k, ccc, bbb = w.commodity_names.index("fuel"), w.region.countries.index("CCC"), \
        w.region.countries.index("BBB")
    fuel = np.flatnonzero(orgs.layout.commodity == k)
    base = orgs.capacity()[fuel]
    model.run()
    m = model.config.model
    expected = (orgs.supplied[k, bbb] / 1.0e6) ** (-1.0 / m.demand_elasticity)
    assert orgs.price_index[k, bbb] == pytest.approx(min(expected, 100.0))
    assert orgs.price_index[k, bbb] > 2 and orgs.price_index[k, ccc] == 1.0  # 60 days of 60
    at_bricken = orgs.market[fuel] == bbb
    assert at_bricken.all()
    lev = model.levers
    gap = (lev.value_at_destination[k] * orgs.price_index[k, bbb] - lev.value_at_source[k]) / (
        lev.value_at_destination[k] - lev.value_at_source[k])
    np.testing.assert_allclose(orgs.viability[fuel],
                               min(gap, 2.0) ** m.market_margin_elasticity)
    assert (orgs.viability[fuel] > 1).all()
    assert (orgs.capacity()[fuel] > base).all()


def test_an_oversupplied_market_lowers_its_price_and_the_couriers_on_the_road():
    """Bricken (BBB), where the toy's fuel desks sell, buys far less than they bring: its
    price falls, their gap and viability with it, and less fuel is carried."""
    model = build(priced_toy({"BBB": 10.0}, viability_max=2.0)).run()
    orgs, w = model.mechanisms["organisations"], model.world
    k, bbb = w.commodity_names.index("fuel"), w.region.countries.index("BBB")
    fuel = orgs.layout.commodity == k
    assert (orgs.market[fuel] == bbb).all()
    assert orgs.price_index[k, bbb] < 1
    assert (orgs.viability[fuel] < 1).all()
    delivered = collect(model).timeseries["delivered_fuel"].sum()
    fixed = simulate(priced_toy({}, viability_max=2.0)).timeseries["delivered_fuel"].sum()
    assert delivered < 0.5 * fixed


def test_an_entry_of_a_priced_market_is_a_numeric_field_studies_can_vary():
    from sim.analysis.study import field_meta

    cfg = priced_toy({"CCC": 1000.0})
    meta = field_meta(cfg, "scenario.commodities.fuel.demand_per_day.CCC")
    assert meta["type"] is float and (meta["lo"], meta["hi"]) == (0, 1e12)
    assert field_meta(cfg, "scenario.commodities.fuel.demand_per_day.BBB") is None
    assert field_meta(cfg, "scenario.commodities.fuel.sources.0") is None  # not numbers
