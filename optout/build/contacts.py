"""Contact hygiene for registry data: emails, URLs, phones and postal addresses.

Registry cells are typed by hand by thousands of companies, so every value is checked with a real
parser (email-validator, phonenumbers, urllib) and normalised. Nothing here touches the network.
A malformed value is never dropped silently: it comes back with `usable=False` and a note, so the
catalog keeps it for the record while letters never use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from ..models import Broker, ChannelKind, ChannelProblem
from .hygiene import clean_url, lookalike_tld, not_privacy_mailbox, page_problem, postal_problem, test_number
from .text import clean_text, is_placeholder, unique

# Hosted request-portal vendors, matched on the URL host (suffix match). Value: vendor name for the note.
PORTAL_HOSTS: dict[str, str] = {
    "onetrust.com": "OneTrust",
    "trustarc.com": "TrustArc",
    "termly.io": "Termly",
    "transcend.io": "Transcend",
    "osano.com": "Osano",
    "securiti.ai": "Securiti",
    "datagrail.io": "DataGrail",
    "ketch.com": "Ketch",
    "ketch.io": "Ketch",
    "zendesk.com": "Zendesk",
    "truyo.com": "Truyo",
    "wirewheel.io": "WireWheel",
    "mineos.ai": "MineOS",
    "bigidprivacy.cloud": "BigID",
    "ethyca.com": "Ethyca",
    "didomi.io": "Didomi",
    "iubenda.com": "iubenda",
    "privacyportal.net": "Privacy portal",
    "service-now.com": "ServiceNow",
    "freshdesk.com": "Freshdesk",
    "hsforms.com": "HubSpot Forms",
    "jotform.com": "Jotform",
    "typeform.com": "Typeform",
    "formstack.com": "Formstack",
    "forms.office.com": "Microsoft Forms",
    "forms.gle": "Google Forms",
    "my.site.com": "Salesforce",
    "force.com": "Salesforce",
}
# Google Forms live on docs.google.com, which also hosts ordinary documents: match the path too.
PORTAL_PREFIXES: dict[str, str] = {"docs.google.com/forms": "Google Forms"}

# Mailbox providers shared by unrelated companies: never evidence that two brokers are related.
GENERIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "aol.com", "icloud.com", "me.com", "protonmail.com", "proton.me", "mail.com", "gmx.com",
        "zoho.com", "yandex.com", "comcast.net",
    }
)

HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
SCHEME = re.compile(r"^([a-z][a-z0-9+\-]*):", re.IGNORECASE)
URL_LIKE = re.compile(r"^(?:https?://|www\.|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:[/:?#]|$))", re.IGNORECASE)
EMAIL_LIKE = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+\.[a-z]{2,}", re.IGNORECASE)
HELP_ARTICLE = re.compile(r"/articles?/", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:)]}>\"'"
LEADING_PUNCTUATION = "([{<\"'"


@dataclass(frozen=True)
class CheckedContact:
    """One contact value after hygiene; `value` is normalised when usable, the trimmed original when not."""

    kind: ChannelKind
    value: str
    usable: bool = True
    third_party_portal: bool = False
    note: str | None = None
    problem: ChannelProblem | None = None


# ---------------------------------------------------------------------------
# Splitting cells


def split_cell(text: str | None) -> tuple[list[str], list[str]]:
    """Split a URL cell into (urls, emails).

    Cells may hold several URLs separated by `;`, spaces or newlines, sometimes with a `mailto:` link
    or an address among them. When nothing in a non-empty cell looks like a URL or email, the whole
    cell comes back as one URL so that the caller records it as malformed instead of losing it.
    """
    if is_placeholder(text):
        return [], []
    urls: list[str] = []
    emails: list[str] = []
    for token in re.split(r"[;\s]+", str(text).replace("\u00a0", " ")):
        token = token.strip(TRAILING_PUNCTUATION).lstrip(LEADING_PUNCTUATION)
        if not token or is_placeholder(token):
            continue
        if token.lower().startswith("mailto:"):
            emails.append(token[len("mailto:"):].split("?", 1)[0])
        elif "@" in token and "/" not in token and EMAIL_LIKE.fullmatch(token):
            emails.append(token)
        elif URL_LIKE.match(token) or SCHEME.match(token):
            urls.append(token)
    if not urls and not emails:
        return [clean_text(text)], []
    return unique(urls), unique(emails)


def split_emails(text: str | None) -> list[str]:
    """Email addresses in a cell ("a@x.com; b@x.com", "Jane Doe, jdoe@x.com").

    A non-empty cell without anything address-like comes back whole, to be marked unusable.
    """
    if is_placeholder(text):
        return []
    found = [m.group(0).strip(TRAILING_PUNCTUATION) for m in EMAIL_LIKE.finditer(str(text))]
    found = [f[len("mailto:"):] if f.lower().startswith("mailto:") else f for f in found]
    return unique(found) if found else [clean_text(text)]


# ---------------------------------------------------------------------------
# Emails


def check_email(raw: str) -> CheckedContact:
    text = clean_text(raw)
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:"):].split("?", 1)[0]
    text = text.strip("<>")
    try:
        # check_deliverability=False: no DNS lookups, the catalog build must never touch the network.
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        malformed = f"malformed email address: {exc}"
        return CheckedContact(ChannelKind.EMAIL, clean_text(raw), usable=False, note=malformed, problem=ChannelProblem.MALFORMED)
    address = result.normalized.lower()
    if note := not_privacy_mailbox(address):
        return CheckedContact(ChannelKind.EMAIL, address, usable=False, note=note, problem=ChannelProblem.NOT_PRIVACY_ADDRESS)
    if note := lookalike_tld(address.rsplit("@", 1)[1], set()):
        return CheckedContact(ChannelKind.EMAIL, address, usable=False, note=note, problem=ChannelProblem.LOOKALIKE_TLD)
    return CheckedContact(ChannelKind.EMAIL, address)


def email_domain(address: str) -> str | None:
    return address.rsplit("@", 1)[1].lower() if "@" in address else None


# ---------------------------------------------------------------------------
# URLs


def normalize_url(raw: str) -> str:
    """Return the URL with a scheme and a lowercase host; raise ValueError when it is not a web address."""
    text = clean_text(raw).strip(TRAILING_PUNCTUATION).lstrip(LEADING_PUNCTUATION)
    if not text:
        raise ValueError("empty URL")
    if " " in text:
        raise ValueError("contains spaces")
    if text.startswith("//"):
        text = "https:" + text
    scheme = SCHEME.match(text)
    if scheme and not text[scheme.end():].startswith("//") and scheme.group(1).lower() not in ("http", "https"):
        raise ValueError(f"not a web address (scheme '{scheme.group(1).lower()}')")
    if not scheme:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"not a web address (scheme '{parts.scheme.lower()}')")
    host = (parts.hostname or "").rstrip(".")
    _check_host(host)
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    # "https://x.com/" and "https://x.com" are the same page; keep one spelling so re-imports compare equal.
    path = "" if parts.path == "/" and not parts.query and not parts.fragment else parts.path
    return urlunsplit((parts.scheme.lower(), netloc, path, parts.query, parts.fragment))


def _check_host(host: str) -> None:
    labels = host.split(".")
    if len(labels) < 2:
        raise ValueError(f"no valid host name in '{host}'" if host else "no host name")
    if not all(HOST_LABEL.match(label) for label in labels) or not TLD.match(labels[-1]):
        raise ValueError(f"invalid host name '{host}'")


def url_host(url: str) -> str | None:
    try:
        return urlsplit(normalize_url(url)).hostname
    except ValueError:
        return None


def portal_vendor(url: str) -> str | None:
    """Name of the hosted request-portal vendor serving this URL, or None."""
    host = url_host(url)
    if host is None:
        return None
    vendor = portal_host_vendor(host)
    if vendor:
        return vendor
    parts = urlsplit(normalize_url(url))
    for prefix, vendor in PORTAL_PREFIXES.items():
        if f"{host}{parts.path}".startswith(prefix):
            return vendor
    return None


def portal_host_vendor(host: str) -> str | None:
    """The request-portal vendor whose domain this host is or is under ("privacy.onetrust.com" -> OneTrust)."""
    return next((vendor for suffix, vendor in PORTAL_HOSTS.items() if host == suffix or host.endswith("." + suffix)), None)


def check_url(raw: str) -> CheckedContact:
    """A request or rights page, kept as a webform channel."""
    try:
        url = normalize_url(clean_url(raw))
    except ValueError as exc:
        return CheckedContact(
            ChannelKind.WEBFORM, clean_text(raw), usable=False, note=f"malformed URL: {exc}", problem=ChannelProblem.MALFORMED
        )
    host = url_host(url) or ""
    if note := lookalike_tld(host, set()):
        return CheckedContact(ChannelKind.WEBFORM, url, usable=False, note=note, problem=ChannelProblem.LOOKALIKE_TLD)
    vendor = portal_vendor(url)
    if vendor and HELP_ARTICLE.search(urlsplit(url).path):
        vendor = None  # a help-centre article on a support platform is a page to read, not a request portal
    found = page_problem(url, third_party_portal=vendor is not None)
    if found:
        problem, note = found
        # A privacy notice says how to ask: kept usable, as a last resort (optout.channels ranks it after postal).
        usable = problem is ChannelProblem.PRIVACY_NOTICE
        return CheckedContact(ChannelKind.WEBFORM, url, usable=usable, note=note, problem=problem)
    if vendor:
        return CheckedContact(ChannelKind.WEBFORM, url, third_party_portal=True, note=f"request portal hosted by {vendor}")
    return CheckedContact(ChannelKind.WEBFORM, url)


def website_or_none(raw: str | None) -> str | None:
    """A normalised home page, or None when the value is missing or malformed."""
    if raw is None or is_placeholder(raw):
        return None
    try:
        return normalize_url(raw)
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# Phones


def check_phone(raw: str, region: str = "US") -> CheckedContact:
    text = clean_text(raw)
    for candidate in _phone_candidates(text):
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
            if note := test_number(formatted):
                return CheckedContact(ChannelKind.PHONE, formatted, usable=False, note=note, problem=ChannelProblem.TEST_NUMBER)
            return CheckedContact(ChannelKind.PHONE, formatted)
    note = "not a valid phone number"
    return CheckedContact(ChannelKind.PHONE, text, usable=False, note=note, problem=ChannelProblem.MALFORMED)


def _phone_candidates(text: str) -> list[str]:
    # Merged registries store digits only, sometimes with a country code and sometimes with a spurious
    # leading "1" in front of a foreign code ("1442034754660" is +44 20 3475 4660).
    candidates = [text]
    digits = re.sub(r"\D", "", text)
    if digits == text.strip() and len(digits) >= 11:
        candidates.append("+" + digits)
        if digits.startswith("1"):
            candidates.append("+" + digits[1:])
    return candidates


# ---------------------------------------------------------------------------
# Postal addresses


def check_postal(lines: list[str]) -> CheckedContact:
    """Address lines joined by newlines; usable when there is a street line and a city line."""
    cleaned = [clean_text(line) for line in lines if not is_placeholder(line)]
    value = "\n".join(cleaned)
    incomplete = ChannelProblem.INCOMPLETE
    if len(cleaned) < 2:
        note = "incomplete postal address"
        return CheckedContact(ChannelKind.POSTAL, value or "(empty)", usable=False, note=note, problem=incomplete)
    if not re.search(r"\d", cleaned[0]) and "box" not in cleaned[0].lower():
        note = "postal address has no street number or P.O. box"
        return CheckedContact(ChannelKind.POSTAL, value, usable=False, note=note, problem=incomplete)
    found = postal_problem(value)
    if found:
        return CheckedContact(ChannelKind.POSTAL, value, usable=False, note=found[1], problem=found[0])
    return CheckedContact(ChannelKind.POSTAL, value)


# ---------------------------------------------------------------------------
# Domains, for matching and family linking


def contact_domains(emails: list[str], website: str | None) -> set[str]:
    """Company domains named by a broker's emails and website (host without 'www.'), minus generic mail providers."""
    domains = {d for d in (email_domain(e) for e in emails) if d}
    host = url_host(website) if website else None
    if host:
        domains.add(host)
    return {d.removeprefix("www.") for d in domains if d.removeprefix("www.") not in GENERIC_MAIL_DOMAINS}


def record_domains(record: Broker) -> set[str]:
    """Company domains of a catalog record's usable emails and website."""
    emails = [c.value for c in record.channels if c.kind == ChannelKind.EMAIL and c.usable]
    return contact_domains(emails, record.website)
