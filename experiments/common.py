"""Glue shared by the Hydra entry points: config conversion and clean error exits."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError, ModelConfig, from_dict
from sim.io import OutputConfig


def split_config(cfg: DictConfig) -> tuple[ModelConfig, OutputConfig]:
    """Validate a composed Hydra config into the model config and the output settings."""
    data = OmegaConf.to_container(cfg, resolve=True)
    if not isinstance(data, dict):
        raise ConfigError(f"config = {data!r} is not allowed: must be a mapping")
    data.pop("hydra", None)
    output = data.pop("output", None)
    model_cfg = from_dict(ModelConfig, data)
    return model_cfg, from_dict(OutputConfig, output, "output")


def fail(message: str, outdir: Path | None = None) -> None:
    """Print one error line and exit with status 2; remove a run dir holding only Hydra's
    own bookkeeping, so a rejected config leaves nothing half written."""
    if outdir is not None and outdir.is_dir():
        leftovers = {p.name for p in outdir.iterdir()}
        if leftovers <= {".hydra", "run.log"}:
            shutil.rmtree(outdir, ignore_errors=True)
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)
