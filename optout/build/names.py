"""Company-name handling shared by the registry importers and the catalog merge.

Registries spell one legal entity many ways ("ACXIOM LLC", "Acxiom, L.L.C.", "Acxiom LLC dba Acxiom
Marketing"); `normalize_legal_name` maps those to one key, `slugify` turns the key into a record id.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection

from .text import clean_text

# Corporate-form words that do not distinguish one entity from another. Stripped from the end only,
# so "Company Data Inc" keeps its first word.
LEGAL_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "llc", "lc", "llp", "lllp", "lp", "ltd", "limited", "corp", "corporation", "co",
        "company", "plc", "pllc", "pc", "gmbh", "ag", "sa", "sas", "sarl", "bv", "nv", "pty", "pte", "ulc",
        "srl", "spa", "ab", "oy", "kk", "and",
    }
)

DBA_MARKER = r"(?:d\s*/\s*b\s*/\s*a|d\.b\.a\.?|dba|f\s*/\s*k\s*/\s*a|f\.k\.a\.?|fka|a\s*/\s*k\s*/\s*a|formerly(?: known as)?)"
# "BeenVerified, Inc. and its subsidiaries and affiliates": the tail names no entity of its own.
AFFILIATES_TAIL = re.compile(r",?\s+(?:and|&)\s+(?:its\s+|their\s+)?(?:subsidiaries|affiliates).*$", re.IGNORECASE)
# "BackgroundChecks.com LLC (BGC)": a trailing acronym in parentheses is a short name, kept as a brand.
TRAILING_ACRONYM = re.compile(r"\s*\(([A-Z0-9&]{2,8})\)$")
DBA_IN_PARENS = re.compile(rf"\(\s*{DBA_MARKER}\s*:?\s*([^)]*)\)", re.IGNORECASE)
DBA_INLINE = re.compile(rf"[\s,]+{DBA_MARKER}\b\s*:?\s*(.+)$", re.IGNORECASE)
LEADING_MARKER = re.compile(rf"^{DBA_MARKER}\b\s*:?\s*", re.IGNORECASE)
SLUG_MAX = 80


def clean_name(text: str | None) -> str:
    """Whitespace collapsed (no-break spaces and line breaks too), trimmed of spaces and list punctuation."""
    return clean_text(text).strip(" ,;")


def _tokens(name: str) -> list[str]:
    text = unicodedata.normalize("NFKD", clean_name(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("&", " and ").replace("+", " and ")
    # Dots and apostrophes join rather than split: "L.L.C." -> "llc", "O'Brien" -> "obrien".
    text = re.sub(r"[.'\u2019`]", "", text)
    return re.sub(r"[^a-z0-9]+", " ", text).split()


def normalize_legal_name(name: str) -> str:
    """Case, punctuation, a leading "The" and trailing corporate suffixes removed."""
    tokens = _tokens(name)
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in LEGAL_SUFFIXES:
        tokens.pop()
    return " ".join(tokens)


def has_legal_suffix(name: str) -> bool:
    """True for "Acme, Inc." (a legal entity's name), False for a trade name like "Acme Search"."""
    tokens = _tokens(name)
    return len(tokens) > 1 and tokens[-1] in LEGAL_SUFFIXES - {"and"}


def loose_names(name: str) -> set[str]:
    """Looser keys ("Data Axle" == "DataAxle", "4Eyes.ai" == "4EYES AI"); only trusted when a domain agrees too."""
    joined = "".join(t for t in normalize_legal_name(name).split() if t not in ("the", "and"))
    keys = {joined}
    tld = re.search(r"\.(com|net|org|io|ai|co|us)\b", name, re.IGNORECASE)
    if tld and joined.endswith(tld.group(1).lower()) and len(joined) > len(tld.group(1)):
        keys.add(joined[: -len(tld.group(1))])
    return keys


def slugify(name: str) -> str:
    """Record id from a legal name: the normalised name, hyphenated, at most 80 characters.

    A name with no Latin letters or digits ("株式会社") gets `broker-<hash of the name>`.
    """
    slug = "-".join(normalize_legal_name(name).split())
    if len(slug) > SLUG_MAX:
        slug = slug[:SLUG_MAX].rsplit("-", 1)[0]
    return slug or "broker-" + name_hash(name)


def name_hash(name: str, length: int = 6) -> str:
    """Deterministic short hash of the normalised name (of the cleaned name when nothing normalises), for collisions."""
    key = normalize_legal_name(name) or unicodedata.normalize("NFC", clean_name(name)).casefold()
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:length]


def free_id(name: str, taken: Collection[str]) -> str:
    """The slug of `name`, or when another record has it, the slug cut short plus `-<hash>` (6, 10, then 16 hex)."""
    slug = slugify(name)
    if slug not in taken:
        return slug
    for length in (6, 10, 16):
        # Cut at a hyphen's place without keeping it: "aaaa-" + "-b20ed2" is no id.
        candidate = f"{slug[: SLUG_MAX - length - 1].rstrip('-')}-{name_hash(name, length)}"
        if candidate not in taken:
            return candidate
    raise ValueError(f"cannot find a free id for '{name}'")


def split_dba(name: str) -> tuple[str, list[str]]:
    """Split "Acme Inc. d/b/a Acme Search" into ("Acme Inc.", ["Acme Search"])."""
    text = clean_name(AFFILIATES_TAIL.sub("", clean_name(name)))
    dbas: list[str] = []
    for match in DBA_IN_PARENS.finditer(text):
        dbas += _split_alternatives(match.group(1))
    text = clean_name(DBA_IN_PARENS.sub(" ", text))
    acronym = TRAILING_ACRONYM.search(text)
    if acronym and acronym.start() > 0:
        dbas.append(acronym.group(1))
        text = clean_name(text[: acronym.start()])
    inline = DBA_INLINE.search(text)
    if inline and inline.start() > 0:
        dbas += _split_alternatives(inline.group(1))
        text = clean_name(text[: inline.start()])
    return text, [d for d in dbas if d]


def _split_alternatives(text: str) -> list[str]:
    return [clean_name(part) for part in re.split(r"\s+or\s+|;", text) if clean_name(part)]


def split_names(cell: str | None) -> list[str]:
    """Names listed in one DBA cell: separated by `;`, line breaks or commas ("Acme, LLC" stays whole)."""
    if not cell:
        return []
    names: list[str] = []
    for chunk in re.split(r"[;\n\r]+", str(cell).replace("\u00a0", " ")):
        names += _split_commas(chunk)
    out = []
    for name in names:
        name = clean_name(LEADING_MARKER.sub("", clean_name(name)))
        if name and name.lower() not in ("n/a", "na", "none", "-"):
            out.append(name)
    return out


def _split_commas(chunk: str) -> list[str]:
    parts = [p.strip() for p in chunk.split(",")]
    merged: list[str] = []
    for part in parts:
        suffix_only = normalize_legal_name(part) in LEGAL_SUFFIXES or part.rstrip(".").lower() in LEGAL_SUFFIXES
        if merged and part and suffix_only:
            merged[-1] = f"{merged[-1]}, {part}"
        elif part:
            merged.append(part)
    return merged


def display_case_rank(name: str) -> int:
    """0 for mixed case, 1 for ALL CAPS: merged registries often upper-case names, prefer the other spelling."""
    letters = [c for c in name if c.isalpha()]
    return 1 if letters and all(c.isupper() for c in letters) else 0
