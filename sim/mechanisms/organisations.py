"""Organisations: route planning, risk memory learned from seizures, leaders and capacity.

Each organisation plans the least-expected-cost routes from its source to its commodity's
destinations (Dell, AER 2015): travel time, perceived detection (known posts and patrols
plus its own risk memory) times the loss and legal exposure it risks, bribes, and
armed-group tolls (kernels :func:`~sim.kernels.routing.route_costs` and
:func:`~sim.kernels.routing.route_successors`). Seizures raise the risk memory around where
they happened, its own fully and other organisations' of the same commodity by a gossip
weight, and the memory decays (NarcoLogic; Magliocca et al., PNAS 2019), so routes move and
can come back. Task forces' arrests may take leaders; capacity follows the leaders left.
"""

from __future__ import annotations

import numpy as np

from sim.agents.courier import CourierState
from sim.agents.organisation import Organisation
from sim.kernels.routing import UNREACHABLE
from sim.mechanisms.base import LEADERS, LEARN, PLAN, Mechanism, phase, register
from sim.schema import ConfigError
from sim.spatial import disk_cells, km_to_cells

NO_VACANCY = -1
"""``replace_at`` value of an organisation with all its leaders in place."""


@register
class Organisations(Mechanism):
    """Every trafficking organisation of the run, as arrays (one row each)."""

    name = "organisations"
    setup_order = 40.0
    streams = ("leaders",)
    reads = frozenset({"penalty_years", "conviction_rate", "leader_hit_prob"})
    metrics = ("leader_arrests", "leaders", "organisation_capacity")

    def __init__(self, model):
        super().__init__(model)
        w, m = self.world, self.config.model
        self.layout = lay = w.organisations
        n = lay.n
        self.memory = np.zeros((n, w.n_cells))
        self.scale = np.ones(n)
        """The risk memory of organisation ``o`` is ``memory[o] * scale[o]``: decay only
        updates the scale."""
        self.memory_step = np.zeros(n, np.int64)
        self.last_plan = np.full(n, -(10**9), np.int64)
        self.leaders0 = np.full(n, m.leaders_per_organisation, np.int64)
        self.leaders = self.leaders0.copy()
        self.replace_at = np.full(n, NO_VACANCY, np.int64)
        """Day the next lost leader is replaced (:data:`NO_VACANCY`: none)."""
        self.succ = np.empty((n, w.n_cells, 2), np.int32)
        self.succ[:] = (UNREACHABLE, -1)
        self.succ_hours = np.zeros((n, w.n_cells, 2), np.float32)
        self.p_first = np.ones((n, w.n_cells), np.float32)
        """Route tables (:func:`sim.kernels.routing.route_successors`), one row each."""
        self._boxes: dict[int, tuple[int, int, int, int]] = {}
        """The route window each organisation's table was last planned over."""
        self.agents = [Organisation(model, self, o) for o in range(n)]

    def start(self) -> None:
        """First plans; later re-planning is staggered so organisations do not all replan on
        the same day. Fails if a source cannot reach any destination."""
        m = self.config.model
        for o in range(self.layout.n):
            self._plan(o, 0)
            self.last_plan[o] = -(o % m.replan_interval_days)
            if self.succ[o, self.layout.source[o], 0] == -1:
                com = self.world.commodity_names[self.layout.commodity[o]]
                raise ConfigError(
                    f"scenario.commodities.{com}.sources = "
                    f"{self.world.commodities[self.layout.commodity[o]].sources!r} is not "
                    f"allowed: source cell of organisation {o} cannot reach any destination "
                    f"over land")

    # ------------------------------------------------------------------ leaders

    def capacity(self) -> np.ndarray:
        """Target couriers per organisation given the leaders left (int64):
        ``base x (leaders / leaders0) ** capacity_leader_exponent``, rounded."""
        share = self.leaders / self.leaders0
        cap = np.rint(self.layout.base_capacity
                      * np.power(share, self.config.model.capacity_leader_exponent))
        return np.where(self.leaders <= 0, 0, cap).astype(np.int64)

    def _replace_leaders(self, t: int) -> None:
        """Organisations promote a new leader ``leader_replacement_days`` after a loss."""
        delay = self.config.model.leader_replacement_days
        due = (self.replace_at != NO_VACANCY) & (t >= self.replace_at)
        self.leaders[due] = np.minimum(self.leaders[due] + 1, self.leaders0[due])
        self.replace_at[due] = np.where(self.leaders[due] < self.leaders0[due], t + delay,
                                        NO_VACANCY)

    @phase(LEADERS)
    def hit_leaders(self, day) -> None:
        """Task forces: each of today's arrests may lead to a leader of the courier's
        organisation, with ``leader_hit_prob`` of the arresting country and commodity."""
        day.leader_arrests = 0
        seized, levers = day.seized, self.model.levers
        if len(seized) == 0 or not levers.leader_hit_prob.any():
            return
        c, w = self.model.mechanisms["couriers"].arrays, self.world
        p = levers.leader_hit_prob[w.country[c.cell[seized]], c.commodity[seized]]
        u = self.stream("leaders").random(len(seized))
        delay = self.config.model.leader_replacement_days
        for i in np.flatnonzero(u < p):
            o = int(c.org[seized[i]])
            if self.leaders[o] <= 0:
                continue
            self.leaders[o] -= 1
            if self.replace_at[o] == NO_VACANCY:
                self.replace_at[o] = day.t + delay
            cell = int(c.cell[seized[i]])
            self.model.events.add(day.t, "leader_arrest", cell, int(w.country[cell]),
                                  int(self.layout.commodity[o]), 1.0, o, np.array([-1]))
            day.leader_arrests += 1

    # ------------------------------------------------------------------ planning

    @phase(PLAN)
    def plan(self, day) -> None:
        """Replace lost leaders, then re-plan the routes that are due."""
        self._replace_leaders(day.t)
        interval = self.config.model.replan_interval_days
        due = np.flatnonzero((self.capacity() > 0) & (day.t - self.last_plan >= interval))
        if len(due) == 0:
            return
        c = self.model.mechanisms["couriers"].arrays
        road = np.flatnonzero(c.state == CourierState.TRAVELLING)
        road = road[np.argsort(c.org[road], kind="stable")]
        bounds = np.searchsorted(c.org[road], np.arange(self.layout.n + 1))
        for o in due:
            self._plan(int(o), day.t, c.cell[road[bounds[o]:bounds[o + 1]]])

    def risk_memory(self, o: int) -> np.ndarray:
        """Perceived extra detection probability per cell passage of organisation ``o``,
        learned from seizures (a new float64 array)."""
        return self.memory[o] * self.scale[o]

    def _decay_memory(self, o: int, step: int) -> None:
        """Bring organisation ``o``'s risk memory up to ``step`` (exponential decay)."""
        decay = self.config.model.risk_memory_decay_per_day
        days = int(step - self.memory_step[o])
        if days > 0 and decay > 0:
            self.scale[o] *= (1.0 - decay) ** days
            if self.scale[o] < 1e-150:  # fold the scale in before it underflows
                self.memory[o] *= self.scale[o]
                self.scale[o] = 1.0
        self.memory_step[o] = step

    def route_cost(self, o: int, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
        """Expected cost (USD) of entering each cell for organisation ``o``'s couriers.

        travel time x value of time + perceived detection x (expected loss of load and
        legal exposure, or the bribe) + armed-group toll; ``inf`` off land. With ``box``
        ``(row0, row1, col0, col1)`` (inclusive), the cells of that box only, row-major.
        """
        m, w, levers = self.config.model, self.world, self.model.levers
        enforcement = self.model.mechanisms["enforcement"]
        evidence = self.model.mechanisms["justice"].evidence
        if box is None:
            box = (0, w.shape[0] - 1, 0, w.shape[1] - 1)
        r0, r1, c0, c1 = box

        def cut(layer: np.ndarray) -> np.ndarray:
            return layer.reshape(w.shape)[r0:r1 + 1, c0:c1 + 1].ravel()

        k = int(self.layout.commodity[o])
        com = w.commodities[k]
        value = com.load_median * com.value_at_source_usd
        legal_by_country = (m.prison_year_cost_usd * levers.penalty_years * m.sentence_fraction
                            * com.penalty_weight * evidence * levers.conviction_rate)
        legal = legal_by_country[np.maximum(cut(w.country), 0)]
        p_known = -np.expm1(-(cut(enforcement.post_hazard)
                              + cut(enforcement.patrol_hazard_known)))
        p = np.minimum(p_known + cut(self.memory[o]) * self.scale[o], 1.0)
        bribe_prob, escape = cut(enforcement.bribe_prob), cut(enforcement.escape)
        hours = cut(w.cell_hours)
        caught = (1.0 - bribe_prob) * (1.0 - escape) * (value + legal)
        bribed = bribe_prob * m.bribe_share * value
        cost = (com.value_of_time_usd_per_hour * hours
                + m.risk_aversion * p * (caught + bribed)
                + cut(self.model.mechanisms["armed_groups"].toll_layer) * value)
        # a small floor keeps every step strictly costly (routes always go downhill)
        cost = cost + 1e-6 * (1.0 + value) * hours
        return np.where(cut(w.land), cost, np.inf)

    def _plan(self, o: int, step: int, on_road: np.ndarray | None = None) -> None:
        """Recompute organisation ``o``'s routes: the cost-to-go field and successor table
        over its route window (kernels ``route_costs`` and ``route_successors`` on the
        window's cells); every cell outside the window has no route. ``on_road`` are the
        cells of its couriers on the road (default: looked up)."""
        self._decay_memory(o, step)
        if on_road is None:
            c = self.model.mechanisms["couriers"].arrays
            on_road = c.cell[(c.state == CourierState.TRAVELLING) & (c.org == o)]
        required = np.union1d(np.array([self.layout.source[o]], np.int64),
                              on_road).astype(np.int64)
        w, k = self.world, self.model.kernels
        box = self._route_box(o, required)
        r0, r1, c0, c1 = box
        width = c1 - c0 + 1

        def local(cells: np.ndarray) -> np.ndarray:
            rows, cols = np.divmod(cells, w.nx)
            return ((rows - r0) * width + (cols - c0)).astype(np.int64)

        cost = self.route_cost(o, box)
        dist = k.route_costs(cost, width, local(self.layout.targets[o]), local(required))
        hours = w.cell_hours.reshape(w.shape)[r0:r1 + 1, c0:c1 + 1].ravel()
        old = self._boxes.get(o)
        if old is not None and old != box:
            self._clear(o, old)
        k.route_successors(dist, cost, hours, width, self.config.model.route_noise, r0, c0,
                           w.nx, self.succ[o], self.succ_hours[o], self.p_first[o])
        self._boxes[o] = box
        self.last_plan[o] = step

    def _clear(self, o: int, box: tuple[int, int, int, int]) -> None:
        """No route from any cell of ``box`` (the table's state outside every window)."""
        r0, r1, c0, c1 = box
        w = self.world
        self.succ[o].reshape(*w.shape, 2)[r0:r1 + 1, c0:c1 + 1] = (UNREACHABLE, -1)
        self.succ_hours[o].reshape(*w.shape, 2)[r0:r1 + 1, c0:c1 + 1] = 0.0
        self.p_first[o].reshape(w.shape)[r0:r1 + 1, c0:c1 + 1] = 1.0

    def _route_box(self, o: int, required: np.ndarray) -> tuple[int, int, int, int]:
        """The cells an organisation's routes may use, as an inclusive box
        ``(row0, row1, col0, col1)``: the bounding box of its source, its destinations and
        its couriers on the road, widened by ``route_window_km`` on each side (the whole
        grid when ``route_window_km`` is 0)."""
        m, w = self.config.model, self.world
        ny, nx = w.shape
        if m.route_window_km <= 0:
            return (0, ny - 1, 0, nx - 1)
        cells = np.concatenate([self.layout.targets[o], required])
        rows, cols = np.divmod(cells, w.nx)
        margin = km_to_cells(m.route_window_km, w.cell_km)
        return (max(int(rows.min()) - margin, 0), min(int(rows.max()) + margin, ny - 1),
                max(int(cols.min()) - margin, 0), min(int(cols.max()) + margin, nx - 1))

    # ------------------------------------------------------------------ learning

    @phase(LEARN)
    def learn(self, day) -> None:
        """Raise perceived risk around today's seizures (own fully, others' by gossip)."""
        seized = day.seized
        if len(seized) == 0:
            return
        m, w = self.config.model, self.world
        c = self.model.mechanisms["couriers"].arrays
        targets, wt = disk_cells(c.cell[seized], w.shape, w.memory_radius)
        commodity = c.commodity[seized]
        orgs = np.flatnonzero(np.isin(self.layout.commodity, commodity))
        for o in orgs:
            self._decay_memory(int(o), day.t)
        self.model.kernels.raise_risk(self.memory, self.scale, orgs, self.layout.commodity,
                                      commodity, c.org[seized], targets, wt, m.gossip_weight,
                                      m.risk_learning_rate)

    def _learn(self, o: int, step: int, targets: np.ndarray, weights: np.ndarray) -> None:
        """Add perceived detection ``weights`` at ``targets`` (-1 = off the grid), capped
        at 1 (used by tests to set a memory by hand)."""
        if targets.size == 0:
            return
        self._decay_memory(o, step)
        ok = targets >= 0
        cells = targets[ok]
        scale = self.scale[o]
        np.add.at(self.memory[o], cells, weights[ok] / scale)
        self.memory[o, cells] = np.minimum(self.memory[o, cells], 1.0 / scale)

    def record(self, day, row: dict) -> None:
        row["leader_arrests"] = float(day.leader_arrests)
        row["leaders"] = float(self.leaders.sum())
        row["organisation_capacity"] = float(self.capacity().sum())
