"""The desk's search box and counts, answered from indexes at any size of the desk.

The read side of the admin (papers' and the entries' changelists): unlike the
rest of ``papers.site`` it reads every paper, not only published ones.

The admin's own search ORs ``icontains`` over every search field, joined
through authors: at a million papers, a scan of every row and its authors
(14 s for a word, 31 s for an arXiv id).  Here a query that looks like an arXiv
id is a lookup in the id's unique index (a prefix such as ``2401.12`` lists the
newest ``DESK_SEARCH_LIMIT`` ids that start so, from its ``LIKE`` index), and anything else goes to the full-text index the public
search uses (``papers.site.search``: English stemmed, Chinese segmented), bounded to
the newest ``DESK_SEARCH_LIMIT`` matches so a common word costs what a rare one
does.  Authors' names are searched too, as the admin's search did, through the
trigram index on the name: the first ``AUTHOR_LIMIT`` authors whose name holds
the words, then the newest ``DESK_SEARCH_LIMIT`` entries of their papers.
SQLite (the demo) keeps the admin's own search.
"""
from __future__ import annotations

import re
from contextlib import contextmanager

from django.contrib import admin
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections, transaction
from django.db.models import QuerySet
from django.utils.functional import cached_property

from papers.models import Author
from papers.site import search
from papers.site.pk_lists import with_pks

DESK_SEARCH_LIMIT = 500  # newest matches of a word search: ten pages of the changelist
AUTHOR_LIMIT = 20  # authors whose name holds the search words, at most (each brings all of their papers)
AUTHOR_MIN_LENGTH = 3  # the trigram index finds names by three characters or more
ESTIMATE_ABOVE = 10_000  # counts past this come from the planner's estimate, not COUNT(*)
LATE_ROWS_FROM = 1  # pages from this offset on read their ids first, then only those rows

# 2401.12345, 2401.12345v2, arXiv:2401.12345, hep-th/9901001, an abs/pdf URL, and prefixes (2401, 2401.12).
ARXIV_ID_RE = re.compile(
    r"^(?:arxiv:\s*|https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/)?"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[a-z]{2})?/\d{7})(?:v\d+)?(?:\.pdf)?/?$",
    re.IGNORECASE,
)
ARXIV_PREFIX_RE = re.compile(r"^(?:arxiv:\s*)?(?P<prefix>\d{4}(?:\.\d{0,5})?)$", re.IGNORECASE)


def arxiv_id_query(term: str) -> tuple[str, str] | None:
    """("exact", id) or ("prefix", start) when ``term`` is an arXiv id or the start of one; else None."""
    term = term.strip()
    if (match := ARXIV_ID_RE.match(term)) and not _short_new_style(match.group("id")):
        found = match.group("id")
        # Old-style ids keep their archive's case (hep-th/…, math.AG/…): lower the archive, keep the class.
        return "exact", found if "/" not in found else _old_style(found)
    if match := ARXIV_PREFIX_RE.match(term):
        return "prefix", match.group("prefix")
    return None


def _short_new_style(found: str) -> bool:
    """2402.1947: since January 2015 ids have five digits after the dot, so four are the start of one."""
    yymm, _, number = found.partition(".")
    return yymm.isdigit() and int(yymm) >= 1501 and len(number) == 4


def _old_style(found: str) -> str:
    archive, number = found.split("/")
    name, _, subject = archive.partition(".")
    return f"{name.lower()}.{subject.upper()}/{number}" if subject else f"{name.lower()}/{number}"


class IndexedSearchMixin:
    """``get_search_results`` from the arXiv id's index or the full-text index.

    ``paper_path`` leads from the admin's model to the paper ("" for papers,
    "paper" for entries).  Results of a word search are the newest matches
    (filters apply before the cut); the changelist then orders them as usual.
    """

    paper_path = ""

    def _field(self, name: str) -> str:
        return f"{self.paper_path}__{name}" if self.paper_path else name

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term or connections[queryset.db].vendor != "postgresql":
            return super().get_search_results(request, queryset, search_term)
        found = arxiv_id_query(term)
        if found is not None:
            kind, value = found
            if kind == "exact":
                return queryset.filter(**{self._field("arxiv_id"): value}), False
            return with_pks(queryset, newest_starting(queryset, self._field("arxiv_id"), value)), False
        newest = [f"-{self._field(name)}" for name in ("published", "arxiv_id")]
        found = []
        condition = search.vector_condition(term, self._field("search_vector"))
        if condition is not None:
            found.append(queryset.filter(condition).order_by(*newest).values_list("pk", flat=True)[:DESK_SEARCH_LIMIT])
        authors = authors_named(term)
        if authors is not None:
            by_authors = queryset.filter(**{self._field("authorships__author__in"): authors})
            found.append(by_authors.order_by(*newest).values_list("pk", flat=True)[:DESK_SEARCH_LIMIT])
        if not found:
            return queryset.none(), False
        ids = found[0].union(*found[1:]) if len(found) > 1 else found[0]  # one statement, each part bounded
        with without_parallel_workers(queryset.db):
            return with_pks(queryset, list(ids)), False


@contextmanager
def without_parallel_workers(using: str):
    """Statements in this block are planned without parallel workers (``SET LOCAL``, in a transaction of its own).

    A rare word's matches come from a bitmap scan the planner overestimates
    five times and hands to two workers: 22 ms where one process takes 10 at a
    million papers, and 60 when the machine is busy, for starting the workers.
    """
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def authors_named(term: str):
    """The ids of up to ``AUTHOR_LIMIT`` authors whose name holds ``term`` (any case), as a subquery; None if too short.

    ``icontains`` on the name is what the trigram index (``papers_author_name_trgm``,
    on ``UPPER(name)``) answers; below three characters it could not, and
    PostgreSQL would read every author.
    """
    name = " ".join(term.split())
    if len(name) < AUTHOR_MIN_LENGTH:
        return None
    return Author.objects.filter(name__icontains=name).order_by().values("pk")[:AUTHOR_LIMIT]


def newest_starting(queryset, field: str, prefix: str) -> list:
    """The pks of the newest ``DESK_SEARCH_LIMIT`` rows whose arXiv id (at ``field``) starts with ``prefix``.

    Read backwards from the ``varchar_pattern_ops`` index that ``LIKE 'x%'`` uses
    (``ORDER BY … USING ~>~``, which the ORM cannot write).  Left to the planner,
    the changelist's ``ORDER BY pk LIMIT 50`` walked every entry from the newest,
    looking for old ids: 0.4 s at 100,000 papers.
    """
    ids = queryset.filter(**{f"{field}__startswith": prefix}).order_by().values_list("pk", field)
    sql, params = ids.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY 2 USING ~>~ LIMIT %s", (*params, DESK_SEARCH_LIMIT))
        return [row[0] for row in cursor.fetchall()]


class EstimatedCountPaginator(Paginator):
    """A changelist's count without ``COUNT(*)`` over hundreds of thousands of rows, and deep pages by their ids.

    PostgreSQL's planner estimate stands in for counts above ``ESTIMATE_ABOVE``
    (pages past the real last one are empty, never wrong); smaller results are
    counted exactly, which their indexes make cheap.

    A page past the first skips its offset in the ids alone (an index-only
    scan, no joins), then joins the page's own rows: ``OFFSET 950`` over the
    joined rows made PostgreSQL build and drop 950 of them, in parallel
    workers whose start cost more than the page.
    """

    def _get_page(self, object_list, number, paginator):
        if isinstance(object_list, QuerySet) and object_list.query.low_mark >= LATE_ROWS_FROM:
            ids = list(object_list.values_list("pk", flat=True))
            object_list = with_pks(self.object_list, ids)  # the same order, only the page's rows
        return super()._get_page(object_list, number, paginator)

    @cached_property
    def count(self):
        queryset = self.object_list
        if getattr(queryset, "db", None) and connections[queryset.db].vendor == "postgresql":
            estimate = planner_rows(queryset)
            if estimate is not None and estimate > ESTIMATE_ABOVE:
                return estimate
        return super().count


def planner_rows(queryset) -> int | None:
    """The number of rows PostgreSQL expects ``queryset`` to return (``EXPLAIN``, nothing run)."""
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:  # e.g. pk__in=[]: nothing to count
        return 0
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    try:
        return int(plan[0]["Plan"]["Plan Rows"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


class ChoicesFromIndexFilter(admin.SimpleListFilter):
    """A list filter over a column's distinct values, read with a skip scan of its index.

    ``SELECT DISTINCT`` reads every row; the recursive query jumps from one
    value to the next in the index, a few lookups per distinct value.  Every
    such filter of a list is read in one statement (once a request): a round
    trip each was most of what they cost.  ``newest_first`` and ``limit``: the
    last ``limit`` values, highest first.
    """

    table = column = ""
    newest_first = False
    limit: int | None = None
    as_text = "{}::text"  # SQL of the value as the text in the URL

    def distinct_values(self, request, model_admin) -> list[str]:
        using = model_admin.model.objects.db
        if connections[using].vendor != "postgresql":
            return self.values_elsewhere(using)
        read = request.__dict__.setdefault("_index_choices", {})
        if type(self) not in read:
            together = {f for f in model_admin.list_filter if isinstance(f, type) and issubclass(f, ChoicesFromIndexFilter)}
            read.update(skip_scans(using, sorted(together | {type(self)}, key=lambda f: f.__qualname__)))
        return read[type(self)]

    def values_elsewhere(self, using: str) -> list[str]:
        """SQLite (the demo): a plain ``SELECT DISTINCT``."""
        order = "DESC" if self.newest_first else "ASC"
        with connections[using].cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT {self.column} FROM {self.table} ORDER BY 1 {order}"
                           + (f" LIMIT {int(self.limit)}" if self.limit else ""))
            return [str(row[0]) for row in cursor.fetchall()]


def skip_scans(using: str, filters: list[type[ChoicesFromIndexFilter]]) -> dict[type, list[str]]:
    """Each filter's distinct values (as text: ``as_text``), every filter in one statement."""
    scans, selects = [], []
    for n, spec in enumerate(filters):
        table, column = spec.table, spec.column
        order, step = ("DESC", "<") if spec.newest_first else ("ASC", ">")
        scans.append(f"""v{n}(value) AS (
            (SELECT {column} FROM {table} ORDER BY 1 {order} LIMIT 1)
            UNION ALL
            SELECT (SELECT {column} FROM {table} WHERE {column} {step} v{n}.value ORDER BY 1 {order} LIMIT 1)
            FROM v{n} WHERE v{n}.value IS NOT NULL)""")
        limit = f" LIMIT {int(spec.limit)}" if spec.limit else ""
        selects.append(f"(SELECT {n}, {spec.as_text.format('value')} FROM v{n} WHERE value IS NOT NULL{limit})")
    found = {spec: [] for spec in filters}
    with connections[using].cursor() as cursor:
        cursor.execute("WITH RECURSIVE " + ", ".join(scans) + " " + " UNION ALL ".join(selects))
        for n, value in cursor.fetchall():
            found[filters[n]].append(value)
    return found
