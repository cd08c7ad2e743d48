"""Executors: run many ``evaluate(config, overrides)`` calls, in parallel, as they finish.

One interface for the studies (sensitivity analysis, calibration) and the benchmark: an
executor takes a base :class:`~sim.config.ModelConfig` and an iterable of :class:`Task`
(a key and the dotted overrides of one run, the seed among them) and yields a
:class:`Outcome` per task in the order they finish, so results can be written to disk one
by one. A task that fails yields its error, never stops the others.

- :class:`ProcessExecutor`: a local pool of spawned processes (spawn keeps numba's threads
  and caches safe); each worker is set up once (imports, the region, the compiled kernels)
  and receives only the overrides of each task.
- :class:`DaskExecutor`: Dask distributed, on a ``LocalCluster`` by default or the address
  of an existing scheduler. Every task is submitted with its own key (the task key holds
  the seed), never Dask's default ``pure=True`` key of the arguments.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from sim.config import ModelConfig
from sim.schema import ConfigError


@dataclass(frozen=True)
class Task:
    """One run: a unique key and the dotted overrides of the base config (seed included)."""

    key: str
    overrides: dict[str, Any] = field(default_factory=dict)


def digester(base: Any) -> Callable[[dict], str]:
    """:func:`run_digest` of runs from one ``base``: its config is serialised once, so a
    study of many tasks pays for it once per arm, not per task."""
    import dataclasses
    import hashlib
    import json

    data = dataclasses.asdict(base) if dataclasses.is_dataclass(base) else base
    head = '{"base": ' + json.dumps(data, sort_keys=True, default=str) + ', "overrides": '

    def digest(overrides: dict) -> str:
        # the same text as json.dumps({"base": data, "overrides": overrides}, sort_keys=True)
        blob = head + json.dumps(overrides, sort_keys=True, default=str) + "}"
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]

    return digest


def run_digest(base: Any, overrides: dict) -> str:
    """Digest of one run: the whole config it starts from (a config dataclass or a plain
    mapping) and its overrides (the seed among them). A study or calibration folder reuses
    a saved result only for a run with the same digest, so resuming after the model, a
    scenario or the study file changed re-runs what they changed instead of mixing the
    results of two models. Many runs from one base: :func:`digester`."""
    return digester(base)(overrides)


@dataclass(frozen=True)
class Outcome:
    """What one task gave: its summary metrics, or the error that stopped it."""

    task: Task
    result: dict | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


# --------------------------------------------------------------------------- worker side

_BASE: dict[str, Any] = {}
"""The worker process's base config and function (set once by :func:`_set_up`)."""


def evaluate_task(config: ModelConfig, overrides: dict, fn: Callable | None = None) -> dict:
    """Run one task: ``fn(config, overrides)`` (default :func:`sim.simulate.evaluate`)."""
    if fn is None:
        from sim.simulate import evaluate

        fn = evaluate
    return fn(config, overrides)


def _set_up(config: ModelConfig, fn: Callable | None, warm: bool) -> None:
    """Worker initialiser: keep the base config; build the region and load the compiled
    kernels once, with a short run, so the first task costs what the others do."""
    _BASE["config"], _BASE["fn"] = config, fn
    if warm and isinstance(config, ModelConfig):
        from sim.config import replace
        from sim.simulate import build

        build(replace(config, steps=1)).run()


def _run(task: Task) -> Outcome:
    try:
        return Outcome(task, evaluate_task(_BASE["config"], task.overrides, _BASE["fn"]))
    except ConfigError as err:
        return Outcome(task, None, f"error: {err}")
    except Exception:  # a failed row is recorded, never lost
        return Outcome(task, None, traceback.format_exc())


# --------------------------------------------------------------------------- executors


class ProcessExecutor:
    """A local pool of ``workers`` spawned processes.

    Parameters
    ----------
    workers : int
        Processes (default: the CPUs this process may use).
    fn : callable, optional
        ``fn(config, overrides) -> dict``, a module-level function (it is pickled by
        reference); default :func:`sim.simulate.evaluate`.
    warm : bool
        Set every worker up with a one-day run before its first task.
    """

    name = "process"

    def __init__(self, workers: int | None = None, fn: Callable | None = None,
                 warm: bool = True):
        import os

        self.workers = workers or len(os.sched_getaffinity(0))
        self.fn, self.warm = fn, warm

    def run(self, config: ModelConfig, tasks: Iterable[Task]) -> Iterator[Outcome]:
        """Yield an :class:`Outcome` per task as the tasks finish (at most ``2 x workers``
        tasks are queued at a time, so a long iterable is consumed lazily)."""
        tasks = iter(tasks)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(self.workers, mp_context=context, initializer=_set_up,
                                 initargs=(config, self.fn, self.warm)) as pool:
            running = {}
            for task in tasks:
                running[pool.submit(_run, task)] = task
                if len(running) >= 2 * self.workers:
                    break
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    running.pop(future)
                    yield future.result()
                    nxt = next(tasks, None)
                    if nxt is not None:
                        running[pool.submit(_run, nxt)] = nxt


def _dask_run(config: ModelConfig, fn: Callable | None, task: Task) -> Outcome:
    try:
        return Outcome(task, evaluate_task(config, task.overrides, fn))
    except ConfigError as err:
        return Outcome(task, None, f"error: {err}")
    except Exception:
        return Outcome(task, None, traceback.format_exc())


class DaskExecutor:
    """Dask distributed: a ``LocalCluster`` of ``workers`` single-threaded processes, or
    the scheduler at ``address``.

    Every task is submitted with the key ``"<prefix>-<task key>"``, so two tasks that
    differ only in their seed are never merged (Dask's ``pure=True`` default would key a
    call by its arguments).
    """

    name = "dask"

    def __init__(self, workers: int | None = None, address: str | None = None,
                 fn: Callable | None = None, prefix: str = "run"):
        import os

        self.workers = workers or len(os.sched_getaffinity(0))
        self.address, self.fn, self.prefix = address, fn, prefix

    def run(self, config: ModelConfig, tasks: Iterable[Task]) -> Iterator[Outcome]:
        """Yield an :class:`Outcome` per task as the tasks finish."""
        from dask.distributed import Client, LocalCluster, as_completed

        cluster = None
        if self.address is None:
            cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                   processes=True, dashboard_address=None)
        client = Client(self.address or cluster)
        try:
            base = client.scatter([config], broadcast=True)[0]
            futures = [client.submit(_dask_run, base, self.fn, task,
                                     key=f"{self.prefix}-{task.key}", pure=False)
                       for task in tasks]
            for future in as_completed(futures):
                yield future.result()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def make_executor(name: str, workers: int | None = None, address: str | None = None,
                  fn: Callable | None = None):
    """An executor by name: ``"process"`` (default) or ``"dask"``."""
    if name == "process":
        return ProcessExecutor(workers, fn)
    if name == "dask":
        return DaskExecutor(workers, address, fn)
    raise ConfigError(f"executor = {name!r} is not allowed: must be one of 'process', 'dask'")
