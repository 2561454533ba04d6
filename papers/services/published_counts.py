"""Published papers per topic, tag and author (``TopicCount``, ``TagCount``, ``AuthorCount``), kept as they change.

The index pages read these rows instead of grouping every published paper.  A
paper adds one to its topic, to each of its tags and to each of its authors
while its entry is published, so the counts move when:

* an entry is published or withdrawn: ``papers.services.transitions`` calls
  :func:`papers_published` in the same transaction;
* an entry is created already published, or a published one is deleted (with
  its paper or alone): the model hooks in ``papers.signals``;
* a published paper's tags change (taggit's ``m2m_changed``) or its topic is
  saved (the model hooks), or an import rewrites topics and author lists in
  bulk (:func:`tracking` around those writes).

Every change is an increment (``papers = papers + n`` in one upsert, keys in
order), never a read-modify-write, so concurrent publishes add up and take
the rows' locks in the same order.  Whatever a write path misses (raw SQL, a
race between a tag edit and a withdrawal) is repaired by :func:`recount`,
which the scheduler runs every night (``recount_published`` by hand).
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count, Value
from taggit.models import Tag, TaggedItem

from papers.models import Author, AuthorCount, Authorship, Paper, Status, Summary, TagCount, Topic, TopicCount
from papers.fixed_queries import one_of

logger = logging.getLogger("papers.services.published_counts")

TOPIC, TAG, AUTHOR = "topic", "tag", "author"
# kind → (count model, its key column, the table the key points to)
COUNTS = {TOPIC: (TopicCount, "topic_id", Topic), TAG: (TagCount, "tag_id", Tag),
          AUTHOR: (AuthorCount, "author_id", Author)}
UPSERT_ROWS = 400  # rows per statement (SQLite takes at most 32,766 parameters)

Delta = Counter  # (kind, key) → papers to add (negative: to take away)

_pending: ContextVar[Delta | None] = ContextVar("published_counts_pending", default=None)


def contributions(paper_ids: Iterable[int]) -> Delta:
    """What these papers add to the counts when published: one per topic, tag and (distinct) author; one query."""
    ids = list(paper_ids)
    delta = Delta()
    if not ids:
        return delta
    topics = (Paper.objects.filter(pk__in=one_of(ids, "bigint"), topic__isnull=False).order_by()
              .values_list(Value(TOPIC), "topic_id").annotate(n=Count("pk")))
    tags = (TaggedItem.objects.filter(content_type=_paper_type(), object_id__in=one_of(ids, "int")).order_by()
            .values_list(Value(TAG), "tag_id").annotate(n=Count("pk")))
    authors = (Authorship.objects.filter(paper_id__in=one_of(ids, "bigint")).order_by()
               .values_list(Value(AUTHOR), "author_id").annotate(n=Count("paper_id", distinct=True)))
    for kind, key, n in topics.union(tags, authors, all=True):
        delta[(kind, key)] += n
    return delta


def published_among(paper_ids: Iterable[int]) -> list[int]:
    ids = list(paper_ids)
    if not ids:
        return []
    return list(Summary.objects.published().filter(paper_id__in=one_of(ids, "bigint"))
                .order_by("paper_id").values_list("paper_id", flat=True))


def papers_published(paper_ids: Iterable[int], sign: int = 1) -> None:
    """These papers just went live (``sign=1``) or were withdrawn (``-1``): their topics, tags and authors move."""
    add({key: sign * n for key, n in contributions(paper_ids).items()})


def add(delta: Mapping[tuple[str, int], int]) -> None:
    """Add ``delta`` to the counts (inside :func:`deferred`: once it ends)."""
    delta = {key: n for key, n in delta.items() if n}
    if not delta:
        return
    pending = _pending.get()
    if pending is not None:
        pending.update(delta)
        return
    _write(delta)


@contextmanager
def deferred() -> Iterator[None]:
    """Gather every change made inside and write them together at the end (not if it raises).

    An import batch changes counts in several places (tags added, states set);
    written once, at its end, the count rows are locked last and once.
    """
    if _pending.get() is not None:  # already gathering: the outer block writes
        yield
        return
    token = _pending.set(Delta())
    try:
        yield
        pending = _pending.get()
    finally:
        _pending.reset(token)
    add(pending)


@contextmanager
def tracking(paper_ids: Iterable[int]) -> Iterator[None]:
    """Count what the writes inside change of these papers' topics, tags and authors, where they are published.

    For bulk writes no model hook sees (``bulk_update``, author lists rewritten
    with COPY).  Tag changes made through taggit inside are counted by its
    hook already: leave them outside the block.
    """
    ids = published_among(paper_ids)
    before = contributions(ids)
    yield
    after = contributions(published_among(ids))
    add({key: after[key] - before[key] for key in before.keys() | after.keys()})


def _write(delta: Mapping[tuple[str, int], int]) -> None:
    """One upsert per kind, keys in order (the rows' locks too); a key whose row is gone is skipped."""
    for kind, (model, column, target) in COUNTS.items():
        rows = sorted((key, n) for (k, key), n in delta.items() if k == kind and n)
        if not rows:
            continue
        table = model._meta.db_table
        upsert = (f"INSERT INTO {table} ({column}, papers) SELECT v.k, v.n FROM {{values}} "
                  f"JOIN {target._meta.db_table} AS t ON t.id = v.k ORDER BY v.k "
                  f"ON CONFLICT ({column}) DO UPDATE SET papers = {table}.papers + excluded.papers")
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # one statement however many keys
                keys, numbers = zip(*rows)
                cursor.execute(upsert.format(values="unnest(%s::bigint[], %s::int[]) AS v (k, n)"),
                               [list(keys), list(numbers)])
                continue
            for start in range(0, len(rows), UPSERT_ROWS):
                chunk = rows[start:start + UPSERT_ROWS]
                values = ", ".join(["(%s, %s)"] * len(chunk))
                cursor.execute(upsert.format(values=f"(SELECT column1 AS k, column2 AS n FROM (VALUES {values})) AS v"),
                               [value for row in chunk for value in row])


def _paper_type() -> ContentType:
    return ContentType.objects.get_for_model(Paper)


# --- recount -----------------------------------------------------------------------

def truth_sql() -> dict[str, tuple[str, list]]:
    """kind → (SELECT k, n: the count of every key with a published paper, its parameters)."""
    published = Status.PUBLISHED.value
    return {
        TOPIC: ("SELECT p.topic_id AS k, count(*) AS n FROM papers_paper AS p "
                "JOIN papers_summary AS s ON s.paper_id = p.id "
                "WHERE s.status = %s AND p.topic_id IS NOT NULL GROUP BY p.topic_id", [published]),
        TAG: ("SELECT t.tag_id AS k, count(*) AS n FROM taggit_taggeditem AS t "
              "JOIN papers_summary AS s ON s.paper_id = t.object_id "
              "WHERE t.content_type_id = %s AND s.status = %s GROUP BY t.tag_id", [_paper_type().pk, published]),
        # Authorships have no foreign-key constraint: an author row that is gone is no key.
        AUTHOR: ("SELECT a.author_id AS k, count(DISTINCT a.paper_id) AS n FROM papers_authorship AS a "
                 "JOIN papers_summary AS s ON s.paper_id = a.paper_id "
                 "JOIN papers_author AS au ON au.id = a.author_id "
                 "WHERE s.status = %s GROUP BY a.author_id", [published]),
    }


def recount() -> dict[str, int]:
    """Count every topic's, tag's and author's published papers again and fix the rows that differ.

    Returns the rows fixed per kind.  Each kind is one statement, which reads
    the papers and the stored counts in one snapshot and adds the difference
    (not the total): a publish that commits while it runs is neither lost nor
    counted twice, and nothing is locked beyond the rows it fixes.
    """
    fixed = {}
    for kind, (sql, params) in truth_sql().items():
        model, column, _ = COUNTS[kind]
        table = model._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({column}, papers) "
                f"SELECT k, sum(n) FROM (SELECT k, n FROM ({sql}) AS truth "
                f"UNION ALL SELECT {column}, -papers FROM {table}) AS d "
                f"GROUP BY k HAVING sum(n) <> 0 ORDER BY k "
                f"ON CONFLICT ({column}) DO UPDATE SET papers = {table}.papers + excluded.papers",
                params,
            )
            fixed[kind] = max(cursor.rowcount, 0)
    if any(fixed.values()):
        logger.warning("published counts recounted: %s", ", ".join(f"{n} {kind} rows fixed" for kind, n in fixed.items()))
    return fixed
