"""Bulk writes for the ingest: COPY on PostgreSQL, bulk_create elsewhere.

Django's ``bulk_create`` quotes every parameter (whole abstracts) into SQL text
in Python; PostgreSQL's COPY protocol streams rows instead and is several
times faster, which is what keeps a 100,000-record snapshot import near the
speed of a raw COPY (see ``bench/import_snapshot.py``).
"""
from __future__ import annotations

import json

from django.db import connection
from django.utils import timezone

from papers.models import Author, Authorship, Paper

PAPER_COLUMNS = (
    "arxiv_id", "version", "title", "abstract", "comments", "journal_ref", "doi", "license", "categories",
    "primary_category", "published", "updated", "code_url", "figures", "topic_id",
)
JSON_COLUMNS = {"categories", "figures"}


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
            # Insert what is new, then look up the rest (stored by an earlier import, or by a
            # concurrent one meanwhile): DO NOTHING, because DO UPDATE rewrites every existing row.
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    INSERT INTO papers_author (name, slug)
                    SELECT * FROM unnest(%s::text[], %s::text[])
                    ON CONFLICT (slug) DO NOTHING
                    RETURNING slug, id
                    """,
                    [list(missing.values()), list(missing)],
                )
                known.update(cursor.fetchall())
                stored = [slug for slug in missing if slug not in known]
                if stored:
                    cursor.execute("SELECT slug, id FROM papers_author WHERE slug = ANY(%s)", [stored])
                    known.update(cursor.fetchall())
        else:
            Author.objects.bulk_create(
                [Author(name=name, slug=slug) for slug, name in missing.items()], ignore_conflicts=True
            )
            known.update(Author.objects.filter(slug__in=list(missing)).values_list("slug", "id"))
    return {slug: known[slug] for slug in names_by_slug}


def insert_authorships(rows: list[tuple[int, int, int]]) -> None:
    """(paper_id, author_id, position) rows."""
    if not rows:
        return
    if not _postgres():
        Authorship.objects.bulk_create([Authorship(paper_id=p, author_id=a, position=i) for p, a, i in rows])
        return
    with connection.cursor() as cursor:
        with cursor.cursor.copy("COPY papers_authorship (paper_id, author_id, position) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
