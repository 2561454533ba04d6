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
from operator import itemgetter

import orjson
from django.db import DataError, IntegrityError, connection
from django.db.models.expressions import RawSQL
from django.utils import timezone
from psycopg.types.json import set_json_dumps

from papers.models import Author, Authorship, Paper

# The COPYs are binary: both sides skip turning every value into text and back,
# which was a third of PostgreSQL's time loading papers.  So each column says
# its type (varchar travels as text, and the column still checks its length).
PAPER_COLUMNS = {
    "arxiv_id": "text", "version": "int2", "title": "text", "abstract": "text", "comments": "text",
    "journal_ref": "text", "doi": "text", "license": "text", "categories": "jsonb", "primary_category": "text",
    "published": "date", "updated": "date", "code_url": "text", "figures": "jsonb", "topic_id": "int8",
}
AUTHOR_STAGE = "paperdesk_author_stage"
SMALLINT_MAX = 32767


def _postgres() -> bool:
    return connection.vendor == "postgresql"


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


def insert_papers(rows: list[dict]) -> list[int]:
    """Insert new papers given as column values; returns their primary keys in order."""
    if not _postgres():
        papers = Paper.objects.bulk_create([Paper(**row) for row in rows])
        return [paper.pk for paper in papers]
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(  # the sequence's name is looked up once, not once per row
            "SELECT nextval(seq) FROM CAST(pg_get_serial_sequence('papers_paper', 'id') AS regclass) AS seq, "
            "generate_series(1, %s)", [len(rows)]
        )
        ids = [row[0] for row in cursor.fetchall()]
        columns = ", ".join(("id", *PAPER_COLUMNS, "created_at", "modified_at"))
        set_json_dumps(orjson.dumps, cursor.cursor)  # json.dumps took longer than the rest of a row
        types = ["int8", *PAPER_COLUMNS.values(), "timestamptz", "timestamptz"]
        with _copy(cursor, f"COPY papers_paper ({columns})", types) as copy:
            _check_smallints("version", (row["version"] for row in rows))
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row([pk, *[row[name] for name in PAPER_COLUMNS], now, now])
    return ids


@contextmanager
def _copy(cursor, statement: str, types: list[str]):
    """A binary ``COPY … FROM STDIN`` that fails the way Django's own queries do.

    COPY goes through psycopg's cursor, below Django, so its errors are
    psycopg's own: they are turned into Django's (a UniqueViolation into an
    IntegrityError), which the ingest catches and answers by retrying the
    batch record by record.  A value refused while being encoded (wrong type,
    overflow) counts as the database refusing it: text COPY left that check
    to PostgreSQL, binary COPY does it in Python.
    """
    with connection.wrap_database_errors:
        try:
            with cursor.cursor.copy(f"{statement} FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                yield copy
        except (TypeError, ValueError, OverflowError, struct.error) as exc:
            raise DataError(f"a value does not fit its column: {exc}") from exc


def _check_smallints(column: str, values: Iterable[int | None]) -> None:
    """Binary COPY would wrap an out-of-range smallint around silently: refuse it instead."""
    largest = max((v for v in values if v is not None), default=0)
    if largest > SMALLINT_MAX:
        raise DataError(f"{column} {largest} is out of range (at most {SMALLINT_MAX})")


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
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {AUTHOR_STAGE} (name text, slug text)")
        with _copy(cursor, f"COPY {AUTHOR_STAGE} (name, slug)", ["text", "text"]) as copy:
            for slug, name in names_by_slug.items():
                copy.write_row((name, slug))
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


def insert_authorships(rows: list[tuple[int, int, int]], *, new_papers: Iterable[int] = (),
                       new_authors: Iterable[int] = ()) -> None:
    """(paper_id, author_id, position) rows, whose papers and authors must exist.

    The table has no foreign-key constraints in the database (see the model),
    so the references are checked here, once per batch rather than once per
    row, except for ``new_papers`` and ``new_authors``, which this transaction
    inserted.  A broken one raises IntegrityError and the batch is retried
    record by record, as with any other database error.
    """
    if not rows:
        return
    _check_smallints("author position", map(itemgetter(2), rows))
    if not _postgres():
        Authorship.objects.bulk_create([Authorship(paper_id=p, author_id=a, position=i) for p, a, i in rows])
    else:
        with connection.cursor() as cursor:
            columns, types = "paper_id, author_id, position", ["int8", "int8", "int2"]
            with _copy(cursor, f"COPY papers_authorship ({columns})", types) as copy:
                # In author order, the author index takes each leaf page once a batch rather than
                # at random (a tenth of the table's load); the primary key's pages are few either way.
                for row in sorted(rows, key=itemgetter(1)):
                    copy.write_row(row)
    missing_papers = _missing(Paper, {p for p, _, _ in rows}.difference(new_papers))
    missing_authors = _missing(Author, {a for _, a, _ in rows}.difference(new_authors))
    if missing_papers or missing_authors:
        raise IntegrityError(
            f"authorships refer to {missing_papers} missing papers and {missing_authors} missing authors"
        )


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


def one_of(values, sql_type: str):
    """``values`` for an ``__in`` lookup of a whole batch.

    On PostgreSQL one array parameter: a list becomes one parameter per value,
    and 2,000 of them cost 40 ms to bind and plan, more than the lookup.
    """
    if _postgres():
        return RawSQL(f"SELECT unnest(%s::{sql_type}[])", (list(values),))
    return list(values)
