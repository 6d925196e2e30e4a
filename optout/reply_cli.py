"""`optout reply` and `optout complaint`: the letters after the first, and reading a broker's answer.

    optout reply --to KIND --profile me.yaml --broker B --request delete --ref OPT-... --sent-on DATE [...]
    optout reply classify REPLY.eml|.txt
    optout reply explain [KIND]
    optout complaint --profile me.yaml --broker B --request delete --ref OPT-... --sent-on DATE [...]

The commands parse arguments and call optout.lifecycle and optout.replies; no legal logic lives here.
"""

# Annotations are evaluated where written, not kept as strings: see optout/cli.py.

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

# Registered on the app at start: only what declaring the options needs, so `optout --help` stays fast; each
# command imports the catalog, the models and the letters when it runs.
from .cli_common import JsonOption, friendly_errors, print_json
from .errors import InputError
from .kinds import RequestKind
from .render import FORMATS, parse_formats

if TYPE_CHECKING:
    from .models import Letter


class ReplyTo(StrEnum):
    NO_RESPONSE = "no-response"
    DENIAL = "denial"
    ID_DEMAND = "id-demand"
    USE_FORM = "use-form"
    NOT_RESIDENT = "not-resident"
    SERVICE_PROVIDER = "service-provider"
    PARTIAL = "partial"
    EXTENSION_NO_REASON = "extension-no-reason"


EXPLAINED = [k.value for k in ReplyTo] + ["complaint"]

reply_app = typer.Typer(
    help="Answer a broker's reply, or its silence: `optout reply --to KIND ...` writes the next letter; "
    "`optout reply classify FILE` reads the broker's answer and names the letter to send; "
    "`optout reply explain` says what each letter is for.",
    invoke_without_command=True,
)

ProfileOpt = Annotated[Path | None, typer.Option("--profile", "-p", help="Your profile (YAML).")]
BrokerOpt = Annotated[str | None, typer.Option("--broker", "-b", help="The broker's id, as in the first letter.")]
RequestOpt = Annotated[
    RequestKind, typer.Option("--request", "-r", help="What the first letter asked for.", case_sensitive=False)
]
RefOpt = Annotated[str | None, typer.Option("--ref", help="The first letter's reference (OPT-YYYYMMDD-XXXXXXXX).")]
SentOpt = Annotated[str | None, typer.Option("--sent-on", help="The day the first letter was sent, YYYY-MM-DD.")]
DueOpt = Annotated[
    str | None, typer.Option("--due-on", help="The answer's due date, if you know it better than optout (e.g. from receipt).")
]
ExtendedOpt = Annotated[str | None, typer.Option("--extended-to", help="The date the broker extended its deadline to.")]
DeniedOpt = Annotated[str | None, typer.Option("--denied-on", help="The day the broker refused (for --to denial).")]
ChannelOpt = Annotated[str | None, typer.Option("--channel", help='How the first letter was sent, e.g. "by email".')]
AgentOpt = Annotated[Path | None, typer.Option("--agent", help="Authorized agent file (YAML), as for the first letter.")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help=f"Comma-separated: {', '.join(FORMATS)}.")]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder for the files (created, private).")]
DateOpt = Annotated[str | None, typer.Option("--date", help="This letter's date, YYYY-MM-DD (default: today).")]


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: '{value}' is not a date in the form YYYY-MM-DD") from None


def _needed(**values) -> None:
    missing = [f"--{name.replace('_', '-')}" for name, value in values.items() if value is None]
    if missing:
        raise InputError(f"missing {', '.join(missing)}: the next letter needs the first letter's details")


def prior_letter(ref, broker, request, sent_on, *, due_on=None, extended_to=None, denied_on=None, answered_on=None, channel=None):
    """A PriorLetter from command-line values; a bad value is an InputError naming the option."""
    from .lifecycle import PriorLetter

    _needed(ref=ref, broker=broker, sent_on=sent_on)
    try:
        return PriorLetter(
            reference=ref,
            request=request,
            broker_id=broker,
            sent_on=_date(sent_on, "--sent-on"),
            due_on=_date(due_on, "--due-on"),
            extended_to=_date(extended_to, "--extended-to"),
            denied_on=_date(denied_on, "--denied-on"),
            answered_on=_date(answered_on, "--answered-on"),
            channel=channel,
        )
    except ValueError as exc:
        raise InputError(f"--ref/--broker/--channel: {' '.join(str(exc).split())}") from None


def _write(composed: "Letter", format: str, out: Path, json_output: bool) -> None:
    from .output import write_letter

    paths = write_letter(composed, parse_formats(format), out)
    if json_output:
        print_json({"reference": composed.reference, "broker_id": composed.broker_id, "title": composed.title,
                    "signer": composed.signer.value, "files": [str(p) for p in paths], "notes": composed.notes})
        return
    typer.echo(f"Wrote {len(paths)} file(s) for {composed.broker_name} (reference {composed.reference}):")
    for path in paths:
        typer.echo(f"  {path}")
    for note in composed.notes:
        typer.echo(f"Note: {note}")


@reply_app.callback()
@friendly_errors
def reply(
    ctx: typer.Context,
    to: Annotated[
        ReplyTo | None,
        typer.Option("--to", help="What you are answering: no-response (a follow-up), denial (an appeal), id-demand, "
                     "use-form, not-resident, service-provider, partial, extension-no-reason.", case_sensitive=False),
    ] = None,
    profile: ProfileOpt = None,
    broker: BrokerOpt = None,
    request: RequestOpt = RequestKind.DELETE,
    ref: RefOpt = None,
    sent_on: SentOpt = None,
    due_on: DueOpt = None,
    extended_to: ExtendedOpt = None,
    denied_on: DeniedOpt = None,
    replied_on: Annotated[str | None, typer.Option("--replied-on", help="The day of the broker's answer.")] = None,
    channel: ChannelOpt = None,
    missing: Annotated[str | None, typer.Option("--missing", help="For --to partial: what the broker left undone.")] = None,
    agent: AgentOpt = None,
    format: FormatOpt = "pdf,eml,txt",
    out: OutOpt = Path("optout-letters"),
    date: DateOpt = None,
    json_output: JsonOption = False,
) -> None:
    """Write the letter that answers a broker's reply (or its silence) to your first letter."""
    if ctx.invoked_subcommand is not None:
        return
    if to is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(code=2)
    from .catalog import default_catalog
    from .lifecycle import compose_appeal, compose_follow_up
    from .profiles import load_agent, load_profile

    _needed(profile=profile)
    assert profile is not None
    person = load_profile(profile)
    agent_record = load_agent(agent) if agent else None
    today = _date(date, "--date") or dt.date.today()
    prior = prior_letter(ref, broker, request, sent_on, due_on=due_on, extended_to=extended_to, denied_on=denied_on,
                         channel=channel)
    catalog = default_catalog()
    if to is ReplyTo.NO_RESPONSE:
        composed = compose_follow_up(catalog, person, prior, today=today, agent=agent_record)
    elif to is ReplyTo.DENIAL:
        composed = compose_appeal(catalog, person, prior, today=today, agent=agent_record)
    else:
        from .replies import ReplyKind, compose_reply

        composed = compose_reply(catalog, person, prior, ReplyKind(to.value), today=today,
                                 replied_on=_date(replied_on, "--replied-on"), agent=agent_record, missing=missing)
    _write(composed, format, out, json_output)


@reply_app.command("classify")
@friendly_errors
def classify(
    reply_file: Annotated[Path, typer.Argument(help="The broker's answer: an .eml file saved from your mail program, or text.")],
    json_output: JsonOption = False,
) -> None:
    """Read a broker's answer (offline) and say which kind it is, with the sentences that show it."""
    from .replies.classify import classify_file

    result = classify_file(reply_file)
    event = ledger_event_for(result.names)
    if json_output:
        print_json({"file": str(reply_file), **result.as_dict(), "ledger_event": event})
        return
    if not result.labels:
        typer.echo(f"{reply_file}: unclear: none of the known kinds of answer was recognised; read it yourself "
                   "(`optout reply explain` lists the replies optout can write).")
        return
    refs = ", ".join(result.references)
    typer.echo(f"{reply_file}: {', '.join(result.names)}" + (f" (mentions {refs})" if refs else ""))
    for finding in result.labels:
        typer.echo(f"  {finding.label} (confidence {finding.confidence:.2f}):")
        for sentence in finding.evidence[:3]:
            typer.echo(f'    "{sentence}"')
        if finding.next:
            command = finding.next.replace("REF", result.references[0]) if result.references else finding.next
            typer.echo(f"    next: {command}")
    if event:
        ref = result.references[0] if result.references else "REF"
        typer.echo(f"  record it: optout ledger mark {ref} {event} --attach {reply_file}")


# The ledger event a kind of answer proposes (issue 11: `reply classify` proposes the event), strongest first: a
# refusal outweighs the acknowledgement it came with. Answers that ask for something (an ID, the form) only
# acknowledge the request; one that says no law applies, or that it acts only for others, refuses it.
LEDGER_EVENTS = [
    ("denied", "denied"),
    ("not-resident", "denied"),
    ("service-provider", "denied"),
    ("partial", "partial"),
    ("completed", "completed"),
    ("extension-no-reason", "extended"),
    ("id-demand", "acknowledged"),
    ("use-form", "acknowledged"),
    ("acknowledged", "acknowledged"),
]


def ledger_event_for(kinds: list[str]) -> str | None:
    return next((event for kind, event in LEDGER_EVENTS if kind in kinds), None)


@reply_app.command("explain")
@friendly_errors
def explain(
    kind: Annotated[str | None, typer.Argument(help=f"One of: {', '.join(EXPLAINED)} (default: all).")] = None,
    profile: ProfileOpt = None,
    broker: BrokerOpt = None,
    request: RequestOpt = RequestKind.DELETE,
    sent_on: SentOpt = None,
) -> None:
    """What each later letter is for, when to send it and what to attach; with --profile and --broker, the law's basis."""
    from .templating import render_text

    if kind is not None and kind not in EXPLAINED:
        raise InputError(f"unknown kind '{kind}': choose from {', '.join(EXPLAINED)}")
    basis = None
    if profile is not None and broker is not None:
        from .catalog import default_catalog
        from .lifecycle import basis_for
        from .profiles import load_profile

        day = _date(sent_on, "--sent-on") or dt.date.today()
        basis = basis_for(default_catalog(), load_profile(profile), broker, request, day)
    typer.echo(render_text("cli/later-explain.txt.j2", kinds=[kind] if kind else EXPLAINED, basis=basis))


@friendly_errors
def complaint(
    profile: Annotated[Path, typer.Option("--profile", "-p", help="Your profile (YAML).")],
    broker: Annotated[str, typer.Option("--broker", "-b", help="The broker's id, as in the first letter.")],
    ref: Annotated[str, typer.Option("--ref", help="The first letter's reference.")],
    sent_on: Annotated[str, typer.Option("--sent-on", help="The day the first letter was sent, YYYY-MM-DD.")],
    request: RequestOpt = RequestKind.DELETE,
    due_on: DueOpt = None,
    extended_to: ExtendedOpt = None,
    denied_on: DeniedOpt = None,
    answered_on: Annotated[str | None, typer.Option("--answered-on", help="The day the broker answered, if it did.")] = None,
    channel: ChannelOpt = None,
    also: Annotated[
        list[str],
        typer.Option("--also", help="A later letter you sent: REF@YYYY-MM-DD, or REF@SENT@REFUSED for an appeal the "
                     "broker refused (e.g. APL-20261110-1A2B3C4D@2026-11-10@2026-12-01). Repeatable."),
    ] = [],  # noqa: B006 - Typer reads a repeatable option's empty start from the default
    agent: AgentOpt = None,
    format: FormatOpt = "pdf,eml,txt",
    out: OutOpt = Path("optout-letters"),
    date: DateOpt = None,
    json_output: JsonOption = False,
) -> None:
    """Draft a complaint to the regulator your law names, with the history of your request as a chronology."""
    from .catalog import default_catalog
    from .lifecycle import compose_complaint
    from .profiles import load_agent, load_profile

    person = load_profile(profile)
    agent_record = load_agent(agent) if agent else None
    today = _date(date, "--date") or dt.date.today()
    history = [prior_letter(ref, broker, request, sent_on, due_on=due_on, extended_to=extended_to, denied_on=denied_on,
                            answered_on=answered_on, channel=channel)]
    for item in also:
        parts = item.split("@")
        if len(parts) not in (2, 3):
            raise InputError(f"--also '{item}': write REF@YYYY-MM-DD or REF@SENT@REFUSED")
        history.append(prior_letter(parts[0], broker, request, parts[1], denied_on=parts[2] if len(parts) == 3 else None))
    composed = compose_complaint(default_catalog(), person, history, today=today, agent=agent_record)
    _write(composed, format, out, json_output)
