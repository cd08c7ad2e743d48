"""Decision types of a tabletop exercise: what a delegation may decide, what makes a decision
invalid, and the one timed change each decision puts on the model's timeline.

Each type is an :class:`Action` in the registry :data:`ACTIONS`. A menu entry of the exercise
file (:class:`~sim.exercise.schema.OptionConfig`) names its action, cost (USD), lead time
and duration (days) and the action's parameters (:attr:`Action.Params`); a delegation taking
it gives the action's arguments (:attr:`Action.Args`: an area, a partner, ...). An action
judges the decision against the exercise's state (:class:`~sim.exercise.ledger.Ledger`) and
geography, and returns a :class:`Plan`: who pays what, and the spec of the timed change (a
policy, a lever setting, or a bundle of lever settings with the ``shock`` kind of the
timeline) that :meth:`sim.model.TraffickingModel.add_change` validates and adds. Every value
that no source gives is an assumption of the exercise file, not of this module.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from sim.constants import DAYS_PER_YEAR
from sim.exercise.ledger import ACCEPTED, DECLINED, Agreement, Decision, Ledger
from sim.policies.joint_operations import JointOperationsParams
from sim.policies.justice_capacity import JusticeCapacityParams
from sim.schema import ConfigError, spec


class DecisionError(ConfigError):
    """A decision that the exercise's rules refuse (one line: what and why)."""


@dataclass(frozen=True)
class Context:
    """What an action needs to judge one decision.

    Attributes
    ----------
    delegation : str
        ISO3 of the deciding delegation.
    turn : int
    first_day : int
        First day of the turn (days are numbered from 1).
    last_day : int
        Last day of the exercise.
    option : str
        Name of the menu entry.
    config : OptionConfig
        The menu entry (label, cost, lead time, duration, parameters).
    params : object
        The entry's parameters as the action's :attr:`Action.Params`.
    ledger : Ledger
        The exercise's state (read only).
    geo : Geography
    delegations : tuple of str
        Every delegation of the exercise (ISO3), in order.
    names : dict
        ISO3 -> country name, for messages.
    path : str
        Dotted name of the decision in messages (``decision``, ``turns.2.BEN[0]``).
    """

    delegation: str
    turn: int
    first_day: int
    last_day: int
    option: str
    config: Any
    params: Any
    ledger: Ledger
    geo: Any
    delegations: tuple[str, ...]
    names: dict
    path: str

    @property
    def start(self) -> int:
        """First day the decision is in force: the turn's first day plus the lead time."""
        return self.first_day + self.config.lead_time_days

    @property
    def end(self) -> int | None:
        """First day no longer in force (None = to the end of the exercise)."""
        d = self.config.duration_days
        return None if d is None else self.start + d

    def days_in_force(self) -> int:
        """Days the decision is in force within the exercise."""
        end = self.last_day + 1 if self.end is None else min(self.end, self.last_day + 1)
        return max(end - self.start, 1)

    def refuse(self, field: str, value: Any, why: str) -> DecisionError:
        """The error for ``<path>.<field> = <value> is not allowed: <why>``."""
        where = f"{self.path}.{field}" if field else self.path
        return DecisionError(f"{where} = {value!r} is not allowed: {why}")

    def yearly_cost(self, total_usd: float) -> float:
        """The yearly cost (USD/year) of a policy costing ``total_usd`` over its days in
        force, so the model's policy cost adds up to what the delegations paid."""
        return float(total_usd) * DAYS_PER_YEAR / self.days_in_force()

    def change_name(self) -> str:
        """Name of the decision's change on the timeline (``BEN_deploy_patrols_t2_1``)."""
        n = len(self.ledger.taken(self.turn, self.delegation)) + 1
        return f"{self.delegation}_{self.option}_t{self.turn}_{n}"


@dataclass
class Plan:
    """What a valid decision does.

    Attributes
    ----------
    charges : dict
        USD charged to each delegation.
    change : dict or None
        Spec of the timed change to add (None: the decision changes only the exercise's
        state, as a proposal does).
    summary : str
        One line for briefings and reports.
    in_force : bool
        Whether ``start``/``end`` of the context apply (a model change).
    """

    charges: dict
    change: dict | None
    summary: str
    in_force: bool = True


def _no_fields():
    """An empty parameter or argument record."""
    return dataclasses.make_dataclass("Nothing", [], frozen=True)


class Action:
    """Base class of the decision types. Subclasses set :attr:`name`, :attr:`doc`,
    :attr:`Params`, :attr:`Args`, and override :meth:`plan` (and :meth:`commit` when the
    decision changes the exercise's state beyond the budget)."""

    name: ClassVar[str] = ""
    doc: ClassVar[str] = ""
    Params: ClassVar[type] = _no_fields()
    Args: ClassVar[type] = _no_fields()

    def plan(self, ctx: Context, args: Any) -> Plan:
        """Judge the decision (raise :class:`DecisionError`) and say what it does."""
        raise NotImplementedError

    def commit(self, ledger: Ledger, decision: Decision) -> None:
        """Record the decision's effect on the exercise's state (after it was accepted)."""


ACTIONS: dict[str, Action] = {}
"""Action name -> the action (one instance each)."""


def register(cls: type[Action]) -> type[Action]:
    """Class decorator adding an action to :data:`ACTIONS`."""
    if not cls.name or cls.name in ACTIONS:
        raise ValueError(f"action name {cls.name!r} missing or registered twice")
    ACTIONS[cls.name] = cls()
    return cls


def _basis(ctx: Context) -> str:
    return f"tabletop decision by {ctx.delegation} ({ctx.config.label}): {ctx.config.cost_basis}"


def _policy(ctx: Context, lever: str, countries: list[str], params: dict,
            total_usd: float) -> dict:
    """Spec of a policy change in force over the decision's days."""
    return {"kind": "policy", "name": ctx.change_name(), "policy": {
        "lever": lever, "countries": countries, "start": ctx.start, "end": ctx.end,
        "cost_usd_per_year": ctx.yearly_cost(total_usd), "cost_basis": _basis(ctx),
        "params": params}}


def _bundle(ctx: Context, changes: list[dict]) -> dict:
    """Spec of several lever settings in force together over the decision's days (the
    timeline's ``shock`` kind: one start, one duration)."""
    duration = None if ctx.end is None else ctx.end - ctx.start
    return {"kind": "shock", "shock": {
        "name": ctx.change_name(), "description": ctx.config.label, "start": ctx.start,
        "duration_days": duration, "changes": changes}}


def _partner(ctx: Context, partner: str, *, delegation: bool, neighbour: bool) -> None:
    """Check a partner country named in a decision."""
    me = ctx.delegation
    if partner == me:
        raise ctx.refuse("partner", partner, f"must be another country than {me}")
    if delegation and partner not in ctx.delegations:
        others = ", ".join(d for d in ctx.delegations if d != me)
        raise ctx.refuse("partner", partner, f"must be another delegation of the exercise "
                                             f"({others})")
    if not delegation and partner not in ctx.geo.core:
        raise ctx.refuse("partner", partner, f"must be a core country of the region "
                                             f"({', '.join(ctx.geo.core)})")
    if neighbour and partner not in ctx.geo.neighbours[me]:
        raise ctx.refuse("partner", partner, f"{me} and {partner} share no border "
                                             f"({me}'s neighbours: "
                                             f"{', '.join(ctx.geo.neighbours[me])})")


# --------------------------------------------------------------------------- patrols


@dataclass(frozen=True)
class DeployParams:
    """Parameters of :class:`DeployPatrols`."""

    radius_km: float = spec(5, 500, default=45.0, unit="km",
                            doc="radius of the area around the named place")
    patrol_focus: float = spec(0, 1000, default=4.0,
                               doc="extra attraction of the area's cells for the "
                                   "delegation's patrols (as a joint operation's pooled zone)")
    post_gain: float = spec(0, 10, default=0.5,
                            doc="relative detection gain of the delegation's posts in the "
                                "area (reinforced by the deployed units)")


@dataclass(frozen=True)
class DeployArgs:
    """What a delegation chooses when it deploys patrols."""

    area: str = spec(doc="a place or crossing of the region: the delegation's own, or a "
                         "partner's under a joint operation the partner has accepted")
    units: str = spec(choices=("both", "patrols", "posts"), default="both",
                      doc="which units: mobile patrols drawn to the area, its border posts "
                          "reinforced, or both")


@register
class DeployPatrols(Action):
    """Deploy or move patrols to a named area: the delegation's patrols are drawn to the
    land cells within ``radius_km`` of the place (the ``joint_border`` cells with its
    ``joint_focus``, as a joint operation's pooled zone) and its posts there detect more
    (``unit_effectiveness``); ``units`` chooses the patrols, the posts or both. Moving
    patrols is deploying them elsewhere the next turn."""

    name = "deploy_patrols"
    doc = "patrols drawn to a named area and posts there reinforced, for the duration"
    Params = DeployParams
    Args = DeployArgs

    def plan(self, ctx: Context, args: DeployArgs) -> Plan:
        me, geo, p = ctx.delegation, ctx.geo, ctx.params
        try:
            where = geo.site_countries(args.area)
        except KeyError:
            raise ctx.refuse("area", args.area, f"must be a place or crossing of region "
                                                f"{geo.world.region.name!r}") from None
        countries = [me]
        if me not in where:
            host = where[0]
            if ctx.ledger.agreement_after(me, host, ctx.start) is None:
                pending = ctx.ledger.pending_between(me, host)
                why = (f"{args.area} is in {host}: {me} may act there only under a joint "
                       f"operation {host} has accepted")
                if pending is not None:
                    why += (f" ({pending.proposer}'s proposal of turn "
                            f"{pending.proposed_turn} is not accepted yet)")
                raise ctx.refuse("area", args.area, why)
            countries.append(host)
        cells = geo.area_cells(args.area, p.radius_km, countries)
        if len(cells) == 0:
            raise ctx.refuse("area", args.area, f"has no land cell of "
                                                f"{' or '.join(countries)} within "
                                                f"{p.radius_km:g} km")
        basis = f"assumption: {ctx.config.label} ({me}, turn {ctx.turn})"
        changes = []
        if args.units in ("both", "patrols"):
            changes += [
                {"lever": "joint_border", "where": [int(c) for c in cells], "value": 1.0,
                 "basis": basis},
                {"lever": "joint_focus", "where": [me], "value": float(p.patrol_focus),
                 "basis": basis}]
        posts = geo.posts_near(args.area, p.radius_km, me)
        if args.units in ("both", "posts"):
            if len(posts) == 0:
                if args.units == "posts":
                    raise ctx.refuse("units", args.units, f"{me} has no border post within "
                                                          f"{p.radius_km:g} km of {args.area}")
            elif p.post_gain > 0:
                changes.append({"lever": "unit_effectiveness",
                                "where": [int(u) for u in posts],
                                "scale": 1.0 + float(p.post_gain), "basis": basis})
        if not changes:
            raise ctx.refuse("units", args.units, "changes nothing with this entry's "
                                                  "parameters (patrol_focus, post_gain)")
        what = {"both": "patrols", "patrols": "patrols", "posts": "units"}[args.units]
        summary = (f"{me} deploys {what} to {args.area} ("
                   + (f"{len(cells)} cells within {p.radius_km:g} km"
                      if args.units != "posts" else f"within {p.radius_km:g} km")
                   + ("" if args.units == "patrols" else
                      f", {len(posts)} of its posts reinforced") + ")")
        return Plan({me: ctx.config.cost_usd}, _bundle(ctx, changes), summary)


# --------------------------------------------------------------------------- joint operations


@dataclass(frozen=True)
class PartnerArgs:
    """What a delegation chooses when it deals with one partner."""

    partner: str = spec(doc="ISO3 code of the partner country")


@register
class ProposeJointOperation(Action):
    """Propose a joint operation to a neighbouring delegation; nothing changes in the model
    until the partner accepts (:class:`AcceptJointOperation`)."""

    name = "propose_joint_operation"
    doc = "a proposal to a neighbour; the joint operation starts only if the partner accepts"
    Args = PartnerArgs

    def plan(self, ctx: Context, args: PartnerArgs) -> Plan:
        me, partner = ctx.delegation, args.partner
        _partner(ctx, partner, delegation=True, neighbour=True)
        pending = ctx.ledger.pending_between(me, partner)
        if pending is not None:
            raise ctx.refuse("partner", partner, f"{pending.proposer} already proposed a joint "
                                                 f"operation to {pending.partner} in turn "
                                                 f"{pending.proposed_turn}, not answered yet")
        if ctx.ledger.agreement_after(me, partner, ctx.first_day) is not None:
            raise ctx.refuse("partner", partner, f"{me} and {partner} already have a joint "
                                                 f"operation in force")
        return Plan({me: ctx.config.cost_usd}, None,
                    f"{me} proposes a joint operation to {partner}", in_force=False)

    def commit(self, ledger: Ledger, decision: Decision) -> None:
        ledger.agreements.append(Agreement(decision.delegation, decision.args["partner"],
                                           decision.turn))


def _proposal_to_me(ctx: Context, partner: str) -> None:
    """Refuse an answer to ``partner`` unless it is a delegation with an open proposal of a
    joint operation to the deciding one."""
    _partner(ctx, partner, delegation=True, neighbour=False)
    if ctx.ledger.open_proposal(partner, ctx.delegation) is None:
        raise ctx.refuse("partner", partner, f"{partner} has no open proposal of a joint "
                                             f"operation to {ctx.delegation}")


@register
class AcceptJointOperation(Action):
    """Accept a neighbour's proposal: a ``joint_operations`` policy of the two countries
    (cross-border pursuit, pooled patrols on their shared border, joint posts) from the
    turn's first day plus the lead time; each partner pays the entry's cost."""

    name = "accept_joint_operation"
    doc = "the joint operation of the two countries, each paying the entry's cost"
    Params = JointOperationsParams
    Args = PartnerArgs

    def plan(self, ctx: Context, args: PartnerArgs) -> Plan:
        me, partner = ctx.delegation, args.partner
        _proposal_to_me(ctx, partner)
        cost = ctx.config.cost_usd
        for iso in (me, partner):
            if ctx.ledger.left(iso) < cost:
                raise ctx.refuse("partner", partner,
                                 f"the joint operation costs each partner USD {cost:,.0f} and "
                                 f"{iso} has USD {ctx.ledger.left(iso):,.0f} left")
        change = _policy(ctx, "joint_operations", [partner, me],
                         dataclasses.asdict(ctx.params), 2 * cost)
        return Plan({partner: cost, me: cost}, change,
                    f"{me} accepts {partner}'s joint operation")

    def commit(self, ledger: Ledger, decision: Decision) -> None:
        agreement = ledger.open_proposal(decision.args["partner"], decision.delegation)
        agreement.status, agreement.decided_turn = ACCEPTED, decision.turn
        agreement.start, agreement.end = decision.start, decision.end


@register
class DeclineJointOperation(Action):
    """Decline a neighbour's proposal of a joint operation."""

    name = "decline_joint_operation"
    doc = "the proposal is closed; nothing changes in the model"
    Args = PartnerArgs

    def plan(self, ctx: Context, args: PartnerArgs) -> Plan:
        me, partner = ctx.delegation, args.partner
        _proposal_to_me(ctx, partner)
        return Plan({me: ctx.config.cost_usd}, None,
                    f"{me} declines {partner}'s joint operation", in_force=False)

    def commit(self, ledger: Ledger, decision: Decision) -> None:
        agreement = ledger.open_proposal(decision.args["partner"], decision.delegation)
        agreement.status, agreement.decided_turn = DECLINED, decision.turn


# --------------------------------------------------------------------------- intelligence


@dataclass(frozen=True)
class ShareParams:
    """Parameters of :class:`ShareIntelligence`."""

    delay_days: int = spec(0, 365, default=7, unit="days",
                           doc="days before a seizure of the delegation reaches the partners")


@dataclass(frozen=True)
class ShareArgs:
    """What a delegation chooses when it shares intelligence."""

    partners: list[str] = spec(doc="ISO3 codes of the countries that receive the "
                                   "delegation's seizure data")


@register
class ShareIntelligence(Action):
    """Share the delegation's seizure data with partner countries: their patrols are drawn
    to its seizure areas, a reporting delay late (``intel_share`` and ``intel_delay_days``
    of the pairs (partner, delegation)). Sharing is one way: the partners share back by
    their own decision."""

    name = "share_intelligence"
    doc = "partners' patrols see the delegation's seizures, a reporting delay late"
    Params = ShareParams
    Args = ShareArgs

    def plan(self, ctx: Context, args: ShareArgs) -> Plan:
        me = ctx.delegation
        for i, partner in enumerate(args.partners):
            if partner == me or partner not in ctx.geo.core:
                others = ", ".join(c for c in ctx.geo.core if c != me)
                raise ctx.refuse(f"partners[{i}]", partner, f"must be another core country "
                                                            f"of the region ({others})")
        if len(set(args.partners)) != len(args.partners):
            raise ctx.refuse("partners", args.partners, "countries must not repeat")
        pairs = [[p, me] for p in args.partners]
        basis = f"assumption: {ctx.config.label} ({me}, turn {ctx.turn})"
        changes = [
            {"lever": "intel_share", "where": pairs, "value": 1.0, "basis": basis},
            {"lever": "intel_delay_days", "where": pairs,
             "value": float(ctx.params.delay_days), "basis": basis},
        ]
        return Plan({me: ctx.config.cost_usd}, _bundle(ctx, changes),
                    f"{me} shares its seizure data with {', '.join(args.partners)}")


# --------------------------------------------------------------------------- justice


@dataclass(frozen=True)
class MlaParams:
    """Parameters of :class:`MlaRequest`."""

    delay_reduction: float = spec(0, 1, default=0.5,
                                  doc="share of the mutual-legal-assistance delay removed "
                                      "for the delegation's cases against the partner's "
                                      "nationals")


@dataclass(frozen=True)
class MlaArgs:
    """What a delegation chooses when it opens a request."""

    partner: str = spec(doc="ISO3 code of the requested country")
    request: str = spec(choices=("mla", "extradition"), default="mla",
                        doc="mutual legal assistance or extradition")


@register
class MlaRequest(Action):
    """Open a mutual-legal-assistance or extradition request: the delegation's cases
    against the partner's nationals wait less for the partner's answer (lever
    ``mla_delay_days`` of the pair (delegation, partner), set to the scenario's delay less
    ``delay_reduction``)."""

    name = "mla_request"
    doc = "shorter MLA/extradition delay for the delegation's cases against the partner's nationals"
    Params = MlaParams
    Args = MlaArgs

    def plan(self, ctx: Context, args: MlaArgs) -> Plan:
        me = ctx.delegation
        _partner(ctx, args.partner, delegation=False, neighbour=False)
        world = ctx.geo.world
        base = int(ctx.geo.base.mla_delay_days[world.country_index(me),
                                               world.country_index(args.partner)])
        days = int(round(base * (1.0 - ctx.params.delay_reduction)))
        change = {"kind": "set", "lever": "mla_delay_days", "value": days,
                  "where": [[me, args.partner]], "start": ctx.start, "end": ctx.end,
                  "mode": "set"}
        word = ("an extradition" if args.request == "extradition"
                else "a mutual-legal-assistance")
        return Plan({me: ctx.config.cost_usd}, change,
                    f"{me} opens {word} request to {args.partner} ({base} -> {days} days)")


@register
class CourtCapacity(Action):
    """Fund court capacity: a ``justice_capacity`` policy of the delegation's country."""

    name = "court_capacity"
    doc = "more trafficking cases decided, better case files, court-to-unit feedback"
    Params = JusticeCapacityParams

    def plan(self, ctx: Context, args: Any) -> Plan:
        me = ctx.delegation
        change = _policy(ctx, "justice_capacity", [me], dataclasses.asdict(ctx.params),
                         ctx.config.cost_usd)
        return Plan({me: ctx.config.cost_usd}, change, f"{me} funds court capacity")


# --------------------------------------------------------------------------- communities


@dataclass(frozen=True)
class LivelihoodParams:
    """Parameters of :class:`Livelihoods` (those of the ``livelihoods`` lever; its cost is
    the menu entry's)."""

    income_gain: float = spec(0, 1, default=0.3,
                              doc="rise of the legal income index of targeted communities")
    trust_gain: float = spec(0, 1, default=0.2,
                             doc="rise of the trust level targeted communities recover to")
    ramp_days: int = spec(0, 3650, unit="days", default=180,
                          doc="days to reach the full effect (linear)")
    border_km: float = spec(0, 2000, unit="km", default=60.0,
                            doc="target communities within this distance of a border")


@register
class Livelihoods(Action):
    """Start a livelihood programme in the delegation's border communities: a
    ``livelihoods`` policy of its country."""

    name = "livelihoods"
    doc = "legal income and trust rise in the delegation's border communities over a ramp-up"
    Params = LivelihoodParams

    def plan(self, ctx: Context, args: Any) -> Plan:
        me = ctx.delegation
        params = {**dataclasses.asdict(ctx.params), "cost_usd_per_person_year": 0.0}
        change = _policy(ctx, "livelihoods", [me], params, ctx.config.cost_usd)
        return Plan({me: ctx.config.cost_usd}, change,
                    f"{me} starts a livelihood programme in its border communities")
