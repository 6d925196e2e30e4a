"""Writing outputs: every file is rendered in memory first, then written atomically and privately."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .filenames import authorization_name, file_stem
from .fsutil import atomic_write, make_private_dir
from .models import Letter
from .render import RENDERERS, eml, txt

FILE_MODE = 0o600
DIR_MODE = 0o700


def ensure_private_dir(path: Path, managed: bool = False) -> Path:
    """Create the folder (and missing parents) 0700; an existing folder keeps its mode (see fsutil)."""
    return make_private_dir(path, managed=managed)


@dataclass(frozen=True)
class RenderedFile:
    name: str
    data: bytes


def notes_file(letter: Letter) -> RenderedFile | None:
    """What the person should know about this letter, beside it (DROP, FCRA, service providers, no channel)."""
    if not letter.notes:
        return None
    return RenderedFile(f"{file_stem(letter)}-notes.txt", txt.render_notes(letter))


def render_files(letter: Letter, formats: list[str]) -> list[RenderedFile]:
    """All files of one letter; an agent's letter adds the authorization form the person signs, also attached
    to the email draft."""
    stem = file_stem(letter)
    authorization: list[tuple[str, bytes]] = []
    if letter.agent is not None:
        from .render.pdf import render_authorization

        authorization = [(authorization_name(letter), render_authorization(letter))]
    files = []
    for fmt in formats:
        data = eml.render(letter, authorization) if fmt == "eml" else RENDERERS[fmt](letter)
        files.append(RenderedFile(f"{stem}.{fmt}", data))
    if letter.webform_url and "txt" in formats:
        files.append(RenderedFile(f"{stem}-webform.txt", txt.render_webform(letter)))
    files += [RenderedFile(name, data) for name, data in authorization]
    if (notes := notes_file(letter)) is not None:
        files.append(notes)
    return files


def write_files(files: list[RenderedFile], out_dir: Path | str) -> list[Path]:
    out_dir = Path(out_dir)
    ensure_private_dir(out_dir)
    paths = []
    for item in files:
        path = out_dir / item.name
        atomic_write(path, item.data, FILE_MODE)
        paths.append(path)
    return paths


def write_letter(letter: Letter, formats: list[str], out_dir: Path | str) -> list[Path]:
    return write_files(render_files(letter, formats), out_dir)
