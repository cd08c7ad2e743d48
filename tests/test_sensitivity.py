"""Global sensitivity studies: the Ishigami self-check, seeds, resuming, executors, errors."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml

from sim.analysis.sensitivity import analyse
from sim.analysis.study import (
    RESULTS_FILE,
    load_study,
    read_results,
    run_seed,
    run_study,
)
from sim.schema import ConfigError
from tests.paths import CONFIGS, ROOT

ISHIGAMI = {"S1": {"x1": 0.3139, "x2": 0.4424, "x3": 0.0},
            "ST": {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}}
"""Analytic Sobol indices of the Ishigami function, a = 7, b = 0.1 (Saltelli et al. 2008)."""


def study_file(name: str, **changes) -> dict:
    data = yaml.safe_load((CONFIGS / "study" / f"{name}.yaml").read_text())
    data.update(changes)
    return data


def test_ishigami_through_the_pipeline_matches_the_analytic_indices(tmp_path):
    study = load_study(study_file("ishigami", samples=1024))
    run_study(study, tmp_path, progress=False)
    analyse(tmp_path)
    idx = pd.read_csv(tmp_path / "indices.csv")
    for index, expected in ISHIGAMI.items():
        for name, value in expected.items():
            row = idx[(idx["index"] == index) & (idx["parameter"] == name)].iloc[0]
            assert row.ci_low <= value <= row.ci_high, (index, name, row.value, value)
            assert row.ci_high - row.ci_low < 0.25  # and the intervals are informative
    conv = pd.read_csv(tmp_path / "convergence.csv")
    assert sorted(conv["n"].unique()) == [128, 256, 512, 1024]
    assert (tmp_path / "report.html").is_file() and (tmp_path / "indices.png").is_file()


def toy_study(**changes):
    return load_study(study_file("toy", **{"samples": 2, "noise_seeds": 2, **changes}))


def test_every_row_has_its_own_seed(tmp_path):
    study = toy_study()
    run_study(study, tmp_path, progress=False)
    results = read_results(tmp_path)
    seeds = {r["row"]: r["seed"] for r in results.values() if r["row"] >= 0}
    assert len(set(seeds.values())) == len(seeds) == 14  # 2 trajectories x 7 points
    assert seeds[3] == run_seed(study.seed, 3, 0)
    samples = pd.read_csv(tmp_path / "samples.csv")
    assert list(samples["seed_rep0"]) == [seeds[r] for r in range(14)]
    noise = [r["seed"] for r in results.values() if r["row"] < 0]
    assert len(set(noise)) == 2 and not set(noise) & set(seeds.values())


def test_an_effect_runs_package_and_baseline_with_the_same_seed():
    from sim.analysis.study import base_configs, sample, tasks

    study = load_study(study_file("west_africa_key", samples=2))
    todo = tasks(study, sample(study), base_configs(study))
    by_row = {}
    for t in todo:
        row = t.key.split(".")[0]
        by_row.setdefault(row, {})[t.overrides.get("policy", "base")] = t.overrides
    assert len(by_row) == 2 * 14 + 1  # Sobol rows (N (D + 2)) and the noise rows
    for arms in by_row.values():
        assert set(arms) == {"base", "security"}
        assert arms["base"]["seed"] == arms["security"]["seed"]
        assert {k: v for k, v in arms["base"].items() if k != "seed"} == \
            {k: v for k, v in arms["security"].items() if k not in ("seed", "policy")}


def test_a_study_resumes_where_it_stopped(tmp_path):
    args = [sys.executable, "-m", "experiments.sensitivity", "study=toy", "study.samples=8",
            "study.noise_seeds=4", "study.workers=1", f"hydra.run.dir={tmp_path}"]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if (tmp_path / RESULTS_FILE).is_file() and len(read_results(tmp_path)) >= 10:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first = read_results(tmp_path)
    assert 10 <= len(first) < 60, "the study should have been killed midway"
    again = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    final = read_results(tmp_path)
    assert len(final) == 8 * 7 + 4
    lines = (tmp_path / RESULTS_FILE).read_text().splitlines()
    keys = [json.loads(ln)["key"] for ln in lines if ln.strip().endswith("}")]
    assert len(keys) == len(set(keys)) == len(final)  # nothing was run twice
    for key, record in first.items():
        assert final[key] == record
    assert f"{len(first)} runs were already done, {len(final) - len(first)} finished now" \
        in again.stderr


def test_a_resumed_study_runs_again_what_another_model_made(tmp_path, monkeypatch):
    """A saved run is reused only for the same run (its digest: the arm's whole config and
    the task's overrides). After the model changed, a rerun of the folder runs every task
    again, once; a saved run with no digest (or another) is not trusted either."""
    import sim.analysis.study as studies

    study = load_study(study_file("ishigami", samples=8))
    assert run_study(study, tmp_path, progress=False)[1:] == (8 * 5 + study.noise_seeds, 0)
    n = len(read_results(tmp_path))
    assert run_study(study, tmp_path, progress=False) == (n, 0, 0)
    real = studies.digester
    monkeypatch.setattr(studies, "digester", lambda base: real({**base, "b": 0.2}))
    assert run_study(study, tmp_path, progress=False) == (0, n, 0)
    assert run_study(study, tmp_path, progress=False) == (n, 0, 0)
    path = tmp_path / RESULTS_FILE
    path.write_text(path.read_text().replace('"digest"', '"old"'))
    assert run_study(study, tmp_path, progress=False) == (0, n, 0)


@pytest.mark.slow
def test_dask_gives_the_same_indices_as_the_process_pool(tmp_path):
    pytest.importorskip("dask.distributed")
    results = {}
    for executor in ("process", "dask"):
        folder = tmp_path / executor
        run_study(toy_study(executor=executor), folder, progress=False)
        analyse(folder)
        results[executor] = pd.read_csv(folder / "indices.csv")
    pd.testing.assert_frame_equal(results["process"], results["dask"])


def test_failed_runs_are_recorded_reported_and_retried(tmp_path):
    # travel_hours_per_day below ~2.9 h cannot cross one 25 km toy cell off-road: those
    # rows fail validation when the world is built
    data = study_file("toy", samples=2, noise_seeds=0)
    data["parameters"] = {"model.travel_hours_per_day": {"lo": 1.0, "hi": 12.0},
                          "model.post_detection_prob": {"lo": 0.05, "hi": 0.2}}
    study = load_study(data)
    before, done, failed = run_study(study, tmp_path, progress=False)
    assert failed > 0 and done + failed == 6
    lines = (tmp_path / "failures.jsonl").read_text().splitlines()
    assert len(lines) == failed
    assert "travel_hours_per_day" in json.loads(lines[0])["error"]
    analyse(tmp_path)
    report = (tmp_path / "report.md").read_text()
    assert "sample rows have no result" in report
    before, done, again = run_study(study, tmp_path, progress=False)
    assert before == 6 - failed and again == failed  # failed runs are tried again


@pytest.mark.parametrize("change, needle", [
    ({"parameters": {"model.post_detection_prob": {"lo": 0.5, "hi": 1.5},
                     "model.risk_learning_rate": {"lo": 0.1, "hi": 0.2}}},
     "study.parameters.model.post_detection_prob.hi = 1.5 is not allowed: "
     "model.post_detection_prob must lie in [0, 1]"),
    ({"parameters": {"model.route_nosie": {"lo": 0.0, "hi": 1.0},
                     "model.risk_learning_rate": {"lo": 0.1, "hi": 0.2}}},
     "study.parameters.model.route_nosie is not allowed: no such field"),
    ({"method": "sobol", "samples": 100}, "study.samples = 100 is not allowed: Sobol needs a "
                                          "power of 2"),
    ({"outputs": ["arests"]}, "study output 'arests' (outputs or effects, entry 0) is not "
                              "allowed"),
    ({"method": "fast99"}, "study.method = 'fast99' is not allowed: must be one of"),
])
def test_bad_study_values_are_refused_in_one_line(change, needle):
    with pytest.raises(ConfigError) as err:
        load_study(study_file("toy", **change))
    assert str(err.value).startswith(needle) and "\n" not in str(err.value)


def test_a_bad_study_on_the_command_line_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "study"
    proc = subprocess.run([sys.executable, "-m", "experiments.sensitivity", "study=toy",
                           "study.samples=0", f"hydra.run.dir={out}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "error: study.samples = 0 is not allowed: must be an integer in [2, 1e+06]"]
    assert not out.exists()


def test_a_folder_holding_another_study_is_refused(tmp_path):
    run_study(toy_study(), tmp_path, progress=False)
    with pytest.raises(ConfigError, match="holds another study"):
        run_study(toy_study(seed=8), tmp_path, progress=False)


def test_evaluate_wrapped_as_an_ema_workbench_model():
    pytest.importorskip("ema_workbench")
    from experiments.ema_workbench import OUTCOMES, UNCERTAINTIES, run, trafficking

    experiments, outcomes = run(4, steps=20)
    assert len(experiments) == 4 and set(outcomes) == set(OUTCOMES)
    first = experiments.iloc[0]
    again = trafficking("toy", 20, int(first["seed"]),
                        **{k: float(first[k]) for k in UNCERTAINTIES})
    assert again == {k: float(outcomes[k][0]) for k in OUTCOMES}  # seeds are experiment data
    assert experiments["seed"].nunique() == 4


def test_a_new_study_in_a_used_folder_replaces_the_sample_left_there(tmp_path):
    """A folder whose study file was removed (a changed study rerun in place) keeps no
    samples.csv of the study before: the analysis reads the sample the runs were made of."""
    from sim.analysis.study import prepare

    (tmp_path / "samples.csv").write_text("row,old_parameter\n0,1.0\n")
    study = load_study(study_file("ishigami", samples=8))
    matrix, _, _ = prepare(study, tmp_path)
    saved = pd.read_csv(tmp_path / "samples.csv")
    assert list(saved.columns[1:1 + len(study.parameters)]) == list(study.parameters)
    assert saved[list(study.parameters)].to_numpy() == pytest.approx(matrix)
