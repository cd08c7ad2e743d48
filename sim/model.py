"""TraffickingModel: couriers, border units, communities and courts on a regional grid.

One step is one day (days are numbered from 1), in the fixed order of DESIGN.md §2 and
docs/ODD.md: policies in force set the levers -> organisations replace lost leaders, plan
routes and dispatch trips -> couriers move (kernel) -> units patrol, are re-tasked and
detect (kernels) -> seizures, arrests, escapes, bribes, deliveries -> task forces reach
leaders; policy actions and costs -> justice queues advance -> communities update (trust,
recruitment, quitting) -> organisations learn -> metrics are recorded. The model is a
function of a :class:`~sim.config.ModelConfig` and a seed: it never reads user files,
imports Hydra or touches global random state.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import mesa
import numpy as np
from scipy import ndimage

from sim.agents import (
    BorderUnit,
    Community,
    CommunityArrays,
    Courier,
    CourierArrays,
    CourierState,
    Organisation,
    UnitArrays,
)
from sim.agents.border_unit import PATROL, POST
from sim.config import ConfigError, ModelConfig, make_config, replace
from sim.justice import CONVICTED, JusticeSystem
from sim.kernels import get_kernels
from sim.kernels.detection import ESCAPED, PASSED, SEIZED
from sim.kernels.grid8 import DCOL, DROW
from sim.kernels.streams import draw_seeds, slot_normals, slot_seeds
from sim.metrics import METRICS, EventLog, daily_names, metric_names
from sim.policies import Levers
from sim.policies.schedule import PolicySchedule
from sim.region import build_region
from sim.region.grid import SETTLEMENT_ROLES, RegionGrid
from sim.spatial import disk_cells, km_to_cells, near_country_bits

STREAMS = ("init", "move", "detect", "patrol", "trips", "justice", "communities", "leaders",
           "redeploy")
"""Independent child streams of the model generator, one per process. For common random
numbers between policies, the move, detect, trips, patrol and redeploy streams take the
same number of draws every day whatever happens, and courier draws are hashed per slot
(:func:`~sim.kernels.streams.slot_seeds`); the justice, communities and leaders streams
take one draw per case, courier or arrest, so they align only while those counts agree."""


def _reporter(name: str, model: TraffickingModel) -> float:
    """DataCollector reporter for metric ``name`` (a named function keeps models picklable)."""
    return model.latest[name]


class TraffickingModel(mesa.Model):
    """Agent-based model of trafficking routes, enforcement, communities and courts.

    Parameters
    ----------
    config : ModelConfig, optional
        Full validated configuration. Default: the shipped ``scenario``.
    rng : int or numpy.random.Generator, optional
        Seed or generator; default ``config.seed``. An integer also becomes ``config.seed``.
    scenario : str, optional
        Name of a shipped scenario, used when ``config`` is not given
        (default ``"west_africa"``).
    region : RegionGrid, optional
        Pre-built region (default: built from the config, memoised).
    **overrides
        Dotted config paths and values, e.g. ``**{"model.route_noise": 0.5}`` or
        ``steps=30``; this is how :func:`mesa.batch_run` varies parameters.

    Raises
    ------
    ConfigError
        For any invalid value, before anything is simulated.
    """

    def __init__(self, config: ModelConfig | None = None, *, rng: Any = None,
                 scenario: str | None = None, region: RegionGrid | None = None,
                 **overrides: Any):
        if config is None:
            config = make_config(scenario or "west_africa")
        elif scenario is not None and scenario != config.scenario.name:
            raise ConfigError(f"scenario = {scenario!r} conflicts with config.scenario.name = "
                              f"{config.scenario.name!r}: pass one or the other")
        if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
            overrides["seed"] = int(rng)
        if overrides:
            config = replace(config, **overrides)
        super().__init__(rng=config.seed if rng is None else rng)
        self.config = config
        sc = config.scenario
        self.region = region if region is not None else build_region(sc.region, sc.cell_km)
        self.kernels = get_kernels(config.engine)
        self.streams = dict(zip(STREAMS, self.rng.spawn(len(STREAMS)), strict=True))
        self.commodity_names = tuple(sc.commodities)
        self.commodities = tuple(sc.commodities[c] for c in self.commodity_names)
        self.commodity_table = {
            name: np.array([getattr(k, name) for k in self.commodities])
            for name in ("load_median", "load_sigma", "value_at_source_usd",
                         "value_at_destination_usd", "penalty_weight", "rest_days",
                         "livelihood_goods")}
        """Per-commodity parameters as arrays indexed by commodity (built once)."""
        self.events = EventLog()
        self.left_trade = 0
        """Couriers who have left the trade (quit, or not returning after release)."""
        self._validate_sites()
        self._build_layers()
        self._build_units()
        self._build_communities()
        self._build_organisations()
        self._build_couriers()
        self.justice = self._build_justice()
        self.intel_log: dict[int, list[tuple[int, np.ndarray, np.ndarray]]] = {}
        """Seizure-heat increments by day: [(seizing country, cells, weights), ...]."""
        self.intel_lagged: dict[int, np.ndarray] = {}
        """Seizure heat as it was ``d`` days ago, per reporting delay ``d`` in use."""
        self.leader_hit_prob = np.zeros((self.n_countries, len(self.commodities)))
        self.policies = PolicySchedule(config.policy, self)
        self.flow = np.zeros((len(self.commodities), self.n_cells))
        self.flow_today = np.zeros_like(self.flow)
        self.totals = {name: 0.0 for name in daily_names(self.commodity_names)}
        self.latest = {name: 0.0 for name in metric_names(self.commodity_names)}
        self.datacollector = mesa.DataCollector(model_reporters={
            name: partial(_reporter, name) for name in metric_names(self.commodity_names)})
        self.running = config.steps > 0

    # ------------------------------------------------------------------ construction

    def _validate_sites(self) -> None:
        """Check every site a commodity names exists (ConfigError naming the field)."""
        known = {s.name for s in self.region.sites} | {c.name for c in self.region.crossings}
        for cname, com in zip(self.commodity_names, self.commodities, strict=True):
            for fld in ("sources", "destinations"):
                for i, name in enumerate(getattr(com, fld)):
                    if name not in known:
                        raise ConfigError(
                            f"scenario.commodities.{cname}.{fld}[{i}] = {name!r} is not allowed: "
                            f"must be a site of region {self.region.name!r}: "
                            f"{', '.join(sorted(known))}")
        core = {c for c, k in zip(self.region.countries, self.region.core, strict=True) if k}
        given = set(self.config.scenario.countries)
        if given != core:
            extra, missing = sorted(given - core), sorted(core - given)
            bad = extra[0] if extra else missing[0]
            raise ConfigError(
                f"scenario.countries.{bad} is not allowed: scenario.countries must list exactly "
                f"the core countries of region {self.region.name!r}: {', '.join(sorted(core))}")

    def _build_layers(self) -> None:
        reg, cfg, m = self.region, self.config.scenario, self.config.model
        self.n_cells = reg.n_cells
        self.nx = reg.shape[1]
        self.country = reg.country.ravel().astype(np.int16)
        self.land = self.country >= 0
        self.n_countries = len(reg.countries)
        self.core_country = np.asarray(reg.core, bool)
        self.core_cell = self.land & self.core_country[np.maximum(self.country, 0)]
        corridor = reg.corridor.ravel()
        self.border = reg.border.ravel()
        self.armed = reg.armed_group.ravel().astype(np.float64)
        hours = np.where(corridor, cfg.cell_km / m.road_speed_kmh,
                         cfg.cell_km / m.offroad_speed_kmh)
        self.cell_hours = np.where(self.land, hours, np.inf)
        if np.sqrt(2) * hours.max() > m.travel_hours_per_day:
            raise ConfigError(
                f"model.travel_hours_per_day = {m.travel_hours_per_day!r} is not allowed: must "
                f"be at least {np.sqrt(2) * hours.max():.2f} h to cross one {cfg.cell_km:g} km "
                f"cell off-road at model.offroad_speed_kmh = {m.offroad_speed_kmh:g}")
        self.max_hops = int(math.floor(m.travel_hours_per_day / hours.min())) + 1
        # per-country parameters as arrays over country indices (0 for context countries)
        c = self.n_countries
        self.penalty_years = np.zeros(c)
        self.conviction_rate = np.zeros(c)
        self.bribe_acceptance = np.zeros(c)
        court = np.zeros(c)
        for iso, cc in cfg.countries.items():
            k = reg.country_index(iso)
            self.penalty_years[k] = cc.penalty_years
            self.conviction_rate[k] = cc.conviction_rate
            self.bribe_acceptance[k] = cc.bribe_acceptance
            court[k] = cc.court_cases_per_day
        self.court_capacity = court
        self.bribe_prob = np.where(self.core_cell,
                                   self.bribe_acceptance[np.maximum(self.country, 0)],
                                   0.0)
        # pursuit: a unit may follow a fleeing courier into countries set in pursuit_bits
        pursuit_cells = km_to_cells(m.pursuit_distance_km, cfg.cell_km)
        self.near_foreign = near_country_bits(reg.country, pursuit_cells).ravel()
        self.pursuit_bits = (np.int64(1) << np.arange(c, dtype=np.int64)).astype(np.int64)
        """pursuit_bits[a]: bit b set when country a's units may pursue into country b."""
        self.update_escape()
        self.memory_radius = km_to_cells(m.risk_memory_radius_km, cfg.cell_km)
        self.community_radius = km_to_cells(m.community_radius_km, cfg.cell_km)
        self.tip_radius = km_to_cells(m.tip_radius_km, cfg.cell_km)

    def _build_units(self) -> None:
        reg, cfg, m = self.region, self.config.scenario, self.config.model
        kind, country, cell, crossing = [], [], [], []
        ny, nx = reg.shape
        for xi, x in enumerate(reg.crossings):
            a, b = reg.country_index(x.country_a), reg.country_index(x.country_b)
            sides = [(a, x.cell)]
            row, col = divmod(x.cell, nx)
            for k in range(8):  # the neighbour's side of the crossing: first adjacent cell
                r, cc = row + DROW[k], col + DCOL[k]
                if 0 <= r < ny and 0 <= cc < nx and self.country[r * nx + cc] == b:
                    sides.append((b, int(r * nx + cc)))
                    break
            for k_country, k_cell in sides:
                iso = reg.countries[k_country]
                if iso in cfg.countries and cfg.countries[iso].border_posts:
                    kind.append(POST)
                    country.append(k_country)
                    cell.append(k_cell)
                    crossing.append(xi)
        init = self.streams["init"]
        for iso, cc in cfg.countries.items():
            k = reg.country_index(iso)
            candidates = np.flatnonzero((self.country == k) & self.border)
            if len(candidates) == 0:
                candidates = np.flatnonzero(self.country == k)
            start = init.choice(candidates, size=cc.patrols, replace=True)
            kind += [PATROL] * cc.patrols
            country += [k] * cc.patrols
            cell += start.tolist()
            crossing += [-1] * cc.patrols
        country_arr = np.asarray(country, np.int16)
        self.units = UnitArrays(
            kind=np.asarray(kind, np.int8), country=country_arr,
            cell=np.asarray(cell, np.int32),
            allowed_bits=(np.int64(1) << country_arr.astype(np.int64)).astype(np.int64),
            effectiveness=np.ones(len(kind)))
        self.post_crossing = np.asarray(crossing, np.int64)
        """Crossing index of each post (-1 for patrols)."""
        self.unit_agents = [BorderUnit(self, i) for i in range(len(kind))]
        self.patrol_index = self.units.patrols
        self.patrol_attract_base = 1.0 + m.patrol_border_focus * self.border
        self.patrol_attract_base = np.where(self.land, self.patrol_attract_base, 0.0)
        self.intel = np.zeros((self.n_countries, self.n_cells))
        """Seizure heat per seizing country (decays); patrols are drawn to it."""
        self.intel_active = np.zeros(self.n_countries, dtype=bool)
        """Countries whose seizure heat is non-zero."""
        self._allowed_cells: dict[int, np.ndarray] = {}
        """Land cells (flat indices) a patrol may enter, by its allowed-country bits (cache)."""
        self.intel_share = np.eye(self.n_countries, dtype=bool)
        """intel_share[k, j]: country k's patrols see country j's seizure heat."""
        self.intel_delay_days = np.zeros((self.n_countries, self.n_countries), np.int64)
        """Days before country j's seizure heat reaches country k's patrols."""
        self.joint_border = np.zeros(self.n_cells, bool)
        self.joint_focus = np.zeros(self.n_countries)
        self.post_hazard = self._post_hazard()
        self.patrol_hazard = self._patrol_hazard(self.units.cell[self.patrol_index])
        self.patrol_hazard_known = self.patrol_hazard.copy()
        """What organisations know of patrol presence: patrol hazard averaged over the
        last weeks (exponential average at ``risk_memory_decay_per_day``)."""

    def _post_hazard(self) -> np.ndarray:
        """Detection hazard per cell from fixed posts, -log(1 - p) summed over posts."""
        m = self.config.model
        posts = self.units.posts
        p = np.clip(m.post_detection_prob * self.units.effectiveness[posts], 0, 1 - 1e-12)
        return np.bincount(self.units.cell[posts], weights=-np.log1p(-p), minlength=self.n_cells)

    def _build_communities(self) -> None:
        reg, cfg = self.region, self.config.scenario
        sites = [s for s in reg.sites
                 if s.role in SETTLEMENT_ROLES and s.country in cfg.countries]
        self.community_names = tuple(s.name for s in sites)
        country = np.array([reg.country_index(s.country) for s in sites], np.int16)
        livelihood = np.array([cfg.countries[s.country].livelihood for s in sites])
        trust = np.array([cfg.countries[s.country].trust for s in sites])
        k = len(sites)
        self.communities = CommunityArrays(
            cell=np.array([s.cell for s in sites], np.int32), country=country,
            pool=np.full(k, float(cfg.recruitable_per_settlement)),
            livelihood=livelihood.copy(), livelihood_base=livelihood.copy(),
            trust=trust.copy(), trust_target=trust.copy(),
            members=np.zeros(k, np.int32), earnings=np.zeros(k))
        self.community_agents = [Community(self, i, s.name) for i, s in enumerate(sites)]
        self.community_cells, w = disk_cells(self.communities.cell, reg.shape,
                                             self.community_radius)
        self.community_weight = w
        self.tip_cells, self.tip_weight = disk_cells(self.communities.cell, reg.shape,
                                                     self.tip_radius)

    def _build_organisations(self) -> None:
        reg, m = self.region, self.config.model
        orgs, targets = [], []
        for ci, com in enumerate(self.commodities):
            dest = np.unique([reg.site(d).cell for d in com.destinations]).astype(np.int64)
            for j in range(com.organisations):
                src = reg.site(com.sources[j % len(com.sources)])
                org = Organisation(self, len(orgs), ci, src.cell, reg.country_index(src.country),
                                   com.couriers_per_organisation, m.leaders_per_organisation,
                                   self.n_cells)
                orgs.append(org)
                targets.append(dest)
        self.organisations = orgs
        self.org_targets = targets
        self._windows: dict[int, tuple[tuple[int, int, int, int], np.ndarray]] = {}
        """Route window (bounding box, cell mask) per organisation (cache)."""
        n_orgs = len(orgs)
        self.succ = np.empty((n_orgs, self.n_cells, 2), np.int32)
        self.succ_hours = np.empty((n_orgs, self.n_cells, 2), np.float32)
        self.p_first = np.empty((n_orgs, self.n_cells), np.float32)
        self.org_source = np.array([o.source_cell for o in orgs], np.int32)
        # recruitment catchment: communities of the source country, nearer ones weighted up
        lon, lat = reg.cell_center(self.communities.cell)
        comm_country = self.communities.country
        self.org_catchment = np.zeros((n_orgs, len(self.community_agents)))
        for o in orgs:
            olon, olat = reg.cell_center(o.source_cell)
            d_km = _km(olon, olat, lon, lat)
            w = 1.0 / (1.0 + (d_km / max(self.config.model.community_radius_km, 1.0)) ** 2)
            same = comm_country == o.country
            if not same.any():  # source in a context country: recruit from the nearest core
                same = d_km <= d_km.min() + 1e-9
            self.org_catchment[o.index] = np.where(same, w, 0.0)
        for o in orgs:
            self._plan(o, 0)
            # stagger later re-planning so organisations do not all replan on the same day
            o.last_plan = -(o.index % m.replan_interval_days)
            src_cost = self.succ[o.index, o.source_cell, 0]
            if src_cost == -1:
                com_name = self.commodity_names[o.commodity]
                raise ConfigError(
                    f"scenario.commodities.{com_name}.sources = "
                    f"{self.commodities[o.commodity].sources!r} is not allowed: source cell of "
                    f"organisation {o.index} cannot reach any destination over land")

    def _build_couriers(self) -> None:
        total = sum(o.base_capacity for o in self.organisations)
        self.couriers = CourierArrays.empty(max(2 * total, 16))
        self.courier_agents: dict[int, Courier] = {}
        self.path = np.empty((self.couriers.capacity, self.max_hops), np.int32)
        rng = self.streams["init"]
        for o in self.organisations:
            new = self._recruit(o, o.capacity, rng, step=0)
            com = self.commodities[o.commodity]
            self.couriers.timer[new] = rng.integers(0, com.rest_days + 1, len(new))

    def _build_justice(self) -> JusticeSystem:
        m = self.config.model
        evidence = np.full(self.n_countries, m.charge_prob)
        mla = np.full((self.n_countries, self.n_countries), m.mla_delay_days, np.int64)
        np.fill_diagonal(mla, 0)
        return JusticeSystem(self.n_countries, self.court_capacity, self.conviction_rate,
                             self.penalty_years, evidence, m.investigation_days, mla,
                             m.sentence_fraction, m.court_feedback)

    # ------------------------------------------------------------------ helpers

    def _load_value(self, commodity: int) -> float:
        com = self.commodities[commodity]
        return com.load_median * com.value_at_source_usd

    def route_cost(self, org: Organisation) -> np.ndarray:
        """Expected cost (USD) of entering each cell for ``org``'s couriers.

        travel time x value of time + perceived detection x (expected loss of load and
        legal exposure, or the bribe) + armed-group toll; ``inf`` off land.
        """
        m = self.config.model
        com = self.commodities[org.commodity]
        value = self._load_value(org.commodity)
        ctry = np.maximum(self.country, 0)
        legal = (m.prison_year_cost_usd * self.penalty_years * m.sentence_fraction
                 * com.penalty_weight * self.justice_evidence() * self.conviction_rate)[ctry]
        p_known = -np.expm1(-(self.post_hazard + self.patrol_hazard_known))
        p = np.minimum(p_known + org.risk_memory, 1.0)
        escape = self.escape
        caught = (1.0 - self.bribe_prob) * (1.0 - escape) * (value + legal)
        bribed = self.bribe_prob * m.bribe_share * value
        cost = (com.value_of_time_usd_per_hour * self.cell_hours
                + m.risk_aversion * p * (caught + bribed)
                + m.armed_toll_share * self.armed * value)
        # a small floor keeps every step strictly costly (routes always go downhill)
        cost = cost + 1e-6 * (1.0 + value) * self.cell_hours
        return np.where(self.land, cost, np.inf)

    def justice_evidence(self) -> np.ndarray:
        """Current P(charge) per country (evidence quality)."""
        if hasattr(self, "justice"):
            return self.justice.evidence
        return np.full(self.n_countries, self.config.model.charge_prob)

    def update_escape(self) -> None:
        """Recompute :attr:`escape` after :attr:`pursuit_bits` changed."""
        m = self.config.model
        blocked = self.near_foreign & ~self.pursuit_bits[np.maximum(self.country, 0)]
        self.escape_across = blocked != 0
        self.escape = np.where(self.escape_across, m.escape_across_border_prob, m.escape_prob)
        """P(escape | detected) per cell: high where pursuit would have to stop at a border."""

    def border_distance_km(self, cells: np.ndarray) -> np.ndarray:
        """Distance (km) from each of ``cells`` to the nearest land border cell."""
        if not hasattr(self, "_border_km"):
            far = ~self.border.reshape(self.region.shape)
            self._border_km = (ndimage.distance_transform_edt(far).ravel()
                               * self.config.scenario.cell_km)
        return self._border_km[cells]

    # ------------------------------------------------------------------ policy levers

    def current_levers(self) -> Levers:
        """The model's current lever values (a copy)."""
        units, comm, j = self.units, self.communities, self.justice
        own = np.int64(1) << np.arange(self.n_countries, dtype=np.int64)
        patrol_bits = own.copy()
        pidx = self.patrol_index
        if len(pidx):
            patrol_bits[units.country[pidx]] = units.allowed_bits[pidx]
        return Levers(
            pursuit_bits=self.pursuit_bits.copy(), patrol_bits=patrol_bits,
            joint_border=self.joint_border.copy(), joint_focus=self.joint_focus.copy(),
            unit_effectiveness=units.effectiveness.copy(),
            intel_share=self.intel_share.copy(), intel_delay_days=self.intel_delay_days.copy(),
            penalty_years=self.penalty_years.copy(), conviction_rate=self.conviction_rate.copy(),
            bribe_acceptance=self.bribe_acceptance.copy(),
            court_cases_per_day=j.capacity_per_day.copy(), court_feedback=j.court_feedback.copy(),
            mla_delay_days=j.mla_delay_days.copy(), livelihood=comm.livelihood.copy(),
            trust_target=comm.trust_target.copy(), leader_hit_prob=self.leader_hit_prob.copy())

    def set_levers(self, lv: Levers, changed: set[str]) -> None:
        """Put lever values into the model and refresh what depends on them.

        Parameters
        ----------
        lv : Levers
            New values (the model keeps its own copies).
        changed : set of str
            Names of the levers that differ from the current values.
        """
        units, comm, j = self.units, self.communities, self.justice
        if "pursuit_bits" in changed:
            self.pursuit_bits = lv.pursuit_bits.copy()
            self.update_escape()
        if "patrol_bits" in changed:
            pidx = self.patrol_index
            units.allowed_bits[pidx] = lv.patrol_bits[units.country[pidx]]
        self.joint_border = lv.joint_border.copy()
        self.joint_focus = lv.joint_focus.copy()
        if "unit_effectiveness" in changed:
            units.effectiveness[:] = lv.unit_effectiveness
            self.post_hazard = self._post_hazard()
        self.intel_share = lv.intel_share.copy()
        self.intel_delay_days = lv.intel_delay_days.copy()
        self.penalty_years[:] = lv.penalty_years
        self.conviction_rate[:] = lv.conviction_rate
        j.penalty_years[:] = lv.penalty_years
        j.conviction_rate[:] = lv.conviction_rate
        if "bribe_acceptance" in changed:
            self.bribe_acceptance[:] = lv.bribe_acceptance
            self.bribe_prob = np.where(
                self.core_cell, self.bribe_acceptance[np.maximum(self.country, 0)], 0.0)
        j.capacity_per_day[:] = lv.court_cases_per_day
        j.court_feedback[:] = lv.court_feedback
        j.mla_delay_days[:] = lv.mla_delay_days
        comm.livelihood[:] = lv.livelihood
        comm.trust_target[:] = lv.trust_target
        self.leader_hit_prob[:] = lv.leader_hit_prob

    def _plan(self, org: Organisation, step: int) -> None:
        org.decay_memory(step, self.config.model.risk_memory_decay_per_day)
        o = org.index
        required = np.array([org.source_cell], np.int64)
        if hasattr(self, "couriers"):
            c = self.couriers
            on_road = (c.state == CourierState.TRAVELLING) & (c.org == o)
            required = np.union1d(required, c.cell[on_road]).astype(np.int64)
        cost = self.route_cost(org)
        window = self._route_window(org, required)
        if window is not None:
            cost = np.where(window, cost, np.inf)
        org.plan(self.kernels, cost, self.cell_hours, self.nx,
                 self.org_targets[o], required, self.config.model.route_noise, self.succ[o],
                 self.succ_hours[o], self.p_first[o], step)

    def _route_window(self, org: Organisation, required: np.ndarray) -> np.ndarray | None:
        """Cells an organisation's routes may use: the bounding box of its source, its
        destinations and its couriers on the road, widened by ``route_window_km`` on each
        side (``None`` = the whole grid, when ``route_window_km`` is 0)."""
        m, reg = self.config.model, self.region
        if m.route_window_km <= 0:
            return None
        cells = np.concatenate([self.org_targets[org.index], required])
        rows, cols = np.divmod(cells, self.nx)
        margin = km_to_cells(m.route_window_km, self.config.scenario.cell_km)
        ny, nx = reg.shape
        box = (max(int(rows.min()) - margin, 0), min(int(rows.max()) + margin, ny - 1),
               max(int(cols.min()) - margin, 0), min(int(cols.max()) + margin, nx - 1))
        if self._windows.get(org.index, (None,))[0] != box:
            mask = np.zeros((ny, nx), bool)
            mask[box[0]: box[1] + 1, box[2]: box[3] + 1] = True
            self._windows[org.index] = (box, mask.ravel())
        return self._windows[org.index][1]

    def _active_mask(self) -> np.ndarray:
        s = self.couriers.state
        return ((s == CourierState.IDLE) | (s == CourierState.TRAVELLING)
                | (s == CourierState.RETURNING))

    def _recruit(self, org: Organisation, n: int, rng: np.random.Generator,
                 step: int, propensity: np.ndarray | None = None) -> np.ndarray:
        """Recruit up to ``n`` couriers for ``org`` from its catchment; returns slot ids.

        ``propensity`` is :meth:`propensity` if already computed today (it does not depend
        on how many have been recruited)."""
        if n <= 0:
            return np.zeros(0, np.int64)
        comm = self.communities
        room = np.maximum(comm.pool - comm.members, 0)
        prop = self.propensity() if propensity is None else propensity
        w = self.org_catchment[org.index] * prop * room
        if w.sum() <= 0:
            return np.zeros(0, np.int64)
        free = np.flatnonzero(self.couriers.state == CourierState.FREE)
        if len(free) < n:
            self._grow_couriers(self.couriers.capacity + n)
            free = np.flatnonzero(self.couriers.state == CourierState.FREE)
        slots = free[:n]
        home = rng.choice(len(w), size=n, p=w / w.sum())
        c = self.couriers
        c.state[slots] = CourierState.IDLE
        c.org[slots] = org.index
        c.commodity[slots] = org.commodity
        c.community[slots] = home
        c.cell[slots] = org.source_cell
        c.timer[slots] = 0
        c.trip_days[slots] = 0
        c.trips[slots] = 0
        np.add.at(comm.members, home, 1)
        for i in slots:
            self.courier_agents[int(i)] = Courier(self, int(i))
        self.events.add(step, "recruitment", org.source_cell, org.country, org.commodity,
                        0.0, org.index, slots)
        return slots

    def _grow_couriers(self, need: int) -> None:
        old = self.couriers
        new = CourierArrays.empty(max(need, 2 * old.capacity))
        for name in old.__dataclass_fields__:
            getattr(new, name)[: old.capacity] = getattr(old, name)
        self.couriers = new
        self.path = np.empty((new.capacity, self.max_hops), np.int32)

    def _leave_trade(self, slots: np.ndarray) -> None:
        c = self.couriers
        self.left_trade += len(slots)
        np.add.at(self.communities.members, c.community[slots], -1)
        c.state[slots] = CourierState.FREE
        c.org[slots] = -1
        c.community[slots] = -1
        for i in slots:
            self.courier_agents.pop(int(i)).remove()

    def propensity(self) -> np.ndarray:
        """Recruitment propensity per community in [0, 2]: poverty, distrust, nearby profit."""
        comm, m = self.communities, self.config.model
        income = np.maximum(comm.pool * m.legal_income_usd_per_day, 1e-9)
        profit = np.minimum(comm.earnings / income, 1.0)
        return (1.0 - comm.livelihood) * (1.0 - 0.5 * comm.trust) * (1.0 + profit)

    # ------------------------------------------------------------------ the daily step

    def step(self) -> None:
        """Advance one day (see the module docstring for the order)."""
        t = self.steps
        today = {name: 0.0 for name in self.totals}
        self.policies.update(self, t)
        self._replace_leaders(t)
        self._plan_routes(t)
        self._dispatch(t)
        moved = self._move_couriers()
        self._patrol()
        detected = self._detect(moved)
        self._resolve(t, moved, detected, today)
        self._hit_leaders(t, today)
        self.policies.act(self, t, today)
        today["policy_cost_usd"] = self.policies.daily_cost_usd()
        self._advance_justice(t, today)
        self._update_communities(t, today)
        self._learn(t)
        self._record(t, today)
        if t >= self.config.steps:
            self.running = False

    def _plan_routes(self, t: int) -> None:
        interval = self.config.model.replan_interval_days
        for org in self.organisations:
            if org.capacity > 0 and t - org.last_plan >= interval:
                self._plan(org, t)

    def _dispatch(self, t: int) -> None:
        c = self.couriers
        idle = c.state == CourierState.IDLE
        ready = idle & (c.timer <= 0)
        cap = np.array([o.capacity for o in self.organisations])
        ready &= cap[np.maximum(c.org, 0)] > 0
        go = np.flatnonzero(ready)
        # an organisation keeps at most `capacity` couriers on the road (leaders' reach)
        on_road = np.bincount(c.org[c.state == CourierState.TRAVELLING],
                              minlength=len(cap))
        room = cap - on_road
        if len(go) and (np.bincount(c.org[go], minlength=len(cap)) > room).any():
            rank = _rank_within(c.org[go])
            go = go[rank < room[c.org[go]]]
            ready[:] = False
            ready[go] = True
        c.timer[idle & ~ready] -= 1
        # one draw from the trips stream every day, even with nobody leaving
        normals = slot_normals(self.streams["trips"], go)
        if len(go) == 0:
            return
        med = self.commodity_table["load_median"][c.commodity[go]]
        sig = self.commodity_table["load_sigma"][c.commodity[go]]
        c.load[go] = med * np.exp(sig * normals)
        c.state[go] = CourierState.TRAVELLING
        c.cell[go] = self.org_source[c.org[go]]
        c.trip_days[go] = 0

    def _move_couriers(self) -> dict:
        c = self.couriers
        seeds = slot_seeds(self.streams["move"], c.capacity)
        self.detect_seeds = slot_seeds(self.streams["detect"], c.capacity)
        movers = np.flatnonzero(c.state == CourierState.TRAVELLING).astype(np.int64)
        m = len(movers)
        start = c.cell[movers].copy()
        path = self.path[:m]
        n_hops = np.zeros(m, np.int32)
        arrived = np.zeros(m, np.bool_)
        self.kernels.move_couriers(movers, c.cell, c.org, seeds, self.succ, self.succ_hours,
                                   self.p_first, float(self.config.model.travel_hours_per_day),
                                   path, n_hops, arrived)
        return {"movers": movers, "start": start, "path": path, "n_hops": n_hops,
                "arrived": arrived}

    def _patrol(self) -> None:
        m = self.config.model
        pidx = self.patrol_index
        if len(pidx) == 0:
            return
        seeds = draw_seeds(self.streams["patrol"], len(pidx))
        redeploy = self.streams["redeploy"].random((2, len(pidx)))
        pos = self.units.cell[pidx]
        for k in np.unique(self.units.country[pidx]):
            sel = np.flatnonzero(self.units.country[pidx] == k)
            attract = self.patrol_attract_base
            heat = self.intel_seen(k)
            if heat is not None:
                attract = attract + m.patrol_intel_weight * heat
                self._redeploy(pos, sel, heat, self.units.allowed_bits[pidx[sel[0]]], redeploy)
            if self.joint_focus[k] > 0:
                attract = attract + self.joint_focus[k] * self.joint_border
            p = pos[sel]
            self.kernels.move_patrols(p, self.units.allowed_bits[pidx[sel]], self.country,
                                      attract, seeds[sel], m.patrol_moves_per_day, self.nx)
            pos[sel] = p
        self.units.cell[pidx] = pos
        self.patrol_hazard = self._patrol_hazard(pos)
        rate = m.risk_memory_decay_per_day
        self.patrol_hazard_known += rate * (self.patrol_hazard - self.patrol_hazard_known)

    def _redeploy(self, pos: np.ndarray, sel: np.ndarray, heat: np.ndarray, bits: np.int64,
                  u: np.ndarray) -> None:
        """Intelligence-led tasking: each patrol in ``sel`` is sent, with probability
        ``patrol_redeploy_prob``, to a cell drawn in proportion to the seizure ``heat`` it
        sees, within the countries its ``bits`` allow. ``u`` holds two uniforms per patrol
        (drawn every day whatever happens, so the draws stay aligned across policies)."""
        go = sel[u[0, sel] < self.config.model.patrol_redeploy_prob]
        if len(go) == 0:
            return
        key = int(bits)
        if key not in self._allowed_cells:
            mine = (np.int64(1) << np.maximum(self.country, 0).astype(np.int64)) & bits
            self._allowed_cells[key] = np.flatnonzero((mine != 0) & self.land)
        cells = self._allowed_cells[key]
        cdf = np.cumsum(heat[cells])
        if cdf[-1] <= 0:
            return
        pick = np.searchsorted(cdf, u[1, go] * cdf[-1], side="right")
        pos[go] = cells[np.minimum(pick, len(cells) - 1)]

    def _patrol_hazard(self, pos: np.ndarray) -> np.ndarray:
        """Detection hazard per cell from patrols at ``pos`` (cells, one per patrol)."""
        m = self.config.model
        targets, w = disk_cells(pos, self.region.shape, m.patrol_radius_cells)
        eff = self.units.effectiveness[self.patrol_index]
        p_cell = np.clip(m.patrol_detection_prob * eff, 0, 1 - 1e-12)
        haz = np.broadcast_to(-np.log1p(-p_cell)[:, None], targets.shape)
        ok = targets >= 0
        return np.bincount(targets[ok], weights=haz[ok], minlength=self.n_cells)

    def intel_seen(self, k: int) -> np.ndarray | None:
        """Seizure heat country ``k``'s patrols see: their own, plus partners' as it was
        one reporting delay ago (``None`` when there is none)."""
        heat = self.intel[k] if self.intel_active[k] else None
        for j in np.flatnonzero(self.intel_share[k] & self.intel_active):
            if j == k:
                continue
            lagged = self._lagged_intel(int(self.intel_delay_days[k, j]))[j]
            heat = lagged if heat is None else heat + lagged
        return heat

    def _lagged_intel(self, delay: int) -> np.ndarray:
        """Seizure heat per country as it was ``delay`` days before the last learning step
        (built from the increment log on first use, then kept up to date in _learn)."""
        if delay == 0:
            return self.intel
        if delay not in self.intel_lagged:
            last = self.steps - 1  # learning steps done so far: 0 .. steps-1
            decay = 1.0 - self.config.model.risk_memory_decay_per_day
            lag = np.zeros_like(self.intel)
            for day, entries in self.intel_log.items():
                age = last - delay - day
                if age >= 0:
                    for k, cells, w in entries:
                        np.add.at(lag[k], cells, w * decay**age)
            self.intel_lagged[delay] = lag
        return self.intel_lagged[delay]

    def tip_strength(self) -> np.ndarray:
        """P(a community tips off the state about one passage next to it), per community:
        ``tip_detection_prob`` x trust x share of the pool not in the trade."""
        m, comm = self.config.model, self.communities
        return m.tip_detection_prob * comm.trust * (1.0 - np.minimum(comm.participation, 1))

    def tip_hazard(self) -> np.ndarray:
        """Detection hazard per cell from community tips (:meth:`tip_strength`, spread
        over ``tip_radius_km`` with linearly falling weight)."""
        strength = self.tip_strength()
        p = np.clip(strength[:, None] * self.tip_weight[None, :], 0, 1 - 1e-12)
        ok = self.tip_cells >= 0
        return np.bincount(self.tip_cells[ok], weights=-np.log1p(-p[ok]), minlength=self.n_cells)

    def _detect(self, moved: dict) -> dict:
        c = self.couriers
        self.tips_hazard_today = self.tip_hazard()
        hazard = self.post_hazard + self.patrol_hazard + self.tips_hazard_today
        p_detect = np.where(self.core_cell, -np.expm1(-hazard), 0.0)
        self.p_detect = p_detect
        m = len(moved["movers"])
        out = {"outcome": np.zeros(m, np.int8), "stop_hop": np.zeros(m, np.int32),
               "n_bribes": np.zeros(m, np.int32), "bribe_cell": np.zeros(m, np.int32)}
        self.flow_today[:] = 0.0
        self.kernels.detect_couriers(moved["movers"], moved["path"], moved["n_hops"],
                                     self.detect_seeds, p_detect, self.bribe_prob,
                                     self.escape, c.load, c.commodity, self.flow_today,
                                     out["outcome"], out["stop_hop"], out["n_bribes"],
                                     out["bribe_cell"])
        self.flow += self.flow_today
        return out

    def _resolve(self, t: int, moved: dict, det: dict, today: dict) -> None:
        c, m = self.couriers, self.config.model
        movers, outcome = moved["movers"], det["outcome"]
        stopped = outcome != PASSED
        rows = np.flatnonzero(stopped)
        c.cell[movers[rows]] = moved["path"][rows, det["stop_hop"][rows]]
        c.trip_days[movers] += 1
        names = self.commodity_names
        value_src = self.commodity_table["value_at_source_usd"]
        value_dst = self.commodity_table["value_at_destination_usd"]
        # bribed passages
        bribed = np.flatnonzero(det["n_bribes"] > 0)
        if len(bribed):
            who = movers[bribed]
            paid = (m.bribe_share * c.load[who] * value_src[c.commodity[who]]
                    * det["n_bribes"][bribed])
            for o, usd in zip(c.org[who], paid, strict=True):
                self.organisations[o].losses_usd += usd
            cells = det["bribe_cell"][bribed]
            self.events.add(t, "bribe", cells, self.country[cells], c.commodity[who],
                            c.load[who], c.org[who], who)
            today["bribed_passages"] += float(det["n_bribes"].sum())
        # escapes
        esc = np.flatnonzero(outcome == ESCAPED)
        if len(esc):
            who = movers[esc]
            cells = c.cell[who]
            self.events.add(t, "escape", cells, self.country[cells], c.commodity[who],
                            c.load[who], c.org[who], who)
            today["escapes"] += len(esc)
            today["escapes_across_border"] += int(np.count_nonzero(self.escape_across[cells]))
        # seizures and arrests
        sz = np.flatnonzero(outcome == SEIZED)
        self.seized_today = movers[sz]
        if len(sz):
            who = movers[sz]
            cells = c.cell[who]
            ctry = self.country[cells]
            self.events.add(t, "seizure", cells, ctry, c.commodity[who], c.load[who],
                            c.org[who], who)
            self.events.add(t, "arrest", cells, ctry, c.commodity[who], c.load[who],
                            c.org[who], who)
            for k, name in enumerate(names):
                sel = c.commodity[who] == k
                today[f"seized_{name}"] += float(c.load[who][sel].sum())
            for o, loss in zip(c.org[who], c.load[who] * value_src[c.commodity[who]],
                               strict=True):
                self.organisations[o].losses_usd += loss
            today["arrests"] += len(sz)
            home = self.communities.country[c.community[who]]
            pw = self.commodity_table["penalty_weight"][c.commodity[who]]
            self.justice.open_cases(t, who, ctry, home, pw)
            c.state[who] = CourierState.DETAINED
            self._attribute_seizures(cells, today)
        # deliveries
        dl = np.flatnonzero(moved["arrived"] & (outcome == PASSED))
        if len(dl):
            who = movers[dl]
            revenue = c.load[who] * value_dst[c.commodity[who]]
            for k, name in enumerate(names):
                sel = c.commodity[who] == k
                today[f"delivered_{name}"] += float(c.load[who][sel].sum())
            today["trafficker_revenue_usd"] += float(revenue.sum())
            for o, usd in zip(c.org[who], revenue, strict=True):
                self.organisations[o].revenue_usd += usd
            self._fees_today = np.bincount(c.community[who], weights=m.courier_fee_share * revenue,
                                           minlength=len(self.community_agents))
            cells = c.cell[who]
            self.events.add(t, "delivery", cells, self.country[cells], c.commodity[who],
                            c.load[who], c.org[who], who)
            c.state[who] = CourierState.RETURNING
            c.timer[who] = c.trip_days[who]
            c.trips[who] += 1
        else:
            self._fees_today = np.zeros(len(self.community_agents))
        # armed-group tolls on everything that moved through their zones today
        toll = m.armed_toll_share * (self.flow_today @ self.armed) * value_src
        today["armed_group_revenue_usd"] += float(toll.sum())

    def _attribute_seizures(self, cells: np.ndarray, today: dict) -> None:
        """Count seizures where community tips were the deciding hazard (by hazard share)."""
        tip = self.tips_hazard_today[cells]
        total = tip + self.post_hazard[cells] + self.patrol_hazard[cells]
        share = np.divide(tip, total, out=np.zeros_like(tip), where=total > 0)
        today["tip_seizures"] += float(share.sum())

    def _hit_leaders(self, t: int, today: dict) -> None:
        """Task forces: each of today's arrests may lead to a leader of the courier's
        organisation, with ``leader_hit_prob`` of the arresting country and commodity."""
        seized = self.seized_today
        if len(seized) == 0 or not self.leader_hit_prob.any():
            return
        c = self.couriers
        p = self.leader_hit_prob[self.country[c.cell[seized]], c.commodity[seized]]
        u = self.streams["leaders"].random(len(seized))
        delay = self.config.model.leader_replacement_days
        for i in np.flatnonzero(u < p):
            org = self.organisations[int(c.org[seized[i]])]
            if org.leaders <= 0:
                continue
            org.leaders -= 1
            if org.replace_at is None:
                org.replace_at = t + delay
            cell = int(c.cell[seized[i]])
            self.events.add(t, "leader_arrest", cell, int(self.country[cell]), org.commodity,
                            1.0, org.index, np.array([-1]))
            today["leader_arrests"] += 1

    def _replace_leaders(self, t: int) -> None:
        """Organisations promote a new leader ``leader_replacement_days`` after a loss."""
        delay = self.config.model.leader_replacement_days
        for org in self.organisations:
            if org.replace_at is not None and t >= org.replace_at:
                org.leaders = min(org.leaders + 1, org.leaders0)
                org.replace_at = t + delay if org.leaders < org.leaders0 else None

    def _advance_justice(self, t: int, today: dict) -> None:
        c = self.couriers
        d = self.justice.advance(t, self.streams["justice"])
        if len(d.case):
            conv = d.outcome == CONVICTED
            who = d.courier
            cells = c.cell[who]
            com = c.commodity[who]
            self.events.add(t, "conviction", cells[conv], d.country[conv], com[conv],
                            d.sentence_days[conv].astype(float), c.org[who][conv], who[conv])
            self.events.add(t, "release", cells[~conv], d.country[~conv], com[~conv],
                            0.0, c.org[who][~conv], who[~conv])
            today["convictions"] += int(conv.sum())
            today["cases_decided"] += len(d.case)
            today["case_days_total"] += float(d.case_days.sum())
            today["cross_border_cases_decided"] += int(d.cross_border.sum())
            today["cross_border_case_days_total"] += float(d.case_days[d.cross_border].sum())
            c.state[who[conv]] = CourierState.IMPRISONED
            c.timer[who[conv]] = d.sentence_days[conv]
            self._release(who[~conv])
        # sentences served and homeward trips
        prison = c.state == CourierState.IMPRISONED
        c.timer[prison] -= 1
        served = np.flatnonzero(prison & (c.timer <= 0))
        self._release(served)
        back = c.state == CourierState.RETURNING
        c.timer[back] -= 1
        home = np.flatnonzero(back & (c.timer <= 0))
        c.state[home] = CourierState.IDLE
        rest = self.commodity_table["rest_days"]
        c.timer[home] = rest[c.commodity[home]]

    def _release(self, who: np.ndarray) -> None:
        """Released couriers go back to the trade or leave it."""
        if len(who) == 0:
            return
        c, m = self.couriers, self.config.model
        back = self.streams["justice"].random(len(who)) < m.return_to_trade_prob
        c.state[who[back]] = CourierState.IDLE
        rest = self.commodity_table["rest_days"]
        c.timer[who[back]] = rest[c.commodity[who[back]]]
        self._leave_trade(who[~back])

    def _update_communities(self, t: int, today: dict) -> None:
        comm, m, c = self.communities, self.config.model, self.couriers
        rng = self.streams["communities"]
        # heavy-handed seizures of livelihood goods near a community erode its trust
        hits = np.zeros(len(self.community_agents))
        livelihood = self.commodity_table["livelihood_goods"]
        seized = self.seized_today
        if len(seized):
            goods = seized[livelihood[c.commodity[seized]]]
            if len(goods):
                cells = np.zeros(self.n_cells)
                np.add.at(cells, c.cell[goods], 1.0)
                near = np.where(self.community_cells >= 0, cells[self.community_cells], 0.0)
                hits = near.sum(axis=1)
        comm.trust += m.trust_recovery_per_day * (comm.trust_target - comm.trust)
        comm.trust -= m.trust_loss_per_seizure * hits
        np.clip(comm.trust, 0.0, 1.0, out=comm.trust)
        comm.earnings += (self._fees_today - comm.earnings) / 30.0
        # quitting
        idle = np.flatnonzero(c.state == CourierState.IDLE)
        quit_ = idle[rng.random(len(idle)) < m.quit_rate_per_day]
        self._leave_trade(quit_)
        # recruitment to fill vacancies
        active = self._active_mask()
        counts = np.bincount(c.org[active], minlength=len(self.organisations))
        prop = self.propensity()
        recruits = 0
        for o in self.organisations:
            vacancies = o.capacity - int(counts[o.index])
            if vacancies <= 0:
                continue
            w = self.org_catchment[o.index]
            mean_prop = float((w * prop).sum() / max(w.sum(), 1e-12))
            p = min(1.0, m.recruitment_rate_per_day * mean_prop)
            n = int(rng.binomial(vacancies, p))
            recruits += len(self._recruit(o, n, rng, t, prop))
        today["recruits"] += recruits

    def _learn(self, t: int) -> None:
        m, c = self.config.model, self.couriers
        seized = self.seized_today
        decay = m.risk_memory_decay_per_day
        for k in np.flatnonzero(self.intel_active):
            self.intel[k] *= 1.0 - decay
        for delay, lag in self.intel_lagged.items():
            lag *= 1.0 - decay
            for k, cells, w in self.intel_log.get(t - delay, ()):  # now `delay` days old
                np.add.at(lag[k], cells, w)
        if len(seized) == 0:
            return
        cells = c.cell[seized]
        targets, w = disk_cells(cells, self.region.shape, self.memory_radius)
        ctry = self.country[cells]
        ok = targets >= 0
        for k in np.unique(ctry):
            sel = ctry == k
            cells_k = targets[sel][ok[sel]]
            w_k = np.broadcast_to(w, targets[sel].shape)[ok[sel]]
            self.intel[k] += np.bincount(cells_k, weights=w_k, minlength=self.n_cells)
            self.intel_active[k] = True
            self.intel_log.setdefault(t, []).append((int(k), cells_k.copy(), w_k.copy()))
        for org in self.organisations:
            same = c.commodity[seized] == org.commodity
            if not same.any():
                continue
            weight = np.where(c.org[seized] == org.index, 1.0, m.gossip_weight)[same]
            org.learn(t, targets[same], m.risk_learning_rate * weight[:, None] * w[None, :],
                      decay)

    def _record(self, t: int, today: dict) -> None:
        c = self.couriers
        counts = c.counts()
        for k, v in today.items():
            self.totals[k] += v
        latest = {}
        for name, spec in METRICS.items():
            if spec.kind == "flow":
                for cname in self.commodity_names:
                    latest[name.format(c=cname)] = today[name.format(c=cname)]
            elif spec.kind == "daily":
                latest[name] = today[name]
        latest["couriers_active"] = float(counts[CourierState.IDLE]
                                          + counts[CourierState.TRAVELLING]
                                          + counts[CourierState.RETURNING])
        latest["couriers_travelling"] = float(counts[CourierState.TRAVELLING])
        latest["couriers_detained"] = float(counts[CourierState.DETAINED])
        latest["couriers_imprisoned"] = float(counts[CourierState.IMPRISONED])
        latest["pending_cases"] = float(self.justice.pending)
        comm = self.communities
        latest["participation"] = float(comm.members.sum() / max(comm.pool.sum(), 1.0))
        latest["trust"] = float(comm.trust.mean()) if len(comm.trust) else 0.0
        latest["tip_rate"] = float(self.tip_strength().mean()) if len(comm.trust) else 0.0
        latest["route_cells"] = float(np.count_nonzero(self.flow_today.sum(axis=0)))
        latest["leaders"] = float(sum(o.leaders for o in self.organisations))
        latest["organisation_capacity"] = float(sum(o.capacity for o in self.organisations))
        self.latest = latest
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ convenience

    def run(self, steps: int | None = None) -> TraffickingModel:
        """Run ``steps`` days (default: until ``config.steps``); returns ``self``."""
        target = self.config.steps if steps is None else self.steps + steps
        while self.running and self.steps < target:
            self.step()
        return self


def _km(lon1, lat1, lon2, lat2):
    """Great-circle distance (km) between points given in degrees (haversine)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """Rank of each element among the elements of its group, in order of appearance."""
    order = np.argsort(groups, kind="stable")
    sorted_g = groups[order]
    starts = np.searchsorted(sorted_g, sorted_g, side="left")
    rank = np.empty(len(groups), np.int64)
    rank[order] = np.arange(len(groups)) - starts
    return rank
