"""The rasterised region: numpy layers on a regular lon/lat grid, and the places on it.

A :class:`RegionGrid` is what the model sees of geography. It is built once per
(region, cell size) by :func:`sim.region.build_region` and never changed by a run.
Cells are addressed either as ``(row, col)`` with row 0 at the *south* edge, or by
the flat index ``cell = row * nx + col`` that every kernel uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Site:
    """A named place snapped to one grid cell.

    Parameters
    ----------
    name : str
        Place name as in the region data (``coords.csv`` spelling).
    role : str
        One of ``"port"``, ``"capital"``, ``"hub"``, ``"town"``, ``"exit"``,
        ``"market"``, ``"mine"``, ``"crossing"``.
    country : str
        ISO 3166-1 alpha-3 code of the country the cell belongs to.
    cell : int
        Flat cell index.
    lat, lon : float
        Original coordinates (degrees, WGS84) before snapping.
    """

    name: str
    role: str
    country: str
    cell: int
    lat: float
    lon: float


@dataclass(frozen=True)
class Crossing:
    """An official border crossing, snapped onto the border between two countries.

    Parameters
    ----------
    name : str
        Crossing name.
    cell : int
        Flat index of a border cell of ``country_a`` that touches ``country_b``.
    country_a, country_b : str
        ISO3 codes of the two countries the crossing joins (``country_a`` owns ``cell``).
    lat, lon : float
        Original coordinates (degrees) before snapping.
    """

    name: str
    cell: int
    country_a: str
    country_b: str
    lat: float
    lon: float


@dataclass(frozen=True)
class RegionGrid:
    """Raster layers of one region at one cell size.

    Parameters
    ----------
    name : str
        Region name (``"west_africa"``, ``"central_asia"``, ``"toy"``).
    cell_km : float
        Nominal cell edge length (km).
    lon0, lat0 : float
        Longitude/latitude (degrees) of the south-west corner of cell (0, 0).
    dlon, dlat : float
        Cell size in degrees of longitude and latitude.
    countries : tuple of str
        ISO3 codes; ``country`` layer values index into this tuple.
    country_names : tuple of str
        Human-readable names, same order as ``countries``.
    core : numpy.ndarray of bool, shape (n_countries,)
        True for the scenario's own countries (enforcement, communities, courts);
        False for context countries (passable, no enforcement, e.g. exits' countries).
    country : numpy.ndarray of int16, shape (ny, nx)
        Country index of each cell; -1 for sea / outside every outline.
    corridor : numpy.ndarray of bool, shape (ny, nx)
        True on cells of a road or trade corridor.
    border : numpy.ndarray of bool, shape (ny, nx)
        True on land cells with an 8-neighbour in a different (land) country.
    crossings : tuple of Crossing
        Official crossings, snapped to the border.
    sites : tuple of Site
        Ports, capitals, hubs, towns, exits, markets, mines (settlements are the sites
        with a role in ``SETTLEMENT_ROLES``).
    outlines : dict of str to list of numpy.ndarray
        Per ISO3 code, the simplified polygon rings as (k, 2) arrays of (lon, lat),
        used only for drawing maps.
    attribution : str
        Data sources and licences of the geography.
    """

    name: str
    cell_km: float
    lon0: float
    lat0: float
    dlon: float
    dlat: float
    countries: tuple[str, ...]
    country_names: tuple[str, ...]
    core: np.ndarray
    country: np.ndarray
    corridor: np.ndarray
    border: np.ndarray
    crossings: tuple[Crossing, ...]
    sites: tuple[Site, ...]
    outlines: dict = field(default_factory=dict, compare=False, repr=False)
    attribution: str = ""

    @property
    def shape(self) -> tuple[int, int]:
        """Grid shape ``(ny, nx)``."""
        return self.country.shape

    @property
    def n_cells(self) -> int:
        """Number of cells ``ny * nx``."""
        return int(self.country.size)

    @property
    def land(self) -> np.ndarray:
        """Boolean (ny, nx) mask of cells inside any country outline."""
        return self.country >= 0

    def country_index(self, iso3: str) -> int:
        """Index of an ISO3 code in :attr:`countries` (ValueError if absent)."""
        return self.countries.index(iso3)

    def site(self, name: str) -> Site:
        """The site called ``name`` (KeyError naming the known sites if absent)."""
        for s in self.sites:
            if s.name == name:
                return s
        for c in self.crossings:
            if c.name == name:
                return Site(c.name, "crossing", c.country_a, c.cell, c.lat, c.lon)
        known = sorted({s.name for s in self.sites} | {c.name for c in self.crossings})
        raise KeyError(f"no site {name!r} in region {self.name!r}; known: {', '.join(known)}")

    def cell_center(self, cell: int | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lon, lat) in degrees of the centre of flat cell index/indices."""
        ny, nx = self.shape
        row, col = np.divmod(np.asarray(cell), nx)
        return self.lon0 + (col + 0.5) * self.dlon, self.lat0 + (row + 0.5) * self.dlat

    def extent(self) -> tuple[float, float, float, float]:
        """(lon_min, lon_max, lat_min, lat_max) for ``imshow(..., origin="lower")``."""
        ny, nx = self.shape
        return (self.lon0, self.lon0 + nx * self.dlon, self.lat0, self.lat0 + ny * self.dlat)


SETTLEMENT_ROLES = frozenset({"capital", "hub", "town", "port", "market"})
"""Site roles that host a community."""
