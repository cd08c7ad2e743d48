"""Regions: the rasterised real (or toy) geography a simulation runs on.

>>> from sim.region import build_region
>>> grid = build_region("toy", 25.0)
>>> grid.shape, grid.site("Alport").role
((18, 27), 'port')
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from sim.region.grid import SETTLEMENT_ROLES, Crossing, RegionGrid, Site
from sim.region.raster import CELL_KM_RANGE, RegionError, rasterize
from sim.region.toy import toy_region

__all__ = [
    "CELL_KM_RANGE", "DEFAULT_CELL_KM", "SETTLEMENT_ROLES", "Crossing", "RegionError",
    "RegionGrid", "Site", "available_regions", "build_region", "region_data",
]

DATA_DIR = Path(__file__).with_name("data")
"""Folder of the committed region files (written by ``tools/build_regions.py``)."""

DEFAULT_CELL_KM = {"central_asia": 15.0, "toy": 25.0, "west_africa": 15.0}
"""Default cell edge length (km) of each region."""


def available_regions() -> tuple[str, ...]:
    """Names of the regions :func:`build_region` knows, sorted."""
    return tuple(sorted(DEFAULT_CELL_KM))


def region_data(name: str) -> dict:
    """The region description (a fresh dict): parsed ``data/<name>.json``, or the toy.

    Raises
    ------
    RegionError
        If ``name`` is not one of :func:`available_regions`.
    """
    if name not in DEFAULT_CELL_KM:
        raise RegionError(f"unknown region {name!r}; allowed: {', '.join(available_regions())}")
    if name == "toy":
        return toy_region()
    return json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=16)
def build_region(name: str, cell_km: float) -> RegionGrid:
    """Build (once, then cached) the :class:`RegionGrid` of a region at a cell size.

    Parameters
    ----------
    name : str
        One of :func:`available_regions`: ``"central_asia"``, ``"toy"``, ``"west_africa"``.
    cell_km : float
        Cell edge length (km), within ``CELL_KM_RANGE`` = [2, 200]; defaults per region in
        :data:`DEFAULT_CELL_KM`. West Africa at 15 km is 173 x 204 cells.

    Returns
    -------
    RegionGrid
        Shared between callers (it is cached): its arrays are read-only.

    Raises
    ------
    RegionError
        Unknown region, ``cell_km`` out of range, a grid over 4,000,000 cells, or a place that
        cannot be snapped at this resolution (the message names the bad value).
    """
    return rasterize(region_data(name), cell_km)
