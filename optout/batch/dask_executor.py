"""Running a batch's chunks on a Dask distributed cluster (`optout batch --executor dask --scheduler ADDRESS`).

The chunks are the same deterministic chunks a local run makes. Workers only render: each returns its chunk's
files in memory, and this process (the one holding the folder lock) writes them and appends the journal line,
exactly as a local run does. So the cluster needs no shared file system, and `--resume`, the manifest and every
file are byte-identical to a local run, given the same optout, WeasyPrint, fonts and HarfBuzz on every worker.

Needs the optional extra: `pip install 'optout[dask]'`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

from ..catalog import Catalog
from ..errors import InputError
from .chunk import ChunkResult, RenderedChunk, render_chunk_files, write_chunk
from .plan import BatchSettings, Chunk

IN_FLIGHT_PER_THREAD = 2  # as the local pool: every worker thread busy, without every chunk's files in memory at once
_frozen = False


def _render_on_worker(chunk: Chunk, settings: BatchSettings, catalog: Catalog) -> RenderedChunk:
    global _frozen  # noqa: PLW0603  (once per worker process)
    if not _frozen:
        # What the worker holds at start (its libraries, the catalog) is never garbage: the collector skips it.
        gc.freeze()
        _frozen = True
    return render_chunk_files(chunk, settings, catalog)


def _connect(scheduler: str):
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--executor dask needs the dask extra: pip install 'optout[dask]'") from None
    try:
        return Client(scheduler, timeout=30, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc})") from None


def run_chunks_on_dask(
    scheduler: str,
    todo: list[Chunk],
    settings: BatchSettings,
    out_dir: Path,
    on_done: Callable[[ChunkResult], None],
    catalog: Catalog,
) -> None:
    """Render `todo` on the cluster at `scheduler`; write each chunk here as it comes back, then call on_done."""
    if not todo:
        return
    from distributed import as_completed

    client = _connect(scheduler)
    try:
        # The catalog goes to every worker once, not with every chunk.
        [shared_catalog] = client.scatter([catalog], broadcast=True)
        threads = max(1, sum(client.nthreads().values()))
        queue = iter(todo)

        def submit(chunk: Chunk):
            # pure=False: each submission renders (a chunk of another run on the same cluster is not reused).
            return client.submit(_render_on_worker, chunk, settings, shared_catalog, pure=False)

        first = [submit(chunk) for _, chunk in zip(range(threads * IN_FLIGHT_PER_THREAD), queue, strict=False)]
        running = as_completed(first, loop=client.loop)
        try:
            for future in running:
                rendered = future.result()
                future.release()
                on_done(write_chunk(rendered, out_dir))
                for chunk in queue:
                    running.add(submit(chunk))
                    break
        except BaseException:
            for future in list(running.futures):
                future.cancel()
            raise
    finally:
        client.close()
