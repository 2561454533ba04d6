"""The public pages' queries, each compiled once per process (``papers.fixed_queries``).

These run on every uncached page view, and building their SQL was a quarter
to a half of such a view's CPU.  The paper page reads its authors, tags and
digests with three of them instead of ``prefetch_related``, whose lookups
cost 4.4 ms a page where the queries they run cost 0.3 ms each.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections
from django.db.models import OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils.safestring import SafeString, mark_safe
from taggit.models import Tag

from papers.fixed_queries import FixedQuery, one_of
from papers.models import Authorship, Correction, Digest, DigestEntry, Generation, Paper, Topic
from papers.site.fragments import attach_authors, cards_of, cards_with_stamps, stamp_sql, stamped_in_sql

PAGE_SIZE = 20
CORRECTIONS_SHOWN = 5  # the latest corrections a paper page lists


# --- paper page -------------------------------------------------------------------

def _paper(papers):
    return papers.select_related("summary", "topic").defer("search_vector")


def _with_page_lists(papers, paper_type):
    """PostgreSQL: the lists a paper page shows, as arrays in the paper's own row.

    Its bylines, tags, published digests, latest corrections and the machine
    text its entry started from are a handful of rows each: as queries of
    their own, each would cost a round trip, some 0.15 ms of Python and as
    much of PostgreSQL's CPU.
    """
    paper = OuterRef("pk")
    return papers.annotate(
        page_authors=ArraySubquery(Authorship.objects.filter(paper=paper).order_by("position").values(
            row=JSONObject(id="author_id", name="author__name", slug="author__slug"))),
        page_tags=ArraySubquery(Tag.objects.filter(
            taggit_taggeditem_items__object_id=paper, taggit_taggeditem_items__content_type_id=paper_type)
            .order_by("name").values(row=JSONObject(id="id", name="name", slug="slug"))),
        page_digest_dates=ArraySubquery(Digest.objects.published().filter(papers=paper)
                                        .order_by(*Digest._meta.ordering).values("date")),
        page_machine_text=Subquery(Generation.objects.filter(pk=OuterRef("summary__generation_id")).values("output")),
        page_corrections=ArraySubquery(Correction.objects.filter(summary__paper=paper)[:CORRECTIONS_SHOWN].values(
            row=JSONObject(id="id", corrected_at="corrected_at", fields="fields"))),
    )


PAPER = FixedQuery(lambda arxiv_id: _paper(Paper.objects.published()).filter(arxiv_id=arxiv_id)[:1], arxiv_id=str)
STAFF_PAPER = FixedQuery(lambda arxiv_id: _paper(Paper.objects.all()).filter(arxiv_id=arxiv_id)[:1], arxiv_id=str)  # previews
PAPER_PAGE = FixedQuery(lambda arxiv_id, paper_type: _with_page_lists(
    _paper(Paper.objects.published()).filter(arxiv_id=arxiv_id), paper_type)[:1], arxiv_id=str, paper_type=int)
STAFF_PAPER_PAGE = FixedQuery(lambda arxiv_id, paper_type: _with_page_lists(
    _paper(Paper.objects.all()).filter(arxiv_id=arxiv_id), paper_type)[:1], arxiv_id=str, paper_type=int)
PAPER_DIGESTS = FixedQuery(lambda paper: Digest.objects.published().filter(papers=paper), paper=int)
TAGS = FixedQuery(lambda paper, paper_type: Tag.objects.filter(
    taggit_taggeditem_items__object_id=paper, taggit_taggeditem_items__content_type_id=paper_type).order_by("name"),
    paper=int, paper_type=int)
CORRECTIONS = FixedQuery(lambda summary: Correction.objects.filter(summary_id=summary)[:CORRECTIONS_SHOWN], summary=int)
# What Summary.edited_fields compares the entry with; not the raw answer the row also holds.
MACHINE_TEXT = FixedQuery(lambda pk: Generation.objects.only("output").filter(pk=pk), pk=int)


def paper_page(arxiv_id: str, *, staff: bool) -> Paper | None:
    """The paper a page shows (a draft only for ``staff``: previews), with what the page lists of it.

    ``author_list`` and ``author_ids`` as ``attach_authors`` sets them,
    ``tags_shown``, ``digest_dates`` and ``corrections``, and the entry's
    machine text (only what ``Summary.edited_fields`` compares): one query
    on PostgreSQL, up to six elsewhere.
    """
    if connections[Paper.objects.db].vendor == "postgresql":
        return paper_page_in_one_query(arxiv_id, staff=staff)
    return paper_page_in_queries(arxiv_id, staff=staff)


def paper_page_in_one_query(arxiv_id: str, *, staff: bool) -> Paper | None:
    paper = (STAFF_PAPER_PAGE if staff else PAPER_PAGE).first(arxiv_id=arxiv_id, paper_type=paper_type_id())
    if paper is not None:
        paper.author_list = [(row["name"], row["slug"]) for row in paper.page_authors]
        paper.author_ids = [row["id"] for row in paper.page_authors]
        paper.tags_shown = [Tag(**row) for row in paper.page_tags]
        paper.digest_dates = paper.page_digest_dates
        summary = getattr(paper, "summary", None)
        paper.corrections = [Correction(summary_id=summary.pk, id=row["id"], fields=row["fields"],
                                        corrected_at=dt.datetime.fromisoformat(row["corrected_at"]))
                             for row in paper.page_corrections]
        if summary is not None and summary.generation_id:
            # As ``MACHINE_TEXT`` loads it: its other fields deferred, read from the database if asked for.
            summary.generation = Generation.from_db(paper._state.db, ["id", "output"],
                                                    [summary.generation_id, paper.page_machine_text])
    return paper


def paper_page_in_queries(arxiv_id: str, *, staff: bool) -> Paper | None:
    paper = (STAFF_PAPER if staff else PAPER).first(arxiv_id=arxiv_id)
    if paper is not None:
        attach_authors([paper])
        paper.tags_shown = list(TAGS(paper=paper.pk, paper_type=paper_type_id()))
        paper.digest_dates = [digest.date for digest in PAPER_DIGESTS(paper=paper.pk)]
        summary = getattr(paper, "summary", None)
        paper.corrections = list(CORRECTIONS(summary=summary.pk)) if summary is not None else []
        if summary is not None and summary.generation_id:
            summary.generation = MACHINE_TEXT.first(pk=summary.generation_id)
    return paper


def paper_type_id() -> int:
    """The content type of papers, which their tags are filed under (cached by Django)."""
    return ContentType.objects.get_for_model(Paper).pk


# --- lists of cards ---------------------------------------------------------------

LATEST_DIGESTS = FixedQuery(lambda: Digest.objects.latest_per_topic())  # the home page's
LATEST_CARDS = FixedQuery(lambda: Paper.objects.published().listed_as_cards().latest_first()[:PAGE_SIZE])


# --- digest day -------------------------------------------------------------------

DIGESTS_OF_DAY = FixedQuery(lambda day: Digest.objects.published().filter(date=day).select_related("topic"), day=dt.date)


def _entries(digests):
    """The published entries of ``digests``, each with its paper's id and topic, in no order (SQLite's way)."""
    return (
        DigestEntry.objects.published().filter(digest__in=one_of(digests, "bigint"))
        .select_related("paper__topic").only("digest", "position", "paper__arxiv_id", "paper__topic").order_by()
    )


ENTRIES = FixedQuery(_entries, digests=list)


class _DayRow(NamedTuple):
    paper_id: int
    digest_id: int
    position: int
    topic: Topic | None


@dataclass(frozen=True)
class DayCard:
    """A paper on a digest day's page: its topic, which section it is in, and its card."""

    paper_id: int
    topic: Topic | None
    card: SafeString


def day_cards(digests: list[Digest], topic: int | None = None) -> list[DayCard]:
    """The published papers of a day's ``digests`` (of ``topic``, or all), each once, in the page's order.

    By their paper's topic, then their digest's, then their place in it; no
    topic comes last; a paper in two of the day's digests shows at its first
    place.  A topic's page holds the papers of that topic and every paper of
    that topic's digest.
    """
    digest_topic = {digest.pk: digest.topic_id for digest in digests}
    db = Digest.objects.db
    if stamped_in_sql(db):
        rows, stamps = _day_rows_stamped(db, list(digest_topic))
    else:
        rows = [_DayRow(e.paper_id, e.digest_id, e.position, e.paper.topic) for e in ENTRIES(digests=list(digest_topic))]
        stamps = None
    if topic is not None:
        rows = [row for row in rows if (row.topic and row.topic.pk) == topic or digest_topic[row.digest_id] == topic]
    digest_place = {digest.pk: _place(digest.topic) for digest in digests}
    rows.sort(key=lambda row: (_place(row.topic), digest_place[row.digest_id], row.position))
    seen: set[int] = set()
    rows = [row for row in rows if not (row.paper_id in seen or seen.add(row.paper_id))]
    ids = [row.paper_id for row in rows]
    cards = {card.pk: card.card for card in (cards_of(ids) if stamps is None else cards_with_stamps(ids, stamps))}
    return [DayCard(row.paper_id, row.topic, cards.get(row.paper_id, mark_safe(""))) for row in rows]


@lru_cache(maxsize=1)
def _day_sql() -> str:
    stamp, joins = stamp_sql()  # the papers ``p``, their entries ``s`` and topics ``t``
    topic_columns = ", ".join(f"t.{field.column}" for field in Topic._meta.concrete_fields)
    return (f"SELECT p.id, p.arxiv_id, {stamp}, e.digest_id, e.position, {topic_columns}"
            f" FROM {DigestEntry._meta.db_table} AS e JOIN ({joins}) ON p.id = e.paper_id"
            f" WHERE e.digest_id = ANY(%s) AND p.on_site")


def _day_rows_stamped(db: str, digest_ids: list[int]) -> tuple[list[_DayRow], dict[int, tuple[str, str]]]:
    """The day's published entries with their papers' card stamps, by one statement (PostgreSQL).

    The entries read with the ORM and their stamps by a second query cost
    two plans (PostgreSQL plans both anew on every view: 0.7 and 0.4 ms at
    1M) and 90 model instances; in one statement, with the published fact
    from the paper row (``on_site``) instead of a join of the entries'
    texts, planning takes 0.4 ms.
    """
    fields = [field.attname for field in Topic._meta.concrete_fields]
    topics: dict[int, Topic] = {}
    rows, stamps = [], {}
    with connections[db].cursor() as cursor:
        cursor.execute(_day_sql(), [digest_ids])
        for paper_id, arxiv_id, stamp, digest_id, position, topic_id, *topic in cursor.fetchall():
            if topic_id is not None and topic_id not in topics:
                topics[topic_id] = Topic.from_db(db, fields, [topic_id, *topic])
            rows.append(_DayRow(paper_id, digest_id, position, topics.get(topic_id)))
            stamps[paper_id] = (arxiv_id, stamp)
    return rows, stamps


def _place(topic) -> tuple[int, int]:
    return (0, topic.position) if topic is not None else (1, 0)
