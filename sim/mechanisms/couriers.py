"""Couriers: recruitment, trips, movement, custody and leaving the trade.

Couriers are persistent people recruited from communities into an organisation. A courier
rests between trips, loads up at the organisation's source when ready (at most
``capacity`` of an organisation's couriers are on the road at once), walks its
organisation's route table (kernel :func:`~sim.kernels.movement.move_couriers`), and
delivers, or is stopped: detained when arrested, held until the court decides, imprisoned
when convicted, then back to the trade or out of it. Idle couriers quit now and then, and
organisations fill their vacancies from their catchment's communities in proportion to the
communities' propensity and the people not yet in the trade.
"""

from __future__ import annotations

import numpy as np

from sim.agents.courier import Courier, CourierArrays, CourierState
from sim.kernels.streams import draw_base, slot_normals
from sim.mechanisms.base import (
    CUSTODY,
    DISPATCH,
    MOVE,
    RESOLVE,
    SETTLE,
    TURNOVER,
    Mechanism,
    phase,
    register,
)
from sim.mechanisms.justice import CONVICTED


@register
class Couriers(Mechanism):
    """Every courier slot of the run, as arrays (:class:`~sim.agents.courier.CourierArrays`).

    Also owns the flow raster (quantity that passed through each cell) and the count of
    members each community has in the trade.
    """

    name = "couriers"
    setup_order = 50.0
    streams = ("init", "move", "trips", "turnover", "release")
    metrics = ("delivered_{c}", "recruits", "trafficker_revenue_usd", "couriers_active",
               "couriers_travelling", "couriers_detained", "couriers_imprisoned",
               "route_cells")

    def __init__(self, model):
        super().__init__(model)
        w = self.world
        total = int(w.organisations.base_capacity.sum())
        self.arrays = CourierArrays.empty(max(2 * total, 16))
        self._agents: dict[int, Courier] = {}
        """Mesa agents of the courier slots in the trade that have been asked for."""
        self.path = np.empty((self.arrays.capacity, w.max_hops), np.int32)
        self.members = np.zeros(w.n_communities, np.int32)
        """Couriers from each community currently in the trade."""
        self.left_trade = 0
        """Couriers who have left the trade (quit, or not returning after release)."""
        self.flow = np.zeros((len(w.commodities), w.n_cells))
        """Quantity (commodity unit) that passed through each cell so far (filled by the
        detection kernel, which sees every passage)."""
        self.flow_stamp = np.zeros(w.n_cells, np.int64)
        """Last day each cell was entered by a loaded courier."""

    def start(self) -> None:
        """Recruit every organisation's couriers; stagger their first trips."""
        rng = self.stream("init")
        orgs = self.model.mechanisms["organisations"]
        cap = orgs.capacity()
        rest = self.world.commodity_table["rest_days"]
        free = None
        for o in range(orgs.layout.n):
            new, free = self._recruit(o, int(cap[o]), rng, 0, free=free)
            self.arrays.timer[new] = rng.integers(0, rest[orgs.layout.commodity[o]] + 1, len(new))

    # ------------------------------------------------------------------ the trade

    def agent(self, slot: int) -> Courier:
        """The Mesa agent of the courier in ``slot`` (made on first request, registered with
        the model, removed when the courier leaves the trade).

        Couriers are not made Mesa agents eagerly: at 1e5-1e6 couriers an object per
        courier (about 12 us to make, 11 us to remove, 280 bytes) would cost more than
        the whole day's step. Their state lives in :attr:`arrays`.
        """
        slot = int(slot)
        if self.arrays.state[slot] == CourierState.FREE:
            raise KeyError(f"courier slot {slot} is not in the trade")
        if slot not in self._agents:
            self._agents[slot] = Courier(self.model, self, slot)
        return self._agents[slot]

    def agent_set(self):
        """Every courier in the trade as a Mesa agent (an ``AgentSet``; see :meth:`agent`)."""
        import mesa

        slots = np.flatnonzero(self.arrays.state != CourierState.FREE)
        return mesa.agent.AgentSet([self.agent(i) for i in slots], random=self.model.random)

    def in_trade(self) -> np.ndarray:
        """Mask of slots idle, travelling or returning."""
        s = self.arrays.state
        return ((s == CourierState.IDLE) | (s == CourierState.TRAVELLING)
                | (s == CourierState.RETURNING))

    def _recruit(self, o: int, n: int, rng: np.random.Generator, step: int,
                 propensity: np.ndarray | None = None, free: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Recruit up to ``n`` couriers for organisation ``o`` from its catchment, into the
        lowest free slots. ``propensity`` is the communities' propensity if already computed
        today (it does not depend on how many have been recruited); ``free`` the free slots
        in increasing order, if known. Returns the slots taken and the free slots left."""
        if free is None:
            free = np.flatnonzero(self.arrays.state == CourierState.FREE)
        if n <= 0:
            return np.zeros(0, np.int64), free
        communities = self.model.mechanisms["communities"]
        lay = self.world.organisations
        room = np.maximum(communities.pool - self.members, 0)
        prop = communities.propensity() if propensity is None else propensity
        w = lay.catchment[o] * prop * room
        total = w.sum()
        if total <= 0:
            return np.zeros(0, np.int64), free
        if len(free) < n:
            self._grow(self.arrays.capacity + n)
            free = np.flatnonzero(self.arrays.state == CourierState.FREE)
        c = self.arrays
        slots, free = free[:n], free[n:]
        home = rng.choice(len(w), size=n, p=w / total)
        c.state[slots] = CourierState.IDLE
        c.org[slots] = o
        c.commodity[slots] = lay.commodity[o]
        c.community[slots] = home
        c.cell[slots] = lay.source[o]
        c.timer[slots] = 0
        c.trip_days[slots] = 0
        c.trips[slots] = 0
        np.add.at(self.members, home, 1)
        self.model.events.add(step, "recruitment", lay.source[o], lay.country[o],
                              lay.commodity[o], 0.0, o, slots)
        return slots, free

    def _grow(self, need: int) -> None:
        old = self.arrays
        new = CourierArrays.empty(max(need, 2 * old.capacity))
        for name in old.__dataclass_fields__:
            getattr(new, name)[: old.capacity] = getattr(old, name)
        self.arrays = new
        self.path = np.empty((new.capacity, self.world.max_hops), np.int32)

    def _leave_trade(self, slots: np.ndarray) -> None:
        c = self.arrays
        self.left_trade += len(slots)
        np.add.at(self.members, c.community[slots], -1)
        c.state[slots] = CourierState.FREE
        c.org[slots] = -1
        c.community[slots] = -1
        if self._agents:
            for i in slots:
                agent = self._agents.pop(int(i), None)
                if agent is not None:
                    agent.remove()

    def _release(self, who: np.ndarray) -> None:
        """Released couriers go back to the trade or leave it."""
        if len(who) == 0:
            return
        c, m = self.arrays, self.config.model
        back = self.stream("release").random(len(who)) < m.return_to_trade_prob
        c.state[who[back]] = CourierState.IDLE
        rest = self.world.commodity_table["rest_days"]
        c.timer[who[back]] = rest[c.commodity[who[back]]]
        self._leave_trade(who[~back])

    # ------------------------------------------------------------------ phases

    @phase(DISPATCH)
    def dispatch(self, day) -> None:
        """Couriers whose rest is over load up at their organisation's source; an
        organisation keeps at most ``capacity`` couriers on the road (leaders' reach)."""
        c, w = self.arrays, self.world
        cap = self.model.mechanisms["organisations"].capacity()
        go = self.model.kernels.dispatch_couriers(c.state, c.timer, c.org, cap)
        # one draw from the trips stream every day, even with nobody leaving
        normals = slot_normals(self.stream("trips"), go)
        day.dispatched = go
        if len(go) == 0:
            return
        med = w.commodity_table["load_median"][c.commodity[go]]
        sig = w.commodity_table["load_sigma"][c.commodity[go]]
        scale = self.model.mechanisms["organisations"].load_factor()[c.org[go]]
        c.load[go] = med * scale * np.exp(sig * normals)
        c.state[go] = CourierState.TRAVELLING
        c.cell[go] = w.organisations.source[c.org[go]]
        c.trip_days[go] = 0

    @phase(MOVE)
    def move(self, day) -> None:
        """Travelling couriers follow their organisation's routes for one day (kernel)."""
        c = self.arrays
        orgs = self.model.mechanisms["organisations"]
        base = draw_base(self.stream("move"))
        movers = np.flatnonzero(c.state == CourierState.TRAVELLING).astype(np.int64)
        m = len(movers)
        day.movers = movers
        day.path = self.path[:m]
        day.n_hops = np.zeros(m, np.int32)
        day.arrived = np.zeros(m, np.bool_)
        self.model.kernels.move_couriers(movers, c.cell, c.org, base, orgs.succ,
                                         orgs.succ_hours, orgs.p_first,
                                         float(self.config.model.travel_hours_per_day),
                                         day.path, day.n_hops, day.arrived)

    @phase(SETTLE)
    def settle(self, day) -> None:
        """Couriers stopped by a unit stay where they were stopped; a day on the road."""
        c, movers = self.arrays, day.movers
        rows = np.flatnonzero(day.outcome != 0)  # not PASSED
        c.cell[movers[rows]] = day.path[rows, day.stop_hop[rows]]
        c.trip_days[movers] += 1

    @phase(RESOLVE)
    def resolve(self, day) -> None:
        """Arrested couriers are detained; couriers at a destination deliver, earn their
        community a fee, and head home (off the grid) for as long as the trip took."""
        c, w, m = self.arrays, self.world, self.config.model
        c.state[day.seized] = CourierState.DETAINED
        dl = np.flatnonzero(day.arrived & (day.outcome == 0))  # arrived and PASSED
        who = day.delivered = day.movers[dl]
        today = {f"delivered_{name}": 0.0 for name in w.commodity_names}
        today["trafficker_revenue_usd"] = 0.0
        if len(who):
            price = self.model.mechanisms["organisations"].destination_price()
            revenue = c.load[who] * price[c.commodity[who], w.country[c.cell[who]]]
            for k, name in enumerate(w.commodity_names):
                today[f"delivered_{name}"] = float(c.load[who][c.commodity[who] == k].sum())
            today["trafficker_revenue_usd"] = float(revenue.sum())
            day.fees = np.bincount(c.community[who], weights=m.courier_fee_share * revenue,
                                   minlength=w.n_communities)
            cells = c.cell[who]
            self.model.events.add(day.t, "delivery", cells, w.country[cells], c.commodity[who],
                                  c.load[who], c.org[who], who)
            c.state[who] = CourierState.RETURNING
            c.timer[who] = c.trip_days[who]
            c.trips[who] += 1
        else:
            day.fees = np.zeros(w.n_communities)
        self._today = today

    @phase(CUSTODY)
    def custody(self, day) -> None:
        """Settlements and court decisions take effect (the settled, the uncharged and the
        acquitted are released); sentences run; returning couriers get home."""
        c, d = self.arrays, day.decisions
        self._release(day.settled)
        if len(d.case):
            conv = d.outcome == CONVICTED
            who = d.courier
            c.state[who[conv]] = CourierState.IMPRISONED
            c.timer[who[conv]] = d.sentence_days[conv]
            self._release(who[~conv])
        served, home = self.model.kernels.tick_timers(c.state, c.timer)
        self._release(served)
        c.state[home] = CourierState.IDLE
        c.timer[home] = self.world.commodity_table["rest_days"][c.commodity[home]]

    def _move_between_desks(self, cap: np.ndarray) -> None:
        """A multi-market organisation moves idle couriers from desks above their capacity
        to its desks below it (in slot order); they go to the new desk's source."""
        lay = self.world.organisations
        if not lay.multi.any():
            return
        c = self.arrays
        in_trade = np.bincount(c.org[self.in_trade()], minlength=lay.n)
        surplus, deficit = in_trade - cap, cap - in_trade
        for net in np.flatnonzero(lay.multi):
            desks = np.flatnonzero(lay.network == net)
            givers = [d for d in desks if surplus[d] > 0]
            takers = [d for d in desks if deficit[d] > 0]
            for g in givers:
                idle = np.flatnonzero((c.state == CourierState.IDLE) & (c.org == g))
                idle = idle[: surplus[g]]
                for t in takers:
                    move = idle[: deficit[t]]
                    if len(move) == 0:
                        continue
                    idle = idle[len(move):]
                    deficit[t] -= len(move)
                    c.org[move] = t
                    c.commodity[move] = lay.commodity[t]
                    c.cell[move] = lay.source[t]

    def _vacancies(self, cap: np.ndarray) -> np.ndarray:
        """Couriers each desk may recruit: its capacity less its couriers in the trade; a
        multi-market organisation recruits no more than its total capacity less all its
        couriers (desks still above capacity keep theirs until they move or quit), given
        to its desks in order."""
        lay = self.world.organisations
        in_trade = np.bincount(self.arrays.org[self.in_trade()], minlength=lay.n)
        vacancies = cap - in_trade
        for net in np.flatnonzero(lay.multi):
            desks = np.flatnonzero(lay.network == net)
            room = max(int(cap[desks].sum() - in_trade[desks].sum()), 0)
            for d in desks:
                give = min(max(int(vacancies[d]), 0), room)
                vacancies[d], room = give, room - give
        return vacancies

    @phase(TURNOVER)
    def turnover(self, day) -> None:
        """Idle couriers quit now and then; multi-market organisations move idle couriers
        to the markets they now favour; organisations recruit to fill vacancies."""
        c, m = self.arrays, self.config.model
        rng = self.stream("turnover")
        idle = np.flatnonzero(c.state == CourierState.IDLE)
        self._leave_trade(idle[rng.random(len(idle)) < m.quit_rate_per_day])
        orgs = self.model.mechanisms["organisations"]
        cap = orgs.capacity()
        self._move_between_desks(cap)
        vacancies = self._vacancies(cap)
        recruits = 0
        hiring = np.flatnonzero(vacancies > 0)
        if len(hiring):
            prop = self.model.mechanisms["communities"].propensity()
            catchment = self.world.organisations.catchment
            mean_prop = (catchment * prop).sum(axis=1) / np.maximum(catchment.sum(axis=1),
                                                                    1e-12)
            p = np.minimum(1.0, m.recruitment_rate_per_day * mean_prop)
            free = np.flatnonzero(c.state == CourierState.FREE)
            for o in hiring:
                n = int(rng.binomial(int(vacancies[o]), float(p[o])))
                slots, free = self._recruit(int(o), n, rng, day.t, prop, free)
                recruits += len(slots)
        day.recruits = recruits

    def record(self, day, row: dict) -> None:
        row.update(self._today)
        row["recruits"] = float(day.recruits)
        counts = self.arrays.counts()
        row["couriers_active"] = float(counts[CourierState.IDLE]
                                       + counts[CourierState.TRAVELLING]
                                       + counts[CourierState.RETURNING])
        row["couriers_travelling"] = float(counts[CourierState.TRAVELLING])
        row["couriers_detained"] = float(counts[CourierState.DETAINED])
        row["couriers_imprisoned"] = float(counts[CourierState.IMPRISONED])
        row["route_cells"] = float(day.route_cells)

