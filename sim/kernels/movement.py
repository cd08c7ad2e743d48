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


@njit(cache=True)
def move_patrols(pos, allowed_bits, country, attract, seeds, moves, nx):
    """Move mobile patrols ``moves`` cells each, by a random walk weighted by ``attract``.

    At each move a patrol stays or steps to one of its 8 neighbours with probability
    proportional to ``attract`` of that cell; only cells whose country bit is set in the
    patrol's ``allowed_bits`` are candidates (a patrol stops at its border unless a
    joint-operations agreement adds the neighbour's bit).

    Parameters
    ----------
    pos : int32 (n_patrols,), in/out
        Flat cell of each patrol.
    allowed_bits : int64 (n_patrols,)
        Bit ``k`` set when the patrol may enter country ``k``.
    country : int16 (n_cells,)
        Country index per cell (-1 = sea).
    attract : float64 (n_cells,)
        Non-negative attractiveness of each cell (borders, seizure hot spots).
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
        c = pos[p]
        state = seeds[p] ^ _SALT_PATROL
        bits = allowed_bits[p]
        for _ in range(moves):
            row = c // nx
            col = c - row * nx
            m = 0
            total = 0.0
            cands[0] = c
            weights[0] = attract[c]
            total += attract[c]
            m = 1
            for k in range(8):
                r = row + DROW[k]
                cc = col + DCOL[k]
                if r < 0 or r >= ny or cc < 0 or cc >= nx:
                    continue
                v = r * nx + cc
                ctry = country[v]
                if ctry < 0 or ((bits >> np.int64(ctry)) & np.int64(1)) == 0:
                    continue
                cands[m] = v
                weights[m] = attract[v]
                total += attract[v]
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


def move_patrols_py(pos, allowed_bits, country, attract, seeds, moves, nx):
    """Plain-Python twin of :func:`move_patrols`."""
    n = len(country)
    ny = n // nx
    for p in range(len(pos)):
        c = int(pos[p])
        state = int(seeds[p]) ^ SALT_PATROL
        bits = int(allowed_bits[p])
        for _ in range(moves):
            row, col = divmod(c, nx)
            cands = [c]
            weights = [float(attract[c])]
            total = float(attract[c])
            for k in range(8):
                r, cc = row + int(DROW[k]), col + int(DCOL[k])
                if r < 0 or r >= ny or cc < 0 or cc >= nx:
                    continue
                v = r * nx + cc
                ctry = int(country[v])
                if ctry < 0 or ((bits >> ctry) & 1) == 0:
                    continue
                cands.append(v)
                weights.append(float(attract[v]))
                total += float(attract[v])
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
