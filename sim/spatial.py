"""Small raster helpers: disks of cells around points, and distance-based dilation."""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy import ndimage


@cache
def disk_offsets(radius_cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row/col offsets of the cells within ``radius_cells`` and their linear weights
    (computed once per radius; the arrays are read-only).

    Returns
    -------
    drow, dcol : int64 (m,)
    weight : float64 (m,)
        ``1 - d / (radius_cells + 1)`` with ``d`` the distance in cells (1 at the centre).
    """
    r = max(int(radius_cells), 0)
    dr, dc = np.mgrid[-r: r + 1, -r: r + 1]
    d = np.hypot(dr, dc)
    keep = d <= r + 1e-9
    out = dr[keep].ravel(), dc[keep].ravel(), (1.0 - d[keep] / (r + 1)).ravel()
    for arr in out:
        arr.flags.writeable = False
    return out


def disk_cells(cells: np.ndarray, shape: tuple[int, int], radius_cells: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Cells within ``radius_cells`` of each of ``cells`` (flat indices).

    Returns
    -------
    targets : int64 (s, m)
        Flat indices, -1 where the disk leaves the grid.
    weight : float64 (m,)
        Linear distance weight of each offset (see :func:`disk_offsets`).
    """
    ny, nx = shape
    drow, dcol, w = disk_offsets(radius_cells)
    row, col = np.divmod(np.asarray(cells, np.int64), nx)
    r = row[:, None] + drow[None, :]
    c = col[:, None] + dcol[None, :]
    inside = (r >= 0) & (r < ny) & (c >= 0) & (c < nx)
    return np.where(inside, r * nx + c, -1), w


def km_to_cells(km: float, cell_km: float) -> int:
    """Whole number of cells nearest to a distance in km."""
    return int(round(km / cell_km))


def near_country_bits(country: np.ndarray, radius_cells: int) -> np.ndarray:
    """Per cell, a bit mask of the *other* countries within ``radius_cells``.

    Parameters
    ----------
    country : int16 (ny, nx)
        Country index per cell, -1 for sea.

    Returns
    -------
    int64 (ny, nx)
        Bit ``k`` set when a cell of country ``k`` (not the cell's own) is within range.
    """
    n_countries = int(country.max()) + 1
    if n_countries > 63:
        raise ValueError(f"{n_countries} countries: at most 63 are supported")
    drow, dcol, _ = disk_offsets(radius_cells)
    size = 2 * max(radius_cells, 0) + 1
    footprint = np.zeros((size, size), bool)
    footprint[drow + radius_cells, dcol + radius_cells] = True
    bits = np.zeros(country.shape, np.int64)
    for k in range(n_countries):
        mine = country == k
        if not mine.any():
            continue
        near = ndimage.binary_dilation(mine, structure=footprint) & ~mine
        bits[near] |= np.int64(1) << np.int64(k)
    return bits
