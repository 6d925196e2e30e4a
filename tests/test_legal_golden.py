"""Golden table for the legal engine: (state, broker kind, request, date) -> law, rights, due date.

Expected values are traced to the law records in broker_catalog/laws/, whose `sources` cite the statute text;
the comment on each row names the section that sets the value.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import profile_data

from optout.catalog import default_catalog
from optout.deadlines import holidays_between
from optout.legal import decide
from optout.models import Agent, Broker, Profile, RequestKind, Signer
from optout.templating import render_note

D, O, A = RequestKind.DELETE, RequestKind.OPT_OUT, RequestKind.ACCESS
CATALOG = default_catalog()
NOV27 = dt.date(2026, 11, 27)


def broker(kind: str = "broker", registered: tuple[str, ...] = ("CA", "VT", "TX", "OR")) -> Broker:
    data = {
        "id": f"golden-{kind}",
        "name": f"Golden {kind.title()} Inc.",
        "channels": [{"kind": "email", "value": "privacy@example.com", "source": "s"}],
        "registrations": [{"state": s, "year": 2026, "source": "s"} for s in registered],
        "sources": {"s": {"title": "test fixture"}},
    }
    if kind == "cra":
        data |= {"regulated_by": {"fcra": "s"}, "categories": ["consumer-reporting"]}
    if kind == "service-provider":
        data |= {"role": "service_provider", "role_note": "processes data for agencies"}
    return Broker.model_validate(data)


def person(state: str | None = "VA", **extra) -> Profile:
    address_state = state or "VA"
    return Profile.model_validate(profile_data(
        residence_state=state,
        addresses=[{"street": "1 Example Rd", "city": "Exampleton", "state": address_state, "postal_code": "00001"}],
        **extra,
    ))


def notes(decision) -> list[str]:
    return [render_note(note) for note in decision.notes]


GOLDEN = [
    # state, broker kind, request, letter date, expected laws, expected {right: section}, expected due date.
    # The rights are the exact set invoked; a right invoked under two laws lists both sections, in law order.
    # Va. Code § 59.1-577(A)(3) delete; (B)(1) 45 days: 2026-11-27 + 45 = 2027-01-11.
    ("VA", "broker", D, NOV27, ["va-vcdpa"], {"delete": "Va. Code Ann. § 59.1-577(A)(3)"}, "2027-01-11"),
    # Va. Code § 59.1-577(A)(5)(i)-(iii): targeted advertising, sale, profiling.
    (
        "VA",
        "broker",
        O,
        NOV27,
        ["va-vcdpa"],
        {
            "opt_out_sale": "Va. Code Ann. § 59.1-577(A)(5)(ii)",
            "opt_out_targeted_advertising": "Va. Code Ann. § 59.1-577(A)(5)(i)",
            "opt_out_profiling": "Va. Code Ann. § 59.1-577(A)(5)(iii)",
        },
        "2027-01-11",
    ),
    # Civ. Code § 1798.105 reaches data collected from the consumer only (limited deletion), so the engine adds the
    # § 1798.120 opt-out; § 1798.130(a)(2)(A) 45 days.
    (
        "CA",
        "broker",
        D,
        NOV27,
        ["ca-ccpa"],
        {"delete": "Cal. Civ. Code § 1798.105(a), (c)(1)", "opt_out_sale": "Cal. Civ. Code § 1798.120(a)"},
        "2027-01-11",
    ),
    # 11 CCR § 7026(f): opt-out within 15 business days. From 2026-12-18, Christmas (12-25) and New Year's Day
    # (2027-01-01) are skipped: Dec 21-24 (4), 28-31 (8), Jan 4-8 (13), 11-12 (15) -> 2027-01-12.
    (
        "CA",
        "broker",
        O,
        dt.date(2026, 12, 18),
        ["ca-ccpa"],
        {"opt_out_sale": "Cal. Civ. Code § 1798.120(a)", "limit_sensitive": "Cal. Civ. Code § 1798.121(a)"},
        "2027-01-12",
    ),
    # Utah Code § 13-61-201(2): deletion only of data the consumer provided -> add opt-outs of sale and ads.
    (
        "UT",
        "broker",
        D,
        NOV27,
        ["ut-ucpa"],
        {
            "delete": "Utah Code Ann. § 13-61-201(2)",
            "opt_out_sale": "Utah Code Ann. § 13-61-201(5)(b)",
            "opt_out_targeted_advertising": "Utah Code Ann. § 13-61-201(5)(a)",
        },
        "2027-01-11",
    ),
    # Iowa Code § 715D.3: deletion of provided data only, opt-out of sale only, 90 days: 2027-02-25.
    (
        "IA",
        "broker",
        D,
        NOV27,
        ["ia-icdpa"],
        {"delete": "Iowa Code § 715D.3(1)(b)", "opt_out_sale": "Iowa Code § 715D.3(1)(d)"},
        "2027-02-25",
    ),
    # Iowa has no right to know third parties for access beyond § 715D.3(1)(a) access and (c) portability.
    (
        "IA",
        "broker",
        A,
        NOV27,
        ["ia-icdpa"],
        {"access": "Iowa Code § 715D.3(1)(a)", "portability": "Iowa Code § 715D.3(1)(c)"},
        "2027-02-25",
    ),
    # NRS 603A.346: data brokers must honor an opt-out of sale within 60 days (+30): 2027-01-26. No deletion right.
    (
        "NV",
        "broker",
        D,
        NOV27,
        ["nv-603a"],
        {"opt_out_sale": "NRS 603A.345(2)-(3), 603A.346(2)-(3)"},
        "2027-01-26",
    ),
    # Florida: the Digital Bill of Rights reaches only $1B controllers; no law -> honest voluntary request, no due date.
    ("FL", "broker", D, NOV27, ["no-law"], {}, None),
    # Effective-date boundaries: Oklahoma's law takes effect 2027-01-01 (SB 546).
    ("OK", "broker", D, dt.date(2026, 12, 31), ["no-law"], {}, None),
    # 2027-01-01 + 45 = Monday 2027-02-15, Presidents' Day: Okla. Stat. tit. 25, § 82.1 moves it to 2027-02-16.
    # The record gives the deletion right no pinpoint section, so the letter cites the enrolled bill. Deletion
    # reaches data "provided by or obtained about" the consumer, so no opt-out is added.
    ("OK", "broker", D, dt.date(2027, 1, 1), ["ok-ocdpa"], {"delete": "Okla. Enrolled S.B. 546 (2026)"}, "2027-02-16"),
    # Indiana, Kentucky and Rhode Island: effective 2026-01-01.
    ("IN", "broker", D, dt.date(2025, 12, 31), ["no-law"], {}, None),
    # Ind. Code § 24-15-3-1(b)(3); KRS 367.3615(2)(c); R.I. Gen. Laws § 6-48.1-5(e)(2): deletion, 45 days.
    ("IN", "broker", D, dt.date(2026, 1, 1), ["in-icdpa"], {"delete": "Ind. Code § 24-15-3-1(b)(3)"}, "2026-02-15"),
    ("KY", "broker", D, dt.date(2026, 1, 1), ["ky-kcdpa"], {"delete": "KRS 367.3615(2)(c)"}, "2026-02-15"),
    ("RI", "broker", D, dt.date(2026, 1, 1), ["ri-ridtppa"], {"delete": "R.I. Gen. Laws § 6-48.1-5(e)(2)"}, "2026-02-15"),
    # Alabama: effective 2027-05-01.
    ("AL", "broker", D, NOV27, ["no-law"], {}, None),
    # Access to a consumer reporting agency adds FCRA file disclosure (15 U.S.C. § 1681g(a)), which sets no clock;
    # Va. Code § 59.1-577(A)(1) access and (A)(4) portability.
    (
        "VA",
        "cra",
        A,
        NOV27,
        ["va-vcdpa", "us-fcra"],
        {
            "access": ("Va. Code Ann. § 59.1-577(A)(1)", "15 U.S.C. § 1681g(a)(1), (2), (3)"),
            "portability": "Va. Code Ann. § 59.1-577(A)(4)",
        },
        "2027-01-11",
    ),
    # A service provider gets an access request (§ 59.1-577(A)(1) access, (A)(4) portability) instead of a deletion
    # demand, and no clock: the statute binds the business it serves.
    (
        "VA",
        "service-provider",
        D,
        NOV27,
        ["va-vcdpa"],
        {"access": "Va. Code Ann. § 59.1-577(A)(1)", "portability": "Va. Code Ann. § 59.1-577(A)(4)"},
        None,
    ),
]


@pytest.mark.parametrize(
    ("state", "kind", "request_kind", "on", "laws", "rights", "due"),
    GOLDEN,
    ids=[f"{g[0]}-{g[1]}-{g[2].value}-{g[3]}" for g in GOLDEN],
)
def test_golden(state, kind, request_kind, on, laws, rights, due):
    decision = decide(person(state), broker(kind), request_kind, on, CATALOG)
    assert decision.laws == laws
    invoked: dict[str, list[str | None]] = {}
    for r in decision.rights:
        invoked.setdefault(r.right.value, []).append(r.section)
    expected = {right: list(section) if isinstance(section, tuple) else [section] for right, section in rights.items()}
    assert invoked == expected
    assert (decision.due_date.isoformat() if decision.due_date else None) == due


def test_every_comprehensive_law_in_force_is_chosen_for_its_residents():
    laws = [law for law in CATALOG.laws.values() if law.kind.value == "comprehensive" and law.in_force(NOV27) and law.rights]
    assert len(laws) >= 19
    for law in laws:
        decision = decide(person(law.jurisdiction), broker(), D, NOV27, CATALOG)
        assert decision.laws == [law.id], law.id
        assert {r.right.value for r in decision.rights} & {"delete", "opt_out_sale"}, law.id
        assert decision.due_date is not None


def test_not_yet_effective_law_is_named_with_its_date():
    decision = decide(person("OK"), broker(), D, dt.date(2026, 12, 31), CATALOG)
    assert any("January 1, 2027" in note for note in notes(decision))


def test_business_days_skip_the_holidays_that_apply():
    # The 2026-12-18 CA opt-out row above spans Christmas and New Year's Day.
    names = [name for _, name in holidays_between(dt.date(2026, 12, 18), dt.date(2027, 1, 12), "CA")]
    assert "Christmas Day" in names and "New Year's Day" in names


def test_daniels_law_covered_person_gets_nondisclosure_in_ten_business_days():
    # Daniel's Law: 10 business days after the written notice; Thanksgiving (2026-11-26) is skipped -> 2026-12-10.
    decision = decide(person("NJ", statuses=["daniels-law"]), broker(), D, dt.date(2026, 11, 25), CATALOG)
    assert decision.laws == ["nj-njdpa", "nj-daniels-law"]
    assert "nondisclosure" in {r.right.value for r in decision.rights}
    assert decision.due_date == dt.date(2026, 12, 10)


def test_gdpr_one_month():
    # GDPR Art. 12(3): one month from receipt.
    profile = Profile.model_validate(profile_data(residence_state=None, residence_country="DE"))
    decision = decide(profile, broker(), D, NOV27, CATALOG)
    assert decision.laws == ["eu-gdpr"]
    # 2026-12-27 is a Sunday: Regulation 1182/71 art. 3(4) ends the period on the next working day.
    assert decision.due_date == dt.date(2026, 12, 28)


def test_gdpr_due_date_moves_off_a_weekend_only_under_its_rule():
    # The case: a GDPR letter dated 2027-01-30 was "due 2027-02-28", a Sunday; it is due Monday 2027-03-01.
    profile = Profile.model_validate(profile_data(residence_state=None, residence_country="DE"))
    assert decide(profile, broker(), D, dt.date(2027, 1, 30), CATALOG).due_date == dt.date(2027, 3, 1)
    # Virginia's record sets no roll-forward: 2026-11-29 + 45 = Tuesday 2027-01-13 stays; 2026-12-03 + 45 = Sunday
    # 2027-01-17 stays a Sunday.
    assert decide(person("VA"), broker(), D, dt.date(2026, 12, 3), CATALOG).due_date == dt.date(2027, 1, 17)


def test_california_resident_is_told_about_drop():
    decision = decide(person("CA"), broker(registered=("CA",)), D, NOV27, CATALOG)
    assert any("DROP" in note for note in notes(decision))
    decision = decide(person("CA"), broker(registered=("VT",)), D, NOV27, CATALOG)
    assert not any("DROP" in note for note in notes(decision))


AGENT = Agent.model_validate(
    {
        "organization": "Example Legal Clinic",
        "contact_name": "Sam Lee",
        "address": {"street": "1 Court St", "city": "Richmond", "state": "VA", "postal_code": "23219"},
    }
)


def test_the_person_signs_where_the_law_allows_no_agent_and_keeps_every_right():
    person_signs = decide(person("VA"), broker(), D, NOV27, CATALOG, agent=AGENT)
    assert person_signs.signer is Signer.PERSON
    assert {r.right.value for r in person_signs.rights} == {"delete"}
    assert {r.right.value for r in person_signs.refused_for_agent} == {"delete"}
    assert any("sign and send yourself" in note for note in notes(person_signs))
    allowed = decide(person("CA"), broker(), D, NOV27, CATALOG, agent=AGENT)
    assert allowed.signer is Signer.AGENT and {r.right.value for r in allowed.rights} >= {"delete"}
    # Colorado lets agents opt out (C.R.S. § 6-1-1306(1)(a)(II)) but not delete.
    colorado = decide(person("CO"), broker(), D, NOV27, CATALOG, agent=AGENT)
    assert colorado.signer is Signer.PERSON and "delete" in {r.right.value for r in colorado.rights}
    colorado_opt_out = decide(person("CO"), broker(), O, NOV27, CATALOG, agent=AGENT)
    assert colorado_opt_out.signer is Signer.AGENT
    assert "opt_out_sale" in {r.right.value for r in colorado_opt_out.rights}


def test_delete_to_a_consumer_reporting_agency_points_to_fcra_rights():
    decision = decide(person("VA"), broker("cra"), D, NOV27, CATALOG)
    note = next(n for n in notes(decision) if "consumer reporting agency" in n)
    # A security freeze binds only nationwide agencies (15 U.S.C. § 1681c-1(i)); this fixture is not one.
    assert "15 U.S.C. § 1681i" in note and "§ 1681c-1" not in note and "freeze" not in note
    assert decision.laws == ["va-vcdpa"]


def test_deletion_letter_states_the_shorter_opt_out_clock_it_also_invokes():
    # CCPA: deletion 45 days (2027-01-11); the § 1798.120 opt-out in the same letter 15 business days
    # (11 CCR § 7026(f)): from Friday 2026-11-27, Nov 30-Dec 4 (5), Dec 7-11 (10), Dec 14-18 (15) -> 2026-12-18.
    decision = decide(person("CA"), broker(), D, NOV27, CATALOG)
    assert decision.due_date == dt.date(2027, 1, 11)
    opt_out = [d for d in decision.deadlines if d.part == "opt-out"]
    assert [(d.law_id, d.due_date) for d in opt_out] == [("ca-ccpa", dt.date(2026, 12, 18))]
    # Virginia has one clock for everything: no separate opt-out deadline.
    assert all(d.part == "request" for d in decide(person("VA"), broker(), D, NOV27, CATALOG).deadlines)


def test_a_security_freeze_is_offered_only_by_nationwide_agencies():
    # 15 U.S.C. § 1681c-1(i) binds nationwide consumer reporting agencies (§ 1681a(p)): Equifax, Experian, TransUnion.
    for broker_id, freeze in (("equifax", True), ("experian", True), ("transunion", True), ("nctue", False)):
        decision = decide(person("VA"), CATALOG.broker(broker_id), D, NOV27, CATALOG)
        fcra = [n for n in notes(decision) if "consumer reporting agency" in n]
        assert fcra, broker_id
        assert ("security freeze" in fcra[0]) is freeze, broker_id
