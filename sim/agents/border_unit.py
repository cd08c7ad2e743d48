"""Border units: fixed posts at official crossings and mobile patrols, each of one country."""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

POST = 0
"""Unit kind: fixed post at an official crossing."""
PATROL = 1
"""Unit kind: mobile patrol."""


@dataclass
class UnitArrays:
    """Structure-of-arrays state of all border units.

    Attributes
    ----------
    kind : int8 — ``POST`` or ``PATROL``.
    country : int16 — country index of the unit.
    cell : int32 — flat cell (posts never move).
    allowed_bits : int64 — bit ``k`` set when the unit may operate in country ``k``.
    effectiveness : float64 — multiplier on detection (training, equipment), 1 = baseline.
    """

    kind: np.ndarray
    country: np.ndarray
    cell: np.ndarray
    allowed_bits: np.ndarray
    effectiveness: np.ndarray

    @property
    def patrols(self) -> np.ndarray:
        """Indices of mobile patrols."""
        return np.flatnonzero(self.kind == PATROL)

    @property
    def posts(self) -> np.ndarray:
        """Indices of fixed posts."""
        return np.flatnonzero(self.kind == POST)


class BorderUnit(mesa.Agent):
    """A border unit agent: a view onto row ``index`` of the model's unit arrays."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = int(index)

    @property
    def kind(self) -> str:
        """``"post"`` or ``"patrol"``."""
        return "post" if self.model.units.kind[self.index] == POST else "patrol"

    @property
    def country(self) -> str:
        """ISO3 code of the unit's country."""
        return self.model.region.countries[int(self.model.units.country[self.index])]

    @property
    def cell(self) -> int:
        """Current flat cell index."""
        return int(self.model.units.cell[self.index])
