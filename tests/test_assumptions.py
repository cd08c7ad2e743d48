"""The comparison's caveats name the assumptions each effect rests on, from a saved study
(sim.analysis.assumptions): a synthetic study whose effect depends on one parameter only."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from sim.analysis.assumptions import (
    effect_caveats,
    parameter_label,
    read_effect_study,
    stale_runs,
)
from sim.analysis.executor import digester
from sim.analysis.sensitivity import analyse, cautions, findings, null_parameters
from sim.analysis.study import BASE_ARM, RESULTS_FILE, load_study, prepare
from tests.paths import ROOT

STUDY = {
    "name": "toy_effects", "description": "synthetic", "scenario": "toy", "policy": "baseline",
    "steps": 20, "method": "morris", "samples": 12, "seed": 5, "noise_seeds": 6,
    "parameters": {"model.post_detection_prob": {"lo": 0.05, "hi": 0.2},
                   "model.risk_learning_rate": {"lo": 0.1, "hi": 0.6},
                   "model.mla_delay_days": {"lo": 60, "hi": 360},
                   "policy.policies.livelihoods.params.income_gain": {"lo": 0.1, "hi": 0.6}},
    "outputs": ["delivered_fuel"],
    "effects": {"security_fuel": {"metric": "delivered_fuel", "package": "security"},
                "security_arrests": {"metric": "arrests", "package": "security"},
                "both_fuel": {"metric": "delivered_fuel", "package": "security_livelihoods"}},
}


def fake_outputs(arm: str, overrides: dict, rng: np.random.Generator) -> dict:
    """Fuel falls under a package in proportion to post detection, and under
    security_livelihoods also to the income gain (which only that arm has); arrests change
    by noise only, a noise that grows away from the base point."""
    fuel = 1e6 + 1e3 * rng.normal()
    if arm != BASE_ARM:
        fuel -= 4e6 * overrides.get("model.post_detection_prob", 0.1)
    if arm == "security_livelihoods":
        fuel -= 1e6 * overrides.get("policy.policies.livelihoods.params.income_gain", 0.3)
    # the arrests' noise grows away from the base point (post detection 0.1): eleven times
    # as large at the sample's edge, which the base point's seeds do not see
    spread = 1.0 + 100.0 * abs(overrides.get("model.post_detection_prob", 0.1) - 0.1)
    return {"delivered_fuel": fuel, "arrests": 100.0 + 5.0 * spread * rng.normal()}


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("toy_effects")
    study = load_study(STUDY)
    _, todo, configs = prepare(study, folder)
    by_arm = {arm: digester(c) for arm, c in configs.items()}
    rng = np.random.default_rng(1)
    with open(folder / RESULTS_FILE, "w", encoding="utf-8") as f:
        for t in todo:
            arm = t.overrides.get("policy", BASE_ARM)
            row, rep, _ = t.key.split(".", 2)
            record = {"key": t.key, "row": -1 if row == "noise" else int(row[3:]),
                      "rep": int(rep[3:]), "arm": arm, "seed": t.overrides["seed"],
                      "outputs": fake_outputs(arm, t.overrides, rng),
                      "digest": by_arm[arm](t.overrides)}
            f.write(json.dumps(record) + "\n")
    analyse(folder)
    return folder


def test_the_effect_is_said_to_rest_on_the_one_parameter_it_depends_on(study_dir):
    reading = read_effect_study(study_dir, "toy", 20, "baseline")
    assert reading.usable, reading.why_not
    named = [p for p, _ in reading.ranking[("security", "delivered_fuel")]]
    assert named == ["model.post_detection_prob"]
    assert reading.ranking[("security", "arrests")] == []
    # the income gain enters neither arm of security's effects: null, never named; it
    # enters security_livelihoods' and is named there
    assert [p for p, _ in reading.ranking[("security_livelihoods", "delivered_fuel")]] == [
        "model.post_detection_prob", "policy.policies.livelihoods.params.income_gain"]
    lines = effect_caveats(reading, {"security": [("delivered_fuel", "fuel delivered"),
                                                  ("arrests", "arrests"),
                                                  ("delivered_gold", "gold delivered")]})
    assert "Morris screening of 4 uncertain parameters" in lines[0]
    # fuel falls by 4e6 x post detection (0.05-0.2) of 1e6 in every row: about -20 % to -80 %
    n, neg, pos, lo, hi = reading.spread[("security", "delivered_fuel")]
    assert n == 60 and neg == 60 and pos == 0 and -81 < lo < hi < -19
    fuel, arrests, gold = lines[1].removeprefix("security — ").split("; ")
    assert re.fullmatch(r"fuel delivered falls in 60 of 60 rows \(-\d+ % to -\d+ %\), resting "
                        r"most on post detection prob", fuel)
    assert re.fullmatch(r"arrests (falls|rises) in \d+ of 60 rows \([-+]\d+ % to [-+]\d+ %\)",
                        arrests)
    assert gold == "gold delivered: not in the study."
    quiet = effect_caveats(reading, {"security": [("arrests", "arrests")]})
    assert quiet[1].endswith("No assumption is told apart from the noise for these effects.")


def test_a_parameter_that_enters_neither_arm_is_null_and_sets_the_noise_floor(study_dir):
    find = pd.read_csv(study_dir / "indices.csv")
    find = findings(load_study(STUDY), find, None, null_parameters(load_study(STUDY)))
    verdict = find.set_index(["output", "parameter"])["verdict"]
    gain = "policy.policies.livelihoods.params.income_gain"
    assert verdict[("effect.security_fuel", gain)] == "null"
    assert verdict[("effect.security_arrests", gain)] == "null"
    assert verdict[("effect.both_fuel", gain)] == "matters"
    # arrests are noise under the package: nothing clears the null parameter's index
    assert "matters" not in set(verdict["effect.security_arrests"])
    report = (study_dir / "report.md").read_text()
    assert "marked 'null'" in report
    # the null parameter shows the arrests' noise the base point misses; fuel's it does not
    caution = cautions(load_study(STUDY), pd.read_csv(study_dir / "indices.csv"),
                       pd.read_csv(study_dir / "noise.csv"), null_parameters(load_study(STUDY)))
    assert "enter neither arm reach" in caution["effect.security_arrests"]
    assert "enter neither arm" not in caution["effect.security_fuel"]
    assert "enter neither arm reach" in report


def test_a_study_of_another_horizon_or_base_package_is_not_used(study_dir):
    for args, needle in ((("toy", 365, "baseline"), "days 20, not 365"),
                         (("west_africa", 20, "baseline"), "scenario 'toy', not 'west_africa'"),
                         (("toy", 20, "security"), "base package 'baseline'")):
        reading = read_effect_study(study_dir, *args)
        assert not reading.usable and needle in reading.why_not
        line, = effect_caveats(reading, {"security": [("delivered_fuel", "fuel delivered")]})
        assert "is not used" in line and "experiments.sensitivity study=toy_effects" in line


def test_a_study_made_by_another_model_is_not_used(study_dir, tmp_path):
    folder = tmp_path / "copy"
    folder.mkdir()
    for f in study_dir.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    assert stale_runs(folder) == (len((folder / RESULTS_FILE).read_text().splitlines()), 0)
    lines = (folder / RESULTS_FILE).read_text().splitlines()
    first = json.loads(lines[0]) | {"digest": "0" * 20}
    (folder / RESULTS_FILE).write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    reading = read_effect_study(folder, "toy", 20, "baseline")
    assert not reading.usable
    assert f"1 of {len(lines)} saved runs" in reading.why_not


def test_no_study_says_so(tmp_path):
    assert read_effect_study(tmp_path, "toy", 20, "baseline") is None
    line, = effect_caveats(None, {})
    assert "No sensitivity study" in line


def test_parameter_labels_are_short_and_readable():
    assert parameter_label("model.post_detection_prob") == "post detection prob"
    assert parameter_label("policy.policies.joint_operations.params.joint_post_gain") == (
        "joint_operations: joint post gain")
    assert parameter_label("scenario.commodities.fuel.load_median") == "fuel load median"
    assert parameter_label("scenario.countries.NGA.court_cases_per_day") == (
        "NGA court cases per day")


def test_the_shipped_effects_study_is_current_and_covers_the_main_job():
    """The main job's report reads docs/sensitivity/west_africa_effects: it must be made by
    today's configuration (a config change reruns it, as a behaviour change regenerates the
    golden outputs)
    and hold every package of ``make run`` on every delivered commodity, arrests and
    convictions."""
    folder = ROOT / "docs" / "sensitivity" / "west_africa_effects"
    reading = read_effect_study(folder, "west_africa", 365, "baseline", ROOT)
    assert reading is not None and reading.usable, (
        f"{reading.why_not if reading else 'no study'}; rerun: "
        f"{reading.command if reading else ''}")
    make = (ROOT / "Makefile").read_text()
    packages = re.search(r"^PACKAGES \?= (.+)$", make, re.M).group(1).split(",")
    for package in packages[1:]:
        for metric in ("delivered_fuel", "delivered_cocaine", "delivered_gold", "arrests",
                       "convictions", "trafficker_revenue_usd"):
            assert (package, metric) in reading.studied, (package, metric)


@pytest.mark.slow
def test_the_shipped_effects_study_reproduces_with_the_current_code():
    """A saved run's digest covers its config, not the code: rerun two of the shipped
    study's runs (a sample row's baseline and package arms) and find the saved outputs
    exactly. A behaviour change fails here until the study is rerun."""
    from sim.analysis.sensitivity import load
    from sim.analysis.study import base_configs, evaluate_arm, sample, tasks

    folder = ROOT / "docs" / "sensitivity" / "west_africa_effects"
    data = load(folder)
    configs = base_configs(data.study)
    todo = {t.key: t for t in tasks(data.study, sample(data.study), configs)}
    for key in ("row000007.rep000.base", "row000007.rep000.security"):
        saved = data.results[key]["outputs"]
        again = evaluate_arm(configs, todo[key].overrides)
        assert {k: again[k] for k in saved} == saved, key
