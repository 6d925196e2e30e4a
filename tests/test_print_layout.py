"""Print layout, read back from real PDFs: page counts, per-letter page numbers (also in batches), the signature
kept with its closing, cover-table rows kept whole, and emails and URLs that wrap only at sensible points."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from pathlib import Path

import pytest
import yaml
from conftest import profile_data, words
from pypdf import PdfReader

from optout.batch import ClientPacket, PacketEntry
from optout.catalog import default_catalog
from optout.clients import COLUMNS, EXAMPLE_ROW
from optout.letters import compose
from optout.models import Block, Profile, RequestKind
from optout.render import pdf as pdf_renderer
from optout.render.packet import PACKET_NAME, render_packets

DATE = "2026-11-27"
LETTER_DATE = dt.date(2026, 11, 27)
PAGE_NUMBER = re.compile(r"(?:Page|Página) (\d+) (?:of|de) (\d+)")

CALIFORNIA = profile_data(
    full_name="Maria Guadalupe Example-Fernández", residence_state="CA",
    aliases=["Maria E. Example", "Maria Ejemplo", "Lupe Fernández"],
    emails=["maria@example.org", "lupe.fernandez@example.org"], phones=["+1 213 555 0142", "+1 213 555 0143"],
    addresses=[{"street": "1234 West Sunset Boulevard Apt 5B", "city": "Los Angeles", "state": "CA", "postal_code": "90012"},
               {"street": "77 Ocean Ave", "city": "Santa Monica", "state": "CA", "postal_code": "90401"}],
    previous_addresses=[{"street": "9 Orange Grove", "city": "Pasadena", "state": "CA", "postal_code": "91101"}],
    birth_date="1985-03-14")


def page_texts(source) -> list[str]:
    reader = PdfReader(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    return [page.extract_text() or "" for page in reader.pages]


def page_numbers(text: str) -> list[tuple[int, int]]:
    return [(int(k), int(m)) for k, m in PAGE_NUMBER.findall(text)]


def assert_numbered_as_one_letter(pages: list[str], name: str = "") -> None:
    """Page k of a letter of M pages says "Page k of M", once."""
    for k, text in enumerate(pages, 1):
        assert page_numbers(text) == [(k, len(pages))], (name, k, page_numbers(text))


def letter_pdf(cli, tmp_path: Path, broker: str, disclose: str = "minimal", **profile) -> Path:
    path = tmp_path / f"{broker}-profile.yaml"
    path.write_text(yaml.safe_dump(profile_data(**profile), allow_unicode=True), encoding="utf-8")
    out = tmp_path / f"{broker}-{profile.get('residence_state', 'VA')}"
    result = cli("letter", "--profile", path, "--broker", broker, "--format", "pdf", "--out", out, "--date", DATE,
                 "--disclose", disclose)
    assert result.exit_code == 0, result.output
    (found,) = [p for p in out.glob("*.pdf") if not p.name.endswith("-authorization.pdf")]
    return found


def signature_page(pages: list[str], signer: str) -> int:
    """The page with the closing; asserts the signer's name is on it too and that the closing does not open it."""
    (index,) = [i for i, text in enumerate(pages) if "Sincerely," in text]
    text = pages[index]
    assert signer in text.split("Sincerely,", 1)[1], f"'Sincerely,' and {signer!r} are on different pages"
    assert words(text.split("Sincerely,", 1)[0]).strip(), "'Sincerely,' opens a page by itself"
    return index


@pytest.mark.parametrize("broker", ["acxiom", "lexisnexis-risk-solutions", "spokeo"])
def test_a_typical_virginia_deletion_letter_is_one_page(cli, tmp_path, broker):
    pages = page_texts(letter_pdf(cli, tmp_path, broker))
    assert len(pages) == 1, f"a typical Virginia letter to {broker} spilled onto page 2: {words(pages[-1])[:200]}"
    assert_numbered_as_one_letter(pages)
    assert "Page 1 of 1" in pages[0]
    signature_page(pages, "Alex Rivera")


def test_a_long_california_letter_says_page_1_of_2_and_page_2_of_2(cli, tmp_path):
    pages = page_texts(letter_pdf(cli, tmp_path, "acxiom", disclose="all", **CALIFORNIA))  # the full block
    assert len(pages) == 2
    assert "Page 1 of 2" in pages[0] and "Page 2 of 2" in pages[1]
    assert_numbered_as_one_letter(pages)
    signature_page(pages, "Maria Guadalupe Example-Fernández")
    # The details stay one list, on one page, with each address and email on its own line.
    details = next(text for text in pages if "Date of birth:" in text)
    for expected in (
        "1234 West Sunset Boulevard Apt 5B, Los Angeles, CA 90012;\n77 Ocean Ave",
        "maria@example.org;\nlupe.fernandez@example.org",
        "Maria E. Example; Maria Ejemplo; Lupe Fernández",
        "Name:",
    ):
        assert expected in details, expected


def test_a_daniels_law_letter_numbers_both_pages(cli, tmp_path):
    pages = page_texts(
        letter_pdf(
            cli,
            tmp_path,
            "acxiom",
            residence_state="NJ",
            statuses=["daniels-law"],
            addresses=[{"street": "25 Hamilton Ave", "city": "Trenton", "state": "NJ", "postal_code": "08611"}],
        )
    )
    assert "Daniel's Law" in words(pages[0])
    assert len(pages) == 2
    assert_numbered_as_one_letter(pages)
    signature_page(pages, "Alex Rivera")


def test_the_closing_stays_with_the_signature_wherever_the_page_breaks():
    """Pad a letter line by line, so its page break falls everywhere around the signature block."""
    catalog = default_catalog()
    letter = compose(Profile.model_validate(profile_data()), catalog.broker("acxiom"), RequestKind.DELETE, LETTER_DATE, catalog)
    closing = next(i for i, block in enumerate(letter.blocks) if block.kind == "closing")
    two_page = 0
    for padding in range(3, 16):
        filler = [Block(kind="paragraph", text=f"Padding line {n}.") for n in range(padding)]
        padded = letter.model_copy(update={"blocks": letter.blocks[:closing] + filler + letter.blocks[closing:]})
        pages = page_texts(pdf_renderer.render(padded))
        index = signature_page(pages, "Alex Rivera")
        assert "Date: ____" in pages[index]
        assert_numbered_as_one_letter(pages, f"padding {padding}")
        two_page += len(pages) == 2
    assert two_page >= 3, "the padding never pushed the signature block across the page break"


SIGNERS = {"C-CA01": "Maria Example-Fernández", "C-VA02": "Alex Rivera", "C-TX03": "Jordan Smith", "C-NJ04": "Priya Patel"}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The README's batch, small: four clients (CA with the agent, VA, TX, NJ under Daniel's Law) in one chunk."""
    from typer.testing import CliRunner

    from optout.cli import app

    tmp = tmp_path_factory.mktemp("batch")
    rows = []
    for client_id, name, state, city, postal, language, extra in [
        ("C-CA01", "Maria Example-Fernández", "CA", "Los Angeles", "90012", "es", {"aliases": "Maria E. Example;Maria Ejemplo"}),
        ("C-VA02", "Alex Rivera", "VA", "Richmond", "23220", "en", {}),
        ("C-TX03", "Jordan Smith", "TX", "Austin", "78701", "en", {"aliases": "Jordan A. Smith"}),
        ("C-NJ04", "Priya Patel", "NJ", "Trenton", "08611", "en", {"statuses": "daniels-law"}),
    ]:
        rows.append(
            dict(EXAMPLE_ROW)
            | {
                "client_id": client_id,
                "full_name": name,
                "residence_state": state,
                "state": state,
                "city": city,
                "postal_code": postal,
                "language": language,
                "aliases": "",
                "email": f"{client_id.lower()}@example.org",
                "street": "12 Main St",
            }
            | extra
        )
    clients = tmp / "clients.csv"
    with open(clients, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    agent = tmp / "clinic.yaml"
    agent.write_text(
        yaml.safe_dump(
            {
                "organization": "Example Legal Clinic",
                "contact_name": "Sam Lee",
                "email": "clinic@example.org",
                "phone": "+1 510 555 0199",
                "address": {"street": "1 Court St", "city": "Oakland", "state": "CA", "postal_code": "94612"},
            }
        )
    )
    out = tmp / "out"
    result = CliRunner().invoke(
        app,
        [
            "batch",
            str(clients),
            "--brokers",
            "acxiom,penlink,spokeo",
            "--request",
            "delete",
            "--agent",
            str(agent),
            "--out",
            str(out),
            "--date",
            DATE,
            "--format",
            "pdf",
            "--jobs",
            "1",
            "--quiet",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return out


def test_every_letter_in_a_batch_is_numbered_on_its_own(batch):
    lengths = set()
    letters = [p for p in batch.glob("*/*.pdf") if p.name != PACKET_NAME and not p.name.endswith("-authorization.pdf")]
    assert len(letters) == 12
    for path in letters:
        pages = page_texts(path)
        assert_numbered_as_one_letter(pages, path.name)
        signature_page(pages, "Sam Lee" if "authorized agent for" in pages[-1] else SIGNERS[path.parent.name])
        lengths.add(len(pages))
        reference = re.search(r"OPT-\d{8}-[0-9A-F]{8}", path.name).group(0)
        assert reference in PdfReader(str(path)).metadata.title, "a letter split from a batch keeps its own title"
    assert lengths == {1, 2}, "the batch should mix one-page and two-page letters"
    for path in batch.glob("*/*-authorization.pdf"):
        assert page_numbers(page_texts(path)[0]) == [], "an authorization form is not a letter page"


def test_a_packet_numbers_each_section_never_the_whole_chunk(batch):
    chunk_pages = 0
    for packet in sorted(batch.glob(f"*/{PACKET_NAME}")):
        pages = page_texts(packet)
        chunk_pages += len(pages)
        runs, expected = [], 1
        for index, text in enumerate(pages):
            found = page_numbers(text)
            if not found:  # an authorization form
                assert "Authorization of an authorized agent" in text, (packet.parent.name, index)
                continue
            ((k, m),) = found
            assert k == expected, (packet.parent.name, index, found)
            expected = 1 if k == m else k + 1
            if k == m:
                runs.append(m)
        assert expected == 1, "a section's numbering stopped short"
        assert len(runs) == 4, (packet.parent.name, runs)  # the cover sheet and three letters
        assert max(runs) <= 2, (packet.parent.name, runs)
        assert ("Página 1 de" in pages[0]) == (packet.parent.name == "C-CA01"), (
            "the cover sheet is numbered in the client's language"
        )
    assert chunk_pages > 20


def test_cover_table_rows_never_split_across_pages():
    """Many brokers, rows of different heights: every row is whole on one page, company and reference together."""
    entries = []
    for n in range(70):
        kind, value = [
            ("email", f"privacy-requests.department{n}@data-broker-{n}.example.org"),
            ("webform", f"https://privacy.example.org/webform/{n:04d}/form-{'x' * (n % 9)}?lang=en&id={n}"),
            ("postal", None),
        ][n % 3]
        entries.append(
            PacketEntry(
                f"OPT-20261127-{n:08X}",
                f"Example Data Broker {n}{', Holdings Incorporated' * (n % 4)}",
                kind,
                value,
                LETTER_DATE + dt.timedelta(days=45),
                "person",
            )
        )
    packet = ClientPacket("C-0001", "Alex Rivera", "en", "delete", LETTER_DATE, None, entries)
    ((client, name, _, kind, data),) = list(render_packets([(packet, [])], LETTER_DATE))
    pages = page_texts(data)
    assert len(pages) >= 3
    assert_numbered_as_one_letter(pages)  # the cover sheet counts its own pages
    flat = ["".join(text.split()) for text in pages]
    for entry in entries:
        on = [i for i, text in enumerate(flat) if entry.reference in text]
        assert len(on) == 1, (entry.reference, on)
        assert "".join(entry.broker_name.split()) in flat[on[0]], f"{entry.broker_name} is not on the page of {entry.reference}"
        if entry.channel_value:
            assert entry.channel_value in flat[on[0]], f"{entry.channel_value} is not on the page of {entry.reference}"


def wrapped(text: str, value: str) -> list[str]:
    """The pieces `value` is printed in, one per line, in extracted text where it may wrap (its first line may
    start with other words, as in "Email to maria.")."""
    lines = [line.strip() for line in text.splitlines()]
    for start, line in enumerate(lines):
        for cut in [0] + [i + 1 for i, ch in enumerate(line) if ch == " "]:
            head = line[cut:]
            if len(head) < 6 or not value.startswith(head):
                continue
            pieces, rest = [head], value[len(head) :]
            for following in lines[start + 1 :]:
                if not rest or not following or not rest.startswith(following):
                    break
                pieces.append(following)
                rest = rest[len(following) :]
            if not rest:
                return pieces
    raise AssertionError(f"{value!r} not found in {text!r}")


def assert_sensible_breaks(pieces: list[str]) -> None:
    assert len(pieces) > 1, "expected the value to wrap"
    for before, after in itertools.pairwise(pieces):
        assert before[-1] in "/@?&=" or after[0] in ".%", f"wrapped mid-word: {before!r} / {after!r}"
        assert before[-1] != "-", f"wrapped at a hyphen: {before!r} / {after!r}"


LONG_EMAIL = "maria.guadalupe.example-fernandez.receives-privacy-mail-here@mailboxes.subdomain.example-clinic.example.org"
LONG_URL = (
    "https://privacy-requests.example.org/webform/9bbdeb31-9ca4-4397/consumer-rights-request?"
    "lang=en&source=printed-letter&reference=OPT-20261127-8349FE48"
)


def test_a_long_email_in_the_letter_wraps_only_at_sensible_points(cli, tmp_path):
    pages = page_texts(letter_pdf(cli, tmp_path, "acxiom", emails=[LONG_EMAIL]))
    assert_sensible_breaks(wrapped("\n".join(pages), LONG_EMAIL))


def test_long_emails_and_urls_in_the_cover_table_wrap_only_at_sensible_points():
    entries = [
        PacketEntry("OPT-20261127-00000001", "Example Broker", "email", LONG_EMAIL, LETTER_DATE, "person"),
        PacketEntry("OPT-20261127-00000002", "Example Broker Two", "webform", LONG_URL, LETTER_DATE, "person"),
    ]
    for language in ("en", "es"):
        packet = ClientPacket("C-0001", "Alex Rivera", language, "delete", LETTER_DATE, None, entries)
        ((*_, data),) = list(render_packets([(packet, [])], LETTER_DATE))
        text = "\n".join(page_texts(data))
        for value in (LONG_EMAIL, LONG_URL):
            assert_sensible_breaks(wrapped(text, value))
        reference = "OPT-20261127-\n00000001" if "OPT-20261127-00000001" not in text else "OPT-20261127-00000001"
        assert reference in text, "a reference wraps, if at all, after its date part"
