"""Trafficking organisations: plan least-expected-cost routes and learn from seizures.

Route choice follows the least-cost logic of Dell (AER 2015) and the risk-perception and
route-adaptation logic of NarcoLogic (Magliocca et al., PNAS 2019): perceived
interdiction risk rises around seizures and decays, so routes move and can come back.
The state lives in :class:`sim.mechanisms.organisations.Organisations`.
"""

from __future__ import annotations

import mesa
import numpy as np


class Organisation(mesa.Agent):
    """One desk of a trafficking organisation (the organisation's trade in one commodity):
    a view onto row ``index`` of the organisations mechanism. The desks of a multi-market
    organisation share its leaders (:attr:`organisation`)."""

    def __init__(self, model, organisations, index: int):
        super().__init__(model)
        self._orgs = organisations
        self.index = int(index)

    @property
    def commodity(self) -> int:
        """Commodity index."""
        return int(self._orgs.layout.commodity[self.index])

    @property
    def source_cell(self) -> int:
        """Flat cell where its couriers pick up loads."""
        return int(self._orgs.layout.source[self.index])

    @property
    def organisation(self) -> int:
        """Index of the organisation the desk belongs to (shared by its desks)."""
        return int(self._orgs.layout.network[self.index])

    @property
    def leaders(self) -> int:
        """Leaders of its organisation in place."""
        return int(self._orgs.leaders[self.organisation])

    @property
    def capacity(self) -> int:
        """Target couriers of the desk given its effort share, the leaders left, viability
        and supply."""
        return int(self._orgs.capacity()[self.index])

    @property
    def risk_memory(self) -> np.ndarray:
        """Perceived extra detection probability per cell passage (a new float64 array)."""
        return self._orgs.risk_memory(self.index)
