"""The `optout` command: parses arguments and calls the library; no legal logic lives here."""

# No `from __future__ import annotations` where commands are declared: typer evaluates string annotations twice at each start.

import os
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

# Only what declaring the commands needs is imported here: `optout --help` stays fast. Each command imports
# what it uses (the models, the catalog, Jinja2; WeasyPrint only when a PDF is made).
from . import __version__
from .batch_options import Executor, ExecutorOption, PacketOption, SchedulerOption, dask_scheduler
from .catalog_cli import catalog_app
from .cli_common import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_OUTPUT,
    JsonOption,
    describe_os_error,
    fail,
    friendly_errors,
    parse_date,
    print_json,
)
from .errors import InputError
from .help_cli import help_app
from .kinds import RequestKind
from .laws_cli import laws_app
from .ledger_cli import BatchLedgerOption, LedgerOption, RecordOption, ledger_app
from .render import FORMATS, parse_formats
from .reply_cli import complaint, reply_app
from .serve_cli import register as register_serve

app = typer.Typer(
    help="Write letters that make data brokers delete, stop selling, or show your personal data. "
    "optout never sends anything and never uses the network: you send the letters yourself. "
    "It is not a lawyer; see README for when to get one.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    # Never a pretty traceback, and never local variables (they hold names and addresses): see main().
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
)
brokers_app = typer.Typer(help="Look up data brokers in the catalog.", no_args_is_help=True)
profile_app = typer.Typer(help="Profiles: the facts a broker needs to find you.", no_args_is_help=True)
app.add_typer(brokers_app, name="brokers")
app.add_typer(laws_app, name="laws")
app.add_typer(profile_app, name="profile")
app.add_typer(catalog_app, name="catalog")
app.add_typer(reply_app, name="reply")  # replies, follow-ups and appeals (optout/reply_cli.py)
app.command("complaint")(complaint)
app.add_typer(ledger_app, name="ledger")
app.add_typer(help_app, name="help")
register_serve(app)


ProfileOption = Annotated[Path, typer.Option("--profile", "-p", help="Your profile (YAML). `optout profile example` prints one.")]
BrokerOption = Annotated[str, typer.Option("--broker", "-b", help="Broker id, as shown by `optout brokers list`.")]
BrokersOption = Annotated[
    list[str],
    typer.Option(
        "--broker",
        "-b",
        help="Broker id or selector (sold-to:federal-government, category:people-search, ...). "
        "Repeat, or separate with commas, for several brokers.",
    ),
]
RequestOption = Annotated[
    RequestKind,
    typer.Option("--request", "-r", help="What to ask for; `optout explain` says what each is for.", case_sensitive=False),
]
DETAIL_HELP = "correct, fcra-dispute: what is wrong and what it should say. Repeatable (default: the profile's corrections)."
DateOption = Annotated[str | None, typer.Option("--date", help="Letter date, YYYY-MM-DD (default: today).")]
DiscloseOption = Annotated[
    str,
    typer.Option(
        "--disclose",
        help="Which of your details letters carry: 'minimal' (only what each broker finds people by), 'all' (every "
        "detail in the profile), or details to add, e.g. phone,birth-date. `optout help identifiers` explains.",
    ),
]


@app.command()
@friendly_errors
def letter(
    profile: ProfileOption,
    broker: BrokersOption,
    request: RequestOption = RequestKind.DELETE,
    format: Annotated[str, typer.Option("--format", "-f", help=f"Comma-separated: {', '.join(FORMATS)}.")] = "pdf,eml,txt",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the files (created, private).")] = Path("optout-letters"),
    date: DateOption = None,
    agent: Annotated[
        Path | None, typer.Option("--agent", help="Authorized agent file (YAML), to write on someone's behalf.")
    ] = None,
    detail: Annotated[list[str], typer.Option("--detail", help=DETAIL_HELP)] = [],
    disclose: DiscloseOption = "minimal",
    json_output: JsonOption = False,
    record_in_ledger: RecordOption = False,
    ledger: LedgerOption = None,
) -> None:
    """Write a letter to each broker named, in the formats you choose."""
    from .catalog import default_catalog
    from .disclosure import DiscloseChoice, disclosure_summary
    from .ledger_cli import ledger_recorder
    from .letters import compose
    from .output import write_letter
    from .profiles import load_agent, load_profile
    from .query import decision_summary, merged_ids, select_brokers

    choice = DiscloseChoice.parse(disclose)
    formats = parse_formats(format)
    person = load_profile(profile)
    agent_record = load_agent(agent) if agent else None
    letter_date = parse_date(date)
    catalog = default_catalog()
    brokers = select_brokers(",".join(broker), catalog)
    for old, new in merged_ids(",".join(broker), catalog):
        typer.echo(f"'{old}' was merged into '{new}' (the same legal entity, spelled another way): writing to {new}.", err=True)
    written = []
    recorder = ledger_recorder(record_in_ledger, ledger, profile, agent, catalog)
    for record in brokers:
        composed = compose(
            person, record, request, letter_date, catalog, agent=agent_record, details=detail, disclose=choice
        )
        written.append((composed, write_letter(composed, formats, out)))
    if recorder:
        recorder([c for c, _ in written])
    if json_output:
        print_json(
            [
                {
                    "reference": c.reference,
                    "broker_id": c.broker_id,
                    "files": [str(p) for p in paths],
                    **decision_summary(c.decision),
                    "discloses": disclosure_summary(c.discloses, catalog),
                }
                for c, paths in written
            ]
        )
        return
    for composed, paths in written:
        typer.echo(f"Wrote {len(paths)} file(s) for {composed.broker_name} (reference {composed.reference}):")
        for path in paths:
            typer.echo(f"  {path}")
        _print_next_steps(composed)


def _print_next_steps(composed) -> None:
    from .templating import render_text
    decision = composed.decision
    typer.echo(
        render_text(
            "cli/next-steps.txt.j2",
            channel=decision.channel,
            due_date=decision.due_date,
            notes=composed.notes,
            agent_signs=composed.agent is not None,
            person=composed.person_name,
        )
    )


@app.command()
@friendly_errors
def explain(
    profile: ProfileOption,
    broker: BrokerOption,
    request: RequestOption = RequestKind.DELETE,
    date: DateOption = None,
    disclose: DiscloseOption = "minimal",
    json_output: JsonOption = False,
) -> None:
    """Show which law applies, which rights the letter invokes, the channel, the due date, and which of your
    details the letter discloses, and why."""
    from .catalog import default_catalog
    from .disclosure import DiscloseChoice, disclosure_summary, plan_disclosure, with_disclosure_notes
    from .legal import decide
    from .profiles import load_profile
    from .query import decision_summary
    from .request_kinds import request_guide
    from .templating import day_phrase, render_text

    person = load_profile(profile)
    catalog = default_catalog()
    record = catalog.broker(broker)
    decision = decide(person, record, request, parse_date(date), catalog)
    disclosure = plan_disclosure(person, record, decision, catalog, DiscloseChoice.parse(disclose))
    decision = with_disclosure_notes(decision, disclosure, record, catalog)
    summary = decision_summary(decision, record) | {"discloses": disclosure_summary(disclosure.items, catalog)}
    if json_output:
        print_json(summary | {"guide": request_guide(summary["requested"])})
        return
    typer.echo(f"Broker: {record.name} ({record.id})")
    typer.echo(
        f"Request: {summary['request']}"
        + ("" if summary["request"] == summary["requested"] else f" (you asked for {summary['requested']})")
    )
    typer.echo("Laws: " + "; ".join(f"{i} ({catalog.law(i).name}, {catalog.law(i).citation})" for i in summary["laws"]))
    for right in decision.rights:
        typer.echo(f"  {right.right.value}: {right.section} ({right.law_short_name})")
    channel = summary["channel"]
    typer.echo(f"Channel: {channel['kind']} {channel['value']}" if channel else "Channel: none known")
    if channel and channel.get("reason"):
        typer.echo(f"  why: {channel['reason']}")
    for deadline in decision.deadlines:
        label = "Due" if deadline.part == "request" else "Opt-outs due"
        if not decision.clock_applies:
            label += " (binds the business it serves, not this service provider)"
        typer.echo(
            f"{label}: {deadline.due_date.isoformat()} ({day_phrase(deadline.days, deadline.day_kind)}, {deadline.section})"
        )
    typer.echo(render_text("cli/discloses.txt.j2", discloses=summary["discloses"]))
    for note in summary["notes"]:
        typer.echo(f"Note: {note}")
    typer.echo(render_text("cli/request-guide.txt.j2", request=summary["requested"]))


@brokers_app.command("list")
@friendly_errors
def brokers_list(
    selector: Annotated[
        str | None,
        typer.Argument(
            help="Brokers as `letter -b` and `batch --brokers` name them: ids and "
            "selectors, ',' for either, '+' for both, e.g. sold-to:law-enforcement+collects:precise-geolocation,spokeo."
        ),
    ] = None,
    sold_to: Annotated[
        list[str],
        typer.Option(
            "--sold-to", help="federal-government, state-government, law-enforcement, foreign-actor, genai-developer. Repeatable."
        ),
    ] = [],
    collects: Annotated[
        list[str], typer.Option("--collects", help="E.g. precise-geolocation, biometric, citizenship-immigration. Repeatable.")
    ] = [],
    registered: Annotated[
        list[str], typer.Option("--registered", help="Registered in this state's broker registry: CA, VT, TX, OR.")
    ] = [],
    category: Annotated[list[str], typer.Option("--category", help="E.g. people-search, consumer-reporting, location.")] = [],
    search: Annotated[str | None, typer.Option("--search", help="Text in the id, name, brands or parent.")] = None,
    json_output: JsonOption = False,
) -> None:
    """List brokers, optionally filtered."""
    from .catalog import channel_kinds, default_catalog

    if selector or sold_to or collects or registered or category or search or json_output:
        from .query import BrokerFilter, broker_summary, filter_brokers, select_brokers

        criteria = BrokerFilter(sold_to=sold_to, collects=collects, registered=registered, categories=category, search=search)
        catalog = default_catalog()
        # SELECTOR is the grammar of `letter -b` and `batch --brokers`; the flags narrow what it selects.
        pool = {b.id: b for b in select_brokers(selector, catalog)} if selector else catalog.brokers
        found = filter_brokers(pool, criteria)
        if json_output:
            print_json([broker_summary(b) for b in found])
            return
        rows = [(b.id, b.name, channel_kinds(b)) for b in found]
    else:
        rows = default_catalog().broker_listing()  # every broker, without validating each record
    for broker_id, name, kinds in rows:
        typer.echo(f"{broker_id:40} {name}  [{kinds or 'no channel'}]")
    typer.echo(f"{len(rows)} broker(s)", err=True)


@brokers_app.command("show")
@friendly_errors
def brokers_show(broker_id: Annotated[str, typer.Argument(help="Broker id.")], json_output: JsonOption = False) -> None:
    """Show one broker: names, channels, registrations, disclosures and sources."""
    from .catalog import default_catalog
    from .query import broker_summary

    summary = broker_summary(default_catalog().broker(broker_id), requested_id=broker_id)
    if json_output:
        print_json(summary)
        return
    typer.echo(f"{summary['name']} ({summary['id']})")
    if summary["merged_from"]:
        typer.echo(f"('{broker_id}' was merged into this record: the same legal entity, spelled another way)")
    if summary["brands"]:
        typer.echo("Also: " + ", ".join(summary["brands"]))
    for channel in summary["channels"]:
        mark = " (privacy notice: last resort)" if channel["problem"] else " (its own request route)" if channel["route"] else ""
        typer.echo(f"  {channel['kind']:8} {channel['value'].replace(chr(10), ', ')}{mark}  [source: {channel['source']}]")
    for kind, choice in summary["chosen_channels"].items():
        typer.echo(f"  {kind} requests go to: {choice['kind'] or 'none'} ({choice['reason']})")
    for key in ("registrations", "sold_to", "collects", "regulated_by", "categories"):
        if summary[key]:
            items = [f"{r['state']} {r['year']}" for r in summary[key]] if key == "registrations" else summary[key]
            typer.echo(f"{key.replace('_', ' ').capitalize()}: {', '.join(items)}")
    for key, source in summary["sources"].items():
        typer.echo(f"  [{key}] {source['title']}" + (f" <{source['url']}>" if source.get("url") else ""))


@profile_app.command("example")
def profile_example() -> None:
    """Print a valid example profile to start from."""
    from .profiles import EXAMPLE_PROFILE
    typer.echo(EXAMPLE_PROFILE, nl=False)


@profile_app.command("check")
@friendly_errors
def profile_check(path: Annotated[Path, typer.Argument(help="Profile file to check.")]) -> None:
    """Check a profile file and say what is wrong with it, if anything."""
    from .profiles import load_profile
    person = load_profile(path)
    typer.echo(f"{path}: OK ({person.full_name}, {person.residence_state or person.residence_country})")


@app.command(epilog="Run `optout batch template` for the CSV header and an example row.")
@friendly_errors
def batch(
    clients: Annotated[
        str, typer.Argument(help="Clients CSV (UTF-8), or the word 'template' to print its header and an example row.")
    ],
    brokers: Annotated[
        str,
        typer.Option(
            "--brokers",
            help="Broker ids and selectors, comma = union, + = both: all, sold-to:federal-government, "
            "collects:precise-geolocation, category:people-search, registered:CA.",
        ),
    ] = "sold-to:federal-government,sold-to:law-enforcement",
    request: RequestOption = RequestKind.DELETE,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder: one private folder per client, manifest.csv, errors.csv.")
    ] = Path("optout-batch"),
    agent: Annotated[
        Path | None,
        typer.Option("--agent", help="The clinic as authorized agent (YAML); letters go out in its name where the law allows."),
    ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help=f"Comma-separated: {', '.join(FORMATS)}.")] = "pdf,eml,txt",
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: number of CPUs).")] = os.cpu_count()
    or 1,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Finish an interrupted run: skip letters whose files already match its journal. "
            "Refused if the CSV, agent file, catalog, --date, --format, --request or --brokers differ.",
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an earlier batch in --out: its files are listed, then removed.")
    ] = False,
    date: DateOption = None,
    disclose: DiscloseOption = "minimal",
    json_output: JsonOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    ledger: BatchLedgerOption = None,
    packet: PacketOption = True,
    executor: ExecutorOption = Executor.LOCAL,
    scheduler: SchedulerOption = None,
) -> None:
    """Letters for many clients to many brokers: a folder per client with a print-ready packet, plus an audit manifest."""
    from .batch import BatchSettings, RunInputs, run_batch, sha256_file, total_letters
    from .catalog import default_catalog
    from .clients import read_clients, template_csv
    from .disclosure import DiscloseChoice, table_for
    from .ledger import file_source
    from .profiles import load_agent
    from .progress import batch_progress
    from .query import select_brokers
    from .templating import render_text

    if clients == "template":
        typer.echo(template_csv(), nl=False)
        return
    catalog = default_catalog()
    settings = BatchSettings(
        request=request,
        letter_date=parse_date(date),
        formats=tuple(parse_formats(format)),
        agent=load_agent(agent) if agent else None,
        disclose=DiscloseChoice.parse(disclose),
        packet=packet,
    )
    cluster = dask_scheduler(executor, scheduler)
    chosen = select_brokers(brokers, catalog)
    intake = read_clients(Path(clients), catalog)
    if resume and force:
        raise fail("--resume and --force: choose one (finish the same run, or replace it)")
    inputs = RunInputs(
        clients_sha256=intake.source_sha256,
        agent_sha256=sha256_file(agent) if agent else None,
        catalog_sha256=catalog.fingerprint,
        brokers=brokers,
    )
    for error in intake.errors:
        typer.echo(f"{clients}: line {error.row}: {error.column}: {error.reason}", err=True)
    with batch_progress(total_letters(intake, chosen), enabled=not quiet and not json_output) as advance:
        report = run_batch(
            intake,
            chosen,
            settings,
            out,
            jobs=jobs,
            resume=resume,
            progress=advance,
            force=force,
            inputs=inputs,
            notice=lambda message: typer.echo(f"optout: {message}", err=True),
            ledger=ledger,
            ledger_source=file_source("clients", Path(clients), agent),
            scheduler=cluster,
        )
    summary = {
        "out": str(report.out_dir),
        "clients": report.clients,
        "letters": report.letters,
        "files": report.files,
        "resumed_chunks": report.skipped_chunks,
        "manifest": str(report.manifest),
        "errors": [asdict(e) for e in report.errors],
        "errors_file": str(report.errors_file) if report.errors_file else None,
        "refused": [asdict(r) for r in report.refusals],
        "removed": report.removed,
        "disclosed": report.disclosed,
    }
    if json_output:
        print_json(summary)
    else:
        typer.echo(
            f"{report.letters} letters for {report.clients} clients in {report.out_dir}/ "
            f"({report.files} files; manifest: {report.manifest})."
        )
        typer.echo(render_text("cli/batch-disclosed.txt.j2", disclosed=report.disclosed, labels=table_for(catalog).labels))
        if report.refusals:
            typer.echo(
                f"{len(report.refusals)} letter(s) are for the client to sign and send, "
                "because the law lets no authorized agent make them:"
            )
            for refusal in report.refusals:
                typer.echo(f"  {refusal.client_id} -> {refusal.broker_id}: {refusal.reason}")
        if report.errors:
            typer.echo(
                f"{len({e.row for e in report.errors})} row(s) had errors and were skipped; see {report.errors_file}.", err=True
            )
    if report.errors:
        raise typer.Exit(code=1)


@app.command()
@friendly_errors
def example(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the example letters.")] = Path("optout-example"),
    date: DateOption = None,
) -> None:
    """Run the main job on built-in example data: a fictional person writes to government-facing brokers."""
    from .examples import run_example
    from .jurisdictions import us_state_name
    from .templating import render_text
    result = run_example(out, parse_date(date))
    typer.echo(render_text("cli/example.txt.j2", result=result, out=out, state_name=us_state_name(result.state)))


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"optout {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """optout: privacy-rights letters to data brokers."""


def main() -> None:
    """The `optout` command. Anything that escapes the commands' own handling is a bug: one line, exit 4.

    No traceback is printed (its local variables would hold names and addresses); OPTOUT_DEBUG=1 shows it.
    """
    try:
        app()
    except OSError as exc:
        raise SystemExit(fail(describe_os_error(exc), code=EXIT_OUTPUT).exit_code) from None
    except InputError as exc:
        raise SystemExit(fail(str(exc), code=EXIT_INPUT).exit_code) from None
    except Exception as exc:
        if os.environ.get("OPTOUT_DEBUG"):
            raise
        message = (
            f"internal error ({type(exc).__name__}); this is a bug in optout, please report it (OPTOUT_DEBUG=1 shows the details)"
        )
        raise SystemExit(fail(message, code=EXIT_INTERNAL).exit_code) from None


if __name__ == "__main__":
    main()
