"""The typed record of one day: what each phase hands to the phases after it.

A phase reads the fields earlier phases filled and fills its own; nothing else passes
between mechanisms during a day. Fields are listed in the order the daily phases fill them
(see :mod:`sim.mechanisms.base` for the phase order).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _ints() -> np.ndarray:
    return np.zeros(0, np.int64)


@dataclass
class Decisions:
    """Court cases decided on one day (arrays of equal length).

    Attributes
    ----------
    case : int64 — case ids.
    courier : int64 — the accused couriers.
    country : int64 — country index of the court.
    outcome : int64 — ``NOT_CHARGED`` (released at the end of the investigation, no court
        time used), ``ACQUITTED`` or ``CONVICTED`` (:mod:`sim.mechanisms.justice`).
    sentence_days : int64 — prison days (0 unless convicted).
    case_days : int64 — days from arrest to the decision (or to the release uncharged).
    cross_border : bool — cases that needed mutual legal assistance (foreign suspect).
    """

    case: np.ndarray = field(default_factory=_ints)
    courier: np.ndarray = field(default_factory=_ints)
    country: np.ndarray = field(default_factory=_ints)
    outcome: np.ndarray = field(default_factory=_ints)
    sentence_days: np.ndarray = field(default_factory=_ints)
    case_days: np.ndarray = field(default_factory=_ints)
    cross_border: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))


@dataclass
class Day:
    """Everything the phases of day ``t`` pass to each other.

    Attributes
    ----------
    t : int
        The day (days are numbered from 1).
    dispatched : int64
        Couriers who loaded up at a source today (couriers: dispatch).
    movers : int64 (m,)
        Courier slots that travelled today (couriers: move).
    path : int32 (m, max_hops)
        Cells each mover entered today, in order (first ``n_hops`` valid).
    n_hops : int32 (m,)
    arrived : bool (m,)
        Movers that reached a destination cell.
    tip_hazard : float64 (len(world.tip_unique),)
        Detection hazard from community tips today on the cells tips cover
        (communities: tips).
    outcome, stop_hop, n_bribes, bribe_cell : (m,)
        Detection results per mover (enforcement: detect; see
        :func:`sim.kernels.detection.detect_couriers`).
    route_cells : int
        Cells entered by any loaded courier today (enforcement: detect).
    seized : int64
        Couriers arrested today, their loads seized (enforcement: outcomes).
    settled : int64
        Of those, couriers released on the spot with a fine or an informal settlement,
        without a case (justice: intake).
    delivered : int64
        Couriers who delivered today (couriers: resolve).
    fees : float64 (K,)
        Courier fees earned today by each community's members (USD).
    leader_arrests : int
        Leaders arrested today (organisations: leaders).
    decisions : Decisions
        Court cases decided today (justice: courts).
    recruits : int
        Couriers recruited today (couriers: turnover).
    """

    t: int
    dispatched: np.ndarray = field(default_factory=_ints)
    movers: np.ndarray = field(default_factory=_ints)
    path: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int32))
    n_hops: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    arrived: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    tip_hazard: np.ndarray = field(default_factory=lambda: np.zeros(0))
    outcome: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    stop_hop: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    n_bribes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    bribe_cell: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    route_cells: int = 0
    seized: np.ndarray = field(default_factory=_ints)
    settled: np.ndarray = field(default_factory=_ints)
    delivered: np.ndarray = field(default_factory=_ints)
    fees: np.ndarray = field(default_factory=lambda: np.zeros(0))
    leader_arrests: int = 0
    decisions: Decisions = field(default_factory=Decisions)
    recruits: int = 0
