"""One batch of records written in one transaction; a failed batch retried record by record."""
from __future__ import annotations

import copy
import logging

from django.db import DatabaseError, reset_queries, transaction

from papers.fixed_queries import one_of
from papers.importers.paper_rows import EncodedPaper
from papers.importers.records import PaperRecord
from papers.models import Paper
from papers.services import bulk, published_counts, search_index, versions
from papers.services.ingest.bookkeeping import (
    CREATED, UNCHANGED, UPDATED, Context, FileStats, record_failure, record_warning, save_progress,
)
from papers.services.ingest.digest_placement import digest_entry_upsert, topic_for
from papers.services.ingest.paper_upsert import add_tags, merge_paper, write_authors
from papers.services.ingest.states import States
from papers.services.ingest.summary_upsert import summary_upsert
from papers.topics import classify_topic

logger = logging.getLogger("papers.services.ingest")


class _DryRunRollback(Exception):
    pass


def write_batch(ctx: Context, stats: FileStats, records: list[PaperRecord | EncodedPaper], progress) -> None:
    """Write ``records`` in one transaction; if the database refuses it, again one record per savepoint."""
    records = _dedupe(ctx, stats, records)
    try:
        with transaction.atomic():
            bulk.relax_durability()
            outcomes = _upsert(ctx, records)
            if ctx.options.dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        ctx.forget_rolled_back()
    except DatabaseError as exc:
        # One line: the retry is how a batch recovers, not a crash. The traceback is for -v 2 (DEBUG).
        logger.warning("batch of %d records failed (%s); retrying record by record", len(records),
                       str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        logger.debug("the batch of %d records failed here:", len(records), exc_info=True)
        ctx.forget_rolled_back()
        outcomes = {}
        for record in records:
            try:
                with transaction.atomic():
                    outcomes.update(_upsert(ctx, [record]))
                    if ctx.options.dry_run:
                        raise _DryRunRollback
            except _DryRunRollback:
                ctx.forget_rolled_back()
            except DatabaseError as exc:
                ctx.forget_rolled_back()
                record_failure(ctx, stats, record.source, record.line, f"database rejected the record: {exc}".strip(), record.arxiv_id)
    for record in records:
        for warning in record.warnings:
            record_warning(ctx, record, warning)
        outcome = outcomes.get(record.arxiv_id)
        if outcome:
            setattr(stats, outcome, getattr(stats, outcome) + 1)
            setattr(ctx.batch, outcome, getattr(ctx.batch, outcome) + 1)
    ctx.batch.processed += len(records)
    save_progress(ctx)
    reset_queries()  # with DEBUG on, Django's query log would otherwise grow with the import
    if progress:
        progress(stats.file, len(records))


def _dedupe(ctx, stats, records: list[PaperRecord | EncodedPaper]) -> list[PaperRecord | EncodedPaper]:
    seen: dict[str, PaperRecord] = {}
    kept = []
    for record in records:
        if record.arxiv_id in seen:
            first = seen[record.arxiv_id]
            record_failure(
                ctx, stats, record.source, record.line,
                f"duplicate entry: {record.arxiv_id} already appears at line {first.line}", record.arxiv_id,
            )
            continue
        seen[record.arxiv_id] = record
        kept.append(record)
    return kept


def _upsert(ctx: Context, records: list[PaperRecord | EncodedPaper]) -> dict[str, str]:
    """Write one batch; returns arxiv_id → created/updated/unchanged.

    The published counts it changes (a published paper's new topic, authors or
    tags, entries it publishes) are written together at the end of the batch.
    """
    with published_counts.deferred():
        return _upsert_counted(ctx, records)


def _upsert_counted(ctx: Context, records: list[PaperRecord | EncodedPaper]) -> dict[str, str]:
    states = States()
    ids = [r.arxiv_id for r in records]
    existing = {p.arxiv_id: p for p in Paper.objects.filter(arxiv_id__in=one_of(ids, "text"))}
    paper_ids = {arxiv_id: paper.pk for arxiv_id, paper in existing.items()}
    # A record that arrived as a new paper's row is read whole where it is more than that.
    records = [r.record() if isinstance(r, EncodedPaper) and (r.arxiv_id in existing or ctx.options.auto_topic)
               else r for r in records]
    # A new version of a paper never imported here (arXiv's "replace" announcements) creates nothing.
    outcome: dict[str, str] = {r.arxiv_id: UNCHANGED for r in records if r.update_only and r.arxiv_id not in existing}
    records = [r for r in records if r.arxiv_id not in outcome]
    new_papers: list[tuple[PaperRecord | EncodedPaper, int | None]] = []
    changed_papers: dict[str, set[str]] = {}
    before: dict[int, Paper] = {}  # papers as they were, for those a record moves to a newer version
    for record in records:
        if ctx.options.auto_topic and not record.topic:
            record.topic = classify_topic(record.title, record.abstract)
        topic = topic_for(ctx, ctx.options.topic or record.topic)
        paper = existing.get(record.arxiv_id)
        if paper is None:
            new_papers.append((record, topic.pk if topic else None))
            outcome[record.arxiv_id] = CREATED
            continue
        if record.version is not None and (paper.version is None or record.version > paper.version):
            before[paper.pk] = copy.copy(paper)  # a new arXiv version: its text before goes into the history
        changed = merge_paper(paper, record)
        if topic and (paper.topic_id is None or ctx.options.topic) and paper.topic_id != topic.pk:
            paper.topic = topic
            changed.add("topic")
        outcome[record.arxiv_id] = UPDATED if changed else UNCHANGED
        if changed:
            changed_papers[record.arxiv_id] = changed
    if new_papers:
        for (record, _), pk in zip(new_papers, bulk.insert_papers(new_papers), strict=True):
            paper_ids[record.arxiv_id] = pk
    # Topics and author lists are written in bulk, past the model hooks: counted here for published papers.
    with published_counts.tracking([paper.pk for paper in existing.values()]):
        if changed_papers:
            fields = set().union(*changed_papers.values()) | {"modified_at"}
            Paper.objects.bulk_update([existing[i] for i in changed_papers], sorted(fields))
            versions.paper_versions_record(before=before, after=[existing[i] for i in changed_papers])

        created = {i for i, o in outcome.items() if o == CREATED}
        fresh = created | {i for i, fields in changed_papers.items() if "version" in fields}
        for arxiv_id in write_authors(ctx, paper_ids, records, fresh, created):
            if outcome[arxiv_id] == UNCHANGED:
                outcome[arxiv_id] = UPDATED
    for record in records:
        paper_id = paper_ids[record.arxiv_id]
        touched = False
        if record.tags:
            touched |= add_tags(existing.get(record.arxiv_id) or Paper(pk=paper_id), record.tags)
        if record.summary is not None:
            touched |= summary_upsert(ctx, states, paper_id, record)
        for ref in record.digests:
            touched |= digest_entry_upsert(ctx, states, paper_id, ref)
        if touched and outcome[record.arxiv_id] == UNCHANGED:
            outcome[record.arxiv_id] = UPDATED
    states.write(ctx)
    search_index.index_papers(
        [paper_ids[r.arxiv_id] for r in records if outcome[r.arxiv_id] != UNCHANGED and (r.summary or r.arxiv_id in changed_papers)]
    )
    return outcome
