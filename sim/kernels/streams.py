"""Counter-based random streams shared by kernels and their Python twins (SplitMix64).

The model draws one 64-bit seed per agent per step from its ``numpy.random.Generator``;
a kernel expands it into as many uniforms as it needs with SplitMix64 (Steele, Lea &
Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014). The arithmetic is
exact integer arithmetic, so the numba kernel and its Python twin produce identical draws.
"""

import numpy as np
from numba import njit

MASK64 = 0xFFFFFFFFFFFFFFFF
GOLDEN = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB
TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53

SALT_MOVE = 0x5A17_0000_0000_0001
"""Stream salt for courier movement."""
SALT_DETECT = 0x5A17_0000_0000_0002
"""Stream salt for detection, bribes and escapes."""
SALT_PATROL = 0x5A17_0000_0000_0003
"""Stream salt for patrol movement."""

_GOLDEN = np.uint64(GOLDEN)
_MIX1 = np.uint64(MIX1)
_MIX2 = np.uint64(MIX2)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)


@njit(inline="always")
def next_uniform(state):
    """Advance a SplitMix64 state; return ``(new_state, u)`` with ``u`` uniform in [0, 1).

    Parameters
    ----------
    state : numpy.uint64

    Returns
    -------
    tuple of (numpy.uint64, float)
    """
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    z = z ^ (z >> _S31)
    return state, (z >> _S11) * TO_UNIT


def next_uniform_py(state: int) -> tuple[int, float]:
    """Plain-Python twin of :func:`next_uniform` (``state`` is a Python int < 2**64)."""
    state = (state + GOLDEN) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * MIX1) & MASK64
    z = ((z ^ (z >> 27)) * MIX2) & MASK64
    z = z ^ (z >> 31)
    return state, (z >> 11) * TO_UNIT


def draw_seeds(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` independent 64-bit stream seeds (uint64) from the model's generator."""
    return rng.integers(0, np.iinfo(np.uint64).max, size=n, dtype=np.uint64, endpoint=True)
