"""Sweeps through Hydra multirun: resuming, failures, launchers."""

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from tests.paths import ROOT

pytestmark = pytest.mark.slow  # subprocess sweeps

TOY = ["scenario=toy", "output.map=false", "output.format=csv"]


def sweep(*args, cwd, timeout=600):
    return subprocess.run([sys.executable, "-m", "experiments.run", "-m", *TOY, *args],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout)


def summaries(folder):
    return {p.parent.name: p for p in folder.glob("*/summary.csv")}


def test_killed_sweep_finishes_only_the_missing_runs(tmp_path):
    args = ["steps=150", "seed=range(8)", "sweep_name=resume", "hydra.launcher.n_jobs=1"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "experiments.run", "-m", *TOY, *args], cwd=tmp_path,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    folder = tmp_path / "outputs" / "sweeps" / "resume"
    deadline = time.monotonic() + 300
    while len(summaries(folder)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = summaries(folder)
    assert 2 <= len(done) < 8, "the sweep should have been killed midway"
    stamps = {name: p.stat().st_mtime_ns for name, p in done.items()}

    again = sweep(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    final = summaries(folder)
    assert len(final) == 8
    for name, stamp in stamps.items():  # finished runs were not recomputed
        assert final[name].stat().st_mtime_ns == stamp, name
    assert (again.stdout + again.stderr).count("already finished, skipped") == len(stamps)
    assert "8 of 8 runs finished, 0 failed" in again.stderr


def test_a_failed_run_is_recorded_and_the_others_kept(tmp_path):
    proc = sweep("steps=20", "seed=0", "model.route_noise=0.5,-1,0.2", "sweep_name=fail",
                 cwd=tmp_path)
    assert proc.returncode == 1
    folder = tmp_path / "outputs" / "sweeps" / "fail"
    assert len(summaries(folder)) == 2
    (bad,) = [p for p in folder.iterdir() if "route_noise=-1" in p.name]
    error = (bad / "error.txt").read_text()
    assert "model.route_noise = -1" in error and "not allowed" in error
    assert not (bad / "summary.csv").exists()
    assert "1 failed" in proc.stderr and "Traceback" not in proc.stderr


def test_joblib_and_submitit_local_give_identical_summaries(tmp_path):
    common = ["steps=40", "seed=0,1", "policy=baseline"]
    a = sweep(*common, "sweep_name=joblib", cwd=tmp_path)
    assert a.returncode == 0, a.stderr
    b = sweep(*common, "sweep_name=submitit", "hydra/launcher=submitit_local", cwd=tmp_path)
    assert b.returncode == 0, b.stderr
    ja = summaries(tmp_path / "outputs" / "sweeps" / "joblib")
    sb = summaries(tmp_path / "outputs" / "sweeps" / "submitit")
    assert sorted(ja) == sorted(sb) and len(ja) == 2
    for name in ja:
        pd.testing.assert_frame_equal(pd.read_csv(ja[name]), pd.read_csv(sb[name]))


def test_slurm_launcher_config_composes():
    proc = subprocess.run([sys.executable, "-m", "experiments.run", "--cfg", "hydra",
                           "hydra/launcher=slurm"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "SlurmLauncher" in proc.stdout and "array_parallelism: 256" in proc.stdout


def test_comparison_report_gives_the_commands_that_reproduce_it(tmp_path):
    proc = sweep("steps=20", "seed=0,1", "sweep_name=repro", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "outputs" / "sweeps" / "repro"
    cmp = subprocess.run([sys.executable, "-m", "experiments.compare", str(folder)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert cmp.returncode == 0, cmp.stderr
    report = (folder / "comparison" / "report.md").read_text()
    assert "-m experiments.run -m" in report and "seed=0,1" in report
    assert f"hydra.sweep.dir={folder.resolve()}" in report
