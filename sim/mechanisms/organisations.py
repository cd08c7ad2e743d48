"""Organisations: route planning, risk memory, markets, leaders and capacity.

An organisation trades one commodity, or several (``scenario.multi_market``); each
commodity it trades is a *desk* (one row of the arrays here) with its own source, routes
and risk memory. Each desk plans the least-expected-cost routes from its source to its
commodity's destinations (Dell, AER 2015): travel time, perceived detection (known posts
and patrols plus its own risk memory) times the loss and legal exposure it risks, bribes,
and armed-group tolls (kernels :func:`~sim.kernels.routing.route_costs` and
:func:`~sim.kernels.routing.route_successors`). A desk's perceived risk on a cell is what it
has seen or heard there: seizures around the cell over passages around it, each its own
fully and other desks' of the same commodity by a gossip weight, both forgotten with time
(NarcoLogic's Bayesian risk perception; Magliocca et al., PNAS 2019), so routes move away
from where loads are lost, and can come back. A road other desks use is judged by their
losses per passage, not by their losses alone.

Markets. A desk's expected net profit per trip is its gross margin (median load times the
price gap, both levers) less the expected cash cost of its best route from the source
(courier time, the perceived chance of losing the load or paying a bribe on each cell, armed
groups' tolls; legal exposure is the couriers', and site taxes fall on production, inside
the price at the source); per courier-day, divided by the trip's cycle (out, back, rest).
Loads and routes follow losses: with L the share of a desk's recent trips that lost their
load, its load per trip is the median times ``(1 - L) ** loss_response`` and its route
choice spreads by ``route_noise / (1 - L) ** loss_response``, so more interdiction means
smaller shipments over more routes (NarcoLogic, PEERS.md fact 3). A
desk's *viability*, the share of its capacity it runs, follows its price gap: ``(gap /
configured gap) ** market_margin_elasticity``, at most ``viability_max``, so a price shock can
close a market and a wider gap can put more couriers on the road. A destination country
with a ``demand_per_day`` for a commodity is a market that clears: its price is the
configured one (a lever) times ``(S / demand_per_day) ** (-1 / demand_elasticity)``, with S
the quantity delivered there per day averaged over ``market_adjust_days``, so a shortfall
raises the price, and the gap, of every desk that sells there (the pull that can put flow
on the next-best routes when one is squeezed); a desk sells where its best route ends. A
multi-market organisation moves effort between its desks: each desk's target share
is its initial share times its profit per courier-day of effort relative to the start (the
profit of a loaded courier-day times the commodity's ``supply``: effort on a desk without
loads earns nothing), to the power ``market_elasticity``, normalised; shares approach the
targets with time constant ``market_adjust_days``. Task forces' arrests may take an
organisation's leaders; capacity follows the leaders left, and the loads available (lever
``supply``).
"""

from __future__ import annotations

import numpy as np

from sim.agents.courier import CourierState
from sim.agents.organisation import Organisation
from sim.kernels.routing import TARGET, UNREACHABLE
from sim.mechanisms.base import LEADERS, LEARN, PLAN, TALLY, Mechanism, phase, register
from sim.schema import ConfigError
from sim.spatial import disk_cells, disk_offsets, km_to_cells

NO_VACANCY = -1
"""``replace_at`` value of an organisation with all its leaders in place."""


@register
class Organisations(Mechanism):
    """Every trafficking organisation of the run, as arrays (one row each)."""

    name = "organisations"
    setup_order = 40.0
    streams = ("leaders",)
    reads = frozenset({"penalty_years", "conviction_rate", "leader_hit_prob", "supply",
                       "source_supply",
                       "value_at_source", "value_at_destination", "detection_focus"})
    metrics = ("leader_arrests", "leaders", "organisation_capacity", "viability_{c}",
               "price_index_{c}",
               "multi_market_share_{c}")

    def __init__(self, model):
        super().__init__(model)
        w, m = self.world, self.config.model
        self.layout = lay = w.organisations
        n = lay.n
        self.memory = np.zeros((n, w.n_cells))
        self.passages = np.zeros((n, w.n_cells))
        rad = w.memory_radius
        drow, dcol, weight = disk_offsets(rad)
        self._disk = np.zeros((2 * rad + 1, 2 * rad + 1))
        self._disk[drow + rad, dcol + rad] = weight
        """The seizure disk's distance weights as a 2-D kernel (spreads passages)."""
        self.scale = np.ones(n)
        """Desk ``o`` remembers ``memory[o] * scale[o]`` seizures (``risk_learning_rate``
        each, distance- and gossip-weighted) and ``passages[o] * scale[o]`` passages of its
        own couriers (``risk_learning_rate`` each) per cell; decay only updates the scale."""
        self.memory_step = np.zeros(n, np.int64)
        k_count = len(w.commodities)
        self.commodity_passages = np.zeros((k_count, w.n_cells))
        """Passages of all desks of each commodity per cell (``risk_learning_rate`` each),
        ``commodity_passages[k] * commodity_scale[k]``: what desks hear of others' traffic."""
        self.commodity_scale = np.ones(k_count)
        self.commodity_step = np.zeros(k_count, np.int64)
        self.last_plan = np.full(n, -(10**9), np.int64)
        n_org = lay.n_organisations
        self.leaders0 = np.full(n_org, m.leaders_per_organisation, np.int64)
        self.leaders = self.leaders0.copy()
        """Leaders in place per organisation (not per desk)."""
        self.replace_at = np.full(n_org, NO_VACANCY, np.int64)
        """Day each organisation's next lost leader is replaced (:data:`NO_VACANCY`: none)."""
        self.trip_cost = np.zeros(n)
        """Expected cash cost (USD) of one trip of the desk's load along its best route
        from its source, at its last plan (time, expected loss or bribe, tolls)."""
        self.lost = np.zeros(n)
        self.ended = np.zeros(n)
        """Each desk's loads lost (seized) and trips ended (delivered or seized), both
        forgotten at ``risk_memory_decay_per_day`` (trips)."""
        self.trip_days = np.ones(n, np.int64)
        """Days on the road from source to destination along the best route, last plan."""
        self.profit = np.zeros(n)
        """Expected net profit per courier-day of each desk (USD)."""
        self.profit0 = np.zeros(n)
        """:attr:`profit` at the first plans (before any policy)."""
        self.viability = np.ones(n)
        """Share of its capacity each desk runs, given its price gap (0 to
        ``viability_max``)."""
        table, k = w.commodity_table, lay.commodity
        self.margin0 = table["load_median"][k] * (table["value_at_destination_usd"][k]
                                                  - table["value_at_source_usd"][k])
        """Gross margin per trip at the configured prices (USD)."""
        self.supplied = w.demand.copy()
        """Quantity delivered per day into each (commodity, country) market, averaged over
        ``market_adjust_days`` (unit/day; starts at the demand: a market in balance at the
        configured price)."""
        self.price_index = np.ones_like(w.demand)
        """Price at the destinations of each commodity in each country relative to the
        configured one (lever ``value_at_destination``); 1 where the price is fixed."""
        self.market = np.full(n, -1, np.int64)
        """Country of the destination each desk's best route reaches (-1 before the first
        plan): the market whose price the desk sells at."""
        self.share = lay.share0.copy()
        """Share of its organisation's couriers each desk employs."""
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
        self._markets(update_shares=False)
        self.profit0 = self.profit.copy()

    # ------------------------------------------------------------------ leaders

    def capacity(self) -> np.ndarray:
        """Target couriers per desk (int64): its organisation's couriers x the desk's
        effort share x ``(leaders / leaders0) ** capacity_leader_exponent`` x its
        viability x its :meth:`supply_factor`, rounded (0 once no leader is left)."""
        lay = self.layout
        left = self.leaders / self.leaders0
        reach = np.power(left, self.config.model.capacity_leader_exponent)[lay.network]
        supply = self.supply_factor()
        cap = np.rint(lay.network_capacity[lay.network] * self.share * reach * self.viability
                      * supply)
        return np.where(self.leaders[lay.network] <= 0, 0, cap).astype(np.int64)

    def loss_share(self) -> np.ndarray:
        """Share of each desk's recent trips that lost their load, ``lost / (ended + 1)``
        (0-1; the one pseudo-trip keeps a desk that lost its only load from believing every
        load is lost): counts forgotten at ``risk_memory_decay_per_day``."""
        return self.lost / (self.ended + 1.0)

    def load_factor(self) -> np.ndarray:
        """Each desk's load per trip relative to its commodity's ``load_median`` (the load
        on a road without losses): ``(1 - loss_share) ** loss_response``. A desk that
        loses more of its loads splits its shipments into smaller ones."""
        return np.power(1.0 - self.loss_share(), self.config.model.loss_response)

    def route_noise(self) -> np.ndarray:
        """Each desk's spread of route choice around its least-cost route: ``route_noise /
        (1 - loss_share) ** loss_response``. A desk that loses more of its loads spreads
        them over more routes (NarcoLogic's route expansion under losses)."""
        return self.config.model.route_noise / self.load_factor()

    def supply_factor(self) -> np.ndarray:
        """Share of each desk's effort that finds loads: the commodity's ``supply`` times
        the ``source_supply`` of the desk's source cell."""
        lev, lay = self.model.levers, self.layout
        return lev.supply[lay.commodity] * lev.source_supply[lay.source]

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
            net = int(self.layout.network[o])
            if self.leaders[net] <= 0:
                continue
            self.leaders[net] -= 1
            if self.replace_at[net] == NO_VACANCY:
                self.replace_at[net] = day.t + delay
            cell = int(c.cell[seized[i]])
            self.model.events.add(day.t, "leader_arrest", cell, int(w.country[cell]),
                                  int(self.layout.commodity[o]), 1.0, o, np.array([-1]))
            day.leader_arrests += 1

    # ------------------------------------------------------------------ planning

    @phase(PLAN)
    def plan(self, day) -> None:
        """Replace lost leaders, re-plan the routes that are due, then update each desk's
        expected profit, viability and effort share."""
        self._replace_leaders(day.t)
        interval = self.config.model.replan_interval_days
        lay = self.layout
        alive = self.leaders[lay.network] > 0
        due = np.flatnonzero(alive & (day.t - self.last_plan >= interval))
        if len(due):
            c = self.model.mechanisms["couriers"].arrays
            road = np.flatnonzero(c.state == CourierState.TRAVELLING)
            road = road[np.argsort(c.org[road], kind="stable")]
            bounds = np.searchsorted(c.org[road], np.arange(lay.n + 1))
            for o in due:
                self._plan(int(o), day.t, c.cell[road[bounds[o]:bounds[o + 1]]])
        self._markets()

    # ------------------------------------------------------------------ markets

    def destination_price(self) -> np.ndarray:
        """Price at the destinations per commodity and country (USD/unit; (K, countries)):
        the lever ``value_at_destination`` times :attr:`price_index`."""
        return self.model.levers.value_at_destination[:, None] * self.price_index

    def gross_margin(self) -> np.ndarray:
        """Value gained by one median-load trip of each desk (USD): load x (price at its
        market - price at source)."""
        lev, k = self.model.levers, self.layout.commodity
        load = self.world.commodity_table["load_median"][k]
        price = self.destination_price()[k, np.maximum(self.market, 0)]
        return load * (price - lev.value_at_source[k])

    def _markets(self, update_shares: bool = True) -> None:
        """Expected net profit per courier-day, viability and (multi-market) effort shares
        (see the module docstring)."""
        m, lay = self.config.model, self.layout
        margin = self.gross_margin()
        net = margin * self.load_factor() - self.trip_cost
        rest = self.world.commodity_table["rest_days"][lay.commodity]
        self.profit = net / (2 * self.trip_days + rest)
        gap = np.divide(np.maximum(margin, 0.0), self.margin0, out=np.zeros(lay.n),
                        where=self.margin0 > 0)
        self.viability = np.power(np.minimum(gap, m.viability_max), m.market_margin_elasticity)
        if not update_shares or not lay.multi.any():
            return
        multi = lay.multi[lay.network]
        # profit per courier-day of the effort given to a desk: only a ``supply`` share of
        # that effort finds loads to carry (a harvest ban leaves the rest idle)
        earned = np.maximum(self.profit, 0.0) * self.supply_factor()
        rel = np.divide(earned, self.profit0, out=np.zeros(lay.n), where=self.profit0 > 0)
        want = lay.share0 * np.power(rel, m.market_elasticity)
        total = np.bincount(lay.network, weights=want, minlength=lay.n_organisations)
        ok = multi & (total[lay.network] > 0)  # an organisation with no profit anywhere
        target = np.divide(want, total[lay.network], out=self.share.copy(), where=ok)
        step = -np.expm1(-1.0 / m.market_adjust_days)
        self.share = np.where(ok, self.share + (target - self.share) * step, self.share)

    def risk_memory(self, o: int) -> np.ndarray:
        """Perceived extra detection probability per cell passage of desk ``o``, learned
        from experience (a new float64 array): remembered seizures around the cell over
        remembered passages around it plus one pseudo-passage, both weighted by
        ``risk_learning_rate``, each the desk's own plus ``gossip_weight`` times other desks'
        of the same commodity -- so one seizure on an unused road reads as
        ``risk_learning_rate``, and a road crossed a thousand times for ten seizures reads
        as about 1 %, whoever crossed it (NarcoLogic's Bayesian risk perception)."""
        w = self.world
        return self._perceived(o, (0, w.shape[0] - 1, 0, w.shape[1] - 1))

    def _perceived(self, o: int, box: tuple[int, int, int, int]) -> np.ndarray:
        """:meth:`risk_memory` on the cells of ``box`` (inclusive, row-major). Passages are
        spread over the same distance-weighted disk as seizures (``risk_memory_radius_km``),
        so the ratio is the area's seizures per passage, also on cells not used yet."""
        from scipy.ndimage import correlate

        w, m = self.world, self.config.model
        k = int(self.layout.commodity[o])
        when = max(int(self.memory_step[o]), int(self.commodity_step[k]))
        self._decay_memory(o, when)
        self._decay_commodity(k, when)
        ny, nx = w.shape
        r0, r1, c0, c1 = box
        rad = w.memory_radius
        R0, R1, C0, C1 = max(r0 - rad, 0), min(r1 + rad, ny - 1), max(c0 - rad, 0), \
            min(c1 + rad, nx - 1)
        own = self.passages[o].reshape(ny, nx)[R0:R1 + 1, C0:C1 + 1] * self.scale[o]
        every = (self.commodity_passages[k].reshape(ny, nx)[R0:R1 + 1, C0:C1 + 1]
                 * self.commodity_scale[k])
        heard = own + m.gossip_weight * np.maximum(every - own, 0.0)
        near = correlate(heard, self._disk, mode="constant", cval=0.0)
        near = near[r0 - R0:r1 - R0 + 1, c0 - C0:c1 - C0 + 1].ravel()
        memory = self.memory[o].reshape(ny, nx)[r0:r1 + 1, c0:c1 + 1].ravel() * self.scale[o]
        return np.minimum(memory / (near + 1.0), 1.0)

    def _decay_memory(self, o: int, step: int) -> None:
        """Bring organisation ``o``'s risk memory up to ``step`` (exponential decay)."""
        _decay_to(step, o, self.scale, self.memory_step,
                  self.config.model.risk_memory_decay_per_day, self.memory, self.passages)

    def _decay_commodity(self, k: int, step: int) -> None:
        """Bring commodity ``k``'s passages up to ``step`` (exponential decay)."""
        _decay_to(step, k, self.commodity_scale, self.commodity_step,
                  self.config.model.risk_memory_decay_per_day, self.commodity_passages)

    def route_cost(self, o: int, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
        """Expected cost (USD) of entering each cell for organisation ``o``'s couriers.

        travel time x value of time + perceived detection x (expected loss of load and
        legal exposure, or the bribe) + armed-group toll; ``inf`` off land. With ``box``
        ``(row0, row1, col0, col1)`` (inclusive), the cells of that box only, row-major.
        """
        return self._cell_costs(o, box)[0]

    def _cell_costs(self, o: int, box: tuple[int, int, int, int] | None = None
                    ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The route cost of entering each cell (see :meth:`route_cost`), and the parts of
        a trip's cash cost to the organisation per cell entered: ``(toll, loss, bribe)``,
        the toll (USD), the perceived chance of losing the load there (detected, no bribe,
        no escape), and the expected bribe (USD). Legal exposure (borne by couriers) and
        the risk-aversion weight are route-choice terms, not cash."""
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
        value = com.load_median * levers.value_at_source[k] * self.load_factor()[o]
        # expected prison cost of an arrest: only arrests not settled on the spot open a case
        legal_by_country = (m.prison_year_cost_usd * levers.penalty_years * m.sentence_fraction
                            * com.penalty_weight * (1.0 - com.settlement_prob) * evidence
                            * levers.conviction_rate)
        legal = legal_by_country[np.maximum(cut(w.country), 0)]
        focus = levers.detection_focus[np.maximum(cut(w.country), 0), k]
        p_known = -np.expm1(-(cut(enforcement.post_hazard)
                              + cut(enforcement.patrol_hazard_known)) * focus)
        p = np.minimum(p_known + self._perceived(o, box), 1.0)
        bribe_prob, escape = cut(enforcement.bribe_prob), cut(enforcement.escape)
        hours = cut(w.cell_hours)
        caught = (1.0 - bribe_prob) * (1.0 - escape) * (value + legal)
        bribed = bribe_prob * m.bribe_share * value
        time = com.value_of_time_usd_per_hour * hours
        toll = cut(self.model.mechanisms["armed_groups"].toll_layer) * value
        cost = time + m.risk_aversion * p * (caught + bribed) + toll
        # a small floor keeps every step strictly costly (routes always go downhill)
        cost = cost + 1e-6 * (1.0 + value) * hours
        loss = p * (1.0 - bribe_prob) * (1.0 - escape)
        return np.where(cut(w.land), cost, np.inf), (toll, loss, p * bribed)

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

        cost, cash = self._cell_costs(o, box)
        dist = k.route_costs(cost, width, local(self.layout.targets[o]), local(required))
        hours = w.cell_hours.reshape(w.shape)[r0:r1 + 1, c0:c1 + 1].ravel()
        old = self._boxes.get(o)
        if old is not None and old != box:
            self._clear(o, old)
        k.route_successors(dist, cost, hours, width, self.route_noise()[o], r0, c0,
                           w.nx, self.succ[o], self.succ_hours[o], self.p_first[o])
        self._boxes[o] = box
        self.last_plan[o] = step
        self._trip(o, cash, local)

    def _trip(self, o: int, cash: tuple[np.ndarray, np.ndarray, np.ndarray], local) -> None:
        """Expected cash cost and days on the road of desk ``o``'s best route from its
        source (first successors). ``cash`` holds the per-cell parts of
        :meth:`_cell_costs` on the route window; ``local`` maps grid cells to it. The load
        survives each cell with ``1 - loss``, so the expected loss never exceeds its value;
        tolls and bribes are paid by loads still on the road."""
        w = self.world
        toll, loss, bribe = cash
        k = int(self.layout.commodity[o])
        value = (w.commodity_table["load_median"][k] * self.model.levers.value_at_source[k]
                 * self.load_factor()[o])
        cell = int(self.layout.source[o])
        hours, paid, alive, steps = 0.0, 0.0, 1.0, 0
        while steps < w.n_cells:
            nxt = int(self.succ[o, cell, 0])
            if nxt == TARGET or nxt == UNREACHABLE:
                if nxt == TARGET:
                    self.market[o] = int(w.country[cell])
                break
            hours += float(self.succ_hours[o, cell, 0])
            i = int(local(np.array([nxt]))[0])
            paid += alive * (float(toll[i]) + float(bribe[i]))
            alive *= 1.0 - float(loss[i])
            cell, steps = nxt, steps + 1
        time_cost = w.commodities[k].value_of_time_usd_per_hour * hours
        self.trip_cost[o] = time_cost + paid + (1.0 - alive) * value
        self.trip_days[o] = max(int(np.ceil(hours / self.config.model.travel_hours_per_day)),
                                1)

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

    @phase(TALLY)
    def tally(self, day) -> None:
        """Count today's passages of each desk's couriers per cell (for
        :meth:`risk_memory`), and its lost (seized) and delivered loads, forgetting earlier
        counts at ``risk_memory_decay_per_day`` (:meth:`loss_share`)."""
        c, n, m = self.model.mechanisms["couriers"].arrays, self.layout.n, self.config.model
        if len(day.movers):
            # a stopped courier entered the cells up to where it was stopped
            hops = np.where(day.outcome == 0, day.n_hops, day.stop_hop + 1)
            entered = np.arange(day.path.shape[1])[None, :] < hops[:, None]
            orgs = np.repeat(c.org[day.movers], hops)
            for o in np.unique(orgs):
                self._decay_memory(int(o), day.t)
            cells = day.path[entered]
            np.add.at(self.passages, (orgs, cells), m.risk_learning_rate / self.scale[orgs])
            ks = self.layout.commodity[orgs]
            for k in np.unique(ks):
                self._decay_commodity(int(k), day.t)
            n_cells = self.world.n_cells
            self.commodity_passages += np.bincount(
                ks * n_cells + cells, weights=m.risk_learning_rate / self.commodity_scale[ks],
                minlength=self.commodity_passages.size).reshape(self.commodity_passages.shape)
        keep = 1.0 - m.risk_memory_decay_per_day
        demand = self.world.demand
        priced = demand > 0
        if priced.any():
            w = self.world
            got = np.zeros_like(demand)
            who = day.delivered
            np.add.at(got, (c.commodity[who], w.country[c.cell[who]]), c.load[who])
            step = -np.expm1(-1.0 / m.market_adjust_days)
            self.supplied = self.supplied + (got - self.supplied) * step
            ratio = np.divide(self.supplied, demand, out=np.ones_like(demand), where=priced)
            # a market with (almost) nothing delivered pays at most a hundred times the price
            floor = 100.0 ** -m.demand_elasticity
            self.price_index = np.where(priced, np.power(np.maximum(ratio, floor),
                                                         -1.0 / m.demand_elasticity), 1.0)
        lost = np.bincount(c.org[day.seized], minlength=n)
        self.lost = self.lost * keep + lost
        self.ended = self.ended * keep + lost + np.bincount(c.org[day.delivered], minlength=n)

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
        """Add remembered seizures ``weights`` (in ``risk_learning_rate`` units) at
        ``targets`` (-1 = off the grid) (used by tests to set a memory by hand)."""
        if targets.size == 0:
            return
        self._decay_memory(o, step)
        ok = targets >= 0
        np.add.at(self.memory[o], targets[ok], weights[ok] / self.scale[o])

    def record(self, day, row: dict) -> None:
        lay, w = self.layout, self.world
        row["leader_arrests"] = float(day.leader_arrests)
        row["leaders"] = float(self.leaders.sum())
        cap = self.capacity()
        row["organisation_capacity"] = float(cap.sum())
        multi = lay.multi[lay.network]
        weight = lay.network_capacity[lay.network] * self.share
        for k, name in enumerate(w.commodity_names):
            desks = lay.commodity == k
            priced = self.world.demand[k] > 0
            row[f"price_index_{name}"] = (float(np.average(self.price_index[k, priced],
                                                           weights=self.world.demand[k, priced]))
                                          if priced.any() else 1.0)
            row[f"viability_{name}"] = (float(np.average(self.viability[desks],
                                                         weights=lay.base_capacity[desks]))
                                        if desks.any() and lay.base_capacity[desks].sum() > 0
                                        else 0.0)
            mm = multi & desks
            row[f"multi_market_share_{name}"] = (float(weight[mm].sum() / weight[multi].sum())
                                                 if multi.any() else 0.0)


def _decay_to(step: int, i: int, scale: np.ndarray, last: np.ndarray, decay: float,
              *tables: np.ndarray) -> None:
    """Decay row ``i`` of ``tables`` (held as ``tables[j][i] * scale[i]``) from day
    ``last[i]`` to ``step`` at ``decay`` per day by updating ``scale[i]`` only, folding the
    scale into the rows before it underflows; ``last[i]`` never moves back."""
    days = int(step - last[i])
    if days > 0 and decay > 0:
        scale[i] *= (1.0 - decay) ** days
        if scale[i] < 1e-150:
            for table in tables:
                table[i] *= scale[i]
            scale[i] = 1.0
    last[i] = max(step, int(last[i]))
