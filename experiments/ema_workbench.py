"""The model as an EMA Workbench model: ``python -m experiments.ema_workbench``.

EMA Workbench (Kwakkel, Environmental Modelling & Software 2017) wants a model to be a
plain function of keyword parameters that returns a dict of outcomes, which is what
:func:`sim.simulate.evaluate` is. This entry point wraps it, declares some uncertain
mechanism parameters, makes the seed an uncertainty of its own (so seeds are experiment
data, sampled with the rest and kept in the experiments table), and runs
``perform_experiments`` (Latin hypercube). Needs the optional extra: ``pip install -e
'.[ema]'`` (the test environment has it).

    python -m experiments.ema_workbench --scenarios 20 --steps 60
    python -m experiments.ema_workbench --scenarios 200 --workers 2 --save toy.tar.gz
"""

from __future__ import annotations

import argparse
import sys
import warnings

UNCERTAINTIES = {
    # EMA name -> (config path, low, high)
    "post_detection_prob": ("model.post_detection_prob", 0.05, 0.2),
    "patrol_detection_prob": ("model.patrol_detection_prob", 0.01, 0.04),
    "risk_learning_rate": ("model.risk_learning_rate", 0.1, 0.6),
    "recruitment_rate_per_day": ("model.recruitment_rate_per_day", 0.02, 0.1),
}
"""The uncertain parameters of the example (any config path works the same way)."""

OUTCOMES = ("delivered_cocaine", "delivered_fuel", "seized_fuel", "arrests", "convictions")


def trafficking(scenario: str = "toy", steps: int = 60, seed: int = 0, **values) -> dict:
    """One run of the model as EMA Workbench calls it: keyword parameters in, outcomes out."""
    from sim.config import make_config
    from sim.simulate import evaluate

    overrides = {"seed": int(seed), **{UNCERTAINTIES[k][0]: float(v) for k, v in values.items()}}
    out = evaluate(make_config(scenario, steps=int(steps)), overrides)
    return {name: out[name] for name in OUTCOMES}


def make_model(scenario: str = "toy", steps: int = 60):
    """The EMA Workbench ``Model`` of :func:`trafficking`."""
    with warnings.catch_warnings():  # ema_workbench warns about optional evaluators
        warnings.simplefilter("ignore")
        from ema_workbench import (
            Constant,
            IntegerParameter,
            Model,
            RealParameter,
            ScalarOutcome,
        )

    model = Model("trafficking", function=trafficking)
    model.constants = [Constant("scenario", scenario), Constant("steps", steps)]
    model.uncertainties = [RealParameter(name, lo, hi)
                           for name, (_, lo, hi) in UNCERTAINTIES.items()]
    model.uncertainties += [IntegerParameter("seed", 0, 2**31 - 1)]
    model.outcomes = [ScalarOutcome(name) for name in OUTCOMES]
    return model


def run(scenarios: int, scenario: str = "toy", steps: int = 60, workers: int = 1):
    """``perform_experiments`` on :func:`make_model`; returns (experiments, outcomes)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import MultiprocessingEvaluator, SequentialEvaluator, perform_experiments

    model = make_model(scenario, steps)
    if workers > 1:
        with MultiprocessingEvaluator(model, n_processes=workers) as evaluator:
            return perform_experiments(model, scenarios=scenarios, evaluator=evaluator)
    with SequentialEvaluator(model) as evaluator:
        return perform_experiments(model, scenarios=scenarios, evaluator=evaluator)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.ema_workbench",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", type=int, default=20)
    parser.add_argument("--scenario", default="toy")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--save", metavar="FILE.tar.gz")
    args = parser.parse_args(argv)
    try:
        experiments, outcomes = run(args.scenarios, args.scenario, args.steps, args.workers)
    except ImportError as err:
        print(f"error: {err}; install the optional extra: pip install -e '.[ema]'",
              file=sys.stderr)
        return 2
    import pandas as pd

    table = pd.concat([experiments[[*UNCERTAINTIES, "seed"]], pd.DataFrame(outcomes)], axis=1)
    print(table.describe().T[["mean", "std", "min", "max"]].to_string())
    if args.save:
        from ema_workbench import save_results

        save_results((experiments, outcomes), args.save)
        print(f"saved {args.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
