"""Letters for every law with rights render in every format and cite the sections the catalog gives."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from conftest import profile_data, words
from pypdf import PdfReader
from test_golden_letters import squash
from test_legal_golden import broker

from optout.catalog import default_catalog
from optout.letters import compose
from optout.models import LawKind, Profile, RequestKind
from optout.render import RENDERERS

CATALOG = default_catalog()
NOV27 = dt.date(2026, 11, 27)


def profile_for(law) -> Profile:
    if law.kind is LawKind.GDPR:
        return Profile.model_validate(
            profile_data(residence_state=None, residence_country="FR" if law.jurisdiction == "EU" else "GB")
        )
    if law.kind is LawKind.ADDRESS_CONFIDENTIALITY:
        substitute = {"street": "PO Box 1", "city": "Sacramento", "state": law.jurisdiction, "postal_code": "95812"}
        return Profile.model_validate(
            profile_data(residence_state=law.jurisdiction, statuses=["acp"], acp_substitute_address=substitute)
        )
    statuses = ["daniels-law"] if law.kind is LawKind.COVERED_PERSON else []
    return Profile.model_validate(profile_data(residence_state=law.jurisdiction, statuses=statuses))


LAWS = [law for law in CATALOG.laws.values() if law.rights and law.kind not in (LawKind.DELETE_ACT, LawKind.FCRA)]


@pytest.mark.parametrize("law", LAWS, ids=[law.id for law in LAWS])
def test_law_letter_renders_everywhere_and_cites_its_sections(law):
    on = max(NOV27, law.effective or NOV27)
    request = RequestKind.OPT_OUT if law.kind is LawKind.SALE_OPT_OUT else RequestKind.DELETE
    letter = compose(profile_for(law), broker(), request, on, CATALOG)
    assert law.id in letter.decision.laws
    sections = [r.section for r in letter.decision.rights if r.law_id == law.id]
    assert sections
    outputs = {fmt: render(letter) for fmt, render in RENDERERS.items()}
    pdf = squash("".join(p.extract_text() for p in PdfReader(io.BytesIO(outputs["pdf"])).pages))
    for fmt in ("txt", "html"):
        text = re.sub(r"<[^>]+>", "", outputs[fmt].decode("utf-8"))  # e.g. the nowrap span that keeps a section whole
        text = words(text.replace("&amp;", "&").replace("&#39;", "'").replace("&#34;", '"'))
        for section in sections:
            assert section in text, (fmt, section)
    for section in sections:
        assert squash(section) in pdf, ("pdf", section)
    assert law.name in words(outputs["txt"].decode())
