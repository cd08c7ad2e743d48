"""Enforcement: border posts and patrols, detection, bribes, escapes, seizures, seizure heat.

Posts stand at the official crossings; patrols walk their country (kernel
:func:`~sim.kernels.movement.move_patrols`), drawn to borders, to the seizure heat they see
(their own, and partners' under intelligence sharing, a reporting delay late) and to pooled
joint-operation zones, and are now and then re-tasked to a seizure area. Detection along
the day's paths (kernel :func:`~sim.kernels.detection.detect_couriers`) combines the
hazards of posts, patrols and community tips; a detecting unit may take a bribe, a detected
courier may escape (more often where pursuit must stop at a border), or is arrested and
its load seized.
"""

from __future__ import annotations

import numpy as np

from sim.agents.border_unit import BorderUnit, UnitArrays
from sim.kernels.detection import ESCAPED, SEIZED
from sim.kernels.streams import draw_base, draw_seeds
from sim.mechanisms.base import DETECT, LEARN, OUTCOMES, PATROL, Mechanism, phase, register
from sim.spatial import disk_cells

MAX_INTEL_DELAY_DAYS = 365
"""Longest reporting delay a lever may set (the schema's bound): seizure-heat increments
are kept this many days for partners who start sharing later."""


@register
class Enforcement(Mechanism):
    """Border units, what they detect, and the seizure heat that guides them."""

    name = "enforcement"
    setup_order = 10.0
    streams = ("init", "patrol", "redeploy", "detect")
    reads = frozenset({"pursuit_bits", "patrol_bits", "joint_border", "joint_focus",
                       "unit_effectiveness", "intel_share", "intel_delay_days",
                       "bribe_acceptance"})
    metrics = ("seized_{c}", "arrests", "bribed_passages", "escapes", "escapes_across_border",
               "tip_seizures")

    def __init__(self, model):
        super().__init__(model)
        w, m = self.world, self.config.model
        layout = w.units
        init = self.stream("init")
        patrol_cells = [init.choice(w.patrol_start_cells(iso), size=cc.patrols, replace=True)
                        for iso, cc in self.config.scenario.countries.items()]
        cells = np.concatenate([layout.post_cell.astype(np.int64), *patrol_cells])
        self.units = UnitArrays(
            kind=layout.kind, country=layout.country, cell=cells.astype(np.int32),
            allowed_bits=(np.int64(1) << layout.country.astype(np.int64)).astype(np.int64))
        self.unit_agents = [BorderUnit(model, self, i) for i in range(len(layout.kind))]
        self.patrol_index = layout.patrols
        self.post_index = layout.posts
        self.patrol_attract_base = np.where(w.land, 1.0 + m.patrol_border_focus * w.border, 0.0)
        self.heat_layers = np.zeros((1, w.n_countries, w.n_cells))
        """Seizure heat per seizing country (decays; patrols are drawn to it): layer 0 as
        it is now, layer ``i > 0`` as it was one reporting delay ago (see
        :attr:`layer_of_delay`)."""
        self.layer_of_delay: dict[int, int] = {0: 0}
        """Layer of :attr:`heat_layers` holding the heat as it was ``d`` days ago."""
        self.intel_active = np.zeros(w.n_countries, dtype=bool)
        """Countries whose seizure heat is non-zero."""
        self.intel_log: dict[int, list[tuple[int, np.ndarray, np.ndarray]]] = {}
        """Seizure-heat increments of the last :data:`MAX_INTEL_DELAY_DAYS` days, by day:
        ``[(seizing country, cells, weights), ...]``."""
        self._allowed_cells: dict[int, np.ndarray] = {}
        """Land cells a patrol may enter, by its allowed-country bits (cache)."""
        self.on_levers(model.levers, set(self.reads))
        self.patrol_hazard = self._patrol_hazard(self.units.cell[self.patrol_index])
        self.patrol_hazard_known = self.patrol_hazard.copy()
        """What organisations know of patrol presence: patrol hazard averaged over the last
        weeks (exponential average at ``risk_memory_decay_per_day``)."""

    # ------------------------------------------------------------------ levers

    def on_levers(self, levers, changed: set[str]) -> None:
        w, m = self.world, self.config.model
        if "pursuit_bits" in changed:
            blocked = w.near_foreign & ~levers.pursuit_bits[np.maximum(w.country, 0)]
            self.escape_across = blocked != 0
            """Cells where pursuit of a fleeing courier would have to stop at a border."""
            self.escape = np.where(self.escape_across, m.escape_across_border_prob,
                                   m.escape_prob)
            """P(escape | detected) per cell."""
        if "patrol_bits" in changed:
            pidx = self.patrol_index
            self.units.allowed_bits[pidx] = levers.patrol_bits[self.units.country[pidx]]
        if "unit_effectiveness" in changed:
            self.post_hazard = self._post_hazard(levers)
        if "bribe_acceptance" in changed:
            self.bribe_prob = np.where(w.core_cell,
                                       levers.bribe_acceptance[np.maximum(w.country, 0)], 0.0)
            """P(a detecting unit accepts a bribe) per cell (0 outside core countries)."""

    def _post_hazard(self, levers) -> np.ndarray:
        """Detection hazard per cell from fixed posts, -log(1 - p) summed over posts."""
        m, posts = self.config.model, self.post_index
        p = np.clip(m.post_detection_prob * levers.unit_effectiveness[posts], 0, 1 - 1e-12)
        return np.bincount(self.units.cell[posts], weights=-np.log1p(-p),
                           minlength=self.world.n_cells)

    def _patrol_hazard(self, pos: np.ndarray) -> np.ndarray:
        """Detection hazard per cell from patrols at ``pos`` (cells, one per patrol)."""
        m = self.config.model
        targets, w = disk_cells(pos, self.world.shape, m.patrol_radius_cells)
        eff = self.model.levers.unit_effectiveness[self.patrol_index]
        p_cell = np.clip(m.patrol_detection_prob * eff, 0, 1 - 1e-12)
        haz = np.broadcast_to(-np.log1p(-p_cell)[:, None], targets.shape)
        ok = targets >= 0
        return np.bincount(targets[ok], weights=haz[ok], minlength=self.world.n_cells)

    # ------------------------------------------------------------------ patrols

    @property
    def intel(self) -> np.ndarray:
        """Seizure heat per seizing country as it is now (C, n_cells; a view)."""
        return self.heat_layers[0]

    @phase(PATROL)
    def patrol(self, day) -> None:
        """Move the patrols, re-task some to seizure areas, update their hazard."""
        m, levers, w = self.config.model, self.model.levers, self.world
        pidx = self.patrol_index
        if len(pidx) == 0:
            return
        kernels = self.model.kernels
        seeds = draw_seeds(self.stream("patrol"), len(pidx))
        redeploy = self.stream("redeploy").random((2, len(pidx)))
        pos = self.units.cell[pidx]
        for k in np.unique(self.units.country[pidx]):
            sel = np.flatnonzero(self.units.country[pidx] == k)
            bits = self.units.allowed_bits[pidx[sel]]
            rows_layer, rows_country = self.heat_rows(int(k))
            if len(rows_layer):  # intelligence-led tasking to a cell of the heat they see
                go = sel[redeploy[0, sel] < m.patrol_redeploy_prob]
                if len(go):
                    kernels.redeploy_patrols(pos, go, redeploy[1, go], self.heat_layers,
                                             rows_layer, rows_country,
                                             self._allowed(int(bits[0])))
            p = pos[sel]
            kernels.move_patrols(p, bits, w.country, self.patrol_attract_base, self.heat_layers,
                                 rows_layer, rows_country, m.patrol_intel_weight,
                                 levers.joint_border, float(levers.joint_focus[k]), seeds[sel],
                                 m.patrol_moves_per_day, w.nx)
            pos[sel] = p
        self.units.cell[pidx] = pos
        self.patrol_hazard = self._patrol_hazard(pos)
        rate = m.risk_memory_decay_per_day
        self.patrol_hazard_known += rate * (self.patrol_hazard - self.patrol_hazard_known)

    def _allowed(self, bits: int) -> np.ndarray:
        """Land cells (flat indices, increasing) a patrol with allowed-country ``bits`` may
        enter."""
        if bits not in self._allowed_cells:
            w = self.world
            mine = (np.int64(1) << np.maximum(w.country, 0).astype(np.int64)) & np.int64(bits)
            self._allowed_cells[bits] = np.flatnonzero((mine != 0) & w.land)
        return self._allowed_cells[bits]

    def heat_rows(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The seizure heat country ``k``'s patrols see, as rows ``(layer, country)`` of
        :attr:`heat_layers` to add up: their own heat now, then each partner's as it was one
        reporting delay ago (empty when they see none)."""
        levers = self.model.levers
        rows = [(0, k)] if self.intel_active[k] else []
        for j in np.flatnonzero(levers.intel_share[k] & self.intel_active):
            if j != k:
                rows.append((self._lagged_layer(int(levers.intel_delay_days[k, j])), int(j)))
        arr = np.array(rows, np.int64).reshape(-1, 2)
        return arr[:, 0].copy(), arr[:, 1].copy()

    def intel_seen(self, k: int) -> np.ndarray | None:
        """Seizure heat country ``k``'s patrols see (a new array; ``None`` when none)."""
        rows_layer, rows_country = self.heat_rows(k)
        if len(rows_layer) == 0:
            return None
        heat = self.heat_layers[rows_layer[0], rows_country[0]].copy()
        for i in range(1, len(rows_layer)):
            heat = heat + self.heat_layers[rows_layer[i], rows_country[i]]
        return heat

    def _lagged_layer(self, delay: int) -> int:
        """Layer of the heat as it was ``delay`` days before the last learning step (built
        from the increment log on first use, then kept up to date in :meth:`learn`)."""
        if delay not in self.layer_of_delay:
            last = self.model.steps - 1  # learning steps done so far: 0 .. steps-1
            decay = 1.0 - self.config.model.risk_memory_decay_per_day
            lag = np.zeros_like(self.intel)
            for day, entries in self.intel_log.items():
                age = last - delay - day
                if age >= 0:
                    for k, cells, w in entries:
                        np.add.at(lag[k], cells, w * decay**age)
            self.layer_of_delay[delay] = len(self.heat_layers)
            self.heat_layers = np.concatenate([self.heat_layers, lag[None]])
        return self.layer_of_delay[delay]

    def _lagged_intel(self, delay: int) -> np.ndarray:
        """Seizure heat per country as it was ``delay`` days ago (C, n_cells; a view)."""
        return self.heat_layers[self._lagged_layer(delay)]

    # ------------------------------------------------------------------ detection

    @phase(DETECT)
    def detect(self, day) -> None:
        """Detection, bribes and escapes along the day's paths; flow is accumulated."""
        couriers = self.model.mechanisms["couriers"]
        c = couriers.arrays
        base = draw_base(self.stream("detect"))
        hazard = self.post_hazard + self.patrol_hazard + day.tip_hazard
        p_detect = np.where(self.world.core_cell, -np.expm1(-hazard), 0.0)
        m = len(day.movers)
        day.outcome = np.zeros(m, np.int8)
        day.stop_hop = np.zeros(m, np.int32)
        day.n_bribes = np.zeros(m, np.int32)
        day.bribe_cell = np.zeros(m, np.int32)
        self.model.kernels.detect_couriers(day.movers, day.path, day.n_hops, base, p_detect,
                                           self.bribe_prob, self.escape, c.load, c.commodity,
                                           day.flow, day.outcome, day.stop_hop, day.n_bribes,
                                           day.bribe_cell)

    @phase(OUTCOMES)
    def outcomes(self, day) -> None:
        """Log bribes, escapes, seizures and arrests; attribute seizures to tips."""
        c, w, t = self.model.mechanisms["couriers"].arrays, self.world, day.t
        events, movers = self.model.events, day.movers
        today = {f"seized_{name}": 0.0 for name in w.commodity_names}
        bribed = np.flatnonzero(day.n_bribes > 0)
        if len(bribed):
            who = movers[bribed]
            cells = day.bribe_cell[bribed]
            events.add(t, "bribe", cells, w.country[cells], c.commodity[who], c.load[who],
                       c.org[who], who)
        esc = np.flatnonzero(day.outcome == ESCAPED)
        who = movers[esc]
        cells = c.cell[who]
        if len(esc):
            events.add(t, "escape", cells, w.country[cells], c.commodity[who], c.load[who],
                       c.org[who], who)
        today["escapes"] = float(len(esc))
        today["escapes_across_border"] = float(np.count_nonzero(self.escape_across[cells]))
        day.seized = who = movers[np.flatnonzero(day.outcome == SEIZED)]
        today["tip_seizures"] = 0.0
        if len(who):
            cells = c.cell[who]
            ctry = w.country[cells]
            events.add(t, "seizure", cells, ctry, c.commodity[who], c.load[who], c.org[who], who)
            events.add(t, "arrest", cells, ctry, c.commodity[who], c.load[who], c.org[who], who)
            for k, name in enumerate(w.commodity_names):
                today[f"seized_{name}"] = float(c.load[who][c.commodity[who] == k].sum())
            tip = day.tip_hazard[cells]
            total = tip + self.post_hazard[cells] + self.patrol_hazard[cells]
            share = np.divide(tip, total, out=np.zeros_like(tip), where=total > 0)
            today["tip_seizures"] = float(share.sum())
        today["arrests"] = float(len(who))
        today["bribed_passages"] = float(day.n_bribes.sum())
        self._today = today

    def record(self, day, row: dict) -> None:
        row.update(self._today)

    # ------------------------------------------------------------------ learning

    @phase(LEARN)
    def learn(self, day) -> None:
        """Seizure heat decays and grows around today's seizures (and its lagged copies)."""
        m, w, t = self.config.model, self.world, day.t
        decay = m.risk_memory_decay_per_day
        active = np.flatnonzero(self.intel_active)  # the other rows of every layer are 0
        for layer in self.layer_of_delay.values():
            for k in active:
                self.heat_layers[layer, k] *= 1.0 - decay
        for delay, layer in self.layer_of_delay.items():
            if delay == 0:
                continue
            for k, cells, wt in self.intel_log.get(t - delay, ()):  # now `delay` days old
                np.add.at(self.heat_layers[layer, k], cells, wt)
        self.intel_log.pop(t - MAX_INTEL_DELAY_DAYS, None)
        if len(day.seized) == 0:
            return
        cells = self.model.mechanisms["couriers"].arrays.cell[day.seized]
        targets, wt = disk_cells(cells, w.shape, w.memory_radius)
        ctry = w.country[cells]
        ok = targets >= 0
        for k in np.unique(ctry):
            sel = ctry == k
            cells_k = targets[sel][ok[sel]]
            w_k = np.broadcast_to(wt, targets[sel].shape)[ok[sel]]
            hit, where = np.unique(cells_k, return_inverse=True)
            self.intel[k, hit] += np.bincount(where, weights=w_k)  # each cell's sum, in order
            self.intel_active[k] = True
            self.intel_log.setdefault(t, []).append((int(k), cells_k.copy(), w_k.copy()))
