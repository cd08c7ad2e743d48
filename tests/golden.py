"""Golden outputs: exact results of fixed runs, recorded before a restructuring.

``tests/test_golden.py`` reruns every case below and compares summary, time series and
events exactly (and the flow raster through its SHA-256). A commit that changes behaviour on
purpose regenerates them with::

    python -m tests.golden

and says in its message what changed and why. Cases: ``toy`` for 120 days and
``west_africa`` for 60 days, seeds 1 and 2, the baseline and one package each.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

GOLDEN_DIR = Path(__file__).with_name("golden")
"""Folder of the recorded cases, one sub-folder per case."""

TOY_COUNTRIES = ["AAA", "BBB", "CCC"]


def _toy_policy(lever: str, params: dict) -> dict:
    return {"lever": lever, "countries": TOY_COUNTRIES, "start": 0, "end": None,
            "cost_usd_per_year": 365_000.0, "cost_basis": "golden test", "params": params}


TOY_PACKAGE = {
    "name": "toy_package",
    "description": "Joint operations, intelligence sharing, task forces and livelihoods on the "
                   "three toy countries (golden test).",
    "policies": {
        "joint_operations": _toy_policy("joint_operations", {}),
        "intelligence_sharing": _toy_policy("intelligence_sharing", {"delay_days": 3}),
        "task_forces": _toy_policy("task_forces", {"leader_hit_prob": 0.3}),
        "livelihoods": _toy_policy("livelihoods", {"ramp_days": 60}),
    },
}
"""A package on the toy countries with costs and parameters of its own (fixed since the
golden outputs were first recorded)."""

CASES = {
    f"{scenario}_{package}_seed{seed}": (scenario, package, seed, steps)
    for scenario, packages, steps in (("toy", ("baseline", "toy_package"), 120),
                                      ("west_africa", ("baseline", "security"), 60))
    for package in packages
    for seed in (1, 2)
}
"""Case name -> (scenario, package, seed, steps)."""


def case_config(scenario: str, package: str, seed: int, steps: int):
    """The validated config of one golden case."""
    from sim.config import make_config

    if package == "toy_package":
        return make_config(scenario, seed=seed, steps=steps, overrides={"policy": TOY_PACKAGE})
    return make_config(scenario, policy=package, seed=seed, steps=steps)


def flow_digest(flow: np.ndarray) -> str:
    """SHA-256 of the flow raster's float64 bytes (C order)."""
    return hashlib.sha256(np.ascontiguousarray(flow, np.float64).tobytes()).hexdigest()


def run_case(name: str):
    """Simulate one case; returns (summary, timeseries, events, flow digest)."""
    from sim.simulate import simulate

    result = simulate(case_config(*CASES[name]))
    return result.summary, result.timeseries, result.events, flow_digest(result.flow)


def load_case(name: str):
    """The recorded (summary, timeseries, events, flow digest) of one case."""
    folder = GOLDEN_DIR / name
    record = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return (record["summary"], pd.read_parquet(folder / "timeseries.parquet"),
            pd.read_parquet(folder / "events.parquet"), record["flow_sha256"])


def write_case(name: str) -> None:
    """Simulate one case and record its outputs."""
    summary, ts, events, digest = run_case(name)
    folder = GOLDEN_DIR / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(
        json.dumps({"summary": summary, "flow_sha256": digest}, indent=1) + "\n",
        encoding="utf-8")
    ts.to_parquet(folder / "timeseries.parquet", index=False)
    events.to_parquet(folder / "events.parquet", index=False)


def main(argv: list[str]) -> int:
    names = argv or list(CASES)
    for name in names:
        if name not in CASES:
            print(f"error: unknown case {name!r}; cases: {', '.join(CASES)}", file=sys.stderr)
            return 2
        write_case(name)
        print(f"recorded {GOLDEN_DIR / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
