"""The justice chain: settlement at arrest, investigation, charging, court queues,
conviction, sentences.

An arrest of a courier of a commodity with ``settlement_prob`` > 0 may end on the spot: a
fine or an informal settlement (a customs offence, say), the load seized and the courier
released without a case. Every other arrest opens a case in the arresting country, held in
pre-trial detention. At the end of the investigation (``investigation_days``, plus the
pair's mutual-legal-assistance/extradition delay, lever ``mla_delay_days``, when the
suspect is from another country) the prosecutor charges the case with the country's
evidence quality (``charge_prob`` to start with); an uncharged suspect is released that day
and uses no court time. Charged cases queue for the country's courts, which decide at most
``court_cases_per_day`` a day, first charged first; a decided case is convicted with the
country's conviction rate, and sentences follow the national maximum penalty. Court
decisions feed back into evidence quality (the court-to-unit feedback the ACSS seminar asks
for). Attrition defaults follow NDLEA 2023 (FACTS.md §5): 41 % of arrests charged, 61 % of
those convicted.
"""

from __future__ import annotations

import numpy as np

from sim.constants import DAYS_PER_YEAR
from sim.mechanisms.base import COURTS, INTAKE, Mechanism, phase, register
from sim.mechanisms.day import Decisions

PENDING = 0
"""Case status: under investigation (suspect detained)."""
NOT_CHARGED = 1
"""Case status: not charged at the end of the investigation (suspect released)."""
ACQUITTED = 2
CONVICTED = 3
CHARGED = 4
"""Case status: charged, awaiting its court decision (suspect detained)."""


@register
class Justice(Mechanism):
    """Court queues of all core countries.

    State: the case table (one row per case ever opened: courier, country, day opened, day
    ready for charging, day charged, penalty weight, status, cross-border flag), each
    country's unused court credit (cases/day) and evidence quality (P(charge | investigated)).
    """

    name = "justice"
    setup_order = 30.0
    streams = ("courts", "settle")
    reads = frozenset({"penalty_years", "conviction_rate", "court_cases_per_day",
                       "court_feedback", "mla_delay_days"})
    metrics = ("settlements", "charged", "released_uncharged", "convictions", "cases_decided",
               "case_days_total", "cross_border_cases_decided", "cross_border_case_days_total",
               "pending_cases", "awaiting_trial")

    _COLUMNS = {"courier": np.int64, "country": np.int16, "opened": np.int64,
                "ready": np.int64, "charged_on": np.int64, "penalty_weight": np.float64,
                "status": np.int8, "cross_border": bool}

    def __init__(self, model):
        super().__init__(model)
        c = self.world.n_countries
        self.evidence = np.full(c, self.config.model.charge_prob)
        """Evidence quality per country = P(charge | investigation over)."""
        self.credit = np.zeros(c)
        """Court capacity not yet used (cases), per country."""
        for name, dtype in self._COLUMNS.items():
            setattr(self, name, np.zeros(1024, dtype))
        self.n = 0
        """Cases opened so far (rows in use)."""
        self._settled_today = 0
        self._charged_today = np.zeros(0, np.int64)

    def _grow(self, need: int) -> None:
        cap = self.courier.shape[0]
        if need <= cap:
            return
        new = max(need, 2 * cap)
        for name, dtype in self._COLUMNS.items():
            arr = np.zeros(new, dtype)
            arr[:cap] = getattr(self, name)
            setattr(self, name, arr)

    @property
    def pending(self) -> int:
        """Cases not yet decided (under investigation or awaiting trial)."""
        status = self.status[: self.n]
        return int(np.count_nonzero((status == PENDING) | (status == CHARGED)))

    @property
    def awaiting_trial(self) -> int:
        """Charged cases not yet decided by a court."""
        return int(np.count_nonzero(self.status[: self.n] == CHARGED))

    # ------------------------------------------------------------------ phases

    @phase(INTAKE)
    def intake(self, day) -> None:
        """Settle some arrests on the spot (per commodity); open one case per other arrest
        of the day in the arresting country."""
        who = day.seized
        self._settled_today = 0
        if len(who) == 0:
            return
        w = self.world
        c = self.model.mechanisms["couriers"].arrays
        p = w.commodity_table["settlement_prob"][c.commodity[who]]
        if p.any():
            settle = self.stream("settle").random(len(who)) < p
            day.settled = who[settle]
            cells = c.cell[day.settled]
            self.model.events.add(day.t, "settlement", cells, w.country[cells],
                                  c.commodity[day.settled], 0.0, c.org[day.settled],
                                  day.settled)
            self._settled_today = len(day.settled)
            who = who[~settle]
        if len(who) == 0:
            return
        home = w.community_country[c.community[who]]
        pw = w.commodity_table["penalty_weight"][c.commodity[who]]
        self.open_cases(day.t, who, w.country[c.cell[who]], home, pw)

    def open_cases(self, step: int, couriers: np.ndarray, country: np.ndarray,
                   home_country: np.ndarray, penalty_weight: np.ndarray) -> np.ndarray:
        """Open one case per arrest; returns the case ids.

        A case is ready for the charging decision after the investigation; cases whose
        suspect's home country differs from the arresting country wait the pair's
        mutual-legal-assistance delay on top of it.
        """
        k = len(couriers)
        self._grow(self.n + k)
        ids = np.arange(self.n, self.n + k)
        self.courier[ids] = couriers
        self.country[ids] = country
        self.opened[ids] = step
        foreign = home_country != country
        delay = self.config.model.investigation_days + np.where(
            foreign, self.model.levers.mla_delay_days[country, home_country], 0)
        self.cross_border[ids] = foreign
        self.ready[ids] = step + delay
        self.penalty_weight[ids] = penalty_weight
        self.charged_on[ids] = -1
        self.status[ids] = PENDING
        self.n += k
        return ids

    @phase(COURTS)
    def courts(self, day) -> None:
        """Charge or release the investigated; decide today's court cases; log
        convictions, charges and releases."""
        d = day.decisions = self.advance(day.t, self.stream("courts"))
        self._today = {name: 0.0 for name in self.metrics
                       if name not in ("pending_cases", "awaiting_trial")}
        self._today["settlements"] = float(self._settled_today)
        self._today["charged"] = float(len(self._charged_today))
        c = self.model.mechanisms["couriers"].arrays
        if len(self._charged_today):
            who = self.courier[self._charged_today]
            cells = c.cell[who]
            self.model.events.add(day.t, "charge", cells, self.country[self._charged_today],
                                  c.commodity[who], 0.0, c.org[who], who)
        if len(d.case) == 0:
            return
        conv = d.outcome == CONVICTED
        court = d.outcome != NOT_CHARGED
        who = d.courier
        cells = c.cell[who]
        com = c.commodity[who]
        self.model.events.add(day.t, "conviction", cells[conv], d.country[conv], com[conv],
                              d.sentence_days[conv].astype(float), c.org[who][conv], who[conv])
        self.model.events.add(day.t, "release", cells[~conv], d.country[~conv], com[~conv],
                              0.0, c.org[who][~conv], who[~conv])
        cross = d.cross_border & court
        self._today.update(
            released_uncharged=float((~court).sum()),
            convictions=float(conv.sum()), cases_decided=float(court.sum()),
            case_days_total=float(d.case_days[court].sum()),
            cross_border_cases_decided=float(cross.sum()),
            cross_border_case_days_total=float(d.case_days[cross].sum()))

    def advance(self, step: int, rng: np.random.Generator) -> Decisions:
        """One day of the chain: investigations that end today are charged (with the
        country's evidence quality) or released; then each country's courts decide charged
        cases, first charged first, within their capacity.

        Returns the day's releases uncharged and court decisions (in that order); the
        cases charged today are in ``self._charged_today``.
        """
        m, levers = self.config.model, self.model.levers
        capacity = levers.court_cases_per_day
        self.credit += capacity
        status = self.status[: self.n]
        due = np.flatnonzero((status == PENDING) & (self.ready[: self.n] <= step))
        released = np.zeros(0, np.int64)
        self._charged_today = np.zeros(0, np.int64)
        if len(due):
            u_charge = rng.random(len(due))
            charged = u_charge < self.evidence[self.country[due].astype(np.int64)]
            self._charged_today = due[charged]
            released = due[~charged]
            self.status[self._charged_today] = CHARGED
            self.charged_on[self._charged_today] = step
            self.status[released] = NOT_CHARGED
        chosen = self._court_cases(capacity)
        if len(chosen):
            c = self.country[chosen].astype(np.int64)
            u_convict, u_sentence = rng.random((2, len(chosen)))
            convicted = u_convict < levers.conviction_rate[c]
            outcome = np.where(convicted, CONVICTED, ACQUITTED)
            mean_days = (levers.penalty_years[c] * DAYS_PER_YEAR * m.sentence_fraction
                         * self.penalty_weight[chosen])
            spread = m.sentence_spread
            sentence = np.where(convicted, np.rint(mean_days * (1.0 - 0.5 * spread + spread
                                                                * u_sentence)),
                                0).astype(np.int64)
            self.status[chosen] = outcome.astype(np.int8)
            # court-to-unit feedback: each decided case improves evidence practice
            decided = np.bincount(c, minlength=len(self.evidence))
            self.evidence += levers.court_feedback * decided * (m.evidence_max - self.evidence)
            np.minimum(self.evidence, m.evidence_max, out=self.evidence)
        else:
            outcome = sentence = np.zeros(0, np.int64)
        if len(released) == 0 and len(chosen) == 0:
            return Decisions()
        cases = np.concatenate([released, chosen])
        return Decisions(
            case=cases, courier=self.courier[cases].copy(),
            country=self.country[cases].astype(np.int64),
            outcome=np.concatenate([np.full(len(released), NOT_CHARGED), outcome]),
            sentence_days=np.concatenate([np.zeros(len(released), np.int64), sentence]),
            case_days=step - self.opened[cases], cross_border=self.cross_border[cases].copy())

    def _court_cases(self, capacity: np.ndarray) -> np.ndarray:
        """The charged cases each country's courts decide today (first charged first, ties
        by case id), using and capping the court credit."""
        queue = np.flatnonzero(self.status[: self.n] == CHARGED)
        if len(queue) == 0:
            np.minimum(self.credit, np.maximum(capacity, 1.0), out=self.credit)
            return queue
        order = np.lexsort((queue, self.charged_on[queue], self.country[queue]))
        queue = queue[order]
        ctry = self.country[queue].astype(np.int64)
        # rank within country (the queue is sorted by country first)
        starts = np.searchsorted(ctry, ctry, side="left")
        rank = np.arange(len(queue)) - starts
        allowed = np.floor(self.credit).astype(np.int64)
        take = rank < allowed[ctry]
        used = np.bincount(ctry[take], minlength=len(self.credit))
        self.credit -= used
        # unused credit does not bank beyond one day's capacity
        np.minimum(self.credit, np.maximum(capacity, 1.0), out=self.credit)
        return queue[take]

    def record(self, day, row: dict) -> None:
        row.update(self._today)
        row["pending_cases"] = float(self.pending)
        row["awaiting_trial"] = float(self.awaiting_trial)
