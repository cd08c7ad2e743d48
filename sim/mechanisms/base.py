"""The mechanism interface: what a mechanism owns, when it acts, what it reports.

A mechanism is one module of :mod:`sim.mechanisms` holding one :class:`Mechanism`
subclass decorated with :func:`register`. It owns its state (arrays, Mesa agents), draws
only from its own named random streams (:attr:`Mechanism.streams`, from
:meth:`TraffickingModel.stream`), reads the lever fields it declares
(:attr:`Mechanism.reads`) from ``model.levers``, and reports the metrics it declares
(:attr:`Mechanism.metrics`, defined in :mod:`sim.metrics`). Its methods marked with
:func:`phase` run every day in the order of their keys; the phases of all mechanisms
together are the model's declared daily order (:func:`daily_order`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # pragma: no cover
    from sim.config import ModelConfig
    from sim.levers import Levers
    from sim.mechanisms.day import Day
    from sim.model import TraffickingModel

# The daily order of the shipped phases (DESIGN.md §2). A new phase takes a key between two
# of these; phases with equal keys run in mechanism set-up order.
PLAN = 10.0
"""Organisations replace lost leaders and plan routes."""
DISPATCH = 20.0
"""Couriers ready for a trip load up and set off."""
MOVE = 30.0
"""Couriers move along their routes (kernel)."""
TIPS = 35.0
"""Communities' tips for the day."""
PATROL = 40.0
"""Patrols move and are re-tasked (kernel)."""
DETECT = 50.0
"""Units detect couriers along the day's paths (kernel)."""
SETTLE = 55.0
"""Stopped couriers stay where they were stopped."""
OUTCOMES = 56.0
"""Bribes, escapes, seizures and arrests are recorded."""
INTAKE = 57.0
"""Arrests open court cases."""
RESOLVE = 58.0
"""Arrested couriers are detained; loads are delivered."""
TALLY = 59.0
"""Organisations count the day's lost and delivered loads (their load sizes follow)."""
ARMED = 60.0
"""Armed groups take their tolls and site taxes; their strength and zones follow revenue."""
LEADERS = 65.0
"""Arrests may lead task forces to organisation leaders."""
COURTS = 70.0
"""Courts decide cases."""
CUSTODY = 75.0
"""Sentences start and end, the released go home, returning couriers arrive."""
COMMUNITIES = 80.0
"""Community trust and earnings change."""
TURNOVER = 85.0
"""Couriers quit; organisations recruit."""
LEARN = 90.0
"""Seizure heat and organisations' risk memory are updated."""


def phase(order: float) -> Callable:
    """Mark a method ``f(self, day)`` as a daily phase with key ``order``."""
    def mark(fn: Callable) -> Callable:
        fn.phase_order = float(order)
        return fn
    return mark


class Mechanism:
    """Base class of the model's mechanisms.

    Parameters
    ----------
    model : TraffickingModel
        The model being built: ``model.world``, ``model.config``, ``model.levers``,
        ``model.events`` and ``model.stream(name)`` are available; other mechanisms may not
        be built yet (use :meth:`start` for what needs them).
    """

    name: ClassVar[str] = ""
    """Registry name; other mechanisms reach this one as ``model.mechanisms[name]``."""
    setup_order: ClassVar[float] = 100.0
    """Mechanisms are built, and started, in this order."""
    streams: ClassVar[tuple[str, ...]] = ()
    """Purposes of the random streams it draws from; stream ``p`` is the model's stream
    ``"<name>.<p>"`` (:meth:`stream`)."""
    reads: ClassVar[frozenset[str]] = frozenset()
    """Lever fields it reads; :meth:`on_levers` is called when one of them changes."""
    metrics: ClassVar[tuple[str, ...]] = ()
    """Metrics (names in :data:`sim.metrics.METRICS`) it reports in :meth:`record`."""

    def __init__(self, model: TraffickingModel):
        self.model = model
        self.world = model.world
        self.config = model.config

    def stream(self, purpose: str):
        """This mechanism's random stream for ``purpose`` (one of :attr:`streams`)."""
        return self.model.stream(f"{self.name}.{purpose}")

    @classmethod
    def enabled(cls, config: ModelConfig) -> bool:
        """Whether the mechanism takes part in a run of ``config`` (default: always)."""
        return True

    def start(self) -> None:
        """Called once every mechanism is built, in :attr:`setup_order`."""

    def on_levers(self, levers: Levers, changed: set[str]) -> None:
        """Refresh what depends on the levers in :attr:`reads` that ``changed``."""

    def record(self, day: Day, row: dict) -> None:
        """Write today's value of each metric in :attr:`metrics` into ``row``."""


MECHANISMS: dict[str, type[Mechanism]] = {}
"""Mechanism name -> class, filled by :func:`register`."""


def register(cls: type[Mechanism]) -> type[Mechanism]:
    """Class decorator adding a mechanism to :data:`MECHANISMS`."""
    if not cls.name or cls.name in MECHANISMS:
        raise ValueError(f"mechanism name {cls.name!r} missing or registered twice")
    MECHANISMS[cls.name] = cls
    return cls


def mechanisms_for(config: ModelConfig) -> list[type[Mechanism]]:
    """The enabled mechanism classes, in set-up order (then name)."""
    classes = [c for c in MECHANISMS.values() if c.enabled(config)]
    return sorted(classes, key=lambda c: (c.setup_order, c.name))


def daily_order(mechanisms: list[Mechanism]) -> list[tuple[float, str, Callable]]:
    """Every phase of the given mechanisms as ``(key, "mechanism.method", bound method)``,
    sorted by key, then by the mechanisms' order in ``mechanisms``."""
    phases = []
    for rank, mech in enumerate(mechanisms):
        for attr in dir(type(mech)):
            fn = getattr(type(mech), attr)
            if callable(fn) and hasattr(fn, "phase_order"):
                phases.append((fn.phase_order, rank, f"{mech.name}.{attr}", getattr(mech, attr)))
    phases.sort(key=lambda p: (p[0], p[1]))
    return [(key, label, fn) for key, _, label, fn in phases]
