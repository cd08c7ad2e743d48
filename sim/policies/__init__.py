"""Policy levers as plug-ins (DESIGN.md §3) behind one narrow interface.

Each lever is a :class:`~sim.policies.base.Policy` subclass in its own module of this
package, registered in :data:`LEVERS` by ``@register``; every module here is imported (in
name order) when the package is, so a new lever is one new module. The timeline
(:mod:`sim.policies.timeline`) turns policies, shocks and decisions into levers day by day.
See docs/extending.md for what a new policy must provide.
"""

import importlib
import pkgutil

from sim.policies.base import LEVERS, Policy, register

_NOT_LEVERS = frozenset({"base", "timeline"})

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
    if _info.name not in _NOT_LEVERS:
        importlib.import_module(f"{__name__}.{_info.name}")

__all__ = ["LEVERS", "Policy", "register"]
