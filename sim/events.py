"""The event log of a run: recruitments, seizures, arrests, bribes, escapes, deliveries,
convictions, releases and leader arrests, one row each."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
