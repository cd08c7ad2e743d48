"""PolicySchedule: which policies are in force each day, and the levers they set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.config import PolicyPackageConfig
from sim.policies.base import LEVERS, Policy

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import TraffickingModel


class PolicySchedule:
    """The policies of a package, switched on and off by day.

    Parameters
    ----------
    package : PolicyPackageConfig
    model : TraffickingModel
        Fully built model; its current levers are taken as the scenario's own values.
    """

    def __init__(self, package: PolicyPackageConfig, model: TraffickingModel):
        self.package = package
        self.policies: list[Policy] = [LEVERS[pc.lever](name, pc, model)
                                       for name, pc in package.policies.items()]
        self.base = model.current_levers()
        self.levers = self.base.copy()
        self._active: tuple[int, ...] = ()

    def active(self, t: int) -> list[Policy]:
        """Policies in force on day ``t``, in package order."""
        return [p for p in self.policies if p.active(t)]

    def update(self, model: TraffickingModel, t: int) -> set[str]:
        """Recompute the levers for day ``t`` if needed and push changes into the model.

        Returns the names of the levers that changed (empty on most days).
        """
        on = tuple(i for i, p in enumerate(self.policies) if p.active(t))
        ramping = any(self.policies[i].ramps for i in on)
        if on == self._active and not ramping:
            return set()
        self._active = on
        levers = self.base.copy()
        for i in on:
            self.policies[i].apply(model, levers, t)
        changed = levers.changed(self.levers)
        self.levers = levers
        if changed:
            model.set_levers(levers, changed)
        return changed

    def act(self, model: TraffickingModel, t: int, today: dict) -> None:
        """Daily actions of the active policies."""
        for i in self._active:
            self.policies[i].act(model, t, today)

    def daily_cost_usd(self) -> float:
        """Cost (USD) of the policies in force today."""
        return float(sum(self.policies[i].daily_cost_usd() for i in self._active))

    def yearly_cost_usd(self) -> float:
        """Sum of the yearly costs of all the package's policies (USD/year)."""
        return float(sum(p.config.cost_usd_per_year for p in self.policies))
