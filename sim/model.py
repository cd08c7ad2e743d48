"""TraffickingModel: the random generator, the declared daily order, stepping and recording.

Everything else lives in the mechanisms (:mod:`sim.mechanisms`), each owning its state,
random streams, levers and metrics. One step is one day (days are numbered from 1): the
timeline's levers for the day are applied, then the mechanisms' phases run in their
declared order (:func:`sim.mechanisms.daily_order`; DESIGN.md §2 and docs/ODD.md §3):
organisations replace lost leaders and plan routes -> couriers are dispatched and move
(kernel) -> communities' tips -> patrols move and are re-tasked (kernel) -> detection
(kernel) -> outcomes: bribes, escapes, seizures and arrests -> arrests open cases ->
deliveries -> task forces reach leaders -> courts decide -> custody -> communities update
-> couriers quit and are recruited -> seizure heat and risk memory are learned -> metrics
are recorded. The model is a function of a :class:`~sim.config.ModelConfig` and its seed:
it never reads user files, imports Hydra or touches global random state. Build it with
:func:`sim.simulate.build`.
"""

from __future__ import annotations

import hashlib
from functools import partial
from typing import Any

import mesa
import numpy as np

from sim.config import ConfigError, ModelConfig, PolicyConfig, make_config, replace
from sim.events import EventLog
from sim.kernels import get_kernels
from sim.levers import Levers
from sim.mechanisms import daily_order, mechanisms_for
from sim.mechanisms.day import Day
from sim.metrics import metric_names
from sim.policies.timeline import LeverSet, PolicyChange, TimedChange, Timeline
from sim.region.grid import RegionGrid
from sim.world import World


def stream_key(name: str) -> int:
    """A stable 64-bit key of a stream name (BLAKE2b; the same in every process)."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(),
                          "little")


def _reporter(name: str, model: TraffickingModel) -> float:
    """DataCollector reporter for metric ``name`` (a named function keeps models picklable)."""
    return model.latest[name]


class TraffickingModel(mesa.Model):
    """Agent-based model of trafficking routes, enforcement, communities and courts.

    Parameters
    ----------
    config : ModelConfig, optional
        Full validated configuration. Default: the shipped ``scenario``.
    rng : int or numpy.random.Generator, optional
        Seed (default ``config.seed``); it becomes ``config.seed``, so the seed recorded in
        every output is the one that drove the run. A Generator gives one draw as the seed.
    scenario : str, optional
        Name of a shipped scenario, used when ``config`` is not given
        (default ``"west_africa"``).
    region : RegionGrid, optional
        Pre-built region (default: built from the config, memoised).
    **overrides
        Dotted config paths and values, e.g. ``**{"model.route_noise": 0.5}`` or
        ``steps=30``; this is how :func:`mesa.batch_run` varies parameters.

    Raises
    ------
    ConfigError
        For any invalid value, before anything is simulated.
    """

    def __init__(self, config: ModelConfig | None = None, *, rng: Any = None,
                 scenario: str | None = None, region: RegionGrid | None = None,
                 **overrides: Any):
        config = _resolve_config(config, rng, scenario, overrides)
        super().__init__(rng=config.seed)
        self.config = config
        self._streams: dict[str, np.random.Generator] = {}
        self.world = World(config, region)
        self.levers: Levers = self.world.base_levers(config)
        """The levers in force (frozen: change them through the timeline)."""
        self.events = EventLog()
        self.mechanisms = {}
        """Mechanism name -> mechanism, in set-up order."""
        classes = mechanisms_for(config)
        self.stream_names = tuple(f"{cls.name}.{s}" for cls in classes for s in cls.streams)
        """Every named random stream of the run (``"<mechanism>.<purpose>"``)."""
        for cls in classes:
            self.mechanisms[cls.name] = cls(self)
        self.timeline = Timeline(config.policy, self.world, self.levers, config.shock)
        for mech in self.mechanisms.values():
            mech.start()
        self.phases = daily_order(list(self.mechanisms.values()))
        """The declared daily order: ``(key, "mechanism.phase", method)``, in order."""
        self.metrics_in_use = [name for mech in self.mechanisms.values()
                               for name in mech.metrics] + ["policy_cost_usd"]
        """Metrics the mechanisms (and the timeline's cost) report."""
        self.metric_names = metric_names(self.world.commodity_names, self.metrics_in_use,
                                         self.world.armed.names)
        """Time-series columns, in :data:`sim.metrics.METRICS` order."""
        self.latest = dict.fromkeys(self.metric_names, 0.0)
        self.datacollector = mesa.DataCollector(model_reporters={
            name: partial(_reporter, name) for name in self.metric_names})
        self.running = config.steps > 0

    # ------------------------------------------------------------------ streams, kernels

    def stream(self, name: str) -> np.random.Generator:
        """The random stream called ``name`` (one of :attr:`stream_names`).

        A child of the model generator's seed sequence, keyed by the name: its draws depend
        on the seed and the name only, so adding a mechanism (or a stream) shifts no other
        stream, and every package run with one seed sees the same streams.
        """
        if name not in self._streams:
            if name not in self.stream_names:
                raise KeyError(f"no random stream {name!r}; declared: "
                               f"{', '.join(self.stream_names)}")
            root = self.rng.bit_generator.seed_seq
            seq = np.random.SeedSequence(root.entropy,
                                         spawn_key=(*root.spawn_key, stream_key(name)))
            self._streams[name] = np.random.Generator(np.random.PCG64(seq))
        return self._streams[name]

    @property
    def kernels(self):
        """The kernel set of ``config.engine`` (numba kernels or their Python twins)."""
        return get_kernels(self.config.engine)

    # ------------------------------------------------------------------ stepping

    def step(self) -> None:
        """Advance one day (see the module docstring for the order)."""
        t = self.steps
        levers, changed = self.timeline.levers_for(t)
        if changed:
            self._apply_levers(levers, changed)
        day = Day(t)
        for _, _, fn in self.phases:
            fn(day)
        self._record(day)
        self.running = t < self.config.steps

    def _apply_levers(self, levers: Levers, changed: set[str]) -> None:
        self.levers = levers
        for mech in self.mechanisms.values():
            if mech.reads & changed:
                mech.on_levers(levers, changed)

    def _record(self, day: Day) -> None:
        row: dict[str, float] = {}
        for mech in self.mechanisms.values():
            mech.record(day, row)
        row["policy_cost_usd"] = self.timeline.daily_cost_usd(day.t)
        self.latest = row
        self.datacollector.collect(self)

    def run(self, steps: int | None = None) -> TraffickingModel:
        """Run ``steps`` days (default: until ``config.steps``); returns ``self``."""
        target = self.config.steps if steps is None else self.steps + steps
        while self.running and self.steps < target:
            self.step()
        return self

    def advance(self, days: int) -> TraffickingModel:
        """Run ``days`` more days, past ``config.steps`` if need be; returns ``self``."""
        if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days < 0:
            raise ConfigError(f"days = {days!r} is not allowed: must be an integer >= 0")
        for _ in range(int(days)):
            self.step()
        return self

    # ------------------------------------------------------------------ control

    @property
    def next_day(self) -> int:
        """The day the next step simulates."""
        return self.steps + 1

    def add_change(self, change: TimedChange | dict) -> TimedChange:
        """Put a timed change (or its spec) on the timeline; it must not start in the past.

        Every change added this way is logged (``model.timeline.log``): the config plus that
        log reproduce the run exactly (:func:`sim.simulate.simulate` ``changes=``).
        """
        if isinstance(change, dict):
            change = TimedChange.from_spec(change, self.world, self.config)
        if self.steps > 0 and change.start < self.next_day:
            raise ConfigError(f"change.start = {change.start} is not allowed: the model has "
                              f"run {self.steps} days; must be >= {self.next_day}")
        self.timeline.add(change)
        return change

    def add_policy(self, name: str, policy: PolicyConfig | dict) -> TimedChange:
        """Add a policy to the running model (a decision), from its next day by default.

        ``policy`` is a :class:`~sim.config.PolicyConfig` or its mapping (as in a policy
        YAML file); a mapping without ``start`` starts on :attr:`next_day`.
        """
        if isinstance(policy, dict):
            policy = {"start": self.next_day if self.steps else 0, "end": None, **policy}
        return self.add_change(PolicyChange.checked(name, policy, self.world, self.config))

    def set_lever(self, lever: str, value: Any, where: list | None = None,
                  start: int | None = None, end: int | None = None) -> TimedChange:
        """Set a lever from day ``start`` (default: the next day) until ``end`` (default:
        for good, or until a later change sets it again). See
        :class:`~sim.policies.timeline.LeverSet` for ``value`` and ``where``."""
        start = self.next_day if start is None else start
        return self.add_change(LeverSet(self.world, lever, value, where, start, end))


def _resolve_config(config: ModelConfig | None, rng: Any, scenario: str | None,
                    overrides: dict) -> ModelConfig:
    """The config a model is built from: the given or shipped one, the seed, overrides."""
    if config is None:
        config = make_config(scenario or "west_africa")
    elif scenario is not None and scenario != config.scenario.name:
        raise ConfigError(f"scenario = {scenario!r} conflicts with config.scenario.name = "
                          f"{config.scenario.name!r}: pass one or the other")
    if isinstance(rng, np.random.Generator):
        overrides["seed"] = int(rng.integers(0, 2**63 - 1))
    elif isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        overrides["seed"] = int(rng)
    elif rng is not None:
        raise ConfigError(f"rng = {rng!r} is not allowed: must be an integer seed or a "
                          f"numpy.random.Generator")
    return replace(config, **overrides) if overrides else config
