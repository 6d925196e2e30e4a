"""Every failure a user can cause or meet is one line naming the file or field, with a documented exit code.

Exit codes (README, "Exit codes"): 2 input, 3 output/filesystem, 4 internal. The read-only and full file
systems are real tmpfs mounts in a private mount namespace when `unshare` works here; the same errors are
also raised through monkeypatched os calls so the CLI's handling is tested everywhere.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import profile_data

DATE = "2026-11-27"
CSV_HEADER = "client_id,full_name,residence_state,street,city,state,postal_code\n"


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def run_optout(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "optout", *map(str, args)], capture_output=True, text=True, check=False, **kwargs
    )


def clients_csv(path: Path, count: int = 2) -> Path:
    path.write_text(CSV_HEADER + "".join(f"C-{i},Client {i},CA,1 Main St,Los Angeles,CA,90012\n" for i in range(count)))
    return path


def _can_mount() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"], capture_output=True, check=False
    )
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(not _can_mount(), reason="needs unshare -m and tmpfs mounts")


def run_in_mount(mount: Path, options: str, *args) -> subprocess.CompletedProcess:
    mount.mkdir()
    script = f'mount -t tmpfs -o {options} tmpfs "$1" && shift && exec "$@"'
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", str(mount), sys.executable, "-m", "optout", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


# ---------------------------------------------------------------------------
# Real file systems


@needs_mount
def test_read_only_file_system_is_one_line_exit_3(tmp_path, write_profile):
    result = run_in_mount(
        tmp_path / "ro",
        "ro,size=1m",
        "letter",
        "--profile",
        write_profile(),
        "--broker",
        "penlink",
        "--out",
        tmp_path / "ro" / "letters",
        "--date",
        DATE,
    )
    assert result.returncode == 3, result.stderr
    line = one_line(result.stderr)
    assert "Read-only file system" in line and "letters" in line


@needs_mount
def test_full_disk_during_a_batch_is_one_line_exit_3(tmp_path):
    result = run_in_mount(
        tmp_path / "small",
        "size=64k",
        "batch",
        clients_csv(tmp_path / "c.csv", 6),
        "--brokers",
        "penlink,acxiom,spokeo",
        "--out",
        tmp_path / "small" / "out",
        "--date",
        DATE,
        "--quiet",
        "--jobs",
        "1",
        "--format",
        "pdf",
    )
    assert result.returncode == 3, result.stderr
    assert "No space left on device" in one_line(result.stderr)


def test_out_owned_by_another_user_is_one_line_exit_3(tmp_path, write_profile):
    # A real EACCES: the command runs as `nobody` against a folder only root may write.
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o755)
    profile = write_profile()
    os.chmod(tmp_path, 0o755)
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to nobody")

    def as_nobody():
        os.setgid(65534)
        os.setuid(65534)

    env = dict(os.environ, HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"))
    try:
        probe = subprocess.run(
            [sys.executable, "-c", "import optout"], preexec_fn=as_nobody, capture_output=True, env=env, check=False
        )
    except OSError:
        pytest.skip("nobody cannot run this Python")
    if probe.returncode != 0:
        pytest.skip("nobody cannot import optout from this checkout")
    os.chmod(profile, 0o644)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "optout",
            "letter",
            "--profile",
            str(profile),
            "--broker",
            "penlink",
            "--out",
            str(locked / "letters"),
            "--date",
            DATE,
            "--format",
            "txt",
        ],
        capture_output=True,
        text=True,
        preexec_fn=as_nobody,
        env=env,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    assert "Permission denied" in one_line(result.stderr)


# ---------------------------------------------------------------------------
# The same errors raised through os calls (CLI handling, everywhere)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "No space left on device"),
        (errno.EROFS, "Read-only file system"),
        (errno.EACCES, "Permission denied"),
        (errno.EDQUOT, "quota"),
    ],
)
def test_write_errors_are_one_line_exit_3(cli, write_profile, tmp_path, monkeypatch, code, words):
    from optout import fsutil

    def failing_fdopen(fd, *args, **kwargs):
        raise OSError(code, os.strerror(code))

    profile = write_profile()
    monkeypatch.setattr(fsutil.os, "fdopen", failing_fdopen)
    result = cli(
        "letter", "--profile", profile, "--broker", "penlink", "--format", "txt", "--out", tmp_path / "o", "--date", DATE
    )
    assert result.exit_code == 3
    line = one_line(result.output)
    assert words.lower() in line.lower() and str(tmp_path / "o") in line
    assert [p.name for p in (tmp_path / "o").iterdir()] == [], "a temp file was left behind"


def test_mkdir_permission_error_is_one_line_exit_3(cli, write_profile, tmp_path, monkeypatch):
    from optout import fsutil

    def denied(path, mode=0o777):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    profile = write_profile()
    monkeypatch.setattr(fsutil.os, "mkdir", denied)
    result = cli(
        "batch",
        clients_csv(tmp_path / "c.csv"),
        "--brokers",
        "penlink",
        "--out",
        tmp_path / "out",
        "--date",
        DATE,
        "--quiet",
        "--format",
        "txt",
    )
    assert result.exit_code == 3
    assert "Permission denied" in one_line(result.output)
    assert profile.exists()


# ---------------------------------------------------------------------------
# Paths that cannot be output folders


@pytest.mark.parametrize("command", ["letter", "batch", "example"])
def test_out_that_is_a_file_is_one_line_exit_3(tmp_path, write_profile, command):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    args = {
        "letter": ["letter", "--profile", write_profile(), "--broker", "penlink", "--format", "txt"],
        "batch": ["batch", clients_csv(tmp_path / "c.csv"), "--brokers", "penlink", "--format", "txt", "--quiet"],
        "example": ["example"],
    }[command]
    result = run_optout(*args, "--out", target, "--date", DATE)
    assert result.returncode == 3, result.stderr
    assert "exists and is not a folder" in one_line(result.stderr)
    assert target.read_text() == "not a folder"


def test_out_name_too_long_is_one_line_exit_3(tmp_path, write_profile):
    result = run_optout(
        "letter",
        "--profile",
        write_profile(),
        "--broker",
        "penlink",
        "--format",
        "txt",
        "--out",
        tmp_path / ("x" * 300),
        "--date",
        DATE,
    )
    assert result.returncode == 3, result.stderr
    assert "File name too long" in one_line(result.stderr)


# ---------------------------------------------------------------------------
# Dates out of range


@pytest.mark.parametrize("command", ["letter", "explain", "batch"])
def test_date_9999_is_one_line_exit_2_and_writes_nothing(tmp_path, write_profile, command):
    out = tmp_path / "out"
    args = {
        "letter": ["letter", "--profile", write_profile(), "--broker", "penlink", "--out", out],
        "explain": ["explain", "--profile", write_profile(), "--broker", "penlink"],
        "batch": ["batch", clients_csv(tmp_path / "c.csv"), "--brokers", "penlink", "--out", out, "--quiet"],
    }[command]
    result = run_optout(*args, "--date", "9999-12-31")
    assert result.returncode == 2, result.stderr
    assert "9999" in one_line(result.stderr)
    assert not out.exists()


# ---------------------------------------------------------------------------
# Encoding


def test_profile_that_is_not_utf8_is_one_line_exit_2(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_bytes("full_name: Jos\xe9\n".encode("latin-1"))
    result = run_optout("explain", "--profile", path, "--broker", "penlink")
    assert result.returncode == 2
    assert "p.yaml: not UTF-8" in one_line(result.stderr)


def test_profile_that_is_a_folder_is_one_line_exit_2(tmp_path):
    result = run_optout("explain", "--profile", tmp_path, "--broker", "penlink")
    assert result.returncode == 2
    assert "is a folder" in one_line(result.stderr)


# ---------------------------------------------------------------------------
# No tracebacks, no local variables


def test_unexpected_error_is_one_line_exit_4_without_locals(tmp_path, monkeypatch, capsys, write_profile):
    import optout.cli as cli_module

    secret = "Alex Rivera, 12 Elm St"

    def broken(*args, **kwargs):
        person = secret  # noqa: F841 - a local a traceback with locals would print
        raise RuntimeError("boom")

    monkeypatch.setattr("optout.legal.decide", broken)  # the command imports it when it runs
    monkeypatch.setattr(sys, "argv", ["optout", "explain", "--profile", str(write_profile()), "--broker", "penlink"])
    with pytest.raises(SystemExit) as stopped:
        cli_module.main()
    assert stopped.value.code == 4
    captured = capsys.readouterr()
    line = one_line(captured.err)
    assert "internal error (RuntimeError)" in line
    assert secret not in captured.err + captured.out


def test_pretty_tracebacks_and_locals_are_off():
    from optout.cli import app

    assert app.pretty_exceptions_enable is False
    assert app.pretty_exceptions_show_locals is False


def test_version_and_help_do_what_they_say(tmp_path, write_profile):
    version = run_optout("--version")
    assert version.returncode == 0 and version.stdout.startswith("optout ")
    # With mismatched typer/click pins every command printed the version and wrote nothing.
    out = tmp_path / "o"
    letter = run_optout(
        "letter", "--profile", write_profile(), "--broker", "penlink", "--format", "txt", "--out", out, "--date", DATE
    )
    assert letter.returncode == 0, letter.stderr
    assert "optout 0." not in letter.stdout and list(out.glob("*.txt"))


def test_yaml_with_a_repeated_key_is_one_line_exit_2(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(profile_data()) + "full_name: Someone Else\n")
    result = run_optout("explain", "--profile", path, "--broker", "penlink")
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "full_name" in line and "more than once" in line
