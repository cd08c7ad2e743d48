"""The exercise's own state: budgets spent, joint-operation proposals and agreements, and the
decisions taken, turn by turn.

Nothing here depends on the model's random state: whether a decision is allowed depends only
on the exercise file and the decisions taken before it, so a decisions file can be checked in
full before any day is simulated, and a log replays to the same state.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

OPEN, ACCEPTED, DECLINED = "open", "accepted", "declined"
"""States of a joint-operation proposal."""


@dataclass
class Agreement:
    """A joint operation proposed by one delegation to a neighbouring one.

    Attributes
    ----------
    proposer, partner : str
        ISO3 codes.
    proposed_turn : int
        Turn of the proposal.
    status : str
        :data:`OPEN`, :data:`ACCEPTED` or :data:`DECLINED`.
    decided_turn : int or None
        Turn of the acceptance or refusal.
    start, end : int or None
        First day in force and first day no longer in force (days; ``end`` None = to the
        end of the exercise), once accepted.
    """

    proposer: str
    partner: str
    proposed_turn: int
    status: str = OPEN
    decided_turn: int | None = None
    start: int | None = None
    end: int | None = None

    def involves(self, a: str, b: str) -> bool:
        """Whether the agreement is between ``a`` and ``b`` (either way round)."""
        return {self.proposer, self.partner} == {a, b}

    def in_force_after(self, day: int) -> bool:
        """Accepted and not ended by ``day`` (it may start later: a lead time)."""
        return self.status == ACCEPTED and (self.end is None or self.end > day)


@dataclass
class Decision:
    """One decision as taken (validated) in a turn.

    Attributes
    ----------
    turn : int
    delegation : str
        ISO3 of the delegation that took it.
    option : str
        Name of the menu entry.
    args : dict
        The delegation's choices (area, partner, ...), validated.
    charges : dict
        USD charged to each delegation (the decision's cost; a joint operation charges both
        partners).
    start, end : int or None
        First day in force and first day no longer in force (None: no model change, or to
        the end of the exercise).
    change : dict or None
        The timed change put on the model's timeline (its spec), if any.
    summary : str
        One line for briefings and reports.
    """

    turn: int
    delegation: str
    option: str
    args: dict
    charges: dict
    start: int | None
    end: int | None
    change: dict | None
    summary: str

    def record(self) -> dict:
        """The decision as written in the log (plain JSON types)."""
        return {"option": self.option, "args": self.args, "charges_usd": self.charges,
                "start_day": self.start, "end_day": self.end, "change": self.change,
                "summary": self.summary}


@dataclass
class Ledger:
    """Budgets, agreements and decisions of an exercise so far.

    Parameters
    ----------
    budgets : dict
        ISO3 -> budget of the delegation (USD).
    """

    budgets: dict[str, float]
    spent: dict[str, float] = field(default_factory=dict)
    agreements: list[Agreement] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)

    def __post_init__(self):
        for iso in self.budgets:
            self.spent.setdefault(iso, 0.0)

    def left(self, iso: str) -> float:
        """Budget not yet spent (USD)."""
        return self.budgets[iso] - self.spent[iso]

    def taken(self, turn: int, iso: str) -> list[Decision]:
        """Decisions of delegation ``iso`` in ``turn``, in order."""
        return [d for d in self.decisions if d.turn == turn and d.delegation == iso]

    def open_proposal(self, proposer: str, partner: str) -> Agreement | None:
        """The open proposal of a joint operation from ``proposer`` to ``partner``."""
        for a in self.agreements:
            if a.status == OPEN and a.proposer == proposer and a.partner == partner:
                return a
        return None

    def pending_between(self, a: str, b: str) -> Agreement | None:
        """An open proposal between ``a`` and ``b``, either way round."""
        for x in self.agreements:
            if x.status == OPEN and x.involves(a, b):
                return x
        return None

    def agreement_after(self, a: str, b: str, day: int) -> Agreement | None:
        """An accepted joint operation between ``a`` and ``b`` not ended by ``day``."""
        for x in self.agreements:
            if x.involves(a, b) and x.in_force_after(day):
                return x
        return None

    def snapshot(self) -> Ledger:
        """A deep copy (tests compare it to check that a refused decision changed
        nothing)."""
        return copy.deepcopy(self)
