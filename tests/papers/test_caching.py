"""The page cache: tag versions, what is stored, what is served, and to whom."""
from __future__ import annotations

import gzip
import time

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from papers.services import page_versions
from papers.services.page_versions import invalidate, invalidate_everything
from papers.site.caching import PAGE_TIMEOUT, LocalPages, PageCacheMiddleware, StoredPage, generation, local_pages
from papers.models import Authorship, Paper, Status, Topic
from papers.services.ingest import import_sources
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db

ASMV2 = "2402.19474"  # an Agent paper of seed 000
NEW_ENTRY = (
    "#### [新论文的中文标题](https://arxiv.org/abs/2403.00001)\n#### A Paper Imported Later\n"
    "发布时间：2024年03月01日\n> 这是新论文的摘要。\n> This is its abstract.\nAgent\n"
)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def draft(published):
    """A draft Agent paper, on no public page yet."""
    return SummaryFactory(paper=PaperFactory(arxiv_id="2403.00001", title="Draft Paper Going Live",
                                             topic=Topic.objects.get(slug="agent")))


def x_cache(client, url, **extra):
    return client.get(url, **extra).get("X-Cache")


# --- tag versions ------------------------------------------------------------

def test_a_tag_version_starts_at_a_random_number_counts_up_and_never_expires():
    assert cache.get("tagv:topic:agent") is None
    invalidate("topic:agent")
    first = cache.get("tagv:topic:agent")
    invalidate("topic:agent", "topic:rag")
    assert cache.get("tagv:topic:agent") == first + 1 and cache.get("tagv:topic:rag") is not None
    invalidate_everything()
    site = cache.get(f"tagv:{page_versions.SITE_TAG}")
    invalidate_everything()
    assert cache.get(f"tagv:{page_versions.SITE_TAG}") == site + 1
    redis = cache._cache.get_client()
    # A version that expired would fall back to 0 and bring back pages stored before the bump.
    assert redis.ttl(cache.make_and_validate_key("tagv:topic:agent")) == -1
    # After the cache is emptied the versions start elsewhere: a stamp from before never matches again.
    starts = set()
    for _ in range(5):
        cache.clear()
        invalidate("topic:agent")
        starts.add(cache.get("tagv:topic:agent"))
    assert len(starts) == 5


# --- through the whole stack ---------------------------------------------------

def test_a_stored_page_is_served_from_the_cache_without_the_view(client, published, django_assert_max_num_queries):
    miss = client.get("/topic/agent/")
    assert miss["X-Cache"] == "miss"
    with django_assert_max_num_queries(0):
        hit = client.get("/topic/agent/")
    assert hit["X-Cache"] == "hit" and hit.status_code == 200 and hit.content == miss.content
    key = next(k for k in cache._cache.get_client().keys("*page:*"))
    ttl = cache._cache.get_client().ttl(key)
    assert PAGE_TIMEOUT - 60 < ttl <= PAGE_TIMEOUT


@pytest.mark.parametrize("first", ["gzip", "plain"], ids=["stored-by-gzip-reader", "stored-by-plain-reader"])
def test_pages_go_compressed_to_readers_that_accept_gzip_and_plain_to_the_rest(client, published, first):
    gzip_reader = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
    first_response = client.get("/digest/2024-02-29/", **(gzip_reader if first == "gzip" else {}))
    assert first_response["X-Cache"] == "miss"
    compressed_miss = first_response if first == "gzip" else None
    plain = client.get("/digest/2024-02-29/")
    compressed = client.get("/digest/2024-02-29/", **gzip_reader)
    assert plain["X-Cache"] == "hit" and compressed["X-Cache"] == "hit"
    html = plain.content
    assert "Content-Encoding" not in plain and b"</html>" in html and plain["Content-Length"] == str(len(html))
    assert compressed["Content-Encoding"] == "gzip" and gzip.decompress(compressed.content) == html
    assert compressed["Content-Length"] == str(len(compressed.content)) and len(compressed.content) < len(html) / 2
    if compressed_miss is not None:
        assert compressed_miss["Content-Encoding"] == "gzip" and compressed_miss.content == compressed.content
    for response in (first_response, plain, compressed):  # a shared cache in front must keep the two apart
        assert "Accept-Encoding" in response["Vary"] and "Accept-Language" in response["Vary"]


def test_invalidating_a_tag_makes_exactly_its_pages_miss(client, published):
    urls = ["/", "/topic/agent/", "/topic/rag/", f"/paper/{ASMV2}/", "/tag/llm/", "/digest/2024-02-29/"]
    assert [x_cache(client, url) for url in urls] == ["miss"] * 6
    invalidate("topic:agent")
    assert [x_cache(client, url) for url in urls] == ["hit", "miss", "hit", "hit", "hit", "hit"]
    invalidate("papers")  # every paper list: topics, tags, authors
    assert [x_cache(client, url) for url in urls] == ["hit", "miss", "miss", "hit", "miss", "hit"]
    invalidate_everything()
    assert [x_cache(client, url) for url in urls] == ["miss"] * 6
    assert [x_cache(client, url) for url in urls] == ["hit"] * 6


def test_publishing_and_unpublishing_an_entry_refreshes_the_pages_that_list_it(
    client, published, draft, django_capture_on_commit_callbacks
):
    assert x_cache(client, "/topic/agent/") == "miss"
    assert x_cache(client, "/topic/rag/") == "miss"
    assert "Draft Paper Going Live" not in client.get("/topic/agent/").content.decode()

    draft.status, draft.published_at = Status.PUBLISHED, timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        draft.save()
    page = client.get("/topic/agent/")
    assert page["X-Cache"] == "miss" and "Draft Paper Going Live" in page.content.decode()
    assert x_cache(client, "/topic/rag/") == "hit"
    assert x_cache(client, "/paper/2403.00001/") == "miss"

    draft.status = Status.UNPUBLISHED
    with django_capture_on_commit_callbacks(execute=True):
        draft.save()
    page = client.get("/topic/agent/")
    assert page["X-Cache"] == "miss" and "Draft Paper Going Live" not in page.content.decode()
    assert client.get("/paper/2403.00001/").status_code == 404
    assert x_cache(client, "/topic/rag/") == "hit"


def test_editing_a_draft_leaves_the_cache_alone(client, published, draft, django_capture_on_commit_callbacks):
    """A draft is on no public page: its edits must not throw away every page that shows its topic."""
    assert x_cache(client, "/topic/agent/") == "miss"
    draft.tldr = "草稿的一句话"
    with django_capture_on_commit_callbacks(execute=True):
        draft.save()
    assert x_cache(client, "/topic/agent/") == "hit"


def test_an_import_that_changes_something_makes_every_page_miss(client, published, tmp_path):
    assert x_cache(client, "/topic/rag/") == "miss"
    path = tmp_path / "new.md"
    path.write_text(NEW_ENTRY.replace("2403.00001", "2403.00002"), encoding="utf-8")
    import_sources([str(path)])
    assert x_cache(client, "/topic/rag/") == "miss"
    assert x_cache(client, "/topic/rag/") == "hit"
    import_sources([str(path)])  # the same file again: nothing changes, nothing is thrown away
    assert x_cache(client, "/topic/rag/") == "hit"


def test_feeds_are_cached_and_refreshed_with_the_lists_they_follow(client, published, draft,
                                                                  django_capture_on_commit_callbacks):
    feeds = ["/feed/rss/", "/feed/atom/", "/feed/rss/topic/agent/", "/feed/atom/topic/rag/", "/feed/rss/tag/llm/"]
    first = [client.get(url) for url in feeds]
    assert [r["X-Cache"] for r in first] == ["miss"] * 5
    hits = [client.get(url) for url in feeds]
    assert [r["X-Cache"] for r in hits] == ["hit"] * 5
    assert [r.content for r in hits] == [r.content for r in first]
    assert hits[0]["Content-Type"].startswith("application/rss+xml") and hits[1]["Content-Type"].startswith("application/atom+xml")
    invalidate("topic:rag")
    assert [x_cache(client, url) for url in feeds] == ["hit", "hit", "hit", "miss", "hit"]

    draft.status, draft.published_at = Status.PUBLISHED, timezone.now()  # an Agent paper goes live
    with django_capture_on_commit_callbacks(execute=True):
        draft.save()
    after = [client.get(url) for url in feeds]
    assert [r["X-Cache"] for r in after] == ["miss", "miss", "miss", "hit", "hit"]
    assert all("Draft Paper Going Live" in r.content.decode() for r in after[:3])


def test_renaming_a_topic_refreshes_every_page(client, published, django_capture_on_commit_callbacks):
    """A topic is in every page's menu."""
    urls = ["/", f"/paper/{ASMV2}/", "/topic/rag/", "/feed/rss/"]
    assert [x_cache(client, url) for url in urls] == ["miss"] * 4
    topic = Topic.objects.get(slug="agent")
    topic.name_zh = topic.name_en = "Agents Renamed"
    with django_capture_on_commit_callbacks(execute=True):
        topic.save()
    pages = [client.get(url) for url in urls]
    assert [page["X-Cache"] for page in pages] == ["miss"] * 4
    assert all("Agents Renamed" in page.content.decode() for page in pages[:2])


def test_renaming_an_author_refreshes_the_pages_that_name_them(client, published, django_capture_on_commit_callbacks):
    authorship = Authorship.objects.filter(paper__summary__status=Status.PUBLISHED, position=0).select_related(
        "author", "paper").first()
    url = f"/paper/{authorship.paper.arxiv_id}/"
    assert authorship.author.name in client.get(url).content.decode() and x_cache(client, url) == "hit"
    authorship.author.name = "Renamed Author"
    with django_capture_on_commit_callbacks(execute=True):
        authorship.author.save()
    page = client.get(url)
    assert page["X-Cache"] == "miss" and "Renamed Author" in page.content.decode()


def test_a_paper_moved_to_another_topic_leaves_the_old_topics_list(client, published,
                                                                   django_capture_on_commit_callbacks):
    paper = Paper.objects.get(arxiv_id=ASMV2)
    assert paper.topic.slug == "agent" and ASMV2 in client.get("/topic/agent/").content.decode()
    assert ASMV2 in client.get("/feed/rss/topic/agent/").content.decode()
    paper.topic = Topic.objects.get(slug="rag")
    with django_capture_on_commit_callbacks(execute=True):
        paper.save()
    for url in ("/topic/agent/", "/feed/rss/topic/agent/"):
        page = client.get(url)
        assert page["X-Cache"] == "miss" and ASMV2 not in page.content.decode(), url
    assert ASMV2 in client.get("/topic/rag/").content.decode()


def test_a_tag_taken_off_a_paper_leaves_the_tags_list(client, published, django_capture_on_commit_callbacks):
    paper = Paper.objects.get(arxiv_id=ASMV2)
    with django_capture_on_commit_callbacks(execute=True):
        paper.tags.add("memory-tricks")
    assert ASMV2 in client.get("/tag/memory-tricks/").content.decode()
    assert "memory-tricks" in client.get(f"/paper/{ASMV2}/").content.decode()
    assert x_cache(client, "/tag/memory-tricks/") == "hit" and x_cache(client, f"/paper/{ASMV2}/") == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        paper.tags.remove("memory-tricks")
    page = client.get("/tag/memory-tricks/")
    assert page["X-Cache"] == "miss" and ASMV2 not in page.content.decode()
    paper_page = client.get(f"/paper/{ASMV2}/")
    assert paper_page["X-Cache"] == "miss" and "memory-tricks" not in paper_page.content.decode()


def test_language_variants_are_kept_apart_and_the_cookie_wins(published):
    english, chinese = Client(), Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = english.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page["X-Cache"] == "miss" and page["Content-Language"] == "en"
    hit = Client().get("/", HTTP_ACCEPT_LANGUAGE="en")  # same language by header: same stored page
    assert hit["X-Cache"] == "hit" and hit["Content-Language"] == "en" and hit.content == page.content
    other = chinese.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert other["X-Cache"] == "miss" and other["Content-Language"] == "zh-hans"
    assert english.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")["Content-Language"] == "en"


def test_the_query_string_is_part_of_the_page(client, published):
    assert x_cache(client, "/topic/llm-applications/") == "miss"
    second = client.get("/topic/llm-applications/", {"page": "2"})
    assert second["X-Cache"] == "miss"
    assert x_cache(client, "/topic/llm-applications/", data={"page": "2"}) == "hit"
    assert client.get("/topic/llm-applications/").content != second.content


def test_requests_other_than_get_are_never_answered_from_the_cache(client, published):
    assert x_cache(client, "/") == "miss"
    post = client.post("/")
    assert post.status_code == 405 and "X-Cache" not in post
    head = client.head("/")
    assert "X-Cache" not in head
    assert x_cache(client, "/") == "hit"


def test_readers_with_a_session_never_read_or_fill_the_cache(published):
    reader = Client()
    assert x_cache(reader, "/topic/agent/") == "miss"
    with_session = Client()
    with_session.cookies[settings.SESSION_COOKIE_NAME] = "abc"
    assert "X-Cache" not in with_session.get("/topic/agent/")
    assert "X-Cache" not in with_session.get("/topic/rag/")
    assert x_cache(Client(), "/topic/rag/") == "miss"  # the session's visit stored nothing


def test_signed_in_staff_never_fill_the_cache(published):
    editor = Client()
    editor.force_login(User.objects.create_user("ed", password="pw", is_staff=True))
    assert "X-Cache" not in editor.get("/topic/rag/")
    assert x_cache(Client(), "/topic/rag/") == "miss"


def test_pages_of_other_views_are_never_cached(client, published):
    for url in ("/search/?q=relation", "/sitemap.xml", "/robots.txt", "/paper/0000.00000/", "/feed/rss/topic/none/"):
        client.get(url)
        assert "X-Cache" not in client.get(url), url


def test_no_caching_when_the_page_cache_is_off(client, published, settings):
    settings.PAGE_CACHE = False
    assert "X-Cache" not in client.get("/")
    assert "X-Cache" not in client.get("/")


# --- pages a process keeps in its own memory -------------------------------------

def _redis():
    return cache._cache.get_client()


def _bump_elsewhere(tag: str) -> None:
    """A version bumped by another process: straight in Redis, past this process's own bookkeeping."""
    _redis().incr(cache.make_and_validate_key(f"tagv:{tag}"))


def test_a_page_served_lately_is_served_from_memory_without_asking_redis(client, published):
    assert x_cache(client, "/topic/agent/") == "miss"
    before = _redis().info("commandstats").get("cmdstat_mget", {}).get("calls", 0)
    assert [x_cache(client, "/topic/agent/") for _ in range(5)] == ["hit"] * 5
    assert _redis().info("commandstats").get("cmdstat_mget", {}).get("calls", 0) == before


def test_a_change_made_in_this_process_shows_at_once(client, published):
    assert x_cache(client, "/topic/agent/") == "miss"
    invalidate("topic:agent")
    assert x_cache(client, "/topic/agent/") == "miss"


def test_a_change_made_in_another_process_shows_within_the_local_seconds(client, published, monkeypatch):
    monkeypatch.setattr(local_pages, "seconds", 0.3)
    assert x_cache(client, "/topic/agent/") == "miss"
    _bump_elsewhere("topic:agent")
    assert x_cache(client, "/topic/agent/") == "hit"  # still trusted from memory
    time.sleep(0.35)
    assert x_cache(client, "/topic/agent/") == "miss"
    assert x_cache(client, "/topic/agent/") == "hit"


def test_past_the_local_seconds_an_unchanged_page_is_checked_by_its_versions_alone(client, published, monkeypatch):
    monkeypatch.setattr(local_pages, "seconds", 0.2)
    miss = client.get("/topic/agent/")
    time.sleep(0.25)
    _redis().delete(*_redis().keys("*page:*"))  # the shared copy is gone; the versions are unchanged
    hit = client.get("/topic/agent/")
    assert hit["X-Cache"] == "hit" and hit.content == miss.content


def test_a_cache_emptied_behind_the_processes_back_is_never_trusted_again(client, published, monkeypatch):
    """Versions restart when Redis is flushed or restarted; a page kept from before must not match them."""
    monkeypatch.setattr(local_pages, "seconds", 0.2)
    assert x_cache(client, "/topic/agent/") == "miss"
    _redis().flushdb()  # not cache.clear(): another process, or a Redis restart
    time.sleep(0.25)
    assert x_cache(client, "/topic/agent/") == "miss"


def test_memory_is_bounded_and_the_oldest_page_goes_first():
    pages = LocalPages(seconds=60, max_bytes=250)
    for n in range(3):
        pages.keep(f"page:{n}", (1,), StoredPage(b"x" * 100, None, {}), generation())
    assert [pages.get(f"page:{n}") is not None for n in range(3)] == [False, True, True]
    pages.keep("page:big", (1,), StoredPage(b"x" * 200, b"x" * 51, {}), generation())  # both bodies count
    assert pages.get("page:big") is None and pages.get("page:2") is not None


def test_without_a_shared_cache_nothing_is_kept_twice():
    pages = LocalPages(seconds=0, max_bytes=10_000)
    pages.keep("page:1", (1,), StoredPage(b"x", None, {}), generation())
    assert pages.get("page:1") is None


# --- the middleware alone ------------------------------------------------------

class View:
    """A stand-in for everything below the middleware: counts calls, returns what the test built."""

    def __init__(self, make_response):
        self.make_response = make_response
        self.calls = 0

    def __call__(self, request):
        self.calls += 1
        request.user = getattr(request, "user", None) or AnonymousUser()
        return self.make_response(request)


def page(content=b"<p>home</p>", **headers):
    response = HttpResponse(content, headers={"Content-Type": "text/html; charset=utf-8", **headers})
    return response


def run(view, path="/", method="get", **extra):
    request = getattr(RequestFactory(), method)(path, **extra)
    return PageCacheMiddleware(view)(request)


def test_a_hit_replays_only_the_headers_of_the_page():
    view = View(lambda r: page(**{"Content-Language": "en", "Vary": "Accept-Language, Cookie",
                                   "X-Frame-Options": "DENY", "X-Private": "for this reader only",
                                   "Cache-Control": "private"}))
    miss = run(view)
    hit = run(view)
    assert (miss["X-Cache"], hit["X-Cache"], view.calls) == ("miss", "hit", 1)
    assert hit.content == b"<p>home</p>" and hit["Content-Length"] == str(len(b"<p>home</p>"))
    assert {name: hit[name] for name in ("Content-Type", "Content-Language", "Vary", "X-Frame-Options")} == {
        "Content-Type": "text/html; charset=utf-8", "Content-Language": "en", "Vary": "Accept-Language, Cookie, Accept-Encoding",
        "X-Frame-Options": "DENY",
    }
    assert "X-Private" not in hit and "Cache-Control" not in hit


def test_a_page_that_compressing_does_not_shrink_is_sent_as_it_is():
    view = View(lambda r: page(b"<p>a</p>"))
    miss = run(view, HTTP_ACCEPT_ENCODING="gzip")
    hit = run(view, HTTP_ACCEPT_ENCODING="gzip")
    assert (miss["X-Cache"], hit["X-Cache"]) == ("miss", "hit")
    assert miss.content == hit.content == b"<p>a</p>" and "Content-Encoding" not in miss and "Content-Encoding" not in hit


@pytest.mark.parametrize(
    "make_response",
    [
        lambda r: HttpResponse("gone", status=404),
        lambda r: HttpResponse(status=302, headers={"Location": "/en/"}),
        lambda r: HttpResponse("error", status=500),
        lambda r: StreamingHttpResponse(iter([b"a", b"b"])),
    ],
    ids=["404", "302", "500", "streaming"],
)
def test_only_whole_successful_pages_are_stored(make_response):
    view = View(make_response)
    first = run(view)
    second = run(view)
    assert "X-Cache" not in first and "X-Cache" not in second and view.calls == 2


def test_a_page_that_sets_a_cookie_is_not_stored():
    def with_cookie(request):
        response = page()
        response.set_cookie("csrftoken", "for-one-reader")
        return response

    view = View(with_cookie)
    run(view)
    response = run(view)
    assert "X-Cache" not in response and view.calls == 2 and response.cookies["csrftoken"].value == "for-one-reader"


def test_a_page_rendered_for_a_signed_in_user_is_not_stored():
    class SignedIn:
        is_authenticated = True

    def as_user(request):
        request.user = SignedIn()
        return page()

    view = View(as_user)
    run(view)
    run(view)
    assert view.calls == 2


def test_a_page_invalidated_while_it_renders_is_stored_stale():
    """The versions are read before rendering: an edit published meanwhile must not hide behind the old page."""
    def rendering(request):
        invalidate("home")  # an editor publishes while this page renders
        return page()

    view = View(rendering)
    assert run(view)["X-Cache"] == "miss"
    view.make_response = lambda r: page(b"<p>fresh</p>")
    fresh = run(view)
    assert fresh["X-Cache"] == "miss" and fresh.content == b"<p>fresh</p>" and view.calls == 2
    assert run(view)["X-Cache"] == "hit" and view.calls == 2


def test_a_pending_message_cookie_bypasses_the_cache():
    view = View(lambda r: page())
    run(view)
    request = RequestFactory().get("/")
    request.COOKIES["messages"] = "pending"
    response = PageCacheMiddleware(view)(request)
    assert "X-Cache" not in response and view.calls == 2


def test_a_path_outside_the_site_is_passed_through():
    view = View(lambda r: page())
    for _ in range(2):
        assert "X-Cache" not in run(view, path="/no/such/page/")
    assert view.calls == 2


def test_the_paper_page_is_tagged_with_its_own_id():
    """The tags come from the URL: invalidating one paper leaves another's page stored."""
    view = View(lambda r: page(r.path.encode()))
    run(view, path=f"/paper/{ASMV2}/")
    run(view, path="/paper/2401.12215/")
    invalidate(f"paper:{ASMV2}")
    assert run(view, path=f"/paper/{ASMV2}/")["X-Cache"] == "miss"
    assert run(view, path="/paper/2401.12215/")["X-Cache"] == "hit"
    assert view.calls == 3

