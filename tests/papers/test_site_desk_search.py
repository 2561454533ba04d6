"""papers.site.desk_search: the desk's search box and counts, arXiv ids from their index, words from the full-text index."""
from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.site import desk_search
from papers.site.desk_search import arxiv_id_query
from papers.models import Paper, Status, Summary
from papers.services.search_index import index_papers
from papers.services.ingest import IngestOptions, import_sources
from tests.factories import AuthorshipFactory, DigestFactory, GenerationFactory, PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db

ASMV2 = "2402.19474"  # The All-Seeing Project V2: "relation comprehension", 关系理解
RED_TEAM = "2402.19464"  # Curiosity-driven Red-teaming: 好奇心


@pytest.fixture
def admin_client(admin_user):
    """The desk in English, the language these tests name its filters in."""
    from django.test import Client

    client = Client(headers={"accept-language": "en"})
    client.force_login(admin_user)
    return client


@pytest.fixture
def seeded(seed_digest, seed_hexo):
    import_sources([str(seed_digest), str(seed_hexo)], options=IngestOptions())


def changelist(client, model: str, **params) -> list[str]:
    response = client.get(reverse(f"admin:papers_{model}_changelist"), params)
    assert response.status_code == 200
    rows = response.context["cl"].result_list
    return sorted(row.arxiv_id if model == "paper" else row.paper.arxiv_id for row in rows)


@pytest.mark.parametrize(
    "term, expected",
    [
        ("2402.19474", ("exact", "2402.19474")),
        (" 2402.19474v3 ", ("exact", "2402.19474")),
        ("arXiv:2402.19474", ("exact", "2402.19474")),
        ("https://arxiv.org/abs/2402.19474v2", ("exact", "2402.19474")),
        ("https://arxiv.org/pdf/2402.19474.pdf", ("exact", "2402.19474")),
        ("hep-th/9901001v1", ("exact", "hep-th/9901001")),
        ("MATH.ag/0101001", ("exact", "math.AG/0101001")),
        ("0704.0001", ("exact", "0704.0001")),  # four digits before 2015
        ("2402.1947", ("prefix", "2402.1947")),  # five since
        ("2402.194", ("prefix", "2402.194")),
        ("2402", ("prefix", "2402")),
        ("relation comprehension", None),
        ("关系理解", None),
        ("GPT-4", None),
        ("2402.19474 agents", None),
    ],
)
def test_what_counts_as_an_arxiv_id(term, expected):
    assert arxiv_id_query(term) == expected


@pytest.mark.parametrize("query", ["2402.19474", "arXiv:2402.19474v2", "https://arxiv.org/abs/2402.19474"])
def test_an_arxiv_id_finds_its_entry_and_paper_by_the_index(admin_client, seeded, query):
    with CaptureQueriesContext(connection) as queries:
        assert changelist(admin_client, "summary", q=query) == [ASMV2]
    searched = [q["sql"] for q in queries if "papers_paper" in q["sql"] and "papers_summary" in q["sql"]]
    assert searched and all("LIKE" not in sql and "papers_author" not in sql for sql in searched)
    assert changelist(admin_client, "paper", q=query) == [ASMV2]


def test_the_start_of_an_arxiv_id_finds_every_id_that_starts_so(admin_client, seeded):
    expected = sorted(Paper.objects.filter(arxiv_id__startswith="2402.194").values_list("arxiv_id", flat=True))
    assert len(expected) > 1
    assert changelist(admin_client, "summary", q="2402.194") == expected
    assert changelist(admin_client, "paper", q="2402.194") == expected
    assert changelist(admin_client, "summary", q="2402.1947") == sorted(e for e in expected if e.startswith("2402.1947"))


@pytest.mark.parametrize("query, arxiv_id", [("关系理解", ASMV2), ("relation comprehension", ASMV2),
                                              ("relations", ASMV2), ("好奇心", RED_TEAM)])
def test_words_use_the_full_text_index_in_english_and_chinese(admin_client, seeded, query, arxiv_id):
    with CaptureQueriesContext(connection) as queries:
        found = changelist(admin_client, "summary", q=query)
    assert arxiv_id in found
    assert len(found) < Summary.objects.count()
    sql = " ".join(q["sql"] for q in queries)
    assert "@@" in sql and 'UPPER("papers_paper"' not in sql and 'UPPER("papers_summary"' not in sql
    # The matches go to the page's queries as one array, not a parameter each.
    assert '"papers_summary"."id" = ANY(' in sql and '"papers_summary"."id" IN (' not in sql
    assert arxiv_id in changelist(admin_client, "paper", q=query)


def test_a_word_search_lists_drafts_too(admin_client, seeded):
    """The desk searches every entry, not only what readers see (the public search's filter)."""
    assert Summary.objects.get(paper__arxiv_id=ASMV2).status == Status.DRAFT
    assert changelist(admin_client, "summary", q="关系理解") == [ASMV2]


def test_a_word_search_keeps_the_newest_matches_and_filters_apply_first(admin_client, monkeypatch):
    papers = {}
    for day, arxiv_id in ((1, "2403.00001"), (2, "2403.00002"), (3, "2403.00003")):
        summary = SummaryFactory(paper=PaperFactory(arxiv_id=arxiv_id, title="Zebra stripes", abstract="About zebras.",
                                                    published=f"2024-03-0{day}"))
        papers[arxiv_id] = summary
    index_papers([s.paper_id for s in papers.values()])
    Summary.objects.filter(pk=papers["2403.00003"].pk).update(status=Status.IN_REVIEW)
    monkeypatch.setattr(desk_search, "DESK_SEARCH_LIMIT", 2)
    assert changelist(admin_client, "summary", q="zebra") == ["2403.00002", "2403.00003"]
    assert changelist(admin_client, "paper", q="zebra") == ["2403.00002", "2403.00003"]
    # The status filter narrows before the cut: the two newest drafts, not the newest two entries' drafts.
    assert changelist(admin_client, "summary", q="zebra", status__exact="draft") == ["2403.00001", "2403.00002"]
    assert changelist(admin_client, "summary", q="nothingmatcheszebra") == []


def test_large_counts_come_from_the_planner_and_small_ones_are_exact(admin_client, seeded, monkeypatch):
    total = Summary.objects.count()
    with connection.cursor() as cursor:  # the planner's figures as autovacuum keeps them, not an earlier test's
        cursor.execute(f"ANALYZE {Summary._meta.db_table}, {Paper._meta.db_table}")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:papers_summary_changelist"))
    assert response.context["cl"].result_count == total
    assert any("COUNT(*)" in q["sql"] for q in queries)
    monkeypatch.setattr(desk_search, "ESTIMATE_ABOVE", 0)  # every count is "large"
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:papers_summary_changelist"), {"status__exact": "draft"})
    assert not any("COUNT(*)" in q["sql"] for q in queries)
    assert any(q["sql"].startswith("EXPLAIN (FORMAT JSON)") for q in queries)
    assert response.context["cl"].result_count > 0


def test_backend_and_model_filters_list_the_values_there_are(admin_client, seeded):
    summaries = list(Summary.objects.order_by("pk")[:2])
    for summary, (backend, model) in zip(summaries, (("openai", "gpt-x"), ("offline", ""))):
        summary.generation = GenerationFactory(summary=summary, backend=backend, model=model)
        summary.save()
    response = admin_client.get(reverse("admin:papers_summary_changelist"), HTTP_ACCEPT_LANGUAGE="en")
    filters = {str(spec.title): [choice["display"] for choice in spec.choices(response.context["cl"])]
               for spec in response.context["cl"].filter_specs}
    backends = filters["machine text backend"]
    assert "openai" in backends and "offline" in backends
    assert backends.index("offline") < backends.index("openai")  # in order
    assert "gpt-x" in filters["machine text model"]
    assert changelist(admin_client, "summary", generation__backend="openai") == [summaries[0].paper.arxiv_id]


@pytest.fixture
def by_authors():
    """Entries whose papers' words say nothing of their authors: only the names find them."""
    return {
        name: SummaryFactory(paper=PaperFactory(arxiv_id=arxiv_id, authors=[name, "Someone Else"]))
        for name, arxiv_id in (("Weiyun Wang", "2403.00011"), ("Mei Wangari", "2403.00012"), ("Jun Zhang", "2403.00013"))
    }


@pytest.mark.parametrize("query, expected", [
    ("Weiyun Wang", ["2403.00011"]),
    ("weiyun  wang", ["2403.00011"]),  # any case, any spacing
    ("wang", ["2403.00011", "2403.00012"]),  # any part of a name
    ("zhang", ["2403.00013"]),
])
def test_authors_names_find_their_entries_and_papers(admin_client, by_authors, query, expected):
    index_papers([s.paper_id for s in by_authors.values()])
    with CaptureQueriesContext(connection) as queries:
        assert changelist(admin_client, "summary", q=query) == expected
    sql = " ".join(q["sql"] for q in queries)
    # The trigram index's expression (UPPER(name) LIKE), on a bounded list of authors.
    assert re.search(r'UPPER\(U0\."name"::text\) LIKE UPPER\(.*\) LIMIT %d\)' % desk_search.AUTHOR_LIMIT, sql)
    assert changelist(admin_client, "paper", q=query) == expected


def test_an_author_search_is_bounded_and_filtered(admin_client, by_authors, monkeypatch):
    Summary.objects.filter(pk=by_authors["Mei Wangari"].pk).update(status=Status.IN_REVIEW)
    assert changelist(admin_client, "summary", q="wang", status__exact="in_review") == ["2403.00012"]
    monkeypatch.setattr(desk_search, "AUTHOR_LIMIT", 1)
    assert len(changelist(admin_client, "summary", q="wang")) == 1


def test_words_and_names_together(admin_client, seeded, by_authors):
    """A name finds the entries of every author so named; words still find only what the words say."""
    paper = Paper.objects.get(arxiv_id=ASMV2)
    AuthorshipFactory(paper=paper, author=by_authors["Weiyun Wang"].paper.authors.get(name="Weiyun Wang"))
    index_papers([paper.pk])
    assert changelist(admin_client, "summary", q="Weiyun Wang") == [ASMV2, "2403.00011"]
    found = changelist(admin_client, "summary", q="relation comprehension")
    assert ASMV2 in found and "2403.00011" not in found


def test_two_letters_search_no_names(admin_client, by_authors):
    """The trigram index needs three characters: shorter terms leave the authors alone (no scan of every name)."""
    SummaryFactory(paper=PaperFactory(authors=["Li Na"]))
    with CaptureQueriesContext(connection) as queries:
        assert changelist(admin_client, "summary", q="Li") == []
    assert not any("papers_author" in q["sql"] for q in queries)


def test_the_start_of_an_id_lists_the_newest_ids_from_the_like_index(admin_client, monkeypatch):
    for number in (1, 2, 3):
        SummaryFactory(paper=PaperFactory(arxiv_id=f"2403.0000{number}"))
    SummaryFactory(paper=PaperFactory(arxiv_id="2404.00009"))
    monkeypatch.setattr(desk_search, "DESK_SEARCH_LIMIT", 2)
    with CaptureQueriesContext(connection) as queries:
        assert changelist(admin_client, "summary", q="2403.0000") == ["2403.00002", "2403.00003"]
    assert any("LIKE" in q["sql"] and "ORDER BY 2 USING ~>~ LIMIT" in q["sql"] for q in queries)
    assert changelist(admin_client, "paper", q="2403") == ["2403.00002", "2403.00003"]


@pytest.mark.django_db(transaction=True)
def test_a_word_search_plans_without_parallel_workers_and_leaves_the_connection_as_it_was(admin_client):
    summary = SummaryFactory(paper=PaperFactory(title="Zebra stripes"))
    index_papers([summary.paper_id])
    with CaptureQueriesContext(connection) as queries:
        assert changelist(admin_client, "summary", q="zebra") == [summary.paper.arxiv_id]
    sql = [q["sql"] for q in queries]
    setting = sql.index("SET LOCAL max_parallel_workers_per_gather = 0")
    assert "@@" in sql[setting + 1]  # the search itself, in the same transaction
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] != "0"


def test_the_filters_choices_come_from_one_statement(admin_client, monkeypatch):
    """Backends, models and digest days: each a skip scan of its index, all three in one query."""
    import datetime as dt

    from editorial.admin.changelist import DigestDateFilter

    for backend, model in (("openai", "gpt-x"), ("offline", ""), ("openai", "gpt-y")):
        summary = SummaryFactory()
        summary.generation = GenerationFactory(summary=summary, backend=backend, model=model)
        summary.save()
    for day in (3, 1, 2):
        DigestFactory(date=dt.date(2024, 5, day))
    monkeypatch.setattr(DigestDateFilter, "limit", 2)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:papers_summary_changelist"))
    filters = {str(spec.title): [choice["display"] for choice in spec.choices(response.context["cl"])][1:]
               for spec in response.context["cl"].filter_specs}
    assert filters["digest date"] == ["2024-05-03", "2024-05-02"]  # the newest days first, at most `limit`
    assert filters["machine text backend"][-2:] == ["offline", "openai"]
    assert {"-", "gpt-x", "gpt-y"} <= set(filters["machine text model"])
    scans = [q["sql"] for q in queries if "WITH RECURSIVE" in q["sql"]]
    assert len(scans) == 1 and all(table in scans[0] for table in ("papers_generation", "papers_digest"))
