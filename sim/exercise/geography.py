"""Where a delegation may act: the places, neighbours, areas and posts of an exercise's region."""

from __future__ import annotations

import numpy as np

from sim.config import ModelConfig
from sim.world import POST, World, great_circle_km


class Geography:
    """Read-only geography of a run for judging decisions.

    Parameters
    ----------
    world : World
        The run's immutable layers (region grid, border units).
    config : ModelConfig
        The run's config (for the scenario's own lever values).
    """

    def __init__(self, world: World, config: ModelConfig):
        self.world = world
        self.base = world.base_levers(config)
        """The scenario's own lever values (no change in force)."""
        region = world.region
        self.core = tuple(iso for iso, k in zip(region.countries, region.core, strict=True) if k)
        """Core countries of the region (ISO3), in region order."""
        cells = np.arange(world.n_cells)
        self.lon, self.lat = region.cell_center(cells)
        self.cell_country = np.asarray(world.country).ravel()
        self.land = np.asarray(world.land).ravel()
        self.neighbours = _neighbours(np.asarray(region.country), region.countries)
        """ISO3 -> the countries it shares a land border with (sorted)."""

    def site_names(self) -> list[str]:
        """Every place and crossing of the region, by name."""
        region = self.world.region
        return [s.name for s in region.sites] + [c.name for c in region.crossings]

    def site(self, name: str):
        """The place or crossing called ``name`` (KeyError if there is none)."""
        return self.world.region.site(name)

    def site_countries(self, name: str) -> tuple[str, ...]:
        """The country of a place, or the two countries of a crossing (ISO3)."""
        site = self.site(name)
        if hasattr(site, "country_a"):
            return (site.country_a, site.country_b)
        return (site.country,)

    def area_cells(self, name: str, radius_km: float, countries) -> np.ndarray:
        """Land cells of ``countries`` (ISO3) within ``radius_km`` (km) of site ``name``
        (flat cell indices, ascending)."""
        site = self.site(name)
        lon, lat = self.world.region.cell_center(site.cell)
        near = great_circle_km(lon, lat, self.lon, self.lat) <= radius_km
        ks = [self.world.country_index(iso) for iso in countries]
        return np.flatnonzero(near & self.land & np.isin(self.cell_country, ks))

    def posts_near(self, name: str, radius_km: float, iso: str) -> np.ndarray:
        """Unit indices of country ``iso``'s border posts within ``radius_km`` (km) of site
        ``name`` (ascending)."""
        units = self.world.units
        posts = np.flatnonzero(units.kind == POST)
        site = self.site(name)
        lon, lat = self.world.region.cell_center(site.cell)
        plon, plat = self.world.region.cell_center(units.post_cell[: len(posts)])
        near = great_circle_km(lon, lat, plon, plat) <= radius_km
        mine = units.country[posts] == self.world.country_index(iso)
        return posts[near & mine]


def _neighbours(country: np.ndarray, codes) -> dict[str, tuple[str, ...]]:
    """Countries whose cells touch (4-neighbourhood) on the grid ``country`` (-1 = sea)."""
    pairs = set()
    for a, b in ((country[:, :-1], country[:, 1:]), (country[:-1, :], country[1:, :])):
        both = (a >= 0) & (b >= 0) & (a != b)
        pairs.update(zip(a[both].tolist(), b[both].tolist(), strict=True))
    out: dict[str, set[str]] = {iso: set() for iso in codes}
    for i, j in pairs:
        out[codes[i]].add(codes[j])
        out[codes[j]].add(codes[i])
    return {iso: tuple(sorted(v)) for iso, v in out.items()}
