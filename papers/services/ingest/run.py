"""The entry point: every file, folder or URL of an import read, parsed and written as one ImportBatch."""
from __future__ import annotations

from typing import Callable, Iterable

from papers import importers
from papers.importers import bulkgc, reader
from papers.importers.paper_rows import EncodedPaper
from papers.importers.records import FileNote, ParseFailure, PaperRecord, TopicRecord
from papers.importers.sources import InputError, InputFile, expand
from papers.models import ImportBatch, RecordError
from papers.services import batches, bulk
from papers.services.ingest.batch import write_batch
from papers.services.ingest.bookkeeping import (
    Context, FileStats, IngestOptions, file_failure, finish, record_failure,
)
from papers.services.ingest.digest_placement import topic_upsert


def import_sources(
    targets: Iterable[str | InputFile],
    *,
    format: str | None = None,
    options: IngestOptions | None = None,
    started_by: str = "",
    user_agent: str = "Paperdesk",
    progress: Callable[[str, int], None] | None = None,
) -> ImportBatch:
    """Import every file, folder, URL (or ready InputFile) in ``targets`` as one ImportBatch."""
    with bulkgc.bulk_work():
        return _import_sources(targets, format=format, options=options or IngestOptions(), started_by=started_by,
                               user_agent=user_agent, progress=progress)


def _import_sources(targets, *, format, options: IngestOptions, started_by, user_agent, progress) -> ImportBatch:
    targets = list(targets)
    batches.import_batches_mark_interrupted()  # none stays "running" after its process died
    batch = ImportBatch.objects.create(
        source=" ".join(t.name if isinstance(t, InputFile) else t for t in targets)[:2000], format=format or "",
        started_by=started_by, dry_run=options.dry_run, **batches.this_process(),
    )
    ctx = Context(batch=batch, options=options)
    formats = set()
    for target in targets:
        try:
            files = [target] if isinstance(target, InputFile) else list(expand(target, user_agent=user_agent))
        except InputError as exc:
            files, error = [], exc
        else:
            error = None if files else InputError(target, "folder has no files")
        if error:
            stats = FileStats(file=target)
            file_failure(ctx, stats, error)
            ctx.batch.files = [*ctx.batch.files, stats.as_dict()]
        for file in files:
            stats = import_file(file, ctx=ctx, format=format, progress=progress)
            formats.add(stats.format)
    batch.format = format or ",".join(sorted(f for f in formats if f))
    finish(ctx)
    return batch


def import_file(file: InputFile, *, ctx: Context, format: str | None, progress=None) -> FileStats:
    """Parse one file (the format given, or detected) and write its records in batches; its counts."""
    stats = FileStats(file=file.name)
    pending: list[PaperRecord | EncodedPaper] = []
    error = None
    try:
        module = importers.get(format) if format else importers.detect(file)
        stats.format = ctx.current_format = module.FORMAT
        for item in reader.parsed(module, file, encode_papers=bulk.copies_rows()):
            if isinstance(item, ParseFailure):
                record_failure(ctx, stats, item.source, item.line, item.reason, item.arxiv_id)
            elif isinstance(item, FileNote):
                ctx.errors.append(RecordError(batch=ctx.batch, level=RecordError.Level.NOTE, file=item.source,
                                              line=item.line, reason=item.message))
            elif isinstance(item, TopicRecord):
                topic_upsert(ctx, item)
            else:
                pending.append(item)
                if len(pending) >= ctx.options.batch_size:
                    write_batch(ctx, stats, pending, progress)
                    pending = []
    except InputError as exc:  # the input ends here (a truncated file, say): what came before still lands
        error = exc
    if pending:
        write_batch(ctx, stats, pending, progress)
    if error:
        file_failure(ctx, stats, error)
    ctx.batch.files = [*ctx.batch.files, stats.as_dict()]
    return stats
