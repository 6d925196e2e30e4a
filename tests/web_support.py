"""Shared by the web tests: a running `optout serve` app on 127.0.0.1 in a thread, and a fictional person."""

from __future__ import annotations

import datetime as dt
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

LETTER_DATE = dt.date(2026, 11, 27)
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@contextmanager
def running_server() -> Iterator[tuple[str, object]]:
    """(base URL, sessions) of a real uvicorn server on a free port of 127.0.0.1."""
    import uvicorn

    from optout.web import create_app

    app, sessions = create_app(today=lambda: LETTER_DATE)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the web server did not start"
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", sessions
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()
