"""Reading a person's profile file, with errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .catalog import read_yaml, yaml_problem
from .errors import InputError
from .models import Agent, Profile

FRIENDLY = {
    "string_pattern_mismatch": "is not in the expected form",
    "missing": "is required",
    "extra_forbidden": "is not a field optout knows (check the spelling)",
}
# Plainer words for the fields people get wrong most, keyed by the field's own name.
FIELD_HINTS = {
    "postal_code": "must be a 5-digit ZIP code, or ZIP+4 like 23220-1234",
    "residence_state": "must be a two-letter US state code such as VA (or empty outside the US)",
    "state": "must be a two-letter US state code such as VA",
    "emails": "is not a valid email address",
    "birth_date": "must be a date like 1990-04-01",
    "language": "must be en or es",
}


def friendly_message(item: ErrorDetails) -> str:
    if item["type"] == "value_error":
        # Our own validators already speak plainly; drop pydantic's "Value error, " prefix.
        return str(item["ctx"]["error"]) if "ctx" in item and "error" in item["ctx"] else item["msg"]
    names = [part for part in item["loc"] if isinstance(part, str)]
    if item["type"] not in ("missing", "extra_forbidden") and names and names[-1] in FIELD_HINTS:
        return FIELD_HINTS[names[-1]]
    return FRIENDLY.get(item["type"], item["msg"].removeprefix("Value error, "))

EXAMPLE_PROFILE = """\
# An optout profile. Only what a company needs to find you: never a Social Security number.
full_name: Alex Rivera
residence_state: VA            # two-letter code of the state you live in
emails: [alex@example.org]
phones: ["+1 804 555 0100"]
addresses:
  - {street: 12 Elm St, city: Richmond, state: VA, postal_code: "23220"}
# Optional:
# aliases: [Alexandra Rivera]
# previous_addresses:
#   - {street: 9 Oak Ave, city: Norfolk, state: VA, postal_code: "23510"}
# birth_date: 1990-04-01       # only if a company cannot find you without it
# statuses: [daniels-law]      # or acp (then acp_substitute_address is required)
# What some companies find you by (`optout help identifiers` says where to find these):
# advertising_ids: [{platform: ios, id: 6D92078A-8246-4BA4-AE5B-76104861E7DC}]
# vehicle_plates: [{plate: ABC 1234, state: VA}]
# listing_urls: [https://www.spokeo.com/...]
# face_image_consent: false     # never required
"""


class ProfileError(InputError):
    """A profile or agent file that cannot be used; the message names the file and field."""


def describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(file)"
        parts.append(f"{where}: {friendly_message(item)}")
    return "; ".join(parts)


def _load(path: Path, model):
    try:
        data = read_yaml(path)
    except FileNotFoundError:
        raise ProfileError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except IsADirectoryError:
        raise ProfileError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML: {yaml_problem(exc)}") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: expected a mapping of fields such as full_name and addresses")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(f"{path}: {describe(exc)}") from None


def load_profile(path: Path) -> Profile:
    return _load(path, Profile)


def load_agent(path: Path) -> Agent:
    return _load(path, Agent)
