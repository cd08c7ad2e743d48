"""The fixed 8-neighbourhood used by every grid kernel (order matters for exact twins)."""

import math

import numpy as np

from sim.constants import NEIGHBOURS

DROW = np.array([dr for dr, _ in NEIGHBOURS], dtype=np.int64)
"""Row offsets of the 8 neighbours, in the fixed order all kernels use."""
DCOL = np.array([dc for _, dc in NEIGHBOURS], dtype=np.int64)
"""Column offsets of the 8 neighbours."""
STEP_LEN = np.array([math.sqrt(2.0) if dr and dc else 1.0 for dr, dc in NEIGHBOURS],
                    dtype=np.float64)
"""Length of each neighbour step in cell edges (diagonals are sqrt 2)."""
