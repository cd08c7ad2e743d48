"""Border units: fixed posts at official crossings and mobile patrols, each of one country."""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.world import PATROL, POST

__all__ = ["PATROL", "POST", "BorderUnit", "UnitArrays"]


@dataclass
class UnitArrays:
    """Structure-of-arrays state of all border units (posts first, then patrols; the fixed
    layout and the indices of posts and patrols are in :class:`sim.world.UnitLayout`).

    Attributes
    ----------
    kind : int8 — ``POST`` or ``PATROL``.
    country : int16 — country index of the unit.
    cell : int32 — flat cell (posts never move).
    allowed_bits : int64 — bit ``k`` set when the unit may operate in country ``k``.
    """

    kind: np.ndarray
    country: np.ndarray
    cell: np.ndarray
    allowed_bits: np.ndarray


class BorderUnit(mesa.Agent):
    """A border unit agent: a view onto row ``index`` of the enforcement mechanism's units."""

    def __init__(self, model, enforcement, index: int):
        super().__init__(model)
        self._enforcement = enforcement
        self.index = int(index)

    @property
    def kind(self) -> str:
        """``"post"`` or ``"patrol"``."""
        return "post" if self._enforcement.units.kind[self.index] == POST else "patrol"

    @property
    def country(self) -> str:
        """ISO3 code of the unit's country."""
        return self.model.world.region.countries[int(self._enforcement.units.country[self.index])]

    @property
    def cell(self) -> int:
        """Current flat cell index."""
        return int(self._enforcement.units.cell[self.index])

    @property
    def effectiveness(self) -> float:
        """Detection multiplier (the ``unit_effectiveness`` lever; 1 = scenario value)."""
        return float(self.model.levers.unit_effectiveness[self.index])
