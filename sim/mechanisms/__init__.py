"""The model's mechanisms, one module each (DESIGN.md §5).

Every module of this package is imported (in name order) when the package is, and each
registers its :class:`~sim.mechanisms.base.Mechanism` with ``@register``: a new mechanism
is one new module. See docs/extending.md for the interface.
"""

import importlib
import pkgutil

from sim.mechanisms.base import MECHANISMS, Mechanism, daily_order, mechanisms_for, phase, register

_NOT_MECHANISMS = frozenset({"base", "day"})

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
    if _info.name not in _NOT_MECHANISMS:
        importlib.import_module(f"{__name__}.{_info.name}")

__all__ = ["MECHANISMS", "Mechanism", "daily_order", "mechanisms_for", "phase", "register"]
