"""A feed for any search: every filter of the search page, both formats, cached, and never an error."""
from __future__ import annotations

import datetime as dt
import re

import feedparser
import pytest
from django.core.cache import cache
from django.utils import timezone

from papers.models import Paper, Status, Summary, Topic
from papers.services.ingest import IngestOptions, import_sources
from papers.site.feeds import FEED_SIZE
from papers.services.transitions import state_change
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db

ASMV2 = "2402.19474"  # All-Seeing Project V2, Agent, seed 000
PEFT = "2401.12215"  # first of the Hexo seed: tagged LLM, four authors, code on GitHub
T0 = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def published(seed_digest, seed_hexo):
    import_sources([str(seed_digest), str(seed_hexo)], options=IngestOptions(publish=True))
    Summary.objects.update(published_at=T0)
    Paper.objects.filter(arxiv_id=PEFT).update(categories=["cs.CV", "cs.LG"], primary_category="cs.CV")


def read(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith(("application/rss+xml", "application/atom+xml")), url
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, (url, feed.get("bozo_exception"))
    return feed


def arxiv_ids(feed) -> set[str]:
    return {entry.id.removeprefix("arxiv:") for entry in feed.entries}


def published_ids(**filters) -> set[str]:
    return set(Paper.objects.published().filter(**filters).values_list("arxiv_id", flat=True))


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_a_query_finds_what_the_search_page_finds(client, published, kind):
    feed = read(client, f"/feed/{kind}/search/?q=relation+comprehension")
    assert ASMV2 in arxiv_ids(feed)
    assert feed.version == ("rss20" if kind == "rss" else "atom10")
    assert "relation comprehension" in feed.feed.title
    assert feed.feed.link == "http://testserver/search/?q=relation+comprehension"
    page = client.get("/search/?q=relation+comprehension").content.decode()
    assert f"/paper/{ASMV2}/" in page
    assert read(client, "/feed/rss/search/?q=关系理解").entries[0].id == f"arxiv:{ASMV2}"


@pytest.mark.parametrize("query", ["agent", "relation comprehension", "模型", "zyzzyva"])
def test_rare_and_common_words_give_the_same_feed_by_either_path(client, published, monkeypatch, query):
    """A word with few matches is listed from the GIN index first, others along the latest-published index."""
    from papers.site import search as search_module

    Summary.objects.filter(paper__arxiv_id=PEFT).update(published_at=T0 + dt.timedelta(hours=1))  # one not tied
    entries = lambda: [e.id for e in read(client, f"/feed/rss/search/?q={query}").entries]  # noqa: E731
    monkeypatch.setattr(search_module, "_planner_knows", lambda queryset, terms: False)
    through_gin = entries()
    cache.clear()
    monkeypatch.setattr(search_module, "RARE_MATCHES", 0)  # every word "common": the index of the latest
    assert entries() == through_gin
    expected = Paper.objects.published().filter(pk__in=search_module.matching(Paper.objects.all(), query))
    assert through_gin == [f"arxiv:{i}" for i in expected.latest_first().values_list("arxiv_id", flat=True)[:FEED_SIZE]]
    assert (query == "zyzzyva") == (through_gin == [])


def test_every_filter_of_the_search_page_narrows_the_feed(client, published):
    author = Paper.objects.get(arxiv_id=PEFT).authorships.order_by("position").first().author
    cases = {
        "topic=agent": published_ids(topic__slug="agent"),
        "tag=llm": published_ids(tags__slug="llm"),
        f"author={author.slug}": published_ids(authorships__author=author),
        "category=cs.CV": {PEFT},
        "published_after=2024-02-29&published_before=2024-02-29": published_ids(published=dt.date(2024, 2, 29)),
        "has_code=true": published_ids() - published_ids(code_url=""),
        "q=language+models&topic=agent": None,  # checked below: a subset of both
    }
    for query, expected in cases.items():
        found = arxiv_ids(read(client, f"/feed/atom/search/?{query}"))
        assert found, query
        if expected is not None and len(expected) <= 50:  # at most 50 entries in a feed
            assert found == expected, query
        elif expected is not None:
            assert found <= expected and len(found) == 50, query
    both = arxiv_ids(read(client, "/feed/rss/search/?q=language+models&topic=agent"))
    assert both <= published_ids(topic__slug="agent")
    assert both <= arxiv_ids(read(client, "/feed/rss/search/?q=language+models"))
    assert both != published_ids(topic__slug="agent")  # the query narrowed the topic


def test_lang_chooses_the_titles_language(client, published):
    paper = Paper.objects.select_related("summary").get(arxiv_id=ASMV2)
    entries = {lang: read(client, f"/feed/rss/search/?q=relation+comprehension&lang={lang}").entries[0]
               for lang in ("zh", "en", "")}
    assert entries["zh"].title == paper.summary.headline_zh
    assert entries["en"].title == paper.title
    assert entries[""].title == f"{paper.summary.headline_zh} | {paper.title}"


def test_the_search_page_links_its_feeds(client, published):
    page = client.get("/search/?q=agent&topic=agent&page=1").content.decode()
    for kind, mime in (("rss", "application/rss+xml"), ("atom", "application/atom+xml")):
        links = re.findall(rf'<link rel="alternate" type="{re.escape(mime)}"[^>]*href="([^"]+)"', page)
        searches = [href.replace("&amp;", "&") for href in links if "/search/" in href]
        assert len(searches) == 1, links  # beside the site's own feed
        href = searches[0]
        assert href.startswith(f"/feed/{kind}/search/?") and "q=agent" in href and "topic=agent" in href
        assert "page=" not in href
        assert f'href="/feed/{kind}/search/?' in page  # the visible link too
        assert read(client, href).entries


HOSTILE_QUERIES = [
    "", "q=", "q=+++", "q=%00", "q=%00%01%1b", "q=<script>alert(1)</script>", "q=%3Cbody+onload%3Dalert(1)%3E",
    "q=]]>", "q=<![CDATA[x]]>", "q=" + "a" * 5000, "q=' OR 1=1 --", "q=%26%26%26|!:*", "q=%ED%A0%80",
    "q=agent&published_after=not-a-date", "q=agent&topic=no-such-topic", "q=agent&has_code=maybe",
    "q=agent&category=%00", "tag=%00", "author=<b>", "published_before=9999-99-99", "q=agent&lang=<script>",
]


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_empty_and_hostile_queries_give_a_valid_feed(client, published, kind):
    for query in HOSTILE_QUERIES:
        feed = read(client, f"/feed/{kind}/search/?{query}")
        assert not re.search(r"<[A-Za-z/!?]", feed.feed.get("title", "")), query
        if query in ("", "q=", "q=+++", "q=%00", "q=%00%01%1b") or "not-a-date" in query or "no-such" in query \
                or "9999" in query:
            assert feed.entries == [], query
    # The search page itself takes the same input without an error.
    for query in HOSTILE_QUERIES:
        assert client.get(f"/search/?{query}").status_code == 200, query


def test_search_feeds_are_cached_and_refreshed_when_an_entry_is_published(client, published,
                                                                          django_capture_on_commit_callbacks):
    cache.clear()
    url = "/feed/rss/search/?q=going+live"
    first = client.get(url)
    assert first["X-Cache"] == "miss" and feedparser.parse(first.content).entries == []
    assert client.get(url)["X-Cache"] == "hit"
    draft = SummaryFactory(paper=PaperFactory(arxiv_id="2403.00001", title="A Paper Going Live",
                                              abstract="Going live soon.", topic=Topic.objects.get(slug="agent")))
    assert client.get(url)["X-Cache"] == "hit"  # a draft is in no feed: nothing to refresh
    with django_capture_on_commit_callbacks(execute=True):
        state_change(objects=[draft], action="publish", target=Status.PUBLISHED)
    fresh = client.get(url)
    assert fresh["X-Cache"] == "miss"
    assert [e.id for e in feedparser.parse(fresh.content).entries] == ["arxiv:2403.00001"]
    assert draft.published_at <= timezone.now()
