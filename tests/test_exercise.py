"""Tabletop exercises: the exercise file, decisions and their refusals, the log, replay,
resuming, the terminal menu and branching (on the toy scenario, 3 turns of 10 days)."""

from pathlib import Path

import pytest
import yaml

from sim.config import ConfigError
from sim.exercise.branch import branch
from sim.exercise.engine import Session, check_decisions
from sim.exercise.log import LOG_NAME, read_log
from sim.exercise.play import Interrupted, ScriptedSource, existing_log, play, replay
from sim.exercise.report import after_action
from sim.exercise.runs import without_each
from sim.exercise.schema import load_decisions, parse_decisions, parse_exercise
from sim.exercise.terminal import TerminalSource
from tests.paths import ROOT

DATA = ROOT / "tests" / "data" / "exercise"
TOY = DATA / "toy.yaml"
TOY_DECISIONS = DATA / "toy_decisions.yaml"


def toy_text(**changes) -> str:
    """The toy exercise file's text with top-level fields replaced."""
    data = yaml.safe_load(TOY.read_text(encoding="utf-8"))
    data.update(changes)
    return yaml.safe_dump(data, sort_keys=False)


@pytest.fixture(scope="module")
def exercise():
    return parse_exercise(TOY.read_text(encoding="utf-8"), str(TOY))


@pytest.fixture(scope="module")
def decisions(exercise):
    return load_decisions(TOY_DECISIONS, exercise.config)


@pytest.fixture(scope="module")
def played(exercise, decisions):
    session = Session(exercise)
    session.play(decisions)
    return session


# --------------------------------------------------------------------------- the file


def test_the_shipped_exercises_and_decisions_are_valid():
    for name in ("cotonou",):
        ex = parse_exercise((ROOT / "configs" / "exercise" / f"{name}.yaml").read_text(
            encoding="utf-8"))
        assert list(ex.config.delegations) == ["BEN", "BFA", "MLI", "TGO"]
        for path in sorted((ROOT / "configs" / "exercise").glob(f"{name}_*.yaml")):
            load_decisions(path, ex.config)


@pytest.mark.parametrize("change, message", [
    ({"turn_days": 0}, "turn_days = 0 is not allowed: must be an integer in [1, 365]"),
    ({"scenario": "atlantis"}, "scenario = 'atlantis' is not allowed: must be one of"),
    ({"seed": -1}, "seed = -1 is not allowed"),
    ({"colour": "red"}, "colour is not a known field"),
    ({"delegations": {"XYZ": {"name": "X", "agencies": ["a"], "budget_usd": 1.0}}},
     "delegations.XYZ is not allowed: must be a core country of scenario 'toy'"),
    ({"delegations": {"AAA": {"name": "A", "agencies": ["a"], "budget_usd": -5}}},
     "delegations.AAA.budget_usd = -5.0 is not allowed"),
    ({"injects": [{"name": "x", "turn": 9, "title": "t", "text": "t"}]},
     "injects[0].turn = 9 is not allowed: must be in [1, 3]"),
    ({"injects": [{"name": "x", "turn": 1, "title": "t", "text": "t", "shock": "meteor"}]},
     "injects[0].shock = 'meteor' is not allowed: must be one of"),
    ({"menu": {"patrol": {"action": "bomb", "label": "l", "cost_usd": 1, "cost_basis": "b",
                          "lead_time_days": 0, "duration_days": None}}},
     "menu.patrol.action = 'bomb' is not allowed: must be one of 'deploy_patrols'"),
    ({"menu": {"patrol": {"action": "deploy_patrols", "label": "l", "cost_usd": 1,
                          "cost_basis": "b", "lead_time_days": 0, "duration_days": None,
                          "params": {"radius_km": 9000}}}},
     "menu.patrol.params.radius_km = 9000.0 is not allowed: must be a number in [5, 500]"),
])
def test_a_bad_exercise_file_is_refused_naming_the_field(change, message):
    with pytest.raises(ConfigError) as err:
        parse_exercise(toy_text(**change))
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("inject, message", [
    ({"name": "x", "turn": 1, "title": "t", "text": "t", "site": "Atlantis"},
     "injects[0].site = 'Atlantis' is not allowed: must be a place or crossing"),
    ({"name": "x", "turn": 1, "title": "t", "text": "t",
      "changes": [{"lever": "armed_presence", "where": ["pirates"], "value": 2.0,
                   "basis": "b"}]},
     "injects[0] (x): shock.changes[0].where[0] = 'pirates' is not allowed"),
    ({"name": "x", "turn": 1, "title": "t", "text": "t", "shock": "nigeria_border_closure"},
     "injects[0] (x): shock.changes[0].where[0]"),  # toy has no Nigeria
])
def test_a_bad_inject_is_refused_before_anything_runs(inject, message):
    ex = parse_exercise(toy_text(injects=[inject]))
    with pytest.raises(ConfigError) as err:
        Session(ex, simulate=False)
    assert str(err.value).startswith(message.split(" is not")[0]) and message in str(err.value)


@pytest.mark.parametrize("data, message", [
    ({"turns": {7: {}}}, "decisions.turns.7 is not allowed: turns must be integers in [1, 3]"),
    ({"turns": {1: {"ZZZ": []}}}, "decisions.turns.1.ZZZ is not allowed: must be a delegation"),
    ({"turns": {1: {"AAA": [{"option": "invade"}]}}},
     "decisions.turns.1.AAA[0].option = 'invade' is not allowed: must be one of"),
    ({"moves": {}}, "decisions.moves is not allowed"),
])
def test_a_bad_decisions_file_is_refused(exercise, data, message):
    with pytest.raises(ConfigError, match=r"^" + message.replace("[", r"\[").replace(
            "]", r"\]").replace(".", r"\.")):
        parse_decisions(data, exercise.config)


# --------------------------------------------------------------------------- decisions


def state(session):
    return (session.ledger.snapshot(), list(session.model.timeline.log), list(session.lines))


@pytest.mark.parametrize("turn1, iso, entry, message", [
    ([], "AAA", {"option": "deploy_patrols", "area": "Atlantis"},
     "decision.area = 'Atlantis' is not allowed: must be a place or crossing of region 'toy'"),
    ([], "AAA", {"option": "deploy_patrols", "area": "Borton"},
     "decision.area = 'Borton' is not allowed: Borton is in BBB: AAA may act there only "
     "under a joint operation BBB has accepted"),
    ([("AAA", {"option": "propose_joint_operation", "partner": "BBB"})], "AAA",
     {"option": "deploy_patrols", "area": "Borton"},
     "a joint operation BBB has accepted (AAA's proposal of turn 1 is not accepted yet)"),
    ([], "BBB", {"option": "accept_joint_operation", "partner": "AAA"},
     "decision.partner = 'AAA' is not allowed: AAA has no open proposal of a joint "
     "operation to BBB"),
    ([], "AAA", {"option": "propose_joint_operation", "partner": "CCC"},
     "decision.partner = 'CCC' is not allowed: AAA and CCC share no border"),
    ([], "AAA", {"option": "propose_joint_operation", "partner": "AAA"},
     "decision.partner = 'AAA' is not allowed: must be another country than AAA"),
    ([("CCC", {"option": "court_capacity"}), ("CCC", {"option": "livelihoods"})], "CCC",
     {"option": "livelihoods"},
     "decision.option = 'livelihoods' is not allowed: it costs CCC USD 150,000 and CCC has "
     "USD 50,000 left of its USD 300,000 budget"),
    ([], "AAA", {"option": "deploy_patrols"}, "decision.area is missing"),
    ([], "AAA", {"option": "deploy_patrols", "area": "Alport", "radius": 3},
     "decision.radius is not a known field"),
    ([], "AAA", {"option": "deploy_patrols", "area": "Alport", "units": "navy"},
     "decision.units = 'navy' is not allowed: must be one of 'both', 'patrols', 'posts'"),
    ([], "AAA", {"option": "deploy_patrols", "area": "Alport", "units": "posts"},
     "decision.units = 'posts' is not allowed: AAA has no border post within 50 km of "
     "Alport"),
    ([], "AAA", {"option": "share_intelligence", "partners": ["ZZZ"]},
     "decision.partners[0] = 'ZZZ' is not allowed: must be another core country"),
    ([], "AAA", {"option": "mla_request", "partner": "BBB", "request": "favour"},
     "decision.request = 'favour' is not allowed: must be one of 'mla', 'extradition'"),
    ([("BBB", {"option": "court_capacity"})], "AAA", {"option": "court_capacity"},
     "decision.delegation = 'AAA' is not allowed: AAA's turn is over; BBB is deciding"),
])
def test_an_invalid_decision_is_refused_and_changes_nothing(exercise, turn1, iso, entry,
                                                            message):
    session = Session(exercise)
    for who, e in turn1:
        session.decide(who, e)
    before = state(session)
    with pytest.raises(ConfigError) as err:
        session.decide(iso, entry)
    assert message in str(err.value) and "\n" not in str(err.value)
    after = state(session)
    assert after[0] == before[0] and after[1] == before[1] and after[2] == before[2]
    session.end_turn()  # the session goes on as if nothing happened
    assert len(session.lines) == 3


def test_too_many_decisions_in_a_turn_and_decisions_after_the_end_are_refused(exercise):
    session = Session(exercise, simulate=False)
    for area in ("Alport", "Alden", "Amber"):
        session.decide("AAA", {"option": "deploy_patrols", "area": area})
    with pytest.raises(ConfigError, match="AAA has taken 3 decisions this turn"):
        session.decide("AAA", {"option": "share_intelligence", "partners": ["BBB"]})
    session.end_turn()
    session.end_turn()
    late = parse_exercise(toy_text(menu={"court_capacity": {
        "action": "court_capacity", "label": "courts", "cost_usd": 1, "cost_basis": "b",
        "lead_time_days": 15, "duration_days": None}}))
    s2 = Session(late, simulate=False)
    s2.end_turn()
    s2.end_turn()
    with pytest.raises(ConfigError, match="take effect on day 36, after the exercise ends"):
        s2.decide("AAA", {"option": "court_capacity"})


def test_a_bad_decision_in_a_file_is_refused_before_anything_runs(exercise, tmp_path):
    data = yaml.safe_load(TOY_DECISIONS.read_text(encoding="utf-8"))
    data["turns"][3]["AAA"] = [{"option": "deploy_patrols", "area": "Celle"}]  # in CCC
    with pytest.raises(ConfigError, match=r"^decisions\.turns\.3\.AAA\[0\]\.area = 'Celle'"):
        check_decisions(exercise, parse_decisions(data, exercise.config))


def test_a_joint_operation_lets_a_partner_act_in_the_other_country(played):
    turn3 = [d for d in played.ledger.decisions if d.turn == 3 and d.delegation == "AAA"]
    assert turn3[0].args == {"area": "Bricken", "units": "both"}  # Bricken is in BBB
    jo = [a for a in played.ledger.agreements if a.proposer == "AAA"][0]
    assert jo.status == "accepted" and jo.start == 13 and jo.end is None
    # the joint operation charges both partners when it is accepted
    assert played.ledger.spent == {"AAA": 400000.0, "BBB": 400000.0, "CCC": 120000.0}


# --------------------------------------------------------------------------- the model


def test_decisions_and_injects_are_timed_changes_on_the_one_timeline(played):
    log = played.model.timeline.log
    assert played.inject_changes == 3
    assert [c["kind"] for c in log[:3]] == ["shock", "shock", "shock"]
    assert [c["shock"]["start"] for c in log[:3]] == [1, 11, 23]  # court release: offset 2
    kinds = [c["kind"] for c in played.decision_changes()]
    assert kinds == ["shock", "shock", "policy", "policy", "shock", "policy", "set"]
    deployed = log[played.inject_changes]["shock"]
    assert deployed["start"] == 2 and deployed["duration_days"] == 10


def test_a_play_is_deterministic_and_equals_the_model_replayed_from_its_log(exercise,
                                                                            decisions, played):
    again = Session(exercise)
    again.play(decisions)
    assert again.lines == played.lines
    # the same seed's run from the specs (as the after-action runs do) gives the same turns
    plan = [[] for _ in range(3)]
    changes = iter(played.decision_changes())
    for i, d in enumerate(played.ledger.decisions):
        if d.change is not None:
            plan[d.turn - 1].append([i, next(changes)])
    out = without_each(played.model.config, {
        "seed": played.seed, "injects": played.inject_specs(), "turns": plan,
        "variants": {"no_jo": [3]}, "turn_days": 10, "countries": list(played.delegations)})
    assert out["all"] == [t.indicators for t in played.turns]
    assert out["no_jo"][0] == out["all"][0]  # the joint operation was accepted in turn 2


def test_every_line_has_the_seed_and_the_exercise_hash(played, exercise):
    import json

    records = [json.loads(line) for line in played.lines]
    assert len(records) == 3 * 3
    assert {r["seed"] for r in records} == {5}
    assert {r["exercise_sha256"] for r in records} == {exercise.sha256}
    assert [(r["turn"], r["delegation"]) for r in records[:4]] == [
        (1, "AAA"), (1, "BBB"), (1, "CCC"), (2, "AAA")]
    ben = records[3]
    assert ben["charged_by_others"] == [{"by": "BBB", "option": "accept_joint_operation",
                                         "usd": 200000.0}]
    assert ben["budget_left_usd"] == 700000.0
    assert set(ben["indicators"]) >= {"arrests", "seized_cocaine", "escapes", "trust"}


def test_the_after_action_report_compares_each_decision_without_it(played):
    aa = after_action(played, seeds=2, workers=1)
    assert aa.seeds == [5, 6]
    assert set(aa.table["decision"]) == {1, 2, 3, 4, 5, 6, 7, 8}
    row = aa.table[(aa.table["decision"] == 4) & (aa.table["country"] == "BBB")
                   & (aa.table["indicator"] == "arrests")].iloc[0]
    assert row["n_seeds"] == 2 and row["ci_low"] <= row["difference"] <= row["ci_high"]
    assert row["difference"] == pytest.approx(row["with_mean"] - row["without_mean"])


# --------------------------------------------------------------------------- files


@pytest.mark.slow
def test_play_writes_the_outputs_and_replay_reproduces_them_byte_for_byte(exercise,
                                                                         decisions, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    play(exercise, ScriptedSource(decisions), a, workers=1, say=lambda *_: None)
    names = {p.name for p in a.iterdir()}
    assert names == {"log.jsonl", "exercise.yaml", "indicators.csv", "decisions.csv",
                     "after_action.csv", "page.html", "maps"}
    assert len(list((a / "maps").iterdir())) == 3 * 3 + 3
    replay(a / LOG_NAME, b, workers=1, say=lambda *_: None)
    for path in sorted(a.rglob("*")):
        if path.is_file():
            assert path.read_bytes() == (b / path.relative_to(a)).read_bytes(), path.name
    html = (a / "page.html").read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html and "src=\"data:image/png" in html


@pytest.mark.slow
def test_an_edited_log_does_not_replay(exercise, decisions, tmp_path):
    a = tmp_path / "a"
    play(exercise, ScriptedSource(decisions), a, report=False, say=lambda *_: None)
    text = (a / LOG_NAME).read_text(encoding="utf-8")
    (a / LOG_NAME).write_text(text.replace('"budget_usd":800000.0', '"budget_usd":900000.0'),
                              encoding="utf-8")
    with pytest.raises(ConfigError, match="line 2 is not allowed: playing turn 1 again"):
        replay(a / LOG_NAME, tmp_path / "b", workers=1, say=lambda *_: None)
    other = parse_exercise(toy_text(seed=99))
    with pytest.raises(ConfigError, match="log of another exercise file"):
        existing_log(a, other)


def interrupted_play(exercise, decisions, folder, stop_after: int) -> None:
    """Play from the terminal until the input ends after turn ``stop_after``."""
    answers = []
    for turn in range(1, stop_after + 1):
        for iso in exercise.config.delegations:
            for e in decisions.get(turn, {}).get(iso, []):
                answers += terminal_answers(e, exercise)
            answers.append("0")
    feed = iter(answers)

    def ask(prompt):
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    with pytest.raises(Interrupted) as stop:
        play(exercise, TerminalSource(ask, lambda *_: None), folder, say=lambda *_: None)
    assert stop.value.turns == stop_after


def terminal_answers(entry, exercise) -> list[str]:
    """What a delegation types at the menu for a decision entry (Enter for a default)."""
    import dataclasses

    from sim.exercise.actions import ACTIONS

    out = [entry.option]
    for f in dataclasses.fields(ACTIONS[exercise.config.menu[entry.option].action].Args):
        value = entry.args.get(f.name, "")
        out.append(",".join(value) if isinstance(value, list) else str(value))
    return out


@pytest.mark.slow
def test_an_interrupted_exercise_resumes_from_its_log(exercise, decisions, played, tmp_path):
    folder = tmp_path / "run"
    interrupted_play(exercise, decisions, folder, stop_after=2)
    records, lines = read_log(folder / LOG_NAME)
    assert len(lines) == 2 * 3 and lines == played.lines[:6]
    # a crash while writing leaves a cut line: it is dropped, its turn played again
    with (folder / LOG_NAME).open("a", encoding="utf-8") as fh:
        fh.write(played.lines[6][:50])
    records, lines, turns = existing_log(folder, exercise)
    assert turns == 2
    play(exercise, ScriptedSource(decisions), folder, log=(records, lines), report=False,
         say=lambda *_: None)
    assert (folder / LOG_NAME).read_text(encoding="utf-8") == "".join(
        line + "\n" for line in played.lines)
    # a log truncated to one whole turn resumes too
    (folder / LOG_NAME).write_text("".join(line + "\n" for line in played.lines[:3]),
                                   encoding="utf-8")
    records, lines, turns = existing_log(folder, exercise)
    assert turns == 1
    play(exercise, ScriptedSource(decisions), folder, log=(records, lines), report=False,
         say=lambda *_: None)
    assert read_log(folder / LOG_NAME)[1] == played.lines


def test_the_terminal_asks_again_after_a_refused_decision(exercise):
    answers = iter(["deploy_patrols", "Atlantis", "",  # unknown area: refused
                    "9",                                 # no such entry: refused
                    "1", "Alport", "patrols",            # deploy_patrols by number
                    "share_intelligence", "?", "BBB, CCC",
                    "0"])
    said = []
    source = TerminalSource(lambda prompt: next(answers), said.append)
    session = Session(exercise, simulate=False)
    source.decide(session, "AAA")
    text = "\n".join(said)
    assert "refused: decision.area = 'Atlantis' is not allowed" in text
    assert "refused: decision.option = '9' is not allowed: must be a number 0-8" in text
    assert "delegations: BBB, CCC" in text
    taken = session.ledger.taken(1, "AAA")
    assert [(d.option, d.args) for d in taken] == [
        ("deploy_patrols", {"area": "Alport", "units": "patrols"}),
        ("share_intelligence", {"partners": ["BBB", "CCC"]})]


# --------------------------------------------------------------------------- branching


@pytest.mark.slow
def test_a_branch_keeps_the_turns_before_it_and_compares_the_futures(exercise, decisions,
                                                                     tmp_path):
    a = tmp_path / "a"
    play(exercise, ScriptedSource(decisions), a, report=False, say=lambda *_: None)
    alt = tmp_path / "alt.yaml"
    alt.write_text(yaml.safe_dump({"turns": {2: {"BBB": [
        {"option": "decline_joint_operation", "partner": "AAA"}]}}}), encoding="utf-8")
    out = tmp_path / "branch"
    page = branch(a / LOG_NAME, 2, alt, out, seeds=2, workers=1, say=lambda *_: None)
    assert page == out / "branch.html"
    records, _ = read_log(out / LOG_NAME)
    assert [d["option"] for r in records if r["turn"] == 1 for d in r["decisions"]] == [
        "propose_joint_operation", "deploy_patrols", "share_intelligence"]
    assert [d["option"] for r in records if r["turn"] == 2 for d in r["decisions"]] == [
        "decline_joint_operation"]
    import pandas as pd

    table = pd.read_csv(out / "branch.csv")
    assert set(table["n_seeds"]) == {2} and {"log_mean", "branch_mean", "diff_low"} <= set(
        table)
    # a branch that contradicts the log before its turn, or breaks a rule, is refused
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"turns": {1: {"CCC": [{"option": "court_capacity"}]}}}),
                   encoding="utf-8")
    with pytest.raises(ConfigError, match="keeps the log's decisions before turn 2"):
        branch(a / LOG_NAME, 2, bad, tmp_path / "x", workers=1, say=lambda *_: None)
    bad.write_text(yaml.safe_dump({"turns": {3: {"AAA": [
        {"option": "deploy_patrols", "area": "Bricken"}]},
        2: {"BBB": [{"option": "decline_joint_operation", "partner": "AAA"}]}}}),
        encoding="utf-8")
    with pytest.raises(ConfigError, match="Bricken is in BBB"):
        branch(a / LOG_NAME, 2, bad, tmp_path / "y", workers=1, say=lambda *_: None)
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    with pytest.raises(ConfigError, match=r"--turn = 4 is not allowed: must be a turn in"):
        branch(a / LOG_NAME, 4, alt, tmp_path / "z", workers=1, say=lambda *_: None)


# --------------------------------------------------------------------------- command line


def run_cli(argv, capsys) -> tuple[int, str, str]:
    from experiments.tabletop import main

    with pytest.raises(SystemExit) as stop:
        main(argv)
    out = capsys.readouterr()
    return stop.value.code, out.out, out.err


@pytest.mark.parametrize("edit, message", [
    ({"turns": 0}, "turns = 0 is not allowed: must be an integer in [1, 100]"),
    ({"delegations": {"BEN": {"name": "Benin", "agencies": ["x"], "budget_usd": 1.0}}},
     "delegations.BEN is not allowed: must be a core country of scenario 'toy'"),
])
def test_the_command_refuses_a_bad_exercise_in_one_line_and_writes_nothing(
        tmp_path, capsys, edit, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(toy_text(**edit), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run_cli(["play", str(bad), "--decisions", str(TOY_DECISIONS), "--out",
                            str(out)], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"error: {bad}: ") and message in err
    assert not out.exists()


def test_the_command_refuses_an_invalid_decision_in_one_line_and_writes_nothing(
        tmp_path, capsys):
    data = yaml.safe_load(TOY_DECISIONS.read_text(encoding="utf-8"))
    data["turns"][2]["BBB"] = []  # the joint operation is never accepted ...
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run_cli(["play", str(TOY), "--decisions", str(bad), "--out", str(out)],
                           capsys)
    # ... so AAA may not deploy in BBB at turn 3
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("error: decisions.turns.3.AAA[0].area = 'Bricken' is not allowed: "
                          "Bricken is in BBB: AAA may act there only under a joint operation "
                          "BBB has accepted (AAA's proposal of turn 1 is not accepted yet)")
    assert not out.exists()


@pytest.mark.slow
def test_a_refused_resume_leaves_the_log_as_it_was(exercise, decisions, tmp_path, capsys):
    folder = tmp_path / "run"
    interrupted_play(exercise, decisions, folder, stop_after=1)
    before = (folder / LOG_NAME).read_bytes()
    data = yaml.safe_load(TOY_DECISIONS.read_text(encoding="utf-8"))
    other = tmp_path / "other.yaml"
    data["turns"][1]["CCC"] = [{"option": "court_capacity"}]  # not what the log holds
    other.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, _, err = run_cli(["play", str(TOY), "--decisions", str(other), "--out",
                            str(folder)], capsys)
    assert code == 2 and err.startswith("error: decisions.turns.1.CCC = [{'option': "
                                        "'court_capacity'}] is not allowed: the log already "
                                        "holds turn 1")
    data["turns"][1]["CCC"] = []
    data["turns"][3]["CCC"] = [{"option": "mla_request", "partner": "QQQ"}]
    other.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, _, err = run_cli(["play", str(TOY), "--decisions", str(other), "--out",
                            str(folder)], capsys)
    assert code == 2 and "decisions.turns.3.CCC[0].partner = 'QQQ' is not allowed" in err
    assert (folder / LOG_NAME).read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["exercise.yaml", "log.jsonl", "maps"]


def test_the_command_refuses_a_log_that_is_not_one(tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    log.write_text('{"turn": 1}\n', encoding="utf-8")
    code, _, err = run_cli(["replay", str(log), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and err == ("error: log.jsonl line 1 is not allowed: not an exercise "
                                 "log record (format 1)\n")
    assert not (tmp_path / "out").exists()


def test_paths_exist():
    assert Path(TOY).is_file() and Path(TOY_DECISIONS).is_file()
