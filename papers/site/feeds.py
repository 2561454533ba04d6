"""RSS and Atom feeds of published entries: everything, per topic, per tag."""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from inspect import unwrap
from xml.sax.saxutils import escape as xml_escape, quoteattr

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.xmlutils import UnserializableContentError
from taggit.models import Tag, TaggedItem

from papers.fixed_queries import FixedQuery
from papers.markup import inert_text, plain_text
from papers.models import Paper, Topic
from papers.site.fragments import attach_authors
from papers.site.page_queries import paper_type_id
from papers.site.reversing import slug_links

FEED_SIZE = 50
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0B-\x0C\x0E-\x1F]")  # as django.utils.xmlutils refuses them


class WrittenAtOnce:
    """A feed generator that writes its XML into a string, then the string into the response once.

    Django's writes into the response piece by piece: some 1,700 pieces for 50
    items, each through ``HttpResponse.write`` (a sixth of a feed's CPU).
    """

    def write(self, outfile, encoding):
        text = io.StringIO()
        super().write(text, encoding)
        outfile.write(text.getvalue())


class QuickElements:
    """What ``SimplerXMLGenerator.addQuickElement`` writes for an element, written as one string.

    Django's generator writes an element in three calls through the standard
    library's ``XMLGenerator`` (start, text, end), with a check of the text and
    a sort of the attributes on the way: 40% of a feed's CPU for its items'
    some 750 elements.  The text is the same (a test compares whole feeds
    with Django's byte for byte); anything but plain strings goes to Django's
    generator.  The item's elements are still chosen by Django's
    ``add_item_elements``, with this in place of the generator.
    """

    def __init__(self, handler):
        self.handler = handler

    def addQuickElement(self, name, contents=None, attrs=None):
        handler = self.handler
        if not (contents is None or isinstance(contents, str)) or (attrs and not all(
                isinstance(value, str) for value in attrs.values())):
            return handler.addQuickElement(name, contents, attrs)
        if contents and CONTROL_CHARACTERS.search(contents):
            raise UnserializableContentError("Control characters are not supported in XML 1.0")
        handler._finish_pending_start_element()
        start = f"<{name}{''.join(f' {key}={quoteattr(value)}' for key, value in sorted(attrs.items()))}" if attrs else f"<{name}"
        if contents:
            handler._write(f"{start}>{xml_escape(contents)}</{name}>")
        else:
            handler._write(f"{start}/>" if handler._short_empty_elements else f"{start}></{name}>")

    def startElement(self, name, attrs):
        self.handler.startElement(name, attrs)

    def endElement(self, name):
        self.handler.endElement(name)

    def characters(self, content):
        self.handler.characters(content)


class RssFeed(WrittenAtOnce, Rss201rev2Feed):
    def add_item_elements(self, handler, item):
        super().add_item_elements(QuickElements(handler), item)


class AtomFeedType(WrittenAtOnce, Atom1Feed):
    def add_item_elements(self, handler, item):
        super().add_item_elements(QuickElements(handler), item)


_MISSING, _VALUE, _CALL_WITH_ITEM, _CALL = range(4)


class AttributesResolvedOnce(Feed):
    """A feed whose attributes are sorted once per class into values and methods with or without the item.

    Django asks that of every attribute (some 20) of every item on each
    request, unwrapping each method to count its arguments: 1.2 ms of the
    6 ms that writing a 50-item feed takes.  A feed class's attributes keep
    their kind while the process runs, so the answer is kept under the class
    and the name; the value itself is still read on every call.  Whatever Django would refuse
    (a method without arguments that is no static method) is left to it.
    """

    _kinds: dict[tuple[type, str], int] = {}

    def _get_dynamic_attr(self, attname, obj, default=None):
        kind = self._kinds.get((type(self), attname))
        if kind is None:
            kind = self._kinds[type(self), attname] = self._kind_of(attname)
        if kind == _MISSING:
            return default
        if kind == _VALUE:
            return getattr(self, attname)
        if kind == _CALL_WITH_ITEM:
            return getattr(self, attname)(obj)
        if kind == _CALL:
            return getattr(self, attname)()
        return super()._get_dynamic_attr(attname, obj, default)

    def _kind_of(self, attname: str) -> int | None:
        try:
            attr = getattr(self, attname)
        except AttributeError:
            return _MISSING
        if not callable(attr):
            return _VALUE
        func = unwrap(attr)
        code = getattr(func, "__code__", None) or unwrap(attr.__call__).__code__
        if not code.co_argcount:
            return None  # Django's to check, every time
        return _CALL_WITH_ITEM if code.co_argcount == 2 else _CALL


@dataclass(slots=True)
class FeedItem:
    """One row of ``Paper.objects.for_feeds()`` (``FEED_FIELDS``, in order), then its byline and language."""

    pk: int
    arxiv_id: str
    title: str
    abstract: str
    published: dt.date | None
    topic_name_en: str | None
    headline_zh: str | None
    title_zh: str | None
    tldr: str | None
    abstract_zh: str | None
    published_at: dt.datetime | None
    modified_at: dt.datetime | None
    author_list: list[tuple[str, str]] = field(default_factory=list)  # set by attach_authors
    author_ids: list[int] = field(default_factory=list)
    lang: str = ""  # a search feed's titles: "zh", "en" or both
    url: str = ""  # set by feed_items


def feed_items(rows) -> list[FeedItem]:
    """Items of ``for_feeds()`` rows, with their authors (one query) and links."""
    items = [FeedItem(*row) for row in rows]
    attach_authors(items)
    link = slug_links("paper")  # one reverse for the feed's links, not one per item
    for item in items:
        item.url = link(item.arxiv_id)
    return items


def _items(papers):
    """A feed's items of these papers: the latest entries first (their SQL compiled once, papers.fixed_queries)."""
    return papers.for_feeds().latest_first()[:FEED_SIZE]


LATEST_ITEMS = FixedQuery(lambda: _items(Paper.objects.published()))


class LatestPapersFeed(AttributesResolvedOnce):
    """The latest published entries: cached as the home page is (``papers.site.caching``), for the same changes.

    Feed readers ask every few minutes, and a 50-item feed costs 4–5 ms to
    write; cached, it costs what a cached page does.
    """

    feed_type = RssFeed
    page_cache_tags = staticmethod(lambda request: ["home"])
    title = "Paperdesk"
    description = "New arXiv papers on LLMs, agents and RAG, summarized and reviewed."

    def link(self, obj=None):
        return reverse("home")

    def get_object(self, request, slug=None):
        return None

    def papers(self, obj):
        return LATEST_ITEMS()

    def items(self, obj=None):
        return feed_items(self.papers(obj))

    def item_title(self, paper):
        # Many readers render a title as HTML, some after decoding it twice: a title is plain text with
        # nothing an HTML parser could read as a tag (imports remove markup; an older row or an
        # editor's text may still have some).
        headline = paper.headline_zh or paper.title_zh
        return inert_text(f"{headline} | {paper.title}" if headline else paper.title)

    def item_description(self, paper):
        # A reader renders the description as HTML, and these are plain-text fields (the pages escape
        # them too): escaped, the text shows as written; markup an older row may hold is left out, since
        # some readers decode a description twice before rendering it.
        return escape(plain_text(paper.tldr or paper.abstract_zh or paper.abstract))

    def item_link(self, paper):
        return paper.url

    def item_guid(self, paper):
        return f"arxiv:{paper.arxiv_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, paper):
        return paper.published_at or timezone.make_aware(dt.datetime.combine(paper.published or dt.date.today(), dt.time()))

    def item_updateddate(self, paper):
        return paper.modified_at

    def item_author_name(self, paper):
        names = [name for name, _ in paper.author_list[:3]]
        return inert_text(", ".join(names)) if names else None

    def item_categories(self, paper):
        return [inert_text(paper.topic_name_en)] if paper.topic_name_en is not None else []


class AtomFeed:
    """The same feed in Atom (its subtitle is RSS's description)."""

    feed_type = AtomFeedType
    subtitle = LatestPapersFeed.description


class OneSubjectFeed(LatestPapersFeed):
    """Published entries of one topic or tag, found by the slug in the URL."""

    page_name = ""  # the URL name of the subject's page
    subject: FixedQuery  # the topic or tag of a slug
    subject_items: FixedQuery  # its papers, by its pk

    def get_object(self, request, slug=None):
        subject = self.subject.first(slug=slug)
        if subject is None:
            raise Http404(f"no {self.page_name} {slug}")
        return subject

    def papers(self, obj):
        return self.subject_items(subject=obj.pk)

    def title(self, obj):
        return inert_text(f"Paperdesk · {self.subject_name(obj)}")

    def link(self, obj=None):
        return reverse(self.page_name, args=[obj.slug])

    def subject_name(self, obj) -> str:
        return obj.name


class TopicFeed(OneSubjectFeed):
    page_name = "topic"
    page_cache_tags = staticmethod(lambda request, slug: [f"topic:{slug}"])  # as the topic's own page
    subject = FixedQuery(lambda slug: Topic.objects.filter(slug=slug), slug=str)
    subject_items = FixedQuery(lambda subject: _items(Paper.objects.published().filter(topic=subject)), subject=int)

    def subject_name(self, topic) -> str:
        return f"{topic.name_zh} / {topic.name_en}"


class TagFeed(OneSubjectFeed):
    page_name = "tag"
    page_cache_tags = staticmethod(lambda request, slug: [f"tag:{slug}"])
    subject = FixedQuery(lambda slug: Tag.objects.filter(slug=slug), slug=str)
    # The papers' content type is a value: taggit would look it up once and keep it in the SQL.
    subject_items = FixedQuery(lambda subject, paper_type: _items(Paper.objects.published().filter(pk__in=TaggedItem.objects
                               .filter(tag_id=subject, content_type_id=paper_type).values("object_id"))),
                               subject=int, paper_type=int)

    def papers(self, obj):
        return self.subject_items(subject=obj.pk, paper_type=paper_type_id())


class LatestPapersAtom(AtomFeed, LatestPapersFeed):
    pass


class TopicAtom(AtomFeed, TopicFeed):
    pass


class TagAtom(AtomFeed, TagFeed):
    pass
