"""Physical and calendar constants, defined once for the whole project."""

DAYS_PER_YEAR = 365.0
"""Days in a model year (one step is one day)."""

EARTH_RADIUS_KM = 6371.0
"""Mean Earth radius (km), for great-circle distances."""

KM_PER_DEG_LAT = 110.574
"""Kilometres per degree of latitude (WGS84 mean, used for the grid spacing)."""

KM_PER_DEG_LON_EQUATOR = 111.320
"""Kilometres per degree of longitude at the equator."""

NEIGHBOURS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))
"""The 8 (row, col) neighbour offsets, in the one fixed order every grid computation uses
(kernels and their twins must visit neighbours in the same order to agree exactly)."""

COMMODITY_KINDS = ("drug", "fuel", "mineral")
"""Kinds of commodity: a policy may target commodities by kind (task forces: drugs)."""
