"""arXiv API responses (Atom 1.0 from ``export.arxiv.org/api/query``).

Parsed with lxml's streaming ``iterparse`` with entity resolution and network
access off, so a hostile feed cannot expand entities or fetch anything.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Iterator

from lxml import etree

from . import text as tx
from .records import FirstOfEach, ParseFailure, Parsed, PaperRecord
from .sources import InputFile

FORMAT = "arxiv-atom"
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"


def sniff(head: str) -> bool:
    return "http://www.w3.org/2005/Atom" in head and ("arxiv" in head.lower()) and "<feed" in head


def _text(entry, tag: str) -> str:
    node = entry.find(tag)
    return tx.collapse(node.text or "") if node is not None else ""


def _entry(entry, source: str) -> PaperRecord | ParseFailure:
    line = entry.sourceline
    raw_id = _text(entry, f"{ATOM}id")
    if "api/errors" in raw_id:
        return ParseFailure(source, line, f"arXiv API error: {_text(entry, f'{ATOM}summary') or 'unknown'}")
    found = tx.find_arxiv_url(raw_id)
    if not found:
        return ParseFailure(source, line, f"entry id “{raw_id[:80]}” is not an arXiv abs URL")
    arxiv_id, version = found
    title = _text(entry, f"{ATOM}title")
    if not title:
        return ParseFailure(source, line, "entry has no title", arxiv_id)
    categories = [c.get("term") for c in entry.findall(f"{ATOM}category") if c.get("term")]
    primary = entry.find(f"{ARXIV}primary_category")
    if primary is not None and primary.get("term") in categories:
        categories.remove(primary.get("term"))
        categories.insert(0, primary.get("term"))
    record = PaperRecord(
        arxiv_id=arxiv_id,
        version=version,
        source=source,
        line=line,
        title=title,
        authors=[_text(a, f"{ATOM}name") for a in entry.findall(f"{ATOM}author") if _text(a, f"{ATOM}name")],
        abstract=_text(entry, f"{ATOM}summary"),
        comments=_text(entry, f"{ARXIV}comment"),
        journal_ref=_text(entry, f"{ARXIV}journal_ref"),
        doi=_text(entry, f"{ARXIV}doi"),
        categories=categories,
        published=tx.parse_date(_text(entry, f"{ATOM}published")),
        updated=tx.parse_date(_text(entry, f"{ATOM}updated")),
    )
    record.code_url = tx.first_url(record.abstract + " " + record.comments, "github.com")
    record.raw = etree.tostring(entry, encoding="unicode")
    return record


def published_times(body: bytes) -> list[dt.datetime]:
    """When each entry of one API response was first published, in feed order.

    What paging needs (results come newest first, and a fetch stops at its last
    run).  A response that is not readable XML has none: paging stops there,
    and the import reports the malformed page.
    """
    try:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError:
        return []
    times = []
    for node in root.iter(f"{ATOM}published"):
        try:
            times.append(dt.datetime.fromisoformat((node.text or "").strip().replace("Z", "+00:00")))
        except ValueError:
            continue  # the entry itself fails at import, with its line
    return times


def parse(file: InputFile) -> Iterator[Parsed]:
    first_of_each = FirstOfEach()
    parser_args = dict(events=("end",), tag=f"{ATOM}entry", resolve_entities=False, no_network=True, huge_tree=False)
    with file.open() as stream:
        try:
            for _, entry in etree.iterparse(stream, **parser_args):
                result = _entry(entry, file.name)
                entry.clear(keep_tail=True)
                yield first_of_each.check(result) if isinstance(result, PaperRecord) else result
        except etree.XMLSyntaxError as exc:
            line = exc.lineno if getattr(exc, "lineno", None) else None
            reason = re.sub(r",? line \d+, column \d+", "", str(exc.msg or exc))
            yield ParseFailure(file.name, line, f"XML is malformed or cut short: {reason}")
