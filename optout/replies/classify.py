"""Read a broker's reply offline and say which kind of answer it is.

The rules are data (optout/data/reply_rules.yaml): patterns with weights per label, patterns that rule a label
out, and labels that replace others. A reply is read as text: an .eml through the standard email package (plain
parts first; HTML reduced to its visible text, scripts and styles dropped), a .txt as UTF-8. The person's own
quoted letter (lines starting with ">" and everything after "On ... wrote:") is cut off, so the words of our
letter are never mistaken for the broker's.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser
from pathlib import Path

import yaml

from ..errors import InputError

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "reply_rules.yaml"
MAX_REPLY_BYTES = 5_000_000
UNCLEAR = "unclear"
REFERENCE = re.compile(r"\b(?:OPT|FUP|APL|CMP|RPL)-\d{8}-[0-9A-F]{8}\b")


@dataclass(frozen=True)
class LabelRule:
    name: str
    patterns: tuple[tuple[re.Pattern, float], ...]
    unless: tuple[re.Pattern, ...]
    suppresses: tuple[str, ...]
    next: str


@dataclass(frozen=True)
class Rules:
    version: int
    threshold: float
    quote_starts: tuple[re.Pattern, ...]
    labels: tuple[LabelRule, ...]


@dataclass
class Finding:
    label: str
    confidence: float
    evidence: list[str] = field(default_factory=list)
    next: str = ""


@dataclass
class Classification:
    labels: list[Finding]
    references: list[str]
    rules_version: int

    @property
    def names(self) -> list[str]:
        return [f.label for f in self.labels] or [UNCLEAR]

    def as_dict(self) -> dict:
        return {
            "labels": self.names,
            "findings": [
                {"label": f.label, "confidence": round(f.confidence, 2), "evidence": f.evidence, "next": f.next}
                for f in self.labels
            ],
            "references": self.references,
            "rules_version": self.rules_version,
        }


def _compile(pattern: str, where: str) -> re.Pattern:
    try:
        return re.compile(pattern, re.IGNORECASE | re.MULTILINE)
    except re.error as exc:
        raise InputError(f"{RULES_FILE.name}: {where}: bad pattern ({exc})") from None


@functools.lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> Rules:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    labels = []
    for name, rule in data["labels"].items():
        labels.append(
            LabelRule(
                name=name,
                patterns=tuple((_compile(p["re"], f"{name}.patterns"), float(p["weight"])) for p in rule["patterns"]),
                unless=tuple(_compile(p, f"{name}.unless") for p in rule.get("unless", [])),
                suppresses=tuple(rule.get("suppresses", [])),
                next=rule.get("next", ""),
            )
        )
    return Rules(
        version=int(data["version"]),
        threshold=float(data["threshold"]),
        quote_starts=tuple(_compile(p, "quote_starts") for p in data.get("quote_starts", [])),
        labels=tuple(labels),
    )


class _VisibleText(HTMLParser):
    """The text a reader sees in an HTML part: no scripts, styles or markup; entities decoded."""

    SKIP = frozenset({"script", "style", "head", "title", "noscript", "template"})
    BREAKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def _email_text(data: bytes) -> str:
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    plain: list[str] = []
    html: list[str] = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind not in ("text/plain", "text/html"):
            continue
        try:
            content = part.get_content()
        except (LookupError, ValueError):  # an unknown charset or a broken transfer encoding
            payload = part.get_payload(decode=True)
            content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        (plain if kind == "text/plain" else html).append(str(content))
    if plain:
        return "\n".join(plain)
    return "\n".join(html_to_text(h) for h in html)


def read_reply(path: Path) -> str:
    """The reply's text: an .eml's readable parts, or a text file."""
    try:
        size = path.stat().st_size
        if size > MAX_REPLY_BYTES:
            raise InputError(f"{path}: too large for a reply ({size} bytes; at most {MAX_REPLY_BYTES})")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if path.suffix.lower() == ".eml":
        return _email_text(data)
    text = data.decode("utf-8", "replace")
    return html_to_text(text) if path.suffix.lower() in (".html", ".htm") else text


def strip_quoted(text: str, rules: Rules) -> str:
    """The reply without the earlier message it quotes."""
    kept = []
    for line in text.splitlines():
        if any(p.search(line) for p in rules.quote_starts):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept)


def sentences(text: str) -> list[str]:
    found = []
    for paragraph in re.split(r"\n\s*\n", text):
        flat = " ".join(paragraph.split())
        found += [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", flat) if s]
    return found


def classify_text(text: str, rules: Rules | None = None) -> Classification:
    rules = rules or load_rules()
    references = sorted(set(REFERENCE.findall(text)))
    body = strip_quoted(text, rules)
    parts = sentences(body)
    whole = " ".join(parts)
    findings: dict[str, Finding] = {}
    for rule in rules.labels:
        if any(p.search(whole) for p in rule.unless):
            continue
        miss, evidence = 1.0, []
        for pattern, weight in rule.patterns:
            hits = [s for s in parts if pattern.search(s)]
            if hits:
                miss *= 1.0 - weight
                evidence += [h for h in hits if h not in evidence]
        confidence = 1.0 - miss
        if confidence >= rules.threshold:
            findings[rule.name] = Finding(rule.name, confidence, evidence, rule.next)
    for rule in rules.labels:
        if rule.name in findings:
            for other in rule.suppresses:
                findings.pop(other, None)
    ordered = sorted(findings.values(), key=lambda f: -f.confidence)
    return Classification(labels=ordered, references=references, rules_version=rules.version)


def classify_file(path: Path, rules: Rules | None = None) -> Classification:
    result = classify_text(read_reply(path), rules)
    if path.suffix.lower() == ".eml":
        # A reply's subject often carries the reference ("Re: ... (OPT-...)"); it is not read for the kind.
        subject = str(BytesParser(policy=policy.default).parsebytes(path.read_bytes(), headersonly=True).get("Subject", ""))
        result.references = sorted(set(result.references) | set(REFERENCE.findall(subject)))
    return result
