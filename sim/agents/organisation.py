"""Trafficking organisations: plan least-expected-cost routes and learn from seizures.

Route choice follows the least-cost logic of Dell (AER 2015) and the risk-perception and
route-adaptation logic of NarcoLogic (Magliocca et al., PNAS 2019): perceived
interdiction risk rises around seizures and decays, so routes move and can come back.
"""

from __future__ import annotations

import mesa
import numpy as np


class Organisation(mesa.Agent):
    """A trafficking organisation for one commodity.

    Parameters
    ----------
    model : TraffickingModel
    index : int
        Row of the organisation in the model's stacked route tables.
    commodity : int
        Commodity index.
    source_cell : int
        Flat cell where its couriers pick up loads.
    country : int
        Country index of the source (the organisation's home base).
    capacity : int
        Target number of couriers with all leaders in place.
    leaders : int
        Leaders at the start.
    n_cells : int
        Grid size, for the risk memory.
    """

    def __init__(self, model, index: int, commodity: int, source_cell: int, country: int,
                 capacity: int, leaders: int, n_cells: int):
        super().__init__(model)
        self.index = int(index)
        self.commodity = int(commodity)
        self.source_cell = int(source_cell)
        self.country = int(country)
        self.base_capacity = int(capacity)
        self.leaders0 = int(leaders)
        self.leaders = int(leaders)
        self.replace_at: int | None = None
        """Day the next lost leader is replaced (None: no vacancy)."""
        self._memory = np.zeros(n_cells, np.float64)
        self._scale = 1.0
        """The risk memory is ``_memory * _scale``: decay only updates the scale."""
        self.memory_step = 0
        self.last_plan = -(10**9)
        self.revenue_usd = 0.0
        self.losses_usd = 0.0

    @property
    def capacity(self) -> int:
        """Target couriers given the leaders left (capacity scales with sqrt(leaders))."""
        if self.leaders <= 0:
            return 0
        return int(round(self.base_capacity * np.sqrt(self.leaders / self.leaders0)))

    @property
    def risk_memory(self) -> np.ndarray:
        """Perceived extra detection probability per cell passage, learned from seizures
        (a new array; float64, one value per cell)."""
        return self._memory * self._scale

    def decay_memory(self, step: int, decay_per_day: float) -> None:
        """Bring the risk memory up to ``step`` (exponential decay, applied lazily)."""
        days = step - self.memory_step
        if days > 0 and decay_per_day > 0:
            self._scale *= (1.0 - decay_per_day) ** days
            if self._scale < 1e-150:  # fold the scale in before it underflows
                self._memory *= self._scale
                self._scale = 1.0
        self.memory_step = step

    def learn(self, step: int, targets: np.ndarray, weights: np.ndarray,
              decay_per_day: float) -> None:
        """Raise perceived risk around seizures.

        Parameters
        ----------
        targets : int64 (s, m)
            Cells within the memory radius of each seizure (-1 outside the grid).
        weights : float64 (s, m)
            Perceived detection probability added to each of those cells.
        """
        if targets.size == 0:
            return
        self.decay_memory(step, decay_per_day)
        ok = targets >= 0
        cells = targets[ok]
        np.add.at(self._memory, cells, weights[ok] / self._scale)
        self._memory[cells] = np.minimum(self._memory[cells], 1.0 / self._scale)

    def plan(self, kernels, cell_cost: np.ndarray, cell_hours: np.ndarray, nx: int,
             targets: np.ndarray, required: np.ndarray, noise: float, succ: np.ndarray,
             succ_hours: np.ndarray, p_first: np.ndarray, step: int) -> np.ndarray:
        """Recompute the route field and successor table; returns the cost-to-go (USD).

        ``required`` are the cells whose routes must be exact: the source and the cells
        where the organisation's couriers are on the road.
        """
        dist = kernels.route_costs(cell_cost, nx, targets, required)
        kernels.route_successors(dist, cell_cost, cell_hours, nx, noise, succ, succ_hours,
                                 p_first)
        self.last_plan = step
        return dist
