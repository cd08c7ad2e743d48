"""Every shipped policy package runs on every shipped scenario.

Policy files name country groups (``all``, ``corridor``, ...) that every scenario defines,
and target commodities by kind, so a package written once runs in any region.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.config import available, make_config
from sim.simulate import simulate
from tests.paths import ROOT

SCENARIOS = available("scenario")
PACKAGES = available("policy")


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_package_runs_on_every_scenario(scenario):
    for package in PACKAGES:
        config = make_config(scenario, policy=package, seed=1, steps=5)
        result = simulate(config)
        assert result.summary["steps_run"] == 5
        policies = config.policy.policies
        if policies:  # every policy's countries resolve to core countries, and it costs
            assert result.summary["policy_cost_usd_per_year"] > 0, (scenario, package)
            for name in policies:
                assert result.summary[f"policy_cost_usd_per_year.{name}"] > 0, (package, name)


@pytest.mark.slow
def test_a_shipped_package_runs_on_the_toy_scenario_from_the_command_line(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "experiments.run", "scenario=toy",
                           "policy=joint_operations", "steps=10", "output.map=false",
                           f"hydra.run.dir={out}"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (out / "summary.csv").is_file()


@pytest.mark.slow
def test_central_asia_moves_heroin_and_methamphetamine_north_across_the_afghan_border():
    result = simulate(make_config("central_asia", seed=1, steps=90))
    s = result.summary
    assert s["delivered_heroin"] > 0 and s["delivered_methamphetamine"] > 0
    # loads start in Afghanistan (a context country) and cross its northern neighbours
    assert min(s["flow_share.TJK"] + s["flow_share.UZB"] + s["flow_share.TKM"],
               s["flow_share.KAZ"]) > 0.05
    assert s["arrests"] > 0
