"""Figures and the planners' report of a policy comparison: PNGs, HTML and Markdown.

Takes the statistics of :mod:`sim.analysis.compare` and draws them: a forest plot of the effects vs
baseline, flow maps (baseline | package | difference) on the real region, and time series
with 95 % bands; then writes one self-contained ``report.html`` (figures embedded as base64,
inline CSS, no scripts) and a ``report.md`` that links the PNG files. Every file is written
atomically.
"""

from __future__ import annotations

import math
import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.patheffects  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import LogNorm, Normalize  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from sim.analysis.compare import POLICY, RUN_DIR, Comparison, FlowComparison, Sweep  # noqa: E402
from sim.analysis.html import CSS, img_tag, md_table  # noqa: E402
from sim.analysis.html import escape as _e  # noqa: E402
from sim.analysis.html import table as _table  # noqa: E402
from sim.atomic import write_atomic  # noqa: E402
from sim.metrics import describe_column  # noqa: E402

BASELINE_COLOUR = "#111111"
"""Colour of the baseline package in every figure."""


# --------------------------------------------------------------------------- writing files


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a table as CSV (no index) atomically."""
    return write_atomic(path, lambda p: frame.to_csv(p, index=False))


def _save(fig, path: Path) -> Path:
    try:
        return write_atomic(path, lambda p: fig.savefig(p, format="png", dpi=130))
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- number text


def _isnan(x) -> bool:
    return x is None or (isinstance(x, float | np.floating) and math.isnan(x))


_SCALES = {1e9: " bn", 1e6: " M", 1.0: ""}


def _scale_of(x: float) -> float:
    return next((f for f in _SCALES if abs(x) >= f), 1.0)


def fmt_num(x, sig: int = 3, signed: bool = False, scale: float | None = None) -> str:
    """A number for people: ``sig`` significant digits, thousands separators, M / bn.

    ``scale`` (1, 1e6 or 1e9) forces the suffix, so that bounds of one interval match.

    >>> fmt_num(427071538.5), fmt_num(0.043912), fmt_num(100, signed=True), fmt_num(None)
    ('427 M', '0.0439', '+100', 'n/a')
    >>> fmt_num(863006, scale=1e6)
    '0.863 M'
    """
    if _isnan(x):
        return "n/a"
    x = float(x)
    if x == 0:
        return "0"
    factor = _scale_of(x) if scale is None else scale
    scaled, suffix = x / factor, _SCALES[factor]
    digits = max(0, sig - 1 - math.floor(math.log10(abs(scaled))))
    return f"{scaled:{'+' if signed else ''},.{digits}f}{suffix}"


def fmt_pct(x, signed: bool = True) -> str:
    """A percentage with one decimal (``"+21.0 %"``); ``"n/a"`` for NaN."""
    return "n/a" if _isnan(x) else f"{float(x):{'+' if signed else ''},.1f} %"


def fmt_ci(low, high, signed: bool = False) -> str:
    """``"95% CI a to b"``, or ``"no CI"`` when the bounds are NaN."""
    if _isnan(low) or _isnan(high):
        return "no CI"
    scale = _scale_of(max(abs(float(low)), abs(float(high))))
    return (f"95% CI {fmt_num(low, signed=signed, scale=scale)} to "
            f"{fmt_num(high, signed=signed, scale=scale)}")


def label_with_unit(label: str, unit: str) -> str:
    """``"cocaine seized (kg)"``; the label alone when there is no unit."""
    return f"{label} ({unit})" if unit else label


def policy_colours(comparison: Comparison) -> dict[str, str]:
    """Baseline in near-black, each other package a tab10 colour, fixed for all figures."""
    cmap = plt.get_cmap("tab10")
    out = {comparison.baseline: BASELINE_COLOUR}
    for i, p in enumerate(comparison.others):
        out[p] = matplotlib.colors.to_hex(cmap(i % 10))
    return out


# --------------------------------------------------------------------------- figures


def plot_effects(comparison: Comparison, path: str | os.PathLike) -> Path | None:
    """Forest plot: relative change vs baseline with 95 % CI, one panel per key metric.

    Each row of a panel is a package; the dot is the paired mean change in % of the baseline
    mean over the same seeds, the bar its 95 % t-interval. Filled dots: the interval excludes
    0. Returns None (and writes nothing) when there is no package besides the baseline.
    """
    others, metrics = comparison.others, comparison.key
    if not others or not metrics:
        return None
    colours = policy_colours(comparison)
    ncol = min(4, len(metrics))
    nrow = math.ceil(len(metrics) / ncol)
    ylabels = []
    for p in others:
        n = comparison.pairing.set_index(POLICY).loc[p, "n_paired"]
        ylabels.append(f"{p}  (n={n})")
    label_in = max(len(s) for s in ylabels) * 0.075 + 0.4
    panel_h = 0.38 * len(others) + 1.25
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.3 * ncol + label_in, panel_h * nrow + 1.3),
                             sharey=True, squeeze=False, layout="constrained")
    y = np.arange(len(others))[::-1]
    for ax, metric in zip(axes.flat, metrics, strict=False):
        first = comparison.row(comparison.baseline, metric)
        ax.set_title(textwrap.fill(label_with_unit(first["label"], first["unit"]), 34)
                     + f"\nbaseline mean {fmt_num(first['mean'])}", fontsize=9.5)
        ax.axvline(0, color="#555555", lw=0.9, zorder=1)
        missing = []
        for yy, p in zip(y, others, strict=True):
            r = comparison.row(p, metric)
            rel, lo, hi = r["rel_change_pct"], r["rel_ci_low_pct"], r["rel_ci_high_pct"]
            if _isnan(rel):
                missing.append(yy)
                continue
            clear = bool(r["ci_excludes_zero"])
            if not _isnan(lo):
                ax.plot([lo, hi], [yy, yy], color=colours[p], lw=2.0, solid_capstyle="butt",
                        zorder=2)
            ax.plot(rel, yy, "o", ms=7, mec=colours[p], mew=1.6,
                    mfc=colours[p] if clear else "white", zorder=3)
        for yy in missing:
            ax.text(0.5, yy, "n/a (baseline is 0)", transform=ax.get_yaxis_transform(),
                    ha="center", va="center", fontsize=8, color="#777777")
        lo_x, hi_x = ax.get_xlim()
        span = max(abs(lo_x), abs(hi_x), 1.0)
        if missing and len(missing) == len(others):
            span = 1.0
        ax.set_xlim(-span * 1.08, span * 1.08)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(
            nbins=6, steps=[1, 2, 2.5, 5, 10], symmetric=True))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_pct_tick))
        ax.tick_params(labelsize=8.5)
        ax.grid(axis="x", color="#e3e3e3", lw=0.7, zorder=0)
        ax.set_ylim(-0.7, len(others) - 0.3)
    for ax in axes.flat[len(metrics):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_yticks(y, ylabels, fontsize=9.5)
    for ax in axes[-1, :]:
        ax.set_xlabel("change vs baseline (% of baseline mean)", fontsize=8.5)
    if nrow > 1:
        for ax in axes[-2, len(metrics) - (nrow - 1) * ncol:]:
            ax.set_xlabel("change vs baseline (% of baseline mean)", fontsize=8.5)
            ax.xaxis.set_tick_params(labelbottom=True)
    handles = [
        Line2D([], [], ls="-", marker="o", color="#444444", mfc="#444444", ms=7,
               label="paired mean change, 95% CI excludes 0"),
        Line2D([], [], ls="-", marker="o", color="#444444", mfc="white", ms=7,
               label="95% CI includes 0 (no clear effect)"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=9, frameon=False)
    fig.suptitle(f"Effect of each package vs the baseline ({comparison.baseline!r}): paired "
                 f"mean change over seeds, with 95% confidence intervals", fontsize=11.5)
    return _save(fig, Path(path))


DIFF_QUANTILE = 0.99
"""Difference maps saturate at this quantile of |difference| over cells with flow."""


def diff_limit(values: np.ndarray, quantile: float = DIFF_QUANTILE) -> float:
    """Symmetric colour limit of a difference map: the ``quantile`` of ``|values|``.

    A few cells next to sources carry most of the flow, so a scale set by the single largest
    change would leave every other change white; cells beyond the limit take the end colours.
    Falls back to the largest ``|value|`` when the quantile is 0. Returns 0 when all are 0.
    """
    magnitude = np.abs(np.asarray(values, dtype=float))
    if magnitude.size == 0:
        return 0.0
    limit = float(np.quantile(magnitude, quantile))
    return limit if limit > 0 else float(magnitude.max())


def _draw_places(ax, region, *, codes: bool) -> None:
    """Crossings (hollow triangles), ports and exits, and (if ``codes``) core-country codes.

    Names of crossings and sites are left out: at the size of a comparison panel they
    overlap; each run's own ``map.png`` names them.
    """
    for x in region.crossings:
        lon, lat = region.cell_center(x.cell)
        ax.plot(lon, lat, marker="^", ms=4.5, mfc="none", mec="black", mew=0.7, zorder=6)
    for site in region.sites:
        if site.role in ("port", "exit"):
            lon, lat = region.cell_center(site.cell)
            ax.plot(lon, lat, marker="s" if site.role == "port" else "D", ms=3.2,
                    mfc="none", mec="#222222", mew=0.7, zorder=6)
    if not codes:
        return
    halo = [matplotlib.patheffects.withStroke(linewidth=2.2, foreground="white")]
    for k, iso in enumerate(region.countries):
        if not region.core[k]:
            continue
        lon, lat = region.cell_center(np.flatnonzero(region.country.ravel() == k))
        ax.text(np.median(lon), np.median(lat), iso, fontsize=8.5, color="#333333",
                ha="center", va="center", weight="bold", zorder=7, path_effects=halo)


def _pct_tick(value: float, _pos=None) -> str:
    """Tick text of a relative change: ``"+20%"``, ``"−2.5%"``, ``"0"``."""
    if abs(value) < 1e-12:
        return "0"
    return f"{value:+g}%".replace("-", "\u2212")


def _axis_tick(value: float, _pos=None) -> str:
    """Tick text of a level: thousands separators, M / bn for large values, no trailing 0s."""
    if abs(value) >= 1e9:
        return f"{value / 1e9:,.6g} bn".replace("-", "\u2212")
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.6g} M".replace("-", "\u2212")
    return f"{value:,.6g}".replace("-", "\u2212")


def _map_extent(raster) -> tuple[float, float, float, float]:
    ny, nx = raster.flow.shape[1:]
    return (raster.lon0, raster.lon0 + nx * raster.dlon, raster.lat0,
            raster.lat0 + ny * raster.dlat)


def plot_flow_maps(flows: FlowComparison, comparison: Comparison, region,
                   path: str | os.PathLike, days: int | None = None,
                   zones: list[dict] | None = None) -> Path:
    """Where routes moved: rows = commodities; baseline | package | difference maps.

    Parameters
    ----------
    flows : FlowComparison
        Mean flow rasters over the shared seeds (:func:`sim.analysis.compare.compare_flows`).
    comparison : Comparison
        For the baseline name and commodity units.
    region : RegionGrid or None
        Drawn underneath (borders, crossings, sites) when its shape matches the rasters;
        None draws the rasters alone.
    path : path-like
        PNG to write.
    days : int, optional
        Simulated days, for the title.
    zones : list of dict, optional
        Armed-group zones to outline (:func:`sim.plotting.zone_circles`), at their
        configured size.

    Notes
    -----
    Baseline and package share one log colour scale per commodity (quantity through each
    cell over the run, mean over seeds). The difference uses a diverging scale centred on 0
    with symmetric limits ±max|difference|; cells with no flow under either are left blank.
    """
    from sim.plotting import draw_base, draw_zones

    raster = flows.raster
    commodities = raster.commodities
    extent = _map_extent(raster)
    lon0, lon1, lat0, lat1 = extent
    aspect = 1.0 / math.cos(math.radians((lat0 + lat1) / 2))
    panel_w = 4.3
    panel_h = min(max(panel_w * (lat1 - lat0) * aspect / (lon1 - lon0), 2.2), 6.0) + 0.45
    n = len(flows.seeds)
    fig, axes = plt.subplots(len(commodities), 3, squeeze=False, layout="constrained",
                             figsize=(3 * panel_w + 1.9, panel_h * len(commodities) + 1.0))
    if region is not None and tuple(region.shape) != tuple(raster.flow.shape[1:]):
        region = None
    heat = plt.get_cmap("YlOrRd").with_extremes(bad=(0, 0, 0, 0))
    diverging = plt.get_cmap("RdBu_r").with_extremes(bad=(0, 0, 0, 0))
    runs_text = f"mean of {n} run{'s' if n != 1 else ''}"
    for row, c in enumerate(commodities):
        unit = comparison.commodities.get(c, "units")
        base, pol = flows.baseline_mean[row], flows.policy_mean[row]
        diff = pol - base
        top = max(base.max(), pol.max())
        for col, ax in enumerate(axes[row]):
            if region is not None:
                draw_base(ax, region, labels=False)
                _draw_places(ax, region, codes=col == 0)
                zone_handles = draw_zones(ax, zones or [], labels=False)
            else:
                ax.set_facecolor("#eeeeee")
            ax.set_xlim(lon0, lon1)
            ax.set_ylim(lat0, lat1)
            ax.set_aspect(aspect)
            ax.tick_params(labelsize=7.5)
        if top > 0:
            positive = np.concatenate([base[base > 0], pol[pol > 0]])
            norm = LogNorm(vmin=max(positive.min(), top * 1e-3), vmax=top)
            for ax, data in ((axes[row, 0], base), (axes[row, 1], pol)):
                im = ax.imshow(np.ma.masked_less_equal(np.maximum(data, 0), 0), origin="lower",
                               extent=extent, cmap=heat, norm=norm, interpolation="nearest",
                               zorder=2, alpha=0.9)
            cb = fig.colorbar(im, ax=axes[row, :2].tolist(), shrink=0.85, pad=0.01,
                              aspect=25, extend="min")
            cb.set_label(f"{c} through cell ({unit}, log scale)", fontsize=8)
            cb.ax.tick_params(labelsize=7.5)
        else:
            for ax in axes[row, :2]:
                ax.text(0.5, 0.5, "no flow", transform=ax.transAxes, ha="center", fontsize=10)
        used = (base > 0) | (pol > 0)
        largest = float(np.abs(diff).max())
        limit = diff_limit(diff[used])
        if limit > 0:
            clipped = largest > limit * (1 + 1e-9)
            im = axes[row, 2].imshow(np.ma.masked_where(~used, diff), origin="lower",
                                     extent=extent, cmap=diverging,
                                     norm=Normalize(-limit, limit), interpolation="nearest",
                                     zorder=2)
            cb = fig.colorbar(im, ax=axes[row, 2], shrink=0.85, pad=0.01, aspect=25,
                              extend="both" if clipped else "neither")
            cb.set_label(f"{flows.policy} − baseline ({unit})"
                         + (f"\nscale cut at ±{fmt_num(limit, 2)}; largest "
                            f"{fmt_num(largest, 2)}" if clipped else ""), fontsize=8)
            cb.ax.tick_params(labelsize=7.5)
            cb.formatter = matplotlib.ticker.FuncFormatter(lambda v, _p: fmt_num(v, 2, True))
            cb.update_ticks()
        else:
            axes[row, 2].text(0.5, 0.5, "no difference in any cell", ha="center", va="center",
                              transform=axes[row, 2].transAxes, fontsize=10, zorder=8,
                              bbox={"facecolor": "white", "edgecolor": "#999999"})
        titles = (f"{c} ({unit}): baseline\n{runs_text}",
                  f"{c} ({unit}): {flows.policy}\n{runs_text}",
                  f"{c} ({unit}): difference, {flows.policy} − baseline\n"
                  f"red = more flow, blue = less; {runs_text}")
        for ax, title in zip(axes[row], titles, strict=True):
            ax.set_title(title, fontsize=9)
    if region is not None:
        symbols = [Line2D([], [], ls="", marker=m, mfc="none", mec="black", ms=s, label=t)
                   for m, s, t in (("^", 5, "official crossing"), ("s", 4, "port"),
                                   ("D", 4, "exit"))]
        symbols.insert(0, Patch(color="#b0b0b0", label="corridor (road) cells"))
        symbols += zone_handles  # armed-group zones, at their configured size
        fig.legend(handles=symbols, loc="outside lower center", ncol=min(len(symbols), 4),
                   fontsize=8.5, frameon=False)
    for ax in axes[-1]:
        ax.set_xlabel("longitude (°E)", fontsize=8)
    for ax in axes[:, 0]:
        ax.set_ylabel("latitude (°N)", fontsize=8)
    seeds = ", ".join(str(s) for s in flows.seeds[:12]) + (" …" if len(flows.seeds) > 12 else "")
    period = f"{days} days, " if days else ""
    fig.suptitle(f"Where routes moved under {flows.policy!r} vs the baseline "
                 f"({comparison.baseline!r}): quantity through each "
                 f"{raster.cell_km:g} km cell over the run\n{period}mean over {n} paired "
                 f"replication{'s' if n != 1 else ''} (seeds {seeds})", fontsize=11)
    return _save(fig, Path(path))


TIMESERIES_PANELS = ("arrests_cumulative", "pending_cases", "participation", "trust")
"""Panels of the daily-course figure after the per-commodity ones (see
:func:`sim.analysis.compare.daily_series`)."""


NON_NEGATIVE = frozenset({"pending_cases", "participation", "trust"})
"""Daily series that cannot be negative (their bands are clipped at 0)."""


def _series_label(series: str, units: dict[str, str]) -> tuple[str, str]:
    """Label and unit of a daily series, from the metric definitions (:mod:`sim.metrics`);
    ``<metric>_cumulative`` is the running total of a daily metric."""
    if series.endswith("_cumulative"):
        label, unit = describe_column(series.removesuffix("_cumulative"), units)
        return f"{label}, cumulative", unit.removesuffix("/day")
    return describe_column(series, units)


MAX_BANDS = 4
"""With more packages than this, only the baseline's band is shaded (overlapping bands of
many packages turn into one muddy colour)."""


def plot_timeseries(bands: pd.DataFrame, comparison: Comparison, path: str | os.PathLike
                    ) -> Path | None:
    """Daily series per package: mean over seeds (line) and 95 % t-band (shade).

    With more than :data:`MAX_BANDS` packages only the baseline's band is shaded. Returns
    None (and writes nothing) when ``bands`` is empty.
    """
    if bands.empty:
        return None
    order = [f"{m}_{c}_cumulative" for c in comparison.commodities
             for m in ("delivered", "seized")] + list(TIMESERIES_PANELS)
    series = [s for s in order if s in set(bands["series"])]
    colours = policy_colours(comparison)
    ncol = min(4, len(series))
    nrow = math.ceil(len(series) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.7 * ncol, 2.9 * nrow + 1.1), squeeze=False,
                             layout="constrained")
    policies = [p for p in comparison.others if p in set(bands[POLICY])]
    policies += [comparison.baseline] if comparison.baseline in set(bands[POLICY]) else []
    counts = bands.groupby(POLICY)["n"].max()
    for ax, s in zip(axes.flat, series, strict=False):
        label, unit = _series_label(s, comparison.commodities)
        for p in policies:
            d = bands[(bands[POLICY] == p) & (bands["series"] == s)].sort_values("step")
            is_base = p == comparison.baseline
            low = d["ci_low"].clip(lower=0) if s in NON_NEGATIVE or s.endswith(
                "_cumulative") else d["ci_low"]
            if is_base or len(policies) <= MAX_BANDS:
                ax.fill_between(d["step"], low, d["ci_high"], color=colours[p],
                                alpha=0.12 if is_base else 0.16, lw=0, zorder=2 + is_base)
            ax.plot(d["step"], d["mean"], color=colours[p], lw=2.4 if is_base else 1.4,
                    zorder=4 + is_base)
        ax.set_title(label_with_unit(label, unit), fontsize=9.5)
        ax.tick_params(labelsize=8)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_axis_tick))
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.grid(color="#e8e8e8", lw=0.6)
        ax.margins(x=0)
    for ax in axes.flat[len(series):]:
        ax.set_visible(False)
    for ax in axes.flat[max(0, len(series) - ncol): len(series)]:
        ax.set_xlabel("day", fontsize=8.5)
    handles = [Line2D([], [], color=colours[p], lw=2.4 if p == comparison.baseline else 1.6,
                      label=(f"{p} (reference)" if p == comparison.baseline else p)
                      + f", n={int(counts.get(p, 0))}")
               for p in [comparison.baseline, *comparison.others] if p in counts]
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 5),
               fontsize=9, frameon=False)
    fig.suptitle("Daily course of each package: mean over seeds (line) with 95% band (shade)",
                 fontsize=11.5)
    return _save(fig, Path(path))


# --------------------------------------------------------------------------- report content


@dataclass
class Figure:
    """A PNG of the report with its heading and caption."""

    path: Path
    title: str
    caption: str


@dataclass
class ReportInputs:
    """Everything :func:`report_html` and :func:`report_markdown` show.

    Attributes
    ----------
    sweep : Sweep
    comparison : Comparison
    packages : dict of str to dict
        Per package, :func:`sim.analysis.compare.package_description`.
    figures : list of Figure
    command : str
        Shell command that reproduces the report.
    project : str
        Folder the command is run from.
    generated : str
        Timestamp text.
    notes : list of str
        Warnings beyond ``comparison.notes`` (maps, time series).
    outputs : dict of str to str
        Output file name -> what it holds.
    assumptions : list of str
        Caveat lines on the assumptions the headline effects rest on
        (:func:`sim.analysis.assumptions.effect_caveats`): a heading line, then one per
        package; empty to leave them out.
    """

    sweep: Sweep
    comparison: Comparison
    packages: dict[str, dict]
    figures: list[Figure]
    command: str
    project: str
    generated: str
    notes: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)

    @property
    def all_notes(self) -> list[str]:
        """Every warning for the reader, in order."""
        out = list(self.comparison.notes) + list(self.notes)
        left_out = self.sweep.problems
        if len(left_out):
            counts = left_out["status"].value_counts()
            kinds = ", ".join(f"{n} {kind}" for kind, n in counts.items())
            out.append(f"{len(left_out)} run folder{'s were' if len(left_out) != 1 else ' was'}"
                       f" left out ({kinds}); see 'Runs left out'.")
        return out


def scenario_facts(sweep: Sweep, comparison: Comparison) -> list[tuple[str, str]]:
    """(what, value) rows describing the sweep: scenario, grid, period, replications."""
    runs = sweep.runs

    def values(col):
        if col not in runs:
            return "n/a"
        vals = sorted({_plain(v) for v in runs[col].dropna()})
        return ", ".join(vals) if vals else "n/a"

    per = comparison.pairing.set_index(POLICY)["n_runs"]
    reps = ", ".join(f"{p}: {per[p]}" for p in comparison.policies)
    seeds = sorted({int(s) for s in runs["seed"]})
    seed_text = ", ".join(str(s) for s in seeds[:30]) + (" …" if len(seeds) > 30 else "")
    commodities = ", ".join(f"{c} ({u})" for c, u in comparison.commodities.items())
    facts = [("scenario", values("config.scenario.name")),
             ("region", values("config.scenario.region")),
             ("grid cell", values("config.scenario.cell_km") + " km"),
             ("days simulated", values("config.steps")),
             ("commodities", commodities or "n/a"),
             ("shock", _shock_text(runs)),
             ("packages", f"{len(comparison.policies)} (baseline: {comparison.baseline})"),
             ("replications (finished runs) per package", reps),
             (f"seeds ({len(seeds)})", seed_text),
             ("sweep folder", str(sweep.root))]
    problems = sweep.problems
    if len(problems):
        facts.append(("runs left out", f"{len(problems)} (see 'Runs left out')"))
    return facts


def _shock_text(runs) -> str:
    """The runs' shock(s): name, first day and duration (``none`` without one)."""
    if "config.shock.name" not in runs:
        return "none"
    out = []
    for _, row in runs.drop_duplicates(["config.shock.name", "config.shock.start",
                                        "config.shock.duration_days"]).iterrows():
        name = str(row["config.shock.name"])
        if name == "none":
            out.append("none")
            continue
        dur = row.get("config.shock.duration_days")
        span = "to the end" if dur is None or dur != dur else f"for {_plain(dur)} days"
        out.append(f"{name} from day {_plain(row['config.shock.start'])} {span}")
    return "; ".join(sorted(set(out)))


def _plain(value) -> str:
    """A config value as text: whole floats without ``.0`` (``120.0`` -> ``"120"``)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _policy_rows(package: dict) -> list[dict[str, str]]:
    """Readable text for each policy of a package (missing keys shown as '—')."""
    rows = []
    for pol in package["policies"]:
        countries = pol.get("countries")
        if isinstance(countries, list | tuple):
            countries = ", ".join(str(c) for c in countries)
        elif isinstance(countries, str):
            countries = countries.replace("|", ", ")
        start, end = pol.get("start"), pol.get("end")
        if start is None and end is None:
            period = "—"
        else:
            period = (f"day {start if start is not None else 0} to "
                      f"{'end of run' if end is None or _isnan(end) else f'day {end}'}")
        cost = pol.get("cost_usd_per_year")
        params = pol.get("params")
        if isinstance(params, dict):
            params = ", ".join(f"{k} = {v}" for k, v in params.items()) or "defaults"
        rows.append({
            "policy": str(pol.get("name", "")), "lever": str(pol.get("lever", "—")),
            "countries": str(countries) if countries else "—", "in force": period,
            "yearly cost": "—" if cost is None else f"{fmt_num(cost)} USD/year",
            "cost basis": str(pol.get("cost_basis") or "—"),
            "parameters": str(params) if params not in (None, "") else "—"})
    return rows


def _effect_text(r: pd.Series) -> tuple[str, str, bool]:
    """(change, detail, clear) text of one paired effect."""
    if _isnan(r["diff"]):
        return "n/a", str(r.get("note") or ""), False
    unit = f" {r['unit']}" if r["unit"] and r["unit"] not in ("share", "0–1") else ""
    main = f"{fmt_num(r['diff'], signed=True)}{unit}"
    detail = f"{fmt_ci(r['diff_ci_low'], r['diff_ci_high'], signed=True)}"
    if not _isnan(r["rel_change_pct"]):
        detail += f"; {fmt_pct(r['rel_change_pct'])}"
    return main, detail, bool(r["ci_excludes_zero"])


def _level_text(r: pd.Series) -> tuple[str, str]:
    unit = f" {r['unit']}" if r["unit"] and r["unit"] not in ("share", "0–1") else ""
    return f"{fmt_num(r['mean'])}{unit}", fmt_ci(r["ci_low"], r["ci_high"])


def cost_rows(comparison: Comparison) -> list[tuple[str, str, dict[str, tuple[str, str]]]]:
    """Cost lines of the headline table: (label, unit, {policy: (value, note)})."""
    costs = comparison.costs.set_index(POLICY)
    recorded = bool(costs["cost_recorded"].any())
    suffix = "" if recorded else " — not recorded, taken as 0"
    lines = [("yearly cost" + suffix, "USD/year", "cost_usd_per_year"),
             ("cost over the simulated period" + suffix, "USD", "cost_usd_run")]
    out = []
    for label, unit, col in lines:
        out.append((label, unit, {p: (fmt_num(costs.loc[p, col]), "")
                                  for p in comparison.policies}))
    ratios = [(f"cost per extra {u} of {c} seized", f"USD/{u}", f"cost_per_extra_seized_{c}")
              for c, u in comparison.commodities.items()]
    ratios.append(("cost per USD of trafficker revenue denied", "USD/USD",
                   "cost_per_usd_revenue_denied"))
    if "cost_per_usd_seized" in costs:
        ratios.append(("cost per USD of extra value seized", "USD/USD", "cost_per_usd_seized"))
    for label, unit, col in ratios:
        if col not in costs:
            continue
        cells = {comparison.baseline: ("—", "reference")}
        for p in comparison.others:
            value = costs.loc[p, col]
            note = costs.loc[p, f"{col}_note"]
            note = note if isinstance(note, str) else ""
            cells[p] = (fmt_num(value) if not _isnan(value) else "n/a",
                        note.removeprefix("n/a: "))
        out.append((label, unit, cells))
    return out


CAVEATS = [
    "Intervals cover the model's own randomness only. Most parameters are assumptions "
    "(marked so in configs/), so an effect is only as firm as the assumptions it rests on "
    "(below, from the saved sensitivity study when there is one).",
    "Effects are the model's, on the simulated period: a package that works through slow "
    "channels (courts, communities) may show more over a longer run.",
]
"""Caveats stated with the findings of every report."""


def _finding_tier(metric: str) -> int:
    """What a planner looks for first: flows delivered, then revenues, then the rest."""
    if metric.startswith("delivered_"):
        return 0
    if metric.endswith("revenue_usd"):
        return 1
    return 2


def clear_effects(cmp: Comparison, policy: str) -> list[tuple[str, str, str]]:
    """A package's clear effects on the headline outcomes (CI excluding 0), in the order a
    planner reads them: deliveries first, then revenues, then the rest, each by largest
    relative change. Each is (metric, label, text of the change with its interval)."""
    clear = []
    for m in cmp.key:
        r = cmp.row(policy, m)
        if _isnan(r["diff"]) or not bool(r["ci_excludes_zero"]):
            continue
        rel = r["rel_change_pct"]
        size = abs(rel) if not _isnan(rel) else 0.0
        if _isnan(rel):
            main, detail, _ = _effect_text(r)
            text = f"{r['label']} {main} ({detail})"
        else:
            text = (f"{r['label']} {fmt_pct(rel)} ({fmt_pct(r['rel_ci_low_pct'])} to "
                    f"{fmt_pct(r['rel_ci_high_pct'])})")
        clear.append((_finding_tier(m), -size, m, str(r["label"]), text))
    clear.sort(key=lambda x: x[:2])
    return [c[2:] for c in clear]


def key_findings(cmp: Comparison, top: int = 3) -> list[str]:
    """One line per package: its clear effects on the headline outcomes (at most ``top``,
    :func:`clear_effects`) and its yearly cost."""
    costs = cmp.costs.set_index(POLICY)
    lines = []
    for p in cmp.others:
        clear = clear_effects(cmp, p)
        cost = costs.loc[p, "cost_usd_per_year"] if p in costs.index else float("nan")
        cost_text = "" if _isnan(cost) else f"; costs USD {fmt_num(cost)}/year"
        if clear:
            more = len(clear) - top
            body = "; ".join(t for *_, t in clear[:top]) + (
                f"; and {more} more clear effect{'s' if more > 1 else ''} below" if more > 0
                else "")
        else:
            body = "no clear effect on the headline outcomes"
        lines.append(f"{p}: {body}{cost_text}.")
    return lines


def headline_effects(cmp: Comparison, top: int = 3) -> dict[str, list[tuple[str, str]]]:
    """Per package, the (metric, label) of the clear effects :func:`key_findings` names."""
    return {p: [(m, label) for m, label, _ in clear_effects(cmp, p)[:top]] for p in cmp.others}


HOW_TO_READ = [
    "Each package was simulated with the same seeds as the baseline. Seed k of every package "
    "draws the same random numbers (common random numbers), so run k of a package and run k "
    "of the baseline differ only because of the policies. The effect of a package is "
    "therefore measured seed by seed: for every seed both have, the package's result minus "
    "the baseline's, then the mean of these paired differences.",
    "The 95% confidence interval (CI) of that mean uses Student's t distribution with n − 1 "
    "degrees of freedom, n being the number of paired seeds. It describes the model's "
    "randomness only: it does not cover uncertainty in the model's assumptions or parameter "
    "values.",
    "A CI that includes 0 means the replications cannot tell the package from the baseline "
    "for that outcome: the effect may be zero, or too small for this number of replications. "
    "More seeds narrow the interval. A CI entirely above or below 0 (shown in bold in the "
    "tables, as filled dots in the effects figure) is a clear effect in that direction.",
    "Relative change (%) is the mean paired difference divided by the baseline mean over the "
    "same seeds; its interval scales the difference's CI by that mean. It is not shown when "
    "the baseline mean is 0.",
    "Cost-effectiveness divides a package's extra cost over the simulated period (vs the "
    "baseline, same seeds) by its mean effect: extra quantity seized, or trafficker revenue "
    "denied (the fall in the value delivered). A ratio is given only when the effect's CI "
    "excludes 0 in the intended direction; otherwise it is 'n/a' and the reason is stated. "
    "Ratios do not count benefits other than that one effect, so packages with several "
    "effects look worse by each single ratio than they are overall.",
    "Many outcomes and packages are compared at once. Even a package with no effect at all "
    "has about one interval in twenty excluding 0 by chance, so weigh a single clear effect "
    "against the pattern across related outcomes (e.g. seized and delivered of the same "
    "commodity).",
    "With a handful of seeds, intervals are wide; with one seed there is no CI at all.",
]


# --------------------------------------------------------------------------- HTML





def _plural(n: int, noun: str) -> str:
    """``"1 package"``, ``"3 packages"``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _baseline_header(cmp: Comparison) -> str:
    name = cmp.baseline if cmp.baseline == "baseline" else f"{cmp.baseline} (baseline)"
    return f"{name}: mean (reference)"


def _headline_rows(cmp: Comparison):
    """Content of the headline table, shared by the HTML and Markdown renderers.

    Returns the header and rows ``(label, cells)``. Outcome rows hold the baseline level
    ``("level", text, ci)`` then each package's change ``("effect", main, detail, clear)``;
    cost rows hold ``("cost", value, note)`` per package (baseline included).
    """
    header = ["outcome (unit)", _baseline_header(cmp)] + [
        f"{p}: change vs baseline" for p in cmp.others]
    rows = []
    for m in cmp.key:
        base = cmp.row(cmp.baseline, m)
        cells = [("level", *_level_text(base))]
        cells += [("effect", *_effect_text(cmp.row(p, m))) for p in cmp.others]
        rows.append((label_with_unit(base["label"], base["unit"]), cells))
    for label, unit, costs in cost_rows(cmp):
        cells = [("cost", *costs.get(p, ("—", ""))) for p in cmp.policies]
        rows.append((label_with_unit(label, unit), cells))
    return header, rows


def _headline_html(cmp: Comparison) -> str:
    def cell(kind, main, detail, clear=False):
        if kind == "level":
            return f"{_e(main)}<span class='detail'>{_e(detail)}</span>"
        if kind == "effect":
            return (f"<span class='{'clear' if clear else 'effect'}'>{_e(main)}</span>"
                    f"<span class='detail'>{_e(detail)}</span>")
        return (f"<span class='{'na' if main == 'n/a' else 'effect'}'>{_e(main)}</span>"
                + (f"<span class='detail'>{_e(detail)}</span>" if detail else ""))

    header, rows = _headline_rows(cmp)
    return _table(header, [[f"<b>{_e(label)}</b>", *(cell(*c) for c in cells)]
                           for label, cells in rows], raw=True)


def _full_table_rows(cmp: Comparison, policy: str) -> list[list[str]]:
    rows = []
    for m in cmp.metrics:
        r = cmp.row(policy, m)
        base = cmp.row(cmp.baseline, m)
        level, level_ci = _level_text(r)
        row = [label_with_unit(r["label"], r["unit"]), m, str(int(r["n"])),
               f"{level} ({level_ci})"]
        if policy != cmp.baseline:
            b_level, b_ci = _level_text(base)
            main, detail, clear = _effect_text(r)
            row += [f"{b_level} ({b_ci})", ("◆ " if clear else "") + f"{main} ({detail})"]
        rows.append(row)
    return rows


def _full_header(cmp: Comparison, policy: str) -> list[str]:
    header = ["outcome (unit)", "summary column", "n", f"{policy}: mean (95% CI)"]
    if policy != cmp.baseline:
        header += ["baseline: mean (95% CI)", "paired change vs baseline (◆ = CI excludes 0)"]
    return header


def report_html(inp: ReportInputs) -> str:
    """The whole report as one self-contained HTML page (no scripts, no external files)."""
    cmp, sweep = inp.comparison, inp.sweep
    scenario = scenario_name(sweep)
    n_seeds = sweep.runs["seed"].nunique()
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Policy comparison — {_e(scenario)}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<style>{CSS}</style></head><body>",
        f"<h1>Policy comparison: {_e(scenario)}</h1>",
        f'<p class="meta">{_plural(len(cmp.policies), "package")} × '
        f'{_plural(n_seeds, "seed")}, '
        f"{_plural(len(sweep.runs), 'finished run')}. Generated {_e(inp.generated)}.</p>",
    ]
    if inp.all_notes:
        items = "".join(f"<li>{_e(n)}</li>" for n in inp.all_notes)
        parts.append(f'<div class="notes"><b>Read first</b><ul>{items}</ul></div>')
    parts.append("<h2>What this comparison found</h2>")
    parts.append("<ul class='findings'>" + "".join(f"<li>{_e(t)}</li>"
                                                   for t in key_findings(cmp)) + "</ul>")
    parts.append("<p><b>Caveats.</b> " + " ".join(_e(t) for t in CAVEATS) + "</p>")
    if inp.assumptions:
        head, *rest = inp.assumptions
        parts.append(f"<p class='assumptions'>{_e(head)}</p>")
        if rest:
            parts.append("<ul class='assumptions'>" + "".join(f"<li>{_e(t)}</li>"
                                                              for t in rest) + "</ul>")
    parts.append("<h2>Headline results</h2>")
    parts.append(
        f"<p>Change vs the baseline: mean of the paired differences over the seeds both have, "
        f"with its 95% confidence interval and the relative change. <b>Bold</b>: the interval "
        f"excludes 0. Costs are for the {_e(_days_text(sweep))} simulated.</p>")
    parts.append(_headline_html(cmp))
    parts.append("<h2>Figures</h2>")
    for fig in inp.figures:
        parts.append(f"<figure><h3>{_e(fig.title)}</h3>{img_tag(fig.path, fig.title)}"
                     f"<figcaption>{_e(fig.caption)}</figcaption></figure>")
    if not inp.figures:
        parts.append("<p>No figures could be drawn (see the notes above).</p>")
    parts.append("<h2>What was compared</h2>")
    parts.append(_table(None, [[f"<b>{_e(a)}</b>", _e(b)] for a, b in
                               scenario_facts(sweep, cmp)], raw=True))
    for p in cmp.policies:
        pkg = inp.packages.get(p, {"description": "", "policies": []})
        tag = " <span class='pill'>baseline</span>" if p == cmp.baseline else ""
        parts.append(f"<h3>{_e(p)}{tag}</h3>")
        if pkg.get("description"):
            parts.append(f"<p>{_e(pkg['description'])}</p>")
        rows = _policy_rows(pkg)
        if rows:
            parts.append(_table(list(rows[0]), [list(r.values()) for r in rows]))
        else:
            parts.append("<p>No policies: the status quo of the scenario.</p>")
    parts.append("<h2>How to read this</h2>")
    parts.extend(f"<p>{_e(t)}</p>" for t in HOW_TO_READ)
    parts.append("<h2>All outcomes</h2>")
    for p in cmp.policies:
        parts.append(f"<details><summary>{_e(p)}{' (reference)' if p == cmp.baseline else ''}"
                     f"</summary>{_table(_full_header(cmp, p), _full_table_rows(cmp, p))}"
                     f"</details>")
    parts.append("<h2>Replications and seeds</h2>")
    pair = cmp.pairing
    parts.append(_table(
        ["package", "finished runs", "seeds", "paired with baseline", "seeds without baseline",
         "baseline seeds missing"],
        [[r[POLICY], str(r["n_runs"]), r["seeds"], str(r["n_paired"]) if
          r[POLICY] != cmp.baseline else "—", r["only_policy"] or "—",
          r["only_baseline"] or "—"] for _, r in pair.iterrows()]))
    parts.append("<h2>Runs left out</h2>")
    problems = sweep.problems
    if len(problems):
        parts.append(_table(["run folder", "status", "reason"],
                            [[r[RUN_DIR], r["status"], r["reason"]]
                             for _, r in problems.iterrows()]))
    else:
        parts.append("<p>None: every run folder found has a finished run that was used.</p>")
    parts.append("<h2>Reproduce</h2>")
    parts.append(f"<p>From the project folder ({_e(inp.project)}):</p>"
                 f"<pre>{_e(inp.command)}</pre>")
    if inp.outputs:
        parts.append(_table(["file", "contents"], [[k, v] for k, v in inp.outputs.items()]))
    parts.append("</body></html>")
    return "\n".join(parts)


def scenario_name(sweep: Sweep) -> str:
    """The scenario name(s) of the runs (``"?"`` if not recorded)."""
    col = "config.scenario.name"
    names = sorted({str(v) for v in sweep.runs[col].dropna()}) if col in sweep.runs else []
    return ", ".join(names) or "?"


def _days_text(sweep: Sweep) -> str:
    if "config.steps" not in sweep.runs:
        return "period"
    steps = sorted({int(s) for s in sweep.runs["config.steps"].dropna()})
    return " / ".join(str(s) for s in steps) + " days"


# --------------------------------------------------------------------------- Markdown


def _headline_md(cmp: Comparison) -> str:
    def cell(kind, main, detail, clear=False):
        if kind == "cost":
            return f"{main} ({detail})" if detail else main
        return f"**{main}** ({detail})" if clear else f"{main} ({detail})"

    header, rows = _headline_rows(cmp)
    return md_table(header, [[label, *(cell(*c) for c in cells)] for label, cells in rows])


def comparison_markdown(cmp: Comparison, sweep: Sweep) -> str:
    """Readable tables of the comparison: headline, costs, every outcome per package."""
    out = [f"# Comparison tables: {_plural(len(cmp.policies), 'package')}, baseline "
           f"{cmp.baseline!r}",
           "", f"Sweep: `{sweep.root}`. Changes are paired means over shared seeds with 95% "
           f"t-intervals; **bold** = the interval excludes 0.", ""]
    if cmp.notes:
        out += ["## Notes", ""] + [f"- {n}" for n in cmp.notes] + [""]
    out += ["## Headline", "", _headline_md(cmp), ""]
    for p in cmp.policies:
        out += [f"## {p}{' (reference)' if p == cmp.baseline else ''}", "",
                md_table(_full_header(cmp, p), _full_table_rows(cmp, p)), ""]
    out += ["## Seeds", "", md_table(
        ["package", "finished runs", "seeds", "paired with baseline"],
        [[r[POLICY], r["n_runs"], r["seeds"], r["n_paired"]]
         for _, r in cmp.pairing.iterrows()]), ""]
    return "\n".join(out)


def report_markdown(inp: ReportInputs, out_dir: Path) -> str:
    """The report in Markdown; figures are linked by file name relative to ``out_dir``."""
    cmp, sweep = inp.comparison, inp.sweep
    out = [f"# Policy comparison: {scenario_name(sweep)}", "", f"Generated {inp.generated}.",
           ""]
    if inp.all_notes:
        out += ["## Read first", ""] + [f"- {n}" for n in inp.all_notes] + [""]
    out += ["## What this comparison found", ""] + [f"- {t}" for t in key_findings(cmp)]
    out += ["", "**Caveats.** " + " ".join(CAVEATS), ""]
    if inp.assumptions:
        head, *rest = inp.assumptions
        out += [head, ""] + [f"- {t}" for t in rest] + ([""] if rest else [])
    out += ["## Headline results", "",
            f"Change vs the baseline: paired mean difference over shared seeds, 95% CI, "
            f"relative change. **Bold**: the interval excludes 0. Costs are for the "
            f"{_days_text(sweep)} simulated.", "", _headline_md(cmp), ""]
    out += ["## Figures", ""]
    for fig in inp.figures:
        rel = os.path.relpath(fig.path, out_dir)
        out += [f"### {fig.title}", "", f"![{fig.title}]({rel})", "", fig.caption, ""]
    out += ["## What was compared", "", md_table(["what", "value"], [
        list(f) for f in scenario_facts(sweep, cmp)]), ""]
    for p in cmp.policies:
        pkg = inp.packages.get(p, {"description": "", "policies": []})
        out += [f"### {p}{' (reference)' if p == cmp.baseline else ''}", ""]
        if pkg.get("description"):
            out += [pkg["description"], ""]
        rows = _policy_rows(pkg)
        out += ([md_table(list(rows[0]), [list(r.values()) for r in rows])] if rows
                else ["No policies: the status quo of the scenario."]) + [""]
    out += ["## How to read this", ""]
    out += [t + "\n" for t in HOW_TO_READ]
    problems = sweep.problems
    out += ["## Runs left out", ""]
    out += ([md_table(["run folder", "status", "reason"],
                       [[r[RUN_DIR], r["status"], r["reason"]] for _, r in problems.iterrows()])]
            if len(problems) else ["None."]) + [""]
    out += ["## Reproduce", "", f"From the project folder (`{inp.project}`):", "", "```bash",
            inp.command, "```", ""]
    if inp.outputs:
        out += [md_table(["file", "contents"], [[k, v] for k, v in inp.outputs.items()]), ""]
    return "\n".join(out)

