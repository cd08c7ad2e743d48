"""The timeline: every timed change of levers in one place.

Scheduled policies, the run's shock, policies added to a running model (a tabletop
decision), and direct settings of a lever (an inject, a user's hand) are all
:class:`TimedChange` entries with a first day and an optional last one. On any day the
levers are the scenario's own values with every entry in force applied in order of its first
day, then of its addition. So a lever keeps the value it was last given, by whatever entry,
until a later entry changes it again; an entry that ends takes its changes with it; and a
run is reproduced exactly by its config plus the log of the entries added while it ran
(:attr:`Timeline.log`, replayed by :meth:`TimedChange.from_spec`).
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.config import ModelConfig, PolicyConfig, ShockConfig, check_policy
from sim.levers import LEVER_NAMES, Levers, lever_dtype, lever_index
from sim.policies.base import LEVERS, Policy
from sim.schema import ConfigError, from_dict
from sim.world import PATROL, POST

if TYPE_CHECKING:  # pragma: no cover
    from sim.config import PolicyPackageConfig
    from sim.world import World


class TimedChange(ABC):
    """One entry of the timeline: changes to the levers from day :attr:`start` until the day
    before :attr:`end` (``None`` = to the end of the run)."""

    kind: ClassVar[str] = ""
    """Name of the entry type in a spec (``"policy"`` or ``"set"``)."""
    ramps: bool = False
    """True when :meth:`apply` depends on the day (levers are recomputed daily)."""
    start: int
    end: int | None

    def active(self, t: int) -> bool:
        """Whether the change is in force on day ``t``."""
        return self.start <= t and (self.end is None or t < self.end)

    def phase(self, t: int) -> tuple:
        """What of the change is in force on day ``t`` while it is active (the timeline
        rebuilds the levers when it changes); one phase unless parts start later."""
        return ()

    @abstractmethod
    def apply(self, levers: Levers, t: int) -> None:
        """Write the change into ``levers`` for day ``t``."""

    def daily_cost_usd(self) -> float:
        """Cost of one day in force (USD)."""
        return 0.0

    def yearly_cost_usd(self) -> float:
        """Yearly cost as configured (USD/year)."""
        return 0.0

    @abstractmethod
    def spec(self) -> dict:
        """A plain, JSON-serialisable description that :meth:`from_spec` turns back into an
        equal change."""

    @staticmethod
    def from_spec(spec: dict, world: World, config: ModelConfig) -> TimedChange:
        """Rebuild a change from :meth:`spec` for a run of ``config`` (ConfigError on a
        malformed spec, naming the field)."""
        kind = spec.get("kind") if isinstance(spec, dict) else None
        if kind == PolicyChange.kind:
            name = str(spec.get("name", "policy"))
            return PolicyChange.checked(name, spec.get("policy"), world, config)
        if kind == LeverSet.kind:
            return LeverSet(world, spec.get("lever"), spec.get("value"), spec.get("where"),
                            spec.get("start"), spec.get("end"), spec.get("mode", "set"))
        if kind == ShockChange.kind:
            return ShockChange.checked(spec.get("shock"), world)
        raise ConfigError(f"change.kind = {kind!r} is not allowed: must be one of "
                          f"{PolicyChange.kind!r}, {LeverSet.kind!r}, {ShockChange.kind!r}")


class PolicyChange(TimedChange):
    """A policy of a package, or added to a running model (a decision)."""

    kind = "policy"

    @classmethod
    def checked(cls, name: str, policy: PolicyConfig | dict, world: World,
                config: ModelConfig) -> PolicyChange:
        """A policy change validated against the run's config (ConfigError naming
        ``change.<name>.<field>``)."""
        path = f"change.{name}"
        if not isinstance(policy, PolicyConfig):
            policy = from_dict(PolicyConfig, policy, path)
        check_policy(policy, config, path)
        return cls(name, policy, world)

    def __init__(self, name: str, config: PolicyConfig, world: World):
        self.name = name
        self.policy: Policy = LEVERS[config.lever](name, config, world)
        self.ramps = self.policy.ramps
        self.start, self.end = config.start, config.end

    def apply(self, levers: Levers, t: int) -> None:
        self.policy.apply(levers, t)

    def daily_cost_usd(self) -> float:
        return self.policy.daily_cost_usd()

    def yearly_cost_usd(self) -> float:
        return self.policy.yearly_cost_usd()

    def spec(self) -> dict:
        return {"kind": self.kind, "name": self.name,
                "policy": dataclasses.asdict(self.policy.config)}


class LeverSet(TimedChange):
    """A lever set to a value (or multiplied by one), everywhere or at some countries, units
    or communities.

    Parameters
    ----------
    world : World
    lever : str
        A field of :class:`~sim.levers.Levers`.
    value : number, bool or list
        The value, broadcast over ``where`` (or over the whole array); a list gives one
        value per entry of ``where``.
    where : list, optional
        What to set, by the lever's index kind: ISO3 codes (or country groups) for country
        levers, ``[a, b]`` ISO3 pairs for country-pair levers, community names,
        ``[ISO3 or group, commodity]`` pairs, commodity names, armed-group keys, ISO3 codes
        or country groups (every unit of the country), ``[ISO3 or group, "post" or
        "patrol"]`` pairs or official crossing names (its posts) for unit levers, or flat
        indices for cell and unit levers.
        Default: every entry.
    start : int
        First day in force.
    end : int, optional
        First day no longer in force (default: to the end of the run).
    mode : {"set", "scale"}
        ``"set"`` writes ``value``; ``"scale"`` multiplies the lever's value as the timeline
        has built it so far (the scenario's value with the changes that started earlier).
    path : str
        Dotted name used in error messages (``change``; ``shock.changes[0]`` for a shock).
    """

    kind = "set"
    MODES = ("set", "scale")

    def __init__(self, world: World, lever: str, value: Any, where: list | None,
                 start: int, end: int | None = None, mode: str = "set",
                 path: str = "change"):
        self.path = path
        if lever not in LEVER_NAMES:
            raise ConfigError(f"{path}.lever = {lever!r} is not allowed: must be one of "
                              f"{', '.join(LEVER_NAMES)}")
        if mode not in self.MODES:
            raise ConfigError(f"{path}.mode = {mode!r} is not allowed: must be one of "
                              f"{', '.join(self.MODES)}")
        if isinstance(start, bool) or not isinstance(start, (int, np.integer)) or start < 0:
            raise ConfigError(f"{path}.start = {start!r} is not allowed: must be a day >= 0")
        if end is not None and (isinstance(end, bool) or not isinstance(end, (int, np.integer))
                                or end <= start):
            raise ConfigError(f"{path}.end = {end!r} is not allowed: must be null or a day "
                              f"greater than {path}.start = {start}")
        self.lever, self.value, self.where, self.mode = lever, value, where, mode
        self.start, self.end = int(start), None if end is None else int(end)
        self._index = _resolve_where(world, lever, where, path)
        self._value = np.asarray(value)
        n = None if self._index is None else len(self._index[0])
        if self._value.ndim > 1 or (self._value.ndim == 1 and n is not None
                                    and len(self._value) != n):
            raise ConfigError(f"{path}.value = {value!r} is not allowed: must be one value or "
                              f"one per entry of {path}.where ({n})")
        if self._value.dtype.kind not in "biuf":
            raise ConfigError(f"{path}.value = {value!r} is not allowed: must be a number or "
                              f"true/false")
        if mode == "scale":
            dtype = lever_dtype(lever)
            if dtype.kind != "f":
                raise ConfigError(f"{path}.scale is not allowed for lever {lever!r} (its "
                                  f"values are {dtype.name}): set a value instead")
            if (self._value < 0).any():
                raise ConfigError(f"{path}.scale = {value!r} is not allowed: must be >= 0")

    def apply(self, levers: Levers, t: int) -> None:
        arr = getattr(levers, self.lever)
        index = ... if self._index is None else self._index
        if self.mode == "scale":
            arr[index] = arr[index] * self._value
        else:
            arr[index] = self._value

    def spec(self) -> dict:
        value = self._value.tolist()
        return {"kind": self.kind, "lever": self.lever, "value": value, "where": self.where,
                "start": self.start, "end": self.end, "mode": self.mode}


class ShockChange(TimedChange):
    """A shock (:class:`~sim.config.ShockConfig`): its lever changes, in order, from
    ``shock.start`` for ``shock.duration_days`` days (or to the end of the run).

    A scenario's shock comes from ``config.shock``; a shock may also be added to a running
    model (``model.add_change({"kind": "shock", "shock": <mapping of a shock file>})``),
    as a tabletop inject does.
    """

    kind = "shock"

    @classmethod
    def checked(cls, shock: ShockConfig | dict, world: World) -> ShockChange:
        """A shock change, its config and its ``where`` entries validated (ConfigError
        naming ``shock.<field>``)."""
        if not isinstance(shock, ShockConfig):
            shock = from_dict(ShockConfig, shock, "shock")
        return cls(shock, world)

    def __init__(self, config: ShockConfig, world: World):
        self.config = config
        self.name = config.name
        self.start, self.end = config.start, config.end
        self.sets = [LeverSet(world, c.lever, c.value if c.scale is None else c.scale, c.where,
                              config.start + c.start_offset_days, config.end,
                              "set" if c.scale is None else "scale", f"shock.changes[{i}]")
                     for i, c in enumerate(config.changes)]

    def phase(self, t: int) -> tuple:
        """Which of the shock's changes have started (they may start later than it)."""
        return tuple(change.active(t) for change in self.sets)

    def apply(self, levers: Levers, t: int) -> None:
        for change in self.sets:
            if change.active(t):
                change.apply(levers, t)

    def spec(self) -> dict:
        return {"kind": self.kind, "shock": dataclasses.asdict(self.config)}


def _resolve_where(world: World, lever: str, where: list | None, path: str = "change"):
    """Index tuple into the lever's array for ``where`` (None = everything)."""
    if where is None:
        return None
    if isinstance(where, (str, bytes)) or not isinstance(where, (list, tuple)) or not where:
        raise ConfigError(f"{path}.where = {where!r} is not allowed: must be a non-empty list")
    kind = lever_index(lever)

    def country(iso, i):
        core = [c for c, k in zip(world.region.countries, world.region.core, strict=True) if k]
        if iso not in core:
            raise ConfigError(f"{path}.where[{i}] = {iso!r} is not allowed: must be a core "
                              f"country of region {world.region.name!r} ({', '.join(core)}) "
                              f"or a country group ({', '.join(world.country_groups)})")
        return world.country_index(iso)

    if kind in ("country", "country_commodity"):  # country groups stand for their members
        expanded = []
        for item in where:
            head = item[0] if kind == "country_commodity" and isinstance(item, (list, tuple)) \
                else item
            if isinstance(head, str) and head in world.country_groups:
                expanded += [([iso, *item[1:]] if kind == "country_commodity" else iso)
                             for iso in world.country_groups[head]]
            else:
                expanded.append(item)
        where = expanded

    def pair(item, i):
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise ConfigError(f"{path}.where[{i}] = {item!r} is not allowed: must be a pair")
        return item

    if kind == "country":
        return (np.array([country(c, i) for i, c in enumerate(where)], np.int64),)
    if kind == "country_pair":
        pairs = [pair(p, i) for i, p in enumerate(where)]
        return (np.array([country(a, i) for i, (a, _) in enumerate(pairs)], np.int64),
                np.array([country(b, i) for i, (_, b) in enumerate(pairs)], np.int64))
    if kind == "community":
        names = list(world.community_names)
        for i, name in enumerate(where):
            if name not in names:
                raise ConfigError(f"{path}.where[{i}] = {name!r} is not allowed: must be a "
                                  f"community: {', '.join(names)}")
        return (np.array([names.index(n) for n in where], np.int64),)
    if kind == "country_commodity":
        pairs = [pair(p, i) for i, p in enumerate(where)]
        names = list(world.commodity_names)
        for i, (_, com) in enumerate(pairs):
            if com not in names:
                raise ConfigError(f"{path}.where[{i}][1] = {com!r} is not allowed: must be a "
                                  f"commodity: {', '.join(names)}")
        return (np.array([country(a, i) for i, (a, _) in enumerate(pairs)], np.int64),
                np.array([names.index(c) for _, c in pairs], np.int64))
    if kind == "commodity":
        names = list(world.commodity_names)
        for i, name in enumerate(where):
            if name not in names:
                raise ConfigError(f"{path}.where[{i}] = {name!r} is not allowed: must be a "
                                  f"commodity of the scenario: {', '.join(names)}")
        return (np.array([names.index(n) for n in where], np.int64),)
    if kind == "group":
        names = list(world.armed.names)
        for i, name in enumerate(where):
            if name not in names:
                raise ConfigError(f"{path}.where[{i}] = {name!r} is not allowed: must be an "
                                  f"armed group of the scenario: {', '.join(names) or 'none'}")
        return (np.array([names.index(n) for n in where], np.int64),)
    if kind == "unit" and not all(isinstance(x, (int, np.integer)) and not isinstance(x, bool)
                                  for x in where):
        return (_units_where(world, where, path, country),)
    if kind == "cell" and any(isinstance(x, str) for x in where):
        cells = []
        for i, name in enumerate(where):
            try:
                cells.append(world.region.site(name).cell if isinstance(name, str)
                             else int(name))
            except (KeyError, TypeError, ValueError):
                raise ConfigError(f"{path}.where[{i}] = {name!r} is not allowed: must be a "
                                  f"site of region {world.region.name!r} or a cell index"
                                  ) from None
        where = cells
    size = world.n_cells if kind == "cell" else len(world.units.kind)
    idx = np.asarray(where)
    if idx.dtype.kind not in "iu" or (idx < 0).any() or (idx >= size).any():
        raise ConfigError(f"{path}.where = {where!r} is not allowed: must be {kind} indices "
                          f"in [0, {size - 1}]")
    return (idx.astype(np.int64),)


UNIT_KINDS = {"post": POST, "patrol": PATROL}
"""Names of the border-unit kinds in a ``where`` entry."""


def _units_where(world: World, where: list, path: str, country) -> np.ndarray:
    """Indices of the units named by ``where``: ISO3 codes or country groups (every unit of
    the country), ``[ISO3 or group, "post" or "patrol"]`` pairs, or names of official
    crossings (the posts at that crossing)."""
    units = world.units
    crossings = [x.name for x in world.region.crossings]
    chosen = np.zeros(len(units.kind), bool)
    for i, item in enumerate(where):
        if isinstance(item, str) and item in crossings:
            chosen |= units.post_crossing == crossings.index(item)
            continue
        if isinstance(item, str):
            head, kind = item, None
        elif isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str):
            head, kind = item
            if kind not in UNIT_KINDS:
                raise ConfigError(f"{path}.where[{i}][1] = {kind!r} is not allowed: must be "
                                  f"one of {', '.join(UNIT_KINDS)}")
        else:
            raise ConfigError(f"{path}.where[{i}] = {item!r} is not allowed: must be a unit "
                              f"index, an ISO3 code or country group, [ISO3, post|patrol], or "
                              f"an official crossing")
        core = [c for c, k in zip(world.region.countries, world.region.core, strict=True) if k]
        if head not in core and head not in world.country_groups:
            raise ConfigError(f"{path}.where[{i}] = {head!r} is not allowed: must name a core "
                              f"country ({', '.join(core)}), a country group "
                              f"({', '.join(world.country_groups)}) or an official crossing "
                              f"({', '.join(crossings)})")
        for iso in world.country_groups.get(head, [head]):
            mask = units.country == country(iso, i)
            if kind is not None:
                mask &= units.kind == UNIT_KINDS[kind]
            chosen |= mask
    return np.flatnonzero(chosen).astype(np.int64)


class Timeline:
    """The timed changes of a run, and the levers they give on each day.

    Parameters
    ----------
    package : PolicyPackageConfig
        The scheduled policies (entries in package order).
    world : World
    base : Levers
        The scenario's own lever values (:meth:`sim.world.World.base_levers`).
    shock : ShockConfig, optional
        The run's shock (an entry after the policies; none when it has no changes).
    """

    def __init__(self, package: PolicyPackageConfig, world: World, base: Levers,
                 shock: ShockConfig | None = None):
        self.world = world
        self.base = base
        self.entries: list[TimedChange] = [PolicyChange(name, pc, world)
                                           for name, pc in package.policies.items()]
        if shock is not None and shock.changes:
            self.entries.append(ShockChange(shock, world))
        self.log: list[dict] = []
        """Specs of the changes added after the run was built, in order (the replay log)."""
        self.levers = base
        self._active: tuple = ()
        """(entry index, its phase) of the entries in force when the levers were last built."""
        self._dirty = False

    def add(self, change: TimedChange) -> None:
        """Add a change (it takes effect from its first day on); it is logged for replay."""
        self.entries.append(change)
        self.log.append(change.spec())
        self._dirty = True

    def active(self, t: int) -> list[TimedChange]:
        """Entries in force on day ``t``, in order of addition."""
        return [e for e in self.entries if e.active(t)]

    def levers_for(self, t: int) -> tuple[Levers, set[str]]:
        """The levers of day ``t`` and the names of the fields that changed since the last
        call (the levers are rebuilt only when an entry started, ended, changed phase,
        ramps or was added).
        """
        on = tuple((i, e.phase(t)) for i, e in enumerate(self.entries) if e.active(t))
        ramping = any(self.entries[i].ramps for i, _ in on)
        if on == self._active and not ramping and not self._dirty:
            return self.levers, set()
        self._active, self._dirty = on, False
        levers = self.base.copy()
        for i in sorted((i for i, _ in on), key=lambda i: (self.entries[i].start, i)):
            self.entries[i].apply(levers, t)
        changed = levers.changed(self.levers)
        if changed:
            self.levers = levers.frozen()
        return self.levers, changed

    def daily_cost_usd(self, t: int) -> float:
        """Cost (USD) of the entries in force on day ``t``."""
        return float(sum(e.daily_cost_usd() for e in self.entries if e.active(t)))

    def policy_costs(self) -> dict[str, float]:
        """Yearly cost (USD/year) of each policy on the timeline, by name (policies added
        under the same name are summed)."""
        out: dict[str, float] = {}
        for e in self.entries:
            if isinstance(e, PolicyChange):
                out[e.name] = out.get(e.name, 0.0) + e.yearly_cost_usd()
        return out

    def yearly_cost_usd(self) -> float:
        """Sum of the yearly costs of every policy on the timeline (USD/year)."""
        return float(sum(e.yearly_cost_usd() for e in self.entries))
