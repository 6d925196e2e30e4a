"""Property tests: due dates, email headers and spreadsheet cells hold their promises for any input."""

from __future__ import annotations

import csv
import datetime as dt
import email
import functools
import io
from email import policy

import holidays
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from optout.batch import csv_bytes, safe_cell
from optout.catalog import default_catalog
from optout.deadlines import add_months, due_date
from optout.examples import example_profile
from optout.letters import compose
from optout.models import DayKind, DueDateRules, HolidayCalendar, RequestKind
from optout.render import eml

# ---------------------------------------------------------------------------
# Due dates

# US states with their own holidays, the federal calendar, and codes that are not US states (GDPR, UK).
JURISDICTIONS = st.sampled_from(["CA", "VA", "CO", "TX", "NJ", "UT", "IA", "LA", "FL", "OK", "AL", "DE", "US", "EU", "UK"])
STARTS = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))
RULES = st.builds(
    DueDateRules,
    business_days_skip=st.sampled_from(list(HolidayCalendar)),
    roll_forward=st.booleans(),
    basis=st.just("property test"),
)


@functools.cache
def _days_off(jurisdiction: str, year: int, skip: HolidayCalendar) -> frozenset[dt.date]:
    """Written from the rules, not from optout.deadlines: a state law skips federal and that state's holidays."""
    if skip is HolidayCalendar.WEEKENDS_ONLY:
        return frozenset()
    is_state = jurisdiction in holidays.country_holidays("US").subdivisions and jurisdiction != "US"
    if skip is HolidayCalendar.FEDERAL_AND_STATE and is_state:
        return frozenset(holidays.country_holidays("US", subdiv=jurisdiction, years=year))
    return frozenset(holidays.country_holidays("US", years=year))


def business_day(day: dt.date, jurisdiction: str, skip: HolidayCalendar) -> bool:
    return day.weekday() < 5 and day not in _days_off(jurisdiction, day.year, skip)


@settings(max_examples=300, deadline=None)
@given(start=STARTS, days=st.integers(0, 400), jurisdiction=JURISDICTIONS, rules=RULES)
def test_calendar_due_date_is_start_plus_days_unless_the_law_rolls_it_forward(start, days, jurisdiction, rules):
    plain = start + dt.timedelta(days=days)
    due = due_date(start, days, DayKind.CALENDAR, jurisdiction, rules)
    if not rules.roll_forward:
        assert due == plain
        return
    skip = rules.business_days_skip
    assert due >= plain and business_day(due, jurisdiction, skip)
    # Rolled to the first business day on or after the plain date: every day skipped was a weekend or holiday.
    assert all(not business_day(plain + dt.timedelta(days=n), jurisdiction, skip) for n in range((due - plain).days))


@settings(max_examples=200, deadline=None)
@given(start=STARTS, days=st.integers(1, 90), jurisdiction=JURISDICTIONS, rules=RULES)
@example(start=dt.date(2026, 12, 23), days=2, jurisdiction="CA", rules=DueDateRules(basis="christmas"))
def test_business_day_due_date_is_a_business_day_exactly_n_business_days_after_the_start(start, days, jurisdiction, rules):
    skip = rules.business_days_skip
    due = due_date(start, days, DayKind.BUSINESS, jurisdiction, rules)
    assert due.weekday() < 5 and business_day(due, jurisdiction, skip)
    counted = sum(business_day(start + dt.timedelta(days=n), jurisdiction, skip) for n in range(1, (due - start).days + 1))
    assert counted == days


@settings(max_examples=300, deadline=None)
@given(start=STARTS, days=st.integers(0, 400), jurisdiction=JURISDICTIONS, skip=st.sampled_from(list(HolidayCalendar)))
def test_roll_forward_never_moves_a_business_day(start, days, jurisdiction, skip):
    plain = start + dt.timedelta(days=days)
    assume(business_day(plain, jurisdiction, skip))
    rules = DueDateRules(business_days_skip=skip, roll_forward=True, basis="property test")
    assert due_date(start, days, DayKind.CALENDAR, jurisdiction, rules) == plain


@settings(max_examples=500, deadline=None)
@given(start=st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9000, 12, 31)), months=st.integers(0, 12 * 900))
@example(start=dt.date(2024, 1, 31), months=1)  # to the end of a leap February
@example(start=dt.date(2023, 1, 31), months=1)
@example(start=dt.date(2026, 8, 31), months=1)
def test_month_arithmetic_never_raises_and_keeps_the_day_or_the_months_last_day(start, months):
    end = add_months(start, months)
    assert (end.year - start.year) * 12 + end.month - start.month == months
    assert end.day == start.day or (end.day < start.day and (end + dt.timedelta(days=1)).month != end.month)
    if start.year < 8000 and months <= 24:
        assert due_date(start, months, DayKind.MONTH, "EU", DueDateRules(basis="property test")) == end


# ---------------------------------------------------------------------------
# Email drafts: headers from any text


@functools.cache
def base_letter():
    catalog = default_catalog()
    return compose(example_profile(), catalog.broker("acxiom"), RequestKind.DELETE, dt.date(2026, 11, 27), catalog)


LINE_BREAKS = "\r\n"
# Header text as people and templates write it: any characters but line breaks and NUL (refused elsewhere),
# not starting or ending with whitespace (the parser drops whitespace next to the colon and the line end), and
# without "=?", which a reader takes for an RFC 2047 encoded word and decodes (optout writes such text as it is).
HEADER_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")) | st.sampled_from(" \t"),
    min_size=1,
    max_size=200,
).filter(lambda s: s == s.strip() and "=?" not in s)
ATOM = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "Nd")) | st.sampled_from("!#$%&'*+-/=?^_`{|}~"),
               min_size=1, max_size=20)
LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True) | st.text(
    alphabet=st.characters(codec="utf-8", categories=("Ll", "Lo")), min_size=1, max_size=10
)
ADDRESSES = st.builds(
    lambda local, labels: ".".join(local) + "@" + ".".join(labels),
    st.lists(ATOM, min_size=1, max_size=3),
    st.lists(LABEL, min_size=2, max_size=4),
)


@settings(max_examples=300, deadline=None)
@given(subject=HEADER_TEXT, to=ADDRESSES, sender=ADDRESSES)
@example(subject="Deletion request — José Núñez — OPT-1234", to="josé@example.org", sender="privacy@exämple.com")
@example(subject="Opt-out request (CCPA) — O'Brien & Sons, Inc.: ref OPT-1", to="a+b@b.example", sender="c.d@d.example")
def test_any_header_text_without_line_breaks_parses_back_unchanged(subject, to, sender):
    letter = base_letter().model_copy(update={"subject": subject, "recipient_email": to, "sender_email": sender})
    parsed = email.message_from_bytes(eml.render(letter), policy=policy.default)
    assert (str(parsed["To"]), str(parsed["From"]), str(parsed["Subject"])) == (to, sender, subject)
    assert len(parsed.get_all("To")) == len(parsed.get_all("From")) == len(parsed.get_all("Subject")) == 1


@settings(max_examples=200, deadline=None)
@given(before=st.text(max_size=40), breaks=st.sampled_from(["\r", "\n", "\r\n", "\x00"]), after=st.text(max_size=40),
       field=st.sampled_from(["subject", "recipient_email", "sender_email"]))
@example(before="OPT-1", breaks="\r\n", after="Bcc: someone@evil.example", field="subject")
def test_header_text_with_a_line_break_is_refused(before, breaks, after, field):
    letter = base_letter().model_copy(update={field: before + breaks + after})
    with pytest.raises(eml.HeaderInjection):
        eml.render(letter)


# ---------------------------------------------------------------------------
# Spreadsheet cells

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CELLS = st.one_of(
    st.text(),
    st.builds(lambda start, rest: start + rest, st.sampled_from(FORMULA_STARTS + ("'", " ", "\n")), st.text()),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(CELLS, CELLS), max_size=8))
@example([("=HYPERLINK(\"http://evil.example\")", "+1"), ("@SUM(A1)", "\t=1"), ("\r=1", "-2")])
def test_written_cells_never_start_a_formula_and_read_back_as_the_text(pairs):
    rows = [{"a": first, "b": second} for first, second in pairs]
    text = csv_bytes(["a", "b"], rows).decode("utf-8")
    read = list(csv.reader(io.StringIO(text, newline="")))
    assert read[0] == ["a", "b"]
    assert len(read) == len(rows) + 1
    for (first, second), cells in zip(pairs, read[1:], strict=True):
        for original, cell in zip((first, second), cells, strict=True):
            assert not cell.startswith(FORMULA_STARTS)
            added = original.startswith(FORMULA_STARTS)
            assert cell == ("'" + original if added else original)
            assert (cell[1:] if added else cell) == original


@given(st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.text()))
def test_safe_cell_of_any_value_is_text_that_starts_no_formula(value):
    cell = safe_cell(value)
    text = "" if value is None else str(value)
    assert isinstance(cell, str) and not cell.startswith(FORMULA_STARTS)
    assert cell == ("'" + text if text.startswith(FORMULA_STARTS) else text)
