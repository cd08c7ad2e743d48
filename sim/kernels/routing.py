"""Route planning kernels: least expected cost to a destination, and the successor table.

An organisation's routes are a cost-to-go field over the grid (multi-source Dijkstra from
its commodity's destinations, :func:`route_costs`) and, for every cell, the two best
downhill next cells with the probability of taking the better one
(:func:`route_successors`). Couriers follow the table; because every step goes strictly
downhill in cost-to-go, every route ends at a destination.
"""

import heapq
import math

import numpy as np
from numba import njit

from sim.kernels.grid8 import DCOL, DROW, STEP_LEN

TARGET = -2
"""Successor value marking a destination cell."""
UNREACHABLE = -1
"""Successor value marking a cell with no route to any destination."""


@njit(cache=True)
def _heap_push(keys, vals, size, key, val):
    i = size
    keys[i] = key
    vals[i] = val
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] < keys[i] or (keys[parent] == keys[i] and vals[parent] <= vals[i]):
            break
        keys[parent], keys[i] = keys[i], keys[parent]
        vals[parent], vals[i] = vals[i], vals[parent]
        i = parent
    return size + 1


@njit(cache=True)
def _heap_pop(keys, vals, size):
    key = keys[0]
    val = vals[0]
    size -= 1
    keys[0] = keys[size]
    vals[0] = vals[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        small = left
        right = left + 1
        if right < size and (keys[right] < keys[left]
                             or (keys[right] == keys[left] and vals[right] < vals[left])):
            small = right
        if keys[i] < keys[small] or (keys[i] == keys[small] and vals[i] <= vals[small]):
            break
        keys[small], keys[i] = keys[i], keys[small]
        vals[small], vals[i] = vals[i], vals[small]
        i = small
    return key, val, size


@njit(cache=True)
def route_costs(cell_cost, nx, targets, required):
    """Least cost from cells to the nearest target (multi-source Dijkstra, 8-neighbour).

    Moving from a cell into neighbour ``v`` costs ``cell_cost[v]`` times the step length
    (1 or sqrt 2 cell edges). The search stops once every ``required`` cell is settled:
    all cells cheaper than the last one settled are then exact, and every other cell is
    set to ``inf``. Since routes only go strictly downhill, a courier standing on a
    required cell never reaches an unsettled one. Pass an empty ``required`` for the
    full field.

    Parameters
    ----------
    cell_cost : numpy.ndarray of float64, shape (n_cells,)
        Cost of entering each cell (> 0; ``inf`` = impassable), e.g. USD.
    nx : int
        Grid width (cells); ``n_cells`` must be a multiple of it.
    targets : numpy.ndarray of int64, shape (k,)
        Flat indices of destination cells (cost 0).
    required : numpy.ndarray of int64, shape (r,)
        Cells whose cost must be exact (e.g. the source and couriers' positions).

    Returns
    -------
    numpy.ndarray of float64, shape (n_cells,)
        Cost-to-go; ``inf`` where no target is reachable or the search stopped first.

    Notes
    -----
    About 5 ms for a full 35,000-cell field on one core; far less when the required
    cells are near the targets.
    """
    n = cell_cost.shape[0]
    ny = n // nx
    dist = np.full(n, np.inf)
    done = np.zeros(n, dtype=np.bool_)
    cap = 8 * n + targets.shape[0] + 1
    keys = np.empty(cap, dtype=np.float64)
    vals = np.empty(cap, dtype=np.int64)
    size = 0
    need = np.zeros(n, dtype=np.bool_)
    left = 0
    for r in required:
        if not need[r]:
            need[r] = True
            left += 1
    for t in targets:
        if np.isfinite(cell_cost[t]) and dist[t] > 0.0:
            dist[t] = 0.0
            size = _heap_push(keys, vals, size, 0.0, t)
    while size > 0:
        d, v, size = _heap_pop(keys, vals, size)
        if done[v]:
            continue
        done[v] = True
        if need[v]:
            left -= 1
            if left == 0 and required.shape[0] > 0:
                break
        row = v // nx
        col = v - row * nx
        enter = cell_cost[v]
        for k in range(8):
            r = row + DROW[k]
            c = col + DCOL[k]
            if r < 0 or r >= ny or c < 0 or c >= nx:
                continue
            u = r * nx + c
            if done[u] or not np.isfinite(cell_cost[u]):
                continue
            cand = d + enter * STEP_LEN[k]
            if cand < dist[u]:
                dist[u] = cand
                size = _heap_push(keys, vals, size, cand, u)
    for u in range(n):
        if not done[u]:
            dist[u] = np.inf
    return dist


def route_costs_py(cell_cost, nx, targets, required):
    """Plain-Python twin of :func:`route_costs` (heapq; identical results)."""
    n = len(cell_cost)
    ny = n // nx
    dist = [math.inf] * n
    done = [False] * n
    heap = []
    need = {int(r) for r in required}
    for t in targets:
        t = int(t)
        if math.isfinite(cell_cost[t]) and dist[t] > 0.0:
            dist[t] = 0.0
            heapq.heappush(heap, (0.0, t))
    while heap:
        d, v = heapq.heappop(heap)
        if done[v]:
            continue
        done[v] = True
        if v in need:
            need.discard(v)
            if not need and len(required) > 0:
                break
        row, col = divmod(v, nx)
        enter = float(cell_cost[v])
        for k in range(8):
            r, c = row + int(DROW[k]), col + int(DCOL[k])
            if r < 0 or r >= ny or c < 0 or c >= nx:
                continue
            u = r * nx + c
            if done[u] or not math.isfinite(cell_cost[u]):
                continue
            cand = d + enter * float(STEP_LEN[k])
            if cand < dist[u]:
                dist[u] = cand
                heapq.heappush(heap, (cand, u))
    return np.array([d if done[u] else math.inf for u, d in enumerate(dist)], dtype=np.float64)


@njit(cache=True)
def route_successors(dist, cell_cost, cell_hours, nx, noise, succ, succ_hours, p_first):
    """Fill one organisation's successor table from its cost-to-go field.

    For each cell the two best strictly-downhill neighbours ``v`` (score
    ``step * cell_cost[v] + dist[v]``) are kept; the better is taken with probability
    ``w1 / (w1 + w2)`` where ``w = 1 / (1 + excess / tau)**2``, ``excess`` the score
    above ``dist[u]`` and ``tau = noise * cell_cost[u]``. ``noise = 0`` always takes the
    best.

    Parameters
    ----------
    dist : float64 (n_cells,)
        Cost-to-go from :func:`route_costs`.
    cell_cost : float64 (n_cells,)
        The entry costs used to compute ``dist``.
    cell_hours : float64 (n_cells,)
        Hours to cross each cell along one cell edge.
    nx : int
        Grid width.
    noise : float
        Route-choice spread (dimensionless, >= 0).
    succ : int32 (n_cells, 2), out
        Best and second-best next cell; ``TARGET`` at destinations, ``UNREACHABLE``
        where there is no route; second column ``-1`` when there is no second option.
    succ_hours : float32 (n_cells, 2), out
        Hours to move into each successor.
    p_first : float32 (n_cells,), out
        Probability of taking the best successor.
    """
    n = dist.shape[0]
    ny = n // nx
    for u in range(n):
        succ[u, 0] = UNREACHABLE
        succ[u, 1] = -1
        succ_hours[u, 0] = 0.0
        succ_hours[u, 1] = 0.0
        p_first[u] = 1.0
        du = dist[u]
        if not np.isfinite(du):
            continue
        if du == 0.0:
            succ[u, 0] = TARGET
            continue
        row = u // nx
        col = u - row * nx
        best1 = np.inf
        best2 = np.inf
        b1 = -1
        b2 = -1
        k1 = 0
        k2 = 0
        for k in range(8):
            r = row + DROW[k]
            c = col + DCOL[k]
            if r < 0 or r >= ny or c < 0 or c >= nx:
                continue
            v = r * nx + c
            if not dist[v] < du:
                continue
            s = STEP_LEN[k] * cell_cost[v] + dist[v]
            if s < best1:
                best2, b2, k2 = best1, b1, k1
                best1, b1, k1 = s, v, k
            elif s < best2:
                best2, b2, k2 = s, v, k
        if b1 < 0:
            continue
        succ[u, 0] = b1
        succ_hours[u, 0] = STEP_LEN[k1] * cell_hours[b1]
        if b2 >= 0 and noise > 0.0:
            tau = noise * cell_cost[u]
            e1 = (best1 - du) / tau
            e2 = (best2 - du) / tau
            w1 = 1.0 / ((1.0 + e1) * (1.0 + e1))
            w2 = 1.0 / ((1.0 + e2) * (1.0 + e2))
            succ[u, 1] = b2
            succ_hours[u, 1] = STEP_LEN[k2] * cell_hours[b2]
            p_first[u] = w1 / (w1 + w2)


def route_successors_py(dist, cell_cost, cell_hours, nx, noise, succ, succ_hours, p_first):
    """Plain-Python twin of :func:`route_successors` (same arguments, same outputs)."""
    n = len(dist)
    ny = n // nx
    for u in range(n):
        succ[u, 0] = UNREACHABLE
        succ[u, 1] = -1
        succ_hours[u, 0] = 0.0
        succ_hours[u, 1] = 0.0
        p_first[u] = 1.0
        du = float(dist[u])
        if not math.isfinite(du):
            continue
        if du == 0.0:
            succ[u, 0] = TARGET
            continue
        row, col = divmod(u, nx)
        best1 = best2 = math.inf
        b1 = b2 = -1
        k1 = k2 = 0
        for k in range(8):
            r, c = row + int(DROW[k]), col + int(DCOL[k])
            if r < 0 or r >= ny or c < 0 or c >= nx:
                continue
            v = r * nx + c
            if not float(dist[v]) < du:
                continue
            s = float(STEP_LEN[k]) * float(cell_cost[v]) + float(dist[v])
            if s < best1:
                best2, b2, k2 = best1, b1, k1
                best1, b1, k1 = s, v, k
            elif s < best2:
                best2, b2, k2 = s, v, k
        if b1 < 0:
            continue
        succ[u, 0] = b1
        succ_hours[u, 0] = float(STEP_LEN[k1]) * float(cell_hours[b1])
        if b2 >= 0 and noise > 0.0:
            tau = noise * float(cell_cost[u])
            e1 = (best1 - du) / tau
            e2 = (best2 - du) / tau
            w1 = 1.0 / ((1.0 + e1) * (1.0 + e1))
            w2 = 1.0 / ((1.0 + e2) * (1.0 + e2))
            succ[u, 1] = b2
            succ_hours[u, 1] = float(STEP_LEN[k2]) * float(cell_hours[b2])
            p_first[u] = w1 / (w1 + w2)
