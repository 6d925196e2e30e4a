"""The one definition of every shape optout reads or writes.

Catalog files (broker_catalog/brokers/*.yaml, broker_catalog/laws/*.yaml) are validated
against these models; `optout catalog schema` exports them as JSON Schema.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator, model_validator

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
    section: NonEmpty | None = Field(
        default=None,
        description="Statute section that grants the right, as it should be cited. Null when the exact section could not be "
        "verified: letters then cite the law's general citation, never a guess.",
    )
    terms: str | None = Field(
        default=None,
        description="The law's own words for what the right reaches, completing the letter's sentence for this right "
        "(docs/law-records.md lists each right's sentence), e.g. 'sale or sharing' for the CCPA's opt-out, or "
        "'profiling in furtherance of solely automated decisions that produce legal or similarly significant effects'. "
        "Null: the template's general words.",
    )
    scope: str | None = Field(default=None, description="Limits on the right, in plain words.")
    deletion_scope: DeletionScope | None = None
    agent_allowed: bool = Field(description="Whether an authorized agent may exercise the right.")
    agent_section: str | None = None


class HolidayCalendar(StrEnum):
    """Which days a business-day count skips besides weekends."""

    FEDERAL_AND_STATE = "federal_and_state"  # US federal holidays and the law's state's own
    FEDERAL = "federal"  # US federal holidays only
    WEEKENDS_ONLY = "weekends_only"  # no holiday list applies (e.g. GDPR: the controller's country is unknown)


class DueDateRules(Strict):
    """How the law's days are counted: which holidays a business day skips, and whether a due date that falls on a
    weekend or holiday moves to the next business day. Only where the law or its rules say so."""

    business_days_skip: HolidayCalendar = HolidayCalendar.FEDERAL_AND_STATE
    roll_forward: bool = Field(default=False, description="A due date on a weekend or holiday moves to the next business day.")
    basis: NonEmpty = Field(description="The rule that says so, cited (statute, regulation or interpretation statute).")


class Verification(Strict):
    """What the law lets a business ask before acting, so the letter can say it."""

    opt_out_verification: bool | None = Field(
        default=None,
        description="False where the law says an opt-out request need not be verified (the letter then asks the business "
        "not to demand proof of identity); True where it may be; null where the law is silent or it was not verified.",
    )
    opt_out_section: str | None = None
    identification: str | None = Field(
        default=None,
        description="The law's rule for verifying other requests, in words that complete 'the law lets you ...', e.g. "
        "'require proper identification'. Null: the general sentence.",
    )
    identification_section: str | None = None


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
    extension_days: int | None = Field(default=None, ge=0, description="Extension of the appeal decision the law allows, if any.")
    window_days: int | None = Field(default=None, description="Days the consumer has to file the appeal, where the law sets a limit.")
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
    article: bool = Field(default=True, description="Whether the short name takes 'the' in a sentence: 'the CCPA', but 'Daniel's Law'.")
    citation: NonEmpty
    enacted: dt.date | None = None
    effective: dt.date | None = None
    sunset: dt.date | None = None
    who: str | None = Field(default=None, description="Who can invoke the law, in plain words.")
    rights: dict[Right, RightGrant] = Field(default_factory=dict)
    response: ResponseClock | None = None
    due_date_rules: DueDateRules | None = Field(default=None, description="Null: business days skip federal and state holidays; no roll-forward.")
    verification: Verification | None = None
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
        if self.kind is LawKind.COMPREHENSIVE and not self.rights:
            # A comprehensive law with no rights recorded would silently give its residents a "no law" letter.
            raise ValueError("rights: a comprehensive privacy law must list the rights it grants (null sections are fine)")
        if self.kind is LawKind.COMPREHENSIVE and self.response is None:
            raise ValueError("response: a comprehensive law that grants rights needs a response clock")
        clock = self.response
        if clock and DayKind.BUSINESS in (clock.day_kind, clock.opt_out_day_kind) and self.due_date_rules is None:
            raise ValueError("due_date_rules: a clock in business days must name its holiday calendar and the rule it rests on")
        return self


# ---------------------------------------------------------------------------
# People


US_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
UK_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$")
OTHER_POSTCODE = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,9}$")


def known_country(value):
    from .jurisdictions import is_country

    value = value.strip().upper() if isinstance(value, str) else value
    if not isinstance(value, str) or not is_country(value):
        raise ValueError(f"'{value}' is not an ISO two-letter country code (US, GB, DE, ...)")
    return value


CountryCode = Annotated[str, BeforeValidator(known_country)]


class PostalAddress(PersonText):
    # `country` comes first: the state and postal-code rules depend on it.
    country: CountryCode = Field(default="US", description="ISO 3166 two-letter country code (GB for the United Kingdom).")
    street: Annotated[NonEmpty, StringConstraints(max_length=200)]
    street2: Line | None = None
    city: Annotated[NonEmpty, StringConstraints(max_length=100)]
    state: str | None = Field(default=None, validate_default=True,
                              description="Two-letter code of the US state, DC or territory; for other countries the region, if any.")
    postal_code: str = Field(description="US: a 5-digit ZIP or ZIP+4; UK: a postcode; elsewhere the local postal code.")

    @field_validator("state", mode="before")
    @classmethod
    def _us_state(cls, value, info: ValidationInfo):
        from .jurisdictions import is_us_jurisdiction

        value = value.strip() if isinstance(value, str) else value
        if info.data.get("country", "US") == "US":
            if not isinstance(value, str) or not is_us_jurisdiction(value.upper()):
                raise ValueError("must be the two-letter code of a US state, DC or territory, such as VA")
            return value.upper()
        return value or None

    @field_validator("postal_code", mode="before")
    @classmethod
    def _postal_code(cls, value, info: ValidationInfo):
        # YAML and spreadsheets turn 02134 into the number 2134; a US ZIP is always five digits.
        country = info.data.get("country", "US")
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value).zfill(5) if country == "US" and value < 100000 else str(value)
        if not isinstance(value, str):
            raise ValueError("must be text")
        value = value.strip().upper()
        if country == "US" and not US_ZIP.match(value):
            raise ValueError("must be a 5-digit ZIP code, or ZIP+4 like 23220-1234")
        if country == "GB" and not UK_POSTCODE.match(value):
            raise ValueError("must be a UK postcode such as SW1A 1AA")
        if not OTHER_POSTCODE.match(value):
            raise ValueError("must be the local postal code (letters, digits, spaces and -)")
        return value

    def lines(self) -> list[str]:
        from .jurisdictions import country_name

        first = [self.street] + ([self.street2] if self.street2 else [])
        if self.country == "US":
            return [*first, f"{self.city}, {self.state} {self.postal_code}"]
        if self.country == "GB":
            return [*first, self.city, self.postal_code, country_name(self.country)]
        region = [self.state] if self.state else []
        return [*first, f"{self.postal_code} {self.city}", *region, country_name(self.country)]


class Status(StrEnum):
    DANIELS_LAW = "daniels-law"
    ACP = "acp"  # state address-confidentiality program participant


EMAIL_PATTERN = r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[A-Za-z]{2,}$"
NAME_FORBIDDEN = FORBIDDEN_IN_LINE  # kept for callers of the old name


class Profile(PersonText):
    """What a person gives optout. Only what a broker needs to find them; never an SSN."""

    full_name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    # `residence_country` comes first: which residence_state is valid depends on it.
    residence_country: CountryCode = Field(default="US", description="ISO two-letter code of the country you live in (GB for the United Kingdom).")
    residence_state: str | None = Field(default=None, validate_default=True,
                                        description="Two-letter code of the US state, DC or territory you live in; null outside the US.")
    emails: list[Annotated[str, StringConstraints(pattern=EMAIL_PATTERN, max_length=254)]] = Field(default_factory=list, max_length=20)
    phones: list[Annotated[str, StringConstraints(min_length=7, max_length=40)]] = Field(default_factory=list, max_length=20)
    addresses: list[PostalAddress] = Field(min_length=1, max_length=20)
    previous_addresses: list[PostalAddress] = Field(default_factory=list, max_length=50)
    aliases: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(default_factory=list, max_length=50)
    birth_date: dt.date | None = None
    statuses: list[Status] = Field(default_factory=list)
    acp_substitute_address: PostalAddress | None = Field(default=None, description="The program's substitute address, used instead of the real one.")
    language: Annotated[str, StringConstraints(pattern=r"^(en|es)$")] = "en"

    @field_validator("residence_state", mode="before")
    @classmethod
    def _known_residence(cls, value, info: ValidationInfo):
        from .jurisdictions import is_us_jurisdiction

        value = value.strip().upper() if isinstance(value, str) else value
        country = info.data.get("residence_country", "US")
        if country == "US":
            if not isinstance(value, str) or not is_us_jurisdiction(value):
                shown = f" ('{value}' is not one)" if value else ""
                raise ValueError("must be the two-letter code of the US state, DC or territory you live in, such as VA"
                                 f"{shown}; outside the US, leave it empty and set residence_country")
            return value
        if value:
            raise ValueError(f"only for US residents: you set residence_country {country} "
                             "(Delaware is residence_state DE; Germany is residence_country DE)")
        return None

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
    law_kind: LawKind
    law_short_name: str
    section: str
    terms: str | None = None
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


class Note(BaseModel):
    """Something the person should know about one letter. The words live in templates/notes/<code>.txt.j2;
    the engine only says which note applies and with what facts."""

    code: str
    facts: dict[str, str] = Field(default_factory=dict)


class Signer(StrEnum):
    PERSON = "person"
    AGENT = "agent"


class Decision(BaseModel):
    """The legal engine's choice for one person, broker, request kind and date."""

    requested: RequestKind = Field(description="What the person asked for.")
    request: RequestKind = Field(description="What the letter asks for (differs for service providers).")
    laws: list[str] = Field(description="Ids of the laws the letter relies on; ['no-law'] for the voluntary fallback.")
    rights: list[InvokedRight]
    channel: Channel | None
    deadlines: list[Deadline] = Field(default_factory=list)
    clock_applies: bool = Field(default=True, description="False when the broker says it holds the data only as a service provider: the statutory clock binds the business it serves.")
    notes: list[Note] = Field(default_factory=list)
    signer: Signer = Signer.PERSON
    refused_for_agent: list[InvokedRight] = Field(default_factory=list, description="Rights an agent may not exercise: why the person signs instead.")

    @property
    def due_date(self) -> dt.date | None:
        if not self.clock_applies:
            return None
        return min((d.due_date for d in self.deadlines if d.part == "request"), default=None)


class Block(BaseModel):
    """One piece of a letter's body. Every format lays out the same blocks in the same order."""

    kind: str = Field(description="paragraph | detail (a labelled line of the person's details) | closing | signature | enclosure")
    text: str
    label: str | None = None


class Letter(BaseModel):
    """One rendered request: everything every output format needs."""

    reference: str
    date: dt.date
    request: RequestKind
    broker_id: str
    broker_name: str
    decision: Decision
    signer: Signer
    title: str = Field(description="What the letter asks, under which law: the subject line without the reference.")
    subject: str = Field(description="The title and the reference, for the email subject and the printed subject line.")
    blocks: list[Block] = Field(description="The letter's wording, rendered once from templates/letter/; every format uses these.")
    notes: list[str] = Field(default_factory=list, description="What the person should know, in words (templates/notes/).")
    recipient_lines: list[str]
    sender_lines: list[str]
    sender_email: str | None = None
    recipient_email: str | None = None
    webform_url: str | None = None
    agent: Agent | None = Field(default=None, description="The authorized agent who signs, enclosing the person's authorization.")
    person_name: str = Field(description="The person the request is for (who signs the authorization in an agent's letter).")
    person_place: str = Field(default="", description="Where the person lives, as the authorization form names it: 'Richmond, Virginia'.")
    law_names: list[str] = Field(default_factory=list, description="The laws the letter relies on, by name; empty for a voluntary request.")

    @property
    def paragraphs(self) -> list[str]:
        """The body as plain paragraphs (details as 'Label: value'), for text formats and tests."""
        return [f"{b.label}: {b.text}" if b.label else b.text for b in self.blocks]
