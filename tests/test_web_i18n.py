"""The page's two languages: every message of the page has a Spanish translation, the shipped .mo files are the
compiled .po files, and the question and label tables cover every profile field, request kind and right."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from optout.models import Profile, RequestKind, Right
from optout.web import flow
from optout.web.i18n import environment, gettext_for, language_from_header, locale_files, translations

REPO = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("i18n_script", REPO / "scripts" / "i18n.py")
assert spec and spec.loader
i18n_script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(i18n_script)


def test_every_message_of_the_page_is_translated_to_spanish():
    extracted = {message.id for message in i18n_script.extract() if message.id}
    spanish = i18n_script.read(i18n_script.po_path("es"), "es")
    translated = {message.id for message in spanish if message.id and message.string and all(message.string)
                  and "fuzzy" not in message.flags}
    assert len(extracted) > 150
    assert extracted - translated == set(), "run scripts/i18n.py extract, translate optout/locale/es/..., compile"


def test_spanish_translations_keep_their_placeholders():
    spanish = i18n_script.read(i18n_script.po_path("es"), "es")
    for message in spanish:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)[sd]", ids[-1]))
        for text in strings:
            assert set(re.findall(r"%\(\w+\)[sd]", text)) == wanted, message.id


def test_shipped_mo_files_are_the_compiled_po_files():
    assert [p.relative_to(REPO).as_posix() for p in locale_files()] == ["optout/locale/es/LC_MESSAGES/optout.mo"]
    for language in i18n_script.LANGUAGES:
        path = i18n_script.po_path(language)
        assert path.with_suffix(".mo").read_bytes() == i18n_script.mo_bytes(i18n_script.read(path, language)), (
            "run: python scripts/i18n.py compile"
        )


def test_spanish_is_spanish_and_english_is_the_source():
    assert gettext_for("es")("Where do you live?") == "¿Dónde vive?"
    assert gettext_for("en")("Where do you live?") == "Where do you live?"
    assert translations("es").ngettext("%(num)d company", "%(num)d companies", 2) % {"num": 2} == "2 empresas"
    html = environment("es").get_template("web/forgotten.html.j2").render(csrf="", step="forgotten")
    assert 'lang="es"' in html and "Sus respuestas se olvidaron" in html and "English" not in html


def test_browser_language_picks_the_first_language_optout_speaks():
    assert language_from_header("es-MX,es;q=0.9,en;q=0.8") == "es"
    assert language_from_header("fr-FR,en;q=0.5") == "en"
    assert language_from_header(None) == "en"


def test_every_profile_field_is_asked_or_deliberately_not():
    """A new Profile field (an advertising id, a plate) shows up here until it gets a FieldSpec or a reason."""
    asked = {spec.path.split(".")[0] for spec in flow.FIELDS}
    assert set(Profile.model_fields) - asked - set(flow.NOT_ASKED) == set()
    assert set(flow.ERROR_HINTS) == {spec.name for spec in flow.FIELDS if spec.kind != "checkbox"}


def test_every_request_kind_and_right_has_words():
    assert set(flow.REQUEST_LABELS) == set(flow.WEB_REQUESTS) and set(flow.WEB_REQUESTS) <= set(RequestKind)
    assert set(flow.RIGHT_LABELS) == set(Right)


def test_spanish_keeps_one_word_for_each_thing_and_its_own_quotation_marks():
    """The Spanish reviewer's terms: a complaint is «presentar una queja» (not «denunciar», a police report), days are
    «días calendario», one «ID de publicidad», «páginas sobre usted», «solicitudes», and quotations use «…»."""
    spanish = i18n_script.read(i18n_script.po_path("es"), "es")
    texts = [text for message in spanish if message.id
             for text in (message.string if isinstance(message.string, tuple) else (message.string,))]
    for avoided in ("denunci", "natural", "identificador de publicidad", "fichas", "peticiones", "mismo/a", "“", "”"):
        assert not [text for text in texts if avoided in text], avoided
    assert translations("es").ngettext("%(num)d calendar day", "%(num)d calendar days", 1) == "%(num)d día calendario"
    assert translations("es").ngettext("%(num)d calendar day", "%(num)d calendar days", 3) == "%(num)d días calendario"
