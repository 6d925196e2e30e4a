"""What every optout command shares: the --json option, JSON printing and the one-line error exit.

Exit codes (README, "Exit codes"): 0 done; 1 done, but some input rows or catalog records had problems;
2 a usage or input error (arguments, profile, agent file, CSV, dates); 3 the output could not be written
(file system full or read-only, permissions, a path that is a file or a symlink, a folder in use by or
holding another batch); 4 an internal error in optout itself.
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import json
import os
from typing import Annotated

import typer

from .errors import InputError

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


# Every problem in what the user gave is an InputError (optout/errors.py); any other exception is a bug.
USER_ERRORS = (InputError,)


def friendly_errors(command):
    """Turn every failure a user can cause or meet into one clear line on stderr and a documented exit code.

    Input problems (files, fields, dates) exit 2; the output that cannot be written (disk full, read-only,
    permissions, symlinks, a folder in use) exits 3. See README, "Exit codes".
    """

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except USER_ERRORS as exc:
            raise fail(str(exc)) from None
        except OverflowError:
            raise fail(
                "--date/--on: too late a date: a response deadline counted from it would fall after the year 9999"
            ) from None
        except OSError as exc:
            raise fail(describe_os_error(exc), code=EXIT_OUTPUT) from None

    return wrapper


def parse_date(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--date/--on: '{value}' is not a date in the form YYYY-MM-DD") from None
