"""An import's bookkeeping: its options, per-file counts, per-record errors and warnings, progress and end state."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from papers.importers.author_numbers import AuthorTable
from papers.importers.records import PaperRecord
from papers.importers.sources import InputError
from papers.models import Digest, ImportBatch, RecordError, Topic
from papers.services import bulk, page_versions

logger = logging.getLogger("papers.services.ingest")

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class FileStats:
    file: str
    format: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0

    def as_dict(self) -> dict:
        return self.__dict__.copy()


@dataclass
class IngestOptions:
    publish: bool = False
    topic: str | None = None
    dry_run: bool = False
    batch_size: int = 2000
    auto_topic: bool = False  # classify papers that come without a topic (the arXiv fetch)


@dataclass
class Context:
    """One import's state across its files and batches: the ImportBatch, and the rows it has looked up."""

    batch: ImportBatch
    options: IngestOptions
    topics: dict[str, Topic | None] = field(default_factory=dict)
    digests: dict[tuple, Digest] = field(default_factory=dict)
    author_ids: dict[str, int] = field(default_factory=dict)  # name → id, across batches
    # The author ids of a parsing process's numbers (papers.importers.author_numbers), for its current table.
    numbered_ids: tuple[AuthorTable, list[int]] | None = None
    author_deletions: int | None = None  # bulk.author_deletions() from before the first of them was read
    current_format: str = ""
    errors: list[RecordError] = field(default_factory=list)  # written with the batch's progress

    def forget_rolled_back(self) -> None:
        """Rows cached from a rolled-back transaction no longer exist."""
        self.topics.clear()
        self.digests.clear()
        self.forget_author_ids()

    def forget_author_ids(self) -> None:
        self.author_ids.clear()
        self.numbered_ids = None


def record_failure(ctx, stats: FileStats, file: str, line, reason: str, arxiv_id: str = "") -> None:
    """Count a record that failed and keep where and why, to be written with the batch's progress."""
    stats.failed += 1
    ctx.batch.failed += 1
    ctx.errors.append(RecordError(batch=ctx.batch, file=file, line=line, reason=reason, arxiv_id=arxiv_id or ""))
    logger.info("%s:%s: %s", file, line or "-", reason)


def record_warning(ctx, record: PaperRecord, warning: str) -> None:
    ctx.errors.append(
        RecordError(batch=ctx.batch, level=RecordError.Level.WARNING, file=record.source, line=record.line,
                    arxiv_id=record.arxiv_id, reason=warning)
    )


def file_failure(ctx, stats: FileStats, exc: InputError) -> None:
    record_failure(ctx, stats, exc.source, exc.line, exc.reason)


def save_progress(ctx: Context) -> None:
    """Write the errors gathered so far and the counts, so a long import shows its progress as it goes.

    Without waiting for the disk, as the batch's own transaction does: after a
    crash the next run finds the batch interrupted and redoes what is lost.
    """
    with transaction.atomic():
        bulk.relax_durability()
        if ctx.errors:
            RecordError.objects.bulk_create(ctx.errors)
            ctx.errors = []
        ctx.batch.heartbeat_at = timezone.now()  # a sign of life: papers.services.batches
        ctx.batch.save(update_fields=["processed", "created", "updated", "unchanged", "failed", "files", "heartbeat_at"])


def finish(ctx: Context) -> None:
    """Close the batch (failed only if nothing got through); if it wrote anything, every public page goes stale."""
    batch = ctx.batch
    batch.finished_at = timezone.now()
    if batch.failed and not (batch.created or batch.updated or batch.unchanged):
        batch.state = ImportBatch.State.FAILED
    elif batch.failed:
        batch.state = ImportBatch.State.DONE_WITH_ERRORS
    else:
        batch.state = ImportBatch.State.DONE
    if ctx.errors:
        RecordError.objects.bulk_create(ctx.errors)
        ctx.errors = []
    batch.save()
    if (batch.created or batch.updated) and not batch.dry_run:
        page_versions.invalidate_everything()  # an import may touch any public page
