"""Maps of an exercise: a delegation's area before a turn, and the region after one.

Both use the run map's layers (:mod:`sim.plotting`): borders, crossings and places, flow
heat, seizures, armed-group zones at their current strength; on top, the turn's escapes,
the injects' places (stars) and the areas where patrols are deployed (circles). PNGs are
written with fixed metadata, so the same turn gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from sim.constants import KM_PER_DEG_LAT, KM_PER_DEG_LON_EQUATOR  # noqa: E402
from sim.plotting import draw_base, draw_flow, draw_seizures, draw_zones, zone_circles  # noqa: E402

MARGIN_DEG = 1.2
"""Degrees of land shown around a delegation's country."""

MAX_AXES_HEIGHT_IN = 7.0
"""Tallest map (inches): a tall country's map is narrowed instead."""


def country_extent(region, iso: str, margin: float = MARGIN_DEG) -> tuple[float, ...]:
    """(lon_min, lon_max, lat_min, lat_max) of country ``iso`` plus ``margin`` degrees,
    inside the region's box."""
    k = region.country_index(iso)
    cells = np.flatnonzero(np.asarray(region.country).ravel() == k)
    lon, lat = region.cell_center(cells)
    lon0, lon1, lat0, lat1 = region.extent()
    return (max(lon.min() - margin, lon0), min(lon.max() + margin, lon1),
            max(lat.min() - margin, lat0), min(lat.max() + margin, lat1))


def _circle(ax, lon, lat, radius_km, **kw):
    t = np.linspace(0, 2 * np.pi, 73)
    dlat = radius_km / KM_PER_DEG_LAT
    dlon = radius_km / (KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat)))
    ax.plot(lon + dlon * np.cos(t), lat + dlat * np.sin(t), **kw)


def draw_turn_map(path: str | Path, region, *, title: str, extent=None, flow=None,
                  commodities=(), events=None, armed_groups=None, strengths=None,
                  radius_exponent: float = 0.5, injects=(), deployments=(),
                  width_in: float = 7.5) -> Path:
    """Write one map (PNG).

    Parameters
    ----------
    path : path-like
    region : RegionGrid
    title : str
    extent : tuple, optional
        (lon_min, lon_max, lat_min, lat_max); default the whole region.
    flow : numpy.ndarray, optional
        Quantity per commodity and cell during the turn, shape (n_commodities, ny, nx).
    commodities : sequence of str
    events : pandas.DataFrame, optional
        The turn's events (seizures are crosses, escapes rings).
    armed_groups : dict, optional
        ``scenario.armed_groups`` as plain dicts; ``strengths`` scales their zones.
    injects : sequence of (site name, label)
        Places marked with a numbered star, the label in the legend.
    deployments : sequence of (site name, radius_km, label)
        Areas where patrols are deployed.
    """
    lon0, lon1, lat0, lat1 = extent or region.extent()
    aspect = 1.0 / np.cos(np.radians((lat0 + lat1) / 2))
    # margins in inches (left, right, bottom, top); the axes get the data's aspect exactly
    left, right, top = 0.45, 0.15, 0.55
    axes_w = width_in - left - right
    axes_h = axes_w * (lat1 - lat0) * aspect / (lon1 - lon0)
    if axes_h > MAX_AXES_HEIGHT_IN:
        axes_h = MAX_AXES_HEIGHT_IN
        axes_w = axes_h * (lon1 - lon0) / ((lat1 - lat0) * aspect)
    width = max(axes_w + left + right, 5.0)
    left = max(left, (width - axes_w) / 2)  # a narrow map is centred over its legend
    fig = plt.figure(figsize=(width, axes_h + top + 0.35), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    draw_base(ax, region)
    handles = []
    if flow is not None:
        handles += draw_flow(ax, region, flow, commodities)
    if events is not None and extent is not None:  # the counts are those of the area shown
        events = events[events["lon"].between(lon0, lon1) & events["lat"].between(lat0, lat1)]
    if events is not None and len(events):
        handles += draw_seizures(ax, region, events, commodities)
        esc = events[events["event"] == "escape"]
        if len(esc):
            ax.scatter(esc["lon"], esc["lat"], s=14, facecolors="none", edgecolors="#333333",
                       linewidths=0.7, zorder=8)
            handles.append(Line2D([], [], ls="", marker="o", mfc="none", mec="#333333",
                                  label=f"escape ({len(esc)})"))
    if armed_groups:
        handles += draw_zones(ax, zone_circles(armed_groups, region, strengths,
                                               radius_exponent))
    for name, radius, _label in deployments:
        site = region.site(name)
        _circle(ax, site.lon, site.lat, radius, color="#0b6e4f", lw=1.6, zorder=9)
    if deployments:
        handles.append(Line2D([], [], color="#0b6e4f", lw=1.6, label="patrols deployed"))
    for k, (name, label) in enumerate(injects, 1):
        site = region.site(name)
        ax.plot(site.lon, site.lat, marker="*", ms=15, mfc="#f5b700", mec="#7a4f00",
                mew=0.8, zorder=10)
        ax.annotate(str(k), (site.lon, site.lat), xytext=(7, 5), textcoords="offset points",
                    fontsize=8, weight="bold", color="#7a4f00", zorder=10,
                    bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "ec": "#f5b700"})
        text = label if len(label) <= 70 else label[:67] + "..."
        handles.append(Line2D([], [], ls="", marker="*", ms=10, mfc="#f5b700", mec="#7a4f00",
                              label=f"inject {k} ({name}): {text}"))
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(aspect)
    ax.tick_params(labelsize=7)
    ax.set_title(title, fontsize=9)
    # the legend goes under the map, so it hides none of it
    ncol = 2 if width >= 6.5 else 1
    rows = -(-len(handles) // ncol)
    bottom = 0.4 + 0.17 * rows
    height = axes_h + top + bottom
    fig.set_size_inches(width, height)
    ax.set_position((left / width, bottom / height, axes_w / width, axes_h / height))
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.3 / axes_h),
                  ncol=ncol, fontsize=6.5, frameon=False)
    for text in ax.texts:  # labels of a cropped map stay inside it
        text.set_clip_on(True)
        text.set_clip_path(ax.patch)
    fig.savefig(path, format="png", metadata={"Software": None},
                pil_kwargs={"compress_level": 6})
    plt.close(fig)
    return Path(path)
