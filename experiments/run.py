"""Single runs and sweeps.

Single run::

    python -m experiments.run scenario=west_africa policy=security seed=1

writes into Hydra's run directory: timeseries, events, flow.npz, config.yaml, map.png and
(last) summary.csv/json. Any Hydra override works; ``--cfg job`` prints the config.

Sweep (Hydra multirun, joblib launcher by default, one process per core)::

    python -m experiments.run -m policy=baseline,security seed='range(20)'

Each run goes to ``outputs/sweeps/<sweep_name>/<overrides>/``. A run whose folder already
holds a summary for the same config is skipped, so rerunning an interrupted sweep finishes
only the missing runs. A run that fails writes ``error.txt`` in its folder and the others
go on; the sweep then exits with status 1 and lists the failures.
"""

from __future__ import annotations

import logging
import time
import traceback
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from experiments.common import ERROR_FILE, fail, finished, split_config, write_error
from sim.config import ConfigError
from sim.io import write_run
from sim.region import RegionError
from sim.simulate import simulate

log = logging.getLogger(__name__)


def run_job(cfg: DictConfig, outdir: Path) -> dict | None:
    """Validate ``cfg``, simulate, write outputs to ``outdir``; returns the summary.

    Returns ``None`` without simulating when ``outdir`` already holds a finished run of
    the same config.
    """
    model_cfg, output = split_config(cfg)
    if finished(outdir, model_cfg):
        log.info("already finished, skipped: %s", outdir)
        return None
    t0 = time.perf_counter()
    result = simulate(model_cfg)
    t1 = time.perf_counter()
    paths = write_run(result, outdir, output)
    (outdir / ERROR_FILE).unlink(missing_ok=True)
    log.info("simulated %d days in %.2f s, wrote %d files in %.2f s to %s",
             result.summary["steps_run"], t1 - t0, len(paths), time.perf_counter() - t1, outdir)
    return result.summary


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> dict | None:
    hc = HydraConfig.get()
    outdir = Path(hc.runtime.output_dir)
    sweeping = hc.mode == RunMode.MULTIRUN
    try:
        summary = run_job(cfg, outdir)
    except (ConfigError, RegionError) as err:
        if not sweeping:
            fail(str(err), outdir)
        write_error(outdir, f"error: {err}\n")
        log.error("error: %s", err)
        return None
    except Exception:
        write_error(outdir, traceback.format_exc())
        if not sweeping:
            raise
        log.error("run failed (traceback in %s)", outdir / ERROR_FILE)
        return None
    if not sweeping:
        print(f"outputs: {outdir}")
    return summary


if __name__ == "__main__":
    main()
