"""Response deadlines: calendar days, business days (with the holidays that apply), months."""

from __future__ import annotations

import calendar
import datetime as dt
import functools

from .models import DayKind, DueDateRules, HolidayCalendar


@functools.lru_cache(maxsize=64)
def _holiday_calendar(jurisdiction: str, year: int, skip: HolidayCalendar = HolidayCalendar.FEDERAL_AND_STATE):
    if skip is HolidayCalendar.WEEKENDS_ONLY:
        return frozenset()
    import holidays  # only a count in business days needs it (most clocks are calendar days): not at start-up

    # A state's business days skip both federal holidays and the state's own (e.g. Cesar Chavez Day in CA).
    if skip is HolidayCalendar.FEDERAL_AND_STATE and len(jurisdiction) == 2 and jurisdiction not in ("US", "EU", "UK"):
        try:
            return holidays.country_holidays("US", subdiv=jurisdiction, years=year)
        except NotImplementedError:
            pass
    return holidays.country_holidays("US", years=year)


DEFAULT_RULES = DueDateRules(basis="optout default: business days skip US federal and state holidays; no roll-forward")


def is_business_day(day: dt.date, jurisdiction: str, skip: HolidayCalendar = HolidayCalendar.FEDERAL_AND_STATE) -> bool:
    return day.weekday() < 5 and day not in _holiday_calendar(jurisdiction, day.year, skip)


def add_months(start: dt.date, months: int) -> dt.date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_date(start: dt.date, days: int, kind: DayKind, jurisdiction: str, rules: DueDateRules = DEFAULT_RULES) -> dt.date:
    """The last day to respond to a request received on `start`.

    A due date falling on a weekend or holiday moves to the next business day only where the law's
    `due_date_rules` say so (e.g. GDPR periods under Regulation 1182/71 art. 3(4)).
    """
    skip = rules.business_days_skip
    if kind is DayKind.CALENDAR:
        day = start + dt.timedelta(days=days)
    elif kind is DayKind.MONTH:
        day = add_months(start, days)
    else:
        day, counted = start, 0
        while counted < days:
            day += dt.timedelta(days=1)
            if is_business_day(day, jurisdiction, skip):
                counted += 1
    if rules.roll_forward:
        while not is_business_day(day, jurisdiction, skip):
            day += dt.timedelta(days=1)
    return day


def holidays_between(start: dt.date, end: dt.date, jurisdiction: str) -> list[tuple[dt.date, str]]:
    found = []
    for year in range(start.year, end.year + 1):
        for day, name in sorted(_holiday_calendar(jurisdiction, year).items()):
            if start < day <= end and day.weekday() < 5:
                found.append((day, name))
    return found
