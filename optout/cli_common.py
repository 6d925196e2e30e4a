"""What every optout command shares: the --json option, JSON printing and the one-line error exit.

Exit codes (README, "Exit codes"): 0 done; 1 done, but some input rows or catalog records had problems;
2 a usage or input error (arguments, profile, agent file, CSV, dates); 3 the output could not be written
(file system full or read-only, permissions, a path that is a file or a symlink, a folder in use by or
holding another batch); 4 an internal error in optout itself.
"""

from __future__ import annotations

import errno
import json
import os
from typing import Annotated

import typer

EXIT_OK = 0
EXIT_ROWS = 1
EXIT_INPUT = 2
EXIT_OUTPUT = 3
EXIT_INTERNAL = 4

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of text.")]

# What to add to the system's words for the failures people meet most.
ERRNO_HINTS = {
    errno.ENOSPC: "the disk is full; free some space and run again (a batch can --resume)",
    errno.EDQUOT: "your disk quota is used up; free some space and run again",
    errno.EROFS: "the file system is read-only; choose another --out",
    errno.EACCES: "you may not write there; choose another --out",
    errno.EPERM: "you may not write there; choose another --out",
    errno.ENAMETOOLONG: "choose a shorter --out",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EEXIST: "a file is in the way",
}


def print_json(data) -> None:
    # Keys keep the order the code gives them (the order a reader expects), not sorted.
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


def fail(message: str, code: int = EXIT_INPUT) -> typer.Exit:
    """Print one clear line on stderr; the caller raises the returned Exit (code 2 unless told)."""
    typer.echo(f"optout: error: {' '.join(str(message).split())}", err=True)
    return typer.Exit(code=code)


def describe_os_error(exc: OSError) -> str:
    """One line naming the path and what went wrong."""
    from .fsutil import OutputError

    if isinstance(exc, OutputError):
        return str(exc)
    where = os.fsdecode(exc.filename) if exc.filename is not None else ""
    if exc.filename2 is not None:
        where += f" -> {os.fsdecode(exc.filename2)}"
    reason = exc.strerror or str(exc) or type(exc).__name__
    hint = ERRNO_HINTS.get(exc.errno) if exc.errno is not None else None
    line = f"{where}: {reason}" if where else reason
    return f"{line} ({hint})" if hint else line
