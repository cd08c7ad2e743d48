"""Harmonised laws: penalties and offence definitions converge; mutual assistance speeds up.

Seeds: WACSI goal 2; the nexus workshop; ACSS (Palermo Protocol, domestication); WACAP.
National maximum penalties differ widely (FACTS.md §5: Nigeria life, Togo 10-20 years,
Côte d'Ivoire 5-10 years); traffickers route through the weakest law.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.levers import Levers
from sim.policies.base import Policy, register
from sim.schema import spec


@dataclass(frozen=True)
class HarmonisedLawsParams:
    """Parameters of :class:`HarmonisedLaws`."""

    penalty_convergence: float = spec(
        0, 1, default=1.0,
        doc="share of the gap to the partners' highest maximum penalty that is closed")
    conviction_convergence: float = spec(
        0, 1, default=1.0,
        doc="share of the gap to the partners' highest conviction rate closed "
            "(fewer loopholes in offence definitions)")
    mla_delay_reduction: float = spec(
        0, 1, default=0.5,
        doc="share of the mutual-legal-assistance/extradition delay removed between partners")


@register
class HarmonisedLaws(Policy):
    """Partners align penalties and offence definitions and shorten MLA between them."""

    lever = "harmonised_laws"
    Params = HarmonisedLawsParams
    doc = ("penalties and conviction rates converge up to the partners' strongest law "
           "(routes avoid no weak-law country any more); MLA delays between partners shrink")

    def apply(self, levers: Levers, t: int) -> None:
        p, k = self.params, self.countries
        for name, share in (("penalty_years", p.penalty_convergence),
                            ("conviction_rate", p.conviction_convergence)):
            arr = getattr(levers, name)
            top = arr[k].max()
            arr[k] += share * (top - arr[k])
        pair = np.ix_(k, k)
        delay = levers.mla_delay_days[pair]
        levers.mla_delay_days[pair] = np.rint(delay * (1.0 - p.mla_delay_reduction)).astype(
            np.int64)
