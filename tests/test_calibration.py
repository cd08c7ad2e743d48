"""Calibration targets: the file is checked before anything runs, every measure reads a run
as documented, and the table says in or out of band."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sim.analysis.calibration import (
    TARGET_COLUMNS,
    TargetSpec,
    calibration_dict,
    check_targets,
    load_calibration,
    measure,
    measure_task,
)
from sim.analysis.executor import ProcessExecutor
from sim.config import ConfigError, make_config
from sim.simulate import simulate


def toy_calibration(**targets):
    return {"name": "t", "description": "test", "steps": 60, "seeds": 2, "targets": targets}


DELIVERED = {"scenario": "toy", "measure": "per_year", "column": "delivered_cocaine",
             "lo": 0.0, "hi": 1e9, "source": "test"}


def test_the_shipped_calibration_file_is_valid_and_names_its_sources():
    cal = load_calibration(calibration_dict("targets"))
    assert len([t for t in cal.targets.values() if not t.held_out]) >= 5
    assert [n for n, t in cal.targets.items() if t.held_out] == ["sahel_cocaine_seizures"]
    assert all("FACTS.md" in t.source for t in cal.targets.values())


def test_the_central_asian_stage_fits_only_central_asias_own_parameters():
    """The second stage (configs/calibration/central_asia.yaml) fits the Northern Route's
    targets of the first, with parameters no West African run has."""
    first, second = (load_calibration(calibration_dict(n)) for n in ("targets", "central_asia"))
    assert set(second.targets) == {n for n, t in first.targets.items()
                                   if t.scenario == "central_asia"}
    for n, t in second.targets.items():
        assert t == first.targets[n], n
    from sim.analysis.study import field_meta

    wa = make_config("west_africa")
    for path in second.parameters:
        assert path.startswith("scenario."), path
        assert field_meta(wa, path) is None, path


def test_the_fuel_response_stage_fits_only_what_moves_the_subsidy_month():
    """The third stage (configs/calibration/fuel_response.yaml) fits the first stage's
    subsidy target with one of its parameters, over the same prior; that parameter leaves a
    run without a price change as it was (so no other fitted target moves with it)."""
    first, third = (load_calibration(calibration_dict(n)) for n in ("targets", "fuel_response"))
    assert set(third.targets) == {"subsidy_removal_first_month"}
    assert third.targets["subsidy_removal_first_month"] == \
        first.targets["subsidy_removal_first_month"]
    assert set(third.parameters) == {"model.market_margin_elasticity"}
    for n, p in third.parameters.items():
        assert p == first.parameters[n], n
    runs = [simulate(make_config("west_africa", seed=3, steps=20,
                                 overrides={"model.market_margin_elasticity": e})).summary
            for e in (0.3, 2.5)]
    for key in ("delivered_fuel", "arrests", "seized_fuel", "delivered_cocaine"):
        assert runs[0][key] == runs[1][key], key


def test_the_justice_stage_fits_the_justice_targets_the_first_stage_only_checks():
    """The fourth stage (configs/calibration/justice.yaml) fits the charged and convicted
    shares with Nigeria's court parameters; the first stage checks and reports them but
    leaves them out of its implausibility (fitted_by), and no other stage fits them."""
    first, fourth = (load_calibration(calibration_dict(n)) for n in ("targets", "justice"))
    names = {"drug_arrests_charged", "drug_arrests_convicted"}
    assert set(fourth.targets) == names
    assert {n for n, t in first.targets.items() if t.fitted_by == "justice"} == names
    for n in names:
        assert replace(first.targets[n], fitted_by=None) == fourth.targets[n], n
    assert set(fourth.parameters) == {"model.court_feedback",
                                      "scenario.countries.NGA.court_cases_per_day"}
    assert not set(fourth.parameters) & set(first.parameters)


def test_a_target_fitted_by_another_stage_is_measured_but_rules_nothing_out(tmp_path):
    from sim.analysis.calibration import run_wave, wave_summary

    data = toy_calibration(
        cocaine={**DELIVERED, "lo": 0.0, "hi": 1e9},
        fuel={**DELIVERED, "column": "delivered_fuel", "lo": -1e10, "hi": -9e9,
              "fitted_by": "central_asia"}) | {
        "samples": 3, "seed": 7, "parameters": {
            "model.patrol_detection_prob": {"lo": 0.01, "hi": 0.04}}}
    cal = load_calibration(data)
    defaults = check_targets(cal, ProcessExecutor(2, fn=measure_task))
    wave = run_wave(cal, tmp_path, defaults, ProcessExecutor(2, fn=measure_task))
    assert (wave["I.fuel"] > cal.cutoff).all()  # measured, and far outside its band
    assert wave["plausible"].all()              # but it rules no row out here
    assert "fuel (calibration central_asia)" in " ".join(wave_summary(cal, wave))


@pytest.mark.parametrize("target, needle", [
    ({**DELIVERED, "lo": 5.0, "hi": 1.0}, "calibration.targets.x.hi = 1 is not allowed"),
    ({**DELIVERED, "column": None}, "calibration.targets.x.column is missing"),
    ({**DELIVERED, "measure": "guess"}, "calibration.targets.x.measure = 'guess' is not allowed"),
    ({**DELIVERED, "scenario": "atlantis"}, "calibration.targets.x: scenario = 'atlantis'"),
    ({**DELIVERED, "measure": "seized_in", "commodity": "gold", "countries": ["AAA"]},
     "calibration.targets.x.commodity = 'gold' is not allowed"),
    ({**DELIVERED, "measure": "charged_share", "countries": ["NGA"]},
     "calibration.targets.x.countries[0] = 'NGA' is not allowed"),
    ({**DELIVERED, "fitted_by": "nonesuch"},
     "calibration.targets.x.fitted_by = 'nonesuch' is not allowed: must be another calibration"),
    ({**DELIVERED, "fitted_by": "central_asia", "held_out": True},
     "calibration.targets.x.fitted_by = 'central_asia' is not allowed: the target is held out"),
])
def test_a_bad_target_is_refused_naming_the_field(target, needle):
    with pytest.raises(ConfigError) as err:
        load_calibration(toy_calibration(x=target))
    assert str(err.value).startswith(needle)


def test_measures_read_the_run_as_documented():
    run = simulate(make_config("toy", seed=1, steps=73))
    ev, years = run.events, 73 / 365
    t = TargetSpec(**DELIVERED)
    assert measure(t, run) == pytest.approx(run.summary["delivered_cocaine"] / years)
    arrests = ev[(ev["event"] == "arrest") & (ev["country"] == "BBB")]
    settled = ev[(ev["event"] == "settlement") & (ev["country"] == "BBB")]
    charges = ev[(ev["event"] == "charge") & (ev["country"] == "BBB")]
    share = TargetSpec(scenario="toy", measure="charged_share", countries=["BBB"], lo=0, hi=1,
                       source="test")
    assert len(arrests) > 0 and len(settled) > 0
    # the share is of the cases opened: an arrest settled on the spot opens none
    assert measure(share, run) == pytest.approx(len(charges) / (len(arrests) - len(settled)))
    drug = TargetSpec(scenario="toy", measure="charged_share", countries=["AAA"], lo=0, hi=1,
                      source="test", kind="drug")
    names = [c for c, com in run.config.scenario.commodities.items() if com.kind == "drug"]
    mine = ev[ev["country"].eq("AAA") & ev["commodity"].isin(names)]
    assert (mine["event"] == "arrest").sum() > 0
    assert (mine["event"] == "settlement").sum() == 0  # drug arrests all open a case
    assert measure(drug, run) == pytest.approx((mine["event"] == "charge").sum()
                                               / (mine["event"] == "arrest").sum())
    seized = TargetSpec(scenario="toy", measure="seized_in", countries=["AAA", "BBB"],
                        commodity="fuel", lo=0, hi=1, source="test")
    mine = ev[(ev["event"] == "seizure") & ev["country"].isin(["AAA", "BBB"])
              & (ev["commodity"] == "fuel")]
    assert measure(seized, run) == pytest.approx(mine["quantity"].sum() / years)
    # from_day: only the events of days >= from_day, per year of that window
    late = TargetSpec(scenario="toy", measure="charged_share", countries=["BBB"], lo=0, hi=1,
                      source="test", from_day=30)
    a30 = arrests[arrests["step"] >= 30]
    assert len(a30) > 0 and len(a30) < len(arrests)
    assert measure(late, run) == pytest.approx(
        (charges["step"] >= 30).sum() / (len(a30) - (settled["step"] >= 30).sum()))
    late_seized = TargetSpec(scenario="toy", measure="seized_in", countries=["AAA", "BBB"],
                             commodity="fuel", lo=0, hi=1, source="test", from_day=30)
    assert measure(late_seized, run) == pytest.approx(
        mine.loc[mine["step"] >= 30, "quantity"].sum() / ((73 - 30) / 365))


def test_from_day_is_refused_where_it_means_nothing_or_past_the_run():
    with pytest.raises(ConfigError, match=r"targets.x.from_day = 10 is not allowed for measure "
                                          r"'per_year'"):
        load_calibration(toy_calibration(x={**DELIVERED, "from_day": 10}))
    late = {"scenario": "toy", "measure": "seized_in", "countries": ["AAA"],
            "commodity": "fuel", "lo": 0, "hi": 1, "source": "test", "from_day": 60}
    with pytest.raises(ConfigError, match=r"targets.x.from_day = 60 is not allowed: must be "
                                          r"below calibration.steps = 60"):
        load_calibration(toy_calibration(x=late))


@pytest.mark.slow
def test_the_targets_table_pairs_shock_and_baseline_and_marks_the_band():
    cal = load_calibration(toy_calibration(
        inside={**DELIVERED},
        outside={**DELIVERED, "lo": -2.0, "hi": -1.0},
        fuel_response={"scenario": "west_africa", "measure": "shock_response",
                       "shock": "nigeria_subsidy_removal", "column": "delivered_fuel",
                       "window_days": 20, "lo": -1.0, "hi": 0.0, "source": "test"}) | {
        "steps": 150})
    table = check_targets(cal, ProcessExecutor(2, fn=measure_task))
    assert list(table.columns) == TARGET_COLUMNS
    rows = table.set_index("target")
    assert rows.loc["inside", "in_band"] and not rows.loc["outside", "in_band"]
    assert rows.loc["inside", "n_seeds"] == 2
    # the subsidy removal starts on day 120: fuel delivered over days 120-139 falls against
    # the same seed's baseline
    assert rows.loc["fuel_response", "simulated"] < 0 and rows.loc["fuel_response", "in_band"]
    assert np.isfinite(rows.loc["fuel_response", "ci_low"])


@pytest.mark.slow
def test_the_command_refuses_a_bad_value_with_one_line(tmp_path):
    import subprocess
    import sys

    from tests.paths import ROOT

    proc = subprocess.run([sys.executable, "-m", "experiments.calibrate", "calibration.seeds=1",
                           f"hydra.run.dir={tmp_path / 'out'}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == ("error: calibration.seeds = 1 is not allowed: must be an "
                                   "integer in [2, 1000]")
    assert not (tmp_path / "out").exists()


class CountingExecutor:
    """The process pool, counting the tasks it is given."""

    def __init__(self):
        self.inner, self.count = ProcessExecutor(2, fn=measure_task), 0

    def run(self, config, tasks):
        tasks = list(tasks)
        self.count += len(tasks)
        return self.inner.run(config, tasks)


@pytest.mark.slow
def test_a_history_matching_wave_rules_rows_out_and_resumes(tmp_path, monkeypatch):
    from sim.analysis.calibration import WAVE_FILE, run_wave, wave_summary

    data = toy_calibration(
        cocaine={**DELIVERED, "lo": 0.0, "hi": 1e9},
        fuel={**DELIVERED, "column": "delivered_fuel", "lo": -1e10, "hi": -9e9}) | {
        "samples": 4, "seed": 7, "parameters": {
            "model.patrol_detection_prob": {"lo": 0.01, "hi": 0.04},
            "scenario.commodities.fuel.couriers_per_organisation": {"lo": 5, "hi": 40}}}
    cal = load_calibration(data)
    defaults = check_targets(cal, ProcessExecutor(2, fn=measure_task))
    ex = CountingExecutor()
    wave = run_wave(cal, tmp_path, defaults, ex)
    assert ex.count == 4 and len(wave) == 4
    assert wave["scenario.commodities.fuel.couriers_per_organisation"].between(5, 40).all()
    # a negative band of fuel delivered cannot hold: every row is ruled out by it
    assert not wave["plausible"].any() and (wave["I.fuel"] > cal.cutoff).all()
    assert (wave["I.cocaine"] < cal.cutoff).all()
    lines = wave_summary(cal, wave)
    assert "4 Latin-hypercube rows" in lines[0] and "fuel 4" in " ".join(lines)
    # interrupted: drop one finished run; a rerun does only that one
    path = tmp_path / WAVE_FILE
    kept = path.read_text().splitlines()[:-1]
    path.write_text("\n".join(kept) + "\n")
    again = run_wave(cal, tmp_path, defaults, ex)
    assert ex.count == 5
    assert again.equals(wave)  # the same rows, values and verdicts
    # a second wave is not run when the first ruled out every row
    from sim.analysis.calibration import history_match

    both = history_match(load_calibration(data | {"waves": 2}), tmp_path, defaults, ex)
    assert ex.count == 5 and set(both["wave"]) == {1}
    # the model changed since (a value no parameter of the wave sets): the saved runs are of
    # another model, so every row is run again, once
    import sim.analysis.calibration as calibration

    real = calibration.config_dict

    def changed(*args, **kwargs):
        data = real(*args, **kwargs)
        data["model"]["route_noise"] = data["model"]["route_noise"] + 0.25
        return data

    monkeypatch.setattr(calibration, "config_dict", changed)
    run_wave(cal, tmp_path, defaults, ex)
    assert ex.count == 9
    run_wave(cal, tmp_path, defaults, ex)
    assert ex.count == 9
    # a saved run without a digest (or with another) is not trusted either
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line.replace('"digest"', '"old"') for line in lines) + "\n")
    run_wave(cal, tmp_path, defaults, ex)
    assert ex.count == 13


def test_a_confirmed_candidate_is_reused_only_for_the_same_runs():
    """confirm.csv is reused for a candidate only when every run would be the same: the
    same values, seeds, targets and the same model and scenarios (the digest)."""
    from sim.analysis.calibration import _previous_run, targets_digest

    cal = load_calibration(toy_calibration(x=DELIVERED))
    over = {"model.patrol_detection_prob": 0.02}
    digest = targets_digest(cal, over)
    assert digest == targets_digest(cal, dict(over))
    assert digest != targets_digest(cal, {"model.patrol_detection_prob": 0.03})
    assert digest != targets_digest(load_calibration(toy_calibration(x=DELIVERED) | {"seeds": 3}),
                                    over)
    assert digest != targets_digest(load_calibration(toy_calibration(x=DELIVERED)
                                                     | {"steps": 31}), over)
    table = check_targets_row(cal)
    saved = table.assign(wave=2, row=5, digest=digest)
    assert _previous_run(saved, 2, 5, digest) is not None
    assert _previous_run(saved, 2, 5, targets_digest(cal, {"model.patrol_detection_prob": 0.03})) \
        is None
    assert _previous_run(saved.drop(columns="digest"), 2, 5, digest) is None  # an older file


def check_targets_row(cal):
    """A target table of ``cal`` without running the model (one made-up row per target)."""
    import pandas as pd

    from sim.analysis.calibration import TARGET_COLUMNS

    return pd.DataFrame([{c: 0 for c in TARGET_COLUMNS} | {"target": n} for n in cal.targets])


@pytest.mark.slow
def test_a_second_wave_samples_the_box_the_first_left(tmp_path):
    from sim.analysis.calibration import history_match, plot_marginals, wave_summary

    data = toy_calibration(cocaine={**DELIVERED, "lo": 0.0, "hi": 1e9}) | {
        "samples": 4, "seed": 3, "waves": 2, "parameters": {
            "model.patrol_detection_prob": {"lo": 0.01, "hi": 0.04},
            "scenario.commodities.fuel.couriers_per_organisation": {"lo": 5, "hi": 40}}}
    cal = load_calibration(data)
    defaults = check_targets(cal, ProcessExecutor(2, fn=measure_task))
    ex = CountingExecutor()
    waves = history_match(cal, tmp_path, defaults, ex)
    assert ex.count == 8 and list(waves["wave"].value_counts().sort_index()) == [4, 4]
    first, second = waves[waves["wave"] == 1], waves[waves["wave"] == 2]
    for name in cal.parameters:
        assert second[name].between(first[name].min(), first[name].max()).all()
    assert not second[list(cal.parameters)].round(9).isin(
        first[list(cal.parameters)].round(9)).all(axis=1).any()  # new rows, not the same
    lines = wave_summary(cal, waves)
    assert any(x.startswith("Wave 2: 4 Latin-hypercube rows over the box wave 1 left")
               for x in lines)
    assert lines[-1].startswith("Least implausible row (wave 2, row ")
    plot_marginals(cal, waves, tmp_path / "marginals.png")
    assert (tmp_path / "marginals.png").stat().st_size > 10_000
    # confirmation: the two least implausible rows of wave 2, re-run over the seeds
    from sim.analysis.calibration import confirm_candidates, confirm_summary

    cal2 = load_calibration(data | {"confirm": 2})
    confirmed = confirm_candidates(cal2, waves, ProcessExecutor(2, fn=measure_task))
    picked = second[second["plausible"]].nsmallest(2, "max_I")["row"].tolist()
    assert confirmed["row"].drop_duplicates().tolist() == picked
    assert confirmed["n_seeds"].eq(cal.seeds).all()
    assert confirmed.loc[confirmed["best"], "row"].nunique() == 1
    best = confirmed[confirmed["best"]].iloc[0]
    again = check_targets(cal2, ProcessExecutor(2, fn=measure_task),
                          {n: best[n] for n in cal2.parameters})
    assert again["simulated"].tolist() == confirmed.loc[confirmed["best"], "simulated"].tolist()
    assert confirm_summary(cal2, confirmed)[-1].startswith(
        f"Calibrated point, shipped in configs/ (wave 2, row {int(best['row'])};")
    # against the shipped defaults: a candidate replaces them only with more targets in band
    same = confirmed.loc[confirmed["best"], TARGET_COLUMNS]
    assert confirm_summary(cal2, confirmed, shipped=same)[-1].startswith(
        f"Calibrated point, shipped in configs/ (wave 2, row {int(best['row'])};")
    as_good = same.assign(simulated=same["simulated"] * 1.01)  # another point, as many in band
    assert as_good["in_band"].any()
    assert confirm_summary(cal2, confirmed, shipped=as_good)[-1].startswith(
        "Calibrated point: the shipped defaults are kept.")
    worse = as_good.assign(in_band=False)
    assert confirm_summary(cal2, confirmed, shipped=worse)[-1].startswith(
        f"Calibrated point, shipped in configs/ (wave 2, row {int(best['row'])};")


def test_wave_parameters_are_checked_against_the_schema():
    bad = toy_calibration(x=DELIVERED) | {"parameters": {"model.patrol_detection_prob":
                                                         {"lo": 0.5, "hi": 2.0}}}
    with pytest.raises(ConfigError, match=r"calibration.parameters.model.patrol_detection_prob "
                                          r"= \[0.5, 2\] is not allowed: must lie in"):
        load_calibration(bad)
    unknown = toy_calibration(x=DELIVERED) | {"parameters": {"model.nothing": {"lo": 0, "hi": 1}}}
    with pytest.raises(ConfigError, match="calibration.parameters.model.nothing is not a known"):
        load_calibration(unknown)


def test_fixed_values_are_checked_like_parameters():
    base = toy_calibration(x=DELIVERED) | {"parameters": {"model.patrol_detection_prob":
                                                          {"lo": 0.01, "hi": 0.04}}}
    with pytest.raises(ConfigError, match=r"calibration.fixed.model.patrol_detection_prob is "
                                          r"not allowed: .* also a parameter"):
        load_calibration(base | {"fixed": {"model.patrol_detection_prob": 0.02}})
    with pytest.raises(ConfigError, match="calibration.fixed.model.nothing is not a known"):
        load_calibration(base | {"fixed": {"model.nothing": 1.0}})
    with pytest.raises(ConfigError, match=r"calibration.fixed.model.post_detection_prob = 2 "
                                          r"is not allowed: must lie in"):
        load_calibration(base | {"fixed": {"model.post_detection_prob": 2.0}})


@pytest.mark.slow
def test_fixed_values_hold_in_every_run_of_a_wave(tmp_path):
    """A stage's ``fixed`` values (fitted by a later stage) are what its waves run with."""
    from sim.analysis.calibration import run_wave, wave_summary

    data = toy_calibration(fuel={**DELIVERED, "column": "delivered_fuel"}) | {
        "samples": 2, "seed": 7, "parameters": {
            "model.patrol_detection_prob": {"lo": 0.01, "hi": 0.04}}}
    waves = {}
    for n in (5, 40):
        cal = load_calibration(data | {"fixed": {
            "scenario.commodities.fuel.couriers_per_organisation": n}})
        defaults = check_targets(cal, ProcessExecutor(2, fn=measure_task))
        waves[n] = run_wave(cal, tmp_path / str(n), defaults, ProcessExecutor(2, fn=measure_task))
    assert (waves[40]["fuel"] > 1.2 * waves[5]["fuel"]).all()  # same rows and seeds
    assert "couriers_per_organisation = 40" in wave_summary(cal, waves[40])[0]


@pytest.fixture(scope="module")
def shipped_targets():
    """The targets of the shipped calibration at the shipped defaults (its seeds)."""
    cal = load_calibration(calibration_dict("targets"))
    return check_targets(cal, ProcessExecutor(2, fn=measure_task))


@pytest.mark.slow
def test_the_shipped_defaults_reproduce_the_calibration_report(shipped_targets):
    """docs/calibration/targets.csv is what the shipped defaults give, seed for seed."""
    import pandas as pd

    from tests.paths import ROOT

    shipped = pd.read_csv(ROOT / "docs" / "calibration" / "targets.csv")
    assert list(shipped_targets["target"]) == list(shipped["target"])
    np.testing.assert_allclose(shipped_targets["simulated"], shipped["simulated"], rtol=1e-5)
    assert list(shipped_targets["in_band"]) == list(shipped["in_band"])


@pytest.mark.slow
def test_at_least_five_fitted_targets_are_in_band_at_the_shipped_defaults(shipped_targets):
    fitted = shipped_targets[~shipped_targets["held_out"]]
    assert fitted["in_band"].sum() >= 5, fitted[["target", "simulated", "lo", "hi"]]


def test_the_marginals_figure_shows_what_was_sampled_when_no_row_is_left(tmp_path):
    """A wave that rules out every row still draws where its rows were sampled, and says
    that none is left (an empty histogram alone reads as a broken figure)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from sim.analysis.calibration import plot_marginals

    cal = load_calibration(toy_calibration(x=DELIVERED) | {
        "parameters": {"model.patrol_detection_prob": {"lo": 0.01, "hi": 0.04}}})
    waves = pd.DataFrame({"model.patrol_detection_prob": [0.015, 0.02, 0.03], "row": [0, 1, 2],
                          "plausible": [False] * 3, "max_I": [4.0] * 3, "wave": [1] * 3})
    seen = {}
    real = plt.Figure.savefig

    def keep(fig, *args, **kwargs):
        ax = fig.axes[0]
        seen["texts"] = [t.get_text() for t in ax.texts]
        seen["ticks"] = sorted(float(x) for line in ax.lines for x in line.get_xdata())
        return real(fig, *args, **kwargs)

    plt.Figure.savefig = keep
    try:
        plot_marginals(cal, waves, tmp_path / "m.png")
    finally:
        plt.Figure.savefig = real
    assert seen["texts"] == ["no row left"]
    assert seen["ticks"] == [0.015, 0.02, 0.03]
    assert (tmp_path / "m.png").stat().st_size > 5_000
