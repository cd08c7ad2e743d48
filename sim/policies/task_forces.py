"""Counter-narcotics task forces: vetted units that work arrests up to organisation leaders.

Seed: CACI (vetted units of 20-25 officers per country, mentored by the DEA; FACTS.md §2).
UNODC (2012) notes that no major kingpin had been arrested in Central Asia since 1991, so
without a task force the model arrests no leaders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.constants import COMMODITY_KINDS
from sim.levers import Levers
from sim.policies.base import Policy, register
from sim.schema import ConfigError, spec


@dataclass(frozen=True)
class TaskForcesParams:
    """Parameters of :class:`TaskForces`."""

    leader_hit_prob: float = spec(0, 1, default=0.02,
                                  doc="P(an arrest in a partner country leads to one leader "
                                      "of the courier's organisation)")
    commodities: list[str] = spec(default=[], empty=True,
                                  doc="commodities whose organisations are targeted "
                                      "(empty = all)")
    kinds: list[str] = spec(default=[], empty=True,
                            doc="kinds of commodity targeted, e.g. [drug] (empty = all); "
                                "combined with commodities, both must match")


@register
class TaskForces(Policy):
    """Arrests in the partners' territory give vetted units a chance to reach a leader."""

    lever = "task_forces"
    Params = TaskForcesParams
    doc = ("arrests may lead vetted units to an organisation's leaders: the organisation "
           "loses a leader and capacity until it replaces them")
    # The organisations mechanism draws the day's leader hits once from the combined lever
    # (Organisations.hit_leaders), so overlapping task forces never double-draw.

    @classmethod
    def check_config(cls, config, model_config, path: str) -> None:
        names = list(model_config.scenario.commodities)
        for i, name in enumerate(config.params["commodities"]):
            if name not in names:
                raise ConfigError(
                    f"{path}.params.commodities[{i}] = {name!r} is not allowed: must be a "
                    f"commodity of scenario {model_config.scenario.name!r}: {', '.join(names)}")
        for i, kind in enumerate(config.params["kinds"]):
            if kind not in COMMODITY_KINDS:
                raise ConfigError(f"{path}.params.kinds[{i}] = {kind!r} is not allowed: must "
                                  f"be one of {', '.join(COMMODITY_KINDS)}")

    def setup(self, world) -> None:
        p = self.params
        self.commodities = np.array(
            [k for k, (name, com) in enumerate(zip(world.commodity_names, world.commodities,
                                                   strict=True))
             if (not p.commodities or name in p.commodities)
             and (not p.kinds or com.kind in p.kinds)], np.int64)
        """Indices of the targeted commodities (may be none in a scenario without them)."""

    def apply(self, levers: Levers, t: int) -> None:
        cells = np.ix_(self.countries, self.commodities)
        levers.leader_hit_prob[cells] = 1.0 - (1.0 - levers.leader_hit_prob[cells]) * (
            1.0 - self.params.leader_hit_prob)
