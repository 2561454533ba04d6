"""The published seeds on SQLite: the import's SQLite writes, search without vectors, every page type."""
from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from papers.models import Authorship, Digest, Paper, Status, Summary
from tests.sqlite.helpers import ASMV2, SEED_AUTHORSHIPS, SEED_PAPERS

pytestmark = pytest.mark.django_db

LIAN = "2401.12215"  # Less Could Be Better (PEFT for medical vision), first entry of the Hexo seed: it has authors


def found(client, query: str, **filters) -> list[str]:
    response = client.get(reverse("search"), {"q": query, **filters})
    assert response.status_code == 200
    return [paper.arxiv_id for paper in response.context["page"]]


def test_import_command_writes_both_seeds_published(published):
    assert [line.split()[-5:] for line in published.splitlines()[1:4]] == [
        ["digest-md", "28", "0", "0", "0"], ["hexo", "14", "0", "0", "0"], ["total", "42", "0", "0", "0"],
    ]
    assert Summary.objects.published().count() == Paper.objects.count() == SEED_PAPERS
    assert set(Digest.objects.values_list("date", "status")) == {
        (date(2024, 1, 24), Status.PUBLISHED), (date(2024, 2, 29), Status.PUBLISHED),
    }
    assert Authorship.objects.count() == SEED_AUTHORSHIPS
    assert [a.author.name for a in Authorship.objects.filter(paper__arxiv_id=LIAN).select_related("author")] == [
        "Chenyu Lian", "Hong-Yu Zhou", "Yizhou Yu", "Liansheng Wang",
    ]


def test_search_finds_the_all_seeing_project_in_chinese_and_english(client, published):
    queries = ["关系理解", "全知计划", "relation comprehension"]
    assert {query: found(client, query) for query in queries} == {query: [ASMV2] for query in queries}


def test_search_needs_every_word_and_combines_with_filters(client, published):
    assert found(client, "关系理解 nonexistentword") == []
    assert found(client, "relation", category="cs.CV") == []
    paper = Paper.objects.get(arxiv_id=ASMV2)
    paper.categories = ["cs.CV", "cs.AI"]
    paper.save()
    assert found(client, "relation", category="cs.CV") == [ASMV2]
    assert found(client, "relation", category="cs.C") == []  # a whole category, not a part of one


# Every public page type, with something each must show.
PAGES = {
    "/": ASMV2,
    "/digest/": "/digest/2024-02-29/",
    "/digest/2024-02-29/": ASMV2,
    "/digest/2024-02-29/agent/": ASMV2,
    "/digest/2024-01-24/": LIAN,
    f"/paper/{ASMV2}/": "The All-Seeing Project V2",
    "/topic/agent/": ASMV2,
    "/tag/llm/": LIAN,
    "/author/chenyu-lian/": LIAN,
    "/search/?q=关系理解": ASMV2,
    "/feed/rss/": ASMV2,
    "/feed/atom/": ASMV2,
    "/feed/rss/topic/agent/": ASMV2,
    "/feed/atom/topic/agent/": ASMV2,
    "/feed/rss/tag/llm/": LIAN,
    "/feed/atom/tag/llm/": LIAN,
    "/sitemap.xml": f"/paper/{ASMV2}/",
    "/robots.txt": "Sitemap: http://testserver/sitemap.xml",
    "/admin/login/": 'name="username"',
}


def test_every_public_page_type_answers(client, published):
    answers = {}
    for url, expected in PAGES.items():
        response = client.get(url)
        answers[url] = (response.status_code, expected in response.content.decode())
    assert answers == {url: (200, True) for url in PAGES}


def test_the_desk_lists_the_entries(admin_client, published):
    response = admin_client.get(reverse("admin:papers_summary_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == SEED_PAPERS
