"""Reading a person's profile file, with errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from .catalog import read_yaml
from .models import Agent, Profile

FRIENDLY = {
    "string_pattern_mismatch": "is not in the expected form",
    "missing": "is required",
    "extra_forbidden": "is not a field optout knows (check the spelling)",
}

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
"""


class ProfileError(ValueError):
    """A profile or agent file that cannot be used; the message names the file and field."""


def describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(file)"
        message = FRIENDLY.get(item["type"], item["msg"])
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def _load(path: Path, model):
    try:
        data = read_yaml(path)
    except FileNotFoundError:
        raise ProfileError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML: {exc}") from None
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
