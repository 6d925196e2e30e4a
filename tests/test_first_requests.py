"""First requests beyond delete / opt-out / access: golden letters per kind in three jurisdictions where meaningful,
read back from real PDFs, and refusals where the person's law gives no such request.

Each golden case pins the sections the letter must cite and the due date it must state (or that it states none,
where the law sets no clock). Dates are for letters dated Monday, November 30, 2026.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re

import pytest
from conftest import profile_data, words
from pypdf import PdfReader

from optout.catalog import default_catalog
from optout.letters import compose
from optout.models import Agent, Profile, RequestKind, Signer
from optout.render import pdf, txt
from optout.request_kinds import RequestRefused

CATALOG = default_catalog()
DAY = dt.date(2026, 11, 30)
K = RequestKind
AGENT = Agent.model_validate(
    {
        "organization": "Example Legal Clinic",
        "contact_name": "Sam Lee",
        "email": "clinic@example.org",
        "address": {"street": "1 Court St", "city": "Oakland", "state": "CA", "postal_code": "94612"},
    }
)
DETAIL = "Address: lists 9 Oak St, Reno as my home; I never lived there. Delete it."
SUBSTITUTE = {"street": "PO Box 1679", "city": "Sacramento", "state": "CA", "postal_code": "95812"}
ABROAD = {
    "DE": {"country": "DE", "street": "Musterstraße 1", "city": "Berlin", "postal_code": "10115"},
    "FR": {"country": "FR", "street": "1 rue de l'Exemple", "city": "Paris", "postal_code": "75001"},
    "GB": {"country": "GB", "street": "1 Example Road", "city": "London", "postal_code": "SW1A 1AA"},
}


def person(place: str, *statuses: str) -> Profile:
    """A fictional person living in `place` (a US state, or DE / FR / GB), with statuses such as daniels-law."""
    extra: dict = {"statuses": list(statuses)}
    if "acp" in statuses:
        extra["acp_substitute_address"] = SUBSTITUTE
    if place in ABROAD:
        extra |= {"residence_state": None, "residence_country": place, "addresses": [ABROAD[place]], "phones": []}
    else:
        extra |= {
            "residence_state": place,
            "addresses": [{"street": "77 Hidden Ln", "city": "Exampleton", "state": place, "postal_code": "00077"}],
        }
    return Profile.model_validate(profile_data(**extra))


# (kind, place, statuses, broker): laws, {right: section}, the due-date sentence's date or None (no clock).
GOLDEN = {
    (K.CORRECT, "CA", (), "acxiom"): (["ca-ccpa"], {"correct": "Cal. Civ. Code § 1798.106"}, "January 14, 2027"),
    (K.CORRECT, "VA", (), "acxiom"): (["va-vcdpa"], {"correct": "Va. Code Ann. § 59.1-577(A)(2)"}, "January 14, 2027"),
    (K.CORRECT, "DE", (), "acxiom"): (["eu-gdpr"], {"correct": "GDPR Art. 16"}, "December 30, 2026"),
    (K.LIMIT_SENSITIVE, "CA", (), "acxiom"): (
        ["ca-ccpa"],
        {"limit_sensitive": "Cal. Civ. Code § 1798.121(a)"},
        "December 21, 2026",
    ),
    (K.NEVADA_OPT_OUT, "NV", (), "acxiom"): (
        ["nv-603a"],
        {"opt_out_sale": "NRS 603A.345(2)-(3), 603A.346(2)-(3)"},
        "January 29, 2027",
    ),
    (K.DANIELS_LAW, "NJ", ("daniels-law",), "spokeo"): (
        ["nj-daniels-law"],
        {"nondisclosure": "N.J.S.A. 56:8-166.1"},
        "December 14, 2026",
    ),
    (K.DANIELS_LAW, "PA", ("daniels-law",), "spokeo"): (
        ["nj-daniels-law"],
        {"nondisclosure": "N.J.S.A. 56:8-166.1"},
        "December 14, 2026",
    ),
    (K.DANIELS_LAW, "CA", ("daniels-law",), "spokeo"): (
        ["nj-daniels-law"],
        {"nondisclosure": "N.J.S.A. 56:8-166.1"},
        "December 14, 2026",
    ),
    (K.ACP, "CA", ("acp",), "spokeo"): (["ca-safe-at-home"], {"nondisclosure": "Cal. Gov. Code § 6208.1(b)(1)"}, None),
    (K.ACP, "VA", ("acp",), "spokeo"): (["no-law"], {}, None),
    (K.ACP, "PA", ("acp",), "spokeo"): (["no-law"], {}, None),
    (K.FCRA_DISCLOSURE, "CA", (), "equifax"): (["us-fcra"], {"access": "15 U.S.C. § 1681g(a)(1), (2), (3)"}, None),
    (K.FCRA_DISCLOSURE, "VA", (), "equifax"): (["us-fcra"], {"access": "15 U.S.C. § 1681g(a)(1), (2), (3)"}, None),
    (K.FCRA_DISCLOSURE, "PA", (), "equifax"): (["us-fcra"], {"access": "15 U.S.C. § 1681g(a)(1), (2), (3)"}, None),
    (K.FCRA_DISPUTE, "CA", (), "equifax"): (["us-fcra"], {"dispute": "15 U.S.C. § 1681i(a)(1)"}, "December 30, 2026"),
    (K.FCRA_DISPUTE, "VA", (), "equifax"): (["us-fcra"], {"dispute": "15 U.S.C. § 1681i(a)(1)"}, "December 30, 2026"),
    (K.FCRA_DISPUTE, "PA", (), "equifax"): (["us-fcra"], {"dispute": "15 U.S.C. § 1681i(a)(1)"}, "December 30, 2026"),
    (K.GDPR_ERASURE, "DE", (), "acxiom"): (["eu-gdpr"], {"delete": "GDPR Art. 17(1)"}, "December 30, 2026"),
    (K.GDPR_ERASURE, "FR", (), "acxiom"): (["eu-gdpr"], {"delete": "GDPR Art. 17(1)"}, "December 30, 2026"),
    (K.GDPR_ERASURE, "GB", (), "acxiom"): (["uk-gdpr"], {"delete": "UK GDPR Art. 17(1)"}, "December 30, 2026"),
    (K.GDPR_ACCESS, "DE", (), "acxiom"): (["eu-gdpr"], {"access": "GDPR Art. 15"}, "December 30, 2026"),
    (K.GDPR_ACCESS, "FR", (), "acxiom"): (["eu-gdpr"], {"access": "GDPR Art. 15"}, "December 30, 2026"),
    (K.GDPR_ACCESS, "GB", (), "acxiom"): (["uk-gdpr"], {"access": "UK GDPR Art. 15"}, "December 30, 2026"),
    (K.GDPR_OBJECTION, "DE", (), "acxiom"): (
        ["eu-gdpr"],
        {"opt_out_targeted_advertising": "GDPR Art. 21(2)-(3)", "opt_out_profiling": "GDPR Art. 21(1)"},
        "December 30, 2026",
    ),
    (K.GDPR_OBJECTION, "FR", (), "acxiom"): (
        ["eu-gdpr"],
        {"opt_out_targeted_advertising": "GDPR Art. 21(2)-(3)", "opt_out_profiling": "GDPR Art. 21(1)"},
        "December 30, 2026",
    ),
    (K.GDPR_OBJECTION, "GB", (), "acxiom"): (
        ["uk-gdpr"],
        {"opt_out_targeted_advertising": "UK GDPR Art. 21(2)-(3)", "opt_out_profiling": "UK GDPR Art. 21(1)"},
        "December 30, 2026",
    ),
}
# What a letter of the kind must say besides its sections (the clock sentence's day count, the kind's own demand).
MUST_SAY = {
    K.CORRECT: ["correct inaccurate personal information", DETAIL],
    K.LIMIT_SENSITIVE: [
        "within 15 business days",
        "11 CCR §§ 7026(f), 7027(g)",
        "A request to limit does not need to be verified",
    ],
    K.NEVADA_OPT_OUT: [
        "verified request that you not make any sale of any covered information",
        "within 60 calendar days",
        "you must then notify me of the extension",
    ],
    K.DANIELS_LAW: [
        "a covered person under Daniel's Law (N.J.S.A. 56:8-166.1)",
        "stop disclosing this information within 10 business days of receiving this notice",
    ],
    K.ACP: ["program's substitute address"],
    K.FCRA_DISCLOSURE: ["15 U.S.C. § 1681h(a)(1)", "15 U.S.C. § 1681j(a)(1)"],
    K.FCRA_DISPUTE: [
        "If you cannot find my file with these details",
        DETAIL,
        "within 30 calendar days of receiving this dispute (15 U.S.C. § 1681i(a)(1)(A))",
        "15 U.S.C. § 1681i(a)(1)(B)",
    ],
    K.GDPR_ERASURE: ["Art. 17(1)(c)", "Art. 19", "Art. 12(3)"],
    K.GDPR_ACCESS: ["Art. 12(5)", "Art. 15(3)"],
    K.GDPR_OBJECTION: ["Art. 21(3)", "compelling legitimate grounds"],
}
# What a letter of the kind must not say (a rule of another request, a right the law does not give it).
MUST_NOT_SAY = {
    K.FCRA_DISPUTE: ["1681h"],  # proper identification conditions file disclosures, not disputes
    K.CORRECT: ["Art. 17(3)"],
    K.DANIELS_LAW: ["delete the personal information"],
}
SUBJECTS = {
    K.CORRECT: "Request to correct inaccurate personal information under",
    K.LIMIT_SENSITIVE: "Request to limit the use and disclosure of sensitive personal information under the CCPA",
    K.NEVADA_OPT_OUT: "Verified request not to sell covered information under NRS 603A",
    K.DANIELS_LAW: "Daniel's Law notice under N.J.S.A. 56:8-166.1: request not to disclose home address or unpublished home "
    "telephone number",
    K.ACP: "Address confidentiality program participant:",
    K.FCRA_DISCLOSURE: "Request for disclosure of consumer file under the FCRA (15 U.S.C. § 1681g(a)(1), (2), (3))",
    K.FCRA_DISPUTE: "Dispute of inaccurate or incomplete information under the FCRA (15 U.S.C. § 1681i(a)(1))",
    K.GDPR_ERASURE: "Request for erasure under ",
    K.GDPR_ACCESS: "Subject access request under ",
    K.GDPR_OBJECTION: "Objection to processing under ",
}


@functools.cache
def letter_for(kind: RequestKind, place: str, statuses: tuple[str, ...], broker: str, signer: str = "person"):
    return compose(
        person(place, *statuses),
        CATALOG.broker(broker),
        kind,
        DAY,
        CATALOG,
        agent=AGENT if signer == "agent" else None,
        details=[DETAIL],
    )


def squash(text: str) -> str:
    return re.sub(r"\s+(?=\()", "", words(text))


def pdf_words(letter) -> str:
    return squash(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.render(letter))).pages))


def test_every_new_kind_has_golden_cases_in_three_places_or_one_law():
    for kind in K:
        if kind in (K.DELETE, K.OPT_OUT, K.ACCESS):
            continue
        places = {place for (k, place, _, _) in GOLDEN if k is kind}
        limited = kind in (K.LIMIT_SENSITIVE, K.NEVADA_OPT_OUT)  # one law gives it: refused elsewhere (below)
        assert len(places) >= (1 if limited else 3), kind
        assert kind in REFUSED_KINDS, kind


@pytest.mark.parametrize("case", list(GOLDEN), ids=[f"{k.value}-{p}-{b}" for k, p, _, b in GOLDEN])
def test_golden_first_request_pdf(case):
    kind, place, statuses, broker = case
    laws, sections, due = GOLDEN[case]
    letter = letter_for(*case)
    assert letter.decision.laws == laws
    assert {r.right.value: r.section for r in letter.decision.rights} == sections
    text = pdf_words(letter)
    body = words(txt.render(letter).decode("utf-8"))
    assert squash(SUBJECTS[kind]) in text and letter.subject.startswith(SUBJECTS[kind])
    for section in sections.values():
        assert squash(f"Under {section}, ") in text, section
    for phrase in MUST_SAY[kind]:
        assert squash(phrase) in text, phrase
        assert phrase in body, phrase
    for phrase in MUST_NOT_SAY.get(kind, []):
        assert phrase not in body, phrase
    if due:
        assert f"by {due} if it reaches you on the day it is dated" in body
        assert squash(f"by {due} if it reaches you") in text
        assert letter.decision.due_date == dt.datetime.strptime(due, "%B %d, %Y").date()
    else:
        assert "if it reaches you on the day it is dated" not in body and letter.decision.due_date is None
    if laws == ["no-law"]:
        assert "not aware of a privacy law that gives me this right" in body and "§" not in body.split("Dear ", 1)[1]


# Kinds refused where the person's law (or the broker) does not give them, with words that say why.
REFUSED = [
    (K.CORRECT, "PA", (), "acxiom", "No law that optout knows gives people in Pennsylvania this request"),
    (K.CORRECT, "NV", (), "acxiom", "No law that optout knows gives people in Nevada this request"),
    (K.LIMIT_SENSITIVE, "VA", (), "acxiom", "it comes from CCPA (Cal. Civ. Code § 1798.121(a))"),
    (K.LIMIT_SENSITIVE, "PA", (), "acxiom", "No law that optout knows gives people in Pennsylvania this request"),
    (K.LIMIT_SENSITIVE, "DE", (), "acxiom", "people in Germany"),
    (K.NEVADA_OPT_OUT, "CA", (), "acxiom", "it comes from NRS 603A (NRS 603A.345(2)-(3), 603A.346(2)-(3))"),
    (K.NEVADA_OPT_OUT, "PA", (), "acxiom", "--request opt-out asks for every opt-out your law gives"),
    (K.DANIELS_LAW, "NJ", (), "spokeo", "add `statuses: [daniels-law]`"),
    (K.ACP, "CA", (), "spokeo", "add `statuses: [acp]`"),
    (K.FCRA_DISCLOSURE, "CA", (), "spokeo", "the catalog does not record Spokeo, Inc. as one"),
    (K.FCRA_DISPUTE, "PA", (), "acxiom", "only a consumer reporting agency must answer"),
    (K.GDPR_ERASURE, "CA", (), "acxiom", "the GDPR and the UK GDPR protect people in the EU, the EEA and the United Kingdom"),
    (K.GDPR_ACCESS, "PA", (), "acxiom", "--request access asks under the law where you live"),
    (K.GDPR_OBJECTION, "VA", (), "acxiom", "people in Virginia"),
]
REFUSED_KINDS = {case[0] for case in REFUSED}


@pytest.mark.parametrize("case", REFUSED, ids=[f"{c[0].value}-{c[1]}-{c[3]}" for c in REFUSED])
def test_a_kind_the_law_does_not_give_is_refused_with_the_reason(case):
    kind, place, statuses, broker, reason = case
    with pytest.raises(RequestRefused) as refused:
        compose(person(place, *statuses), CATALOG.broker(broker), kind, DAY, CATALOG, details=[DETAIL])
    assert reason in str(refused.value)
    assert "\n" not in str(refused.value) and str(refused.value).startswith("--request: ")


# Who signs: the agent only where the law lets an agent exercise every right the letter invokes.
AGENT_SIGNS = {
    (K.CORRECT, "CA"): True,  # 11 CCR § 7063
    (K.CORRECT, "VA"): False,
    (K.LIMIT_SENSITIVE, "CA"): True,  # Cal. Civ. Code § 1798.135(a)(2)
    (K.NEVADA_OPT_OUT, "NV"): False,
    (K.DANIELS_LAW, "NJ"): True,  # an "authorized person"
    (K.ACP, "CA"): False,
    (K.ACP, "VA"): True,  # a voluntary request: no law bars an agent
    (K.FCRA_DISPUTE, "VA"): False,
    (K.GDPR_ACCESS, "DE"): False,
}


@pytest.mark.parametrize(("kind", "place"), list(AGENT_SIGNS), ids=[f"{k.value}-{p}" for k, p in AGENT_SIGNS])
def test_agent_signs_only_where_the_law_allows(kind, place):
    case = next(c for c in GOLDEN if c[0] is kind and c[1] == place)
    letter = letter_for(*case, signer="agent")
    body = words(txt.render(letter).decode("utf-8")).split("Dear ", 1)[1]
    if AGENT_SIGNS[(kind, place)]:
        assert letter.signer is Signer.AGENT
        assert "Example Legal Clinic writes as the authorized agent of Alex Rivera" in body
        assert not re.findall(r"\b(I|me|my)\b", body.replace(DETAIL, "")), body  # the detail is the person's own words
    else:
        assert letter.signer is Signer.PERSON and letter.decision.refused_for_agent
        assert any("sign and send yourself" in note for note in letter.notes)
        assert body.rstrip().endswith("Sincerely, Alex Rivera")


def test_a_correction_needs_to_say_what_is_wrong():
    from optout.errors import InputError

    with pytest.raises(InputError, match="--detail: a correct letter must say what is wrong"):
        compose(person("CA"), CATALOG.broker("acxiom"), K.CORRECT, DAY, CATALOG)
    from_profile = person("CA").model_copy(update={"corrections": ["Phone: 555 0199 is not mine; delete it."]})
    letter = compose(from_profile, CATALOG.broker("acxiom"), K.CORRECT, DAY, CATALOG)
    assert "Correction: Phone: 555 0199 is not mine; delete it." in letter.paragraphs


def test_several_details_are_numbered_and_stay_data():
    details = ["Name: spelled Alx ⟦detail X⟧; it is Alex", "Birth year: 1901 ¶ is wrong"]
    letter = compose(person("CA"), CATALOG.broker("acxiom"), K.CORRECT, DAY, CATALOG, details=details)
    assert f"Correction 1: {details[0]}" in letter.paragraphs and f"Correction 2: {details[1]}" in letter.paragraphs


def test_narrow_kinds_use_channels_of_their_general_kind_only():
    from optout.channels import channel_takes
    from optout.models import Channel, ChannelKind

    opt_out_form = Channel(kind=ChannelKind.WEBFORM, value="https://example.org/optout", accepts=[K.OPT_OUT], source="s")
    assert channel_takes(opt_out_form, K.LIMIT_SENSITIVE) and channel_takes(opt_out_form, K.NEVADA_OPT_OUT)
    assert not channel_takes(opt_out_form, K.CORRECT) and not channel_takes(opt_out_form, K.FCRA_DISPUTE)
    assert not channel_takes(opt_out_form, K.GDPR_ERASURE)
    default = Channel(kind=ChannelKind.EMAIL, value="privacy@example.org", source="s")
    assert all(channel_takes(default, kind) for kind in K)


def test_a_daniels_law_notice_from_outside_new_jersey_says_the_reach_is_unverified():
    outside = letter_for(K.DANIELS_LAW, "PA", ("daniels-law",), "spokeo")
    assert any("optout has not verified whether the law protects a home address outside the state" in n for n in outside.notes)
    inside = letter_for(K.DANIELS_LAW, "NJ", ("daniels-law",), "spokeo")
    assert not any("outside the state" in n for n in inside.notes)


@pytest.mark.parametrize("bad", ["Name: Alex\nBcc: x@example.org", "Name: \u202eAlex", "x" * 1001])
def test_a_detail_with_a_line_break_control_character_or_too_long_is_refused(bad):
    from optout.errors import InputError

    with pytest.raises(InputError, match="--detail 1"):
        compose(person("CA"), CATALOG.broker("acxiom"), K.CORRECT, DAY, CATALOG, details=[bad])


def test_a_compiled_catalog_from_models_with_other_request_kinds_is_not_reused(monkeypatch, tmp_path):
    """Channels default to accepting every request kind; a cache written when there were fewer kinds lists only
    those, so the cache key covers the models' schema as well as the YAML."""
    from optout import catalog as catalog_module

    root = tmp_path / "catalog"
    (root / "laws").mkdir(parents=True)
    (root / "laws" / "x.yaml").write_text("id: x\n", encoding="utf-8")
    before = catalog_module.catalog_fingerprint(root)
    schema = catalog_module.CompiledCatalog.model_json_schema()
    schema["$defs"]["RequestKind"]["enum"] = ["delete", "opt-out", "access"]
    monkeypatch.setattr(catalog_module.CompiledCatalog, "model_json_schema", classmethod(lambda cls: schema))
    assert catalog_module.catalog_fingerprint(root) != before
