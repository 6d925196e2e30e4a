"""Later letters: follow-up, appeal, complaint and the six replies, through the library and the real CLI.

Goldens in three jurisdictions (Virginia, Utah, and Florida, which has no comprehensive privacy law) assert the
cited sections and the dates in the PDF read back with pypdf; every kind is written in every format for the person
and for an agent; letters the law does not give are refused with the reason.
"""

from __future__ import annotations

import datetime as dt
import email
import io
import re
from email import policy

import pytest
from conftest import pdf_text, profile_data, words
from pypdf import PdfReader
from test_legal_golden import broker

from optout.catalog import Catalog, default_catalog
from optout.errors import InputError
from optout.letters import reference_for
from optout.lifecycle import PriorLetter, basis_for, compose_appeal, compose_complaint, compose_follow_up
from optout.models import Agent, Profile, RequestKind, Signer
from optout.render import eml, pdf, txt
from optout.replies import ReplyKind, compose_reply

BASE = default_catalog()
GOLDEN = broker()
CATALOG = Catalog(brokers={**BASE.brokers, GOLDEN.id: GOLDEN}, laws=BASE.laws)
SENT = dt.date(2026, 9, 1)
AGENT = Agent.model_validate({"organization": "Example Legal Clinic", "contact_name": "Sam Lee", "email": "clinic@example.org",
                              "address": {"street": "1 Court St", "city": "Oakland", "state": "CA", "postal_code": "94612"}})
HOMES = {"VA": ("Richmond", "23220"), "UT": ("Salt Lake City", "84101"), "FL": ("Miami", "33101"), "CO": ("Denver", "80202"),
         "CA": ("Oakland", "94612")}


def person(state: str, **extra) -> Profile:
    city, zip_code = HOMES[state]
    address = {"street": "12 Elm St", "city": city, "state": state, "postal_code": zip_code}
    return Profile.model_validate(profile_data(residence_state=state, addresses=[address], **extra))


def prior(profile: Profile, request: RequestKind = RequestKind.DELETE, **dates) -> PriorLetter:
    return PriorLetter(reference=reference_for(profile, GOLDEN.id, request, SENT), request=request, broker_id=GOLDEN.id,
                       sent_on=SENT, channel="by email", **dates)


def pdf_words(letter) -> str:
    reader = PdfReader(io.BytesIO(pdf.render(letter)))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    # Page footers ("Reference ... Page 1 of 2") may fall mid-sentence at a page break.
    return words(re.sub(r"Reference [A-Z]{3}-\S+(?: Page \d+ of \d+)? ?", "", text))


# --- Goldens: Virginia (appeal, regulator with an address), Utah (no appeal), Florida (no comprehensive law) ---


def test_virginia_follow_up_states_the_date_the_deadline_and_the_section_in_the_pdf():
    va = person("VA")
    letter = compose_follow_up(CATALOG, va, prior(va), today=dt.date(2026, 11, 30))
    text = pdf_words(letter)
    assert letter.reference.startswith("FUP-20261130-")
    assert f"Follow-up to {prior(va).reference} of September 1, 2026, unanswered" in text
    assert "Under Va. Code Ann. § 59.1-577(A)(3), delete the personal information you hold about me." in text
    assert ("The VCDPA required you to respond to the request within 45 calendar days of receiving it "
            "(Va. Code Ann. § 59.1-577(B)(1)): by October 16, 2026") in text
    assert "it is not a new one" in text
    assert "If I have no answer by December 15, 2026, I will treat the request as refused." in text


def test_follow_up_to_a_service_provider_claims_no_clock_and_counts_the_days():
    provider = broker("service-provider")
    catalog = Catalog(brokers={**CATALOG.brokers, provider.id: provider}, laws=BASE.laws)
    va = person("VA")
    first = PriorLetter(reference="OPT-20260901-0000AAAA", request=RequestKind.DELETE, broker_id=provider.id, sent_on=SENT)
    text = words(txt.render(compose_follow_up(catalog, va, first, today=dt.date(2026, 10, 20))).decode())
    assert "49 days have passed since then." in text
    assert "required you to" not in text


def test_california_follow_up_states_the_shorter_opt_out_clock_and_the_agent_who_wrote():
    ca = person("CA")
    letter = compose_follow_up(CATALOG, ca, prior(ca), today=TODAY, agent=AGENT)
    text = words(txt.render(letter).decode())
    # Who sent the first letter is not known to a later one: the agent's follow-up does not claim it did.
    assert "The consumer's request was sent to you on September 1, 2026" in text
    assert ("The requests to opt out had to be honored sooner, within 15 business days (11 CCR §§ 7026(f), 7027(g)): "
            "by September 23, 2026.") in text


def test_virginia_follow_up_names_an_extension_beyond_what_the_law_allows():
    va = person("VA")
    letter = compose_follow_up(CATALOG, va, prior(va, extended_to=dt.date(2026, 12, 20)), today=dt.date(2026, 12, 21))
    text = words(txt.render(letter).decode())
    assert "You told me that you were extending the time to answer to December 20, 2026." in text
    assert ("The VCDPA allows an extension of at most 45 calendar days, so the latest date it allows was "
            "November 30, 2026.") in text


def test_virginia_appeal_names_the_refusal_its_date_and_the_appeal_section_in_the_pdf():
    va = person("VA")
    letter = compose_appeal(CATALOG, va, prior(va, denied_on=dt.date(2026, 10, 1)), today=dt.date(2026, 10, 5))
    text = pdf_words(letter)
    assert letter.title == f"Appeal of your refusal of October 1, 2026 ({prior(va).reference}) under the VCDPA"
    assert "On October 1, 2026, you refused it, in whole or in part." in text
    assert "I appeal your decision under the VCDPA (Va. Code Ann. § 59.1-577(C))" in text
    assert "Under Va. Code Ann. § 59.1-577(A)(3), delete the personal information you hold about me." in text
    assert "Office of the Attorney General of Virginia" in text


def test_virginia_complaint_goes_to_the_attorney_general_with_a_chronology_in_the_pdf():
    va = person("VA")
    first = prior(va, denied_on=dt.date(2026, 10, 1))
    appeal = PriorLetter(reference="APL-20261005-9D6F6DDC", request=RequestKind.DELETE, broker_id=GOLDEN.id,
                         sent_on=dt.date(2026, 10, 5), denied_on=dt.date(2026, 11, 1))
    letter = compose_complaint(CATALOG, va, [appeal, first], today=dt.date(2026, 11, 30))
    text = pdf_words(letter)
    assert letter.recipient_lines == ["Office of the Attorney General of Virginia, Consumer Protection Section",
                                      "202 North Ninth Street", "Richmond, Virginia 23219"]
    assert letter.recipient_email is None
    assert "To the Office of the Attorney General of Virginia, Consumer Protection Section:" in text
    assert "the right to have the personal information deleted (Va. Code Ann. § 59.1-577(A)(3))" in text
    assert f"September 1, 2026: I sent {GOLDEN.name} the request" in text
    assert "On October 1, 2026 the company refused it." in text
    assert "October 5, 2026: I sent" in text and "an appeal (reference APL-20261005-9D6F6DDC)" in text
    assert "I appealed as the VCDPA provides (Va. Code Ann. § 59.1-577(C))" in text
    assert text.index("September 1, 2026: I sent") < text.index("October 5, 2026: I sent")


def test_utah_appeal_is_refused_with_the_reason():
    ut = person("UT")
    refused = r"no appeal: the Utah Consumer Privacy Act gives no right to appeal a refusal.*dcp\.utah\.gov"
    with pytest.raises(InputError, match=refused):
        compose_appeal(CATALOG, ut, prior(ut, denied_on=dt.date(2026, 10, 1)), today=dt.date(2026, 10, 5))


def test_utah_follow_up_and_complaint_cite_the_ucpa_in_the_pdf():
    ut = person("UT")
    follow_up = pdf_words(compose_follow_up(CATALOG, ut, prior(ut), today=dt.date(2026, 11, 30)))
    assert "(Utah Code Ann. § 13-61-203(2)(a)): by October 16, 2026" in follow_up
    assert "Under Utah Code Ann. § 13-61-201(2), delete the personal information you hold about me." in follow_up
    complaint = compose_complaint(CATALOG, ut, [prior(ut)], today=dt.date(2026, 11, 30))
    assert complaint.webform_url == "https://dcp.utah.gov/ucpa/"
    text = pdf_words(complaint)
    assert "has not answered, within the time the law allows, my request under the Utah Consumer Privacy Act" in text
    assert "No answer had come by October 16, 2026, when it was due." in text
    late = compose_complaint(CATALOG, ut, [prior(ut, denied_on=dt.date(2026, 11, 1))], today=dt.date(2026, 11, 30))
    assert "On November 1, 2026 the company refused it, after the deadline of October 16, 2026." in words(
        txt.render(late).decode())


def test_florida_no_law_follow_up_counts_the_45_days_asked_for_and_cites_no_law():
    fl = person("FL")
    letter = compose_follow_up(CATALOG, fl, prior(fl), today=dt.date(2026, 10, 20))
    text = pdf_words(letter)
    assert "I asked you to reply within 45 days, that is by October 16, 2026." in text
    assert "§" not in text
    with pytest.raises(InputError, match="no appeal: no privacy law gives you this right where you live"):
        compose_appeal(CATALOG, fl, prior(fl, denied_on=dt.date(2026, 10, 1)), today=dt.date(2026, 10, 5))
    with pytest.raises(InputError, match="no complaint: no privacy law gives you this right"):
        compose_complaint(CATALOG, fl, [prior(fl, denied_on=dt.date(2026, 10, 1))], today=dt.date(2026, 10, 5))


def test_safe_at_home_follow_up_claims_no_passed_deadline_and_offers_no_complaint():
    """Cal. Gov. Code § 6208.1 gives the demand no response clock and the law names no regulator."""
    acp = person("CA", statuses=["acp"], acp_substitute_address={"street": "PO Box 1209", "city": "Sacramento",
                                                                 "state": "CA", "postal_code": "95812"})
    letter = compose_follow_up(CATALOG, acp, prior(acp, RequestKind.ACP), today=dt.date(2026, 11, 30))
    text = pdf_words(letter)
    assert "The time to answer has passed" not in text and "90 days have passed since then." in text
    assert "PO Box 1209" in text and "12 Elm St" not in text
    assert "optout complaint" not in " ".join(letter.notes) and "names a regulator" in " ".join(letter.notes)


def test_florida_not_resident_reply_asks_again_for_a_voluntary_answer():
    fl = person("FL")
    letter = compose_reply(CATALOG, fl, prior(fl), ReplyKind.NOT_RESIDENT, today=dt.date(2026, 10, 10),
                           replied_on=dt.date(2026, 10, 8))
    text = pdf_words(letter)
    assert "I live in Florida, and know of no privacy law there that obliges you to act on this request" in text
    assert "This replies to your answer of October 8, 2026." in text


# --- When a later letter is not available ---


def test_follow_up_refused_before_the_deadline_after_an_answer_and_after_a_refusal():
    va = person("VA")
    with pytest.raises(InputError, match="due by October 16, 2026; a follow-up can be sent from October 17, 2026"):
        compose_follow_up(CATALOG, va, prior(va), today=dt.date(2026, 10, 16))
    with pytest.raises(InputError, match="answered on October 2, 2026"):
        compose_follow_up(CATALOG, va, prior(va, answered_on=dt.date(2026, 10, 2)), today=dt.date(2026, 11, 30))
    with pytest.raises(InputError, match="refused it on October 2, 2026"):
        compose_follow_up(CATALOG, va, prior(va, denied_on=dt.date(2026, 10, 2)), today=dt.date(2026, 11, 30))
    # An announced extension moves the day a follow-up becomes due.
    with pytest.raises(InputError, match="due by November 20, 2026"):
        compose_follow_up(CATALOG, va, prior(va, extended_to=dt.date(2026, 11, 20)), today=dt.date(2026, 11, 1))


def test_appeal_needs_a_refusal_and_a_window_the_law_sets():
    va = person("VA")
    with pytest.raises(InputError, match="--denied-on"):
        compose_appeal(CATALOG, va, prior(va), today=dt.date(2026, 10, 5))
    law = BASE.law("va-vcdpa")
    assert law.appeal is not None
    windowed = law.model_copy(update={"appeal": law.appeal.model_copy(update={"window_days": 60})})
    catalog = Catalog(brokers=CATALOG.brokers, laws={**BASE.laws, law.id: windowed})
    late = prior(va, denied_on=dt.date(2026, 10, 1))
    with pytest.raises(InputError, match=r"within 60 days of the refusal \(October 1, 2026\), that is by November 30, 2026"):
        compose_appeal(catalog, va, late, today=dt.date(2026, 12, 1))
    within = compose_appeal(catalog, va, late, today=dt.date(2026, 11, 30))
    assert "within the 60 days it allows after a refusal (by November 30, 2026)" in words(txt.render(within).decode())


def test_complaint_needs_a_ground_one_company_and_dates_in_order():
    va = person("VA")
    with pytest.raises(InputError, match="nothing to complain about yet"):
        compose_complaint(CATALOG, va, [prior(va)], today=dt.date(2026, 10, 1))
    other = PriorLetter(reference="OPT-20260901-00000000", request=RequestKind.DELETE, broker_id="spokeo", sent_on=SENT)
    with pytest.raises(InputError, match="several companies"):
        compose_complaint(CATALOG, va, [prior(va), other], today=dt.date(2026, 11, 30))
    with pytest.raises(InputError, match="is before it was sent"):
        compose_complaint(CATALOG, va, [prior(va, denied_on=dt.date(2026, 8, 1))], today=dt.date(2026, 11, 30))
    with pytest.raises(InputError, match="after today"):
        compose_follow_up(CATALOG, va, prior(va), today=dt.date(2026, 8, 1))
    with pytest.raises(InputError, match="give at least the first letter"):
        compose_complaint(CATALOG, va, [], today=dt.date(2026, 11, 30))


def test_extension_reply_refused_where_the_law_allows_no_extension():
    ca = person("CA")
    with pytest.raises(InputError, match="allows no extension of the deadline for this request"):
        compose_reply(CATALOG, ca, prior(ca, RequestKind.OPT_OUT), ReplyKind.EXTENSION_NO_REASON, today=dt.date(2026, 10, 10))
    fl = person("FL")
    with pytest.raises(InputError, match="no law sets a deadline"):
        compose_reply(CATALOG, fl, prior(fl), ReplyKind.EXTENSION_NO_REASON, today=dt.date(2026, 10, 10))


# --- Every kind, every format, both signer modes ---

TODAY = dt.date(2026, 11, 30)
KINDS = ["follow-up", "appeal", "complaint", *[k.value for k in ReplyKind]]


def compose_kind(kind: str, profile: Profile, request: RequestKind, agent: Agent | None):
    if kind == "follow-up":
        return compose_follow_up(CATALOG, profile, prior(profile, request), today=TODAY, agent=agent)
    if kind == "appeal":
        return compose_appeal(CATALOG, profile, prior(profile, request, denied_on=dt.date(2026, 11, 1)), today=TODAY, agent=agent)
    if kind == "complaint":
        return compose_complaint(CATALOG, profile, [prior(profile, request, denied_on=dt.date(2026, 11, 1))], today=TODAY,
                                 agent=agent)
    return compose_reply(CATALOG, profile, prior(profile, request, extended_to=dt.date(2026, 11, 25)), ReplyKind(kind),
                         today=TODAY, replied_on=dt.date(2026, 10, 10), agent=agent, missing="the listing on the search site")


# Virginia lets no agent delete, so the person signs; Colorado lets an agent opt out, so the agent signs.
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("state", "request_kind", "signer"), [("VA", RequestKind.DELETE, Signer.PERSON),
                                                                ("CO", RequestKind.OPT_OUT, Signer.AGENT)])
def test_every_kind_in_every_format_for_person_and_agent(kind, state, request_kind, signer):
    letter = compose_kind(kind, person(state), request_kind, AGENT if signer is Signer.AGENT else None)
    assert letter.signer is signer
    previous = prior(person(state), request_kind).reference
    text = words(txt.render(letter).decode())
    message = email.message_from_bytes(eml.render(letter), policy=policy.default)
    assert previous in text and previous in message["Subject"]
    assert previous in pdf_words(letter)
    assert "⟦" not in text and "¶" not in text
    if signer is Signer.AGENT:
        assert "Example Legal Clinic writes as the authorized agent of Alex Rivera" in text
        assert "Enclosure: Authorization signed by Alex Rivera" in text
        body = text.split("Dear ", 1)[-1] if kind != "complaint" else text.split("To the ", 1)[-1]
        body = re.sub(r"\([IVX]+\)", "", body)  # roman numerals in sections: § 6-1-1306(1)(a)(I)(B)
        assert not re.search(r"\b(I|me|my|I'm|I've)\b", body.replace("the listing on the search site", "")), body
    else:
        assert text.rstrip().endswith("Alex Rivera") or "Enclosure:" in text


def test_acp_participant_later_letters_never_carry_the_real_address():
    acp = person("VA", statuses=["acp"], acp_substitute_address={"street": "PO Box 555", "city": "Richmond", "state": "VA",
                                                                  "postal_code": "23218"})
    for kind in KINDS:
        letter = compose_kind(kind, acp, RequestKind.DELETE, None)
        rendered = txt.render(letter).decode() + eml.render(letter).decode("utf-8", "replace")
        assert "12 Elm St" not in rendered, kind
        assert "PO Box 555" in rendered, kind


def test_basis_names_the_clock_appeal_and_regulator():
    basis = basis_for(CATALOG, person("UT"), GOLDEN.id, RequestKind.DELETE, SENT)
    assert basis["clock"] == "45 calendar days (Utah Code Ann. § 13-61-203(2)(a)), by 2026-10-16"
    assert basis["appeal"].startswith("none in this law (no statutory appeal")
    assert basis["regulator"].endswith("https://dcp.utah.gov/ucpa/")


def test_prior_letter_refuses_a_reference_with_a_line_break():
    with pytest.raises(ValueError, match="U\\+000A"):
        PriorLetter(reference="OPT-1\nBcc: x@example.org", request=RequestKind.DELETE, broker_id="spokeo", sent_on=SENT)


# --- The command line ---


def test_cli_reply_every_kind_writes_files(cli, write_profile, tmp_path):
    profile = write_profile(residence_state="VA")
    ref = "OPT-20260901-44294E34"
    common = ["--profile", profile, "--broker", "spokeo", "--ref", ref, "--sent-on", "2026-09-01", "--date", "2026-11-30",
              "--format", "txt"]
    extra = {"denial": ["--denied-on", "2026-11-01"], "extension-no-reason": ["--extended-to", "2026-11-25"],
             "partial": ["--missing", "the listing"]}
    for kind in ["no-response", "denial", *[k.value for k in ReplyKind]]:
        out = tmp_path / kind
        result = cli("reply", "--to", kind, *common, *extra.get(kind, []), "--replied-on", "2026-10-10", "--out", out)
        assert result.exit_code == 0, (kind, result.output)
        written = list(out.glob("spokeo-delete-*.txt"))
        assert any(ref in p.read_text() for p in written), kind
    result = cli("complaint", *common, "--denied-on", "2026-11-01", "--also", "APL-20261105-1A2B3C4D@2026-11-05",
                 "--out", tmp_path / "complaint")
    assert result.exit_code == 0, result.output
    assert "APL-20261105-1A2B3C4D" in next((tmp_path / "complaint").glob("*CMP-*.txt")).read_text()


def test_cli_refusals_are_one_line_with_exit_2(cli, write_profile, tmp_path):
    profile = write_profile(residence_state="UT", addresses=[{"street": "1 A St", "city": "Provo", "state": "UT",
                                                              "postal_code": "84601"}])
    result = cli("reply", "--to", "denial", "--profile", profile, "--broker", "spokeo", "--ref", "OPT-20260901-44294E34",
                 "--sent-on", "2026-09-01", "--denied-on", "2026-10-01", "--date", "2026-10-05", "--out", tmp_path / "x")
    assert result.exit_code == 2
    assert "no appeal: the Utah Consumer Privacy Act gives no right to appeal" in result.output
    assert not (tmp_path / "x").exists()
    result = cli("reply", "--to", "no-response", "--profile", profile, "--broker", "spokeo", "--ref", "OPT-1",
                 "--sent-on", "2026-13-01")
    assert result.exit_code == 2 and "--sent-on: '2026-13-01' is not a date" in result.output
    result = cli("reply", "--to", "no-response", "--profile", profile)
    assert result.exit_code == 2 and "missing --ref, --broker, --sent-on" in result.output
    result = cli("complaint", "--profile", profile, "--broker", "spokeo", "--ref", "OPT-1", "--sent-on", "2026-09-01",
                 "--also", "nonsense")
    assert result.exit_code == 2 and "--also 'nonsense'" in result.output


def test_cli_explain_names_each_kind_and_the_basis(cli, write_profile):
    result = cli("reply", "explain")
    assert result.exit_code == 0
    for kind in ["no-response", "denial", "complaint", *[k.value for k in ReplyKind]]:
        assert f"{kind}: " in result.output
    assert result.output.count("What to attach:") == 9
    profile = write_profile(residence_state="VA")
    result = cli("reply", "explain", "denial", "--profile", profile, "--broker", "spokeo", "--sent-on", "2026-09-01")
    assert "Appeal: yes, Va. Code Ann. § 59.1-577(C)" in result.output
    assert "Deadline: 45 calendar days (Va. Code Ann. § 59.1-577(B)(1)), by 2026-10-16" in result.output
    assert cli("reply", "explain", "nonsense").exit_code == 2


def test_cli_pdf_of_a_follow_up_reads_back(cli, write_profile, tmp_path):
    profile = write_profile(residence_state="VA")
    result = cli("reply", "--to", "no-response", "--profile", profile, "--broker", "spokeo", "--ref", "OPT-20260901-44294E34",
                 "--sent-on", "2026-09-01", "--date", "2026-11-30", "--format", "pdf", "--out", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    text = words(pdf_text(next(tmp_path.glob("*FUP-*.pdf"))))
    assert "by October 16, 2026" in text and "OPT-20260901-44294E34" in text


def test_reply_dates_and_missing_text_are_checked():
    va = person("VA")
    with pytest.raises(InputError, match="--replied-on 2026-08-01"):
        compose_reply(CATALOG, va, prior(va), ReplyKind.PARTIAL, today=TODAY, replied_on=dt.date(2026, 8, 1))
    with pytest.raises(InputError, match="--missing: .*U\\+0007"):
        compose_reply(CATALOG, va, prior(va), ReplyKind.PARTIAL, today=TODAY, missing="the listing\x07")


def test_gdpr_extension_reply_counts_the_extension_in_months():
    berlin = {"country": "DE", "street": "Musterstraße 1", "city": "Berlin", "postal_code": "10115"}
    de = Profile.model_validate(profile_data(residence_state=None, residence_country="DE", addresses=[berlin],
                                             phones=["+49 30 5550100"]))
    letter = compose_reply(CATALOG, de, prior(de), ReplyKind.EXTENSION_NO_REASON, today=dt.date(2026, 9, 20),
                           replied_on=dt.date(2026, 9, 15))
    text = words(txt.render(letter).decode())
    assert "It lets you extend that period by up to 2 months, to December 1, 2026 at the latest" in text
