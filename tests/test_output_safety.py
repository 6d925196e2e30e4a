"""A batch folder is one consistent run, and writes never follow links or touch what optout did not make.

Real CLI invocations on real files. The tests run as root here, so a "victim" is a file or folder owned by
`nobody`: a write that follows a planted link would change it, and root's writes are not stopped by modes.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import pdf_text

from optout.clients import COLUMNS, EXAMPLE_ROW

BROKERS = "penlink,acxiom,spokeo"
DATE = "2026-11-27"
REAL_STREET = "99 Real Hideout Ln"
NOBODY = 65534
BOOKKEEPING = {".optout-batch.lock", ".optout-batch-run.json", ".optout-batch-journal.jsonl", "manifest.csv", "errors.csv"}


def rows(count: int, **overrides) -> list[dict]:
    out = []
    for index in range(count):
        row = dict(EXAMPLE_ROW)
        row |= {"client_id": f"C-{index:04d}", "full_name": f"Client {index} Example", "email": f"client{index}@example.org"}
        out.append(row | overrides)
    return out


def write_csv(path: Path, data: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(data)
    return path


def manifest_files(out: Path) -> set[str]:
    with open(out / "manifest.csv", newline="", encoding="utf-8") as handle:
        return {row["file"] for row in csv.DictReader(handle)}


def all_files(out: Path) -> set[str]:
    # The batch's request ledger (.optout-ledger/: the database, its WAL and attached replies) is bookkeeping too;
    # it records when it was written, so it is not part of the byte-identical output either.
    return {p.relative_to(out).as_posix() for p in out.rglob("*")
            if (p.is_file() or p.is_symlink()) and ".optout-ledger" not in p.relative_to(out).parts}


def assert_one_run(out: Path) -> None:
    """Every file under the folder is in the manifest or is one of the run's bookkeeping files."""
    assert all_files(out) - manifest_files(out) <= BOOKKEEPING, all_files(out) - manifest_files(out) - BOOKKEEPING


def snapshot(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in sorted(all_files(out)) if not (out / name).is_symlink()}


def batch(cli, csv_path: Path, out: Path, *extra: str, formats: str = "txt,eml"):
    return cli(
        "batch",
        csv_path,
        "--brokers",
        BROKERS,
        "--out",
        out,
        "--date",
        DATE,
        "--format",
        formats,
        "--quiet",
        "--jobs",
        "1",
        *extra,
    )


def victim_file(path: Path, text: str = "victim's own data\n") -> Path:
    path.write_text(text)
    os.chown(path, NOBODY, NOBODY)
    os.chmod(path, 0o644)
    return path


def assert_victim_untouched(path: Path, text: str = "victim's own data\n") -> None:
    info = os.lstat(path)
    assert path.read_text() == text, "a write followed a planted link into another user's file"
    assert info.st_uid == NOBODY and stat.S_IMODE(info.st_mode) == 0o644, "another user's file was chmodded or chowned"


def one_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


# ---------------------------------------------------------------------------
# A batch folder is one consistent run


def test_address_confidentiality_rerun_leaves_no_letter_with_the_real_address(cli, tmp_path):
    out = tmp_path / "out"
    first = write_csv(tmp_path / "first.csv", rows(1, street=REAL_STREET))
    assert batch(cli, first, out, formats="txt,eml,pdf").exit_code == 0
    assert any(REAL_STREET in (out / f).read_text() for f in manifest_files(out) if f.endswith(".txt"))

    substitute = rows(
        1,
        street=REAL_STREET,
        statuses="acp",
        acp_street="PO Box 1000",
        acp_city="Sacramento",
        acp_state="CA",
        acp_postal_code="95812",
    )
    second = write_csv(tmp_path / "second.csv", substitute)
    refused = batch(cli, second, out, formats="txt,eml,pdf")
    assert refused.exit_code == 3, refused.output
    assert "not empty" in one_line(refused) and "--force" in refused.output

    replaced = batch(cli, second, out, "--force", formats="txt,eml,pdf")
    assert replaced.exit_code == 0, replaced.output
    assert "removing the earlier batch" in replaced.output
    assert_one_run(out)
    for name in all_files(out):
        path = out / name
        data = path.read_bytes()
        assert REAL_STREET.encode() not in data, f"{name} still holds the real address"
        if name.endswith(".pdf"):
            assert REAL_STREET not in pdf_text(path), f"{name} still holds the real address"
    # Letters to brokers that find people by postal address carry the program's substitute address, never the real one.
    with open(out / "manifest.csv", newline="", encoding="utf-8") as handle:
        rows_written = list(csv.DictReader(handle))
    letters = [r["file"] for r in rows_written if r["file"].endswith(".txt")
               and not r["file"].endswith(("-notes.txt", "-webform.txt")) and "address" in r["discloses"].split(";")]
    assert letters and all("PO Box 1000" in (out / f).read_text() for f in letters)


def test_client_removed_from_the_csv_leaves_no_folder(cli, tmp_path):
    out = tmp_path / "out"
    assert batch(cli, write_csv(tmp_path / "three.csv", rows(3)), out).exit_code == 0
    assert (out / "C-0002").is_dir()
    result = batch(cli, write_csv(tmp_path / "two.csv", rows(2)), out, "--force")
    assert result.exit_code == 0, result.output
    assert not (out / "C-0002").exists()
    assert_one_run(out)


def test_force_refuses_a_folder_that_is_not_a_batch(cli, tmp_path):
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    result = batch(cli, write_csv(tmp_path / "c.csv", rows(1)), out, "--force")
    assert result.exit_code == 3
    assert "did not make" in one_line(result)
    assert (out / "thesis.docx").read_text() == "years of work"


CHANGES = {
    "csv": ("clients CSV", lambda tmp: ["csv", write_csv(tmp / "other.csv", rows(2, city="Pasadena"))]),
    "date": ("--date", lambda tmp: ["--date", "2026-11-28"]),
    "format": ("--format", lambda tmp: ["--format", "txt"]),
    "request": ("--request", lambda tmp: ["--request", "access"]),
    "brokers": ("--brokers", lambda tmp: ["--brokers", "penlink,acxiom"]),
    "agent": ("--agent", lambda tmp: ["--agent", _agent(tmp)]),
}


def _agent(tmp: Path) -> Path:
    path = tmp / "agent.yaml"
    path.write_text(
        "organization: Example Legal Clinic\ncontact_name: Sam Lee\n"
        "address: {street: 1 Court St, city: Oakland, state: CA, postal_code: '94612'}\n"
    )
    return path


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_resume_refuses_a_changed_input_or_setting_and_says_which(cli, tmp_path, change):
    label, extra = CHANGES[change]
    csv_path = write_csv(tmp_path / "c.csv", rows(2))
    out = tmp_path / "out"
    assert batch(cli, csv_path, out).exit_code == 0
    before = snapshot(out)
    args = {"csv": csv_path, "--brokers": BROKERS, "--date": DATE, "--format": "txt,eml"}
    changed = extra(tmp_path)
    args[changed[0]] = changed[1]
    command = ["batch", args.pop("csv"), "--out", out, "--quiet", "--jobs", "1", "--resume"]
    for key, value in args.items():
        command += [key, value]
    command += changed[2:]
    result = cli(*command)
    assert result.exit_code == 3, result.output
    line = one_line(result)
    assert "--resume refused" in line and label in line
    assert snapshot(out) == before, "a refused resume changed the folder"


def test_resume_with_the_same_inputs_still_works(cli, tmp_path):
    csv_path = write_csv(tmp_path / "c.csv", rows(2))
    out = tmp_path / "out"
    assert batch(cli, csv_path, out).exit_code == 0
    result = batch(cli, csv_path, out, "--resume", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["resumed_chunks"] == 1
    assert_one_run(out)


def test_a_second_process_on_the_same_folder_is_refused(cli, tmp_path):
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".optout-batch.lock", "w") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        holder.write("4242\n")
        holder.flush()
        result = batch(cli, write_csv(tmp_path / "c.csv", rows(1)), out)
    assert result.exit_code == 3
    assert "another optout batch is writing to this folder (process 4242)" in one_line(result)
    assert sorted(os.listdir(out)) == [".optout-batch.lock"]


def test_two_concurrent_batches_into_one_folder(tmp_path):
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "optout",
        "batch",
        "--brokers",
        BROKERS,
        "--date",
        DATE,
        "--quiet",
        "--format",
        "pdf",
        "--jobs",
        "1",
        "--out",
        str(out),
    ]
    first = subprocess.Popen(
        command[:4] + [str(write_csv(tmp_path / "a.csv", rows(30)))] + command[4:],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out / ".optout-batch-run.json").exists():
        time.sleep(0.05)
    second = subprocess.run(
        command[:4] + [str(write_csv(tmp_path / "b.csv", rows(5, city="Pasadena")))] + command[4:],
        capture_output=True,
        text=True,
        check=False,
    )
    _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert second.returncode == 3, second.stderr
    assert "another optout batch is writing to this folder" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    assert_one_run(out)
    assert {f.split("/")[0] for f in manifest_files(out)} == {f"C-{i:04d}" for i in range(30)}


# ---------------------------------------------------------------------------
# Writes never follow planted links


def test_planted_symlink_at_the_temp_name_is_never_written_through(cli, write_profile, tmp_path, monkeypatch):
    import secrets

    # With the advertising ID Pen-Link finds people by: one file per letter, no -notes.txt (two names are drawn).
    profile = write_profile(advertising_ids=[{"platform": "android", "id": "38400000-8cf0-11bd-b23e-10b96e40000d"}])
    probe = tmp_path / "probe"
    assert (
        cli("letter", "--profile", profile, "--broker", "penlink", "--format", "txt", "--out", probe, "--date", DATE).exit_code
        == 0
    )
    name = next(probe.glob("*.txt")).name

    out = tmp_path / "out"
    out.mkdir()
    victim = victim_file(tmp_path / "victim.txt")
    # The name the old writer used (pid-based) and the first random name the new one will draw.
    os.symlink(victim, out / f".{name}.{os.getpid()}.part")
    os.symlink(victim, out / f".{name}.optout-{'a' * 16}.part")
    draws = iter(["a" * 16, "b" * 16])
    monkeypatch.setattr(secrets, "token_hex", lambda n: next(draws))
    result = cli("letter", "--profile", profile, "--broker", "penlink", "--format", "txt", "--out", out, "--date", DATE)
    assert result.exit_code == 0, result.output
    assert_victim_untouched(victim)
    assert "Alex Rivera" in (out / name).read_text()
    assert not (out / name).is_symlink()


def test_symlinked_client_folder_is_refused(cli, tmp_path):
    csv_path = write_csv(tmp_path / "c.csv", rows(2))
    out = tmp_path / "out"
    assert batch(cli, csv_path, out).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o755)
    os.chown(elsewhere, NOBODY, NOBODY)
    os.chmod(elsewhere, 0o755)
    for path in (out / "C-0001").iterdir():
        path.unlink()
    (out / "C-0001").rmdir()
    os.symlink(elsewhere, out / "C-0001")

    result = batch(cli, csv_path, out, "--resume")
    assert list(elsewhere.iterdir()) == [], "letters were written through a symlinked client folder"
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o755 and elsewhere.stat().st_uid == NOBODY
    assert result.exit_code == 3, result.output
    assert "C-0001" in one_line(result)


def test_client_folder_write_refuses_a_symlink_even_when_planted_mid_run(tmp_path):
    import datetime as dt

    from optout.batch import BatchSettings, plan_chunks, render_chunk
    from optout.clients import read_clients
    from optout.fsutil import OutputError
    from optout.models import RequestKind

    intake = read_clients(write_csv(tmp_path / "c.csv", rows(1)))
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, out / "C-0000")
    chunk = plan_chunks(intake.clients, ["penlink"])[0]
    with pytest.raises(OutputError, match="symbolic link"):
        render_chunk(chunk, BatchSettings(RequestKind.DELETE, dt.date(2026, 11, 27), ("txt",)), out)
    assert list(elsewhere.iterdir()) == []


def test_symlinked_journal_is_refused(cli, tmp_path):
    csv_path = write_csv(tmp_path / "c.csv", rows(2))
    out = tmp_path / "out"
    assert batch(cli, csv_path, out).exit_code == 0
    victim = victim_file(tmp_path / "victim.txt")
    journal = out / ".optout-batch-journal.jsonl"
    journal.unlink()
    os.symlink(victim, journal)
    result = batch(cli, csv_path, out, "--resume")
    assert_victim_untouched(victim)
    assert result.exit_code == 3, result.output
    assert "symbolic link" in one_line(result)


def test_journal_owned_by_another_user_is_refused(cli, tmp_path):
    csv_path = write_csv(tmp_path / "c.csv", rows(1))
    out = tmp_path / "out"
    assert batch(cli, csv_path, out).exit_code == 0
    journal = out / ".optout-batch-journal.jsonl"
    journal.unlink()
    victim = victim_file(tmp_path / "victim.txt")
    os.link(victim, journal)  # a hard link: not a symlink, but still someone else's file
    result = batch(cli, csv_path, out, "--resume")
    assert_victim_untouched(victim)
    assert result.exit_code == 3, result.output
    assert "belongs to another user" in one_line(result)


# ---------------------------------------------------------------------------
# Modes: only what optout created


@pytest.mark.parametrize("mode", [0o1777, 0o2775], ids=["sticky-1777", "setgid-2775"])
def test_existing_out_folder_keeps_its_mode(cli, tmp_path, mode):
    out = tmp_path / "shared"
    out.mkdir()
    os.chmod(out, mode)
    assert batch(cli, write_csv(tmp_path / "c.csv", rows(1)), out).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert stat.S_IMODE((out / "C-0000").stat().st_mode) == 0o700
    assert all(stat.S_IMODE((out / f).stat().st_mode) == 0o600 for f in manifest_files(out))


def test_letter_into_an_existing_folder_keeps_its_mode(cli, write_profile, tmp_path):
    out = tmp_path / "shared"
    out.mkdir()
    os.chmod(out, 0o1777)
    assert (
        cli(
            "letter", "--profile", write_profile(), "--broker", "penlink", "--format", "txt", "--out", out, "--date", DATE
        ).exit_code
        == 0
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o1777


def test_folders_created_under_umask_000_are_private(cli, tmp_path):
    out = tmp_path / "a" / "b" / "out"
    old = os.umask(0)
    try:
        result = batch(cli, write_csv(tmp_path / "c.csv", rows(1)), out)
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    for folder in (tmp_path / "a", tmp_path / "a" / "b", out, out / "C-0000"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for name in all_files(out):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600, name


# ---------------------------------------------------------------------------
# Cleanup: only optout's own temp files


def test_resume_keeps_a_users_part_file(cli, tmp_path):
    csv_path = write_csv(tmp_path / "c.csv", rows(2))
    out = tmp_path / "out"
    assert batch(cli, csv_path, out).exit_code == 0
    (out / "notes").mkdir()
    thesis = out / "notes" / ".thesis.docx.part"
    thesis.write_text("chapter 3, unsaved")
    result = batch(cli, csv_path, out, "--resume")
    assert thesis.read_text() == "chapter 3, unsaved"
    assert result.exit_code == 3 and "notes/" in one_line(result)


def test_resume_removes_optout_temp_files(cli, tmp_path):
    csv_path = write_csv(tmp_path / "c.csv", rows(2))
    out = tmp_path / "out"
    assert batch(cli, csv_path, out).exit_code == 0
    leftover = out / "C-0000" / f".penlink-delete-x.txt.optout-{'0' * 16}.part"
    leftover.write_text("half a letter")
    result = batch(cli, csv_path, out, "--resume")
    assert result.exit_code == 0, result.output
    assert not leftover.exists()
    assert_one_run(out)


# ---------------------------------------------------------------------------
# Workers die with their parent


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_when_the_batch_parent_is_killed(tmp_path):
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "optout",
        "batch",
        str(write_csv(tmp_path / "c.csv", rows(60))),
        "--brokers",
        BROKERS,
        "--date",
        DATE,
        "--quiet",
        "--format",
        "pdf",
        "--jobs",
        "2",
        "--out",
        str(out),
    ]
    parent = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = _children(parent.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the pool did not start"
    time.sleep(1.0)  # let them get into rendering
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.05)
    survivors = [pid for pid in workers if _alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors, "workers outlived the killed batch"
