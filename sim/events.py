"""The event log of a run: recruitments, seizures, arrests, bribes, escapes, deliveries,
convictions, releases and leader arrests, one row each."""

from __future__ import annotations

import numpy as np
import pandas as pd

EVENT_TYPES = ("recruitment", "seizure", "arrest", "bribe", "escape", "delivery",
               "conviction", "release", "leader_arrest", "settlement", "charge")
"""Event kinds in the event log. ``quantity`` is the load (commodity unit) except for
convictions (sentence, days), recruitments/releases/settlements/charges (0) and leader
arrests (1 leader; courier -1)."""


DTYPES = (np.int64, np.int8, np.int64, np.int16, np.int16, np.float64, np.int32, np.int64)
"""Column dtypes of the log, in :attr:`EventLog.COLUMNS` order."""


class EventLog:
    """Append-only log of events, stored as chunks: a chunk is one call of :meth:`add`,
    kept as given (scalars, or copies of arrays) and broadcast only when the log is read."""

    COLUMNS = ("step", "event", "cell", "country", "commodity", "quantity", "organisation",
               "courier")

    def __init__(self):
        self._chunks: list[tuple] = []

    def add(self, step, event, cell, country, commodity, quantity, organisation, courier):
        """Record one event per courier in ``courier``; other arguments broadcast."""
        # copy: callers often pass views of large arrays, which a log must not keep alive
        courier = np.array(courier, np.int64, ndmin=1)
        if len(courier) == 0:
            return
        values = (step, EVENT_TYPES.index(event), cell, country, commodity, quantity,
                  organisation)
        self._chunks.append(tuple(np.array(x, dtype) if np.ndim(x) else x
                                  for x, dtype in zip(values, DTYPES, strict=False))
                            + (courier,))

    def _columns(self, chunks: list[tuple] | None = None) -> list[np.ndarray]:
        chunks = self._chunks if chunks is None else chunks
        if not chunks:
            return [np.zeros(0, t) for t in DTYPES]
        sizes = [len(chunk[-1]) for chunk in chunks]
        cols = []
        for i, dtype in enumerate(DTYPES):
            out = np.empty(sum(sizes), dtype)
            at = 0
            for chunk, n in zip(chunks, sizes, strict=True):
                out[at: at + n] = chunk[i]
                at += n
            cols.append(out)
        return cols

    def __len__(self) -> int:
        return sum(len(c[-1]) for c in self._chunks)

    def to_frame(self, region, commodity_names, first_step: int | None = None,
                 last_step: int | None = None) -> pd.DataFrame:
        """Tidy event table with names, ISO3 codes and cell coordinates (degrees); with
        ``first_step``/``last_step``, only the events of those steps (inclusive)."""
        chunks = None
        if first_step is not None or last_step is not None:
            lo = -np.inf if first_step is None else first_step
            hi = np.inf if last_step is None else last_step
            chunks = []
            for chunk in self._chunks:
                step = np.asarray(chunk[0])
                keep = (step >= lo) & (step <= hi)
                if step.ndim == 0:
                    if keep:
                        chunks.append(chunk)
                elif keep.any():
                    n = len(chunk[-1])
                    chunks.append(tuple(x[keep] if np.ndim(x) else x
                                        for x in (np.broadcast_to(c, n) if np.ndim(c) else c
                                                  for c in chunk)))
        step, code, cell, country, commodity, qty, org, courier = self._columns(chunks)
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
