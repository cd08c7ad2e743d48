"""Calibration targets: ``python -m experiments.calibrate calibration=<name>``.

Validates the calibration file (``configs/calibration/<name>.yaml``; any field can be
overridden, e.g. ``calibration.seeds=3``), runs the shipped defaults for every scenario
(and shock) its targets need, paired by seed, and writes ``targets.csv``, ``report.md`` and
``report.html`` into Hydra's run directory (``outputs/calibration/<name>``, or
``hydra.run.dir=DIR``). With ``parameters`` and ``calibration.samples=N``, it also runs a
history-matching wave (``wave.jsonl``, resumable; ``wave.csv``; a summary in the report).
A bad value prints one line and exits with status 2.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.common import fail
from sim.analysis.calibration import (
    check_targets,
    load_calibration,
    report_html,
    report_markdown,
    run_wave,
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
    lines = None
    if cal.samples:
        wave = run_wave(cal, folder, table, progress=True)
        write_text(folder / "wave.csv", wave.to_csv(index=False, float_format="%.6g"))
        lines = wave_summary(cal, wave)
    overrides = HydraConfig.get().overrides.task
    where = os.path.relpath(folder) if not os.path.relpath(folder).startswith("..") else folder
    command = shlex.join([".venv/bin/python", "-m", "experiments.calibrate", *overrides,
                          f"hydra.run.dir={where}"])
    write_text(folder / "targets.csv", table.to_csv(index=False, float_format="%.6g"))
    write_text(folder / "report.md", report_markdown(cal, table, command, lines))
    write_text(folder / "report.html", report_html(cal, table, command, lines))
    fitted = table[~table["held_out"]]
    print(f"{int(fitted['in_band'].sum())} of {len(fitted)} fitted targets in band; "
          f"report: {folder / 'report.html'}")


if __name__ == "__main__":
    main()
