"""Whole-file writes: a crash or kill never leaves a truncated file behind."""

from __future__ import annotations

import os
from pathlib import Path


def atomic_write(path: Path, data: bytes, mode: int = 0o600, durable: bool = True) -> None:
    """Write via a temp file in the same folder and rename it into place.

    `durable=False` skips the fsync: the rename still guarantees a whole file if the process is killed,
    only a power cut could lose it. Batches use it and fsync their journal instead.
    """
    # A fixed temp name per process (not mkstemp's random one): cheaper, and still unique per writer.
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.chmod(temp, mode)  # O_CREAT's mode is filtered by the umask and ignored for an existing temp
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
