"""Branching: replay a log to turn k, take other decisions from there, compare the futures.

"What if Togo had declined the joint operation at turn 2?" The branch keeps the log's
decisions of turns 1 .. k-1 and takes those of turns k .. n from another decisions file
(checked in full, as a play's, before anything runs). Both futures are run on the
exercise's seed and the next ones (``--seeds N``), paired by seed: before turn k they are
the same run. Each indicator is compared over turns k .. n (counts summed, levels at the
end), with 95 % t-intervals (:func:`sim.analysis.compare.t_interval`) of each future's mean
and of the paired difference (other future minus the log's) from two seeds on. Writes
``branch.csv``, ``branch.html`` (self-contained) and the other future's ``log.jsonl``
(replayable like any log).
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.analysis.compare import t_interval  # noqa: E402
from sim.analysis.html import CSS, escape, img_tag, table  # noqa: E402
from sim.atomic import write_atomic, write_text  # noqa: E402
from sim.exercise.engine import Session, check_decisions  # noqa: E402
from sim.exercise.indicators import country_indicators, region_indicators  # noqa: E402
from sim.exercise.log import EXERCISE_COPY, LOG_NAME, logged_decisions, write_log  # noqa: E402
from sim.exercise.play import exercise_of_log, normal_entry  # noqa: E402
from sim.exercise.report import REGION, total  # noqa: E402
from sim.exercise.runs import run_futures  # noqa: E402
from sim.exercise.schema import load_decisions  # noqa: E402
from sim.schema import ConfigError  # noqa: E402

ORIGINAL, OTHER = "log", "branch"
"""Names of the two futures in tables."""


def merge(original: dict, other: dict, turn: int, exercise, where: str = "decisions") -> dict:
    """Decisions of turns before ``turn`` from ``original``, from ``turn`` on from
    ``other``; ``other`` may repeat the earlier turns only as they were."""
    for t, by_iso in other.items():
        if t < turn:
            same = {k: [normal_entry(e, exercise) for e in v] for k, v in by_iso.items() if v}
            logged = {k: [e.record() for e in v] for k, v in original.get(t, {}).items() if v}
            if same != logged:
                raise ConfigError(f"{where}.turns.{t} is not allowed: the branch keeps the "
                                  f"log's decisions before turn {turn}; give turns {turn} "
                                  f"and later only")
    out = {t: v for t, v in original.items() if t < turn}
    out.update({t: v for t, v in other.items() if t >= turn})
    return out


def compare(exercise, futures: dict[str, list[dict]], seeds: list[int], turn: int,
            countries: list[str], units: dict, groups: dict) -> pd.DataFrame:
    """One row per country (or ``region``) and indicator: both futures' means and the
    paired difference over ``seeds``, over turns ``turn`` .. end."""
    rows = []
    for country in [*countries, REGION]:
        inds = (region_indicators(units, groups) if country == REGION
                else country_indicators(units))
        for ind in inds:
            a = [total(futures[f"{ORIGINAL}/{s}"], ind, country, turn) for s in seeds]
            b = [total(futures[f"{OTHER}/{s}"], ind, country, turn) for s in seeds]
            ia, ib = t_interval(a), t_interval(b)
            d = t_interval([y - x for x, y in zip(a, b, strict=True)])
            rows.append({"country": country, "indicator": ind.name, "label": ind.label,
                         "unit": ind.unit, "kind": ind.kind, "better": ind.better,
                         "n_seeds": len(seeds),
                         "log_mean": _r(ia.mean), "log_low": _r(ia.low), "log_high": _r(ia.high),
                         "branch_mean": _r(ib.mean), "branch_low": _r(ib.low),
                         "branch_high": _r(ib.high), "difference": _r(d.mean),
                         "diff_low": _r(d.low), "diff_high": _r(d.high),
                         "clear": bool(len(seeds) > 1 and (d.low > 0 or d.high < 0))})
    return pd.DataFrame(rows)


def _r(x: float) -> float:
    return x if np.isnan(x) else round(float(x), 4)


def branch(log_path: str | Path, turn: int, decisions_path: str | Path, folder: str | Path,
           *, seeds: int = 1, workers: int | None = None, say=print) -> Path:
    """Branch a log at ``turn`` with the decisions of ``decisions_path``; returns the path
    of ``branch.html``.

    Raises
    ------
    ConfigError
        A bad log, turn, seed count or decisions file (nothing is written).
    """
    exercise, records, _ = exercise_of_log(log_path)
    c = exercise.config
    if isinstance(turn, bool) or not isinstance(turn, int) or not 1 <= turn <= c.turns:
        raise ConfigError(f"--turn = {turn!r} is not allowed: must be a turn in "
                          f"[1, {c.turns}]")
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= 100:
        raise ConfigError(f"--seeds = {seeds!r} is not allowed: must be an integer in "
                          f"[1, 100]")
    original = logged_decisions(records)
    other = merge(original, load_decisions(decisions_path, c), turn, exercise)
    check_decisions(exercise, other)
    folder = Path(folder)
    base = Session(exercise, simulate=False)
    base.play(original, where="log")
    alt = Session(exercise)
    alt.play(other)
    seed_list = [c.seed + i for i in range(seeds)]
    common = {"turn_days": c.turn_days, "countries": list(alt.delegations)}
    tasks = []
    for s in seed_list:
        tasks.append({"key": f"{ORIGINAL}/{s}", "seed": s, **common,
                      "changes": base.inject_specs() + base.decision_changes()})
        tasks.append({"key": f"{OTHER}/{s}", "seed": s, **common,
                      "changes": alt.inject_specs() + alt.decision_changes()})
    say(f"branch at turn {turn}: {len(tasks)} runs ({seeds} seed(s) x 2 futures)")
    results = run_futures(alt.model.config, tasks, workers)
    futures = {t["key"]: r["turns"] for t, r in zip(tasks, results, strict=True)}
    units = {k: v.unit for k, v in alt.model.config.scenario.commodities.items()}
    groups = {g: g for g in alt.model.world.armed.names}
    table_ = compare(exercise, futures, seed_list, turn, list(alt.delegations), units, groups)
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / EXERCISE_COPY, exercise.text)
    write_log(folder / LOG_NAME, alt.lines)
    write_text(folder / "branch.csv", table_.to_csv(index=False, lineterminator="\n"))
    figure = folder / "branch.png"
    write_atomic(figure, lambda p: _figure(p, futures, table_, seed_list, turn, c))
    html = render(exercise, turn, base, alt, table_, seed_list, figure)
    write_text(folder / "branch.html", html)
    return folder / "branch.html"


def _series(futures, key: str, seeds, country, name) -> np.ndarray:
    out = []
    for s in seeds:
        turns = futures[f"{key}/{s}"]
        out.append([float((t["region"] if country == REGION else t["countries"][country])[name])
                    for t in turns])
    return np.array(out)


def top_rows(table_: pd.DataFrame, limit: int = 6) -> pd.DataFrame:
    """The clearest differences (largest relative to the log's mean); with one seed, the
    largest non-zero ones."""
    t = table_[table_["clear"]] if table_["n_seeds"].iloc[0] > 1 else \
        table_[table_["difference"] != 0]
    size = t["difference"].abs() / t["log_mean"].abs().where(t["log_mean"] != 0, 1.0)
    return t.assign(size=size).sort_values(["size", "country", "indicator"],
                                           ascending=[False, True, True]).head(limit)


def _figure(path: Path, futures, table_, seeds, turn, c) -> None:
    rows = top_rows(table_)
    n = max(len(rows), 1)
    cols = min(n, 3)
    nrows = (n + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(3.6 * cols, 2.7 * nrows), dpi=100,
                             squeeze=False)
    x = np.arange(1, c.turns + 1)
    for ax, (_, r) in zip(axes.ravel(), rows.iterrows(), strict=False):
        for key, colour, label in ((ORIGINAL, "#555555", "as logged"),
                                   (OTHER, "#0b6e4f", "branch")):
            y = _series(futures, key, seeds, r["country"], r["indicator"])
            m = y.mean(axis=0)
            ax.plot(x, m, marker="o", ms=3, color=colour, label=label)
            if len(seeds) > 1:
                ci = [t_interval(y[:, j]) for j in range(y.shape[1])]
                ax.fill_between(x, [i.low for i in ci], [i.high for i in ci], color=colour,
                                alpha=0.15, lw=0)
        ax.axvline(turn - 0.5, color="#a93226", lw=0.8, ls="--")
        where = "region" if r["country"] == REGION else r["country"]
        ax.set_title(f"{where}: {r['label']}", fontsize=8)
        ax.set_xlabel("turn", fontsize=7)
        ax.set_ylabel(r["unit"], fontsize=7)
        ax.tick_params(labelsize=7)
        ax.set_xticks(x)
    for ax in axes.ravel()[len(rows):]:
        ax.axis("off")
    if len(rows):
        axes.ravel()[0].legend(fontsize=7)
    else:
        axes.ravel()[0].text(0.5, 0.5, "no difference", ha="center", va="center",
                             transform=axes.ravel()[0].transAxes)
    fig.suptitle(f"Per turn, mean over {len(seeds)} seed(s)"
                 + (" with 95 % t-intervals" if len(seeds) > 1 else "")
                 + f"; the branch starts at turn {turn} (dashed line)", fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    path.write_bytes(buf.getvalue())


def _decisions_side(base: Session, alt: Session, turn: int) -> str:
    rows = []
    for t in range(turn, base.config.turns + 1):
        for iso in base.delegations:
            a = "; ".join(d.summary for d in base.ledger.taken(t, iso)) or "—"
            b = "; ".join(d.summary for d in alt.ledger.taken(t, iso)) or "—"
            if a != "—" or b != "—":
                rows.append([str(t), iso, a, b, "same" if a == b else "differs"])
    return table(["turn", "delegation", "as logged", "branch", ""], rows)


def _fmt(x) -> str:
    if isinstance(x, float) and np.isnan(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:,.3g}"


def render(exercise, turn, base, alt, table_, seeds, figure: Path) -> str:
    """The branch comparison as one self-contained page."""
    c = exercise.config
    n = len(seeds)
    iv = n > 1
    rows = []
    for _, r in table_.iterrows():
        if r["log_mean"] == 0 and r["branch_mean"] == 0:
            continue
        where = "region" if r["country"] == REGION else r["country"]
        a = _fmt(r["log_mean"]) + (f" [{_fmt(r['log_low'])}, {_fmt(r['log_high'])}]" if iv else "")
        b = _fmt(r["branch_mean"]) + (f" [{_fmt(r['branch_low'])}, {_fmt(r['branch_high'])}]"
                                      if iv else "")
        d = ("+" if r["difference"] > 0 else "") + _fmt(r["difference"]) + (
            f" [{_fmt(r['diff_low'])}, {_fmt(r['diff_high'])}]" if iv else "")
        cell = f"<b>{escape(d)}</b>" if r["clear"] else escape(d)
        rows.append([escape(where), escape(f"{r['label']} ({r['unit']})"), escape(a),
                     escape(b), cell])
    head = ["where", f"indicator, turns {turn}-{c.turns}", "as logged", "branch",
            "branch − logged"]
    if iv:
        head = [*head[:2], "as logged [95 % CI]", "branch [95 % CI]",
                "branch − logged [95 % CI]"]
    clear = int(table_["clear"].sum())
    note = (f"{clear} indicator(s) differ with a 95 % interval of the paired difference that "
            f"excludes zero (bold)." if iv else
            "One seed: the difference is that run's (no interval); use --seeds N (N >= 2) for "
            "intervals.")
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Branch of "
            f"{escape(c.title)} at turn {turn}</title><style>{CSS}</style></head><body>"
            f"<h1>What if? {escape(c.title)}</h1><p class='meta'>The log's decisions up to "
            f"turn {turn - 1}, then other decisions from turn {turn}; both futures on seeds "
            f"{', '.join(map(str, seeds))} (paired by seed). Counts are summed over turns "
            f"{turn}-{c.turns}, levels at the end. {escape(note)}</p>"
            f"<h2>The decisions that differ</h2>{_decisions_side(base, alt, turn)}"
            f"<h2>The two futures</h2><figure>{img_tag(figure, 'branch comparison')}"
            f"</figure>{table(head, rows, raw=True, num_cols=[2, 3, 4])}</body></html>")
