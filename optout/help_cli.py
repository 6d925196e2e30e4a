"""`optout help TOPIC`: guidance in plain words, in English or Spanish; the words live in templates/cli/."""

# Annotations are evaluated where written, not kept as strings: see optout/cli.py.

from typing import Annotated

import typer

from .cli_common import friendly_errors

help_app = typer.Typer(help="Guidance in plain words: what to put in your profile and why.", no_args_is_help=True)

LanguageOption = Annotated[str, typer.Option("--lang", help="en (English) or es (español).", case_sensitive=False)]


def guidance(topic: str, language: str = "en") -> str:
    """The text of templates/cli/<topic>.<language>.txt.j2."""
    from .templating import UNSHIELD, text_environment  # Jinja2 only when the guidance is shown

    language = language.lower()
    if language not in ("en", "es"):
        raise typer.BadParameter("choose en or es", param_hint="--lang")
    return text_environment().get_template(f"cli/{topic}.{language}.txt.j2").render().translate(UNSHIELD).strip() + "\n"


@help_app.command("identifiers")
@friendly_errors
def identifiers(lang: LanguageOption = "en") -> None:
    """Advertising IDs, license plates, listing addresses and face images: where to find them and why they help."""
    typer.echo(guidance("identifiers", lang), nl=False)
