"""Typed configuration schema, validation with one-line errors, and the config factory.

The YAML files under ``configs/`` are the single source of default *values*; the
dataclasses here are the single source of *types, units and allowed ranges* (built with the
schema machinery of :mod:`sim.schema`). Every value is checked before any simulation
starts: a wrong value raises :class:`ConfigError` whose message names the field, the value
and what is allowed. Checks that need the region run when the world is built
(:class:`sim.world.World`), still before any step.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from sim import schema
from sim.constants import COMMODITY_KINDS
from sim.levers import LEVER_NAMES
from sim.policies import LEVERS
from sim.schema import ConfigError, flatten, from_dict, join_path, set_dotted, spec, to_dict

# --------------------------------------------------------------------------- schema


@dataclass(frozen=True)
class CountryConfig:
    """Per-country law, justice and enforcement parameters (core countries only)."""

    penalty_years: float = spec(0, 100, unit="years",
                                doc="maximum prison sentence for trafficking under national law")
    conviction_rate: float = spec(0, 1, doc="P(conviction | case charged and tried)")
    court_cases_per_day: float = spec(0, 1000, unit="cases/day",
                                      doc="court throughput for trafficking cases")
    bribe_acceptance: float = spec(0, 1, doc="P(a detecting unit accepts a bribe)")
    patrols: int = spec(0, 100_000, unit="units", doc="mobile patrol units")
    border_posts: bool = spec(doc="staff a post on this country's side of each official crossing")
    livelihood: float = spec(0, 1, doc="baseline legal income index of border communities")
    trust: float = spec(0, 1, doc="initial community trust in the state")
    legal_fuel_sales_l_per_year: float | None = spec(
        0, 1e12, default=None, unit="L/year",
        doc="fuel sold through the legal market (regulated stations) per year; null = no "
            "data (the smuggled share of the country's fuel market is then not computed)")


ALL_COUNTRIES = "all"
"""Country group every scenario has: all its core countries."""


@dataclass(frozen=True)
class CommodityConfig:
    """One trafficked commodity, defined as data."""

    kind: str = spec(choices=COMMODITY_KINDS, doc="kind of commodity (policies may target "
                                                  "commodities by kind)")
    unit: str = spec(choices=("kg", "L"), doc="unit of quantity")
    sources: list[str] = spec(doc="site names where loads are picked up")
    destinations: list[str] = spec(doc="site names where loads are delivered")
    value_at_source_usd: float = spec(0, 1e7, unit="USD/unit")
    value_at_destination_usd: float = spec(0, 1e7, unit="USD/unit")
    load_median: float = spec(1e-3, 1e6, unit="unit/trip", doc="median load per courier trip")
    load_sigma: float = spec(0, 3, doc="lognormal sigma of the load per trip")
    penalty_weight: float = spec(0, 1, doc="share of the national maximum penalty that applies")
    livelihood_goods: bool = spec(doc="seizures hit border-community livelihoods (erode trust)")
    organisations: int = spec(1, 10_000, doc="trafficking organisations for this commodity")
    couriers_per_organisation: int = spec(1, 1_000_000, doc="target couriers per organisation")
    rest_days: int = spec(0, 3650, unit="days", doc="days a courier waits between trips")
    value_of_time_usd_per_hour: float = spec(0, 1e7, unit="USD/h",
                                             doc="cost an organisation puts on one hour en route")
    demand_per_day: dict[str, float] = spec(0, 1e12, default={}, empty=True, unit="unit/day",
                                            doc="what the market of a destination country "
                                                "(ISO3) buys per day at "
                                                "value_at_destination_usd; its price moves "
                                                "with supply (model.demand_elasticity); a "
                                                "country not listed pays a fixed price (set "
                                                "outside the region)")
    settlement_prob: float = spec(0, 1, default=0.0,
                                  doc="P(an arrest ends on the spot with a fine or an informal "
                                      "settlement: the load is seized and the courier released "
                                      "without a case)")


@dataclass(frozen=True)
class MultiMarketConfig:
    """Organisations that trade several commodities and move effort between them."""

    shares: dict[str, float] = spec(0, 1, doc="initial share of the organisation's couriers "
                                              "per commodity (sums to 1)")
    organisations: int = spec(1, 10_000, doc="organisations of this kind")
    couriers_per_organisation: int = spec(1, 1_000_000, doc="target couriers per organisation, "
                                                             "all its commodities together")

    def check(self, path: str) -> None:
        """At least two commodities; shares sum to 1."""
        if len(self.shares) < 2 or abs(sum(self.shares.values()) - 1.0) > 1e-9:
            raise ConfigError(f"{join_path(path, 'shares')} = {self.shares!r} is not allowed: "
                              f"must give at least two commodities with shares summing to 1")


@dataclass(frozen=True)
class ArmedZoneConfig:
    """One zone of an armed group: a disc around a place of the region (or a point)."""

    radius_km: float = spec(1, 5000, unit="km", doc="zone radius at the group's initial "
                                                   "strength (full presence within half of it, "
                                                   "fading to 0 at the radius)")
    centre: str | None = spec(default=None, doc="a place or crossing of the region")
    lon: float | None = spec(-180, 180, default=None, unit="degrees",
                             doc="centre longitude, when no place is named")
    lat: float | None = spec(-90, 90, default=None, unit="degrees",
                             doc="centre latitude, when no place is named")

    def check(self, path: str) -> None:
        """Exactly one of ``centre`` or ``lon``/``lat``."""
        if (self.centre is None) == (self.lon is None or self.lat is None) or (
                self.centre is not None and (self.lon is not None or self.lat is not None)):
            raise ConfigError(f"{path} = {dataclasses.asdict(self)!r} is not allowed: give "
                              f"either centre (a place) or both lon and lat")


@dataclass(frozen=True)
class ArmedGroupConfig:
    """A named armed group: its zones, how it taxes trafficking, and how its strength
    follows its revenue."""

    label: str = spec(doc="name shown in reports and on maps")
    zones: dict[str, ArmedZoneConfig] = spec(doc="the group's zones by name")
    intensity: float = spec(0, 1, doc="presence at the core of its zones")
    toll_share: float = spec(0, 1, doc="share of a load's value at source taken per cell "
                                       "passed at presence 1")
    site_tax_share: float = spec(0, 1, doc="share of the value at source of mineral loads "
                                           "picked up at sites it controls")
    revenue_dependence: float = spec(0, 1, doc="share of the group's strength financed by "
                                               "trafficking revenue")
    reference_revenue_usd_per_day: float = spec(0, 1e12, unit="USD/day",
                                                doc="trafficking revenue that sustains its "
                                                    "initial strength")
    max_strength: float = spec(1, 100, doc="cap on strength (initial strength = 1)")
    min_strength: float = spec(0, 1, doc="floor on strength")


@dataclass(frozen=True)
class ScenarioConfig:
    """A region, its countries and its commodities."""

    name: str = spec(doc="scenario name")
    region: str = spec(choices=("west_africa", "central_asia", "toy"))
    cell_km: float = spec(2, 200, unit="km", doc="grid cell edge length")
    recruitable_per_settlement: int = spec(0, 10_000_000, unit="people",
                                           doc="people per settlement who could be recruited")
    countries: dict[str, CountryConfig] = spec(doc="per core country (ISO3) parameters")
    commodities: dict[str, CommodityConfig] = spec(doc="commodities by name")
    multi_market: dict[str, MultiMarketConfig] = spec(
        default={}, empty=True, doc="organisations that trade several commodities, by name")
    armed_groups: dict[str, ArmedGroupConfig] = spec(
        default={}, empty=True, doc="named armed groups (agents) that tax flows in their zones")
    country_groups: dict[str, list[str]] = spec(
        default={}, empty=True,
        doc="named groups of core countries that policies may name instead of ISO3 codes "
            "(every scenario also has the group 'all')")

    def check(self, path: str) -> None:
        """Group names are lower-case names other than 'all'; members are core countries,
        listed once; multi-market organisations trade the scenario's commodities."""
        for name, mm in self.multi_market.items():
            for com in mm.shares:
                if com not in self.commodities:
                    raise ConfigError(
                        f"{join_path(path, 'multi_market')}.{name}.shares.{com} is not "
                        f"allowed: must be a commodity of the scenario: "
                        f"{', '.join(self.commodities)}")
        where = join_path(path, "country_groups")
        for name, members in self.country_groups.items():
            if name == ALL_COUNTRIES or not name.isidentifier() or name != name.lower():
                raise ConfigError(f"{where}.{name} is not allowed: a group name must be a "
                                  f"lower-case identifier other than {ALL_COUNTRIES!r}")
            if not members:
                raise ConfigError(f"{where}.{name} = [] is not allowed: must name at least "
                                  f"one country")
            for i, iso in enumerate(members):
                if iso not in self.countries:
                    raise ConfigError(
                        f"{where}.{name}[{i}] = {iso!r} is not allowed: must be a core country "
                        f"of the scenario: {', '.join(sorted(self.countries))}")
            if len(set(members)) != len(members):
                raise ConfigError(f"{where}.{name} = {members!r} is not allowed: countries "
                                  f"must not repeat")

    def groups(self) -> dict[str, list[str]]:
        """Every country group of the scenario, ``all`` first."""
        return {ALL_COUNTRIES: list(self.countries), **self.country_groups}

    def resolve_countries(self, entries: list[str]) -> list[str]:
        """ISO3 codes of ``entries`` (codes and group names), in order, each once.

        Raises
        ------
        KeyError
            The first entry that is neither a core country nor a group.
        """
        groups, out = self.groups(), []
        for entry in entries:
            if entry in self.countries:
                members = [entry]
            elif entry in groups:
                members = groups[entry]
            else:
                raise KeyError(entry)
            out += [iso for iso in members if iso not in out]
        return out


@dataclass(frozen=True)
class MechanismConfig:
    """Behavioural and institutional mechanism parameters shared by all scenarios."""

    # movement
    road_speed_kmh: float = spec(1, 150, unit="km/h", doc="courier speed on corridor cells")
    offroad_speed_kmh: float = spec(0.5, 150, unit="km/h", doc="courier speed off corridors")
    travel_hours_per_day: float = spec(1, 24, unit="h/day")
    # route choice
    risk_aversion: float = spec(0, 100, doc="weight on expected loss in route cost")
    prison_year_cost_usd: float = spec(0, 1e9, unit="USD/year",
                                       doc="cost an organisation puts on one expected prison-year")
    route_noise: float = spec(0, 100, doc="spread of route choice around the least-cost route")
    replan_interval_days: int = spec(1, 3650, unit="days")
    route_window_km: float = spec(0, 10_000, unit="km",
                                  doc="routes stay within the bounding box of source, "
                                      "destinations and couriers on the road, widened by "
                                      "this much (0 = anywhere on the grid)")
    # learning
    risk_learning_rate: float = spec(0, 1, doc="perceived detection added at a seizure cell")
    risk_memory_radius_km: float = spec(0, 2000, unit="km")
    risk_memory_decay_per_day: float = spec(0, 1, unit="1/day")
    gossip_weight: float = spec(0, 1, doc="weight of other organisations' seizures")
    # detection
    post_detection_prob: float = spec(0, 1, doc="P(detect) per passage through a staffed post")
    patrol_detection_prob: float = spec(0, 1, doc="P(detect) per cell passage under one patrol")
    patrol_radius_cells: int = spec(0, 20, unit="cells")
    patrol_moves_per_day: int = spec(0, 100, unit="cells/day")
    patrol_border_focus: float = spec(0, 1000, doc="patrol preference for border cells")
    patrol_intel_weight: float = spec(0, 1e6, doc="patrol preference for recent seizure areas")
    patrol_redeploy_prob: float = spec(0, 1, unit="1/day",
                                       doc="daily chance a patrol is re-tasked to a seizure area")
    tip_detection_prob: float = spec(0, 1,
                                     doc="P(detect) per passage near a fully trusting community")
    tip_radius_km: float = spec(0, 1000, unit="km")
    bribe_share: float = spec(0, 1, doc="bribe paid at a corrupt detection, share of load value")
    escape_prob: float = spec(0, 1, doc="P(escape | detected) away from borders")
    escape_across_border_prob: float = spec(0, 1,
                                            doc="P(escape | detected) where pursuit stops "
                                                "at a border")
    pursuit_distance_km: float = spec(0, 1000, unit="km")
    # communities and recruitment
    recruitment_rate_per_day: float = spec(0, 1, unit="1/day")
    quit_rate_per_day: float = spec(0, 1, unit="1/day")
    return_to_trade_prob: float = spec(0, 1, doc="P(a released courier goes back to the trade)")
    courier_fee_share: float = spec(0, 1, doc="courier's fee, share of delivered load value")
    legal_income_usd_per_day: float = spec(0, 1e6, unit="USD/day",
                                           doc="legal income per person, for the profit signal")
    trust_recovery_per_day: float = spec(0, 1, unit="1/day")
    trust_loss_per_seizure: float = spec(0, 1)
    recruitment_trust_weight: float = spec(0, 1, doc="how much trust in the state lowers "
                                           "recruitment propensity: factor 1 - w x trust")
    recruitment_profit_weight: float = spec(0, 10, doc="how much members' smuggling earnings "
                                            "raise recruitment propensity: factor "
                                            "1 + w x min(earnings / legal income, 1)")
    earnings_smoothing_days: float = spec(1, 3650, unit="days",
                                          doc="time constant of the exponential average of "
                                              "members' courier fees")
    community_radius_km: float = spec(0, 2000, unit="km",
                                      doc="reach of a community (recruitment, tips, seizures felt)")
    # justice
    investigation_days: int = spec(0, 3650, unit="days")
    mla_delay_days: int = spec(0, 36500, unit="days",
                               doc="extra delay for cases needing mutual legal assistance")
    charge_prob: float = spec(0, 1, doc="P(a case is charged) at baseline evidence quality")
    court_feedback: float = spec(0, 1, doc="evidence-quality gain per decided case")
    evidence_max: float = spec(0, 1, doc="upper bound of evidence quality (P(charge))")
    sentence_fraction: float = spec(0, 1, doc="mean sentence as share of the maximum penalty")
    sentence_spread: float = spec(0, 2, doc="sentences are uniform on mean x [1 - s/2, 1 + s/2)")
    # organisations and armed groups
    # markets
    market_margin_elasticity: float = spec(0, 10, doc="couriers on the road follow "
                                                      "(price gap / configured price gap)^e, "
                                                      "at most 1: a market closes when its "
                                                      "margin does")
    market_elasticity: float = spec(0, 10, doc="how strongly a multi-market organisation's "
                                               "effort follows each commodity's profit "
                                               "relative to the start")
    market_adjust_days: float = spec(1, 36_500, unit="days",
                                     doc="time constant of effort moving between markets, "
                                         "and of the supply a destination market's price "
                                         "answers")
    demand_elasticity: float = spec(0.01, 100,
                                    doc="price elasticity of demand of a destination market "
                                        "with a demand_per_day: price = configured price x "
                                        "(supply / demand)^(-1/e)")
    viability_max: float = spec(1, 100,
                                doc="most of its capacity a desk runs when its price gap "
                                    "exceeds the configured one (1 = never more)")
    leaders_per_organisation: int = spec(1, 1000)
    loss_response: float = spec(0, 10, doc="a desk's response to losing loads (L = share "
                                "of its recent trips that lost the load): loads x (1 - L)^r, "
                                "route noise / (1 - L)^r; 0 = none")
    capacity_leader_exponent: float = spec(0, 5, doc="an organisation's courier capacity "
                                           "scales with (leaders left / leaders)^exponent")
    leader_replacement_days: int = spec(1, 36_500, unit="days",
                                        doc="days for an organisation to replace a lost leader")
    armed_strength_days: float = spec(1, 36_500, unit="days",
                                      doc="time constant of an armed group's strength "
                                          "following its revenue")
    armed_revenue_days: float = spec(1, 36_500, unit="days",
                                     doc="time constant of the average revenue a group's "
                                         "strength follows")
    armed_control_threshold: float = spec(0, 1, doc="presence at which a group controls a "
                                                    "source site (and taxes its loads)")
    armed_radius_exponent: float = spec(0, 2, doc="zone radius scales with "
                                                  "strength^exponent (0.5: area with strength)")
    # outputs
    crossing_radius_cells: int = spec(0, 20, unit="cells",
                                      doc="border flow within this many cells of an official "
                                          "crossing counts as through the crossing "
                                          "(displacement measures)")


@dataclass(frozen=True)
class PolicyConfig:
    """One policy of a package: a lever applied by some countries over a period.

    ``params`` are validated against the lever's own parameter schema
    (:mod:`sim.policies`); missing parameters take the lever's defaults.
    """

    lever: str = spec(doc="lever name, one of sim.policies.LEVERS")
    countries: list[str] = spec(doc="participating core countries: ISO3 codes or names of "
                                    "the scenario's country groups (e.g. 'all')")
    start: int = spec(0, 36_500, unit="day",
                      doc="first day in force (days are numbered from 1; 0 = from the start)")
    end: int | None = spec(0, 36_500, unit="day",
                           doc="first day no longer in force; null = to the end of the run")
    cost_usd_per_year: float = spec(0, 1e12, unit="USD/year",
                                    doc="fixed yearly cost of the policy as configured")
    cost_basis: str = spec(doc="how the yearly cost was derived (sources, arithmetic)")
    params: dict[str, Any] = spec(doc="lever parameters", default={}, empty=True)
    cost_usd_per_country_year: float = spec(0, 1e12, default=0.0, unit="USD/year",
                                            doc="yearly cost per participating country, "
                                                "added to cost_usd_per_year")

    def check(self, path: str) -> None:
        """Lever known, period consistent, parameters valid (fills the lever's defaults)."""
        if self.lever not in LEVERS:
            raise ConfigError(f"{path}.lever = {self.lever!r} is not allowed: must be one of "
                              f"{', '.join(sorted(LEVERS))}")
        if self.end is not None and self.end <= self.start:
            raise ConfigError(f"{path}.end = {self.end!r} is not allowed: must be null or "
                              f"greater than {path}.start = {self.start}")
        if len(set(self.countries)) != len(self.countries):
            raise ConfigError(f"{path}.countries = {self.countries!r} is not allowed: "
                              f"countries must not repeat")
        params = from_dict(LEVERS[self.lever].Params, dict(self.params), f"{path}.params")
        self.params.clear()
        self.params.update(dataclasses.asdict(params))


@dataclass(frozen=True)
class PolicyPackageConfig:
    """A policy package: what planners compare. ``baseline`` has no policies."""

    name: str = spec(doc="package name (used to group runs in comparisons)")
    description: str = spec(doc="one-line description for reports")
    policies: dict[str, PolicyConfig] = spec(doc="policies by name", empty=True)


def _baseline_package() -> PolicyPackageConfig:
    return PolicyPackageConfig(
        name="baseline", policies={},
        description="No policy change (the scenario's own laws, courts, patrols and communities).")


@dataclass(frozen=True)
class ShockChangeConfig:
    """One lever change of a shock: ``value`` sets the lever, ``scale`` multiplies the value
    it has on the timeline when the shock starts (the scenario's, with earlier policies)."""

    lever: str = spec(choices=LEVER_NAMES, doc="a lever of sim.levers.Levers")
    basis: str = spec(doc="the source of the change, or 'assumption: ...'")
    where: list[Any] | None = spec(default=None,
                                   doc="what to change, as in a lever set (ISO3 codes or "
                                       "country groups, commodities, armed groups, "
                                       "[ISO3, post|patrol] for units, ...); null = every "
                                       "entry")
    value: float | None = spec(-1e12, 1e12, default=None, doc="value the lever is set to")
    scale: float | None = spec(0, 1e6, default=None, doc="multiplier of the lever's value")
    start_offset_days: int = spec(0, 36_500, default=0, unit="days",
                                  doc="days after the shock's start this change begins (it "
                                      "ends with the shock)")

    def check(self, path: str) -> None:
        """Exactly one of value and scale (the offset is checked against the shock)."""
        if (self.value is None) == (self.scale is None):
            raise ConfigError(f"{path} = value {self.value!r}, scale {self.scale!r} is not "
                              f"allowed: give exactly one of {path}.value and {path}.scale")


@dataclass(frozen=True)
class ShockConfig:
    """A shock: changes of levers that start on one day (and may end), put on the same
    timeline as the policies (:class:`sim.policies.timeline.ShockChange`)."""

    name: str = spec(doc="shock name (configs/shock/<name>.yaml)")
    description: str = spec(doc="one line for reports")
    start: int = spec(0, 36_500, unit="day", doc="first day in force (days are numbered "
                                                 "from 1; 0 = from the start)")
    duration_days: int | None = spec(1, 36_500, default=None, unit="days",
                                     doc="days in force; null = to the end of the run")
    changes: list[ShockChangeConfig] = spec(default=[], empty=True,
                                            doc="the lever changes, applied in order")

    @property
    def end(self) -> int | None:
        """First day no longer in force (None = to the end of the run)."""
        return None if self.duration_days is None else self.start + self.duration_days

    def check(self, path: str) -> None:
        """Every change begins while the shock is in force."""
        for i, c in enumerate(self.changes):
            if self.duration_days is not None and c.start_offset_days >= self.duration_days:
                raise ConfigError(
                    f"{join_path(path, 'changes')}[{i}].start_offset_days = "
                    f"{c.start_offset_days} is not allowed: must be less than "
                    f"{join_path(path, 'duration_days')} = {self.duration_days}")


def _no_shock() -> ShockConfig:
    return ShockConfig(name="none", description="No shock.", start=0, changes=[])


@dataclass(frozen=True)
class ModelConfig:
    """Everything a run depends on: the model is a function of this and a seed."""

    seed: int = spec(0, 2**63 - 1)
    steps: int = spec(1, 36_500, unit="days")
    engine: str = spec(choices=("numba", "python"), doc="kernel implementation")
    scenario: ScenarioConfig = spec()
    model: MechanismConfig = spec()
    policy: PolicyPackageConfig = field(
        default_factory=_baseline_package,
        metadata={"doc": "policy package (default: baseline, no policies)"})
    shock: ShockConfig = field(default_factory=_no_shock,
                               metadata={"doc": "shock (default: none)"})

    def check(self, path: str) -> None:
        """Policies name only the scenario's core countries and pass their lever's checks."""
        for pname, pol in self.policy.policies.items():
            check_policy(pol, self, f"{join_path(path, 'policy.policies')}.{pname}")


def check_policy(policy: PolicyConfig, config: ModelConfig, path: str) -> None:
    """Checks of one policy against the rest of the config: its countries are core
    countries or country groups of the scenario, and its lever's own ``check_config``
    passes.

    Raises
    ------
    ConfigError
        Naming ``path`` and the offending field.
    """
    LEVERS[policy.lever].check_config(policy, config, path)
    sc = config.scenario
    for i, entry in enumerate(policy.countries):
        try:
            sc.resolve_countries([entry])
        except KeyError:
            raise ConfigError(
                f"{path}.countries[{i}] = {entry!r} is not allowed: must be a core country of "
                f"scenario {sc.name!r} ({', '.join(sorted(sc.countries))}) or one of its "
                f"country groups ({', '.join(sc.groups())})") from None


def field_specs(cls=None, prefix: str = "") -> dict[str, dict]:
    """Dotted path -> metadata (range, unit, doc) of every scalar leaf of ``cls``
    (default :class:`ModelConfig`); see :func:`sim.schema.field_specs`."""
    return schema.field_specs(ModelConfig if cls is None else cls, prefix)


# --------------------------------------------------------------------------- factory


def _read_yaml(*parts: str) -> dict:
    node = resources.files("configs")
    for p in parts:
        node = node / p
    if not node.is_file():
        raise ConfigError(f"{parts[0]} = {parts[-1].removesuffix('.yaml')!r} is not allowed: "
                          f"no such file configs/{'/'.join(parts)}; available: "
                          f"{', '.join(available(parts[0]))}")
    with node.open("r", encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def read_config(group: str, name: str) -> dict:
    """The mapping of ``configs/<group>/<name>.yaml`` (ConfigError naming the files there
    if there is none)."""
    return _read_yaml(group, f"{name}.yaml")


def available(group: str) -> list[str]:
    """Names of the YAML files shipped in config group ``group`` (e.g. ``"scenario"``)."""
    folder = resources.files("configs") / group
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir()
                  if p.name.endswith(".yaml"))


def read_policy(name: str) -> dict:
    """Compose ``configs/policy/<name>.yaml`` as Hydra does.

    A package file lists other files of the group in its ``defaults`` (and ``_self_``);
    they are merged in order (mappings merge key by key, later values win).
    """
    return _compose("policy", name, ())


def _compose(group: str, name: str, seen: tuple[str, ...]) -> dict:
    if name in seen:
        raise ConfigError(f"{group} = {name!r} is not allowed: defaults cycle "
                          f"{' -> '.join((*seen, name))}")
    raw = _read_yaml(group, f"{name}.yaml")
    defaults = raw.pop("defaults", [])
    if "_self_" not in defaults:
        defaults = [*defaults, "_self_"]
    out: dict = {}
    for entry in defaults:
        if not isinstance(entry, str):
            raise ConfigError(f"configs/{group}/{name}.yaml defaults entry {entry!r} is not "
                              f"allowed: must be the name of another {group} file or _self_")
        part = raw if entry == "_self_" else _compose(group, entry, (*seen, name))
        out = _merge(out, part)
    return out


def _merge(base: dict, update: dict) -> dict:
    out = dict(base)
    for k, v in update.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def config_dict(scenario: str = "west_africa", *, model: str = "default",
                policy: str = "baseline", shock: str = "none", seed: int = 0,
                steps: int = 365, engine: str = "numba",
                overrides: dict[str, Any] | None = None) -> dict:
    """Plain dict of a full model config composed from the shipped YAML plus overrides."""
    data = {
        "seed": seed,
        "steps": steps,
        "engine": engine,
        "scenario": _read_yaml("scenario", f"{scenario}.yaml"),
        "model": _read_yaml("model", f"{model}.yaml"),
        "policy": read_policy(policy),
        "shock": read_config("shock", shock),
    }
    for k, v in (overrides or {}).items():
        set_dotted(data, k, v)
    return data


def make_config(scenario: str = "west_africa", **kwargs) -> ModelConfig:
    """The one factory for a validated :class:`ModelConfig` outside Hydra.

    Parameters
    ----------
    scenario : str
        Name of a file in ``configs/scenario/``.
    **kwargs
        ``model``, ``policy``, ``shock``, ``seed``, ``steps``, ``engine`` and ``overrides``
        (a mapping of dotted paths to values, e.g. ``{"model.route_noise": 0.5}``), as
        :func:`config_dict`.
    """
    return from_dict(ModelConfig, config_dict(scenario, **kwargs))


def replace(config: ModelConfig, **dotted: Any) -> ModelConfig:
    """A validated copy of ``config`` with dotted-path values replaced.

    Examples
    --------
    >>> cfg = make_config("toy")
    >>> replace(cfg, **{"model.route_noise": 0.0, "steps": 30}).steps
    30
    """
    data = to_dict(config)
    for k, v in dotted.items():
        set_dotted(data, k, v)
    return from_dict(ModelConfig, data)


__all__ = [
    "ALL_COUNTRIES", "ArmedGroupConfig", "ArmedZoneConfig", "COMMODITY_KINDS", "CommodityConfig",
    "ConfigError", "CountryConfig", "MechanismConfig", "ModelConfig", "MultiMarketConfig",
    "PolicyConfig", "PolicyPackageConfig", "ScenarioConfig", "ShockChangeConfig", "ShockConfig",
    "available", "check_policy", "config_dict",
    "field_specs", "flatten", "from_dict", "make_config", "read_config", "read_policy", "replace",
    "set_dotted",
    "to_dict",
]
