"""The shipped Cotonou exercise from a clean folder, with the README's commands: the play
from its scripted decisions, the replay of its log (byte-identical outputs, in another
process), and the branch "what if Togo had declined Benin's joint operation at turn 2" over
eight seeds, whose difference is real (95 % intervals that exclude zero). The exercise is
played as shipped except that its after-action report compares each decision on two seeds
(the fewest that give an interval) instead of four: that report's runs are most of the
play's and the replay's cost, and the number of seeds changes nothing else."""

import subprocess
import sys

import pandas as pd
import pytest

from tests.paths import ROOT


def tabletop(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "experiments.tabletop", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.slow
def test_the_shipped_exercise_plays_replays_byte_for_byte_and_branches(tmp_path):
    played, replayed, what_if = tmp_path / "cotonou", tmp_path / "replay", tmp_path / "what_if"
    shipped = (ROOT / "configs" / "exercise" / "cotonou.yaml").read_text(encoding="utf-8")
    assert shipped.count("\nafter_action_seeds: 4 ") == 1
    exercise = tmp_path / "cotonou.yaml"
    exercise.write_text(shipped.replace("\nafter_action_seeds: 4 ", "\nafter_action_seeds: 2 "),
                        encoding="utf-8")
    tabletop("play", str(exercise), "--decisions", "configs/exercise/cotonou_decisions.yaml",
             "--out", str(played))
    tabletop("replay", str(played / "log.jsonl"), "--out", str(replayed))
    files = sorted(p.relative_to(played) for p in played.rglob("*") if p.is_file())
    assert len(files) == 6 + 6 * 4 + 6  # 6 files, 24 briefing maps, 6 turn maps
    for name in files:
        assert (played / name).read_bytes() == (replayed / name).read_bytes(), name
    lines = (played / "log.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6 * 4
    after = pd.read_csv(played / "after_action.csv")
    assert set(after["n_seeds"]) == {2} and after["ci_low"].notna().any()

    tabletop("branch", str(played / "log.jsonl"), "--turn", "2", "--decisions",
             "configs/exercise/cotonou_togo_declines.yaml", "--out", str(what_if),
             "--seeds", "8")
    table = pd.read_csv(what_if / "branch.csv").set_index(["country", "indicator"])
    assert set(table["n_seeds"]) == {8}
    # without the joint operation (no pursuit across the Benin-Togo border, no pooled
    # patrols, no joint post at Hillacondji) more fuel reaches Benin's markets
    fuel = table.loc[("BEN", "delivered_fuel")]
    assert fuel["diff_low"] > 0 and fuel["clear"], fuel
    assert "95 % CI" in (what_if / "branch.html").read_text(encoding="utf-8")
