"""PDF through WeasyPrint, with a URL fetcher that can reach nothing but optout's own templates."""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from ..models import Letter
from ..paths import templates_dir
from ..templating import html_environment
from . import html


class FetchRefused(FatalURLFetchingError):
    """Raised for every URL outside the packaged templates; fatal so nothing renders half-fetched."""


class PackagedFilesOnly(URLFetcher):
    """Fetches host-less file:/// URLs under templates/ and refuses everything else (http, data, other files, file://HOST)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"file"})
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        parsed = urlparse(url)
        # A host in a file URL (file://HOST/...) would be looked up by name: only host-less file URLs are local.
        if parsed.scheme == "file" and not parsed.netloc:
            path = Path(unquote(parsed.path)).resolve()
            if path.is_relative_to(templates_dir()) and path.is_file():
                return super().fetch(url, headers)
        self.refused.append(url)
        raise FetchRefused(f"optout does not fetch {url!r}")


@contextlib.contextmanager
def pinned_timestamps(letter_date: dt.date) -> Iterator[None]:
    """Make embedded fonts reproducible while rendering: fontTools stamps subset fonts with SOURCE_DATE_EPOCH,
    else with now. The variable is restored afterwards, so a program using optout as a library keeps its own."""
    noon = dt.datetime.combine(letter_date, dt.time(12, 0))
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(calendar.timegm(noon.timetuple()))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def render_html(document: str) -> bytes:
    return HTML(string=document, base_url=templates_dir().as_uri() + "/", url_fetcher=PackagedFilesOnly()).write_pdf()


def render(letter: Letter) -> bytes:
    with pinned_timestamps(letter.date):
        return render_html(html.render_string(letter))


def render_authorization(letter: Letter) -> bytes:
    """The form the person signs so the agent who signs `letter` may send it for them."""
    document = html_environment().get_template("letter/authorization.html.j2").render(letter=letter)
    with pinned_timestamps(letter.date):
        return render_html(document)
