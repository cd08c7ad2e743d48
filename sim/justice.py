"""The justice chain: cases opened by arrests, court queues, charging, conviction, sentences.

An arrest opens a case in the arresting country. It becomes ready for court after an
investigation delay, plus a mutual-legal-assistance/extradition delay when the suspect
is from another country. Each country's courts decide at most ``court_cases_per_day``
ready cases a day, oldest first. A decided case is charged with the country's evidence
quality and convicted with its conviction rate; sentences follow the national maximum
penalty. Decisions feed back into evidence quality (the court-to-unit feedback the ACSS
seminar asks for). Attrition defaults follow NDLEA 2023 (FACTS.md §5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAYS_PER_YEAR = 365.0
EVIDENCE_MAX = 0.95
"""Upper bound of evidence quality (P(charge))."""

PENDING = 0
NOT_CHARGED = 1
ACQUITTED = 2
CONVICTED = 3


@dataclass
class Decisions:
    """Cases decided on one day (arrays of equal length)."""

    case: np.ndarray
    courier: np.ndarray
    country: np.ndarray
    outcome: np.ndarray
    sentence_days: np.ndarray
    case_days: np.ndarray
    cross_border: np.ndarray
    """True for cases that needed mutual legal assistance (foreign suspect)."""


class JusticeSystem:
    """Court queues of all core countries.

    Parameters
    ----------
    n_countries : int
        Countries in the region (indices as in the region's country layer).
    capacity_per_day, conviction_rate, penalty_years : numpy.ndarray, shape (n_countries,)
        Court throughput (cases/day), P(conviction | charged), maximum penalty (years).
    evidence : numpy.ndarray, shape (n_countries,)
        Initial evidence quality = P(charge | case decided).
    """

    def __init__(self, n_countries: int, capacity_per_day: np.ndarray,
                 conviction_rate: np.ndarray, penalty_years: np.ndarray,
                 evidence: np.ndarray, investigation_days: int, mla_delay_days: np.ndarray,
                 sentence_fraction: float, court_feedback: float | np.ndarray):
        self.capacity_per_day = capacity_per_day.astype(np.float64).copy()
        self.conviction_rate = conviction_rate.astype(np.float64).copy()
        self.penalty_years = penalty_years.astype(np.float64).copy()
        self.evidence = evidence.astype(np.float64).copy()
        self.investigation_days = int(investigation_days)
        self.mla_delay_days = mla_delay_days.astype(np.int64).copy()
        """(n_countries, n_countries) extra days when arresting country a needs country b."""
        self.sentence_fraction = float(sentence_fraction)
        self.court_feedback = np.broadcast_to(
            np.asarray(court_feedback, np.float64), (n_countries,)).copy()
        """Evidence-quality gain per decided case, per country."""
        self.credit = np.zeros(n_countries)
        cap = 1024
        self.courier = np.zeros(cap, np.int64)
        self.country = np.zeros(cap, np.int16)
        self.opened = np.zeros(cap, np.int64)
        self.ready = np.zeros(cap, np.int64)
        self.penalty_weight = np.zeros(cap, np.float64)
        self.status = np.zeros(cap, np.int8)
        self.cross_border = np.zeros(cap, bool)
        self.n = 0

    def _grow(self, need: int) -> None:
        cap = self.courier.shape[0]
        if need <= cap:
            return
        new = max(need, 2 * cap)
        for name in ("courier", "country", "opened", "ready", "penalty_weight", "status",
                     "cross_border"):
            old = getattr(self, name)
            arr = np.zeros(new, old.dtype)
            arr[:cap] = old
            setattr(self, name, arr)

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
        delay = self.investigation_days + np.where(
            foreign, self.mla_delay_days[country, home_country], 0)
        self.cross_border[ids] = foreign
        self.ready[ids] = step + delay
        self.penalty_weight[ids] = penalty_weight
        self.status[ids] = PENDING
        self.n += k
        return ids

    @property
    def pending(self) -> int:
        """Cases not yet decided."""
        return int(np.count_nonzero(self.status[: self.n] == PENDING))

    def pending_by_country(self, n_countries: int) -> np.ndarray:
        """Undecided cases per country index."""
        open_ = self.status[: self.n] == PENDING
        return np.bincount(self.country[: self.n][open_], minlength=n_countries)

    def advance(self, step: int, rng: np.random.Generator) -> Decisions:
        """Decide today's cases, oldest-ready first, within each country's capacity."""
        self.credit += self.capacity_per_day
        status = self.status[: self.n]
        ready = np.flatnonzero((status == PENDING) & (self.ready[: self.n] <= step))
        if len(ready) == 0:
            np.minimum(self.credit, np.maximum(self.capacity_per_day, 1.0), out=self.credit)
            return _no_decisions()
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
        np.minimum(self.credit, np.maximum(self.capacity_per_day, 1.0), out=self.credit)
        if len(chosen) == 0:
            return _no_decisions()
        c = self.country[chosen].astype(np.int64)
        u_charge, u_convict, u_sentence = rng.random((3, len(chosen)))
        charged = u_charge < self.evidence[c]
        convicted = charged & (u_convict < self.conviction_rate[c])
        outcome = np.where(convicted, CONVICTED, np.where(charged, ACQUITTED, NOT_CHARGED))
        mean_days = (self.penalty_years[c] * DAYS_PER_YEAR * self.sentence_fraction
                     * self.penalty_weight[chosen])
        sentence = np.where(convicted, np.rint(mean_days * (0.5 + u_sentence)), 0).astype(
            np.int64)
        self.status[chosen] = outcome.astype(np.int8)
        # court-to-unit feedback: each decided case improves evidence practice
        decided = np.bincount(c, minlength=len(self.evidence))
        self.evidence += self.court_feedback * decided * (EVIDENCE_MAX - self.evidence)
        np.minimum(self.evidence, EVIDENCE_MAX, out=self.evidence)
        return Decisions(case=chosen, courier=self.courier[chosen].copy(), country=c,
                         outcome=outcome, sentence_days=sentence,
                         case_days=step - self.opened[chosen],
                         cross_border=self.cross_border[chosen].copy())


def _no_decisions() -> Decisions:
    e = np.zeros(0, np.int64)
    return Decisions(case=e, courier=e, country=e, outcome=e, sentence_days=e, case_days=e,
                     cross_border=np.zeros(0, bool))
