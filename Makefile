# The two commands of the README. Both set everything up first (scripts/setup.sh).
.PHONY: run test setup bench

setup:
	@./scripts/setup.sh

# Main job: one simulated year of the default West Africa scenario (table, events, map).
run: setup
	.venv/bin/python -m experiments.run seed=1

# The test suite (what CI runs).
test: setup
	.venv/bin/python -m pytest

# Performance figures of DESIGN.md §6 (not part of the tests).
bench: setup
	.venv/bin/python -m benchmarks.bench
