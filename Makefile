# The two commands of the README. Both set everything up first (scripts/setup.sh).
.PHONY: run test setup bench

setup:
	@./scripts/setup.sh

# Main job: the planners' comparison on the default West Africa scenario -- the baseline and
# the three shipped packages, 20 paired replications each (a one-year run each, in parallel),
# then the comparison report. Rerunning finishes only missing runs.
PACKAGES ?= baseline,security,security_livelihoods,rule_of_law
REPLICATIONS ?= 20
run: setup
	.venv/bin/python -m experiments.run -m policy=$(PACKAGES) 'seed=range($(REPLICATIONS))' \
		output.map=false sweep_name=main
	.venv/bin/python -m experiments.compare outputs/sweeps/main

# The test suite (what CI runs), spread over the machine's cores (pytest-xdist).
test: setup
	.venv/bin/python -m pytest -n auto

# Performance figures of DESIGN.md §6 (not part of the tests).
bench: setup
	.venv/bin/python -m benchmarks.bench
