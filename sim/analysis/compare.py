"""Policy comparison of a finished sweep: find runs, load them, paired statistics vs baseline.

A sweep is a directory tree holding one folder per run (any depth). A folder with
``summary.csv`` is a finished run (:mod:`sim.io` writes that file last); a folder with
``error.txt`` or Hydra's ``.hydra/`` but no summary is a failed or unfinished run, reported and
left out. Runs are grouped by policy package (``config.policy.name``) and matched on ``seed``:
replications use common random numbers, so seed *k* of every package sees the same random
streams and the effect of a package is estimated from the *paired* differences
``package(seed k) - baseline(seed k)``.

Everything here reads saved results and returns pandas objects; nothing is drawn or written
(see :mod:`sim.analysis.report` and ``experiments/compare.py``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from sim import runfiles
from sim.metrics import describe_column

SUMMARY_FILE = runfiles.SUMMARY
"""The run's summary; written last by :func:`sim.io.write_run`, so it marks a finished run."""

ERROR_FILE = runfiles.ERROR
"""Traceback left by a run that failed."""

RUN_MARKERS = (runfiles.HYDRA_DIR, runfiles.CONFIG, runfiles.FLOW,
               *(stem + ext for stem in (runfiles.TIMESERIES, runfiles.EVENTS)
                 for ext in runfiles.TABLE_SUFFIXES), ERROR_FILE)
"""Entries whose presence makes a folder a run folder even without a summary."""

POLICY_SOURCE = "config.policy.name"
"""Summary column naming the run's policy package."""

POLICY = "policy"
"""Column added to the runs table: the policy package of each run."""

RUN_DIR = "run_dir"
"""Column added to the runs table: the run folder relative to the sweep folder."""

STATUS = "status"
"""Column of the run inventory: ``finished``, ``failed``, ``unfinished`` or ``excluded``."""

CONFIDENCE = 0.95
"""Confidence level of every interval."""

COST_RUN = "policy_cost_usd"
"""Summary column: cost of the package over the simulated period (USD)."""

COST_YEAR = "policy_cost_usd_per_year"
ARMED = "armed_group_revenue_usd"
"""Armed-group revenue, all groups; ``armed_group_revenue_usd.<group>`` per group."""
"""Summary column: sum of the yearly costs of the package's policies (USD/year)."""

SEIZED_VALUE = "seized_value_usd"
"""Summary column: value of everything seized (USD)."""

REVENUE = "trafficker_revenue_usd"
"""Summary column: value of loads delivered (USD)."""

NOT_METRICS = frozenset({"seed", "steps_run", COST_RUN, COST_YEAR})
"""Numeric summary columns that are not outcomes to compare."""

ProgressFn = Callable[[str, int, int], None]
"""``progress(stage, done, total)``, called while loading many files."""


class CompareError(ValueError):
    """The sweep cannot be compared as asked (the message is one line for the user)."""


# --------------------------------------------------------------------------- finding runs


@dataclass(frozen=True)
class RunFolder:
    """One run folder found in a sweep.

    Parameters
    ----------
    path : pathlib.Path
        Absolute path of the folder.
    status : str
        ``"finished"`` (has ``summary.csv``), ``"failed"`` (has ``error.txt``) or
        ``"unfinished"`` (run outputs or ``.hydra/`` but neither file).
    reason : str
        Why a run is not usable (last line of ``error.txt`` for failed runs); empty when
        finished.
    """

    path: Path
    status: str
    reason: str = ""


def _error_line(path: Path, limit: int = 300) -> str:
    """Last non-empty line of a traceback file (the exception), at most ``limit`` chars."""
    try:
        lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines()]
    except OSError as err:
        return f"error.txt unreadable ({err.strerror})"
    lines = [ln for ln in lines if ln]
    if not lines:
        return "failed (error.txt is empty)"
    line = lines[-1]
    return line if len(line) <= limit else line[: limit - 1] + "…"


def find_runs(root: str | os.PathLike, exclude: Iterable[str | os.PathLike] = ()
              ) -> list[RunFolder]:
    """Every run folder under ``root`` (any depth), sorted by path.

    Parameters
    ----------
    root : path-like
        The sweep folder.
    exclude : iterable of path-like
        Folders not to search (e.g. the comparison's own output folder).

    Returns
    -------
    list of RunFolder
        Finished, failed and unfinished runs. Hidden folders (``.hydra``, ``.git``, ...) are
        not searched.
    """
    root = Path(root).resolve()
    skip = {Path(p).resolve() for p in exclude}
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        markers = set(filenames) | set(dirnames)
        dirnames[:] = sorted(d for d in dirnames
                             if not d.startswith(".") and (here / d).resolve() not in skip)
        if SUMMARY_FILE in filenames:
            found.append(RunFolder(here, "finished"))
        elif ERROR_FILE in filenames:
            found.append(RunFolder(here, "failed", _error_line(here / ERROR_FILE)))
        elif markers & set(RUN_MARKERS):
            found.append(RunFolder(here, "unfinished",
                                   f"no {SUMMARY_FILE} (still running, killed, or crashed "
                                   f"without writing {ERROR_FILE})"))
    return sorted(found, key=lambda r: str(r.path))


# --------------------------------------------------------------------------- loading


@dataclass
class Sweep:
    """The loaded summaries of a sweep.

    Attributes
    ----------
    root : pathlib.Path
        The sweep folder.
    inventory : pandas.DataFrame
        One row per run folder found: ``run_dir`` (relative to ``root``), ``status``
        (finished / failed / unfinished / excluded / filtered), ``reason``, ``policy``,
        ``seed`` and, for finished runs, every summary column.
    notes : list of str
        Warnings a reader of the comparison must see (fallbacks, filters).
    """

    root: Path
    inventory: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def runs(self) -> pd.DataFrame:
        """The finished runs used in the comparison (one row per policy and seed)."""
        return self.inventory[self.inventory[STATUS] == "finished"].reset_index(drop=True)

    @property
    def problems(self) -> pd.DataFrame:
        """Run folders left out (failed, unfinished, excluded), with the reason.

        Runs set aside on purpose by a ``where`` filter are not problems and not listed.
        """
        bad = self.inventory[~self.inventory[STATUS].isin(["finished", "filtered"])]
        return bad[[RUN_DIR, STATUS, "reason"]].reset_index(drop=True)

    @property
    def policies(self) -> list[str]:
        """Policy packages with at least one finished run, sorted by name."""
        return sorted(self.runs[POLICY].unique())

    @property
    def commodities(self) -> dict[str, str]:
        """Commodity name -> unit (``kg``, ``L``), in the order of the summary columns."""
        return commodity_units(self.runs.columns, self.runs)

    def run_path(self, run_dir: str) -> Path:
        """Absolute folder of a run given its ``run_dir``."""
        return self.root / run_dir


def commodity_units(columns: Iterable[str], runs: pd.DataFrame | None = None
                    ) -> dict[str, str]:
    """Commodity name -> unit from summary columns.

    Units come from ``config.scenario.commodities.<c>.unit``; a commodity seen only through a
    ``delivered_<c>`` column gets the unit ``"units"``.
    """
    cols = list(columns)
    prefix, suffix = "config.scenario.commodities.", ".unit"
    out: dict[str, str] = {}
    for col in cols:
        if col.startswith(prefix) and col.endswith(suffix):
            name = col[len(prefix): -len(suffix)]
            unit = "units"
            if runs is not None and col in runs and runs[col].notna().any():
                unit = str(runs[col].dropna().iloc[0])
            out[name] = unit
    for col in cols:
        if col.startswith("delivered_") and col[len("delivered_"):] not in out:
            out[col[len("delivered_"):]] = "units"
    return out


def _read_summary(path: Path) -> dict:
    frame = pd.read_csv(path)
    if len(frame) != 1:
        raise ValueError(f"expected one row, found {len(frame)}")
    return frame.iloc[0].to_dict()


def load_sweep(root: str | os.PathLike, *, exclude: Iterable[str | os.PathLike] = (),
               where: dict[str, str] | None = None, progress: ProgressFn | None = None
               ) -> Sweep:
    """Find and load every run of a sweep.

    Parameters
    ----------
    root : path-like
        The sweep folder.
    exclude : iterable of path-like
        Folders not to search (the comparison's output folder).
    where : dict of str to str, optional
        Keep only runs whose config value ``KEY`` (``scenario.name``, ``steps``, ...; the
        ``config.`` prefix is optional) equals the given text; numbers compare as numbers.
    progress : callable, optional
        ``progress("loading runs", done, total)`` after each summary read.

    Returns
    -------
    Sweep

    Raises
    ------
    CompareError
        ``root`` is not a folder; it holds no finished run (matching ``where``); or the
        finished runs differ in a config value other than the policy package and the seed
        (e.g. two scenarios), which would make the comparison meaningless. The message names
        the values and how to select one with ``where``.

    Notes
    -----
    If no summary has a ``config.policy.name`` column (runs made before policy packages
    existed), every run is treated as the package ``baseline`` and a note says so. If only
    some lack it, those are excluded. A second run of the same package and seed is excluded
    (pairing needs one run per seed); the first by folder name is kept.
    """
    root = Path(root).resolve()
    if not root.exists():
        raise CompareError(f"sweep folder {root} does not exist")
    if not root.is_dir():
        raise CompareError(f"{root} is not a folder")
    folders = find_runs(root, exclude)
    finished = [f for f in folders if f.status == "finished"]
    if not finished:
        bad = len(folders)
        raise CompareError(
            f"no finished runs under {root} (no {SUMMARY_FILE} found"
            + (f"; {bad} failed or unfinished run folder{'s' if bad != 1 else ''})"
               if bad else ")"))
    rows = []
    loaded = 0
    for folder in folders:
        row = {RUN_DIR: folder.path.relative_to(root).as_posix() or ".",
               STATUS: folder.status, "reason": folder.reason}
        if folder.status == "finished":
            try:
                row.update(_read_summary(folder.path / SUMMARY_FILE))
            except (OSError, ValueError, pd.errors.ParserError) as err:
                row.update({STATUS: "excluded",
                            "reason": f"{SUMMARY_FILE} unreadable: {err}".splitlines()[0]})
            loaded += 1
            if progress is not None:
                progress("loading runs", loaded, len(finished))
        rows.append(row)
    inventory = pd.DataFrame(rows)
    notes: list[str] = []
    _assign_policy(inventory, notes)
    _assign_seed(inventory)
    _apply_where(inventory, where or {}, notes)
    _check_settings(inventory)
    _drop_duplicates(inventory)
    lead = [RUN_DIR, STATUS, "reason", POLICY, "seed"]
    inventory = inventory[lead + [c for c in inventory.columns if c not in lead]]
    sweep = Sweep(root, inventory, notes)
    if sweep.runs.empty:
        raise CompareError(f"no usable finished runs under {root} (all "
                           f"{len(finished)} summaries were left out: "
                           f"{inventory['reason'].iloc[0]})")
    return sweep


def _assign_policy(inventory: pd.DataFrame, notes: list[str]) -> None:
    done = inventory[STATUS] == "finished"
    if POLICY_SOURCE not in inventory or inventory.loc[done, POLICY_SOURCE].isna().all():
        inventory[POLICY] = np.where(done, "baseline", None)
        notes.append(f"No run records {POLICY_SOURCE} (the sweep was made before policy "
                     f"packages existed): all {int(done.sum())} finished runs are treated as "
                     f"the package 'baseline'.")
        return
    inventory[POLICY] = inventory[POLICY_SOURCE].astype(object)
    missing = done & inventory[POLICY].isna()
    inventory.loc[missing, STATUS] = "excluded"
    inventory.loc[missing, "reason"] = (f"summary has no {POLICY_SOURCE} while other runs "
                                        f"do")
    inventory[POLICY] = inventory[POLICY].map(lambda v: v if pd.isna(v) else str(v))


def _assign_seed(inventory: pd.DataFrame) -> None:
    seed = inventory["seed"] if "seed" in inventory else pd.Series(np.nan, inventory.index)
    if "config.seed" in inventory:
        seed = seed.fillna(inventory["config.seed"])
    inventory["seed"] = seed.astype("Int64") if seed.notna().any() else seed
    missing = (inventory[STATUS] == "finished") & inventory["seed"].isna()
    inventory.loc[missing, STATUS] = "excluded"
    inventory.loc[missing, "reason"] = "summary has no seed (cannot be paired)"


def _drop_duplicates(inventory: pd.DataFrame) -> None:
    done = inventory[inventory[STATUS] == "finished"]
    first = done.drop_duplicates([POLICY, "seed"], keep="first")
    for idx in done.index.difference(first.index):
        row = inventory.loc[idx]
        kept = first[(first[POLICY] == row[POLICY]) & (first["seed"] == row["seed"])]
        inventory.loc[idx, STATUS] = "excluded"
        inventory.loc[idx, "reason"] = (f"second run of package {row[POLICY]!r} seed "
                                        f"{row['seed']} (kept {kept[RUN_DIR].iloc[0]})")


def _matches(value, wanted: str) -> bool:
    if isinstance(value, str):
        return value == wanted
    if pd.isna(value):
        return False
    try:
        return math.isclose(float(value), float(wanted))
    except (TypeError, ValueError):
        return str(value) == wanted


def _apply_where(inventory: pd.DataFrame, where: dict[str, str], notes: list[str]) -> None:
    """Mark finished runs that do not match every ``key = value`` of ``where`` as filtered."""
    for key, wanted in where.items():
        col = key if key.startswith("config.") else f"config.{key}"
        if col not in inventory:
            raise CompareError(f"--where {key}={wanted}: no run records {col}")
        done = inventory[STATUS] == "finished"
        keep = inventory[col].map(lambda v, w=wanted: _matches(v, w))
        out = done & ~keep
        inventory.loc[out, STATUS] = "filtered"
        inventory.loc[out, "reason"] = f"{col} is not {wanted}"
        kept = int((done & keep).sum())
        notes.append(f"Only runs with {col} = {wanted} are compared ({kept} finished runs; "
                     f"{int(out.sum())} others set aside).")
        if kept == 0:
            values = ", ".join(sorted({str(v) for v in inventory.loc[done, col].dropna()}))
            raise CompareError(f"no finished runs with {col} = {wanted}; values found: "
                               f"{values or 'none'}")


SETTINGS_IGNORED = ("config.policy.", "config.seed", "config.engine")
"""Config columns that may differ between the runs of one comparison (``config.engine``:
both engines give identical runs)."""


def _check_settings(inventory: pd.DataFrame, limit: int = 4) -> None:
    """Raise if finished runs differ in a config value other than policy and seed."""
    runs = inventory[inventory[STATUS] == "finished"]
    differ = []
    for col in runs.columns:
        if not str(col).startswith("config.") or str(col).startswith(SETTINGS_IGNORED):
            continue
        values = runs[col].dropna().unique()
        if len(values) > 1:
            shown = sorted((str(v) for v in values), key=str)
            differ.append((col, shown))
    if not differ:
        return
    text = "; ".join(f"{col} ({', '.join(v[:4])}{', …' if len(v) > 4 else ''})"
                     for col, v in differ[:limit])
    more = f" and {len(differ) - limit} more" if len(differ) > limit else ""
    col, values = differ[0]
    raise CompareError(f"the runs differ in settings other than the policy package and "
                       f"seed: {text}{more}; compare one setting at a time, e.g. --where "
                       f"{col.removeprefix('config.')}={values[0]}")


# --------------------------------------------------------------------------- metrics


def headline_metrics(runs: pd.DataFrame, commodities: Iterable[str] = ()) -> list[str]:
    """Numeric outcome columns of the summaries, in reading order.

    Delivered, seized and interdiction rate per commodity come first, then money, justice,
    community and displacement measures; config values, seed and cost inputs are left out.
    """
    commodities = list(commodities)
    cols = [c for c in runs.columns
            if not c.startswith("config.") and c not in NOT_METRICS
            and not c.startswith(f"{COST_YEAR}.")  # per-policy costs: the policy table
            and c not in (RUN_DIR, STATUS, "reason", POLICY)
            and pd.api.types.is_numeric_dtype(runs[c])
            and not pd.api.types.is_bool_dtype(runs[c])]
    groups = [c for c in cols if c.startswith(f"{ARMED}.")]
    order = ([f"{m}_{c}" for c in commodities
              for m in ("delivered", "seized", "interdiction_rate")]
             + [SEIZED_VALUE, REVENUE, ARMED, *groups, "arrests", "convictions",
                "cases_decided", "case_days_mean", "pending_cases_end", "bribed_passages",
                "escapes", "escapes_across_border", "tip_seizures", "recruits",
                "couriers_active_end", "couriers_detained_end", "couriers_imprisoned_end",
                "participation_end", "trust_end", "route_cells_mean"]
             + [f"{m}_{c}" for c in commodities
                for m in ("informal_share", "spread_km", "route_cells")])
    rank = {name: i for i, name in enumerate(order)}
    return sorted(cols, key=lambda c: (rank.get(c, len(order)), c))


def key_metrics(metrics: Iterable[str], commodities: Iterable[str]) -> list[str]:
    """The few metrics a planner reads first (those present in ``metrics``)."""
    metrics = list(metrics)
    wanted = ([f"{m}_{c}" for c in commodities for m in ("seized", "delivered")]
              + [REVENUE, "arrests", "convictions", "pending_cases_end", "participation_end",
                 "trust_end", ARMED]
              + [m for m in metrics if m.startswith(f"{ARMED}.")])  # revenue per group
    have = set(metrics)
    return [m for m in wanted if m in have]


def metric_label(name: str, units: dict[str, str]) -> tuple[str, str]:
    """Readable label and unit of a summary metric (from :mod:`sim.metrics`).

    Parameters
    ----------
    name : str
        Summary column, e.g. ``"seized_cocaine"``.
    units : dict of str to str
        Commodity name -> unit (see :func:`commodity_units`).

    Returns
    -------
    (str, str)
        e.g. ``("cocaine seized", "kg")``.
    """
    return describe_column(name, units)


# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class Interval:
    """Mean and Student-t confidence interval of a sample.

    Attributes
    ----------
    n : int
        Non-missing values.
    mean, sd : float
        Sample mean and standard deviation (ddof = 1; NaN when ``n < 2``).
    low, high : float
        Bounds of the ``confidence`` interval of the mean: ``mean ± t(1 - α/2, n - 1) ·
        sd / sqrt(n)``; NaN when ``n < 2``.
    note : str
        Why the interval is missing, if it is.
    """

    n: int
    mean: float
    sd: float
    low: float
    high: float
    note: str = ""


def t_interval(values, confidence: float = CONFIDENCE) -> Interval:
    """Mean and Student-t confidence interval of the mean, ignoring NaN.

    Parameters
    ----------
    values : array-like of float
        One value per replication (same unit as the result).
    confidence : float
        Confidence level in (0, 1).

    Returns
    -------
    Interval
        With ``n < 2`` the interval is NaN and ``note`` says so; with zero spread the
        interval has zero width.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return Interval(0, math.nan, math.nan, math.nan, math.nan, "no values")
    mean = float(x.mean())
    if n < 2:
        return Interval(1, mean, math.nan, math.nan, math.nan,
                        "n < 2: one replication, no confidence interval")
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return Interval(n, mean, sd, mean - half, mean + half)


def describe(runs: pd.DataFrame, metrics: Iterable[str]) -> pd.DataFrame:
    """Per package and metric: n, mean, sd and the 95 % t-interval of the mean.

    Returns
    -------
    pandas.DataFrame
        Columns ``policy, metric, n, mean, sd, ci_low, ci_high, note`` (metric units).
    """
    rows = []
    for policy, group in runs.groupby(POLICY, sort=True):
        for m in metrics:
            iv = t_interval(group[m])
            rows.append({POLICY: policy, "metric": m, "n": iv.n, "mean": iv.mean, "sd": iv.sd,
                         "ci_low": iv.low, "ci_high": iv.high, "note": iv.note})
    return pd.DataFrame(rows)


def paired_frame(runs: pd.DataFrame, policy: str, baseline: str, columns: Iterable[str]
                 ) -> pd.DataFrame:
    """Runs of ``policy`` and ``baseline`` side by side on their shared seeds.

    Returns
    -------
    pandas.DataFrame
        Index ``seed`` (sorted); for each column ``c`` the columns ``c`` (policy) and
        ``c_base`` (baseline).
    """
    cols = list(columns)
    a = runs.loc[runs[POLICY] == policy, ["seed", *cols]].set_index("seed")
    b = runs.loc[runs[POLICY] == baseline, ["seed", *cols]].set_index("seed")
    return a.merge(b, how="inner", left_index=True, right_index=True,
                   suffixes=("", "_base")).sort_index()


def paired_differences(runs: pd.DataFrame, metrics: Iterable[str], baseline: str
                       ) -> pd.DataFrame:
    """Paired difference vs the baseline package, per package and metric.

    For each package other than ``baseline`` and each metric, the differences
    ``d_k = policy(seed k) - baseline(seed k)`` over the seeds both have are summarised by
    their mean and 95 % t-interval. The relative change is ``100 · mean(d) / mean(baseline)``
    over the same seeds; its interval divides the difference's interval by the same
    baseline mean (it ignores the uncertainty of that mean).

    Returns
    -------
    pandas.DataFrame
        Columns ``policy, metric, n_pairs, baseline_mean, policy_mean, diff, diff_sd,
        diff_ci_low, diff_ci_high, rel_change_pct, rel_ci_low_pct, rel_ci_high_pct,
        ci_excludes_zero, diff_note``; differences in metric units, relative in %.
    """
    metrics = list(metrics)
    rows = []
    for policy in sorted(set(runs[POLICY]) - {baseline}):
        pairs = paired_frame(runs, policy, baseline, metrics)
        for m in metrics:
            both = pairs[[m, f"{m}_base"]].dropna()
            iv = t_interval(both[m] - both[f"{m}_base"])
            base = float(both[f"{m}_base"].mean()) if len(both) else math.nan
            note = iv.note
            if len(both) and base != 0 and not math.isnan(base):
                rel = [100 * v / base for v in (iv.mean, iv.low, iv.high)]
                if base < 0:
                    rel[1], rel[2] = rel[2], rel[1]
            else:
                rel = [math.nan] * 3
                if len(both):
                    note = "; ".join(filter(None, [note, "baseline mean is 0: no relative "
                                                         "change"]))
            rows.append({
                POLICY: policy, "metric": m, "n_pairs": iv.n, "baseline_mean": base,
                "policy_mean": float(both[m].mean()) if len(both) else math.nan,
                "diff": iv.mean, "diff_sd": iv.sd, "diff_ci_low": iv.low,
                "diff_ci_high": iv.high, "rel_change_pct": rel[0], "rel_ci_low_pct": rel[1],
                "rel_ci_high_pct": rel[2],
                "ci_excludes_zero": bool(iv.low > 0 or iv.high < 0),
                "diff_note": note if len(both) else "no seeds shared with the baseline"})
    return pd.DataFrame(rows, columns=[
        POLICY, "metric", "n_pairs", "baseline_mean", "policy_mean", "diff", "diff_sd",
        "diff_ci_low", "diff_ci_high", "rel_change_pct", "rel_ci_low_pct", "rel_ci_high_pct",
        "ci_excludes_zero", "diff_note"])


def seed_pairing(runs: pd.DataFrame, baseline: str) -> tuple[pd.DataFrame, list[str]]:
    """Which seeds each package shares with the baseline.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``policy, n_runs, seeds, n_paired, only_policy, only_baseline`` (seed lists
        as comma-separated text).
    notes : list of str
        One warning per package whose seeds differ from the baseline's.
    """
    base = set(runs.loc[runs[POLICY] == baseline, "seed"].astype(int))
    rows, notes = [], []

    def text(seeds):
        return ", ".join(str(s) for s in sorted(seeds))

    for policy in sorted(runs[POLICY].unique()):
        seeds = set(runs.loc[runs[POLICY] == policy, "seed"].astype(int))
        shared = seeds & base
        rows.append({POLICY: policy, "n_runs": len(seeds), "seeds": text(seeds),
                     "n_paired": len(shared), "only_policy": text(seeds - base),
                     "only_baseline": text(base - seeds)})
        if policy != baseline and seeds != base:
            parts = []
            if seeds - base:
                parts.append(f"seeds {text(seeds - base)} have no baseline run")
            if base - seeds:
                parts.append(f"baseline seeds {text(base - seeds)} have no {policy!r} run")
            notes.append(f"Package {policy!r} and the baseline have different seed sets "
                         f"({'; '.join(parts)}): only the {len(shared)} shared seed"
                         f"{'s are' if len(shared) != 1 else ' is'} paired.")
    return pd.DataFrame(rows), notes


# --------------------------------------------------------------------------- costs


def cost_effectiveness(runs: pd.DataFrame, paired: pd.DataFrame, baseline: str,
                       commodities: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """Cost of each package and cost per extra unit seized / per USD of revenue denied.

    The cost of a package over the run is taken relative to the baseline on the same seeds
    (``extra_cost_usd``; the baseline normally costs nothing). A ratio is given only where
    the effect is clear: cost per extra unit of commodity seized when the 95 % interval of the
    increase in ``seized_<c>`` lies above zero, cost per USD of trafficker revenue denied when
    the interval of the change in ``trafficker_revenue_usd`` lies below zero. Otherwise the
    ratio is NaN and the ``*_note`` column says why.

    Parameters
    ----------
    runs : pandas.DataFrame
        Finished runs (:attr:`Sweep.runs`).
    paired : pandas.DataFrame
        Output of :func:`paired_differences`.
    baseline : str
        Name of the baseline package.
    commodities : dict of str to str
        Commodity name -> unit.

    Returns
    -------
    table : pandas.DataFrame
        One row per package. Columns ``policy, n_runs, cost_recorded, cost_usd_per_year``
        (USD/year), ``cost_usd_run`` (USD over the simulated period), ``extra_cost_usd``
        (USD, vs baseline, paired); per commodity ``c``: ``extra_seized_<c>`` and its
        ``_ci_low``/``_ci_high`` (commodity unit), ``cost_per_extra_seized_<c>`` (USD per
        commodity unit) and ``cost_per_extra_seized_<c>_note``; ``revenue_denied_usd`` and its
        interval (USD), ``cost_per_usd_revenue_denied`` (USD per USD) and its note; with
        ``seized_value_usd`` in the summaries also ``extra_seized_value_usd`` and
        ``cost_per_usd_seized`` (USD per USD).
    notes : list of str
        E.g. that costs were not recorded and were taken as 0.
    """
    notes = []
    recorded = COST_RUN in runs
    if not recorded:
        which = f"{COST_RUN} / {COST_YEAR} columns" if COST_YEAR not in runs else \
            f"{COST_RUN} column (cost over the run)"
        notes.append(f"The summaries have no {which}: costs are shown as 0 and no "
                     f"cost-effectiveness ratio is computed.")
    rows = []
    for policy, group in runs.groupby(POLICY, sort=True):
        row = {POLICY: policy, "n_runs": len(group), "cost_recorded": recorded}
        for col, key in ((COST_YEAR, "cost_usd_per_year"), (COST_RUN, "cost_usd_run")):
            row[key] = float(group[col].mean()) if col in group else 0.0
        if policy != baseline:
            costs = [c for c in (COST_RUN,) if c in runs]
            pairs = paired_frame(runs, policy, baseline, costs)
            row["extra_cost_usd"] = (float((pairs[COST_RUN] - pairs[f"{COST_RUN}_base"])
                                           .mean()) if costs and len(pairs) else 0.0)
            effects = paired[paired[POLICY] == policy].set_index("metric")
            for c, unit in commodities.items():
                _ratio(row, effects, f"seized_{c}", f"extra_seized_{c}",
                       f"cost_per_extra_seized_{c}", recorded, increase=True,
                       what=f"{c} seized ({unit})")
            _ratio(row, effects, REVENUE, "revenue_denied_usd", "cost_per_usd_revenue_denied",
                   recorded, increase=False, what="trafficker revenue (USD)")
            if SEIZED_VALUE in effects.index:
                _ratio(row, effects, SEIZED_VALUE, "extra_seized_value_usd",
                       "cost_per_usd_seized", recorded, increase=True,
                       what="value seized (USD)")
        rows.append(row)
    return pd.DataFrame(rows), notes


def _ratio(row: dict, effects: pd.DataFrame, metric: str, effect: str, ratio: str,
           recorded: bool, *, increase: bool, what: str) -> None:
    """Fill ``row`` with an effect, its interval and cost / effect (NaN with a reason)."""
    if metric not in effects.index:
        row[effect] = row[f"{effect}_ci_low"] = row[f"{effect}_ci_high"] = math.nan
        row[ratio], row[f"{ratio}_note"] = math.nan, f"{metric} not in the summaries"
        return
    e = effects.loc[metric]
    sign = 1.0 if increase else -1.0
    low, high = sorted((sign * e["diff_ci_low"], sign * e["diff_ci_high"]))
    row[effect], row[f"{effect}_ci_low"], row[f"{effect}_ci_high"] = sign * e["diff"], low, high
    word = "increase" if increase else "decrease"
    if not recorded:
        row[ratio], note = math.nan, "no cost recorded"
    elif math.isnan(low):
        row[ratio], note = math.nan, f"n/a: no confidence interval for the {word} (n < 2)"
    elif low <= 0:
        row[ratio] = math.nan
        if sign * e["diff"] <= 0:
            note = f"n/a: {what} did not {'rise' if increase else 'fall'}"
        else:
            note = f"n/a: the 95% CI of the {word} in {what} includes 0"
    else:
        row[ratio], note = row["extra_cost_usd"] / row[effect], ""
    row[f"{ratio}_note"] = note


# --------------------------------------------------------------------------- the comparison


@dataclass
class Comparison:
    """All statistics of a policy comparison.

    Attributes
    ----------
    baseline : str
        Name of the baseline package.
    policies : list of str
        Packages, baseline first then by name.
    commodities : dict of str to str
        Commodity name -> unit.
    metrics : list of str
        Headline metrics compared (summary columns).
    key : list of str
        The few metrics shown first (headline table, forest plot).
    table : pandas.DataFrame
        Tidy: one row per package and metric; see :func:`compare`.
    costs : pandas.DataFrame
        See :func:`cost_effectiveness`.
    pairing : pandas.DataFrame
        See :func:`seed_pairing`.
    notes : list of str
        Warnings for the reader (sweep, seeds, costs).
    """

    baseline: str
    policies: list[str]
    commodities: dict[str, str]
    metrics: list[str]
    key: list[str]
    table: pd.DataFrame
    costs: pd.DataFrame
    pairing: pd.DataFrame
    notes: list[str]

    @property
    def others(self) -> list[str]:
        """The packages compared with the baseline."""
        return [p for p in self.policies if p != self.baseline]

    def row(self, policy: str, metric: str) -> pd.Series:
        """The :attr:`table` row of one package and metric."""
        t = self.table
        return t[(t[POLICY] == policy) & (t["metric"] == metric)].iloc[0]


def compare(sweep: Sweep, baseline: str = "baseline") -> Comparison:
    """Compare every package of a sweep with the baseline package.

    Parameters
    ----------
    sweep : Sweep
        Loaded sweep (:func:`load_sweep`).
    baseline : str
        Name of the baseline package (``config.policy.name``).

    Returns
    -------
    Comparison
        ``table`` columns: ``policy, metric, label, unit, n, mean, sd, ci_low, ci_high``
        (levels over all runs of the package), then ``n_pairs, baseline_mean, policy_mean,
        diff, diff_sd, diff_ci_low, diff_ci_high, rel_change_pct, rel_ci_low_pct,
        rel_ci_high_pct, ci_excludes_zero`` (paired vs baseline; NaN for the baseline row)
        and ``note``.

    Raises
    ------
    CompareError
        No finished run of ``baseline``.
    """
    runs = sweep.runs
    found = sweep.policies
    if baseline not in found:
        raise CompareError(f"no finished runs of the baseline package {baseline!r}; packages "
                           f"found: {', '.join(found)}")
    units = sweep.commodities
    metrics = headline_metrics(runs, units)
    levels = describe(runs, metrics)
    paired = paired_differences(runs, metrics, baseline)
    table = levels.merge(paired, on=[POLICY, "metric"], how="left")
    table["note"] = [
        "; ".join(filter(None, [a, b if isinstance(b, str) else ""]))
        for a, b in zip(table.pop("note"), table.pop("diff_note"), strict=True)]
    labels = [metric_label(m, units) for m in table["metric"]]
    table.insert(2, "label", [lab for lab, _ in labels])
    table.insert(3, "unit", [u for _, u in labels])
    policies = [baseline] + [p for p in found if p != baseline]
    table["_order"] = table[POLICY].map({p: i for i, p in enumerate(policies)})
    table["_m"] = table["metric"].map({m: i for i, m in enumerate(metrics)})
    table = (table.sort_values(["_order", "_m"]).drop(columns=["_order", "_m"])
             .reset_index(drop=True))
    pairing, seed_notes = seed_pairing(runs, baseline)
    costs, cost_notes = cost_effectiveness(runs, paired, baseline, units)
    costs = costs.set_index(POLICY).loc[policies].reset_index()
    pairing = pairing.set_index(POLICY).loc[policies].reset_index()
    notes = list(sweep.notes) + seed_notes + cost_notes
    if len(found) == 1:
        notes.append(f"Only the baseline package {baseline!r} was found: there is nothing to "
                     f"compare it with.")
    return Comparison(baseline, policies, units, metrics, key_metrics(metrics, units), table,
                      costs, pairing, notes)


# --------------------------------------------------------------------------- per-run files


@dataclass(frozen=True)
class FlowRaster:
    """The flow raster of one run (``flow.npz``).

    Attributes
    ----------
    flow : numpy.ndarray of float64, shape (n_commodities, ny, nx)
        Quantity (commodity unit) that passed through each cell over the run.
    commodities : tuple of str
    lon0, lat0, dlon, dlat : float
        South-west corner and cell size of the grid (degrees).
    cell_km : float
        Nominal cell edge (km).
    """

    flow: np.ndarray
    commodities: tuple[str, ...]
    lon0: float
    lat0: float
    dlon: float
    dlat: float
    cell_km: float

    @property
    def grid(self) -> tuple:
        """Everything that must match for two rasters to be averaged."""
        return (self.flow.shape, self.commodities, round(self.lon0, 9), round(self.lat0, 9),
                round(self.dlon, 9), round(self.dlat, 9))


def load_flow(run: Path) -> FlowRaster:
    """Read ``run/flow.npz`` (OSError / ValueError / KeyError if missing or damaged)."""
    with np.load(run / runfiles.FLOW, allow_pickle=False) as z:
        return FlowRaster(np.asarray(z["flow"], dtype=float),
                          tuple(str(c) for c in z["commodities"]), float(z["lon0"]),
                          float(z["lat0"]), float(z["dlon"]), float(z["dlat"]),
                          float(z["cell_km"]))


@dataclass(frozen=True)
class FlowComparison:
    """Mean flow of a package and of the baseline over their shared seeds.

    Attributes
    ----------
    policy : str
    seeds : list of int
        Seeds averaged (both packages' rasters read).
    baseline_mean, policy_mean : numpy.ndarray, shape (n_commodities, ny, nx)
        Mean over ``seeds`` of the quantity through each cell (commodity unit per run).
    raster : FlowRaster
        One of the rasters read (for commodities and georeference).
    """

    policy: str
    seeds: list[int]
    baseline_mean: np.ndarray
    policy_mean: np.ndarray
    raster: FlowRaster

    @property
    def difference(self) -> np.ndarray:
        """``policy_mean - baseline_mean`` per cell (commodity unit per run)."""
        return self.policy_mean - self.baseline_mean


def compare_flows(sweep: Sweep, baseline: str, policies: Iterable[str],
                  progress: ProgressFn | None = None) -> tuple[list[FlowComparison], list[str]]:
    """Mean flow rasters of each package and of the baseline on their shared seeds.

    A seed is used only if both runs have a readable ``flow.npz`` on the same grid.

    Returns
    -------
    list of FlowComparison
        One per package with at least one usable pair.
    list of str
        Notes on unreadable or mismatched rasters and packages without maps.
    """
    runs = sweep.runs
    policies = list(policies)
    cache: dict[str, FlowRaster | None] = {}  # baseline rasters, read once for all packages
    notes: list[str] = []

    def read(run_dir: str) -> FlowRaster | None:
        try:
            return load_flow(sweep.run_path(run_dir))
        except (OSError, ValueError, KeyError) as err:
            detail = str(err).splitlines()[0][:80] if str(err) else ""
            notes.append(f"{run_dir}: flow.npz unusable ({type(err).__name__}: {detail}); "
                         f"left out of the maps.")
            return None

    def baseline_raster(run_dir: str) -> FlowRaster | None:
        if run_dir not in cache:
            cache[run_dir] = read(run_dir)
        return cache[run_dir]

    out = []
    base_dirs = runs[runs[POLICY] == baseline].set_index("seed")[RUN_DIR]
    for i, policy in enumerate(policies):
        dirs = runs[runs[POLICY] == policy].set_index("seed")[RUN_DIR]
        shared = sorted(set(dirs.index) & set(base_dirs.index))
        base_sum = pol_sum = ref = None
        used = []
        for seed in shared:
            b = baseline_raster(base_dirs[seed])
            a = read(dirs[seed]) if b is not None else None
            if a is None or b is None:
                continue
            if ref is None:
                ref = b
            if a.grid != ref.grid or b.grid != ref.grid:
                notes.append(f"seed {seed}: flow rasters of {policy!r} and the baseline are on "
                             f"different grids; left out of the maps.")
                continue
            base_sum = b.flow.copy() if base_sum is None else base_sum + b.flow
            pol_sum = a.flow.copy() if pol_sum is None else pol_sum + a.flow
            used.append(int(seed))
        if progress is not None:
            progress("reading flow rasters", i + 1, len(policies))
        if not used:
            notes.append(f"No flow map for {policy!r}: no seed has readable flow rasters for "
                         f"both it and the baseline.")
            continue
        out.append(FlowComparison(policy, used, base_sum / len(used), pol_sum / len(used),
                                  ref))
    return out, notes


def load_timeseries(run: Path) -> pd.DataFrame:
    """Read ``run/timeseries.parquet`` or ``run/timeseries.csv`` (OSError if neither)."""
    parquet, csv = (run / f"{runfiles.TIMESERIES}{ext}" for ext in (".parquet", ".csv"))
    if parquet.is_file():
        return pd.read_parquet(parquet)
    if csv.is_file():
        return pd.read_csv(csv)
    raise FileNotFoundError(f"no timeseries.parquet or timeseries.csv in {run}")


def daily_series(ts: pd.DataFrame, commodities: Iterable[str]) -> pd.DataFrame:
    """The per-day series plotted in the report, from one run's time series.

    Returns
    -------
    pandas.DataFrame
        Index ``step`` (day); columns ``delivered_<c>_cumulative`` and
        ``seized_<c>_cumulative`` (commodity unit), ``arrests_cumulative`` (people),
        ``pending_cases`` (cases), ``participation`` (share) and ``trust`` (0–1), where the
        run has the underlying columns.
    """
    ts = ts.sort_values("step").set_index("step")
    out = {}
    for c in commodities:
        for m in ("delivered", "seized"):
            if f"{m}_{c}" in ts:
                out[f"{m}_{c}_cumulative"] = ts[f"{m}_{c}"].cumsum()
    if "arrests" in ts:
        out["arrests_cumulative"] = ts["arrests"].cumsum()
    for m in ("pending_cases", "participation", "trust"):
        if m in ts:
            out[m] = ts[m]
    return pd.DataFrame(out, index=ts.index)


def timeseries_bands(sweep: Sweep, policies: Iterable[str],
                     progress: ProgressFn | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Mean and 95 % t-band over seeds of each daily series, per package and day.

    Returns
    -------
    bands : pandas.DataFrame
        Columns ``policy, series, step, n, mean, ci_low, ci_high`` (series units, see
        :func:`daily_series`).
    notes : list of str
        Runs whose time series could not be read.
    """
    runs = sweep.runs
    commodities = list(sweep.commodities)
    policies = list(policies)
    per_run, notes = [], []
    todo = runs[runs[POLICY].isin(policies)]
    for i, (_, run) in enumerate(todo.iterrows()):
        try:
            series = daily_series(load_timeseries(sweep.run_path(run[RUN_DIR])), commodities)
        except (OSError, ValueError, KeyError) as err:
            notes.append(f"{run[RUN_DIR]}: time series unusable ({type(err).__name__}); left "
                         f"out of the time-series figure.")
            continue
        long = series.reset_index().melt(id_vars="step", var_name="series")
        long.insert(0, POLICY, run[POLICY])
        per_run.append(long)
        if progress is not None:
            progress("reading time series", i + 1, len(todo))
    if not per_run:
        return pd.DataFrame(columns=[POLICY, "series", "step", "n", "mean", "ci_low",
                                     "ci_high"]), notes
    data = pd.concat(per_run, ignore_index=True)
    grouped = data.groupby([POLICY, "series", "step"], sort=True)["value"]
    out = grouped.agg(n="count", mean="mean", sd="std").reset_index()
    tq = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(out["n"] - 1, 1))
    half = np.where(out["n"] >= 2, tq * out["sd"].fillna(0) / np.sqrt(out["n"]), np.nan)
    out["ci_low"], out["ci_high"] = out["mean"] - half, out["mean"] + half
    return out.drop(columns="sd"), notes


# --------------------------------------------------------------------------- package text


def scenario_of(sweep: Sweep) -> dict:
    """The ``scenario`` section of the first readable ``config.yaml`` of the sweep's runs
    (a plain dict; empty if none can be read)."""
    for run_dir in sweep.runs[RUN_DIR]:
        try:
            data = yaml.safe_load((sweep.run_path(run_dir) / runfiles.CONFIG).read_text())
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(data, dict) and isinstance(data.get("scenario"), dict):
            return data["scenario"]
    return {}


def package_description(sweep: Sweep, policy: str) -> dict:
    """What a package contains, from the ``config.yaml`` of one of its runs.

    Returns
    -------
    dict
        ``name``, ``description`` (str, may be empty) and ``policies``: a list of dicts with
        ``name, lever, countries, start, end, cost_usd_per_year, cost_basis, params`` (keys
        missing from the config are absent; country groups resolved to their members, and
        the yearly cost the runs recorded for the policy when they did). Falls back to the
        summary's ``config.policy.*`` columns when no ``config.yaml`` can be read.
    """
    runs = sweep.runs[sweep.runs[POLICY] == policy]
    package, groups = None, {}
    for run_dir in runs[RUN_DIR]:
        try:
            data = yaml.safe_load((sweep.run_path(run_dir) / runfiles.CONFIG).read_text())
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(data, dict):
            package = data.get("policy") if isinstance(data.get("policy"), dict) else {}
            scenario = data.get("scenario") if isinstance(data.get("scenario"), dict) else {}
            groups = {"all": list(scenario.get("countries") or {}),
                      **(scenario.get("country_groups") or {})}
            break
    if package is None:
        package = _package_from_summary(runs.iloc[0]) if len(runs) else {}
    raw = package.get("policies") or {}
    if isinstance(raw, dict):
        items = [{"name": str(k), **(v if isinstance(v, dict) else {"value": v})}
                 for k, v in raw.items()]
    elif isinstance(raw, list):
        items = [dict(v) if isinstance(v, dict) else {"name": str(v)} for v in raw]
    else:
        items = []
    for item in items:
        countries = item.get("countries")
        if isinstance(countries, list) and groups:  # country groups -> their members
            resolved: list = []
            for entry in countries:
                resolved += [c for c in groups.get(entry, [entry]) if c not in resolved]
            item["countries"] = resolved
        column = f"{COST_YEAR}.{item['name']}"  # the run's own cost of the policy
        if column in runs and runs[column].notna().any():
            item["cost_usd_per_year"] = float(runs[column].mean())
    return {"name": policy, "description": str(package.get("description") or ""),
            "policies": items}


def _package_from_summary(row: pd.Series) -> dict:
    prefix = "config.policy."
    nested: dict = {}
    for col, value in row.items():
        if not str(col).startswith(prefix) or (not isinstance(value, str) and pd.isna(value)):
            continue
        node = nested
        parts = str(col)[len(prefix):].split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return nested
