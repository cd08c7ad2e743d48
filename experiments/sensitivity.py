"""Global sensitivity studies: ``python -m experiments.sensitivity study=<name>``.

Validates the study (``configs/study/<name>.yaml``; any field can be overridden, e.g.
``study.samples=64``), runs every missing run into the study folder (Hydra's run directory,
``outputs/studies/<study name>`` by default; ``hydra.run.dir=DIR`` chooses another) with a
progress bar, then writes the indices, figures and report from the saved runs.
``analyse_only=true`` only rewrites the analysis. A bad study value prints one line and
exits with status 2; failed runs are recorded in ``failures.jsonl`` (status 1).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.common import fail
from sim.analysis.sensitivity import analyse
from sim.analysis.study import load_study, run_study
from sim.schema import ConfigError


@hydra.main(version_base="1.3", config_path="../configs", config_name="sensitivity")
def main(cfg: DictConfig) -> None:
    folder = Path(HydraConfig.get().runtime.output_dir)
    data = OmegaConf.to_container(cfg.study, resolve=True)
    try:
        study = load_study(data)
        if not cfg.analyse_only:
            before, done, failed = run_study(study, folder)
            print(f"study {study.name}: {before} runs were already done, {done} finished now, "
                  f"{failed} failed", file=sys.stderr)
        else:
            failed = 0
        overrides = HydraConfig.get().overrides.task
        command = shlex.join([".venv/bin/python", "-m", "experiments.sensitivity", *overrides,
                              f"hydra.run.dir={folder.resolve()}"])
        report = analyse(folder, command)
    except ConfigError as err:
        fail(str(err), folder)
        return
    print(f"report: {report}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
