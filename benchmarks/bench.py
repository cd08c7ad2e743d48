"""Performance figures of the trafficking model next to the DESIGN.md §6 targets.

Run from the project root::

    python -m benchmarks.bench            # full run, a few minutes
    python -m benchmarks.bench --quick    # smoke run, under a minute
    python -m benchmarks.bench --json results.json

Prints (1) courier-steps per second of the full model step for the numba engine and the
plain-Python reference engine at 1e3, 1e4 and 1e5 couriers, with the share of step time
per phase; (2) the wall time of one simulated year of the default scenario, build + run +
write, cold and warm, and of the whole ``python -m experiments.run`` process; (3) peak
memory at 1e5 couriers in a fresh process. Figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mesa
import numba
import numpy as np

from benchmarks.configurations import CONFIGURATIONS, SCENARIO, SEED, TARGETS
from sim.agents import CourierState
from sim.config import make_config
from sim.io import OutputConfig, write_run
from sim.model import TraffickingModel
from sim.plotting import draw_run_map
from sim.simulate import build, collect

ROOT = Path(__file__).resolve().parents[1]
"""Project root: working directory of the child processes."""

# --------------------------------------------------------------------------- models


def courier_overrides(n_couriers: int, scenario: str = SCENARIO) -> dict[str, int]:
    """Config overrides that give about ``n_couriers`` couriers in ``scenario``.

    Every commodity keeps its organisations; ``couriers_per_organisation`` is scaled by
    one factor (rounded per commodity, so the total is close to, not exactly,
    ``n_couriers``). ``recruitable_per_settlement`` is scaled by the same factor (never
    below its default) so the recruitment pool keeps its default ratio to the couriers.
    """
    sc = make_config(scenario).scenario
    default = sum(c.organisations * c.couriers_per_organisation for c in sc.commodities.values())
    factor = n_couriers / default
    out = {f"scenario.commodities.{name}.couriers_per_organisation":
           max(1, round(c.couriers_per_organisation * factor))
           for name, c in sc.commodities.items()}
    out["scenario.recruitable_per_settlement"] = max(
        sc.recruitable_per_settlement, round(sc.recruitable_per_settlement * factor))
    return out


def build_model(n_couriers: int, engine: str, steps: int) -> TraffickingModel:
    """A ``SCENARIO`` model with about ``n_couriers`` couriers (see :func:`courier_overrides`)."""
    cfg = make_config(SCENARIO, seed=SEED, steps=steps, engine=engine,
                      overrides=courier_overrides(n_couriers))
    return build(cfg)


def couriers_in_model(model: TraffickingModel) -> int:
    """Courier slots in use (every state but FREE: idle, travelling, returning, held)."""
    return int(np.count_nonzero(model.mechanisms["couriers"].arrays.state != CourierState.FREE))


class PhaseTimer:
    """Wall time per phase of the model's daily order, by wrapping ``model.phases``.

    Also counts route plans (``plans``) and records how many couriers the movement
    kernel moved each step (``movers``). The overhead is a few microseconds per step.
    """

    def __init__(self, model: TraffickingModel):
        self.seconds = {label: 0.0 for _, label, _ in model.phases}
        self.movers: list[int] = []
        self.plans = 0
        model.phases = [(key, label, self._timed(label, fn)) for key, label, fn in model.phases]
        orgs = model.mechanisms["organisations"]
        plan = orgs._plan

        def counted(*args):
            self.plans += 1
            return plan(*args)

        orgs._plan = counted

    def _timed(self, label: str, fn):
        def timed(day):
            t0 = time.perf_counter()
            fn(day)
            self.seconds[label] += time.perf_counter() - t0
            if label == "couriers.move":
                self.movers.append(len(day.movers))

        return timed

    def shares(self) -> dict[str, float]:
        """Fraction of the summed phase time spent in each phase."""
        total = sum(self.seconds.values()) or 1.0
        return {k: v / total for k, v in self.seconds.items()}


# --------------------------------------------------------------------------- 1. throughput


def measure_throughput(n_couriers: int, engine: str, warmup: int, steps: int) -> dict:
    """Time ``steps`` full model steps after ``warmup`` untimed ones (which also JIT-warm).

    Returns
    -------
    dict
        ``couriers`` (built), ``steps``, ``seconds`` (timed), ``step_seconds`` (per step),
        ``all_couriers`` / ``travelling`` (per step: slots in use before the step, couriers
        moved by the kernel), ``plans``, ``phase_share`` and the two rates in
        courier-steps/s, ``all_rate`` and ``travelling_rate``.
    """
    t0 = time.perf_counter()
    model = build_model(n_couriers, engine, warmup + steps)
    build = time.perf_counter() - t0
    built = couriers_in_model(model)
    for _ in range(warmup):
        model.step()
    timer = PhaseTimer(model)
    step_seconds, all_couriers = [], []
    for _ in range(steps):
        all_couriers.append(couriers_in_model(model))
        t0 = time.perf_counter()
        model.step()
        step_seconds.append(time.perf_counter() - t0)
    seconds = sum(step_seconds)
    return {
        "engine": engine, "target": n_couriers, "couriers": built, "build_seconds": build,
        "steps": steps, "seconds": seconds, "step_seconds": step_seconds,
        "all_couriers": all_couriers, "travelling": timer.movers, "plans": timer.plans,
        "phase_share": timer.shares(),
        "all_rate": sum(all_couriers) / seconds,
        "travelling_rate": sum(timer.movers) / seconds,
    }


def speedup(fast: dict, reference: dict) -> dict:
    """Wall-time ratio reference / fast over the same steps (the reference's window).

    Both runs start from the same seed and warm-up; the engines draw identical random
    numbers, so the first ``reference["steps"]`` steps follow the same trajectory
    (``same_trajectory`` checks the couriers moved each step).
    """
    k = reference["steps"]
    fast_seconds = sum(fast["step_seconds"][:k])
    return {"couriers": reference["couriers"], "steps": k,
            "ratio": reference["seconds"] / fast_seconds,
            "same_trajectory": fast["travelling"][:k] == reference["travelling"]}


# --------------------------------------------------------------------------- 2. one year


def time_year(steps: int, outdir: Path) -> dict:
    """Build, run ``steps`` days and write the default scenario; seconds per part.

    ``write`` is :func:`sim.simulate.collect` plus :func:`sim.io.write_run` (Parquet tables
    and map.png). The region is memoised, so after the first call ``build`` is model
    initialisation only.
    """
    cfg = make_config(SCENARIO, seed=SEED, steps=steps)
    t0 = time.perf_counter()
    model = build(cfg)
    t1 = time.perf_counter()
    timer = PhaseTimer(model)
    model.run()
    t2 = time.perf_counter()
    result = collect(model)
    write_run(result, outdir, OutputConfig(format="parquet", map=True))
    t3 = time.perf_counter()
    draw_run_map(result, outdir / "map_again.png")
    t4 = time.perf_counter()
    return {"steps": int(model.steps), "couriers": couriers_in_model(model),
            "build": t1 - t0, "run": t2 - t1, "write": t3 - t2, "total": t3 - t0,
            "map_alone": t4 - t3, "plans": timer.plans, "phase_share": timer.shares()}


def time_process(steps: int, rundir: Path) -> dict:
    """Wall time of the whole process ``python -m experiments.run seed=SEED``, writing into
    ``rundir`` (interpreter start-up, imports and the numba cache load included)."""
    cmd = [sys.executable, "-m", "experiments.run", f"seed={SEED}", f"hydra.run.dir={rundir}"]
    if steps != 365:
        cmd.append(f"steps={steps}")
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return {"command": " ".join(["python", *cmd[1:]]), "seconds": time.perf_counter() - t0}


# --------------------------------------------------------------------------- 3. memory


def peak_rss_bytes() -> dict:
    """This process's peak resident set size, two ways.

    ``getrusage``: ``ru_maxrss``. On Linux it also counts the parent's resident memory at
    the fork that started this process, so it is exact only when the parent is small.
    ``vmhwm``: ``VmHWM`` of ``/proc/self/status``, the peak of this process's own memory
    image since ``exec`` (``None`` where ``/proc`` is missing).
    """
    import resource

    out = {"getrusage": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
           "vmhwm": None}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                out["vmhwm"] = int(line.split()[1]) * 1024
    except OSError:
        pass
    return out


def memory_child(n_couriers: int, steps: int) -> None:
    """Body of the fresh memory-measuring process: build, run ``steps`` steps, print JSON."""
    after_imports = peak_rss_bytes()
    model = build_model(n_couriers, "numba", steps)
    built = couriers_in_model(model)
    model.run(steps)
    print(json.dumps({"couriers": built, "steps": int(model.steps),
                      "after_imports": after_imports, "peak": peak_rss_bytes()}))


def measure_memory(n_couriers: int, steps: int) -> dict:
    """Peak RSS of a fresh process that builds ``n_couriers`` couriers and runs ``steps``.

    Run it before this process grows (see :func:`peak_rss_bytes`).
    """
    code = f"from benchmarks.bench import memory_child; memory_child({n_couriers}, {steps})"
    child = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                           capture_output=True, text=True)
    return {"target": n_couriers, **json.loads(child.stdout.strip().splitlines()[-1])}


# --------------------------------------------------------------------------- report


def machine_info() -> dict:
    """CPU count and model, versions, the code's git revision and the load average at start."""
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        code = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        code = "unknown"
    return {"code": code, "cpus": os.cpu_count(),
            "cpus_usable": len(os.sched_getaffinity(0)), "cpu": cpu,
            "platform": platform.platform(), "python": platform.python_version(),
            "numpy": np.__version__, "numba": numba.__version__, "mesa": mesa.__version__,
            "load_average": os.getloadavg()}


def _status(value: float | None, target: dict) -> str:
    if value is None:
        return "not measured"
    if "at_least" in target:
        return "met" if value >= target["at_least"] else "not met"
    return "met" if value <= target["at_most"] else "not met"


def target_rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(figure, measured, target, status) for each DESIGN.md §6 target."""
    rate_t, ratio_t = TARGETS["courier_steps_per_s"], TARGETS["speedup"]
    year_t, mem_t = TARGETS["year_seconds"], TARGETS["peak_memory_bytes"]
    numba_at = {r["target"]: r for r in results["throughput"] if r["engine"] == "numba"}
    fast = numba_at.get(rate_t["couriers"])
    ratio = next((s for s in results["speedup"] if s["target"] == ratio_t["couriers"]), None)
    year = results["year"]["warm"]
    full_year = year["steps"] == year_t["steps"]
    n_rate, n_ratio = f"{rate_t['couriers']:.0e}", f"{ratio_t['couriers']:.0e}"
    rows = []
    for label, key in (("all couriers", "all_rate"), ("travelling couriers", "travelling_rate")):
        value = fast[key] if fast else None
        rows.append((f"full step at {n_rate} couriers, numba ({label})",
                     f"{value:.2e} courier-steps/s" if value else "-",
                     f">= {rate_t['at_least']:.0e}", _status(value, rate_t)))
    value = ratio["ratio"] if ratio else None
    rows.append((f"numba / python reference at {n_ratio} couriers",
                 f"{value:.0f}x" if value else "-", f">= {ratio_t['at_least']:.0f}x",
                 _status(value, ratio_t)))
    value = year["total"] if full_year else None
    rows.append((f"default year, build + run + write, warm ({year['steps']} steps)",
                 f"{year['total']:.2f} s", f"<= {year_t['at_most']:.0f} s",
                 _status(value, year_t) if full_year else "not measured (--quick)"))
    for mem in results["memory"]:
        value = mem["peak"]["getrusage"] if mem["target"] == mem_t["couriers"] else None
        rows.append((f"peak memory (max RSS) at {mem['target']:.0e} couriers, "
                     f"{mem['steps']} steps", f"{mem['peak']['getrusage'] / 1e6:.0f} MB",
                     f"<= {mem_t['at_most'] / 1e9:.0f} GB", _status(value, mem_t)))
    return rows


def table(header: list[str], rows: list[list[str]]) -> str:
    """Plain-text table, first column left-aligned, the others right-aligned."""
    cells = [header, *rows]
    widths = [max(len(str(r[i])) for r in cells) for i in range(len(header))]

    def line(r):
        return "  ".join(str(v).ljust(w) if i == 0 else str(v).rjust(w)
                         for i, (v, w) in enumerate(zip(r, widths, strict=True)))

    return "\n".join([line(header), "  ".join("-" * w for w in widths),
                      *(line(r) for r in rows)])


def report_throughput(results: dict) -> None:
    """Print section 1."""
    rows = []
    for r in results["throughput"]:
        rows.append([r["engine"], f"{r['couriers']:,}", r["steps"], r["plans"],
                     f"{r['seconds']:.2f}", f"{r['seconds'] / r['steps'] * 1e3:.1f}",
                     f"{np.mean(r['all_couriers']):,.0f}", f"{np.mean(r['travelling']):,.0f}",
                     f"{r['all_rate']:.2e}", f"{r['travelling_rate']:.2e}"])
    print(table(["engine", "couriers", "steps", "plans", "seconds", "ms/step", "mean all",
                 "mean travelling", "all courier-steps/s", "travelling courier-steps/s"],
                rows))
    print("\nspeed-up, numba vs python reference over the same steps (same seed and warm-up):")
    for s in results["speedup"]:
        same = "same trajectory" if s["same_trajectory"] else "TRAJECTORIES DIFFER"
        print(f"  {s['couriers']:>7,} couriers: {s['ratio']:6.1f}x over {s['steps']} steps "
              f"({same})")
    print("\nshare of step time per phase (%):")
    phases = list(results["throughput"][0]["phase_share"])
    rows = [[f"{r['engine']} {r['couriers']:,}"] + [f"{100 * r['phase_share'][p]:.0f}"
                                                     for p in phases]
            for r in results["throughput"]]
    print(table(["run", *phases], rows))


def report_year(results: dict) -> None:
    """Print section 2."""
    y = results["year"]
    rows = [[name, f"{r['build']:.2f}", f"{r['run']:.2f}", f"{r['write']:.2f}",
             f"{r['total']:.2f}"] for name, r in (("cold (first in process)", y["cold"]),
                                                  ("warm", y["warm"]))]
    print(table(["", "build s", "run s", "write s", "total s"], rows))
    w = y["warm"]
    print(f"  of which map.png alone (drawn again separately): {w['map_alone']:.2f} s; "
          f"route plans in the run: {w['plans']}")
    shares = ", ".join(f"{p} {100 * v:.0f}%" for p, v in
                       sorted(w["phase_share"].items(), key=lambda kv: -kv[1]) if v >= 0.01)
    print(f"  warm run, share of step time per phase: {shares}")
    p = y["process"]
    print(f"  whole process `{p['command']}`: {p['seconds']:.2f} s (includes interpreter "
          f"start-up, imports, Hydra and loading the numba cache)")


def _mb(n: int | None) -> str:
    return "n/a" if n is None else f"{n / 1e6:.0f} MB"


def report(results: dict) -> None:
    """Print every section and the targets table."""
    m = results["machine"]
    print(f"machine: {m['cpus']} CPUs ({m['cpus_usable']} usable), {m['cpu']}; {m['platform']}")
    print(f"python {m['python']}, numpy {m['numpy']}, numba {m['numba']}, mesa {m['mesa']}; "
          f"code {m['code']}; load average at start "
          f"{' '.join(f'{x:.2f}' for x in m['load_average'])}")
    cfg = results["configuration"]
    print(f"\n1. Full model step, scenario {SCENARIO} (seed {SEED}), couriers scaled through "
          f"couriers_per_organisation; {cfg['warmup_steps']} warm-up steps, then timed.")
    print("   all = courier slots in use (idle, travelling, returning, detained, imprisoned);"
          " travelling = couriers the movement kernel moved that step; plans = organisation"
          " route plans in the window.")
    print("   The python reference is engine=python (plain-Python twins of the numba kernels,"
          " same rules and draws), measured over one 14-day re-planning cycle, not "
          "extrapolated.\n")
    report_throughput(results)
    y = results["year"]["warm"]
    print(f"\n2. One simulated year of the default scenario ({y['steps']} steps, "
          f"{y['couriers']:,} couriers in use at the end), warm = after one throwaway run in "
          f"the same process; write = collect + write_run(parquet, map).\n")
    report_year(results)
    print("\n3. Peak memory, one fresh process per row (max RSS from getrusage; VmHWM from "
          "/proc/self/status as a cross-check):\n")
    print(table(["couriers", "steps", "max RSS", "VmHWM", "VmHWM after imports"],
                [[f"{m['couriers']:,}", m["steps"], _mb(m["peak"]["getrusage"]),
                  _mb(m["peak"]["vmhwm"]), _mb(m["after_imports"]["vmhwm"])]
                 for m in results["memory"]]))
    print()
    print("Targets (DESIGN.md §6):\n")
    print(table(["figure", "measured", "target", "status"],
                [list(r) for r in target_rows(results)]))


# --------------------------------------------------------------------------- main


def run(quick: bool = False) -> dict:
    """Run every measurement of the chosen configuration; returns the results."""
    cfg = CONFIGURATIONS["quick" if quick else "full"]
    results: dict = {"machine": machine_info(), "configuration": cfg, "quick": quick}
    # memory first, while this process is small (see peak_rss_bytes)
    results["memory"] = []
    for steps in cfg["memory_steps"]:
        print(f"  peak memory at {cfg['memory_couriers']:,} couriers, {steps} steps ...",
              file=sys.stderr)
        results["memory"].append(measure_memory(cfg["memory_couriers"], steps))
    print(f"  one year ({cfg['year_steps']} steps): cold, warm, whole process ...",
          file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        results["year"] = {"cold": time_year(cfg["year_steps"], tmp / "cold"),
                           "warm": time_year(cfg["year_steps"], tmp / "warm"),
                           "process": time_process(cfg["year_steps"], tmp / "process")}
    results["throughput"], results["speedup"] = [], []
    for n in cfg["couriers"]:
        by_engine = {}
        for engine in ("numba", "python"):
            steps = cfg["timed_steps"][engine][n]
            print(f"  timing {engine} at {n:,} couriers, {steps} steps ...", file=sys.stderr)
            by_engine[engine] = measure_throughput(n, engine, cfg["warmup_steps"], steps)
            results["throughput"].append(by_engine[engine])
        results["speedup"].append({"target": n, **speedup(by_engine["numba"],
                                                          by_engine["python"])})
    results["targets"] = target_rows(results)
    return results


def main(argv: list[str] | None = None) -> None:
    """Command line: run, print the report, optionally save the figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fast smoke run (not the targets' "
                        "sizes for the year; 1e4 couriers only)")
    parser.add_argument("--json", metavar="PATH", type=Path, help="also save all figures as JSON")
    args = parser.parse_args(argv)
    results = run(quick=args.quick)
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=float))
        print(f"\nfigures saved to {args.json}")


if __name__ == "__main__":
    main()
