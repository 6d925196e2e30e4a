"""The steps of the web page as data: the questions asked, how answers become a Profile, the broker presets and the
request kinds. New profile fields and request kinds are added here (a FieldSpec, a label), not in the templates.

Every answer goes through the same pydantic models as a profile file (optout.models.Profile), so the page accepts
exactly what the CLI accepts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import ValidationError

from ..catalog import Catalog
from ..jurisdictions import us_jurisdictions
from ..models import Broker, DataCollected, Profile, Recipient, RequestKind, Right, Status
from ..query import BrokerFilter, filter_brokers, laws_for, select_brokers
from .i18n import N_

# ---------------------------------------------------------------------------
# Step 2: who you are


@dataclass(frozen=True)
class FieldSpec:
    """One question. `path` says where the answer goes in the Profile ("addresses.0.city"); `kind` is the input:
    text, email, tel, date, lines (one value per line, a list field), checkbox (a status), or state (a select)."""

    name: str
    path: str
    label: str
    help: str
    kind: str = "text"
    required: bool = False
    group: str = "you"
    autocomplete: str = "off"
    status: Status | None = None  # for a checkbox: the status it sets


FIELDS: list[FieldSpec] = [
    FieldSpec("full_name", "full_name", N_("Full name"),
              N_("As companies know you. It is how a company finds your records."), required=True, autocomplete="name"),
    FieldSpec("aliases", "aliases", N_("Other names (optional)"),
              N_("Earlier or married names, nicknames: one per line. Companies often file records under them."),
              kind="lines"),
    FieldSpec("emails", "emails", N_("Email addresses (optional)"),
              N_("One per line. Companies match records by email; the first one is where they can answer you."),
              kind="lines", autocomplete="email"),
    FieldSpec("phones", "phones", N_("Phone numbers (optional)"),
              N_("One per line. People-search sites list phone numbers; give the ones they may show."), kind="lines"),
    FieldSpec("street", "addresses.0.street", N_("Street and number"),
              N_("Your home address. It goes on the letter so the company can find your records and answer by mail."),
              required=True, group="address", autocomplete="address-line1"),
    FieldSpec("street2", "addresses.0.street2", N_("Apartment, suite (optional)"), "", group="address",
              autocomplete="address-line2"),
    FieldSpec("city", "addresses.0.city", N_("City"), "", required=True, group="address", autocomplete="address-level2"),
    FieldSpec("state", "addresses.0.state", N_("State"), "", kind="state", required=True, group="address"),
    FieldSpec("postal_code", "addresses.0.postal_code", N_("ZIP code"), N_("5 digits, like 23220."), required=True,
              group="address", autocomplete="postal-code"),
    FieldSpec("birth_date", "birth_date", N_("Date of birth (optional)"),
              N_("Only helps a company tell you apart from someone with the same name. Leave it empty if you prefer."),
              kind="date"),
    FieldSpec("acp", "statuses", N_("I am in my state's address confidentiality program"),
              N_("Then the letters carry the program's substitute address, never your home address. Give it below."),
              kind="checkbox", group="status", status=Status.ACP),
    FieldSpec("acp_street", "acp_substitute_address.street", N_("Program address: street or box"), "", group="acp"),
    FieldSpec("acp_city", "acp_substitute_address.city", N_("Program address: city"), "", group="acp"),
    FieldSpec("acp_state", "acp_substitute_address.state", N_("Program address: state"), "", kind="state", group="acp"),
    FieldSpec("acp_postal_code", "acp_substitute_address.postal_code", N_("Program address: ZIP code"), "", group="acp"),
    FieldSpec("daniels_law", "statuses", N_("I am covered by New Jersey's Daniel's Law"),
              N_("Judges, prosecutors, law enforcement officers, child protective investigators and their families "
                 "living with them. The letters then also ask the company not to disclose your home address or "
                 "unpublished phone number."),
              kind="checkbox", group="status", status=Status.DANIELS_LAW),
]
FIELD_BY_NAME = {spec.name: spec for spec in FIELDS}
GROUPS = [
    ("you", N_("About you")),
    ("address", N_("Your home address")),
    ("status", N_("Special protections (only if they apply to you)")),
    ("acp", N_("Substitute address of the confidentiality program")),
]
FIELD_LABELS = {spec.name: spec.label for spec in FIELDS}
# What to fix, in the page's language; the CLI's own rule (English) follows it on the English page.
ERROR_HINTS = {
    "full_name": N_("Enter your name (up to 200 characters, on one line)."),
    "aliases": N_("One name per line, each up to 200 characters."),
    "emails": N_("Each email address must look like name@example.org, one per line."),
    "phones": N_("Each phone number needs 7 to 40 characters, one per line."),
    "street": N_("Enter your street and number."),
    "street2": N_("Keep it on one line."),
    "city": N_("Enter your city."),
    "state": N_("Choose a state."),
    "postal_code": N_("Enter a 5-digit ZIP code, like 23220, or ZIP+4, like 23220-1234."),
    "birth_date": N_("Enter a real date, or leave it empty."),
    "acp_street": N_("Give the program's whole substitute address: street or box, city, state and ZIP code."),
    "acp_city": N_("Enter the program address's city."),
    "acp_state": N_("Choose the program address's state."),
    "acp_postal_code": N_("Enter the program address's 5-digit ZIP code."),
}
GENERIC_HINT = N_("Check this answer.")
# Profile fields the page sets itself or does not ask (kept minimal on purpose); every other field needs a FieldSpec.
NOT_ASKED = {
    "residence_country": "the page serves US residents; step 1 sets residence_state",
    "residence_state": "step 1",
    "language": "the page's language",
    "previous_addresses": "kept minimal: a profile file can add them (`optout letter`)",
    # Not on the page yet; a profile file can add each (`optout letter`, `optout help identifiers`).
    "advertising_ids": "not asked yet: location companies' letters ask what they need instead",
    "vehicle_plates": "not asked yet: plate readers' letters ask what they need instead",
    "listing_urls": "not asked yet: people-search letters give the name and town",
    "face_image_consent": "never required; a face-search company's letter asks what it would need",
    "corrections": "the page offers no correction request yet",
}


def _put(data: dict, path: str, value) -> None:
    parts = path.split(".")
    target: dict | list = data
    for part, following in zip(parts, [*parts[1:], None], strict=True):
        key: int | str = int(part) if part.isdigit() else part
        if following is None:
            if isinstance(target, list):
                target.append(value)
            else:
                target[key] = value
            return
        empty: dict | list = [] if following.isdigit() else {}
        if isinstance(target, list):
            index = int(key)
            while len(target) <= index:
                target.append({} if isinstance(empty, dict) else [])
            target = target[index]
        else:
            target = target.setdefault(key, empty)


def profile_data(answers: dict[str, str], residence_state: str, language: str) -> dict:
    """The answers as a profile mapping, as a profile file would hold them."""
    data: dict = {"residence_country": "US", "residence_state": residence_state, "language": language, "statuses": []}
    for spec in FIELDS:
        raw = answers.get(spec.name, "")
        if spec.kind == "checkbox":
            if raw and spec.status is not None:
                data["statuses"].append(spec.status.value)
            continue
        if spec.group == "acp" and not answers.get("acp"):
            continue  # the substitute address only counts for a participant
        if spec.kind == "lines":
            items = [line.strip() for line in raw.splitlines() if line.strip()]
            if items:
                _put(data, spec.path, items)
            continue
        value = raw.strip()
        if value or spec.required:
            _put(data, spec.path, value or None)
    return data


def build_profile(answers: dict[str, str], residence_state: str, language: str) -> tuple[Profile | None, dict[str, str]]:
    """(profile, {}) or (None, {field name: the rule's message}) with the CLI's own validation."""
    try:
        return Profile.model_validate(profile_data(answers, residence_state, language)), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            location = ".".join(str(part) for part in error["loc"])
            if not location:  # a rule across fields names its field first: "acp_substitute_address: required ..."
                location = message.partition(":")[0]
            errors.setdefault(field_for(location), message)
        return None, errors


def field_for(location: str) -> str:
    """The question a validation error belongs to: the longest FieldSpec path that starts the error's location."""
    best, best_length = "", -1
    for spec in FIELDS:
        if spec.kind == "checkbox":
            continue
        if (location == spec.path or location.startswith(spec.path + ".")) and len(spec.path) > best_length:
            best, best_length = spec.name, len(spec.path)
    if not best and location.startswith("acp_substitute_address"):
        return "acp_street"
    if not best and location.startswith("addresses"):
        return "street"
    return best or "full_name"


def states() -> list[tuple[str, str]]:
    return sorted(us_jurisdictions().items(), key=lambda item: item[1])


# ---------------------------------------------------------------------------
# Step 3: which brokers


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    help: str
    selector: str


def presets(catalog: Catalog) -> list[Preset]:
    """The broker groups offered, each an `optout brokers list` selector (the same selectors as `letter -b`)."""
    registered = sorted({r.state for b in catalog.brokers.values() for r in b.registrations})
    return [
        Preset("government", N_("Sold data to the federal government or law enforcement"),
               N_("Companies that state registries or public records show selling to agencies or police."),
               f"sold-to:{Recipient.FEDERAL_GOVERNMENT.value},sold-to:{Recipient.LAW_ENFORCEMENT.value}"),
        Preset("people-search", N_("People-search sites"),
               N_("Sites that publish profiles with your address, phone and relatives."), "category:people-search"),
        Preset("location", N_("Location data"),
               N_("Companies that collect where your phone has been."), f"collects:{DataCollected.PRECISE_GEOLOCATION.value}"),
        Preset("registered", N_("Everyone registered as a data broker"),
               N_("Every company on a state data broker registry. Many letters: making them takes a few minutes."),
               ",".join(f"registered:{state}" for state in registered)),
    ]


def preset_brokers(preset: Preset, catalog: Catalog) -> list[Broker]:
    return select_brokers(preset.selector, catalog)


SEARCH_LIMIT = 50


def search_brokers(text: str, catalog: Catalog) -> list[Broker]:
    """`optout brokers list --search TEXT`: the first matches by id."""
    if not text.strip():
        return []
    return filter_brokers(catalog.brokers, BrokerFilter(search=text.strip()))[:SEARCH_LIMIT]


# ---------------------------------------------------------------------------
# Step 4: what to ask

# The first requests the page offers; the narrower kinds (a correction, a Daniel's Law notice, FCRA and GDPR
# requests) and the later letters are the CLI's for now (`optout letter --request`, `optout reply`).
WEB_REQUESTS = (RequestKind.DELETE, RequestKind.OPT_OUT, RequestKind.ACCESS)
REQUEST_LABELS = {
    RequestKind.DELETE: (N_("Delete my data"),
                         N_("The company erases what it holds about you. Where your law's deletion right reaches only data "
                            "collected from you, the letter also tells it to stop selling and sharing the rest.")),
    RequestKind.OPT_OUT: (N_("Stop selling and sharing my data"),
                          N_("The company keeps its records but may no longer sell them, share them for advertising or use "
                             "them for profiling, where your law gives those rights.")),
    RequestKind.ACCESS: (N_("Show me what you hold"),
                         N_("The company tells you what it holds about you, where it came from and to whom it sold it. "
                            "Useful before deciding what else to ask.")),
}
RIGHT_LABELS = {
    Right.ACCESS: N_("see your data"),
    Right.DELETE: N_("have your data deleted"),
    Right.CORRECT: N_("correct your data"),
    Right.PORTABILITY: N_("get a copy to take elsewhere"),
    Right.OPT_OUT_SALE: N_("stop the sale of your data"),
    Right.OPT_OUT_TARGETED_ADVERTISING: N_("stop targeted advertising"),
    Right.OPT_OUT_PROFILING: N_("stop profiling"),
    Right.LIMIT_SENSITIVE: N_("limit the use of sensitive data"),
    Right.FREEZE: N_("freeze your credit file"),
    Right.DISPUTE: N_("dispute wrong information"),
    Right.NONDISCLOSURE: N_("stop disclosure of your home address and phone"),
}


def request_label(kind: RequestKind) -> tuple[str, str]:
    """A new request kind shows with its own name until it is given words here."""
    return REQUEST_LABELS.get(kind, (kind.value, ""))


def state_laws(catalog: Catalog, state: str, on: dt.date) -> list:
    """The laws of the state, as `optout laws show STATE` lists them; none is fine."""
    try:
        return laws_for(catalog.laws, state)
    except LookupError:
        return []
