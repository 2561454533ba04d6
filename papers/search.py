"""Search across English and Chinese text.

PostgreSQL: a stored, GIN-indexed ``tsvector`` per paper.  English text goes
through the ``english`` configuration (stemming: "relations" finds
"relation").  PostgreSQL has no Chinese parser — its default one keeps a run of
Han characters as a single token, so "关系理解" would never match inside a
sentence — so Chinese text is segmented with jieba (search-engine mode, which
also emits the shorter words inside long ones) and indexed with the ``simple``
configuration; the query is segmented the same way.  That gives real word
matching for Chinese without a server-side extension (zhparser, pg_jieba)
that a stock PostgreSQL does not have.

SQLite (the demo) has no full-text vectors here: every query word must appear
in one of the searchable fields (``icontains``), which is slower but correct
for a demo-sized desk.
"""
from __future__ import annotations

import logging
import re
from datetime import date
from functools import lru_cache

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, FloatField, Q, QuerySet, Value

from papers.importers.text import CJK_RE

ZH_SUMMARY_FIELDS = ("headline_zh", "title_zh", "abstract_zh", "background", "prior_work", "method", "results",
                     "method_details", "conclusion", "affiliation")
TOKEN_RE = re.compile(r"[\w\-\.]+", re.UNICODE)
MAX_QUERY_LENGTH = 200
CANDIDATES = 100  # newest matches ranked per search: five pages of results


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def segment(text: str) -> str:
    """Chinese text → space-separated words (other text passes through)."""
    if not text or not CJK_RE.search(text):
        return text or ""
    return " ".join(w for w in _jieba().cut_for_search(text) if w.strip())


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


def _terms(query: str) -> list[str]:
    return TOKEN_RE.findall(segment(query[:MAX_QUERY_LENGTH]))


def _ts_query(terms: list[str]):
    english = " ".join(t for t in terms if not CJK_RE.search(t))
    chinese = " ".join(t for t in terms if CJK_RE.search(t))
    ts_query = SearchQuery(english, config="english", search_type="plain") if english else None
    if chinese:
        zh_query = SearchQuery(chinese, config="simple", search_type="plain")
        ts_query = zh_query if ts_query is None else ts_query & zh_query
    return ts_query


def matching(queryset: QuerySet, query: str, terms: list[str] | None = None) -> QuerySet:
    """Every paper matching every word of ``query`` (or of its ``terms``, if already segmented), unordered."""
    terms = _terms(query) if terms is None else terms
    if not terms:
        return queryset.none()
    if is_postgres():
        return queryset.filter(search_vector=_ts_query(terms))
    condition = Q()
    for term in terms:
        term_q = Q(title__icontains=term) | Q(abstract__icontains=term) | Q(summary__tldr__icontains=term)
        for name in ZH_SUMMARY_FIELDS:
            term_q |= Q(**{f"summary__{name}__icontains": term})
        condition &= term_q
    return queryset.filter(condition)


def search(queryset: QuerySet, query: str) -> tuple[list[int], bool]:
    """Ids of the newest ``CANDIDATES`` papers matching ``query``, best first; and whether more matched.

    Ranking reads every candidate's whole vector, so ranking all of a broad
    word's matches (tens of thousands on a big desk) takes seconds; the newest
    matches are found by walking the date index and stopping early, and only
    they are ranked.  Narrow queries (fewer matches than that) are ranked in
    full.  Filters belong in ``queryset``, so they apply before the cut.
    """
    terms = _terms(query)
    if not terms:
        return [], False
    newest = matching(queryset, query, terms).order_by("-published", "-arxiv_id").values("pk")[: CANDIDATES + 1]
    # Ranked in an outer query, so only the candidates are ranked: in one query PostgreSQL ranks every
    # match before its top-N sort (17 ms for a word in 1% of 100,000 papers).
    candidates = queryset.model.objects.filter(pk__in=newest)
    if is_postgres():
        candidates = candidates.annotate(rank=SearchRank(F("search_vector"), _ts_query(terms)))
    else:
        candidates = candidates.annotate(rank=Value(0.0, output_field=FloatField()))
    rows = sorted(candidates.values_list("published", "arxiv_id", "pk", "rank"),
                  key=lambda row: (row[0] or date.min, row[1]), reverse=True)
    best_first = sorted(rows[:CANDIDATES], key=lambda row: row[3], reverse=True)  # stable: newest first among equals
    return [row[2] for row in best_first], len(rows) > CANDIDATES
