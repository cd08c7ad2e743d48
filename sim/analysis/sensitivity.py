"""Sensitivity indices of a finished (or partly finished) study, from its saved files only.

Reads ``study.yaml``, ``samples.csv`` and ``results.jsonl`` of a study folder
(:mod:`sim.analysis.study`), and writes into it:

- ``indices.csv``: one tidy row per method, output, parameter and index, with columns
  ``method, output, parameter, index, value, ci_low, ci_high`` (95 % bootstrap intervals;
  ``index`` is ``S1``, ``ST``, ``S2`` (Sobol), ``mu_star``, ``sigma``, ``mu`` (Morris),
  ``delta``, ``S1`` (delta), or ``S1`` (RBD-FAST));
- ``convergence.csv`` and ``convergence.png``: the main index at N/8, N/4, N/2 and N;
- ``noise.csv``: the noise floor, the spread of each output over seeds at the base point
  against its spread across the sample;
- ``indices.png`` (S1/ST bars, or Morris mu*-sigma, or delta bars);
- ``report.html`` (self-contained) and ``report.md``.

Outputs are averaged over a row's replications; an effect is the package's value minus the
base package's, run with the same seed. An output with a failed or missing row, or constant
over the sample, gets no indices (the report says which and why).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

from sim.analysis.html import CSS, escape, img_tag, md_table, table  # noqa: E402
from sim.analysis.study import (  # noqa: E402
    BASE_ARM,
    FAILURES_FILE,
    NOISE_ROW,
    SAMPLES_FILE,
    STUDY_FILE,
    StudyConfig,
    problem,
    read_results,
)
from sim.atomic import write_text  # noqa: E402
from sim.schema import ConfigError, from_dict  # noqa: E402

MAIN_INDEX = {"sobol": "ST", "morris": "mu_star", "delta": "delta", "rbd_fast": "S1"}
"""The index each method ranks parameters by (and whose convergence is checked)."""

MATTERS, NEGLIGIBLE = 0.05, 0.01
"""Sobol/delta/RBD index thresholds: a parameter matters for an output when the lower end
of its main index's interval exceeds MATTERS; it is negligible when the upper end is below
NEGLIGIBLE. For Morris the thresholds apply to mu* as a share of the largest mu*."""


@dataclass
class StudyData:
    """What a study folder holds."""

    folder: Path
    study: StudyConfig
    samples: pd.DataFrame
    results: dict[str, dict]
    failures: list[dict] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return list(self.study.parameters)

    @property
    def n_rows(self) -> int:
        return len(self.samples)


def load(folder: str | Path) -> StudyData:
    """Read a study folder (ConfigError with one line if it is not one)."""
    folder = Path(folder)
    if not (folder / STUDY_FILE).is_file() or not (folder / SAMPLES_FILE).is_file():
        raise ConfigError(f"study folder {folder} is not allowed: it has no {STUDY_FILE} and "
                          f"{SAMPLES_FILE} (run the study first)")
    study = from_dict(StudyConfig, yaml.safe_load((folder / STUDY_FILE).read_text()), "study")
    failures = []
    if (folder / FAILURES_FILE).is_file():
        for line in (folder / FAILURES_FILE).read_text(encoding="utf-8").splitlines():
            try:
                failures.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return StudyData(folder, study, pd.read_csv(folder / SAMPLES_FILE), read_results(folder),
                     failures)


def output_names(study: StudyConfig) -> list[str]:
    """Every studied output: metrics, then effects as ``effect.<name>``."""
    return [*study.outputs, *(f"effect.{name}" for name in study.effects)]


def row_values(data: StudyData, row: int) -> dict[str, float] | None:
    """Each output at one row (averaged over replications), or None if a run is missing."""
    s = data.study
    reps = s.replications if row != NOISE_ROW else 1
    out: dict[str, list[float]] = {name: [] for name in output_names(s)}
    for rep in range(reps):
        base = data.results.get(_key(row, rep, BASE_ARM))
        if base is None:
            return None
        for metric in s.outputs:
            out[metric].append(float(base["outputs"][metric]))
        for name, effect in s.effects.items():
            other = data.results.get(_key(row, rep, effect.package))
            if other is None:
                return None
            out[f"effect.{name}"].append(float(other["outputs"][effect.metric])
                                         - float(base["outputs"][effect.metric]))
    return {k: float(np.mean(v)) for k, v in out.items()}


def _key(row: int, rep: int, arm: str) -> str:
    return f"{'noise' if row == NOISE_ROW else f'row{row:06d}'}.rep{rep:03d}.{arm}"


def output_matrix(data: StudyData) -> tuple[pd.DataFrame, list[int]]:
    """Outputs per sample row (NaN where a run is missing), and the missing rows."""
    rows, missing = [], []
    for r in range(data.n_rows):
        values = row_values(data, r)
        if values is None:
            missing.append(r)
            values = dict.fromkeys(output_names(data.study), np.nan)
        rows.append(values)
    return pd.DataFrame(rows), missing


def noise_floor(data: StudyData, y: pd.DataFrame) -> pd.DataFrame:
    """Per output: sd over the base point's seeds against sd across the sample."""
    s = data.study
    noise = []
    for rep in range(s.noise_seeds):
        base = data.results.get(_key(NOISE_ROW, rep, BASE_ARM))
        if base is None:
            continue
        row = {m: float(base["outputs"][m]) for m in s.outputs}
        for name, effect in s.effects.items():
            other = data.results.get(_key(NOISE_ROW, rep, effect.package))
            if other is not None:
                row[f"effect.{name}"] = (float(other["outputs"][effect.metric])
                                         - float(base["outputs"][effect.metric]))
        noise.append(row)
    frame = pd.DataFrame(noise)
    out = []
    for name in output_names(s):
        sample_sd = float(np.nanstd(y[name], ddof=1)) if y[name].notna().sum() > 1 else np.nan
        vals = frame[name].dropna() if name in frame else pd.Series(dtype=float)
        noise_sd = float(vals.std(ddof=1)) if len(vals) > 1 else np.nan
        out.append({"output": name, "n_seeds": len(vals),
                    "base_mean": float(vals.mean()) if len(vals) else np.nan,
                    "noise_sd": noise_sd, "sample_sd": sample_sd,
                    "noise_share": (noise_sd / sample_sd) ** 2 if sample_sd and
                    not math.isnan(noise_sd) else np.nan})
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- indices


def indices(data: StudyData, y: pd.DataFrame, n: int | None = None
            ) -> tuple[pd.DataFrame, list[str]]:
    """The study's indices from the first ``n`` base samples (default all); returns the
    tidy table and notes on outputs that got none."""
    s, prob = data.study, problem(data.study)
    rows_used = _rows_for(s, n)
    x = data.samples[data.names].to_numpy()[:rows_used]
    out, notes = [], []
    for name in output_names(s):
        values = y[name].to_numpy()[:rows_used]
        if np.isnan(values).any():
            notes.append(f"{name}: no indices, {int(np.isnan(values).sum())} sample rows have "
                         f"no result")
            continue
        if np.ptp(values) == 0:
            notes.append(f"{name}: no indices, constant over the sample ({values[0]:g})")
            continue
        out += _analyse(s, prob, x, values, name)
    return pd.DataFrame(out, columns=["method", "output", "parameter", "index", "value",
                                      "ci_low", "ci_high"]), notes


def _rows_for(s: StudyConfig, n: int | None) -> int:
    n = n or s.samples
    d = len(s.parameters)
    if s.method == "sobol":
        return n * (2 * d + 2 if s.second_order else d + 2)
    if s.method == "morris":
        return n * (d + 1)
    return n


def _analyse(s: StudyConfig, prob: dict, x: np.ndarray, y: np.ndarray, output: str) -> list:
    from SALib.analyze import delta, morris, rbd_fast, sobol

    seed = s.seed % 2**32
    rows = []

    def add(index, values, conf=None, names=None):
        for i, name in enumerate(names or prob["names"]):
            v = float(values[i])
            c = float(conf[i]) if conf is not None else np.nan
            rows.append((s.method, output, name, index, v, v - c, v + c))

    if s.method == "sobol":
        r = sobol.analyze(prob, y, calc_second_order=s.second_order, num_resamples=s.resamples,
                          seed=seed)
        add("S1", r["S1"], r["S1_conf"])
        add("ST", r["ST"], r["ST_conf"])
        if s.second_order:
            d = prob["num_vars"]
            for i in range(d):
                for j in range(i + 1, d):
                    v, c = float(r["S2"][i, j]), float(r["S2_conf"][i, j])
                    rows.append((s.method, output, f"{prob['names'][i]} x {prob['names'][j]}",
                                 "S2", v, v - c, v + c))
    elif s.method == "morris":
        r = morris.analyze(prob, x, y, num_resamples=s.resamples, num_levels=s.morris_levels,
                           seed=seed)
        add("mu_star", r["mu_star"], r["mu_star_conf"])
        add("sigma", r["sigma"])
        add("mu", r["mu"])
    elif s.method == "delta":
        r = delta.analyze(prob, x, y, num_resamples=s.resamples, seed=seed)
        add("delta", r["delta"], r["delta_conf"])
        add("S1", r["S1"], r["S1_conf"])
    else:
        r = rbd_fast.analyze(prob, x, y, num_resamples=s.resamples, seed=seed)
        add("S1", r["S1"], r["S1_conf"])
    return rows


def convergence(data: StudyData, y: pd.DataFrame) -> pd.DataFrame:
    """The main index at N/8, N/4, N/2 and N base samples (prefixes of the sample)."""
    s = data.study
    frames = []
    for frac in (8, 4, 2, 1):
        n = s.samples // frac
        if n < 2 or (s.method == "sobol" and n & (n - 1)):
            continue
        idx, _ = indices(data, y, n)
        idx = idx[idx["index"] == MAIN_INDEX[s.method]].copy()
        idx.insert(3, "n", n)
        frames.append(idx)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# --------------------------------------------------------------------------- findings


def noise_level(s: StudyConfig, noise: pd.DataFrame) -> dict[str, float]:
    """Per output, the value of the main index that the model's own randomness alone
    would give every parameter (0 when unknown).

    Every sample row runs with its own seed, so each run carries the noise of its seed.
    For Sobol and delta/RBD-FAST an index below the noise share of the output's variance
    cannot be told from noise. For Morris, an elementary effect (y(x + D) - y(x)) / D with
    independent noise sd s has a noise part of mean absolute value 2 s / (sqrt(pi) D), with
    D = levels / (2 (levels - 1)) in the unit-scaled range (Morris 1991).
    """
    out = {}
    for r in noise.itertuples():
        if s.method == "morris":
            step = s.morris_levels / (2 * (s.morris_levels - 1))
            value = 2 * r.noise_sd / (math.sqrt(math.pi) * step)
        else:
            value = r.noise_share
        out[r.output] = 0.0 if value is None or math.isnan(value) else float(value)
    return out


def null_parameters(s: StudyConfig, configs: dict | None = None) -> dict[str, list[str]]:
    """Per effect output (``effect.<name>``), the study's parameters that enter neither of
    its two arms (a package's own parameter in another package's effect, e.g. a
    livelihoods parameter in the security package's effect). Their elementary effects or
    indices are the model's randomness alone, measured across the whole sample: a null
    ("dummy") parameter's interval is the floor another parameter must clear. ``configs``:
    the arms' configs if already built (:func:`~sim.analysis.study.base_configs`)."""
    if s.model != "trafficking" or not s.effects:
        return {}
    from sim.analysis.study import base_configs, field_meta

    configs = configs or base_configs(s)
    out = {}
    for name, effect in s.effects.items():
        out[f"effect.{name}"] = [p for p in s.parameters
                                 if field_meta(configs[BASE_ARM], p) is None
                                 and field_meta(configs[effect.package], p) is None]
    return out


def findings(s: StudyConfig, idx: pd.DataFrame, noise: dict[str, float] | None = None,
             null: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Per output and parameter: the main index, its interval, and a verdict:
    ``matters`` (the interval lies above the threshold and above the noise level),
    ``negligible`` (below the negligible threshold), ``noise`` (not above what noise alone
    gives), ``unclear``, or ``null`` (a parameter that enters neither arm of an effect,
    :func:`null_parameters`). The noise level of an output is the larger of ``noise``
    (from the base point's seeds) and the upper end of the largest interval of its null
    parameters' main index: a parameter that matters is told apart from every null one."""
    main = idx[idx["index"] == MAIN_INDEX[s.method]].copy()
    if main.empty:
        return main.assign(verdict=[])
    null = null or {}
    is_null = np.array([p in null.get(o, ()) for o, p in zip(main["output"], main["parameter"],
                                                               strict=True)], bool)
    dummy = main[is_null].groupby("output")["ci_high"].max()
    floor = np.maximum(main["output"].map(noise or {}).fillna(0.0),
                       main["output"].map(dummy).fillna(0.0))
    if s.method == "morris":
        top = main.groupby("output")["value"].transform("max").replace(0, np.nan)
        lo, hi = main["ci_low"] / top, main["ci_high"] / top
    else:
        lo, hi = main["ci_low"], main["ci_high"]
    above_noise = main["ci_low"] > floor
    main["verdict"] = np.where(
        is_null, "null", np.where(
            (lo > MATTERS) & above_noise, "matters",
            np.where(hi < NEGLIGIBLE, "negligible",
                     np.where(~above_noise, "noise", "unclear"))))
    return main.sort_values(["output", "value"], ascending=[True, False])


NOISY_SHARE, WIDE_INTERVAL = 0.5, 0.5
"""Cautions: an output whose seed-to-seed variance is at least NOISY_SHARE of its variance
across the sample is mostly the model's own randomness at this design; main-index intervals
wider than WIDE_INTERVAL (median over parameters) mean N is too small to rank parameters."""


NULL_RATIO = 1.5
"""Caution: an effect whose largest null-parameter index is NULL_RATIO times the noise
level measured at the base point is noisier across the sample than there."""


def cautions(s: StudyConfig, idx: pd.DataFrame, noise: pd.DataFrame,
             null: dict[str, list[str]] | None = None) -> dict[str, str]:
    """Per output, what limits the reading of its indices (empty when nothing does)."""
    main = idx[idx["index"] == MAIN_INDEX[s.method]]
    share = dict(zip(noise["output"], noise["noise_share"], strict=True))
    level = noise_level(s, noise)
    out = {}
    for output, d in main.groupby("output", sort=False):
        notes = []
        names = (null or {}).get(output, [])
        reach = float(d.loc[d["parameter"].isin(names), "value"].max()) if names else np.nan
        base = level.get(output, 0.0)
        if not math.isnan(reach) and base > 0 and reach > NULL_RATIO * base:
            notes.append(f"the parameters that enter neither arm reach {_fmt(reach)} "
                         f"({MAIN_INDEX[s.method]}), "
                         f"{reach / base:.1f} times what the base point's seed noise gives: "
                         "across the sample the noise is larger, and more replications per "
                         "row are needed to rank the parameters")
        ns = share.get(output, np.nan)
        if not math.isnan(ns) and ns >= NOISY_SHARE:
            notes.append(f"seed noise is {100 * min(ns, 1):.0f} % of the variance: more "
                         "replications per row are needed to see the parameters")
        if s.method != "morris":
            width = float((d["ci_high"] - d["ci_low"]).median())
            if width > WIDE_INTERVAL:
                notes.append(f"intervals are wide (median {width:.2f}): N = {s.samples} is "
                             "too small to rank the parameters")
        out[output] = "; ".join(notes)
    return out


# --------------------------------------------------------------------------- figures


def plot_indices(s: StudyConfig, idx: pd.DataFrame, path: Path) -> Path | None:
    outputs = list(dict.fromkeys(idx["output"]))
    if not outputs:
        return None
    ncol = min(3, len(outputs))
    nrow = math.ceil(len(outputs) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(5.2 * ncol, 0.32 * len(s.parameters) * nrow
                                                   + 1.6 * nrow + 0.6),
                             squeeze=False, layout="constrained")
    names = list(s.parameters)
    for ax, output in zip(axes.flat, outputs, strict=False):
        d = idx[idx["output"] == output]
        if s.method == "morris":
            mu = d[d["index"] == "mu_star"].set_index("parameter").reindex(names)
            sg = d[d["index"] == "sigma"].set_index("parameter").reindex(names)
            ax.errorbar(mu["value"], sg["value"], xerr=mu["value"] - mu["ci_low"], fmt="o",
                        color="#1f6fb4", ecolor="#9ab", capsize=2)
            for p in names:
                ax.annotate(_short(p), (mu.loc[p, "value"], sg.loc[p, "value"]), fontsize=7,
                            xytext=(3, 2), textcoords="offset points")
            lim = max(mu["value"].max(), sg["value"].max()) * 1.1 or 1
            ax.plot([0, lim], [0, lim], color="#ccc", lw=0.8, zorder=0)
            ax.set_xlabel("mu* (mean |elementary effect|)")
            ax.set_ylabel("sigma")
        else:
            kinds = ["S1", "ST"] if s.method == "sobol" else (
                ["delta", "S1"] if s.method == "delta" else ["S1"])
            ypos = np.arange(len(names))
            height = 0.8 / len(kinds)
            for k, kind in enumerate(kinds):
                v = d[d["index"] == kind].set_index("parameter").reindex(names)
                ax.barh(ypos + k * height - 0.4 + height / 2, v["value"], height=height,
                        xerr=[v["value"] - v["ci_low"], v["ci_high"] - v["value"]],
                        label=kind, color=["#1f6fb4", "#d49b00"][k % 2], capsize=2,
                        error_kw={"lw": 0.8})
            ax.set_yticks(ypos, [_short(p) for p in names], fontsize=7.5)
            ax.invert_yaxis()
            ax.axvline(0, color="#888", lw=0.6)
            ax.set_xlabel("index (95% bootstrap interval)")
            ax.legend(fontsize=7, loc="lower right")
        ax.set_title(output, fontsize=9.5)
        ax.grid(color="#eee", lw=0.6)
    for ax in list(axes.flat)[len(outputs):]:
        ax.axis("off")
    fig.suptitle(f"{s.name}: {s.method} indices (N = {s.samples})", fontsize=11)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_convergence(s: StudyConfig, conv: pd.DataFrame, path: Path) -> Path | None:
    if conv.empty:
        return None
    outputs = list(dict.fromkeys(conv["output"]))
    ncol = min(3, len(outputs))
    nrow = math.ceil(len(outputs) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(5.0 * ncol, 3.0 * nrow + 0.6),
                             squeeze=False, layout="constrained")
    # one distinct colour per parameter (tab20 for more than ten), and a marker that cycles
    # too, so no two parameters look alike
    names = list(s.parameters)
    cmap = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    markers = "os^Dv<>pX*"
    style = {p: (cmap(i % cmap.N), markers[i % len(markers)]) for i, p in enumerate(names)}
    for ax, output in zip(axes.flat, outputs, strict=False):
        d = conv[conv["output"] == output]
        for p in names:
            e = d[d["parameter"] == p].sort_values("n")
            colour, marker = style[p]
            ax.plot(e["n"], e["value"], "-", marker=marker, ms=3.5, lw=1, color=colour,
                    label=_short(p))
            ax.fill_between(e["n"], e["ci_low"], e["ci_high"], color=colour, alpha=0.08,
                            lw=0)
        # Intervals at the smallest N can be huge; keep the estimates readable.
        lo, hi = d["value"].min(), d["value"].max()
        pad = max(0.1, 0.15 * (hi - lo))
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("base samples N")
        ax.set_ylabel(MAIN_INDEX[s.method])
        ax.set_title(output, fontsize=9.5)
        ax.grid(color="#eee", lw=0.6)
    axes.flat[0].legend(fontsize=6.5, ncol=2)
    for ax in list(axes.flat)[len(outputs):]:
        ax.axis("off")
    fig.suptitle(f"{s.name}: convergence of {MAIN_INDEX[s.method]} (prefixes of the sample)",
                 fontsize=11)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _short(path: str) -> str:
    parts = path.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else parts[-1]


# --------------------------------------------------------------------------- report


HOW_TO_READ = {
    "sobol": "S1 is the share of an output's variance a parameter explains alone; ST adds its "
             "interactions with the others (ST >= S1; the gap measures interactions). Bars "
             "show 95 % bootstrap intervals.",
    "morris": "mu* is the mean absolute change of the output per step of the parameter across "
              "its range (elementary effects); a large sigma next to it means the effect "
              "depends on the other parameters or is non-linear. Morris ranks, it does not "
              "apportion variance.",
    "delta": "delta (Borgonovo) measures how much knowing a parameter shifts the whole "
             "distribution of the output (moment-independent, 0-1); S1 is the first-order "
             "variance share estimated from the same sample.",
    "rbd_fast": "S1 is the first-order variance share (random balance design FAST).",
}


NOISE_TEXT = ("Every sample row runs with its own seed, so every run carries the model's own "
              "randomness. The table gives the spread of each output over seeds at the base "
              "point (no parameter changed) against its spread across the sample, and the "
              "value of the main index that noise alone would give every parameter. A "
              "parameter whose interval does not clear that value is marked 'noise': its "
              "effect cannot be told from the randomness of single runs (more replications "
              "per row lower it).")


NULL_TEXT = ("In an effect, a parameter that enters neither arm (the parameter of a lever "
             "that only another package uses) is marked 'null': its index is the model's "
             "randomness alone, measured across the whole sample, and the noise level of "
             "that effect is at least the upper end of its null parameters' intervals.")


def analyse(folder: str | Path, command: str = "") -> Path:
    """Write every table, figure and the report into the study folder; returns report.html."""
    data = load(folder)
    s, out = data.study, data.folder
    y, missing = output_matrix(data)
    idx, notes = indices(data, y)
    write_text(out / "indices.csv", idx.to_csv(index=False))
    conv = convergence(data, y)
    write_text(out / "convergence.csv", conv.to_csv(index=False))
    noise = noise_floor(data, y)
    write_text(out / "noise.csv", noise.to_csv(index=False))
    null = null_parameters(s)
    find = findings(s, idx, noise_level(s, noise), null)
    caution = cautions(s, idx, noise, null)
    figures = []
    for path, title in ((plot_indices(s, idx, out / "indices.png"), "Indices"),
                        (plot_convergence(s, conv, out / "convergence.png"), "Convergence")):
        if path is not None:
            figures.append((path, title))
    expected = data.n_rows * s.replications * (1 + len({e.package for e in s.effects.values()}))
    status = {"rows": data.n_rows, "runs_expected": expected + s.noise_seeds * (
        1 + len({e.package for e in s.effects.values()})), "runs_done": len(data.results),
        "missing_rows": missing, "failures": len(data.failures)}
    write_text(out / "report.md", _markdown(s, find, caution, noise, notes, status, figures,
                                                     command))
    return write_text(out / "report.html", _html(s, find, caution, noise, notes, status,
                                                 figures, command))


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    a = abs(x)
    if a >= 1e4:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def _summary_lines(s: StudyConfig, find: pd.DataFrame, caution: dict[str, str]
                   ) -> list[list[str]]:
    lines = []
    for output, d in find.groupby("output", sort=False):
        matters = [f"{_short(r.parameter)} ({_fmt(r.value)})" for r in d.itertuples()
                   if r.verdict == "matters"]
        negligible = [_short(r.parameter) for r in d.itertuples() if r.verdict == "negligible"]
        lines.append([output, ", ".join(matters) or "none clearly",
                      ", ".join(negligible) or "none clearly", caution.get(output, "") or "—"])
    return lines


SUMMARY_HEADER = ["output", "matters (main index)", "negligible", "caution"]


def _noise_rows(s: StudyConfig, noise: pd.DataFrame) -> list[list[str]]:
    level = noise_level(s, noise)
    return [[r.output, str(r.n_seeds), _fmt(r.base_mean), _fmt(r.noise_sd), _fmt(r.sample_sd),
             "—" if math.isnan(r.noise_share) else f"{100 * r.noise_share:.0f} %",
             _fmt(level.get(r.output, np.nan))] for r in noise.itertuples()]


def _noise_header(s: StudyConfig) -> list[str]:
    return ["output", "seeds", "base mean", "sd over seeds", "sd across sample",
            "noise share of variance", f"{MAIN_INDEX[s.method]} from noise alone"]


def _index_rows(find: pd.DataFrame) -> list[list[str]]:
    return [[r.output, r.parameter, _fmt(r.value), f"[{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]",
             r.verdict] for r in find.itertuples()]


def _intro(s: StudyConfig, status: dict) -> list[str]:
    params = ", ".join(f"{k} in [{v.lo:g}, {v.hi:g}]" + (f" ({v.dist})" if v.dist != "unif"
                                                          else "")
                       for k, v in s.parameters.items())
    effects = "; ".join(f"effect.{n} = {e.metric} under {e.package} minus under {s.policy}"
                        for n, e in s.effects.items())
    return [f"Model: {s.model}" + (f", scenario {s.scenario}, base package {s.policy}, "
                                   f"{s.steps} days" if s.model == "trafficking" else ""),
            f"Method: {s.method}, N = {s.samples} ({status['rows']} sample rows), "
            f"{s.replications} replication(s) per row, root seed {s.seed}; "
            f"{status['runs_done']} of {status['runs_expected']} runs done"
            + (f", {status['failures']} failed attempts" if status["failures"] else ""),
            f"Parameters: {params}",
            *([f"Effects (paired by seed): {effects}"] if effects else [])]


def _markdown(s, find, caution, noise, notes, status, figures, command) -> str:
    parts = [f"# Sensitivity study: {s.name}", "", s.description, ""]
    parts += [f"- {line}" for line in _intro(s, status)] + [""]
    parts += ["## What drives each output", "",
              md_table(SUMMARY_HEADER, _summary_lines(s, find, caution)), ""]
    if notes or status["missing_rows"]:
        parts += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    parts += ["## How to read it", "", HOW_TO_READ[s.method],
              f"A parameter *matters* when the lower end of its {MAIN_INDEX[s.method]} "
              f"interval is above {MATTERS:g}"
              + (" of the largest mu*" if s.method == "morris" else "")
              + f" and above the noise level (below); it is *negligible* when the upper end "
              f"is below {NEGLIGIBLE:g}. {NULL_TEXT}", "",
              "## Noise floor", "",
              NOISE_TEXT, "",
              md_table(_noise_header(s), _noise_rows(s, noise)), "",
              "## Indices", "",
              md_table(["output", "parameter", MAIN_INDEX[s.method], "95 % interval",
                        "verdict"], _index_rows(find)), ""]
    for path, title in figures:
        parts += [f"## {title}", "", f"![{title}]({path.name})", ""]
    parts += ["## Files", "", "indices.csv (every index, tidy), convergence.csv, noise.csv, "
              "samples.csv, results.jsonl (one line per run), failures.jsonl", ""]
    if command:
        parts += ["## Reproduce", "", "```", command, "```", ""]
    return "\n".join(parts)


def _html(s, find, caution, noise, notes, status, figures, command) -> str:
    when = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    body = [f"<h1>Sensitivity study: {escape(s.name)}</h1>",
            f"<p class='meta'>{escape(s.description)} — written {escape(when)}</p>",
            "<ul>" + "".join(f"<li>{escape(x)}</li>" for x in _intro(s, status)) + "</ul>",
            "<h2>What drives each output</h2>",
            table(SUMMARY_HEADER, _summary_lines(s, find, caution))]
    if notes:
        body += ["<div class='notes'><ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes)
                 + "</ul></div>"]
    body += ["<h2>How to read it</h2>", f"<p>{escape(HOW_TO_READ[s.method])} A parameter "
             f"<b>matters</b> when the lower end of its {MAIN_INDEX[s.method]} interval is "
             f"above {MATTERS:g}" + (" of the largest mu*" if s.method == "morris" else "")
             + " and above the noise level (below); it is <b>negligible</b> when the upper end "
             f"is below {NEGLIGIBLE:g}. {escape(NULL_TEXT)}</p>",
             "<h2>Noise floor</h2>",
             f"<p>{escape(NOISE_TEXT)}</p>",
             table(_noise_header(s), _noise_rows(s, noise), num_cols=range(1, 7))]
    for path, title in figures:
        body += [f"<h2>{escape(title)}</h2>", f"<figure>{img_tag(path, title)}</figure>"]
    body += ["<h2>Indices</h2>",
             table(["output", "parameter", MAIN_INDEX[s.method], "95 % interval", "verdict"],
                   _index_rows(find), num_cols=(2,)),
             "<h2>Files</h2><p>indices.csv (every index, tidy), convergence.csv, noise.csv, "
             "samples.csv, results.jsonl (one line per run), failures.jsonl</p>"]
    if command:
        body += ["<h2>Reproduce</h2>", f"<pre>{escape(command)}</pre>"]
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{escape(s.name)}: sensitivity</title><style>{CSS}</style></head><body>"
            + "".join(body) + "</body></html>")
