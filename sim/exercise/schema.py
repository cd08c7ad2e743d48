"""The exercise file and the decisions file: typed, validated, with one-line errors.

An exercise file (``configs/exercise/<name>.yaml``) names a scenario, a seed, the turns, the
delegations with their budgets, the scripted injects and the decision menu; a decisions
file gives each turn's decisions per delegation. Both are checked field by field with the
schema machinery of :mod:`sim.schema` (and against the scenario) before anything runs: a
wrong value raises :class:`~sim.schema.ConfigError` naming the field, the value and what
is allowed. Checks that need the region's places run when the session builds the model
(:class:`sim.exercise.engine.Session`), still before any day is simulated.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.config import ConfigError, ModelConfig, ShockChangeConfig, available, make_config
from sim.exercise.actions import ACTIONS
from sim.schema import from_dict, join_path, spec


@dataclass(frozen=True)
class DelegationConfig:
    """One delegation: a country's team at the table."""

    name: str = spec(doc="the country's name as players see it")
    agencies: list[str] = spec(doc="ministries and services the delegation brings")
    budget_usd: float = spec(0, 1e11, unit="USD", doc="money for the exercise's decisions")


@dataclass(frozen=True)
class InjectConfig:
    """A scripted inject: news the facilitator gives at a turn, and what it changes.

    An inject is either a shock file of ``configs/shock/`` (``shock``) or its own lever
    changes (``changes``, as in a shock file), put on the timeline from the turn's first
    day plus ``offset_days``; with neither it is news only.
    """

    name: str = spec(doc="identifier (letters, digits, underscores)")
    turn: int = spec(1, 1000, doc="turn at whose start the inject is given")
    title: str = spec(doc="headline")
    text: str = spec(doc="what the delegations are told")
    audience: list[str] = spec(default=[], empty=True,
                               doc="delegations briefed (ISO3); empty = every delegation")
    site: str | None = spec(default=None, doc="place or crossing marked on the maps")
    shock: str | None = spec(default=None, doc="a shock file of configs/shock/")
    offset_days: int = spec(0, 36_500, default=0, unit="days",
                            doc="days after the turn's first day the inject takes effect")
    duration_days: int | None = spec(1, 36_500, default=None, unit="days",
                                     doc="days in force; null = the shock file's own "
                                         "duration, or to the end for changes")
    changes: list[ShockChangeConfig] = spec(default=[], empty=True,
                                            doc="lever changes, as in a shock file")

    def check(self, path: str) -> None:
        """A valid identifier; not both a shock file and changes."""
        if not self.name.isidentifier():
            raise ConfigError(f"{join_path(path, 'name')} = {self.name!r} is not allowed: "
                              f"must be letters, digits and underscores")
        if self.shock is not None and self.changes:
            raise ConfigError(f"{path} = shock {self.shock!r} and {len(self.changes)} "
                              f"changes is not allowed: give a shock file or changes, "
                              f"not both")
        if self.shock is not None and self.shock not in available("shock"):
            raise ConfigError(f"{join_path(path, 'shock')} = {self.shock!r} is not allowed: "
                              f"must be one of {', '.join(available('shock'))}")


@dataclass(frozen=True)
class OptionConfig:
    """One entry of the decision menu: an action, its cost, lead time and duration."""

    action: str = spec(choices=tuple(ACTIONS), doc="decision type (sim.exercise.actions)")
    label: str = spec(doc="what players see in the menu")
    cost_usd: float = spec(0, 1e11, unit="USD", doc="charged to the delegation's budget "
                                                    "each time the entry is taken")
    cost_basis: str = spec(doc="how the cost was derived (a source, or 'assumption: ...')")
    lead_time_days: int = spec(0, 3650, unit="days",
                               doc="days from the turn's first day until it takes effect")
    duration_days: int | None = spec(1, 36_500, unit="days",
                                     doc="days in force; null = to the end of the exercise")
    params: dict[str, Any] = spec(default={}, empty=True,
                                  doc="the action's parameters (its Params)")

    def check(self, path: str) -> None:
        """Parameters valid for the action (the action's defaults filled in)."""
        params = from_dict(ACTIONS[self.action].Params, dict(self.params),
                           join_path(path, "params"))
        self.params.clear()
        self.params.update(dataclasses.asdict(params))

    def typed_params(self):
        """The parameters as the action's ``Params`` record."""
        return ACTIONS[self.action].Params(**self.params)


@dataclass(frozen=True)
class ExerciseConfig:
    """A tabletop exercise: everything a play depends on, with the decisions."""

    name: str = spec(doc="exercise name")
    title: str = spec(doc="one line for the page")
    description: str = spec(doc="what the exercise is about")
    scenario: str = spec(choices=tuple(available("scenario")), doc="scenario file")
    seed: int = spec(0, 2**63 - 1, doc="the model's seed")
    turn_days: int = spec(1, 365, unit="days", doc="days simulated per turn")
    turns: int = spec(1, 100, doc="number of turns")
    delegations: dict[str, DelegationConfig] = spec(doc="delegations by ISO3 code, in the "
                                                        "order they decide each turn")
    menu: dict[str, OptionConfig] = spec(doc="the decision menu, by entry name")
    injects: list[InjectConfig] = spec(default=[], empty=True, doc="scripted injects")
    decisions_per_turn: int = spec(1, 50, default=3,
                                   doc="most decisions a delegation may take in one turn")
    after_action_seeds: int = spec(1, 100, default=1,
                                   doc="seeds of the after-action report's counterfactual "
                                       "runs (the exercise's seed and the next ones)")

    def check(self, path: str) -> None:
        """Delegations are core countries of the scenario; injects fall inside the exercise
        and name its delegations; names are unique."""
        scenario = make_config(self.scenario).scenario
        for iso in self.delegations:
            if iso not in scenario.countries:
                raise ConfigError(f"{join_path(path, 'delegations')}.{iso} is not allowed: "
                                  f"must be a core country of scenario {scenario.name!r} "
                                  f"({', '.join(sorted(scenario.countries))})")
        if self.turns * self.turn_days > 36_500:
            raise ConfigError(f"{join_path(path, 'turns')} = {self.turns} is not allowed: "
                              f"turns x turn_days must be at most 36500 days")
        names = set()
        for i, inject in enumerate(self.injects):
            where = f"{join_path(path, 'injects')}[{i}]"
            if inject.turn > self.turns:
                raise ConfigError(f"{where}.turn = {inject.turn} is not allowed: must be in "
                                  f"[1, {self.turns}] (turns)")
            if inject.offset_days >= self.turn_days:
                raise ConfigError(f"{where}.offset_days = {inject.offset_days} is not "
                                  f"allowed: must be less than turn_days = {self.turn_days}")
            for j, iso in enumerate(inject.audience):
                if iso not in self.delegations:
                    raise ConfigError(f"{where}.audience[{j}] = {iso!r} is not allowed: must "
                                      f"be a delegation ({', '.join(self.delegations)})")
            if inject.name in names:
                raise ConfigError(f"{where}.name = {inject.name!r} is not allowed: inject "
                                  f"names must not repeat")
            names.add(inject.name)
        for name in self.menu:
            if not name.isidentifier():
                raise ConfigError(f"{join_path(path, 'menu')}.{name} is not allowed: entry "
                                  f"names must be letters, digits and underscores")

    @property
    def days(self) -> int:
        """Days simulated by the whole exercise."""
        return self.turns * self.turn_days

    def turn_window(self, turn: int) -> tuple[int, int]:
        """First and last day of ``turn`` (days are numbered from 1)."""
        return (turn - 1) * self.turn_days + 1, turn * self.turn_days


@dataclass(frozen=True)
class Exercise:
    """A loaded exercise file: its validated config, its exact text and its hash.

    Attributes
    ----------
    config : ExerciseConfig
    text : str
        The file as read (UTF-8); copied next to every log so a log replays on its own.
    sha256 : str
        SHA-256 of the file's bytes (hex), written on every log line.
    path : str
        Where it was read from.
    """

    config: ExerciseConfig
    text: str
    sha256: str
    path: str

    def model_config(self, seed: int | None = None) -> ModelConfig:
        """The model config of a play: the scenario's defaults, the exercise's seed (or
        ``seed``) and as many days as the turns."""
        c = self.config
        return make_config(c.scenario, seed=c.seed if seed is None else seed, steps=c.days)


def _read(path: str | Path, what: str) -> tuple[Any, bytes]:
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{what} = {str(path)!r} is not allowed: no such file")
    raw = p.read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ConfigError(f"{what} = {str(path)!r} is not allowed: not valid YAML "
                          f"({first})") from None
    return data, raw


def parse_exercise(text: str, path: str = "<text>") -> Exercise:
    """Validate an exercise file's text (ConfigError naming the field)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"exercise = {path!r} is not allowed: not valid YAML "
                          f"({str(err).splitlines()[0]})") from None
    config = from_dict(ExerciseConfig, data, "")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Exercise(config, text, digest, str(path))


def load_exercise(path: str | Path) -> Exercise:
    """Read and validate an exercise file (ConfigError naming the field)."""
    _, raw = _read(path, "exercise")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"exercise = {str(path)!r} is not allowed: not UTF-8 text") from None
    try:
        return parse_exercise(text, str(path))
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None


# --------------------------------------------------------------------------- decisions file


@dataclass(frozen=True)
class DecisionEntry:
    """One decision as written in a decisions file or typed at the terminal: the menu
    entry and the action's arguments."""

    option: str
    args: dict

    def record(self) -> dict:
        """Plain form (as in a decisions file)."""
        return {"option": self.option, **self.args}


def parse_entry(data: Any, exercise: ExerciseConfig, path: str) -> DecisionEntry:
    """A decision's menu entry checked; its arguments are checked by the session (they
    depend on the state)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{path} = {data!r} is not allowed: must be a mapping with "
                          f"'option' and the entry's arguments")
    option = data.get("option")
    if option not in exercise.menu:
        raise ConfigError(f"{join_path(path, 'option')} = {option!r} is not allowed: must be "
                          f"one of {', '.join(exercise.menu)}")
    return DecisionEntry(option, {k: v for k, v in data.items() if k != "option"})


def parse_decisions(data: Any, exercise: ExerciseConfig, path: str = "decisions"
                    ) -> dict[int, dict[str, list[DecisionEntry]]]:
    """Turn -> delegation -> decisions of a decisions file's mapping.

    The file is ``{turns: {<turn>: {<ISO3>: [<decision>, ...]}}}`` with each decision
    ``{option: <menu entry>, <argument>: <value>, ...}``; a turn or delegation left out
    takes no decision.
    """
    if not isinstance(data, dict) or set(data) - {"turns", "description"}:
        extra = sorted(set(data) - {"turns", "description"}) if isinstance(data, dict) else []
        raise ConfigError(f"{path}{'.' + extra[0] if extra else ''} is not allowed: a "
                          f"decisions file has 'turns' (and an optional 'description')")
    turns = data.get("turns") or {}
    if not isinstance(turns, dict):
        raise ConfigError(f"{path}.turns = {turns!r} is not allowed: must be a mapping of "
                          f"turn numbers")
    out: dict[int, dict[str, list[DecisionEntry]]] = {}
    for turn, by_iso in turns.items():
        where = f"{path}.turns.{turn}"
        if isinstance(turn, bool) or not isinstance(turn, int) or not 1 <= turn <= exercise.turns:
            raise ConfigError(f"{where} is not allowed: turns must be integers in "
                              f"[1, {exercise.turns}]")
        by_iso = by_iso or {}
        if not isinstance(by_iso, dict):
            raise ConfigError(f"{where} = {by_iso!r} is not allowed: must map delegations "
                              f"to lists of decisions")
        out[turn] = {}
        for iso, entries in by_iso.items():
            if iso not in exercise.delegations:
                raise ConfigError(f"{where}.{iso} is not allowed: must be a delegation "
                                  f"({', '.join(exercise.delegations)})")
            entries = entries or []
            if not isinstance(entries, list):
                raise ConfigError(f"{where}.{iso} = {entries!r} is not allowed: must be a "
                                  f"list of decisions")
            out[turn][iso] = [parse_entry(e, exercise, f"{where}.{iso}[{i}]")
                              for i, e in enumerate(entries)]
    return out


def load_decisions(path: str | Path, exercise: ExerciseConfig
                   ) -> dict[int, dict[str, list[DecisionEntry]]]:
    """Read and check a decisions file (see :func:`parse_decisions`)."""
    data, _ = _read(path, "decisions")
    return parse_decisions(data, exercise, "decisions")
