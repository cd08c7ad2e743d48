"""The world a run happens in: immutable layers derived from a region and a config.

A :class:`World` holds everything about a run that no day of it changes: the grid layers
(country, land, borders, corridors, armed-group presence, travel hours), the places of the
communities and the reach of each, the organisations' sources, destinations and recruitment
catchments, the layout of the border units, the per-commodity parameters, and the scenario's
own lever values (:meth:`World.base_levers`). Building it also runs every check that needs
the region, so a config that names an unknown site or the wrong countries fails here, before
anything is simulated. Mechanisms read the world; none writes to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from sim.config import ConfigError, ModelConfig
from sim.constants import EARTH_RADIUS_KM, NEIGHBOURS
from sim.levers import Levers
from sim.region import build_region
from sim.region.grid import SETTLEMENT_ROLES, RegionGrid
from sim.spatial import disk_cells, km_to_cells, near_country_bits

POST = 0
"""Unit kind: fixed post at an official crossing."""
PATROL = 1
"""Unit kind: mobile patrol."""


@dataclass(frozen=True)
class OrganisationLayout:
    """Where the organisations work, fixed for the run: one row per *desk*, an
    organisation's trade in one commodity from one source. A single-market organisation
    has one desk; a multi-market organisation (``scenario.multi_market``) one per
    commodity it trades, sharing its couriers and leaders.

    Attributes
    ----------
    commodity : int64 (n_desks,) — commodity index.
    source : int32 (n_desks,) — flat cell where couriers pick up loads.
    country : int64 (n_desks,) — country index of the source (the home base).
    base_capacity : int64 (n_desks,) — target couriers with all leaders in place, at the
        initial effort share.
    targets : tuple of int64 arrays — destination cells of each desk.
    catchment : float64 (n_desks, K) — recruitment weight of each community.
    network : int64 (n_desks,) — the organisation the desk belongs to.
    share0 : float64 (n_desks,) — initial share of its organisation's couriers (1 for a
        single-market organisation).
    network_capacity : int64 (n_organisations,) — target couriers of each organisation.
    multi : bool (n_organisations,) — organisations with more than one desk.
    """

    commodity: np.ndarray
    source: np.ndarray
    country: np.ndarray
    base_capacity: np.ndarray
    targets: tuple[np.ndarray, ...]
    catchment: np.ndarray
    network: np.ndarray
    share0: np.ndarray
    network_capacity: np.ndarray
    multi: np.ndarray

    @property
    def n(self) -> int:
        """Number of desks (rows)."""
        return int(self.commodity.shape[0])

    @property
    def n_organisations(self) -> int:
        """Number of organisations."""
        return int(self.network_capacity.shape[0])


@dataclass(frozen=True)
class ArmedLayout:
    """Where the armed groups are (one row per zone; fixed for the run).

    Attributes
    ----------
    names : tuple of str — group keys, in config order (group index = position).
    labels : tuple of str — display names.
    zone_group : int64 (n_zones,) — group index of each zone.
    zone_names : tuple of str — ``"<group>.<zone>"``.
    zone_lonlat : float64 (n_zones, 2) — zone centres (degrees).
    zone_radius_km : float64 (n_zones,) — radius at initial strength.
    zone_cells : tuple of int64 arrays — cells within the largest radius the zone can reach.
    zone_km : tuple of float64 arrays — distance of those cells from the centre (km).
    """

    names: tuple[str, ...]
    labels: tuple[str, ...]
    zone_group: np.ndarray
    zone_names: tuple[str, ...]
    zone_lonlat: np.ndarray
    zone_radius_km: np.ndarray
    zone_cells: tuple[np.ndarray, ...]
    zone_km: tuple[np.ndarray, ...]

    @property
    def n(self) -> int:
        """Number of groups."""
        return len(self.names)


@dataclass(frozen=True)
class UnitLayout:
    """The border units of the scenario: posts at crossings first, then patrols.

    Attributes
    ----------
    kind : int8 (n_units,) — :data:`POST` or :data:`PATROL`.
    country : int16 (n_units,) — country index of the unit.
    post_cell : int32 (n_posts,) — cell of each post (posts never move).
    post_crossing : int64 (n_units,) — crossing index of each post (-1 for patrols).
    """

    kind: np.ndarray
    country: np.ndarray
    post_cell: np.ndarray
    post_crossing: np.ndarray

    @property
    def posts(self) -> np.ndarray:
        """Indices of fixed posts."""
        return np.flatnonzero(self.kind == POST)

    @property
    def patrols(self) -> np.ndarray:
        """Indices of mobile patrols."""
        return np.flatnonzero(self.kind == PATROL)


class World:
    """Immutable layers of one run (see the module docstring).

    Parameters
    ----------
    config : ModelConfig
    region : RegionGrid, optional
        Pre-built region (default: :func:`sim.region.build_region`, memoised per process).

    Raises
    ------
    ConfigError
        A site the config names is not in the region, the countries do not match the
        region's core countries, or a day's travel cannot cross one cell off-road.
    """

    def __init__(self, config: ModelConfig, region: RegionGrid | None = None):
        sc = config.scenario
        self.region = region if region is not None else build_region(sc.region, sc.cell_km)
        self.cell_km = sc.cell_km
        self.commodity_names = tuple(sc.commodities)
        self.commodities = tuple(sc.commodities[c] for c in self.commodity_names)
        self.commodity_table = {
            name: np.array([getattr(k, name) for k in self.commodities])
            for name in ("load_median", "load_sigma", "value_at_source_usd",
                         "value_at_destination_usd", "penalty_weight", "rest_days",
                         "livelihood_goods", "settlement_prob")}
        """Per-commodity parameters as arrays indexed by commodity."""
        self.country_groups = sc.groups()
        """Country groups of the scenario (``all`` first): name -> ISO3 codes."""
        self._check_sites(config)
        self._build_layers(config)
        self._build_units(config)
        self._build_communities(config)
        self._build_organisations(config)
        self._build_armed_groups(config)

    # ------------------------------------------------------------------ checks

    def _check_sites(self, config: ModelConfig) -> None:
        """Every site a commodity names exists; the countries are the region's core ones."""
        reg = self.region
        known = {s.name for s in reg.sites} | {c.name for c in reg.crossings}
        for cname, com in zip(self.commodity_names, self.commodities, strict=True):
            for fld in ("sources", "destinations"):
                for i, name in enumerate(getattr(com, fld)):
                    if name not in known:
                        raise ConfigError(
                            f"scenario.commodities.{cname}.{fld}[{i}] = {name!r} is not allowed: "
                            f"must be a site of region {reg.name!r}: {', '.join(sorted(known))}")
        self.demand = np.zeros((len(self.commodities), len(reg.countries)))
        """What each commodity's market in each country buys per day at the configured
        price (unit/day; 0 = a fixed price): ``demand_per_day``."""
        for k, (cname, com) in enumerate(zip(self.commodity_names, self.commodities,
                                             strict=True)):
            ends = sorted({reg.countries[reg.country.ravel()[reg.site(d).cell]]
                           for d in com.destinations})
            for iso, q in com.demand_per_day.items():
                if iso not in ends:
                    raise ConfigError(
                        f"scenario.commodities.{cname}.demand_per_day.{iso} is not allowed: "
                        f"must be a country of its destinations: {', '.join(ends)}")
                self.demand[k, reg.countries.index(iso)] = q
        core = {c for c, k in zip(reg.countries, reg.core, strict=True) if k}
        given = set(config.scenario.countries)
        if given != core:
            extra, missing = sorted(given - core), sorted(core - given)
            bad = extra[0] if extra else missing[0]
            raise ConfigError(
                f"scenario.countries.{bad} is not allowed: scenario.countries must list exactly "
                f"the core countries of region {reg.name!r}: {', '.join(sorted(core))}")

    # ------------------------------------------------------------------ layers

    def _build_layers(self, config: ModelConfig) -> None:
        reg, sc, m = self.region, config.scenario, config.model
        self.shape = reg.shape
        self.n_cells = reg.n_cells
        self.nx = reg.shape[1]
        self.country = reg.country.ravel().astype(np.int16)
        """Country index per flat cell (-1 = sea)."""
        self.land = self.country >= 0
        self.n_countries = len(reg.countries)
        self.core_country = np.asarray(reg.core, bool)
        self.core_cell = self.land & self.core_country[np.maximum(self.country, 0)]
        self.corridor = reg.corridor.ravel()
        self.border = reg.border.ravel()
        hours = np.where(self.corridor, sc.cell_km / m.road_speed_kmh,
                         sc.cell_km / m.offroad_speed_kmh)
        self.cell_hours = np.where(self.land, hours, np.inf)
        """Hours to cross each cell along one cell edge (inf off land)."""
        if np.sqrt(2) * hours.max() > m.travel_hours_per_day:
            raise ConfigError(
                f"model.travel_hours_per_day = {m.travel_hours_per_day!r} is not allowed: must "
                f"be at least {np.sqrt(2) * hours.max():.2f} h to cross one {sc.cell_km:g} km "
                f"cell off-road at model.offroad_speed_kmh = {m.offroad_speed_kmh:g}")
        self.max_hops = int(math.floor(m.travel_hours_per_day / hours.min())) + 1
        """Most cells a courier can enter in one day."""
        pursuit_cells = km_to_cells(m.pursuit_distance_km, sc.cell_km)
        self.near_foreign = near_country_bits(reg.country, pursuit_cells).ravel()
        """Per cell, bits of the other countries within pursuit distance."""
        self.memory_radius = km_to_cells(m.risk_memory_radius_km, sc.cell_km)
        self.border_km = (ndimage.distance_transform_edt(~reg.border).ravel() * sc.cell_km)
        """Distance (km) of each cell to the nearest land border cell."""

    def resolve_countries(self, entries: list[str]) -> list[str]:
        """ISO3 codes of ``entries`` (codes and country-group names), in order, each once
        (KeyError on an unknown entry; configs are checked before this is called)."""
        out = []
        for entry in entries:
            for iso in self.country_groups.get(entry, [entry]):
                if iso not in out:
                    out.append(iso)
        return out

    def country_index(self, iso3: str) -> int:
        """Index of an ISO3 code in the region's countries (ValueError if absent)."""
        return self.region.country_index(iso3)

    def border_distance_km(self, cells: np.ndarray) -> np.ndarray:
        """Distance (km) from each of ``cells`` to the nearest land border cell."""
        return self.border_km[cells]

    # ------------------------------------------------------------------ units

    def _build_units(self, config: ModelConfig) -> None:
        reg, sc = self.region, config.scenario
        ny, nx = reg.shape
        kind, country, cell, crossing = [], [], [], []
        for xi, x in enumerate(reg.crossings):
            a, b = reg.country_index(x.country_a), reg.country_index(x.country_b)
            sides = [(a, x.cell)]
            row, col = divmod(x.cell, nx)
            for dr, dc in NEIGHBOURS:  # the neighbour's side of the crossing: first adjacent cell
                r, cc = row + dr, col + dc
                if 0 <= r < ny and 0 <= cc < nx and self.country[r * nx + cc] == b:
                    sides.append((b, int(r * nx + cc)))
                    break
            for k_country, k_cell in sides:
                iso = reg.countries[k_country]
                if iso in sc.countries and sc.countries[iso].border_posts:
                    kind.append(POST)
                    country.append(k_country)
                    cell.append(k_cell)
                    crossing.append(xi)
        for iso, cc in sc.countries.items():
            k = reg.country_index(iso)
            kind += [PATROL] * cc.patrols
            country += [k] * cc.patrols
            crossing += [-1] * cc.patrols
        self.units = UnitLayout(kind=np.asarray(kind, np.int8),
                                country=np.asarray(country, np.int16),
                                post_cell=np.asarray(cell, np.int32),
                                post_crossing=np.asarray(crossing, np.int64))

    def patrol_start_cells(self, iso3: str) -> np.ndarray:
        """Cells a patrol of country ``iso3`` may start on: its border cells (or, if it has
        none, all its cells)."""
        k = self.country_index(iso3)
        candidates = np.flatnonzero((self.country == k) & self.border)
        if len(candidates) == 0:
            candidates = np.flatnonzero(self.country == k)
        return candidates

    # ------------------------------------------------------------------ communities

    def _build_communities(self, config: ModelConfig) -> None:
        reg, sc, m = self.region, config.scenario, config.model
        sites = [s for s in reg.sites
                 if s.role in SETTLEMENT_ROLES and s.country in sc.countries]
        self.community_names = tuple(s.name for s in sites)
        self.community_cell = np.array([s.cell for s in sites], np.int32)
        self.community_country = np.array([reg.country_index(s.country) for s in sites],
                                          np.int16)
        self.community_livelihood = np.array([sc.countries[s.country].livelihood for s in sites])
        self.community_trust = np.array([sc.countries[s.country].trust for s in sites])
        self.community_pool = np.full(len(sites), float(sc.recruitable_per_settlement))
        community_radius = km_to_cells(m.community_radius_km, sc.cell_km)
        tip_radius = km_to_cells(m.tip_radius_km, sc.cell_km)
        self.community_cells, self.community_weight = disk_cells(
            self.community_cell, reg.shape, community_radius)
        """Cells within a community's reach (K, m; -1 off the grid) and their weights."""
        self.tip_cells, self.tip_weight = disk_cells(self.community_cell, reg.shape, tip_radius)
        """Cells a community's tips cover (K, m; -1 off the grid) and their weights."""
        self.tip_unique, self.tip_index = np.unique(self.tip_cells[self.tip_cells >= 0],
                                                    return_inverse=True)
        """The cells any community's tips cover, and where each on-grid entry of
        ``tip_cells`` (row-major) falls among them."""

    @property
    def n_communities(self) -> int:
        """Number of communities."""
        return len(self.community_names)

    # ------------------------------------------------------------------ organisations

    def _build_organisations(self, config: ModelConfig) -> None:
        """Single-market organisations per commodity, then the multi-market ones; sources
        are taken round-robin from the commodity's list, continuing across both kinds."""
        reg, m = self.region, config.model
        commodity, source, country, capacity, targets = [], [], [], [], []
        network, share0, network_capacity = [], [], []
        dest = {ci: np.unique([reg.site(d).cell for d in com.destinations]).astype(np.int64)
                for ci, com in enumerate(self.commodities)}
        used = dict.fromkeys(range(len(self.commodities)), 0)

        def desk(ci: int, couriers: int, share: float) -> None:
            com = self.commodities[ci]
            src = reg.site(com.sources[used[ci] % len(com.sources)])
            used[ci] += 1
            commodity.append(ci)
            source.append(src.cell)
            country.append(reg.country_index(src.country))
            capacity.append(int(round(couriers * share)))
            targets.append(dest[ci])
            network.append(len(network_capacity))
            share0.append(share)

        for ci, com in enumerate(self.commodities):
            for _ in range(com.organisations):
                desk(ci, com.couriers_per_organisation, 1.0)
                network_capacity.append(com.couriers_per_organisation)
        names = list(self.commodity_names)
        for mm in config.scenario.multi_market.values():
            for _ in range(mm.organisations):
                for com_name, share in mm.shares.items():
                    desk(names.index(com_name), mm.couriers_per_organisation, share)
                network_capacity.append(mm.couriers_per_organisation)
        # recruitment catchment: communities of the source country, nearer ones weighted up
        lon, lat = reg.cell_center(self.community_cell)
        catchment = np.zeros((len(source), self.n_communities))
        for o, (cell, home) in enumerate(zip(source, country, strict=True)):
            olon, olat = reg.cell_center(cell)
            d_km = great_circle_km(olon, olat, lon, lat)
            w = 1.0 / (1.0 + (d_km / max(m.community_radius_km, 1.0)) ** 2)
            same = self.community_country == home
            if not same.any():  # source in a context country: recruit from the nearest core
                same = d_km <= d_km.min() + 1e-9
            catchment[o] = np.where(same, w, 0.0)
        network = np.asarray(network, np.int64)
        desks = np.bincount(network, minlength=len(network_capacity))
        self.organisations = OrganisationLayout(
            commodity=np.asarray(commodity, np.int64), source=np.asarray(source, np.int32),
            country=np.asarray(country, np.int64), base_capacity=np.asarray(capacity, np.int64),
            targets=tuple(targets), catchment=catchment, network=network,
            share0=np.asarray(share0, float),
            network_capacity=np.asarray(network_capacity, np.int64), multi=desks > 1)

    # ------------------------------------------------------------------ armed groups

    def _build_armed_groups(self, config: ModelConfig) -> None:
        reg, m = self.region, config.model
        groups = config.scenario.armed_groups
        lon, lat = reg.cell_center(np.arange(self.n_cells))
        zone_group, names, lonlat, radius, cells, km = [], [], [], [], [], []
        for g, (gname, group) in enumerate(groups.items()):
            reach = group.max_strength ** m.armed_radius_exponent
            for zname, zone in group.zones.items():
                path = f"scenario.armed_groups.{gname}.zones.{zname}"
                if zone.centre is not None:
                    try:
                        place = reg.site(zone.centre)
                    except KeyError:
                        known = sorted({s.name for s in reg.sites}
                                       | {c.name for c in reg.crossings})
                        raise ConfigError(
                            f"{path}.centre = {zone.centre!r} is not allowed: must be a place "
                            f"of region {reg.name!r}: {', '.join(known)}") from None
                    c_lon, c_lat = place.lon, place.lat
                else:
                    c_lon, c_lat = float(zone.lon), float(zone.lat)
                    x0, x1, y0, y1 = reg.extent()
                    if not (x0 <= c_lon <= x1 and y0 <= c_lat <= y1):
                        raise ConfigError(
                            f"{path} = ({c_lon:g}, {c_lat:g}) is not allowed: the centre must "
                            f"lie in region {reg.name!r} (lon {x0:.1f} to {x1:.1f}, lat "
                            f"{y0:.1f} to {y1:.1f})")
                d = great_circle_km(c_lon, c_lat, lon, lat)
                near = np.flatnonzero(d < zone.radius_km * reach)
                zone_group.append(g)
                names.append(f"{gname}.{zname}")
                lonlat.append((c_lon, c_lat))
                radius.append(zone.radius_km)
                cells.append(near.astype(np.int64))
                km.append(d[near])
        self.armed = ArmedLayout(
            names=tuple(groups), labels=tuple(gr.label for gr in groups.values()),
            zone_group=np.asarray(zone_group, np.int64), zone_names=tuple(names),
            zone_lonlat=np.asarray(lonlat, float).reshape(-1, 2),
            zone_radius_km=np.asarray(radius, float), zone_cells=tuple(cells),
            zone_km=tuple(km))

    # ------------------------------------------------------------------ levers

    def base_levers(self, config: ModelConfig) -> Levers:
        """The scenario's own lever values (no policy in force), frozen."""
        sc, m = config.scenario, config.model
        c, n_units = self.n_countries, len(self.units.kind)
        own = np.int64(1) << np.arange(c, dtype=np.int64)
        per_country = {name: np.zeros(c) for name in
                       ("penalty_years", "conviction_rate", "bribe_acceptance",
                        "court_cases_per_day")}
        for iso, cc in sc.countries.items():
            k = self.country_index(iso)
            for name, arr in per_country.items():
                arr[k] = getattr(cc, name)
        mla = np.full((c, c), m.mla_delay_days, np.int64)
        np.fill_diagonal(mla, 0)
        return Levers(
            pursuit_bits=own.copy(), patrol_bits=own.copy(),
            joint_border=np.zeros(self.n_cells, bool), joint_focus=np.zeros(c),
            unit_effectiveness=np.ones(n_units),
            intel_share=np.eye(c, dtype=bool), intel_delay_days=np.zeros((c, c), np.int64),
            court_feedback=np.full(c, float(m.court_feedback)), mla_delay_days=mla,
            livelihood=self.community_livelihood.copy(),
            trust_target=self.community_trust.copy(),
            leader_hit_prob=np.zeros((c, len(self.commodities))),
            armed_presence=np.ones(self.armed.n), supply=np.ones(len(self.commodities)),
            source_supply=np.ones(self.n_cells),
            detection_focus=np.ones((c, len(self.commodities))),
            value_at_source=self.commodity_table["value_at_source_usd"].astype(float),
            value_at_destination=self.commodity_table["value_at_destination_usd"].astype(float),
            **per_country,
        ).frozen()


def great_circle_km(lon1, lat1, lon2, lat2):
    """Great-circle distance (km) between points given in degrees (haversine)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))
