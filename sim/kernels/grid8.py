"""The fixed 8-neighbourhood used by every grid kernel (order matters for exact twins)."""

import math

import numpy as np

DROW = np.array([-1, -1, -1, 0, 0, 1, 1, 1], dtype=np.int64)
"""Row offsets of the 8 neighbours, in the fixed order all kernels use."""
DCOL = np.array([-1, 0, 1, -1, 1, -1, 0, 1], dtype=np.int64)
"""Column offsets of the 8 neighbours."""
STEP_LEN = np.array([math.sqrt(2.0), 1.0, math.sqrt(2.0), 1.0, 1.0,
                     math.sqrt(2.0), 1.0, math.sqrt(2.0)], dtype=np.float64)
"""Length of each neighbour step in cell edges (diagonals are sqrt 2)."""
