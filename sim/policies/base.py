"""The policy interface: the Policy base class and the lever registry.

A policy never edits a model. It computes levers: given the :class:`~sim.levers.Levers`
record as the timeline has built it so far, :meth:`Policy.apply` writes the policy's
changes into it. The timeline (:mod:`sim.policies.timeline`) rebuilds the record whenever
something on it starts, ends or ramps, and the model applies the fields that changed. So a
policy ends cleanly (its changes disappear from the next record) and policies compose: the
entries of the timeline are applied in order of their first day, then of their addition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.constants import DAYS_PER_YEAR
from sim.levers import Levers

if TYPE_CHECKING:  # pragma: no cover
    from sim.config import ModelConfig, PolicyConfig
    from sim.world import World


class Policy:
    """Base class of the policy levers. Subclasses set :attr:`lever`, :attr:`Params` and
    :attr:`doc`, and override :meth:`apply`.

    Parameters
    ----------
    name : str
        The policy's name in its package.
    config : PolicyConfig
        Validated policy config (``params`` already hold the lever's defaults).
    world : World
        The run's immutable layers (used to resolve countries, cells, units, communities).
    """

    lever: ClassVar[str] = ""
    """Registry name, used as ``lever:`` in the YAML."""
    Params: ClassVar[type] = object
    """Dataclass of the lever's parameters (fields made with :func:`sim.schema.spec`)."""
    doc: ClassVar[str] = ""
    """One line: the mechanism the lever acts through."""
    ramps: ClassVar[bool] = False
    """True when :meth:`apply` depends on the day (levers are then recomputed daily)."""

    def __init__(self, name: str, config: PolicyConfig, world: World):
        self.name = name
        self.config = config
        self.params = self.Params(**config.params)
        self.country_codes = world.resolve_countries(config.countries)
        """ISO3 codes of the participating countries (groups resolved for the scenario)."""
        self.countries = np.array([world.country_index(c) for c in self.country_codes],
                                  np.int64)
        self.member = np.zeros(world.n_countries, bool)
        self.member[self.countries] = True
        self.setup(world)

    @property
    def start(self) -> int:
        """First day in force (0 = from the start)."""
        return self.config.start

    @property
    def end(self) -> int | None:
        """First day no longer in force (None = to the end of the run)."""
        return self.config.end

    def setup(self, world: World) -> None:
        """Precompute what :meth:`apply` needs (called once, when the policy is created)."""

    @classmethod
    def check_config(cls, config: PolicyConfig, model_config: ModelConfig, path: str) -> None:
        """Checks that need the rest of the config (scenario, commodities); raise
        :class:`~sim.schema.ConfigError` naming ``path``. Default: none."""

    def active(self, t: int) -> bool:
        """Whether the policy is in force on day ``t``."""
        end = self.config.end
        return self.config.start <= t and (end is None or t < end)

    def apply(self, levers: Levers, t: int) -> None:
        """Write this policy's changes into ``levers`` for day ``t`` (called while active)."""

    def yearly_cost_usd(self) -> float:
        """Yearly cost (USD/year): the fixed cost, plus the cost per participating country
        times their number."""
        return float(self.config.cost_usd_per_year
                     + self.config.cost_usd_per_country_year * len(self.countries))

    def daily_cost_usd(self) -> float:
        """Cost of one day in force (USD)."""
        return self.yearly_cost_usd() / DAYS_PER_YEAR

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
