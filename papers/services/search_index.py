"""The stored search vectors: how a paper's English and Chinese text is indexed.

The write half of search (``papers.site.search`` is the read half and segments
a query with the same :func:`segment`).  PostgreSQL has no Chinese parser — its
default one keeps a run of Han characters as a single token, so "关系理解" would
never match inside a sentence — so Chinese text is segmented with jieba
(search-engine mode, which also emits the shorter words inside long ones) and
indexed with the ``simple`` configuration; English text goes through the
``english`` configuration (stemming).  SQLite keeps no vectors.
"""
from __future__ import annotations

import logging
from functools import lru_cache

from django.db import connection

from papers.importers.text import CJK_RE

ZH_SUMMARY_FIELDS = ("headline_zh", "title_zh", "abstract_zh", "background", "prior_work", "method", "results",
                     "method_details", "conclusion", "affiliation")


@lru_cache(maxsize=1)
def load_jieba():
    """jieba with its dictionary loaded (about a second, once per process; Celery loads it at start)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def segment(text: str) -> str:
    """Chinese text → space-separated words (other text passes through)."""
    if not text or not CJK_RE.search(text):
        return text or ""
    return " ".join(w for w in load_jieba().cut_for_search(text) if w.strip())


def chinese_document(summary) -> str:
    """Everything Chinese (or in the entry's own language) a reader may search for."""
    parts = [getattr(summary, name) or "" for name in ZH_SUMMARY_FIELDS]
    parts += [summary.tldr or "", " ".join(summary.key_points or []), " ".join(summary.keywords or [])]
    return segment(" ".join(p for p in parts if p))


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def index_papers(paper_ids) -> None:
    """Recompute the stored search vectors of these papers (PostgreSQL only)."""
    if not is_postgres() or not paper_ids:
        return
    from papers.models import Summary

    zh = {s.paper_id: chinese_document(s) for s in Summary.objects.filter(paper_id__in=list(paper_ids))}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE papers_paper AS p SET search_vector =
                setweight(to_tsvector('english', p.title), 'A')
                || setweight(to_tsvector('simple', coalesce(z.zh, '')), 'B')
                || setweight(to_tsvector('english', p.abstract || ' ' || p.comments), 'C')
            FROM unnest(%s::bigint[], %s::text[]) AS z(id, zh)
            WHERE p.id = z.id
            """,
            [list(paper_ids), [zh.get(i, "") for i in paper_ids]],
        )
