"""A delegation's briefing before a turn: the injects, its indicators over the last turn and
how they moved, its budget, open proposals, what is in force, and its map.

A briefing is a pure function of the session's record (:func:`make_briefing`), so the
terminal shows before each turn exactly what the facilitator's page prints afterwards.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from sim.exercise.indicators import country_indicators
from sim.exercise.ledger import OPEN
from sim.exercise.maps import country_extent, draw_turn_map


@dataclass
class Briefing:
    """What one delegation is told before one turn.

    Attributes
    ----------
    delegation, name : str
    turn, first_day, last_day : int
    injects : list of InjectConfig
    indicators : list of tuple
        ``(Indicator, value over the last turn, change vs the turn before or None)``;
        empty before the first turn.
    budget_usd, spent_usd, left_usd : float
    proposals : list of str
        Open proposals of a joint operation to the delegation.
    in_force : list of str
        Its decisions and agreements in force on the turn's first day, one line each.
    map_name : str
        File name of its map (in the output folder's ``maps/``).
    """

    delegation: str
    name: str
    turn: int
    first_day: int
    last_day: int
    injects: list
    indicators: list
    budget_usd: float
    spent_usd: float
    left_usd: float
    proposals: list
    in_force: list
    map_name: str


def map_name(turn: int, iso: str | None = None) -> str:
    """File name of a briefing map (``brief_t02_BEN.png``) or a turn's region map
    (``turn_t02.png``)."""
    return f"brief_t{turn:02d}_{iso}.png" if iso else f"turn_t{turn:02d}.png"


def make_briefing(session, iso: str, turn: int) -> Briefing:
    """The briefing of delegation ``iso`` before ``turn`` (the turns before it played)."""
    c = session.config
    first, last = c.turn_window(turn)
    units = {k: v.unit for k, v in session.model.config.scenario.commodities.items()}
    rows = []
    if turn > 1:
        now = session.turns[turn - 2].indicators["countries"][iso]
        before = (session.turns[turn - 3].indicators["countries"][iso] if turn > 2 else None)
        for ind in country_indicators(units):
            change = None if before is None else now[ind.name] - before[ind.name]
            rows.append((ind, now[ind.name], change))
    ledger = session.ledger
    spent = sum(d.charges.get(iso, 0.0) for d in ledger.decisions if d.turn < turn)
    budget = c.delegations[iso].budget_usd
    proposals = [f"{a.proposer} proposed a joint operation in turn {a.proposed_turn}"
                 for a in ledger.agreements if a.partner == iso and a.proposed_turn < turn
                 and (a.status == OPEN or (a.decided_turn or 0) >= turn)]
    in_force = []
    for d in ledger.decisions:
        if d.turn >= turn or d.start is None or iso not in d.charges:
            continue
        if d.end is None or d.end > first:
            until = "the end" if d.end is None else f"{d.end - 1}"
            in_force.append(f"{d.summary} (turn {d.turn}; days {d.start} to {until})")
    return Briefing(iso, c.delegations[iso].name, turn, first, last,
                    session.injects(turn, iso), rows, budget, spent, budget - spent,
                    proposals, in_force, map_name(turn, iso))


def deployments(session, first: int, last: int, iso: str | None = None) -> list[tuple]:
    """Areas of patrol deployments in force at some day of ``first .. last`` (of one
    delegation, or all): ``(site, radius_km, label)``."""
    out = []
    for d in session.ledger.decisions:
        option = session.config.menu[d.option]
        if option.action != "deploy_patrols" or d.start is None:
            continue
        if iso is not None and d.delegation != iso:
            continue
        if d.start <= last and (d.end is None or d.end > first):
            out.append((d.args["area"], option.params["radius_km"], d.delegation))
    return out


def _zones(session) -> dict:
    return {k: dataclasses.asdict(g) for k, g in
            session.model.config.scenario.armed_groups.items()}


def write_briefing_map(session, iso: str, turn: int, folder: Path) -> Path:
    """The delegation's map before ``turn``: its area, the last turn's flows, seizures and
    escapes, the injects it is given, its deployments in force."""
    region = session.model.world.region
    first, last = session.config.turn_window(turn)
    prev = session.turns[turn - 2] if turn > 1 else None
    injects = [(i.site, i.title) for i in session.injects(turn, iso) if i.site]
    when = (f"flows and events of turn {turn - 1} (days {prev.first_day}-{prev.last_day})"
            if prev else "before the first turn")
    title = (f"{session.config.delegations[iso].name} ({iso}) - briefing for turn {turn} "
             f"(days {first}-{last})\n{when}")
    return draw_turn_map(
        folder / map_name(turn, iso), region, title=title,
        extent=country_extent(region, iso),
        flow=prev.flow if prev else None, commodities=session.model.world.commodity_names,
        events=prev.events if prev else None, armed_groups=_zones(session),
        strengths=prev.strengths if prev else None,
        radius_exponent=session.model.config.model.armed_radius_exponent,
        injects=injects, deployments=deployments(session, first, first, iso))


def write_turn_map(session, turn: int, folder: Path) -> Path:
    """The region after ``turn``: its flows, seizures, escapes, injects and deployments."""
    record = session.turns[turn - 1]
    region = session.model.world.region
    injects = [(i.site, i.title) for i in record.injects if i.site]
    title = (f"{session.config.title}\nturn {turn} (days {record.first_day}-"
             f"{record.last_day}): flows, seizures and escapes; armed-group zones at the "
             f"turn's end")
    return draw_turn_map(
        folder / map_name(turn), region, title=title, flow=record.flow,
        commodities=session.model.world.commodity_names, events=record.events,
        armed_groups=_zones(session), strengths=record.strengths,
        radius_exponent=session.model.config.model.armed_radius_exponent, injects=injects,
        deployments=deployments(session, record.first_day, record.last_day), width_in=9.0)


def briefing_text(b: Briefing, folder: Path | None = None) -> str:
    """The briefing as terminal text."""
    lines = [f"=== Turn {b.turn} (days {b.first_day}-{b.last_day}): briefing for {b.name} "
             f"({b.delegation}) ==="]
    if b.injects:
        lines.append("Injects:")
        for i in b.injects:
            where = f" [{i.site}]" if i.site else ""
            lines.append(f"  * {i.title}{where}: {i.text.strip()}")
    else:
        lines.append("Injects: none this turn.")
    if b.indicators:
        lines.append(f"Your indicators over turn {b.turn - 1} (change vs the turn before):")
        for ind, value, change in b.indicators:
            delta = "" if change is None else f"  ({change:+,.4g})"
            lines.append(f"  {ind.label:<46} {value:>12,.4g} {ind.unit}{delta}")
    lines.append(f"Budget: USD {b.budget_usd:,.0f}; spent USD {b.spent_usd:,.0f}; left USD "
                 f"{b.left_usd:,.0f}")
    for p in b.proposals:
        lines.append(f"Open proposal to you: {p}")
    for x in b.in_force:
        lines.append(f"In force: {x}")
    if folder is not None:
        lines.append(f"Map: {folder / b.map_name}")
    return "\n".join(lines)
