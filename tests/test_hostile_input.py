"""User text is data: never markup, template code, headers, file paths or fetched URLs."""

from __future__ import annotations

import email
from email import policy

import pytest
from conftest import pdf_text, words

from optout.render import pdf as pdf_renderer

HOSTILE_NAME = '<img src="file:///etc/passwd"> {{ 7*7 }} http://127.0.0.1/x'


@pytest.fixture
def fetch_log(monkeypatch):
    """Record every URL WeasyPrint asks for, whatever the fetcher decides."""
    calls: list[str] = []
    original = pdf_renderer.PackagedFilesOnly.fetch

    def spy(self, url, headers=None):
        calls.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf_renderer.PackagedFilesOnly, "fetch", spy)
    return calls


def test_markup_and_template_code_in_a_name_print_as_text(cli, write_profile, tmp_path, fetch_log):
    out = tmp_path / "out"
    profile = write_profile(
        full_name=HOSTILE_NAME,
        aliases=["{% for x in range(3) %}loop{% endfor %}"],
        addresses=[
            {"street": '<a href="http://127.0.0.1/x">12 Elm</a>', "city": "Richmond", "state": "VA", "postal_code": "23220"}
        ],
    )
    result = cli(
        "letter",
        "--profile",
        profile,
        "--broker",
        "penlink",
        "--format",
        "pdf,html,txt,eml",
        "--out",
        out,
        "--date",
        "2026-11-27",
        "--disclose",
        "all",  # every detail, the hostile address included
    )
    assert result.exit_code == 0, result.output

    assert fetch_log == [], "WeasyPrint was asked to fetch something"
    text = words(pdf_text(next(out.glob("*.pdf"))))
    assert '<img src="file:///etc/passwd">' in text
    assert "{{ 7*7 }}" in text and "49" not in text
    assert "{% for x in range(3) %}loop{% endfor %}" in text
    assert "root:" not in text

    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "<img" not in html and "<a href" not in html

    txt = words(next(p for p in out.glob("*.txt") if not p.name.endswith("-notes.txt")).read_text(encoding="utf-8"))
    assert "{{ 7*7 }}" in txt


def test_fetcher_refuses_urls_and_files_outside_the_package():
    fetcher = pdf_renderer.PackagedFilesOnly()
    for url in ("http://127.0.0.1/x", "https://example.org/a.png", "file:///etc/passwd", "data:text/plain,hi"):
        with pytest.raises(pdf_renderer.FetchRefused):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 4


def test_refused_fetch_stops_rendering_instead_of_leaving_a_hole():
    with pytest.raises(pdf_renderer.FetchRefused):
        pdf_renderer.render_html('<img src="http://127.0.0.1/x">')


@pytest.mark.parametrize("name", ["Alex\nBcc: victim@example.org", "Alex\r\nX-Evil: 1", "Alex\x00"])
def test_newline_in_a_name_is_rejected_before_anything_is_written(cli, write_profile, tmp_path, name):
    out = tmp_path / "out"
    result = cli("letter", "--profile", write_profile(full_name=name), "--broker", "penlink", "--format", "eml", "--out", out)
    assert result.exit_code == 2
    assert "full_name" in result.output
    assert not out.exists()


def test_eml_headers_carry_only_fixed_fields(cli, write_profile, tmp_path):
    out = tmp_path / "out"
    cli(
        "letter",
        "--profile",
        write_profile(full_name="Alex Bcc: victim@example.org"),
        "--broker",
        "penlink",
        "--format",
        "eml",
        "--out",
        out,
        "--date",
        "2026-11-27",
    )
    message = email.message_from_bytes(next(out.glob("*.eml")).read_bytes(), policy=policy.default)
    assert set(message.keys()) == {
        "To",
        "From",
        "Subject",
        "Date",
        "Message-ID",
        "X-Unsent",
        "Content-Type",
        "Content-Transfer-Encoding",
        "MIME-Version",
    }
    assert message["Bcc"] is None


def test_email_with_header_characters_is_rejected(cli, write_profile, tmp_path):
    result = cli(
        "letter",
        "--profile",
        write_profile(emails=["a@example.org>, evil@example.org"]),
        "--broker",
        "penlink",
        "--out",
        tmp_path / "o",
    )
    assert result.exit_code == 2
    assert "emails.0" in result.output


def test_broker_id_cannot_name_a_path(cli, write_profile, tmp_path):
    out = tmp_path / "out"
    result = cli("letter", "--profile", write_profile(), "--broker", "../../etc/passwd", "--out", out)
    assert result.exit_code == 2
    assert "unknown broker" in result.output
    assert not out.exists()


def test_letter_asks_for_no_ssn_and_states_limited_use(cli, write_profile, tmp_path):
    out = tmp_path / "out"
    cli("letter", "--profile", write_profile(), "--broker", "penlink", "--format", "txt", "--out", out, "--date", "2026-11-27")
    text = words(next(p for p in out.glob("*.txt") if not p.name.endswith("-notes.txt")).read_text(encoding="utf-8"))
    assert "not giving a Social Security number" in text
    assert "solely to process this request" in text


def test_profile_rejects_an_ssn_field(cli, write_profile, tmp_path):
    result = cli("profile", "check", write_profile(ssn="000-00-0000"))
    assert result.exit_code == 2
    assert "ssn" in result.output


def test_structure_marks_in_a_name_or_address_print_as_typed(write_profile):
    # The letter templates mark blocks with ¶ and ⟦kind⟧; values carrying them must neither forge a block nor lose them.
    import datetime as dt

    from optout.catalog import default_catalog
    from optout.letters import compose
    from optout.models import Profile, RequestKind
    from optout.render import txt

    catalog = default_catalog()
    name = "Ana ¶ ⟦signature⟧ Ruiz"
    street = "1 Main St ⟦detail Bcc⟧ evil"
    person = Profile.model_validate({"full_name": name, "residence_state": "CA",
                                     "addresses": [{"street": street, "city": "Fresno", "state": "CA", "postal_code": "93721"}]})
    from optout.disclosure import EVERYTHING

    letter = compose(person, catalog.broker("spokeo"), RequestKind.DELETE, dt.date(2026, 11, 27), catalog, disclose=EVERYTHING)
    assert [b.label for b in letter.blocks if b.kind == "detail"] == ["Name", "Address"]
    assert [b.text for b in letter.blocks if b.kind == "signature"] == [name]
    text = txt.render(letter).decode()
    assert f"Name: {name}" in text and street in text
