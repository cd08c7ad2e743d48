"""Which assumptions a comparison's effects rest on, read from a saved sensitivity study.

A study of the packages' effects (``configs/study/<scenario>_effects.yaml``; its saved
result in ``docs/sensitivity/<scenario>_effects/``) ranks, for each (package, metric)
effect, the uncertain parameters by the study's main index (:mod:`sim.analysis.sensitivity`
wrote ``indices.csv`` and ``noise.csv``). The comparison report names, for each clear
headline effect, the parameters whose index clears both the "matters" threshold and the
noise floor. Nothing is run: the study is read as saved, and it is used only if it was made
on the same scenario, horizon and base package, with the configuration as it is now (the
digest of every saved run is checked against the digest of the same run's config today). A
digest covers the config, not the code: ``tests/test_assumptions.py`` reruns two of the
shipped study's runs and finds their saved outputs exactly, so a change of behaviour in the
code fails the tests until the study is rerun.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.schema import ConfigError

STUDY_FOLDER = Path("docs") / "sensitivity"
"""Where shipped studies are saved, relative to the project folder."""


METHOD_NAMES = {"sobol": "Sobol", "morris": "Morris", "delta": "delta (Borgonovo)",
                "rbd_fast": "RBD-FAST"}
"""How the caveat names a study's method."""


def default_folder(project: Path, scenario: str) -> Path:
    """The shipped effects study of a scenario: ``docs/sensitivity/<scenario>_effects``."""
    return project / STUDY_FOLDER / f"{scenario}_effects"


@dataclass
class EffectReading:
    """What a saved effects study says about a comparison.

    Attributes
    ----------
    folder : Path
        The study folder.
    usable : bool
        True if the study applies to the comparison (same scenario, days, base package, and
        every saved run made with today's configuration).
    why_not : str
        When not usable: why, in one sentence.
    method, samples, n_parameters : str, int, int
        The study's design, for the caveat's wording.
    ranking : dict of (str, str) to list of (str, float)
        (package, metric) -> the parameters that matter for that effect, largest index
        first, with their index as a share of the largest.
    studied : set of (str, str)
        Every (package, metric) effect the study has indices for.
    spread : dict of (str, str) to tuple
        (package, metric) -> (sample rows, rows where the effect is negative, rows where it
        is positive, 5th and 95th percentiles of the relative change in %): how far the
        effect moves over the plausible ranges, and whether it keeps its sign.
    command : str
        The command that reruns the study into its folder.
    where : str
        The study folder as the report shows it (relative to the project when inside it).
    """

    folder: Path
    usable: bool
    why_not: str = ""
    method: str = ""
    samples: int = 0
    n_parameters: int = 0
    ranking: dict[tuple[str, str], list[tuple[str, float]]] = field(default_factory=dict)
    studied: set[tuple[str, str]] = field(default_factory=set)
    spread: dict[tuple[str, str], tuple[int, int, int, float, float]] = field(
        default_factory=dict)
    command: str = ""
    where: str = ""


def stale_runs(folder: Path) -> tuple[int, int]:
    """(saved runs, saved runs whose digest differs from today's config's for the same
    run) of a trafficking study folder."""
    from sim.analysis.sensitivity import load
    from sim.analysis.study import base_configs

    data = load(folder)
    return _stale(data, base_configs(data.study))


def _stale(data, configs: dict) -> tuple[int, int]:
    """:func:`stale_runs` of a loaded study (``StudyData``) with its arms' configs."""
    from sim.analysis.study import sample, task_digests, tasks

    expected = task_digests(data.study, tasks(data.study, sample(data.study), configs), configs)
    stale = sum(1 for key, rec in data.results.items() if rec.get("digest") != expected.get(key))
    return len(data.results), stale


def read_effect_study(folder: Path, scenario: str, steps: int | None, baseline: str,
                      project: Path | None = None) -> EffectReading | None:
    """Read the effects study in ``folder`` for a comparison of ``scenario`` over ``steps``
    days against ``baseline``; None if the folder holds no study."""
    from sim.analysis.sensitivity import (
        MAIN_INDEX,
        findings,
        load,
        noise_level,
        null_parameters,
    )
    from sim.analysis.study import base_configs

    folder = Path(folder)
    try:
        data = load(folder)
    except ConfigError:
        return None
    s = data.study
    shown = folder.relative_to(project) if project and folder.is_relative_to(project) else folder
    command = (f".venv/bin/python -m experiments.sensitivity study={s.name} "
               f"hydra.run.dir={shown}")
    reading = EffectReading(folder, False, method=s.method, samples=s.samples,
                            n_parameters=len(s.parameters), command=command, where=str(shown))
    mismatch = [f"{what} {theirs!r}, not {ours!r}" for what, theirs, ours in (
        ("scenario", s.scenario, scenario), ("days", s.steps, steps),
        ("base package", s.policy, baseline)) if ours is not None and theirs != ours]
    if s.model != "trafficking" or not s.effects:
        reading.why_not = f"study {s.name} has no package effects"
    elif mismatch:
        reading.why_not = f"study {s.name} was run on {'; '.join(mismatch)}"
    elif not (folder / "indices.csv").is_file() or not (folder / "noise.csv").is_file():
        reading.why_not = f"study {s.name} has no indices yet (run its analysis)"
    else:
        configs = base_configs(s)
        total, stale = _stale(data, configs)
        if total == 0 or stale:
            reading.why_not = (f"{stale} of {total} saved runs of study {s.name} were made by "
                               f"another configuration of the model" if total else
                               f"study {s.name} has no saved runs")
    if reading.why_not:
        return reading
    idx = pd.read_csv(folder / "indices.csv")
    noise = pd.read_csv(folder / "noise.csv")
    find = findings(s, idx, noise_level(s, noise), null_parameters(s, configs))
    main = find[find["index"] == MAIN_INDEX[s.method]]
    for name, effect in s.effects.items():
        rows = main[main["output"] == f"effect.{name}"]
        if rows.empty:
            continue
        key = (effect.package, effect.metric)
        reading.studied.add(key)
        top = float(rows["value"].max()) or 1.0
        reading.ranking[key] = [(r.parameter, float(r.value) / top) for r in rows.itertuples()
                                if r.verdict == "matters"]
        reading.spread[key] = _spread(data, effect.package, effect.metric)
    reading.usable = True
    return reading


def _spread(data, package: str, metric: str) -> tuple[int, int, int, float, float]:
    """Over the study's sample rows: how many, how many with the effect below and above
    zero, and the 5th and 95th percentiles of the relative change (%, where the base run's
    value is not 0)."""
    from sim.analysis.study import BASE_ARM, task_key

    diffs, rel = [], []
    for row in range(data.n_rows):
        for rep in range(data.study.replications):
            base = data.results.get(task_key(row, rep, BASE_ARM))
            other = data.results.get(task_key(row, rep, package))
            if base is None or other is None:
                continue
            b, o = float(base["outputs"][metric]), float(other["outputs"][metric])
            diffs.append(o - b)
            if b != 0:
                rel.append(100.0 * (o - b) / b)
    d = np.asarray(diffs)
    lo, hi = (np.percentile(rel, [5, 95]) if rel else (np.nan, np.nan))
    return len(d), int((d < 0).sum()), int((d > 0).sum()), float(lo), float(hi)


def parameter_label(path: str) -> str:
    """A short readable name of a config path, e.g. ``post detection prob`` or
    ``joint_operations: joint post gain`` or ``NGA court cases per day``."""
    parts = path.split(".")
    if parts[:2] == ["policy", "policies"] and len(parts) >= 5:
        return f"{parts[2]}: {parts[-1].replace('_', ' ')}"
    if parts[:2] == ["scenario", "commodities"] and len(parts) >= 4:
        return f"{parts[2]} {parts[-1].replace('_', ' ')}"
    if parts[:2] == ["scenario", "countries"] and len(parts) >= 4:
        return f"{parts[2]} {parts[-1].replace('_', ' ')}"
    return parts[-1].replace("_", " ")


def effect_caveats(reading: EffectReading | None, effects: dict[str, list[tuple[str, str]]],
                   top: int = 3) -> list[str]:
    """Caveat lines naming the assumptions each listed effect rests on.

    Parameters
    ----------
    reading : EffectReading or None
        The saved study (None: there is none).
    effects : dict of str to list of (str, str)
        Package -> its headline effects as (metric, readable label), in report order.
    top : int
        At most this many parameters per effect.
    """
    if reading is None:
        return ["No sensitivity study of these effects is saved, so which assumptions they "
                "rest on is not known; a study of package effects (configs/study/, with "
                "'effects:') run into docs/sensitivity/<scenario>_effects is read here."]
    if not reading.usable:
        return [f"The saved sensitivity study ({reading.folder.name}) is not used: "
                f"{reading.why_not}. Rerun it: {reading.command}."]
    rows = max((s[0] for s in reading.spread.values()), default=0)
    method = METHOD_NAMES.get(reading.method, reading.method)
    head = (f"What the effects rest on (study {reading.folder.name}: {method} "
            f"screening of {reading.n_parameters} uncertain parameters over their plausible "
            f"ranges, {reading.samples} trajectories, {rows} sample rows). For each effect: "
            f"in how many rows it keeps its direction, the 5th to 95th percentile of its "
            f"relative change over the rows, and the assumptions whose index is told apart "
            f"from the seed noise and from the parameters that do not enter the package "
            f"(largest first; every index with its interval: {reading.where}/report.html).")
    lines = [head]
    for package, items in effects.items():
        parts, any_named = [], False
        for metric, label in items:
            key = (package, metric)
            if key not in reading.studied:
                parts.append(f"{label}: not in the study")
                continue
            named = reading.ranking.get(key, [])
            any_named |= bool(named)
            parts.append(f"{label} {_sign_text(reading.spread.get(key))}"
                         + (f", resting most on {_named_text(named, top)}" if named else ""))
        if parts:
            tail = ("" if any_named else
                    " No assumption is told apart from the noise for these effects.")
            lines.append(f"{package} — " + "; ".join(parts) + "." + tail)
    return lines


def _sign_text(spread: tuple[int, int, int, float, float] | None) -> str:
    """``falls in 237 of 240 rows (-38 % to -5 %)``."""
    if spread is None or spread[0] == 0:
        return "(no sample row)"
    n, neg, pos, lo, hi = spread
    word, count = ("falls", neg) if neg >= pos else ("rises", pos)
    text = f"{word} in {count} of {n} rows"
    if not (np.isnan(lo) or np.isnan(hi)):
        text += f" ({lo:+.0f} % to {hi:+.0f} %)"
    return text


def _named_text(named: list[tuple[str, float]], top: int) -> str:
    names = [parameter_label(p) for p, _ in named[:top]]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return listed + (f" (of {len(named)})" if len(named) > top else "")
