"""Joint operations: cross-border pursuit, pooled patrols on shared borders, joint posts.

Seeds: WACSI goal 3; the nexus workshop; ACSS (joint exercises, joint commissions); CACI.
Joint border posts exist at Sèmè–Kraké (BJ–NG), Malanville (BJ–NE) and Noépé (TG–GH)
(FACTS.md §6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.levers import Levers
from sim.policies.base import Policy, pair_bits, register
from sim.schema import spec
from sim.spatial import km_to_cells, near_country_bits


@dataclass(frozen=True)
class JointOperationsParams:
    """Parameters of :class:`JointOperations`."""

    cross_border_pursuit: bool = spec(
        doc="partners' units may follow a fleeing courier across their shared borders",
        default=True)
    pooled_patrols: bool = spec(
        doc="partners' patrols may operate on each other's side of a shared border",
        default=True)
    joint_border_km: float = spec(0, 500, unit="km", default=30.0,
                                  doc="depth of the pooled patrol zone on each side")
    patrol_focus: float = spec(0, 1000, default=4.0,
                               doc="extra patrol attraction of the pooled zone")
    joint_post_gain: float = spec(0, 10, default=0.5,
                                  doc="relative detection gain of posts at crossings "
                                      "between partners (coordinated deployment)")


@register
class JointOperations(Policy):
    """Partners pursue across, patrol together along, and jointly staff their shared borders."""

    lever = "joint_operations"
    Params = JointOperationsParams
    doc = ("pursuit continues across partners' borders (fewer escapes); partners' patrols "
           "pool on shared border zones; posts at crossings between partners detect more")

    def setup(self, world) -> None:
        p = self.params
        radius = km_to_cells(p.joint_border_km, world.cell_km)
        near = near_country_bits(world.region.country, max(radius, 1)).ravel()
        bits = pair_bits(self.countries)
        own = np.where(world.land, np.int64(1) << np.maximum(world.country, 0).astype(np.int64),
                       0)
        home_member = world.land & self.member[np.maximum(world.country, 0)]
        # cells of a partner that lie within the zone of another partner
        self.zone = home_member & ((near & bits & ~own) != 0)
        reg = world.region
        self.joint_posts = np.zeros(len(world.units.kind), bool)
        for u, x in enumerate(world.units.post_crossing):
            if x >= 0:
                c = reg.crossings[x]
                a, b = reg.country_index(c.country_a), reg.country_index(c.country_b)
                self.joint_posts[u] = self.member[a] and self.member[b]

    def apply(self, levers: Levers, t: int) -> None:
        p = self.params
        bits = pair_bits(self.countries)
        if p.cross_border_pursuit:
            levers.pursuit_bits[self.countries] |= bits
        if p.pooled_patrols:
            levers.patrol_bits[self.countries] |= bits
            levers.joint_border |= self.zone
            levers.joint_focus[self.countries] += p.patrol_focus
        levers.unit_effectiveness[self.joint_posts] *= 1.0 + p.joint_post_gain
