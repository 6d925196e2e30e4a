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
from ..models import Broker, DataCollected, Decision, Identifier, Profile, Recipient, RequestKind, Right, Status, check_text
from ..models.base import PERSON_TEXT_MAX
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
    item: str | None = None  # for a list of identifiers: the shape of one line (see _item)
    max_chars: int = 2000  # a longer answer is refused, never cut (a cut list could pass as a shorter one)


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
    # Identifiers a few companies file people under instead of a name (templates/cli/identifiers.en.txt.j2, `optout
    # help identifiers`, says where each is found; the words below say no more than it does). Each letter carries
    # only the identifiers its company finds people by (optout/disclosure.py), so asking once here is enough.
    FieldSpec("ad_ids_android", "advertising_ids", N_("Android phone: advertising ID (optional)"),
              N_("Location data companies file where a phone has been under its advertising ID, not under your name: "
                 "without it they can honestly answer that they found nothing. On Android: Settings, then Google, then "
                 "Ads (on some phones: Settings, Privacy, Ads). “Your advertising ID” is at the bottom of that page. "
                 "One per line."),
              kind="lines", group="ids", item="android"),
    FieldSpec("ad_ids_ios", "advertising_ids", N_("iPhone or iPad: advertising ID, the IDFA (optional)"),
              N_("Apple does not show it in Settings. Some free apps display it (Outlogic's opt-out page names “My Device "
                 "IDFA” by AppsFlyer); such an app can read it only if you let it track you, and you can take that back "
                 "afterwards in Settings, Privacy & Security, Tracking. One per line."),
              kind="lines", group="ids", item="ios"),
    FieldSpec("vehicle_plates", "vehicle_plates", N_("License plates (optional)"),
              N_("Plate-reader companies photograph plates and keep each read with the time and place, filed by plate. "
                 "One per line, as written on the car. A plate from another state: add a comma and the state, like "
                 "ABC 1234, MD."),
              kind="lines", group="ids", item="plate"),
    FieldSpec("listing_urls", "listing_urls", N_("Pages about you on people-search sites (optional)"),
              N_("Search your name on the site, open the page that is you, and copy its address from the browser's "
                 "address bar: it names the exact record to remove. One per line; each goes only into the letter to "
                 "the site it is on."),
              kind="lines", group="ids", item="listing", max_chars=26000),
    # Asked on step 4, under the correction request, and only used by it.
    FieldSpec("corrections", "corrections", N_("What is wrong, and what should it say?"),
              N_("One item per line, like: Address: lists 9 Oak St as my home; I have never lived there."),
              kind="lines", group="ask", max_chars=21000),
]
FIELD_BY_NAME = {spec.name: spec for spec in FIELDS}
GROUPS = [
    ("you", N_("About you")),
    ("address", N_("Your home address")),
    ("status", N_("Special protections (only if they apply to you)")),
    ("acp", N_("Substitute address of the confidentiality program")),
    ("ids", N_("What some companies find you by (optional)")),
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
    "ad_ids_android": N_("An advertising ID is 32 letters A-F and digits in groups of 8-4-4-4-12, like "
                         "38400000-8cf0-11bd-b23e-10b96e40000d. An ID of all zeros does not work: no company files "
                         "anything under it."),
    "ad_ids_ios": N_("An advertising ID is 32 letters A-F and digits in groups of 8-4-4-4-12, like "
                     "6D92078A-8246-4BA4-AE5B-76104861E7DC. An ID of all zeros does not work: no company files anything "
                     "under it."),
    "vehicle_plates": N_("Write each plate as it is on the car: letters and digits, at most 12. For a plate from another "
                         "state, add a comma and the state's two-letter code, like ABC 1234, MD."),
    "listing_urls": N_("Give each page's address as the browser shows it, starting with https://, on the website of a "
                       "people-search company optout knows."),
    "corrections": N_("Say what is wrong and what it should say, one item per line (up to 20 items of 1000 characters)."),
}
GENERIC_HINT = N_("Check this answer.")
# Profile fields the page sets itself or does not ask (kept minimal on purpose); every other field needs a FieldSpec.
NOT_ASKED = {
    "residence_country": "the page serves US residents; step 1 sets residence_state",
    "residence_state": "step 1",
    "language": "the page's language",
    "previous_addresses": "kept minimal: a profile file can add them (`optout letter`)",
    "face_image_consent": "never required; a face-search company's letter asks what it would need",
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


def _item(spec: FieldSpec, line: str, residence_state: str):
    """One line of an identifier list as the profile holds it (the shapes of the clients CSV's cells)."""
    if spec.item in ("android", "ios"):
        return {"platform": spec.item, "id": line}
    if spec.item == "plate":  # "ABC 1234" (a plate of the home state) or "ABC 1234, MD"
        plate, comma, state = line.rpartition(",")
        return {"plate": plate, "state": state.strip()} if comma else {"plate": line, "state": residence_state}
    if spec.item == "listing":
        return {"url": line}
    return line


def _answers_data(answers: dict[str, str], residence_state: str, language: str) -> tuple[dict, dict[str, list]]:
    """The profile mapping, and for each list field the (question, line number) each of its items came from: two
    questions (Android and iPhone IDs) fill one list, and an error names the line the person typed."""
    data: dict = {"residence_country": "US", "residence_state": residence_state, "language": language, "statuses": []}
    origins: dict[str, list[tuple[str, int]]] = {}
    for spec in FIELDS:
        raw = answers.get(spec.name, "")
        if spec.kind == "checkbox":
            if raw and spec.status is not None:
                data["statuses"].append(spec.status.value)
            continue
        if spec.group == "acp" and not answers.get("acp"):
            continue  # the substitute address only counts for a participant
        if spec.kind == "lines":
            numbered = [(number, line.strip()) for number, line in enumerate(raw.splitlines(), 1) if line.strip()]
            if numbered:
                data.setdefault(spec.path, []).extend(_item(spec, line, residence_state) for _, line in numbered)
                origins.setdefault(spec.path, []).extend((spec.name, number) for number, _ in numbered)
            continue
        value = raw.strip()
        if value or spec.required:
            _put(data, spec.path, value or None)
    return data, origins


def profile_data(answers: dict[str, str], residence_state: str, language: str) -> dict:
    """The answers as a profile mapping, as a profile file would hold them."""
    return _answers_data(answers, residence_state, language)[0]


@dataclass
class Checked:
    """The answers checked: the profile, or errors by question (the rule's message) and the line each is on."""

    profile: Profile | None
    errors: dict[str, str]
    lines: dict[str, int]


def check_answers(answers: dict[str, str], residence_state: str, language: str, catalog: Catalog | None = None) -> Checked:
    """The CLI's own validation; with a catalog, also its rule that a listing address is on a known company's site."""
    data, origins = _answers_data(answers, residence_state, language)
    errors = {spec.name: f"more than {spec.max_chars} characters" for spec in FIELDS
              if len(answers.get(spec.name, "")) > spec.max_chars}
    lines: dict[str, int] = {}
    if errors:
        return Checked(None, errors, lines)

    def note(location: str, message: str) -> None:
        head, _, rest = location.partition(".")
        index = rest.partition(".")[0]
        if head in origins and not rest:  # the text rule judges a whole list: find the line it refused
            index = next((str(i) for i, item in enumerate(data[head]) if isinstance(item, str) and _refused(item)), "")
        if head in origins and index.isdigit() and int(index) < len(origins[head]):
            name, line = origins[head][int(index)]
            if name not in errors:
                lines[name] = line
        else:
            name = field_for(location)
        errors.setdefault(name, message)

    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            location = ".".join(str(part) for part in error["loc"])
            if not location:  # a rule across fields names its field first: "acp_substitute_address: required ..."
                location = message.partition(":")[0]
            note(location, message)
        return Checked(None, errors, lines)
    if catalog is not None and profile.listing_urls:
        from ..disclosure import listing_problems

        for location, message in listing_problems(profile, catalog):
            note(location, message)
    return Checked(None if errors else profile, errors, lines)


def _refused(text: str) -> bool:
    try:
        check_text(text, multiline=False, max_length=PERSON_TEXT_MAX)
    except ValueError:
        return True
    return False


def build_profile(answers: dict[str, str], residence_state: str, language: str) -> tuple[Profile | None, dict[str, str]]:
    """(profile, {}) or (None, {field name: the rule's message}) with the CLI's own validation."""
    checked = check_answers(answers, residence_state, language)
    return checked.profile, checked.errors


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

# The general requests, offered to everyone (with no law, the letter asks voluntarily and says so), then the narrower
# kinds, each offered only where the person's law or status gives it (optout/request_kinds.py refuses the others).
# The FCRA kinds (to consumer reporting agencies only) and the GDPR kinds (residents of Europe, whom the page does not
# serve) stay with the CLI: `optout letter --request fcra-dispute`. The later letters are optout/web/later.py's.
GENERAL_REQUESTS = (RequestKind.DELETE, RequestKind.OPT_OUT, RequestKind.ACCESS)
NARROW_REQUESTS = (
    RequestKind.CORRECT, RequestKind.LIMIT_SENSITIVE, RequestKind.NEVADA_OPT_OUT, RequestKind.DANIELS_LAW, RequestKind.ACP,
)
WEB_REQUESTS = GENERAL_REQUESTS + NARROW_REQUESTS
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
    RequestKind.CORRECT: (N_("Correct wrong information about me"),
                          N_("The company fixes what it holds about you that is wrong. Say below what is wrong and what it "
                             "should say: the letter lists each item. If you are not sure what it holds, ask to see it "
                             "first.")),
    RequestKind.LIMIT_SENSITIVE: (N_("Limit the use of my sensitive data"),
                                  N_("Sensitive data is things like your precise location, health, race, religion, sex "
                                     "life or immigration status. The company may then use and disclose it only as far "
                                     "as needed to give you the goods or services you expect from it.")),
    RequestKind.NEVADA_OPT_OUT: (N_("Do not sell my data (Nevada's law)"),
                                 N_("Nevada's law lets you tell a data broker, or a company whose website you used, not "
                                    "to sell information about you such as your name, address, email and phone. It asks "
                                    "only that: the company does not delete anything or show you what it holds.")),
    RequestKind.DANIELS_LAW: (N_("Stop disclosing my home address and phone (Daniel's Law)"),
                              N_("The written notice Daniel's Law gives covered persons: the company must stop disclosing "
                                 "or making available your home address and unpublished home phone number. Keep proof of "
                                 "the day you send it.")),
    RequestKind.ACP: (N_("Stop disclosing my address (confidentiality program)"),
                      N_("A demand not to post or disclose your home address or phone number. The letter carries only "
                         "your program's substitute address. Where your state's program law gives this right the letter "
                         "cites it; otherwise it asks the company to act voluntarily and says so. If you are unsure, talk "
                         "to your program or an advocate first.")),
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


def offered_requests(profile: Profile, broker: Broker, on: dt.date, catalog: Catalog) -> list[tuple[RequestKind, Decision]]:
    """The requests to offer this person, each with the engine's decision for `broker` (the first chosen company):
    the general ones always, a narrow one only where the engine does not refuse it (the person's law or status gives
    it). A narrow kind goes as asked to every kind of company, so one company stands for all."""
    from ..legal import decide
    from ..request_kinds import RequestRefused

    offered = []
    for kind in WEB_REQUESTS:
        try:
            offered.append((kind, decide(profile, broker, kind, on, catalog)))
        except RequestRefused:
            continue  # the person's law gives no such request
    return offered


def with_corrections(answers: dict[str, str], text: str, residence_state: str, language: str) -> Checked:
    """The profile again with the correction items typed on step 4 (and nothing else changed)."""
    return check_answers({**answers, "corrections": text}, residence_state, language)


def request_label(kind: RequestKind) -> tuple[str, str]:
    """A new request kind shows with its own name until it is given words here."""
    return REQUEST_LABELS.get(kind, (kind.value, ""))


def state_laws(catalog: Catalog, state: str, on: dt.date) -> list:
    """The laws of the state, as `optout laws show STATE` lists them; none is fine."""
    try:
        return laws_for(catalog.laws, state)
    except LookupError:
        return []


# Identifiers without which a company that files people under them may find nothing (optout/disclosure.py's ADDABLE):
# step 4 says how many chosen companies need one the person did not give, and links back to the question.
MISSING_IDENTIFIER_WORDS = {
    Identifier.ADVERTISING_ID: ("ad_ids_android", N_("Companies you chose that find people by a phone's advertising ID: "
                                                     "%(num)d. You did not give one, so they may find nothing.")),
    Identifier.VEHICLE_PLATE: ("vehicle_plates", N_("Companies you chose that find people by a license plate: %(num)d. "
                                                    "You did not give one, so they may find nothing.")),
}


def missing_identifiers(profile: Profile, brokers: list[Broker], catalog: Catalog) -> list[tuple[Identifier, int]]:
    """(identifier, how many of the brokers need it) for each addable identifier the profile lacks."""
    from ..disclosure import ADDABLE, broker_needs, table_for

    table = table_for(catalog)
    counts = dict.fromkeys(ADDABLE, 0)
    for broker in brokers:
        for need in broker_needs(broker, table)[0]:
            if need in counts:
                counts[need] += 1
    given = {Identifier.ADVERTISING_ID: profile.advertising_ids, Identifier.VEHICLE_PLATE: profile.vehicle_plates}
    return [(need, count) for need, count in counts.items() if count and not given.get(need)]
