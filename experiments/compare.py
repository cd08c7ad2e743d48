"""Policy comparison of a finished sweep: ``python -m experiments.compare SWEEP_DIR``.

Reads every finished run under SWEEP_DIR (any depth), compares each policy package with the
baseline package on paired seeds, and writes tables, figures and a self-contained
``report.html`` to ``SWEEP_DIR/comparison`` (or ``--out``). Its caveats name the
assumptions each headline effect rests on, read from the scenario's saved sensitivity study
of the packages' effects (``docs/sensitivity/<scenario>_effects``, or ``--assumptions``),
when that study's saved runs have today's configuration. Never reruns the model. Bad input
(missing folder, no finished runs, no baseline runs) prints one line and exits with status 2.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from datetime import datetime
from pathlib import Path

import yaml

from sim.analysis.assumptions import default_folder, effect_caveats, read_effect_study
from sim.analysis.compare import (
    CompareError,
    Comparison,
    Sweep,
    compare,
    compare_flows,
    load_sweep,
    package_description,
    scenario_of,
    timeseries_bands,
)
from sim.analysis.report import (
    MAX_BANDS,
    Figure,
    ReportInputs,
    comparison_markdown,
    headline_effects,
    plot_effects,
    plot_flow_maps,
    plot_timeseries,
    report_html,
    report_markdown,
    write_csv,
)
from sim.atomic import write_text
from sim.plotting import zone_circles

PROJECT = Path(__file__).resolve().parents[1]
"""The project folder, where the reproducing command is run."""

OUTPUTS = {
    "report.html": "the report: one self-contained page (figures embedded)",
    "report.md": "the report in Markdown (links the PNG files)",
    "runs.csv": "every run folder found: status (finished / failed / unfinished / excluded / "
                "filtered), reason, policy, seed and the run's whole summary",
    "comparison.csv": "one row per package and outcome: n, mean, 95% CI; paired change vs "
                      "baseline with 95% CI and relative change",
    "comparison.md": "the same as readable tables",
    "costs.csv": "per package: yearly cost, cost over the run, extra cost vs baseline, cost "
                 "per extra unit seized, cost per USD of trafficker revenue denied",
    "effects.png": "forest plot of the key effects vs baseline",
    "flow_<package>.png": "flow maps: baseline | package | difference, per commodity",
    "timeseries.png": "daily course per package with 95% bands",
}
"""Files written to the output folder and what they hold."""


class Progress:
    """Prints ``stage done/total`` lines to stderr, about ten per stage."""

    def __init__(self, stream=None):
        self.stream = stream

    def __call__(self, stage: str, done: int, total: int) -> None:
        step = max(1, total // 10)
        if done == total or done % step == 0 or done == 1:
            print(f"{stage} {done}/{total}", file=self.stream or sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.compare",
        description="Compare the policy packages of a finished sweep with the baseline: "
                    "paired effects with 95% CIs, costs, flow maps, time series, and a "
                    "self-contained report.html.")
    parser.add_argument("sweep_dir", metavar="SWEEP_DIR",
                        help="folder holding the runs (searched at any depth)")
    parser.add_argument("--out", metavar="DIR",
                        help="output folder (default: SWEEP_DIR/comparison)")
    parser.add_argument("--baseline", default="baseline", metavar="NAME",
                        help="package the others are compared with (config.policy.name; "
                             "default: baseline)")
    parser.add_argument("--where", action="append", default=[], metavar="KEY=VALUE",
                        help="use only runs whose config value KEY equals VALUE, e.g. "
                             "--where scenario.name=toy (repeatable); needed when a sweep "
                             "varies settings other than the policy and seed")
    parser.add_argument("--assumptions", metavar="STUDY_DIR",
                        help="saved sensitivity study of the packages' effects whose ranking "
                             "the caveats name (default: docs/sensitivity/<scenario>_effects "
                             "of the project, when it exists)")
    return parser.parse_args(argv)


def parse_where(items: list[str]) -> dict[str, str]:
    """``["scenario.name=toy"]`` -> ``{"scenario.name": "toy"}`` (CompareError if malformed)."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CompareError(f"--where {item!r} is not allowed: must be KEY=VALUE, e.g. "
                               f"scenario.name=toy")
        out[key.strip()] = value.strip()
    return out


def slug(name: str) -> str:
    """A file-name-safe version of a package name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "package"


def _single(sweep: Sweep, col: str):
    values = sweep.runs[col].dropna().unique() if col in sweep.runs else []
    return values[0] if len(values) == 1 else None


def _region(sweep: Sweep, notes: list[str]):
    """The region the runs were simulated on, or None (with a note) if it cannot be built."""
    name, cell_km = _single(sweep, "config.scenario.region"), _single(
        sweep, "config.scenario.cell_km")
    if name is None or cell_km is None:
        notes.append("Maps are drawn without borders and places: the runs do not share one "
                     "recorded region and cell size.")
        return None
    from sim.region import RegionError, build_region

    try:
        return build_region(str(name), float(cell_km))
    except RegionError as err:
        notes.append(f"Maps are drawn without borders and places: {err}")
        return None


def draw_figures(sweep: Sweep, cmp: Comparison, out: Path, progress: Progress,
                 notes: list[str]) -> list[Figure]:
    """Write the PNGs; returns them with titles and captions for the report."""
    figures = []
    path = plot_effects(cmp, out / "effects.png")
    if path is not None:
        figures.append(Figure(path, "Effects vs baseline", (
            "Each panel is one outcome; each row a package (n = paired seeds). The dot is the "
            "mean paired change in % of the baseline mean, the bar its 95% confidence "
            "interval. Filled dots: the interval excludes 0 (a clear effect); hollow dots: "
            "it includes 0. Panel titles give the baseline mean.")))
    flows, flow_notes = compare_flows(sweep, cmp.baseline, cmp.others, progress)
    notes.extend(flow_notes)
    region = _region(sweep, notes) if flows else None
    zones = (zone_circles(scenario_of(sweep).get("armed_groups") or {}, region)
             if region is not None else [])
    steps = _single(sweep, "config.steps")
    for i, fc in enumerate(flows):
        progress("drawing maps", i + 1, len(flows))
        path = plot_flow_maps(fc, cmp, region, out / f"flow_{slug(fc.policy)}.png",
                              days=int(steps) if steps is not None else None, zones=zones)
        figures.append(Figure(path, f"Where routes moved: {fc.policy}", (
            f"Rows are commodities. Left: mean quantity through each cell under the baseline; "
            f"middle: under {fc.policy} (same log colour scale); right: the difference, "
            f"{fc.policy} minus baseline (red: more flow under the package, blue: less; "
            f"linear scale symmetric about 0 that saturates at the 99th percentile of the "
            f"cell changes, marked by arrows on the colour bar, whose label gives the "
            f"largest change). Means over the {len(fc.seeds)} seeds both packages ran. "
            f"Grey cells: the model's road corridors; triangles: official crossings; squares: "
            f"ports; diamonds: exits; dashed circles: armed-group zones at their configured "
            f"size (they grow and shrink with each group's revenue during a run).")))
    bands, ts_notes = timeseries_bands(sweep, cmp.policies, progress)
    notes.extend(ts_notes)
    path = plot_timeseries(bands, cmp, out / "timeseries.png")
    if path is not None:
        figures.append(Figure(path, "Daily course", (
            "Mean over each package's seeds (line) and 95% t-band of that mean (shade); "
            "the baseline is the thick black line. Delivered, seized and arrests are "
            "cumulative since day 1; pending cases, participation and trust are levels at "
            "the end of each day. Bands are cut at 0 for quantities that cannot be "
            f"negative. With more than {MAX_BANDS} packages only the baseline's band is "
            "shaded, so that the lines stay readable.")))
    return figures


def command_line(sweep_dir: Path, out: Path, baseline: str, where: dict[str, str],
                 study_dir: Path | None = None) -> str:
    """The commands that reproduce this comparison (absolute paths): the sweep, when Hydra
    recorded it in ``multirun.yaml``, then the comparison."""
    args = [".venv/bin/python", "-m", "experiments.compare", str(sweep_dir), "--out", str(out),
            "--baseline", baseline]
    for key, value in where.items():
        args += ["--where", f"{key}={value}"]
    if study_dir is not None:
        args += ["--assumptions", str(study_dir)]
    return "\n".join([*sweep_command(sweep_dir), shlex.join(args)])


def sweep_command(sweep_dir: Path) -> list[str]:
    """The ``experiments.run -m`` command Hydra recorded for the sweep (empty if none)."""
    recorded = sweep_dir / "multirun.yaml"
    if not recorded.is_file():
        return []
    try:
        overrides = yaml.safe_load(recorded.read_text(encoding="utf-8"))["hydra"]["overrides"]
        task = [str(o) for o in overrides["task"]]
    except (yaml.YAMLError, KeyError, TypeError):
        return []
    launcher = [str(o) for o in overrides.get("hydra", []) if str(o).startswith("hydra/")]
    where = [f"hydra.sweep.dir={sweep_dir.resolve()}"]  # the same folder from any directory
    return [shlex.join([".venv/bin/python", "-m", "experiments.run", "-m", *launcher, *task,
                        *where])]


def assumption_caveats(sweep: Sweep, cmp: Comparison, study_dir: Path | None) -> list[str]:
    """The caveat lines on which assumptions the headline effects rest on, read from the
    saved effects study (``study_dir``, or the scenario's shipped one)."""
    scenario = _single(sweep, "config.scenario.name")
    steps = _single(sweep, "config.steps")
    if study_dir is None:
        if scenario is None:
            return effect_caveats(None, {})
        study_dir = default_folder(PROJECT, str(scenario))
    reading = read_effect_study(study_dir, str(scenario) if scenario is not None else None,
                                int(steps) if steps is not None else None, cmp.baseline,
                                PROJECT)
    return effect_caveats(reading, headline_effects(cmp))


def run(sweep_dir: Path, out: Path, baseline: str, progress: Progress,
        where: dict[str, str] | None = None, study_dir: Path | None = None) -> Path:
    """Load, compare, write every output; returns the path of ``report.html``."""
    where = where or {}
    sweep = load_sweep(sweep_dir, exclude=[out], where=where, progress=progress)
    cmp = compare(sweep, baseline)
    for note in cmp.notes:
        print(f"warning: {note}", file=sys.stderr)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CompareError(f"cannot create output folder {out}: {err.strerror}") from err
    write_csv(sweep.inventory, out / "runs.csv")
    write_csv(cmp.table, out / "comparison.csv")
    write_csv(cmp.costs, out / "costs.csv")
    write_text(out / "comparison.md", comparison_markdown(cmp, sweep))
    notes: list[str] = []
    figures = draw_figures(sweep, cmp, out, progress, notes)
    for note in notes:
        print(f"warning: {note}", file=sys.stderr)
    left_out = sweep.problems
    if len(left_out):
        print(f"warning: {len(left_out)} run folder{'s' if len(left_out) != 1 else ''} left "
              f"out (failed, unfinished or excluded): see runs.csv and the report",
              file=sys.stderr)
    packages = {p: package_description(sweep, p) for p in cmp.policies}
    inputs = ReportInputs(sweep, cmp, packages, figures,
                          command_line(sweep.root, out, baseline, where, study_dir),
                          str(PROJECT), datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
                          notes, OUTPUTS, assumption_caveats(sweep, cmp, study_dir))
    write_text(out / "report.md", report_markdown(inputs, out))
    return write_text(out / "report.html", report_html(inputs))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sweep_dir = Path(args.sweep_dir).expanduser().resolve()
    out = Path(args.out).expanduser().resolve() if args.out else sweep_dir / "comparison"
    try:
        study = Path(args.assumptions).expanduser().resolve() if args.assumptions else None
        report = run(sweep_dir, out, args.baseline, Progress(), parse_where(args.where), study)
    except CompareError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"report: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
