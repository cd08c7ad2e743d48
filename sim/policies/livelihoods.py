"""Livelihood programmes: income support in targeted border communities, with a ramp-up.

Seeds: WACSI goal 5; ACSS (Benin's integrated border-zone management). Effect sizes for
West Africa were not found (FACTS.md §6, Mansfield 2018 on alternative development):
the gains below are assumptions to explore, not estimates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.levers import Levers
from sim.policies.base import Policy, register
from sim.schema import spec


@dataclass(frozen=True)
class LivelihoodsParams:
    """Parameters of :class:`Livelihoods`."""

    income_gain: float = spec(0, 1, default=0.3,
                              doc="rise of the legal income index of targeted communities")
    trust_gain: float = spec(0, 1, default=0.2,
                             doc="rise of the trust level targeted communities recover to")
    ramp_days: int = spec(0, 3650, unit="days", default=180,
                          doc="days to reach the full effect (linear)")
    border_km: float = spec(0, 2000, unit="km", default=60.0,
                            doc="target communities within this distance of a border "
                                "(0 = every community of the partners)")
    cost_usd_per_person_year: float = spec(0, 1e9, unit="USD/year", default=0.0,
                                           doc="income support per recruitable person of a "
                                               "targeted community, added to the policy's "
                                               "yearly cost")


@register
class Livelihoods(Policy):
    """Raise legal income and trust in targeted communities; recruitment falls, tips rise."""

    lever = "livelihoods"
    Params = LivelihoodsParams
    doc = ("legal income and trust rise in targeted communities over a ramp-up: recruitment "
           "propensity falls, community tips rise")
    ramps = True

    def setup(self, world) -> None:
        member = self.member[world.community_country]
        if self.params.border_km > 0:
            member &= world.border_distance_km(world.community_cell) <= self.params.border_km
        self.targets = np.flatnonzero(member)
        self.people = float(world.community_pool[self.targets].sum())
        """Recruitable people in the targeted communities."""

    def yearly_cost_usd(self) -> float:
        """The configured costs plus income support for every targeted person."""
        return super().yearly_cost_usd() + self.params.cost_usd_per_person_year * self.people

    def apply(self, levers: Levers, t: int) -> None:
        r = self.ramp(t, self.params.ramp_days)
        i = self.targets
        levers.livelihood[i] = np.minimum(levers.livelihood[i] + r * self.params.income_gain, 1.0)
        levers.trust_target[i] = np.minimum(levers.trust_target[i] + r * self.params.trust_gain,
                                            1.0)
