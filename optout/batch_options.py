"""The `optout batch` options that choose how a batch runs (not what it writes): where its chunks render, and
whether each client gets a cover sheet and print packet. Here so cli.py stays short; nothing heavy is imported."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from .errors import InputError


class Executor(StrEnum):
    LOCAL = "local"
    DASK = "dask"


ExecutorOption = Annotated[
    Executor,
    typer.Option(
        "--executor",
        help="Where the chunks render: local (--jobs processes) or dask (the Dask cluster at --scheduler; "
        "needs optout[dask]). The files are the same either way.",
        case_sensitive=False,
    ),
]
SchedulerOption = Annotated[
    str | None, typer.Option("--scheduler", help="With --executor dask: the scheduler's address, e.g. tcp://10.0.0.5:8786.")
]
PacketOption = Annotated[
    bool,
    typer.Option(
        "--packet/--no-packet",
        help="A cover sheet and a print packet (00-print-packet.pdf) per client; --no-packet writes only the letters, faster.",
    ),
]


def dask_scheduler(executor: Executor, scheduler: str | None) -> str | None:
    """The Dask scheduler to render on, or None for local processes; the two options must agree."""
    if executor == Executor.DASK and not scheduler:
        raise InputError("--executor dask needs --scheduler ADDRESS (the Dask scheduler, e.g. tcp://10.0.0.5:8786)")
    if executor == Executor.LOCAL and scheduler:
        raise InputError("--scheduler is for --executor dask; add --executor dask, or leave out --scheduler")
    return scheduler
