"""Contact hygiene beyond parsing: values that parse but are wrong.

Registry cells are typed by hand and pasted from mail clients, so a value can be well-formed and still useless:
a link wrapped by a mail scanner, an email domain one typo from the company's own, a ".ccm" domain, a ZIP code
from another state or with a digit missing, a directory-assistance phone number, a tax mailbox, a home page
filed as the request page. Each rule here names a `ChannelProblem`; the channel is kept for the record with
`usable: false` (a privacy notice stays usable as a last resort) and letters never use it. Nothing here
touches the network: registrable domains come from tldextract's bundled Public Suffix List snapshot.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from ..models import ChannelProblem
from .text import clean_text

# ---------------------------------------------------------------------------
# Registrable domains


RESERVED_EXAMPLE_DOMAINS = frozenset({"example.com", "example.net", "example.org"})


@functools.cache
def _extractor():
    import tldextract

    # suffix_list_urls=() and cache_dir=None: the bundled snapshot only; never fetch, never write a cache.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def registrable_domain(host: str | None) -> str | None:
    """'risk.lexisnexis.com' -> 'lexisnexis.com', 'www.foo.co.uk' -> 'foo.co.uk'; None for no host or an IP address."""
    if not host:
        return None
    parts = _extractor()(host.lower().rstrip("."))
    if not parts.domain or not parts.suffix:
        return None
    domain = f"{parts.domain}.{parts.suffix}"
    if domain in RESERVED_EXAMPLE_DOMAINS and parts.subdomain:
        # RFC 2606 example domains stand for many fictional companies (test data): one more label tells them apart.
        return f"{parts.subdomain.split('.')[-1]}.{domain}"
    return domain


def domain_label(domain: str) -> str:
    """The part of a registrable domain before its public suffix ('lexisnexis' of 'lexisnexis.com')."""
    parts = _extractor()(domain)
    return parts.domain or domain.split(".", maxsplit=1)[0]


# ---------------------------------------------------------------------------
# Wrapped and tracked links

SAFELINK_HOST = re.compile(r"(^|\.)safelinks\.protection\.outlook\.com$")
CLICKTIME_HOST = re.compile(r"(^|\.)clicktime\.(symantec|cloud)\.com$")
URLDEFENSE_V3 = re.compile(r"^https?://urldefense(?:\.proofpoint)?\.com/v3/__(.+?)__(?:;.*)?$", re.IGNORECASE)
URLDEFENSE_V2 = re.compile(r"^https?://urldefense\.proofpoint\.com/v2/url\?", re.IGNORECASE)
TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z_]+|gclid|gbraid|wbraid|fbclid|msclkid|icid|hslang|_hsenc|_hsmi|mc_cid|mc_eid|_ga|_gl|trk|cmpid)$",
    re.IGNORECASE,
)


def unwrap_url(url: str) -> str:
    """The link inside an Outlook safelink, Proofpoint urldefense or Symantec clicktime wrapper; else `url`."""
    for _ in range(3):  # a wrapper inside a wrapper
        inner = _unwrap_once(url)
        if inner is None or inner == url:
            return url
        url = inner
    return url


def _unwrap_once(url: str) -> str | None:
    v3 = URLDEFENSE_V3.match(url)
    if v3:
        return v3.group(1)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if SAFELINK_HOST.search(host):
        return query.get("url")
    if CLICKTIME_HOST.search(host):
        return query.get("u")
    if URLDEFENSE_V2.match(url) and "u" in query:
        # v2 encodes "%" as "-" and "/" as "_" inside the u parameter.
        return unquote(query["u"].replace("-", "%").replace("_", "/"))
    return None


def strip_tracking(url: str) -> str:
    """`url` without utm_*, gclid, icid, hsLang and similar campaign parameters (other parameters keep their order)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)]
    query = urlencode(kept, safe="/:@!$'()*+,;=?")
    if len(kept) == len(parse_qsl(parts.query, keep_blank_values=True)):
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def clean_url(url: str) -> str:
    return strip_tracking(unwrap_url(clean_text(url)))


# ---------------------------------------------------------------------------
# Typos

# Top-level domains that are a slip of the finger for .com. ".cm" (Cameroon) and ".co" (Colombia) exist, but
# a US broker whose site is on .com and whose contact is on .cm is a typo; ".co" is used by real companies.
LOOKALIKE_TLDS = frozenset({"ccm", "con", "cpm", "vom", "xom", "comm", "ocm", "cmo", "cm", "om", "coom"})


def lookalike_tld(host: str, own_domains: set[str]) -> str | None:
    """A note when `host` ends in a .com lookalike and the company's own domain (if any) is not on that TLD."""
    tld = host.rsplit(".", 1)[-1].lower()
    if tld not in LOOKALIKE_TLDS:
        return None
    if any(d.rsplit(".", 1)[-1] == tld for d in own_domains):
        return None
    return f"'.{tld}' looks like a typo for '.com'"


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count once), capped at `limit`."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return min(previous[-1], limit)


def typo_of(domain: str, own_domains: set[str], name: str = "") -> str | None:
    """The company domain `domain` is probably a misspelling of (one or two edits away, same public suffix), or None.

    When `domain` spells the company's name and the other does not ("listsonline.com" for Listsonline beside a website
    on "listonline.com"), it is not called the typo: which one is wrong is for a person to decide.
    """
    if domain in own_domains:
        return None
    label = domain_label(domain)
    name_key = re.sub(r"[^a-z0-9]", "", name.lower())
    suffix = domain[len(label) :]
    for own in sorted(own_domains):
        own_label = domain_label(own)
        if min(len(label), len(own_label)) < 5 or label == own_label or own[len(own_label) :] != suffix:
            continue
        if name_key and label.replace("-", "") in name_key and own_label.replace("-", "") not in name_key:
            continue
        distance = edit_distance(label, own_label)
        # One slip anywhere; two only as swaps or wrong letters in a long name ("finthrive" is not "nthrive" mistyped).
        if distance == 1 or (distance == 2 and len(label) == len(own_label) and len(label) >= 8):
            return own
    return None


# ---------------------------------------------------------------------------
# Mailboxes, phones, ZIP codes

NOT_PRIVACY_MAILBOXES = frozenset(
    {
        "tax",
        "taxes",
        "billing",
        "invoice",
        "invoices",
        "accounting",
        "accountspayable",
        "accounts.payable",
        "ap",
        "payables",
        "payroll",
        "careers",
        "jobs",
        "recruiting",
        "noreply",
        "no-reply",
        "donotreply",
        "do-not-reply",
        "abuse",
        "postmaster",
        "hostmaster",
        "webmaster",
    }
)


def not_privacy_mailbox(address: str) -> str | None:
    local = address.split("@", 1)[0].lower()
    if local in NOT_PRIVACY_MAILBOXES:
        return f"'{local}@' is a mailbox for something other than privacy requests"
    return None


def test_number(formatted: str) -> str | None:
    """A note for US directory assistance (NPA-555-1212) and all-zero line numbers.

    (555-0100 to 555-0199 are reserved for fiction: the project's own fixtures use them, so they pass.)"""
    digits = re.sub(r"\D", "", formatted)
    if not digits.startswith("1") or len(digits) != 11:
        return None
    line = digits[4:]
    if line == "5551212":
        return "555-1212 is directory assistance, not the company's number"
    if line.endswith("0000000"):
        return "an all-zero number is a placeholder"
    return None


# First three ZIP digits -> state (USPS prefix allocation). Prefixes shared by two states (e.g. 201 VA/DC area,
# 733 and 885 TX, 569 DC) and military/territory prefixes are left out: no verdict there.
ZIP3_RANGES: list[tuple[int, int, str]] = [
    (10, 27, "MA"),
    (28, 29, "RI"),
    (30, 38, "NH"),
    (39, 49, "ME"),
    (50, 54, "VT"),
    (56, 59, "VT"),
    (60, 69, "CT"),
    (70, 89, "NJ"),
    (100, 149, "NY"),
    (150, 196, "PA"),
    (197, 199, "DE"),
    (200, 200, "DC"),
    (202, 204, "DC"),
    (206, 219, "MD"),
    (220, 246, "VA"),
    (247, 268, "WV"),
    (270, 289, "NC"),
    (290, 299, "SC"),
    (300, 319, "GA"),
    (320, 339, "FL"),
    (341, 349, "FL"),
    (350, 369, "AL"),
    (370, 385, "TN"),
    (386, 397, "MS"),
    (398, 399, "GA"),
    (400, 427, "KY"),
    (430, 459, "OH"),
    (460, 479, "IN"),
    (480, 499, "MI"),
    (500, 528, "IA"),
    (530, 549, "WI"),
    (550, 567, "MN"),
    (570, 577, "SD"),
    (580, 588, "ND"),
    (590, 599, "MT"),
    (600, 629, "IL"),
    (630, 658, "MO"),
    (660, 679, "KS"),
    (680, 693, "NE"),
    (700, 714, "LA"),
    (716, 729, "AR"),
    (730, 732, "OK"),
    (734, 749, "OK"),
    (750, 799, "TX"),
    (800, 816, "CO"),
    (820, 831, "WY"),
    (832, 838, "ID"),
    (840, 847, "UT"),
    (850, 865, "AZ"),
    (870, 884, "NM"),
    (889, 898, "NV"),
    (900, 961, "CA"),
    (967, 968, "HI"),
    (970, 979, "OR"),
    (980, 994, "WA"),
    (995, 999, "AK"),
]
LAST_LINE = re.compile(r",\s*([A-Z]{2})\s+(\d{3,5})(?:-(\d{1,4}))?\s*$")


def zip_state(zip5: str) -> str | None:
    prefix = int(zip5[:3])
    return next((state for low, high, state in ZIP3_RANGES if low <= prefix <= high), None)


def postal_problem(value: str) -> tuple[ChannelProblem, str] | None:
    """A US address whose ZIP code is cut short or belongs to another state than the one written."""
    lines = [line for line in value.splitlines() if line.strip()]
    match = next((m for line in reversed(lines) if (m := LAST_LINE.search(line))), None)
    if match is None:
        return None
    state, base = match.group(1), match.group(2)
    if len(base) < 5:
        return ChannelProblem.TRUNCATED_ZIP, f"ZIP code '{base}' has {len(base)} digits"
    expected = zip_state(base)
    if expected and expected != state:
        return ChannelProblem.STATE_ZIP_MISMATCH, f"ZIP code {base} is in {expected}, not {state}"
    return None


# ---------------------------------------------------------------------------
# Pages that are not request forms

LOCALE_PATH = re.compile(r"^/?(?:[a-z]{2}(?:[-_][a-z]{2})?|home|index\.(?:html?|php|aspx?))?/?$", re.IGNORECASE)
FORM_WORDS = re.compile(
    r"opt[-_]?out|optout|opt[-_]?form|remov|delet|suppress|request|dsar|dsr\b|webform|form|portal|do[-_]?not[-_]?sell|"
    r"your[-_]?choices|preference|unsubscribe|submit|rights",
    re.IGNORECASE,
)
# A notice, by its address: "privacy-policy", "privacy_notice", "privacy-statement", a bare "/privacy", legal and
# terms pages. A "privacy center" or "my-privacy" page is usually a request hub, so it is not called a notice.
NOTICE_WORDS = re.compile(
    r"privacy[-_ ]?(?:policy|notice|statement)|/privacy(?:\.[a-z]+)?/?(?:[?#]|$)|/legal\b|/terms\b|cookie[-_ ]?policy",
    re.IGNORECASE,
)
REQUEST_HOST_WORDS = re.compile(r"privacy|optout|opt-out|dsar|request|consumer|preference|choices|donotsell|portal")


def page_problem(url: str, third_party_portal: bool) -> tuple[ChannelProblem, str] | None:
    """HOMEPAGE for a bare home page; PRIVACY_NOTICE for a notice page that names no form; else None."""
    if third_party_portal:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    domain = registrable_domain(host) or host
    subdomain = host.removesuffix(domain).removeprefix("www.").strip(".")
    if REQUEST_HOST_WORDS.search(subdomain) or REQUEST_HOST_WORDS.search(domain_label(domain)):
        return None  # privacy.acme.com, consumerprivacy.experian.com, nctueconsumerportal.com: a request site
    where = f"{parts.path}?{parts.query}#{parts.fragment}"
    if LOCALE_PATH.match(parts.path or "/") and not parts.query and not parts.fragment:
        return ChannelProblem.HOMEPAGE, "a home page, not a request form"
    if FORM_WORDS.search(where):
        return None
    if NOTICE_WORDS.search(where):
        return ChannelProblem.PRIVACY_NOTICE, "a privacy notice that describes how to ask, not a request form"
    return None


OPT_OUT_PAGE = re.compile(r"opt[-_]?out|optout|opt[-_]?form|remov|suppress|do[-_]?not[-_]?sell|delet", re.IGNORECASE)


def is_opt_out_page(url: str) -> bool:
    """A page whose address says it takes opt-out or removal requests (people-search sites' own route)."""
    parts = urlsplit(url)
    return bool(OPT_OUT_PAGE.search(f"{parts.hostname or ''}{parts.path}?{parts.query}#{parts.fragment}"))


# ---------------------------------------------------------------------------
# Rules that need the whole record: a contact domain one typo from the company's own


def own_domains(website: str | None, addresses: list[str]) -> set[str]:
    """Registrable domains the company evidently owns: its website's, and those of two or more of its addresses."""
    found = {d for d in [registrable_domain(urlsplit(website).hostname) if website else None] if d}
    counts: dict[str, int] = {}
    for address in addresses:
        domain = registrable_domain(address.rsplit("@", 1)[-1])
        if domain:
            counts[domain] = counts.get(domain, 0) + 1
    return found | {d for d, n in counts.items() if n >= 2}


def typo_problem(value: str, is_email: bool, owned: set[str], name: str = "") -> tuple[ChannelProblem, str] | None:
    """TYPO_DOMAIN when the value's registrable domain is one or two edits from a domain the company owns."""
    host = value.rsplit("@", 1)[-1] if is_email else (urlsplit(value).hostname or "")
    domain = registrable_domain(host)
    if domain is None:
        return None
    intended = typo_of(domain, owned, name)
    if intended is None:
        return None
    return ChannelProblem.TYPO_DOMAIN, f"'{domain}' looks like a typo for the company's domain '{intended}'"
