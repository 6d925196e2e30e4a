"""`optout laws list|show`: the privacy laws optout knows, with rights, sections, deadlines, appeal and regulator."""

# Annotations are evaluated where written, not kept as strings: see optout/cli.py.

from typing import Annotated

import typer

# Registered on the app at start: only Typer here, so `optout --help` stays fast; each command imports what it uses.
from .cli_common import JsonOption, friendly_errors, parse_date, print_json

laws_app = typer.Typer(help="Look up the privacy laws optout knows.", no_args_is_help=True)

OnOption = Annotated[
    str | None, typer.Option("--on", help="Judge which laws are in force on this date, YYYY-MM-DD (default: today).")
]


@laws_app.command("list")
@friendly_errors
def laws_list(on: OnOption = None, json_output: JsonOption = False) -> None:
    """List every law with whether it is in force on the date."""
    from .catalog import default_catalog
    from .query import law_status, law_summary

    day = parse_date(on)
    laws = sorted(default_catalog().laws.values(), key=lambda law: (law.jurisdiction, law.id))
    if json_output:
        print_json([law_summary(law, day) for law in laws])
        return
    for law in laws:
        status = law_status(law, day)
        future = status == "not_yet_effective" and law.effective
        label = f"takes effect {law.effective.isoformat()}" if future and law.effective else status.replace("_", " ")
        typer.echo(f"{law.jurisdiction:3} {law.id:30} {law.short_name:24} {label}")


@laws_app.command("show")
@friendly_errors
def laws_show(
    selector: Annotated[str, typer.Argument(help="A two-letter state (VA) or a law id (va-vcdpa).")],
    on: OnOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show a state's laws, or one law: rights with sections, deadlines, appeal and regulator."""
    from .catalog import default_catalog
    from .query import law_summary, laws_for
    from .templating import day_phrase

    day = parse_date(on)
    summaries = [law_summary(law, day) for law in laws_for(default_catalog().laws, selector)]
    if json_output:
        print_json(summaries[0] if len(summaries) == 1 else summaries)
        return
    for summary in summaries:
        typer.echo(f"{summary['name']} ({summary['short_name']}), {summary['citation']}")
        effective = f" (effective {summary['effective']})" if summary["effective"] else ""
        typer.echo(f"  {'In force' if summary['in_force'] else 'Not in force'} on {day.isoformat()}{effective}")
        for right, grant in summary["rights"].items():
            agent = "agent allowed" if grant["agent_allowed"] else "no agent"
            typer.echo(f"  {right}: {grant['section']} ({agent})")
        if summary["response"]:
            r = summary["response"]
            extension = (
                f", extendable by {day_phrase(r['extension_days'], 'month' if r['day_kind'] == 'month' else 'calendar')}"
                if r["extension_days"]
                else ""
            )
            typer.echo(f"  Response: {day_phrase(r['days'], r['day_kind'])}{extension}")
            if r["opt_out_days"]:
                typer.echo(f"  Opt-outs: {day_phrase(r['opt_out_days'], r['opt_out_day_kind'] or r['day_kind'])}")
        appeal = summary["appeal"]
        if appeal.get("available"):
            days = (
                f": decided within {day_phrase(appeal['days'], appeal.get('day_kind') or 'calendar')}"
                if appeal.get("days")
                else ""
            )
            typer.echo(f"  Appeal: yes{days}")
        if summary["notes"]:
            typer.echo(f"  Notes: {summary['notes']}")
