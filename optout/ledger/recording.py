"""Putting letters into the ledger: `optout letter --record`, `optout batch`, and the letters `ledger next` writes."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from ..catalog import Catalog
from ..fsutil import make_private_dir
from ..legal import _delete_act_note
from ..models import BrokerRole, LawKind, Letter, RequestKind
from .records import LedgerRequest, Source, Stage
from .store import open_ledger

if TYPE_CHECKING:
    from ..batch import BatchSettings
    from ..clients import Intake

# A batch records its letters into a ledger inside its folder unless told to share one (`--ledger`).
BATCH_LEDGER_DIR = ".optout-ledger"
LEDGER_NAME = "ledger.sqlite"


def batch_ledger_path(out_dir: Path) -> Path:
    return Path(out_dir) / BATCH_LEDGER_DIR / LEDGER_NAME


def file_source(kind: str, path: Path, agent: Path | None = None) -> Source:
    """Where a letter's facts are: the file's absolute path and SHA-256, so a changed file is noticed later."""
    digest = lambda p: hashlib.sha256(Path(p).read_bytes()).hexdigest()  # noqa: E731
    return Source(
        kind=kind,
        path=str(Path(path).resolve()),
        sha256=digest(path),
        agent_path=str(Path(agent).resolve()) if agent else None,
        agent_sha256=digest(agent) if agent else None,
    )


def _renewal_law(letter: Letter, catalog: Catalog) -> str | None:
    """The Delete Act's law id where the engine pointed this request to DROP (its brokers must delete every 45 days)."""
    if not any(note.code == "drop" for note in letter.decision.notes):
        return None
    return _drop_law(catalog, letter.date)


def letter_entry(
    letter: Letter,
    catalog: Catalog,
    source: Source | None,
    client_id: str | None = None,
    stage: Stage = Stage.REQUEST,
    parent: str | None = None,
) -> LedgerRequest:
    decision = letter.decision
    return LedgerRequest(
        reference=letter.reference,
        stage=stage,
        parent=parent,
        client_id=client_id,
        broker_id=letter.broker_id,
        broker_name=letter.broker_name,
        request=decision.requested,
        letter_date=letter.date,
        laws=list(decision.laws),
        clock_applies=decision.clock_applies,
        renewal_law=_renewal_law(letter, catalog) if stage in (Stage.REQUEST, Stage.RE_REQUEST) else None,
        channel_kind=decision.channel.kind.value if decision.channel else None,
        channel_value=decision.channel.value if decision.channel else None,
        signer=letter.signer.value,
        source=source,
    )


def record_letters(ledger_path: Path | None, entries: list[LedgerRequest]) -> tuple[Path, int]:
    with open_ledger(ledger_path) as ledger:
        return ledger.path, ledger.add_requests(entries)


def _drop_law(catalog: Catalog, on) -> str | None:
    return next((law.id for law in catalog.laws.values() if law.kind is LawKind.DELETE_ACT and law.in_force(on)), None)


def batch_entries(rows: list[dict], intake: Intake, settings: BatchSettings, catalog: Catalog,
                  source: Source | None) -> list[LedgerRequest]:
    """One ledger entry per letter of a batch, from its manifest rows (the engine's laws, channel and signer)."""
    profiles = {client.client_id: client.profile for client in intake.clients}
    entries: dict[str, LedgerRequest] = {}
    for row in rows:
        reference = row.get("reference")
        if not reference or reference in entries:
            continue  # the manifest lists every file of a letter; one entry per letter
        broker = catalog.broker(row["broker_id"])
        renewal = None
        clock_applies = broker.role is not BrokerRole.SERVICE_PROVIDER  # as legal.decide sets it
        # The rule legal.decide applies when it points a deletion letter to DROP.
        if settings.request is RequestKind.DELETE and clock_applies and _delete_act_note(
            profiles[row["client_id"]], broker, settings.letter_date, catalog
        ):
            renewal = _drop_law(catalog, settings.letter_date)
        entries[reference] = LedgerRequest(
            reference=reference,
            client_id=row["client_id"],
            broker_id=row["broker_id"],
            broker_name=row["broker_name"],
            request=settings.request,
            letter_date=settings.letter_date,
            laws=[law for law in row["legal_basis"].split(";") if law],
            clock_applies=clock_applies,
            renewal_law=renewal,
            channel_kind=row["channel_kind"] or None,
            channel_value=row["channel_value"] or None,
            signer=row["signer"],
            source=source,
        )
    return list(entries.values())


def record_batch(ledger_path: Path | None, out_dir: Path, rows: list[dict], intake: Intake, settings: BatchSettings,
                 catalog: Catalog, source: Source | None) -> int:
    """Record a batch's letters as drafted: into `ledger_path`, or the ledger inside the batch folder."""
    if ledger_path is None:
        ledger_path = batch_ledger_path(out_dir)
        make_private_dir(ledger_path.parent, managed=True)  # a symlink planted in the batch folder is refused
    with open_ledger(ledger_path) as ledger:
        return ledger.add_requests(batch_entries(rows, intake, settings, catalog, source))
