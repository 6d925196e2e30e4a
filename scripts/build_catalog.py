#!/usr/bin/env python3
"""Build broker_catalog/brokers from the state registry files, newest and richest first.

The files and their order are the `snapshots` of optout/build/registries.yaml: CA 2026, CA 2025, Vermont (2025
consolidated extract, then the 2020 state-layout file), Texas, Oregon; then the `former` registries (the California
Attorney General's, as history). Each step merges records of one legal entity (optout/build/resolve.py). Running it
twice changes nothing. Curated records' facts are never modified; only their `aliases`/`former_ids` redirects.

    python scripts/build_catalog.py [REGISTRY_FOLDER] [--catalog DIR] [--dry-run]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from optout.build.catalog_report import catalog_stats, load_brokers  # noqa: E402
from optout.build.former import merge_former  # noqa: E402
from optout.build.importers import RegistryFormatError, read_registry  # noqa: E402
from optout.build.importers.consolidated import read_former  # noqa: E402
from optout.build.merge import MergeReport, merge  # noqa: E402
from optout.build.registries import parse_key, source_key, table  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    reports: list[MergeReport] = []
    for snapshot in table().snapshots:
        registry, year = parse_key(snapshot.key)
        path = args.registries / snapshot.file
        try:
            entries = read_registry(registry.value, path)
        except RegistryFormatError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        found = sorted({source_key(e.registry, e.year) for e in entries})
        if found != [snapshot.key]:
            print(
                f"error: {path}: registries.yaml calls it {snapshot.key}, but it reads as {', '.join(found) or 'no entries'}",
                file=sys.stderr,
            )
            return 2
        report = merge(entries, args.catalog, dry_run=args.dry_run)
        reports.append(report)
        print(summary_line(snapshot.file, report))
        for merged in report.merged:
            print(f"  merged {merged['old']} -> {merged['into']}: {merged['reason']}")
    for former in table().former:
        path = args.registries / former.file
        try:
            entries = read_former(path)
        except RegistryFormatError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        report = merge_former(entries, args.catalog, dry_run=args.dry_run)
        reports.append(report)
        print(summary_line(f"{former.file} (former registrants, {former.key})", report))
        for merged in report.merged:
            print(f"  merged {merged['old']} -> {merged['into']}: {merged['reason']}")
    print_checks(args.catalog, reports[0], args.dry_run)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "registries",
        nargs="?",
        type=Path,
        default=REPO.parent / "shared" / "registries",
        help="folder holding california/, vermont/, texas/, oregon/ (default: ../shared/registries)",
    )
    parser.add_argument("--catalog", type=Path, default=REPO / "broker_catalog", help="catalog folder (default: broker_catalog)")
    parser.add_argument(
        "--dry-run", action="store_true", help="report without writing (later steps then do not see earlier ones)"
    )
    return parser.parse_args(argv)


def summary_line(name: str, report: MergeReport) -> str:
    baseline = ", ".join(f"{k} vs {v or '-'}" for k, v in report.baseline.items())
    return (
        f"{name}: {report.entries} entries ({baseline}); added {len(report.added)}, removed {len(report.removed)}, "
        f"changed {len(report.changed)}, kept curated {len(report.kept_curated)}; files created {len(report.created)}, "
        f"written {len(report.written)}, deleted {len(report.deleted)}"
        + (f"; skipped {len(report.skipped)}" if report.skipped else "")
    )


def print_checks(catalog: Path, ca_2026: MergeReport, dry_run: bool) -> None:
    brokers, unreadable = load_brokers(catalog)
    ids = {b.id for b in brokers} | {former for b in brokers for former in b.former_ids}
    placed = {p.broker_id for p in ca_2026.placements}
    missing = sorted(placed - ids) if not dry_run else []
    stats = catalog_stats(catalog)
    print(
        f"CA 2026: {ca_2026.entries} rows -> {len(placed)} records, {len(placed) - len(missing)} present in the catalog"
        + (f"; MISSING {missing}" if missing else "")
    )
    print(f"distinct brokers: {stats['brokers']} (curated {stats['curated']}); unreadable files: {len(unreadable)}")
    print(f"merged records (redirects): {stats['merged_ids']}; former registrants only: {stats['former_only']}")
    print("unusable channels by reason: " + ", ".join(f"{k} {v}" for k, v in stats["unusable_channels"].items()))
    print("categories: " + ", ".join(f"{k} {v}" for k, v in stats["categories"].items()))
    channels = stats["channels"]
    print(
        f"usable channel: {channels['any_usable']}; email/webform/postal: {channels['letter_channel']} "
        f"(email {channels['email']}, webform {channels['webform']}, postal {channels['postal']})"
    )


if __name__ == "__main__":
    sys.exit(main())
