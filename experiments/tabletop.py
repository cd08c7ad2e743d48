"""Tabletop exercises: play, replay and branch (DESIGN.md §8).

    python -m experiments.tabletop play EXERCISE [--decisions FILE] --out DIR
    python -m experiments.tabletop replay LOG --out DIR
    python -m experiments.tabletop branch LOG --turn K --decisions ALT --out DIR [--seeds N]

``EXERCISE`` is a file (``configs/exercise/cotonou.yaml``) or the name of one in
``configs/exercise/``. Without ``--decisions`` the delegations decide at the terminal. A
bad exercise file, decisions file or log prints one line and exits with status 2, leaving
nothing written; an interrupted play resumes when the same command is run again.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from experiments.common import fail
from sim.exercise.branch import branch
from sim.exercise.engine import check_decisions
from sim.exercise.play import (
    Interrupted,
    ScriptedSource,
    check_against_log,
    existing_log,
    play,
    replay,
)
from sim.exercise.schema import load_decisions, load_exercise
from sim.exercise.terminal import TerminalSource
from sim.schema import ConfigError

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "exercise"


def exercise_path(name: str) -> Path:
    """A file path, or the shipped exercise of that name."""
    p = Path(name)
    if p.is_file() or p.suffix in (".yaml", ".yml") or "/" in name:
        return p
    return CONFIGS / f"{name}.yaml"


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m experiments.tabletop",
                                 description="Tabletop exercises: play, replay, branch.")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("play", help="play an exercise turn by turn")
    p.add_argument("exercise", help="exercise file or name in configs/exercise/")
    p.add_argument("--decisions", help="decisions file (default: decide at the terminal)")
    p.add_argument("--out", required=True, help="output folder (resumed if it holds a log)")
    p.add_argument("--workers", type=int, default=None, help="processes for the report")
    r = sub.add_parser("replay", help="replay a log and write the after-action report")
    r.add_argument("log", help="log.jsonl of a play")
    r.add_argument("--out", required=True, help="output folder")
    r.add_argument("--workers", type=int, default=None)
    b = sub.add_parser("branch", help="replay a log to a turn, then other decisions")
    b.add_argument("log", help="log.jsonl of a play")
    b.add_argument("--turn", type=int, required=True, help="first turn with other decisions")
    b.add_argument("--decisions", required=True, help="decisions file of the other future")
    b.add_argument("--out", required=True, help="output folder")
    b.add_argument("--seeds", type=int, default=1, help="seeds to compare on (intervals "
                                                         "from 2)")
    b.add_argument("--workers", type=int, default=None)
    return ap


def _play(args) -> None:
    exercise = load_exercise(exercise_path(args.exercise))
    out = Path(args.out)
    records, lines, turns = existing_log(out, exercise)
    if turns == exercise.config.turns:
        raise ConfigError(f"--out = {args.out!r} is not allowed: it holds a finished play of "
                          f"this exercise; replay its log or choose another folder")
    if args.decisions:
        decisions = load_decisions(args.decisions, exercise.config)
        check_against_log(decisions, records, "decisions", exercise)
        check_decisions(exercise, decisions)  # every decision judged before anything runs
        source = ScriptedSource(decisions)
    else:
        check_decisions(exercise, {})  # the injects and places, before anything is written
        source = TerminalSource()
    if turns:
        print(f"resuming {out}: the log holds turns 1-{turns}")
    play(exercise, source, out, log=(records, lines), workers=args.workers)
    print(f"log: {out / 'log.jsonl'}\npage: {out / 'page.html'}")


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        if args.command == "play":
            _play(args)
        elif args.command == "replay":
            replay(args.log, args.out, workers=args.workers)
            print(f"log: {Path(args.out) / 'log.jsonl'}\npage: {Path(args.out) / 'page.html'}")
        else:
            result = branch(args.log, args.turn, args.decisions, args.out, seeds=args.seeds,
                            workers=args.workers)
            print(f"comparison: {result}")
    except ConfigError as err:
        fail(str(err))
    except Interrupted as stop:
        fail(f"the play stopped after turn {stop.turns} (input ended); run the same command "
             f"to resume from {Path(args.out) / 'log.jsonl'}")
    except KeyboardInterrupt:
        print("\ninterrupted: the log holds the whole turns played; run the same command to "
              "resume", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
