"""Performance figures of the trafficking model next to their targets (DESIGN.md §6).

Run from the project root::

    python -m benchmarks.bench            # every figure at full size (about 20 minutes:
                                          # the 1,000-run pool is most of it)
    python -m benchmarks.bench --quick    # a smoke run of every figure (about 2 minutes)
    python -m benchmarks.bench --json results.json

Figures (reported, never asserted):

1. a warm default ``west_africa`` year through :func:`sim.simulate.evaluate` (no files);
2. the same year with every run file, ``map.png`` included (:func:`sim.io.write_run`);
3. 1,000 one-year default runs through the 2-worker process pool of ``evaluate`` calls the
   studies use (:class:`sim.analysis.executor.ProcessExecutor`, workers set up once);
4. the full model step at 1e5 couriers (courier-steps per second, every courier slot in
   use counted once per day);
5. the same at 1e6 couriers, and the peak memory of that process;
6. the speed-up of the kernels over a per-agent Mesa implementation of the same movement
   and detection rules at 1e4 couriers (:mod:`benchmarks.mesa_reference`).

Every figure is a median over repeats of whole steps, runs or processes.
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
from sim.simulate import build, evaluate, simulate

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


def build_model(n_couriers: int, engine: str, steps: int, **overrides) -> TraffickingModel:
    """A ``SCENARIO`` model with about ``n_couriers`` couriers (see :func:`courier_overrides`)."""
    cfg = make_config(SCENARIO, seed=SEED, steps=steps, engine=engine,
                      overrides={**courier_overrides(n_couriers), **overrides})
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


# --------------------------------------------------------------------------- 1-2. a year


def time_year(repeats: int) -> dict:
    """A warm default year through ``evaluate`` (median over ``repeats``), its phases, and
    the same year with every run file written (median over 3)."""
    cfg = make_config(SCENARIO, seed=SEED, steps=365)
    evaluate(cfg)  # warm: region, compiled kernels
    seconds = []
    for rep in range(repeats):
        t0 = time.perf_counter()
        evaluate(cfg, {"seed": SEED + rep})
        seconds.append(time.perf_counter() - t0)
    model = build(cfg)
    timer = PhaseTimer(model)
    model.run()
    files = []
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(3):
            t0 = time.perf_counter()
            write_run(simulate(cfg), Path(tmp) / f"run{rep}", OutputConfig("parquet", True))
            files.append(time.perf_counter() - t0)
    return {"evaluate_s": float(np.median(seconds)), "evaluate_all_s": seconds,
            "files_s": float(np.median(files)), "files_all_s": files,
            "plans": timer.plans, "phase_seconds": timer.seconds}


# --------------------------------------------------------------------------- 3. the pool


def time_pool(runs: int, workers: int) -> dict:
    """``runs`` default one-year runs (seeds 0 .. runs-1) through the process pool."""
    from sim.analysis.executor import ProcessExecutor, Task

    cfg = make_config(SCENARIO, seed=SEED, steps=365)
    tasks = (Task(f"seed{i}", {"seed": i}) for i in range(runs))
    t0 = time.perf_counter()
    failed = sum(not out.ok for out in ProcessExecutor(workers).run(cfg, tasks))
    seconds = time.perf_counter() - t0
    return {"runs": runs, "workers": workers, "seconds": seconds, "failed": failed,
            "per_run_s": seconds / runs, "for_1000_s": seconds / runs * 1000}


# --------------------------------------------------------------------------- 4-5. the step


def measure_step(n_couriers: int, warmup: int, days: int) -> dict:
    """Courier-steps per second of whole model steps at about ``n_couriers`` couriers."""
    t0 = time.perf_counter()
    model = build_model(n_couriers, "numba", warmup + days + 10)
    build_s = time.perf_counter() - t0
    model.advance(warmup)
    timer = PhaseTimer(model)
    step_s, slots = [], []
    for _ in range(days):
        slots.append(couriers_in_model(model))
        t0 = time.perf_counter()
        model.step()
        step_s.append(time.perf_counter() - t0)
    per_step = np.asarray(slots) / np.asarray(step_s)
    return {"target": n_couriers, "couriers": int(np.mean(slots)), "build_s": build_s,
            "days": days, "step_ms": float(np.median(step_s) * 1e3),
            "rate": float(np.median(per_step)), "travelling": float(np.mean(timer.movers)),
            "phase_ms": {k: v / days * 1e3 for k, v in timer.seconds.items()}}


def peak_rss_bytes() -> int:
    """This process's peak resident set size (``VmHWM``: its own image since ``exec``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def million_child(days: int) -> None:
    """Body of the fresh 1e6-courier process: measure the step, print JSON."""
    out = measure_step(1_000_000, 2, days)
    out["peak_rss"] = peak_rss_bytes()
    print(json.dumps(out))


def measure_million(days: int) -> dict:
    """The step at 1e6 couriers and the peak memory, in a fresh process."""
    code = f"from benchmarks.bench import million_child; million_child({days})"
    child = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                           capture_output=True, text=True)
    return json.loads(child.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- 6. Mesa


def measure_mesa(n_couriers: int, repeats: int) -> dict:
    """The kernels against the per-agent Mesa reference on one day of movement and
    detection of the same couriers (:mod:`benchmarks.mesa_reference`)."""
    from benchmarks.mesa_reference import MesaCourierModel, kernel_step, step_inputs
    from sim.kernels import get_kernels

    model = build_model(n_couriers, "numba", 100)
    model.advance(10)
    x = step_inputs(model)
    kernels = get_kernels("numba")
    kernel_step(kernels, x)  # compiled
    kernel_s, mesa_s, same = [], [], True
    for _ in range(repeats):
        kernel_s.append(_time_kernels(kernels, x))
        ref = MesaCourierModel(x, seed=len(mesa_s))
        t0 = time.perf_counter()
        ref.step()
        mesa_s.append(time.perf_counter() - t0)
        same &= ref.results() == kernel_step(kernels, x)[0]
    k, m = float(np.median(kernel_s)), float(np.median(mesa_s))
    return {"couriers": couriers_in_model(model), "movers": len(x.movers),
            "kernel_ms": k * 1e3, "mesa_s": m, "speedup": m / k, "identical": bool(same),
            "mesa_agent_steps_per_s": len(x.movers) / m}


def _time_kernels(kernels, x) -> float:
    """Wall time of the two kernels alone on ``x`` (buffers made beforehand)."""
    m = len(x.movers)
    cell = x.cell.copy()
    path = np.empty((m, x.max_hops), np.int32)
    n_hops, arrived = np.zeros(m, np.int32), np.zeros(m, np.bool_)
    flow = np.zeros((x.n_commodities, x.p_detect.shape[0]))
    stamp = np.zeros(len(x.p_detect), np.int64)
    outs = [np.zeros(m, np.int8), np.zeros(m, np.int32), np.zeros(m, np.int32),
            np.zeros(m, np.int32)]
    t0 = time.perf_counter()
    kernels.move_couriers(x.movers, cell, x.org, np.uint64(x.move_base), x.succ, x.succ_hours,
                          x.p_first, float(x.hours_per_day), path, n_hops, arrived)
    kernels.detect_couriers(x.movers, path, n_hops, np.uint64(x.detect_base), x.p_detect,
                            x.bribe_prob, x.escape_prob, x.load, x.commodity,
                            np.zeros(len(x.p_detect), np.int16),
                            np.ones((1, x.n_commodities)), flow, stamp, 1, *outs)
    return time.perf_counter() - t0


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
    return {"code": code, "cpus": os.cpu_count(), "cpu": cpu, "platform": platform.platform(),
            "python": platform.python_version(), "numpy": np.__version__,
            "numba": numba.__version__, "mesa": mesa.__version__,
            "load_average": os.getloadavg()}


def _status(value: float | None, target: dict) -> str:
    if value is None:
        return "not measured"
    if "at_least" in target:
        return "met" if value >= target["at_least"] else "not met"
    return "met" if value <= target["at_most"] else "not met"


def _target(target: dict, fmt) -> str:
    return (f">= {fmt(target['at_least'])}" if "at_least" in target
            else f"<= {fmt(target['at_most'])}")


def target_rows(r: dict) -> list[tuple[str, str, str, str]]:
    """(figure, measured, target, status) for each of the six figures."""
    def sec(x):
        return f"{x:.2f} s"

    def rate(x):
        return f"{x:.1e}/s"

    rows = []
    y, p, s, mil, me = r["year"], r["pool"], r["step"], r["million"], r["mesa"]
    t = TARGETS
    rows.append(("default west_africa year, warm, evaluate (no files)", sec(y["evaluate_s"]),
                 _target(t["year_evaluate_s"], sec), _status(y["evaluate_s"],
                                                             t["year_evaluate_s"])))
    rows.append(("the same with every run file incl. map.png", sec(y["files_s"]),
                 _target(t["year_files_s"], sec), _status(y["files_s"], t["year_files_s"])))
    label = (f"1,000 one-year runs, {p['workers']}-worker pool"
             + ("" if p["runs"] == 1000 else f" (from {p['runs']} runs)"))
    rows.append((label, f"{p['for_1000_s'] / 60:.1f} min", "<= 3.0 min",
                 _status(p["for_1000_s"], t["pool_1000_s"])))
    rows.append((f"full step at 1e5 couriers ({s['step_ms']:.1f} ms/step)", rate(s["rate"]),
                 _target(t["step_rate_1e5"], rate), _status(s["rate"], t["step_rate_1e5"])))
    rows.append((f"full step at 1e6 couriers ({mil['step_ms']:.0f} ms/step)", rate(mil["rate"]),
                 _target(t["step_rate_1e6"], rate), _status(mil["rate"], t["step_rate_1e6"])))
    rows.append(("peak memory at 1e6 couriers", f"{mil['peak_rss'] / 1e9:.2f} GB", "<= 2 GB",
                 _status(mil["peak_rss"], t["memory_1e6_bytes"])))
    rows.append((f"speed-up over per-agent Mesa, 1e4 couriers ({me['movers']:,} moving)",
                 f"{me['speedup']:.0f}x", ">= 100x",
                 _status(me["speedup"], t["mesa_speedup_1e4"])))
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


def report(r: dict) -> None:
    """Print the figures, the phase tables and the targets."""
    m = r["machine"]
    print(f"machine: {m['cpus']} CPUs, {m['cpu']}; {m['platform']}")
    print(f"python {m['python']}, numpy {m['numpy']}, numba {m['numba']}, mesa {m['mesa']}; "
          f"code {m['code']}; load average at start "
          f"{' '.join(f'{x:.2f}' for x in m['load_average'])}\n")
    y = r["year"]
    print(f"1-2. default year (seed {SEED}): evaluate median {y['evaluate_s']:.2f} s over "
          f"{len(y['evaluate_all_s'])} seeds; with files {y['files_s']:.2f} s; "
          f"{y['plans']} route plans. Time per phase of one year (ms):")
    phases = sorted(y["phase_seconds"].items(), key=lambda kv: -kv[1])
    print(table(["phase", "ms"], [[k, f"{v * 1e3:.0f}"] for k, v in phases]))
    p = r["pool"]
    print(f"\n3. pool: {p['runs']} runs in {p['seconds']:.1f} s on {p['workers']} workers "
          f"({p['per_run_s']:.2f} s a run, {p['failed']} failed)")
    for name, s in (("4. 1e5", r["step"]), ("5. 1e6", r["million"])):
        print(f"\n{name} couriers: {s['couriers']:,} slots in use, {s['travelling']:,.0f} "
              f"travelling; median step {s['step_ms']:.1f} ms = {s['rate']:.2e} "
              f"courier-steps/s (build {s['build_s']:.1f} s). Time per phase (ms/step):")
        top = sorted(s["phase_ms"].items(), key=lambda kv: -kv[1])[:10]
        print(table(["phase", "ms/step"], [[k, f"{v:.2f}"] for k, v in top]))
    me = r["mesa"]
    print(f"\n6. Mesa reference: {me['movers']:,} couriers on the road (of {me['couriers']:,}): "
          f"kernels {me['kernel_ms']:.2f} ms, Mesa {me['mesa_s'] * 1e3:.0f} ms "
          f"({me['mesa_agent_steps_per_s']:.1e} agent-steps/s); same results: "
          f"{me['identical']}\n")
    print("Targets:\n")
    print(table(["figure", "measured", "target", "status"], [list(x) for x in r["targets"]]))


def run(quick: bool = False, pool_runs: int | None = None) -> dict:
    """Run every measurement; returns the results."""
    cfg = CONFIGURATIONS["quick" if quick else "full"]
    r: dict = {"machine": machine_info(), "configuration": cfg, "quick": quick}
    print("  1e6 couriers (fresh process) ...", file=sys.stderr)
    r["million"] = measure_million(cfg["million_days"])  # first, while this process is small
    print("  default year ...", file=sys.stderr)
    r["year"] = time_year(cfg["year_repeats"])
    print("  1e5 couriers ...", file=sys.stderr)
    r["step"] = measure_step(cfg["step_couriers"], cfg["step_warmup"], cfg["step_days"])
    print("  Mesa reference ...", file=sys.stderr)
    r["mesa"] = measure_mesa(cfg["mesa_couriers"], cfg["mesa_repeats"])
    runs = pool_runs or cfg["pool_runs"]
    print(f"  {runs} runs through the pool ...", file=sys.stderr)
    r["pool"] = time_pool(runs, cfg["pool_workers"])
    r["targets"] = target_rows(r)
    return r


def main(argv: list[str] | None = None) -> None:
    """Command line: run, print the report, optionally save the figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run of every figure")
    parser.add_argument("--pool-runs", type=int, metavar="N",
                        help="runs through the pool (default: 1000, or 8 with --quick)")
    parser.add_argument("--json", metavar="PATH", type=Path, help="also save the figures")
    args = parser.parse_args(argv)
    results = run(quick=args.quick, pool_runs=args.pool_runs)
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=float))
        print(f"\nfigures saved to {args.json}")


if __name__ == "__main__":
    main()
