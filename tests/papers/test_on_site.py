"""The paper row's ``on_site`` (PostgreSQL): "its entry is published", kept by the database for every writer.

The public search walks the published papers' own date index on it, so a
flag that lagged behind would hide a published paper from search, and one
left on would let a draft's vector slow it down again.
"""
from __future__ import annotations

import pytest
from django.db import connection

from papers.models import Paper, Status, Summary
from papers.services.transitions import state_change
from papers.site.search import search
from papers.services.search_index import index_papers
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db


def on_site(*papers: Paper) -> list[bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, on_site FROM papers_paper WHERE id = ANY(%s)", [[p.pk for p in papers]])
        flags = dict(cursor.fetchall())
    return [flags[p.pk] for p in papers]


def test_publishing_and_withdrawing_move_the_flag_of_exactly_those_papers():
    first, second, third = (SummaryFactory(published=False) for _ in range(3))
    papers = [first.paper, second.paper, third.paper]
    assert on_site(*papers) == [False, False, False]

    state_change(objects=[first, second], action="publish", target=Status.PUBLISHED)
    assert on_site(*papers) == [True, True, False]

    state_change(objects=[second], action="unpublish", target=Status.UNPUBLISHED)
    assert on_site(*papers) == [True, False, False]


def test_an_entry_created_published_raw_sql_and_deletion_all_count():
    created = SummaryFactory(published=True)
    assert on_site(created.paper) == [True]

    draft = SummaryFactory(published=False)
    with connection.cursor() as cursor:  # a script or psql, past every Python hook
        cursor.execute("UPDATE papers_summary SET status = 'published' WHERE id = %s", [draft.pk])
    assert on_site(draft.paper) == [True]

    Summary.objects.filter(pk=created.pk).delete()
    assert on_site(created.paper) == [False]

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's transaction holds deferred foreign-key checks
        cursor.execute("TRUNCATE papers_summary CASCADE")
    assert on_site(draft.paper) == [False]


def test_an_entry_moved_to_another_paper_takes_the_flag_along():
    moved = SummaryFactory(published=True)
    left, other = moved.paper, PaperFactory()
    with connection.cursor() as cursor:  # nothing in the product moves an entry; a script or psql might
        cursor.execute("UPDATE papers_summary SET paper_id = %s WHERE id = %s", [other.pk, moved.pk])
    assert on_site(left, other) == [False, True]


def test_searchable_is_published_without_the_join():
    """The public search reads the flag alone: no join to the entries for each match."""
    sql = str(Paper.objects.searchable().query)
    assert "on_site" in sql and "papers_summary" not in sql


def test_saving_a_stale_copy_of_the_paper_cannot_undo_a_publish():
    summary = SummaryFactory(published=False)
    stale = Paper.objects.get(pk=summary.paper_id)  # read before the publish
    state_change(objects=[summary], action="publish", target=Status.PUBLISHED)

    stale.title = "Edited after the publish"
    stale.save()
    assert on_site(stale) == [True]


def test_a_paper_without_an_entry_is_not_on_site():
    assert on_site(PaperFactory()) == [False]


def test_search_through_searchable_finds_what_published_finds_and_only_that():
    words = "Quasicrystalline attention for retrieval"
    live = [SummaryFactory(paper=PaperFactory(title=f"{words} {n}", published=f"2024-03-0{n}"), published=True)
            for n in range(1, 4)]
    hidden = SummaryFactory(paper=PaperFactory(title=f"{words} draft", published="2024-03-09"), published=False)
    index_papers([s.paper_id for s in [*live, hidden]])

    ids, more = search(Paper.objects.searchable(), "quasicrystalline attention")
    assert not more
    assert sorted(ids) == sorted(s.paper_id for s in live)
    assert search(Paper.objects.published(), "quasicrystalline attention")[0] == ids

    state_change(objects=[hidden], action="publish", target=Status.PUBLISHED)
    assert hidden.paper_id in search(Paper.objects.searchable(), "quasicrystalline attention")[0]


def test_the_search_walk_reads_the_published_papers_own_date_index():
    """The plan for a broad word's newest matches names the partial index (the planner's choice, forced here)."""
    SummaryFactory(published=True)
    newest = Paper.objects.searchable().order_by("-published", "-arxiv_id").values("pk")[:101]
    sql, params = newest.query.sql_with_params()
    with connection.cursor() as cursor:
        for method in ("seqscan", "bitmapscan", "sort", "incremental_sort"):  # only an index in this order remains
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "papers_paper_on_site_newest" in plan
