"""HTML: the letter laid out for US Letter paper; also the input of the PDF renderer."""

from __future__ import annotations

from ..models import Letter
from ..templating import html_environment


def render_string(letter: Letter) -> str:
    return html_environment().get_template("letter/letter.html.j2").render(letter=letter)


def render(letter: Letter) -> bytes:
    return render_string(letter).encode("utf-8")
