"""Golden letters: whole letters, for the person and for an agent, across states and request kinds.

Each case pins what a privacy lawyer and the broker's compliance team check first: where the person lives, the
exact rights invoked with their sections (from broker_catalog/laws/, whose sources cite the statutes), the clock
sentences with their dates, the verification sentence, and, in an agent's letter, that no first-person pronoun
appears (the agent speaks of "the consumer"). The txt output and the PDF read back with pypdf are both checked.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re

import pytest
from conftest import profile_data, words
from pypdf import PdfReader
from test_legal_golden import broker

from optout.catalog import default_catalog
from optout.letters import compose
from optout.models import Agent, Profile, RequestKind
from optout.render import pdf, txt

CATALOG = default_catalog()
NOV27 = dt.date(2026, 11, 27)
D, O, A = RequestKind.DELETE, RequestKind.OPT_OUT, RequestKind.ACCESS
AGENT = Agent.model_validate({"organization": "Example Legal Clinic", "contact_name": "Sam Lee", "email": "clinic@example.org",
                              "address": {"street": "1 Court St", "city": "Oakland", "state": "CA", "postal_code": "94612"}})

# Where each golden person lives, and the residency sentence's place name.
PLACES = {
    "CA": ("California", {}),
    "VA": ("Virginia", {}),
    "CO": ("Colorado", {}),
    "TX": ("Texas", {}),
    "NJ": ("New Jersey", {"statuses": ["daniels-law"]}),
    "UT": ("Utah", {}),
    "IA": ("Iowa", {}),
    "LA": ("Louisiana", {}),
    "FL": ("Florida", {}),
    "DE-country": ("Germany", {}),  # Germany's code DE is also Delaware's: residence_country, not residence_state
}

VA = "Va. Code Ann. § 59.1-577"
CO = "Colo. Rev. Stat. § 6-1-1306"
TX = "Tex. Bus. & Com. Code § 541.051"
NJ = "N.J.S.A. 56:8-166.10"
UT = "Utah Code Ann. § 13-61-201"
IA = "Iowa Code § 715D.3"
LA = "La. R.S. 51:1780.1 to 51:1780.5"  # sections within the Act unverified: the general citation is cited

# (place, request) -> exact {right: section}
RIGHTS = {
    ("CA", D): {"delete": "Cal. Civ. Code § 1798.105(a), (c)(1)", "opt_out_sale": "Cal. Civ. Code § 1798.120(a)"},
    ("CA", O): {"opt_out_sale": "Cal. Civ. Code § 1798.120(a)", "limit_sensitive": "Cal. Civ. Code § 1798.121(a)"},
    ("CA", A): {"access": "Cal. Civ. Code §§ 1798.110, 1798.115"},
    ("VA", D): {"delete": f"{VA}(A)(3)"},
    ("VA", O): {
        "opt_out_targeted_advertising": f"{VA}(A)(5)(i)",
        "opt_out_sale": f"{VA}(A)(5)(ii)",
        "opt_out_profiling": f"{VA}(A)(5)(iii)",
    },
    ("VA", A): {"access": f"{VA}(A)(1)", "portability": f"{VA}(A)(4)"},
    ("CO", D): {"delete": f"{CO}(1)(d)"},
    ("CO", O): {
        "opt_out_targeted_advertising": f"{CO}(1)(a)(I)(A)",
        "opt_out_sale": f"{CO}(1)(a)(I)(B)",
        "opt_out_profiling": f"{CO}(1)(a)(I)(C)",
    },
    ("CO", A): {"access": f"{CO}(1)(b)", "portability": "Colo. Rev. Stat. §§ 6-1-1301 et seq."},
    ("TX", D): {"delete": f"{TX}(b)(3)"},
    ("TX", O): {
        "opt_out_targeted_advertising": f"{TX}(b)(5)(A)",
        "opt_out_sale": f"{TX}(b)(5)(B)",
        "opt_out_profiling": f"{TX}(b)(5)(C)",
    },
    ("TX", A): {"access": f"{TX}(b)(1)", "portability": f"{TX}(b)(4)"},
    ("NJ", D): {"delete": f"{NJ}(a)(3)", "nondisclosure": "N.J.S.A. 56:8-166.1"},
    ("NJ", O): {
        "opt_out_targeted_advertising": f"{NJ}(a)(5)(a)",
        "opt_out_sale": f"{NJ}(a)(5)(b)",
        "opt_out_profiling": f"{NJ}(a)(5)(c)",
        "nondisclosure": "N.J.S.A. 56:8-166.1",
    },
    ("NJ", A): {"access": f"{NJ}(a)(1)", "portability": f"{NJ}(a)(4)"},
    # Utah and Iowa delete only data the consumer provided, so the letter adds the opt-outs that reach bought data.
    ("UT", D): {"delete": f"{UT}(2)", "opt_out_targeted_advertising": f"{UT}(5)(a)", "opt_out_sale": f"{UT}(5)(b)"},
    ("UT", O): {"opt_out_targeted_advertising": f"{UT}(5)(a)", "opt_out_sale": f"{UT}(5)(b)"},
    ("UT", A): {"access": f"{UT}(1)", "portability": f"{UT}(3)"},
    ("IA", D): {"delete": f"{IA}(1)(b)", "opt_out_sale": f"{IA}(1)(d)"},
    ("IA", O): {"opt_out_sale": f"{IA}(1)(d)"},
    ("IA", A): {"access": f"{IA}(1)(a)", "portability": f"{IA}(1)(c)"},
    ("LA", D): {"delete": LA},
    ("LA", O): {"opt_out_targeted_advertising": LA, "opt_out_sale": LA, "opt_out_profiling": LA},
    ("LA", A): {"access": LA, "portability": LA},
    ("FL", D): {},
    ("FL", O): {},
    ("FL", A): {},
    ("DE-country", D): {"delete": "GDPR Art. 17(1)"},
    # Art. 21(2)-(3): the absolute objection to direct marketing; Art. 21(1): objection to profiling on 6(1)(e)/(f).
    ("DE-country", O): {"opt_out_targeted_advertising": "GDPR Art. 21(2)-(3)", "opt_out_profiling": "GDPR Art. 21(1)"},
    ("DE-country", A): {"access": "GDPR Art. 15", "portability": "GDPR Art. 20"},
}

# (place, request) -> the clock sentences, in order (letters dated 2026-11-27; Louisiana's 2027-01-04).
CLOCK_45 = "requires you to respond to this request within 45 calendar days of receiving it"
CLOCKS = {
    ("CA", D): [
        f"The CCPA {CLOCK_45} (Cal. Civ. Code § 1798.130(a)(2)(A); 11 CCR § 7021(b)): by January 11, 2027",
        "The requests above to opt out must be honored sooner, within 15 business days",
        "by December 18, 2026",
    ],
    ("CA", O): ["The CCPA requires you to act on this request within 15 business days of receiving it", "by December 18, 2026"],
    ("CA", A): [f"The CCPA {CLOCK_45}", "by January 11, 2027"],
    ("VA", D): [
        f"The VCDPA {CLOCK_45} (Va. Code Ann. § 59.1-577(B)(1)): by January 11, 2027",
        "It lets you extend that period by up to 45 calendar days",
    ],
    ("CO", O): ["The CPA requires you to act on this request within 45 calendar days of receiving it", "by January 11, 2027"],
    ("TX", A): [f"The TDPSA {CLOCK_45}", "by January 11, 2027"],
    # Daniel's Law: 10 business days from Friday 2026-11-27: Nov 30-Dec 4 (5), Dec 7-11 (10).
    ("NJ", D): [
        f"The NJDPA {CLOCK_45}",
        "by January 11, 2027",
        "Daniel's Law requires you to stop disclosing this information within 10 business days of receiving this notice",
        "by December 11, 2026",
    ],
    ("IA", D): [
        "The ICDPA requires you to respond to this request within 90 calendar days of receiving it",
        "by February 25, 2027",
    ],
    ("LA", D): [
        "The LDPA requires you to respond to this request within 45 calendar days of receiving it",
        "by February 18, 2027",
    ],
    ("FL", D): ["Please reply within 45 days and say what you have done."],
    # GDPR Art. 12(3): one month; 2026-12-27 is a Sunday, so Reg. 1182/71 art. 3(4) moves it to Monday.
    ("DE-country", D): [
        "The GDPR requires you to respond to this request within one month of receiving it",
        "by December 28, 2026",
        "It lets you extend that period by up to 2 months",
    ],
}

GENERAL_VERIFICATION = "say exactly what you need and why; ask only for what is reasonably necessary"
NO_OPT_OUT_VERIFICATION = "A request to opt out does not need to be verified"
FIRST_PERSON = re.compile(r"\b(I|me|my|mine|myself|we|us|our|ours)\b")
ROMAN_SUBSECTION = re.compile(r"\([ivxIVX]+\)")  # "(a)(I)" in a citation is not a pronoun


def first_person(text: str) -> list[str]:
    return FIRST_PERSON.findall(ROMAN_SUBSECTION.sub("", text))


CASES = [(place, request, signer) for place in PLACES for request in (D, O, A) for signer in ("person", "agent")]


def person(place: str) -> Profile:
    _, extra = PLACES[place]
    if place == "DE-country":
        return Profile.model_validate(
            profile_data(
                residence_state=None,
                residence_country="DE",
                addresses=[{"country": "DE", "street": "Musterstraße 1", "city": "Berlin", "postal_code": "10115"}],
                **extra,
            )
        )
    return Profile.model_validate(
        profile_data(
            residence_state=place,
            addresses=[{"street": "1 Example Rd", "city": "Exampleton", "state": place, "postal_code": "00001"}],
            **extra,
        )
    )


@functools.cache
def letter_for(place: str, request: RequestKind, signer: str):
    on = dt.date(2027, 1, 4) if place == "LA" else NOV27
    return compose(person(place), broker(), request, on, CATALOG, agent=AGENT if signer == "agent" else None)


@pytest.mark.parametrize(("place", "request_kind", "signer"), CASES, ids=[f"{p}-{r.value}-{s}" for p, r, s in CASES])
def test_golden_letter(place, request_kind, signer):
    letter = letter_for(place, request_kind, signer)
    text = words(txt.render(letter).decode("utf-8"))
    body = text.split("Dear ", 1)[1]

    invoked = {r.right.value: r.section for r in letter.decision.rights}
    assert invoked == RIGHTS[(place, request_kind)]
    for section in invoked.values():
        assert f"Under {section}, " in body

    place_name = PLACES[place][0]
    agent_signs = letter.agent is not None
    assert (f"The consumer lives in {place_name}." if agent_signs else f"I live in {place_name}.") in body

    for sentence in CLOCKS.get((place, request_kind), []):
        assert sentence in body, sentence
    if place == "FL":
        assert "not aware of a privacy law" in body and "§" not in body and "requires you to respond" not in body

    if request_kind is O and place == "CA":
        assert NO_OPT_OUT_VERIFICATION in body and "11 CCR §§ 7026(d), 7027(e)" in body
    elif place == "DE-country":
        assert (
            "The GDPR lets you request additional information necessary to confirm the requester's identity only where you have "
            "reasonable doubts about it (GDPR Art. 12(6)). Say exactly what identification you need" in body
        )
    else:
        assert GENERAL_VERIFICATION in body and NO_OPT_OUT_VERIFICATION not in body
        assert "Social Security number" in body

    if signer == "agent" and agent_signs:
        assert not first_person(body), first_person(body)
        assert "Example Legal Clinic writes as the authorized agent of Alex Rivera" in body
        assert "Enclosure: Authorization signed by Alex Rivera" in body
        assert letter.sender_lines[0] == "Example Legal Clinic"
    else:
        assert "authorized agent" not in body and "the consumer" not in body.replace("the consumer's", "")
        assert body.rstrip().endswith("Sincerely, Alex Rivera")
        assert letter.sender_lines[0] == "Alex Rivera"


# Who may sign: an agent only where the law lets an agent exercise every right the letter invokes.
AGENT_SIGNS = {
    ("CA", D),
    ("CA", O),
    ("CA", A),
    ("CO", O),
    ("NJ", O),
    ("FL", D),
    ("FL", O),
    ("FL", A),
}


@pytest.mark.parametrize(("place", "request_kind"), [(p, r) for p in PLACES for r in (D, O, A)])
def test_the_agent_signs_only_where_the_law_allows_it(place, request_kind):
    letter = letter_for(place, request_kind, "agent")
    assert (letter.agent is not None) == ((place, request_kind) in AGENT_SIGNS)
    if letter.agent is None:
        assert letter.decision.refused_for_agent
        assert any("sign and send yourself" in note for note in letter.notes)


def squash(text: str) -> str:
    # pypdf sometimes reads a space between glyph runs that print joined, e.g. "541.051(b) (4)".
    return re.sub(r"\s+(?=\()", "", words(text))


@functools.cache
def pdf_words(place: str, request: RequestKind, signer: str) -> str:
    data = pdf.render(letter_for(place, request, signer))
    return squash(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


@pytest.mark.parametrize(("place", "request_kind", "signer"), CASES, ids=[f"{p}-{r.value}-{s}" for p, r, s in CASES])
def test_golden_pdf_says_what_the_text_says(place, request_kind, signer):
    letter = letter_for(place, request_kind, signer)
    text = pdf_words(place, request_kind, signer)
    for section in RIGHTS[(place, request_kind)].values():
        assert squash(section) in text
    for sentence in CLOCKS.get((place, request_kind), []):
        assert squash(sentence) in text
    residency = "The consumer lives in" if letter.agent else "I live in"
    assert f"{residency} {PLACES[place][0]}." in text
    assert "Date: ____" in text  # room to sign and date
    if letter.agent:
        assert not first_person(text.split("Dear ", 1)[1].split("Reference OPT-")[0])


def test_a_consumer_reporting_agency_deletion_keeps_its_paragraphs_and_safeguards():
    # The freeze safeguard is a block of its own; once, extending a block with super() fused the next paragraphs.
    letter = compose(person("VA"), CATALOG.broker("equifax"), D, NOV27, CATALOG)
    starts = [block.text.split(" ")[0:3] for block in letter.blocks if block.kind == "paragraph"]
    assert ["Do", "not", "delete"] in starts and ["To", "find", "my"] in starts
    for place, request_kind, signer in CASES:
        for block in letter_for(place, request_kind, signer).blocks:
            assert "¶" not in block.text and "\x1e" not in block.text and "⟦" not in block.text
