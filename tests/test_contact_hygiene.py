"""Contact hygiene: wrapped links, tracking parameters, typo'd domains, impossible addresses, test numbers, non-privacy
mailboxes, homepages and privacy notices filed as request forms; and which channel a letter goes to."""

from __future__ import annotations

import datetime as dt
import socket

import pytest

from optout.build.contacts import check_email, check_phone, check_postal, check_url
from optout.build.facts import mark_typos
from optout.build.hygiene import clean_url, registrable_domain
from optout.build.state import DraftBroker
from optout.channels import channel_choice
from optout.models import Broker, ChannelKind, ChannelProblem, RequestKind


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Facme.example.com%2Fprivacy-request%2F&data=05"
            "%7C02&reserved=0",
            "https://acme.example.com/privacy-request/",
        ),
        (
            "https://urldefense.com/v3/__https://acme.example.com/privacy-center/__;!!abc$",
            "https://acme.example.com/privacy-center/",
        ),
        (
            "https://urldefense.proofpoint.com/v2/url?u=https-3A__acme.example.com_optout&d=DwMF",
            "https://acme.example.com/optout",
        ),
        (
            "https://clicktime.symantec.com/15tp?h=x=&u=https://privacyportal.onetrust.com/webform/1d20",
            "https://privacyportal.onetrust.com/webform/1d20",
        ),
        ("https://acme.example.com/opt-form/?hsLang=en", "https://acme.example.com/opt-form/"),
        ("https://acme.example.com/a?id=3&utm_source=x&gclid=4&icid=5", "https://acme.example.com/a?id=3"),
    ],
)
def test_wrapped_and_tracked_links_are_cleaned(raw, clean):
    assert clean_url(raw) == clean
    assert check_url(raw).value == clean


@pytest.mark.parametrize(
    ("checked", "problem"),
    [
        (check_email("consumerrequest@melissa.ccm"), ChannelProblem.LOOKALIKE_TLD),
        (check_url("http://peopesearcher.cm"), ChannelProblem.LOOKALIKE_TLD),
        (check_email("tax@veraset.example.com"), ChannelProblem.NOT_PRIVACY_ADDRESS),
        (check_phone("+1 410-555-1212"), ChannelProblem.TEST_NUMBER),
        (check_postal(["729 North Washington Avenue #600", "Minneapolis, NM 55401"]), ChannelProblem.STATE_ZIP_MISMATCH),
        (check_postal(["440 N Barranca Ave, Unit 4750", "Covina, CA 9172-1722"]), ChannelProblem.TRUNCATED_ZIP),
        (check_url("https://www.acme.example.com/"), ChannelProblem.HOMEPAGE),
        (check_url("https://acme.example.com/en-us"), ChannelProblem.HOMEPAGE),
    ],
)
def test_faulty_values_are_unusable_with_a_reason(checked, problem):
    assert checked.problem is problem and not checked.usable and checked.note


def test_sound_values_pass():
    assert check_email("privacy@melissa.com").usable
    assert check_phone("+1 503-555-0123").usable  # 555-01xx: reserved for fiction, used by our fixtures
    assert check_postal(["1 Main St", "Boston, MA 02110"]).problem is None
    assert check_url("https://privacy.acme.example.com").problem is None  # a privacy subdomain is a portal
    assert check_url("https://acme.example.com/opt-out").problem is None
    assert check_url("https://acme.zendesk.com/hc/en-us/requests/new").third_party_portal


def test_privacy_notice_is_a_last_resort_not_a_form():
    notice = check_url("https://acme.example.com/privacy-policy")
    assert notice.usable and notice.problem is ChannelProblem.PRIVACY_NOTICE
    article = check_url("https://acme.zendesk.com/hc/en-us/articles/123-Privacy-Notice")
    assert article.problem is ChannelProblem.PRIVACY_NOTICE and not article.third_party_portal


def draft(**fields) -> DraftBroker:
    data = {"id": "acme", "name": "Acme Inc", "sources": {"ca-2026": {"title": "CA 2026", "retrieved": "2026-06-04"}}}
    data.update(fields)
    return DraftBroker.model_validate(data)


@pytest.mark.parametrize("typo", ["hello@adttrbution.com", "dpo@bisceince.com", "legal@gravyanayltics.com"])
def test_email_domain_one_or_two_edits_from_the_website_is_a_typo(typo):
    website = {"adttrbution.com": "https://www.adttribution.com", "bisceince.com": "https://www.biscience.com"}.get(
        typo.split("@")[1], "https://www.gravyanalytics.com"
    )
    record = draft(website=website, channels=[{"kind": "email", "value": typo, "source": "ca-2026"}], no_channel_reason="x")
    mark_typos(record)
    channel = record.channels[0]
    assert not channel.usable and channel.problem is ChannelProblem.TYPO_DOMAIN and "typo" in channel.notes


def test_unrelated_domains_are_not_typos():
    record = draft(
        website="https://www.acme.com", channels=[{"kind": "email", "value": "p@acmeholdings.com", "source": "ca-2026"}]
    )
    mark_typos(record)
    assert record.channels[0].usable


def test_registrable_domain_uses_the_bundled_list_without_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network used")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert registrable_domain("consumer.risk.lexisnexis.com") == "lexisnexis.com"
    assert registrable_domain("www.example.co.uk") == "example.co.uk"


def broker(channels: list[dict], **fields) -> Broker:
    data = {
        "id": "acme",
        "name": "Acme",
        "channels": channels,
        "sources": {
            "new": {"title": "new", "retrieved": dt.date(2026, 6, 4)},
            "old": {"title": "old", "retrieved": dt.date(2025, 1, 1)},
        },
    }
    data.update(fields)
    return Broker.model_validate(data)


EMAIL = {"kind": "email", "value": "privacy@acme.example.com", "source": "old"}
FORM = {"kind": "webform", "value": "https://acme.example.com/request", "source": "new"}
OPT_OUT = {"kind": "webform", "value": "https://acme.example.com/opt-out", "source": "old"}
NOTICE = {"kind": "webform", "value": "https://acme.example.com/privacy", "source": "new", "problem": "privacy-notice"}
POSTAL = {"kind": "postal", "value": "1 Main St\nBoston, MA 02110", "source": "old"}


def test_channel_choice_prefers_the_brokers_own_route():
    choice = channel_choice(broker([EMAIL, {**POSTAL, "route": True}, FORM]), RequestKind.DELETE)
    assert choice.channel.kind is ChannelKind.POSTAL and "own request route" in choice.reason


def test_people_search_sites_get_their_opt_out_page():
    choice = channel_choice(broker([EMAIL, OPT_OUT], categories=["people-search"]), RequestKind.DELETE)
    assert choice.channel.value.endswith("/opt-out") and "people-search" in choice.reason
    assert channel_choice(broker([EMAIL, OPT_OUT]), RequestKind.DELETE).channel.kind is ChannelKind.EMAIL


def test_privacy_notice_comes_after_postal():
    choice = channel_choice(broker([NOTICE, POSTAL]), RequestKind.DELETE)
    assert choice.channel.kind is ChannelKind.POSTAL
    only = channel_choice(broker([NOTICE]), RequestKind.DELETE)
    assert only.channel.value.endswith("/privacy") and "privacy notice" in only.reason


def test_email_first_otherwise_with_the_reason():
    choice = channel_choice(broker([FORM, EMAIL, POSTAL]), RequestKind.DELETE)
    assert choice.channel.kind is ChannelKind.EMAIL and "dated record" in choice.reason


def test_a_domain_that_spells_the_company_name_is_not_called_the_typo():
    record = draft(
        name="Listsonline",
        website="https://www.listonline.com",
        channels=[{"kind": "email", "value": "privacyofficer@listsonline.com", "source": "ca-2026"}],
    )
    mark_typos(record)
    assert record.channels[0].usable


def test_a_typo_mark_is_lifted_when_the_rule_no_longer_holds():
    record = draft(
        website="https://sterling.ai",
        channels=[
            {
                "kind": "email",
                "value": "a@sterlingd.com",
                "usable": False,
                "problem": "typo-domain",
                "notes": "x",
                "source": "ca-2026",
            },
            {"kind": "email", "value": "privacy@sterling.ai", "source": "ca-2026"},
        ],
    )
    mark_typos(record)  # sterlingd.com vs sterling.ai: another public suffix, not a slip of the finger
    assert record.channels[0].usable and record.channels[0].problem is None
