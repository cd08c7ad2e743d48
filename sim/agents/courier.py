"""Couriers: persistent smugglers recruited from communities, working for one organisation."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import mesa
import numpy as np


class CourierState(IntEnum):
    """Life-cycle state of a courier slot (int8 in :attr:`CourierArrays.state`)."""

    FREE = 0
    """Slot unused: never recruited, or left the trade."""
    IDLE = 1
    """At home between trips; ``timer`` days until the next trip."""
    TRAVELLING = 2
    """Loaded and on the grid, moving towards a destination."""
    RETURNING = 3
    """Delivered; travelling home empty (off the grid, not exposed); ``timer`` days left."""
    DETAINED = 4
    """Arrested; held until the court decides the case."""
    IMPRISONED = 5
    """Convicted; ``timer`` days of sentence left."""


@dataclass
class CourierArrays:
    """Structure-of-arrays state of every courier slot (``capacity`` rows).

    Attributes
    ----------
    state : int8 — :class:`CourierState`.
    org : int32 — organisation index (-1 when free).
    commodity : int32 — commodity index of the organisation.
    community : int32 — home community index (-1 when free).
    cell : int32 — current flat cell (meaningful while travelling).
    load : float64 — quantity carried on the current trip (commodity unit).
    timer : int32 — days left in IDLE / RETURNING / IMPRISONED.
    trip_days : int32 — days spent on the current trip.
    trips : int32 — completed deliveries.
    """

    state: np.ndarray
    org: np.ndarray
    commodity: np.ndarray
    community: np.ndarray
    cell: np.ndarray
    load: np.ndarray
    timer: np.ndarray
    trip_days: np.ndarray
    trips: np.ndarray

    @classmethod
    def empty(cls, capacity: int) -> CourierArrays:
        """All slots FREE."""
        return cls(
            state=np.zeros(capacity, np.int8),
            org=np.full(capacity, -1, np.int32),
            commodity=np.full(capacity, -1, np.int32),
            community=np.full(capacity, -1, np.int32),
            cell=np.zeros(capacity, np.int32),
            load=np.zeros(capacity, np.float64),
            timer=np.zeros(capacity, np.int32),
            trip_days=np.zeros(capacity, np.int32),
            trips=np.zeros(capacity, np.int32),
        )

    @property
    def capacity(self) -> int:
        """Number of slots."""
        return int(self.state.shape[0])

    def counts(self) -> np.ndarray:
        """Number of slots in each :class:`CourierState` (length 6)."""
        return np.bincount(self.state, minlength=len(CourierState))


class Courier(mesa.Agent):
    """A courier agent: a named view onto row ``index`` of the couriers mechanism's arrays.

    The couriers mechanism creates one when a community member is recruited and removes it
    when the person leaves the trade; all daily behaviour is vectorised over the arrays.
    """

    def __init__(self, model, couriers, index: int):
        super().__init__(model)
        self._couriers = couriers
        self.index = int(index)

    @property
    def _arrays(self) -> CourierArrays:
        return self._couriers.arrays

    @property
    def state(self) -> CourierState:
        """Current life-cycle state."""
        return CourierState(int(self._arrays.state[self.index]))

    @property
    def organisation(self) -> int:
        """Index of the organisation the courier works for."""
        return int(self._arrays.org[self.index])

    @property
    def community(self) -> int:
        """Index of the home community."""
        return int(self._arrays.community[self.index])

    @property
    def cell(self) -> int:
        """Current flat cell index."""
        return int(self._arrays.cell[self.index])

    @property
    def load(self) -> float:
        """Quantity carried (commodity unit)."""
        return float(self._arrays.load[self.index])
