"""The index pages: every topic, tag and author with its number of published papers.

The numbers are read, never counted here: ``TopicCount``, ``TagCount`` and
``AuthorCount`` are kept by the writes that change them
(``papers.services.published_counts``), because grouping the published papers
at read time cost seconds at a million papers (topics 1.5 s, tags 3.4 s).
Only published papers count, and a tag or author without one is not listed:
drafts are nobody's business but the desk's.

Authors are paged by where a page starts in the alphabet (keyset: after or
before a given author, or from a letter), never by an offset: page 500 of
an OFFSET read and threw away 50,000 authors first.  The order is the name's,
then the id's, as the index on (name, id) keeps it; a search filters by any
part of the name (the trigram index; see ``name_matches``).  Tags are few enough for numbered pages,
each cut by fetching one row more than it shows.  Cached like the other list
pages; "home" is bumped whenever any paper goes live or is withdrawn.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from functools import lru_cache, partial
from typing import NamedTuple
from string import ascii_uppercase

from django.db import connections
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.utils.formats import number_format
from django.utils.translation import get_language, ngettext
from django.views.decorators.http import require_GET

from papers.models import Author, AuthorCount, TagCount, Topic
from papers.site.caching import cached_page
from papers.site.reversing import slug_links
from papers.site.views import _querystring

AUTHORS_PER_PAGE = 100
TAGS_PER_PAGE = 200
QUERY_MAX = 100  # characters of an author search
SEARCH_CANDIDATES = 5_000  # an author search with more matches looks for a page among its first this-many
KEY_MAX = 300  # characters of an author's slug or a starting letter in a page link
LETTERS = tuple(ascii_uppercase)
AUTHOR_PAGE_PARAMS = ("after", "before", "from", "page")


@dataclass
class Page:
    """One page of a list cut by peeking one row ahead: a next page exists, its size is never counted."""

    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def peek_page(request, queryset, size: int) -> tuple[list, Page]:
    """The rows of the requested page (``?page=N``, 1 if missing or bad) and the page, in one query."""
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    start = (number - 1) * size
    rows = list(queryset[start:start + size + 1])
    return rows[:size], Page(number=number, has_next=len(rows) > size)


@dataclass
class KeysetPage:
    """A page of authors and the links around it: the previous page ends before its first, the next starts after its last."""

    items: list
    has_previous: bool
    has_next: bool

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def first(self):
        return self.items[0]

    @property
    def last(self):
        return self.items[-1]


def after_key(name: str, pk: int) -> Q:
    """Rows after (name, pk) in (name, id) order, written so the index scan starts at ``name``."""
    return Q(name__gte=name) & (Q(name__gt=name) | Q(pk__gt=pk))


def before_key(name: str, pk: int) -> Q:
    return Q(name__lte=name) & (Q(name__lt=name) | Q(pk__lt=pk))


def _first(queryset: QuerySet, n: int) -> list:
    return list(queryset[:n])


def keyset_page(request, authors: QuerySet, size: int, read=_first) -> KeysetPage:
    """The page ``?after=<slug>``, ``?before=<slug>`` or ``?from=<letter>`` asks for (the first page otherwise).

    Each costs the same at any depth: the cursor author by its slug, the page
    (one row more than it shows, read along the index from the cursor), and
    for a page after a cursor whether anything lies before it (one row the
    other way).  ``read(queryset, n)`` takes the first ``n`` rows of a
    queryset in (name, id) order, either way: a plain slice, or
    :func:`listed_in_order` for a search.
    """
    forward, backward = authors.order_by("name", "pk"), authors.order_by("-name", "-pk")
    after, before = _cursor(request, "after"), _cursor(request, "before")
    start = request.GET.get("from", "")[:KEY_MAX]
    if before:
        rows = read(backward.filter(before_key(*before)), size + 1)
        if rows:
            return KeysetPage(rows[:size][::-1], has_previous=len(rows) > size, has_next=True)
    elif after or start:
        rows = read(forward.filter(after_key(*after) if after else Q(name__gte=start)), size + 1)
        if rows:
            # Read backwards along the name index from the first row (EXISTS would let the planner walk another).
            has_previous = bool(read(backward.filter(before_key(rows[0].name, rows[0].pk)), 1))
            return KeysetPage(rows[:size], has_previous=has_previous, has_next=len(rows) > size)
        rows = read(backward, size + 1)  # past the last author (a stale link, a late letter): the last page
        return KeysetPage(rows[:size][::-1], has_previous=len(rows) > size, has_next=False)
    rows = read(forward, size + 1)
    return KeysetPage(rows[:size], has_previous=False, has_next=len(rows) > size)


def listed_in_order(authors: QuerySet, n: int, *, few: bool = False) -> list[Author]:
    """The first ``n`` of ``authors`` (ordered by name and id, either way) that are listed, with their ``count``.

    For a search; ``few`` says it has at most ``SEARCH_CANDIDATES`` matches
    (see :func:`has_few_matches`).  Left to the planner, PostgreSQL checked
    every match for a published paper before sorting them ("li": 3,756
    count lookups for a page of 101, 16 ms at a million papers; "a": 37 ms).
    Here the matches are fenced off in a subquery, with a plan of their own,
    and counts are looked up in their order until ``n`` authors pass:

    * few matches: all of them (``OFFSET 0``), which PostgreSQL reads from
      the trigram index and sorts ("yamamoto": 1.2 ms, where walking the name
      index read 13,000 names, 9 ms);
    * many, or a search too short to count them: the first
      ``SEARCH_CANDIDATES`` in order, for which it walks the name index where
      matches are dense ("a": 1.2 ms) and sorts where they are not ("li":
      3.7 ms).  If fewer than ``n`` of those pass, the rest may lie past
      them: the planner's query answers.
    """
    if connections[authors.db].vendor == "postgresql":
        direction = "DESC" if authors.query.order_by[0].startswith("-") else "ASC"
        inner, params = authors.values("id", "name", "slug").query.sql_with_params()
        # The limits are written into the SQL: as parameters of a statement psycopg has prepared, the
        # planner would not know them and, guessing, walked the name index for narrow searches ("sofia": 33 ms).
        fence = "OFFSET 0" if few else f"LIMIT {int(SEARCH_CANDIDATES)}"
        rows = list(Author.objects.db_manager(authors.db).raw(
            f"SELECT s.id, s.name, s.slug, c.papers AS count FROM ({inner} {fence}) s "
            f"CROSS JOIN LATERAL (SELECT papers FROM {AuthorCount._meta.db_table} "
            f"WHERE author_id = s.id AND papers > 0) c "
            f"ORDER BY s.name {direction}, s.id {direction} LIMIT {int(n)}", params))
        if few or len(rows) == n:
            return rows
    return list(_listed(authors)[:n])


def has_few_matches(query: str) -> bool:
    """Whether a search has at most SEARCH_CANDIDATES matches, counted from the trigram index up to that many.

    A query of one or two characters has no trigram of its own to count by.
    """
    return len(query) >= 3 and (
        Author.objects.filter(name_matches(query)).order_by()[:SEARCH_CANDIDATES + 1].count() <= SEARCH_CANDIDATES)


def _cursor(request, param: str) -> tuple[str, int] | None:
    """(name, id) of the author whose slug ``param`` gives, if there is one."""
    slug = request.GET.get(param, "")[:KEY_MAX]
    return Author.objects.filter(slug=slug).values_list("name", "pk").first() if slug else None


class TagRow(NamedTuple):
    slug: str
    name: str
    count: int


ITEM_HTML = '<li><a href="{}">{}</a> <span class="count" data-count="{}">{}</span></li>'


def items_linked(route: str, rows, name=lambda row: row.name) -> SafeString:
    """The rows as the list's items, written out: each its name, link and count (``row.slug``, ``row.count``).

    Written here rather than per item in the template, where ``{% url %}``,
    a plural ``{% blocktranslate %}`` and then the engine's own work per
    variable cost a 100-author page about 1 ms of its 4–5 ms of CPU.  Each
    value is escaped by the standard library's ``html.escape``, which Django's
    ``escape`` wraps: ``format_html`` per row spent two thirds of a 200-tag
    page's CPU checking each value for lazy text and safe strings.
    """
    link, language = slug_links(route), get_language()
    return mark_safe("\n".join([
        ITEM_HTML.format(escape(link(row.slug)), escape(str(name(row))), int(row.count), _count_label(language, row.count))
        for row in rows
    ]))


@lru_cache(maxsize=4096)
def _count_label(language: str, count: int) -> str:
    """"1 paper", "1,234 papers" in ``language`` (the active one), escaped: a few hundred counts cover nearly every row."""
    return escape(ngettext("%(n)s paper", "%(n)s papers", count) % {"n": number_format(count)})


def letter_links(querystring: str, start: str) -> SafeString:
    """The A–Z links, each keeping the page's other parameters; the current letter marked.

    Written here: as a template loop, 26 links cost an author page a sixth of its CPU.
    """
    prefix = f"?{escape(querystring)}&amp;from=" if querystring else "?from="
    current = ' aria-current="page"'
    return mark_safe("".join([f'<a href="{prefix}{letter}"{current if letter == start else ""}>{letter}</a>'
                              for letter in LETTERS]))


def _querystring_without(request, names) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def name_matches(query: str) -> Q:
    """Names containing ``query`` (any case); one or two characters only where a word of the name starts.

    The trigram index finds any part of three characters or more.  A shorter
    one has no trigram of its own, and a rare pair ("qz") walked every author
    to fill a page; at the start of a word it has ("  q", " qz"), and "li"
    finds Li Wang and Wei Li rather than every Emily.
    """
    if len(query) >= 3:
        return Q(name__icontains=query)
    return Q(name__istartswith=query) | Q(name__icontains=f" {query}") | Q(name__icontains=f"-{query}")


def _listed(authors: QuerySet) -> QuerySet:
    """The authors with a published paper, each with its ``count``.

    The count is looked up per author (a subquery, never a join): the authors
    come from an index in the page's order or from the trigram index, and a
    hash join read every count to keep a few hundred.
    """
    count = AuthorCount.objects.filter(author=OuterRef("pk")).values("papers")[:1]
    return authors.annotate(count=Subquery(count)).filter(count__gt=0)


@require_GET
@cached_page(lambda request: ["home"])
def topic_index(request):
    topics = list(Topic.objects.filter(published_count__papers__gt=0).annotate(count=F("published_count__papers"))
                  .order_by("position", "slug"))
    name = (lambda topic: topic.name_en) if get_language() == "en" else (lambda topic: topic.name_zh)
    return render(request, "papers/index_list.html", {"kind": "topic", "items": items_linked("topic", topics, name)})


@require_GET
@cached_page(lambda request: ["home"])
def tag_index(request):
    counts = (TagCount.objects.filter(papers__gt=0).order_by("-papers", "tag__name")
              .values_list("tag__slug", "tag__name", "papers"))
    rows, page = peek_page(request, counts, TAGS_PER_PAGE)
    tags = [TagRow(*row) for row in rows]
    return render(request, "papers/index_list.html", {"kind": "tag", "items": items_linked("tag", tags), "page": page,
                                                      "querystring": _querystring(request)})


@require_GET
@cached_page(lambda request: ["home"])
def author_index(request):
    query = " ".join(request.GET.get("q", "").split())[:QUERY_MAX]
    querystring = _querystring_without(request, AUTHOR_PAGE_PARAMS)
    authors = Author.objects.only("name", "slug")
    if query:
        read = partial(listed_in_order, few=has_few_matches(query))
        page = keyset_page(request, authors.filter(name_matches(query)), AUTHORS_PER_PAGE, read)
    else:
        page = keyset_page(request, _listed(authors), AUTHORS_PER_PAGE)
    return render(request, "papers/index_list.html", {
        "kind": "author", "items": items_linked("author", page.items), "keyset": page, "query": query,
        "letters": letter_links(querystring, request.GET.get("from", "")[:1]), "querystring": querystring,
    })
