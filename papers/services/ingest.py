"""The ingest service: normalized records in, upserted rows out.

Used by the ``import_papers`` command, the Celery fetch task and any admin
action alike.  The rules it keeps:

* Papers are keyed on the arXiv id: re-running an import changes nothing.
* A newer arXiv version updates a paper; an older one never downgrades it; a
  record of the same (or no) version only fills what is still empty, so two
  sources of the same paper never flip its fields back and forth.  The text a
  new version replaces is kept (``papers.services.versions``).
* Text an editor changed is never overwritten: a Summary field whose value
  differs from its Generation's (machine or source) text is kept, and the new
  source text is recorded as a new Generation beside it.
* Records are written in batches inside a transaction; if a batch fails, it is
  retried one record at a time, each in its own savepoint, so one bad record
  fails alone and nothing is left half-saved.
"""
from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import Callable, Iterable

from django.db import DatabaseError, reset_queries, transaction
from django.utils import timezone
from django.utils.text import slugify

from papers import importers
from papers.importers import bulkgc
from papers.services import page_versions, search_index
from papers.importers import reader
from papers.importers.records import DigestRef, FileNote, author_slug, ParseFailure, PaperRecord, TopicRecord
from papers.importers.sources import InputError, InputFile, expand
from papers.services import bulk, transitions, versions
from papers.services.summaries import machine_updates, merge_edited
from papers.topics import classify_topic
from papers.models import (
    Authorship, Digest, DigestEntry, Generation, ImportBatch, Paper, RecordError, Status, Summary, Topic, TopicAlias,
)

logger = logging.getLogger(__name__)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
IMPORT_ACTION = "import"  # how the audit log names a state set by an import
AUTHOR_CACHE_SIZE = 200_000  # author ids kept across batches (slug → id)
# Fields that a record of a newer version overwrites and any record may fill when empty.
PAPER_FIELDS = (
    "title", "abstract", "comments", "journal_ref", "doi", "license", "categories",
    "published", "updated", "code_url", "figures",
)


class _DryRunRollback(Exception):
    pass


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
class _Context:
    batch: ImportBatch
    options: IngestOptions
    topics: dict[str, Topic | None] = field(default_factory=dict)
    digests: dict[tuple, Digest] = field(default_factory=dict)
    author_ids: dict[str, int] = field(default_factory=dict)  # slug → id, across batches
    current_format: str = ""

    def forget_rolled_back(self) -> None:
        """Rows cached from a rolled-back transaction no longer exist."""
        self.topics.clear()
        self.digests.clear()
        self.author_ids.clear()
    errors: list[RecordError] = field(default_factory=list)


# --- entry point -------------------------------------------------------------

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
    batch = ImportBatch.objects.create(
        source=" ".join(t.name if isinstance(t, InputFile) else t for t in targets)[:2000], format=format or "",
        started_by=started_by, dry_run=options.dry_run,
    )
    ctx = _Context(batch=batch, options=options)
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
            _file_failure(ctx, stats, error)
            ctx.batch.files = [*ctx.batch.files, stats.as_dict()]
        for file in files:
            stats = import_file(file, ctx=ctx, format=format, progress=progress)
            formats.add(stats.format)
    batch.format = format or ",".join(sorted(f for f in formats if f))
    _finish(ctx)
    return batch


def import_file(file: InputFile, *, ctx: _Context, format: str | None, progress=None) -> FileStats:
    stats = FileStats(file=file.name)
    pending: list[PaperRecord] = []
    error = None
    try:
        module = importers.get(format) if format else importers.detect(file)
        stats.format = ctx.current_format = module.FORMAT
        for item in reader.parsed(module, file):
            if isinstance(item, ParseFailure):
                _record_failure(ctx, stats, item.source, item.line, item.reason, item.arxiv_id)
            elif isinstance(item, FileNote):
                ctx.errors.append(RecordError(batch=ctx.batch, level=RecordError.Level.NOTE, file=item.source,
                                              line=item.line, reason=item.message))
            elif isinstance(item, TopicRecord):
                _topic_upsert(ctx, item)
            else:
                pending.append(item)
                if len(pending) >= ctx.options.batch_size:
                    _write(ctx, stats, pending, progress)
                    pending = []
    except InputError as exc:  # the input ends here (a truncated file, say): what came before still lands
        error = exc
    if pending:
        _write(ctx, stats, pending, progress)
    if error:
        _file_failure(ctx, stats, error)
    ctx.batch.files = [*ctx.batch.files, stats.as_dict()]
    return stats


# --- batches -----------------------------------------------------------------

def _write(ctx: _Context, stats: FileStats, records: list[PaperRecord], progress) -> None:
    records = _dedupe(ctx, stats, records)
    try:
        with transaction.atomic():
            bulk.relax_durability()
            outcomes = _upsert(ctx, records)
            if ctx.options.dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        ctx.forget_rolled_back()
    except DatabaseError:
        logger.warning("batch of %d failed; retrying record by record", len(records), exc_info=True)
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
                _record_failure(ctx, stats, record.source, record.line, f"database rejected the record: {exc}".strip(), record.arxiv_id)
    for record in records:
        for warning in record.warnings:
            _record_warning(ctx, record, warning)
        outcome = outcomes.get(record.arxiv_id)
        if outcome:
            setattr(stats, outcome, getattr(stats, outcome) + 1)
            setattr(ctx.batch, outcome, getattr(ctx.batch, outcome) + 1)
    ctx.batch.processed += len(records)
    _save_progress(ctx)
    reset_queries()  # with DEBUG on, Django's query log would otherwise grow with the import
    if progress:
        progress(stats.file, len(records))


def _dedupe(ctx, stats, records: list[PaperRecord]) -> list[PaperRecord]:
    seen: dict[str, PaperRecord] = {}
    kept = []
    for record in records:
        if record.arxiv_id in seen:
            first = seen[record.arxiv_id]
            _record_failure(
                ctx, stats, record.source, record.line,
                f"duplicate entry: {record.arxiv_id} already appears at line {first.line}", record.arxiv_id,
            )
            continue
        seen[record.arxiv_id] = record
        kept.append(record)
    return kept


def _upsert(ctx: _Context, records: list[PaperRecord]) -> dict[str, str]:
    """Write one batch; returns arxiv_id → created/updated/unchanged."""
    states = _States()
    ids = [r.arxiv_id for r in records]
    existing = {p.arxiv_id: p for p in Paper.objects.filter(arxiv_id__in=bulk.one_of(ids, "text"))}
    paper_ids = {arxiv_id: paper.pk for arxiv_id, paper in existing.items()}
    # A new version of a paper never imported here (arXiv's "replace" announcements) creates nothing.
    outcome: dict[str, str] = {r.arxiv_id: UNCHANGED for r in records if r.update_only and r.arxiv_id not in existing}
    records = [r for r in records if r.arxiv_id not in outcome]
    new_rows: list[dict] = []
    changed_papers: dict[str, set[str]] = {}
    before: dict[int, Paper] = {}  # papers as they were, for those a record moves to a newer version
    for record in records:
        if ctx.options.auto_topic and not record.topic:
            record.topic = classify_topic(record.title, record.abstract)
        topic = _topic(ctx, ctx.options.topic or record.topic)
        paper = existing.get(record.arxiv_id)
        if paper is None:
            new_rows.append(_new_paper_row(record, topic))
            outcome[record.arxiv_id] = CREATED
            continue
        if record.version is not None and (paper.version is None or record.version > paper.version):
            before[paper.pk] = copy.copy(paper)  # a new arXiv version: its text before goes into the history
        changed = _merge_paper(paper, record)
        if topic and (paper.topic_id is None or ctx.options.topic) and paper.topic_id != topic.pk:
            paper.topic = topic
            changed.add("topic")
        outcome[record.arxiv_id] = UPDATED if changed else UNCHANGED
        if changed:
            changed_papers[record.arxiv_id] = changed
    if new_rows:
        for row, pk in zip(new_rows, bulk.insert_papers(new_rows), strict=True):
            paper_ids[row["arxiv_id"]] = pk
    if changed_papers:
        fields = set().union(*changed_papers.values()) | {"modified_at"}
        Paper.objects.bulk_update([existing[i] for i in changed_papers], sorted(fields))
        versions.paper_versions_record(before=before, after=[existing[i] for i in changed_papers])

    created = {i for i, o in outcome.items() if o == CREATED}
    fresh = created | {i for i, fields in changed_papers.items() if "version" in fields}
    for arxiv_id in _write_authors(ctx, paper_ids, records, fresh, created):
        if outcome[arxiv_id] == UNCHANGED:
            outcome[arxiv_id] = UPDATED
    for record in records:
        paper_id = paper_ids[record.arxiv_id]
        touched = False
        if record.tags:
            touched |= _add_tags(existing.get(record.arxiv_id) or Paper(pk=paper_id), record.tags)
        if record.summary is not None:
            touched |= _summary_upsert(ctx, states, paper_id, record)
        for ref in record.digests:
            touched |= _digest_entry_upsert(ctx, states, paper_id, ref)
        if touched and outcome[record.arxiv_id] == UNCHANGED:
            outcome[record.arxiv_id] = UPDATED
    states.write(ctx)
    search_index.index_papers(
        [paper_ids[r.arxiv_id] for r in records if outcome[r.arxiv_id] != UNCHANGED and (r.summary or r.arxiv_id in changed_papers)]
    )
    return outcome


def _new_paper_row(record: PaperRecord, topic: Topic | None) -> dict:
    """Column values of a new paper (plain data: building model instances costs more than writing them)."""
    row = {name: getattr(record, name) for name in PAPER_FIELDS}
    row.update(
        arxiv_id=record.arxiv_id, version=record.version, topic_id=topic.pk if topic else None,
        primary_category=record.categories[0] if record.categories else "",
    )
    return row


def _merge_paper(paper: Paper, record: PaperRecord) -> set[str]:
    newer = record.version is not None and (paper.version is None or record.version > paper.version)
    if record.version is not None and paper.version is not None and record.version < paper.version:
        return set()  # an older version never downgrades the paper
    changed = set()
    if newer:
        paper.version = record.version
        changed.add("version")
    for name in PAPER_FIELDS:
        value = getattr(record, name)
        if value and (newer or not getattr(paper, name)) and getattr(paper, name) != value:
            setattr(paper, name, value)
            changed.add(name)
    if "categories" in changed:
        paper.primary_category = paper.categories[0] if paper.categories else ""
        changed.add("primary_category")
    return changed


def _write_authors(ctx: _Context, papers: dict[str, int], records: list[PaperRecord], fresh: set[str],
                   created: set[str]) -> list[str]:
    """Author lists for new papers, newer versions, and papers that had none.

    ``fresh`` holds the ids created or moved to a newer version in this batch,
    ``created`` the ids created.  Returns the ids whose authors were set.
    """
    wanted = {r.arxiv_id: r.authors for r in records if r.authors}
    if not wanted:
        return []
    maybe_empty = [papers[i] for i in wanted if i not in fresh]
    has_authors = set(
        Authorship.objects.filter(paper_id__in=maybe_empty).values_list("paper_id", flat=True).distinct()
    ) if maybe_empty else set()
    to_set = {i: names for i, names in wanted.items() if i in fresh or papers[i] not in has_authors}
    if not to_set:
        return []
    by_id = {r.arxiv_id: r for r in records}
    known = ctx.author_ids
    if len(known) > AUTHOR_CACHE_SIZE:  # memory stays flat however many authors a snapshot has
        known.clear()
    slugs_of = {i: _author_slugs(by_id[i]) for i in to_set}
    missing = {slug: name for i in to_set for name, slug in zip(by_id[i].authors, slugs_of[i]) if slug not in known}
    new_authors = bulk.store_authors(missing, known) if missing else set()
    replaced = [papers[i] for i in to_set if i not in created]
    if replaced:
        Authorship.objects.filter(paper_id__in=replaced).delete()
    rows = []
    for arxiv_id in to_set:
        paper_id, slugs = papers[arxiv_id], slugs_of[arxiv_id]
        if len(set(slugs)) == len(slugs):
            rows += [(paper_id, known[slug], position) for position, slug in enumerate(slugs)]
            continue
        listed = set()  # the same person listed twice in one paper: the first place counts
        for position, slug in enumerate(slugs):
            if slug not in listed:
                listed.add(slug)
                rows.append((paper_id, known[slug], position))
    bulk.insert_authorships(rows, new_papers=[papers[i] for i in created], new_authors=new_authors)
    return list(to_set)


def _author_slugs(record: PaperRecord) -> list[str]:
    """The record's author slugs: filled where it was parsed, or made here for one that was not."""
    if len(record.author_slugs) == len(record.authors):
        return record.author_slugs
    return [author_slug(name) for name in record.authors]


def _add_tags(paper: Paper, tags: list[str]) -> bool:
    have = {t.lower() for t in paper.tags.names()}
    missing = [t for t in tags if t.lower() not in have]
    if missing:
        paper.tags.add(*missing)
    return bool(missing)


# --- workflow states -----------------------------------------------------------

@dataclass
class _States:
    """The states a batch sets (an export's, or published with ``--publish``), written together at its end.

    Entries and digests are created as drafts, like any other; their state is
    then set through ``papers.services.transitions``, in one bulk change per
    kind and state, so an import's states are audited like the desk's.
    """

    wanted: dict[tuple[type, str], list] = field(default_factory=dict)

    def set(self, obj: Summary | Digest, state: str) -> None:
        self.wanted.setdefault((type(obj), state), []).append(obj)

    def write(self, ctx: _Context) -> None:
        comment = f"import batch #{ctx.batch.pk}" + (f" ({ctx.batch.started_by})" if ctx.batch.started_by else "")
        for (_, state), objects in self.wanted.items():
            # The batch reindexes what it wrote, and the import invalidates the cached pages when it ends.
            transitions.state_change(objects=objects, action=IMPORT_ACTION, target=state, comment=comment,
                                     refresh_public=False)
        self.wanted.clear()


def _initial_state(ctx: _Context, given: str) -> str | None:
    """The state a new entry or digest takes, if not a draft: the source's, else published with ``--publish``."""
    state = given or (Status.PUBLISHED if ctx.options.publish else Status.DRAFT)
    return None if state == Status.DRAFT else state


# --- summaries ---------------------------------------------------------------

def _summary_upsert(ctx: _Context, states: _States, paper_id: int, record: PaperRecord) -> bool:
    incoming = record.summary
    given = {name: value for name, value in incoming.text_fields().items() if value}
    publish = ctx.options.publish
    summary = Summary.objects.filter(paper_id=paper_id).select_related("generation").first()
    if summary is None:
        summary = Summary(paper_id=paper_id, **given)
        summary.summary_language = incoming.summary_language
        summary.structured_html = incoming.structured_html
        _flag_untranslated(summary, incoming)
        summary.save()
        machine = incoming.machine if incoming.machine is not None else {**summary.text_values(), **given}
        summary.generation = _generation(ctx, summary, record, machine)
        summary.save(update_fields=["generation"])
        if state := _initial_state(ctx, incoming.status):
            states.set(summary, state)
        return True

    base = summary.generation.output if summary.generation_id else {}
    updates, kept = machine_updates(summary, base, given)
    if kept and incoming.machine is None:  # a new source text meets an editor's change: merge, or record the clash
        conflicts_before = dict(summary.merge_conflicts or {})
        updates.update(merge_edited(summary, base, given, kept))
        if summary.merge_conflicts != conflicts_before:
            updates["merge_conflicts"] = summary.merge_conflicts
    # The source's own text: what an export says the machine wrote, else what the source says.
    source_text = incoming.machine if incoming.machine is not None else given
    changed = bool(updates)
    changed |= _flag_untranslated(summary, incoming)
    if any(base.get(name) != value for name, value in source_text.items() if value):
        new_machine = {**{n: base.get(n, "") for n in summary.TEXT_FIELDS}, **source_text}
        summary.generation = _generation(ctx, summary, record, new_machine)
        changed = True
    for name, value in updates.items():
        setattr(summary, name, value)
    if incoming.structured_html and incoming.structured_html != summary.structured_html:
        summary.structured_html = incoming.structured_html
        changed = True
    if incoming.summary_language and not summary.summary_language:
        summary.summary_language = incoming.summary_language
        changed = True
    if changed:
        summary.save()
    if publish and summary.status != Status.PUBLISHED:
        states.set(summary, Status.PUBLISHED)
        changed = True
    return changed


def _flag_untranslated(summary: Summary, incoming) -> bool:
    """A source whose translation failed: the entry needs one (unless it has that text from elsewhere)."""
    missing = [name for name in incoming.untranslated if not getattr(summary, name)]
    if not missing or summary.machine_state == Summary.MachineState.NEEDS_TRANSLATION:
        return False
    labels = ", ".join(str(Summary._meta.get_field(name).verbose_name) for name in missing)
    summary.machine_state = Summary.MachineState.NEEDS_TRANSLATION
    summary.machine_note = f"the source's translation failed ({labels}: an error message or the English again); left empty"
    return True


def _generation(ctx: _Context, summary: Summary, record: PaperRecord, output: dict) -> Generation:
    return Generation.objects.create(
        summary=summary,
        kind=Generation.Kind.SOURCE,
        backend=ctx.current_format or "import",
        source=record.source,
        output=output,
        raw_output=record.raw,
    )


# --- topics and digests ------------------------------------------------------

def _topic(ctx: _Context, name: str | None) -> Topic | None:
    if not name:
        return None
    key = name.strip().lower()
    if key not in ctx.topics:
        alias = TopicAlias.objects.filter(name__iexact=key).select_related("topic").first()
        topic = alias.topic if alias else (
            Topic.objects.filter(slug__iexact=key).first()
            or Topic.objects.filter(name_zh__iexact=key).first()
            or Topic.objects.filter(name_en__iexact=key).first()
        )
        if topic is None:  # a new category is a new topic, never dropped; listed so editors can point it elsewhere
            slug = slugify(name, allow_unicode=True) or "topic"
            topic, _ = Topic.objects.get_or_create(slug=slug, defaults={"name_zh": name.strip(), "name_en": name.strip()})
            TopicAlias.objects.get_or_create(name=name.strip()[:100], defaults={"topic": topic})
        ctx.topics[key] = topic
    return ctx.topics[key]


def _topic_upsert(ctx: _Context, item: TopicRecord) -> None:
    if ctx.options.dry_run:
        return
    Topic.objects.update_or_create(
        slug=item.slug, defaults={"name_zh": item.name_zh, "name_en": item.name_en, "position": item.position}
    )


def _digest(ctx: _Context, states: _States, ref: DigestRef) -> tuple[Digest, bool]:
    topic = _topic(ctx, ctx.options.topic if ctx.options.topic and ref.topic else ref.topic)
    key = (ref.date, topic.pk if topic else None)
    created = False
    if key not in ctx.digests:
        digest = Digest.objects.filter(date=ref.date, topic=topic).first()
        if digest is None:
            digest = Digest.objects.create(date=ref.date, topic=topic, title=ref.title, description=ref.description)
            if state := _initial_state(ctx, ref.status):
                states.set(digest, state)
            created = True
        elif ctx.options.publish and digest.status != Status.PUBLISHED:
            states.set(digest, Status.PUBLISHED)
            created = True
        ctx.digests[key] = digest
    return ctx.digests[key], created


def _digest_entry_upsert(ctx: _Context, states: _States, paper_id: int, ref: DigestRef) -> bool:
    digest, changed = _digest(ctx, states, ref)
    entry = DigestEntry.objects.filter(digest=digest, paper_id=paper_id).first()
    if entry is None:
        DigestEntry.objects.create(digest=digest, paper_id=paper_id, position=ref.position)
        return True
    if entry.position != ref.position:
        entry.position = ref.position
        entry.save(update_fields=["position"])
        return True
    return changed


# --- bookkeeping -------------------------------------------------------------

def _record_failure(ctx, stats: FileStats, file: str, line, reason: str, arxiv_id: str = "") -> None:
    stats.failed += 1
    ctx.batch.failed += 1
    ctx.errors.append(RecordError(batch=ctx.batch, file=file, line=line, reason=reason, arxiv_id=arxiv_id or ""))
    logger.info("%s:%s: %s", file, line or "-", reason)


def _record_warning(ctx, record: PaperRecord, warning: str) -> None:
    ctx.errors.append(
        RecordError(batch=ctx.batch, level=RecordError.Level.WARNING, file=record.source, line=record.line,
                    arxiv_id=record.arxiv_id, reason=warning)
    )


def _file_failure(ctx, stats: FileStats, exc: InputError) -> None:
    _record_failure(ctx, stats, exc.source, exc.line, exc.reason)


def _save_progress(ctx: _Context) -> None:
    if ctx.errors:
        RecordError.objects.bulk_create(ctx.errors)
        ctx.errors = []
    ctx.batch.save(update_fields=["processed", "created", "updated", "unchanged", "failed", "files"])


def _finish(ctx: _Context) -> None:
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
