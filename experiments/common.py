"""Glue shared by the Hydra entry points: config conversion, finished-run detection,
failure records and clean error exits."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml
from omegaconf import DictConfig, OmegaConf

from sim import runfiles
from sim.atomic import write_text
from sim.config import ConfigError, ModelConfig, from_dict, to_dict
from sim.io import OutputConfig

ERROR_FILE = runfiles.ERROR
"""Written into a run's folder when the run failed (message or traceback)."""

ENTRY_KEYS = ("hydra", "output", "sweep_name")
"""Top-level keys of the Hydra config that are not part of the model config."""


def split_config(cfg: DictConfig) -> tuple[ModelConfig, OutputConfig]:
    """Validate a composed Hydra config into the model config and the output settings."""
    data = OmegaConf.to_container(cfg, resolve=True)
    if not isinstance(data, dict):
        raise ConfigError(f"config = {data!r} is not allowed: must be a mapping")
    output = data.pop("output", None)
    for key in ENTRY_KEYS:
        data.pop(key, None)
    model_cfg = from_dict(ModelConfig, data)
    return model_cfg, from_dict(OutputConfig, output, "output")


def finished(outdir: Path, config: ModelConfig) -> bool:
    """Whether ``outdir`` holds a finished run (summary written) of exactly ``config``."""
    summary, saved = outdir / runfiles.SUMMARY, outdir / runfiles.CONFIG
    if not (summary.is_file() and saved.is_file()):
        return False
    try:
        return yaml.safe_load(saved.read_text(encoding="utf-8")) == to_dict(config)
    except yaml.YAMLError:
        return False


def write_error(outdir: Path, text: str) -> None:
    """Record a failed run in its folder (atomically)."""
    outdir.mkdir(parents=True, exist_ok=True)
    write_text(outdir / ERROR_FILE, text)


def fail(message: str, outdir: Path | None = None) -> None:
    """Print one error line and exit with status 2; remove a run dir holding only Hydra's
    own bookkeeping (``.hydra/`` and the job's log), so a rejected config leaves nothing
    half written."""
    if outdir is not None and outdir.is_dir():
        leftovers = {p.name for p in outdir.iterdir()}
        if all(name == runfiles.HYDRA_DIR or name.endswith(".log") for name in leftovers):
            shutil.rmtree(outdir, ignore_errors=True)
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)
