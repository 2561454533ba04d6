"""RSS and Atom feeds, read back with feedparser the way a feed reader reads them."""
from __future__ import annotations

import datetime as dt
import html

import feedparser
import pytest
from django.contrib.syndication.views import Feed
from django.core.exceptions import ImproperlyConfigured

from papers.site import feeds
from papers.models import Paper, Status, Summary, Topic
from papers.services.ingest import IngestOptions, import_sources
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db

ASMV2 = "2402.19474"  # first entry of seed 000, an Agent paper without authors in the source
PEFT = "2401.12215"  # first entry of the Hexo seed, four authors, tagged LLM
T0 = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def published(seed_digest, seed_hexo):
    """Both seeds published, all at T0 except the All-Seeing Project an hour later; and one draft."""
    import_sources([str(seed_digest), str(seed_hexo)], options=IngestOptions(publish=True))
    Summary.objects.update(published_at=T0)
    Summary.objects.filter(paper__arxiv_id=ASMV2).update(published_at=T0 + dt.timedelta(hours=1))
    SummaryFactory(paper=PaperFactory(arxiv_id="2403.00001", topic=Topic.objects.get(slug="agent")))


def read(client, url: str, **options):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content, **options)
    assert not feed.bozo, (url, feed.bozo_exception)
    return feed


def ids(feed) -> list[str]:
    return [entry.id for entry in feed.entries]


def expected_order(queryset) -> list[str]:
    """Newest publication first; among papers published at one moment, the order they were imported in."""
    rows = queryset.values_list("summary__published_at", "pk", "arxiv_id")
    return [f"arxiv:{arxiv_id}" for _, _, arxiv_id in sorted(rows, key=lambda row: (-row[0].timestamp(), row[1]))]


@pytest.mark.parametrize("url, version", [("/feed/rss/", "rss20"), ("/feed/atom/", "atom10")])
def test_the_main_feed_lists_every_published_entry_newest_first(client, published, url, version):
    feed = read(client, url)
    assert feed.version == version
    assert len(feed.entries) == 42
    assert ids(feed)[0] == f"arxiv:{ASMV2}"  # published an hour after the rest
    assert ids(feed) == expected_order(Paper.objects.published())
    assert "arxiv:2403.00001" not in ids(feed)
    assert feed.feed.title == "Paperdesk"
    assert feed.feed.link == "http://testserver/"


def test_the_feed_holds_at_most_feed_size_entries(client, published):
    for _ in range(feeds.FEED_SIZE - 42 + 3):  # 3 more published entries than a feed holds
        SummaryFactory(published=True, published_at=T0 - dt.timedelta(days=1))
    everything = expected_order(Paper.objects.published())
    assert len(everything) == feeds.FEED_SIZE + 3
    assert ids(read(client, "/feed/rss/")) == everything[:feeds.FEED_SIZE]


def test_an_entry_leaves_the_feeds_when_it_is_unpublished_or_sent_back(client, published):
    Summary.objects.filter(paper__arxiv_id=ASMV2).update(status=Status.UNPUBLISHED)
    Summary.objects.filter(paper__arxiv_id=PEFT).update(status=Status.IN_REVIEW)
    for url in ("/feed/rss/", "/feed/atom/"):
        shown = ids(read(client, url))
        assert len(shown) == 40 and f"arxiv:{ASMV2}" not in shown and f"arxiv:{PEFT}" not in shown
    assert f"arxiv:{ASMV2}" not in ids(read(client, "/feed/rss/topic/agent/"))
    assert f"arxiv:{PEFT}" not in ids(read(client, "/feed/atom/tag/llm/"))


def test_rss_entry_fields(client, published):
    entry = read(client, "/feed/rss/").entries[0]
    summary = Summary.objects.get(paper__arxiv_id=ASMV2)
    assert entry.title == (
        "《全知计划V2》：旨在攻克开放世界的通用关系理解难题，探索更全面的关系认知能力。"
        " | The All-Seeing Project V2: Towards General Relation Comprehension of the Open World"
    )
    assert entry.link == f"http://testserver/paper/{ASMV2}/"
    assert entry.id == f"arxiv:{ASMV2}" and entry.guidislink is False
    assert entry.published_parsed[:6] == (2024, 3, 1, 9, 0, 0)
    assert html.unescape(entry.summary) == (summary.tldr or summary.abstract_zh)
    assert [tag.term for tag in entry.tags] == ["Agents"]
    assert "author" not in entry  # the digest gives no authors


def test_atom_entry_fields(client, published):
    feed = read(client, "/feed/atom/")
    assert feed.feed.subtitle == feeds.LatestPapersFeed.description
    entry = next(e for e in feed.entries if e.id == f"arxiv:{PEFT}")
    paper = Paper.objects.select_related("summary").get(arxiv_id=PEFT)
    headline = paper.summary.headline_zh or paper.summary.title_zh
    assert headline and entry.title == f"{headline} | {paper.title}"
    assert entry.author == "Chenyu Lian, Hong-Yu Zhou, Yizhou Yu"  # the first three of four
    assert entry.published_parsed[:6] == (2024, 3, 1, 8, 0, 0)
    updated = paper.summary.modified_at.astimezone(dt.timezone.utc)
    assert entry.updated_parsed[:6] == updated.timetuple()[:6]
    assert [tag.term for tag in entry.tags] == ["LLM"]
    assert entry.link == f"http://testserver/paper/{PEFT}/"


def test_titles_fall_back_from_headline_to_chinese_title_to_english_title(client, published):
    Summary.objects.filter(paper__arxiv_id=ASMV2).update(headline_zh="", title_zh="全知计划第二版")
    Summary.objects.filter(paper__arxiv_id=PEFT).update(headline_zh="", title_zh="")
    entries = {e.id: e for e in read(client, "/feed/atom/").entries}
    assert entries[f"arxiv:{ASMV2}"].title == (
        "全知计划第二版 | The All-Seeing Project V2: Towards General Relation Comprehension of the Open World"
    )
    assert entries[f"arxiv:{PEFT}"].title == Paper.objects.get(arxiv_id=PEFT).title


@pytest.mark.parametrize("url", ["/feed/rss/", "/feed/atom/"])
def test_titles_are_plain_text_no_reader_can_turn_into_markup(client, published, url):
    """Markup an editor typed (or an older row holds) is left out; the words, "&" and TeX's "<" stay."""
    Summary.objects.filter(paper__arxiv_id=ASMV2).update(headline_zh="<b>加粗</b> & 《标题》 $k<n$")
    feed = read(client, url, sanitize_html=False)
    entry = next(e for e in feed.entries if e.id == f"arxiv:{ASMV2}")
    assert entry.title.startswith("加粗 & 《标题》 $k< n$ | The All-Seeing Project V2")
    assert "<b" not in html.unescape(entry.title)


@pytest.mark.parametrize("url", ["/feed/rss/", "/feed/atom/"])
def test_descriptions_are_text_a_reader_shows_as_written(client, published, url):
    """A reader renders a description as HTML: an entry's text arrives escaped, and markup an older row
    still holds is left out (a reader that decodes twice would otherwise make it live)."""
    tldr = 'Beats <script>alert(1)</script>and <img src=x onerror="alert(2)">by 3 < 5 & more'
    Summary.objects.filter(paper__arxiv_id=ASMV2).update(tldr=tldr)
    Summary.objects.filter(paper__arxiv_id=PEFT).update(tldr="", abstract_zh="")
    entries = {e.id: e for e in read(client, url, sanitize_html=False).entries}
    description = entries[f"arxiv:{ASMV2}"].summary  # the HTML the reader renders
    assert "<" not in description and ">" not in description
    assert html.unescape(description) == "Beats and by 3 < 5 & more"  # what the reader shows
    # Without a one-line summary or a Chinese abstract, the English abstract.
    assert html.unescape(entries[f"arxiv:{PEFT}"].summary) == Paper.objects.get(arxiv_id=PEFT).abstract


def test_without_a_publication_time_the_arxiv_date_is_used(client, published):
    Summary.objects.filter(paper__arxiv_id=ASMV2).update(published_at=None)
    entry = next(e for e in read(client, "/feed/rss/").entries if e.id == f"arxiv:{ASMV2}")
    assert entry.published_parsed[:6] == (2024, 2, 29, 0, 0, 0)


def test_topic_feeds_list_only_their_topic(client, published):
    agent = read(client, "/feed/rss/topic/agent/")
    assert agent.feed.title == "Paperdesk · Agent / Agents"
    assert agent.feed.link == "http://testserver/topic/agent/"
    assert ids(agent) == expected_order(Paper.objects.published().filter(topic__slug="agent"))
    assert len(agent.entries) == 8 and "arxiv:2403.00001" not in ids(agent)  # the draft is an Agent paper too
    atom = read(client, "/feed/atom/topic/agent/")
    assert atom.feed.title == agent.feed.title and ids(atom) == ids(agent)


def test_tag_feeds_list_only_their_tag(client, published):
    llm = read(client, "/feed/atom/tag/llm/")
    assert llm.feed.title == "Paperdesk · LLM" and llm.feed.link == "http://testserver/tag/llm/"
    assert ids(llm) == expected_order(Paper.objects.published().filter(tags__slug="llm"))
    assert len(llm.entries) == 14
    assert ids(read(client, "/feed/rss/tag/llm/")) == ids(llm)


@pytest.mark.parametrize("url", ["/feed/rss/topic/nope/", "/feed/atom/topic/nope/", "/feed/rss/tag/nope/",
                                 "/feed/atom/tag/nope/"])
def test_an_unknown_topic_or_tag_is_not_found(client, published, url):
    assert client.get(url).status_code == 404


def test_the_feed_query_count_does_not_grow_with_entries(client, seed_hexo, seed_digest, django_assert_max_num_queries):
    import_sources([str(seed_hexo)], options=IngestOptions(publish=True))
    with django_assert_max_num_queries(4):
        assert len(read(client, "/feed/rss/").entries) == 14
    import_sources([str(seed_digest)], options=IngestOptions(publish=True))
    with django_assert_max_num_queries(4):
        assert len(read(client, "/feed/atom/").entries) == 42


FEED_URLS = ["/feed/rss/", "/feed/atom/", "/feed/rss/topic/agent/", "/feed/atom/topic/agent/", "/feed/rss/tag/llm/",
             "/feed/atom/tag/llm/", "/feed/rss/search/?q=agent", "/feed/atom/search/?q=model&lang=en"]


@pytest.mark.parametrize("url", FEED_URLS)
def test_every_feed_is_what_djangos_own_attribute_lookup_writes(client, published, monkeypatch, url):
    """Sorting the feeds' attributes once per class changes no byte of any feed."""
    ours = client.get(url).content
    assert ours.count(b"arxiv:") >= 2  # feeds with entries, or the comparison says little
    monkeypatch.setattr(feeds.AttributesResolvedOnce, "_get_dynamic_attr", Feed._get_dynamic_attr)
    assert client.get(url).content == ours


class Shapes(feeds.AttributesResolvedOnce):
    """One attribute of each kind Django's feeds accept."""

    title = "a value"
    calls = 0

    def link(self):
        return "/without-the-item/"

    def description(self, obj):
        return f"with the item {obj}"

    @staticmethod
    def author_name():
        return "a static method without arguments"

    def item_title(self, item):
        type(self).calls += 1
        return f"title {item} call {self.calls}"


def test_attributes_resolved_once_answer_as_django_does(monkeypatch):
    monkeypatch.setattr(Shapes, "calls", 0)
    ours, django = Shapes(), Shapes()
    django._get_dynamic_attr = Feed._get_dynamic_attr.__get__(django)
    for name in ("title", "link", "description", "author_name", "missing"):
        for _ in range(2):  # the second time from what the first one found
            assert ours._get_dynamic_attr(name, "x", "default") == django._get_dynamic_attr(name, "x", "default")
    assert [ours._get_dynamic_attr("item_title", n) for n in (1, 2)] == ["title 1 call 1", "title 2 call 2"]
    assert ours._get_dynamic_attr("missing", "x", "default") == "default"


def test_a_method_django_refuses_is_still_refused():
    def undecorated(*args):  # what a decorator without functools.wraps leaves
        return "never"

    class Refused(feeds.AttributesResolvedOnce):
        item_title = undecorated

    feed = Refused()
    for _ in range(2):
        with pytest.raises(ImproperlyConfigured):
            feed._get_dynamic_attr("item_title", "x")


@pytest.mark.parametrize("url", FEED_URLS)
def test_every_feed_is_what_djangos_xml_generator_writes(client, published, monkeypatch, url):
    """Items' elements written as whole strings change no byte of any feed."""
    ours = client.get(url).content
    assert ours.count(b"arxiv:") >= 2
    monkeypatch.setattr(feeds, "QuickElements", lambda handler: handler)
    assert client.get(url).content == ours


def _generator_items(feed):
    from django.utils.feedgenerator import Enclosure

    when = dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.timezone.utc)
    feed.add_item(title='<b>"T" & \'t\'</b>', link="https://x.test/p/1/?a=1&b=<2>", description="<p>&amp; ]]></p>",
                  author_name="A <B> & C", pubdate=when, updateddate=when, unique_id="arxiv:1",
                  unique_id_is_permalink=False, categories=["cat & <dog>", "大模型"])
    feed.add_item(title="", link="/p/2/", description=None, author_name=None, pubdate=None, unique_id=None,
                  categories=[])  # empty title: an empty element; no id: Atom makes one from the link
    feed.add_item(title="e", link="/p/3/", description="", author_name="n", author_email="n@x.test",
                  author_link="https://x.test/n", unique_id="u", unique_id_is_permalink=True, comments="/c/",
                  ttl="5", item_copyright="© x", pubdate=when,
                  enclosures=[Enclosure("https://x.test/a.mp3", "123", "audio/mpeg")])


@pytest.mark.parametrize("ours, django_class", [
    (feeds.RssFeed, feeds.Rss201rev2Feed), (feeds.AtomFeedType, feeds.Atom1Feed)])
def test_item_elements_are_what_djangos_generator_writes(ours, django_class):
    """Every shape of item Django's feeds write, hostile text too, byte for byte."""
    written = []
    for feed_class in (ours, django_class):
        feed = feed_class(title="t", link="/", description="d")
        _generator_items(feed)
        written.append(feed.writeString("utf-8"))
    assert written[0] == written[1] and "&lt;b&gt;" in written[0] and "<title/>" in written[0]


@pytest.mark.parametrize("feed_class", [feeds.RssFeed, feeds.AtomFeedType])
def test_control_characters_are_refused_as_django_refuses_them(feed_class):
    from django.utils.xmlutils import UnserializableContentError

    feed = feed_class(title="t", link="/", description="d")
    feed.add_item(title="bell \x07", link="/p/1/", description="d")
    with pytest.raises(UnserializableContentError):
        feed.writeString("utf-8")
