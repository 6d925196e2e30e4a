"""`optout serve`: start the local web page and open it in the browser. Only parses options; optout.web does the work."""

# Annotations are evaluated where written, not kept as strings: see optout/cli.py.

from pathlib import Path
from typing import Annotated

import typer

from .cli_common import EXIT_INPUT, EXIT_OUTPUT, fail

HOST = "127.0.0.1"  # never another interface: the page holds a person's name and address


def serve(
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (default: a free one).")] = 0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the private link instead of opening it.")] = False,
    ledger: Annotated[
        Path | None,
        typer.Option("--ledger", help="The ledger the page offers to record letters in, e.g. a clinic's "
                     "(default: your own, if `optout ledger` has made one). Nothing is recorded unless you tick the box."),
    ] = None,
) -> None:
    """Write your letters on a page in your browser, in English or Spanish. It runs on this computer only
    (127.0.0.1), opened with a private one-time link; nothing is sent anywhere. Stop it with Ctrl+C."""
    import socket
    import webbrowser

    if ledger is not None and not ledger.expanduser().is_file():
        raise fail(f"--ledger {ledger}: no ledger file there; `optout letter --record --ledger {ledger}` or "
                   "`optout batch` makes one", code=EXIT_INPUT)

    import uvicorn

    from .web import create_app

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((HOST, port))
    except OSError as exc:
        listener.close()
        message = f"--port {port}: cannot listen on {HOST}:{port} ({exc.strerror}); choose another port"
        raise fail(message, code=EXIT_OUTPUT) from None
    listener.listen(16)
    typer.echo("Starting optout…")
    from .catalog import default_catalog
    from .web.bundle import warm_up

    catalog = default_catalog()
    warm_up(catalog)  # a few seconds now instead of on the first "Download"
    app, sessions = create_app(catalog, ledger=ledger)
    url = f"http://{HOST}:{listener.getsockname()[1]}/?token={sessions.token}"
    typer.echo(f"optout is running on this computer only. Open this private link (it works once):\n\n  {url}\n")
    typer.echo("Stop it with Ctrl+C when you are done; your answers are forgotten then.")
    if not no_browser:
        webbrowser.open(url)
    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False, date_header=False,
                            limit_concurrency=32, timeout_keep_alive=5)
    uvicorn.Server(config).run(sockets=[listener])


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
