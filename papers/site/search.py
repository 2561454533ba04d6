"""Search across English and Chinese text: the read half (``papers.services.search_index`` keeps the vectors).

PostgreSQL: a stored, GIN-indexed ``tsvector`` per paper, English stemmed
("relations" finds "relation") and Chinese segmented with jieba; the query is
segmented the same way, which gives real word matching for Chinese without a
server-side extension (zhparser, pg_jieba) that a stock PostgreSQL does not
have.

SQLite (the demo) has no full-text vectors here: every query word must appear
in one of the searchable fields (``icontains``), which is slower but correct
for a demo-sized desk.
"""
from __future__ import annotations

import re
import time
from datetime import date
from functools import lru_cache

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections
from django.db.models import F, FloatField, Q, QuerySet, Value

from papers.fixed_queries import FixedQuery, one_of
from papers.importers.text import CJK_RE
from papers.models import Paper
from papers.site.pk_lists import with_pks
from papers.services.search_index import ZH_SUMMARY_FIELDS, is_postgres, segment

TOKEN_RE = re.compile(r"[\w\-\.]+", re.UNICODE)
MAX_QUERY_LENGTH = 200
CANDIDATES = 100  # newest matches ranked per search: five pages of results
NEWEST_FIRST = ("-published", "-arxiv_id")  # the order of the published papers' date index
RARE_MATCHES = 2000  # a word with at most this many matches is found through the GIN index alone


def _terms(query: str) -> list[str]:
    return TOKEN_RE.findall(segment(query[:MAX_QUERY_LENGTH]))


def _split(terms: list[str]) -> tuple[str, str]:
    """The query's English words and its Chinese ones, each as one string (either may be empty)."""
    return " ".join(t for t in terms if not CJK_RE.search(t)), " ".join(t for t in terms if CJK_RE.search(t))


def _ts_query(terms: list[str]):
    return _ts_query_of(*_split(terms))


def _ts_query_of(english: str, chinese: str):
    ts_query = SearchQuery(english, config="english", search_type="plain") if english else None
    if chinese:
        zh_query = SearchQuery(chinese, config="simple", search_type="plain")
        ts_query = zh_query if ts_query is None else ts_query & zh_query
    return ts_query


def vector_condition(query: str, field: str = "search_vector") -> Q | None:
    """The full-text condition "every word of ``query``" on ``field`` (a path to a paper's vector); None without words.

    PostgreSQL only: the desk's search (``papers.site.desk_search``) filters entries through their paper with it.
    """
    terms = _terms(query)
    return Q(**{field: _ts_query(terms)}) if terms else None


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


STATS_SECONDS = 600  # how long a process trusts the planner's statistics it read (ANALYZE renews them rarely)
_statistics: dict[str, tuple[float, dict[str, float]]] = {}  # database → (read at, lexeme → share of papers)


def _common_lexemes(queryset: QuerySet) -> dict[str, float]:
    """The commonest words of the papers' vectors with the share of papers holding each, per the planner.

    ``most_common_elems`` of the vector column: with the default statistics
    target about the commonest thousand lexemes, every word in more than a small
    share of the papers.  Read from ``pg_stats`` once per ``STATS_SECONDS``.
    """
    read = _statistics.get(queryset.db)
    if read is not None and time.monotonic() - read[0] < STATS_SECONDS:
        return read[1]
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
            " WHERE schemaname = current_schema() AND tablename = %s AND attname = 'search_vector'",
            [queryset.model._meta.db_table],
        )
        row = cursor.fetchone()
    shares = dict(zip(row[0], row[1])) if row and row[0] else {}
    _statistics[queryset.db] = (time.monotonic(), shares)
    return shares


def _planner_knows(queryset: QuerySet, terms: list[str]) -> bool:
    """Whether PostgreSQL's statistics hold every word of the query: then its plan for the search is sound.

    For a word among the commonest lexemes the planner's estimate of the matches
    is right, and it finds the newest ones the cheap way itself: along the date
    index for a broad word, from the GIN index for a narrower one.  A word missing
    from them it takes for far more common than it is, so a rare word is looked up
    in the GIN index first (``search``).
    """
    common = _common_lexemes(queryset)
    if not common:
        return False
    lexemes = _lexemes(queryset.db, *_split(terms))
    return bool(lexemes) and all(lexeme in common for lexeme in lexemes)


@lru_cache(maxsize=4096)
def _lexemes(db: str, english: str, chinese: str) -> tuple[str, ...]:
    """The words as the vector holds them (English stemmed), remembered: the same words always give the same."""
    with connections[db].cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(to_tsvector('english', %s))"
                       " || tsvector_to_array(to_tsvector('simple', %s))", [english, chinese])
        return tuple(cursor.fetchone()[0])


def _few_matches(queryset: QuerySet, found: QuerySet, terms: list[str]) -> list[tuple] | None:
    """Every match as (published, arXiv id, pk) when it is a word the planner does not know with few matches; else None.

    A rare word comes first from the GIN index alone: walking a date index
    until enough matches turn up reads the whole table for a word the planner
    wrongly thinks common (23 s at a million papers for a word in 0.05% of
    them).  Only a word with more matches than ``RARE_MATCHES`` is looked for
    along the index, where it turns up soon.  Not for a word the planner knows:
    collecting the first 2,001 matches of a word in a tenth of the papers
    builds its whole bitmap first (75 ms at 100,000 papers) for nothing.
    The columns come along, so that the newest are picked here rather than
    by reading every match again.
    """
    if not _gin_first(queryset, terms):
        return None
    few = list(_first_matches(found))
    return few if len(few) <= RARE_MATCHES else None


def _gin_first(queryset: QuerySet, terms: list[str]) -> bool:
    """Whether a search looks its words up in the GIN index first (``_few_matches`` says why)."""
    return bool(terms) and is_postgres() and not _planner_knows(queryset, terms)


def _first_matches(found: QuerySet) -> QuerySet:
    """The first ``RARE_MATCHES`` + 1 matches PostgreSQL finds, in no order, as (published, arXiv id, pk)."""
    return found.order_by().values_list("published", "arxiv_id", "pk")[: RARE_MATCHES + 1]


def _newest_of(first_matches: QuerySet) -> tuple[list[int], int]:
    """The ids of the newest ``CANDIDATES`` + 1 of ``_first_matches``, in the walk's order; and how many it has.

    Sorted and cut by PostgreSQL: read as rows and sorted here, a rare word's
    900 matches cost 1.1 ms of CPU a search.
    """
    sql, params = first_matches.query.get_compiler(first_matches.db).as_sql()
    with connections[first_matches.db].cursor() as cursor:
        # The date index's order: -published (no date first, as DESC puts NULLs), -arxiv_id.
        cursor.execute(f"SELECT few.pk, count(*) OVER () FROM ({sql}) AS few (published, arxiv_id, pk)"
                       f" ORDER BY few.published DESC, few.arxiv_id DESC LIMIT {CANDIDATES + 1}", params)
        rows = cursor.fetchall()
    return [pk for pk, _ in rows], rows[0][1] if rows else 0


def matching_newest_cheaply(queryset: QuerySet, query: str, terms: list[str] | None = None) -> QuerySet:
    """``matching``, in a shape whose newest few (any ORDER BY … LIMIT along an index) PostgreSQL finds cheaply.

    A rare word's matches are listed by id (see ``_few_matches``).
    """
    terms = _terms(query) if terms is None else terms
    found = matching(queryset, query, terms)
    few = _few_matches(queryset, found, terms)
    if few is not None:
        return with_pks(queryset.model.objects.all(), [pk for *_, pk in few])  # (they passed the filters already)
    return found


def _ranked(candidates: QuerySet, ts_query) -> QuerySet:
    """The candidates as (published, arXiv id, pk, rank) rows."""
    rank = SearchRank(F("search_vector"), ts_query) if is_postgres() else Value(0.0, output_field=FloatField())
    return candidates.annotate(rank=rank).values_list("published", "arxiv_id", "pk", "rank")


def _newest_ranked(found: QuerySet, ts_query) -> list[tuple]:
    """The newest ``CANDIDATES`` + 1 of ``found`` as (published, arXiv id, pk, rank) rows.

    Ranked in an outer query over the newest, so only they are ranked: in
    one query PostgreSQL ranks every match before its top-N sort (17 ms for
    a word in 1% of 100,000 papers).  The outer query ranks the vectors the
    inner one read: read again by id, they cost a common word's search 101
    index lookups, a hash and a sort (2.5–3.1 → 2.0–2.5 ms of SQL at 1M).
    """
    newest = found.order_by(*NEWEST_FIRST)
    if not is_postgres():
        return [(*row, 0.0) for row in newest.values_list("published", "arxiv_id", "pk")[:CANDIDATES + 1]]
    return _ranked_over(_newest_with_vectors(newest), ts_query)


def _newest_with_vectors(newest: QuerySet) -> QuerySet:
    return newest.values_list("published", "arxiv_id", "pk", "search_vector")[: CANDIDATES + 1]


def _ranked_over(rows: QuerySet, ts_query) -> list[tuple]:
    """``rows`` of ``_newest_with_vectors`` as (published, arXiv id, pk, rank), ranked by PostgreSQL."""
    sql, params = rows.query.get_compiler(rows.db).as_sql()
    query = Paper.objects.all().query
    query_sql, query_params = query.get_compiler(rows.db).compile(ts_query.resolve_expression(query))
    with connections[rows.db].cursor() as cursor:
        cursor.execute(f"SELECT few.published, few.arxiv_id, few.pk, ts_rank(few.vector, {query_sql})"
                       f" FROM ({sql}) AS few (published, arxiv_id, pk, vector)", (*query_params, *params))
        return cursor.fetchall()


class _EverythingSearched:
    """A search of every searchable paper, without filters (nearly every search), in fixed queries.

    Only the words change between such searches, and building and compiling
    its queries per request would be two thirds of ``search``'s CPU (2.2
    against 0.7 ms).  One set per shape of the words: English only, Chinese
    only, or both.
    """

    def __init__(self, english: bool, chinese: bool):
        self.english, self.chinese = english, chinese
        words = {**({"english": str} if english else {}), **({"chinese": str} if chinese else {})}
        self.first_matches = FixedQuery(lambda **w: _first_matches(self._found(**w)), **words)
        self.newest = FixedQuery(
            lambda **w: _newest_with_vectors(self._found(**w).order_by(*NEWEST_FIRST)), **words)
        self.ranked = FixedQuery(lambda ids, **w: _ranked(Paper.objects.filter(pk__in=one_of(ids, "bigint")),
                                                          _ts_query_of(**self._all(w))), ids=list, **words)

    def words(self, english: str, chinese: str) -> dict[str, str]:
        """The values its queries take: words of each kind its shape has, and none of another."""
        if (bool(english), bool(chinese)) != (self.english, self.chinese):
            raise ValueError(f"words {english!r}, {chinese!r} do not fit these queries' shape")
        return {**({"english": english} if self.english else {}), **({"chinese": chinese} if self.chinese else {})}

    @staticmethod
    def _all(words: dict[str, str]) -> dict[str, str]:
        return {"english": "", "chinese": "", **words}

    def _found(self, **words) -> QuerySet:
        return Paper.objects.searchable().filter(search_vector=_ts_query_of(**self._all(words)))


_EVERYTHING = {(english, chinese): _EverythingSearched(english, chinese)
               for english in (True, False) for chinese in (True, False) if english or chinese}


def search(queryset: QuerySet | None, query: str) -> tuple[list[int], bool]:
    """Ids of the newest ``CANDIDATES`` papers matching ``query``, best first; and whether more matched.

    Ranking reads every candidate's whole vector, so ranking all of a broad
    word's matches (tens of thousands on a big desk) takes seconds; the newest
    matches are found by walking the date index and stopping early, and only
    they are ranked.  Narrow queries (fewer matches than that) are ranked in
    full.  Filters belong in ``queryset``, so they apply before the cut;
    ``None`` searches every searchable paper.
    """
    terms = _terms(query)
    if not terms:
        return [], False
    if queryset is None and is_postgres():
        rows = _everything_searched(terms)
    else:
        rows = _searched(Paper.objects.searchable() if queryset is None else queryset, query, terms)
    rows = sorted(rows, key=lambda row: (row[0] or date.min, row[1]), reverse=True)
    best_first = sorted(rows[:CANDIDATES], key=lambda row: row[3], reverse=True)  # stable: newest first among equals
    return [row[2] for row in best_first], len(rows) > CANDIDATES


def _searched(queryset: QuerySet, query: str, terms: list[str]) -> list[tuple]:
    found = matching(queryset, query, terms)
    if _gin_first(queryset, terms):
        newest, matches = _newest_of(_first_matches(found))
        if matches <= RARE_MATCHES:  # a rare word's newest matches, known already: only they are read again
            return list(_ranked(with_pks(queryset.model.objects.all(), newest), _ts_query(terms)))
    return _newest_ranked(found, _ts_query(terms))


def _everything_searched(terms: list[str]) -> list[tuple]:
    """``_searched`` for every searchable paper, the same queries from ``_EVERYTHING``."""
    english, chinese = _split(terms)
    fixed = _EVERYTHING[bool(english), bool(chinese)]
    words = fixed.words(english, chinese)
    if _gin_first(Paper.objects.searchable(), terms):
        newest, matches = _newest_of(fixed.first_matches(**words))
        if matches <= RARE_MATCHES:
            return list(fixed.ranked(ids=newest, **words))
    return _ranked_over(fixed.newest(**words), _ts_query_of(english, chinese))
