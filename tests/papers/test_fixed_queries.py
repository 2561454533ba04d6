"""Fixed queries: SQL compiled once, results exactly those of the queryset they stand for."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from papers.fixed_queries import FixedQuery, one_of
from papers.models import Authorship, Digest, Paper, Status
from tests.factories import DigestFactory, PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db


def _page(papers):
    return papers.select_related("summary", "topic").defer("search_vector").prefetch_related(
        Prefetch("authorships", queryset=Authorship.objects.select_related("author").order_by("position")), "tags",
    )


def _shown(papers) -> list:
    """What a page reads of these papers, their related and prefetched objects included."""
    return [(p.pk, p.arxiv_id, p.title, p.topic.slug if p.topic else None,
             p.summary.headline_zh if hasattr(p, "summary") else None,
             [a.author.name for a in p.authorships.all()], sorted(t.name for t in p.tags.all())) for p in papers]


@pytest.fixture
def papers():
    made = [PaperFactory(tags=["agent", "rag"]), PaperFactory(authors=["Ada Lovelace"]), PaperFactory(tags=["llm"])]
    SummaryFactory(paper=made[0], published=True)
    SummaryFactory(paper=made[1])
    return made


def test_a_fixed_query_reads_what_its_queryset_reads_in_as_many_queries(papers):
    builds = []

    def build(arxiv_id):
        builds.append(arxiv_id)
        return _page(Paper.objects.all()).filter(arxiv_id=arxiv_id)[:1]

    fixed = FixedQuery(build, arxiv_id=str)
    for paper in [*papers, papers[0]]:
        with CaptureQueriesContext(connection) as plain:
            expected = _shown(_page(Paper.objects.all()).filter(arxiv_id=paper.arxiv_id)[:1])
        with CaptureQueriesContext(connection) as fixed_queries:
            found = _shown(fixed(arxiv_id=paper.arxiv_id))
        assert found == expected and found[0][1] == paper.arxiv_id
        assert len(fixed_queries) == len(plain)
    assert _shown(fixed(arxiv_id="2499.99999")) == []
    assert len(builds) == 1  # built once, with a stand-in, and compiled once: every call only swaps the value in


def test_every_kind_of_value_lands_where_its_stand_in_did(papers):
    day = dt.date(2024, 4, 2)
    digest = DigestFactory(date=day, papers=papers[:2], status=Status.PUBLISHED)
    DigestFactory(date=day + dt.timedelta(days=1), papers=papers)
    by_day = FixedQuery(lambda day, status: Digest.objects.filter(date=day, status=status), day=dt.date, status=str)
    assert list(by_day(day=day, status=Status.PUBLISHED)) == [digest]
    assert list(by_day(day=day, status=Status.DRAFT)) == []
    by_ids = FixedQuery(lambda ids, topic: Paper.objects.filter(pk__in=one_of(ids, "bigint"), topic_id=topic)
                        .order_by("pk").values_list("arxiv_id", flat=True), ids=list, topic=int)
    first, second, third = papers
    assert list(by_ids(ids=[first.pk, third.pk], topic=first.topic_id)) == [first.arxiv_id]
    assert list(by_ids(ids=[p.pk for p in papers], topic=third.topic_id)) == [third.arxiv_id]
    assert list(by_ids(ids=[], topic=first.topic_id)) == []


def test_values_of_another_type_are_refused_before_any_sql():
    fixed = FixedQuery(lambda day, pk: Digest.objects.filter(date=day, pk=pk), day=dt.date, pk=int)
    for wrong in ({"day": None, "pk": 1}, {"day": timezone.now(), "pk": 1}, {"day": dt.date(2024, 1, 1), "pk": True},
                  {"day": dt.date(2024, 1, 1), "pk": "1"}, {"day": dt.date(2024, 1, 1)}):
        with CaptureQueriesContext(connection) as queries, pytest.raises(TypeError):
            list(fixed(**wrong))
        assert not queries.captured_queries
    with pytest.raises(TypeError, match="must be one of"):
        FixedQuery(lambda moment: Digest.objects.filter(published_at=moment), moment=dt.datetime)


def test_its_queryset_cannot_be_turned_into_another_shape(papers):
    fixed = FixedQuery(lambda arxiv_id: Paper.objects.filter(arxiv_id=arxiv_id), arxiv_id=str)
    queryset = fixed(arxiv_id=papers[0].arxiv_id)
    for other_shape in (lambda q: q.filter(version=1), lambda q: q.first(), lambda q: q.count(),
                        lambda q: q.exists(), lambda q: q[:1], lambda q: q.order_by("pk")):
        with pytest.raises(TypeError, match="read as it is"):
            other_shape(queryset)
    assert [p.pk for p in queryset] == [papers[0].pk] and len(queryset) == 1


def test_a_value_that_is_no_parameter_of_its_own_is_refused(papers):
    pattern = FixedQuery(lambda word: Paper.objects.filter(title__icontains=word), word=str)
    with pytest.raises(TypeError, match="word of a fixed query do not reach its SQL"):
        list(pattern(word="agent"))


def test_a_moment_would_be_frozen_into_the_sql_and_is_refused():
    recent = FixedQuery(lambda: Digest.objects.filter(published_at__lte=timezone.now()))
    with pytest.raises(TypeError, match="would keep the moment"):
        list(recent())


def test_a_value_of_a_smallint_column_is_refused_rather_than_read_as_nothing(papers):
    by_version = FixedQuery(lambda version: Paper.objects.filter(version=version), version=int)
    with pytest.raises(TypeError, match="finds nothing for its stand-in values"):
        list(by_version(version=1))
