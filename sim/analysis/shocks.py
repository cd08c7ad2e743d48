"""Shock figures: a shock against the baseline, paired by seed, as time series.

:func:`run_pairs` runs a scenario with and without a shock for the same seeds (through an
executor, so the runs go in parallel) and returns the daily series in one tidy table;
:func:`paired_change` and :func:`plot_pairs` read such a table (as saved to CSV) and never
run the model. ``python -m experiments.shock_figures`` writes ``docs/shocks/``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config import (
    ModelConfig,
    ShockConfig,
    from_dict,
    make_config,
    read_config,
    replace,
)
from sim.schema import ConfigError

BASELINE = "none"
"""Arm name of the runs without a shock."""


@dataclass(frozen=True)
class ShockFigure:
    """What a shock's figure shows: the scenario it is run on and the daily series."""

    scenario: str
    series: tuple[str, ...]
    units: tuple[str, ...]


FIGURES: dict[str, ShockFigure] = {
    "nigeria_subsidy_removal": ShockFigure("west_africa", ("delivered_fuel", "seized_fuel"),
                                           ("L/day", "L/day")),
    "nigeria_border_closure": ShockFigure("west_africa", ("delivered_fuel", "seized_fuel",
                                                          "arrests"),
                                          ("L/day", "L/day", "arrests/day")),
    "afghan_opium_ban": ShockFigure("central_asia", ("delivered_heroin",
                                                     "delivered_methamphetamine",
                                                     "multi_market_share_methamphetamine"),
                                    ("kg/day", "kg/day", "share of the multi-market effort")),
}
"""The shipped shocks and what their figures show."""


def shock_mapping(name: str) -> dict:
    """The mapping of ``configs/shock/<name>.yaml`` (ConfigError if there is none)."""
    return read_config("shock", name)


def series_task(config: ModelConfig, overrides: dict) -> dict:
    """Executor task: one run's daily values of ``overrides["series"]`` (and its seed)."""
    from sim.simulate import simulate

    over = dict(overrides)
    series = over.pop("series")
    ts = simulate(replace(config, **over)).timeseries
    return {"step": ts["step"].tolist(), **{c: ts[c].astype(float).tolist() for c in series}}


def run_pairs(shock: str, seeds: Sequence[int], steps: int = 365,
              scenario: str | None = None, series: Iterable[str] | None = None,
              start: int | None = None, executor=None) -> pd.DataFrame:
    """Run ``scenario`` with and without ``shock`` for each seed.

    Parameters
    ----------
    shock : str
        A shock of ``configs/shock/``.
    seeds : sequence of int
        One pair of runs (baseline, shock) per seed.
    steps : int
        Days per run.
    scenario, series : optional
        Default: the shock's :data:`FIGURES` entry.
    start : int, optional
        First day of the shock (default: the shock file's).
    executor : optional
        An executor of :mod:`sim.analysis.executor` (default: a local process pool).

    Returns
    -------
    DataFrame
        Tidy: ``arm`` (``"none"`` or the shock's name), ``seed``, ``step`` and one column per
        series, with the shock's ``start`` and ``end`` (NaN = to the end of the run) in
        ``DataFrame.attrs``.
    """
    from sim.analysis.executor import ProcessExecutor, Task

    fig = FIGURES.get(shock)
    if scenario is None or series is None:
        if fig is None:
            raise ConfigError(f"shock = {shock!r} has no shipped figure: give scenario and "
                              f"series")
        scenario = scenario or fig.scenario
        series = series or fig.series
    series = list(series)
    mapping = shock_mapping(shock)
    if start is not None:
        mapping = {**mapping, "start": start}
    cfg = from_dict(ShockConfig, mapping, "shock")
    base = make_config(scenario, steps=steps)
    none = shock_mapping(BASELINE)
    tasks = [Task(f"{arm}:{seed}", {"seed": int(seed), "series": series,
                                    "shock": mapping if arm == shock else none})
             for seed in seeds for arm in (BASELINE, shock)]
    executor = executor or ProcessExecutor(min(len(tasks), 2), fn=series_task)
    frames = []
    for out in executor.run(base, tasks):
        if not out.ok:
            raise RuntimeError(f"run {out.task.key} failed: {out.error}")
        arm, seed = out.task.key.rsplit(":", 1)
        frame = pd.DataFrame(out.result)
        frame.insert(0, "seed", int(seed))
        frame.insert(0, "arm", arm)
        frames.append(frame)
    table = pd.concat(frames).sort_values(["arm", "seed", "step"]).reset_index(drop=True)
    table["start"] = cfg.start
    table["end"] = np.nan if cfg.end is None else cfg.end
    return table


def paired_change(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per seed: the column's total over the days the shock is in force, with and without
    it, and the relative change (shock - baseline) / baseline."""
    start, end = int(table["start"].iloc[0]), table["end"].iloc[0]
    inside = table[(table["step"] >= max(start, 1))
                   & (np.isnan(end) | (table["step"] < (np.inf if np.isnan(end) else end)))]
    sums = inside.groupby(["seed", "arm"])[column].sum().unstack("arm")
    shock = [a for a in sums.columns if a != BASELINE][0]
    out = pd.DataFrame({"baseline": sums[BASELINE], "shock": sums[shock]})
    out["change"] = (out["shock"] - out["baseline"]) / out["baseline"].where(
        out["baseline"] != 0)
    return out


def later_changes(mapping: dict) -> list[tuple[int, str]]:
    """``(day, lever)`` of a shock's changes that begin after its first day."""
    return [(int(mapping["start"]) + int(c["start_offset_days"]), str(c["lever"]))
            for c in mapping.get("changes", []) if c.get("start_offset_days")]


def plot_pairs(table: pd.DataFrame, shock: str, description: str, path,
               units: dict[str, str] | None = None, window: int = 14,
               marks: list[tuple[int, str]] | None = None) -> None:
    """Plot each series of ``table`` (from :func:`run_pairs`, e.g. read back from CSV):
    the mean over seeds of a ``window``-day rolling mean, with the range over seeds, the
    baseline against the shock, the shock's days shaded, and the paired change over those
    days in each panel's title. ``marks`` are ``(day, label)`` of later changes (dotted
    lines, see :func:`later_changes`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = [c for c in table.columns if c not in ("arm", "seed", "step", "start", "end")]
    start, end = int(table["start"].iloc[0]), table["end"].iloc[0]
    last = int(table["step"].max())
    fig, axes = plt.subplots(len(series), 1, figsize=(9, 2.6 * len(series) + 0.6),
                             sharex=True, squeeze=False)
    colours = {BASELINE: "#4c72b0", shock: "#dd8452"}
    for ax, col in zip(axes[:, 0], series, strict=True):
        for arm, colour in colours.items():
            wide = table[table["arm"] == arm].pivot(index="step", columns="seed", values=col)
            smooth = wide.rolling(window, min_periods=1).mean()
            label = "baseline" if arm == BASELINE else shock.replace("_", " ")
            ax.plot(smooth.index, smooth.mean(axis=1), color=colour, lw=1.8, label=label)
            ax.fill_between(smooth.index, smooth.min(axis=1), smooth.max(axis=1),
                            color=colour, alpha=0.18, lw=0)
        ax.axvspan(max(start, 1), last if np.isnan(end) else min(end, last), color="#999999",
                   alpha=0.12, lw=0)
        ax.axvline(max(start, 1), color="#555555", ls="--", lw=1)
        for day, label in marks or []:
            if day <= last:
                ax.axvline(day, color="#555555", ls=":", lw=1)
                if ax is axes[0, 0]:
                    ax.annotate(f"{label} from day {day}", (day, 1.0),
                                xycoords=("data", "axes fraction"), xytext=(3, -12),
                                textcoords="offset points", fontsize=8, color="#333333")
        change = paired_change(table, col)["change"]
        ax.set_title(f"{col}: {change.mean():+.0%} while in force (seeds: "
                     f"{change.min():+.0%} to {change.max():+.0%})", fontsize=10, loc="left")
        ax.set_ylabel((units or {}).get(col, ""), fontsize=9)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper right", fontsize=9, frameon=False)
    axes[-1, 0].set_xlabel("day")
    n = table["seed"].nunique()
    fig.suptitle(f"{description}\nshock from day {start}"
                 + ("" if np.isnan(end) else f" to day {int(end)}"
                    + (f" (after this {last}-day run)" if end > last else ""))
                 + f"; {window}-day means over {n} seeds (band: range over seeds), paired by "
                   f"seed", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


__all__ = ["BASELINE", "FIGURES", "ShockFigure", "later_changes", "paired_change", "plot_pairs",
           "run_pairs", "series_task", "shock_mapping"]
