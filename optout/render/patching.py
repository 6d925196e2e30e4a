"""The mechanism optout/render/linebreaks.py and drawn_lines.py share: one patch of WeasyPrint's own functions,
made once per process (a process that forks workers makes it for them), consulted only while some caller is inside
`activated()`, with a bounded table of what it remembered. Only the WeasyPrint versions the patches were checked
against are patched; with any other, `install()` says False and WeasyPrint works as shipped, only slower."""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any

SUPPORTED = ("70.",)


class WeasyPrintPatch:
    def __init__(self, apply: Callable[[], None], limit: int) -> None:
        self._apply = apply  # replaces WeasyPrint's functions with the remembering ones
        self._installed = False
        self.limit = limit
        self.lock = threading.Lock()
        self.active = 0  # callers inside activated(); the patched functions do their own work only when non-zero
        self.entries: OrderedDict[Hashable, Any] = OrderedDict()  # each patch knows the shape of its own values

    def install(self) -> bool:
        """Patch WeasyPrint now, once per process; False when its version is not one the patch was checked against."""
        with self.lock:
            return self._install()

    def _install(self) -> bool:
        if self._installed:
            return True
        import weasyprint

        if not weasyprint.__version__.startswith(SUPPORTED):
            return False
        self._apply()
        self._installed = True
        return True

    @contextlib.contextmanager
    def activated(self) -> Iterator[None]:
        """The patched functions remember while this is active (in any thread of the process)."""
        with self.lock:
            supported = self._install()
            if supported:
                self.active += 1
        try:
            yield
        finally:
            if supported:
                with self.lock:
                    self.active -= 1

    def remember(self, key: Hashable, value: Any) -> None:
        """Keep `value` for `key`, forgetting the oldest entry beyond the limit."""
        with self.lock:
            self.entries[key] = value
            if len(self.entries) > self.limit:
                self.entries.popitem(last=False)
