"""Legal-clinic batches: many clients x many brokers, print-ready, deterministic and resumable.

Work is cut into chunks of whole clients, in input order. Each chunk is one WeasyPrint document (cover
sheets, letters, authorizations) whose pages are split into per-letter PDFs and per-client packets; a
chunk's files are identical whether it was rendered in a full run or a resumed one. A journal line is
appended once a chunk's files are on disk, so `--resume` knows what it can skip.
"""

from ..query import select_brokers
from .chunk import (
    MANIFEST_COLUMNS,
    ChunkResult,
    ClientPacket,
    PacketEntry,
    Refusal,
    render_chunk,
)
from .folder import (
    JOURNAL,
    RunInputs,
    read_journal,
    record_differences,
    run_record,
    sha256_file,
)
from .plan import CHUNK_LETTERS, BatchSettings, Chunk, check_letter_date, plan_chunks
from .run import BatchReport, run_batch, total_letters
from .spreadsheet import ERROR_COLUMNS, csv_bytes, safe_cell

__all__ = [
    "BatchReport", "BatchSettings", "CHUNK_LETTERS", "Chunk", "ChunkResult", "ClientPacket", "ERROR_COLUMNS", "JOURNAL",
    "MANIFEST_COLUMNS", "PacketEntry", "Refusal", "RunInputs", "check_letter_date", "csv_bytes", "plan_chunks",
    "read_journal", "record_differences", "render_chunk", "run_batch", "run_record", "safe_cell", "select_brokers",
    "sha256_file", "total_letters",
]
