"""Calibration targets: ``python -m experiments.calibrate calibration=<name>``.

Validates the calibration file (``configs/calibration/<name>.yaml``; any field can be
overridden, e.g. ``calibration.seeds=3``), runs the shipped defaults for every scenario
(and shock) its targets need, paired by seed, and writes ``targets.csv``, ``report.md`` and
``report.html`` into Hydra's run directory (``outputs/calibration/<name>``, or
``hydra.run.dir=DIR``). With ``parameters`` and ``calibration.samples=N``, it also runs
``calibration.waves`` waves of history matching (``wave.jsonl``, resumable; ``wave.csv``;
``marginals.png``; a summary in the report) and, with ``calibration.confirm=K``, re-runs the
last wave's K least implausible rows over the seeds (``confirm.csv``) and names the
calibrated point.
A bad value prints one line and exits with status 2.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.common import fail
from sim.analysis.calibration import (
    check_targets,
    confirm_candidates,
    confirm_summary,
    history_match,
    load_calibration,
    plot_marginals,
    report_html,
    report_markdown,
    wave_summary,
)
from sim.atomic import write_text
from sim.schema import ConfigError


@hydra.main(version_base="1.3", config_path="../configs", config_name="calibrate")
def main(cfg: DictConfig) -> None:
    folder = Path(HydraConfig.get().runtime.output_dir)
    data = OmegaConf.to_container(cfg.calibration, resolve=True)
    try:
        cal = load_calibration(data)
    except ConfigError as err:
        fail(str(err), folder)
        return
    table = check_targets(cal)
    folder.mkdir(parents=True, exist_ok=True)
    lines, png = None, None
    if cal.samples:
        # the model's noise in the implausibility is measured at the middle of the prior
        # ranges, so the wave's verdicts do not depend on the defaults shipped from it
        middle = {**cal.fixed, **{n: (p.lo + p.hi) / 2 for n, p in cal.parameters.items()}}
        noise = check_targets(cal, overrides=middle)
        waves = history_match(cal, folder, noise, progress=True)
        write_text(folder / "wave.csv", waves.to_csv(index=False, float_format="%.6g"))
        waves = pd.read_csv(folder / "wave.csv")  # the summary reads the saved results
        lines = [f"Model noise in the implausibility: the sd over {cal.seeds} seeds at the "
                 f"middle of the prior ranges."] + wave_summary(cal, waves)
        plot_marginals(cal, waves, folder / "marginals.png")
        if cal.confirm:
            done = folder / "confirm.csv"  # candidates already confirmed are not re-run
            confirmed = confirm_candidates(cal, waves, previous=pd.read_csv(done)
                                           if done.exists() else None)
            write_text(folder / "confirm.csv", confirmed.to_csv(index=False,
                                                                 float_format="%.6g"))
            lines += confirm_summary(cal, confirmed, shipped=table)
        png = (folder / "marginals.png").read_bytes()
    overrides = HydraConfig.get().overrides.task
    where = os.path.relpath(folder) if not os.path.relpath(folder).startswith("..") else folder
    command = shlex.join([".venv/bin/python", "-m", "experiments.calibrate", *overrides,
                          f"hydra.run.dir={where}"])
    write_text(folder / "targets.csv", table.to_csv(index=False, float_format="%.6g"))
    write_text(folder / "report.md", report_markdown(cal, table, command, lines))
    write_text(folder / "report.html", report_html(cal, table, command, lines, png))
    fitted = table[~table["held_out"]]
    print(f"{int(fitted['in_band'].sum())} of {len(fitted)} fitted targets in band; "
          f"report: {folder / 'report.html'}")


if __name__ == "__main__":
    main()
