"""Intelligence sharing (WAPIS-like): units target using partners' seizure data, late.

Seeds: ACSS (WAPIS); the nexus workshop. INTERPOL's West African Police Information
System connects national databases (FACTS.md §6); a partner's seizure reaches a unit
after a reporting delay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.levers import Levers
from sim.policies.base import Policy, register
from sim.schema import spec


@dataclass(frozen=True)
class IntelligenceSharingParams:
    """Parameters of :class:`IntelligenceSharing`."""

    delay_days: int = spec(0, 365, unit="days", default=7,
                           doc="days before a partner's seizure reaches the other partners")


@register
class IntelligenceSharing(Policy):
    """Partners' patrols are drawn to partners' recent seizures, after a reporting delay."""

    lever = "intelligence_sharing"
    Params = IntelligenceSharingParams
    doc = "patrols are drawn to partners' seizure areas, seen after a reporting delay"

    def apply(self, levers: Levers, t: int) -> None:
        k = self.countries
        sub = levers.intel_share[k[:, None], k[None, :]]
        delay = levers.intel_delay_days[k[:, None], k[None, :]]
        # where another sharing arrangement already links a pair, the faster one wins
        newly = ~sub
        delay[newly] = self.params.delay_days
        delay[sub] = delay[sub].clip(max=self.params.delay_days)
        levers.intel_share[k[:, None], k[None, :]] = True
        np.fill_diagonal(delay, 0)
        levers.intel_delay_days[k[:, None], k[None, :]] = delay
