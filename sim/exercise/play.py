"""Playing, resuming and replaying an exercise into an output folder.

A play takes decisions from a :class:`DecisionSource` (a decisions file, the log being
replayed, or the terminal), writes each delegation's briefing map before every turn, and
after every turn rewrites ``log.jsonl`` atomically and draws the turn's map. When the last
turn is over it writes the tables, the after-action report and the facilitator's page:

=====================  ===========================================================
``log.jsonl``          one line per delegation and turn (:mod:`sim.exercise.log`)
``exercise.yaml``      the exercise file, byte for byte (a log replays on its own)
``indicators.csv``     turn, days, country (or ``region``), indicator, unit, value
``decisions.csv``      every decision: turn, delegation, entry, arguments, cost, days
``after_action.csv``   each decision against the exercise without it
``page.html``          the facilitator's page (self-contained)
``maps/``              briefing maps (``brief_t<turn>_<ISO3>.png``), turn maps
=====================  ===========================================================

An output folder that already holds a log is resumed: its whole turns are played again
from the log (each regenerated line must equal the logged one), then the play goes on.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path

from sim.atomic import write_text
from sim.exercise.actions import ACTIONS
from sim.exercise.briefing import write_briefing_map, write_turn_map
from sim.exercise.engine import Session
from sim.exercise.indicators import country_indicators, region_indicators
from sim.exercise.log import (
    EXERCISE_COPY,
    LOG_NAME,
    check_log_exercise,
    logged_decisions,
    read_log,
    whole_turns,
    write_log,
)
from sim.exercise.page import render_page
from sim.exercise.report import REGION, after_action
from sim.exercise.schema import DecisionEntry, Exercise, parse_exercise
from sim.schema import ConfigError, from_dict

MAPS = "maps"
"""Folder of the maps inside an output folder."""


class Interrupted(Exception):  # noqa: N818 - a play stopped by its user, not an error
    """The play stopped before its last turn (input ended); the log holds whole turns."""

    def __init__(self, turns: int):
        super().__init__(f"the play stopped after turn {turns}")
        self.turns = turns


class DecisionSource:
    """Where a play's decisions come from: :meth:`decide` takes the decisions of one
    delegation in the current turn through ``session.decide``."""

    def briefing(self, session: Session, iso: str, folder: Path) -> None:
        """Show the delegation its briefing (default: nothing)."""

    def decide(self, session: Session, iso: str) -> None:
        raise NotImplementedError


class ScriptedSource(DecisionSource):
    """Decisions from a mapping turn -> delegation -> entries (a decisions file)."""

    def __init__(self, decisions: dict[int, dict[str, list[DecisionEntry]]],
                 where: str = "decisions"):
        self.decisions, self.where = decisions, where

    def decide(self, session: Session, iso: str) -> None:
        for i, entry in enumerate(self.decisions.get(session.turn, {}).get(iso, [])):
            session.decide(iso, entry, f"{self.where}.turns.{session.turn}.{iso}[{i}]")


def prepare(folder: Path, exercise: Exercise) -> None:
    """Create the output folder and copy the exercise file into it."""
    (folder / MAPS).mkdir(parents=True, exist_ok=True)
    write_text(folder / EXERCISE_COPY, exercise.text)


def existing_log(folder: Path, exercise: Exercise) -> tuple[list[dict], list[str], int]:
    """The whole turns of the log in ``folder`` (records, lines, turns), checked to belong
    to ``exercise``; a trailing incomplete turn or cut line is dropped."""
    path = folder / LOG_NAME
    if not path.is_file():
        return [], [], 0
    records, lines = read_log(path, allow_partial=True)
    check_log_exercise(records, exercise.sha256, exercise.config.seed, str(path))
    turns = whole_turns(records, list(exercise.config.delegations))
    keep = turns * len(exercise.config.delegations)
    return records[:keep], lines[:keep], turns


def normal_entry(entry: DecisionEntry, exercise: Exercise) -> dict:
    """A decision as recorded: its arguments with the action's defaults filled in (as
    given when they do not parse; the play refuses them later)."""
    args = ACTIONS[exercise.config.menu[entry.option].action].Args
    try:
        parsed = from_dict(args, dict(entry.args), "decision")
    except ConfigError:
        return entry.record()
    return {"option": entry.option, **dataclasses.asdict(parsed)}


def check_against_log(decisions: dict, records: list[dict], where: str,
                      exercise: Exercise) -> None:
    """The decisions of the logged turns in a decisions file equal the log's."""
    logged = logged_decisions(records)
    for turn, by_iso in logged.items():
        for iso, entries in by_iso.items():
            given = [e.record() for e in decisions.get(turn, {}).get(iso, [])]
            same = [normal_entry(e, exercise) for e in decisions.get(turn, {}).get(iso, [])]
            if same != [e.record() for e in entries]:
                raise ConfigError(f"{where}.turns.{turn}.{iso} = {given!r} is not allowed: "
                                  f"the log already holds turn {turn} with "
                                  f"{[e.record() for e in entries]!r}; use another output "
                                  f"folder")


def play(exercise: Exercise, source: DecisionSource, folder: str | Path, *,
         log: tuple[list[dict], list[str]] = ([], []), workers: int | None = None,
         report: bool = True, say=print) -> Session:
    """Play ``exercise`` into ``folder``.

    Parameters
    ----------
    exercise : Exercise
    source : DecisionSource
        Decisions of the turns after the logged ones.
    folder : path-like
        Output folder (created).
    log : (records, lines)
        Whole logged turns to play again first (a resumed exercise).
    workers : int, optional
        Processes for the after-action runs.
    report : bool
        Write the tables, after-action report and page at the end.
    say : callable
        Where progress lines go.

    Raises
    ------
    ConfigError
        A logged line that does not reproduce, or a refused decision of a scripted source.
    Interrupted
        The source stopped before the last turn (the log holds the turns played).
    """
    folder = Path(folder)
    prepare(folder, exercise)
    maps = folder / MAPS
    session = Session(exercise)
    records, lines = log
    replay = ScriptedSource(logged_decisions(records), "log")
    logged_turns = len(lines) // len(session.delegations) if lines else 0
    while not session.over:
        turn = session.turn
        from_log = turn <= logged_turns
        for iso in session.delegations:
            write_briefing_map(session, iso, turn, maps)
            if not from_log:
                source.briefing(session, iso, maps)
            (replay if from_log else source).decide(session, iso)
        new = session.end_turn()
        if from_log:
            start = (turn - 1) * len(session.delegations)
            for k, line in enumerate(new):
                if line != lines[start + k]:
                    raise ConfigError(f"{LOG_NAME} line {start + k + 1} is not allowed: "
                                      f"playing turn {turn} again gives another line (the log "
                                      f"was edited, or the model changed since)")
        else:
            write_log(folder / LOG_NAME, session.lines)
        write_turn_map(session, turn, maps)
        say(f"turn {turn} of {session.config.turns} done (days {session.window(turn)[0]}-"
            f"{session.window(turn)[1]})" + (" [from the log]" if from_log else ""))
    write_log(folder / LOG_NAME, session.lines)
    if report:
        finish(session, folder, workers=workers, say=say)
    return session


def finish(session: Session, folder: Path, *, workers: int | None = None, say=print) -> None:
    """Write the tables, run the after-action comparison and write the page."""
    write_text(folder / "indicators.csv", indicators_csv(session))
    write_text(folder / "decisions.csv", decisions_csv(session))
    say(f"after-action report: comparing {len(session.ledger.decisions)} decisions on "
        f"{session.config.after_action_seeds} seed(s)")
    aa = after_action(session, workers=workers)
    write_text(folder / "after_action.csv", aa.table.to_csv(index=False, lineterminator="\n"))
    write_text(folder / "page.html", render_page(session, aa, folder / MAPS))


def indicators_csv(session: Session) -> str:
    """Every indicator of every turn, one tidy row each."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["turn", "first_day", "last_day", "country", "indicator", "unit", "value"])
    units = {k: v.unit for k, v in session.model.config.scenario.commodities.items()}
    groups = {g: g for g in session.model.world.armed.names}
    for t in session.turns:
        for iso in session.delegations:
            for ind in country_indicators(units):
                w.writerow([t.turn, t.first_day, t.last_day, iso, ind.name, ind.unit,
                            t.indicators["countries"][iso][ind.name]])
        for ind in region_indicators(units, groups):
            w.writerow([t.turn, t.first_day, t.last_day, REGION, ind.name, ind.unit,
                        t.indicators["region"][ind.name]])
    return buf.getvalue()


def decisions_csv(session: Session) -> str:
    """Every decision taken, in order."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["turn", "delegation", "option", "args", "charges_usd", "start_day",
                "end_day", "summary"])
    for d in session.ledger.decisions:
        w.writerow([d.turn, d.delegation, d.option, json.dumps(d.args, sort_keys=True),
                    json.dumps(d.charges, sort_keys=True), "" if d.start is None else d.start,
                    "" if d.end is None else d.end, d.summary])
    return buf.getvalue()


def exercise_of_log(log_path: str | Path) -> tuple[Exercise, list[dict], list[str]]:
    """The exercise a log belongs to (the ``exercise.yaml`` copied beside it, checked
    against the log's hash) and the log's whole turns."""
    log_path = Path(log_path)
    records, lines = read_log(log_path)
    copy = log_path.parent / EXERCISE_COPY
    if not copy.is_file():
        raise ConfigError(f"log = {str(log_path)!r} is not allowed: no {EXERCISE_COPY} beside "
                          f"it (the exercise file a play copies next to its log)")
    exercise = parse_exercise(copy.read_text(encoding="utf-8"), str(copy))
    if not records:
        raise ConfigError(f"log = {str(log_path)!r} is not allowed: it holds no turn")
    check_log_exercise(records, exercise.sha256, exercise.config.seed, str(log_path))
    turns = whole_turns(records, list(exercise.config.delegations))
    if turns * len(exercise.config.delegations) != len(records):
        raise ConfigError(f"log = {str(log_path)!r} is not allowed: its last turn is "
                          f"incomplete; resume the play to finish it")
    return exercise, records, lines


def replay(log_path: str | Path, folder: str | Path, *, workers: int | None = None,
           say=print) -> Session:
    """Play a log's exercise again from its decisions into ``folder`` (each line must
    reproduce), with the tables, after-action report and page."""
    exercise, records, lines = exercise_of_log(log_path)
    if len(records) != exercise.config.turns * len(exercise.config.delegations):
        raise ConfigError(f"log = {str(log_path)!r} is not allowed: it holds "
                          f"{len(records) // len(exercise.config.delegations)} of "
                          f"{exercise.config.turns} turns; resume the play to finish it")
    return play(exercise, ScriptedSource({}), folder, log=(records, lines), workers=workers,
                say=say)

