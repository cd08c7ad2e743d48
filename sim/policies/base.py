"""The policy interface: levers, the Policy base class and the lever registry.

A policy never edits the model's state directly. Every day the model keeps a
:class:`Levers` record: the quantities policies may change (pursuit rights, patrol areas,
detection effectiveness, intelligence sharing, laws, courts, livelihoods, bribery,
task-force reach). When the set of active policies changes (or an active policy ramps
up), the record is reset to the scenario's own values and each active policy writes its
changes into it with :meth:`Policy.apply`; the model then derives everything that depends
on the levers (escape probabilities, detection hazards, route costs at the next plan).
A policy that must *act* rather than set a level does so in :meth:`Policy.act`, once a day
while active (the shipped levers all set levels; task forces set the probability with
which the model's arrests reach leaders).

So a policy ends cleanly (the levers return to the scenario's values) and policies
compose: a package is a list of policies applied in order.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config import PolicyConfig

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import TraffickingModel

DAYS_PER_YEAR = 365.0


@dataclass
class Levers:
    """Everything policies may change, as arrays over countries, cells, units, communities.

    Country arrays are indexed by the region's country index (context countries included).

    Attributes
    ----------
    pursuit_bits : int64 (C,)
        Bit ``b`` of ``pursuit_bits[a]``: country ``a``'s units may pursue into country ``b``.
    patrol_bits : int64 (C,)
        Bit ``b`` of ``patrol_bits[a]``: country ``a``'s patrols may operate in country ``b``.
    joint_border : bool (n_cells,)
        Cells on a border shared by partners of a joint operation (pooled patrol zone).
    joint_focus : float64 (C,)
        Extra patrol attraction of ``joint_border`` cells for country ``a``'s patrols.
    unit_effectiveness : float64 (n_units,)
        Detection multiplier per border unit (1 = scenario value).
    intel_share : bool (C, C)
        ``intel_share[k, j]``: country ``k``'s patrols see country ``j``'s seizures.
    intel_delay_days : int64 (C, C)
        Reporting delay (days) of country ``j``'s seizures to country ``k``.
    penalty_years, conviction_rate, bribe_acceptance : float64 (C,)
        Maximum penalty (years), P(conviction | charged), P(a unit accepts a bribe).
    court_cases_per_day : float64 (C,)
        Court throughput (cases/day).
    court_feedback : float64 (C,)
        Evidence-quality gain per decided case.
    mla_delay_days : int64 (C, C)
        Extra days when arresting country ``a`` needs assistance from country ``b``.
    livelihood : float64 (K,)
        Legal income index of each community (0-1).
    trust_target : float64 (K,)
        Level each community's trust recovers towards (0-1).
    leader_hit_prob : float64 (C, n_commodities)
        P(an arrest in country ``a`` of a courier of commodity ``c`` leads a vetted unit to a
        leader of the courier's organisation).
    """

    pursuit_bits: np.ndarray
    patrol_bits: np.ndarray
    joint_border: np.ndarray
    joint_focus: np.ndarray
    unit_effectiveness: np.ndarray
    intel_share: np.ndarray
    intel_delay_days: np.ndarray
    penalty_years: np.ndarray
    conviction_rate: np.ndarray
    bribe_acceptance: np.ndarray
    court_cases_per_day: np.ndarray
    court_feedback: np.ndarray
    mla_delay_days: np.ndarray
    livelihood: np.ndarray
    trust_target: np.ndarray
    leader_hit_prob: np.ndarray

    def copy(self) -> Levers:
        """A deep copy (arrays copied)."""
        return Levers(**{f.name: getattr(self, f.name).copy()
                         for f in dataclasses.fields(self)})

    def changed(self, other: Levers) -> set[str]:
        """Names of the levers whose values differ from ``other``'s."""
        return {f.name for f in dataclasses.fields(self)
                if not np.array_equal(getattr(self, f.name), getattr(other, f.name))}


class Policy:
    """Base class of the policy levers. Subclasses set :attr:`lever`, :attr:`Params` and
    :attr:`doc`, and override :meth:`apply` and/or :meth:`act`.

    Parameters
    ----------
    config : PolicyConfig
        Validated policy config (``params`` already hold the lever's defaults).
    model : TraffickingModel
        The model, fully built (used to resolve countries to indices and cells).
    """

    lever: ClassVar[str] = ""
    """Registry name, used as ``lever:`` in the YAML."""
    Params: ClassVar[type] = object
    """Dataclass of the lever's parameters (fields made with :func:`sim.config.spec`)."""
    doc: ClassVar[str] = ""
    """One line: the mechanism the lever acts through."""
    ramps: ClassVar[bool] = False
    """True when :meth:`apply` depends on the day (levers are then recomputed daily)."""

    def __init__(self, name: str, config: PolicyConfig, model: TraffickingModel):
        self.name = name
        self.config = config
        self.params = self.Params(**config.params)
        self.countries = np.array([model.region.country_index(c) for c in config.countries],
                                  np.int64)
        self.member = np.zeros(model.n_countries, bool)
        self.member[self.countries] = True
        self.setup(model)

    def setup(self, model: TraffickingModel) -> None:
        """Precompute what :meth:`apply` needs (called once, after the model is built)."""

    @classmethod
    def check_config(cls, config: PolicyConfig, model_config, path: str) -> None:
        """Checks that need the rest of the config (scenario, commodities); raise
        :class:`~sim.config.ConfigError` naming ``path``. Default: none."""

    def active(self, t: int) -> bool:
        """Whether the policy is in force on day ``t``."""
        end = self.config.end
        return self.config.start <= t and (end is None or t < end)

    def apply(self, model: TraffickingModel, levers: Levers, t: int) -> None:
        """Write this policy's changes into ``levers`` (called while active)."""

    def act(self, model: TraffickingModel, t: int, today: dict) -> None:
        """Daily action while active, after the day's arrests (default: none)."""

    def daily_cost_usd(self) -> float:
        """Cost of one day in force (USD)."""
        return self.config.cost_usd_per_year / DAYS_PER_YEAR

    def ramp(self, t: int, days: int) -> float:
        """Share of full effect reached on day ``t`` with a linear ramp-up of ``days``."""
        if days <= 0:
            return 1.0
        first = max(self.config.start, 1)  # days are numbered from 1
        return float(min(max((t - first + 1) / days, 0.0), 1.0))


LEVERS: dict[str, type[Policy]] = {}
"""Lever name -> Policy subclass. Filled by :func:`register`."""


def register(cls: type[Policy]) -> type[Policy]:
    """Class decorator adding a lever to :data:`LEVERS`."""
    if not cls.lever or cls.lever in LEVERS:
        raise ValueError(f"lever name {cls.lever!r} missing or registered twice")
    LEVERS[cls.lever] = cls
    return cls


def pair_bits(countries: np.ndarray) -> np.int64:
    """Bit mask with the bits of ``countries`` set."""
    return np.int64(np.bitwise_or.reduce(np.int64(1) << countries.astype(np.int64)))
