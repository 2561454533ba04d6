"""The public pages' queries, each compiled once per process (``papers.fixed_queries``).

These run on every uncached page view, and building their SQL was a quarter
to a half of such a view's CPU.  The paper page reads its authors, tags and
digests with three of them instead of ``prefetch_related``, whose lookups
cost 4.4 ms a page where the queries they run cost 0.3 ms each.
"""
from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from taggit.models import Tag

from papers.fixed_queries import FixedQuery, one_of
from papers.models import CARD_UNUSED_FIELDS, Correction, Digest, DigestEntry, Generation, Paper

PAGE_SIZE = 20
CORRECTIONS_SHOWN = 5  # the latest corrections a paper page lists


# --- paper page -------------------------------------------------------------------

def _paper(papers):
    return papers.select_related("summary", "topic").defer("search_vector")


PAPER = FixedQuery(lambda arxiv_id: _paper(Paper.objects.published()).filter(arxiv_id=arxiv_id)[:1], arxiv_id=str)
STAFF_PAPER = FixedQuery(lambda arxiv_id: _paper(Paper.objects.all()).filter(arxiv_id=arxiv_id)[:1], arxiv_id=str)  # previews
PAPER_DIGESTS = FixedQuery(lambda paper: Digest.objects.published().filter(papers=paper), paper=int)
TAGS = FixedQuery(lambda paper, paper_type: Tag.objects.filter(
    taggit_taggeditem_items__object_id=paper, taggit_taggeditem_items__content_type_id=paper_type).order_by("name"),
    paper=int, paper_type=int)
CORRECTIONS = FixedQuery(lambda summary: Correction.objects.filter(summary_id=summary)[:CORRECTIONS_SHOWN], summary=int)
# What Summary.edited_fields compares the entry with; not the raw answer the row also holds.
MACHINE_TEXT = FixedQuery(lambda pk: Generation.objects.only("output").filter(pk=pk), pk=int)


def paper_type_id() -> int:
    """The content type of papers, which their tags are filed under (cached by Django)."""
    return ContentType.objects.get_for_model(Paper).pk


# --- lists of cards ---------------------------------------------------------------

LATEST_DIGESTS = FixedQuery(lambda: Digest.objects.latest_per_topic())  # the home page's
LATEST_CARDS = FixedQuery(lambda: Paper.objects.published().for_cards().latest_first()[:PAGE_SIZE])
CARDS = FixedQuery(lambda ids: Paper.objects.for_cards().filter(pk__in=one_of(ids, "bigint")), ids=list)


# --- digest day -------------------------------------------------------------------

DIGESTS_OF_DAY = FixedQuery(lambda day: Digest.objects.published().filter(date=day).select_related("topic"), day=dt.date)


def _entries(day):
    """A day's published entries as cards, in their digests' order (the digests: those of DIGESTS_OF_DAY)."""
    return (
        DigestEntry.objects.published().filter(digest__in=Digest.objects.published().filter(date=day))
        .select_related("paper__summary", "paper__topic")
        .defer(*(f"paper__{name}" for name in CARD_UNUSED_FIELDS))
        .order_by("paper__topic__position", "digest__topic__position", "position")
    )


ENTRIES = FixedQuery(_entries, day=dt.date)
TOPIC_ENTRIES = FixedQuery(lambda day, topic: _entries(day).filter(Q(paper__topic=topic) | Q(digest__topic=topic)),
                           day=dt.date, topic=int)
