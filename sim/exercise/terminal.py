"""Decisions at a terminal: a numbered menu per delegation, each entry validated.

Before each turn every delegation sees its briefing, then the menu: it picks an entry by
number or name, answers the entry's questions (an area, a partner, ...), and the session
judges the decision at once: a refused decision prints one line saying what and why and
the delegation is asked again; nothing of it is kept. ``0`` (or ``done``) ends the
delegation's turn. When the input ends the play stops after the last whole turn
(:class:`~sim.exercise.play.Interrupted`); the same command resumes it from its log.
"""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

from sim.exercise.actions import ACTIONS
from sim.exercise.briefing import briefing_text, make_briefing
from sim.exercise.play import DecisionSource, Interrupted
from sim.exercise.schema import DecisionEntry
from sim.schema import ConfigError

DONE = ("0", "done", "d")
"""Answers that end a delegation's decisions for the turn."""


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


class TerminalSource(DecisionSource):
    """Decisions typed at a terminal.

    Parameters
    ----------
    ask : callable
        ``ask(prompt) -> str`` (default :func:`input`); EOFError ends the play.
    say : callable
        Where text goes (default :func:`print`).
    """

    def __init__(self, ask=input, say=print):
        self.ask, self.say = ask, say

    def _ask(self, session, prompt: str) -> str:
        try:
            return self.ask(prompt).strip()
        except EOFError:
            raise Interrupted(session.turn - 1) from None

    def briefing(self, session, iso: str, folder: Path) -> None:
        self.say("")
        self.say(briefing_text(make_briefing(session, iso, session.turn), folder))

    def menu_text(self, session, iso: str) -> str:
        c = session.config
        left = session.ledger.left(iso)
        taken = len(session.ledger.taken(session.turn, iso))
        lines = [f"Decision menu for {c.delegations[iso].name} ({iso}): "
                 f"{c.decisions_per_turn - taken} more decision(s) this turn; budget left "
                 f"USD {left:,.0f}"]
        for k, (name, o) in enumerate(c.menu.items(), 1):
            lasts = "to the end" if o.duration_days is None else _days(o.duration_days)
            lines.append(f"  {k:>2}. {name:<26} {o.label} — USD {o.cost_usd:,.0f}; effect "
                         f"after {_days(o.lead_time_days)}; lasts {lasts}")
        lines.append("   0. done                       end your decisions for this turn")
        return "\n".join(lines)

    def decide(self, session, iso: str) -> None:
        c = session.config
        names = list(c.menu)
        while len(session.ledger.taken(session.turn, iso)) < c.decisions_per_turn:
            self.say(self.menu_text(session, iso))
            answer = self._ask(session, f"{iso}> ")
            if answer.lower() in DONE:
                return
            option = (names[int(answer) - 1] if answer.isdigit() and 1 <= int(answer)
                      <= len(names) else answer)
            if option not in c.menu:
                self.say(f"  refused: decision.option = {answer!r} is not allowed: must be a "
                         f"number 0-{len(names)} or one of {', '.join(names)}")
                continue
            entry = self._arguments(session, iso, option)
            try:
                d = session.decide(iso, entry, "decision")
            except ConfigError as err:
                self.say(f"  refused: {err}")
                continue
            days = ("" if d.start is None else
                    f"; in force from day {d.start}"
                    + ("" if d.end is None else f" to day {d.end - 1}"))
            cost = ", ".join(f"{k} USD {v:,.0f}" for k, v in d.charges.items())
            self.say(f"  taken: {d.summary}{days}; cost {cost}; {iso} has USD "
                     f"{session.ledger.left(iso):,.0f} left")

    def _arguments(self, session, iso: str, option: str) -> DecisionEntry:
        action = ACTIONS[session.config.menu[option].action]
        hints = typing.get_type_hints(action.Args)
        args = {}
        for f in dataclasses.fields(action.Args):
            doc = f.metadata.get("doc", "")
            has_default = f.default is not dataclasses.MISSING
            listed = typing.get_origin(hints[f.name]) is list
            prompt = f"  {f.name} ({doc}{'; comma-separated' if listed else ''}"
            prompt += f"; default {f.default})" if has_default else ")"
            while True:
                value = self._ask(session, prompt + ": ")
                if value == "?":
                    self.say("  " + self._choices(session, iso, f.name))
                    continue
                break
            if value == "" and has_default:
                continue
            args[f.name] = [v.strip() for v in value.split(",") if v.strip()] if listed \
                else value
        return DecisionEntry(option, args)

    @staticmethod
    def _choices(session, iso: str, name: str) -> str:
        if name == "area":
            return "places and crossings: " + ", ".join(sorted(session.geo.site_names()))
        if name == "partner" or name == "partners":
            return (f"delegations: {', '.join(d for d in session.delegations if d != iso)}; "
                    f"{iso}'s neighbours: {', '.join(session.geo.neighbours[iso])}; core "
                    f"countries: {', '.join(session.geo.core)}")
        return "see the field's description"
