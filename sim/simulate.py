"""The one way in: ``build(config)``, ``simulate(config)`` and ``evaluate(config, overrides)``.

Every caller builds the model here: single runs, Hydra sweeps, studies, calibration,
tabletop exercises, the benchmark and the tests (``mesa.batch_run`` calls the model class,
whose constructor takes the same path). The region is rasterised once per process and
reused (:func:`sim.region.build_region` is memoised); every check that needs the region runs
while building, before any step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.config import ModelConfig, flatten, replace
from sim.metrics import RunView, summarise
from sim.model import TraffickingModel
from sim.region.grid import RegionGrid


@dataclass
class RunResult:
    """Everything one run produces (DESIGN.md §4), in memory.

    Attributes
    ----------
    config : ModelConfig
        The config that drove the run (its ``seed`` is the run's seed).
    timeseries : pandas.DataFrame
        One row per step (day), one column per metric (see :mod:`sim.metrics`), plus
        ``step`` and ``seed``.
    events : pandas.DataFrame
        The event log (:class:`sim.events.EventLog`), with ``seed``.
    flow : numpy.ndarray of float64, shape (n_commodities, ny, nx)
        Quantity (commodity unit) that passed through each cell over the run.
    summary : dict
        One row: config values (dotted names), seed and headline metrics.
    region : RegionGrid
    commodities : tuple of str
    changes : list of dict
        The timed changes added while the model ran (the replay log; empty for a plain run).
    """

    config: ModelConfig
    timeseries: pd.DataFrame
    events: pd.DataFrame
    flow: np.ndarray
    summary: dict
    region: RegionGrid
    commodities: tuple[str, ...]
    changes: list


def build(config: ModelConfig, *, region: RegionGrid | None = None,
          changes: Iterable[dict] = ()) -> TraffickingModel:
    """A model ready to step: world built, every region check passed, mechanisms started.

    Parameters
    ----------
    config : ModelConfig
    region : RegionGrid, optional
        Pre-built region (default: memoised per process).
    changes : iterable of dict
        Timed changes (specs, as in ``model.timeline.log``) to put on the timeline.

    Raises
    ------
    ConfigError
        For any invalid value, before anything is simulated.
    """
    model = TraffickingModel(config, region=region)
    for change in changes:
        model.add_change(change)
    return model


def simulate(config: ModelConfig, *, region: RegionGrid | None = None,
             changes: Iterable[dict] = ()) -> RunResult:
    """Run the model for ``config.steps`` days with seed ``config.seed``.

    ``changes`` replays a log of timed changes (``model.timeline.log`` or
    ``RunResult.changes`` of an earlier run): the config plus its log reproduce a run in
    which the changes were added while it ran.
    """
    model = build(config, region=region, changes=changes)
    model.run()
    return collect(model)


def evaluate(config: ModelConfig, overrides: dict[str, Any] | None = None) -> dict:
    """Summary metrics of one run, with no files: the function a sampler calls.

    Parameters
    ----------
    config : ModelConfig
        The base configuration (its seed and steps are used unless overridden).
    overrides : dict, optional
        Dotted config paths and values, e.g. ``{"seed": 3, "model.escape_prob": 0.1}``;
        validated like any config.

    Returns
    -------
    dict
        The summary without the ``config.*`` columns: ``seed``, ``steps_run``, ``policy``
        and every headline metric (see :mod:`sim.metrics`).

    Examples
    --------
    >>> from sim.config import make_config
    >>> out = evaluate(make_config("toy", steps=30), {"seed": 2, "model.route_noise": 0.2})
    >>> out["seed"], out["steps_run"], out["arrests"] >= 0
    (2, 30, True)
    """
    if overrides:
        config = replace(config, **overrides)
    summary = simulate(config).summary
    return {k: v for k, v in summary.items() if not k.startswith("config.")}


def collect(model: TraffickingModel) -> RunResult:
    """Gather a model's outputs so far into a :class:`RunResult`."""
    ts = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    ts.insert(0, "step", np.arange(1, len(ts) + 1))
    ts.insert(1, "seed", model.config.seed)
    w = model.world
    events = model.events.to_frame(w.region, w.commodity_names)
    events.insert(0, "seed", model.config.seed)
    couriers = model.mechanisms["couriers"]
    ny, nx = w.shape
    flow = couriers.flow.reshape(len(w.commodity_names), ny, nx)
    summary: dict = {f"config.{k}": v for k, v in flatten(model.config).items()}
    summary["seed"] = model.config.seed
    summary["steps_run"] = int(model.steps)
    summary["policy"] = model.config.policy.name
    view = RunView(ts, couriers.flow, w, model.config, model.timeline.yearly_cost_usd(),
                   model.timeline.policy_costs(), events)
    summary.update(summarise(view, model.metrics_in_use))
    return RunResult(model.config, ts, events, flow, summary, w.region, w.commodity_names,
                     list(model.timeline.log))
