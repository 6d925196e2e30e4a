"""Catalog records: brokers and laws, with their provenance."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field, model_validator

from .base import CatalogText, NonEmpty, Slug, StateCode, Strict
from .disclosure import BrokerNeeds

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


from ..kinds import RequestKind  # noqa: E402  (defined without pydantic, for the CLI's start; re-exported here)


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


class ChannelProblem(StrEnum):
    """Why a channel is kept for the record but never used in a letter (`usable: false`)."""

    MALFORMED = "malformed"  # not a valid address, URL or number
    TYPO_DOMAIN = "typo-domain"  # email domain one or two edits from the company's own domain
    LOOKALIKE_TLD = "lookalike-tld"  # .ccm / .cm / .con for .com
    STATE_ZIP_MISMATCH = "state-zip-mismatch"  # the ZIP code belongs to another state
    TRUNCATED_ZIP = "truncated-zip"  # a ZIP code with digits missing
    TEST_NUMBER = "test-number"  # 555-1212 directory assistance, 555-01xx fiction numbers
    NOT_PRIVACY_ADDRESS = "not-privacy-address"  # tax@, billing@, careers@: a mailbox for something else
    HOMEPAGE = "homepage"  # a bare home page given as a request page
    PRIVACY_NOTICE = "privacy-notice"  # a notice that describes requests, not a form that takes them
    INCOMPLETE = "incomplete"  # a postal address without a street or city line


class Channel(Strict):
    kind: ChannelKind
    value: NonEmpty = Field(description="Email address, URL, phone number, or postal address (lines separated by newlines).")
    accepts: list[RequestKind] = Field(
        default_factory=lambda: list(RequestKind),
        description="Request kinds this channel takes. Defaults to all.",
    )
    third_party_portal: bool = Field(default=False, description="A hosted request portal (OneTrust, Termly, ...).")
    usable: bool = Field(
        default=True, description="False when the value is malformed; kept for the record, never used in letters."
    )
    problem: ChannelProblem | None = Field(
        default=None, description="Why the channel is unusable (or, for a privacy notice, why it is a last resort)."
    )
    route: bool = Field(
        default=False,
        description="The broker's own request route: the opt-out page, portal or address its own notice tells consumers "
        "to use. Letters prefer it over the registry's contact email.",
    )
    notes: str | None = None
    source: NonEmpty = Field(description="Key into the broker's `sources`.")

    @model_validator(mode="after")
    def _one_line_unless_postal(self) -> Channel:
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


class Category(StrEnum):
    """What kind of business a broker is (several may apply); `category_basis` records why."""

    PEOPLE_SEARCH = "people-search"
    LOCATION = "location"
    RISK_DATA = "risk-data"
    IDENTITY_VERIFICATION = "identity-verification"
    MARKETING = "marketing"
    B2B_CONTACT = "b2b-contact"
    CONSUMER_REPORTING = "consumer-reporting"
    NATIONWIDE_CONSUMER_REPORTING = "nationwide-consumer-reporting"
    FINANCIAL = "financial"
    HEALTH = "health"
    LICENSE_PLATE = "license-plate"
    VEHICLES = "vehicles"
    BIOMETRIC = "biometric"
    RECRUITING = "recruiting"
    OPEN_SOURCE_INTELLIGENCE = "open-source-intelligence"
    ANALYTICS_PLATFORM = "analytics-platform"
    OTHER = "other"


class BrokerRole(StrEnum):
    DATA_BROKER = "data_broker"
    # Processes data only on behalf of an agency/customer; deletion demands go to the customer.
    SERVICE_PROVIDER = "service_provider"


class Registration(Strict):
    state: StateCode
    year: int = Field(ge=2019, le=2100)
    name: str | None = Field(default=None, description="Name as registered, when it differs from the record's name.")
    source: NonEmpty


class FormerRegistration(Strict):
    registry: NonEmpty = Field(description="The registry that held it, e.g. 'California Attorney General (2020-2022)'.")
    state: StateCode
    name: str | None = Field(default=None, description="Name as registered.")
    source: NonEmpty


class Broker(CatalogText):
    id: Slug
    name: NonEmpty = Field(description="Legal name of the entity.")
    brands: list[NonEmpty] = Field(default_factory=list, description="Doing-business-as names and product brands.")
    parent: str | None = None
    family: Slug | None = Field(default=None, description="Shared slug for distinct entities of one company family.")
    role: BrokerRole = BrokerRole.DATA_BROKER
    role_note: str | None = Field(
        default=None, description="Why the role is what it is, with the company's own words where possible."
    )
    categories: list[Category] = Field(default_factory=list)
    # Entity resolution and categories (optout/build/resolve.py, optout/build/categories.py).
    category_basis: dict[Category, NonEmpty] = Field(
        default_factory=dict,
        description="Category -> why: '<source key>: <what the source says>' (registry flag, name, statement).",
    )
    aliases: list[NonEmpty] = Field(
        default_factory=list, description="Other spellings of the legal name (registry typos, merged records)."
    )
    former_ids: list[Slug] = Field(
        default_factory=list, description="Ids of records merged into this one; `brokers show OLD` finds this record."
    )
    distinct_entity_reason: str | None = Field(
        default=None,
        description="Why this is a legal entity of its own although another record shares its registrable website domain.",
    )
    former_registrations: list[FormerRegistration] = Field(
        default_factory=list,
        description="Registrations in registries that no longer exist (California Attorney General, 2020-2022). They are "
        "history: they make no broker 'registered' today, and DROP does not reach it through them.",
    )
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
    # What letters to this broker carry (optout/disclosure.py): its own statement of what it finds people by,
    # overriding its categories' defaults in broker_catalog/disclosure.yaml.
    disclosure: BrokerNeeds | None = Field(
        default=None, description="What the broker says it needs to find a person, with its source; null: its categories'."
    )

    @model_validator(mode="after")
    def _check_references(self) -> Broker:
        keys = set(self.sources)
        refs: list[tuple[str, str]] = [(f"channels[{i}].source", c.source) for i, c in enumerate(self.channels)]
        refs += [(f"registrations[{i}].source", r.source) for i, r in enumerate(self.registrations)]
        refs += [(f"former_registrations[{i}].source", r.source) for i, r in enumerate(self.former_registrations)]
        for field in ("sold_to", "collects", "regulated_by"):
            refs += [(f"{field}.{k}", v) for k, v in getattr(self, field).items()]
        if self.disclosure is not None:
            refs.append(("disclosure.source", self.disclosure.source))
        for where, ref in refs:
            if ref not in keys:
                raise ValueError(f"{where}: source '{ref}' is not a key of sources")
        if not self.usable_channels() and not self.no_channel_reason:
            raise ValueError("no usable channel: add one or set no_channel_reason")
        unexplained = [c.value for c in self.category_basis if c not in self.categories]
        if unexplained:
            raise ValueError(f"category_basis: {', '.join(unexplained)} is not in categories")
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
    response: ResponseClock | None = Field(
        default=None,
        description="This right's own clock, where a request for it alone runs on a different clock from the law's "
        "`response` (FCRA: a dispute is reinvestigated within 30 days, a file disclosure has no clock).",
    )


class Appeal(Strict):
    available: bool
    days: int | None = Field(default=None, description="Days the business has to decide an appeal.")
    day_kind: DayKind = DayKind.CALENDAR
    extension_days: int | None = Field(default=None, ge=0, description="Extension of the appeal decision the law allows, if any.")
    window_days: int | None = Field(
        default=None, description="Days the consumer has to file the appeal, where the law sets a limit."
    )
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
    applies_to_states: list[StateCode] = Field(
        default_factory=list, description="Residence states the law protects; empty means the jurisdiction."
    )
    name: NonEmpty
    short_name: NonEmpty
    article: bool = Field(
        default=True, description="Whether the short name takes 'the' in a sentence: 'the CCPA', but 'Daniel's Law'."
    )
    citation: NonEmpty
    enacted: dt.date | None = None
    effective: dt.date | None = None
    sunset: dt.date | None = None
    who: str | None = Field(default=None, description="Who can invoke the law, in plain words.")
    rights: dict[Right, RightGrant] = Field(default_factory=dict)
    response: ResponseClock | None = None
    due_date_rules: DueDateRules | None = Field(
        default=None, description="Null: business days skip federal and state holidays; no roll-forward."
    )
    verification: Verification | None = None
    appeal: Appeal | None = None
    regulator: Regulator | None = None
    applies_to_brokers: str | None = Field(
        default=None, description="Thresholds or exemptions that decide whether a business is covered."
    )
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
    def _clock_required(self) -> Law:
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
