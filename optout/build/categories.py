"""Categories of importer-made records, each with a basis a reader can check against the record itself.

Two kinds of evidence, nothing else:
- the registry's own answers: collects precise geolocation -> location, biometric data -> biometric, license
  plates -> license-plate; regulated by the FCRA -> consumer-reporting, by the GLBA or the California insurance
  act -> financial, by HIPAA or the CMIA -> health, by the DPPA -> vehicles;
- words in the registered name, a DBA or the website's host that name the business ("TruePeopleSearch",
  "backgroundchecks.com", "... Background Screening" is not a people-search site).
A record nothing matches is `other`. Nationwide consumer reporting is left to hand-checked records. Rules are
deliberately narrow: a category must be explainable by the quoted word or answer alone.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..models import Broker, Category, DataCollected, Regulation

COLLECTS_RULES: dict[DataCollected, Category] = {
    DataCollected.PRECISE_GEOLOCATION: Category.LOCATION,
    DataCollected.BIOMETRIC: Category.BIOMETRIC,
    DataCollected.FACE_IMAGES: Category.BIOMETRIC,
    DataCollected.LICENSE_PLATES: Category.LICENSE_PLATE,
    DataCollected.REPRODUCTIVE_HEALTH: Category.HEALTH,
}
COLLECTS_WORDS = {
    DataCollected.PRECISE_GEOLOCATION: "collects precise geolocation",
    DataCollected.BIOMETRIC: "collects biometric data",
    DataCollected.FACE_IMAGES: "collects face images",
    DataCollected.LICENSE_PLATES: "collects license plate data",
    DataCollected.REPRODUCTIVE_HEALTH: "collects reproductive health care data",
}
REGULATION_RULES: dict[Regulation, Category] = {
    Regulation.FCRA: Category.CONSUMER_REPORTING,
    Regulation.GLBA: Category.FINANCIAL,
    Regulation.IIPPA: Category.FINANCIAL,
    Regulation.HIPAA: Category.HEALTH,
    Regulation.CMIA: Category.HEALTH,
    Regulation.DPPA: Category.VEHICLES,
}

# Word rules on the registered name, DBAs and website host, in this order. Each pattern must be specific enough
# that the matched word alone explains the category.
NAME_RULES: list[tuple[Category, re.Pattern[str]]] = [
    (
        Category.PEOPLE_SEARCH,
        re.compile(
            r"people ?search|people ?finder|people ?searcher|peoplewhiz|checkpeople|people ?looker|people ?smart|"
            r"background ?checks?\b|backgrounds ?online|public ?records?\b|truthfinder|instant ?checkmate|beenverified|"
            r"intelius|spokeo|whitepages|mylife|radaris|thatsthem|spy ?dialer|numlookup|searchbug|usinfosearch|"
            r"info ?tracer|records ?finder|court ?records|state ?records|private ?records|sealed ?records|contacts411|"
            r"\b411\.com|checksecrets|spyfly|locatesmarter|zabasearch|\bus ?search\b|addresses\.com|anywho|"
            r"freepeopledirectory|clustrmaps|phone ?book|reverse ?phone|mugshot|inmate ?search|people ?lookup|"
            r"find ?people|people ?data ?search|public ?searcher|locateplus|public ?data ?check",
            re.IGNORECASE,
        ),
    ),
    (
        Category.B2B_CONTACT,
        re.compile(
            r"\bb2b\b|zoominfo|lusha|seamless\.ai|uplead|rocketreach|lead411|salesintel|sales ?intelligence|contactout|"
            r"signalhire|leadiq|discoverorg|people ?data ?labs|hunter\.io|clearbit|cognism|\bwiza\b|leadfeeder|dealfront|"
            r"boardroom ?insiders|relationship ?science|business ?contacts?",
            re.IGNORECASE,
        ),
    ),
    (
        Category.RECRUITING,
        re.compile(r"recruit|\btalent|staffing|\bhiring\b|careerbuilder|\bresumes?\b|\bcandidates?\b", re.IGNORECASE),
    ),
    (Category.IDENTITY_VERIFICATION, re.compile(r"\bidentity\b|\bverif(y|ication)|\bkyc\b|\bidology|\bsocure\b", re.IGNORECASE)),
    (
        Category.RISK_DATA,
        re.compile(
            r"\brisk\b|\bfraud|investigat|skip ?trac|skiptrac|due ?diligence|"
            r"background ?(?:screening|data|information)|tracers\b",
            re.IGNORECASE,
        ),
    ),
    (
        Category.OPEN_SOURCE_INTELLIGENCE,
        re.compile(r"\bosint\b|open[- ]source intelligence|social media intelligence", re.IGNORECASE),
    ),
    (Category.LICENSE_PLATE, re.compile(r"license ?plate|\blpr\b|plate recognition", re.IGNORECASE)),
    (
        Category.LOCATION,
        re.compile(r"\blocation\b|\bgeo(location|spatial|data)?\b|\bmobility\b|foot ?traffic|\bplaces\b", re.IGNORECASE),
    ),
    (Category.HEALTH, re.compile(r"\bhealth|\bmedical\b|\bpharma|\bpatients?\b|\bclinical\b|\bphysicians?\b", re.IGNORECASE)),
    (
        Category.VEHICLES,
        re.compile(r"\bautomotive\b|\bvehicles?\b|\bmotors?\b|\bauto ?data\b|\bdealers?\b|carfax", re.IGNORECASE),
    ),
    (
        Category.FINANCIAL,
        re.compile(r"\bcredit\b|\bfinancial\b|\bbank(ing)?\b|\blending\b|\bloans?\b|\bmortgage\b|\binsurance\b", re.IGNORECASE),
    ),
    (
        Category.MARKETING,
        re.compile(
            r"marketing|advertis|\baudiences?\b|\bmailing\b|direct ?mail|\bleads?\b|data ?append|\bmedia\b|\blists?\b",
            re.IGNORECASE,
        ),
    ),
    (Category.ANALYTICS_PLATFORM, re.compile(r"customer data platform|analytics platform|\bpalantir\b", re.IGNORECASE)),
]


def _texts(record: Broker) -> list[tuple[str, str]]:
    """(what, text) pairs the word rules read: the name, each brand, the website host."""
    out = [("name", record.name)] + [("DBA", brand) for brand in record.brands]
    if record.website:
        host = (urlsplit(record.website).hostname or "").removeprefix("www.")
        if host:
            out.append(("website", host))
    return out


def derive_categories(record: Broker) -> tuple[list[Category], dict[Category, str]]:
    """Categories and, for each, '<source>: <evidence>' (the source key of a registry answer, or the field quoted)."""
    basis: dict[Category, str] = {}
    for kind, category in COLLECTS_RULES.items():
        if kind in record.collects:
            basis.setdefault(category, f"{record.collects[kind]}: the registry filing says it {COLLECTS_WORDS[kind]}")
    for regulation, category in REGULATION_RULES.items():
        if regulation in record.regulated_by:
            key = record.regulated_by[regulation]
            basis.setdefault(category, f"{key}: the registry filing says it is regulated by the {regulation.value.upper()}")
    for category, pattern in NAME_RULES:
        if category in basis:
            continue
        for what, text in _texts(record):
            match = pattern.search(text)
            if match:
                basis[category] = f"{what} '{text}' says '{match.group(0)}'"
                break
    if not basis:
        basis[Category.OTHER] = "nothing in the registry answers, name, DBAs or website names a category"
    ordered = [c for c in Category if c in basis]
    return ordered, {c: basis[c] for c in ordered}
