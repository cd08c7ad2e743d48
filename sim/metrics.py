"""Metric definitions: the one place that says what each output is and how a run sums it up.

Two registries, read by recording (the time series), the summary, the comparison and the
report alike:

- :data:`METRICS`: the daily time-series metrics. Each has a kind (``"flow"``: per
  commodity, summed per day; ``"daily"``: summed per day; ``"state"``: a level at the end of
  the day), a unit, a label, and a summary rule (:data:`SUM` over the run, the value at the
  :data:`END`, the :data:`MEAN` over days, or none).
- :data:`STATISTICS`: summary columns that are not one metric summed up: ratios, values,
  displacement measures. Each is computed from a :class:`RunView` of the finished run.

Names may hold placeholders expanded per run: ``{c}`` (commodity), ``{iso}`` (core
country), ``{crossing}`` (official crossing), ``{group}`` (armed group), ``{policy}`` (a
policy on the run's timeline). :data:`SUMMARY_BLOCKS` gives the order of the
summary columns; a block is expanded key-major over its placeholder, and summary entries
in no block follow them in registration order. A new mechanism adds its metrics and
statistics with :func:`define_metric` and :func:`define_statistic`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from sim.constants import DAYS_PER_YEAR, KM_PER_DEG_LAT, KM_PER_DEG_LON_EQUATOR

SUM, END, MEAN = "sum", "end", "mean"
"""Summary rules of a time-series metric: total over the run, value at the end of the last
day (column ``<name>_end``), mean over days (column ``<name>_mean``)."""

PLACEHOLDERS = ("c", "iso", "crossing", "group", "policy", "market", "legal_market")
"""Placeholders a metric or statistic name may hold, and what they range over."""


@dataclass(frozen=True)
class Metric:
    """One daily time-series metric.

    Attributes
    ----------
    name : str
        Column name; ``{c}`` for per-commodity metrics.
    kind : str
        ``"flow"`` (per commodity, per day), ``"daily"`` (per day), ``"state"`` (level),
        ``"commodity_state"`` (per commodity, level), ``"group"`` (per armed group, per day)
        or ``"group_state"`` (per armed group, level).
    unit : str
        Unit; ``{unit}`` stands for the commodity's unit.
    label : str
        Readable label for tables and plots (``{c}`` for the commodity).
    doc : str
        What it measures.
    summary : str or None
        :data:`SUM`, :data:`END`, :data:`MEAN` or None (not in the summary).
    summary_label, summary_unit : str
        Label and unit of the summary column.
    """

    name: str
    kind: str
    unit: str
    label: str
    doc: str
    summary: str | None = None
    summary_label: str = ""
    summary_unit: str = ""

    @property
    def summary_name(self) -> str | None:
        """The summary column it gives (None if not summarised)."""
        if self.summary is None:
            return None
        return {SUM: self.name, END: f"{self.name}_end", MEAN: f"{self.name}_mean"}[self.summary]


@dataclass(frozen=True)
class Statistic:
    """One summary column computed from the whole run.

    ``compute(run)`` returns a number, or, for a name with a placeholder, a mapping from the
    placeholder's values to numbers.
    """

    name: str
    unit: str
    label: str
    doc: str
    compute: Callable[[RunView], Any]


METRICS: dict[str, Metric] = {}
"""Every time-series metric, in column order."""

KINDS = {"flow": "c", "daily": None, "state": None, "commodity_state": "c", "group": "group",
         "group_state": "group"}
"""Metric kinds and the placeholder each expands over (None: one column)."""

STATISTICS: dict[str, Statistic] = {}
"""Every summary statistic that is not a summed-up metric."""


def define_metric(name: str, kind: str, unit: str, label: str, doc: str,
                  summary: str | None = None, summary_label: str = "",
                  summary_unit: str | None = None) -> Metric:
    """Register a time-series metric (appended to the column order).

    The summary column's label defaults to ``label`` (``"<label> at end"`` for :data:`END`)
    and its unit to ``unit`` (without ``/day`` for :data:`SUM`).
    """
    if name in METRICS:
        raise ValueError(f"metric {name!r} defined twice")
    if kind not in KINDS or summary not in (None, SUM, END, MEAN):
        raise ValueError(f"metric {name!r}: bad kind {kind!r} or summary {summary!r}")
    if not summary_label:
        summary_label = f"{label} at end" if summary == END else label
    if summary_unit is None:
        summary_unit = unit.removesuffix("/day") if summary == SUM else unit
    METRICS[name] = Metric(name, kind, unit, label, doc, summary, summary_label, summary_unit)
    return METRICS[name]


def define_statistic(name: str, unit: str, label: str, doc: str,
                     compute: Callable[[RunView], Any]) -> Statistic:
    """Register a summary statistic (place it in the summary with :data:`SUMMARY_BLOCKS`)."""
    if name in STATISTICS:
        raise ValueError(f"statistic {name!r} defined twice")
    STATISTICS[name] = Statistic(name, unit, label, doc, compute)
    return STATISTICS[name]


def metric_names(commodities: Iterable[str], metrics: Iterable[str] | None = None,
                 groups: Iterable[str] = ()) -> list[str]:
    """Expanded time-series column names, in registry order.

    Parameters
    ----------
    commodities : iterable of str
    metrics : iterable of str, optional
        The metric names in use (default: all registered).
    groups : iterable of str
        Armed-group keys (for the ``group`` kinds).
    """
    use = set(METRICS) if metrics is None else set(metrics)
    keys = {"c": list(commodities), "group": list(groups)}
    out = []
    for name, m in METRICS.items():
        if name not in use:
            continue
        ph = KINDS[m.kind]
        out += [name.replace("{" + ph + "}", k) for k in keys[ph]] if ph else [name]
    return out


# --------------------------------------------------------------------------- time series

_m = define_metric
_m("delivered_{c}", "flow", "{unit}/day", "{c} delivered", "quantity delivered at destinations",
   SUM)
_m("seized_{c}", "flow", "{unit}/day", "{c} seized", "quantity seized", SUM)
_m("arrests", "daily", "people/day", "arrests", "couriers arrested", SUM)
_m("settlements", "daily", "people/day", "arrests settled on the spot",
   "arrests ended by a fine or an informal settlement, without a case", SUM)
_m("charged", "daily", "cases/day", "cases charged",
   "cases charged by prosecutors at the end of the investigation", SUM)
_m("released_uncharged", "daily", "people/day", "released uncharged",
   "suspects released at the end of the investigation without a charge", SUM)
_m("convictions", "daily", "cases/day", "convictions", "cases ending in conviction", SUM)
_m("cases_decided", "daily", "cases/day", "cases decided", "charged cases decided by courts",
   SUM)
_m("case_days_total", "daily", "days", "arrest-to-decision days",
   "summed arrest-to-decision time of cases decided")
_m("cross_border_cases_decided", "daily", "cases/day", "cross-border cases decided",
   "decided cases that needed mutual legal assistance", SUM)
_m("cross_border_case_days_total", "daily", "days", "cross-border case days",
   "summed arrest-to-decision time of those cases")
_m("bribed_passages", "daily", "events/day", "bribed passages",
   "detections ended by an accepted bribe", SUM)
_m("escapes", "daily", "events/day", "escapes", "detected couriers who escaped", SUM)
_m("escapes_across_border", "daily", "events/day", "escapes across a border",
   "escapes where pursuit had to stop at a border", SUM)
_m("tip_seizures", "daily", "seizures/day", "seizures from community tips",
   "seizures attributed to community tips (by hazard share)", SUM)
_m("recruits", "daily", "people/day", "couriers recruited", "new couriers recruited", SUM)
_m("trafficker_revenue_usd", "daily", "USD/day", "trafficker revenue",
   "value of loads delivered", SUM)
_m("armed_group_revenue_usd", "daily", "USD/day", "armed-group revenue",
   "tolls on flows through armed zones and taxes on loads from controlled sites, all groups",
   SUM)
_m("armed_group_revenue_usd.{group}", "group", "USD/day", "revenue of armed group {group}",
   "tolls and site taxes taken by one armed group", SUM)
_m("armed_revenue_{c}", "flow", "USD/day", "armed-group revenue from {c}",
   "tolls and site taxes on one commodity, all groups", SUM)
_m("armed_strength.{group}", "group_state", "1 = initial", "strength of armed group {group}",
   "an armed group's strength, following its revenue (zones widen with it)", END)
_m("leader_arrests", "daily", "people/day", "leader arrests",
   "organisation leaders arrested (task forces)", SUM)
_m("policy_cost_usd", "daily", "USD/day", "policy cost", "cost of the policies in force", SUM)
_m("couriers_active", "state", "people", "active couriers",
   "couriers idle, travelling or returning", END)
_m("couriers_travelling", "state", "people", "travelling couriers",
   "couriers on the road, loaded")
_m("couriers_detained", "state", "people", "detained couriers",
   "couriers in pre-trial detention (under investigation or awaiting trial)", END)
_m("couriers_imprisoned", "state", "people", "imprisoned couriers",
   "couriers serving a sentence", END)
_m("pending_cases", "state", "cases", "pending cases",
   "cases not yet decided (under investigation or awaiting trial)", END,
   "pending cases at end")
_m("awaiting_trial", "state", "cases", "cases awaiting trial",
   "charged cases not yet decided by a court", END, "cases awaiting trial at end")
_m("participation", "state", "share", "community participation in the trade",
   "community members in the trade / pool", END, "community participation at end")
_m("trust", "state", "0–1", "community trust in the state",
   "mean community trust in the state", END, "community trust at end")
_m("tip_rate", "state", "probability", "community tip rate",
   "mean P(a community tips off the state about a passage next to it)", END)
_m("route_cells", "state", "cells", "cells used by routes per day",
   "cells crossed by any loaded courier today", MEAN)
_m("leaders", "state", "people", "organisation leaders", "organisation leaders in place", END)
_m("organisation_capacity", "state", "couriers", "organisation capacity",
   "couriers the organisations can run with their leaders, effort shares, profits and supply",
   END)
_m("viability_{c}", "commodity_state", "share", "{c} market viability",
   "share of capacity organisations run in this market given its expected profit "
   "(capacity-weighted mean over its desks)", MEAN)
_m("price_index_{c}", "commodity_state", "ratio", "{c} destination price index",
   "price at its destination markets relative to the configured one, demand-weighted over "
   "the markets with a demand_per_day (1 if none: fixed prices); it rises when supply falls "
   "short", MEAN)
_m("multi_market_share_{c}", "commodity_state", "share", "{c} share of multi-market effort",
   "share of the multi-market organisations' couriers working this commodity", MEAN)
del _m


# --------------------------------------------------------------------------- summary


class RunView:
    """What summary statistics see of a finished run.

    Parameters
    ----------
    ts : pandas.DataFrame
        The time series (one row per day).
    flow : float64 (n_commodities, n_cells)
        Quantity that passed through each cell over the run.
    world : sim.world.World
    config : sim.config.ModelConfig
    yearly_cost_usd : float
        Sum of the yearly costs of the run's policies.
    policy_costs : dict, optional
        Yearly cost (USD/year) of each policy on the run's timeline, by name.
    events : pandas.DataFrame, optional
        The run's event table (:meth:`sim.events.EventLog.to_frame`).
    """

    def __init__(self, ts: pd.DataFrame, flow: np.ndarray, world, config,
                 yearly_cost_usd: float, policy_costs: dict[str, float] | None = None,
                 events: pd.DataFrame | None = None):
        self.ts, self.flow, self.world, self.config = ts, flow, world, config
        self.events = events
        self.yearly_cost_usd = yearly_cost_usd
        self.policy_costs = dict(policy_costs or {})
        self.values: dict[str, Any] = {}
        """Summary values computed so far (statistics may use earlier ones)."""

    @property
    def commodities(self) -> tuple[str, ...]:
        return self.world.commodity_names

    def keys(self, placeholder: str) -> list[str]:
        """What a placeholder ranges over in this run."""
        reg = self.world.region
        if placeholder == "c":
            return list(self.commodities)
        if placeholder == "iso":
            return [iso for iso, core in zip(reg.countries, reg.core, strict=True) if core]
        if placeholder == "crossing":
            return [x.name for x in reg.crossings]
        if placeholder == "policy":
            return list(self.policy_costs)
        if placeholder == "group":
            return list(self.world.armed.names)
        if placeholder == "market":
            return self.fuel_markets
        if placeholder == "legal_market":
            countries = self.config.scenario.countries
            return [iso for iso in self.fuel_markets
                    if countries[iso].legal_fuel_sales_l_per_year is not None]
        raise KeyError(placeholder)

    @cached_property
    def fuel_markets(self) -> list[str]:
        """ISO3 codes of the core countries holding a destination of a fuel commodity."""
        reg, sc = self.world.region, self.config.scenario
        out = set()
        for com in sc.commodities.values():
            if com.kind == "fuel":
                out.update(reg.countries[self.world.country[reg.site(d).cell]]
                           for d in com.destinations)
        return [iso for iso, core in zip(reg.countries, reg.core, strict=True)
                if core and iso in out]

    @cached_property
    def near_crossing(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Cells within ``crossing_radius_cells`` of each official crossing, and their union."""
        reg = self.world.region
        ny, nx = reg.shape
        r_cells = self.config.model.crossing_radius_cells
        near = np.zeros(self.world.n_cells, bool)
        cells_of = {}
        for x in reg.crossings:
            r, c = divmod(x.cell, nx)
            rr, cc = np.mgrid[max(r - r_cells, 0): r + r_cells + 1,
                              max(c - r_cells, 0): c + r_cells + 1]
            inside = (rr < ny) & (cc < nx)
            cells = (rr[inside] * nx + cc[inside]).ravel()
            cells_of[x.name] = cells
            near[cells] = True
        return near, cells_of

    @cached_property
    def flow_usd(self) -> np.ndarray:
        """Value-weighted flow per cell (USD at source x passages), all commodities."""
        value = self.world.commodity_table["value_at_source_usd"]
        return (self.flow * value[:, None]).sum(axis=0)


def summary_entries(metrics_in_use: Iterable[str]) -> dict[str, Metric | Statistic]:
    """Summary column template -> what gives it (metrics in use and every statistic)."""
    out: dict[str, Metric | Statistic] = {}
    for name in metrics_in_use:
        m = METRICS[name]
        if m.summary is not None:
            out[m.summary_name] = m
    out.update(STATISTICS)
    return out


def _placeholder(name: str) -> str | None:
    found = re.findall(r"\{(\w+)\}", name)
    return found[0] if found else None


def summarise(run: RunView, metrics_in_use: Iterable[str]) -> dict:
    """The headline values of a finished run, in :data:`SUMMARY_BLOCKS` order."""
    entries = summary_entries(metrics_in_use)
    ts = run.ts
    last = ts.iloc[-1] if len(ts) else None

    def metric_value(m: Metric, column: str) -> float:
        if m.summary == SUM:
            return float(ts[column].sum())
        if m.summary == END:
            return float(last[column]) if last is not None else 0.0
        return float(ts[column].mean()) if len(ts) else 0.0

    for block in SUMMARY_BLOCKS:
        present = [n for n in block if n in entries]
        if not present:
            continue
        ph = _placeholder(present[0])
        keys = run.keys(ph) if ph else [None]

        def column(name: str, key: str | None, ph: str | None = ph) -> str:
            return name if ph is None else name.replace("{" + ph + "}", key)

        values = {}
        for name in present:  # metrics first: statistics of the block may use them
            entry = entries[name]
            if isinstance(entry, Metric):
                for key in keys:
                    source = entry.name if ph is None else entry.name.replace("{" + ph + "}",
                                                                              key)
                    values[column(name, key)] = metric_value(entry, source)
        run.values.update(values)
        for name in present:
            entry = entries[name]
            if isinstance(entry, Statistic):
                result = entry.compute(run)
                for key in keys:
                    values[column(name, key)] = result if ph is None else result[key]
                    run.values[column(name, key)] = values[column(name, key)]
        for key in keys:  # key-major order
            for name in present:
                run.values[column(name, key)] = run.values.pop(column(name, key))
    placed = {name for block in SUMMARY_BLOCKS for name in block}
    for name, entry in entries.items():  # e.g. a new mechanism's: after the blocks
        if name in placed:
            continue
        if _placeholder(name) is not None:
            raise ValueError(f"summary entry {name!r} has a placeholder: add it to "
                             f"SUMMARY_BLOCKS")
        if isinstance(entry, Metric):
            run.values[name] = metric_value(entry, entry.name)
        else:
            run.values[name] = entry.compute(run)
    return run.values


def describe_column(name: str, units: dict[str, str]) -> tuple[str, str]:
    """Readable label and unit of a summary or time-series column.

    Parameters
    ----------
    name : str
        e.g. ``"seized_cocaine"``, ``"pending_cases_end"``, ``"crossing_share.Paga"``,
        ``"trust"`` (a time-series column).
    units : dict of str to str
        Commodity name -> unit.
    """
    candidates = [(m.summary_name, m.summary_label, m.summary_unit)
                  for m in METRICS.values() if m.summary is not None]
    candidates += [(s.name, s.label, s.unit) for s in STATISTICS.values()]
    candidates += [(m.name, m.label, m.unit) for m in METRICS.values()]
    for template, label, unit in candidates:
        ph = _placeholder(template)
        if ph is None:
            if name == template:
                return label, unit
            continue
        head, tail = template.split("{" + ph + "}")
        if name.startswith(head) and name.endswith(tail) and len(name) > len(head) + len(tail):
            key = name[len(head): len(name) - len(tail)]
            if ph == "c":
                if key not in units:
                    continue
                unit = unit.replace("{unit}", units[key])
            return label.replace("{" + ph + "}", key), unit.replace("{" + ph + "}", key)
    if name.endswith("_usd"):
        return name[:-4].replace("_", " "), "USD"
    return name.replace("_", " "), ""


# --------------------------------------------------------------------------- statistics


def _interdiction(run: RunView) -> dict:
    out = {}
    for c in run.commodities:
        delivered, seized = run.values[f"delivered_{c}"], run.values[f"seized_{c}"]
        moved = delivered + seized
        out[c] = seized / moved if moved > 0 else 0.0
    return out


def _seized_value(run: RunView) -> float:
    total = 0.0
    for c in run.commodities:
        price = run.config.scenario.commodities[c].value_at_destination_usd
        total += run.values[f"seized_{c}"] * price
    return total


def _ratio(num: str, den: str, den_key: str | None = None) -> Callable[[RunView], float]:
    def compute(run: RunView) -> float:
        d = float(run.ts[den].sum()) if den_key is None else run.values[den_key]
        return float(run.ts[num].sum() / d) if d else 0.0
    return compute


def _informal_share(run: RunView) -> dict:
    near, _ = run.near_crossing
    border = run.world.border
    out = {}
    for k, c in enumerate(run.commodities):
        f = run.flow[k]
        on_border = f[border].sum()
        out[c] = float(f[border & ~near].sum() / on_border) if on_border > 0 else 0.0
    return out


def _route_cells(run: RunView) -> dict:
    return {c: int(np.count_nonzero(run.flow[k])) for k, c in enumerate(run.commodities)}


def flow_spread_km(region, flow: np.ndarray) -> float:
    """Flow-weighted standard distance (km) of the cells of ``flow`` (quantity per cell,
    flat or (ny, nx)) from their flow-weighted centroid; 0 without flow."""
    f = np.asarray(flow).ravel()
    total = f.sum()
    if total <= 0:
        return 0.0
    lon, lat = region.cell_center(np.arange(f.size))
    km_x = (lon - lon.mean()) * KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat))
    km_y = (lat - lat.mean()) * KM_PER_DEG_LAT
    mx, my = (f * km_x).sum() / total, (f * km_y).sum() / total
    return float(np.sqrt((f * ((km_x - mx) ** 2 + (km_y - my) ** 2)).sum() / total))


def _spread_km(run: RunView) -> dict:
    return {c: flow_spread_km(run.world.region, run.flow[k])
            for k, c in enumerate(run.commodities)}


def _flow_share(run: RunView) -> dict:
    usd, total = run.flow_usd, run.flow_usd.sum()
    reg = run.world.region
    return {iso: (float(usd[run.world.country == k].sum() / total) if total > 0 else 0.0)
            for k, iso in enumerate(reg.countries) if reg.core[k]}


def _crossing_share(run: RunView) -> dict:
    usd = run.flow_usd
    border_usd = usd[run.world.border].sum()
    _, cells_of = run.near_crossing
    return {name: (float(usd[cells].sum() / border_usd) if border_usd > 0 else 0.0)
            for name, cells in cells_of.items()}


def _fuel_delivered_by_country(run: RunView) -> dict[str, float]:
    """Smuggled fuel delivered in each fuel market over the run (L), from delivery events."""
    fuels = [name for name, com in run.config.scenario.commodities.items()
             if com.kind == "fuel"]
    ev = run.events
    if ev is None:
        raise ValueError("the smuggled share of fuel markets needs the run's events")
    ev = ev[(ev["event"] == "delivery") & ev["commodity"].isin(fuels)]
    by = ev.groupby("country", observed=True)["quantity"].sum()
    return {iso: float(by.get(iso, 0.0)) for iso in run.fuel_markets}


def _smuggled_fuel(run: RunView) -> dict[str, float]:
    years = len(run.ts) / DAYS_PER_YEAR
    return {iso: (v / years if years else 0.0)
            for iso, v in _fuel_delivered_by_country(run).items()}


def _smuggled_share_fuel(run: RunView) -> dict[str, float]:
    years = len(run.ts) / DAYS_PER_YEAR
    out = {}
    delivered = _fuel_delivered_by_country(run)
    for iso in run.keys("legal_market"):
        legal = run.config.scenario.countries[iso].legal_fuel_sales_l_per_year * years
        total = delivered[iso] + legal
        out[iso] = delivered[iso] / total if total > 0 else 0.0
    return out


_s = define_statistic
_s("policy_cost_usd_per_year", "USD/year", "policy cost per year",
   "sum of the yearly costs of the run's policies", lambda run: run.yearly_cost_usd)
_s("policy_cost_usd_per_year.{policy}", "USD/year", "yearly cost of {policy}",
   "yearly cost of one policy as configured for the run's scenario (fixed part, per "
   "participating country, and the lever's own terms)", lambda run: run.policy_costs)
_s("interdiction_rate_{c}", "share", "{c} interdiction rate", "seized / (delivered + seized)",
   _interdiction)
_s("seized_value_usd", "USD", "value seized",
   "everything seized, at destination prices (what traffickers lose)", _seized_value)
_s("charged_share", "share", "arrests charged", "cases charged / arrests over the run "
   "(cohorts differ: a case charged this year may stem from an earlier arrest)",
   _ratio("charged", "arrests"))
_s("convicted_share", "share", "arrests convicted", "convictions / arrests over the run "
   "(cohorts differ)", _ratio("convictions", "arrests"))
_s("case_days_mean", "days", "mean arrest-to-decision time", "over the cases decided",
   _ratio("case_days_total", "cases_decided"))
_s("case_days_cross_border_mean", "days", "mean arrest-to-decision time, cross-border cases",
   "over the decided cases that needed mutual legal assistance",
   _ratio("cross_border_case_days_total", "cross_border_cases_decided",
          "cross_border_cases_decided"))
_s("informal_share_{c}", "share", "{c} border flow off official crossings",
   "share of flow on border cells not within crossing_radius_cells of an official crossing",
   _informal_share)
_s("route_cells_{c}", "cells", "{c} cells used", "cells its flow crossed over the run",
   _route_cells)
_s("spread_km_{c}", "km", "{c} route spread",
   "flow-weighted standard distance of flow cells from their centroid", _spread_km)
_s("flow_share.{iso}", "share", "share of flow in {iso}",
   "share of all flow (value-weighted, USD x cell passages) inside the country", _flow_share)
_s("crossing_share.{crossing}", "share", "share of border flow at {crossing}",
   "share of all border flow (value-weighted, USD) within crossing_radius_cells of it",
   _crossing_share)
_s("smuggled_fuel_l_per_year.{market}", "L/year", "smuggled fuel delivered in {market}",
   "fuel the couriers delivered at the country's destinations, per year of the run",
   _smuggled_fuel)
_s("smuggled_share_fuel.{legal_market}", "share", "smuggled share of {legal_market}'s fuel "
   "market", "smuggled fuel delivered / (smuggled + legal sales) over the run, in the fuel "
   "markets whose legal_fuel_sales_l_per_year the scenario gives", _smuggled_share_fuel)
del _s

SUMMARY_BLOCKS: list[tuple[str, ...]] = [
    ("policy_cost_usd_per_year", "policy_cost_usd"),
    ("policy_cost_usd_per_year.{policy}",),
    ("delivered_{c}", "seized_{c}", "interdiction_rate_{c}"),
    ("seized_value_usd", "arrests", "settlements", "charged", "released_uncharged",
     "convictions", "charged_share", "convicted_share", "cases_decided", "bribed_passages",
     "escapes", "escapes_across_border", "tip_seizures", "recruits", "leader_arrests",
     "trafficker_revenue_usd", "armed_group_revenue_usd", "case_days_mean",
     "cross_border_cases_decided", "case_days_cross_border_mean", "pending_cases_end",
     "awaiting_trial_end",
     "couriers_active_end", "couriers_detained_end", "couriers_imprisoned_end",
     "participation_end", "trust_end", "tip_rate_end", "leaders_end",
     "organisation_capacity_end", "route_cells_mean"),
    ("informal_share_{c}", "route_cells_{c}", "spread_km_{c}", "armed_revenue_{c}",
     "viability_{c}_mean", "price_index_{c}_mean", "multi_market_share_{c}_mean"),
    ("armed_group_revenue_usd.{group}", "armed_strength.{group}_end"),
    ("flow_share.{iso}",),
    ("crossing_share.{crossing}",),
    ("smuggled_fuel_l_per_year.{market}",),
    ("smuggled_share_fuel.{legal_market}",),
]
"""Order of the summary columns (after config values, seed, steps and policy). A block's
entries share one placeholder and are expanded key-major: ``delivered_cocaine,
seized_cocaine, interdiction_rate_cocaine, delivered_fuel, ...``."""
