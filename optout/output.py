"""Writing outputs: every file is rendered in memory first, then written atomically and privately."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .fsutil import atomic_write, make_private_dir
from .models import Agent, Letter
from .render import RENDERERS, txt

FILE_MODE = 0o600
DIR_MODE = 0o700


def ensure_private_dir(path: Path, managed: bool = False) -> Path:
    """Create the folder (and missing parents) 0700; an existing folder keeps its mode (see fsutil)."""
    return make_private_dir(path, managed=managed)


@dataclass(frozen=True)
class RenderedFile:
    name: str
    data: bytes


def file_stem(letter: Letter) -> str:
    # Only slugs and the derived reference: never a person's name or other raw input.
    return f"{letter.broker_id}-{letter.request.value}-{letter.reference}"


def render_files(letter: Letter, formats: list[str], authorization: tuple[str, Agent] | None = None) -> list[RenderedFile]:
    """All files of one letter; `authorization` (person's name, agent) adds the form the person signs."""
    stem = file_stem(letter)
    files = [RenderedFile(f"{stem}.{fmt}", RENDERERS[fmt](letter)) for fmt in formats]
    if letter.webform_url and "txt" in formats:
        files.append(RenderedFile(f"{stem}-webform.txt", txt.render_webform(letter)))
    if authorization is not None:
        from .render.pdf import render_authorization

        files.append(RenderedFile(f"{stem}-authorization.pdf", render_authorization(letter, *authorization)))
    return files


def write_files(files: list[RenderedFile], out_dir: Path) -> list[Path]:
    ensure_private_dir(out_dir)
    paths = []
    for item in files:
        path = out_dir / item.name
        atomic_write(path, item.data, FILE_MODE)
        paths.append(path)
    return paths


def write_letter(letter: Letter, formats: list[str], out_dir: Path, authorization: tuple[str, Agent] | None = None) -> list[Path]:
    return write_files(render_files(letter, formats, authorization), out_dir)
