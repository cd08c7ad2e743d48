"""Communities: livelihoods, trust in the state, tips, and who is drawn into the trade.

Each settlement of a core country is a community with a recruitable pool, a legal-income
index (the ``livelihood`` lever), trust in the state that recovers towards a target (the
``trust_target`` lever) and falls when the state seizes livelihood goods near it, and the
smoothed fees its members earn as couriers. Poverty, distrust and nearby smuggling profit
raise the propensity to join (:meth:`Communities.propensity`); trust, and members not
being in the trade themselves, produce tips that raise detection nearby.
"""

from __future__ import annotations

import numpy as np

from sim.agents.community import Community
from sim.mechanisms.base import COMMUNITIES, TIPS, Mechanism, phase, register


@register
class Communities(Mechanism):
    """Every community of the run, as arrays (one row each)."""

    name = "communities"
    setup_order = 20.0
    reads = frozenset({"livelihood", "trust_target"})
    metrics = ("participation", "trust", "tip_rate")

    def __init__(self, model):
        super().__init__(model)
        w = self.world
        self.pool = w.community_pool.copy()
        """People who could be recruited (people)."""
        self.trust = w.community_trust.copy()
        """Trust in the state, in [0, 1]."""
        self.earnings = np.zeros(w.n_communities)
        """Smoothed courier fees earned by members (USD/day)."""
        self.agents = [Community(model, self, i, name)
                       for i, name in enumerate(w.community_names)]

    @property
    def members(self) -> np.ndarray:
        """Couriers from each community currently in the trade (int32, owned by the couriers
        mechanism)."""
        return self.model.mechanisms["couriers"].members

    def participation(self) -> np.ndarray:
        """Share of each community's recruitable pool in the trade."""
        return self.members / np.maximum(self.pool, 1.0)

    def propensity(self) -> np.ndarray:
        """Recruitment propensity per community: poverty x distrust x nearby profit,
        ``(1 - livelihood) (1 - w_trust trust) (1 + w_profit min(earnings / income, 1))``."""
        m, levers = self.config.model, self.model.levers
        income = np.maximum(self.pool * m.legal_income_usd_per_day, 1e-9)
        profit = np.minimum(self.earnings / income, 1.0)
        return ((1.0 - levers.livelihood) * (1.0 - m.recruitment_trust_weight * self.trust)
                * (1.0 + m.recruitment_profit_weight * profit))

    def tip_strength(self) -> np.ndarray:
        """P(a community tips off the state about one passage next to it), per community:
        ``tip_detection_prob`` x trust x share of the pool not in the trade."""
        m = self.config.model
        return m.tip_detection_prob * self.trust * (1.0 - np.minimum(self.participation(), 1))

    @phase(TIPS)
    def tips(self, day) -> None:
        """Today's detection hazard from community tips on the cells they cover
        (``world.tip_unique``): tip strength spread over ``tip_radius_km`` with linearly
        falling weight, summed over the communities covering each cell."""
        w = self.world
        p = np.clip(self.tip_strength()[:, None] * w.tip_weight[None, :], 0, 1 - 1e-12)
        day.tip_hazard = np.bincount(w.tip_index, weights=-np.log1p(-p[w.tip_cells >= 0]),
                                     minlength=len(w.tip_unique))

    @phase(COMMUNITIES)
    def update(self, day) -> None:
        """Trust recovers and is eroded by seizures of livelihood goods nearby; members'
        fees are smoothed into earnings."""
        m, w = self.config.model, self.world
        c = self.model.mechanisms["couriers"].arrays
        hits = np.zeros(w.n_communities)
        seized = day.seized
        if len(seized):
            goods = seized[w.commodity_table["livelihood_goods"][c.commodity[seized]]]
            if len(goods):
                cells = np.zeros(w.n_cells)
                np.add.at(cells, c.cell[goods], 1.0)
                near = np.where(w.community_cells >= 0, cells[w.community_cells], 0.0)
                hits = near.sum(axis=1)
        self.trust += m.trust_recovery_per_day * (self.model.levers.trust_target - self.trust)
        self.trust -= m.trust_loss_per_seizure * hits
        np.clip(self.trust, 0.0, 1.0, out=self.trust)
        self.earnings += (day.fees - self.earnings) / m.earnings_smoothing_days

    def record(self, day, row: dict) -> None:
        row["participation"] = float(self.members.sum() / max(self.pool.sum(), 1.0))
        row["trust"] = float(self.trust.mean()) if len(self.trust) else 0.0
        row["tip_rate"] = float(self.tip_strength().mean()) if len(self.trust) else 0.0
