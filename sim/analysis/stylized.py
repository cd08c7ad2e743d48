"""Stylized facts (PEERS.md): experiments on the default scenario, paired by seed.

Each fact is a pair of arms (a reference and a treatment, each a set of dotted overrides
of the default West Africa config) and the quantities that tell whether the fact holds.
:func:`run_fact` runs both arms for each seed through an executor and returns one tidy
row per run; :func:`plot_fact` reads such a table (as saved to CSV) and never runs the
model. ``python -m experiments.stylized_facts`` writes ``docs/stylized_facts/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.analysis.compare import t_interval
from sim.config import ModelConfig, make_config, replace
from sim.metrics import flow_spread_km

CORRIDOR = ("Seme", "Idiroko")
"""The Lagos–Cotonou corridor: the two official Benin–Nigeria crossings nearest Lagos
(their border catchments overlap), the corridor of the displacement facts."""
CORRIDOR_BORDER = ("BEN", "NGA")
"""The border the corridor crosses; the rest of it holds the next-best routes."""
CORRIDOR_SOURCES = ("Badagry", "Ibadan")
"""The fuel sources whose desks' routes reach the corridor (the default scenario's southern
sources; Katsina, Sokoto and Illela supply Niger by the north): their desks' trade is the
trade a surge on the corridor can displace."""


def _outcomes(result, flow: np.ndarray | None = None, since: int = 1,
              org_source: np.ndarray | None = None) -> dict:
    """The quantities a fact is judged by: enforcement results, flows, their footprint and
    shipment sizes per commodity, flows through the :data:`CORRIDOR`'s border cells and
    through the rest of the border it crosses (:data:`CORRIDOR_BORDER`), and the people in
    the trade.

    ``flow`` (default: the whole run's) is the flow the footprints and the corridor's flows
    are counted on, and ``since`` the first day whose deliveries and seizures give the mean
    shipment sizes; totals (arrests, delivered, seized, ...) are the whole run's, so two
    arms that are the same run up to a day differ by what happened from that day on.

    ``org_source`` (cell of each organisation's source, ``OrganisationLayout.source``) adds
    ``corridor_desks_delivered_<c>``: what the desks loading at :data:`CORRIDOR_SOURCES`
    delivered over the whole run (commodity unit)."""
    s, events = result.summary, result.events
    flow = result.flow if flow is None else flow
    ev = events[events["step"] >= since] if since > 1 else events
    out = {}
    if org_source is not None:
        cells = [result.region.site(name).cell for name in CORRIDOR_SOURCES]
        desks = np.flatnonzero(np.isin(org_source, cells))
        from_corridor = (events["event"] == "delivery") & events["organisation"].isin(desks)
    for key in ("arrests", "seized_value_usd", "trafficker_revenue_usd", "couriers_active_end",
                "couriers_detained_end", "couriers_imprisoned_end", "participation_end",
                "recruits"):
        out[key] = float(s[key])
    corridor = _corridor_cells(result, CORRIDOR)
    border = _border_between(result, *CORRIDOR_BORDER)
    beside = _beside(result, corridor, 2)
    for k, c in enumerate(result.commodities):
        for key in (f"delivered_{c}", f"seized_{c}"):
            out[key] = float(s[key])
        for what in ("delivery", "seizure"):
            q = ev.loc[(ev["event"] == what) & (ev["commodity"] == c), "quantity"]
            out[f"mean_{what}_{c}"] = float(q.mean()) if len(q) else float("nan")
        f = flow[k].ravel()
        out[f"route_cells_{c}"] = float(np.count_nonzero(f))
        out[f"spread_km_{c}"] = flow_spread_km(result.region, f)
        out[f"corridor_flow_{c}"] = float(f[corridor].sum())
        out[f"rest_of_border_flow_{c}"] = float(f[border & ~corridor].sum())
        out[f"beside_corridor_flow_{c}"] = float(f[border & beside].sum())
        if org_source is not None:
            out[f"corridor_desks_delivered_{c}"] = float(
                events.loc[from_corridor & (events["commodity"] == c), "quantity"].sum())
    return out


def _border_between(result, a: str, b: str) -> np.ndarray:
    """Cells of country ``a`` or ``b`` with a neighbour (of eight) in the other (bool
    mask): every route from one to the other enters one."""
    reg = result.region
    ia, ib = reg.country_index(a), reg.country_index(b)
    grid = np.pad(reg.country, 1, constant_values=-1)
    mid = grid[1:-1, 1:-1]
    near = np.zeros(mid.shape, bool)
    for dr, dc in ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)):
        nb = grid[1 + dr:grid.shape[0] - 1 + dr, 1 + dc:grid.shape[1] - 1 + dc]
        near |= ((mid == ia) & (nb == ib)) | ((mid == ib) & (nb == ia))
    return near.ravel()


def _beside(result, cells: np.ndarray, radius: int) -> np.ndarray:
    """Cells within ``radius`` cells (Chebyshev) of ``cells``, but not ``cells`` (mask)."""
    from scipy.ndimage import binary_dilation

    grid = cells.reshape(result.region.shape)
    near = binary_dilation(grid, np.ones((2 * radius + 1, 2 * radius + 1), bool))
    return (near & ~grid).ravel()


def _corridor_cells(result, crossings: Sequence[str]) -> np.ndarray:
    """The cells of the named crossings (bool mask): where their posts stand."""
    reg = result.region
    mask = np.zeros(reg.country.size, bool)
    mask[[x.cell for x in reg.crossings if x.name in crossings]] = True
    return mask


@dataclass(frozen=True)
class Fact:
    """A stylized fact: what it says, its two arms and the horizon."""

    name: str
    says: str
    source: str
    reference: dict = field(default_factory=dict)
    treatment: dict = field(default_factory=dict)
    treatment_changes: tuple[dict, ...] = ()
    """Timed changes of the treatment arm (``model.add_change`` mappings)."""
    arms: tuple[str, str] = ("reference", "treatment")
    steps: int = 180
    seeds: int = 6
    """How many paired seeds its test and figure run."""
    first_seed: int = 1
    """The first of them (seeds ``first_seed`` .. ``first_seed + seeds - 1``)."""
    detail: str = ""
    """What the arms are, in a few words (figure title)."""
    verdict: str = ""
    """Whether the model produces the fact (figure title; the tests say the same)."""
    show: tuple[str, ...] = ("arrests", "seized_value_usd", "delivered_fuel", "delivered_gold",
                             "route_cells_cocaine", "spread_km_gold")
    """The six quantities of its figure."""

    @property
    def start(self) -> int:
        """Day the treatment's timed changes start (1 without any, or from day 0). Both
        arms are the same run up to it, the footprints, the corridor's flows and the mean
        shipment sizes are counted from it, and the totals' paired differences are what
        happened from it on (a start after the warm-up compares against a trade that has
        settled)."""
        return max(1, min((int(c["start"]) for c in self.treatment_changes), default=1))


CORRIDOR_POSTS_X5 = ({"kind": "set", "lever": "unit_effectiveness", "value": 5.0,
                      "where": list(CORRIDOR), "start": 0, "end": None, "mode": "scale"},)
"""The displacement treatment: the posts at the corridor's crossings detect five times as
well from the first day (a joint operation's surge on one corridor)."""

DETECTION_X2 = ({"kind": "set", "lever": "unit_effectiveness", "value": 2.0, "where": None,
                 "start": 0, "end": None, "mode": "scale"},)
"""Every post and patrol detects twice as well from the first day (the treatment of the
incapacitation fact; :data:`UNITS_X2` is the same after the warm-up)."""

WARM_UP_DAYS = 180
"""Days before the treatment of the displacement and footprint facts: the default trade's
first months are a transient (fuel delivered falls by about two fifths over the first 60
days while couriers and routes settle: 5.7-6.0 M L a day over days 1-10, 3.3-3.5 over days
50-60, seeds 1-2), and a treatment started in it mixes its effect with the settling."""

def _after_warm_up(changes: tuple[dict, ...]) -> tuple[dict, ...]:
    """``changes`` starting the day after :data:`WARM_UP_DAYS`."""
    return tuple(dict(c, start=WARM_UP_DAYS + 1) for c in changes)


UNITS_X2 = _after_warm_up(DETECTION_X2)
"""Every post and patrol detects twice as well from the day after the warm-up."""


FACTS: dict[str, Fact] = {f.name: f for f in (
    Fact("displacement",
         "Enforcement on one corridor diverts flow to the next-best routes, and the "
         "displacement is partial: total flow falls by less than the local drop.",
         "Dell (2015); Guerette & Bowers (2009); PEERS.md facts 1 and 2",
         treatment_changes=_after_warm_up(CORRIDOR_POSTS_X5), steps=WARM_UP_DAYS + 365,
         seeds=12, first_seed=13,
         arms=("default", "corridor posts x5"),
         verdict="Diversion produced (tested: less fuel through the corridor, more on the rest "
                 "of the border). Partial displacement NOT shown: the Badagry and Ibadan desks' "
                 "deliveries fall by about the local drop (test: expected failure).",
         detail=f"after a {WARM_UP_DAYS}-day warm-up, the posts at Seme and Idiroko "
                "(Lagos–Cotonou) detect five times as well for a year; fuel through the "
                "corridor's crossing cells, beside them, on the rest of the Benin–Nigeria "
                "border (flows of that year), delivered by the desks loading at Badagry and "
                "Ibadan, and delivered in all",
         show=("corridor_flow_fuel", "beside_corridor_flow_fuel", "rest_of_border_flow_fuel",
               "corridor_desks_delivered_fuel", "delivered_fuel", "seized_fuel")),
    Fact("interdiction_spreads",
         "More interdiction gives smaller shipments and a wider spatial footprint.",
         "NarcoLogic (Magliocca et al., PNAS 2019), PEERS.md fact 3",
         treatment_changes=UNITS_X2, steps=WARM_UP_DAYS + 365, seeds=12,
         arms=("default detection", "detection x2"),
         verdict="Produced as more cells (tested: smaller fuel loads delivered and seized, "
                 "more cells crossed by fuel); the fuel's flow-weighted spread in km does not "
                 "widen.",
         detail=f"after a {WARM_UP_DAYS}-day warm-up, every post and patrol detects twice as "
                "well for a year (footprints and loads of that year)",
         show=("mean_delivery_fuel", "mean_seizure_fuel", "route_cells_fuel",
               "mean_delivery_cocaine", "route_cells_cocaine", "spread_km_fuel")),
    Fact("unpredictable_patrols",
         "Random allocation of patrols beats predictable allocation of the same effort.",
         "SOAR (RAND), PEERS.md fact 4",
         reference={"model.patrol_moves_per_day": 0, "model.patrol_redeploy_prob": 0.0},
         arms=("static patrols", "moving patrols"),
         verdict="Produced (tested: more arrests, less fuel and gold through).",
         detail="moving: the default random walks and re-tasking; static: the same patrols, "
                "never moved"),
    Fact("incapacitation",
         "Without less recruitment, more arrests do not shrink the number of people in the "
         "trade for long.",
         "Prieto-Curiel et al. (Science 2023), PEERS.md fact 6",
         treatment_changes=DETECTION_X2,
         arms=("default detection", "detection x2"),
         verdict="Produced (tested: more arrests and recruits, participation not lower).",
         detail="every post and patrol detects twice as well from day 1; recruitment "
                "unchanged",
         show=("arrests", "couriers_detained_end", "couriers_imprisoned_end", "recruits",
               "couriers_active_end", "participation_end")),
)}
"""The stylized facts the model is tested against (tests/test_stylized_facts.py)."""


def fact_task(config: ModelConfig, overrides: dict) -> dict:
    """Executor task: one run of one arm (``overrides["changes"]``: its timed changes;
    ``overrides["since"]``: the day outcomes are counted from, default 1); returns
    :func:`_outcomes` of it."""
    from sim.simulate import build

    over = dict(overrides)
    changes = over.pop("changes", ())
    since = int(over.pop("since", 1))
    model = build(replace(config, **over), changes=changes)
    before = None
    if since > 1:
        model.run(since - 1)
        before = model.mechanisms["couriers"].flow.copy()
    return _finish(model, since, before)


def fork_task(config: ModelConfig, overrides: dict) -> dict:
    """Executor task: both arms of a fact whose arms are the same run up to the day before
    ``overrides["since"]`` (the same overrides; the treatment's timed changes start then).
    The shared days are run once; the model is then copied (pickled) and the treatment's
    changes added to the copy, so each arm is the run :func:`fact_task` makes of it, value
    for value. Returns :func:`_outcomes` of each arm, under ``"reference"`` and
    ``"treatment"``."""
    import pickle

    from sim.simulate import build

    over = dict(overrides)
    changes = over.pop("changes")
    since = int(over.pop("since"))
    model = build(replace(config, **over))
    model.run(since - 1)
    before = model.mechanisms["couriers"].flow.copy()
    twin = pickle.loads(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    for change in changes:
        twin.add_change(change)
    return {arm: _finish(m, since, before)
            for arm, m in (("reference", model), ("treatment", twin))}


def _finish(model, since: int, before: np.ndarray | None) -> dict:
    """Run ``model`` to its end; :func:`_outcomes` of the run, its flows counted from day
    ``since`` (``before``: the flow up to the day before)."""
    from sim.simulate import collect

    model.run()
    result = collect(model)
    flow = None if before is None else result.flow - before.reshape(result.flow.shape)
    return _outcomes(result, flow, since, model.world.organisations.source)


def forks(fact: Fact) -> bool:
    """Whether the two arms of ``fact`` are the same run up to its :attr:`Fact.start`: the
    same overrides, and timed changes that start after day 1 (the shared days are then run
    once, :func:`fork_task`)."""
    return fact.reference == fact.treatment and fact.start > 1


def run_fact(name: str, seeds: Sequence[int] | None = None, workers: int = 2) -> pd.DataFrame:
    """Run both arms of fact ``name`` for each seed (default: the fact's, 1..``seeds``);
    one row per run (``arm``, ``seed`` and the quantities of :func:`_outcomes`).

    A fact whose arms share their first days (:func:`forks`) runs one task per seed
    (:func:`fork_task`), any other one task per arm and seed (:func:`fact_task`), on a
    pool of ``workers`` processes."""
    from sim.analysis.executor import ProcessExecutor, Task

    fact = FACTS[name]
    seeds = range(fact.first_seed, fact.first_seed + fact.seeds) if seeds is None else seeds
    base = make_config("west_africa", steps=fact.steps)
    if forks(fact):
        tasks = [Task(f"both:{seed}", {"seed": int(seed), **fact.reference,
                                       "changes": list(fact.treatment_changes),
                                       "since": fact.start}) for seed in seeds]
        fn = fork_task
    else:
        arms = ((fact.reference, ()), (fact.treatment, fact.treatment_changes))
        tasks = [Task(f"{arm}:{seed}", {"seed": int(seed), **over, "changes": list(changes),
                                        "since": fact.start})
                 for seed in seeds
                 for arm, (over, changes) in zip(fact.arms, arms, strict=True)]
        fn = fact_task
    executor = ProcessExecutor(min(len(tasks), workers), fn=fn)
    rows = []
    for out in executor.run(base, tasks):
        if not out.ok:
            raise RuntimeError(f"run {out.task.key} of fact {name} failed: {out.error}")
        arm, seed = out.task.key.rsplit(":", 1)
        if arm != "both":
            rows.append({"arm": arm, "seed": int(seed), **out.result})
            continue
        for label, part in zip(fact.arms, ("reference", "treatment"), strict=True):
            rows.append({"arm": label, "seed": int(seed), **out.result[part]})
    return pd.DataFrame(rows).sort_values(["arm", "seed"]).reset_index(drop=True)


def paired(table: pd.DataFrame, column: str, arms: tuple[str, str]) -> pd.Series:
    """Per seed: the treatment arm's value minus the reference arm's."""
    wide = table.pivot(index="seed", columns="arm", values=column)
    return wide[arms[1]] - wide[arms[0]]


LABELS = {
    "corridor_flow_fuel": ("fuel through the corridor's crossing cells", "L"),
    "beside_corridor_flow_fuel": ("fuel on the border within 2 cells of them", "L"),
    "rest_of_border_flow_fuel": ("fuel on the rest of the Benin–Nigeria border", "L"),
    "corridor_desks_delivered_fuel": ("fuel delivered by the desks loading at Badagry and "
                                      "Ibadan", "L"),
    "mean_delivery_fuel": ("mean fuel load delivered", "L"),
    "mean_seizure_fuel": ("mean fuel load seized", "L"),
    "mean_delivery_cocaine": ("mean cocaine load delivered", "kg"),
}
"""Labels of the fact-specific quantities (the rest come from the metrics registry)."""


def plot_fact(table: pd.DataFrame, name: str, path) -> None:
    """The figure of one fact, from its table (see the module docstring)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.metrics import describe_column

    fact = FACTS[name]
    ref, treat = fact.arms
    units = {"cocaine": "kg", "fuel": "L", "gold": "kg"}  # the default scenario's
    cols = list(fact.show)
    fig, axes = plt.subplots(2, 3, figsize=(12, 7.4), squeeze=False)
    for ax, col in zip(axes.ravel(), cols, strict=True):
        wide = table.pivot(index="seed", columns="arm", values=col)
        ax.plot([0, 1], wide[[ref, treat]].T.values, color="#999999", lw=0.8)
        ax.scatter(np.zeros(len(wide)), wide[ref], color="#4c72b0", zorder=3)
        ax.scatter(np.ones(len(wide)), wide[treat], color="#dd8452", zorder=3)
        iv = t_interval((wide[treat] - wide[ref]).to_numpy())
        m, lo, hi = iv.mean, iv.low, iv.high
        ax.set_xticks([0, 1], [ref, treat], fontsize=8)
        ax.set_xlim(-0.4, 1.4)
        label, unit = LABELS.get(col) or describe_column(col, units)
        ax.set_title(f"{label} ({unit})\nchange {m:+.3g} (95 % CI {lo:+.3g} to {hi:+.3g})",
                     fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    n = table["seed"].nunique()
    import textwrap

    sub = (f"({fact.source}; West Africa, {fact.steps} days, {n} seeds paired, "
           f"{treat} vs {ref}; {fact.detail})")
    fig.suptitle("\n".join(textwrap.fill(line, 150) for line in (fact.says, fact.verdict, sub)),
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


LEADER_LEVELS = (0.0, 0.0002, 0.0005, 0.001, 0.002)
"""``leader_hit_prob`` of the leader-disruption experiment (PEERS.md fact 5)."""


def task_forces_everywhere(p: float) -> dict:
    """The shipped task-forces package, in every country, against every commodity, with
    ``leader_hit_prob`` ``p``."""
    from sim.config import read_policy

    package = read_policy("task_forces")
    tf = package["policies"]["task_forces"]
    tf["countries"] = ["all"]
    tf["params"] = {"leader_hit_prob": p, "commodities": [], "kinds": []}
    return package


def leader_task(config: ModelConfig, overrides: dict) -> dict:
    """Executor task: one run with task forces at ``overrides["hit"]`` (0 = none)."""
    from sim.simulate import simulate

    over = dict(overrides)
    hit = over.pop("hit")
    if hit:
        over["policy"] = task_forces_everywhere(hit)
    s = simulate(replace(config, **over)).summary
    return {"capacity": float(s["organisation_capacity_end"]), "leaders": float(s["leaders_end"])}


def run_leader_disruption(seeds: Sequence[int], exponents: Sequence[float] = (0.5, 2.0),
                          steps: int = 180, executor=None) -> pd.DataFrame:
    """Fact 5: for each capacity exponent and task-force strength, the share of leaders lost
    and of organisation capacity lost at the end, against the same seed without task forces."""
    from sim.analysis.executor import ProcessExecutor, Task

    base = make_config("west_africa", steps=steps)
    tasks = [Task(f"{e}:{h}:{s}", {"seed": int(s), "hit": h,
                                   "model.capacity_leader_exponent": float(e)})
             for e in exponents for h in LEADER_LEVELS for s in seeds]
    executor = executor or ProcessExecutor(2, fn=leader_task)
    got = {}
    for out in executor.run(base, tasks):
        if not out.ok:
            raise RuntimeError(f"run {out.task.key} failed: {out.error}")
        got[out.task.key] = out.result
    rows = []
    for e in exponents:
        for h in LEADER_LEVELS[1:]:
            for s in seeds:
                ref, run = got[f"{e}:0.0:{s}"], got[f"{e}:{h}:{s}"]
                rows.append({"exponent": e, "leader_hit_prob": h, "seed": s,
                             "leaders_lost": 1 - run["leaders"] / ref["leaders"],
                             "capacity_lost": 1 - run["capacity"] / ref["capacity"]})
    return pd.DataFrame(rows)


def plot_leader_disruption(table: pd.DataFrame, path) -> None:
    """Capacity lost against leaders lost, per exponent (from a saved table)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    for (e, group), colour in zip(table.groupby("exponent"), ("#c44e52", "#4c72b0"),
                                  strict=False):
        mean = group.groupby("leader_hit_prob")[["leaders_lost", "capacity_lost"]].mean()
        ax.scatter(group["leaders_lost"] * 100, group["capacity_lost"] * 100, color=colour,
                   alpha=0.35, s=14)
        ax.plot(mean["leaders_lost"] * 100, mean["capacity_lost"] * 100, "o-", color=colour,
                label=f"capacity_leader_exponent {e:g}" + (" (shipped)" if e == 2.0 else ""))
    ax.plot([0, 100], [0, 100], color="#999999", ls="--", lw=1, label="in proportion")
    top = float(max(table["leaders_lost"].max(), table["capacity_lost"].max()) * 100 + 5)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("leaders lost at the end (% of the same seed without task forces)")
    ax.set_ylabel("organisation capacity lost (%)")
    n = table["seed"].nunique()
    ax.set_title("Arresting leaders: disruption more than in proportion, with diminishing\n"
                 f"returns (MADTOR, PEERS.md fact 5)? West Africa, 180 days, {n} seeds; task "
                 "forces\neverywhere, leader_hit_prob " + ", ".join(f"{h:g}" for h in
                                                                   LEADER_LEVELS[1:]),
                 fontsize=9)
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


__all__ = ["FACTS", "Fact", "LEADER_LEVELS", "fact_task", "leader_task", "paired", "plot_fact",
           "plot_leader_disruption", "run_fact", "run_leader_disruption", "task_forces_everywhere"]
