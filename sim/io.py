"""Writing a run's outputs to a directory, atomically (DESIGN.md §4)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim import runfiles
from sim.atomic import write_atomic
from sim.schema import spec, to_dict
from sim.simulate import RunResult


@dataclass(frozen=True)
class OutputConfig:
    """How a run's outputs are written."""

    format: str = spec(choices=("parquet", "csv"), doc="table format")
    map: bool = spec(doc="draw map.png")


def write_table(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` as Parquet or CSV according to ``path``'s suffix, atomically."""
    if path.suffix == ".parquet":
        write_atomic(path, lambda p: df.to_parquet(p, index=False))
    else:
        write_atomic(path, lambda p: df.to_csv(p, index=False))


def write_run(result: RunResult, outdir: str | os.PathLike, output: OutputConfig) -> list[Path]:
    """Write timeseries, events, flow raster, config, map and (last) the summary.

    Returns the paths written, summary last.
    """
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    ext = ".parquet" if output.format == "parquet" else ".csv"
    written = []
    write_table(result.timeseries, out / f"{runfiles.TIMESERIES}{ext}")
    written.append(out / f"{runfiles.TIMESERIES}{ext}")
    write_table(result.events, out / f"{runfiles.EVENTS}{ext}")
    written.append(out / f"{runfiles.EVENTS}{ext}")
    reg = result.region
    def save_flow(p: Path) -> None:
        with p.open("wb") as fh:
            np.savez_compressed(fh, flow=result.flow, commodities=np.array(result.commodities),
                                lon0=reg.lon0, lat0=reg.lat0, dlon=reg.dlon, dlat=reg.dlat,
                                cell_km=reg.cell_km)

    write_atomic(out / runfiles.FLOW, save_flow)
    written.append(out / runfiles.FLOW)
    write_atomic(out / runfiles.CONFIG, lambda p: p.write_text(
        yaml.safe_dump(to_dict(result.config), sort_keys=False)))
    written.append(out / runfiles.CONFIG)
    if output.map:
        from sim.plotting import draw_run_map

        write_atomic(out / runfiles.MAP, lambda p: draw_run_map(result, p))
        written.append(out / runfiles.MAP)
    summary = pd.DataFrame([result.summary])
    write_atomic(out / runfiles.SUMMARY_JSON,
                 lambda p: p.write_text(json.dumps(result.summary, indent=1)))
    written.append(out / runfiles.SUMMARY_JSON)
    write_table(summary, out / runfiles.SUMMARY)
    written.append(out / runfiles.SUMMARY)
    return written
