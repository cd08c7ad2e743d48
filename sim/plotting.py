"""Maps: country borders, corridors, crossings, named places, armed-group zones, flow heat
per commodity, seizures."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import LogNorm, to_rgba  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from sim.constants import KM_PER_DEG_LAT, KM_PER_DEG_LON_EQUATOR  # noqa: E402

COMMODITY_COLOURS = {
    "cocaine": "#c0392b", "fuel": "#1f6fb4", "gold": "#d49b00",
    "heroin": "#7d3c98", "methamphetamine": "#16a085",
}
"""Flow and seizure colour per commodity (others get tab10 colours)."""


def commodity_colour(name: str, k: int) -> str:
    """The colour used for commodity ``name`` (index ``k`` for unnamed ones)."""
    return COMMODITY_COLOURS.get(name, plt.get_cmap("tab10")(k % 10))


ZONE_COLOURS = ("#922b21", "#6c3483", "#1a5276", "#196f3d", "#9a7d0a", "#5d6d7e")
"""Outline colour of each armed group's zones, in config order."""

LABELLED_ROLES = {"port": "s", "exit": "D", "capital": "o", "hub": "o", "mine": "P"}
"""Site roles named on the run map, and their markers."""


def short_label(label: str) -> str:
    """A group's label up to its first bracket (``"Islamic State Sahel (...)"`` ->
    ``"Islamic State Sahel"``)."""
    return label.split(" (")[0].strip()


def zone_circles(armed_groups: dict, region, strengths: dict | None = None,
                 exponent: float = 0.5) -> list[dict]:
    """The zones of ``scenario.armed_groups`` (a plain dict, as saved in ``config.yaml``)
    as circles: ``group, label, colour, lon, lat, radius_km``.

    ``strengths`` (group -> strength) scales each radius by ``strength ** exponent``, as
    the model does; zones centred on a place the region lacks are left out.
    """
    out = []
    for g, (key, group) in enumerate(armed_groups.items()):
        scale = float((strengths or {}).get(key, 1.0)) ** exponent
        for zone in group.get("zones", {}).values():
            if zone.get("centre"):
                try:
                    site = region.site(zone["centre"])
                except KeyError:
                    continue
                lon, lat = site.lon, site.lat
            else:
                lon, lat = zone["lon"], zone["lat"]
            out.append({"group": key, "label": short_label(str(group.get("label", key))),
                        "colour": ZONE_COLOURS[g % len(ZONE_COLOURS)], "lon": float(lon),
                        "lat": float(lat), "radius_km": float(zone["radius_km"]) * scale})
    return out


def draw_zones(ax, zones: list[dict], *, labels: bool = True) -> list:
    """Armed-group zones as dashed circles, each group named once; returns legend handles."""
    named, handles = set(), []
    t = np.linspace(0, 2 * np.pi, 97)
    for z in zones:
        dlat = z["radius_km"] / KM_PER_DEG_LAT
        dlon = z["radius_km"] / (KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(z["lat"])))
        x, y = z["lon"] + dlon * np.cos(t), z["lat"] + dlat * np.sin(t)
        ax.fill(x, y, color=z["colour"], alpha=0.06, lw=0, zorder=4)
        ax.plot(x, y, color=z["colour"], lw=1.0, ls=(0, (4, 2)), zorder=5)
        if z["group"] in named:
            continue
        named.add(z["group"])
        handles.append(Line2D([], [], color=z["colour"], lw=1.0, ls=(0, (4, 2)),
                              label=f"armed-group zone: {z['label']}"))
        if labels:
            ax.annotate(z["label"], (z["lon"], z["lat"] + dlat), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=6.5,
                        color=z["colour"], weight="bold", zorder=9,
                        path_effects=[patheffects.withStroke(linewidth=2, foreground="white")])
    return handles


def draw_base(ax, region, *, labels: bool = True) -> None:
    """Land (core countries darker), corridors, country outlines, crossings and named
    places."""
    land = region.land
    core = np.asarray(region.core)[np.maximum(region.country, 0)] & land
    shade = np.where(core, 0.93, np.where(land, 0.975, np.nan))
    ax.imshow(shade, origin="lower", extent=region.extent(), cmap="gray", vmin=0, vmax=1,
              interpolation="nearest", zorder=0)
    roads = np.where(region.corridor, 1.0, np.nan)  # the model's corridor cells
    ax.imshow(roads, origin="lower", extent=region.extent(), cmap="Greys", vmin=0, vmax=2.2,
              interpolation="nearest", alpha=0.55, zorder=1)
    ax.set_facecolor("#d6e6f2")
    rings = [ring for rings in region.outlines.values() for ring in rings]
    ax.add_collection(LineCollection(rings, colors="#444444", linewidths=0.6, zorder=3))
    if not labels:
        return
    for k, iso in enumerate(region.countries):
        if not region.core[k]:
            continue
        cells = np.flatnonzero(region.country.ravel() == k)
        lon, lat = region.cell_center(cells)
        ax.text(np.median(lon), np.median(lat), iso, fontsize=9, color="#555555",
                ha="center", va="center", weight="bold", alpha=0.8, zorder=4)
    for x in region.crossings:
        lon, lat = region.cell_center(x.cell)
        ax.plot(lon, lat, marker="^", ms=5, mfc="white", mec="black", mew=0.8, zorder=6)
        ax.annotate(x.name, (lon, lat), xytext=(3, 3), textcoords="offset points",
                    fontsize=5.5, color="#222222", zorder=7)
    for s in region.sites:
        if s.role in LABELLED_ROLES:
            lon, lat = region.cell_center(s.cell)
            small = s.role == "hub"
            ax.plot(lon, lat, marker=LABELLED_ROLES[s.role], ms=2.8 if small else 3.5,
                    mfc="#333333", mec="white", mew=0.5, zorder=6)
            ax.annotate(s.name, (lon, lat), xytext=(3, -7), textcoords="offset points",
                        fontsize=5.5 if small else 6, style="italic", color="#333333",
                        zorder=7)


def draw_flow(ax, region, flow: np.ndarray, commodities) -> list:
    """Overlay each commodity's flow (log scale, own colour); returns legend handles.

    The commodities' layers are composited in order ("over") into one image, so the map
    is drawn with a single image whatever the number of commodities.
    """
    handles = []
    ny, nx = region.shape
    rgb = np.zeros((ny, nx, 3))
    alpha = np.zeros((ny, nx))
    for k, name in enumerate(commodities):
        f = flow[k]
        if f.max() <= 0:
            continue
        colour = np.asarray(to_rgba(commodity_colour(name, k))[:3])
        norm = LogNorm(vmin=max(f[f > 0].min(), f.max() * 1e-4), vmax=f.max())
        a = np.where(f > 0, 0.25 + 0.75 * np.clip(norm(np.maximum(f, norm.vmin)), 0, 1), 0)
        # "over" compositing of this layer onto the layers below (premultiplied colour)
        rgb = colour * a[..., None] + rgb * (1.0 - a[..., None])
        alpha = a + alpha * (1.0 - a)
        handles.append(Patch(color=colour, label=f"{name} flow (log scale)"))
    if handles:
        straight = np.divide(rgb, alpha[..., None], out=np.zeros_like(rgb),
                             where=alpha[..., None] > 0)
        ax.imshow(np.dstack([np.clip(straight, 0, 1), alpha]), origin="lower",
                  extent=region.extent(), interpolation="nearest", zorder=2)
    return handles


def draw_seizures(ax, region, events, commodities) -> list:
    """Seizures as crosses, size by quantity relative to the commodity's largest."""
    handles = []
    sz = events[events["event"] == "seizure"]
    for k, name in enumerate(commodities):
        s = sz[sz["commodity"] == name]
        if s.empty:
            continue
        size = 8 + 40 * np.sqrt(s["quantity"] / s["quantity"].max())
        ax.scatter(s["lon"], s["lat"], s=size, marker="x", c=[commodity_colour(name, k)],
                   linewidths=0.9, zorder=8)
        handles.append(Line2D([], [], ls="", marker="x", color=commodity_colour(name, k),
                              label=f"{name} seizure ({len(s)})"))
    return handles


def draw_run_map(result, path: str | Path) -> None:
    """Write the run map (PNG): borders, crossings, flow heat, seizures, legend."""
    region = result.region
    lon0, lon1, lat0, lat1 = region.extent()
    aspect = 1.0 / np.cos(np.radians((lat0 + lat1) / 2))
    # margins in inches (left, right, bottom, top); the axes get the data's aspect exactly,
    # so no space is wasted and the layout needs no second rendering pass
    left, right, bottom, top = 0.75, 0.2, 0.75, 0.6
    width = 11.0
    axes_w = width - left - right
    axes_h = min(max(axes_w * (lat1 - lat0) * aspect / (lon1 - lon0), 3.5), 12.5)
    height = axes_h + bottom + top
    fig, ax = plt.subplots(figsize=(width, height), dpi=150)
    draw_base(ax, region)
    handles = draw_flow(ax, region, result.flow, result.commodities)
    handles += draw_seizures(ax, region, result.events, result.commodities)
    cfg = result.config
    groups = {k: dataclasses.asdict(g) for k, g in cfg.scenario.armed_groups.items()}
    strengths = {k: result.summary.get(f"armed_strength.{k}_end", 1.0) for k in groups}
    handles += draw_zones(ax, zone_circles(groups, region, strengths,
                                           cfg.model.armed_radius_exponent))
    handles += [Patch(color="#b0b0b0", label="corridor (road) cells"),
                Line2D([], [], ls="", marker="^", mfc="white", mec="black",
                       label="official crossing")]
    roles = {s.role for s in region.sites}
    for role, text in (("port", "port"), ("exit", "exit"), ("hub", "capital or hub"),
                       ("mine", "mining site")):
        if role in roles or (role == "hub" and "capital" in roles):
            handles.append(Line2D([], [], ls="", marker=LABELLED_ROLES[role], color="#333333",
                                  label=text))
    ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.9)
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(aspect)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    s = result.summary
    totals = ", ".join(
        f"{c}: {s[f'delivered_{c}']:,.0f} delivered / {s[f'seized_{c}']:,.0f} seized "
        f"{cfg.scenario.commodities[c].unit}" for c in result.commodities)
    ax.set_title(f"{cfg.scenario.name}: trafficking flows and seizures — seed {cfg.seed}, "
                 f"{s['steps_run']} days, {cfg.scenario.cell_km:g} km cells; armed-group "
                 f"zones as at the end of the run\n{totals}", fontsize=8.5)
    credit = region.attribution.splitlines()[0] if region.attribution else ""
    fig.text(0.01, 0.005, textwrap.fill(credit, 190), fontsize=5.5, color="#666666",
             va="bottom")
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height,
                        top=1 - top / height)
    # light PNG compression: the file is about a third larger, written several times faster
    fig.savefig(path, format="png", pil_kwargs={"compress_level": 2})
    plt.close(fig)
