"""Studies: a typed study file, its sample, its runs streamed to disk, and resuming.

A study (``configs/study/<name>.yaml``, validated by :class:`StudyConfig`) names a base
configuration, the uncertain parameters (any config path, with bounds or a distribution,
checked against the schema's allowed range), the outputs (summary metrics, and paired
effects of a package against the study's own base package), the method, the sample size,
replications per sample row and a root seed. :func:`run_study` samples it with SALib,
gives every row and replication its own child seed (``SeedSequence(seed, spawn_key=(row,
replication))``, recorded with the row), runs every (row, replication, arm) through an
executor (:mod:`sim.analysis.executor`) and appends each result to ``results.jsonl`` as it
finishes, with the :func:`~sim.analysis.executor.run_digest` of the run, so an interrupted
study resumes where it stopped and a run saved before the model or a scenario changed is
run again (never mixed with the new ones); a failed run goes to
``failures.jsonl`` and is tried again on the next run of the study. It also runs the base
point with ``noise_seeds`` seeds, to measure the noise floor. Analysis
(:mod:`sim.analysis.sensitivity`) reads only these files.

Model ``ishigami`` replaces the simulation by the Ishigami function (a = 7, b = 0.1 by
default), a self-check of the same sampling, executor, storage and analysis against
analytic indices.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.analysis.executor import Outcome, Task, digester, make_executor
from sim.atomic import write_text
from sim.schema import ConfigError, from_dict, spec, to_dict

STUDY_FILE = "study.yaml"
"""The resolved study config, written first into the study folder."""
SAMPLES_FILE = "samples.csv"
"""The sample: one row per sample row, its parameter values and its seeds."""
RESULTS_FILE = "results.jsonl"
"""One JSON line per finished run, appended as runs finish."""
FAILURES_FILE = "failures.jsonl"
"""One JSON line per failed run attempt."""

METHODS = ("sobol", "morris", "delta", "rbd_fast")
DISTRIBUTIONS = ("unif", "triang", "truncnorm")
BASE_ARM = "base"
"""Arm of the study's own base package; effects compare another package's arm with it."""
NOISE_ROW = -1
"""Row number of the base-point runs (the noise floor)."""


# --------------------------------------------------------------------------- the schema


@dataclass(frozen=True)
class ParameterSpec:
    """An uncertain parameter: its distribution over the study.

    ``unif``: uniform on ``[lo, hi]``; ``triang``: triangular on ``[lo, hi]`` with its mode
    at ``mode``; ``truncnorm``: normal with ``mean`` and ``sd``, truncated to ``[lo, hi]``.
    """

    lo: float = spec(-1e12, 1e12, doc="lower bound")
    hi: float = spec(-1e12, 1e12, doc="upper bound")
    dist: str = spec(choices=DISTRIBUTIONS, default="unif", doc="distribution")
    mode: float | None = spec(-1e12, 1e12, default=None, doc="mode (triang)")
    mean: float | None = spec(-1e12, 1e12, default=None, doc="mean (truncnorm)")
    sd: float | None = spec(0, 1e12, default=None, doc="standard deviation (truncnorm)")

    def check(self, path: str) -> None:
        if not self.lo < self.hi:
            raise ConfigError(f"{path}.hi = {self.hi!r} is not allowed: must be greater than "
                              f"{path}.lo = {self.lo!r}")
        if self.dist == "triang" and (self.mode is None or not self.lo <= self.mode <= self.hi):
            raise ConfigError(f"{path}.mode = {self.mode!r} is not allowed: must be a number in "
                              f"[{self.lo:g}, {self.hi:g}] for dist 'triang'")
        if self.dist == "truncnorm" and (self.mean is None or self.sd is None or self.sd <= 0):
            raise ConfigError(f"{path}.sd = {self.sd!r} is not allowed: 'truncnorm' needs a "
                              f"mean and an sd > 0")

    def salib(self) -> tuple[list[float], str]:
        """SALib's bounds and distribution name for this parameter."""
        if self.dist == "triang":
            return [self.lo, self.hi, (self.mode - self.lo) / (self.hi - self.lo)], "triang"
        if self.dist == "truncnorm":
            return [self.lo, self.hi, self.mean, self.sd], "truncnorm"
        return [self.lo, self.hi], "unif"


@dataclass(frozen=True)
class EffectSpec:
    """A paired effect: ``metric`` under ``package`` minus under the base package, same seed."""

    metric: str = spec(doc="summary metric")
    package: str = spec(doc="policy package (a file of configs/policy/)")


@dataclass(frozen=True)
class StudyConfig:
    """A global sensitivity study (see the module docstring)."""

    name: str = spec(doc="study name (the default folder is outputs/studies/<name>)")
    description: str = spec(doc="one line for the report")
    parameters: dict[str, ParameterSpec] = spec(doc="uncertain parameters by config path")
    method: str = spec(choices=METHODS, doc="sensitivity method")
    samples: int = spec(2, 1_000_000, doc="sample size: Sobol base samples (a power of 2), "
                                          "Morris trajectories, or rows (delta, rbd_fast)")
    seed: int = spec(0, 2**63 - 1, doc="root seed of the sample and of every run")
    model: str = spec(choices=("trafficking", "ishigami"), default="trafficking",
                      doc="what is evaluated")
    scenario: str = spec(default="west_africa", doc="scenario of the base configuration")
    policy: str = spec(default="baseline", doc="the base policy package")
    steps: int = spec(1, 36_500, default=365, unit="days", doc="days simulated per run")
    overrides: dict[str, Any] = spec(default={}, empty=True,
                                     doc="fixed dotted overrides of the base configuration")
    outputs: list[str] = spec(doc="summary metrics studied", empty=True, default=[])
    effects: dict[str, EffectSpec] = spec(default={}, empty=True,
                                          doc="paired effects studied, by name")
    second_order: bool = spec(default=False, doc="Sobol second-order indices")
    morris_levels: int = spec(2, 100, default=4, doc="grid levels of the Morris design")
    replications: int = spec(1, 1000, default=1, doc="runs per sample row, averaged")
    noise_seeds: int = spec(0, 10_000, default=10,
                            doc="runs of the base point for the noise floor")
    resamples: int = spec(10, 100_000, default=200, doc="bootstrap resamples of the indices")
    executor: str = spec(choices=("process", "dask"), default="process")
    workers: int = spec(1, 4096, default=2, doc="executor workers")
    dask_address: str | None = spec(default=None, doc="address of an existing Dask scheduler "
                                                      "(default: a LocalCluster)")

    def check(self, path: str) -> None:
        where = f"{path}." if path else ""
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise ConfigError(f"{where}samples = {self.samples} is not allowed: Sobol needs a "
                              f"power of 2, e.g. {2 ** round(math.log2(self.samples))}")
        if self.method == "morris":
            for name, p in self.parameters.items():
                if p.dist != "unif":
                    raise ConfigError(f"{where}parameters.{name}.dist = {p.dist!r} is not "
                                      f"allowed: Morris needs 'unif'")
        if not self.outputs and not self.effects:
            raise ConfigError(f"{where}outputs = [] is not allowed: a study needs at least one "
                              f"output or effect")
        if len(self.parameters) < 2:
            raise ConfigError(f"{where}parameters is not allowed with fewer than 2 entries")


def load_study(data: dict) -> StudyConfig:
    """Validate a study mapping and its parameters against the model's schema."""
    study = from_dict(StudyConfig, data, "study")
    if study.model == "trafficking":
        check_against_model(study)
    else:
        for name in study.parameters:
            if name not in ("x1", "x2", "x3"):
                raise ConfigError(f"study.parameters.{name} is not allowed: the Ishigami "
                                  f"function takes x1, x2, x3")
        if study.outputs != ["y"] or study.effects:
            raise ConfigError(f"study.outputs = {study.outputs!r} is not allowed: the Ishigami "
                              f"function gives one output, y")
    return study


# --------------------------------------------------------------------------- the model side


def base_configs(study: StudyConfig):
    """The validated base config of each arm: the base package, and each effect's package."""
    from sim.config import make_config

    arms = {BASE_ARM: study.policy, **{e.package: e.package for e in study.effects.values()}}
    out = {}
    for arm, package in arms.items():
        out[arm] = make_config(study.scenario, policy=package, steps=study.steps,
                               seed=study.seed % (2**63 - 1), overrides=dict(study.overrides))
    return out


def field_meta(config, path: str) -> dict | None:
    """Range and type of the numeric config field at dotted ``path`` in ``config`` (None
    if the path does not exist there)."""
    from sim.policies import LEVERS

    node: Any = config
    keys = path.split(".")
    entry: dict | None = None  # metadata of the mapping-of-numbers field ``node`` is, if any
    for i, key in enumerate(keys):
        if dataclasses.is_dataclass(node):
            fields = {f.name: f for f in dataclasses.fields(node)}
            if key not in fields:
                return None
            hint = typing.get_type_hints(type(node))[key]
            if i == len(keys) - 1:
                return {**fields[key].metadata, "type": hint}
            args = typing.get_args(hint)
            entry = ({**fields[key].metadata, "type": args[1]}
                     if typing.get_origin(hint) is dict and args[1] in (int, float) else None)
            if key == "params" and hasattr(node, "lever"):  # a policy's lever parameters
                params = LEVERS[node.lever].Params
                pfields = {f.name: f for f in dataclasses.fields(params)}
                if len(keys) != i + 2 or keys[i + 1] not in pfields:
                    return None
                hint = typing.get_type_hints(params)[keys[i + 1]]
                return {**pfields[keys[i + 1]].metadata, "type": hint}
            node = getattr(node, key)
        elif isinstance(node, dict):
            if key not in node:
                return None
            if i == len(keys) - 1 and entry is not None:  # one entry of a mapping of numbers
                return entry
            node = node[key]
        else:
            return None
    return None


def check_against_model(study: StudyConfig) -> None:
    """Every parameter path exists in some arm, is numeric, and its bounds lie within the
    field's allowed range; every output is a summary metric of the model."""
    configs = base_configs(study)
    for name, p in study.parameters.items():
        where = f"study.parameters.{name}"
        metas = [m for m in (field_meta(c, name) for c in configs.values()) if m is not None]
        if not metas:
            raise ConfigError(f"{where} is not allowed: no such field in the configuration of "
                              f"scenario {study.scenario!r} with packages "
                              f"{', '.join(sorted({study.policy, *configs}))}")
        meta = metas[0]
        if meta["type"] not in (int, float):
            raise ConfigError(f"{where} is not allowed: {name} is not a number field")
        lo, hi = meta.get("lo"), meta.get("hi")
        for bound, value in (("lo", p.lo), ("hi", p.hi)):
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise ConfigError(f"{where}.{bound} = {value!r} is not allowed: {name} must lie "
                                  f"in [{lo:g}, {hi:g}]")
    from sim.simulate import evaluate

    probe = evaluate(configs[BASE_ARM], {"steps": 1})
    for i, metric in enumerate([*study.outputs, *(e.metric for e in study.effects.values())]):
        if metric not in probe or not isinstance(probe[metric], (int, float)):
            known = [k for k, v in probe.items() if isinstance(v, (int, float))]
            raise ConfigError(f"study output {metric!r} (outputs or effects, entry {i}) is not "
                              f"allowed: must be a summary metric, e.g. "
                              f"{', '.join(known[:8])}, ...")


def ishigami(config: dict, overrides: dict) -> dict:
    """The Ishigami function ``sin x1 + a sin^2 x2 + b x3^4 sin x1`` (Ishigami & Homma
    1990); ``config`` holds ``a`` and ``b``."""
    x1, x2, x3 = overrides["x1"], overrides["x2"], overrides["x3"]
    a, b = config.get("a", 7.0), config.get("b", 0.1)
    return {"seed": overrides.get("seed", 0),
            "y": math.sin(x1) + a * math.sin(x2) ** 2 + b * x3 ** 4 * math.sin(x1)}


# --------------------------------------------------------------------------- the sample


def problem(study: StudyConfig) -> dict:
    """SALib's problem dict of the study."""
    names = list(study.parameters)
    bounds, dists = zip(*(study.parameters[n].salib() for n in names), strict=True)
    return {"num_vars": len(names), "names": names, "bounds": [list(b) for b in bounds],
            "dists": list(dists)}


def sample(study: StudyConfig, n: int | None = None) -> np.ndarray:
    """The sample matrix (rows x parameters) of ``study`` with ``n`` base samples."""
    from SALib.sample import latin, morris
    from SALib.sample import sobol as sobol_sample

    prob, n = problem(study), n or study.samples
    if study.method == "sobol":
        return sobol_sample.sample(prob, n, calc_second_order=study.second_order,
                                   seed=study.seed % 2**32)
    if study.method == "morris":
        return morris.sample(prob, n, num_levels=study.morris_levels, seed=study.seed % 2**32)
    return latin.sample(prob, n, seed=study.seed % 2**32)


def run_seed(root: int, row: int, replication: int) -> int:
    """The seed of one run: a child of the root seed keyed by its row and replication."""
    key = (row if row >= 0 else 2**32 - 1, replication)
    state = np.random.SeedSequence(root, spawn_key=key).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def arms(study: StudyConfig) -> list[str]:
    """The arms every row runs: the base package, then each effect package once."""
    out = [BASE_ARM]
    for effect in study.effects.values():
        if effect.package not in out:
            out.append(effect.package)
    return out


def task_key(row: int, replication: int, arm: str) -> str:
    return f"{'noise' if row == NOISE_ROW else f'row{row:06d}'}.rep{replication:03d}.{arm}"


def tasks(study: StudyConfig, matrix: np.ndarray, configs: dict | None) -> list[Task]:
    """Every run of the study: rows x replications x arms, then the base point's runs."""
    names = list(study.parameters)
    ints = set()
    if configs is not None:
        ints = {n for n in names
                if (field_meta(configs[BASE_ARM], n) or field_meta(next(
                    iter(configs.values())), n) or {}).get("type") is int}
    out = []

    def add(row: int, rep: int, values: dict):
        for arm in arms(study):
            over = {"seed": run_seed(study.seed, row, rep)}
            if arm != BASE_ARM:
                over["policy"] = arm
            for name, value in values.items():
                if configs is None or field_meta(configs[arm], name) is not None:
                    over[name] = int(round(value)) if name in ints else float(value)
            out.append(Task(task_key(row, rep, arm), over))

    for row, x in enumerate(matrix):
        for rep in range(study.replications):
            add(row, rep, dict(zip(names, x, strict=True)))
    for rep in range(study.noise_seeds):
        add(NOISE_ROW, rep, {})
    return out


# --------------------------------------------------------------------------- running


def evaluate_arm(configs: dict, overrides: dict) -> dict:
    """Executor function: the run of one task's arm (its ``policy`` override picks it)."""
    from sim.simulate import evaluate

    over = dict(overrides)
    arm = over.pop("policy", BASE_ARM)
    return evaluate(configs[arm], over)


def read_results(folder: Path) -> dict[str, dict]:
    """The finished runs of a study folder: task key -> record (a torn last line, left by
    an interrupted write, is ignored)."""
    out = {}
    path = folder / RESULTS_FILE
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            out[record["key"]] = record
    return out


def _append(path: Path, record: dict) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def prepare(study: StudyConfig, folder: Path) -> tuple[np.ndarray, list[Task], dict | None]:
    """Write the study file and the sample (or check they match the folder's), return the
    sample, the tasks and the arms' configs."""
    folder.mkdir(parents=True, exist_ok=True)
    saved = folder / STUDY_FILE
    data = to_dict(study)
    saved_before = saved.is_file()
    if saved_before:
        old = yaml.safe_load(saved.read_text(encoding="utf-8"))
        if old != data:
            changed = sorted(k for k in set(old) | set(data) if old.get(k) != data.get(k))
            raise ConfigError(f"study folder {folder} holds another study (differs in "
                              f"{', '.join(changed)}): use another folder (hydra.run.dir=...)")
    else:
        write_text(saved, yaml.safe_dump(data, sort_keys=False))
    matrix = sample(study)
    configs = base_configs(study) if study.model == "trafficking" else None
    todo = tasks(study, matrix, configs)
    # a new study file means a new sample: a samples.csv left by another study is replaced
    if not saved_before or not (folder / SAMPLES_FILE).is_file():
        import pandas as pd

        frame = pd.DataFrame(matrix, columns=list(study.parameters))
        frame.insert(0, "row", np.arange(len(matrix)))
        for rep in range(study.replications):
            frame[f"seed_rep{rep}"] = [run_seed(study.seed, r, rep) for r in range(len(matrix))]
        write_text(folder / SAMPLES_FILE, frame.to_csv(index=False))
    return matrix, todo, configs


def run_study(study: StudyConfig, folder: Path, progress: bool = True
              ) -> tuple[int, int, int]:
    """Run every missing task of ``study`` into ``folder``; returns (done before, finished
    now, failed now)."""
    from tqdm import tqdm

    _, todo, configs = prepare(study, folder)
    done = read_results(folder)
    if study.model == "ishigami":
        fn, base = ishigami, _ishigami_base(study)
    else:
        fn, base = evaluate_arm, configs
    digests = task_digests(study, todo, configs)
    # a saved run of another model or scenario (another digest) is run again
    missing = [t for t in todo if done.get(t.key, {}).get("digest") != digests[t.key]]
    stale = sum(t.key in done for t in missing)
    if stale and progress:
        print(f"{study.name}: {stale} saved runs were made with another model or scenario; "
              f"they are run again")
    executor = make_executor(study.executor, study.workers, study.dask_address, fn)
    finished = failed = 0
    bar = tqdm(total=len(todo), initial=len(todo) - len(missing), unit="run",
               desc=study.name, disable=not progress, smoothing=0.05)
    rows = {t.key: t for t in missing}
    for outcome in _outcomes(executor, base, missing):
        record = _record(outcome, rows[outcome.task.key]) | {
            "digest": digests[outcome.task.key]}
        if outcome.ok:
            _append(folder / RESULTS_FILE, record)
            finished += 1
        else:
            _append(folder / FAILURES_FILE, record)
            failed += 1
        bar.update(1)
    bar.close()
    return len(todo) - len(missing), finished, failed


def _ishigami_base(study: StudyConfig) -> dict:
    return {"a": study.overrides.get("a", 7.0), "b": study.overrides.get("b", 0.1)}


def task_digests(study: StudyConfig, todo: list[Task], configs: dict | None
                 ) -> dict[str, str]:
    """The :func:`~sim.analysis.executor.run_digest` of every task (key -> digest): each
    arm's base config (``configs``, from :func:`base_configs`) with the task's overrides, or
    the Ishigami constants."""
    if study.model == "ishigami":
        digest = digester(_ishigami_base(study))
        return {t.key: digest(t.overrides) for t in todo}
    by_arm = {arm: digester(config) for arm, config in configs.items()}
    return {t.key: by_arm[t.overrides.get("policy", BASE_ARM)](t.overrides) for t in todo}


def _outcomes(executor, base, tasks_: list[Task]) -> Iterator[Outcome]:
    yield from executor.run(base, tasks_)


def _record(outcome: Outcome, task: Task) -> dict:
    key = task.key
    row_part, rep_part, arm = key.split(".", 2)
    row = NOISE_ROW if row_part == "noise" else int(row_part[3:])
    record = {"key": key, "row": row, "rep": int(rep_part[3:]), "arm": arm,
              "seed": task.overrides.get("seed")}
    if outcome.ok:
        record["outputs"] = {k: v for k, v in outcome.result.items()
                             if isinstance(v, (int, float)) and not isinstance(v, bool)}
    else:
        record["error"] = outcome.error
    return record
