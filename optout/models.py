"""The one definition of every shape optout reads or writes.

Catalog files (broker_catalog/brokers/*.yaml, broker_catalog/laws/*.yaml) are validated
against these models; `optout catalog schema` exports them as JSON Schema.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator, model_validator

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=80)]
StateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


# ---------------------------------------------------------------------------
# Text input rules (SECURITY.md): every text field of a profile, agent file, CSV row and catalog record
# passes `check_text`. Refused: C0 and C1 control characters (tab, CR, NUL, ESC, BEL, NEL, ...), DEL,
# text-direction overrides, embeddings, isolates and marks (U+202E, U+2066, U+200F, ...), zero-width and
# other invisible characters (U+200B-U+200D, U+2060, U+FEFF, U+00AD, ...), and the line and paragraph
# separators U+2028/U+2029. A newline is allowed only where a field is multi-line (catalog postal addresses
# and notes). Lengths are bounded so no input can make rendering slow.

_INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb"
FORBIDDEN_IN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
FORBIDDEN_IN_TEXT = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")  # newline allowed
PERSON_TEXT_MAX = 1000  # no field of a profile or agent file is longer (names and streets have lower limits)
CATALOG_TEXT_MAX = 20000


def check_text(value: str, multiline: bool = False, max_length: int | None = None) -> str:
    """The one rule for text optout reads; raises ValueError naming the first refused character."""
    found = (FORBIDDEN_IN_TEXT if multiline else FORBIDDEN_IN_LINE).search(value)
    if found:
        what = "text" if multiline else "a single line of text"
        raise ValueError(f"must be {what} without control, invisible or text-direction characters (found U+{ord(found.group()):04X})")
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"is too long ({len(value)} characters; at most {max_length})")
    return value


def check_strings(value, multiline: bool = False, max_length: int | None = None):
    """check_text on every string inside a field's value (lists, dicts and their keys); models check themselves."""
    if isinstance(value, str):
        check_text(value, multiline, max_length)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_strings(key, multiline, max_length)
            check_strings(item, multiline, max_length)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            check_strings(item, multiline, max_length)
    return value


def visible(text: object, limit: int = 80) -> str:
    """Text safe to echo in an error message or errors.csv: refused characters shown as \\uXXXX, cut to `limit`."""
    shown = FORBIDDEN_IN_LINE.sub(lambda m: f"\\u{ord(m.group()):04x}", "" if text is None else str(text))
    return shown if len(shown) <= limit else shown[: limit - 1] + "\u2026"


Line = Annotated[str, StringConstraints(max_length=200)]


class Strict(BaseModel):
    """Catalog records reject unknown keys so a typo in a YAML file is an error, not a silent no-op."""

    model_config = ConfigDict(extra="forbid", frozen=False, use_enum_values=False)


class CatalogText(Strict):
    """Broker and law records: every text inside passes check_text (newlines allowed: postal addresses, notes).

    Checked once per record on the raw data, which is cheaper than a validator per field; the compiled cache,
    built from YAML that passed this check, skips it (context {"compiled": True}).
    """

    @model_validator(mode="before")
    @classmethod
    def _catalog_text(cls, data, info: ValidationInfo):
        if isinstance(data, dict) and not (info.context or {}).get("compiled"):
            _check_tree(data, "")
        return data


def _check_tree(value, where: str) -> None:
    if isinstance(value, str):
        try:
            check_text(value, multiline=True, max_length=CATALOG_TEXT_MAX)
        except ValueError as exc:
            raise ValueError(f"{where or '(record)'}: {exc}") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_tree(key, where)
            _check_tree(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_tree(item, f"{where}.{index}")


class PersonText(Strict):
    """Profiles, agent files and CSV rows: every text field is one line that passes check_text."""

    @field_validator("*", mode="after")
    @classmethod
    def _person_text(cls, value):
        return check_strings(value, multiline=False, max_length=PERSON_TEXT_MAX)


# ---------------------------------------------------------------------------
# Provenance


class Source(Strict):
    """Where a fact came from and when it was checked."""

    title: NonEmpty = Field(description="Registry and year, statute section, or company page title.")
    url: str | None = Field(default=None, description="Public address of the source, if it has one.")
    retrieved: dt.date | None = Field(default=None, description="When the source was read or the registry snapshot was taken.")
    note: str | None = None


# ---------------------------------------------------------------------------
# Requests and rights


class RequestKind(StrEnum):
    DELETE = "delete"
    OPT_OUT = "opt-out"
    ACCESS = "access"


class Right(StrEnum):
    ACCESS = "access"
    DELETE = "delete"
    CORRECT = "correct"
    PORTABILITY = "portability"
    OPT_OUT_SALE = "opt_out_sale"
    OPT_OUT_TARGETED_ADVERTISING = "opt_out_targeted_advertising"
    OPT_OUT_PROFILING = "opt_out_profiling"
    LIMIT_SENSITIVE = "limit_sensitive"
    # Rights outside the comprehensive privacy laws.
    FREEZE = "freeze"  # FCRA security freeze
    DISPUTE = "dispute"  # FCRA dispute of inaccurate information
    NONDISCLOSURE = "nondisclosure"  # Daniel's Law / address-confidentiality takedown


# ---------------------------------------------------------------------------
# Brokers


class ChannelKind(StrEnum):
    EMAIL = "email"
    WEBFORM = "webform"
    POSTAL = "postal"
    PHONE = "phone"
    FAX = "fax"


class Channel(Strict):
    kind: ChannelKind
    value: NonEmpty = Field(description="Email address, URL, phone number, or postal address (lines separated by newlines).")
    accepts: list[RequestKind] = Field(
        default_factory=lambda: list(RequestKind),
        description="Request kinds this channel takes. Defaults to all.",
    )
    third_party_portal: bool = Field(default=False, description="A hosted request portal (OneTrust, Termly, ...).")
    usable: bool = Field(default=True, description="False when the value is malformed; kept for the record, never used in letters.")
    notes: str | None = None
    source: NonEmpty = Field(description="Key into the broker's `sources`.")

    @model_validator(mode="after")
    def _one_line_unless_postal(self) -> "Channel":
        if self.kind is not ChannelKind.POSTAL and "\n" in self.value:
            raise ValueError("value: only a postal address may have more than one line")
        return self


class Recipient(StrEnum):
    FEDERAL_GOVERNMENT = "federal_government"
    STATE_GOVERNMENT = "state_government"
    LAW_ENFORCEMENT = "law_enforcement"
    FOREIGN_ACTOR = "foreign_actor"
    GENAI_DEVELOPER = "genai_developer"


class DataCollected(StrEnum):
    PRECISE_GEOLOCATION = "precise_geolocation"
    BIOMETRIC = "biometric"
    CITIZENSHIP_IMMIGRATION = "citizenship_immigration"
    MINORS = "minors"
    REPRODUCTIVE_HEALTH = "reproductive_health"
    GOVERNMENT_ID = "government_id"
    ACCOUNT_LOGINS = "account_logins"
    UNION_MEMBERSHIP = "union_membership"
    SEXUAL_ORIENTATION = "sexual_orientation"
    GENDER_IDENTITY = "gender_identity"
    LICENSE_PLATES = "license_plates"
    FACE_IMAGES = "face_images"
    PUBLIC_RECORDS = "public_records"
    CREDIT_HEADER = "credit_header"
    UTILITY_RECORDS = "utility_records"


class Regulation(StrEnum):
    FCRA = "fcra"
    GLBA = "glba"
    HIPAA = "hipaa"
    IIPPA = "iippa"
    CMIA = "cmia"
    DPPA = "dppa"


class BrokerRole(StrEnum):
    DATA_BROKER = "data_broker"
    # Processes data only on behalf of an agency/customer; deletion demands go to the customer.
    SERVICE_PROVIDER = "service_provider"


class Registration(Strict):
    state: StateCode
    year: int = Field(ge=2019, le=2100)
    name: str | None = Field(default=None, description="Name as registered, when it differs from the record's name.")
    source: NonEmpty


class Broker(CatalogText):
    id: Slug
    name: NonEmpty = Field(description="Legal name of the entity.")
    brands: list[NonEmpty] = Field(default_factory=list, description="Doing-business-as names and product brands.")
    parent: str | None = None
    family: Slug | None = Field(default=None, description="Shared slug for distinct entities of one company family.")
    role: BrokerRole = BrokerRole.DATA_BROKER
    role_note: str | None = Field(default=None, description="Why the role is what it is, with the company's own words where possible.")
    categories: list[Slug] = Field(default_factory=list)
    website: str | None = None
    channels: list[Channel] = Field(default_factory=list)
    registrations: list[Registration] = Field(default_factory=list)
    sold_to: dict[Recipient, NonEmpty] = Field(default_factory=dict, description="Recipient -> source key.")
    collects: dict[DataCollected, NonEmpty] = Field(default_factory=dict, description="Data kind -> source key.")
    regulated_by: dict[Regulation, NonEmpty] = Field(default_factory=dict, description="Regulation -> source key.")
    no_channel_reason: str | None = Field(default=None, description="Required when no usable channel is known.")
    notes: str | None = None
    curated: bool = Field(default=False, description="Hand-checked record; importers never overwrite it.")
    sources: dict[NonEmpty, Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_references(self) -> "Broker":
        keys = set(self.sources)
        refs: list[tuple[str, str]] = [(f"channels[{i}].source", c.source) for i, c in enumerate(self.channels)]
        refs += [(f"registrations[{i}].source", r.source) for i, r in enumerate(self.registrations)]
        for field in ("sold_to", "collects", "regulated_by"):
            refs += [(f"{field}.{k}", v) for k, v in getattr(self, field).items()]
        for where, ref in refs:
            if ref not in keys:
                raise ValueError(f"{where}: source '{ref}' is not a key of sources")
        if not self.usable_channels() and not self.no_channel_reason:
            raise ValueError("no usable channel: add one or set no_channel_reason")
        return self

    def usable_channels(self) -> list[Channel]:
        return [c for c in self.channels if c.usable]

    @property
    def display_names(self) -> list[str]:
        return [self.name, *self.brands]


# ---------------------------------------------------------------------------
# Laws


class LawKind(StrEnum):
    COMPREHENSIVE = "comprehensive"  # state consumer privacy law (CCPA, VCDPA, ...)
    DELETE_ACT = "delete_act"  # California's Delete Act / DROP
    BROKER_REGISTRATION = "broker_registration"  # gives no rights of its own
    SALE_OPT_OUT = "sale_opt_out"  # Nevada NRS 603A
    COVERED_PERSON = "covered_person"  # New Jersey Daniel's Law
    ADDRESS_CONFIDENTIALITY = "address_confidentiality"
    FCRA = "fcra"
    GDPR = "gdpr"
    NONE = "none"  # the honest fallback


class DeletionScope(StrEnum):
    ALL = "all"  # all personal data about the consumer, however obtained
    PROVIDED_OR_OBTAINED = "provided_or_obtained"  # provided by or obtained about (e.g. VA, CO)
    PROVIDED_ONLY = "provided_only"  # only data collected from the consumer (e.g. CA CCPA 1798.105)
    OTHER = "other"


class RightGrant(Strict):
    section: NonEmpty = Field(description="Statute section that grants the right, as it should be cited.")
    scope: str | None = Field(default=None, description="Limits on the right, in plain words.")
    deletion_scope: DeletionScope | None = None
    agent_allowed: bool = Field(description="Whether an authorized agent may exercise the right.")
    agent_section: str | None = None


class DayKind(StrEnum):
    CALENDAR = "calendar"
    BUSINESS = "business"
    MONTH = "month"  # GDPR Art. 12(3): "one month", counted as calendar months


class ResponseClock(Strict):
    days: int = Field(gt=0)
    day_kind: DayKind = DayKind.CALENDAR
    extension_days: int | None = Field(default=None, ge=0)
    extension_note: str | None = None
    section: NonEmpty
    # Shorter clocks some laws set for particular requests (CA: opt-out of sale within 15 business days).
    opt_out_days: int | None = Field(default=None, gt=0)
    opt_out_day_kind: DayKind | None = None
    opt_out_section: str | None = None


class Appeal(Strict):
    available: bool
    days: int | None = Field(default=None, description="Days the business has to decide an appeal.")
    day_kind: DayKind = DayKind.CALENDAR
    section: str | None = None
    to: str | None = Field(default=None, description="Where the appeal goes, then where to complain.")


class Regulator(Strict):
    name: NonEmpty
    url: str | None = None
    complaint_url: str | None = None
    address: str | None = None


class Law(CatalogText):
    id: Slug
    kind: LawKind
    jurisdiction: NonEmpty = Field(description="Two-letter state code, 'US' for federal, 'EU' / 'UK' for GDPR.")
    applies_to_states: list[StateCode] = Field(default_factory=list, description="Residence states the law protects; empty means the jurisdiction.")
    name: NonEmpty
    short_name: NonEmpty
    citation: NonEmpty
    enacted: dt.date | None = None
    effective: dt.date | None = None
    sunset: dt.date | None = None
    who: str | None = Field(default=None, description="Who can invoke the law, in plain words.")
    rights: dict[Right, RightGrant] = Field(default_factory=dict)
    response: ResponseClock | None = None
    appeal: Appeal | None = None
    regulator: Regulator | None = None
    applies_to_brokers: str | None = Field(default=None, description="Thresholds or exemptions that decide whether a business is covered.")
    notes: str | None = None
    checked: dt.date = Field(description="Date the record was last checked against its sources.")
    sources: dict[NonEmpty, Source] = Field(min_length=1)

    def in_force(self, on: dt.date) -> bool:
        if self.effective and on < self.effective:
            return False
        if self.sunset and on >= self.sunset:
            return False
        return True

    @model_validator(mode="after")
    def _clock_required(self) -> "Law":
        # Comprehensive laws always set a clock; others (e.g. FCRA file disclosure by letter) may set none.
        if self.kind is LawKind.COMPREHENSIVE and self.rights and self.response is None:
            raise ValueError("response: a comprehensive law that grants rights needs a response clock")
        return self


# ---------------------------------------------------------------------------
# People


class PostalAddress(PersonText):
    street: Annotated[NonEmpty, StringConstraints(max_length=200)]
    street2: Line | None = None
    city: Annotated[NonEmpty, StringConstraints(max_length=100)]
    state: StateCode
    postal_code: Annotated[str, StringConstraints(pattern=r"^\d{5}(-\d{4})?$")]

    def lines(self) -> list[str]:
        first = [self.street] + ([self.street2] if self.street2 else [])
        return [*first, f"{self.city}, {self.state} {self.postal_code}"]


class Status(StrEnum):
    DANIELS_LAW = "daniels-law"
    ACP = "acp"  # state address-confidentiality program participant


EMAIL_PATTERN = r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[A-Za-z]{2,}$"
NAME_FORBIDDEN = FORBIDDEN_IN_LINE  # kept for callers of the old name


class Profile(PersonText):
    """What a person gives optout. Only what a broker needs to find them; never an SSN."""

    full_name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    residence_state: StateCode | None = Field(description="Two-letter US state code, or null outside the US.")
    residence_country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "US"
    emails: list[Annotated[str, StringConstraints(pattern=EMAIL_PATTERN, max_length=254)]] = Field(default_factory=list, max_length=20)
    phones: list[Annotated[str, StringConstraints(min_length=7, max_length=40)]] = Field(default_factory=list, max_length=20)
    addresses: list[PostalAddress] = Field(min_length=1, max_length=20)
    previous_addresses: list[PostalAddress] = Field(default_factory=list, max_length=50)
    aliases: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(default_factory=list, max_length=50)
    birth_date: dt.date | None = None
    statuses: list[Status] = Field(default_factory=list)
    acp_substitute_address: PostalAddress | None = Field(default=None, description="The program's substitute address, used instead of the real one.")
    language: Annotated[str, StringConstraints(pattern=r"^(en|es)$")] = "en"

    @model_validator(mode="after")
    def _acp_address(self) -> "Profile":
        if Status.ACP in self.statuses and self.acp_substitute_address is None:
            raise ValueError("acp_substitute_address: required for address-confidentiality participants")
        return self

    @property
    def mailing_address(self) -> PostalAddress:
        """The address that goes on letters: the program's substitute for ACP participants."""
        if self.acp_substitute_address is not None:
            return self.acp_substitute_address
        return self.addresses[0]


class Agent(PersonText):
    """An authorized agent (e.g. a legal clinic) sending on a person's behalf."""

    organization: Annotated[NonEmpty, StringConstraints(max_length=200)]
    contact_name: Annotated[NonEmpty, StringConstraints(max_length=200)]
    email: Annotated[str, StringConstraints(pattern=EMAIL_PATTERN, max_length=254)] | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    address: PostalAddress
    registered_with: Line | None = Field(default=None, description="E.g. the California Secretary of State registration, if any.")


# ---------------------------------------------------------------------------
# What the engine decides and what gets rendered


class InvokedRight(BaseModel):
    right: Right
    law_id: str
    law_short_name: str
    section: str
    scope: str | None = None


class Deadline(BaseModel):
    law_id: str
    # "request": the clock for the letter as a whole; "opt-out": a shorter clock some laws set for the
    # opt-outs a deletion letter also invokes (CCPA regs: 15 business days).
    part: str = "request"
    due_date: dt.date
    days: int
    day_kind: DayKind
    extension_days: int | None = None
    extension_note: str | None = None
    section: str


class Decision(BaseModel):
    """The legal engine's choice for one person, broker, request kind and date."""

    requested: RequestKind = Field(description="What the person asked for.")
    request: RequestKind = Field(description="What the letter asks for (differs for service providers).")
    laws: list[str] = Field(description="Ids of the laws the letter relies on; ['no-law'] for the voluntary fallback.")
    rights: list[InvokedRight]
    channel: Channel | None
    deadlines: list[Deadline] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    refused_for_agent: list[InvokedRight] = Field(default_factory=list)
    agent_refused: bool = False

    @property
    def due_date(self) -> dt.date | None:
        return min((d.due_date for d in self.deadlines if d.part == "request"), default=None)


class Letter(BaseModel):
    """One rendered request: everything every output format needs."""

    reference: str
    date: dt.date
    request: RequestKind
    broker_id: str
    broker_name: str
    decision: Decision
    subject: str
    paragraphs: list[str] = Field(description="The letter's wording, rendered once; every format uses these.")
    recipient_lines: list[str]
    sender_lines: list[str]
    sender_email: str | None = None
    recipient_email: str | None = None
    webform_url: str | None = None


# ---------------------------------------------------------------------------
# Registry import (owned by optout/importers and optout/merge.py)


class Registry(StrEnum):
    CA = "CA"
    VT = "VT"
    TX = "TX"
    OR = "OR"


class RegistryEntry(BaseModel):
    """One broker as one registry file describes it, before merging into the catalog."""

    registry: Registry
    year: int
    source_file: str
    row: int = Field(description="1-based line/row number in the source file, for error messages.")
    name: str
    dbas: list[str] = Field(default_factory=list)
    website: str | None = None
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    address_lines: list[str] = Field(default_factory=list)
    rights_urls: list[str] = Field(default_factory=list, description="Opt-out / privacy-rights / deletion pages.")
    sold_to: list[Recipient] = Field(default_factory=list)
    collects: list[DataCollected] = Field(default_factory=list)
    regulated_by: list[Regulation] = Field(default_factory=list)
    notes: str | None = None
