"""arXiv's metadata snapshot (Kaggle "arxiv-metadata-oai-snapshot"), JSON Lines.

The real file is several GB, so it is streamed a line at a time (gzipped or
not) and never held in memory; each malformed line fails alone.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Iterator

from . import text as tx
from .jsonl import json_lines
from .records import ParseFailure, Parsed, PaperRecord
from .sources import InputFile

FORMAT = "arxiv-snapshot"
REQUIRED = ("id", "title")
VERSION_RE = re.compile(r"v\d+")


def sniff(head: str) -> bool:
    first = next((line for line in head.splitlines() if line.strip()), "")
    return first.lstrip().startswith("{") and '"id"' in first and ('"versions"' in first or '"authors_parsed"' in first)


def _authors(item: dict) -> list[str]:
    parsed = item.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for parts in parsed:
            if isinstance(parts, list) and parts:
                last, first, suffix = parts if len(parts) == 3 else (parts + ["", "", ""])[:3]
                if not suffix and first and last and first.strip() == first and last.strip() == last:
                    names.append(f"{first} {last}")  # nearly every name: nothing to strip or leave out
                else:
                    names.append(" ".join(p.strip() for p in (first, last, suffix) if p and p.strip()))
        if names:
            return names
    raw = tx.collapse(item.get("authors") or "")
    return [a.strip() for a in re.split(r",|\band\b", raw) if a.strip()]


def _version_date(versions: list) -> tuple[int | None, object]:
    if not isinstance(versions, list) or not versions:
        return None, None
    last = versions[-1].get("version", "") if isinstance(versions[-1], dict) else ""
    number = int(last[1:]) if VERSION_RE.fullmatch(last or "") else len(versions)
    first = versions[0].get("created") if isinstance(versions[0], dict) else None
    return number, _rfc822_day(first) if first else None


_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}


def _rfc822_day(text: str):
    """The day of "Mon, 2 Apr 2007 19:18:42 GMT", as the snapshot writes every version date.

    Read directly (the email module's parser was a sixth of parsing a record);
    anything else still goes through it.
    """
    parts = text.split()
    try:
        return date(int(parts[3]), _MONTHS[parts[2]], int(parts[1]))
    except (IndexError, KeyError, ValueError):
        pass
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError):
        return None


def _iso_day(text: str):
    """update_date is always "2024-02-29" in the snapshot; anything else goes through the general parser."""
    if len(text) == 10 and text[4] == text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None  # as the general parser says of 2024-02-30
    return tx.parse_date(text)


def record_from_item(item: dict, source: str, line: int) -> PaperRecord | ParseFailure:
    if not isinstance(item, dict):
        return ParseFailure(source, line, "line is JSON but not an object")
    missing = [key for key in REQUIRED if not item.get(key)]
    if missing:
        return ParseFailure(source, line, f"missing {', '.join(missing)}", str(item.get("id") or ""))
    split = tx.split_arxiv_id(str(item["id"]))
    if not split:
        return ParseFailure(source, line, f"“{str(item['id'])[:40]}” is not an arXiv id")
    version, published = _version_date(item.get("versions"))
    abstract = tx.collapse(item.get("abstract") or "")
    comments = tx.collapse(item.get("comments") or "")
    return PaperRecord(
        arxiv_id=split[0],
        version=version or split[1],
        source=source,
        line=line,
        title=tx.collapse(item["title"]),
        authors=_authors(item),
        abstract=abstract,
        comments=comments,
        journal_ref=tx.collapse(item.get("journal-ref") or ""),
        doi=(item.get("doi") or "").strip(),
        license=(item.get("license") or "").strip(),
        categories=(item.get("categories") or "").split(),
        published=published,
        updated=_iso_day(item.get("update_date") or ""),
        code_url=tx.first_url(abstract + " " + comments, "github.com") if "://" in abstract or "://" in comments else "",
    )


# Duplicate ids are looked for among the last this-many lines only, so memory
# stays flat however long the snapshot is (real duplicates sit close together;
# farther ones are still harmless upserts).
DUPLICATE_WINDOW = 10_000


def parse(file: InputFile) -> Iterator[Parsed]:
    seen: OrderedDict[str, int] = OrderedDict()
    for decoded in json_lines(file):
        if isinstance(decoded, ParseFailure):
            yield decoded
            continue
        number, item = decoded
        try:
            result = record_from_item(item, file.name, number)
        except (TypeError, AttributeError, ValueError) as exc:
            result = ParseFailure(file.name, number, f"a field has the wrong type: {exc}")
        if isinstance(result, PaperRecord):
            if result.arxiv_id in seen:
                result = ParseFailure(
                    file.name, number, f"duplicate entry: {result.arxiv_id} already appears at line {seen[result.arxiv_id]}",
                    result.arxiv_id,
                )
            else:
                seen[result.arxiv_id] = number
                if len(seen) > DUPLICATE_WINDOW:
                    seen.popitem(last=False)
        yield result
