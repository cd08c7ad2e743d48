"""Single run: ``python -m experiments.run scenario=west_africa seed=1 steps=365``.

Writes into Hydra's run directory: timeseries, events, flow.npz, config.yaml, map.png and
(last) summary.csv/json. Any Hydra override works; ``--cfg job`` prints the config.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.common import fail, split_config
from sim.config import ConfigError
from sim.io import write_run
from sim.region import RegionError
from sim.simulate import simulate

log = logging.getLogger(__name__)


def run_job(cfg: DictConfig, outdir: Path) -> dict:
    """Validate ``cfg``, simulate, write outputs to ``outdir``; returns the summary."""
    model_cfg, output = split_config(cfg)
    t0 = time.perf_counter()
    result = simulate(model_cfg)
    t1 = time.perf_counter()
    paths = write_run(result, outdir, output)
    log.info("simulated %d days in %.2f s, wrote %d files in %.2f s to %s",
             result.summary["steps_run"], t1 - t0, len(paths), time.perf_counter() - t1, outdir)
    return result.summary


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> dict:
    outdir = Path(HydraConfig.get().runtime.output_dir)
    try:
        summary = run_job(cfg, outdir)
    except (ConfigError, RegionError) as err:
        fail(str(err), outdir)
    print(f"outputs: {outdir}")
    return summary


if __name__ == "__main__":
    main()
