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


def _splitmix_vec(x: np.ndarray) -> np.ndarray:
    """SplitMix64 output function applied elementwise to uint64 ``x`` (wrapping)."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> _S30)) * _MIX1
        z = (z ^ (z >> _S27)) * _MIX2
        return z ^ (z >> _S31)


def draw_base(rng: np.random.Generator) -> np.uint64:
    """One 64-bit draw from ``rng``: the base of a day's per-slot seeds (:func:`slot_seed`)."""
    return np.uint64(rng.integers(0, np.iinfo(np.uint64).max, dtype=np.uint64, endpoint=True))


@njit(inline="always")
def slot_seed(base, slot):
    """Stream seed of agent slot ``slot`` for the day whose base draw is ``base``
    (uint64, wrapping): the SplitMix64 output of ``base + slot * MIX2``.

    Slot ``i`` gets the same seed whatever the number of slots, so the draws of a courier
    slot on a given day do not depend on how many slots exist: common random numbers
    between policies that recruit different numbers of couriers.
    """
    z = base + np.uint64(slot) * _MIX2 + _GOLDEN
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


def slot_seed_py(base: int, slot: int) -> int:
    """Plain-Python twin of :func:`slot_seed`."""
    z = (int(base) + int(slot) * MIX2 + GOLDEN) & MASK64
    z = ((z ^ (z >> 30)) * MIX1) & MASK64
    z = ((z ^ (z >> 27)) * MIX2) & MASK64
    return z ^ (z >> 31)


def slot_seeds(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seeds of agent slots ``0 .. n-1`` for one day (uint64): :func:`slot_seed` of one
    draw from ``rng`` (kernels compute them themselves from :func:`draw_base`)."""
    base = draw_base(rng)
    with np.errstate(over="ignore"):
        return _splitmix_vec(base + np.arange(n, dtype=np.uint64) * _MIX2)


def slot_normals(rng: np.random.Generator, slots: np.ndarray) -> np.ndarray:
    """Standard normal draws for agent ``slots`` (one draw from ``rng`` per call).

    Box-Muller on two SplitMix64 uniforms per slot; like :func:`slot_seed`, slot ``i``'s
    draw does not depend on which other slots are drawn.
    """
    base = draw_base(rng)
    with np.errstate(over="ignore"):
        seeds = _splitmix_vec(base + np.asarray(slots).astype(np.uint64) * _MIX2)
    u1 = ((_splitmix_vec(seeds) >> _S11).astype(np.float64) + 1.0) * TO_UNIT  # (0, 1]
    u2 = (_splitmix_vec(seeds ^ _MIX1) >> _S11).astype(np.float64) * TO_UNIT
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
