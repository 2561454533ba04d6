"""Bulk writes for the ingest: COPY on PostgreSQL, bulk_create elsewhere.

Django's ``bulk_create`` quotes every parameter (whole abstracts) into SQL text
in Python; PostgreSQL's COPY protocol streams rows instead and is several
times faster, which is what keeps a 100,000-record snapshot import near the
speed of a raw COPY (see ``bench/import_snapshot.py``).
"""
from __future__ import annotations

import struct
from collections.abc import Iterable
from contextlib import contextmanager
from itertools import chain

from django.db import DataError, IntegrityError, connection
from django.utils import timezone

from papers.importers import paper_rows
from papers.importers.paper_rows import EncodedPaper
from papers.importers.records import PaperRecord
from papers.models import Author, Authorship, Paper

# The COPYs are binary: both sides skip turning every value into text and back,
# which was a third of PostgreSQL's time loading papers.  The rows are made here
# (or, for a large file, already in the parsing process) by papers.importers.paper_rows.
PAPER_COPY = (f"COPY papers_paper (id, {', '.join(paper_rows.COLUMN_NAMES)}, topic_id, created_at, modified_at) "
              f"FROM STDIN (FORMAT BINARY)")
PAPER_FIELDS = struct.Struct(">hiq")  # a paper row's field count, then its id
AUTHORSHIP = struct.Struct(">hiqiqih")  # three fields: author id, paper id, position
LENGTH = struct.Struct(">i")
TWO_FIELDS = b"\x00\x02"
AUTHOR_STAGE = "paperdesk_author_stage"
SMALLINT_MAX = paper_rows.SMALLINT_MAX


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def copies_rows() -> bool:
    """Whether new papers go in as binary COPY rows (PostgreSQL), which a parsing process may make ahead."""
    return _postgres()


def relax_durability() -> None:
    """Let this transaction's commit return before its WAL reaches the disk.

    An import is re-runnable by design (upsert by arXiv id), so the worst a
    server crash can cost is re-running the last batches; waiting for an fsync
    per batch was a tenth of the import's time.  Only the current transaction
    is affected (SET LOCAL).
    """
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def insert_papers(papers: list[tuple[PaperRecord | EncodedPaper, int | None]]) -> list[int]:
    """Insert a new paper for each (record, topic id); returns their primary keys in order."""
    if not _postgres():
        made = Paper.objects.bulk_create([Paper(**_columns(record), topic_id=topic) for record, topic in papers])
        return [paper.pk for paper in made]
    with _refused_values():
        rows = [record.row if isinstance(record, EncodedPaper) else paper_rows.encode(record) for record, _ in papers]
        now = paper_rows.timestamp(timezone.now())
        ends = {topic: paper_rows.int8(topic) + now + now for topic in {topic for _, topic in papers}}
    with connection.cursor() as cursor:
        cursor.execute(  # the sequence's name is looked up once, not once per row
            "SELECT nextval(seq) FROM CAST(pg_get_serial_sequence('papers_paper', 'id') AS regclass) AS seq, "
            "generate_series(1, %s)", [len(papers)]
        )
        ids = [row[0] for row in cursor.fetchall()]
        data = bytearray(paper_rows.SIGNATURE)
        fields = len(paper_rows.COLUMNS) + 4  # id, the record's columns, topic, created, modified
        for pk, row, (_, topic) in zip(ids, rows, papers, strict=True):
            data += PAPER_FIELDS.pack(fields, 8, pk)
            data += row
            data += ends[topic]  # a row's last fields: its topic, created and modified
        data += paper_rows.TRAILER
        _copy(cursor, PAPER_COPY, data)
    return ids


def _columns(record: PaperRecord | EncodedPaper) -> dict:
    if isinstance(record, EncodedPaper):
        record = record.record()
    return dict(zip(paper_rows.COLUMN_NAMES, paper_rows.values(record)))


@contextmanager
def _refused_values():
    """A value refused while being encoded (wrong type, out of range) counts as the database refusing it.

    Text COPY left that check to PostgreSQL; binary COPY does it in Python.
    The ingest answers a DataError by retrying the batch record by record.
    """
    try:
        yield
    except (TypeError, ValueError, OverflowError, struct.error) as exc:
        raise DataError(f"a value does not fit its column: {exc}") from exc


def _copy(cursor, statement: str, data: bytes | bytearray) -> None:
    """Send a whole binary COPY (``data`` from its signature to its trailer); fail the way Django's queries do.

    COPY goes through psycopg's cursor, below Django, so its errors are
    psycopg's own: they are turned into Django's (a UniqueViolation into an
    IntegrityError), which the ingest catches and answers by retrying the
    batch record by record.
    """
    with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        copy.write(data)


def store_authors(names_by_slug: dict[str, str], known: dict[str, int]) -> set[int]:
    """Put the ids of these authors into ``known``, inserting the ones not stored yet.

    Returns the ids inserted.
    """
    if _postgres():
        found, inserted = _store_authors(names_by_slug)
        known.update(found)
        return inserted
    Author.objects.bulk_create(
        [Author(name=name, slug=slug) for slug, name in names_by_slug.items()], ignore_conflicts=True
    )
    known.update(Author.objects.filter(slug__in=list(names_by_slug)).values_list("slug", "id"))
    return set()  # which ones bulk_create inserted is unknown here: all are checked


def _store_authors(names_by_slug: dict[str, str]) -> tuple[list[tuple[str, int]], set[int]]:
    """(slug, id) of these authors, inserting the new ones; and the ids inserted.

    The names go in by COPY to a temporary table (passing them as array
    parameters cost more than the insert: psycopg quotes each item in
    Python).  New ones are inserted with DO NOTHING, because DO UPDATE would
    rewrite every existing row; the rest, stored by an earlier import or a
    concurrent one meanwhile, are looked up.
    """
    data = bytearray(paper_rows.SIGNATURE)
    length = LENGTH.pack
    with _refused_values():
        for slug, name in names_by_slug.items():
            slug_data, name_data = slug.encode(), name.encode()
            data += TWO_FIELDS
            data += length(len(name_data))
            data += name_data
            data += length(len(slug_data))
            data += slug_data
    data += paper_rows.TRAILER
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {AUTHOR_STAGE} (name text, slug text)")
        _copy(cursor, f"COPY {AUTHOR_STAGE} (name, slug) FROM STDIN (FORMAT BINARY)", data)
        cursor.execute(  # in slug order: two imports adding the same authors wait instead of deadlocking
            f"INSERT INTO papers_author (name, slug) SELECT name, slug FROM {AUTHOR_STAGE} ORDER BY slug "
            f"ON CONFLICT (slug) DO NOTHING RETURNING slug, id"
        )
        found = cursor.fetchall()
        inserted = {pk for _, pk in found}
        if len(found) < len(names_by_slug):
            cursor.execute(
                f"SELECT a.slug, a.id FROM {AUTHOR_STAGE} s JOIN papers_author a ON a.slug = s.slug"
            )
            found = cursor.fetchall()
        # Emptied for the next batch, in this transaction or not; TRUNCATE, because nothing
        # vacuums a temporary table and deleted rows would pile up for the whole session.
        cursor.execute(f"TRUNCATE {AUTHOR_STAGE}")
    return found, inserted


def author_deletions() -> int | None:
    """Where the count of statements that deleted authors stands (migration 0032); None where nothing counts them."""
    if not _postgres():
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('papers_author_deletions') IS NOT NULL, "
                       "pg_sequence_last_value(to_regclass('papers_author_deletions'))")
        exists, count = cursor.fetchone()
    return (count or 0) if exists else None


def insert_authorships(author_lists: list[tuple[int, list[int]]], *, new_papers: Iterable[int] = (),
                       new_authors: Iterable[int] = (), deletions_seen: int | None = None) -> int | None:
    """Each (paper id, its author ids in order): the authorships, at positions 0, 1, 2 …

    The papers and authors must exist.  The table has no foreign-key
    constraints in the database (see the model), so the references are checked
    here, once per batch rather than once per row, except for ``new_papers``
    and ``new_authors``, which this transaction inserted, and for every author
    when no author has been deleted since :func:`author_deletions` said
    ``deletions_seen`` (the caller read their ids after that).  A broken one
    raises IntegrityError and the batch is retried record by record, as with
    any other database error.  Returns what :func:`author_deletions` says now.
    """
    longest = max((len(ids) for _, ids in author_lists), default=0)
    if not longest:
        return deletions_seen
    if longest - 1 > SMALLINT_MAX:  # binary COPY would wrap an out-of-range smallint around silently
        raise DataError(f"author position {longest - 1} is out of range (at most {SMALLINT_MAX})")
    if not _postgres():
        Authorship.objects.bulk_create([Authorship(paper_id=paper, author_id=author, position=position)
                                        for paper, ids in author_lists for position, author in enumerate(ids)])
    else:
        pack = AUTHORSHIP.pack
        with _refused_values():
            rows = [pack(3, 8, author, 8, paper, 2, position)
                    for paper, ids in author_lists for position, author in enumerate(ids)]
        # In author order, the author index takes each leaf page once a batch rather than at random (a
        # tenth of the table's load).  Every row starts with the same field header, then its author id
        # big-endian: sorting the rows' bytes sorts them by author, then paper (twice as fast as tuples).
        rows.sort()
        data = b"".join([paper_rows.SIGNATURE, *rows, paper_rows.TRAILER])
        with connection.cursor() as cursor:
            _copy(cursor, "COPY papers_authorship (author_id, paper_id, position) FROM STDIN (FORMAT BINARY)", data)
    missing_papers = _missing(Paper, {paper for paper, _ in author_lists}.difference(new_papers))
    deletions = author_deletions()
    if deletions is not None and deletions == deletions_seen:
        missing_authors = 0  # none deleted since their ids were read
    else:
        missing_authors = _missing(Author, set(chain.from_iterable(ids for _, ids in author_lists))
                                   .difference(new_authors))
    if missing_papers or missing_authors:
        raise IntegrityError(
            f"authorships refer to {missing_papers} missing papers and {missing_authors} missing authors"
        )
    return deletions


def _missing(model, ids: set[int]) -> int:
    """How many of ``ids`` have no row (an anti-join on PostgreSQL; chunks within SQLite's limit elsewhere)."""
    if not ids:
        return 0
    if _postgres():
        with connection.cursor() as cursor:
            # Ids travel as one comma-separated string: psycopg adapts a list one item at a
            # time in Python, which took longer than the lookup.
            cursor.execute(
                f"SELECT count(*) FROM unnest(string_to_array(%s, ',')::bigint[]) AS ref(id) "
                f"WHERE NOT EXISTS (SELECT FROM {model._meta.db_table} t WHERE t.id = ref.id)",
                [",".join(map(str, ids))],
            )
            return cursor.fetchone()[0]
    ids = list(ids)
    return len(ids) - sum(model.objects.filter(pk__in=ids[i:i + 500]).count() for i in range(0, len(ids), 500))

