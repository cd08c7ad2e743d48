"""Names of the files a run writes into its folder: the one place that defines them.

Writers (:mod:`sim.io`, ``experiments/``) and readers (:mod:`sim.analysis`) both use these
names, so a run folder means the same thing everywhere.
"""

SUMMARY = "summary.csv"
"""One row: config values, seed and headline metrics. Written last, so its presence marks
a finished run."""

SUMMARY_JSON = "summary.json"
"""The same row as JSON."""

TIMESERIES = "timeseries"
"""Stem of the time series table (``.parquet`` or ``.csv``)."""

EVENTS = "events"
"""Stem of the event log table (``.parquet`` or ``.csv``)."""

TABLE_SUFFIXES = (".parquet", ".csv")
"""Formats a table may be written in, in the order readers look for them."""

FLOW = "flow.npz"
"""Per-commodity flow raster and its georeference."""

CONFIG = "config.yaml"
"""The resolved model configuration."""

MAP = "map.png"
"""The run map."""

ERROR = "error.txt"
"""Written instead of a summary when a run failed (the message or traceback)."""

HYDRA_DIR = ".hydra"
"""Hydra's own record of a run's config and overrides."""
