"""The exercise log: one JSON line per delegation and turn, written whole turns at a time.

Every line carries the exercise's name, the SHA-256 of the exercise file and the seed, the
turn and its days, the injects the delegation was given, its decisions (menu entry,
arguments, cost, days in force and the spec of the timed change each put on the model's
timeline), its budget, and its indicators over the turn. Lines are canonical JSON (sorted
keys, no spaces, ASCII), so the same exercise, seed and decisions give the same bytes in
any process. The file is rewritten atomically after each turn: an interrupted exercise
leaves whole turns, from which it resumes.
"""

from __future__ import annotations

import json
from pathlib import Path

from sim.atomic import write_text
from sim.exercise.schema import DecisionEntry
from sim.schema import ConfigError

LOG_NAME = "log.jsonl"
"""File name of the log in an exercise's output folder."""

EXERCISE_COPY = "exercise.yaml"
"""The exercise file, copied byte for byte next to its log."""

FORMAT = 1
"""Version of the line format."""

KEYS = ("budget_left_usd", "budget_usd", "charged_by_others", "decisions", "delegation",
        "exercise", "exercise_sha256", "first_day", "format", "indicators", "injects",
        "last_day", "seed", "spent_usd", "turn")
"""Keys of every line."""


def dumps(record: dict) -> str:
    """One canonical JSON line (no newline)."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False)


def write_log(path: str | Path, lines: list[str]) -> None:
    """Write the log's lines atomically (a crash leaves the previous turns' log)."""
    write_text(path, "".join(line + "\n" for line in lines))


def read_log(path: str | Path, *, allow_partial: bool = False) -> tuple[list[dict], list[str]]:
    """The records and exact lines of a log.

    Parameters
    ----------
    path : path-like
    allow_partial : bool
        Accept a last line cut short (an interrupted write): it is dropped.

    Raises
    ------
    ConfigError
        A missing file, or a line that is not a log record, naming the line.
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"log = {str(path)!r} is not allowed: no such file")
    text = p.read_text(encoding="utf-8")
    raw = text.split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    elif raw and allow_partial:  # the last line has no newline: cut short
        raw.pop()
    records, lines = [], []
    for i, line in enumerate(raw, 1):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            if allow_partial and i == len(raw):
                break
            raise ConfigError(f"{p.name} line {i} is not allowed: not a JSON record") from None
        if not isinstance(rec, dict) or sorted(rec) != sorted(KEYS) or \
                rec.get("format") != FORMAT:
            raise ConfigError(f"{p.name} line {i} is not allowed: not an exercise log record "
                              f"(format {FORMAT})")
        records.append(rec)
        lines.append(line)
    return records, lines


def whole_turns(records: list[dict], delegations: list[str]) -> int:
    """Turns the records hold in full (one line per delegation, in order, turn by turn);
    a trailing incomplete turn is not counted. ConfigError if lines are out of order."""
    n = len(delegations)
    for i, rec in enumerate(records):
        turn, iso = i // n + 1, delegations[i % n]
        if rec["turn"] != turn or rec["delegation"] != iso:
            raise ConfigError(f"log line {i + 1} is not allowed: expected turn {turn}, "
                              f"delegation {iso}; found turn {rec['turn']}, delegation "
                              f"{rec['delegation']}")
    return len(records) // n


def logged_decisions(records: list[dict]) -> dict[int, dict[str, list[DecisionEntry]]]:
    """Turn -> delegation -> the decisions the log holds (as entries to take again)."""
    out: dict[int, dict[str, list[DecisionEntry]]] = {}
    for rec in records:
        out.setdefault(rec["turn"], {})[rec["delegation"]] = [
            DecisionEntry(d["option"], dict(d["args"])) for d in rec["decisions"]]
    return out


def check_log_exercise(records: list[dict], sha256: str, seed: int, where: str) -> None:
    """Every record belongs to the exercise file with ``sha256`` and to ``seed``."""
    for i, rec in enumerate(records, 1):
        if rec["exercise_sha256"] != sha256:
            raise ConfigError(f"{where} line {i} is not allowed: it is the log of another "
                              f"exercise file (sha256 {rec['exercise_sha256'][:12]}..., this "
                              f"file {sha256[:12]}...)")
        if rec["seed"] != seed:
            raise ConfigError(f"{where} line {i} is not allowed: seed {rec['seed']} differs "
                              f"from the exercise's seed {seed}")
