"""Communities: settlements with livelihoods, trust in the state, and members in the trade."""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np


@dataclass
class CommunityArrays:
    """Structure-of-arrays state of all communities.

    Attributes
    ----------
    cell : int32 — flat cell of the settlement.
    country : int16 — country index.
    pool : float64 — people who could be recruited (people).
    livelihood : float64 — legal income index in [0, 1] (1 = no economic pressure).
    livelihood_base : float64 — livelihood without programmes.
    trust : float64 — trust in the state in [0, 1].
    trust_target : float64 — level trust recovers towards.
    members : int32 — couriers from this community currently in the trade.
    earnings : float64 — smoothed (30-day) courier fees earned by members (USD/day).
    """

    cell: np.ndarray
    country: np.ndarray
    pool: np.ndarray
    livelihood: np.ndarray
    livelihood_base: np.ndarray
    trust: np.ndarray
    trust_target: np.ndarray
    members: np.ndarray
    earnings: np.ndarray

    @property
    def participation(self) -> np.ndarray:
        """Share of the recruitable pool in the trade."""
        return self.members / np.maximum(self.pool, 1.0)


class Community(mesa.Agent):
    """A community agent: a view onto row ``index`` of the model's community arrays."""

    def __init__(self, model, index: int, name: str):
        super().__init__(model)
        self.index = int(index)
        self.name = name

    @property
    def trust(self) -> float:
        """Trust in the state, in [0, 1]."""
        return float(self.model.communities.trust[self.index])

    @property
    def participation(self) -> float:
        """Share of the recruitable pool working as couriers."""
        return float(self.model.communities.participation[self.index])

    @property
    def livelihood(self) -> float:
        """Legal income index in [0, 1]."""
        return float(self.model.communities.livelihood[self.index])
