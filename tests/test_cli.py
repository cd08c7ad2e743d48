"""The single-run command line: outputs, reproducibility, clean errors."""

import subprocess
import sys

import pandas as pd
import pytest

from tests.paths import ROOT

pytestmark = pytest.mark.slow  # each test starts the command line in a subprocess


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "experiments.run", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    proc = run_cli("scenario=toy", "seed=4", "steps=30", f"hydra.run.dir={out}")
    assert proc.returncode == 0, proc.stderr
    return out


def test_single_run_writes_every_output(toy_run):
    for name in ("timeseries.parquet", "events.parquet", "flow.npz", "config.yaml", "map.png",
                 "summary.csv", "summary.json", ".hydra/config.yaml"):
        assert (toy_run / name).is_file(), name
    assert (toy_run / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = pd.read_csv(toy_run / "summary.csv")
    assert len(summary) == 1 and summary.loc[0, "seed"] == 4
    assert summary.loc[0, "config.scenario.name"] == "toy"
    ts = pd.read_parquet(toy_run / "timeseries.parquet")
    assert len(ts) == 30 and (ts["seed"] == 4).all()
    assert not list(toy_run.glob("*.tmp")) and not list(toy_run.glob(".*.tmp"))


def test_same_seed_same_files_across_processes(toy_run, tmp_path):
    proc = run_cli("scenario=toy", "seed=4", "steps=30", "output.map=false",
                   f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr
    for name in ("timeseries.parquet", "events.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(toy_run / name),
                                      pd.read_parquet(tmp_path / name))
    a = pd.read_csv(toy_run / "summary.csv").drop(columns=["config.engine"], errors="ignore")
    b = pd.read_csv(tmp_path / "summary.csv").drop(columns=["config.engine"], errors="ignore")
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("override, needle", [
    ("steps=-5", "steps = -5 is not allowed: must be an integer in [1, 36500]"),
    ("model.escape_prob=2", "model.escape_prob = 2.0 is not allowed: must be a number in [0, 1]"),
    ("scenario.cell_km=abc", "scenario.cell_km = 'abc' is not allowed"),
    ("output.format=xlsx", "output.format = 'xlsx' is not allowed: must be one of"),
    ("shock=afghan_opium_ban", "shock.changes[0].where[0] = 'heroin' is not allowed"),
    ("shock.start=-3", "shock.start = -3 is not allowed: must be an integer in [0, 36500]"),
])
def test_bad_value_exits_with_one_clear_line(tmp_path, override, needle):
    out = tmp_path / "run"
    proc = run_cli("scenario=toy", override, f"hydra.run.dir={out}")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines == [f"error: {lines[0].removeprefix('error: ')}"]
    assert needle in lines[0]
    assert not out.exists()


def test_cfg_job_prints_the_resolved_config():
    proc = run_cli("scenario=toy", "--cfg", "job")
    assert proc.returncode == 0
    assert "cell_km: 25.0" in proc.stdout and "route_noise" in proc.stdout
