"""Armed groups: presence zones that tax the flows passing through them.

The region's armed-group layer gives a presence intensity per cell (0-1). Every load that
passes through a cell pays ``armed_toll_share`` of its value at source times that intensity;
organisations expect the toll when they plan routes (:meth:`Organisations.route_cost`).
"""

from __future__ import annotations

from sim.mechanisms.base import Mechanism, register


@register
class ArmedGroups(Mechanism):
    """Tolls taken on the day's flows in armed-group zones (USD)."""

    name = "armed_groups"
    setup_order = 60.0
    metrics = ("armed_group_revenue_usd",)

    def record(self, day, row: dict) -> None:
        w = self.world
        toll = (self.config.model.armed_toll_share * day.armed_flow
                * w.commodity_table["value_at_source_usd"])
        row["armed_group_revenue_usd"] = float(toll.sum())
