"""The one kind of error a user can fix.

Library functions raise InputError (or a subclass) for a problem in what the user gave: a profile or
agent file, a CSV, a catalog record, a date, a broker selector or a format. The CLI prints its message
as one line and exits 2. Any other exception is a bug in optout (exit 4), never shown as the user's
mistake; output problems are OutputError (fsutil, exit 3).
"""

from __future__ import annotations


class InputError(ValueError):
    """Something the user gave cannot be used; the message names the file, row or field and says why."""
