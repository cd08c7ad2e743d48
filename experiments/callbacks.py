"""Hydra callback: at the end of a sweep, count finished and failed runs, list failures."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim import runfiles


class SweepReport(Callback):
    """Print a one-line account of the sweep folder; exit with status 1 if runs failed."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep = Path(config.hydra.sweep.dir)
        runs = sorted(p.parent for p in sweep.rglob(runfiles.HYDRA_DIR))
        done = [r for r in runs if (r / runfiles.SUMMARY).is_file()]
        failed = [r for r in runs if (r / runfiles.ERROR).is_file() and r not in done]
        print(f"sweep {sweep}: {len(done)} of {len(runs)} runs finished, {len(failed)} failed",
              file=sys.stderr)
        for r in failed:
            text = (r / runfiles.ERROR).read_text(encoding="utf-8").strip().splitlines()
            print(f"  failed: {r.relative_to(sweep)}: {text[-1] if text else ''}",
                  file=sys.stderr)
        if failed:
            sys.exit(1)
