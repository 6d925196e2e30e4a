"""The shipped catalog can be trusted blind: one record per company, no typo'd channel chosen, every source dated."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from optout.build.contacts import url_host
from optout.build.hygiene import registrable_domain
from optout.catalog import default_catalog
from optout.models import ChannelKind, ChannelProblem

CATALOG = default_catalog()
DATE = "2026-11-30"


def test_no_two_records_share_a_website_domain_unless_marked_distinct():
    by_domain: dict[str, list] = defaultdict(list)
    for broker in CATALOG.brokers.values():
        domain = registrable_domain(url_host(broker.website)) if broker.website else None
        if domain:
            by_domain[domain].append(broker)
    unmarked = {
        domain: sorted(b.id for b in members if not b.distinct_entity_reason)
        for domain, members in by_domain.items()
        if len(members) > 1 and sum(1 for b in members if not b.distinct_entity_reason) > 1
    }
    assert unmarked == {}


def test_every_source_is_dated():
    undated = [(b.id, key) for b in CATALOG.brokers.values() for key, s in b.sources.items() if s.retrieved is None]
    assert undated == []


def test_consolidated_rows_are_labelled_as_the_third_party_merge():
    for broker in CATALOG.brokers.values():
        for key in ("vt-2025", "tx-2025", "or-2025"):
            if key in broker.sources:
                assert "merged in the Privacy Rights Clearinghouse" in broker.sources[key].title, broker.id


@pytest.mark.parametrize(
    ("broker_id", "typo"),
    [
        ("adttribution", "adttrbution.com"),
        ("bi-science-2009", "bisceince.com"),
        ("melissa-data", "melissa.ccm"),
        ("gravy-analytics", "gravyanayltics.com"),
        ("veraset", "tax@"),
    ],
)
def test_explain_no_longer_targets_the_typod_address(cli, write_profile, broker_id, typo):
    for request in ("delete", "opt-out", "access"):
        result = cli("explain", "-p", write_profile(), "-b", broker_id, "-r", request, "--date", DATE, "--json")
        assert result.exit_code == 0, result.output
        channel = json.loads(result.output)["channel"]
        assert channel and typo not in channel["value"] and channel["reason"]
    assert any(typo in c.value and not c.usable for c in CATALOG.broker(broker_id).channels)


def test_lexisnexis_delete_letters_go_to_its_portal(cli, write_profile, tmp_path):
    result = cli("explain", "-p", write_profile(), "-b", "lexisnexis-risk-solutions", "--date", DATE)
    assert "Channel: webform https://consumer.risk.lexisnexis.com/request" in result.output
    assert "own request route" in result.output
    out = tmp_path / "letters"
    written = cli("letter", "-p", write_profile(), "-b", "lexisnexis-risk-solutions", "-f", "txt", "-o", out, "--date", DATE)
    assert written.exit_code == 0, written.output
    forms = list(out.rglob("*-webform.txt"))
    assert len(forms) == 1
    assert (
        forms[0]
        .read_text(encoding="utf-8")
        .startswith("Open this form in your browser: https://consumer.risk.lexisnexis.com/request")
    )
    assert "consumer.documents@lexisnexisrisk.com" not in written.output
    assert CATALOG.broker("lexisnexis-risk-solutions-ae38a1").id == "lexisnexis-risk-solutions"


def test_merged_pairs_named_in_issue_9_are_one_record():
    for old, new in [
        ("crisil-irevna-us", "crisil-irvena-us"),
        ("melissa-data-corpoation", "melissa-data"),
        ("nc-vnetures", "nc-ventures"),
        ("skipmasher", "skipsmasher"),
        ("general-information-solutions-llc-gis", "general-information-solutions"),
        ("oracle-america-inc-oracle-data-cloud", "oracle-america"),
        ("r-l-polk", "rl-polk"),
        ("bigdbm", "publicnsa"),
        ("economic-modeling", "lightcast"),
        ("v12", "datamentors"),
    ]:
        assert {CATALOG.broker(old).id, CATALOG.broker(new).id} == {CATALOG.broker(new).id}, (old, new)
        assert old not in CATALOG.brokers or new not in CATALOG.brokers


def test_unusable_channels_say_why():
    for broker in CATALOG.brokers.values():
        for channel in broker.channels:
            if not channel.usable:
                assert channel.notes or channel.problem, (broker.id, channel.value)
            if channel.usable and channel.problem is not None:
                assert channel.problem is ChannelProblem.PRIVACY_NOTICE and channel.kind is ChannelKind.WEBFORM


def test_former_registrants_are_history_not_registrations():
    former = [b for b in CATALOG.brokers.values() if b.former_registrations]
    assert len(former) > 400
    only = [b for b in former if not b.registrations]
    assert only and all(not any(r.state == "CA" for r in b.registrations) for b in only)
    names = " ".join(r.name or "" for b in former for r in b.former_registrations).casefold()
    for name in (
        "x-mode social",
        "safegraph",
        "ubermedia",
        "near",
        "here north america",
        "arity",
        "inmobi",
        "sentilink",
        "idology",
    ):
        assert name in names, name
