"""What a letter discloses: the identifiers a broker finds people by, the catalog's table of what each kind of
broker needs, and the ordered list of details one letter carries (optout/disclosure.py decides it)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from .base import DEFERRED, NonEmpty, Slug, Strict


class Identifier(StrEnum):
    """A detail of the person a letter may carry, in the order the letter prints them."""

    RESIDENCE = "residence"  # the state or country whose law applies: every letter says it
    NAME = "name"
    ALIASES = "aliases"
    CITY_STATE = "city_state"  # the town and state only, not the street
    ADDRESS = "address"  # the current postal address(es); the program's substitute for ACP participants
    PREVIOUS_ADDRESSES = "previous_addresses"
    EMAIL = "email"
    PHONE = "phone"
    BIRTH_DATE = "birth_date"
    ADVERTISING_ID = "advertising_id"
    VEHICLE_PLATE = "vehicle_plate"
    LISTING_URL = "listing_url"
    FACE_IMAGE = "face_image"  # never a value: whether the person offers a face image for the search


IDENTIFIER_ORDER = {field: index for index, field in enumerate(Identifier)}


class BrokerNeeds(Strict):
    """A broker's own statement of what it finds people by: overrides its categories' defaults."""

    needs: list[Identifier] = Field(min_length=1, description="The identifiers its records are keyed on, in any order.")
    why: NonEmpty = Field(description="In the broker's words where possible, completing 'sent because ...'.")
    source: NonEmpty = Field(description="Key into the broker's `sources`: its privacy or opt-out page, or registry filing.")


class CategoryNeeds(Strict):
    needs: list[Identifier] = Field(min_length=1)
    why: NonEmpty = Field(description="Why this kind of company needs them, completing 'sent because ...'.")


class DisclosureTable(Strict):
    """broker_catalog/disclosure.yaml: what each category of broker needs to find a person.

    A broker with several categories gets the union of their needs; a broker with none (or only categories the
    table does not name) gets `default`; a broker's own `disclosure` replaces both.
    """

    default: CategoryNeeds
    categories: dict[Slug, CategoryNeeds]
    reasons: dict[Slug, NonEmpty] = Field(
        description="Why a detail goes into every letter whatever the broker needs: residence, signature, "
        "reply-by-post, reply-by-email, asked (--disclose), all (--disclose all), daniels-law, acp, authorization."
    )
    labels: dict[Identifier, dict[str, NonEmpty]] = Field(description="Each identifier's short name, per language (en, es).")

    @model_validator(mode="after")
    def _complete(self) -> DisclosureTable:
        needed = {
            *("residence", "signature", "reply-by-post", "reply-by-email", "asked", "all"),
            *("daniels-law", "acp", "authorization"),
        }
        if missing := sorted(needed - set(self.reasons)):
            raise ValueError(f"reasons: missing {', '.join(missing)}")
        for field in Identifier:
            if field not in self.labels or not {"en", "es"} <= set(self.labels[field]):
                raise ValueError(f"labels.{field.value}: needs an en and an es label")
        return self


class Disclosed(BaseModel):
    """One detail a letter carries, as printed, and why."""
    model_config = DEFERRED

    field: Identifier
    values: list[str] = Field(default_factory=list, description="As the letter prints them (empty for face_image).")
    why: str
    place: str = Field(
        description="details (the identity block), sender (the return address or reply email), body (a sentence of "
        "the letter), or enclosure (the signed authorization an agent encloses)."
    )


class Disclosure(BaseModel):
    """What one letter carries: the details in order, and what the broker needs that the profile lacks."""
    model_config = DEFERRED

    items: list[Disclosed]
    needs: list[Identifier] = Field(description="What the broker needs, from its own statement or its categories.")
    needs_source: str = Field(description="'broker' when the broker said so, else 'category:NAME,...' or 'default'.")
    missing: list[Identifier] = Field(default_factory=list, description="Needed, but not in the profile.")
    everything: bool = Field(default=False, description="--disclose all: the full block.")

    def get(self, field: Identifier | str) -> Disclosed | None:
        return next((item for item in self.items if item.field == field), None)

    @property
    def fields(self) -> list[Identifier]:
        return [item.field for item in self.items]

    @property
    def details(self) -> list[Disclosed]:
        return [item for item in self.items if item.place == "details"]
