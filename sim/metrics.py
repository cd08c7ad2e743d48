"""Metric definitions (names, units, meaning) and the event log of a run."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class MetricSpec:
    """One time-series metric.

    ``kind`` is ``"flow"`` (per commodity, summed per day; ``{c}`` in the name),
    ``"daily"`` (summed per day) or ``"state"`` (a level at the end of the day).
    """

    kind: str
    unit: str
    doc: str


METRICS: dict[str, MetricSpec] = {
    "delivered_{c}": MetricSpec("flow", "commodity unit/day", "quantity delivered at destinations"),
    "seized_{c}": MetricSpec("flow", "commodity unit/day", "quantity seized"),
    "arrests": MetricSpec("daily", "people/day", "couriers arrested"),
    "convictions": MetricSpec("daily", "cases/day", "cases ending in conviction"),
    "cases_decided": MetricSpec("daily", "cases/day", "cases decided by courts"),
    "case_days_total": MetricSpec("daily", "days",
                                  "summed arrest-to-decision time of cases decided"),
    "cross_border_cases_decided": MetricSpec("daily", "cases/day",
                                             "decided cases that needed mutual legal assistance"),
    "cross_border_case_days_total": MetricSpec("daily", "days",
                                               "summed arrest-to-decision time of those cases"),
    "bribed_passages": MetricSpec("daily", "events/day", "detections ended by an accepted bribe"),
    "escapes": MetricSpec("daily", "events/day", "detected couriers who escaped"),
    "escapes_across_border": MetricSpec("daily", "events/day",
                                        "escapes where pursuit had to stop at a border"),
    "tip_seizures": MetricSpec("daily", "seizures/day",
                               "seizures attributed to community tips (by hazard share)"),
    "recruits": MetricSpec("daily", "people/day", "new couriers recruited"),
    "trafficker_revenue_usd": MetricSpec("daily", "USD/day", "value of loads delivered"),
    "armed_group_revenue_usd": MetricSpec("daily", "USD/day",
                                          "tolls taken on flows in armed zones"),
    "leader_arrests": MetricSpec("daily", "people/day",
                                 "organisation leaders arrested (task forces)"),
    "policy_cost_usd": MetricSpec("daily", "USD/day", "cost of the policies in force"),
    "couriers_active": MetricSpec("state", "people", "couriers idle, travelling or returning"),
    "couriers_travelling": MetricSpec("state", "people", "couriers on the road, loaded"),
    "couriers_detained": MetricSpec("state", "people", "couriers awaiting a court decision"),
    "couriers_imprisoned": MetricSpec("state", "people", "couriers serving a sentence"),
    "pending_cases": MetricSpec("state", "cases", "cases not yet decided"),
    "participation": MetricSpec("state", "share", "community members in the trade / pool"),
    "trust": MetricSpec("state", "0-1", "mean community trust in the state"),
    "tip_rate": MetricSpec("state", "probability",
                           "mean P(a community tips off the state about a passage next to it)"),
    "route_cells": MetricSpec("state", "cells", "cells crossed by any loaded courier today"),
    "leaders": MetricSpec("state", "people", "organisation leaders in place"),
    "organisation_capacity": MetricSpec("state", "couriers",
                                        "couriers the organisations can run with their leaders"),
}
"""Every time-series column, in order."""


def metric_names(commodities) -> list[str]:
    """Expanded time-series column names for the given commodity names."""
    out = []
    for name, spec in METRICS.items():
        if spec.kind == "flow":
            out += [name.format(c=c) for c in commodities]
        else:
            out.append(name)
    return out


def daily_names(commodities) -> list[str]:
    """The names of metrics that are per-day sums (flows and daily counts)."""
    return [n for n in metric_names(commodities)
            if METRICS.get(n, None) is None or METRICS[n].kind != "state"]


EVENT_TYPES = ("recruitment", "seizure", "arrest", "bribe", "escape", "delivery",
               "conviction", "release", "leader_arrest")
"""Event kinds in the event log. ``quantity`` is the load (commodity unit) except for
convictions (sentence, days), recruitments/releases (0) and leader arrests (1 leader;
courier -1)."""


class EventLog:
    """Append-only log of events, stored as chunks of arrays."""

    COLUMNS = ("step", "event", "cell", "country", "commodity", "quantity", "organisation",
               "courier")

    def __init__(self):
        self._chunks: list[tuple] = []

    def add(self, step, event, cell, country, commodity, quantity, organisation, courier):
        """Record one event per courier in ``courier``; other arguments broadcast."""
        # copy: callers often pass views of large arrays, which a log must not keep alive
        courier = np.array(courier, np.int64, ndmin=1)
        n = len(courier)
        if n == 0:
            return
        code = EVENT_TYPES.index(event)

        def col(x, dtype):
            return np.broadcast_to(np.asarray(x, dtype), (n,)).copy()

        self._chunks.append((col(step, np.int64), col(code, np.int8), col(cell, np.int64),
                             col(country, np.int16), col(commodity, np.int16),
                             col(quantity, np.float64), col(organisation, np.int32), courier))

    def __len__(self) -> int:
        return sum(len(c[0]) for c in self._chunks)

    def to_frame(self, region, commodity_names) -> pd.DataFrame:
        """Tidy event table with names, ISO3 codes and cell coordinates (degrees)."""
        if self._chunks:
            cols = [np.concatenate(parts) for parts in zip(*self._chunks, strict=True)]
        else:
            cols = [np.zeros(0, t) for t in (np.int64, np.int8, np.int64, np.int16, np.int16,
                                             np.float64, np.int32, np.int64)]
        step, code, cell, country, commodity, qty, org, courier = cols
        lon, lat = region.cell_center(cell)
        nx = region.shape[1]
        iso = np.array(region.countries + ("",), dtype=object)
        names = np.array(tuple(commodity_names) + ("",), dtype=object)
        return pd.DataFrame({
            "step": step,
            "event": pd.Categorical.from_codes(code, categories=EVENT_TYPES),
            "cell": cell, "row": cell // nx, "col": cell % nx,
            "lon": np.round(lon, 4), "lat": np.round(lat, 4),
            "country": iso[np.where(country >= 0, country, len(region.countries))],
            "commodity": names[np.where(commodity >= 0, commodity, len(commodity_names))],
            "quantity": qty, "organisation": org, "courier": courier,
        })
