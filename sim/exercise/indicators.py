"""What a delegation sees of a turn: its country's indicators, and the region's.

Indicators are read from a running model after a turn (its event log, justice cases,
communities, armed groups and recorded metrics); nothing here changes the model. Each
indicator is defined once in :data:`COUNTRY` or :func:`region_indicators`: its name, label,
unit, whether it is a count over the turn or a level at its end, and which way is better
for the state (``"down"``, ``"up"`` or ``""`` when neither is).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.mechanisms.justice import CHARGED, PENDING


@dataclass(frozen=True)
class Indicator:
    """One indicator.

    Attributes
    ----------
    name : str
    label : str
    unit : str
    kind : str
        ``"count"`` (summed over the turn's days) or ``"level"`` (at the turn's end).
    better : str
        ``"down"``, ``"up"`` or ``""``.
    resolution : float
        Smallest difference worth reporting (indicator unit): the after-action report and
        the lessons leave smaller ones out.
    """

    name: str
    label: str
    unit: str
    kind: str = "count"
    better: str = ""
    resolution: float = 1.0


def _res(unit: str) -> float:
    """Resolution of a quantity: 1 kg, 10 L."""
    return 10.0 if unit == "L" else 1.0


def country_indicators(commodities: dict[str, str]) -> list[Indicator]:
    """The indicators of one country, given the scenario's commodities and their units
    (name -> ``"kg"`` or ``"L"``)."""
    out = [Indicator("arrests", "arrests (loads seized)", "arrests", better="up")]
    out += [Indicator(f"seized_{c}", f"{c} seized", u, better="up", resolution=_res(u))
            for c, u in commodities.items()]
    out += [Indicator(f"delivered_{c}", f"{c} delivered in the country", u, better="down",
                      resolution=_res(u)) for c, u in commodities.items()]
    out += [
        Indicator("escapes", "couriers who escaped after detection", "couriers", better="down"),
        Indicator("bribes", "bribed passages", "passages", better="down"),
        Indicator("settlements", "arrests settled on the spot", "arrests"),
        Indicator("charges", "cases charged", "cases", better="up"),
        Indicator("convictions", "convictions", "cases", better="up"),
        Indicator("releases", "suspects released (uncharged or acquitted)", "suspects",
                  better="down"),
        Indicator("pending_cases", "cases pending (investigation or trial)", "cases", "level"),
        Indicator("trust", "community trust in the state (mean)", "0-1", "level", "up", 0.005),
    ]
    return out


def region_indicators(commodities: dict[str, str], groups: dict[str, str]) -> list[Indicator]:
    """The indicators of the whole region (commodity units; armed groups by key ->
    label)."""
    out = [Indicator(f"delivered_{c}", f"{c} delivered (region)", u, better="down",
                     resolution=_res(u)) for c, u in commodities.items()]
    out += [Indicator(f"seized_{c}", f"{c} seized (region)", u, better="up",
                      resolution=_res(u)) for c, u in commodities.items()]
    out.append(Indicator("armed_group_revenue_usd", "armed groups' revenue", "USD",
                         better="down", resolution=100.0))
    out += [Indicator(f"armed_strength.{g}", f"strength of {label}", "x initial", "level",
                      "down", 0.005) for g, label in groups.items()]
    return out


_EVENTS = {"arrests": "arrest", "escapes": "escape", "bribes": "bribe",
           "settlements": "settlement", "charges": "charge", "convictions": "conviction",
           "releases": "release"}
"""Count indicators read from the event log, and their event type."""


def _num(x: float) -> float | int:
    """A value as written in logs and tables: integers as int, others to 4 decimals."""
    x = float(x)
    return int(x) if x.is_integer() and abs(x) < 2**53 else round(x, 4)


def measure(model, first_day: int, last_day: int, countries) -> dict:
    """Indicators of days ``first_day .. last_day`` (after they ran), per country and for
    the region.

    Parameters
    ----------
    model : TraffickingModel
        Run at least to ``last_day``.
    first_day, last_day : int
        The turn's days (inclusive; days are numbered from 1).
    countries : iterable of str
        ISO3 codes to measure.

    Returns
    -------
    dict
        ``{"countries": {iso: {indicator: value}}, "region": {indicator: value}}`` in the
        indicators' units.
    """
    world, config = model.world, model.config
    names = list(world.commodity_names)
    units = {c: config.scenario.commodities[c].unit for c in names}
    window = model.events.to_frame(world.region, names, first_day, last_day)
    justice = model.mechanisms["justice"]
    communities = model.mechanisms["communities"]
    out: dict = {"countries": {}, "region": {}}
    event = np.asarray(window["event"].cat.codes)
    types = list(window["event"].cat.categories)
    country = window["country"].to_numpy(dtype=object)
    commodity = window["commodity"].to_numpy(dtype=object)
    quantity = window["quantity"].to_numpy(dtype=float)
    for iso in countries:
        k = world.country_index(iso)
        here = country == iso
        row: dict = {}
        for name, kind in _EVENTS.items():
            row[name] = int(np.count_nonzero(here & (event == types.index(kind))))
        for c in names:
            mine = here & (commodity == c)
            for kind, key in (("seizure", "seized"), ("delivery", "delivered")):
                sel = mine & (event == types.index(kind))
                row[f"{key}_{c}"] = _num(quantity[sel].sum())
        n = justice.n
        row["pending_cases"] = int(np.count_nonzero(
            np.isin(justice.status[:n], (PENDING, CHARGED)) & (justice.country[:n] == k)))
        members = np.asarray(world.community_country) == k
        row["trust"] = _num(communities.trust[members].mean()) if members.any() else 0
        out["countries"][iso] = {i.name: row[i.name] for i in country_indicators(units)}
    series = model.datacollector.model_vars
    groups = {g: g for g in world.armed.names}
    for ind in region_indicators(units, groups):
        values = series[ind.name][first_day - 1:last_day]
        out["region"][ind.name] = _num(values[-1] if ind.kind == "level" else sum(values))
    return out
