"""Futures of an exercise run again: the same injects and decisions (or fewer, or others)
on other seeds, in worker processes.

A future is the model built with a list of timed changes (the specs of a log) and advanced
turn by turn, with the indicators measured after each turn exactly as in a play
(:func:`sim.exercise.indicators.measure`). :func:`without_each` runs one seed's play and,
from copies of its model pickled at the start of each turn (a pickled model continues
bit-identically), the same play without given decisions: a decision of turn k costs only
the turns from k on. :func:`run_futures` runs many tasks through the project's executor
(:class:`sim.analysis.executor.ProcessExecutor`); results come back in the order of the
tasks whatever order they finish in, so outputs do not depend on scheduling.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence

from sim.analysis.executor import ProcessExecutor, Task
from sim.config import ConfigError, ModelConfig, replace
from sim.exercise.indicators import measure
from sim.simulate import build


def future_indicators(config: ModelConfig, overrides: dict) -> dict:
    """One future: the indicators of every turn.

    Parameters
    ----------
    config : ModelConfig
        The exercise's model config (its steps are the exercise's days).
    overrides : dict
        ``seed`` (int), ``changes`` (list of timed-change specs, injects first),
        ``turn_days`` (days), ``countries`` (ISO3 codes to measure).

    Returns
    -------
    dict
        ``{"seed": seed, "turns": [measure(...) of turn 1, ...]}``.
    """
    model = build(replace(config, seed=int(overrides["seed"])),
                  changes=overrides["changes"])
    days, turns = int(overrides["turn_days"]), config.steps // int(overrides["turn_days"])
    out = []
    for k in range(turns):
        model.advance(days)
        out.append(measure(model, k * days + 1, (k + 1) * days, overrides["countries"]))
    return {"seed": int(overrides["seed"]), "turns": out}


def without_each(config: ModelConfig, overrides: dict) -> dict:
    """One seed's play, and the same play without each of some sets of decisions.

    Parameters
    ----------
    config : ModelConfig
        The exercise's model config.
    overrides : dict
        ``seed``; ``injects`` (specs); ``turns``: per turn, the ``[index, spec]`` of each
        decision's change added at its start; ``variants``: name -> indices of the
        decisions left out; ``turn_days``; ``countries``.

    Returns
    -------
    dict
        ``{"seed": seed, "all": [indicators per turn], <variant>: [...], ...}``.
    """
    days, countries = int(overrides["turn_days"]), overrides["countries"]
    plan = overrides["turns"]
    model = build(replace(config, seed=int(overrides["seed"])), changes=overrides["injects"])
    snapshots, played = [], []
    for k, changes in enumerate(plan):
        snapshots.append(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
        for _, spec in changes:
            model.add_change(spec)
        model.advance(days)
        played.append(measure(model, k * days + 1, (k + 1) * days, countries))
    out = {"seed": int(overrides["seed"]), "all": played}
    for name, dropped in overrides["variants"].items():
        dropped = set(dropped)
        first = min((k for k, changes in enumerate(plan)
                     if any(i in dropped for i, _ in changes)), default=len(plan))
        turns = list(played[:first])
        if first < len(plan):
            model = pickle.loads(snapshots[first])
            for k in range(first, len(plan)):
                for i, spec in plan[k]:
                    if i not in dropped:
                        model.add_change(spec)
                model.advance(days)
                turns.append(measure(model, k * days + 1, (k + 1) * days, countries))
        out[name] = turns
    return out


def run_futures(config: ModelConfig, futures: Sequence[dict], workers: int | None = None,
                fn=future_indicators) -> list[dict]:
    """Run ``futures`` (overrides of ``fn``, :func:`future_indicators` or
    :func:`without_each`, each with a unique ``key``) and return their results in the
    same order.

    ``workers`` processes are used (default: one per CPU, at most one per future); with
    one, the futures run in this process.

    Raises
    ------
    ConfigError
        A future that failed (its key and the first line of the error).
    """
    import os

    workers = min(workers or len(os.sched_getaffinity(0)), len(futures)) or 1
    if workers == 1:
        return [fn(config, f) for f in futures]
    tasks = [Task(str(f["key"]), f) for f in futures]
    results: dict[str, dict] = {}
    for outcome in ProcessExecutor(workers, fn=fn).run(config, tasks):
        if not outcome.ok:
            first = outcome.error.strip().splitlines()[-1]
            raise ConfigError(f"future {outcome.task.key} failed: {first}")
        results[outcome.task.key] = outcome.result
    return [results[str(f["key"])] for f in futures]
