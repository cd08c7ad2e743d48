"""Every numba kernel equals its plain-Python twin on the same inputs and seeds."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.kernels import KERNEL_NAMES, get_kernels
from sim.kernels.detection import ESCAPED, PASSED, SEIZED
from sim.kernels.routing import TARGET, UNREACHABLE
from sim.kernels.streams import (
    draw_base,
    draw_seeds,
    next_uniform,
    next_uniform_py,
    slot_seed,
    slot_seed_py,
    slot_seeds,
)

NB = get_kernels("numba")
PY = get_kernels("python")
FAST = settings(max_examples=25, deadline=None)


def random_grid(rng, ny, nx, sea_share=0.15):
    cost = rng.uniform(0.5, 5.0, ny * nx)
    cost[rng.random(ny * nx) < sea_share] = np.inf
    return cost


TWIN_TESTS = {
    "route_costs": "test_routing_twins_equal",
    "route_successors": "test_routing_twins_equal",
    "move_couriers": "test_move_couriers_twins_equal",
    "move_patrols": "test_move_patrols_twins_equal",
    "redeploy_patrols": "test_redeploy_patrols_twins_equal",
    "raise_risk": "test_raise_risk_twins_equal",
    "dispatch_couriers": "test_dispatch_couriers_twins_equal",
    "tick_timers": "test_tick_timers_twins_equal",
    "detect_couriers": "test_detect_couriers_twins_equal",
}
"""Each kernel and the test that proves it equal to its twin."""


def test_every_kernel_has_a_plain_python_twin_and_a_test_of_equality():
    from numba.core.registry import CPUDispatcher

    assert set(TWIN_TESTS) == set(KERNEL_NAMES)
    for name in KERNEL_NAMES:
        kernel, twin = getattr(NB, name), getattr(PY, name)
        assert isinstance(kernel, CPUDispatcher), name
        assert not isinstance(twin, CPUDispatcher) and twin.__name__ == f"{name}_py", name
        assert twin.__code__ is not kernel.py_func.__code__, name  # a separate implementation
        assert callable(globals()[TWIN_TESTS[name]])


def test_slot_seeds_are_per_slot_and_equal_in_kernels_and_twins():
    base = draw_base(np.random.default_rng(4))
    bulk = slot_seeds(np.random.default_rng(4), 50)
    for i in (0, 1, 17, 49):
        assert int(slot_seed(base, i)) == slot_seed_py(int(base), i) == int(bulk[i])
    # a slot's seed does not depend on how many slots there are
    assert slot_seeds(np.random.default_rng(4), 10)[7] == bulk[7]


def test_splitmix_twin_and_uniformity():
    s_nb = s_py = 0x1234_5678_9ABC_DEF0
    draws = []
    for _ in range(2000):
        s_nb, u_nb = next_uniform(np.uint64(s_nb))
        s_py, u_py = next_uniform_py(s_py)
        assert int(s_nb) == s_py and u_nb == u_py
        draws.append(u_py)
    assert 0.0 <= min(draws) and max(draws) < 1.0
    assert abs(np.mean(draws) - 0.5) < 0.03


def routes(kernels, cost, nx, targets, noise):
    dist = kernels.route_costs(cost, nx, targets, np.zeros(0, np.int64))
    n = len(cost)
    hours = np.where(np.isfinite(cost), cost * 0.7, np.inf)
    succ = np.empty((n, 2), np.int32)
    succ_h = np.empty((n, 2), np.float32)
    p = np.empty(n, np.float32)
    kernels.route_successors(dist, cost, hours, nx, noise, 0, 0, nx, succ, succ_h, p)
    return dist, succ, succ_h, p


@FAST
@given(seed=st.integers(0, 2**32), ny=st.integers(2, 14), nx=st.integers(2, 14),
       noise=st.sampled_from([0.0, 0.3, 2.0]))
def test_routing_twins_equal(seed, ny, nx, noise):
    rng = np.random.default_rng(seed)
    cost = random_grid(rng, ny, nx)
    targets = rng.choice(ny * nx, size=min(3, ny * nx), replace=False).astype(np.int64)
    a = routes(NB, cost, nx, targets, noise)
    b = routes(PY, cost, nx, targets, noise)
    for x, y in zip(a, b, strict=False):
        np.testing.assert_array_equal(x, y)


@FAST
@given(seed=st.integers(0, 2**32), n_required=st.integers(0, 5),
       spread=st.sampled_from([1, 2, 50]))
def test_route_costs_equal_their_twin_under_ties_and_wide_cost_ranges(seed, n_required, spread):
    """Integer costs make many equal path costs (the early stop's tie rule is exercised);
    a wide spread makes the bucket ring long."""
    rng = np.random.default_rng(seed)
    ny, nx = 11, 13
    cost = rng.integers(1, spread + 1, ny * nx).astype(float) ** (2 if spread == 50 else 1)
    cost[rng.random(ny * nx) < 0.1] = np.inf
    land = np.flatnonzero(np.isfinite(cost))
    targets = rng.choice(land, size=2, replace=False).astype(np.int64)
    required = rng.choice(land, size=n_required).astype(np.int64)
    np.testing.assert_array_equal(NB.route_costs(cost, nx, targets, required),
                                  PY.route_costs(cost, nx, targets, required))


def test_route_costs_matches_known_distances():
    # 1 x 5 corridor of unit cost: cost-to-go from the right end is 4, 3, 2, 1, 0.
    cost = np.ones(5)
    dist = NB.route_costs(cost, 5, np.array([4]), np.zeros(0, np.int64))
    np.testing.assert_array_equal(dist, [4, 3, 2, 1, 0])
    # A wall of sea cuts the grid: left side unreachable.
    cost = np.ones(9)
    cost[[1, 4, 7]] = np.inf
    dist = NB.route_costs(cost, 3, np.array([2]), np.zeros(0, np.int64))
    assert np.isinf(dist[[0, 3, 6]]).all() and np.isfinite(dist[[2, 5, 8]]).all()


@FAST
@given(seed=st.integers(0, 2**32), n_required=st.integers(1, 4))
def test_early_stop_is_exact_where_required_and_twins_agree(seed, n_required):
    rng = np.random.default_rng(seed)
    cost = random_grid(rng, 12, 13)
    land = np.flatnonzero(np.isfinite(cost))
    targets = rng.choice(land, size=2, replace=False).astype(np.int64)
    required = rng.choice(land, size=n_required).astype(np.int64)
    full = NB.route_costs(cost, 13, targets, np.zeros(0, np.int64))
    part = NB.route_costs(cost, 13, targets, required)
    np.testing.assert_array_equal(part, PY.route_costs(cost, 13, targets, required))
    settled = np.isfinite(part)
    np.testing.assert_array_equal(part[settled], full[settled])
    np.testing.assert_array_equal(part[required], full[required])
    # everything cheaper than the costliest required cell is settled
    bound = full[required][np.isfinite(full[required])]
    if len(bound):
        assert settled[full < bound.max()].all()


def test_successors_of_a_box_are_written_into_the_grid():
    rng = np.random.default_rng(8)
    ny, nx, r0, c0, bh, bw = 14, 17, 3, 5, 6, 7
    cost = rng.uniform(1.0, 3.0, bh * bw)
    dist = NB.route_costs(cost, bw, np.array([0]), np.zeros(0, np.int64))
    hours = rng.uniform(0.1, 1.0, bh * bw)
    local = [np.empty((bh * bw, 2), np.int32), np.empty((bh * bw, 2), np.float32),
             np.empty(bh * bw, np.float32)]
    NB.route_successors(dist, cost, hours, bw, 0.5, 0, 0, bw, *local)
    grid = [np.full((ny * nx, 2), 7, np.int32), np.zeros((ny * nx, 2), np.float32),
            np.zeros(ny * nx, np.float32)]
    NB.route_successors(dist, cost, hours, bw, 0.5, r0, c0, nx, *grid)
    cells = ((np.arange(bh)[:, None] + r0) * nx + np.arange(bw)[None, :] + c0).ravel()
    back = np.where(local[0] >= 0, (local[0] // bw + r0) * nx + local[0] % bw + c0, local[0])
    np.testing.assert_array_equal(grid[0][cells], back)
    np.testing.assert_array_equal(grid[1][cells], local[1])
    np.testing.assert_array_equal(grid[2][cells], local[2])
    outside = np.setdiff1d(np.arange(ny * nx), cells)
    assert (grid[0][outside] == 7).all()  # only the box is written


def test_successors_go_strictly_downhill_and_end_at_targets():
    rng = np.random.default_rng(3)
    cost = random_grid(rng, 20, 25, sea_share=0.05)
    targets = np.array([0, 499], dtype=np.int64)
    dist, succ, _, p = routes(NB, cost, 25, targets, 0.5)
    assert (succ[targets, 0] == TARGET).all()
    for u in range(500):
        if succ[u, 0] >= 0:
            assert dist[succ[u, 0]] < dist[u]
            if succ[u, 1] >= 0:
                assert dist[succ[u, 1]] < dist[u]
        elif succ[u, 0] == UNREACHABLE:
            assert not np.isfinite(dist[u]) or not np.isfinite(cost[u])
    assert ((p > 0) & (p <= 1)).all()


def courier_world(seed, n_couriers, ny=12, nx=15, n_orgs=3):
    rng = np.random.default_rng(seed)
    cost = random_grid(rng, ny, nx, sea_share=0.05)
    n = ny * nx
    land = np.flatnonzero(np.isfinite(cost))
    succ = np.empty((n_orgs, n, 2), np.int32)
    succ_h = np.empty((n_orgs, n, 2), np.float32)
    p_first = np.empty((n_orgs, n), np.float32)
    for o in range(n_orgs):
        targets = rng.choice(land, size=2, replace=False).astype(np.int64)
        _, s, sh, p = routes(NB, cost, nx, targets, 0.4)
        succ[o], succ_h[o], p_first[o] = s, sh, p
    cell = rng.choice(land, size=n_couriers).astype(np.int32)
    org = rng.integers(0, n_orgs, n_couriers).astype(np.int32)
    seeds = draw_base(rng)
    movers = np.flatnonzero(rng.random(n_couriers) < 0.8).astype(np.int64)
    return dict(rng=rng, n=n, nx=nx, succ=succ, succ_h=succ_h, p_first=p_first, cell=cell,
                org=org, seeds=seeds, movers=movers)


def run_move(k, w, hours, max_hops=12):
    m = len(w["movers"])
    cell = w["cell"].copy()
    path = np.full((m, max_hops), -1, np.int32)
    n_hops = np.zeros(m, np.int32)
    arrived = np.zeros(m, np.bool_)
    k.move_couriers(w["movers"], cell, w["org"], w["seeds"], w["succ"], w["succ_h"],
                    w["p_first"], hours, path, n_hops, arrived)
    return cell, path, n_hops, arrived


@FAST
@given(seed=st.integers(0, 2**32), n=st.integers(1, 60), hours=st.floats(0.5, 20))
def test_move_couriers_twins_equal(seed, n, hours):
    w = courier_world(seed, n)
    a = run_move(NB, w, hours)
    b = run_move(PY, w, hours)
    for x, y in zip(a, b, strict=False):
        np.testing.assert_array_equal(x, y)


def test_move_couriers_respects_budget_and_stays_in_bounds():
    w = courier_world(11, 300)
    cell, path, n_hops, arrived = run_move(NB, w, 6.0)
    assert ((cell >= 0) & (cell < w["n"])).all()
    for j, i in enumerate(w["movers"]):
        hops = n_hops[j]
        assert (path[j, :hops] >= 0).all()
        if hops:
            assert path[j, hops - 1] == cell[i]
        # every step goes to one of the two listed successors
        prev = w["cell"][i]
        for c in path[j, :hops]:
            assert c in w["succ"][w["org"][i], prev]
            prev = c
    assert arrived.any() and not arrived.all()


def run_detect(k, w, path, n_hops, p_det, bribe, escape, load, commodity, core=None,
               country=None, focus=None):
    """Detection with per-passage probability ``p_det`` (0 outside ``core`` cells), raised
    by ``focus[country, commodity]`` (default: one country, no focus)."""
    m, n = len(w["movers"]), w["n"]
    p_det = np.where(np.ones(n, bool) if core is None else core, p_det, 0.0)
    country = np.zeros(n, np.int16) if country is None else country
    focus = np.ones((1, 2)) if focus is None else focus
    flow, stamp = np.zeros((2, n)), np.zeros(n, np.int64)
    outs = [np.zeros(m, np.int8), np.zeros(m, np.int32), np.zeros(m, np.int32),
            np.zeros(m, np.int32)]
    entered = k.detect_couriers(w["movers"], path, n_hops, w["seeds"], p_det, bribe,
                                escape, load, commodity, country, focus, flow, stamp, 1,
                                *outs)
    return (flow, *outs, entered, stamp)


@FAST
@given(seed=st.integers(0, 2**32), n=st.integers(1, 60))
def test_detect_couriers_twins_equal(seed, n):
    w = courier_world(seed, n)
    _, path, n_hops, _ = run_move(NB, w, 12.0)
    rng = w["rng"]
    p_det = np.where(rng.random(w["n"]) < 0.5, rng.random(w["n"]) * 0.6, 0.0)
    bribe, escape = rng.random(w["n"]), rng.random(w["n"])
    load = rng.lognormal(3, 1, n)
    commodity = rng.integers(0, 2, n).astype(np.int32)
    core = rng.random(w["n"]) < 0.8
    country = rng.integers(-1, 3, w["n"]).astype(np.int16)
    focus = np.where(rng.random((3, 2)) < 0.5, 1.0, rng.uniform(0.2, 5.0, (3, 2)))
    a = run_detect(NB, w, path, n_hops, p_det, bribe, escape, load, commodity, core, country,
                   focus)
    b = run_detect(PY, w, path, n_hops, p_det, bribe, escape, load, commodity, core, country,
                   focus)
    for x, y in zip(a, b, strict=False):
        np.testing.assert_array_equal(x, y)


def test_detection_extremes():
    w = courier_world(5, 200)
    _, path, n_hops, _ = run_move(NB, w, 12.0)
    load = np.full(200, 2.0)
    com = np.zeros(200, np.int32)
    zeros, ones = np.zeros(w["n"]), np.ones(w["n"])
    flow, outcome, *_, entered, stamp = run_detect(NB, w, path, n_hops, zeros, zeros, zeros,
                                                   load, com)
    assert (outcome == PASSED).all()
    assert flow.sum() == pytest.approx(2.0 * n_hops.sum())
    assert entered == len(np.unique(path[n_hops[:, None] > np.arange(path.shape[1])]))
    assert entered == (stamp == 1).sum()
    _, outcome, stop, *_ = run_detect(NB, w, path, n_hops, ones, zeros, zeros, load, com)
    moved = n_hops > 0
    assert (outcome[moved] == SEIZED).all() and (stop[moved] == 0).all()
    _, outcome, *_ = run_detect(NB, w, path, n_hops, ones, zeros, ones, load, com)
    assert (outcome[moved] == ESCAPED).all()
    _, outcome, _, n_bribes, *_ = run_detect(NB, w, path, n_hops, ones, ones, zeros, load, com)
    assert (outcome == PASSED).all() and (n_bribes == n_hops).all()
    # outside core countries nobody detects, and the flow counts every passage
    flow, outcome, *_ = run_detect(NB, w, path, n_hops, ones, zeros, zeros, load, com,
                                   core=np.zeros(w["n"], bool))
    assert (outcome == PASSED).all() and flow.sum() == pytest.approx(2.0 * n_hops.sum())
    # a focus on a commodity raises its detection hazard: p = 1 - (1 - p0) ** focus
    half = np.full(w["n"], 0.5)
    _, outcome, *_ = run_detect(NB, w, path, n_hops, half, zeros, zeros, load, com,
                                focus=np.array([[1e6, 1.0]]))
    assert (outcome[moved] == SEIZED).all()
    _, outcome, *_ = run_detect(NB, w, path, n_hops, ones, zeros, zeros, load, com,
                                focus=np.array([[0.0, 1.0]]))
    assert (outcome == PASSED).all()  # no detection at all under focus 0


def patrol_world(seed, n_patrols, ny=10, nx=12, n_countries=3, n_rows=2):
    """Random patrols, countries, attractiveness and seizure heat (up to ``n_rows`` heat
    rows per country)."""
    rng = np.random.default_rng(seed)
    country = rng.integers(-1, n_countries, ny * nx).astype(np.int16)
    land = np.flatnonzero(country >= 0)
    pos = np.sort(rng.choice(land, n_patrols)).astype(np.int32)
    patrol_country = np.sort(rng.integers(0, n_countries, n_patrols)).astype(np.int16)
    bits = (np.int64(1) << patrol_country.astype(np.int64)).astype(np.int64)
    bits[rng.random(n_patrols) < 0.3] = (1 << n_countries) - 1
    base = rng.uniform(0, 3, ny * nx)
    layers = np.where(rng.random((2, n_countries, ny * nx)) < 0.3,
                      rng.exponential(1.0, (2, n_countries, ny * nx)), 0.0)
    counts = rng.integers(0, n_rows + 1, n_countries)
    rows_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    walk = dict(base=base, layers=layers, rows_start=rows_start,
                rows_layer=rng.integers(0, 2, rows_start[-1]).astype(np.int64),
                rows_country=rng.integers(0, n_countries, rows_start[-1]).astype(np.int64),
                rows_scale=rng.uniform(0.1, 1.0, rows_start[-1]),
                heat_weight=float(rng.uniform(0, 5)), joint=rng.random(ny * nx) < 0.2,
                joint_focus=rng.choice([0.0, 2.0], n_countries))
    return rng, country, pos, patrol_country, bits, walk, draw_seeds(rng, n_patrols), nx


def walk_patrols(k, pos, patrol_country, bits, country, walk, seeds, moves, nx):
    k.move_patrols(pos, patrol_country, bits, country, walk["base"], walk["layers"],
                   walk["rows_start"], walk["rows_layer"], walk["rows_country"],
                   walk["rows_scale"], walk["heat_weight"], walk["joint"], walk["joint_focus"],
                   seeds, moves, nx)


@FAST
@given(seed=st.integers(0, 2**32), n=st.integers(1, 40), moves=st.integers(0, 6),
       n_rows=st.integers(0, 3))
def test_move_patrols_twins_equal(seed, n, moves, n_rows):
    _, country, pos, pc, bits, walk, seeds, nx = patrol_world(seed, n, n_rows=n_rows)
    a, b = pos.copy(), pos.copy()
    walk_patrols(NB, a, pc, bits, country, walk, seeds, moves, nx)
    walk_patrols(PY, b, pc, bits, country, walk, seeds, moves, nx)
    np.testing.assert_array_equal(a, b)


def tasking_cells(rng, n_countries, n_cells):
    chunks = [np.sort(rng.choice(n_cells, rng.integers(0, 30), replace=False))
              for _ in range(n_countries)]
    starts = np.concatenate([[0], np.cumsum([len(c) for c in chunks])]).astype(np.int64)
    return starts, np.concatenate(chunks).astype(np.int64)


@FAST
@given(seed=st.integers(0, 2**32), n=st.integers(1, 30), n_rows=st.integers(1, 3))
def test_redeploy_patrols_twins_equal(seed, n, n_rows):
    rng, _, pos, pc, _, walk, _, _ = patrol_world(seed, n, n_rows=n_rows)
    go = np.flatnonzero(rng.random(n) < 0.5).astype(np.int64)
    u = rng.random(len(go))
    starts, cells = tasking_cells(rng, 3, len(walk["base"]))
    a, b = pos.copy(), pos.copy()
    for k, out in ((NB, a), (PY, b)):
        k.redeploy_patrols(out, go, u, pc, walk["layers"], walk["rows_start"],
                           walk["rows_layer"], walk["rows_country"], walk["rows_scale"], starts,
                           cells)
    np.testing.assert_array_equal(a, b)


def test_redeploy_sends_patrols_where_the_heat_is():
    layers = np.zeros((1, 1, 100))
    layers[0, 0, [10, 60]] = [1.0, 3.0]
    pos = np.zeros(4000, np.int32)
    u = np.random.default_rng(0).random(4000)
    one = np.array([0, 1], np.int64)
    NB.redeploy_patrols(pos, np.arange(4000), u, np.zeros(4000, np.int16), layers, one,
                        np.zeros(1, np.int64), np.zeros(1, np.int64), np.ones(1),
                        np.array([0, 100], np.int64), np.arange(100, dtype=np.int64))
    assert set(np.unique(pos)) == {10, 60}
    assert abs(np.mean(pos == 60) - 0.75) < 0.03


def test_patrols_stop_at_their_border():
    _, country, pos, pc, _, walk, seeds, nx = patrol_world(9, 200)
    bits = (np.int64(1) << country[pos].astype(np.int64)).astype(np.int64)
    start_country = country[pos].copy()
    walk_patrols(NB, pos, pc, bits, country, walk, seeds, 25, nx)
    np.testing.assert_array_equal(country[pos], start_country)


@FAST
@given(seed=st.integers(0, 2**32), n_seized=st.integers(0, 12))
def test_raise_risk_twins_equal(seed, n_seized):
    rng = np.random.default_rng(seed)
    n_orgs, n_cells = 5, 60
    memory = rng.random((n_orgs, n_cells)) * 0.5
    scale = rng.uniform(0.2, 1.0, n_orgs)
    org_commodity = rng.integers(0, 2, n_orgs).astype(np.int64)
    seized_org = rng.integers(0, n_orgs, n_seized).astype(np.int32)
    seized_commodity = org_commodity[seized_org].astype(np.int32)
    targets = np.where(rng.random((n_seized, 7)) < 0.2, -1,
                       rng.integers(0, n_cells, (n_seized, 7))).astype(np.int64)
    weight = rng.random(7)
    orgs = np.flatnonzero(np.isin(org_commodity, seized_commodity)).astype(np.int64)
    a, b = memory.copy(), memory.copy()
    for k, mem in ((NB, a), (PY, b)):
        k.raise_risk(mem, scale, orgs, org_commodity, seized_commodity, seized_org, targets,
                     weight, 0.3, 0.6)
    np.testing.assert_array_equal(a, b)
    # uncapped seizure counts: each seizure adds its weighted increment to every org of its
    # commodity (own 0.6, others 0.6 * 0.3), in memory units (divided by the scale)
    expected = memory.copy()
    for o in orgs:
        for s in range(n_seized):
            if seized_commodity[s] == org_commodity[o]:
                g = 0.6 * (1.0 if seized_org[s] == o else 0.3)
                ok = targets[s] >= 0
                np.add.at(expected[o], targets[s][ok], g * weight[ok] / scale[o])
    np.testing.assert_allclose(a, expected, rtol=1e-12, atol=1e-15)


def courier_states(seed, n, n_orgs=4):
    rng = np.random.default_rng(seed)
    state = rng.integers(0, 6, n).astype(np.int8)
    timer = rng.integers(-2, 4, n).astype(np.int32)
    org = np.where(state == 0, -1, rng.integers(0, n_orgs, n)).astype(np.int32)
    capacity = rng.integers(0, 6, n_orgs).astype(np.int64)
    return state, timer, org, capacity


@FAST
@given(seed=st.integers(0, 2**32), n=st.integers(0, 80))
def test_dispatch_couriers_twins_equal(seed, n):
    state, timer, org, capacity = courier_states(seed, n)
    a, b = timer.copy(), timer.copy()
    go_a = NB.dispatch_couriers(state, a, org, capacity)
    go_b = PY.dispatch_couriers(state, b, org, capacity)
    np.testing.assert_array_equal(go_a, go_b)
    np.testing.assert_array_equal(a, b)
    # never more on the road than the capacity, and only idle couriers whose rest is over
    on_road = np.bincount(org[state == 2], minlength=len(capacity))
    assert (np.bincount(org[go_a], minlength=len(capacity)) <= np.maximum(
        capacity - on_road, 0)).all()
    assert (state[go_a] == 1).all() and (timer[go_a] <= 0).all()


@FAST
@given(seed=st.integers(0, 2**32), n=st.integers(0, 80))
def test_tick_timers_twins_equal(seed, n):
    state, timer, _, _ = courier_states(seed, n)
    a, b = timer.copy(), timer.copy()
    out_a = NB.tick_timers(state, a)
    out_b = PY.tick_timers(state, b)
    for x, y in zip(out_a, out_b, strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a, b)
    counting = (state == 3) | (state == 5)
    np.testing.assert_array_equal(a[counting], timer[counting] - 1)
    np.testing.assert_array_equal(a[~counting], timer[~counting])


def test_unknown_engine_is_rejected():
    with pytest.raises(ValueError, match="engine"):
        get_kernels("cuda")
