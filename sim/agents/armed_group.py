"""Armed groups: named non-state armed groups that tax trafficking in their zones.

The nexus of the seed programmes: drugs, gold and fuel finance armed groups (FACTS.md §§3-4).
A group's zones are discs around real places; it takes a toll on loads passing through
them and taxes mineral loads picked up at sites it controls. Its strength follows its
trafficking revenue, and its zones widen or shrink with its strength. The state lives in
:class:`sim.mechanisms.armed_groups.ArmedGroups`.
"""

from __future__ import annotations

import mesa
import numpy as np


class ArmedGroup(mesa.Agent):
    """An armed group: a view onto row ``index`` of the armed-groups mechanism."""

    def __init__(self, model, groups, index: int):
        super().__init__(model)
        self._groups = groups
        self.index = int(index)

    @property
    def key(self) -> str:
        """The group's key in the scenario config."""
        return self._groups.world.armed.names[self.index]

    @property
    def label(self) -> str:
        """Display name."""
        return self._groups.world.armed.labels[self.index]

    @property
    def strength(self) -> float:
        """Current strength (1 = initial)."""
        return float(self._groups.strength[self.index])

    @property
    def revenue_usd(self) -> float:
        """Trafficking revenue taken so far (USD)."""
        return float(self._groups.revenue_total[self.index].sum())

    @property
    def presence(self) -> np.ndarray:
        """Presence per cell (0-1; a read-only view)."""
        view = self._groups.presence[self.index]
        view.flags.writeable = False
        return view
