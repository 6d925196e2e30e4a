"""What every optout command shares: the --json option, JSON printing and the one-line error exit."""

from __future__ import annotations

import json
from typing import Annotated

import typer

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of text.")]


def print_json(data) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


def fail(message: str) -> typer.Exit:
    """Print one clear line on stderr; the caller raises the returned Exit (code 2)."""
    typer.echo(f"optout: error: {message}", err=True)
    return typer.Exit(code=2)
