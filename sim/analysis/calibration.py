"""Calibration targets: published figures, each with its band and source, against the model.

A calibration file (``configs/calibration/<name>.yaml``, validated by
:class:`CalibrationConfig`) lists targets. A target names the scenario (and optionally a
shock) it is measured on, a *measure* of a run (:data:`MEASURES`: a summary column, a
quantity per year, the share of a country's arrests charged or convicted, what was seized in
some countries, or the paired response to a shock over a window of days), its band
``[lo, hi]`` and its source; ``held_out`` targets are validations, reported but never used in
a fit. :func:`check_targets` runs every scenario the targets need for ``seeds`` seeds
(through the study executor, paired by seed) and returns one row per target: the simulated
mean and its 95 % interval over seeds, and whether the mean is in the band.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.compare import t_interval
from sim.analysis.executor import digester
from sim.analysis.study import ParameterSpec, field_meta, run_seed
from sim.config import ModelConfig, config_dict, from_dict, replace
from sim.constants import COMMODITY_KINDS, DAYS_PER_YEAR
from sim.schema import ConfigError, spec

MEASURES = ("summary", "per_year", "charged_share", "convicted_share", "seized_in",
            "shock_response")
"""What a target may measure (see :func:`measure`)."""

TARGET_COLUMNS = ["target", "source", "lo", "hi", "simulated", "ci_low", "ci_high", "in_band",
                  "unit", "held_out", "scenario", "shock", "measure", "n_seeds", "noise_sd"]
"""Columns of ``targets.csv``."""


@dataclass(frozen=True)
class TargetSpec:
    """One published figure the model is compared with."""

    scenario: str = spec(doc="scenario the target is measured on (configs/scenario/)")
    measure: str = spec(choices=MEASURES, doc="what is measured (sim.analysis.calibration)")
    lo: float = spec(-1e15, 1e15, doc="lower end of the band")
    hi: float = spec(-1e15, 1e15, doc="upper end of the band")
    source: str = spec(doc="where the band comes from (FACTS.md section, or 'assumption: ...')")
    unit: str = spec(default="", empty=True, doc="unit of the band")
    column: str | None = spec(default=None, doc="summary column (measures summary, per_year, "
                                                "shock_response)")
    countries: list[str] = spec(default=[], empty=True,
                                doc="ISO3 codes (measures charged_share, convicted_share, "
                                    "seized_in)")
    kind: str | None = spec(choices=COMMODITY_KINDS, default=None,
                            doc="commodity kind counted (charged_share, convicted_share)")
    commodity: str | None = spec(default=None, doc="commodity (measure seized_in)")
    shock: str | None = spec(default=None, doc="shock of the run (measure shock_response)")
    window_days: int = spec(1, 36_500, default=30, unit="days",
                            doc="days after the shock's start (measure shock_response)")
    scale: float = spec(-1e15, 1e15, default=1.0,
                        doc="factor from the model's unit to the band's (e.g. 0.001 kg -> t)")
    held_out: bool = spec(default=False, doc="a validation: reported, never fitted")
    fitted_by: str | None = spec(default=None,
                                 doc="the calibration (configs/calibration/<name>.yaml) that "
                                     "fits it when it is not this one: checked and reported "
                                     "here, left out of this one's implausibility and of its "
                                     "choice of the calibrated point (its parameters are "
                                     "not this one's)")
    from_day: int = spec(0, 36_500, default=0, unit="days",
                         doc="count events from this day on (charged_share, convicted_share, "
                             "seized_in): a warm-up, so a yearly ratio compares flows of a "
                             "justice chain already running, as published yearly counts do")

    def check(self, path: str) -> None:
        """Band ordered; the fields the measure needs given."""
        if self.hi < self.lo:
            raise ConfigError(f"{path}.hi = {self.hi:g} is not allowed: must be >= "
                              f"{path}.lo = {self.lo:g}")
        needs = {"summary": ["column"], "per_year": ["column"], "shock_response":
                 ["column", "shock"], "charged_share": ["countries"],
                 "convicted_share": ["countries"], "seized_in": ["countries", "commodity"]}
        for name in needs[self.measure]:
            if not getattr(self, name):
                raise ConfigError(f"{path}.{name} is missing: measure {self.measure!r} "
                                  f"needs it")
        if self.from_day and self.measure not in ("charged_share", "convicted_share",
                                                  "seized_in"):
            raise ConfigError(f"{path}.from_day = {self.from_day} is not allowed for measure "
                              f"{self.measure!r}: only charged_share, convicted_share and "
                              f"seized_in count events from a day")


@dataclass(frozen=True)
class CalibrationConfig:
    """A calibration file: targets, the seeds and the horizon they are measured over, and
    (optionally) the parameters of a history-matching wave over their prior ranges."""

    name: str = spec(doc="calibration name")
    description: str = spec(doc="one line for reports")
    steps: int = spec(1, 36_500, unit="days", doc="days per run")
    seeds: int = spec(2, 1000, doc="replications (seeds 1..seeds), paired across scenarios")
    targets: dict[str, TargetSpec] = spec(doc="targets by name")
    workers: int = spec(1, 1024, default=2, doc="processes of the local pool")
    parameters: dict[str, ParameterSpec] = spec(default={}, empty=True,
                                                doc="uncertain parameters (dotted config "
                                                    "paths) with their prior ranges")
    samples: int = spec(0, 1_000_000, default=0,
                        doc="rows of the history-matching wave (Latin hypercube); 0 = none")
    seed: int = spec(0, 2**63 - 1, default=0, doc="root seed of the wave's rows")
    cutoff: float = spec(0, 100, default=3.0,
                         doc="implausibility above which a row is ruled out (3: Pukelsheim)")
    confirm: int = spec(0, 100, default=0,
                        doc="candidates re-run over `seeds` seeds after the last wave: its "
                            "rows not ruled out with the smallest largest implausibility")
    fixed: dict[str, float] = spec(default={}, empty=True,
                                   doc="values held in every run of the waves, the noise and "
                                       "the confirmation (not in the check at the shipped "
                                       "defaults): parameters a later stage fits, at the values "
                                       "this stage ran with")
    waves: int = spec(1, 10, default=1,
                      doc="history-matching waves: each after the first samples the "
                          "bounding box of the rows the previous wave did not rule out")

    @property
    def fitted_here(self) -> list[str]:
        """The targets this calibration fits: not held out, not ``fitted_by`` another."""
        return [n for n, t in self.targets.items() if not t.held_out and t.fitted_by is None]


def load_calibration(data: dict) -> CalibrationConfig:
    """A validated calibration; every target's scenario, shock, column, country and
    commodity checked against the shipped configs (ConfigError naming the field)."""
    cal = from_dict(CalibrationConfig, data, "calibration")
    others = None  # the other calibration files, read once if a target names one
    for name, t in cal.targets.items():
        path = f"calibration.targets.{name}"
        try:
            cfg = from_dict(ModelConfig, config_dict(t.scenario, shock=t.shock or "none",
                                                     steps=cal.steps))
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from None
        sc = cfg.scenario
        if t.from_day >= cal.steps:
            raise ConfigError(f"{path}.from_day = {t.from_day} is not allowed: must be below "
                              f"calibration.steps = {cal.steps}")
        for i, iso in enumerate(t.countries):
            if iso not in sc.countries:
                raise ConfigError(f"{path}.countries[{i}] = {iso!r} is not allowed: must be a "
                                  f"core country of scenario {sc.name!r}: "
                                  f"{', '.join(sc.countries)}")
        if t.commodity is not None and t.commodity not in sc.commodities:
            raise ConfigError(f"{path}.commodity = {t.commodity!r} is not allowed: must be a "
                              f"commodity of scenario {sc.name!r}: {', '.join(sc.commodities)}")
        if t.fitted_by is not None:
            if others is None:
                from sim.config import available

                others = [n for n in available("calibration") if n != cal.name]
            if t.fitted_by not in others:
                raise ConfigError(f"{path}.fitted_by = {t.fitted_by!r} is not allowed: must "
                                  f"be another calibration of configs/calibration/: "
                                  f"{', '.join(others)}")
            if t.held_out:
                raise ConfigError(f"{path}.fitted_by = {t.fitted_by!r} is not allowed: the "
                                  f"target is held out (a validation is never fitted)")
    bases = [from_dict(ModelConfig, config_dict(scenario, steps=cal.steps))
             for scenario in dict.fromkeys(s for s, _ in _runs_needed(cal))]
    ranges = {f"calibration.parameters.{n}": (n, p.lo, p.hi) for n, p in cal.parameters.items()}
    ranges.update({f"calibration.fixed.{n}": (n, v, v) for n, v in cal.fixed.items()})
    for path, (pname, plo, phi) in ranges.items():
        if path.startswith("calibration.fixed.") and pname in cal.parameters:
            raise ConfigError(f"{path} is not allowed: {pname} is also a parameter of the "
                              f"wave (calibration.parameters)")
        known = False
        for base in bases:
            meta = field_meta(base, pname)
            if meta is None:
                continue
            known = True
            lo, hi = meta.get("lo"), meta.get("hi")
            if (lo is not None and plo < lo) or (hi is not None and phi > hi):
                shown = f"{plo:g}" if plo == phi else f"[{plo:g}, {phi:g}]"
                raise ConfigError(f"{path} = {shown} is not allowed: must lie "
                                  f"in the schema's range [{lo:g}, {hi:g}]")
        if not known:
            raise ConfigError(f"{path} is not a known field of any scenario the targets use")
    return cal


def _runs_needed(cal: CalibrationConfig) -> list[tuple[str, str]]:
    """(scenario, shock) pairs to run; a shock response also needs its baseline."""
    need = []
    for t in cal.targets.values():
        pairs = [(t.scenario, "none")]
        if t.measure == "shock_response":
            pairs.append((t.scenario, t.shock))
        for p in pairs:
            if p not in need:
                need.append(p)
    return need


def measure_task(config: ModelConfig, overrides: dict) -> dict:
    """Executor task: one run; returns every quantity the targets of that run may measure
    (``overrides["targets"]``: the target specs as mappings)."""
    from sim.simulate import simulate

    over = dict(overrides)
    targets = [TargetSpec(**t) for t in over.pop("targets")]
    shock_start = over.pop("shock_start", None)
    result = simulate(replace(config, **over))
    out = {}
    for i, t in enumerate(targets):  # only the targets of this run's scenario
        out[str(i)] = (measure(t, result, shock_start)
                       if t.scenario == result.config.scenario.name else float("nan"))
    return out


def measure(t: TargetSpec, result, shock_start: int | None = None) -> float:
    """The quantity target ``t`` measures on one run (for ``shock_response``: the column's
    total over the ``window_days`` after the shock's start, to be paired with the baseline).

    - ``summary``: a summary column; ``per_year``: a summary column per year of the run;
    - ``charged_share`` / ``convicted_share``: cases charged (convicted) / cases opened
      (arrests not settled on the spot) of couriers of commodities of ``kind`` (default:
      every commodity) in ``countries`` on days >= ``from_day``, from the event log (a
      year's flows, as the published yearly counts: cohorts differ);
    - ``seized_in``: quantity of ``commodity`` seized in ``countries`` per year from
      ``from_day`` on.
    """
    s, ev = result.summary, result.events
    years = len(result.timeseries) / DAYS_PER_YEAR
    ev = ev[ev["step"] >= t.from_day] if t.from_day else ev
    if t.measure == "summary":
        return float(s[t.column])
    if t.measure == "per_year":
        return float(s[t.column]) / years
    if t.measure in ("charged_share", "convicted_share"):
        names = [c for c, com in result.config.scenario.commodities.items()
                 if t.kind is None or com.kind == t.kind]
        mine = ev[ev["country"].isin(t.countries) & ev["commodity"].isin(names)]
        # an arrest settled on the spot opens no case (a commodity without settlement_prob
        # has none: every arrest of it opens one)
        cases = int((mine["event"] == "arrest").sum() - (mine["event"] == "settlement").sum())
        count = int((mine["event"] == ("charge" if t.measure == "charged_share"
                                       else "conviction")).sum())
        return count / cases if cases > 0 else float("nan")
    if t.measure == "seized_in":
        mine = ev[(ev["event"] == "seizure") & ev["country"].isin(t.countries)
                  & (ev["commodity"] == t.commodity)]
        return float(mine["quantity"].sum()) / (years - t.from_day / DAYS_PER_YEAR)
    ts = result.timeseries  # shock_response: the window's total
    start = max(int(shock_start if shock_start is not None else 1), 1)
    window = ts[(ts["step"] >= start) & (ts["step"] < start + t.window_days)]
    return float(window[t.column].sum())


def _target_runs(cal: CalibrationConfig, overrides: dict[str, Any] | None = None) -> list:
    """The runs :func:`check_targets` makes: per scenario and shock the targets need, its
    base config and one task per seed (1..``cal.seeds``), with ``overrides`` applied to the
    scenarios that have them."""
    from sim.analysis.executor import Task

    specs = [dataclasses.asdict(cal.targets[n]) for n in cal.targets]
    out = []
    for scenario, shock in _runs_needed(cal):
        base = from_dict(ModelConfig, config_dict(scenario, shock=shock, steps=cal.steps))
        mine = {}
        for name, v in (overrides or {}).items():
            meta = field_meta(base, name)
            if meta is not None:
                mine[name] = int(round(v)) if meta.get("type") is int else float(v)
        tasks = [Task(f"{seed}", {"seed": seed, "targets": specs, **mine,
                                  "shock_start": base.shock.start if shock != "none" else
                                  _shock_start(cal, scenario)})
                 for seed in range(1, cal.seeds + 1)]
        out.append((scenario, shock, base, tasks))
    return out


def targets_digest(cal: CalibrationConfig, overrides: dict[str, Any] | None = None) -> str:
    """Digest of every run :func:`check_targets` makes with ``overrides``
    (:func:`~sim.analysis.executor.run_digest` of each): a confirmed candidate is used
    again only with the same."""
    import hashlib

    parts = []
    for _, _, base, tasks in _target_runs(cal, overrides):
        digest = digester(base)
        parts += [digest(t.overrides) for t in tasks]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:20]


def check_targets(cal: CalibrationConfig, executor=None,
                  overrides: dict[str, Any] | None = None) -> pd.DataFrame:
    """Every target at the shipped defaults (with ``overrides``: dotted parameters, each
    applied to the scenarios that have it) over ``cal.seeds`` seeds: one row per target
    (:data:`TARGET_COLUMNS`)."""
    from sim.analysis.executor import ProcessExecutor

    executor = executor or ProcessExecutor(cal.workers, fn=measure_task)
    values: dict[tuple[str, str], dict[int, dict]] = {}
    names = list(cal.targets)
    for scenario, shock, base, tasks in _target_runs(cal, overrides):
        runs = {}
        for out in executor.run(base, tasks):
            if not out.ok:
                raise RuntimeError(f"run {scenario}/{shock} seed {out.task.key} failed: "
                                   f"{out.error}")
            runs[int(out.task.key)] = out.result
        values[(scenario, shock)] = runs
    rows = []
    for i, name in enumerate(names):
        t = cal.targets[name]
        base = values[(t.scenario, "none")]
        seeds = sorted(base)
        if t.measure == "shock_response":
            shocked = values[(t.scenario, t.shock)]
            per_seed = np.array([(shocked[s][str(i)] - base[s][str(i)]) / base[s][str(i)]
                                 if base[s][str(i)] else np.nan for s in seeds])
        else:
            per_seed = np.array([base[s][str(i)] for s in seeds], float)
        per_seed = per_seed[np.isfinite(per_seed)] * t.scale
        iv = t_interval(per_seed)
        mean, low, high = iv.mean, iv.low, iv.high
        rows.append({"target": name, "source": t.source, "lo": t.lo, "hi": t.hi,
                     "simulated": mean, "ci_low": low, "ci_high": high,
                     "in_band": bool(t.lo <= mean <= t.hi) if np.isfinite(mean) else False,
                     "unit": t.unit, "held_out": t.held_out, "scenario": t.scenario,
                     "shock": t.shock or "", "measure": t.measure, "n_seeds": len(per_seed),
                     "noise_sd": float(per_seed.std(ddof=1)) if len(per_seed) > 1
                     else float("nan")})
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


WAVE_FILE = "wave.jsonl"
"""One JSON line per finished run of the history-matching wave (resumable): its key, the
:func:`~sim.analysis.executor.run_digest` of the run and the values it measured."""


def wave_sample(cal: CalibrationConfig, bounds: dict[str, tuple[float, float]] | None = None,
                wave: int = 1) -> np.ndarray:
    """A wave's Latin-hypercube sample (rows x parameters): wave 1 over the prior ranges,
    a later wave uniformly over ``bounds`` (the box the previous wave left)."""
    from SALib.sample import latin

    names = list(cal.parameters)
    if bounds is None:
        spec_ = [cal.parameters[n].salib() for n in names]
    else:
        spec_ = [([float(bounds[n][0]), float(bounds[n][1])], "unif") for n in names]
    prob = {"num_vars": len(names), "names": names, "bounds": [b for b, _ in spec_],
            "dists": [d for _, d in spec_]}
    return latin.sample(prob, cal.samples, seed=(cal.seed + wave - 1) % 2**32)


def refocused(cal: CalibrationConfig, wave: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """The box of the rows ``wave`` did not rule out, per parameter (an empty dict when it
    ruled out every row)."""
    ok = wave[wave["plausible"]]
    if ok.empty:
        return {}
    return {n: (float(ok[n].min()), float(ok[n].max())) for n in cal.parameters}


def history_match(cal: CalibrationConfig, folder, defaults: pd.DataFrame, executor=None,
                  progress: bool = False) -> pd.DataFrame:
    """``cal.waves`` waves of history matching (:func:`run_wave`), each after the first over
    the box the previous one left; stops early when a wave rules out every row. Returns
    every wave's rows, with a ``wave`` column."""
    frames, bounds = [], None
    for k in range(1, cal.waves + 1):
        frame = run_wave(cal, folder, defaults, executor, progress, wave=k, bounds=bounds)
        frames.append(frame.assign(wave=k))
        bounds = refocused(cal, frame)
        if not bounds:
            break
    return pd.concat(frames, ignore_index=True)


def run_wave(cal: CalibrationConfig, folder, defaults: pd.DataFrame, executor=None,
             progress: bool = False, wave: int = 1,
             bounds: dict[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """One wave of history matching: every sample row runs each scenario (and shock) the
    targets need, with its own seed (shared by the row's runs, so a shock is paired with its
    baseline), appending each run to ``wave.jsonl`` as it finishes (a rerun does only the
    missing runs). Returns one row per sample row: the parameters, each fitted target's
    value and implausibility ``I = |value - band mid| / sqrt(half band ** 2 + noise sd ** 2)``
    (noise sd over seeds at the defaults, from ``defaults``; NaN when the run cannot measure
    it), ``max_I`` over the fitted targets measured and ``plausible`` (``max_I <= cutoff``).
    ``wave`` > 1 samples ``bounds`` (:func:`wave_sample`); its runs are keyed by wave."""
    import json
    from pathlib import Path

    from sim.analysis.executor import ProcessExecutor, Task

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = list(cal.targets)
    specs = [dataclasses.asdict(cal.targets[n]) for n in names]
    matrix = wave_sample(cal, bounds, wave)
    pnames = list(cal.parameters)
    saved: dict[str, tuple[str | None, dict]] = {}
    path = folder / WAVE_FILE
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                saved[rec["key"]] = (rec.get("digest"), rec["values"])
    done: dict[str, dict] = {}
    digests: dict[str, str] = {}
    executor = executor or ProcessExecutor(cal.workers, fn=measure_task)
    for scenario, shock in _runs_needed(cal):
        base = from_dict(ModelConfig, config_dict(scenario, shock=shock, steps=cal.steps))
        digest_of = digester(base)
        start = base.shock.start if shock != "none" else _shock_start(cal, scenario)
        tasks, stale = [], 0
        for row, values in enumerate(matrix):
            key = _key(wave, row, scenario, shock)
            over = {"seed": run_seed(cal.seed, row, wave - 1), "targets": specs,
                    "shock_start": start}
            for name, v in [*cal.fixed.items(), *zip(pnames, values, strict=True)]:
                meta = field_meta(base, name)
                if meta is not None:  # parameters of another scenario are skipped
                    over[name] = int(round(v)) if meta.get("type") is int else float(v)
            digests[key] = digest = digest_of(over)
            if key in saved and saved[key][0] == digest:
                done[key] = saved[key][1]
                continue
            stale += key in saved
            tasks.append(Task(key, over))
        if progress and stale:
            print(f"{cal.name} wave {wave}: {stale} saved runs were made with another model, "
                  f"scenario or calibration file; they are run again")
        bar = None
        if progress and tasks:
            from tqdm import tqdm

            bar = tqdm(total=len(tasks), desc=f"{cal.name} wave {wave} {scenario}/{shock}",
                       unit="run")
        for out in executor.run(base, tasks):
            if out.ok:
                done[out.task.key] = out.result
                with path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps({"key": out.task.key, "digest": digests[out.task.key],
                                         "values": out.result}) + "\n")
            if bar is not None:
                bar.update()
        if bar is not None:
            bar.close()
    noise = defaults.set_index("target")
    here = set(cal.fitted_here)
    rows = []
    for row, values in enumerate(matrix):
        rec = dict(zip(pnames, values, strict=True))
        rec["row"] = row
        worst = 0.0
        complete = True
        for i, name in enumerate(names):
            t = cal.targets[name]
            base_run = done.get(_key(wave, row, t.scenario, "none"))
            if base_run is None:
                complete = False
                continue
            value = base_run[str(i)]
            if t.measure == "shock_response":
                shocked = done.get(_key(wave, row, t.scenario, t.shock))
                if shocked is None:
                    complete = False
                    continue
                value = (shocked[str(i)] - value) / value if value else float("nan")
            value = value * t.scale if value is not None else float("nan")
            sd = float(noise.loc[name, "noise_sd"]) if "noise_sd" in noise else 0.0
            mid, half = (t.lo + t.hi) / 2, (t.hi - t.lo) / 2
            # a target the row's run cannot measure (no arrests of that kind, say) is no
            # evidence either way: it is left out of the row's verdict
            impl = abs(value - mid) / np.sqrt(half ** 2 + sd ** 2) if np.isfinite(value) \
                else float("nan")
            rec[name] = value
            rec[f"I.{name}"] = impl
            if name in here and np.isfinite(impl):
                worst = max(worst, impl)
        rec["max_I"] = worst if complete else float("nan")
        rec["plausible"] = bool(complete and worst <= cal.cutoff)
        rows.append(rec)
    return pd.DataFrame(rows)


def _key(wave: int, row: int, scenario: str, shock: str) -> str:
    """Key of one run of a wave in ``wave.jsonl``."""
    return f"{wave}:{row}:{scenario}:{shock}"


def best_row(waves: pd.DataFrame) -> pd.Series | None:
    """The calibrated point: of the last wave's rows not ruled out, the one with the
    smallest largest implausibility (None when no row is left)."""
    last = waves[waves["wave"] == waves["wave"].max()]
    ok = last[last["plausible"]]
    return None if ok.empty else ok.loc[ok["max_I"].idxmin()]


def confirm_candidates(cal: CalibrationConfig, waves: pd.DataFrame, executor=None,
                       previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """Re-run the last wave's ``cal.confirm`` best rows not ruled out (smallest largest
    implausibility), with their values as saved in ``wave.csv``, over ``cal.seeds`` seeds
    each (:func:`check_targets`). One row per candidate and target, with ``wave``, ``row``,
    the parameters and the target table's columns; ``best`` marks the calibrated point:
    the candidate with the most fitted targets in band, then the smallest sum over fitted
    targets of the distance of its mean to the band, in half-bands (targets another
    calibration fits, ``fitted_by``, do not count)."""
    last = waves[waves["wave"] == waves["wave"].max()]
    picks = last[last["plausible"]].nsmallest(cal.confirm, "max_I")
    frames = []
    for _, cand in picks.iterrows():
        over = {n: float(cand[n]) for n in cal.parameters}
        digest = targets_digest(cal, {**cal.fixed, **over})
        table = _previous_run(previous, int(cand["wave"]), int(cand["row"]), digest)
        if table is None:
            table = check_targets(cal, executor, {**cal.fixed, **over})
        table.insert(0, "row", int(cand["row"]))
        table.insert(0, "wave", int(cand["wave"]))
        for n in cal.parameters:
            table[n] = over[n]
        table["digest"] = digest
        frames.append(table)
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    fitted = out[out["target"].isin(cal.fitted_here)].copy()
    half = (fitted["hi"] - fitted["lo"]) / 2
    fitted["miss"] = (np.maximum(fitted["lo"] - fitted["simulated"], 0)
                      + np.maximum(fitted["simulated"] - fitted["hi"], 0)) / half
    score = fitted.groupby("row").agg(in_band=("in_band", "sum"), miss=("miss", "sum"))
    best = score.sort_values(["in_band", "miss"], ascending=[False, True]).index[0]
    out["best"] = out["row"] == best
    return out


def _previous_run(previous: pd.DataFrame | None, wave: int, row: int,
                  digest: str) -> pd.DataFrame | None:
    """The target table of a candidate already confirmed by the same runs (the same
    :func:`targets_digest`: values, seeds, targets, model and scenarios), or None."""
    if previous is None or previous.empty or "digest" not in previous:
        return None
    old = previous[(previous["wave"] == wave) & (previous["row"] == row)
                   & (previous["digest"].astype(str) == digest)]
    if old.empty:
        return None
    return old[TARGET_COLUMNS].reset_index(drop=True)


def confirm_summary(cal: CalibrationConfig, confirmed: pd.DataFrame,
                    shipped: pd.DataFrame | None = None) -> list[str]:
    """Plain lines: each candidate's fitted targets in band, and the calibrated point.

    With ``shipped`` (:func:`check_targets` at the shipped defaults, which hold the later
    stages' values as the candidates do, ``fixed``), the best candidate replaces the
    shipped defaults only if more of this stage's fitted targets (not held out, not
    ``fitted_by`` another stage) are in band there; otherwise the shipped defaults are kept
    (a stage rerun after a change elsewhere does not move a point that still fits as well
    for a candidate that fits no better)."""
    if confirmed.empty:
        return ["No candidate to confirm: the last wave ruled out every row."]
    lines = [f"Confirmation: the last wave's {confirmed['row'].nunique()} best rows not ruled "
             f"out, re-run over {cal.seeds} seeds each:"]
    for row, t in confirmed.groupby("row", sort=False):
        fitted = t[~t["held_out"]]
        lines.append(f"row {row}: {int(fitted['in_band'].sum())} of {len(fitted)} fitted "
                     f"targets in band (out: "
                     + (", ".join(fitted.loc[~fitted["in_band"], "target"]) or "none") + ")")
    best = confirmed[confirmed["best"]].iloc[0]
    here = cal.fitted_here
    if shipped is not None:
        mine = confirmed[confirmed["best"] & confirmed["target"].isin(here)]
        theirs = shipped[shipped["target"].isin(here)]
        got, keep = int(mine["in_band"].sum()), int(theirs["in_band"].sum())
        same = np.array_equal(mine.set_index("target")["simulated"].reindex(here).to_numpy(),
                              theirs.set_index("target")["simulated"].reindex(here).to_numpy())
        if keep >= got and not same:  # (the same values: the candidate is what is shipped)
            return lines + [
                f"Calibrated point: the shipped defaults are kept. Of this stage's {len(here)} "
                f"fitted targets ({', '.join(here)}) {keep} are in band at them and {got} at "
                f"the best candidate (wave {int(best['wave'])}, row {int(best['row'])}: "
                + ", ".join(f"{n} = {best[n]:.6g}" for n in cal.parameters)
                + "); a candidate replaces them only with more in band."]
    lines.append(f"Calibrated point, shipped in configs/ (wave {int(best['wave'])}, row "
                 f"{int(best['row'])}; a value a later stage refits is shipped from that "
                 f"stage, and configs/ cites which): "
                 + ", ".join(f"{n} = {best[n]:.6g}" for n in cal.parameters))
    return lines


def wave_summary(cal: CalibrationConfig, waves: pd.DataFrame) -> list[str]:
    """Plain lines: per wave, how much of its box is not ruled out and the non-implausible
    range of each parameter; then which target rules out most rows, the targets no row
    meets, which targets pull against each other (negative correlation of their signed
    misses across all rows) and the calibrated point (:func:`best_row`)."""
    if "wave" not in waves:
        waves = waves.assign(wave=1)
    fitted = cal.fitted_here
    lines = []
    later = {n: t.fitted_by for n, t in cal.targets.items() if t.fitted_by is not None}
    if later:
        lines.append("Checked but not fitted here (left out of the implausibility and of the "
                     "choice of the calibrated point; their parameters are another stage's): "
                     + ", ".join(f"{n} (calibration {c})" for n, c in later.items()))
    if cal.fixed:
        lines.append("Held in every run of the waves, the noise and the confirmation (fitted "
                     "by a later stage; these are the values this one ran with): "
                     + ", ".join(f"{n} = {_num(v)}" for n, v in cal.fixed.items()))
    box = {n: (p.lo, p.hi) for n, p in cal.parameters.items()}
    for k, wave in waves.groupby("wave"):
        ok = wave[wave["plausible"]]
        where = "the prior ranges" if k == 1 else "the box wave " + str(k - 1) + " left"
        lines.append(f"Wave {k}: {len(wave)} Latin-hypercube rows over {where}, one seed "
                     f"each; {len(ok)} ({len(ok) / max(len(wave), 1):.0%}) not ruled out "
                     f"(every fitted target's implausibility <= {cal.cutoff:g}).")
        for name in cal.parameters:
            lo, hi = box[name]
            lines.append(f"wave {k}, {name}: sampled [{lo:.4g}, {hi:.4g}], "
                         + (f"not ruled out [{ok[name].min():.4g}, {ok[name].max():.4g}]"
                            if len(ok) else "no row left"))
        if len(ok):
            box = {n: (float(ok[n].min()), float(ok[n].max())) for n in cal.parameters}
    impl = waves[[f"I.{n}" for n in fitted]]
    never = []
    for n in fitted:
        col = impl[f"I.{n}"]
        if col.notna().any() and col.min() > cal.cutoff:
            t = cal.targets[n]
            never.append(f"{n} (best row: I = {col.min():.2g}, value "
                         f"{waves.loc[col.idxmin(), n]:.4g} against [{t.lo:g}, {t.hi:g}])")
    lines.append("Targets no row meets: " + ("; ".join(never) or "none"))
    worst = impl.idxmax(axis=1).str.removeprefix("I.").value_counts()
    lines.append("Target with the largest implausibility, by number of rows: "
                 + ", ".join(f"{k} {v}" for k, v in worst.items()))
    miss = pd.DataFrame({n: waves[n] - (cal.targets[n].lo + cal.targets[n].hi) / 2
                         for n in fitted}).dropna()
    if len(miss) > 2:
        corr = miss.corr()
        pairs = sorted(((corr.loc[a, b], a, b) for i, a in enumerate(fitted)
                        for b in fitted[i + 1:] if np.isfinite(corr.loc[a, b])))
        against = [f"{a} vs {b} ({r:+.2f})" for r, a, b in pairs[:3] if r < -0.3]
        lines.append("Targets that pull against each other (correlation of their misses "
                     "across all rows below -0.3): " + ("; ".join(against) or "none"))
    best = best_row(waves)
    if best is not None:
        lines.append(f"Least implausible row (wave {int(best['wave'])}, row "
                     f"{int(best['row'])}, largest implausibility {best['max_I']:.2g}): "
                     + ", ".join(f"{n} = {best[n]:.6g}" for n in cal.parameters))
    return lines


def plot_marginals(cal: CalibrationConfig, waves: pd.DataFrame, path) -> None:
    """Histogram per parameter of the rows not ruled out, by wave, over its prior range:
    the plausible region's marginals (read from the saved ``wave.csv``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(cal.parameters)
    cols = min(len(names), 4)
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(max(3.4 * cols, 6.8), 2.6 * rows + 0.4),
                             squeeze=False)
    from matplotlib.ticker import MaxNLocator

    colours = ["#4c72b0", "#dd8452", "#55a868", "#c44e52"]
    left = int(waves["plausible"].sum())
    for ax, name in zip(axes.ravel(), names, strict=False):
        prm = cal.parameters[name]
        bins = np.linspace(prm.lo, prm.hi, 13)
        for k, wave in waves.groupby("wave"):
            ok = wave[wave["plausible"]]
            ax.hist(ok[name], bins=bins, alpha=0.6, color=colours[(k - 1) % 4],
                    label=f"wave {k}: {len(ok)} of {len(wave)} left")
        # where every row was sampled (ticks at the foot), so an empty panel still says
        # what was tried
        ax.plot(waves[name], np.zeros(len(waves)), "|", color="0.45", markersize=7,
                label="rows sampled")
        if not left:
            ax.text(0.5, 0.55, "no row left", transform=ax.transAxes, ha="center",
                    fontsize=8, color="0.3")
        ax.set_xlim(prm.lo, prm.hi)
        ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1], 1))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("rows", fontsize=7)
        ax.set_title(name.split(".", 1)[1] if "." in name else name, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7)
    import textwrap

    title = (f"Calibration {cal.name}: rows not ruled out by history matching (x axis: each "
             f"parameter's prior range; implausibility cutoff {cal.cutoff:g})")
    fig.suptitle(textwrap.fill(title, 18 * max(cols, 2) + 20), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _shock_start(cal: CalibrationConfig, scenario: str) -> int | None:
    """The start day of the shock a baseline run of ``scenario`` is paired with (the window
    of a shock response is measured on both runs)."""
    for t in cal.targets.values():
        if t.scenario == scenario and t.measure == "shock_response":
            return int(from_dict(ModelConfig, config_dict(scenario, shock=t.shock,
                                                          steps=cal.steps)).shock.start)
    return None


def _summary(cal: CalibrationConfig, table: pd.DataFrame) -> list[str]:
    """The report's opening paragraphs (plain text; the Markdown bolds the count)."""
    fitted = table[~table["held_out"]]
    held = ", ".join(f"{r.target} {'in' if r.in_band else 'outside'} band"
                     for r in table[table["held_out"]].itertuples()) or "none"
    return [cal.description,
            f"Shipped defaults, {cal.seeds} seeds (1..{cal.seeds}), {cal.steps} days per run; "
            f"simulated = mean over seeds with its 95 % interval (the model's randomness "
            f"only). In band: the mean lies inside the published band. This is the check "
            f"at the shipped defaults (configs/); the history matching below is where the "
            f"calibrated ones among them come from.",
            f"{int(fitted['in_band'].sum())} of {len(fitted)} fitted targets in band; held-out "
            f"validations: {held}."]


def _num(x) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.4g}"


def report_markdown(cal: CalibrationConfig, table: pd.DataFrame, command: str,
                    wave: list[str] | None = None) -> str:
    """The targets report in Markdown: how to read it, one row per target, then the
    history-matching wave's summary lines (if any)."""
    from sim.analysis.html import md_table

    intro, how, count = _summary(cal, table)
    head, _, tail = count.partition(" in band;")
    lines = [f"# Calibration targets: {cal.name}", "", intro, "", how, "",
             f"**{head} in band**;{tail}", ""]
    rows = [[r.target + (" (held out)" if r.held_out else ""), f"{_num(r.lo)} – {_num(r.hi)}",
             r.unit, f"{_num(r.simulated)} ({_num(r.ci_low)} to {_num(r.ci_high)})",
             "yes" if r.in_band else "**no**", r.source] for r in table.itertuples()]
    lines += [md_table(["target", "band", "unit", "simulated (95 % CI)", "in band", "source"],
                       rows), ""]
    if wave:
        lines += ["## History matching", ""] + [f"- {x}" for x in wave] + [""]
        lines += ["![Rows not ruled out, per parameter and wave](marginals.png)", ""]
    lines += ["Reproduce:", "", "```bash", command, "```", ""]
    return "\n".join(lines)


def report_html(cal: CalibrationConfig, table: pd.DataFrame, command: str,
                wave: list[str] | None = None, marginals: bytes | None = None) -> str:
    """The same report as one self-contained HTML page (``marginals``: the PNG of
    :func:`plot_marginals`, embedded)."""
    import base64

    from sim.analysis.html import CSS, escape
    from sim.analysis.html import table as html_table

    figure = ("<img alt='Rows not ruled out, per parameter and wave' style='max-width:100%' "
              f"src='data:image/png;base64,{base64.b64encode(marginals).decode()}'>"
              if marginals else "")
    rows = [[escape(r.target) + (" <i>(held out)</i>" if r.held_out else ""),
             f"{_num(r.lo)} – {_num(r.hi)}", escape(r.unit),
             f"{_num(r.simulated)}<span class='detail'>95 % CI {_num(r.ci_low)} to "
             f"{_num(r.ci_high)}</span>",
             "yes" if r.in_band else "<b>no</b>", escape(r.source)] for r in table.itertuples()]
    body = "".join(f"<p>{escape(p)}</p>" for p in _summary(cal, table))
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Calibration targets — {escape(cal.name)}</title><style>{CSS}</style>"
            f"</head><body><h1>Calibration targets: {escape(cal.name)}</h1>{body}"
            + html_table(["target", "band", "unit", "simulated", "in band", "source"], rows,
                         raw=True)
            + ("<h2>History matching</h2><ul>" + "".join(f"<li>{escape(x)}</li>" for x in wave)
               + "</ul>" + figure if wave else "")
            + f"<h2>Reproduce</h2><pre>{escape(command)}</pre></body></html>")


def calibration_dict(name: str) -> dict[str, Any]:
    """The mapping of ``configs/calibration/<name>.yaml``."""
    from sim.config import read_config

    return read_config("calibration", name)


__all__ = ["CalibrationConfig", "MEASURES", "TARGET_COLUMNS", "TargetSpec", "WAVE_FILE",
           "best_row", "calibration_dict", "check_targets", "confirm_candidates",
           "confirm_summary", "history_match", "load_calibration", "measure",
           "measure_task", "plot_marginals", "refocused", "report_html",
           "report_markdown", "run_wave", "wave_sample", "wave_summary"]
