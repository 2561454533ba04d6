"""A new paper as PostgreSQL's binary COPY takes it, made wherever the record is parsed.

A snapshot import spends most of its Python turning records into rows.  Done
in the parsing process (``papers.importers.reader``), the process writing to
the database only adds each row's id, topic and timestamps and hands the bytes
on (``papers.services.bulk.insert_papers``), so its time goes to the database
rather than to Python.  The same encoding serves records parsed in-process,
so there is one way a paper's row is made; :func:`decode` gives the values
back, for a record that turns out to update a paper instead.

Only the bytes are made here, never a connection: importers stay free of the
database.  A value that does not fit its column (a version past a smallint)
raises ValueError here rather than wrapping around silently; text too long for
its column is refused by the server.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from struct import Struct

import orjson

from .author_numbers import AuthorNumbering, AuthorTable, unpack
from .records import PaperRecord

# The columns a record fills, in the order its row sends them, with their types on the wire
# (varchar travels as text; the column still checks its length).
COLUMNS = (
    ("arxiv_id", "text"), ("version", "int2"), ("title", "text"), ("abstract", "text"), ("comments", "text"),
    ("journal_ref", "text"), ("doi", "text"), ("license", "text"), ("categories", "jsonb"),
    ("primary_category", "text"), ("published", "date"), ("updated", "date"), ("code_url", "text"),
    ("figures", "jsonb"),
)
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)
SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # the header of a binary COPY: signature, flags, no extension
TRAILER = b"\xff\xff"
SMALLINT_MAX = 32767
EPOCH_DAY = dt.date(2000, 1, 1).toordinal()  # PostgreSQL counts days and microseconds from 2000-01-01
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)

NULL = b"\xff\xff\xff\xff"
EMPTY = bytes(4)
EMPTY_LIST = b"\x00\x00\x00\x03\x01[]"
_length = Struct(">i").pack
_int2 = Struct(">ih").pack  # length and value
_date = Struct(">ii").pack
_int8 = Struct(">iq").pack
_unpack_int = Struct(">i").unpack_from
_unpack_int2 = Struct(">h").unpack_from
_unpack_int8 = Struct(">q").unpack_from


def values(record: PaperRecord) -> tuple:
    """The column values of a new paper made from ``record``, in :data:`COLUMNS` order."""
    return (
        record.arxiv_id, record.version, record.title, record.abstract, record.comments, record.journal_ref,
        record.doi, record.license, record.categories, record.categories[0] if record.categories else "",
        record.published, record.updated, record.code_url, record.figures,
    )


def encode(record: PaperRecord) -> bytes:
    """``record``'s columns as binary COPY fields (without the row's field count)."""
    (arxiv_id, version, title, abstract, comments, journal_ref, doi, license_, categories, primary, published,
     updated, code_url, figures) = values(record)
    return b"".join((
        _text(arxiv_id), _smallint("version", version), _text(title), _text(abstract), _text(comments),
        _text(journal_ref), _text(doi), _text(license_), _jsonb(categories), _text(primary), _day(published),
        _day(updated), _text(code_url), _jsonb(figures),
    ))


def _text(value: str) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not text")
    if not value:
        return EMPTY
    data = value.encode()
    return _length(len(data)) + data


def _smallint(column: str, value: int | None) -> bytes:
    if value is None:
        return NULL
    if not -SMALLINT_MAX - 1 <= value <= SMALLINT_MAX:
        raise ValueError(f"{column} {value} is out of range (at most {SMALLINT_MAX})")
    return _int2(2, value)


def _day(value: dt.date | None) -> bytes:
    if value is None:
        return NULL
    if not isinstance(value, dt.date):
        raise TypeError(f"{value!r} is not a date")
    return _date(4, value.toordinal() - EPOCH_DAY)


def _jsonb(value) -> bytes:
    if value == []:
        return EMPTY_LIST
    data = orjson.dumps(value)
    return _length(len(data) + 1) + b"\x01" + data  # jsonb's binary form: a version byte, then the text


def int8(value: int | None) -> bytes:
    return NULL if value is None else _int8(8, value)


def timestamp(moment: dt.datetime) -> bytes:
    """A timestamptz field (microseconds since 2000-01-01 UTC)."""
    delta = moment - EPOCH
    return _int8(8, (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def decode(data: bytes) -> dict:
    """The column values :func:`encode` wrote, by name."""
    found, offset = {}, 0
    for name, kind in COLUMNS:
        (size,) = _unpack_int(data, offset)
        offset += 4
        if size < 0:
            found[name] = None
            continue
        raw = data[offset:offset + size]
        offset += size
        if kind == "text":
            found[name] = raw.decode()
        elif kind == "int2":
            found[name] = _unpack_int2(raw)[0]
        elif kind == "date":
            found[name] = dt.date.fromordinal(_unpack_int(raw)[0] + EPOCH_DAY)
        else:
            found[name] = orjson.loads(raw[1:])
    return found


@dataclass(slots=True)
class EncodedPaper:
    """A record that only makes a paper (no entry, digest or tags), its columns already encoded.

    Pickled by the parsing process instead of the PaperRecord: smaller, and
    the process writing to the database need not encode it.  Its authors are
    numbers (``papers.importers.author_numbers``), which the receiving side
    reads through ``table``.  ``record()`` gives the PaperRecord back, for a
    record that updates a stored paper or a batch retried record by record.
    """

    arxiv_id: str
    version: int | None
    source: str
    line: int | None
    people: bytes  # the authors' numbers, each person once, in the order listed
    row: bytes
    table: AuthorTable | None = field(default=None, compare=False, repr=False)  # set where it is received
    # What such a record lacks, so that the ingest reads every record the same way.
    update_only = False
    topic = None
    tags = ()
    summary = None
    digests = ()
    warnings = ()

    def __reduce__(self):
        # As a PaperRecord is (records.py): values in one call, with the field names and the row's
        # columns alongside, so a writer running other code than the parser fails loudly.
        return _rebuilt_encoded, (LAYOUT, (self.arxiv_id, self.version, self.source, self.line, self.people,
                                           self.row))

    @property
    def authors(self) -> list[str]:
        """Each person once, in the order listed, as first spelt in the file."""
        names = self.table.names
        return [names[number] for number in unpack(self.people)]

    def record(self) -> PaperRecord:
        columns = decode(self.row)
        del columns["primary_category"]  # derived from the categories
        return PaperRecord(source=self.source, line=self.line, authors=self.authors, **columns)


LAYOUT = (*(name for name in EncodedPaper.__dataclass_fields__ if name != "table"), *COLUMN_NAMES)


def _rebuilt_encoded(layout: tuple, values: tuple) -> EncodedPaper:
    if layout != LAYOUT:
        raise TypeError(f"an encoded paper laid out as {layout}, not as this code lays it out ({LAYOUT})")
    return EncodedPaper(*values)


def encoded(record: PaperRecord, people: AuthorNumbering) -> PaperRecord | EncodedPaper:
    """``record`` as an EncodedPaper when it only makes a paper and its values fit; else as it is."""
    if (record.summary is not None or record.digests or record.tags or record.topic or record.warnings
            or record.update_only or record.announce_type or record.raw):
        return record
    try:
        row = encode(record)
    except (ValueError, TypeError, OverflowError):
        return record  # refused again where it is written, as a failed record with the reason
    return EncodedPaper(record.arxiv_id, record.version, record.source, record.line, people.numbers(record.authors),
                        row)
