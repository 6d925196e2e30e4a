"""`optout batch --executor dask`: the same chunks on a real Dask cluster (distributed.LocalCluster, two worker
processes) give the same manifest and the same bytes in every file as a local run, and --resume works across the two."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from test_batch import DATE, client_rows, read_manifest, write_csv

from optout.batch import JOURNAL, read_journal
from optout.batch.folder import LOCK

distributed = pytest.importorskip("distributed", reason="the dask extra (optout[dask]) is not installed")

BROKERS = "penlink,acxiom,spokeo,equifax"
CLIENTS = 50  # x 4 brokers = 200 letters, in five chunks of whole clients


@pytest.fixture(scope="module")
def cluster():
    # Processes, as a real cluster has: WeasyPrint is not made for threads sharing one process.
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    ) as local_cluster:
        yield local_cluster


def file_hashes(folder: Path) -> dict[str, str]:
    """Every file's SHA-256, but the lock (it names the process), the journal (chunks finish in any order) and the
    request ledger (bookkeeping that notes when it was written, as the local batch tests leave it out too)."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name not in (LOCK, JOURNAL) and ".optout-ledger" not in path.parts
    }


def run(cli, csv_path: Path, out: Path, *extra: str):
    result = cli("batch", csv_path, "--brokers", BROKERS, "--out", out, "--date", DATE, "--format", "pdf,txt,eml",
                 "--jobs", "1", "--quiet", "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_dask_batch_is_byte_identical_to_a_local_run_and_resumes(cli, tmp_path, cluster):
    csv_path = write_csv(tmp_path / "clients.csv", client_rows(CLIENTS))
    dask = ["--executor", "dask", "--scheduler", cluster.scheduler_address]
    local_report = run(cli, csv_path, tmp_path / "local")
    dask_report = run(cli, csv_path, tmp_path / "dask", *dask)
    assert local_report["letters"] == dask_report["letters"] == CLIENTS * 4
    local, remote = file_hashes(tmp_path / "local"), file_hashes(tmp_path / "dask")
    assert sum(name.endswith(".pdf") for name in local) >= CLIENTS * 4
    assert (tmp_path / "local" / "manifest.csv").read_bytes() == (tmp_path / "dask" / "manifest.csv").read_bytes()
    assert local == remote
    # The same journal: the same chunk lines (in the order the chunks finished).
    assert read_journal(tmp_path / "local") == read_journal(tmp_path / "dask")
    assert len(read_journal(tmp_path / "dask")) >= 4, "expected a batch of several chunks"
    # The workers only render: every file is written by this process, privately, as in a local run.
    for row in read_manifest(tmp_path / "dask"):
        assert oct((tmp_path / "dask" / row["file"]).stat().st_mode & 0o777) == "0o600"

    # An interrupted run (two chunks' journal lines and one client's files gone) resumed on the cluster: the
    # missing chunks are rendered again and the folder ends byte-identical to the uninterrupted local run.
    journal = tmp_path / "dask" / JOURNAL
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join(lines[:-2]))
    for path in (tmp_path / "dask" / "C-0000").iterdir():
        path.unlink()
    intact = [entry for entry in read_journal(tmp_path / "dask").values()
              if not any(row["client_id"] == "C-0000" for row in entry["rows"])]
    resumed = run(cli, csv_path, tmp_path / "dask", "--resume", *dask)
    assert 0 < resumed["resumed_chunks"] == len(intact) < len(lines)
    assert file_hashes(tmp_path / "dask") == local


def test_dask_options_must_agree(cli, tmp_path):
    csv_path = write_csv(tmp_path / "clients.csv", client_rows(1))
    result = cli("batch", csv_path, "--out", tmp_path / "a", "--executor", "dask")
    assert result.exit_code == 2 and "--scheduler" in result.output
    result = cli("batch", csv_path, "--out", tmp_path / "b", "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 2 and "--executor dask" in result.output
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
