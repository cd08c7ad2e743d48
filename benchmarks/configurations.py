"""Benchmark sizes and DESIGN.md §6 targets, kept as data for :mod:`benchmarks.bench`."""

SCENARIO = "west_africa"
"""The scenario every benchmark runs (the real grid, 173 x 204 cells at 15 km)."""

SEED = 1

CONFIGURATIONS = {
    "full": {
        "year_repeats": 5,          # warm default years timed (the median is reported)
        "pool_runs": 1000,          # one-year runs through the 2-worker process pool
        "pool_workers": 2,
        "step_couriers": 100_000,   # the full-step rate figure
        "step_warmup": 3,
        "step_days": 28,
        "million_days": 7,          # steps timed at 1e6 couriers (fresh process)
        "mesa_couriers": 10_000,    # the per-agent Mesa comparison
        "mesa_repeats": 3,
    },
    "quick": {
        "year_repeats": 2,
        "pool_runs": 8,
        "pool_workers": 2,
        "step_couriers": 100_000,
        "step_warmup": 2,
        "step_days": 5,
        "million_days": 2,
        "mesa_couriers": 10_000,
        "mesa_repeats": 1,
    },
}
"""``--quick`` selects ``"quick"`` (a smoke run: its pool is not 1,000 runs)."""

GROWTH = {
    "couriers": (1_000, 10_000, 100_000, 1_000_000),
    "cell_km": (30.0, 15.0, 7.5),
    "days": 14,       # steps timed per point (one re-planning cycle)
    "warmup": 3,
}
"""Points of the cost-growth measurement (``python -m benchmarks.growth``)."""

TARGETS = {
    "year_evaluate_s": {"at_most": 0.3},
    "year_files_s": {"at_most": 1.0},
    "pool_1000_s": {"at_most": 180.0},
    "step_rate_1e5": {"at_least": 2e7},
    "step_rate_1e6": {"at_least": 2e7},
    "memory_1e6_bytes": {"at_most": 2e9},
    "mesa_speedup_1e4": {"at_least": 100.0},
}
"""DESIGN.md §6 and the issue "Studies of thousands of runs on a laptop"."""
