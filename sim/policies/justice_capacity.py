"""Justice capacity: court throughput, conviction quality and court-to-unit feedback.

Seeds: WACSI goal 4; WACAP. Nigeria's NDLEA reported more than 11,000 pending cases in
mid-2023 against about 2,000-3,400 convictions a year (FACTS.md §5): courts are the
bottleneck of the chain.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.levers import Levers
from sim.policies.base import Policy, register
from sim.schema import spec


@dataclass(frozen=True)
class JusticeCapacityParams:
    """Parameters of :class:`JusticeCapacity`."""

    court_capacity_multiplier: float = spec(1, 100, default=2.0,
                                            doc="factor on trafficking cases decided per day")
    conviction_gain: float = spec(0, 1, default=0.1,
                                  doc="share of the gap to certain conviction closed "
                                      "(better case files, trained prosecutors)")
    feedback_multiplier: float = spec(1, 100, default=3.0,
                                      doc="factor on the evidence gain per decided case")


@register
class JusticeCapacity(Policy):
    """More and better-prepared trafficking cases go through the courts."""

    lever = "justice_capacity"
    Params = JusticeCapacityParams
    doc = ("courts decide more cases a day and convict more of those charged; decided "
           "cases improve the evidence units bring (court-to-unit feedback)")

    def apply(self, levers: Levers, t: int) -> None:
        p, k = self.params, self.countries
        levers.court_cases_per_day[k] *= p.court_capacity_multiplier
        levers.conviction_rate[k] += p.conviction_gain * (1.0 - levers.conviction_rate[k])
        levers.court_feedback[k] *= p.feedback_multiplier
