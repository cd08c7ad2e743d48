"""Stylized facts for the docs: each fact's two arms on the default scenario, paired by seed.

    python -m experiments.stylized_facts                    # every fact, its own seeds
    python -m experiments.stylized_facts --facts incapacitation --seeds 10 --no-leaders

Writes ``docs/stylized_facts/<fact>.csv`` (one row per run) and ``<fact>.png`` (drawn from
the CSV), and prints each fact's paired changes; then the leader-disruption experiment
(fact 5: ``leader_disruption.csv`` and ``.png``, both capacity exponents).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sim.analysis.compare import t_interval
from sim.analysis.stylized import (
    FACTS,
    paired,
    plot_fact,
    plot_leader_disruption,
    run_fact,
    run_leader_disruption,
)
from sim.atomic import write_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", nargs="+", default=list(FACTS), choices=list(FACTS))
    parser.add_argument("--seeds", type=int, default=None,
                        help="seeds 1..N (default: each fact's own, as its test runs; 6 for "
                             "the leader disruption)")
    parser.add_argument("--out", type=Path, default=Path("docs/stylized_facts"))
    parser.add_argument("--no-leaders", dest="leaders", action="store_false",
                        help="skip the leader-disruption experiment (fact 5)")
    args = parser.parse_args(argv)
    if args.seeds is not None and args.seeds < 2:
        print("error: --seeds must be >= 2 (intervals need two paired seeds)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.facts:
        table = run_fact(name, None if args.seeds is None else range(1, args.seeds + 1))
        csv = args.out / f"{name}.csv"
        write_text(csv, table.to_csv(index=False, float_format="%.6g"))
        table = pd.read_csv(csv)  # the figure is drawn from the saved results
        plot_fact(table, name, args.out / f"{name}.png")
        arms = FACTS[name].arms
        for col in [c for c in table.columns if c not in ("arm", "seed")]:
            iv = t_interval(paired(table, col, arms).to_numpy())
            print(f"{name}: {col} {iv.mean:+.4g} [{iv.low:+.4g}, {iv.high:+.4g}]")
    if args.leaders:
        table = run_leader_disruption(range(1, (args.seeds or 6) + 1))
        csv = args.out / "leader_disruption.csv"
        write_text(csv, table.to_csv(index=False, float_format="%.6g"))
        plot_leader_disruption(pd.read_csv(csv), args.out / "leader_disruption.png")
        print(table.groupby(["exponent", "leader_hit_prob"])[["leaders_lost",
                                                              "capacity_lost"]].mean())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
