"""Where a person can live: US states, DC and territories, and countries, by ISO 3166 code.

pycountry carries the ISO 3166-1 and 3166-2 tables (and their translations), so optout keeps no
hand-made list of names that could drift or mistype.
"""

from __future__ import annotations

import functools

import pycountry


@functools.lru_cache(maxsize=1)
def us_jurisdictions() -> dict[str, str]:
    """Two-letter code -> name for the 50 states, DC and the inhabited territories."""
    return {s.code.split("-", 1)[1]: s.name for s in pycountry.subdivisions.get(country_code="US") if s.code != "US-UM"}


@functools.lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    return {c.alpha_2: getattr(c, "common_name", c.name) for c in pycountry.countries}


def us_state_name(code: str) -> str:
    return us_jurisdictions()[code]


def country_name(code: str) -> str:
    return countries()[code]


def is_us_jurisdiction(code: str) -> bool:
    return code in us_jurisdictions()


def is_country(code: str) -> bool:
    return code in countries()
