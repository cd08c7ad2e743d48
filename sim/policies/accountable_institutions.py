"""Accountable institutions: lower bribe acceptance among border and police units.

Seed: WACSI goal 1. Baseline bribe acceptance follows Transparency International's
Corruption Perceptions Index 2024 (FACTS.md §6; see configs/scenario/west_africa.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.levers import Levers
from sim.policies.base import Policy, register
from sim.schema import spec


@dataclass(frozen=True)
class AccountableInstitutionsParams:
    """Parameters of :class:`AccountableInstitutions`."""

    bribe_reduction: float = spec(0, 1, default=0.5,
                                  doc="relative fall of P(a detecting unit accepts a bribe)")


@register
class AccountableInstitutions(Policy):
    """Oversight, vetting and asset declarations make units refuse more bribes."""

    lever = "accountable_institutions"
    Params = AccountableInstitutionsParams
    doc = "bribe acceptance of the partners' units falls: fewer bribed passages"

    def apply(self, levers: Levers, t: int) -> None:
        levers.bribe_acceptance[self.countries] *= 1.0 - self.params.bribe_reduction
