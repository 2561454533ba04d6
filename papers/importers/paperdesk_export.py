"""Our own JSON Lines export (``manage.py export_papers``), read back.

Line 1 is a header ``{"paperdesk_export": 1, ...}``; then topic, digest and
paper lines, each with a ``"kind"``.  A paper line carries its summary (with
its workflow state and the machine text it started from) and its places in
digests, so export → import into an empty database reproduces the desk.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterator

from papers.summary_fields import empty_value

from . import text as tx
from .jsonl import json_lines
from .records import SUMMARY_TEXT_FIELDS, DigestRef, ParseFailure, Parsed, PaperRecord, SummaryRecord, TopicRecord
from .sources import InputFile

FORMAT = "paperdesk"
HEADER_KEY = "paperdesk_export"
VERSION = 1
PAPER_FIELDS = (
    "title", "abstract", "comments", "journal_ref", "doi", "license", "code_url",
)


def sniff(head: str) -> bool:
    first = next((line for line in head.splitlines() if line.strip()), "")
    return first.lstrip().startswith("{") and f'"{HEADER_KEY}"' in first


def _date(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _paper(item: dict, source: str, line: int, digests: dict) -> PaperRecord | ParseFailure:
    split = tx.split_arxiv_id(str(item.get("arxiv_id") or ""))
    if not split:
        return ParseFailure(source, line, f"“{str(item.get('arxiv_id'))[:40]}” is not an arXiv id")
    record = PaperRecord(arxiv_id=split[0], version=item.get("version"), source=source, line=line)
    for name in PAPER_FIELDS:
        setattr(record, name, item.get(name) or "")
    if not record.title:
        return ParseFailure(source, line, "paper has no title", record.arxiv_id)
    record.authors = list(item.get("authors") or [])
    record.categories = list(item.get("categories") or [])
    record.figures = list(item.get("figures") or [])
    record.tags = list(item.get("tags") or [])
    record.topic = item.get("topic")
    record.published = _date(item.get("published"))
    record.updated = _date(item.get("updated"))
    summary = item.get("summary")
    if summary:
        record.summary = SummaryRecord(
            **{name: summary.get(name) or empty_value(name) for name in SUMMARY_TEXT_FIELDS},
            summary_language=summary.get("summary_language") or "",
            structured_html=summary.get("structured_html") or "",
            status=summary.get("status") or "",
            machine=summary.get("machine"),
        )
    for ref in item.get("digests") or []:
        key = (ref["date"], ref.get("topic"))
        meta = digests.get(key, {})
        record.digests.append(
            DigestRef(
                date=_date(ref["date"]), topic=ref.get("topic"), position=int(ref.get("position") or 0),
                title=meta.get("title", ""), description=meta.get("description", ""), status=meta.get("status", ""),
            )
        )
    return record


def parse(file: InputFile) -> Iterator[Parsed]:
    digests: dict[tuple, dict] = {}
    for decoded in json_lines(file):
        if isinstance(decoded, ParseFailure):
            yield decoded
            continue
        number, item = decoded
        if not isinstance(item, dict):
            yield ParseFailure(file.name, number, "line is JSON but not an object")
            continue
        if HEADER_KEY in item:
            if item[HEADER_KEY] != VERSION:
                yield ParseFailure(file.name, number, f"export version {item[HEADER_KEY]} is not supported")
                return
            continue
        kind = item.get("kind")
        try:
            if kind == "topic":
                yield TopicRecord(
                    slug=item["slug"], name_zh=item.get("name_zh", ""), name_en=item.get("name_en", ""),
                    position=int(item.get("position", 100)), source=file.name, line=number,
                )
            elif kind == "digest":
                digests[(item["date"], item.get("topic"))] = item
            elif kind == "paper":
                yield _paper(item, file.name, number, digests)
            else:
                yield ParseFailure(file.name, number, f"unknown record kind “{kind}”")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            yield ParseFailure(file.name, number, f"malformed {kind or 'record'}: {exc!r}")
