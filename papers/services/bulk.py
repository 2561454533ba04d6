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


def insert_papers(papers: list[Paper]) -> None:
    """Insert new papers and give each its primary key."""
    if not _postgres():
        Paper.objects.bulk_create(papers)
        return
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('papers_paper', 'id')) FROM generate_series(1, %s)", [len(papers)]
        )
        ids = [row[0] for row in cursor.fetchall()]
        columns = ", ".join(("id", *PAPER_COLUMNS, "created_at", "modified_at"))
        with cursor.cursor.copy(f"COPY papers_paper ({columns}) FROM STDIN") as copy:
            for pk, paper in zip(ids, papers, strict=True):
                paper.pk, paper.created_at, paper.modified_at = pk, now, now
                row = [pk]
                for name in PAPER_COLUMNS:
                    value = getattr(paper, name)
                    row.append(json.dumps(value, ensure_ascii=False) if name in JSON_COLUMNS else value)
                copy.write_row([*row, now, now])
    for paper in papers:
        paper._state.adding = False
        paper._state.db = connection.alias


def author_ids(names_by_slug: dict[str, str], known: dict[str, int]) -> dict[str, int]:
    """Ids for these authors, inserting the ones not yet stored; ``known`` caches them."""
    missing = {slug: name for slug, name in names_by_slug.items() if slug not in known}
    if missing:
        if _postgres():
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    INSERT INTO papers_author (name, slug)
                    SELECT * FROM unnest(%s::text[], %s::text[])
                    ON CONFLICT (slug) DO UPDATE SET slug = EXCLUDED.slug
                    RETURNING slug, id
                    """,
                    [list(missing.values()), list(missing)],
                )
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
