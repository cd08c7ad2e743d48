"""Shock figures for the docs: each shipped shock against the baseline, paired by seed.

    python -m experiments.shock_figures                      # every shock, 5 seeds, 365 days
    python -m experiments.shock_figures --shocks afghan_opium_ban --seeds 10

Writes ``docs/shocks/<shock>.csv`` (the daily series of every run) and
``docs/shocks/<shock>.png`` (drawn from the CSV) with a one-line change per series.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sim.analysis.shocks import (
    FIGURES,
    later_changes,
    paired_change,
    plot_pairs,
    run_pairs,
    shock_mapping,
)
from sim.atomic import write_text
from sim.schema import ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shocks", nargs="+", default=list(FIGURES), choices=list(FIGURES))
    parser.add_argument("--seeds", type=int, default=5, help="seeds 1..N (default 5)")
    parser.add_argument("--steps", type=int, default=365, help="days per run (default 365)")
    parser.add_argument("--out", type=Path, default=Path("docs/shocks"))
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.steps < 1:
        print("error: --seeds and --steps must be >= 1", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.shocks:
        try:
            table = run_pairs(name, range(1, args.seeds + 1), steps=args.steps)
        except ConfigError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        csv = args.out / f"{name}.csv"
        write_text(csv, table.to_csv(index=False, float_format="%.6g"))
        table = pd.read_csv(csv)  # the figure is drawn from the saved results
        units = dict(zip(FIGURES[name].series, FIGURES[name].units, strict=True))
        mapping = shock_mapping(name)
        plot_pairs(table, name, mapping["description"], args.out / f"{name}.png", units,
                   marks=later_changes(mapping))
        for col in FIGURES[name].series:
            change = paired_change(table, col)["change"]
            print(f"{name}: {col} {change.mean():+.1%} while in force "
                  f"(seeds {change.min():+.1%} .. {change.max():+.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
