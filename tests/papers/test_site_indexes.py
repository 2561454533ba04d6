"""/topic/, /tag/ and /author/: every topic, tag and author with its number of published papers."""
from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.models import Paper, Topic
from papers.site import indexes
from tests.factories import AuthorFactory, PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db

ITEM_RE = re.compile(r'<li><a href="(?P<href>[^"]+)">(?P<name>[^<]+)</a>\s*<span class="count" data-count="(?P<n>\d+)">')


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def listed(client, url: str) -> list[tuple[str, str, int]]:
    response = client.get(url)
    assert response.status_code == 200, url
    return [(m["href"], m["name"], int(m["n"])) for m in ITEM_RE.finditer(response.content.decode())]


def entry(*, published: bool = True, **paper):
    return SummaryFactory(published=published, paper=PaperFactory(**paper)).paper


@pytest.fixture
def papers():
    ada, bo, cy = AuthorFactory(name="Ada Lovelace"), AuthorFactory(name="Bo Zhang"), AuthorFactory(name="Cy Draft")
    entry(authors=[ada, bo], tags=["rlhf", "agents"], sample={"topic": "agent", **_sample(0)})
    entry(authors=[ada], tags=["agents"], sample={"topic": "agent", **_sample(0)})
    entry(authors=[bo], tags=["retrieval"], sample={"topic": "rag", **_sample(1)})
    # Drafts count nowhere, and an author or tag with drafts only is not listed.
    entry(published=False, authors=[ada, cy], tags=["agents", "secret-tag"], sample={"topic": "agent", **_sample(0)})
    entry(published=False, authors=[cy], sample={"topic": "llm-theory", **_sample(2)})


def _sample(n):
    from tests.factories import SAMPLES

    return {k: v for k, v in SAMPLES[n].items() if k != "topic"}


def test_topics_are_listed_with_their_published_papers(client, papers):
    agent, rag = Topic.objects.get(slug="agent"), Topic.objects.get(slug="rag")
    assert listed(client, "/topic/") == [
        (reverse("topic", args=["agent"]), agent.name_zh, 2), (reverse("topic", args=["rag"]), rag.name_zh, 1),
    ]  # in the site's order of topics; llm-theory has drafts only
    english = Client(headers={"accept-language": "en"})
    assert [name for _, name, _ in listed(english, "/topic/")] == [agent.name_en, rag.name_en]


def test_tags_are_listed_by_count_of_published_papers(client, papers):
    assert [(href, name, n) for href, name, n in listed(client, "/tag/")] == [
        (reverse("tag", args=["agents"]), "agents", 2),
        (reverse("tag", args=["retrieval"]), "retrieval", 1),
        (reverse("tag", args=["rlhf"]), "rlhf", 1),
    ]


def test_authors_are_listed_by_name_with_their_published_papers(client, papers):
    assert listed(client, "/author/") == [
        (reverse("author", args=["ada-lovelace"]), "Ada Lovelace", 2),
        (reverse("author", args=["bo-zhang"]), "Bo Zhang", 2),
    ]
    assert [name for _, name, _ in listed(client, "/author/?q=zhang")] == ["Bo Zhang"]
    assert listed(client, "/author/?q=draft") == []  # an author of drafts only is nobody's business


def test_authors_are_paginated_in_a_constant_number_of_queries(client, monkeypatch):
    monkeypatch.setattr(indexes, "AUTHORS_PER_PAGE", 3)
    for n in range(7):
        entry(authors=[f"Author {n:02d} One", f"Author {n:02d} Two"])

    def queries(url):
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            rows = listed(client, url)
        return rows, len(captured)

    first, few = queries("/author/")
    last, more = queries("/author/?page=5")
    assert [name for _, name, _ in first] == ["Author 00 One", "Author 00 Two", "Author 01 One"]
    assert [name for _, name, _ in last] == ["Author 06 One", "Author 06 Two"]
    assert all(n == 1 for *_, n in first + last)
    assert few == more == 3  # the page (one row more than it shows: no count), one aggregate, the header's topics
    assert 'rel="next"' in client.get("/author/").content.decode()
    assert 'rel="next"' not in client.get("/author/?page=5").content.decode()
    page = client.get("/author/?q=author+03").content.decode()
    assert "Author 03 One" in page and "Author 04" not in page


def test_the_index_pages_are_linked_from_the_navigation_and_the_paper_page(client, papers):
    home = client.get(reverse("home")).content.decode()
    for url in ("/topic/", "/tag/", "/author/"):
        assert f'href="{url}"' in home
    arxiv_id = Paper.objects.published().filter(authorships__author__slug="bo-zhang", tags__slug="rlhf").get().arxiv_id
    paper = client.get(reverse("paper", args=[arxiv_id])).content.decode()
    for url in ("/topic/", "/tag/", "/author/"):
        assert f'href="{url}"' in paper.split('<article class="paper">', 1)[1]  # beside the chips, not only the menu
