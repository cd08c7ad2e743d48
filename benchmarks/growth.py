"""How the step time grows with the number of couriers and with the grid's resolution.

Run from the project root::

    python -m benchmarks.growth              # table, exponents, benchmarks/growth.png
    python -m benchmarks.growth --json g.json

Couriers: the default ``west_africa`` scenario scaled to 1e3 .. 1e6 couriers (as in
:func:`benchmarks.bench.courier_overrides`) at 15 km cells. Grid: the default couriers at
``cell_km`` 30, 15 and 7.5 (the number of cells grows 4x per halving). Each point is the
median of whole ``model.step()`` calls over one 14-day re-planning cycle after a warm-up;
the exponent is the least-squares slope of log(step time) on log(size).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.bench import build_model, couriers_in_model
from benchmarks.configurations import GROWTH, SCENARIO, SEED
from sim.config import make_config
from sim.simulate import build

OUT = Path(__file__).with_name("growth.png")


def step_ms(model, warmup: int, days: int) -> float:
    """Median wall time (ms) of ``days`` steps after ``warmup`` untimed ones."""
    model.advance(warmup)
    times = []
    for _ in range(days):
        t0 = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - t0)
    return float(np.median(times) * 1e3)


def measure() -> dict:
    g = GROWTH
    couriers = []
    for n in g["couriers"]:
        print(f"  {n:,} couriers ...", file=sys.stderr)
        model = build_model(n, "numba", g["warmup"] + g["days"] + 5)
        couriers.append({"target": n, "couriers": couriers_in_model(model),
                         "step_ms": step_ms(model, g["warmup"], g["days"])})
    grids = []
    for km in g["cell_km"]:
        print(f"  cell_km {km:g} ...", file=sys.stderr)
        cfg = make_config(SCENARIO, seed=SEED, steps=g["warmup"] + g["days"] + 5,
                          overrides={"scenario.cell_km": km})
        model = build(cfg)
        grids.append({"cell_km": km, "cells": model.world.n_cells,
                      "couriers": couriers_in_model(model),
                      "step_ms": step_ms(model, g["warmup"], g["days"])})
    x, y = [c["couriers"] for c in couriers], [c["step_ms"] for c in couriers]
    return {"couriers": couriers, "grids": grids, "courier_exponent": slope(x, y),
            "courier_exponent_at_scale": slope(x[-2:], y[-2:]),
            "cell_exponent": slope([c["cells"] for c in grids], [c["step_ms"] for c in grids]),
            "cell_exponent_at_scale": slope([c["cells"] for c in grids][-2:],
                                            [c["step_ms"] for c in grids][-2:])}


def slope(x, y) -> float:
    """Least-squares slope of log(y) on log(x)."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def plot(r: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    for ax, rows, key, xlabel, exponent, tail in (
            (axes[0], r["couriers"], "couriers", "couriers (15 km cells)", r["courier_exponent"],
             r["courier_exponent_at_scale"]),
            (axes[1], r["grids"], "cells", "grid cells (default couriers; cell_km 30, 15, 7.5)",
             r["cell_exponent"], r["cell_exponent_at_scale"])):
        x = np.array([row[key] for row in rows], float)
        y = np.array([row["step_ms"] for row in rows])
        ax.loglog(x, y, "o-", color="#1f6fb4")
        for xi, yi in zip(x, y, strict=True):
            ax.annotate(f"{yi:.1f} ms", (xi, yi), xytext=(4, -10), textcoords="offset points",
                        fontsize=8)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("median step time (ms)")
        ax.set_title(f"step time ~ size^{exponent:.2f} overall, ^{tail:.2f} between the "
                     f"last two points", fontsize=9)
        ax.grid(True, which="both", color="#e6e6e6", lw=0.6)
    fig.suptitle("west_africa: cost of one model step (one day)", fontsize=11)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.growth", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, metavar="PATH")
    args = parser.parse_args(argv)
    r = measure()
    plot(r, OUT)
    print("| couriers | median step (ms) |\n|---:|---:|")
    for row in r["couriers"]:
        print(f"| {row['couriers']:,} | {row['step_ms']:.1f} |")
    print(f"\nexponent (couriers): {r['courier_exponent']:.2f} overall, "
          f"{r['courier_exponent_at_scale']:.2f} between the last two points\n")
    print("| cell_km | cells | couriers | median step (ms) |\n|---:|---:|---:|---:|")
    for row in r["grids"]:
        print(f"| {row['cell_km']:g} | {row['cells']:,} | {row['couriers']:,} | "
              f"{row['step_ms']:.1f} |")
    print(f"\nexponent (cells): {r['cell_exponent']:.2f} overall, "
          f"{r['cell_exponent_at_scale']:.2f} between the last two points\nplot: {OUT}")
    if args.json:
        args.json.write_text(json.dumps(r, indent=1))


if __name__ == "__main__":
    main()
