"""simulate(config) -> RunResult: one run of the model, and its summary metrics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config import ModelConfig, flatten
from sim.model import TraffickingModel
from sim.region.grid import RegionGrid


@dataclass
class RunResult:
    """Everything one run produces (DESIGN.md §4), in memory.

    Attributes
    ----------
    config : ModelConfig
    timeseries : pandas.DataFrame
        One row per step (day), one column per metric (see :mod:`sim.metrics`), plus
        ``step`` and ``seed``.
    events : pandas.DataFrame
        The event log (:class:`sim.metrics.EventLog`), with ``seed``.
    flow : numpy.ndarray of float64, shape (n_commodities, ny, nx)
        Quantity (commodity unit) that passed through each cell over the run.
    summary : dict
        One row: config values (dotted names), seed and headline metrics.
    region : RegionGrid
    commodities : tuple of str
    """

    config: ModelConfig
    timeseries: pd.DataFrame
    events: pd.DataFrame
    flow: np.ndarray
    summary: dict
    region: RegionGrid
    commodities: tuple[str, ...]


def simulate(config: ModelConfig, region: RegionGrid | None = None) -> RunResult:
    """Run the model for ``config.steps`` days with seed ``config.seed``."""
    model = TraffickingModel(config, region=region)
    model.run()
    return collect(model)


def collect(model: TraffickingModel) -> RunResult:
    """Gather a finished model's outputs into a :class:`RunResult`."""
    ts = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    ts.insert(0, "step", np.arange(1, len(ts) + 1))
    ts.insert(1, "seed", model.config.seed)
    events = model.events.to_frame(model.region, model.commodity_names)
    events.insert(0, "seed", model.config.seed)
    ny, nx = model.region.shape
    flow = model.flow.reshape(len(model.commodity_names), ny, nx)
    summary = summarise(model, ts)
    return RunResult(model.config, ts, events, flow, summary, model.region,
                     model.commodity_names)


def summarise(model: TraffickingModel, ts: pd.DataFrame) -> dict:
    """Headline metrics of a finished run (one flat row, config values first)."""
    out: dict = {f"config.{k}": v for k, v in flatten(model.config).items()}
    out["seed"] = model.config.seed
    out["steps_run"] = int(model.steps)
    out["policy"] = model.config.policy.name
    out["policy_cost_usd_per_year"] = model.policies.yearly_cost_usd()
    out["policy_cost_usd"] = float(ts["policy_cost_usd"].sum())
    seized_value = 0.0
    for name in model.commodity_names:
        delivered = float(ts[f"delivered_{name}"].sum())
        seized = float(ts[f"seized_{name}"].sum())
        out[f"delivered_{name}"] = delivered
        out[f"seized_{name}"] = seized
        moved = delivered + seized
        out[f"interdiction_rate_{name}"] = seized / moved if moved > 0 else 0.0
        seized_value += seized * model.config.scenario.commodities[name].value_at_destination_usd
    out["seized_value_usd"] = seized_value  # at destination prices (what traffickers lose)
    for name in ("arrests", "convictions", "cases_decided", "bribed_passages", "escapes",
                 "escapes_across_border", "tip_seizures", "recruits", "leader_arrests",
                 "trafficker_revenue_usd", "armed_group_revenue_usd"):
        out[name] = float(ts[name].sum())
    decided = out["cases_decided"]
    out["case_days_mean"] = float(ts["case_days_total"].sum() / decided) if decided else 0.0
    cross = float(ts["cross_border_cases_decided"].sum())
    out["cross_border_cases_decided"] = cross
    out["case_days_cross_border_mean"] = (float(ts["cross_border_case_days_total"].sum() / cross)
                                          if cross else 0.0)
    last = ts.iloc[-1] if len(ts) else None
    for name in ("pending_cases", "couriers_active", "couriers_detained", "couriers_imprisoned",
                 "participation", "trust", "tip_rate", "leaders", "organisation_capacity"):
        out[f"{name}_end"] = float(last[name]) if last is not None else 0.0
    out["route_cells_mean"] = float(ts["route_cells"].mean()) if len(ts) else 0.0
    out.update(displacement(model))
    return out


def displacement(model: TraffickingModel) -> dict:
    """Displacement measures from the flow raster, per commodity.

    ``informal_share_<c>``: share of flow on border cells that is not at an official
    crossing (cells within one cell of it); ``spread_km_<c>``: flow-weighted standard
    distance (km) of flow cells from their centroid; ``route_cells_<c>``: cells used;
    ``crossing_share.<crossing>``: share of all border flow (value-weighted, USD) at
    each official crossing; ``flow_share.<ISO3>``: share of all flow (value-weighted,
    USD x cell passages) inside each core country.
    """
    reg = model.region
    out = {}
    ny, nx = reg.shape
    near_crossing = np.zeros(model.n_cells, bool)
    crossing_cells = {}
    for x in reg.crossings:
        r, c = divmod(x.cell, nx)
        rr, cc = np.mgrid[max(r - 1, 0): r + 2, max(c - 1, 0): c + 2]
        cells = (rr[(rr < ny) & (cc < nx)] * nx + cc[(rr < ny) & (cc < nx)]).ravel()
        crossing_cells[x.name] = cells
        near_crossing[cells] = True
    border = model.border
    lon, lat = reg.cell_center(np.arange(model.n_cells))
    km_x = (lon - lon.mean()) * 111.32 * np.cos(np.radians(lat))
    km_y = (lat - lat.mean()) * 110.574
    value = np.array([k.value_at_source_usd for k in model.commodities])
    for k, name in enumerate(model.commodity_names):
        f = model.flow[k]
        on_border = f[border].sum()
        out[f"informal_share_{name}"] = (float(f[border & ~near_crossing].sum() / on_border)
                                         if on_border > 0 else 0.0)
        total = f.sum()
        out[f"route_cells_{name}"] = int(np.count_nonzero(f))
        if total > 0:
            mx, my = (f * km_x).sum() / total, (f * km_y).sum() / total
            out[f"spread_km_{name}"] = float(np.sqrt(
                (f * ((km_x - mx) ** 2 + (km_y - my) ** 2)).sum() / total))
        else:
            out[f"spread_km_{name}"] = 0.0
    usd = (model.flow * value[:, None]).sum(axis=0)
    total_usd = usd.sum()
    for k, iso in enumerate(reg.countries):
        if reg.core[k]:
            out[f"flow_share.{iso}"] = (float(usd[model.country == k].sum() / total_usd)
                                        if total_usd > 0 else 0.0)
    border_usd = usd[border].sum()
    for xname, cells in crossing_cells.items():
        out[f"crossing_share.{xname}"] = (float(usd[cells].sum() / border_usd)
                                          if border_usd > 0 else 0.0)
    return out
