"""What one merge did (added, removed, changed, kept curated; files written), and its text for a person."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..errors import InputError


@dataclass
class Placement:
    source_key: str
    row: int
    name: str
    broker_id: str
    curated: bool = False


@dataclass
class MergeReport:
    """What one merge did. `added`/`removed`/`changed` compare against the baseline import of the same registry."""

    source_keys: list[str] = field(default_factory=list)
    baseline: dict[str, str | None] = field(default_factory=dict)
    entries: int = 0
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    kept_curated: list[str] = field(default_factory=list)
    superseded: dict[str, str] = field(default_factory=dict)
    merged: list[dict[str, str]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    dry_run: bool = False

    def to_dict(self, placements: bool = False) -> dict:
        data = asdict(self)
        if not placements:
            data.pop("placements")
        return data


class MergeError(InputError):
    """A merged record failed validation: a bug in the merge, never written to disk."""


def format_report(report: MergeReport) -> str:
    """The report as lines of text: counts, then what was added, removed, changed, kept and skipped."""
    lines = []
    for key in report.source_keys:
        baseline = report.baseline.get(key)
        lines.append(f"{key}: {report.entries} entries; compared with {baseline or 'nothing (first import of this registry)'}")
    lines.append(
        f"added {len(report.added)}, removed {len(report.removed)}, changed {len(report.changed)}, "
        f"kept curated {len(report.kept_curated)}"
    )
    verb = "would be" if report.dry_run else ""
    lines.append(
        f"files {verb} created {len(report.created)}, written {len(report.written)}, deleted {len(report.deleted)}".replace(
            "  ", " "
        )
    )
    has_baseline = any(report.baseline.values())
    if has_baseline and report.added:
        lines.append("added (not in the compared import): " + ", ".join(report.added))
    if report.removed:
        lines.append("removed (in the compared import, not in this one): " + ", ".join(report.removed))
    for rid, changes in report.changed.items():
        lines.append(f"changed {rid}: " + "; ".join(changes))
    if report.kept_curated:
        lines.append("kept curated: " + ", ".join(report.kept_curated))
    for old, curated in report.superseded.items():
        lines.append(f"superseded by curated record: {old} -> {curated}")
    if report.merged:
        lines.append(f"merged {len(report.merged)} record(s) into the record of the same legal entity:")
    lines += [f"  merged {m['old']} -> {m['into']} ({m['reason']})" for m in report.merged]
    lines += [f"skipped: {item}" for item in report.skipped]
    if report.dry_run:
        lines.append("dry run: nothing written")
    return "\n".join(lines)
