"""Benchmark sizes and DESIGN.md §6 targets, kept as data for :mod:`benchmarks.bench`.

Timed step counts are multiples of the default route re-planning interval (14 days), so
every timed window holds the same number of route plans per organisation (one per 14 days)
and the speed-up compares like with like: route planning costs far more per step than
anything else at small sizes.
"""

SCENARIO = "west_africa"
"""The scenario every benchmark runs (the real grid, 173 x 204 cells at 15 km)."""

SEED = 1

CONFIGURATIONS = {
    "full": {
        "warmup_steps": 3,
        "couriers": (1_000, 10_000, 100_000),
        # timed steps per engine and courier count (about 2-10 s each on 2 vCPUs; the
        # python reference at 1e5 takes about 20 s for one 14-day re-planning cycle)
        "timed_steps": {
            "numba": {1_000: 252, 10_000: 196, 100_000: 84},
            "python": {1_000: 14, 10_000: 14, 100_000: 14},
        },
        "year_steps": 365,
        "memory_couriers": 100_000,
        # a few steps, and a longer run that shows whether memory grows with time
        "memory_steps": (5, 100),
    },
    "quick": {
        "warmup_steps": 3,
        "couriers": (10_000,),
        "timed_steps": {"numba": {10_000: 28}, "python": {10_000: 14}},
        "year_steps": 30,
        "memory_couriers": 100_000,
        "memory_steps": (2,),
    },
}
"""``--quick`` selects ``"quick"`` (a smoke run; its year is not a full year)."""

TARGETS = {
    "courier_steps_per_s": {"couriers": 100_000, "at_least": 1e7},
    "speedup": {"couriers": 10_000, "at_least": 100.0},
    "year_seconds": {"steps": 365, "at_most": 2.0},
    "peak_memory_bytes": {"couriers": 100_000, "at_most": 1e9},
}
"""DESIGN.md §6: >= 1e7 courier-steps/s at 1e5 couriers; >= 100x the reference at 1e4;
<= 2 s warm for build + run + write of the default year; <= 1 GB at 1e5 couriers."""
