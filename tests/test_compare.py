"""Policy comparison of a sweep (sim.compare, sim.report, experiments.compare) on synthetic
sweeps whose effects are known exactly."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from experiments.compare import Progress, main
from sim.analysis.compare import (
    CompareError,
    compare,
    compare_flows,
    find_runs,
    load_sweep,
    t_interval,
    timeseries_bands,
)
from sim.analysis.report import fmt_num, write_atomic
from sim.region import build_region
from tests.paths import ROOT

SHAPE = build_region("toy", 25.0).shape
"""(ny, nx) of the toy region at its default 25 km cells."""

STEPS = 20


def seed_draws(seed: int, stream: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


def baseline_metrics(seed: int) -> dict:
    """Outcomes of a synthetic baseline run: noisy, different for every seed."""
    rng = seed_draws(seed)
    return {"delivered_cocaine": 5000 + 400 * rng.normal(),
            "seized_cocaine": 500 + 50 * rng.normal(),
            "delivered_fuel": 4e5 + 2e4 * rng.normal(),
            "seized_fuel": 1e4 + 1e3 * rng.normal(),
            "arrests": float(30 + rng.integers(-5, 6)),
            "trafficker_revenue_usd": 1.2e8 + 1e7 * rng.normal(),
            "participation_end": 0.05 + 0.005 * rng.normal(),
            "trust_end": 0.45 + 0.01 * rng.normal(),
            "escapes_across_border": 0.0}


def write_run(folder: Path, policy: str | None, seed: int, metrics: dict, *,
              cost_usd: float | None = None, flow_extra: float = 0.0) -> Path:
    """A finished synthetic run folder: summary.csv, timeseries.csv, flow.npz, config.yaml."""
    folder.mkdir(parents=True)
    summary = {"config.seed": seed, "config.steps": STEPS, "config.engine": "numba",
               "config.scenario.name": "toy", "config.scenario.region": "toy",
               "config.scenario.cell_km": 25.0,
               "config.scenario.commodities.cocaine.unit": "kg",
               "config.scenario.commodities.fuel.unit": "L"}
    if policy is not None:
        summary["config.policy.name"] = policy
    summary |= {"seed": seed, "steps_run": STEPS, **metrics}
    if cost_usd is not None:
        summary["policy_cost_usd"] = cost_usd
        summary["policy_cost_usd_per_year"] = cost_usd * 365 / STEPS
    rng = seed_draws(seed, 1)
    days = np.arange(1, STEPS + 1)
    ts = pd.DataFrame({"step": days, "seed": seed})
    for name in ("delivered_cocaine", "seized_cocaine", "delivered_fuel", "seized_fuel",
                 "arrests"):
        ts[name] = metrics[name] / STEPS
    ts["pending_cases"] = days * 0.5
    ts["participation"] = metrics["participation_end"]
    ts["trust"] = metrics["trust_end"]
    ts.to_csv(folder / "timeseries.csv", index=False)
    flow = rng.gamma(1.0, 100.0, size=(2, *SHAPE))
    flow[0, 5, 5] += flow_extra
    np.savez_compressed(folder / "flow.npz", flow=flow, commodities=np.array(["cocaine", "fuel"]),
                        lon0=0.0, lat0=0.0, dlon=0.2247, dlat=0.2261, cell_km=25.0)
    (folder / "config.yaml").write_text(
        f"seed: {seed}\npolicy:\n  name: {policy}\n  description: synthetic {policy}\n"
        f"  policies: {{}}\n" if policy != "plus100" else
        f"seed: {seed}\npolicy:\n  name: plus100\n  description: adds exactly 100 kg\n"
        f"  policies:\n    patrols:\n      lever: joint_operations\n      countries: [AAA, BBB]\n"
        f"      start: 0\n      end: null\n      cost_usd_per_year: 91250.0\n"
        f"      cost_basis: synthetic test figure\n      params: {{pursuit_km: 30}}\n")
    pd.DataFrame([summary]).to_csv(folder / "summary.csv", index=False)
    return folder


def noise_metrics(seed: int) -> dict:
    """Same distribution as the baseline, independent draws (no effect)."""
    return baseline_metrics(seed + 1000)


def plus100_metrics(seed: int) -> dict:
    """The baseline of the same seed with exactly +100 kg cocaine seized, -1e6 USD revenue."""
    m = baseline_metrics(seed)
    m["seized_cocaine"] += 100.0
    m["trafficker_revenue_usd"] -= 1e6
    return m


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    """8 seeds of baseline, plus100 and noise; one failed and one unfinished run.

    Folder names do not sort in seed order, so pairing by position would be wrong.
    """
    root = tmp_path_factory.mktemp("sweep")
    for seed in range(8):
        tag = f"{(seed * 5) % 8}"
        write_run(root / "multirun" / f"job{tag}_b", "baseline", seed, baseline_metrics(seed),
                  cost_usd=0.0)
        write_run(root / "multirun" / f"job{(seed * 3 + 1) % 8}_p", "plus100", seed,
                  plus100_metrics(seed),
                  cost_usd=5000.0, flow_extra=40.0)
        write_run(root / "other" / "deeper" / f"n{tag}", "noise", seed, noise_metrics(seed),
                  cost_usd=2000.0)
    failed = root / "multirun" / "job_failed"
    failed.mkdir()
    (failed / "error.txt").write_text("Traceback (most recent call last):\n  File \"x\"\n"
                                      "ValueError: synthetic failure on day 3\n")
    (root / "multirun" / "job_unfinished" / ".hydra").mkdir(parents=True)
    return root


@pytest.fixture(scope="module")
def comparison(sweep_dir):
    return compare(load_sweep(sweep_dir))


# --------------------------------------------------------------------------- statistics


def test_t_interval_matches_scipy():
    x = seed_draws(3).normal(10.0, 2.0, size=7)
    iv = t_interval(x)
    low, high = stats.t.interval(0.95, df=6, loc=x.mean(), scale=stats.sem(x))
    assert iv.n == 7 and iv.mean == pytest.approx(x.mean())
    assert (iv.low, iv.high) == (pytest.approx(low), pytest.approx(high))


def test_t_interval_of_one_value_is_nan_with_a_note():
    iv = t_interval([4.0, np.nan])
    assert iv.n == 1 and iv.mean == 4.0
    assert np.isnan(iv.low) and np.isnan(iv.high) and "n < 2" in iv.note


def test_exact_effect_has_zero_width_interval(comparison):
    r = comparison.row("plus100", "seized_cocaine")
    assert r["n_pairs"] == 8
    assert r["diff"] == pytest.approx(100.0)
    assert r["diff_ci_low"] == pytest.approx(100.0, abs=1e-9)
    assert r["diff_ci_high"] == pytest.approx(100.0, abs=1e-9)
    assert bool(r["ci_excludes_zero"])
    base = np.mean([baseline_metrics(s)["seized_cocaine"] for s in range(8)])
    assert r["baseline_mean"] == pytest.approx(base)
    assert r["rel_change_pct"] == pytest.approx(100 * 100.0 / base)
    untouched = comparison.row("plus100", "seized_fuel")
    assert untouched["diff"] == pytest.approx(0.0) and not bool(untouched["ci_excludes_zero"])


def test_noise_policy_interval_covers_zero_and_matches_scipy(comparison):
    r = comparison.row("noise", "seized_cocaine")
    d = np.array([noise_metrics(s)["seized_cocaine"] - baseline_metrics(s)["seized_cocaine"]
                  for s in range(8)])
    low, high = stats.t.interval(0.95, df=7, loc=d.mean(), scale=stats.sem(d))
    assert r["diff"] == pytest.approx(d.mean())
    assert (r["diff_ci_low"], r["diff_ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert r["diff_ci_low"] < 0 < r["diff_ci_high"]
    assert not bool(r["ci_excludes_zero"])


def test_levels_per_policy_match_scipy(comparison):
    x = np.array([baseline_metrics(s)["arrests"] for s in range(8)])
    r = comparison.row("baseline", "arrests")
    low, high = stats.t.interval(0.95, df=7, loc=x.mean(), scale=stats.sem(x))
    assert (r["n"], r["mean"]) == (8, pytest.approx(x.mean()))
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert np.isnan(r["diff"])  # the baseline is not compared with itself


def test_zero_baseline_has_no_relative_change(comparison):
    r = comparison.row("noise", "escapes_across_border")
    assert np.isnan(r["rel_change_pct"]) and "baseline mean is 0" in r["note"]


def test_metrics_labels_and_order(comparison):
    assert comparison.policies == ["baseline", "noise", "plus100"]
    assert comparison.commodities == {"cocaine": "kg", "fuel": "L"}
    assert comparison.metrics[:3] == ["delivered_cocaine", "seized_cocaine", "delivered_fuel"]
    assert "policy_cost_usd" not in comparison.metrics and "seed" not in comparison.metrics
    row = comparison.row("plus100", "seized_cocaine")
    assert (row["label"], row["unit"]) == ("cocaine seized", "kg")


# --------------------------------------------------------------------------- costs


def test_cost_per_extra_unit_seized_and_per_usd_denied(comparison):
    costs = comparison.costs.set_index("policy")
    p = costs.loc["plus100"]
    assert p["cost_usd_run"] == pytest.approx(5000.0)
    assert p["cost_usd_per_year"] == pytest.approx(5000.0 * 365 / STEPS)
    assert p["extra_cost_usd"] == pytest.approx(5000.0)
    assert p["cost_per_extra_seized_cocaine"] == pytest.approx(50.0)  # USD per kg
    assert p["cost_per_usd_revenue_denied"] == pytest.approx(5000.0 / 1e6)
    assert np.isnan(p["cost_per_extra_seized_fuel"])
    assert "n/a" in p["cost_per_extra_seized_fuel_note"]
    n = costs.loc["noise"]
    assert np.isnan(n["cost_per_extra_seized_cocaine"])
    assert n["cost_per_extra_seized_cocaine_note"].startswith("n/a")


def test_missing_cost_columns_count_as_zero_with_a_note(tmp_path):
    for seed in range(3):
        write_run(tmp_path / f"b{seed}", "baseline", seed, baseline_metrics(seed))
        write_run(tmp_path / f"p{seed}", "plus100", seed, plus100_metrics(seed))
    cmp = compare(load_sweep(tmp_path))
    costs = cmp.costs.set_index("policy")
    assert costs.loc["plus100", "cost_usd_run"] == 0.0
    assert np.isnan(costs.loc["plus100", "cost_per_extra_seized_cocaine"])
    assert costs.loc["plus100", "cost_per_extra_seized_cocaine_note"] == "no cost recorded"
    assert any("costs are shown as 0" in n for n in cmp.notes)


# --------------------------------------------------------------------------- loading


def test_failed_and_unfinished_runs_are_reported_not_fatal(sweep_dir):
    folders = {f.path.name: f for f in find_runs(sweep_dir)}
    assert folders["job_failed"].status == "failed"
    assert folders["job_failed"].reason == "ValueError: synthetic failure on day 3"
    assert folders["job_unfinished"].status == "unfinished"
    sweep = load_sweep(sweep_dir)
    assert len(sweep.runs) == 24
    problems = sweep.problems.set_index("run_dir")
    assert problems.loc["multirun/job_failed", "status"] == "failed"
    assert problems.loc["multirun/job_unfinished", "status"] == "unfinished"


def test_mismatched_seeds_are_paired_on_seed(tmp_path):
    for seed in range(6):
        write_run(tmp_path / f"z{5 - seed}" / "base", "baseline", seed, baseline_metrics(seed))
    for seed in range(2, 8):
        m = plus100_metrics(seed)
        if seed >= 6:  # no baseline for these: they must not enter the difference
            m["seized_cocaine"] = 1e9
        write_run(tmp_path / f"a{seed}" / "pol", "plus100", seed, m)
    cmp = compare(load_sweep(tmp_path))
    r = cmp.row("plus100", "seized_cocaine")
    assert r["n_pairs"] == 4
    assert r["diff"] == pytest.approx(100.0)
    pairing = cmp.pairing.set_index("policy").loc["plus100"]
    assert (pairing["n_paired"], pairing["only_policy"], pairing["only_baseline"]) == (
        4, "6, 7", "0, 1")
    note = next(n for n in cmp.notes if "different seed sets" in n)
    assert "4 shared seeds are paired" in note


def test_summaries_without_policy_fall_back_to_baseline_with_a_note(tmp_path):
    for seed in range(2):
        write_run(tmp_path / f"r{seed}", None, seed, baseline_metrics(seed))
    sweep = load_sweep(tmp_path)
    assert set(sweep.runs["policy"]) == {"baseline"}
    assert any("treated as the package 'baseline'" in n for n in sweep.notes)


def test_duplicate_policy_seed_is_excluded(tmp_path):
    for name in ("a", "b"):
        write_run(tmp_path / name, "baseline", 0, baseline_metrics(0))
    sweep = load_sweep(tmp_path)
    assert list(sweep.runs["run_dir"]) == ["a"]
    assert "second run of package 'baseline' seed 0" in sweep.problems.loc[0, "reason"]


def test_runs_differing_in_other_settings_are_refused_unless_selected(tmp_path):
    for seed in range(2):
        write_run(tmp_path / f"b{seed}", "baseline", seed, baseline_metrics(seed))
        write_run(tmp_path / f"p{seed}", "plus100", seed, plus100_metrics(seed))
    longer = tmp_path / "long"
    write_run(longer, "baseline", 0, baseline_metrics(0))
    summary = pd.read_csv(longer / "summary.csv")
    summary["config.steps"] = 365
    summary.to_csv(longer / "summary.csv", index=False)
    with pytest.raises(CompareError, match=r"config\.steps \(20, 365\).*--where steps=20"):
        load_sweep(tmp_path)
    sweep = load_sweep(tmp_path, where={"steps": "20"})
    assert len(sweep.runs) == 4 and sweep.problems.empty
    assert sweep.inventory.set_index("run_dir").loc["long", "status"] == "filtered"
    assert compare(sweep).row("plus100", "seized_cocaine")["diff"] == pytest.approx(100.0)


def test_no_baseline_lists_the_policies_found(tmp_path):
    write_run(tmp_path / "r", "plus100", 0, plus100_metrics(0))
    with pytest.raises(CompareError, match="packages found: plus100"):
        compare(load_sweep(tmp_path))


# --------------------------------------------------------------------------- files


def test_flow_difference_is_policy_minus_baseline_on_shared_seeds(sweep_dir):
    sweep = load_sweep(sweep_dir)
    flows, notes = compare_flows(sweep, "baseline", ["plus100"])
    assert not notes
    (fc,) = flows
    assert fc.seeds == list(range(8))
    expected = np.zeros((2, *SHAPE))
    expected[0, 5, 5] = 40.0
    np.testing.assert_allclose(fc.difference, expected, atol=1e-9)


def test_timeseries_band_matches_scipy_at_last_day(sweep_dir):
    bands, notes = timeseries_bands(load_sweep(sweep_dir), ["baseline"])
    assert not notes
    last = bands[(bands["series"] == "seized_cocaine_cumulative") & (bands["step"] == STEPS)]
    x = np.array([baseline_metrics(s)["seized_cocaine"] for s in range(8)])
    low, high = stats.t.interval(0.95, df=7, loc=x.mean(), scale=stats.sem(x))
    assert last["mean"].item() == pytest.approx(x.mean())
    assert (last["ci_low"].item(), last["ci_high"].item()) == (pytest.approx(low),
                                                               pytest.approx(high))


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    def broken(path):
        path.write_text("half")
        raise RuntimeError("crash while writing")

    with pytest.raises(RuntimeError):
        write_atomic(tmp_path / "out.csv", broken)
    assert list(tmp_path.iterdir()) == []


def test_number_formatting():
    assert fmt_num(427071538.5) == "427 M"
    assert fmt_num(-1.234e9, signed=True) == "-1.23 bn"
    assert fmt_num(0.043912) == "0.0439"
    assert fmt_num(100, signed=True) == "+100"
    assert fmt_num(float("nan")) == "n/a"


# --------------------------------------------------------------------------- command line


def test_progress_lines_are_sparse_and_end_at_the_total(capsys):
    progress = Progress()
    for done in range(1, 141):
        progress("loading runs", done, 140)
    lines = capsys.readouterr().err.splitlines()
    assert "loading runs 42/140" in lines and lines[-1] == "loading runs 140/140"
    assert len(lines) <= 12


@pytest.fixture(scope="module")
def cli_out(sweep_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "report"
    assert main([str(sweep_dir), "--out", str(out)]) == 0
    return out


@pytest.mark.slow
def test_cli_writes_every_output(cli_out):
    for name in ("runs.csv", "comparison.csv", "comparison.md", "costs.csv", "report.html",
                 "report.md", "effects.png", "flow_noise.png", "flow_plus100.png",
                 "timeseries.png"):
        assert (cli_out / name).is_file(), name
    for png in cli_out.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in cli_out.iterdir() if p.name.endswith(".tmp")]
    runs = pd.read_csv(cli_out / "runs.csv")
    assert runs["status"].value_counts().to_dict() == {"finished": 24, "failed": 1,
                                                       "unfinished": 1}
    table = pd.read_csv(cli_out / "comparison.csv")
    for col in ("policy", "metric", "n", "mean", "ci_low", "ci_high", "diff", "diff_ci_low",
                "diff_ci_high", "rel_change_pct"):
        assert col in table.columns
    row = table[(table["policy"] == "plus100") & (table["metric"] == "seized_cocaine")]
    assert row["diff"].item() == pytest.approx(100.0)


def test_report_html_is_self_contained_and_tells_the_numbers(cli_out):
    page = (cli_out / "report.html").read_text()
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page.lower() and "<link" not in page.lower()
    sources = re.findall(r'src="([^"]*)"', page)
    assert len(sources) == 4 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "url(" not in page
    assert "+100 kg" in page and "95% CI +100 to +100" in page
    assert "ValueError: synthetic failure on day 3" in page  # the failed run is listed
    assert "joint_operations" in page and "synthetic test figure" in page  # package text
    assert "python -m experiments.compare" in page
    md = (cli_out / "report.md").read_text()
    assert "](effects.png)" in md and "+100 kg" in md
    # a planner reads the findings first, then the table and figures, then the detail
    order = [page.index(h) for h in ("What this comparison found", "Headline results",
                                     "Figures", "What was compared", "How to read this")]
    assert order == sorted(order)
    found = page[order[0]:order[1]]
    assert "plus100:" in found and "Caveats" in found
    # no saved effects study of the toy scenario: the caveat says what is not known
    assert "No sensitivity study of these effects is saved" in found


@pytest.mark.slow
def test_cli_missing_dir_exits_2_with_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "experiments.compare", str(tmp_path / "nope")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: sweep folder") and "does not exist" in proc.stderr
    assert not (tmp_path / "nope").exists()


@pytest.mark.parametrize("case, needle", [
    ("no_baseline", "no finished runs of the baseline package 'baseline'; packages found: "
                    "plus100"),
    ("only_failed", "no finished runs under"),
])
def test_cli_bad_sweep_exits_2_with_one_line(tmp_path, capsys, case, needle):
    if case == "no_baseline":
        write_run(tmp_path / "r", "plus100", 0, plus100_metrics(0))
    else:
        (tmp_path / "r").mkdir()
        (tmp_path / "r" / "error.txt").write_text("boom\n")
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and needle in err[-1]
    assert not any(line.startswith("error") for line in err[:-1])
    assert not (tmp_path / "comparison").exists()
