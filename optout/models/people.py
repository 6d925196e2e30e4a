"""People: the profile a person gives, and an authorized agent."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints, ValidationInfo, field_validator, model_validator

from .base import FORBIDDEN_IN_LINE, Line, NonEmpty, PersonText

# ---------------------------------------------------------------------------
# People


US_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
UK_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$")
OTHER_POSTCODE = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,9}$")


def known_country(value):
    from ..jurisdictions import is_country

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
    state: str | None = Field(
        default=None,
        validate_default=True,
        description="Two-letter code of the US state, DC or territory; for other countries the region, if any.",
    )
    postal_code: str = Field(description="US: a 5-digit ZIP or ZIP+4; UK: a postcode; elsewhere the local postal code.")

    @field_validator("state", mode="before")
    @classmethod
    def _us_state(cls, value, info: ValidationInfo):
        from ..jurisdictions import is_us_jurisdiction

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
        from ..jurisdictions import country_name

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


# ---------------------------------------------------------------------------
# Identifiers some brokers key their records on (all optional; see optout/disclosure.py for who gets which)


class AdPlatform(StrEnum):
    IOS = "ios"  # Apple's Identifier for Advertisers (IDFA)
    ANDROID = "android"  # Google's Android Advertising ID (AAID)


PLATFORM_WORDS = {"ios": "ios", "iphone": "ios", "ipad": "ios", "apple": "ios", "idfa": "ios",
                  "android": "android", "aaid": "android", "gaid": "android", "google": "android"}
ADVERTISING_ID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
ZERO_ID = "00000000-0000-0000-0000-000000000000"


class AdvertisingId(PersonText):
    """A phone's mobile advertising ID: what location brokers key their records on."""

    platform: AdPlatform = Field(description="ios (Apple IDFA) or android (Google AAID).")
    id: str = Field(description="36 characters, 8-4-4-4-12 hexadecimal digits, as the phone shows it.")

    @field_validator("platform", mode="before")
    @classmethod
    def _platform(cls, value):
        word = value.strip().lower() if isinstance(value, str) else value
        if word not in PLATFORM_WORDS:
            raise ValueError("must be ios (an iPhone or iPad's IDFA) or android (an Android phone's advertising ID)")
        return PLATFORM_WORDS[word]

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value, info: ValidationInfo):
        if not isinstance(value, str):
            raise ValueError("must be text")
        value = value.strip().upper()
        if not ADVERTISING_ID.match(value):
            raise ValueError(
                "must be an advertising ID as the phone shows it: 32 letters A-F and digits in groups of 8-4-4-4-12, "
                "like 6D92078A-8246-4BA4-AE5B-76104861E7DC (`optout help identifiers` says where to find it)"
            )
        if value == ZERO_ID:
            raise ValueError(
                "is all zeros: a phone shows this when apps may not track it (iPhone) or the ID was deleted (Android), "
                "and no company keys records on it; give the ID the phone had before, or leave it out"
            )
        # iPhones show the IDFA in upper case, Android the AAID in lower case: print it as the person sees it.
        return value.lower() if info.data.get("platform") == AdPlatform.ANDROID else value

    def shown(self) -> str:
        return self.id


PLATE = re.compile(r"^[^\W_](?:[\w .\-·]*[^\W_])?$")


class VehiclePlate(PersonText):
    """A licence plate: what plate-reader networks key their records on. Formats vary by state, so only the
    characters are checked."""

    plate: str = Field(description="As on the plate: letters and digits, with any spaces, dots or hyphens.")
    state: str = Field(description="Two-letter code of the US state, DC or territory that issued it.")

    @field_validator("plate", mode="before")
    @classmethod
    def _plate(cls, value):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ValueError("must be text")
        value = " ".join(value.split()).upper()
        if not PLATE.match(value) or len(value) > 12:
            raise ValueError("must be the plate as written on it: letters and digits (at most 12, with spaces, dots or -)")
        return value

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, value):
        from ..jurisdictions import is_us_jurisdiction

        value = value.strip().upper() if isinstance(value, str) else value
        if not isinstance(value, str) or not is_us_jurisdiction(value):
            raise ValueError("must be the two-letter code of the state that issued the plate, such as VA")
        return value


class ListingUrl(PersonText):
    """The page of a people-search site that shows the person: it names the exact record to remove."""

    url: str = Field(description="The listing's web address, on the broker's own website.")
    broker: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)] | None = Field(
        default=None, description="The broker id; empty: the broker whose website the address is on."
    )

    @model_validator(mode="before")
    @classmethod
    def _bare_url(cls, data):
        return {"url": data} if isinstance(data, str) else data

    @field_validator("url", mode="before")
    @classmethod
    def _url(cls, value):
        from urllib.parse import urlsplit

        if not isinstance(value, str):
            raise ValueError("must be text")
        value = value.strip()
        parts = urlsplit(value) if len(value) <= 500 and not any(c.isspace() for c in value) else None
        host = (parts.hostname or "") if parts else ""
        if parts is None or parts.scheme not in ("http", "https") or "." not in host or parts.username or parts.password:
            raise ValueError("must be the listing's web address, starting with https:// (at most 500 characters, no spaces)")
        return value

    @property
    def host(self) -> str:
        from urllib.parse import urlsplit

        return (urlsplit(self.url).hostname or "").lower().removeprefix("www.")
NAME_FORBIDDEN = FORBIDDEN_IN_LINE  # kept for callers of the old name


class Profile(PersonText):
    """What a person gives optout. Only what a broker needs to find them; never an SSN."""

    full_name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    # `residence_country` comes first: which residence_state is valid depends on it.
    residence_country: CountryCode = Field(
        default="US", description="ISO two-letter code of the country you live in (GB for the United Kingdom)."
    )
    residence_state: str | None = Field(
        default=None,
        validate_default=True,
        description="Two-letter code of the US state, DC or territory you live in; null outside the US.",
    )
    emails: list[Annotated[str, StringConstraints(pattern=EMAIL_PATTERN, max_length=254)]] = Field(
        default_factory=list, max_length=20
    )
    phones: list[Annotated[str, StringConstraints(min_length=7, max_length=40)]] = Field(default_factory=list, max_length=20)
    addresses: list[PostalAddress] = Field(min_length=1, max_length=20)
    previous_addresses: list[PostalAddress] = Field(default_factory=list, max_length=50)
    aliases: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(default_factory=list, max_length=50)
    birth_date: dt.date | None = None
    statuses: list[Status] = Field(default_factory=list)
    corrections: list[Annotated[str, StringConstraints(min_length=1, max_length=1000, strip_whitespace=True)]] = Field(
        default_factory=list,
        max_length=20,
        description="For `correct` and `fcra-dispute` letters: each item that is wrong and what it should say "
        "(`optout letter --detail` replaces them for one run).",
    )
    acp_substitute_address: PostalAddress | None = Field(
        default=None, description="The program's substitute address, used instead of the real one."
    )
    language: Annotated[str, StringConstraints(pattern=r"^(en|es)$")] = "en"
    advertising_ids: list[AdvertisingId] = Field(
        default_factory=list, max_length=10, description="Your phones' mobile advertising IDs (location brokers key on them)."
    )
    vehicle_plates: list[VehiclePlate] = Field(
        default_factory=list, max_length=10, description="Licence plates of vehicles you drive (plate readers key on them)."
    )
    listing_urls: list[ListingUrl] = Field(
        default_factory=list,
        max_length=50,
        description="Pages of people-search sites that show you, each on that site's own domain.",
    )
    face_image_consent: bool = Field(
        default=False,
        description="Whether you would send a face image to a face-search company that needs one to search; never required.",
    )

    @field_validator("residence_state", mode="before")
    @classmethod
    def _known_residence(cls, value, info: ValidationInfo):
        from ..jurisdictions import is_us_jurisdiction

        value = value.strip().upper() if isinstance(value, str) else value
        country = info.data.get("residence_country", "US")
        if country == "US":
            if not isinstance(value, str) or not is_us_jurisdiction(value):
                shown = f" ('{value}' is not one)" if value else ""
                raise ValueError(
                    "must be the two-letter code of the US state, DC or territory you live in, such as VA"
                    f"{shown}; outside the US, leave it empty and set residence_country"
                )
            return value
        if value:
            raise ValueError(
                f"only for US residents: you set residence_country {country} "
                "(Delaware is residence_state DE; Germany is residence_country DE)"
            )
        return None

    @model_validator(mode="after")
    def _acp_address(self) -> Profile:
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
