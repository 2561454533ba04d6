"""Entry cards rendered once per content, shared by every list page that shows them.

A digest day shows 30 entry cards, a list or search page 20; rendering them
was most of what those pages cost (Django's template engine spends about half
a millisecond per card, 15 ms for a digest day).  A card depends only on its paper's and entry's text,
its authors and topic, and the language, so it is cached under a hash of
exactly those values: an edit, a new author or a renamed topic makes a new
key and the old card is simply never asked for again — there is nothing to
invalidate.  The hash also covers the card's template, so a deploy that
changes it does not serve old cards.

On PostgreSQL the hash of a card's content is taken by the database
(``stamp_sql``): a page whose cards are all cached then reads one short
row per card.  Reading the cards' whole rows and their bylines to hash them
in Python was a third of a search page's CPU at a million papers (4.6–5.4
→ 2.8–3.9 ms a page without them, alternating runs).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from django.core.cache import cache
from django.db import connections
from django.db.models.expressions import RawSQL
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from papers.fixed_queries import FixedQuery, one_of

ENTRY_TEMPLATE = "papers/includes/entry.html"
CARD_TIMEOUT = 60 * 60 * 24 * 7
AUTHORS_SHOWN = 4  # as in the template's {% author_links paper.author_list 4 %}


@lru_cache(maxsize=1)
def _template_stamp() -> str:
    template = get_template(ENTRY_TEMPLATE)
    return hashlib.sha256(template.template.source.encode()).hexdigest()[:16]


def _content_stamp(paper) -> str:
    """The hash of what ``paper``'s card shows, taken in Python: SQLite's way (the demo); see ``stamp_sql``."""
    summary = getattr(paper, "summary", None)
    topic = paper.topic
    parts = [
        paper.arxiv_id, str(paper.version), paper.title, str(paper.published), paper.code_url, paper.abstract,
        *((topic.slug, topic.name_en, topic.name_zh) if topic else ("",)),
        str(len(paper.author_list)), *(f"{slug}\t{name}" for name, slug in paper.author_list[:AUTHORS_SHOWN]),
    ]
    if summary is not None:
        parts += [summary.headline_zh, summary.title_zh, summary.tldr, summary.key_points_html, summary.abstract_zh,
                  summary.summary_language]
    return hashlib.md5("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()


def _card_key(content_stamp: str, language: str) -> str:
    digest = hashlib.sha256(f"{_template_stamp()}\x1f{language}\x1f{content_stamp}".encode()).hexdigest()
    return f"card:{digest}"


def stamp_sql() -> tuple[str, str]:
    """(the hash of a card's content over a paper ``p``, its summary ``s`` and topic ``t``; the joins that give them)."""
    from papers.models import Author, Authorship, Paper, Summary, Topic

    paper, summary, topic = Paper._meta.db_table, Summary._meta.db_table, Topic._meta.db_table
    authorship, author = Authorship._meta.db_table, Author._meta.db_table
    # Every value ``_content_stamp`` hashes: the paper's, its topic's, its byline's length and first
    # AUTHORS_SHOWN authors, its summary's.  A column the card template starts to show belongs here too.
    stamp = f"""md5(concat_ws(chr(31),
        p.arxiv_id, p.version, p.title, p.published, p.code_url, p.abstract, t.slug, t.name_en, t.name_zh,
        (SELECT count(*) FROM {authorship} AS a WHERE a.paper_id = p.id),
        (SELECT string_agg(shown.slug || chr(9) || shown.name, chr(31) ORDER BY shown.position)
           FROM (SELECT au.slug, au.name, a.position FROM {authorship} AS a JOIN {author} AS au ON au.id = a.author_id
                 WHERE a.paper_id = p.id ORDER BY a.position LIMIT {AUTHORS_SHOWN}) AS shown),
        s.id IS NOT NULL, s.headline_zh, s.title_zh, s.tldr, s.key_points_html, s.abstract_zh, s.summary_language))"""
    joins = f"{paper} AS p LEFT JOIN {summary} AS s ON s.paper_id = p.id LEFT JOIN {topic} AS t ON t.id = p.topic_id"
    return stamp, joins


@lru_cache(maxsize=1)
def _stamps_sql() -> str:
    stamp, joins = stamp_sql()
    return f"SELECT p.id, p.arxiv_id, {stamp} FROM unnest(%s::bigint[]) AS wanted (id) JOIN {joins} ON p.id = wanted.id"


def _cards(ids):
    from papers.models import Paper

    return Paper.objects.for_cards().filter(pk__in=one_of(ids, "bigint"))


CARDS = FixedQuery(_cards, ids=list)


def _cards_stamped(ids):
    """The papers' card rows, each with the hash of its content taken by the same statement (one snapshot)."""
    from papers.models import Paper

    stamp, joins = stamp_sql()
    return _cards(ids).annotate(card_stamp=RawSQL(f"SELECT {stamp} FROM {joins} WHERE p.id = {Paper._meta.db_table}.id", ()))


CARDS_STAMPED = FixedQuery(_cards_stamped, ids=list)


def stamped_in_sql(db: str) -> bool:
    """Whether cards' stamps are taken by the database (``stamp_sql``) rather than in Python."""
    return connections[db].vendor == "postgresql"


def _stamps(db: str, paper_ids: list[int]) -> dict[int, tuple[str, str]]:
    """paper id → (arXiv id, the hash of its card's content), taken by PostgreSQL; a missing paper is left out."""
    with connections[db].cursor() as cursor:
        cursor.execute(_stamps_sql(), [paper_ids])
        return {pk: (arxiv_id, stamp) for pk, arxiv_id, stamp in cursor.fetchall()}


def attach_cards(papers) -> None:
    """Set ``paper.card`` (safe HTML) on each paper, as ``cards_of`` makes them.

    Only the papers' ids are read here: a list page reads what it shows
    besides the cards, nothing of what the cards show.  A paper gone since
    the page read it gets an empty card.
    """
    papers = list(papers)
    cards = {card.pk: card.card for card in cards_of([paper.pk for paper in papers])}
    for paper in papers:
        paper.card = cards.get(paper.pk, _safe(""))


@dataclass(frozen=True)
class Card:
    """A paper as a list shows it when all the list needs is its card."""

    pk: int
    arxiv_id: str
    card: SafeString


def cards_of(paper_ids: list[int]) -> list[Card]:
    """The cards of these papers, in this order, from the cache or rendered (a paper that is gone is left out).

    On PostgreSQL a cached card costs one short row and the cache; the
    papers whose cards are rendered are read whole, with the hash their
    cards are cached under taken by the same statement: rendered from an
    earlier read, an edit landing in between would be cached under the
    edited text's key.  Elsewhere (SQLite: the demo) every paper is read
    whole and hashed in Python.
    """
    from papers.models import Paper

    if not paper_ids:
        return []
    db = Paper.objects.db
    if stamped_in_sql(db):
        return cards_with_stamps(paper_ids, _stamps(db, list(paper_ids)))
    papers = {paper.pk: paper for paper in CARDS(ids=list(paper_ids))}
    attach_authors(list(papers.values()))
    stamps = {pk: (paper.arxiv_id, _content_stamp(paper)) for pk, paper in papers.items()}
    return _cached_or_rendered(paper_ids, stamps, lambda pks: [papers[pk] for pk in pks], _content_stamp)


def cards_with_stamps(paper_ids: list[int], stamps: dict[int, tuple[str, str]]) -> list[Card]:
    """``cards_of`` for papers whose stamps the caller's own statement took with ``stamp_sql`` (PostgreSQL).

    ``stamps``: paper id → (arXiv id, stamp); a page that reads its papers'
    places anyway takes their stamps in the same statement, one round trip
    and one plan fewer.
    """
    return _cached_or_rendered(paper_ids, stamps, lambda pks: list(CARDS_STAMPED(ids=pks)),
                               lambda paper: paper.card_stamp)


def _cached_or_rendered(paper_ids, stamps, read_whole, stamp_of) -> list[Card]:
    language = get_language()
    keys = {pk: _card_key(stamp, language) for pk, (_, stamp) in stamps.items()}
    found = cache.get_many(list(keys.values()))
    html = {pk: _safe(found[key]) for pk, key in keys.items() if key in found}
    missing = [pk for pk in keys if pk not in html]
    if missing:
        rendered = read_whole(missing)
        _render(rendered, stamp_of)
        html.update((paper.pk, paper.card) for paper in rendered)
    return [Card(pk, stamps[pk][0], html[pk]) for pk in paper_ids if pk in html]


def _render(papers: list, stamp) -> None:
    """Render the cards of ``papers`` (their authors read here if need be); cache each under ``stamp(paper)``'s key."""
    attach_authors([paper for paper in papers if not hasattr(paper, "author_list")])
    language, template, fresh = get_language(), get_template(ENTRY_TEMPLATE), {}
    for paper in papers:
        html = template.render({"paper": paper})
        paper.card = _safe(html)
        fresh[_card_key(stamp(paper), language)] = html
    if fresh:
        cache.set_many(fresh, CARD_TIMEOUT)


def _bylines(paper_ids):
    from papers.models import Authorship

    return (Authorship.objects.filter(paper_id__in=one_of(paper_ids, "bigint")).order_by("paper_id", "position")
            .values_list("paper_id", "author_id", "author__name", "author__slug"))


BYLINES = FixedQuery(_bylines, paper_ids=list)


def attach_authors(papers: list) -> None:
    """``paper.author_list``: (name, slug) in byline order, and ``paper.author_ids``; for all papers in one query."""
    if not papers:
        return
    by_paper: dict[int, list[tuple[int, str, str]]] = {paper.pk: [] for paper in papers}
    for paper_id, *author in BYLINES(paper_ids=list(by_paper)):
        by_paper[paper_id].append(author)
    for paper in papers:
        paper.author_list = [(name, slug) for _, name, slug in by_paper[paper.pk]]
        paper.author_ids = [pk for pk, _, _ in by_paper[paper.pk]]


def _safe(html: str) -> SafeString:
    # Rendered by our autoescaping template from sanitized fields: as safe as it was when rendered.
    return mark_safe(html)  # noqa: S308
