"""A hostile corpus through the whole reading side: markup and script payloads in every field of both seed formats.

``tests/data/hostile/`` holds a digest file and a Hexo post whose every field
carries payloads: ``<body onload=…>``, ``<style>``, ``<script>``, ``<svg/onload=…>``,
``\\href{javascript:…}``, tags written as entities (once and twice), CDATA
sections.  Each payload runs ``alert(N)``, so "alert" left anywhere in a
plain-text field is a payload that survived.  The TeX beside them
(``$\\mathcal{O}(n)$``, ``$k<n$``) must survive.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import feedparser
import lxml.html
import pytest
from django.urls import reverse
from taggit.models import Tag

from papers.importers.records import PAPER_PLAIN_FIELDS, SUMMARY_PLAIN_FIELDS, SUMMARY_PLAIN_LISTS
from papers.models import Author, Digest, Generation, Paper, Summary, Topic
from papers.services.ingest import IngestOptions, import_sources
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"
PAPERS = ("2501.00101", "2501.00102", "2501.00201")
TEX = r"$\mathcal{O}(n)$"
# What is left of a payload when markup survives: a tag of the corpus, an entity, CDATA, an event handler.
MARKUP_RE = re.compile(
    r"<\s*/?\s*(?:script|style|body|img|svg|iframe|a|b|i|title)\b|<!|\]\]>|&(?:lt|gt|amp|#\d+|#x[0-9a-f]+);"
    r"|\bon(?:load|error|mouseover)\b|javascript:|alert", re.I,
)
# A "<" an HTML parser would read as the start of a tag, a comment or a declaration.
TAG_START_RE = re.compile(r"<[A-Za-z/!?]")


@pytest.fixture
def hostile():
    batch = import_sources([str(HOSTILE / "digest.md"), str(HOSTILE / "hexo.md")], options=IngestOptions(publish=True))
    assert (batch.created, batch.failed) == (3, 0)
    return batch


def plain_values(model, names, lists=()):
    """(where, text) for every plain-text value stored in ``model``'s ``names`` and list fields ``lists``."""
    values = []
    for obj in model.objects.all():
        for name in names:
            values.append((f"{model.__name__}.{name} of {obj.pk}", getattr(obj, name)))
        for name in lists:
            values += [(f"{model.__name__}.{name} of {obj.pk}", value) for value in getattr(obj, name)]
    return values


def stored_texts():
    texts = plain_values(Paper, [n for n in PAPER_PLAIN_FIELDS if n != "topic"], ["categories"])
    texts += plain_values(Summary, SUMMARY_PLAIN_FIELDS, SUMMARY_PLAIN_LISTS)
    texts += plain_values(Author, ["name"]) + plain_values(Tag, ["name"]) + plain_values(Topic, ["name_zh", "name_en"])
    texts += plain_values(Digest, ["title", "description"])
    for generation in Generation.objects.all():
        texts += [(f"Generation.{name} of {generation.pk}", value) for name, value in generation.output.items()
                  if isinstance(value, str) and name in SUMMARY_PLAIN_FIELDS]
    return texts


def test_no_markup_survives_the_import_in_any_plain_text_field(hostile):
    texts = stored_texts()
    assert len(texts) > 60
    dirty = [(where, text) for where, text in texts if MARKUP_RE.search(text)]
    assert dirty == []


def test_the_words_and_the_tex_are_kept(hostile):
    digest_paper = Paper.objects.get(arxiv_id="2501.00101")
    assert digest_paper.title == r"Hostile Title with a link and $\mathcal{O}(n)$ for $k<n$"
    assert TEX in digest_paper.abstract and "$k<n$" in digest_paper.abstract and "bold text" in digest_paper.abstract
    assert digest_paper.summary.headline_zh.startswith("《恶意标题》：旨在攻克开放世界的通用关系理解难题，探索")
    assert sorted(digest_paper.tags.names()) == ["恶意标签"]
    hexo_paper = Paper.objects.get(arxiv_id="2501.00201")
    assert hexo_paper.title == r"Hostile Hexo Title here $\mathcal{O}(n)$"
    assert [a.author.name for a in hexo_paper.authorships.order_by("position")] == [
        "Eve Attacker", "Mallory Jones", "Trudy Intruder"]
    summary = hexo_paper.summary
    assert summary.tldr == r"一句话总结 $\mathcal{O}(n)$。"
    assert (summary.title_zh, summary.affiliation, summary.keywords) == ("恶意题目", "坏人大学", ["迁移学习", "注入"])
    assert summary.key_points == ["要点一", "要点二"]
    assert Digest.objects.get(date="2025-01-03").description == "LLM 最新论文"


def feed_urls():
    tag = Tag.objects.get(name="恶意标签")
    return ["/feed/rss/", "/feed/atom/", "/feed/rss/topic/agent/", "/feed/atom/topic/agent/",
            f"/feed/rss/tag/{tag.slug}/", f"/feed/atom/tag/{tag.slug}/"]


def read_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    # Read as a reader that renders what it gets would: feedparser's own sanitizing off.
    feed = feedparser.parse(response.content, sanitize_html=False)
    assert not feed.bozo, (url, feed.bozo_exception)
    return feed


def assert_inert(text: str, where: str):
    """No tag in ``text``, nor in it decoded once more (a reader that unescapes a title twice)."""
    assert not TAG_START_RE.search(text), (where, text)
    assert not TAG_START_RE.search(html.unescape(text)), (where, text)
    assert "alert" not in text, (where, text)


def assert_clean_html(fragment: str, where: str):
    """Nothing in ``fragment`` could run or restyle: no script or style, no handler, no script URL."""
    if not fragment.strip():
        return
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    assert root.xpath("//script|//style|//iframe|//svg|//img|//body") == [], (where, fragment)
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (where, name)
            assert not value.strip().lower().startswith(("javascript:", "data:")), (where, value)
    assert "alert" not in root.text_content(), (where, fragment)


def test_feed_titles_hold_no_tag_and_descriptions_only_sanitized_html(client, hostile):
    seen = set()
    for url in feed_urls():
        feed = read_feed(client, url)
        assert feed.entries, url
        for entry in feed.entries:
            seen.add(entry.id)
            assert_inert(entry.title, f"{url} {entry.id} title")
            assert_clean_html(entry.get("summary", ""), f"{url} {entry.id} description")
            for author in entry.get("authors", []):
                assert_inert(author.get("name", ""), f"{url} {entry.id} author")
            for tag in entry.get("tags", []):
                assert_inert(tag.term, f"{url} {entry.id} category")
        assert_inert(feed.feed.title, f"{url} feed title")
    assert seen == {f"arxiv:{arxiv_id}" for arxiv_id in PAPERS}
    titles = {entry.id: entry.title for entry in read_feed(client, "/feed/atom/").entries}
    assert TEX in titles["arxiv:2501.00201"]  # TeX is text: kept as written


def test_feed_titles_are_inert_even_for_rows_stored_before_the_import_cleaned_them(client):
    """An editor's text or an older row may still hold markup: the feed makes it inert all the same."""
    paper = PaperFactory(arxiv_id="2501.00999", title='Old <img src=x onerror=alert(1)> row $k<n$ &lt;b&gt;x')
    SummaryFactory(paper=paper, published=True, headline_zh="<script>alert(2)</script>旧标题",
                   tldr="<body onload=alert(3)>一句话")
    for url in ("/feed/rss/", "/feed/atom/"):
        entry = read_feed(client, url).entries[0]
        assert_inert(entry.title, url)
        assert "旧标题" in entry.title and "$k< n$" in entry.title
        assert_clean_html(entry.get("summary", ""), url)


def public_urls():
    tag = Tag.objects.get(name="恶意标签")
    return ["/", "/digest/", "/digest/2025-01-02/", "/digest/2025-01-03/", "/topic/agent/", f"/tag/{tag.slug}/",
            "/author/eve-attacker/", "/search/?q=Hostile", "/search/?q=恶意",
            *(f"/paper/{arxiv_id}/" for arxiv_id in PAPERS)]


def assert_clean_page(content: str, where: str):
    """The page's own scripts only; no element, handler or URL from the corpus."""
    root = lxml.html.document_fromstring(content)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (where, element.tag, name, value)
            assert not value.strip().lower().startswith("javascript:"), (where, element.tag, value)
        if element.tag in ("script", "style"):
            assert "alert" not in (element.text or ""), (where, element.tag)
    assert root.xpath("//iframe|//svg[@onload]|//img[@onerror]") == [], where
    # Plain-text fields are plain: the only place a literal payload may still show (escaped, as text) is
    # the sanitized structured block, which keeps what its source wrote.
    for block in root.xpath("//*[contains(@class, 'structured')]"):
        block.drop_tree()
    assert "alert" not in root.text_content(), where


def test_public_pages_are_clean(client, hostile):
    for url in public_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        assert_clean_page(response.content.decode(), url)


def test_admin_pages_are_clean(admin_client, hostile):
    for model in (Paper, Summary, Digest):
        meta = model._meta
        urls = [reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")]
        urls += [reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]) for obj in model.objects.all()]
        for url in urls:
            response = admin_client.get(url)
            assert response.status_code == 200, url
            root = lxml.html.document_fromstring(response.content.decode())
            for element in root.iter():
                if isinstance(element.tag, str):
                    assert not any(name.lower().startswith("on") and "alert" in value
                                   for name, value in element.attrib.items()), (url, element.tag)
                    if element.tag in ("script", "style"):
                        assert "alert" not in (element.text or ""), url
