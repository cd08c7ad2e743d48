"""The tabletop session: one model, driven turn by turn through its control interface.

A :class:`Session` builds the model with :func:`sim.simulate.build`, puts every scripted
inject on its timeline as a timed change (so a bad inject is refused before any day runs),
and then, turn by turn, takes each delegation's decisions (:meth:`Session.decide`: judged
by the exercise's rules, then added as one timed change with
:meth:`~sim.model.TraffickingModel.add_change`), advances the model by the turn's days and
measures the indicators. A refused decision raises :class:`~sim.schema.ConfigError` and
changes nothing: neither the model's timeline, nor the budgets, nor the log. The session
draws no random numbers of its own; the model's named streams are the only randomness, so
the same exercise, seed and decisions give the same log.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from sim.config import ConfigError, read_config
from sim.exercise.actions import ACTIONS, Context
from sim.exercise.geography import Geography
from sim.exercise.indicators import measure
from sim.exercise.ledger import OPEN, Decision, Ledger
from sim.exercise.log import FORMAT, dumps
from sim.exercise.schema import DecisionEntry, Exercise, InjectConfig, parse_entry
from sim.schema import from_dict
from sim.simulate import build


def inject_change(inject: InjectConfig, first_day: int) -> dict | None:
    """The timed change of an inject given at a turn starting on ``first_day`` (None for
    news only)."""
    start = first_day + inject.offset_days
    if inject.shock is not None:
        shock = read_config("shock", inject.shock)
        shock["start"] = start
        if inject.duration_days is not None:
            shock["duration_days"] = inject.duration_days
        return {"kind": "shock", "shock": shock}
    if not inject.changes:
        return None
    return {"kind": "shock", "shock": {
        "name": inject.name, "description": inject.title, "start": start,
        "duration_days": inject.duration_days,
        "changes": [dataclasses.asdict(c) for c in inject.changes]}}


@dataclass
class TurnRecord:
    """What one turn gave: its days, injects, and indicators after it ran.

    Attributes
    ----------
    turn, first_day, last_day : int
    injects : list of InjectConfig
    indicators : dict
        As :func:`sim.exercise.indicators.measure` returns (None until the turn ran).
    flow : numpy.ndarray or None
        Quantity per commodity and cell that moved during the turn (commodity unit;
        shape (n_commodities, ny, nx)).
    events : pandas.DataFrame or None
        The turn's events.
    strengths : dict
        Armed group -> strength at the turn's end.
    """

    turn: int
    first_day: int
    last_day: int
    injects: list
    indicators: dict | None = None
    flow: np.ndarray | None = None
    events: object = None
    strengths: dict = field(default_factory=dict)


class Session:
    """A play of an exercise: the model, the exercise's state and the log lines so far.

    Parameters
    ----------
    exercise : Exercise
    seed : int, optional
        Another seed than the exercise's (for multi-seed comparisons).
    simulate : bool
        False only to check decisions without running the model (turns are closed without
        advancing it).
    region : RegionGrid, optional

    Raises
    ------
    ConfigError
        An inject the model refuses (``injects[i] (<name>): ...``) or names a place the
        region lacks, before any day runs.
    """

    def __init__(self, exercise: Exercise, *, seed: int | None = None, simulate: bool = True,
                 region=None):
        self.exercise = exercise
        c = self.config = exercise.config
        self.seed = c.seed if seed is None else seed
        self.model = build(exercise.model_config(self.seed), region=region)
        self.geo = Geography(self.model.world, self.model.config)
        self.simulate = simulate
        self.delegations = tuple(c.delegations)
        self.names = {iso: d.name for iso, d in c.delegations.items()}
        self.ledger = Ledger({iso: d.budget_usd for iso, d in c.delegations.items()})
        self.turn = 1
        """The turn being played (``config.turns + 1`` once the exercise is over)."""
        self.lines: list[str] = []
        """Log lines of the turns played so far."""
        self.turns: list[TurnRecord] = []
        """One record per turn played so far."""
        self._deciding = 0
        """Index of the delegation deciding now (earlier ones are done for the turn)."""
        self._flow_before = np.zeros_like(self.model.mechanisms["couriers"].flow)
        self._check_sites()
        for i, inject in enumerate(c.injects):
            change = inject_change(inject, c.turn_window(inject.turn)[0])
            if change is None:
                continue
            try:
                self.model.add_change(change)
            except ConfigError as err:
                raise ConfigError(f"injects[{i}] ({inject.name}): {err}") from None
        self.inject_changes = len(self.model.timeline.log)
        """Entries of the model's timeline log that are injects (they come first)."""

    def _check_sites(self) -> None:
        names = set(self.geo.site_names())
        for i, inject in enumerate(self.config.injects):
            if inject.site is not None and inject.site not in names:
                raise ConfigError(f"injects[{i}].site = {inject.site!r} is not allowed: must "
                                  f"be a place or crossing of region "
                                  f"{self.model.world.region.name!r}")

    # ------------------------------------------------------------------ state

    @property
    def over(self) -> bool:
        """Whether every turn has been played."""
        return self.turn > self.config.turns

    def window(self, turn: int | None = None) -> tuple[int, int]:
        """First and last day of ``turn`` (default: the current one)."""
        return self.config.turn_window(self.turn if turn is None else turn)

    def injects(self, turn: int | None = None, delegation: str | None = None
                ) -> list[InjectConfig]:
        """Injects of ``turn`` (default: the current one), those a delegation is given."""
        turn = self.turn if turn is None else turn
        return [i for i in self.config.injects if i.turn == turn
                and (delegation is None or not i.audience or delegation in i.audience)]

    def open_proposals(self, delegation: str) -> list:
        """Open proposals of a joint operation to ``delegation``."""
        return [a for a in self.ledger.agreements if a.status == OPEN
                and a.partner == delegation]

    # ------------------------------------------------------------------ decisions

    def decide(self, delegation: str, entry: DecisionEntry | dict,
               path: str = "decision") -> Decision:
        """Take one decision of ``delegation`` in the current turn.

        The decision is judged against the exercise's rules (its menu entry and arguments,
        the budget, territory and joint operations, the number of decisions per turn, the
        order of the delegations), then its timed change is added to the model. A refused
        decision raises and changes nothing.

        Parameters
        ----------
        delegation : str
            ISO3 of a delegation.
        entry : DecisionEntry or dict
            ``{"option": <menu entry>, <argument>: <value>, ...}``.
        path : str
            Name of the decision in error messages.

        Raises
        ------
        ConfigError
            One line naming the field, the value and why it is refused.
        """
        c = self.config
        if self.over:
            raise ConfigError(f"{path} is not allowed: the exercise is over "
                              f"({c.turns} turns played)")
        if delegation not in self.delegations:
            raise ConfigError(f"{path}.delegation = {delegation!r} is not allowed: must be "
                              f"one of {', '.join(self.delegations)}")
        order = self.delegations.index(delegation)
        if order < self._deciding:
            raise ConfigError(f"{path}.delegation = {delegation!r} is not allowed: "
                              f"{delegation}'s turn is over; "
                              f"{self.delegations[self._deciding]} is deciding")
        if not isinstance(entry, DecisionEntry):
            entry = parse_entry(entry, c, path)
        option = c.menu[entry.option]
        action = ACTIONS[option.action]
        taken = self.ledger.taken(self.turn, delegation)
        if len(taken) >= c.decisions_per_turn:
            raise ConfigError(f"{path} is not allowed: {delegation} has taken "
                              f"{len(taken)} decisions this turn, the most allowed "
                              f"(decisions_per_turn)")
        args = from_dict(action.Args, dict(entry.args), path)
        first, _ = self.window()
        ctx = Context(delegation, self.turn, first, c.days, entry.option, option,
                      option.typed_params(), self.ledger, self.geo, self.delegations,
                      self.names, path)
        plan = action.plan(ctx, args)
        if plan.in_force and ctx.start > c.days:
            raise ConfigError(f"{path}.option = {entry.option!r} is not allowed: with its "
                              f"lead time of {option.lead_time_days} days it would take "
                              f"effect on day {ctx.start}, after the exercise ends "
                              f"(day {c.days})")
        for iso, usd in plan.charges.items():
            if usd > self.ledger.left(iso):
                raise ConfigError(f"{path}.option = {entry.option!r} is not allowed: it costs "
                                  f"{iso} USD {usd:,.0f} and {iso} has USD "
                                  f"{self.ledger.left(iso):,.0f} left of its USD "
                                  f"{self.ledger.budgets[iso]:,.0f} budget")
        if plan.change is not None:
            self.model.add_change(plan.change)  # validated by the model; raises, adds nothing
        record = Decision(self.turn, delegation, entry.option, _plain(args), plan.charges,
                          ctx.start if plan.in_force else None,
                          ctx.end if plan.in_force else None, plan.change, plan.summary)
        for iso, usd in plan.charges.items():
            self.ledger.spent[iso] += usd
        self.ledger.decisions.append(record)
        action.commit(self.ledger, record)
        self._deciding = order
        return record

    def take(self, decisions: dict[str, list[DecisionEntry]], where: str = "decisions") -> None:
        """Take the current turn's decisions of every delegation, in order."""
        for iso in self.delegations:
            for i, entry in enumerate(decisions.get(iso, [])):
                self.decide(iso, entry, f"{where}.turns.{self.turn}.{iso}[{i}]")

    # ------------------------------------------------------------------ turns

    def end_turn(self) -> list[str]:
        """Run the turn's days, measure, and write its log lines; returns them."""
        first, last = self.window()
        record = TurnRecord(self.turn, first, last, self.injects())
        if self.simulate:
            self.model.advance(self.config.turn_days)
            record.indicators = measure(self.model, first, last, self.delegations)
            flow = self.model.mechanisms["couriers"].flow
            w = self.model.world
            record.flow = (flow - self._flow_before).reshape(len(w.commodity_names), *w.shape)
            self._flow_before = flow.copy()
            record.events = self.model.events.to_frame(w.region, w.commodity_names, first,
                                                       last).reset_index(drop=True)
            armed = self.model.mechanisms["armed_groups"]
            record.strengths = dict(zip(w.armed.names, map(float, armed.strength),
                                        strict=True))
        lines = [dumps(self._line(iso, record)) for iso in self.delegations]
        self.turns.append(record)
        self.lines += lines
        self.turn += 1
        self._deciding = 0
        return lines

    def _line(self, iso: str, record: TurnRecord) -> dict:
        mine = self.ledger.taken(record.turn, iso)
        others = [{"by": d.delegation, "option": d.option, "usd": d.charges[iso]}
                  for d in self.ledger.decisions if d.turn == record.turn
                  and d.delegation != iso and iso in d.charges]
        spent = sum(d.charges.get(iso, 0.0) for d in self.ledger.decisions
                    if d.turn <= record.turn)
        budget = self.config.delegations[iso].budget_usd
        indicators = (record.indicators or {}).get("countries", {}).get(iso, {})
        return {"format": FORMAT, "exercise": self.config.name,
                "exercise_sha256": self.exercise.sha256, "seed": self.seed,
                "turn": record.turn, "first_day": record.first_day,
                "last_day": record.last_day, "delegation": iso,
                "injects": [i.name for i in self.injects(record.turn, iso)],
                "decisions": [d.record() for d in mine], "charged_by_others": others,
                "budget_usd": budget, "spent_usd": spent, "budget_left_usd": budget - spent,
                "indicators": indicators}

    def play(self, decisions: dict[int, dict[str, list[DecisionEntry]]],
             turns: Iterable[int] | None = None, where: str = "decisions") -> None:
        """Play ``turns`` (default: every remaining one) with decisions from a mapping
        turn -> delegation -> entries."""
        for turn in (range(self.turn, self.config.turns + 1) if turns is None else turns):
            if turn != self.turn:
                raise ValueError(f"turn {turn} is not the next turn ({self.turn})")
            self.take(decisions.get(turn, {}), where)
            self.end_turn()

    # ------------------------------------------------------------------ outputs

    def decision_changes(self) -> list[dict]:
        """The timed changes of the decisions, in the order they were added."""
        return list(self.model.timeline.log[self.inject_changes:])

    def inject_specs(self) -> list[dict]:
        """The timed changes of the injects."""
        return list(self.model.timeline.log[: self.inject_changes])


def _plain(args) -> dict:
    """A decision's arguments as plain JSON values."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(args).items()}


def check_decisions(exercise: Exercise, decisions: dict, where: str = "decisions") -> Session:
    """Take every decision of a decisions file on a model that does not run: ConfigError at
    the first refused one (naming its turn, delegation and index), before anything is
    simulated or written. Returns the checked session."""
    session = Session(exercise, simulate=False)
    for _ in range(exercise.config.turns):
        session.take(decisions.get(session.turn, {}), where)
        session.end_turn()
    return session
