"""A batch of several chunks, run as the real command with one and with two worker processes, gives the same bytes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from test_batch import DATE, client_rows, write_csv

from optout.batch import CHUNK_LETTERS, JOURNAL
from optout.batch.folder import LOCK

BROKERS = "penlink,acxiom,spokeo,equifax"
CLIENTS = 25  # x 4 brokers = 100 letters: chunks of 12 whole clients (48 letters), so three chunks


def run_batch(csv_path: Path, out: Path, jobs: int) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "optout", "batch", str(csv_path), "--brokers", BROKERS, "--out", str(out),
               "--date", DATE, "--format", "txt,eml,pdf", "--jobs", str(jobs), "--json"]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    # The ledger records when it was written (optout ledger); the letters and the manifest are what must match.
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and ".optout-ledger" not in path.parts}


def test_multi_chunk_batch_with_two_jobs_is_byte_identical_to_one_job(tmp_path):
    csv_path = write_csv(tmp_path / "clients.csv", client_rows(CLIENTS))
    one, two = run_batch(csv_path, tmp_path / "one", 1), run_batch(csv_path, tmp_path / "two", 2)
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    reports = [json.loads(result.stdout) for result in (one, two)]
    for report in reports:
        del report["out"], report["manifest"]  # the two folders' own paths
    assert reports[0] == reports[1]
    assert reports[0]["letters"] == CLIENTS * 4 and reports[0]["errors"] == []

    first, second = snapshot(tmp_path / "one"), snapshot(tmp_path / "two")
    # Chunks finish in any order with two workers, so the journal holds the same lines, perhaps in another order.
    journals = [sorted(files.pop(JOURNAL).splitlines()) for files in (first, second)]
    assert journals[0] == journals[1]
    # The lock file names the process that held it.
    assert all(files.pop(LOCK).decode().strip().isdigit() for files in (first, second))
    assert len(journals[0]) == -(-CLIENTS * 4 // CHUNK_LETTERS) >= 3, "expected a batch of several chunks"
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
    assert "manifest.csv" in first
    assert sum(name.endswith(".pdf") for name in first) >= CLIENTS * 4
