"""Numba kernels and their plain-Python twins, selected by ``engine``."""

from functools import cache
from types import SimpleNamespace

from sim.kernels import bookkeeping, detection, learning, movement, routing

KERNEL_NAMES = ("route_costs", "route_successors", "move_couriers", "move_patrols",
                "redeploy_patrols", "detect_couriers", "raise_risk", "dispatch_couriers",
                "tick_timers")
"""Every kernel has ``<name>`` (numba) and ``<name>_py`` (reference twin)."""

_MODULES = {
    "route_costs": routing, "route_successors": routing, "move_couriers": movement,
    "move_patrols": movement, "redeploy_patrols": movement, "detect_couriers": detection,
    "raise_risk": learning, "dispatch_couriers": bookkeeping, "tick_timers": bookkeeping,
}


@cache
def get_kernels(engine: str) -> SimpleNamespace:
    """The kernel set for ``engine`` (``"numba"`` or ``"python"``), as a namespace."""
    if engine not in ("numba", "python"):
        raise ValueError(f"engine = {engine!r} is not allowed: must be 'numba' or 'python'")
    suffix = "" if engine == "numba" else "_py"
    return SimpleNamespace(**{name: getattr(_MODULES[name], name + suffix)
                              for name in KERNEL_NAMES})
