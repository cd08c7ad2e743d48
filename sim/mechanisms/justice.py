"""The justice chain: cases opened by arrests, court queues, charging, conviction, sentences.

An arrest opens a case in the arresting country. It becomes ready for court after an
investigation delay, plus a mutual-legal-assistance/extradition delay when the suspect is
from another country (the ``mla_delay_days`` lever). Each country's courts decide at most
``court_cases_per_day`` ready cases a day, oldest first. A decided case is charged with the
country's evidence quality and convicted with its conviction rate; sentences follow the
national maximum penalty. Decisions feed back into evidence quality (the court-to-unit
feedback the ACSS seminar asks for). Attrition defaults follow NDLEA 2023 (FACTS.md §5).
"""

from __future__ import annotations

import numpy as np

from sim.constants import DAYS_PER_YEAR
from sim.mechanisms.base import COURTS, INTAKE, Mechanism, phase, register
from sim.mechanisms.day import Decisions

PENDING = 0
NOT_CHARGED = 1
ACQUITTED = 2
CONVICTED = 3


@register
class Justice(Mechanism):
    """Court queues of all core countries.

    State: the case table (one row per case ever opened: courier, country, day opened, day
    ready, penalty weight, status, cross-border flag), each country's unused court credit
    (cases/day) and evidence quality (P(charge | decided)).
    """

    name = "justice"
    setup_order = 30.0
    streams = ("courts",)
    reads = frozenset({"penalty_years", "conviction_rate", "court_cases_per_day",
                       "court_feedback", "mla_delay_days"})
    metrics = ("convictions", "cases_decided", "case_days_total", "cross_border_cases_decided",
               "cross_border_case_days_total", "pending_cases")

    _COLUMNS = {"courier": np.int64, "country": np.int16, "opened": np.int64,
                "ready": np.int64, "penalty_weight": np.float64, "status": np.int8,
                "cross_border": bool}

    def __init__(self, model):
        super().__init__(model)
        c = self.world.n_countries
        self.evidence = np.full(c, self.config.model.charge_prob)
        """Evidence quality per country = P(charge | case decided)."""
        self.credit = np.zeros(c)
        """Court capacity not yet used (cases), per country."""
        for name, dtype in self._COLUMNS.items():
            setattr(self, name, np.zeros(1024, dtype))
        self.n = 0
        """Cases opened so far (rows in use)."""

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
        """Cases not yet decided."""
        return int(np.count_nonzero(self.status[: self.n] == PENDING))

    # ------------------------------------------------------------------ phases

    @phase(INTAKE)
    def intake(self, day) -> None:
        """Open one case per arrest of the day in the arresting country."""
        who = day.seized
        if len(who) == 0:
            return
        w = self.world
        c = self.model.mechanisms["couriers"].arrays
        home = w.community_country[c.community[who]]
        pw = w.commodity_table["penalty_weight"][c.commodity[who]]
        self.open_cases(day.t, who, w.country[c.cell[who]], home, pw)

    def open_cases(self, step: int, couriers: np.ndarray, country: np.ndarray,
                   home_country: np.ndarray, penalty_weight: np.ndarray) -> np.ndarray:
        """Open one case per arrest; returns the case ids.

        Cases whose suspect's home country differs from the arresting country wait the
        pair's mutual-legal-assistance delay on top of the investigation.
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
        self.status[ids] = PENDING
        self.n += k
        return ids

    @phase(COURTS)
    def courts(self, day) -> None:
        """Decide today's cases and log convictions and releases."""
        d = day.decisions = self.advance(day.t, self.stream("courts"))
        self._today = {name: 0.0 for name in self.metrics if name != "pending_cases"}
        if len(d.case) == 0:
            return
        c = self.model.mechanisms["couriers"].arrays
        conv = d.outcome == CONVICTED
        who = d.courier
        cells = c.cell[who]
        com = c.commodity[who]
        self.model.events.add(day.t, "conviction", cells[conv], d.country[conv], com[conv],
                              d.sentence_days[conv].astype(float), c.org[who][conv], who[conv])
        self.model.events.add(day.t, "release", cells[~conv], d.country[~conv], com[~conv],
                              0.0, c.org[who][~conv], who[~conv])
        self._today.update(
            convictions=float(conv.sum()), cases_decided=float(len(d.case)),
            case_days_total=float(d.case_days.sum()),
            cross_border_cases_decided=float(d.cross_border.sum()),
            cross_border_case_days_total=float(d.case_days[d.cross_border].sum()))

    def advance(self, step: int, rng: np.random.Generator) -> Decisions:
        """Decide today's cases, oldest-ready first, within each country's capacity."""
        m, levers = self.config.model, self.model.levers
        capacity = levers.court_cases_per_day
        self.credit += capacity
        status = self.status[: self.n]
        ready = np.flatnonzero((status == PENDING) & (self.ready[: self.n] <= step))
        if len(ready) == 0:
            np.minimum(self.credit, np.maximum(capacity, 1.0), out=self.credit)
            return Decisions()
        order = np.lexsort((ready, self.ready[ready], self.country[ready]))
        ready = ready[order]
        ctry = self.country[ready].astype(np.int64)
        # rank within country (ready is sorted by country first)
        starts = np.searchsorted(ctry, ctry, side="left")
        rank = np.arange(len(ready)) - starts
        allowed = np.floor(self.credit).astype(np.int64)
        take = rank < allowed[ctry]
        chosen = ready[take]
        used = np.bincount(ctry[take], minlength=len(self.credit))
        self.credit -= used
        # unused credit does not bank beyond one day's capacity
        np.minimum(self.credit, np.maximum(capacity, 1.0), out=self.credit)
        if len(chosen) == 0:
            return Decisions()
        c = self.country[chosen].astype(np.int64)
        u_charge, u_convict, u_sentence = rng.random((3, len(chosen)))
        charged = u_charge < self.evidence[c]
        convicted = charged & (u_convict < levers.conviction_rate[c])
        outcome = np.where(convicted, CONVICTED, np.where(charged, ACQUITTED, NOT_CHARGED))
        mean_days = (levers.penalty_years[c] * DAYS_PER_YEAR * m.sentence_fraction
                     * self.penalty_weight[chosen])
        spread = m.sentence_spread
        sentence = np.where(convicted, np.rint(mean_days * (1.0 - 0.5 * spread + spread
                                                            * u_sentence)), 0).astype(np.int64)
        self.status[chosen] = outcome.astype(np.int8)
        # court-to-unit feedback: each decided case improves evidence practice
        decided = np.bincount(c, minlength=len(self.evidence))
        self.evidence += levers.court_feedback * decided * (m.evidence_max - self.evidence)
        np.minimum(self.evidence, m.evidence_max, out=self.evidence)
        return Decisions(case=chosen, courier=self.courier[chosen].copy(), country=c,
                         outcome=outcome, sentence_days=sentence,
                         case_days=step - self.opened[chosen],
                         cross_border=self.cross_border[chosen].copy())

    def record(self, day, row: dict) -> None:
        row.update(self._today)
        row["pending_cases"] = float(self.pending)
