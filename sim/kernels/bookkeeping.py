"""Bookkeeping kernels over the couriers' state arrays: who sets off today, whose
sentence or journey home ends. One pass each over the courier slots."""

import numpy as np
from numba import njit

IDLE = 1
TRAVELLING = 2
RETURNING = 3
IMPRISONED = 5
"""Courier states (the values of :class:`sim.agents.courier.CourierState`)."""


@njit(cache=True)
def dispatch_couriers(state, timer, org, capacity):
    """Choose the couriers that set off today and count down the others' rest.

    An idle courier whose rest is over (``timer <= 0``) sets off if its organisation has
    capacity and fewer than ``capacity`` couriers on the road (taken in slot order); every
    other idle courier counts its rest down by one day.

    Parameters
    ----------
    state : int8 (n,)
        Courier states.
    timer : int32 (n,), in/out
        Days of rest left.
    org : int32 (n,)
        Organisation of each courier (-1 for free slots).
    capacity : int64 (n_orgs,)
        Couriers each organisation can run.

    Returns
    -------
    int64 (g,)
        The slots that set off, in increasing order.
    """
    n_orgs = capacity.shape[0]
    room = capacity.copy()
    for i in range(state.shape[0]):
        if state[i] == TRAVELLING:
            room[org[i]] -= 1
    go = np.empty(state.shape[0], np.int64)
    count = 0
    for i in range(state.shape[0]):
        if state[i] != IDLE:
            continue
        o = org[i]
        if timer[i] <= 0 and capacity[o] > 0 and room[o] > 0:
            go[count] = i
            count += 1
            room[o] -= 1
        else:
            timer[i] -= 1
    if n_orgs == 0:
        return go[:0]
    return go[:count]


def dispatch_couriers_py(state, timer, org, capacity):
    """Plain-Python twin of :func:`dispatch_couriers`."""
    room = [int(x) for x in capacity]
    for i in range(len(state)):
        if int(state[i]) == TRAVELLING:
            room[int(org[i])] -= 1
    go = []
    for i in range(len(state)):
        if int(state[i]) != IDLE:
            continue
        o = int(org[i])
        if timer[i] <= 0 and capacity[o] > 0 and room[o] > 0:
            go.append(i)
            room[o] -= 1
        else:
            timer[i] -= 1
    return np.array(go, np.int64)


@njit(cache=True)
def tick_timers(state, timer):
    """Count down sentences and journeys home by one day.

    Parameters
    ----------
    state : int8 (n,)
    timer : int32 (n,), in/out
        Days of sentence or journey left (decremented for imprisoned and returning
        couriers).

    Returns
    -------
    served, home : int64
        Imprisoned couriers whose sentence is over, and returning couriers who got home,
        in increasing slot order.
    """
    served = np.empty(state.shape[0], np.int64)
    home = np.empty(state.shape[0], np.int64)
    n_served = 0
    n_home = 0
    for i in range(state.shape[0]):
        s = state[i]
        if s == IMPRISONED or s == RETURNING:
            timer[i] -= 1
            if timer[i] <= 0:
                if s == IMPRISONED:
                    served[n_served] = i
                    n_served += 1
                else:
                    home[n_home] = i
                    n_home += 1
    return served[:n_served], home[:n_home]


def tick_timers_py(state, timer):
    """Plain-Python twin of :func:`tick_timers`."""
    served, home = [], []
    for i in range(len(state)):
        s = int(state[i])
        if s in (IMPRISONED, RETURNING):
            timer[i] -= 1
            if timer[i] <= 0:
                (served if s == IMPRISONED else home).append(i)
    return np.array(served, np.int64), np.array(home, np.int64)
