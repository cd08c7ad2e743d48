"""The after-action report: what happened, what each decision changed, and lessons.

"What each decision changed" is measured against the same exercise without it: the log's
timed changes are run again without the decision's change (and without the decisions that
rest on it: a joint operation's acceptance rests on its proposal, a deployment in a
partner's territory on their joint operation), on the exercise's seed and the next ones
(``after_action_seeds``), paired by seed (common random numbers). A count is summed from
the decision's turn to the end; a level is taken at the end. With one seed the difference
is that run's; with more, the mean difference and its 95 % t-interval
(:func:`sim.analysis.compare.t_interval`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sim.analysis.compare import t_interval
from sim.exercise.indicators import Indicator, country_indicators, region_indicators
from sim.exercise.runs import run_futures, without_each

REGION = "region"
"""The ``country`` of region-wide indicators in tables."""


def _units(session) -> dict[str, str]:
    return {k: v.unit for k, v in session.model.config.scenario.commodities.items()}


def dependents(session, index: int) -> list[int]:
    """Indices of the decisions that rest on decision ``index`` (itself included)."""
    decisions = session.ledger.decisions
    menu = session.config.menu
    d = decisions[index]
    action = menu[d.option].action
    out = [index]
    if action == "propose_joint_operation":
        for j in range(index + 1, len(decisions)):
            e = decisions[j]
            if (menu[e.option].action == "accept_joint_operation"
                    and e.delegation == d.args["partner"] and e.args["partner"] == d.delegation):
                out += dependents(session, j)
                break
    elif action == "accept_joint_operation":
        pair = {d.delegation, d.args["partner"]}
        for j in range(index + 1, len(decisions)):
            e = decisions[j]
            if menu[e.option].action == "deploy_patrols" and e.delegation in pair:
                host = session.geo.site_countries(e.args["area"])
                if e.delegation not in host and (pair - {e.delegation}) & set(host):
                    out.append(j)
    return sorted(set(out))


def total(turns: list[dict], ind: Indicator, country: str, from_turn: int) -> float:
    """An indicator over turns ``from_turn ..`` (counts summed, levels at the end)."""
    def value(t):
        node = t["region"] if country == REGION else t["countries"][country]
        return float(node[ind.name])

    if ind.kind == "level":
        return value(turns[-1])
    return float(sum(value(t) for t in turns[from_turn - 1:]))


@dataclass
class AfterAction:
    """The counterfactual comparison of every decision that changed the model.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per decision, country (or ``region``) and indicator: ``decision, turn,
        delegation, option, summary, country, indicator, label, unit, better, n_seeds,
        with_mean, without_mean, difference, ci_low, ci_high``.
    skipped : list of tuple
        ``(decision index, summary, why)`` of decisions not compared.
    seeds : list of int
    """

    table: pd.DataFrame
    skipped: list
    seeds: list


def after_action(session, seeds: int | None = None, workers: int | None = None) -> AfterAction:
    """Run the exercise again without each decision and compare.

    Parameters
    ----------
    session : Session
        A finished play.
    seeds : int, optional
        Seeds to compare on (default the exercise's ``after_action_seeds``): the
        exercise's seed and the next ones.
    workers : int, optional
        Processes (see :func:`sim.exercise.runs.run_futures`).
    """
    n_seeds = session.config.after_action_seeds if seeds is None else seeds
    seed_list = [session.seed + i for i in range(n_seeds)]
    decisions = session.ledger.decisions
    changes = iter(session.decision_changes())
    plan = [[] for _ in range(session.config.turns)]
    for i, d in enumerate(decisions):
        if d.change is not None:
            plan[d.turn - 1].append([i, next(changes)])
    has_change = {i for turn in plan for i, _ in turn}
    variants, skipped, same = {}, [], {}
    for i, d in enumerate(decisions):
        drop = dependents(session, i)
        key = tuple(j for j in drop if j in has_change)
        if not key:
            skipped.append((i, d.summary, "changes nothing in the model by itself"))
            continue
        if key in same:  # a proposal and its acceptance leave out the same changes
            same[key].append(i)
            continue
        same[key] = [i]
        variants[str(i)] = list(key)
    tasks = [{"key": str(s), "seed": s, "injects": session.inject_specs(), "turns": plan,
              "variants": variants, "turn_days": session.config.turn_days,
              "countries": list(session.delegations)} for s in seed_list]
    results = run_futures(session.model.config, tasks, workers, fn=without_each) \
        if variants else []
    by_key = {}
    for r in results:
        by_key[f"all/{r['seed']}"] = r["all"]
        for indices in same.values():
            for i in indices:
                by_key[f"{i}/{r['seed']}"] = r[str(indices[0])]
    compared = sorted((i, None) for indices in same.values() for i in indices)
    rows = []
    countries = [*session.delegations, REGION]
    for i, _ in compared:
        d = decisions[i]
        for country in countries:
            for ind in (region_indicators(_units(session), {g: g for g in
                                                             session.model.world.armed.names})
                        if country == REGION else country_indicators(_units(session))):
                w = [total(by_key[f"all/{s}"], ind, country, d.turn) for s in seed_list]
                wo = [total(by_key[f"{i}/{s}"], ind, country, d.turn) for s in seed_list]
                diff = t_interval([a - b for a, b in zip(w, wo, strict=True)])
                rows.append({
                    "decision": i + 1, "turn": d.turn, "delegation": d.delegation,
                    "option": d.option, "summary": d.summary, "country": country,
                    "indicator": ind.name, "label": ind.label, "unit": ind.unit,
                    "better": ind.better, "resolution": ind.resolution,
                    "n_seeds": len(seed_list),
                    "with_mean": _r(sum(w) / len(w)), "without_mean": _r(sum(wo) / len(wo)),
                    "difference": _r(diff.mean), "ci_low": _r(diff.low),
                    "ci_high": _r(diff.high)})
    return AfterAction(pd.DataFrame(rows, columns=_COLUMNS), skipped, seed_list)


_COLUMNS = ["decision", "turn", "delegation", "option", "summary", "country", "indicator",
            "label", "unit", "better", "resolution", "n_seeds", "with_mean", "without_mean",
            "difference", "ci_low", "ci_high"]


def _r(x: float) -> float:
    return x if math.isnan(x) else round(float(x), 4)


def involved(session, index: int) -> list[str]:
    """Countries a decision concerns: who pays, its partners and the area's country."""
    d = session.ledger.decisions[index]
    out = list(d.charges)
    for key in ("partner",):
        if key in d.args and d.args[key] not in out:
            out.append(d.args[key])
    for p in d.args.get("partners", []):
        if p not in out:
            out.append(p)
    if "area" in d.args:
        out += [c for c in session.geo.site_countries(d.args["area"]) if c not in out]
    return out


def clear(row) -> bool:
    """Whether a comparison row shows a difference: at least the indicator's resolution,
    and with several seeds an interval that excludes 0."""
    if abs(row["difference"]) < row["resolution"]:
        return False
    if row["n_seeds"] < 2:
        return True
    return (row["ci_low"] > 0) or (row["ci_high"] < 0)


def relative(r) -> float:
    """A difference relative to the larger of the two means (0-1)."""
    scale = max(abs(r["without_mean"]), abs(r["with_mean"]))
    return abs(r["difference"]) / scale if scale else 0.0


def headline(aa: AfterAction, session, index: int, limit: int = 4) -> list[dict]:
    """The largest relative differences a decision made in the countries it concerns and
    the region (rows of :attr:`AfterAction.table` that show a difference)."""
    t = aa.table
    rows = t[(t["decision"] == index + 1)
             & t["country"].isin([*involved(session, index), REGION])]
    rows = [r for _, r in rows.iterrows() if clear(r)]

    def size(r):
        return relative(r)

    return sorted(rows, key=lambda r: (-size(r), r["country"], r["indicator"]))[:limit]


def lessons(session, aa: AfterAction) -> list[str]:
    """Lessons drawn from the numbers of the play and the comparison (plain sentences)."""
    out = []
    c = session.config
    decisions = session.ledger.decisions
    for iso in session.delegations:
        spent = session.ledger.spent[iso]
        budget = c.delegations[iso].budget_usd
        n = sum(1 for d in decisions if d.delegation == iso)
        share = f"{spent / budget:.0%}" if budget else "all"
        out.append(f"{c.delegations[iso].name} took {n} decisions and spent USD "
                   f"{spent:,.0f} of USD {budget:,.0f} ({share}).")
    quiet = []
    for iso in session.delegations:
        totals = [t.indicators["countries"][iso] for t in session.turns]
        busy = sum(v["arrests"] + v["escapes"] + v["bribes"] for v in totals)
        moved = sum(v[k] for v in totals for k in v if k.startswith("delivered_"))
        if busy == 0 and moved == 0:
            quiet.append(iso)
    for iso in quiet:
        out.append(f"No courier was detected, escaped or delivered in "
                   f"{c.delegations[iso].name} in any turn: the model's trafficking routes do "
                   f"not pass there in this scenario, so decisions acting in {iso} alone "
                   f"cannot change its flows.")
    best, none = None, []
    for i, d in enumerate(decisions):
        if d.change is None and not aa.table["decision"].eq(i + 1).any():
            continue
        top = headline(aa, session, i, 1)
        if not top:
            none.append(d.summary)
            continue
        r = top[0]
        size = relative(r)
        if best is None or size > best[0]:
            best = (size, d, r)
    if best is not None:
        _, d, r = best
        where = "the region" if r["country"] == REGION else r["country"]
        out.append(f"The largest relative change of any decision: turn {d.turn}, "
                   f"{d.summary}: {r['label']} in {where} {r['without_mean']:,.4g} -> "
                   f"{r['with_mean']:,.4g} {r['unit']} ({_pct(r)}).")
    if none:
        seeds = len(aa.seeds)
        how = "on the exercise's seed" if seeds == 1 else \
            f"whose 95 % interval excludes zero over {seeds} seeds"
        out.append(f"{len(none)} decision(s) made no difference {how} in the countries they "
                   f"concern: " + "; ".join(none) + ".")
    if len(aa.seeds) == 1:
        out.append("The comparisons use one seed (the exercise's): paired by seed, but a "
                   "difference still mixes the decision's effect with the model's own "
                   "randomness. Raise after_action_seeds, or branch the log with --seeds, "
                   "for intervals.")
    return out


def _pct(r) -> str:
    base = r["without_mean"]
    if not base:
        return f"{r['difference']:+,.4g}"
    return f"{r['difference'] / abs(base):+.0%}"
