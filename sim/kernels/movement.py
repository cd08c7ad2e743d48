"""Movement kernels: couriers follow their organisation's successor table; patrols roam.

Both take per-agent 64-bit seeds drawn from the model's generator and expand them with
SplitMix64 (:mod:`sim.kernels.streams`), so the numba kernels and their Python twins
produce identical paths.
"""

import numpy as np
from numba import njit

from sim.kernels.grid8 import DCOL, DROW
from sim.kernels.routing import TARGET
from sim.kernels.streams import (
    SALT_MOVE,
    SALT_PATROL,
    next_uniform,
    next_uniform_py,
    slot_seed,
    slot_seed_py,
)

_SALT_MOVE = np.uint64(SALT_MOVE)
_SALT_PATROL = np.uint64(SALT_PATROL)


@njit(cache=True)
def move_couriers(movers, cell, org, base_seed, succ, succ_hours, p_first, hours_per_day,
                  path, n_hops, arrived):
    """Advance travelling couriers along their organisation's routes for one day.

    Each courier spends up to ``hours_per_day`` of travel time; at each cell it takes the
    best successor with probability ``p_first`` and the second otherwise; it stops when
    the next cell would exceed the day's hours or when it reaches a destination.

    Parameters
    ----------
    movers : int64 (m,)
        Indices of the couriers that travel today.
    cell : int32 (n_couriers,), in/out
        Current flat cell of every courier; updated for movers.
    org : int32 (n_couriers,)
        Organisation index of every courier.
    base_seed : uint64
        Today's base draw; courier ``i`` draws from :func:`~sim.kernels.streams.slot_seed`
        ``(base_seed, i)``.
    succ : int32 (n_orgs, n_cells, 2)
        Successor tables (:func:`sim.kernels.routing.route_successors`).
    succ_hours : float32 (n_orgs, n_cells, 2)
        Hours to move into each successor.
    p_first : float32 (n_orgs, n_cells)
        Probability of the best successor.
    hours_per_day : float
        Travel hours per day.
    path : int32 (m, max_hops), out
        Cells entered today, in order (first ``n_hops[j]`` entries valid).
    n_hops : int32 (m,), out
        Number of cells entered today.
    arrived : bool (m,), out
        True if the courier ends the day on a destination cell.

    Notes
    -----
    About 2-5 ns per cell entered; 1e5 movers x 20 cells is ~5 ms on one core.
    """
    max_hops = path.shape[1]
    for j in range(movers.shape[0]):
        i = movers[j]
        o = org[i]
        c = cell[i]
        budget = hours_per_day
        state = slot_seed(base_seed, i) ^ _SALT_MOVE
        h = 0
        while h < max_hops:
            if succ[o, c, 0] < 0:
                break
            state, u = next_uniform(state)
            k = 0
            if u >= p_first[o, c] and succ[o, c, 1] >= 0:
                k = 1
            cost = np.float64(succ_hours[o, c, k])
            if cost > budget:
                break
            budget -= cost
            c = succ[o, c, k]
            path[j, h] = c
            h += 1
        n_hops[j] = h
        arrived[j] = succ[o, c, 0] == TARGET
        cell[i] = c


def move_couriers_py(movers, cell, org, base_seed, succ, succ_hours, p_first, hours_per_day,
                     path, n_hops, arrived):
    """Plain-Python twin of :func:`move_couriers` (same arguments, same effects)."""
    max_hops = path.shape[1]
    for j in range(len(movers)):
        i = int(movers[j])
        o = int(org[i])
        c = int(cell[i])
        budget = float(hours_per_day)
        state = slot_seed_py(base_seed, i) ^ SALT_MOVE
        h = 0
        while h < max_hops:
            if succ[o, c, 0] < 0:
                break
            state, u = next_uniform_py(state)
            k = 0
            if u >= float(p_first[o, c]) and succ[o, c, 1] >= 0:
                k = 1
            cost = float(succ_hours[o, c, k])
            if cost > budget:
                break
            budget -= cost
            c = int(succ[o, c, k])
            path[j, h] = c
            h += 1
        n_hops[j] = h
        arrived[j] = succ[o, c, 0] == TARGET
        cell[i] = c


@njit(cache=True, inline="always")
def _heat(layers, rows_layer, rows_country, rows_scale, lo, hi, v):
    """Seizure heat at cell ``v``: the sum of rows ``lo .. hi-1`` of the row table, in
    order (row ``i`` is ``rows_scale[i] * layers[rows_layer[i], rows_country[i]]``)."""
    h = rows_scale[lo] * layers[rows_layer[lo], rows_country[lo], v]
    for i in range(lo + 1, hi):
        h = h + rows_scale[i] * layers[rows_layer[i], rows_country[i], v]
    return h


@njit(cache=True, inline="always")
def _attract(base, layers, rows_layer, rows_country, rows_scale, lo, hi, heat_weight, joint,
             focus, v):
    """Attractiveness of cell ``v`` to a patrol: base + heat_weight x heat (when the patrol
    sees heat: ``hi > lo``) + focus x pooled zone (when its country has a pooled zone)."""
    a = base[v]
    if hi > lo:
        a = a + heat_weight * _heat(layers, rows_layer, rows_country, rows_scale, lo, hi, v)
    if focus > 0.0:
        a = a + focus * (1.0 if joint[v] else 0.0)
    return a


@njit(cache=True)
def move_patrols(pos, patrol_country, allowed_bits, country, base, layers, rows_start,
                 rows_layer, rows_country, rows_scale, heat_weight, joint, joint_focus, seeds,
                 moves, nx):
    """Move mobile patrols ``moves`` cells each, by a random walk weighted by attractiveness.

    At each move a patrol stays or steps to one of its 8 neighbours with probability
    proportional to the attractiveness of that cell (:func:`_attract`: a base value, plus
    the seizure heat its country's patrols see, plus its country's pooled joint-operation
    zone); only cells whose country bit is set in the patrol's ``allowed_bits`` are
    candidates (a patrol stops at its border unless a joint-operations agreement adds the
    neighbour's bit).

    Parameters
    ----------
    pos : int32 (n_patrols,), in/out
        Flat cell of each patrol.
    patrol_country : int16 (n_patrols,)
        Country index of each patrol.
    allowed_bits : int64 (n_patrols,)
        Bit ``k`` set when the patrol may enter country ``k``.
    country : int16 (n_cells,)
        Country index per cell (-1 = sea).
    base : float64 (n_cells,)
        Non-negative base attractiveness (borders preferred; 0 off land).
    layers : float64 (n_layers, n_countries, n_cells)
        Seizure-heat layers (current heat, and heat as it was some days ago).
    rows_start : int64 (n_countries + 1,)
        Rows ``rows_start[k] .. rows_start[k+1]-1`` of the row table are the heat country
        ``k``'s patrols see (none: an empty range).
    rows_layer, rows_country : int64 (r,), rows_scale : float64 (r,)
        The row table: row ``i`` is ``rows_scale[i] * layers[rows_layer[i],
        rows_country[i]]``.
    heat_weight : float
        Weight of the heat.
    joint : bool (n_cells,)
        Cells of pooled joint-operation zones.
    joint_focus : float64 (n_countries,)
        Weight of the pooled zone for each country's patrols (0 = none).
    seeds : uint64 (n_patrols,)
        Today's stream seed of each patrol.
    moves : int
        Moves per day.
    nx : int
        Grid width.
    """
    n = country.shape[0]
    ny = n // nx
    weights = np.empty(9, dtype=np.float64)
    cands = np.empty(9, dtype=np.int64)
    for p in range(pos.shape[0]):
        k = patrol_country[p]
        lo, hi = rows_start[k], rows_start[k + 1]
        focus = joint_focus[k]
        c = pos[p]
        state = seeds[p] ^ _SALT_PATROL
        bits = allowed_bits[p]
        for _ in range(moves):
            row = c // nx
            col = c - row * nx
            cands[0] = c
            weights[0] = _attract(base, layers, rows_layer, rows_country, rows_scale, lo, hi,
                                  heat_weight, joint, focus, c)
            total = weights[0]
            m = 1
            for d in range(8):
                r = row + DROW[d]
                cc = col + DCOL[d]
                if r < 0 or r >= ny or cc < 0 or cc >= nx:
                    continue
                v = r * nx + cc
                ctry = country[v]
                if ctry < 0 or ((bits >> np.int64(ctry)) & np.int64(1)) == 0:
                    continue
                cands[m] = v
                weights[m] = _attract(base, layers, rows_layer, rows_country, rows_scale, lo, hi,
                                      heat_weight, joint, focus, v)
                total += weights[m]
                m += 1
            state, u = next_uniform(state)
            if total <= 0.0:
                continue
            target = u * total
            acc = 0.0
            pick = cands[m - 1]
            for q in range(m):
                acc += weights[q]
                if target < acc:
                    pick = cands[q]
                    break
            c = pick
        pos[p] = c


def _heat_py(layers, rows_layer, rows_country, rows_scale, lo, hi, v):
    h = float(rows_scale[lo]) * float(layers[int(rows_layer[lo]), int(rows_country[lo]), v])
    for i in range(lo + 1, hi):
        h = h + float(rows_scale[i]) * float(layers[int(rows_layer[i]), int(rows_country[i]), v])
    return h


def _attract_py(base, layers, rows_layer, rows_country, rows_scale, lo, hi, heat_weight, joint,
                focus, v):
    a = float(base[v])
    if hi > lo:
        a = a + float(heat_weight) * _heat_py(layers, rows_layer, rows_country, rows_scale, lo,
                                              hi, v)
    if focus > 0.0:
        a = a + float(focus) * (1.0 if joint[v] else 0.0)
    return a


def move_patrols_py(pos, patrol_country, allowed_bits, country, base, layers, rows_start,
                    rows_layer, rows_country, rows_scale, heat_weight, joint, joint_focus, seeds,
                    moves, nx):
    """Plain-Python twin of :func:`move_patrols`."""
    n = len(country)
    ny = n // nx
    for p in range(len(pos)):
        k = int(patrol_country[p])
        lo, hi = int(rows_start[k]), int(rows_start[k + 1])
        focus = float(joint_focus[k])
        c = int(pos[p])
        state = int(seeds[p]) ^ SALT_PATROL
        bits = int(allowed_bits[p])
        for _ in range(moves):
            row, col = divmod(c, nx)
            cands = [c]
            weights = [_attract_py(base, layers, rows_layer, rows_country, rows_scale, lo, hi,
                                   heat_weight, joint, focus, c)]
            total = weights[0]
            for d in range(8):
                r, cc = row + int(DROW[d]), col + int(DCOL[d])
                if r < 0 or r >= ny or cc < 0 or cc >= nx:
                    continue
                v = r * nx + cc
                ctry = int(country[v])
                if ctry < 0 or ((bits >> ctry) & 1) == 0:
                    continue
                cands.append(v)
                weights.append(_attract_py(base, layers, rows_layer, rows_country, rows_scale, lo,
                                           hi, heat_weight, joint, focus, v))
                total += weights[-1]
            state, u = next_uniform_py(state)
            if total <= 0.0:
                continue
            target = u * total
            acc = 0.0
            pick = cands[-1]
            for q in range(len(cands)):
                acc += weights[q]
                if target < acc:
                    pick = cands[q]
                    break
            c = pick
        pos[p] = c


@njit(cache=True)
def redeploy_patrols(pos, go, u, patrol_country, layers, rows_start, rows_layer, rows_country,
                     rows_scale, cells_start, cells):
    """Send patrols to cells drawn in proportion to the seizure heat their country sees.

    Parameters
    ----------
    pos : int32 (n_patrols,), in/out
        Flat cell of each patrol.
    go : int64 (g,)
        The patrols re-tasked today, grouped by country (a country's patrols together).
    u : float64 (g,)
        One uniform draw per re-tasked patrol.
    patrol_country, layers, rows_start, rows_layer, rows_country, rows_scale
        Patrols' countries and the heat each country sees (see :func:`move_patrols`).
    cells_start : int64 (n_countries + 1,), cells : int64
        The cells country ``k``'s patrols may be sent to (``cells[cells_start[k] :
        cells_start[k+1]]``, increasing); cells without heat may be left out.

    Notes
    -----
    Inverse transform on the running sum of the heat over the country's cells: cell ``i``
    is taken when its running sum first exceeds ``u`` x the total. Nothing moves when the
    total is 0.
    """
    j = 0
    while j < go.shape[0]:
        k = patrol_country[go[j]]
        end = j
        while end < go.shape[0] and patrol_country[go[end]] == k:
            end += 1
        lo, hi = rows_start[k], rows_start[k + 1]
        first, last = cells_start[k], cells_start[k + 1]
        if hi > lo and last > first:
            cdf = np.empty(last - first)
            acc = 0.0
            for i in range(first, last):
                acc += _heat(layers, rows_layer, rows_country, rows_scale, lo, hi, cells[i])
                cdf[i - first] = acc
            if acc > 0.0:
                for g in range(j, end):
                    x = u[g] * acc
                    a, b = 0, cdf.shape[0]  # first index with cdf > x
                    while a < b:
                        mid = (a + b) >> 1
                        if cdf[mid] > x:
                            b = mid
                        else:
                            a = mid + 1
                    pos[go[g]] = cells[first + min(a, cdf.shape[0] - 1)]
        j = end


def redeploy_patrols_py(pos, go, u, patrol_country, layers, rows_start, rows_layer,
                        rows_country, rows_scale, cells_start, cells):
    """Plain-Python twin of :func:`redeploy_patrols`."""
    groups: dict[int, list[int]] = {}
    for g in range(len(go)):
        groups.setdefault(int(patrol_country[int(go[g])]), []).append(g)
    for k, members in groups.items():
        lo, hi = int(rows_start[k]), int(rows_start[k + 1])
        mine = [int(v) for v in cells[int(cells_start[k]): int(cells_start[k + 1])]]
        if hi <= lo or not mine:
            continue
        cdf, acc = [], 0.0
        for v in mine:
            acc += _heat_py(layers, rows_layer, rows_country, rows_scale, lo, hi, v)
            cdf.append(acc)
        if acc <= 0.0:
            continue
        for g in members:
            x = float(u[g]) * acc
            a = next((i for i, value in enumerate(cdf) if value > x), len(cdf))
            pos[int(go[g])] = mine[min(a, len(mine) - 1)]
