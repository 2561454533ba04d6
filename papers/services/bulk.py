"""Bulk writes for the ingest: COPY on PostgreSQL, bulk_create elsewhere.

Django's ``bulk_create`` quotes every parameter (whole abstracts) into SQL text
in Python; PostgreSQL's COPY protocol streams rows instead and is several
times faster, which is what keeps a 100,000-record snapshot import near the
speed of a raw COPY (see ``bench/import_snapshot.py``).
"""
from __future__ import annotations

import json

from django.db import IntegrityError, connection
from django.db.models.expressions import RawSQL
from django.utils import timezone

from papers.models import Author, Authorship, Paper

PAPER_COLUMNS = (
    "arxiv_id", "version", "title", "abstract", "comments", "journal_ref", "doi", "license", "categories",
    "primary_category", "published", "updated", "code_url", "figures", "topic_id",
)
JSON_COLUMNS = {"categories", "figures"}
AUTHOR_STAGE = "paperdesk_author_stage"


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
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('papers_paper', 'id')) FROM generate_series(1, %s)", [len(rows)]
        )
        ids = [row[0] for row in cursor.fetchall()]
        columns = ", ".join(("id", *PAPER_COLUMNS, "created_at", "modified_at"))
        with cursor.cursor.copy(f"COPY papers_paper ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                values = [json.dumps(row[name], ensure_ascii=False) if name in JSON_COLUMNS else row[name]
                          for name in PAPER_COLUMNS]
                copy.write_row([pk, *values, now, now])
    return ids


def author_ids(names_by_slug: dict[str, str], known: dict[str, int]) -> dict[str, int]:
    """Ids for these authors, inserting the ones not yet stored; ``known`` caches them."""
    missing = {slug: name for slug, name in names_by_slug.items() if slug not in known}
    if missing:
        if _postgres():
            known.update(_store_authors(missing))
        else:
            Author.objects.bulk_create(
                [Author(name=name, slug=slug) for slug, name in missing.items()], ignore_conflicts=True
            )
            known.update(Author.objects.filter(slug__in=list(missing)).values_list("slug", "id"))
    return {slug: known[slug] for slug in names_by_slug}


def _store_authors(names_by_slug: dict[str, str]) -> list[tuple[str, int]]:
    """(slug, id) of these authors, inserting the new ones.

    The names go in by COPY to a temporary table (passing them as array
    parameters cost more than the insert: psycopg quotes each item in
    Python).  New ones are inserted with DO NOTHING, because DO UPDATE would
    rewrite every existing row; the rest, stored by an earlier import or a
    concurrent one meanwhile, are looked up.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {AUTHOR_STAGE} (name text, slug text) ON COMMIT DELETE ROWS")
        cursor.execute(f"TRUNCATE {AUTHOR_STAGE}")  # rows of a rolled-back savepoint's batch
        with cursor.cursor.copy(f"COPY {AUTHOR_STAGE} (name, slug) FROM STDIN") as copy:
            for slug, name in names_by_slug.items():
                copy.write_row((name, slug))
        cursor.execute(
            f"INSERT INTO papers_author (name, slug) SELECT name, slug FROM {AUTHOR_STAGE} "
            f"ON CONFLICT (slug) DO NOTHING RETURNING slug, id"
        )
        found = cursor.fetchall()
        if len(found) < len(names_by_slug):
            cursor.execute(
                f"SELECT a.slug, a.id FROM {AUTHOR_STAGE} s JOIN papers_author a ON a.slug = s.slug"
            )
            found = cursor.fetchall()
    return found


def insert_authorships(rows: list[tuple[int, int, int]]) -> None:
    """(paper_id, author_id, position) rows, whose papers and authors must exist.

    The table has no foreign-key constraints in the database (see the model),
    so the references are checked here, once per batch rather than once per
    row: a broken one raises IntegrityError and the batch is retried record
    by record, as with any other database error.
    """
    if not rows:
        return
    if not _postgres():
        Authorship.objects.bulk_create([Authorship(paper_id=p, author_id=a, position=i) for p, a, i in rows])
        _check_references({p for p, _, _ in rows}, {a for _, a, _ in rows})
        return
    with connection.cursor() as cursor:
        with cursor.cursor.copy("COPY papers_authorship (paper_id, author_id, position) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    _check_references({p for p, _, _ in rows}, {a for _, a, _ in rows})


def _check_references(paper_ids: set[int], author_ids: set[int]) -> None:
    missing_papers, missing_authors = _missing(Paper, paper_ids), _missing(Author, author_ids)
    if missing_papers or missing_authors:
        raise IntegrityError(
            f"authorships refer to {missing_papers} missing papers and {missing_authors} missing authors"
        )


def _missing(model, ids: set[int]) -> int:
    """How many of ``ids`` have no row (an anti-join on PostgreSQL; chunks within SQLite's limit elsewhere)."""
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
