"""Policy levers as plug-ins (DESIGN.md §3) behind one narrow interface.

Each lever is a :class:`~sim.policies.base.Policy` subclass registered in :data:`LEVERS`;
:class:`~sim.policies.schedule.PolicySchedule` turns a package config into active
policies day by day. See docs/extending.md for what a new policy must provide.
"""

from sim.policies import (  # noqa: F401  (importing registers the levers)
    accountable_institutions,
    harmonised_laws,
    intelligence_sharing,
    joint_operations,
    justice_capacity,
    livelihoods,
    task_forces,
)
from sim.policies.base import LEVERS, Levers, Policy, register

__all__ = ["LEVERS", "Levers", "Policy", "register"]
