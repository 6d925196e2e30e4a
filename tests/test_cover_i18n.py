"""The batch cover sheet speaks the client's language from the web page's gettext catalogs (optout/i18n.py):
every message of templates/batch/cover.html.j2 is English source text with a Spanish translation in the compiled
catalog, the template holds no Spanish of its own, and a real batch's packet PDFs read in each client's language."""

from __future__ import annotations

import csv
import datetime as dt
import gettext
import importlib.util
from pathlib import Path

import pytest
import yaml
from conftest import pdf_text, words
from jinja2.exceptions import UndefinedError
from pypdf import PdfReader

import optout.i18n
from optout.batch.chunk import ClientPacket, PacketEntry
from optout.clients import COLUMNS, EXAMPLE_ROW
from optout.i18n import translations
from optout.models import Agent
from optout.render.packet import Section
from optout.templating import html_environment

REPO = Path(__file__).resolve().parent.parent
COVER = REPO / "templates" / "batch" / "cover.html.j2"
spec = importlib.util.spec_from_file_location("i18n_script", REPO / "scripts" / "i18n.py")
assert spec and spec.loader
i18n_script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(i18n_script)


AGENT = {"organization": "Example Legal Clinic", "contact_name": "Sam Lee", "email": "clinic@example.org",
         "address": {"street": "1 Court St", "city": "Oakland", "state": "CA", "postal_code": "94612"}}


def cover_messages() -> list[str | tuple[str, str]]:
    """The messages scripts/i18n.py extracts from the cover sheet (singular, or (singular, plural))."""
    return [message.id for message in i18n_script.extract() if any("batch/cover" in path for path, _ in message.locations)]


def test_every_message_of_the_cover_has_spanish_in_the_compiled_catalog():
    messages = cover_messages()
    assert len(messages) >= 25, messages  # the extractor found the cover sheet's messages
    spanish = translations("es")
    assert isinstance(spanish, gettext.GNUTranslations)  # the shipped .mo, not a fallback
    for message in messages:
        if isinstance(message, tuple):
            for count in (1, 2, 5):
                translated = spanish.ngettext(message[0], message[1], count)
                assert translated and translated not in message, (message, count)
        else:
            assert spanish.gettext(message) not in ("", message), message


def test_the_cover_template_holds_no_spanish_of_its_own():
    source = COVER.read_text(encoding="utf-8")
    spanish = translations("es")
    for message in cover_messages():
        translated = spanish.ngettext(message[0], message[1], 2) if isinstance(message, tuple) else spanish.gettext(message)
        assert translated not in source, translated
    for word in ("Qué hacer", "Usted", "carta", "Empresa", "{% if es %}"):
        assert word not in source


def cover_html(language: str, **overrides) -> str:
    entries = [
        PacketEntry("OPT-20261127-AAAA0001", "Post Co", "postal", "1 Main St", dt.date(2027, 1, 11), "agent"),
        PacketEntry("OPT-20261127-AAAA0002", "Mail Co", "email", "privacy@example.org", None, "person"),
    ]
    packet = ClientPacket("C-1", "Ana Example", language, "delete", dt.date(2026, 11, 27), Agent.model_validate(AGENT), entries)
    for name, value in overrides.items():
        setattr(packet, name, value)
    sections = [Section("cover", "s0", packet.client_id, packet=packet)]
    html = html_environment().get_template("batch/packet.html.j2").render(sections=sections, letter_date=packet.letter_date)
    return words(html)


class Shouting(gettext.NullTranslations):
    """A stand-in catalog: every message comes back in capitals, so text that did not pass through it shows."""

    def gettext(self, message):
        return message.upper().replace("%(NUM)D", "%(num)d").replace("%(COUNT)D", "%(count)d").replace(
            "%(AGENT)S", "%(agent)s").replace("%(ADDRESS)S", "%(address)s").replace("%(COMMAND)S", "%(command)s")

    def ngettext(self, singular, plural, n):
        return self.gettext(singular if n == 1 else plural)


def test_the_cover_takes_its_words_from_the_catalog_of_the_packets_language(monkeypatch):
    real = optout.i18n.translations
    monkeypatch.setattr(optout.i18n, "translations", lambda language: Shouting() if language == "es" else real(language))
    shouted = cover_html("es")
    assert "WHAT TO DO" in shouted and "YOUR PRIVACY LETTERS" in shouted and "THIS PACKET HOLDS 2 LETTERS ASKING" in shouted
    assert "YOU MUST SIGN AND SEND 1 OF THESE LETTERS YOURSELF" in shouted and "EXAMPLE LEGAL CLINIC MAKE" not in shouted
    assert "Example Legal Clinic" in shouted  # values are filled in after translation, as they are
    assert "Qué hacer" not in shouted and "What to do" not in shouted
    english = cover_html("en")  # another language's render in the same environment is untouched
    assert "What to do" in english and "WHAT TO DO" not in english


def test_values_in_translated_messages_are_escaped():
    html = cover_html("es", full_name="<b>Ana</b>")
    assert "&lt;b&gt;Ana&lt;/b&gt;" in html and "<b>Ana" not in html
    hostile = cover_html("es", entries=[PacketEntry("R-1", "X", "email", "<i>@example.org", None, "person")])
    assert "<i>" not in hostile and "Correo electrónico a" in hostile


def test_plurals_agree_in_both_languages():
    one = [PacketEntry("R-1", "Mail Co", "email", "privacy@example.org", None, "person")]
    assert "Este paquete contiene 1 carta que pide a empresas" in cover_html("es", entries=one)
    assert "Este paquete contiene 2 cartas que piden a empresas" in cover_html("es")
    assert "This packet holds 1 letter asking" in cover_html("en", entries=one)
    assert "This packet holds 2 letters asking" in cover_html("en")


@pytest.mark.parametrize(("request_kind", "english", "spanish"), [
    ("delete", "to delete your data", "que borren sus datos"),
    ("gdpr-erasure", "to delete your data", "que borren sus datos"),
    ("nevada-opt-out", "to stop selling and sharing your data", "que dejen de vender y compartir sus datos"),
    ("access", "to tell you what data they hold", "que le digan qué datos tienen"),
    ("correct", "to correct wrong information about you", "que corrijan información equivocada"),
    ("fcra-dispute", "to correct wrong information about you", "que corrijan información equivocada"),
    ("limit-sensitive", "to limit the use of your sensitive data", "que limiten el uso de sus datos sensibles"),
    ("daniels-law", "to stop disclosing your home address", "que dejen de divulgar la dirección de su casa"),
    ("acp", "to stop disclosing your home address", "que dejen de divulgar la dirección de su casa"),
])
def test_the_cover_names_what_the_letters_ask(request_kind, english, spanish):
    """A packet of corrections or Daniel's Law notices must not tell the client it asks to see their data."""
    assert english in cover_html("en", request=request_kind)
    assert spanish in cover_html("es", request=request_kind)


def test_a_template_that_translates_without_a_language_is_an_error():
    env = html_environment()
    with pytest.raises(UndefinedError, match="language"):
        env.from_string('{{ _("Notes") }}').render()
    assert env.from_string('{{ _("Notes") }}').render(language="es") == "Notas"
    assert env.from_string('{{ _("Notes") }}').render(language="en") == "Notes"


def test_real_batch_covers_read_in_each_clients_language(cli, tmp_path):
    agent = tmp_path / "agent.yaml"
    agent.write_text(yaml.safe_dump(AGENT))
    rows = [
        dict(EXAMPLE_ROW, client_id="ES-VA", full_name="Ana Example", language="es", residence_state="VA", state="VA",
             street="5 Broad St", city="Richmond", postal_code="23220", email="ana@example.org"),
        dict(EXAMPLE_ROW, client_id="EN-CA", full_name="John Example", language="en", email="john@example.org"),
    ]
    clients = tmp_path / "clients.csv"
    with open(clients, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "out"
    result = cli("batch", clients, "--brokers", "acxiom,spokeo", "--request", "delete", "--agent", agent, "--out", out,
                 "--date", "2026-11-27", "--format", "pdf", "--jobs", "1", "--quiet")
    assert result.exit_code == 0, result.output

    spanish = words(PdfReader(out / "ES-VA" / "00-print-packet.pdf").pages[0].extract_text())
    es = translations("es")
    for message in ("Your privacy letters", "What to do", "Who signs", "Reply due", "Gets:",
                    "If a company does not answer in time or refuses, optout can make the next letter: a follow-up, an appeal "
                    "or a complaint (optout serve, “I already sent a letter”, or optout reply).",
                    "The letters are in English, because the companies read them in English."):
        assert es.gettext(message) in spanish, message
        assert message not in spanish
    assert "Referencia ES-VA" in spanish and "Reference ES-VA" not in spanish  # the page footer (letter.css, cover-es)
    assert "Sus cartas de privacidad" in spanish and "27 de noviembre de 2026" in spanish
    assert "Este paquete contiene 2 cartas que piden a empresas que venden datos personales que borren sus datos." in spanish
    # Virginia allows no agent for deletion: the client signs both, and the cover says so in Spanish.
    assert ("Usted debe firmar y enviar 2 de estas cartas (marcadas «Usted» abajo): la ley no permite que Example Legal "
            "Clinic haga esas solicitudes por usted.") in spanish
    assert "vea optout help identifiers --lang es" in spanish

    english = words(PdfReader(out / "EN-CA" / "00-print-packet.pdf").pages[0].extract_text())
    assert "Your privacy letters" in english and "This packet holds 2 letters asking companies" in english
    assert "Reference EN-CA" in english
    assert "sign the letter and the authorization" in english and "see optout help identifiers." in english
    assert "Qué hacer" not in english and "The letters are in English" not in english
    # The letters themselves stay in English whatever the client's language.
    assert "Dear " in words(pdf_text(next((out / "ES-VA").glob("acxiom-delete-*.pdf"))))
