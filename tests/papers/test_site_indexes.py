"""/topic/, /tag/ and /author/: every topic, tag and author with its number of published papers."""
from __future__ import annotations

import html
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.formats import number_format

from papers.models import Author, Paper, Topic
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
    return items(response.content.decode())


def items(page: str) -> list[tuple[str, str, int]]:
    return [(m["href"], m["name"], int(m["n"])) for m in ITEM_RE.finditer(page)]


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


def test_counts_read_in_the_readers_language(client, papers):
    page = client.get("/tag/").content.decode()
    assert '<span class="count" data-count="2">2 篇论文</span>' in page
    english = Client(headers={"accept-language": "en"}).get("/tag/").content.decode()
    assert '<span class="count" data-count="2">2 papers</span>' in english
    assert '<span class="count" data-count="1">1 paper</span>' in english


@pytest.mark.parametrize("slug", ["agents", "大模型", "a~b:c@d", "x%20y", "q?&=#", "ünïcode-ß", "点 空格"])
def test_item_links_are_what_reverse_gives(slug):
    row = indexes.TagRow(slug=slug, name=slug, count=1)
    for route in ("topic", "tag", "author"):
        href = re.search(r'href="([^"]*)"', indexes.items_linked(route, [row])).group(1)
        assert html.unescape(href) == reverse(route, args=[slug])


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_items_are_written_as_format_html_writes_them(language):
    """Written out with the standard library's escape: the same bytes as Django's format_html, hostile names too."""
    from django.utils.html import format_html_join
    from django.utils.translation import ngettext, override

    rows = [indexes.TagRow(slug=slug, name=name, count=count) for slug, name, count in [
        ("x", "<script>alert(1)</script>", 1), ("q?&=#", 'say "hi" & \'bye\'', 2), ("点 空格", "点 空格", 1234567),
        ("a&amp;b", "a&amp;b", 0)]]
    with override(language):
        expected = format_html_join("\n", indexes.ITEM_HTML, (
            (reverse("tag", args=[row.slug]), row.name, row.count,
             ngettext("%(n)s paper", "%(n)s papers", row.count) % {"n": number_format(row.count)}) for row in rows))
        written = indexes.items_linked("tag", rows)
    assert written == expected and "<script>" not in written and "&amp;amp;b" in written


@pytest.mark.parametrize("querystring, start", [("", ""), ("", "M"), ('q=%3Cb%3E+%22x%22&lang=a&b', "Z")])
def test_letter_links_are_what_the_template_loop_wrote(querystring, start):
    from django.template import engines

    loop = engines["django"].from_string(
        '{% for letter in letters %}<a href="?{% if querystring %}{{ querystring }}&amp;{% endif %}from={{ letter }}"'
        '{% if letter == start %} aria-current="page"{% endif %}>{{ letter }}</a>{% endfor %}')
    expected = loop.render({"letters": indexes.LETTERS, "querystring": querystring, "start": start})
    assert indexes.letter_links(querystring, start) == expected
    assert expected.count("aria-current") == (1 if start else 0)


def test_authors_are_listed_by_name_with_their_published_papers(client, papers):
    assert listed(client, "/author/") == [
        (reverse("author", args=["ada-lovelace"]), "Ada Lovelace", 2),
        (reverse("author", args=["bo-zhang"]), "Bo Zhang", 2),
    ]
    assert [name for _, name, _ in listed(client, "/author/?q=zhang")] == ["Bo Zhang"]
    assert listed(client, "/author/?q=draft") == []  # an author of drafts only is nobody's business


def test_a_short_author_search_matches_where_a_word_starts(client, papers):
    entry(authors=["Jean-Luc Picard", "Emily Chen", "Wei Li"])
    names = lambda q: [name for _, name, _ in listed(client, f"/author/?q={q}")]  # noqa: E731
    assert names("ove") == ["Ada Lovelace"]  # three characters or more: anywhere in the name
    assert names("ov") == [] and names("lo") == ["Ada Lovelace"] and names("z") == ["Bo Zhang"]
    assert names("li") == ["Wei Li"]  # not Emily Chen for the "li" inside
    assert names("ily") == ["Emily Chen"]
    assert names("lu") == ["Jean-Luc Picard"]


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', page)
    return html.unescape(found[1]) if found else None


def walk(client, url: str, rel: str) -> tuple[list[str], int]:
    """Follow the pager's ``rel`` links from ``url`` to the end: every author listed (slugs) and the pages."""
    slugs, pages = [], 0
    while url:
        page = client.get(url).content.decode()
        listed_here = [href.split("/")[-2] for href, _, _ in items(page)]
        slugs += listed_here if rel == "next" else listed_here[::-1]
        pages += 1
        url = link(page, rel) and "/author/" + link(page, rel)
    return slugs, pages


@pytest.fixture
def eleven_authors(monkeypatch):
    monkeypatch.setattr(indexes, "AUTHORS_PER_PAGE", 3)
    for n in range(4):
        entry(authors=[f"Author {n:02d} One", f"Author {n:02d} Two"])
    # Namesakes (one name, two people): ordered by id, each listed once.
    entry(authors=[AuthorFactory(name="Wei Wang", slug="wei-wang"), AuthorFactory(name="Wei Wang", slug="wei-wang-2"),
                   "Zoe Zhu"])
    entry(published=False, authors=["Author 02 Draft"])  # an author of drafts only is not listed
    return [a.slug for a in Author.objects.filter(authorships__paper__summary__status="published").distinct()
            .order_by("name", "pk")]


def test_authors_are_paged_by_name_and_the_pager_visits_each_once(client, eleven_authors):
    assert len(eleven_authors) == 11
    forward, pages = walk(client, "/author/", "next")
    assert forward == eleven_authors and pages == 4
    last = link(client.get("/author/?after=" + eleven_authors[-4]).content.decode(), "prev")
    assert last == "?before=" + eleven_authors[-3]
    backward, pages = walk(client, "/author/?after=" + eleven_authors[-4], "prev")
    assert backward == eleven_authors[::-1] and pages == 4



# Every match sorted; a page found among the first five matches; or past the first two.
@pytest.mark.parametrize("candidates", [indexes.SEARCH_CANDIDATES, 5, 2])
def test_a_search_is_paged_the_same_way(client, eleven_authors, monkeypatch, candidates):
    monkeypatch.setattr(indexes, "SEARCH_CANDIDATES", candidates)
    authors = [slug for slug in eleven_authors if slug.startswith("author-")]
    found, pages = walk(client, "/author/?q=author", "next")
    assert found == authors and pages == 3
    assert link(client.get("/author/?q=author").content.decode(), "next") == "?q=author&after=author-01-one"
    backward, pages = walk(client, "/author/?q=author&after=" + authors[-3], "prev")
    assert backward == authors[::-1] and pages == 3
    assert [name for _, name, _ in listed(client, "/author/?q=wang")] == ["Wei Wang", "Wei Wang"]


def test_a_letter_starts_the_page_there_and_old_page_numbers_show_the_first_page(client, eleven_authors):
    page = client.get("/author/?from=W").content.decode()
    assert [name for _, name, _ in listed(client, "/author/?from=W")] == ["Wei Wang", "Wei Wang", "Zoe Zhu"]
    assert link(page, "prev") == "?before=wei-wang" and link(page, "next") is None
    assert 'href="?from=W" aria-current="page"' in page
    assert listed(client, "/author/?page=5") == listed(client, "/author/")
    # Past the end (a letter after every name, a stale link): the last page.
    assert [name for _, name, _ in listed(client, "/author/?from=zz")] == ["Wei Wang", "Wei Wang", "Zoe Zhu"]


def test_a_deep_author_page_costs_what_the_second_does(client, eleven_authors):
    def queries(url):
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert listed(client, url)
        return len(captured)

    # The cursor author, the page (one row more than it shows: no count), one row before it, the header's topics.
    assert queries("/author/?after=" + eleven_authors[2]) == queries("/author/?after=" + eleven_authors[8]) == 4
    assert queries("/author/") == 2  # the page and the header's topics


def test_the_index_pages_are_linked_from_the_navigation_and_the_paper_page(client, papers):
    home = client.get(reverse("home")).content.decode()
    for url in ("/topic/", "/tag/", "/author/"):
        assert f'href="{url}"' in home
    arxiv_id = Paper.objects.published().filter(authorships__author__slug="bo-zhang", tags__slug="rlhf").get().arxiv_id
    paper = client.get(reverse("paper", args=[arxiv_id])).content.decode()
    for url in ("/topic/", "/tag/", "/author/"):
        assert f'href="{url}"' in paper.split('<article class="paper">', 1)[1]  # beside the chips, not only the menu
