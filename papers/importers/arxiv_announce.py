"""arXiv's daily announcement feeds: RSS 2.0 (``rss.arxiv.org/rss/<cats>``) and Atom (``…/atom/<cats>``).

Since 2024 every item says how it is announced (``arxiv:announce_type``):
``new`` (first version), ``cross`` (cross-listed from another category),
``replace`` and ``replace-cross`` (a new version of a paper announced before).
The description reads ``arXiv:2403.01234v2 Announce Type: replace
Abstract: …``; the authors are one ``dc:creator`` line; the categories are
``<category>`` elements.  On weekends and holidays the feed has no items, and
its ``skipDays`` names the weekdays without announcements.

``new`` and ``cross`` items are papers of the day; ``replace`` items update a
paper already imported and never create one (``PaperRecord.update_only``).
Parsed with entity expansion and network access off: an item that uses an
entity (an external file, a billion laughs) fails alone, unexpanded.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass, field
from typing import Iterator

from lxml import etree

from . import text as tx
from .records import FileNote, FirstOfEach, ParseFailure, Parsed, PaperRecord
from .sources import InputError, InputFile

FORMAT = "arxiv-announce"
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
DAY_TYPES = {"new", "cross"}  # the day's papers
REPLACE_TYPES = {"replace", "replace-cross"}  # new versions of papers announced before
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DEFAULT_SKIP_DAYS = {"Saturday", "Sunday"}
DESCRIPTION_RE = re.compile(
    r"^\s*arXiv:\s*(?P<ref>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?(?P<abstract>.*)$", re.S | re.I)
OAI_RE = re.compile(r"^oai:arXiv\.org:(?P<ref>\S+)$", re.I)
PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def sniff(head: str) -> bool:
    is_feed = "<rss" in head or ("<feed" in head and "http://www.w3.org/2005/Atom" in head)
    return is_feed and ("rss.arxiv.org" in head or "announce_type" in head)


@dataclass
class Feed:
    """One announcement feed: its day, what each item announces, the weekdays it skips."""

    kind: str  # "rss" or "atom"
    day: dt.date | None
    skip_days: set[str]
    error: str = ""  # why there is nothing to read: arXiv's own error feed ("Feed error for query: …"), or no feed
    items: list = field(default_factory=list)  # the item elements


def _text(node, tag: str) -> str:
    found = node.find(tag)
    return tx.collapse("".join(found.itertext())) if found is not None else ""


def _has_entities(node) -> list[str]:
    return [f"&{e.name};" for e in node.iter() if isinstance(e, etree._Entity)]


def _date(text: str) -> dt.date | None:
    """RSS dates (RFC 822, "Mon, 04 Mar 2024 00:00:00 -0500") and Atom's (ISO 8601), as arXiv's own day."""
    text = text.strip()
    if not text:
        return None
    try:
        return email.utils.parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return tx.parse_date(text)


def read_feed(root) -> Feed:
    """The feed-level facts of a parsed RSS or Atom announcement feed."""
    if root.tag == f"{ATOM}feed":
        items = root.findall(f"{ATOM}entry")
        day = next((d for d in (_date(_text(i, f"{ATOM}published")) for i in items) if d), None)
        title = _text(root, f"{ATOM}title")
        error = _text(root, f"{ATOM}subtitle") if title.lower().startswith("feed error") else ""
        error = f"arXiv answered with an error feed: {error}" if error else ""
        return Feed("atom", day or _date(_text(root, f"{ATOM}updated")), DEFAULT_SKIP_DAYS, error, items)
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        tag = etree.QName(root).localname if isinstance(root.tag, str) else "?"
        return Feed("rss", None, DEFAULT_SKIP_DAYS, f"not an RSS or Atom announcement feed (its root is <{tag}>"
                                                   f"{'' if channel is None and root.tag != 'rss' else ' without a channel'})")
    skip = {tx.collapse(d.text or "").capitalize() for d in channel.iterfind("skipDays/day")} or DEFAULT_SKIP_DAYS
    title = _text(channel, "title")
    error = _text(channel, "description") if title.lower().startswith("feed error") else ""
    error = f"arXiv answered with an error feed: {error}" if error else ""
    return Feed("rss", _date(_text(channel, "pubDate")), skip, error, channel.findall("item"))


def _authors(creator: str) -> list[str]:
    """``"Ann Author (MIT), Bob Builder and Carol Coder"`` → three names, affiliations dropped."""
    depth, parts, current = 0, [], []
    for char in creator:
        depth += char == "("
        depth -= char == ")" and depth > 0
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    names = []
    for part in parts:
        for name in re.split(r"\s+and\s+", part.strip()):
            name = tx.collapse(re.sub(r"\([^)]*\)", "", name)).strip()
            if name:
                names.append(name)
    return names


def _item(item, feed: Feed, source: str) -> PaperRecord | ParseFailure:
    line = item.sourceline
    entities = _has_entities(item)
    if entities:
        return ParseFailure(source, line, f"item uses XML entities ({', '.join(sorted(set(entities)))}), which are "
                                          "never expanded; item skipped")
    atom = feed.kind == "atom"
    description = _text(item, f"{ATOM}summary" if atom else "description")
    described = DESCRIPTION_RE.match(description)
    guid = _text(item, f"{ATOM}id" if atom else "guid")
    oai = OAI_RE.match(guid)
    ref = described["ref"] if described else (oai["ref"] if oai else "")
    found = tx.split_arxiv_id(ref) if ref else tx.find_arxiv_url(guid)
    if not found:
        return ParseFailure(source, line, f"item has no arXiv id (description “{description[:60]}”, id “{guid[:60]}”)")
    arxiv_id, version = found
    link = (item.find(f"{ATOM}link").get("href", "") if atom and item.find(f"{ATOM}link") is not None
            else _text(item, "link"))
    linked = tx.find_arxiv_url(link)
    if link and (not linked or linked[0] != arxiv_id):
        return ParseFailure(source, line, f"item links to “{link[:80]}”, not to arXiv {arxiv_id}; item skipped", arxiv_id)
    announce_type = (_text(item, f"{ARXIV}announce_type") or (described["type"] if described else "")).lower()
    if announce_type not in DAY_TYPES | REPLACE_TYPES:
        return ParseFailure(source, line, f"unknown announce type “{announce_type or '(none)'}”", arxiv_id)
    title = _text(item, f"{ATOM}title" if atom else "title")
    if not title:
        return ParseFailure(source, line, "item has no title", arxiv_id)
    abstract = tx.collapse(described["abstract"]) if described else description
    categories = ([c.get("term", "").strip() for c in item.findall(f"{ATOM}category")] if atom
                  else [tx.collapse(c.text or "") for c in item.findall("category")])
    creator = _text(item, f"{DC}creator") or ", ".join(
        _text(a, f"{ATOM}name") for a in item.findall(f"{ATOM}author"))
    day = _date(_text(item, f"{ATOM}published" if atom else "pubDate")) or feed.day
    record = PaperRecord(
        arxiv_id=arxiv_id, version=version, source=source, line=line, title=title, authors=_authors(creator),
        abstract=abstract, categories=[c for c in categories if c],
        license=_text(item, f"{DC}rights") or _text(item, f"{ATOM}rights"),
        doi=_text(item, f"{ARXIV}DOI") or _text(item, f"{ARXIV}doi"),
        journal_ref=_text(item, f"{ARXIV}journal_reference") or _text(item, f"{ARXIV}journal_ref"),
        published=day if announce_type == "new" else None,  # a cross-list or a new version: first published earlier
        updated=day, update_only=announce_type in REPLACE_TYPES, announce_type=announce_type,
    )
    if not record.abstract:
        record.warnings.append(f"line {line}: no abstract in the description")
    if not record.authors:
        record.warnings.append(f"line {line}: no dc:creator (authors)")
    record.code_url = tx.first_url(record.abstract, "github.com")
    record.raw = etree.tostring(item, encoding="unicode")
    return record


def _root(file: InputFile):
    with file.open() as stream:
        try:
            return etree.parse(stream, etree.XMLParser(**PARSER_OPTIONS)).getroot()
        except etree.XMLSyntaxError as exc:
            reason = re.sub(r",? line \d+, column \d+", "", str(exc.msg or exc))
            raise InputError(file.name, f"XML is malformed or cut short: {reason}",
                             line=getattr(exc, "lineno", None)) from exc


def parse(file: InputFile) -> Iterator[Parsed]:
    root = _root(file)
    feed = read_feed(root)
    if feed.error:
        yield ParseFailure(file.name, root.sourceline, feed.error)
        return
    if not feed.items:
        yield _empty(feed, file.name, root.sourceline)
        return
    first_of_each = FirstOfEach()
    for item in feed.items:
        result = _item(item, feed, file.name)
        yield first_of_each.check(result) if isinstance(result, PaperRecord) else result


def _empty(feed: Feed, source: str, line: int | None) -> Parsed:
    """A feed without items: a quiet day only on a day arXiv skips."""
    if feed.day is None:
        return ParseFailure(source, line, "the feed has no items and no date")
    weekday = WEEKDAYS[feed.day.weekday()]
    if weekday in feed.skip_days:
        return FileNote(source, line, f"no announcements on {weekday} {feed.day:%Y-%m-%d} (the feed's skipDays: "
                                      f"{', '.join(sorted(feed.skip_days))})")
    return ParseFailure(source, line, f"the feed has no items on {weekday} {feed.day:%Y-%m-%d}, a day arXiv announces: "
                                      "a holiday, or the announcement has not come")


def announcements(body: bytes) -> Feed | None:
    """The feed read from ``body`` (for the fetch: which papers are the day's), or None if unreadable."""
    try:
        return read_feed(etree.fromstring(body, etree.XMLParser(**PARSER_OPTIONS)))
    except etree.XMLSyntaxError:
        return None


@dataclass
class Listing:
    """One announced paper as the feed lists it: its id, announce type and categories (the primary first)."""

    arxiv_id: str
    announce_type: str
    categories: list[str]


def listed(feed: Feed) -> list[Listing]:
    """Every readable item of ``feed``, the first of each arXiv id, in the feed's order."""
    listings: dict[str, Listing] = {}
    atom = feed.kind == "atom"
    for item in feed.items:
        described = DESCRIPTION_RE.match(_text(item, f"{ATOM}summary" if atom else "description"))
        oai = OAI_RE.match(_text(item, f"{ATOM}id" if atom else "guid"))
        found = tx.split_arxiv_id(described["ref"] if described else (oai["ref"] if oai else ""))
        kind = (_text(item, f"{ARXIV}announce_type") or (described["type"] if described else "")).lower()
        if found and kind and found[0] not in listings:
            categories = ([c.get("term", "").strip() for c in item.findall(f"{ATOM}category")] if atom
                          else [tx.collapse(c.text or "") for c in item.findall("category")])
            listings[found[0]] = Listing(found[0], kind, [c for c in categories if c])
    return list(listings.values())


def announced(feed: Feed) -> dict[str, str]:
    """arXiv id → announce type, for every readable item of ``feed``."""
    return {listing.arxiv_id: listing.announce_type for listing in listed(feed)}
