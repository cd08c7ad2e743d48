"""A small fictitious region for tests and teaching, in the same dict form as ``data/*.json``.

Everything here is invented: the countries Aland (AAA), Borduria (BBB) and Cesland (CCC) lie
side by side between a sea strip to the south and Exitland (ZZZ) to the north, on a 6° x 4°
box at lon 0..6, lat 0..4. At ``cell_km=25`` the grid is 18 x 27 cells.
"""

from __future__ import annotations

import copy

_COAST = 0.6
"""Latitude (degrees) of the straight coast of Aland and Cesland; Borduria has a bay."""

_NORTH = 3.2
"""Latitude (degrees) of the border with Exitland."""

_TOY = {
    "name": "toy",
    "bbox": [0.0, 0.0, 6.0, 4.0],
    "core": ["AAA", "BBB", "CCC"],
    "context": ["ZZZ"],
    "countries": [
        {"iso3": "AAA", "name": "Aland",
         "rings": [[[0.0, _COAST], [2.0, _COAST], [2.0, _NORTH], [0.0, _NORTH], [0.0, _COAST]]]},
        {"iso3": "BBB", "name": "Borduria",
         "rings": [[[2.0, _COAST], [2.6, 1.0], [3.4, 1.0], [4.0, _COAST], [4.0, _NORTH],
                    [2.0, _NORTH], [2.0, _COAST]]]},
        {"iso3": "CCC", "name": "Cesland",
         "rings": [[[4.0, _COAST], [6.0, _COAST], [6.0, _NORTH], [4.0, _NORTH], [4.0, _COAST]]]},
        {"iso3": "ZZZ", "name": "Exitland",
         "rings": [[[0.0, _NORTH], [6.0, _NORTH], [6.0, 4.0], [0.0, 4.0], [0.0, _NORTH]]]},
    ],
    "places": [
        {"name": "Alport", "role": "port", "country": "AAA", "lat": 0.7, "lon": 0.9},
        {"name": "Alden", "role": "capital", "country": "AAA", "lat": 2.2, "lon": 1.0},
        {"name": "Amber", "role": "market", "country": "AAA", "lat": 1.4, "lon": 1.6},
        {"name": "Borton", "role": "capital", "country": "BBB", "lat": 2.0, "lon": 3.0},
        {"name": "Bricken", "role": "town", "country": "BBB", "lat": 1.5, "lon": 2.5},
        {"name": "Bayside", "role": "town", "country": "BBB", "lat": 1.15, "lon": 3.0},
        {"name": "Bram", "role": "mine", "country": "BBB", "lat": 2.8, "lon": 3.4},
        {"name": "Cesport", "role": "port", "country": "CCC", "lat": 0.7, "lon": 5.1},
        {"name": "Celle", "role": "market", "country": "CCC", "lat": 1.6, "lon": 4.6},
        {"name": "Corvo", "role": "town", "country": "CCC", "lat": 2.5, "lon": 5.3},
        {"name": "North Gate", "role": "exit", "country": "ZZZ", "lat": 3.7, "lon": 1.2},
        {"name": "East Gate", "role": "exit", "country": "ZZZ", "lat": 3.7, "lon": 5.0},
    ],
    "crossings": [
        {"name": "Alder Bridge", "country_a": "AAA", "country_b": "BBB", "lat": 1.5, "lon": 2.0},
        {"name": "Cress Ford", "country_a": "BBB", "country_b": "CCC", "lat": 1.7, "lon": 4.0},
        {"name": "North Post", "country_a": "AAA", "country_b": "ZZZ", "lat": 3.2, "lon": 1.2},
        {"name": "Ridge Pass", "country_a": "BBB", "country_b": "ZZZ", "lat": 3.2, "lon": 3.3},
        {"name": "East Post", "country_a": "CCC", "country_b": "ZZZ", "lat": 3.2, "lon": 5.0},
    ],
    "corridors": [
        {"name": "Coast road", "places": ["Alport", "Amber", "Alder Bridge", "Bricken",
                                          "Borton", "Cress Ford", "Celle", "Cesport"]},
        {"name": "North road", "places": ["Alport", "Alden", "North Post", "North Gate"]},
        {"name": "Mine road", "places": ["Borton", "Bram", "Ridge Pass", "East Gate"]},
    ],
    "attribution": "Fictitious synthetic region for tests and teaching; no real geography.",
}


def toy_region() -> dict:
    """A fresh copy of the toy region description (safe to modify).

    Returns
    -------
    dict
        Same keys as the committed ``data/*.json`` files; coordinates in degrees,
        ``radius_km`` in km.
    """
    return copy.deepcopy(_TOY)
