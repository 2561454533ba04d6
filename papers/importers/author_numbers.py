"""The authors of a parsed stream as numbers: each person once, named once.

A snapshot lists about five authors per paper, and the same few hundred
thousand people again and again.  Sent by name, every listing was a string
to pickle, unpickle and look up in the writing process, whose Python is on
the import's critical path (it and its database backend take turns), while
the parsing process has a CPU to spare.  So the parsing process numbers the
people (by slug, what makes two spellings one person): a paper carries the
numbers of its people, in the order listed, each once; a number's slug and
name (as first spelt) travel once, ahead of the first paper that uses it.
The writer then turns numbers into author ids with a list lookup
(``papers.services.ingest.paper_upsert``).

Both sides start a new numbering together once it holds ``LIMIT`` people
(the receiving side tells the parsing process the limit), so memory stays
flat however many people a snapshot names.
"""
from __future__ import annotations

from array import array

from .records import author_slug

LIMIT = 200_000
TYPECODE = "I"  # unsigned 32-bit: a paper's numbers as bytes, one C call to pack and unpack


class AuthorNumbering:
    """Parsing side: numbers people as their papers are parsed, and collects the ones not sent yet."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._limit = limit
        self._by_name: dict[str, int] = {}
        self._by_slug: dict[str, int] = {}
        self._unsent: list[tuple[str, str]] = []  # (slug, name) of the numbers made since the last take()
        self._restarted = False

    def numbers(self, names: list[str]) -> bytes:
        """The numbers of ``names`` in order, each person once (the first listing of a person counts)."""
        by_name, found = self._by_name, []
        for name in names:
            number = by_name.get(name)
            if number is None:
                number = by_name[name] = self._number_of_slug(name)
            found.append(number)
        if len(set(found)) < len(found):
            found = list(dict.fromkeys(found))
        return array(TYPECODE, found).tobytes()

    def _number_of_slug(self, name: str) -> int:
        slug = author_slug(name)
        number = self._by_slug.get(slug)
        if number is None:
            number = self._by_slug[slug] = len(self._by_slug)
            self._unsent.append((slug, name))
        return number

    def take(self) -> tuple[bool, list[tuple[str, str]]]:
        """Whether the numbering started again since the last take, and the people numbered since, in order.

        Called between messages: past its limit, the numbering starts again
        after this take, so the papers of one message share one numbering.
        """
        taken = (self._restarted, self._unsent)
        self._unsent, self._restarted = [], False
        if len(self._by_slug) >= self._limit:
            self._by_name, self._by_slug, self._restarted = {}, {}, True
        return taken


class AuthorTable:
    """Receiving side: the slug and name of each number, as the parsing process sent them."""

    __slots__ = ("slugs", "names")

    def __init__(self) -> None:
        self.slugs: list[str] = []
        self.names: list[str] = []

    def extend(self, people: list[tuple[str, str]]) -> None:
        for slug, name in people:
            self.slugs.append(slug)
            self.names.append(name)


def unpack(numbers: bytes) -> array:
    return array(TYPECODE, numbers)
