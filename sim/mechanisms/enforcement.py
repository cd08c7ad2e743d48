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
        """Seizure heat per seizing country (decays; patrols are drawn to it), divided by
        :attr:`heat_scale`: layer 0 as it is now, layer ``i > 0`` as it was one reporting
        delay ago (see :attr:`layer_of_delay`)."""
        self.heat_scale = np.ones((1, w.n_countries))
        """The heat of layer ``l``, country ``k`` is ``heat_scale[l, k] * heat_layers[l, k]``:
        the daily decay only updates the scale."""
        self._rows_version = 0
        self._rows_cache: tuple = (-1, None)
        self.layer_of_delay: dict[int, int] = {0: 0}
        """Layer of :attr:`heat_layers` holding the heat as it was ``d`` days ago."""
        self.intel_active = np.zeros(w.n_countries, dtype=bool)
        """Countries whose seizure heat is non-zero."""
        self.intel_log: dict[int, list[tuple[int, np.ndarray, np.ndarray]]] = {}
        """Seizure-heat increments of the last :data:`MAX_INTEL_DELAY_DAYS` days, by day:
        ``[(seizing country, cells, weights), ...]``."""
        self._allowed_cells: dict[int, np.ndarray] = {}
        """Land cells a patrol may enter (bool per cell), by its allowed-country bits."""
        self._support = np.zeros(w.n_cells, bool)
        """Cells that have ever had seizure heat (heat decays but never returns to 0)."""
        self._support_version = self._support_cells_version = 0
        self._support_cells = np.zeros(0, np.int64)
        self.hazards = np.zeros((3, w.n_cells))
        """Detection hazard per cell (-log(1 - p) summed over the sources): row 0 from fixed
        posts, row 1 from patrols, row 2 from community tips (today's)."""
        self._patrol_cells = np.zeros(0, np.int64)
        """Cells that had patrol hazard yesterday."""
        self.p_detect = np.zeros(w.n_cells)
        """P(detection) of one passage through each cell, ``1 - exp(-sum of hazards)`` on
        core-country cells (0 elsewhere); kept up to date on the cells whose hazard moved."""
        self._stale = np.arange(w.n_cells)
        """Cells whose detection probability must be recomputed."""
        self.on_levers(model.levers, set(self.reads))
        self._set_patrol_hazard(self.units.cell[self.patrol_index])
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
        if changed & {"intel_share", "intel_delay_days"}:
            self._rows_version += 1
        if "patrol_bits" in changed:
            pidx = self.patrol_index
            self.units.allowed_bits[pidx] = levers.patrol_bits[self.units.country[pidx]]
        if "unit_effectiveness" in changed:
            self.hazards[0] = self._post_hazard(levers)
            self._stale = np.arange(w.n_cells)
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

    @property
    def post_hazard(self) -> np.ndarray:
        """Detection hazard per cell from fixed posts (a view)."""
        return self.hazards[0]

    @property
    def patrol_hazard(self) -> np.ndarray:
        """Detection hazard per cell from patrols where they are now (a view)."""
        return self.hazards[1]

    def _set_patrol_hazard(self, pos: np.ndarray) -> None:
        """Detection hazard per cell from patrols at ``pos`` (cells, one per patrol), summed
        over the patrols covering each cell; only the cells covered change."""
        m = self.config.model
        targets, w = disk_cells(pos, self.world.shape, m.patrol_radius_cells)
        eff = self.model.levers.unit_effectiveness[self.patrol_index]
        p_cell = np.clip(m.patrol_detection_prob * eff, 0, 1 - 1e-12)
        haz = np.broadcast_to(-np.log1p(-p_cell)[:, None], targets.shape)
        ok = targets >= 0
        self.hazards[1, self._patrol_cells] = 0.0
        self._stale = np.concatenate([self._stale, self._patrol_cells, targets[ok]])
        self._patrol_cells = targets[ok]
        np.add.at(self.hazards[1], self._patrol_cells, haz[ok])

    # ------------------------------------------------------------------ patrols

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
        countries = self.units.country[pidx]
        bits = self.units.allowed_bits[pidx]
        rows_start, rows_layer, rows_country = self._row_table()
        rows_scale = self.heat_scale[rows_layer, rows_country]
        # intelligence-led tasking: to a cell of the heat the patrol's country sees
        sees = rows_start[countries.astype(np.int64) + 1] > rows_start[countries]
        go = np.flatnonzero(sees & (redeploy[0] < m.patrol_redeploy_prob))
        if len(go):
            cells_start, cells = self._tasking_cells(countries[go], bits[go])
            kernels.redeploy_patrols(pos, go, redeploy[1, go], countries, self.heat_layers,
                                     rows_start, rows_layer, rows_country, rows_scale,
                                     cells_start, cells)
        kernels.move_patrols(pos, countries, bits, w.country, self.patrol_attract_base,
                             self.heat_layers, rows_start, rows_layer, rows_country, rows_scale,
                             m.patrol_intel_weight, levers.joint_border,
                             levers.joint_focus.astype(np.float64), seeds,
                             m.patrol_moves_per_day, w.nx)
        self.units.cell[pidx] = pos
        self._set_patrol_hazard(pos)
        rate = m.risk_memory_decay_per_day
        self.patrol_hazard_known += rate * (self.patrol_hazard - self.patrol_hazard_known)

    def _row_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The heat each country's patrols see, as a row table of :attr:`heat_layers`:
        country ``k``'s rows are ``rows_start[k] .. rows_start[k+1]-1`` (see
        :meth:`heat_rows`). Rebuilt only when sharing, the countries with heat or the
        layers changed."""
        version, table = self._rows_cache
        if version == self._rows_version:
            return table
        starts, layers, countries = [0], [], []
        for k in range(self.world.n_countries):
            rows_layer, rows_country = self.heat_rows(k)
            layers.append(rows_layer)
            countries.append(rows_country)
            starts.append(starts[-1] + len(rows_layer))
        table = (np.array(starts, np.int64), np.concatenate(layers).astype(np.int64),
                 np.concatenate(countries).astype(np.int64))
        self._rows_cache = (self._rows_version, table)
        return table

    def _tasking_cells(self, countries: np.ndarray, bits: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
        """Per country of the re-tasked patrols, the cells they may be sent to: the cells of
        their allowed countries that have ever had seizure heat (the others have none), as
        ``(starts, cells)`` over country indices."""
        if self._support_version != self._support_cells_version:
            self._support_cells = np.flatnonzero(self._support)
            self._support_cells_version = self._support_version
        support = self._support_cells
        parts = {}
        for k, b in zip(countries, bits, strict=True):
            if int(k) not in parts:
                parts[int(k)] = support[self._allowed_mask(int(b))[support]]
        starts, chunks = [0], []
        for k in range(self.world.n_countries):
            chunk = parts.get(k, np.zeros(0, np.int64))
            chunks.append(chunk)
            starts.append(starts[-1] + len(chunk))
        return np.array(starts, np.int64), np.concatenate(chunks).astype(np.int64)

    def _allowed_mask(self, bits: int) -> np.ndarray:
        """Land cells a patrol with allowed-country ``bits`` may enter (bool per cell)."""
        if bits not in self._allowed_cells:
            w = self.world
            mine = (np.int64(1) << np.maximum(w.country, 0).astype(np.int64)) & np.int64(bits)
            self._allowed_cells[bits] = (mine != 0) & w.land
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
        heat = self._layer_heat(rows_layer[0], rows_country[0])
        for i in range(1, len(rows_layer)):
            heat = heat + self._layer_heat(rows_layer[i], rows_country[i])
        return heat

    def _layer_heat(self, layer: int, k: int) -> np.ndarray:
        return self.heat_scale[layer, k] * self.heat_layers[layer, k]

    @property
    def intel(self) -> np.ndarray:
        """Seizure heat per seizing country as it is now (C, n_cells; a new array)."""
        return self.heat_scale[0][:, None] * self.heat_layers[0]

    def _lagged_layer(self, delay: int) -> int:
        """Layer of the heat as it was ``delay`` days before the last learning step (built
        from the increment log on first use, then kept up to date in :meth:`learn`)."""
        if delay not in self.layer_of_delay:
            last = self.model.steps - 1  # learning steps done so far: 0 .. steps-1
            decay = 1.0 - self.config.model.risk_memory_decay_per_day
            lag = np.zeros(self.heat_layers.shape[1:])
            for day, entries in self.intel_log.items():
                age = last - delay - day
                if age >= 0:
                    for k, cells, w in entries:
                        np.add.at(lag[k], cells, w * decay**age)
            self.layer_of_delay[delay] = len(self.heat_layers)
            self.heat_layers = np.concatenate([self.heat_layers, lag[None]])
            self.heat_scale = np.concatenate([self.heat_scale,
                                              np.ones((1, lag.shape[0]))])
            self._rows_version += 1
        return self.layer_of_delay[delay]

    def _lagged_intel(self, delay: int) -> np.ndarray:
        """Seizure heat per country as it was ``delay`` days ago (C, n_cells; a new array)."""
        layer = self._lagged_layer(delay)
        return self.heat_scale[layer][:, None] * self.heat_layers[layer]

    # ------------------------------------------------------------------ detection

    @phase(DETECT)
    def detect(self, day) -> None:
        """Detection, bribes and escapes along the day's paths; flow is accumulated."""
        couriers = self.model.mechanisms["couriers"]
        c, w = couriers.arrays, self.world
        base = draw_base(self.stream("detect"))
        self.hazards[2, w.tip_unique] = day.tip_hazard
        stale = np.concatenate([self._stale, w.tip_unique])  # repeats are harmless
        hazard = self.hazards[0, stale] + self.hazards[1, stale] + self.hazards[2, stale]
        self.p_detect[stale] = np.where(w.core_cell[stale], -np.expm1(-hazard), 0.0)
        self._stale = np.zeros(0, np.int64)
        m = len(day.movers)
        day.outcome = np.zeros(m, np.int8)
        day.stop_hop = np.zeros(m, np.int32)
        day.n_bribes = np.zeros(m, np.int32)
        day.bribe_cell = np.zeros(m, np.int32)
        day.route_cells = self.model.kernels.detect_couriers(
            day.movers, day.path, day.n_hops, base, self.p_detect, self.bribe_prob,
            self.escape, c.load, c.commodity, w.country, self.model.levers.detection_focus,
            couriers.flow, couriers.flow_stamp, day.t, day.outcome, day.stop_hop,
            day.n_bribes, day.bribe_cell)

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
            tip = self.hazards[2, cells]
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
        active = np.flatnonzero(self.intel_active)  # the other rows of every layer are 0
        self.heat_scale[:, active] *= 1.0 - m.risk_memory_decay_per_day
        small = np.argwhere(self.heat_scale < 1e-150)  # fold a scale in before it underflows
        for layer, k in small:
            self.heat_layers[layer, k] *= self.heat_scale[layer, k]
            self.heat_scale[layer, k] = 1.0
        for delay, layer in self.layer_of_delay.items():
            if delay == 0:
                continue
            for k, cells, wt in self.intel_log.get(t - delay, ()):  # now `delay` days old
                np.add.at(self.heat_layers[layer, k], cells, wt / self.heat_scale[layer, k])
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
            self.add_heat(int(k), cells_k, w_k)
            self.intel_log.setdefault(t, []).append((int(k), cells_k.copy(), w_k.copy()))

    def add_heat(self, k: int, cells: np.ndarray, weights: np.ndarray) -> None:
        """Add seizure heat ``weights`` at ``cells`` to country ``k``'s current heat (each
        cell's weights summed in order first)."""
        hit, where = np.unique(cells, return_inverse=True)
        self.heat_layers[0, k, hit] += np.bincount(where, weights=weights) / self.heat_scale[0, k]
        self._support[hit] = True
        self._support_version += 1
        if not self.intel_active[k]:
            self.intel_active[k] = True
            self._rows_version += 1
