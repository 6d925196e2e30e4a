"""Keep optout's gettext catalogs current (Babel): extract, update, compile, check. One catalog serves the web page
and the batch cover sheets (optout/i18n.py loads it); letters to brokers stay in English and are not extracted.

    python scripts/i18n.py extract   # templates/web/, templates/batch/, optout/web/ -> optout/locale/optout.pot,
                                     # merged into each .po
    python scripts/i18n.py compile   # each .po -> its .mo (shipped in the wheel; tests/test_web_i18n.py checks they match)

Translate in optout/locale/LANG/LC_MESSAGES/optout.po (any PO editor works), then compile.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "optout" / "locale"
TEMPLATE = LOCALE / "optout.pot"
LANGUAGES = ["es"]
TEMPLATE_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
TEMPLATE_DIRS = ["templates/web/**.j2", "templates/batch/**.j2"]
METHOD_MAP = [("optout/web/**.py", "python"), *((pattern, "jinja2.ext:babel_extract") for pattern in TEMPLATE_DIRS)]
OPTIONS_MAP = dict.fromkeys(TEMPLATE_DIRS, TEMPLATE_OPTIONS)
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "optout.po"


def extract() -> Catalog:
    """Every message of the page and the cover sheets, in a stable order, without line numbers and with the creation
    date of the .pot already there (so diffs show real changes, and branches that add messages do not all clash on
    the header)."""
    created = read(TEMPLATE).creation_date if TEMPLATE.exists() else None
    catalog = Catalog(project="optout", charset="utf-8", fuzzy=False, **({"creation_date": created} if created else {}))
    for filename, _lineno, message, comments, context in extract_from_dir(
        str(ROOT), METHOD_MAP, OPTIONS_MAP, keywords=KEYWORDS, strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, 0)], auto_comments=comments, context=context)
    return catalog


def po_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=120, omit_header=False, sort_output=True, include_lineno=False, ignore_obsolete=True)
    return buffer.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def update() -> None:
    template = extract()
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE.write_bytes(po_bytes(template))
    for language in LANGUAGES:
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = read(path, language) if path.exists() else Catalog(locale=language, project="optout", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True)
        path.write_bytes(po_bytes(catalog))


def compile_all() -> None:
    for language in LANGUAGES:
        path = po_path(language)
        path.with_suffix(".mo").write_bytes(mo_bytes(read(path, language)))


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "extract":
        update()
    elif command == "compile":
        compile_all()
    else:
        sys.exit(__doc__)
