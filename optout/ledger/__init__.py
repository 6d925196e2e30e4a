"""A local ledger of every request: what was sent, what happened, what is due, what to send next.

One SQLite file (store.py), its events (marking.py), due dates from the law engine (clocks.py), the letters
that go in (recording.py), what comes out (export.py) and the next letters (nextstep.py).
"""

from .clocks import RequestView, view, views
from .marking import mark, store_attachment
from .recording import BATCH_LEDGER_DIR, batch_ledger_path, file_source, letter_entry, record_batch, record_letters
from .records import Attachment, EventKind, LedgerEvent, LedgerRequest, Mark, Source, Stage
from .store import SCHEMA_VERSION, Ledger, default_ledger_path, open_ledger

__all__ = [
    "BATCH_LEDGER_DIR", "SCHEMA_VERSION", "Attachment", "EventKind", "Ledger", "LedgerEvent", "LedgerRequest", "Mark",
    "RequestView", "Source", "Stage", "batch_ledger_path", "default_ledger_path", "file_source", "letter_entry", "mark",
    "open_ledger", "record_batch", "record_letters", "store_attachment", "view", "views",
]
