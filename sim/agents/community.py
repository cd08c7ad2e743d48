"""Communities: settlements with livelihoods, trust in the state, and members in the trade."""

from __future__ import annotations

import mesa


class Community(mesa.Agent):
    """A community agent: a view onto row ``index`` of the communities mechanism."""

    def __init__(self, model, communities, index: int, name: str):
        super().__init__(model)
        self._communities = communities
        self.index = int(index)
        self.name = name

    @property
    def trust(self) -> float:
        """Trust in the state, in [0, 1]."""
        return float(self._communities.trust[self.index])

    @property
    def participation(self) -> float:
        """Share of the recruitable pool working as couriers."""
        return float(self._communities.participation()[self.index])

    @property
    def livelihood(self) -> float:
        """Legal income index in [0, 1] (the ``livelihood`` lever)."""
        return float(self.model.levers.livelihood[self.index])
