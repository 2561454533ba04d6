"""The public site on PostgreSQL: published content only, search, feeds, cache."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import feedparser
import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.models import Author, Digest, Paper, Status, Summary, Topic
from papers.services.ingest import IngestOptions, import_sources
from tests.factories import AuthorshipFactory, SummaryFactory

pytestmark = pytest.mark.django_db

ASMV2 = "2402.19474"  # The All-Seeing Project V2, first entry of seed 000


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def drafts(tmp_path):
    """A draft digest with a draft paper that must never show to readers."""
    path = tmp_path / "draft.md"
    path.write_text(
        "#### [草稿论文的中文标题](https://arxiv.org/abs/2403.00001)\n#### Draft Secret Paper Title\n"
        "发布时间：2024年03月01日\n> 这是草稿摘要。\n> This is the secret draft abstract.\nAgent\n",
        encoding="utf-8",
    )
    import_sources([str(path)])
    return Paper.objects.get(arxiv_id="2403.00001")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: set[str] = set()

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith("/") and not href.startswith("/admin"):
            self.hrefs.add(href.split("#")[0])


def test_anonymous_crawl_of_every_public_url_never_shows_a_draft(client, published, drafts):
    seen, queue = set(), ["/", "/digest/", "/sitemap.xml", "/robots.txt", "/feed/rss/", "/feed/atom/"]
    while queue and len(seen) < 400:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "Draft Secret Paper Title" not in body and "草稿论文" not in body, url
        if response["Content-Type"].startswith("text/html"):
            parser = Links()
            parser.feed(body)
            queue.extend(parser.hrefs - seen)
        for loc in re.findall(r"<loc>https?://[^/]+(/[^<]*)</loc>", body):
            queue.append(loc)
    assert queue == []  # every public page was reached
    assert {"/paper/2402.19474/", "/digest/2024-02-29/", "/topic/agent/", "/tag/llm/"} <= seen
    assert {"/topic/", "/tag/", "/author/", "/paper/2402.19474/report/"} <= seen  # index pages, the report form
    authors = {reverse("author", args=[slug]) for slug in Author.objects.filter(
        papers__summary__status=Status.PUBLISHED).values_list("slug", flat=True)}
    listed = {u for u in seen if u.startswith("/author/") and u != "/author/"}
    assert len(authors) == 92 and listed == authors  # the Hexo papers' authors
    assert client.get(f"/paper/{drafts.arxiv_id}/").status_code == 404
    assert client.get("/digest/2024-03-01/").status_code == 404


def test_staff_preview_shows_a_draft_with_a_banner(admin_client, drafts):
    response = admin_client.get(f"/paper/{drafts.arxiv_id}/")
    assert response.status_code == 200
    assert "Draft Secret Paper Title" in response.content.decode()
    assert 'class="banner-draft"' in response.content.decode()


@pytest.mark.parametrize("query", ["关系理解", "relation comprehension", "Relations", "全知计划"])
def test_search_finds_the_all_seeing_project_in_chinese_and_english(client, published, query):
    response = client.get(reverse("search"), {"q": query})
    papers = [p.arxiv_id for p in response.context["page"]]
    assert papers and papers[0] == ASMV2, (query, papers)


def test_search_never_finds_drafts_and_combines_with_filters(client, published, drafts):
    assert list(client.get(reverse("search"), {"q": "secret draft"}).context["page"]) == []
    response = client.get(reverse("search"), {"q": "language models", "topic": "rag"})
    assert [p.arxiv_id for p in response.context["page"]] == ["2402.19421"]  # the one RAG paper of the seeds
    Summary.objects.filter(paper=drafts).update(status=Status.PUBLISHED)  # the same query finds it once published
    cache.clear()
    assert [p.arxiv_id for p in client.get(reverse("search"), {"q": "secret draft"}).context["page"]] == ["2403.00001"]


def test_filters_by_topic_tag_date_category_and_code(client, published):
    topic = client.get("/topic/llm-applications/").context["page"]
    assert topic.paginator.count == 16
    has_code = client.get("/topic/llm-applications/", {"has_code": "true"}).context["page"]
    assert sorted(p.arxiv_id for p in has_code) == ["2402.19255", "2402.19348", "2402.19464"]  # GitHub links
    dated = client.get("/tag/llm/", {"published_after": "2024-02-01"}).context["page"]
    assert dated.paginator.count == 0  # the Hexo papers have no arXiv dates of their own
    paper = Paper.objects.get(arxiv_id=ASMV2)
    paper.categories = ["cs.CV", "cs.AI"]
    paper.save()
    found = client.get(reverse("search"), {"q": "relation", "category": "cs.CV"}).context["page"]
    assert [p.arxiv_id for p in found] == [ASMV2]


@pytest.mark.parametrize("params, narrows", [
    ({"q": "agents"}, False), ({"topic": "", "tag": "", "has_code": "unknown"}, False),
    ({"topic": "no-such-topic", "published_after": "not a date"}, False),  # ignored, as the list ignores them
    ({"topic": "rag"}, True), ({"published_after": "2024-01-01"}, True), ({"has_code": "false"}, True),
    ({"category": "cs.CL"}, True),
])
def test_a_search_knows_whether_its_filters_narrow_it(params, narrows):
    """Only a search whose filters narrow nothing runs the fixed queries of every searchable paper."""
    from django.http import QueryDict

    from papers.site.filters import PaperFilter

    data = QueryDict(mutable=True)
    data.update(params)
    filterset = PaperFilter(data, queryset=Paper.objects.searchable())
    assert filterset.narrows is narrows
    assert (str(filterset.qs.query) != str(Paper.objects.searchable().query)) is narrows


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_remembered_empty_filters_are_what_the_filters_form_writes(client, published, language):
    """A request that names no filter gets remembered empty fields: the same text as the form's, in each language."""
    def form(params):
        page = client.get(reverse("search"), {"q": "agents", **params}, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        return " ".join(page[page.index('<form class="filters"'):page.index("</form>", page.index('<form class="filters"'))].split())

    blank = form({})
    assert blank == form({"topic": ""})  # an empty filter: the FilterSet's own form
    assert 'name="q" value="agents"' in blank and blank.count("<option") == Topic.objects.count() + 4
    assert client.get(reverse("search"), {"q": "agents"}).context["filter"] is None
    topic = Topic.objects.order_by("slug").first()
    topic.name_zh = topic.name_en = "Renamed <topic>"
    topic.save()
    cache.clear()  # the topic choices are cached five minutes; the remembered fields are keyed by them
    assert "Renamed &lt;topic&gt;" in form({}) and form({}) == form({"topic": ""})


def test_a_list_without_filters_lists_what_its_empty_filters_list(client, published):
    plain = [p.arxiv_id for p in client.get("/topic/llm-applications/").context["page"]]
    empty = [p.arxiv_id for p in client.get("/topic/llm-applications/", {"topic": "", "has_code": "unknown"}).context["page"]]
    assert plain == empty and len(plain) == 16


def test_digest_page_groups_by_topic_and_has_both_abstracts(client, published):
    response = client.get("/digest/2024-02-29/")
    body = response.content.decode()
    assert len(response.context["entries"]) == 28
    assert body.count('class="entry"') == 28
    assert "52.04" in body and "43.14" in body  # Chinese and English abstracts, collapsed in <details>
    assert 'property="og:title"' in body
    agent = client.get("/digest/2024-02-29/agent/")
    assert len(agent.context["entries"]) == 8


def test_paper_page_shows_every_field(client, published):
    body = client.get("/paper/2401.12215/").content.decode()
    for expected in ("Chenyu Lian", "厦门大学", "迁移学习", "Technical report", "https://github.com/RL4M/MED-PEFT",
                     "picx.zhimg.com", "/tag/llm/", 'property="og:description"', "katex.min.js"):
        assert expected in body, expected


@pytest.mark.parametrize("url", ["/", "/digest/2024-02-29/", "/topic/llm-applications/", "/paper/2402.19474/",
                                 "/search/?q=language", "/feed/rss/"])
def test_query_count_does_not_grow_with_entries(client, tmp_path, seed_digest, seed_hexo, url):
    first_three = tmp_path / "first_three.md"  # Agent, LLM理论, LLM应用: every page below exists with them
    first_three.write_text("".join(seed_digest.read_text(encoding="utf-8").splitlines(keepends=True)[:18]),
                           encoding="utf-8")
    import_sources([str(seed_hexo), str(first_three)], options=IngestOptions(publish=True))
    cache.clear()
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    import_sources([str(seed_digest)], options=IngestOptions(publish=True))
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) <= max(len(few), 12), [q["sql"][:120] for q in many.captured_queries]


def test_feeds_are_valid_rss_and_atom(client, published):
    # every published paper; the Agent topic's 8; the 14 Hexo papers tagged LLM
    for url, version, entries in (("/feed/rss/", "rss20", 42), ("/feed/atom/", "atom10", 42),
                                  ("/feed/rss/topic/agent/", "rss20", 8), ("/feed/atom/tag/llm/", "atom10", 14)):
        feed = feedparser.parse(client.get(url).content)
        assert not feed.bozo, (url, feed.bozo_exception)
        assert (feed.version, len(feed.entries)) == (version, entries), url


def test_home_and_feeds_list_the_latest_published_first_from_its_index(client, published):
    """Latest to go live first, a publish action's papers (one moment) in the order imported; no sort."""
    import datetime as dt

    moment = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.timezone.utc)
    Summary.objects.update(published_at=moment)
    last = Paper.objects.published().order_by("pk").last()
    Summary.objects.filter(paper=last).update(published_at=moment + dt.timedelta(hours=1))
    expected = [last.arxiv_id, *Paper.objects.published().exclude(pk=last.pk).order_by("pk")
                .values_list("arxiv_id", flat=True)]
    assert expected[1] == ASMV2  # the first paper of the first digest imported
    assert [e.id.removeprefix("arxiv:") for e in feedparser.parse(client.get("/feed/rss/").content).entries] == expected
    home = client.get("/").content.decode()
    shown = [m for m in re.findall(r'href="/paper/([^/"]+)/"', home)]
    assert list(dict.fromkeys(shown))[:5] == expected[:5]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")  # a plan that must sort would still sort, at a penalty
        plan = Paper.objects.published().for_cards().latest_first()[:20].explain()
    assert "summary_published_latest" in plan and "Sort" not in plan, plan


def test_sitemap_and_robots(client, published):
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "/paper/2402.19474/" in sitemap and "/digest/2024-02-29/" in sitemap
    old_style = SummaryFactory(published=True, paper__arxiv_id="cs/0112017", paper__topic=Topic.objects.first())
    cache.clear()
    locations = re.findall(r"<loc>http://testserver([^<]+)</loc>", client.get("/sitemap.xml").content.decode())
    assert reverse("paper", args=["cs/0112017"]) in locations
    assert reverse("topic", args=[old_style.paper.topic.slug]) in locations
    assert locations.count(reverse("digest", args=["2024-02-29"])) == 1
    robots = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in robots and "Disallow: /admin/" in robots
    for path in ("/search/", "/feed/rss/search/", "/feed/atom/search/", "/bib/", "/reading-list/"):
        assert f"Disallow: {path}\n" in robots


def test_language_switch_is_remembered(client, published):
    assert "大模型、智能体与 RAG 新论文" in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "New papers on LLMs, agents and RAG" in body and '<html lang="en">' in body
    paper = client.get(f"/paper/{ASMV2}/").content.decode()
    assert paper.index("The All-Seeing Project V2") < paper.index("《全知计划V2》")  # English leads, Chinese a click away


def test_cached_pages_are_invalidated_by_exactly_what_they_show(client, published, django_capture_on_commit_callbacks):
    assert client.get(f"/paper/{ASMV2}/")["X-Cache"] == "miss"
    assert client.get(f"/paper/{ASMV2}/")["X-Cache"] == "hit"
    assert client.get("/paper/2401.12215/")["X-Cache"] == "miss"
    assert client.get("/topic/rag/")["X-Cache"] == "miss"

    summary = Summary.objects.get(paper__arxiv_id=ASMV2)
    summary.headline_zh = "全知计划第二版（已改）"
    with django_capture_on_commit_callbacks(execute=True):
        summary.save()

    response = client.get(f"/paper/{ASMV2}/")
    assert response["X-Cache"] == "miss" and "全知计划第二版（已改）" in response.content.decode()
    assert client.get("/paper/2401.12215/")["X-Cache"] == "hit"  # another paper's page is untouched
    assert client.get("/topic/rag/")["X-Cache"] == "hit"  # ASMV2 is an Agent paper

    summary.status = Status.UNPUBLISHED
    with django_capture_on_commit_callbacks(execute=True):
        summary.save()
    assert client.get(f"/paper/{ASMV2}/").status_code == 404
    digest = Digest.objects.get(date="2024-02-29")
    assert ASMV2 not in client.get("/digest/2024-02-29/").content.decode()
    assert digest.status == Status.PUBLISHED


def test_language_switch_works_from_a_cached_page(published):
    from django.test import Client

    first = Client(enforce_csrf_checks=True)
    assert first.get("/")["X-Cache"] == "miss"
    reader = Client(enforce_csrf_checks=True)  # another visitor gets the cached page, no cookies
    page = reader.get("/")
    assert page["X-Cache"] == "hit" and "csrfmiddlewaretoken" not in page.content.decode()
    response = reader.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "New papers on LLMs, agents and RAG" in reader.get("/").content.decode()


def test_a_cache_hit_carries_the_headers_of_the_rendered_page(client, published):
    miss = client.get("/digest/2024-02-29/", HTTP_ACCEPT_LANGUAGE="en")
    hit = client.get("/digest/2024-02-29/", HTTP_ACCEPT_LANGUAGE="en")
    assert (miss["X-Cache"], hit["X-Cache"]) == ("miss", "hit") and hit.content == miss.content
    for header in ("Content-Type", "Content-Language", "Vary", "X-Frame-Options"):
        assert hit[header] == miss[header], header
    assert hit["Content-Language"] == "en" and "Accept-Language" in hit["Vary"]
    assert int(hit["Content-Length"]) == len(hit.content)
    chinese = client.get("/digest/2024-02-29/", HTTP_ACCEPT_LANGUAGE="zh-hans")  # each language its own page
    assert chinese["X-Cache"] == "miss" and chinese["Content-Language"] == "zh-hans"


def test_signed_in_staff_never_read_or_fill_the_shared_cache(client, admin_client, published, drafts):
    assert client.get("/paper/2402.19474/")["X-Cache"] == "miss"
    assert "X-Cache" not in admin_client.get("/paper/2402.19474/")  # the stored copy is not served to staff
    preview = admin_client.get(f"/paper/{drafts.arxiv_id}/")  # a draft, previewed by staff
    assert preview.status_code == 200 and "X-Cache" not in preview
    assert client.get(f"/paper/{drafts.arxiv_id}/").status_code == 404  # and never stored for readers


def test_a_reader_with_a_pending_message_gets_a_fresh_page(client, published):
    assert client.get("/")["X-Cache"] == "miss"
    client.cookies["messages"] = "pending"
    assert "X-Cache" not in client.get("/")


def test_broad_searches_rank_the_newest_matches_and_say_so(client, published, monkeypatch):
    from papers.site import search as search_module
    from papers.site import views

    matches = search_module.matching(Paper.objects.published(), "language")
    assert matches.count() == 39  # of 42: more than the cut below
    monkeypatch.setattr(search_module, "CANDIDATES", 3)
    monkeypatch.setattr(views, "CANDIDATES", 3)
    response = client.get(reverse("search"), {"q": "language"}, HTTP_ACCEPT_LANGUAGE="en")
    shown = list(response.context["page"])
    newest = list(matches.order_by("-published", "-arxiv_id").values_list("arxiv_id", flat=True)[:3])
    assert sorted(p.arxiv_id for p in shown) == sorted(newest)
    assert "More than 3 results: the 3 newest, best match first." in response.content.decode()
    # Filters narrow the matches before the cut: an old paper is still found by its date.
    old = matches.exclude(arxiv_id__in=newest).first()
    Paper.objects.filter(pk=old.pk).update(published="2020-01-01")
    dated = client.get(reverse("search"), {"q": "language", "published_before": "2020-06-01"})
    assert [p.arxiv_id for p in dated.context["page"]] == [old.arxiv_id]


def test_entry_cards_follow_every_edit_without_invalidation(client, published, settings):
    settings.PAGE_CACHE = False  # only the entry cards are cached now
    assert "全知计划V2" in client.get("/digest/2024-02-29/").content.decode()
    summary = Summary.objects.get(paper__arxiv_id=ASMV2)
    summary.tldr = "一句话总结（编辑改过）"
    summary.save()
    for url in ("/digest/2024-02-29/", "/topic/agent/", "/search/?q=关系理解"):
        assert "一句话总结（编辑改过）" in client.get(url).content.decode(), url
    english = client.get("/digest/2024-02-29/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english.index("The All-Seeing Project V2") < english.index("全知计划V2")  # a card per language


def test_related_papers_rank_shared_authors_then_tags_then_the_topic(published, drafts):
    paper = Paper.objects.published().filter(authorships__isnull=False, topic__isnull=False).distinct().first()
    others = list(Paper.objects.published().exclude(pk=paper.pk).exclude(topic=paper.topic).order_by("arxiv_id"))
    by_author, by_tag, also_by_tag = others[0], others[1], others[2]
    AuthorshipFactory(paper=by_author, author=paper.authorships.first().author)
    paper.tags.set(["relation-test"])
    by_tag.tags.add("relation-test")
    also_by_tag.tags.add("relation-test")
    drafts.tags.add("relation-test")  # a draft shares the tag but is never shown
    AuthorshipFactory(paper=drafts, author=paper.authorships.first().author)
    related = Paper.objects.related_to(paper)
    # Equals (one shared tag each) go to the paper imported last.
    assert related[:3] == [by_author, *sorted([by_tag, also_by_tag], key=lambda p: p.pk, reverse=True)]
    assert len(related) == 5 and paper not in related and drafts not in related
    newest_of_topic = list(Paper.objects.published().filter(topic=paper.topic).exclude(pk=paper.pk)
                           .order_by(F("published").desc(nulls_last=True), "-arxiv_id")[:2])
    assert related[3:] == newest_of_topic


def test_related_papers_look_past_the_drafts_ranked_above_them(published):
    from tests.factories import PaperFactory, SummaryFactory

    paper = Paper.objects.published().filter(authorships__isnull=False).first()
    author = paper.authorships.first().author
    older = Paper.objects.published().exclude(pk=paper.pk).exclude(authorships__author=author).order_by("pk").first()
    AuthorshipFactory(paper=older, author=author)
    for _ in range(25):  # imported later, so ranked first: more than the first look checks
        SummaryFactory(published=False, paper=PaperFactory(authors=[author]))
    assert Paper.objects.related_to(paper)[0] == older



@pytest.mark.django_db
def test_related_papers_count_shared_authors_over_each_authors_newest_papers(monkeypatch):
    """A prolific author's whole output is not counted, only their newest papers: an old paper sharing two authors
    is not looked at once the first author has enough newer ones (the bound that keeps the paper page fast)."""
    import papers.models
    from tests.factories import AuthorFactory, PaperFactory, SummaryFactory

    monkeypatch.setattr(papers.models, "RELATED_CANDIDATES", 2)
    prolific, coauthor = AuthorFactory(), AuthorFactory()
    old_pair = SummaryFactory(published=True, paper=PaperFactory(authors=[prolific, coauthor])).paper
    newer = [SummaryFactory(published=True, paper=PaperFactory(authors=[prolific])).paper for _ in range(2)]
    paper = SummaryFactory(published=True, paper=PaperFactory(authors=[prolific, coauthor], topic=None)).paper
    paper.tags.clear()

    assert Paper.objects.related_to(paper) == [newer[1], newer[0]]  # the prolific author's newest two only
    monkeypatch.setattr(papers.models, "RELATED_CANDIDATES", 3)
    assert Paper.objects.related_to(paper)[0] == old_pair  # within the bound, two shared authors rank first


def test_related_papers_without_tags_share_authors_first_then_the_newest_of_the_topic(published):
    paper = Paper.objects.published().filter(authorships__isnull=False, topic__isnull=False).distinct().first()
    paper.tags.clear()
    other = Paper.objects.published().exclude(pk=paper.pk).exclude(topic=paper.topic).order_by("arxiv_id").first()
    AuthorshipFactory(paper=other, author=paper.authorships.first().author)
    related = Paper.objects.related_to(paper)
    assert related[0] == other and paper not in related and len(related) == len(set(related))
    rest = list(Paper.objects.published().filter(topic=paper.topic).exclude(pk=paper.pk)
                .order_by(F("published").desc(nulls_last=True), "-arxiv_id")[: len(related) - 1])
    assert related[1:] == rest


def test_withdrawn_entries_and_digests_leave_every_page_that_listed_them(client, published):
    from papers.services import transitions

    withdrawn = Summary.objects.get(paper__arxiv_id=ASMV2)
    transitions.state_change(objects=[withdrawn], action="unpublish", target=Status.UNPUBLISHED)
    day = client.get("/digest/2024-02-29/")
    assert len(day.context["entries"]) == 27 and ASMV2 not in day.content.decode()
    sizes = {d.date.isoformat(): d.size for d in client.get("/digest/").context["page"].object_list}
    assert sizes["2024-02-29"] == 27

    other = Paper.objects.get(arxiv_id="2402.19446")  # still published, in the same digest
    assert [day.isoformat() for day in client.get(f"/paper/{other.arxiv_id}/").context["digest_dates"]] == ["2024-02-29"]
    cache.clear()
    transitions.state_change(objects=list(Digest.objects.filter(date="2024-02-29")), action="unpublish",
                             target=Status.UNPUBLISHED)
    assert client.get(f"/paper/{other.arxiv_id}/").context["digest_dates"] == []


@pytest.mark.django_db
def test_related_papers_count_tags_shared_across_the_papers_tags(monkeypatch):
    """Two shared tags outrank one, however new; and each tag is counted over its own newest papers only."""
    import papers.models
    from tests.factories import PaperFactory, SummaryFactory

    def published_paper(*tags):
        paper = SummaryFactory(published=True, paper=PaperFactory(authors=[], topic=None)).paper
        paper.tags.set(list(tags))
        return paper

    both = published_paper("alpha", "beta")
    one = [published_paper("alpha") for _ in range(2)]
    draft = SummaryFactory(published=False, paper=PaperFactory(authors=[], topic=None)).paper
    draft.tags.set(["alpha", "beta"])
    paper = published_paper("alpha", "beta")

    assert Paper.objects.related_to(paper) == [both, one[1], one[0]]  # the draft shares both and is left out
    monkeypatch.setattr(papers.models, "RELATED_CANDIDATES", 2)  # alpha's newest two: the draft and one[1]
    assert Paper.objects.related_to(paper) == [one[1], both]  # "both" now shares beta only


def test_a_tag_of_punctuation_only_still_gets_a_link(client):
    """Its name slugifies to nothing, and every page showing it failed: it gets a slug of its own."""
    from taggit.models import Tag

    first = SummaryFactory(published=True).paper
    second = SummaryFactory(published=True).paper
    first.tags.add("!!!")
    second.tags.add("#")  # also nothing: taggit numbers the taken slug
    slugs = {tag.name: tag.slug for tag in Tag.objects.filter(name__in=["!!!", "#"])}
    assert slugs == {"!!!": "tag", "#": "tag_1"}
    page = client.get(f"/paper/{first.arxiv_id}/")
    assert page.status_code == 200 and f'href="{reverse("tag", args=["tag"])}">!!!</a>' in page.content.decode()
    assert first.arxiv_id in client.get(reverse("tag", args=["tag"])).content.decode()
    assert second.arxiv_id in client.get(reverse("tag", args=["tag_1"])).content.decode()
    assert client.get("/tag/").status_code == 200


def test_tags_saved_without_a_slug_get_one_from_the_migration():
    import importlib

    from django.apps import apps
    from taggit.models import Tag

    migration = importlib.import_module("papers.migrations.0039_tags_without_slug")
    empty = Tag.objects.create(name="?!", slug="placeholder")
    Tag.objects.filter(pk=empty.pk).update(slug="")  # as taggit saved it before
    Tag.objects.create(name=f"Tag {empty.pk}", slug=f"tag-{empty.pk}")  # the slug it would get is taken
    migration.give_slugs(apps, None)
    empty.refresh_from_db()
    assert empty.slug == f"tag-{empty.pk}_"


@pytest.mark.parametrize("staff", [False, True])
def test_the_paper_pages_one_query_reads_what_its_five_queries_read(staff):
    """PostgreSQL reads a paper page's lists in the paper's row; SQLite in a query each: the same lists."""
    import datetime as dt

    from papers.models import Correction
    from papers.site import page_queries
    from tests.factories import DigestFactory, PaperFactory

    paper = PaperFactory(authors=["Zoë Ångström", "Li Wei", "A. N. Other"], tags=["zeta", "Alpha", "méta"])
    summary = SummaryFactory(paper=paper, published=True)
    draft = SummaryFactory(paper=PaperFactory(authors=[], tags=[]))  # a preview: nothing to list
    bare = PaperFactory(authors=["Solo"])  # a paper without an entry yet: staff preview it
    DigestFactory(date=dt.date(2024, 4, 2), papers=[paper], status=Status.PUBLISHED)
    DigestFactory(date=dt.date(2024, 4, 9), papers=[paper], status=Status.PUBLISHED)
    DigestFactory(date=dt.date(2024, 4, 5), papers=[paper])  # a draft digest
    moments = [dt.datetime(2024, 5, day, 8, 30, tzinfo=dt.timezone.utc) for day in (3, 1, 7, 2, 9, 4, 6)]
    for number, moment in enumerate(moments):
        Correction.objects.create(summary=summary, corrected_at=moment, fields=["tldr", "title_zh"][: number % 2 + 1])

    def lists(found):
        if found is None:
            return None
        summary = getattr(found, "summary", None)
        return (found.pk, found.author_list, found.author_ids, [(t.pk, t.name, t.slug) for t in found.tags_shown],
                summary.generation.output if summary and summary.generation_id else None,
                found.digest_dates, [(c.pk, c.summary_id, c.corrected_at, c.fields) for c in found.corrections])

    one = lists(page_queries.paper_page_in_one_query(paper.arxiv_id, staff=staff))
    assert one == lists(page_queries.paper_page_in_queries(paper.arxiv_id, staff=staff))
    assert [name for name, _ in one[1]] == ["Zoë Ångström", "Li Wei", "A. N. Other"]
    assert [name for _, name, _ in one[3]] == ["Alpha", "méta", "zeta"]
    assert one[4] == summary.generation.output and one[4]["tldr"]  # the machine text the page compares with
    assert one[5] == [dt.date(2024, 4, 9), dt.date(2024, 4, 2)]
    assert [c[2].day for c in one[6]] == [9, 7, 6, 4, 3]  # the latest five
    for arxiv_id in (draft.paper.arxiv_id, bare.arxiv_id, "2499.99999"):
        assert lists(page_queries.paper_page_in_one_query(arxiv_id, staff=staff)) \
            == lists(page_queries.paper_page_in_queries(arxiv_id, staff=staff))
    assert (page_queries.paper_page_in_one_query(draft.paper.arxiv_id, staff=staff) is None) is not staff
    preview = page_queries.paper_page_in_one_query(bare.arxiv_id, staff=staff)
    assert (preview is None) is not staff
    if staff:
        assert preview.author_list == [("Solo", "solo")] and preview.corrections == [] and not hasattr(preview, "summary")


def test_a_paper_page_reads_the_database_three_times(client, settings):
    """The paper with its lists, then its related papers ranked, then their links (PostgreSQL)."""
    settings.PAGE_CACHE = False
    paper = SummaryFactory(paper__tags=["llm"], published=True).paper
    client.get(f"/paper/{paper.arxiv_id}/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/paper/{paper.arxiv_id}/").status_code == 200
    assert len(queries) == 3, [q["sql"][:80] for q in queries]


def test_a_digest_day_lists_by_paper_topic_then_digest_topic_then_place_with_no_topic_last(client):
    import datetime as dt

    from tests.factories import DigestFactory, PaperFactory, TopicFactory

    first, second = TopicFactory(slug="order-first", position=1), TopicFactory(slug="order-second", position=2)

    def paper(topic):
        return SummaryFactory(published=True, paper=PaperFactory(topic=topic)).paper

    a, b, c, d, e = paper(second), paper(None), paper(first), paper(first), paper(second)
    day = dt.date(2024, 5, 1)
    DigestFactory(date=day, topic=None, status=Status.PUBLISHED, papers=[a, b, c])
    DigestFactory(date=day, topic=second, status=Status.PUBLISHED, papers=[d, e])
    def shown(path):
        body = client.get(path).content.decode()
        places = {paper: body.find(f"/paper/{paper.arxiv_id}/") for paper in (a, b, c, d, e)}
        return sorted((paper for paper, place in places.items() if place >= 0), key=places.get)

    assert shown(f"/digest/{day}/") == [d, c, e, a, b]
    assert shown(f"/digest/{day}/{second.slug}/") == [d, e, a]  # its papers, and every paper of its digest
