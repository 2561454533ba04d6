"""The normalized records every importer yields: plain data, no database.

An importer turns bytes into a stream of these.  ``ParseFailure`` is yielded in
place of a record that could not be read, so one broken entry never stops the
ones around it.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, fields, make_dataclass
from functools import lru_cache
from itertools import chain
from operator import attrgetter

from django.utils.text import slugify

from papers.markup import is_plain, plain_text
from papers.summary_fields import LIST_FIELDS
from papers.summary_fields import TEXT_FIELDS as SUMMARY_TEXT_FIELDS


def _text_field(name: str) -> tuple:
    return (name, list[str], field(default_factory=list)) if name in LIST_FIELDS else (name, str, field(default=""))


# One attribute per entry text field, empty by default: the list is defined once, with the model.
SummaryText = make_dataclass("SummaryText", [_text_field(name) for name in SUMMARY_TEXT_FIELDS],
                             namespace={"__module__": __name__})


@dataclass
class SummaryRecord(SummaryText):
    """The entry text a source gives for a paper (``SummaryText``'s fields).  Empty means "not given"."""

    summary_language: str = ""
    structured_html: str = ""
    # From our own export only: the state and the machine text it started from.
    status: str = ""
    machine: dict | None = None
    # Chinese fields the source meant to give but whose translation failed (an error message, the
    # English again): left empty, and the entry is flagged for the desk.
    untranslated: list[str] = field(default_factory=list)

    def text_fields(self) -> dict:
        return {name: getattr(self, name) for name in SUMMARY_TEXT_FIELDS}

    def is_empty(self) -> bool:
        return not any(self.text_fields().values())


@dataclass
class DigestRef:
    """Where a paper stands in a digest."""

    date: dt.date
    topic: str | None  # topic slug or source name; None for an all-topics digest
    position: int
    title: str = ""
    description: str = ""
    status: str = ""


@dataclass
class TopicRecord:
    slug: str
    name_zh: str
    name_en: str
    position: int = 100
    source: str = ""
    line: int | None = None


@dataclass
class PaperRecord:
    arxiv_id: str
    source: str = ""
    line: int | None = None
    version: int | None = None
    title: str = ""
    authors: list[str] = field(default_factory=list)
    abstract: str = ""
    comments: str = ""
    journal_ref: str = ""
    doi: str = ""
    license: str = ""
    categories: list[str] = field(default_factory=list)
    published: dt.date | None = None
    updated: dt.date | None = None
    code_url: str = ""
    figures: list[str] = field(default_factory=list)
    topic: str | None = None
    tags: list[str] = field(default_factory=list)
    summary: SummaryRecord | None = None
    digests: list[DigestRef] = field(default_factory=list)
    raw: str = ""
    warnings: list[str] = field(default_factory=list)
    # arXiv's announcement of this record (new, cross, replace, replace-cross), when it came from one;
    # a replacement updates a paper already imported and never creates one.
    announce_type: str = ""
    update_only: bool = False

    def __reduce__(self):
        # Pickled as its field values (records cross from the parsing process by the
        # thousand): smaller, and rebuilt by one call instead of attribute by attribute.
        # The field names go along (once a message: pickle sends a repeated object once),
        # so a reader running other code than the parser fails loudly instead of mixing fields up.
        return _rebuilt_record, (PAPER_RECORD_FIELDS, _paper_record_values(self))


PAPER_RECORD_FIELDS = tuple(f.name for f in fields(PaperRecord))
_paper_record_values = attrgetter(*PAPER_RECORD_FIELDS)


def _rebuilt_record(names: tuple[str, ...], values: tuple) -> PaperRecord:
    if names == PAPER_RECORD_FIELDS:
        return PaperRecord(*values)
    return PaperRecord(**dict(zip(names, values)))  # TypeError if a field is unknown here


@dataclass
class ParseFailure:
    """A record that could not be read: where it was and why."""

    source: str
    line: int | None
    reason: str
    arxiv_id: str = ""

    def __str__(self):
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.reason}"


@dataclass
class FileNote:
    """Something to say about a whole file that is not a failure ("index file, no papers")."""

    source: str
    line: int | None
    message: str

    def __str__(self):
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


Parsed = PaperRecord | TopicRecord | ParseFailure | FileNote


class FirstOfEach:
    """The first record of each arXiv id in one file; a later one becomes a failure naming the first's line.

    A file that lists a paper twice is a mistake in the file (two texts for one
    entry), so the second is reported rather than merged.
    """

    def __init__(self):
        self._lines: dict[str, int | None] = {}

    def check(self, record: PaperRecord) -> PaperRecord | ParseFailure:
        if record.arxiv_id in self._lines:
            return ParseFailure(
                record.source, record.line,
                f"duplicate entry: {record.arxiv_id} already appears at line {self._lines[record.arxiv_id]}",
                record.arxiv_id,
            )
        self._lines[record.arxiv_id] = record.line
        return record


# Authors are known by their slug: a name seen again, in any paper, is the same person.
@lru_cache(maxsize=200_000)
def author_slug(name: str) -> str:
    return slugify(name, allow_unicode=True)[:300] or "author"


# The fields that are plain text wherever they are shown (a page escapes them, a feed reader may not):
# markup in them is removed before anything is stored.  Key points are Markdown without HTML (rendered
# and sanitized by papers.markup); the structured block is HTML, sanitized by its importer.
PAPER_PLAIN_FIELDS = ("title", "abstract", "comments", "journal_ref", "doi", "license", "code_url", "topic")
PAPER_PLAIN_LISTS = ("authors", "categories", "tags", "figures")
_plain_values, _plain_lists = attrgetter(*PAPER_PLAIN_FIELDS), attrgetter(*PAPER_PLAIN_LISTS)
SUMMARY_PLAIN_FIELDS = ("headline_zh", "title_zh", "abstract_zh", "tldr", "background", "prior_work", "method",
                        "results", "method_details", "conclusion", "affiliation")
SUMMARY_PLAIN_LISTS = ("key_points", "keywords")


def plain(value: str) -> str:
    """``value`` as plain text, without the double spaces a removed tag leaves behind."""
    text = plain_text(value)
    return re.sub(r"[ \t]{2,}", " ", text).strip() if text != value else text


def _plain_fields(obj, names: tuple[str, ...], lists: tuple[str, ...] = ()) -> None:
    for name in names:
        value = getattr(obj, name)
        if value:
            setattr(obj, name, plain(value))
    for name in lists:
        values = getattr(obj, name)
        if values:
            setattr(obj, name, [text for value in values if (text := _plain_item(value))])


def _paper_text(record: PaperRecord) -> str:
    """Every plain-text field of the record in one string; "<" (not plain) for what only the fields' own pass handles.

    That is a list item that is not a string (a figure with parts, from an
    export) or is empty (the pass drops it).
    """
    items = list(chain.from_iterable(_plain_lists(record)))
    if not all(items):
        return "<"
    try:
        return "".join(chain(filter(None, _plain_values(record)), items))
    except TypeError:
        return "<"


def _plain_item(value):
    """A list's item as plain text; an item with parts (a figure's caption and URL, from an export) part by part."""
    if isinstance(value, dict):
        return {key: plain(part) if isinstance(part, str) else part for key, part in value.items()}
    return plain(value)


def with_plain_text(item: Parsed) -> Parsed:
    """``item`` with markup removed from every plain-text field, whatever format it came from."""
    if isinstance(item, PaperRecord):
        if item.summary is None and not item.digests and is_plain(_paper_text(item)):
            return item  # most records of a snapshot: one look at all their text instead of one per field
        _plain_fields(item, PAPER_PLAIN_FIELDS, PAPER_PLAIN_LISTS)
        if item.summary is not None:
            _plain_fields(item.summary, SUMMARY_PLAIN_FIELDS, SUMMARY_PLAIN_LISTS)
        for ref in item.digests:
            _plain_fields(ref, ("title", "description"))
    elif isinstance(item, TopicRecord):
        _plain_fields(item, ("name_zh", "name_en"))
    return item


def prepared(item: Parsed) -> Parsed:
    """An item as the ingest takes it: plain-text fields without markup."""
    return with_plain_text(item)
