"""The 论文速览 digest format (seed ``000_d5c0faa7ab539173.txt``).

Per entry: a heading linking the Chinese headline to arXiv, a heading with the
English title, a 发布时间 line, the Chinese and English abstracts as block
quotes, and a topic line (Agent / LLM理论 / LLM应用 / RAG).  Real posts vary:
heading levels, label wording, full-width or ASCII colons, topics in
backticks, abstracts in either order.  Each piece is recognised by its shape,
and the language of a block is told by its characters, not its position.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Iterator

from . import text as tx
from .markdown_blocks import LINK_RE, first_bad_line, heading, label_of, normalize_label, strip_markup
from .records import DigestRef, FirstOfEach, ParseFailure, Parsed, PaperRecord, SummaryRecord
from .sources import InputFile, Line

FORMAT = "digest-md"
DATE_LABELS = {"发布时间", "发布日期", "发表时间", "日期", "时间", "published", "date", "publisheddate"}
TOPIC_LABELS = {"分类", "类别", "主题", "领域", "topic", "category", "标签"}
MAX_TOPIC_LENGTH = 40


def sniff(head: str) -> bool:
    """An arXiv-linked heading, and no Hexo front matter / Authors lines."""
    has_linked_heading = re.search(r"^\s{0,3}#{1,6}\s+.*\[[^\]]+\]\(https?://arxiv\.org/abs/", head, re.M)
    return bool(has_linked_heading) and "**Authors" not in head


def _groups(lines: list[Line]) -> list[tuple[list[Line], list[Line]]]:
    """Split into (heading lines of one entry, body lines until the next entry).

    An entry's headings are consecutive (blank lines between them allowed) and
    share one level; a heading of another level (a "# 2024-03-01 论文速览"
    title right above the first entry), a second linked heading, or a heading
    after body text starts a new group.
    """
    groups: list[tuple[list[Line], list[Line]]] = []
    heads: list[Line] = []
    body: list[Line] = []
    for line in lines:
        found = heading(line)
        if found:
            linked = bool(LINK_RE.search(line.text))
            starts_new = heads and (
                any(b.text.strip() for b in body)
                or found.level != heading(heads[0]).level
                or (linked and any(LINK_RE.search(h.text) for h in heads))
            )
            if starts_new or (body and not heads):
                groups.append((heads, body))
                heads, body = [], []
            heads.append(line)
        elif heads or line.text.strip():
            body.append(line)
    if heads or body:
        groups.append((heads, body))
    return groups


def _quote_paragraphs(body: list[Line]) -> list[tuple[int, str, str]]:
    """Block-quote text as (first line, language, text) paragraphs.

    The seed puts the Chinese and the English abstract on consecutive ``>``
    lines, so each quoted line is classified on its own and neighbouring lines
    of the same language are joined into one paragraph.
    """
    paragraphs: list[tuple[int, str, str]] = []
    for line in body:
        stripped = line.text.lstrip()
        if not stripped.startswith(">"):
            continue
        text = stripped[1:].strip()
        if not text:
            if paragraphs and paragraphs[-1][3] == line.number - 1:
                number, lang, previous, _ = paragraphs[-1]
                paragraphs[-1] = (number, lang, previous, line.number)  # a ">" spacer inside one quote
            continue
        lang = "zh" if tx.is_chinese(text) else "en"
        if paragraphs and paragraphs[-1][1] == lang and paragraphs[-1][3] == line.number - 1:
            number, _, previous, _ = paragraphs[-1]
            paragraphs[-1] = (number, lang, f"{previous}\n\n{text}", line.number)
        else:
            paragraphs.append((line.number, lang, text, line.number))
    return [(number, lang, text) for number, lang, text, _ in paragraphs]


def _entry(heads: list[Line], body: list[Line], source: str) -> PaperRecord | ParseFailure:
    first = heads[0].number
    bad = first_bad_line(heads + body)
    if bad:
        return ParseFailure(source, bad.number, "invalid UTF-8 in this entry; entry skipped")

    link_id = None
    headings = []
    for line in heads:
        text = heading(line).text
        for match in LINK_RE.finditer(text):
            found = tx.find_arxiv_url(match["url"])
            if found and link_id is None:
                link_id = found
        headings.append(strip_markup(text))
    if link_id is None:
        for line in body:  # "论文链接：https://arxiv.org/abs/…" in the body also counts
            found = tx.find_arxiv_url(line.text)
            if found:
                link_id = found
                break
    if link_id is None:
        return ParseFailure(source, first, f"entry “{headings[0][:60]}” has no arXiv link")
    arxiv_id, version = link_id

    record = PaperRecord(arxiv_id=arxiv_id, version=version, source=source, line=first)
    record.raw = "\n".join(line.text for line in heads + body).strip()
    summary = SummaryRecord()
    for text in headings:
        if tx.is_chinese(text):
            if not summary.headline_zh:
                summary.headline_zh = tx.collapse(text)
        elif not record.title:
            record.title = tx.collapse(text)

    abstracts: dict[str, str] = {}
    for number, lang, block in _quote_paragraphs(body):
        if lang in abstracts:
            record.warnings.append(f"line {number}: a second {'Chinese' if lang == 'zh' else 'English'} abstract; kept the first")
            continue
        abstracts[lang] = block
    record.abstract = abstracts.get("en", "")
    summary.abstract_zh = abstracts.get("zh", "")

    for line in body:
        stripped = line.text.strip()
        if not stripped or stripped.startswith(">"):
            continue
        labelled = label_of(stripped)
        label = normalize_label(labelled[0]) if labelled else ""
        if label in DATE_LABELS:
            record.published = tx.parse_date(labelled[1])
            if record.published is None:
                record.warnings.append(f"line {line.number}: cannot read the date “{labelled[1]}”")
            continue
        if tx.first_url(stripped, "arxiv.org"):
            continue
        code = tx.first_url(stripped, "github.com")
        if code:
            record.code_url = code
            continue
        topic = labelled[1] if labelled and label in TOPIC_LABELS else strip_markup(stripped)
        if record.topic is None and topic and len(topic) <= MAX_TOPIC_LENGTH:
            record.topic = topic
        else:
            record.warnings.append(f"line {line.number}: unrecognized line “{stripped[:60]}”")

    if not record.title:
        return ParseFailure(source, first, "entry has no English title", arxiv_id)
    if not record.abstract:
        return ParseFailure(source, first, "entry is cut short: no English abstract", arxiv_id)
    if not summary.abstract_zh:
        record.warnings.append(f"line {first}: no Chinese abstract")
    if record.topic is None:
        record.warnings.append(f"line {first}: no topic line")
    record.code_url = record.code_url or tx.first_url(record.abstract, "github.com")
    summary.summary_language = "zh"
    record.summary = summary
    return record


def parse(file: InputFile) -> Iterator[Parsed]:
    lines, source = list(file.lines()), file.name
    header_date: dt.date | None = None
    records: list[PaperRecord] = []
    first_of_each = FirstOfEach()
    for heads, body in _groups(lines):
        linked = any(LINK_RE.search(line.text) for line in heads)
        has_content = any(line.text.strip() for line in body)
        if not heads:
            if has_content:
                yield ParseFailure(source, body[0].number, "text outside any entry (no heading above it)")
            continue
        if not linked and not any(line.text.lstrip().startswith(">") for line in body):
            # A title or section heading ("# 2024-02-29 论文速览"), not an entry.
            date = tx.parse_date(" ".join(line.text for line in heads))
            header_date = header_date or date
            if has_content and not date:
                yield ParseFailure(source, heads[0].number, "section without an arXiv link or abstract")
            continue
        result = _entry(heads, body, source)
        if isinstance(result, PaperRecord):
            result = first_of_each.check(result)
        if isinstance(result, ParseFailure):
            yield result
            continue
        records.append(result)

    dates = Counter(r.published for r in records if r.published)
    digest_date = header_date or (dates.most_common(1)[0][0] if dates else None)
    for position, record in enumerate(records, start=1):
        if digest_date:
            record.digests.append(DigestRef(date=digest_date, topic=None, position=position))
        yield record
    if records and not digest_date:
        yield ParseFailure(source, None, "no date found for the digest; papers imported without one")
