"""Tests of the region rasteriser: layers, snapping of sites and crossings, corridors, errors."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim.region import (
    DEFAULT_CELL_KM,
    RegionError,
    available_regions,
    build_region,
    region_data,
)
from sim.region.raster import MAX_CELLS, NEIGHBOURS, grid_spec, rasterize

REGION_DIR = Path(__file__).resolve().parents[1] / "sim" / "region"
REGIONS = ("central_asia", "toy", "west_africa")


def neighbours(grid, cell: int) -> list[int]:
    """Country indices of the in-grid 8-neighbours of a flat cell."""
    ny, nx = grid.shape
    r, c = divmod(cell, nx)
    return [int(grid.country[r + dr, c + dc]) for dr, dc in NEIGHBOURS
            if 0 <= r + dr < ny and 0 <= c + dc < nx]


def component(mask: np.ndarray, start: int) -> set[int]:
    """Flat cells of the 8-connected component of ``mask`` containing ``start``."""
    ny, nx = mask.shape
    seen, todo = {start}, [start]
    while todo:
        r, c = divmod(todo.pop(), nx)
        for dr, dc in NEIGHBOURS:
            rr, cc = r + dr, c + dc
            if 0 <= rr < ny and 0 <= cc < nx and mask[rr, cc] and rr * nx + cc not in seen:
                seen.add(rr * nx + cc)
                todo.append(rr * nx + cc)
    return seen


@pytest.fixture(scope="module", params=REGIONS)
def grid(request):
    return build_region(request.param, DEFAULT_CELL_KM[request.param])


def test_available_regions():
    assert available_regions() == REGIONS


def test_default_sizes():
    assert build_region("west_africa", 15).shape == (173, 204)
    assert build_region("central_asia", 15).shape == (133, 125)
    assert build_region("toy", 25).shape == (18, 27)


def test_layers_have_shapes_dtypes_and_are_read_only(grid):
    ny, nx = grid.shape
    assert grid.country.dtype == np.int16 and grid.country.shape == (ny, nx)
    assert grid.corridor.dtype == bool and grid.border.dtype == bool
    assert grid.core.shape == (len(grid.countries),) == (len(grid.country_names),)
    assert grid.country.min() >= -1 and grid.country.max() < len(grid.countries)
    with pytest.raises(ValueError):
        grid.country[0, 0] = 1
    assert build_region(grid.name, grid.cell_km) is grid  # memoised


def test_every_core_country_has_cells(grid):
    assert grid.core.sum() >= 3
    for k in np.flatnonzero(grid.core):
        assert (grid.country == k).sum() > 20, grid.countries[k]


def test_border_layer_is_land_next_to_another_country(grid):
    ny, nx = grid.shape
    expected = np.zeros(grid.shape, dtype=bool)
    for cell in range(ny * nx):
        own = grid.country.flat[cell]
        expected.flat[cell] = own >= 0 and any(k >= 0 and k != own
                                               for k in neighbours(grid, cell))
    np.testing.assert_array_equal(grid.border, expected)


def test_crossings_sit_on_the_border_between_their_countries(grid):
    assert len(grid.crossings) >= 3
    for c in grid.crossings:
        a, b = grid.country_index(c.country_a), grid.country_index(c.country_b)
        assert grid.country.flat[c.cell] == a, c.name
        assert grid.border.flat[c.cell], c.name
        assert b in neighbours(grid, c.cell), c.name


def test_sites_lie_in_their_country(grid):
    roles = {s.role for s in grid.sites}
    assert {"capital", "exit"} <= roles
    for s in grid.sites:
        assert grid.country.flat[s.cell] == grid.country_index(s.country), s.name


def test_sites_are_snapped_near_their_coordinates(grid):
    for s in [*grid.sites, *grid.crossings]:
        lon, lat = grid.cell_center(s.cell)
        km = math.hypot((lon - s.lon) * 111.32 * math.cos(math.radians(s.lat)),
                        (lat - s.lat) * 110.574)
        assert km < 1.5 * grid.cell_km, (s.name, km)


def test_ports_are_land_cells_next_to_the_sea(grid):
    ports = [s for s in grid.sites if s.role == "port"]
    if grid.name == "central_asia":
        assert not ports
        return
    assert len(ports) >= 2
    for p in ports:
        assert grid.country.flat[p.cell] >= 0
        assert -1 in neighbours(grid, p.cell), p.name


def test_inland_port_is_moved_to_the_coast():
    data = region_data("toy")
    port = next(p for p in data["places"] if p["name"] == "Alport")
    port["lat"] = 1.6  # 1° inland
    grid = rasterize(data, 25)
    assert -1 in neighbours(grid, grid.site("Alport").cell)


def test_holes_are_outside_and_enclaves_inside():
    data = region_data("toy")
    hole = [[2.5, 1.6], [3.5, 1.6], [3.5, 2.6], [2.5, 2.6], [2.5, 1.6]]
    islet = [[2.8, 1.9], [3.2, 1.9], [3.2, 2.3], [2.8, 2.3], [2.8, 1.9]]
    bbb = next(c for c in data["countries"] if c["iso3"] == "BBB")
    bbb["rings"].append(hole)
    data["countries"].insert(0, {"iso3": "EEE", "name": "Enclave", "rings": [islet]})
    data["places"] = [p for p in data["places"] if p["name"] not in {"Borton", "Bricken"}]
    data["corridors"] = []
    grid = rasterize(data, 10)

    def at(lon, lat):
        col, row = int((lon - grid.lon0) / grid.dlon), int((lat - grid.lat0) / grid.dlat)
        return grid.countries[grid.country[row, col]] if grid.country[row, col] >= 0 else None

    assert at(2.6, 1.7) is None  # in the hole: a lake
    assert at(3.0, 2.1) == "EEE"  # in the enclave
    assert at(2.2, 2.1) == "BBB"


def test_corridors_are_land_and_pass_through_their_places(grid):
    assert not (grid.corridor & ~grid.land).any()
    for cor in region_data(grid.name)["corridors"]:
        for name in cor["places"]:
            assert grid.corridor.flat[grid.site(name).cell], (cor["name"], name)


def test_each_corridor_is_one_connected_chain(grid):
    data = region_data(grid.name)
    for cor in data["corridors"]:
        alone = rasterize({**data, "corridors": [cor]}, grid.cell_km)
        cells = component(alone.corridor, alone.site(cor["places"][0]).cell)
        assert len(cells) == alone.corridor.sum(), cor["name"]
        for name in cor["places"]:
            assert alone.site(name).cell in cells, (cor["name"], name)


def test_west_africa_coastal_corridor_spans_abidjan_to_lagos():
    grid = build_region("west_africa", 15)
    data = region_data("west_africa")
    coastal = [c for c in data["corridors"] if c["name"] == "Abidjan-Lagos coastal"]
    alone = rasterize({**data, "corridors": coastal}, 15)
    cells = component(alone.corridor, grid.site("Abidjan").cell)
    for name in ("Lagos", "Seme", "Hillacondji", "Aflao", "Elubo-Noe", "Lome", "Cotonou"):
        assert grid.site(name).cell in cells, name
    lon, _ = grid.cell_center(np.array(sorted(cells)))
    assert lon.min() <= grid.site("Abidjan").lon + 0.2
    assert lon.max() >= grid.site("Lagos").lon - 0.2


def test_named_west_africa_places_resolve():
    grid = build_region("west_africa", 15)
    expected = {"Seme": "crossing", "Kantchari": "crossing", "Hillacondji": "crossing",
                "In Guezzam": "crossing", "Malanville-Gaya": "crossing", "Lome": "port",
                "Cotonou": "port", "Birni N'Konni": "market", "Tamanghasset": "exit",
                "Sabha": "exit", "Gao": "hub", "Pama": "mine", "Niamey": "capital"}
    for name, role in expected.items():
        assert grid.site(name).role == role, name
    assert grid.site("Seme").country == "BEN"  # crossings report their country_a
    with pytest.raises(KeyError, match="Atlantis"):
        grid.site("Atlantis")


def test_central_asia_crossings_face_afghanistan():
    grid = build_region("central_asia", 15)
    for name in ("Panji Poyon", "Termez-Hairatan", "Tem-Demogan", "Ishkashim", "Darvaz",
                 "Serhetabat"):
        crossing = next(c for c in grid.crossings if c.name == name)
        assert crossing.country_b == "AFG"
    assert not grid.core[grid.country_index("AFG")]
    assert grid.site("Astana").role == "exit"


def test_site_and_crossing_names_are_unique(grid):
    names = [s.name for s in grid.sites] + [c.name for c in grid.crossings]
    assert len(names) == len(set(names))


def test_cell_count_scales_with_inverse_square_of_cell_km():
    for name in REGIONS:
        data = region_data(name)
        fine, coarse = rasterize(data, 10).n_cells, rasterize(data, 20).n_cells
        assert fine / coarse == pytest.approx(4.0, rel=0.08), name


def test_build_is_deterministic():
    data = region_data("west_africa")
    a, b = rasterize(data, 20), rasterize(data, 20)
    for layer in ("country", "corridor", "border", "core"):
        np.testing.assert_array_equal(getattr(a, layer), getattr(b, layer))
    assert a.sites == b.sites and a.crossings == b.crossings


@pytest.mark.parametrize("name", ["atlantis", "West_Africa", ""])
def test_unknown_region_is_rejected(name):
    with pytest.raises(RegionError, match=f"unknown region {name!r}.*west_africa"):
        build_region(name, 15)


@pytest.mark.parametrize("cell_km", [0, 1.5, 200.5, 1e9, -15, float("nan"), True, "15"])
def test_bad_cell_km_is_rejected(cell_km):
    with pytest.raises(RegionError, match=r"cell_km=.*\[2, 200\]") as info:
        build_region("toy", cell_km)
    assert repr(cell_km) in str(info.value)


def test_too_many_cells_is_rejected():
    with pytest.raises(RegionError, match="cell_km=2 gives .* more than the 4,000,000"):
        grid_spec((-20.0, -30.0, 60.0, 40.0), 2)
    assert MAX_CELLS == 4_000_000


def test_unplaceable_crossing_names_itself():
    with pytest.raises(RegionError, match="crossing 'Cinkanse'.*cell_km=200"):
        build_region("west_africa", 200)


def test_region_files_carry_attribution():
    for name in ("west_africa", "central_asia"):
        path = REGION_DIR / "data" / f"{name}.json"
        assert path.stat().st_size < 400_000
        data = json.loads(path.read_text(encoding="utf-8"))
        assert "Natural Earth" in data["attribution"] and "GeoNames" in data["attribution"]
        assert all(p["source"] for p in data["places"])
        assert build_region(name, 15).attribution == data["attribution"]
    notes = (REGION_DIR / "data" / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "public domain" in notes and "CC BY 4.0" in notes


def test_runtime_does_not_import_build_time_packages():
    for path in REGION_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                    node.module or ""]
                for n in names:
                    assert n.split(".")[0] not in {"shapely", "shapefile", "pyshp"}, path
