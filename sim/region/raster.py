"""Rasterise a region description (JSON dict or the toy dict) into a :class:`RegionGrid`.

The description is the dict written by ``tools/build_regions.py`` (see ``data/*.json``):
``name``, ``bbox``, ``core``, ``countries`` (``iso3``, ``name``, ``rings``), ``places``,
``crossings``, ``corridors`` and ``attribution``. Only numpy and
``matplotlib.path`` are used, so building needs no GIS library.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
from matplotlib.path import Path

from sim.constants import KM_PER_DEG_LAT, KM_PER_DEG_LON_EQUATOR, NEIGHBOURS
from sim.region.grid import Crossing, RegionGrid, Site

CELL_KM_RANGE = (2.0, 200.0)
"""Allowed cell edge lengths (km), inclusive."""

MAX_CELLS = 4_000_000
"""Largest grid (ny * nx) that :func:`rasterize` builds."""

PLACE_ROLES = frozenset({"port", "capital", "hub", "town", "exit", "market", "mine"})
"""Roles a place may have (crossings are listed separately)."""


class RegionError(ValueError):
    """A region name, cell size or region description that cannot be built."""


def grid_spec(bbox, cell_km: float) -> tuple[int, int, float, float]:
    """Grid shape and spacing for a bounding box at a nominal cell size.

    Parameters
    ----------
    bbox : sequence of 4 float
        ``(lon_min, lat_min, lon_max, lat_max)`` in degrees.
    cell_km : float
        Cell edge length (km), in :data:`CELL_KM_RANGE`.

    Returns
    -------
    ny, nx : int
        Rows (south to north) and columns (west to east). Both are rounded so that every
        cell centre lies inside ``bbox``.
    dlon, dlat : float
        Cell size (degrees): ``dlat = cell_km / KM_PER_DEG_LAT`` and
        ``dlon = cell_km / (KM_PER_DEG_LON_EQUATOR * cos(mid-latitude))``, so cells are
        ``cell_km`` wide at the bbox's middle latitude only.
    """
    lo, hi = CELL_KM_RANGE
    if (isinstance(cell_km, bool) or not isinstance(cell_km, Real)
            or not math.isfinite(cell_km) or not lo <= cell_km <= hi):
        raise RegionError(f"cell_km={cell_km!r} is outside the allowed range [{lo:g}, {hi:g}] km")
    lon_min, lat_min, lon_max, lat_max = bbox
    dlat = cell_km / KM_PER_DEG_LAT
    mid = math.radians(0.5 * (lat_min + lat_max))
    dlon = cell_km / (KM_PER_DEG_LON_EQUATOR * math.cos(mid))
    ny = max(1, round((lat_max - lat_min) / dlat))
    nx = max(1, round((lon_max - lon_min) / dlon))
    if ny * nx > MAX_CELLS:
        raise RegionError(f"cell_km={cell_km!r} gives {ny * nx:,} cells, more than the "
                          f"{MAX_CELLS:,} allowed; use a larger cell_km")
    return ny, nx, dlon, dlat


def rasterize(data: dict, cell_km: float) -> RegionGrid:
    """Build the raster layers, sites and crossings of one region at one cell size.

    Parameters
    ----------
    data : dict
        Region description (see the module docstring). Not modified.
    cell_km : float
        Nominal cell edge length (km).

    Returns
    -------
    RegionGrid
        With read-only arrays. Sites are snapped to the nearest land cell of their own country
        (ports: the nearest such cell touching the sea, when the country has one); crossings to
        the nearest cell of ``country_a`` with an 8-neighbour in ``country_b``.

    Raises
    ------
    RegionError
        Bad ``cell_km``, too many cells, unknown country or role, or a place, crossing or
        corridor that cannot be placed at this resolution.
    """
    name = data["name"]
    lon_min, lat_min = data["bbox"][0], data["bbox"][1]
    ny, nx, dlon, dlat = grid_spec(data["bbox"], cell_km)
    lon_c = lon_min + (np.arange(nx) + 0.5) * dlon
    lat_c = lat_min + (np.arange(ny) + 0.5) * dlat

    isos = tuple(c["iso3"] for c in data["countries"])
    outlines = {c["iso3"]: [np.asarray(r, dtype=float) for r in c["rings"]]
                for c in data["countries"]}
    country = np.full((ny, nx), -1, dtype=np.int16)
    for k, iso in enumerate(isos):
        country[_inside(outlines[iso], lon_c, lat_c)] = k
    land = country >= 0
    border = _border(country)
    grid_lon, grid_lat = np.meshgrid(lon_c, lat_c)

    def index_of(iso: str, what: str) -> int:
        if iso not in isos:
            raise RegionError(f"{what}: country {iso!r} is not in region {name!r}")
        return isos.index(iso)

    def nearest(mask: np.ndarray, lon: float, lat: float, problem: str) -> int:
        cells = np.flatnonzero(mask)
        if cells.size == 0:
            raise RegionError(f"{problem} in region {name!r} at cell_km={cell_km:g}; "
                              "use a smaller cell_km")
        d2 = _dist2_km(grid_lon.ravel()[cells], grid_lat.ravel()[cells], lon, lat)
        return int(cells[np.argmin(d2)])

    coast = land & _dilate(~land)
    sites = []
    for p in data["places"]:
        what = f"site {p['name']!r}"
        if p["role"] not in PLACE_ROLES:
            raise RegionError(f"{what}: role {p['role']!r} is not one of "
                              f"{', '.join(sorted(PLACE_ROLES))}")
        own = country == index_of(p["country"], what)
        if p["role"] == "port" and (own & coast).any():
            own &= coast
        cell = nearest(own, p["lon"], p["lat"], f"{what}: {p['country']} has no cell")
        sites.append(Site(p["name"], p["role"], p["country"], cell, p["lat"], p["lon"]))

    crossings = []
    for c in data["crossings"]:
        what = f"crossing {c['name']!r}"
        ka, kb = index_of(c["country_a"], what), index_of(c["country_b"], what)
        touching = (country == ka) & _dilate(country == kb)
        cell = nearest(touching, c["lon"], c["lat"],
                       f"{what}: no {c['country_a']} cell touches {c['country_b']}")
        crossings.append(Crossing(c["name"], cell, c["country_a"], c["country_b"],
                                  c["lat"], c["lon"]))

    corridor = _corridors(data, country, sites, crossings, cell_km)
    layers = dict(country=country, corridor=corridor, border=border,
                  core=np.array([iso in data["core"] for iso in isos], dtype=bool))
    for arr in [*layers.values(), *(r for rings in outlines.values() for r in rings)]:
        arr.flags.writeable = False
    return RegionGrid(
        name=name, cell_km=float(cell_km), lon0=float(lon_min), lat0=float(lat_min),
        dlon=dlon, dlat=dlat, countries=isos,
        country_names=tuple(c["name"] for c in data["countries"]),
        crossings=tuple(crossings), sites=tuple(sites), outlines=outlines,
        attribution=data["attribution"], **layers,
    )


def _inside(rings: list[np.ndarray], lon_c: np.ndarray, lat_c: np.ndarray) -> np.ndarray:
    """(ny, nx) bool: cell centres inside the rings by the even-odd rule (holes excluded)."""
    mask = np.zeros((lat_c.size, lon_c.size), dtype=bool)
    for ring in rings:
        c0, c1 = np.searchsorted(lon_c, ring[:, 0].min()), np.searchsorted(
            lon_c, ring[:, 0].max(), side="right")
        r0, r1 = np.searchsorted(lat_c, ring[:, 1].min()), np.searchsorted(
            lat_c, ring[:, 1].max(), side="right")
        if c0 >= c1 or r0 >= r1:
            continue
        gx, gy = np.meshgrid(lon_c[c0:c1], lat_c[r0:r1])
        hit = Path(ring, closed=True).contains_points(np.column_stack([gx.ravel(), gy.ravel()]))
        mask[r0:r1, c0:c1] ^= hit.reshape(r1 - r0, c1 - c0)
    return mask


def _shifted(a: np.ndarray, fill) -> list[np.ndarray]:
    """The 8 neighbour views of ``a`` (NEIGHBOURS order), padded with ``fill`` at the edges."""
    ny, nx = a.shape
    p = np.pad(a, 1, constant_values=fill)
    return [p[1 + dr:1 + dr + ny, 1 + dc:1 + dc + nx] for dr, dc in NEIGHBOURS]


def _dilate(mask: np.ndarray) -> np.ndarray:
    """8-neighbour dilation of a bool array (cells in or next to ``mask``)."""
    out = mask.copy()
    for view in _shifted(mask, False):
        out |= view
    return out


def _border(country: np.ndarray) -> np.ndarray:
    """Land cells with an 8-neighbour in a different land country."""
    border = np.zeros(country.shape, dtype=bool)
    for view in _shifted(country, -1):
        border |= (view >= 0) & (view != country)
    return border & (country >= 0)


def _dist2_km(lon, lat, lon0: float, lat0: float):
    """Squared distance (km²) from (lon0, lat0), equirectangular at the mean latitude."""
    coslat = np.cos(np.radians(0.5 * (lat + lat0)))
    dx = (lon - lon0) * KM_PER_DEG_LON_EQUATOR * coslat
    dy = (lat - lat0) * KM_PER_DEG_LAT
    return dx * dx + dy * dy


def _corridors(data, country, sites, crossings, cell_km) -> np.ndarray:
    """Corridor layer: each segment joins the snapped cells of consecutive places.

    A segment is the straight line between the two cells (sampled every 0.25 cell), if all
    its cells are land of the countries of its two ends; otherwise the shortest 8-connected
    path through those countries' land (standing for a road around a bay or along a border).
    """
    ny, nx = country.shape
    isos = [c["iso3"] for c in data["countries"]]
    ends = {s.name: (s.cell, {isos.index(s.country)}) for s in sites}
    ends.update({c.name: (c.cell, {isos.index(c.country_a), isos.index(c.country_b)})
                 for c in crossings})
    corridor = np.zeros((ny, nx), dtype=bool)
    for cor in data["corridors"]:
        for a, b in zip(cor["places"][:-1], cor["places"][1:], strict=True):
            for n in (a, b):
                if n not in ends:
                    raise RegionError(f"corridor {cor['name']!r}: unknown place {n!r}")
            (ca, ka), (cb, kb) = ends[a], ends[b]
            allowed = np.isin(country, list(ka | kb))
            start, goal = divmod(ca, nx), divmod(cb, nx)
            path = _line(start, goal)
            if not allowed[path].all():
                path = _shortest_path(allowed, start, goal)
            if path is None:
                raise RegionError(f"corridor {cor['name']!r}: no land path {a} -> {b} at "
                                  f"cell_km={cell_km:g}")
            corridor[path] = True
    return corridor


def _line(start: tuple[int, int], goal: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the cells on the straight line between two cells (8-connected)."""
    n = 4 * max(abs(goal[0] - start[0]), abs(goal[1] - start[1])) + 1
    t = np.linspace(0.0, 1.0, n)
    rows = np.rint(start[0] + t * (goal[0] - start[0])).astype(np.intp)
    cols = np.rint(start[1] + t * (goal[1] - start[1])).astype(np.intp)
    return rows, cols


def _shortest_path(allowed: np.ndarray, start, goal):
    """Shortest 8-connected path of ``allowed`` cells, as (rows, cols); None if none exists.

    Breadth-first search by repeated dilation inside a window around the two cells (widened
    until found); among equally short steps back from the goal, the one nearest the straight
    line is taken, then the first in NEIGHBOURS order (deterministic).
    """
    ny, nx = allowed.shape
    (r0, c0), (r1, c1) = start, goal
    for margin in (4, 16, max(ny, nx)):
        top, left = max(min(r0, r1) - margin, 0), max(min(c0, c1) - margin, 0)
        sub = allowed[top:max(r0, r1) + margin + 1, left:max(c0, c1) + margin + 1]
        s, g = (r0 - top, c0 - left), (r1 - top, c1 - left)
        dist = np.full(sub.shape, -1, dtype=np.int32)
        dist[s] = 0
        front = np.zeros(sub.shape, dtype=bool)
        front[s] = True
        step = 0
        while front.any() and dist[g] < 0:
            step += 1
            front = _dilate(front) & sub & (dist < 0)
            dist[front] = step
        if dist[g] < 0:
            continue
        path = [g]
        while dist[path[-1]] > 0:
            r, c = path[-1]
            options = [(r + dr, c + dc) for dr, dc in NEIGHBOURS
                       if 0 <= r + dr < sub.shape[0] and 0 <= c + dc < sub.shape[1]
                       and dist[r + dr, c + dc] == dist[r, c] - 1]
            path.append(min(options, key=lambda q: _off_line(q, s, g)))
        rows, cols = np.array(path).T
        return rows + top, cols + left
    return None


def _off_line(q, s, g) -> float:
    """Distance (cells) of cell q from the straight line through cells s and g."""
    (qr, qc), (sr, sc), (gr, gc) = q, s, g
    length = math.hypot(gr - sr, gc - sc)
    if length == 0.0:
        return math.hypot(qr - sr, qc - sc)
    return abs((gr - sr) * (sc - qc) - (sr - qr) * (gc - sc)) / length
