"""Atomic file writing: a crash leaves the old file or none, never a partial one.

Kept free of model imports so that analysis code (``sim.analysis.report``) and run output
(``sim.io``) share it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it onto ``path``.

    The file gets the usual permissions (``0o666`` less the process umask), not
    ``mkstemp``'s private ``0o600``. Returns ``path``.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))
