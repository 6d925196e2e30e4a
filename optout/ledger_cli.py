"""`optout ledger ...`: the CLI of the request ledger (optout/ledger/). It parses arguments and calls the library."""

# Annotations are evaluated where written, not kept as strings: see optout/cli.py.

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

# Registered on the app at start: nothing of the catalog or the models here, so `optout --help` stays fast.
from .cli_common import JsonOption, fail, friendly_errors, parse_date, print_json
from .errors import InputError

if TYPE_CHECKING:
    from .catalog import Catalog
    from .models import Letter

ledger_app = typer.Typer(
    help="Track every request to its end: what was sent, what is due, what to send next. The ledger is one private "
    "file on this computer (default: your user data folder; `optout batch` keeps one in its folder).",
    no_args_is_help=True,
)

LedgerOption = Annotated[
    Path | None,
    typer.Option("--ledger", help="The ledger file (default: ledger.sqlite in your user data folder)."),
]
BatchLedgerOption = Annotated[
    Path | None,
    typer.Option("--ledger", help="Record the letters in this ledger file, e.g. one per clinic (default: one inside --out)."),
]
RecordOption = Annotated[bool, typer.Option("--record", help="Record the letters in your ledger (see `optout ledger`).")]
TodayOption = Annotated[str | None, typer.Option("--today", help="Judge due dates as on this day, YYYY-MM-DD (default: today).")]


def ledger_recorder(
    enabled: bool, ledger: Path | None, profile: Path, agent: Path | None, catalog: "Catalog"
) -> "Callable[[list[Letter]], None] | None":
    """`optout letter --record`: opens the ledger first (a damaged or foreign file stops the command before any letter
    is written), then records the letters as drafted. The ledger keeps the profile's path and hash, not its facts."""
    if not enabled:
        return None
    from .ledger import file_source, letter_entry, open_ledger

    opened = open_ledger(ledger)
    source = file_source("profile", profile, agent)

    def record(letters: "list[Letter]") -> None:
        with opened:
            added = opened.add_requests([letter_entry(letter, catalog, source) for letter in letters])
        typer.echo(f"Recorded {added} letter(s) in the ledger {opened.path}; when you send one: optout ledger mark REF sent",
                   err=True)

    return record


def _views(ledger_path: Path | None, today: dt.date):
    from .catalog import default_catalog
    from .ledger import open_ledger, views

    catalog = default_catalog()
    with open_ledger(ledger_path, create=False) as ledger:
        return views(ledger, catalog, today), catalog


@ledger_app.command("list")
@friendly_errors
def ledger_list(
    due_within: Annotated[int | None, typer.Option("--due-within", min=0, help="Only what falls due within DAYS days.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only requests past their due date.")] = False,
    client: Annotated[str | None, typer.Option("--client", help="Only this client's requests (batches).")] = None,
    broker: Annotated[str | None, typer.Option("--broker", help="Only requests to this broker id.")] = None,
    ledger: LedgerOption = None,
    today: TodayOption = None,
    json_output: JsonOption = False,
) -> None:
    """List requests with their status and due dates."""
    from .ledger.export import summary

    day = parse_date(today)
    found, _ = _views(ledger, day)
    if overdue:
        found = [v for v in found if v.overdue]
    if due_within is not None:
        found = [v for v in found if v.next_due is not None and v.next_due <= day + dt.timedelta(days=due_within)]
    if client is not None:
        found = [v for v in found if v.request.client_id == client]
    if broker is not None:
        found = [v for v in found if v.request.broker_id == broker]
    if json_output:
        print_json([summary(v) for v in found])
        return
    for item in found:
        due = f"due {item.due_on.isoformat()}" if item.due_on else "no legal clock"
        flag = "  OVERDUE" if item.overdue else ""
        who = f"{item.request.client_id:12} " if item.request.client_id else ""
        typer.echo(f"{item.reference:24} {who}{item.request.broker_id:36} {item.request.stage.value:10} "
                   f"{item.status.value:12} {due}{flag}")
    typer.echo(f"{len(found)} request(s)", err=True)


@ledger_app.command("mark")
@friendly_errors
def ledger_mark(
    reference: Annotated[str, typer.Argument(help="The letter's reference (OPT-...), as `optout ledger list` shows it.")],
    event: Annotated[
        str,
        typer.Argument(help="What happened: sent, acknowledged, extended, completed, partial, denied, no-response."),
    ],
    on: Annotated[str | None, typer.Option("--on", help="When it happened, YYYY-MM-DD (default: today).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note to keep with the event.")] = None,
    attach: Annotated[Path | None, typer.Option("--attach", help="A file to keep with it (e.g. the broker's reply).")] = None,
    channel: Annotated[str | None, typer.Option("--channel", help="How it was sent or answered: postal, email, ...")] = None,
    tracking: Annotated[
        str | None, typer.Option("--tracking", help="Certified-mail number, email message id or form confirmation.")
    ] = None,
    ledger: LedgerOption = None,
    today: TodayOption = None,
    json_output: JsonOption = False,
) -> None:
    """Record what happened to a request, dated, with an optional note and attached file."""
    from pydantic import ValidationError

    from .ledger import EventKind, Mark, mark, open_ledger

    day = parse_date(today)
    kinds = [k.value for k in EventKind if k is not EventKind.DRAFTED]
    if event not in kinds:
        raise InputError(f"'{event}' is not an event: choose from {', '.join(kinds)}")
    try:
        record = Mark(kind=EventKind(event), on=parse_date(on) if on else day, note=note, channel=channel, tracking=tracking)
    except ValidationError as exc:
        field = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise InputError(f"--{field}: {exc.errors()[0]['msg']}") from None
    with open_ledger(ledger, create=False) as opened:
        done = mark(opened, reference, record, day, attach)
    if json_output:
        print_json(done.model_dump(mode="json"))
        return
    typer.echo(f"{reference}: {done.kind.value} on {done.on.isoformat()}"
               + (f"; kept {attach} as {done.attachment.name} (SHA-256 {done.attachment.sha256})" if done.attachment else ""))


@ledger_app.command("next")
@friendly_errors
def ledger_next(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the letters (a folder per client for batches).")] = Path(
        "optout-next-letters"
    ),
    format: Annotated[str, typer.Option("--format", "-f", help="Comma-separated: pdf, eml, txt, html.")] = "pdf,eml,txt",
    profile: Annotated[Path | None, typer.Option("--profile", help="Your profile, if it moved since the letters.")] = None,
    clients: Annotated[Path | None, typer.Option("--clients", help="The clients CSV, if it moved since the batch.")] = None,
    agent: Annotated[Path | None, typer.Option("--agent", help="The agent file, if it moved or to use another.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say which letters would be written.")] = False,
    ledger: LedgerOption = None,
    today: TodayOption = None,
    json_output: JsonOption = False,
) -> None:
    """For each overdue or denied request, write the next letter (follow-up, appeal or complaint) and record it."""
    from .ledger import open_ledger, views
    from .ledger.nextstep import Overrides, plan, write_next
    from .output import write_letter
    from .render import parse_formats

    day = parse_date(today)
    formats = parse_formats(format)
    from .catalog import default_catalog

    catalog = default_catalog()
    overrides = Overrides(profile=profile, clients=clients, agent=agent)
    with open_ledger(ledger, create=False) as opened:
        current = views(opened, catalog, day)
        if dry_run:
            done = [step.model_dump(mode="json") for step, _, _ in plan(current, day)]
        else:
            done = write_next(opened, current, catalog, day, out, formats, overrides, write_letter)
    for notice in dict.fromkeys(overrides.notices):
        typer.echo(f"optout: {notice}", err=True)
    if json_output:
        print_json(done)
        return
    for item in done:
        written = f" {item['reference']}" if "reference" in item else ""
        typer.echo(f"{item['follows']} -> {item.get('kind') or item['stage']}{written} ({item['reason']})")
        for path in item.get("files", []):
            typer.echo(f"  {path}")
    typer.echo(f"{len(done)} letter(s) {'to write' if dry_run else 'written'}", err=True)


@ledger_app.command("export")
@friendly_errors
def ledger_export(
    ics: Annotated[bool, typer.Option("--ics", help="Calendar reminders (.ics) for every due date.")] = False,
    csv: Annotated[bool, typer.Option("--csv", help="A spreadsheet of every request (formula-safe CSV).")] = False,
    chronology: Annotated[
        str | None, typer.Option("--chronology", help="REFERENCE: a dated history of that request, as PDF and text.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="File for --ics/--csv (default: print it); folder for --chronology (default: .)."),
    ] = None,
    ledger: LedgerOption = None,
    today: TodayOption = None,
) -> None:
    """Export the ledger: --ics, --csv, or --chronology REF."""
    from .fsutil import atomic_write
    from .ledger.export import chronology_context, chronology_pdf, chronology_text, to_csv, to_ics
    from .ledger.records import REFERENCE
    from .output import ensure_private_dir

    if sum([ics, csv, chronology is not None]) != 1:
        raise fail("choose one of --ics, --csv or --chronology REF")
    day = parse_date(today)
    found, catalog = _views(ledger, day)
    if chronology is not None:
        if not REFERENCE.match(chronology):
            raise InputError(f"--chronology: '{chronology}' is not a reference (OPT-...)")
        context = chronology_context(found, chronology, catalog, day)
        folder = ensure_private_dir(out or Path("."))
        for suffix, data in (("txt", chronology_text(context)), ("pdf", chronology_pdf(context))):
            path = folder / f"chronology-{chronology}.{suffix}"
            atomic_write(path, data, 0o600)
            typer.echo(str(path))
        return
    data = to_ics(found, day) if ics else to_csv(found)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        atomic_write(out, data, 0o600)
        typer.echo(f"Wrote {out}", err=True)


@ledger_app.command("stats")
@friendly_errors
def ledger_stats(ledger: LedgerOption = None, today: TodayOption = None, json_output: JsonOption = False) -> None:
    """Requests by status, how many are overdue, median days to answer by broker (and by client for a clinic)."""
    from .ledger.export import stats

    found, _ = _views(ledger, parse_date(today))
    result = stats(found)
    if json_output:
        print_json(result)
        return
    typer.echo(f"{result['requests']} request(s), {result['overdue']} overdue, {result['answered']} answered")
    for status, count in result["by_status"].items():
        typer.echo(f"  {status:14} {count}")
    for broker, days in result["median_days_to_answer_by_broker"].items():
        typer.echo(f"  {broker:40} median {days:g} days to answer")
    for client, counts in result.get("by_client", {}).items():
        typer.echo(f"  client {client}: {counts['requests']} request(s), {counts['overdue']} overdue")
