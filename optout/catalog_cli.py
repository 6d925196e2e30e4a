"""`optout catalog ...`: import registry files, compare catalogs, show statistics, export the schema, validate.

This module only parses arguments and prints; the work happens in optout.build (importers, merge,
catalog_report) and optout.catalog. optout.build is imported inside the commands that use it, never at module
level: `optout letter` and the other letter commands load this module and must not load the build package or
its extra dependencies. Errors print one line on stderr and exit with code 2.
"""

# Annotations are evaluated where written, not kept as strings: see optout/cli.py.

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .cli_common import EXIT_OUTPUT, JsonOption, describe_os_error, print_json
from .cli_common import fail as shared_fail
from .errors import InputError
from .paths import PACKAGE_DIR, catalog_dir

catalog_app = typer.Typer(help="Build and check the broker catalog from state data broker registries.", no_args_is_help=True)


# The modules of the `build` extra (pyproject.toml): a command that needs one says to install the extra.
BUILD_EXTRA_MODULES = ("openpyxl", "phonenumbers", "email_validator", "tldextract")
BUILD_EXTRA_HINT = "pip install 'optout[build]'"


class SchemaKind(StrEnum):
    BROKER = "broker"
    LAW = "law"


CatalogOption = Annotated[
    Path | None,
    typer.Option("--catalog", help="Catalog folder (holding brokers/ and laws/). Default: the packaged broker_catalog."),
]


def fail(message: str) -> None:
    raise shared_fail(message)


@contextmanager
def clear_errors() -> Iterator[None]:
    """Turn expected failures into one line on stderr: exit code 2 for input, 3 for files that cannot be written."""
    try:
        yield
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in BUILD_EXTRA_MODULES:
            raise
        fail(f"this command needs the catalog-building extra ({exc.name} is not installed): {BUILD_EXTRA_HINT}")
    except OSError as exc:  # writing the catalog failed: disk full, read-only, permissions (exit 3)
        raise shared_fail(describe_os_error(exc), code=EXIT_OUTPUT) from None
    except InputError as exc:  # RegistryFormatError, CatalogError and MergeError are InputErrors
        fail(str(exc))


def _catalog(path: Path | None) -> Path:
    root = path if path is not None else catalog_dir()
    if not root.is_dir():
        # A mistyped --catalog must not silently start a new catalog.
        fail(f"{root}: no such folder")
    return root


def _import_target(path: Path | None) -> Path:
    """Where an import writes: --catalog, else ./broker_catalog of a checkout; never the installed package's catalog."""
    if path is not None:
        return _catalog(path)
    local = Path.cwd() / "broker_catalog"
    if not local.is_dir() or local.resolve().is_relative_to(PACKAGE_DIR):
        fail("no catalog to import into: pass --catalog DIR, or run in a checkout that has ./broker_catalog")
    return local


def _registry_kind(value: str) -> str:
    # Checked against registries.yaml here, not at import time, so the letter commands never read the table.
    from .build.registries import reader_choices

    if value.lower() not in reader_choices():
        raise typer.BadParameter(f"'{value}' is not a registry (choose from {', '.join(reader_choices())})")
    return value.lower()


def _registry_completion(incomplete: str) -> list[str]:
    from .build.registries import reader_choices

    return [choice for choice in reader_choices() if choice.startswith(incomplete.lower())]


# ---------------------------------------------------------------------------
# import


@catalog_app.command("import")
def import_command(
    registry: Annotated[
        str,
        typer.Argument(
            metavar="REGISTRY",
            parser=_registry_kind,
            autocompletion=_registry_completion,
            help="Which registry the file holds: its state code in lower case (ca, as in optout/build/registries.yaml), "
            "consolidated (every non-California registry in the PRC workbook), or ca-ag (the workbook's pre-CPPA California "
            "Attorney General rows, imported as former registrations).",
        ),
    ],
    file: Annotated[
        Path,
        typer.Argument(
            help="Registry file: CPPA CSV, Vermont state CSV, PRC workbook (.xlsx) or one of its per-state CSV extracts."
        ),
    ],
    catalog: Annotated[
        Path | None,
        typer.Option(
            "--catalog",
            help="Catalog folder to write (holding brokers/). Default: ./broker_catalog, when the current "
            "folder is a checkout that has one; the installed package's catalog is never written.",
        ),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            help="Registration year, when it cannot be told from the file (CA: detected from the layout; consolidated: 2025).",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would change without writing any file.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Import one registry file into the catalog and report added, removed, changed and kept-curated brokers."""
    with clear_errors():
        if not file.is_file():
            fail(f"{file}: no such file")
        target = _import_target(catalog)
        # Imported here: importers and merge are heavy and only this command needs them.
        from .build.former import FORMER_KEY, merge_former
        from .build.importers import read_registry
        from .build.merge import merge
        from .build.report import format_report

        entries = read_registry(registry, file, year)
        if registry == FORMER_KEY:
            report = merge_former(entries, target, dry_run=dry_run)
        else:
            with _progress(len(entries)) as tick:
                report = merge(entries, target, dry_run=dry_run, progress=tick)
    if as_json:
        print_json(report.to_dict())
    else:
        typer.echo(format_report(report))


@contextmanager
def _progress(total: int):
    # A bar only for a person at a terminal importing a real registry; tests and pipes get none.
    if total < 100 or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("merging", total=total)
        yield lambda done, _total: progress.update(task, completed=done)


# ---------------------------------------------------------------------------
# diff, stats, schema, validate


@catalog_app.command("diff")
def diff_command(
    old_dir: Annotated[Path, typer.Argument(help="The earlier catalog folder (or its brokers/ folder).")],
    new_dir: Annotated[Path, typer.Argument(help="The later catalog folder (or its brokers/ folder).")],
    as_json: JsonOption = False,
) -> None:
    """Show brokers added, removed and changed (field by field, channel by channel) between two catalogs."""
    with clear_errors():
        for folder in (old_dir, new_dir):
            if not folder.is_dir():
                fail(f"{folder}: no such folder")
        from .build.catalog_report import diff_catalogs

        diff = diff_catalogs(old_dir, new_dir)
    if as_json:
        print_json(diff.to_dict())
        return
    lines = [f"added {len(diff.added)}, removed {len(diff.removed)}, changed {len(diff.changed)}"]
    lines += [f"added: {rid}" for rid in diff.added]
    lines += [f"removed: {rid}" for rid in diff.removed]
    lines += [f"changed {rid}: " + "; ".join(changes) for rid, changes in diff.changed.items()]
    typer.echo("\n".join(lines))


@catalog_app.command("stats")
def stats_command(catalog: CatalogOption = None, as_json: JsonOption = False) -> None:
    """Count brokers by registry, usable channels, flags, categories, unusable channels by reason, suspected duplicates."""
    with clear_errors():
        from .build.catalog_report import catalog_stats

        stats = catalog_stats(_catalog(catalog))
    if as_json:
        print_json(stats)
        return
    lines = [f"brokers {stats['brokers']} (curated {stats['curated']}, families {stats['families']})"]
    lines.append(f"merged records (old ids kept as redirects) {stats['merged_ids']}; former registrants {stats['former_only']}")
    sections = ("by_registry", "by_source", "channels", "sold_to", "collects", "regulated_by", "categories", "unusable_channels")
    for title in sections:
        values = ", ".join(f"{k} {v}" for k, v in stats[title].items()) or "none"
        lines.append(f"{title}: {values}")
    duplicates = stats["suspected_duplicates"]
    lines.append(f"suspected duplicates (records sharing a website domain, not marked distinct): {len(duplicates)}")
    lines += [f"  {d['domain']}: {', '.join(d['unexplained'])}" for d in stats["suspected_duplicates"]]
    if stats["unreadable_files"]:
        lines.append("unreadable: " + ", ".join(stats["unreadable_files"]))
    typer.echo("\n".join(lines))


@catalog_app.command("schema")
def schema_command(
    kind: Annotated[SchemaKind, typer.Option("--kind", help="Which record shape: broker or law.")] = SchemaKind.BROKER,
) -> None:
    """Print the JSON Schema of catalog records, generated from optout.models."""
    from .models import Broker, Law  # here, not at the top: `optout --help` loads no models

    model = Broker if kind == SchemaKind.BROKER else Law
    print_json(model.model_json_schema())


@catalog_app.command("validate")
def validate_command(catalog: CatalogOption = None, as_json: JsonOption = False) -> None:
    """Check every broker and law file; print each problem as "file: field: message" and exit 1 if any."""
    from .catalog import validate_catalog

    with clear_errors():
        problems = validate_catalog(_catalog(catalog))
    if as_json:
        print_json([{"file": str(p.path), "field": p.field, "message": p.message} for p in problems])
    else:
        for problem in problems:
            typer.echo(str(problem))
        typer.echo(f"{len(problems)} problem(s)" if problems else "catalog is valid")
    if problems:
        raise typer.Exit(1)
