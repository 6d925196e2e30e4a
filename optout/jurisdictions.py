"""Where a person can live: US states, DC and territories, and countries, by ISO 3166 code.

pycountry carries the ISO 3166-1 and 3166-2 tables (and their translations), so optout keeps no
hand-made list of names that could drift or mistype.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from importlib.metadata import version
from pathlib import Path

from .fsutil import atomic_write


def _from_pycountry() -> dict[str, dict[str, str]]:
    import pycountry

    return {
        # Two-letter code -> name for the 50 states, DC and the inhabited territories.
        "us": {s.code.split("-", 1)[1]: s.name for s in pycountry.subdivisions.get(country_code="US") if s.code != "US-UM"},
        "countries": {c.alpha_2: getattr(c, "common_name", c.name) for c in pycountry.countries},
    }


@functools.lru_cache(maxsize=1)
def _tables() -> dict[str, dict[str, str]]:
    """pycountry's tables as optout uses them, kept in the user's cache folder per pycountry version: loading
    pycountry's whole ISO 3166-2 database is a good part of a single letter's start."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "optout" / f"iso3166-{version('pycountry')}.json"
    with contextlib.suppress(OSError, ValueError):
        tables = json.loads(cache.read_bytes())
        if isinstance(tables, dict) and set(tables) == {"us", "countries"}:
            return tables
    tables = _from_pycountry()
    with contextlib.suppress(OSError):
        cache.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write(cache, json.dumps(tables, sort_keys=True).encode(), mode=0o644, durable=False)
    return tables


def us_jurisdictions() -> dict[str, str]:
    """Two-letter code -> name for the 50 states, DC and the inhabited territories."""
    return _tables()["us"]


def countries() -> dict[str, str]:
    return _tables()["countries"]


def us_state_name(code: str) -> str:
    return us_jurisdictions()[code]


def country_name(code: str) -> str:
    return countries()[code]


def is_us_jurisdiction(code: str) -> bool:
    return code in us_jurisdictions()


def is_country(code: str) -> bool:
    return code in countries()
