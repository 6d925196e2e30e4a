"""Safe file writes: whole files, private modes, no symlinks followed, nothing touched that optout did not make.

- `atomic_write` writes through a temp file created exclusively (`O_EXCL | O_NOFOLLOW`) under a random
  name that only optout uses (`.NAME.optout-<16 hex>.part`), then renames it into place, so a crash or kill
  never leaves a truncated file and a planted symlink or file at the temp name is never written through.
- `make_private_dir` creates missing folders 0700 (whatever the umask) and changes the mode only of folders
  it created; `managed=True` (a folder optout owns, such as a client's) refuses a symlink, a non-folder or a
  folder owned by another user.
- `is_temp_name` recognises optout's own temp names, so cleanup never removes anyone else's `.part` files.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from pathlib import Path

TEMP_NAME = re.compile(r"^\..+\.optout-[0-9a-f]{16}\.part$")
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


class OutputError(OSError):
    """The output cannot be written as asked (a symlink, another owner, another run); the message is one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def is_temp_name(name: str) -> bool:
    return bool(TEMP_NAME.match(name))


def temp_name(name: str) -> str:
    return f".{name}.optout-{secrets.token_hex(8)}.part"


def open_dir(path: Path, follow: bool = True) -> int:
    """A descriptor of the folder; with follow=False a symlink in its last component is refused."""
    flags = os.O_RDONLY | _DIRECTORY | _CLOEXEC | (0 if follow else _NOFOLLOW)
    try:
        return os.open(path, flags)
    except OSError as exc:
        if not follow and exc.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(path):
            raise OutputError(f"{path}: is a symbolic link; optout does not write through links in its output") from None
        raise


def check_owned(path: Path, info: os.stat_result, kind: str = "folder") -> None:
    """Refuse a file or folder optout is about to reuse when someone else owns it."""
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        raise OutputError(f"{path}: {kind} belongs to another user (uid {info.st_uid}); optout will not write into it")


def make_private_dir(path: Path, managed: bool = False) -> Path:
    """Create `path` and any missing parents with mode 0700; never change the mode of a folder that exists.

    managed=True is for folders optout itself owns inside an output folder (a client's folder): an existing
    one must be a real folder, not a symlink, owned by the current user.
    """
    path = Path(path)
    missing: list[Path] = []
    probe = path
    while True:
        try:
            info = os.lstat(probe)
        except FileNotFoundError:
            missing.append(probe)
            if probe.parent == probe:
                break
            probe = probe.parent
            continue
        if stat.S_ISLNK(info.st_mode):
            if probe == path and managed:
                raise OutputError(f"{path}: is a symbolic link; optout does not write through links in its output")
            try:
                info = os.stat(probe)
            except FileNotFoundError:
                raise OutputError(f"{probe}: is a symbolic link to nothing") from None
        if not stat.S_ISDIR(info.st_mode):
            raise OutputError(f"{probe}: exists and is not a folder")
        if probe == path and managed:
            check_owned(path, info)
        break
    for folder in reversed(missing):
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            # Someone made it between our look and our mkdir: it is not ours, so check it like any existing folder.
            if folder == path:
                return make_private_dir(path, managed)
            if not os.path.isdir(folder):
                raise OutputError(f"{folder}: exists and is not a folder") from None
            continue
        # mkdir's mode is filtered by the umask; set it exactly, on the folder we just made and only that.
        fd = open_dir(folder, follow=False)
        try:
            os.fchmod(fd, 0o700)
        finally:
            os.close(fd)
    return path


def atomic_write(path: Path, data: bytes, mode: int = 0o600, durable: bool = True, follow_parent: bool = True) -> None:
    """Write via an exclusive temp file in the same folder and rename it into place.

    `durable=False` skips the fsync: the rename still guarantees a whole file if the process is killed,
    only a power cut could lose it. Batches use it and fsync their journal instead.
    `follow_parent=False` refuses a parent folder that is a symlink (client folders of a batch).
    """
    path = Path(path)
    try:
        _atomic_write(path, data, mode, durable, follow_parent)
    except OutputError:
        raise
    except OSError as exc:
        # Calls relative to the folder's descriptor name only the temp file (or nothing): name the real target.
        if exc.filename is None or not os.path.isabs(os.fsdecode(exc.filename)):
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise


def _atomic_write(path: Path, data: bytes, mode: int, durable: bool, follow_parent: bool) -> None:
    folder = open_dir(path.parent, follow=follow_parent)
    try:
        for _ in range(16):
            temp = temp_name(path.name)
            try:
                handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600, dir_fd=folder)
                break
            except FileExistsError:
                continue  # a name someone planted (or a 1-in-2^64 clash): draw another
        else:
            raise OutputError(f"{path.parent}: cannot create a temporary file")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fchmod(stream.fileno(), mode)  # O_CREAT's mode is filtered by the umask
                if durable:
                    os.fsync(stream.fileno())
            os.replace(temp, path.name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp, dir_fd=folder)
            raise
        if durable:
            os.fsync(folder)
    finally:
        os.close(folder)


def open_private_file(path: Path, append: bool = False) -> tuple[int, bool]:
    """Open (creating 0600 if missing) a bookkeeping file optout keeps in an output folder: (descriptor, created).

    A symlink, a non-regular file or a file owned by someone else is refused, never written through or chmodded.
    """
    path = Path(path)
    flags = os.O_RDWR | _NOFOLLOW | _CLOEXEC | (os.O_APPEND if append else 0)
    try:
        handle = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        os.fchmod(handle, 0o600)  # ours: just created
        return handle, True
    try:
        handle = os.open(path, flags)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK) or os.path.islink(path):
            raise OutputError(f"{path}: is a symbolic link; optout does not write through links in its output") from None
        raise
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise OutputError(f"{path}: is not a regular file")
        check_owned(path, info, "file")
    except BaseException:
        os.close(handle)
        raise
    return handle, False


class LinkRefused(OSError):
    """The path's last part is a symbolic link, which optout does not read through."""


class NotRegularFile(OSError):
    """The path names something other than a regular file (a folder, a device, a FIFO)."""


@contextlib.contextmanager
def open_regular_file(path: Path | str):
    """Yield (stream, stat) of a regular file opened without following a link at its end, or None if it does not
    exist. The checks are made on the opened file, so a file swapped in after them is never read."""
    try:
        handle = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
    except FileNotFoundError:
        yield None
        return
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK) or os.path.islink(path):
            raise LinkRefused(f"{path}: is a symbolic link") from None
        raise
    with os.fdopen(handle, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(f"{path}: is not a regular file")
        yield stream, info


def read_private_file(path: Path) -> bytes | None:
    """The bytes of a bookkeeping file, None if it does not exist; symlinks and other owners' files refused."""
    try:
        with open_regular_file(path) as opened:
            if opened is None:
                return None
            stream, info = opened
            check_owned(Path(path), info, "file")
            return stream.read()
    except LinkRefused:
        raise OutputError(f"{path}: is a symbolic link; optout does not read through links in its output") from None
    except NotRegularFile:
        raise OutputError(f"{path}: is not a regular file") from None
