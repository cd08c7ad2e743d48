"""Armed groups: named groups that tax the flows through their zones and grow with revenue.

Each group of ``scenario.armed_groups`` (a Mesa agent, :class:`~sim.agents.ArmedGroup`)
has zones, discs around real places. Its presence in a cell is ``intensity`` (times the
lever ``armed_presence``, at most 1) within half a zone's radius, fading linearly to 0 at
the radius (the largest over its zones). Every load
passing through a cell pays the group ``toll_share`` of its value at source times the
group's presence there; a mineral load picked up at a source site where the group's
presence is at least ``armed_control_threshold`` pays it ``site_tax_share`` of its value (a
tax on production, borne by the miners: it is inside the price traders pay at the site).
Organisations expect the tolls when they plan routes (:meth:`Organisations.route_cost`
reads :attr:`ArmedGroups.toll_layer`).

Revenue feeds back into strength. With ``R`` the group's revenue averaged over
``armed_revenue_days`` (starting at its reference revenue) and ``d`` its
``revenue_dependence``, strength relaxes with time constant ``armed_strength_days``
towards ``(1 - d) + d R / reference_revenue_usd_per_day``, kept within
``[min_strength, max_strength]``; a zone's radius is its configured radius times
``strength ** armed_radius_exponent``. So cutting a group's income shrinks it, slowly.
"""

from __future__ import annotations

import math

import numpy as np

from sim.agents.armed_group import ArmedGroup
from sim.mechanisms.base import ARMED, Mechanism, phase, register


@register
class ArmedGroups(Mechanism):
    """The armed groups of the scenario: presence, tolls, site taxes, strength."""

    name = "armed_groups"
    setup_order = 30.0  # before organisations plan their first routes (they read the tolls)
    reads = frozenset({"armed_presence"})
    metrics = ("armed_group_revenue_usd", "armed_group_revenue_usd.{group}",
               "armed_revenue_{c}", "armed_strength.{group}")

    def __init__(self, model):
        super().__init__(model)
        w = self.world
        lay = w.armed
        groups = list(self.config.scenario.armed_groups.values())
        self.toll_share = np.array([g.toll_share for g in groups], float)
        self.site_tax = np.array([g.site_tax_share for g in groups], float)
        self.intensity = np.array([g.intensity for g in groups], float)
        self.reference = np.array([g.reference_revenue_usd_per_day for g in groups], float)
        self.dependence = np.array([g.revenue_dependence for g in groups], float)
        self.bounds = np.array([[g.min_strength, g.max_strength] for g in groups],
                               float).reshape(-1, 2)
        self.strength = np.ones(lay.n)
        """Strength of each group (1 = as configured)."""
        self.revenue_avg = self.reference.copy()
        """Revenue per day averaged over ``armed_revenue_days`` (USD/day)."""
        self.revenue_today = np.zeros((lay.n, len(w.commodities)))
        """Today's revenue per group and commodity (USD)."""
        self.revenue_total = np.zeros((lay.n, len(w.commodities)))
        """Revenue so far per group and commodity (USD)."""
        self.presence = np.zeros((lay.n, w.n_cells))
        """Presence of each group per cell (0-1)."""
        self.toll_layer = np.zeros(w.n_cells)
        """Toll per cell passed, as a share of the load's value at source (all groups)."""
        cells = [c for c in lay.zone_cells if len(c)]
        self.zone_union = (np.unique(np.concatenate(cells)) if cells
                           else np.zeros(0, np.int64))
        """Every cell a zone can ever reach."""
        self._flow_seen = np.zeros((len(w.commodities), len(self.zone_union)))
        """Flow on :attr:`zone_union` as of the end of yesterday."""
        self.mineral = np.array([c.kind == "mineral" for c in w.commodities], bool)
        self._set_presence()
        self.agents = [ArmedGroup(model, self, g) for g in range(lay.n)]

    def _set_presence(self) -> None:
        """Presence and the toll layer from today's strengths."""
        lay, m = self.world.armed, self.config.model
        self.presence[:] = 0.0
        for z in range(len(lay.zone_names)):
            g = int(lay.zone_group[z])
            radius = lay.zone_radius_km[z] * self.strength[g] ** m.armed_radius_exponent
            level = min(self.intensity[g] * self.model.levers.armed_presence[g], 1.0)
            value = level * np.clip(2.0 * (1.0 - lay.zone_km[z] / radius), 0.0, 1.0)
            cells = lay.zone_cells[z]
            np.maximum.at(self.presence[g], cells, value)
        self.toll_layer = self.toll_share @ self.presence

    def on_levers(self, levers, changed: set[str]) -> None:
        self._set_presence()


    def zone_radius_km(self) -> np.ndarray:
        """Current radius of every zone (km), in :attr:`sim.world.ArmedLayout.zone_names`
        order."""
        lay = self.world.armed
        return lay.zone_radius_km * self.strength[lay.zone_group] ** (
            self.config.model.armed_radius_exponent)

    @phase(ARMED)
    def collect(self, day) -> None:
        """Take today's tolls and site taxes; strength and zones follow the revenue."""
        w, m = self.world, self.config.model
        couriers = self.model.mechanisms["couriers"]
        value = self.model.levers.value_at_source
        flow = couriers.flow[:, self.zone_union]
        today, self._flow_seen = flow - self._flow_seen, flow
        passed = self.presence[:, self.zone_union] @ today.T          # (groups, commodities)
        revenue = self.toll_share[:, None] * passed * value[None, :]
        loads = day.dispatched
        if len(loads) and self.mineral.any():
            c = couriers.arrays
            k = c.commodity[loads]
            mineral = self.mineral[k]
            if mineral.any():
                loads, k = loads[mineral], k[mineral]
                sources = w.organisations.source[c.org[loads]]  # where they loaded up
                controlled = self.presence[:, sources] >= m.armed_control_threshold
                taxed = controlled * (c.load[loads] * value[k])[None, :]
                for g in np.flatnonzero(self.site_tax > 0):
                    revenue[g] += self.site_tax[g] * np.bincount(
                        k, weights=taxed[g], minlength=len(value))
        self.revenue_today = revenue
        self.revenue_total += revenue
        self._grow(revenue.sum(axis=1))

    def _grow(self, revenue: np.ndarray) -> None:
        """Average revenue, then strength, then presence (see the module docstring)."""
        m = self.config.model
        self.revenue_avg += (revenue - self.revenue_avg) * -math.expm1(
            -1.0 / m.armed_revenue_days)
        ratio = np.divide(self.revenue_avg, self.reference, out=np.ones_like(self.reference),
                          where=self.reference > 0)
        target = np.clip((1.0 - self.dependence) + self.dependence * ratio,
                         self.bounds[:, 0], self.bounds[:, 1])
        self.strength += (target - self.strength) * -math.expm1(-1.0 / m.armed_strength_days)
        self._set_presence()

    def record(self, day, row: dict) -> None:
        # exactly rounded sums (math.fsum): numpy's float sums take another order on CPUs
        # with other vector units, and the recorded totals must be the same on every machine
        w, revenue = self.world, self.revenue_today
        row["armed_group_revenue_usd"] = math.fsum(revenue.ravel())
        for g, name in enumerate(w.armed.names):
            row[f"armed_group_revenue_usd.{name}"] = math.fsum(revenue[g])
            row[f"armed_strength.{name}"] = float(self.strength[g])
        for k, name in enumerate(w.commodity_names):
            row[f"armed_revenue_{name}"] = math.fsum(revenue[:, k])
