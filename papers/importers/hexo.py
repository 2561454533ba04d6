"""Hexo blog posts of ChatPaperFree summaries (seed ``003_2b154e7610c01647.txt``).

A YAML front matter (title, date, tags, description…), then per paper: a
heading with the English title, an Authors line, the English abstract, a
``[PDF](arxiv link) comments`` line, the one-line summary (摘要 / Summary),
key points (要点 / 主要要点 / Key Takeaways), the structured Chinese summary
as an HTML list, and screenshots in a ``<details>`` block.

Posts vary in heading levels, label wording, colons and order, and the
structured block is machine output that is sometimes cut short or carries
generator debris.  Sections are found by their labels; the structured block is
always kept whole (sanitized) and split into fields only where its labels are
recognised — anything else becomes a warning, never a guess.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Iterator

import yaml

from papers import markup

from . import text as tx
from .markdown_blocks import first_bad_line, heading, label_of, normalize_label, strip_markup
from .records import DigestRef, FirstOfEach, ParseFailure, Parsed, PaperRecord, SummaryRecord
from .sources import InputFile, Line

FORMAT = "hexo"

AUTHOR_LABELS = {"authors", "author", "作者"}
TLDR_LABELS = {"摘要", "summary", "tl;dr", "tldr", "一句话总结", "总结", "概要"}
KEY_POINT_LABELS = {"要点", "主要要点", "关键要点", "keytakeaways", "keypoints", "takeaways", "核心要点"}
STRUCTURED_LABELS = {"chatpaperfree", "chatpaper", "论文总结", "详细总结"}
FIGURE_LABELS = {"点此查看论文截图", "论文截图", "screenshots", "figures"}

# Labels inside the structured block → field.
STRUCTURED_FIELDS = {
    "title_zh": {"题目", "标题", "论文标题", "论文题目", "title"},
    "authors": {"作者", "authors"},
    "affiliation": {"单位", "第一作者单位", "所属单位", "隶属机构", "作者单位", "机构", "affiliation", "affiliations"},
    "keywords": {"关键词", "关键字", "keywords"},
    "links": {"论文链接", "链接", "urls", "url", "links", "paperlink", "代码链接", "github代码链接", "github链接"},
    "abstract": {"摘要", "summary", "abstract"},
    "method_details": {"方法", "methods", "method", "研究方法"},
    "conclusion": {"结论", "conclusion", "conclusions"},
}
ABSTRACT_PARTS = {1: "background", 2: "prior_work", 3: "method", 4: "results"}
STRUCTURED_LABEL_RE = re.compile(r"^\s*(?:\d{1,2}\s*[.、)]\s*)?(?P<label>[^:：(（]{1,20}?)\s*[:：]\s*(?P<rest>.*)$")
PART_RE = re.compile(r"^\s*[(（]\s*(?P<n>\d)\s*[)）]\s*[:：]?\s*(?P<rest>.*)$")
SUBLABEL_RE = re.compile(r"^[^:：。，,]{1,20}[:：]\s*")
PLACEHOLDER_RE = re.compile(r"(?:[^:：;；]{0,10}[:：]\s*)?xxx[\s;；。.]*", re.I)
DEBRIS_RE = re.compile(r"Some Error for \w+", re.I)
PDF_LINE_RE = re.compile(r"^\s*\[(?:PDF|pdf|arXiv|arxiv|Paper)\]\((?P<url>[^)\s]+)\)\s*(?P<rest>.*)$")
IMG_RE = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']?(?P<src>https?://[^"'\s>]+)|!\[[^\]]*\]\((?P<md>https?://[^)\s]+)\)""", re.I)
FRONT_MATTER_DELIM = "---"


def sniff(head: str) -> bool:
    stripped = head.lstrip("\ufeff\r\n ")
    if stripped.startswith(FRONT_MATTER_DELIM) and re.search(r"^(title|date)\s*:", stripped, re.M):
        return True
    return bool(re.search(r"^\s*(\*\*)?Authors?\s*[:：]", head, re.M | re.I)) and "arxiv.org/" in head


def _front_matter(lines: list[Line], source: str) -> tuple[dict, list[Line], list[ParseFailure]]:
    index = 0
    while index < len(lines) and not lines[index].text.strip():
        index += 1
    if index >= len(lines) or lines[index].text.strip() != FRONT_MATTER_DELIM:
        return {}, lines[index:], []
    for end in range(index + 1, len(lines)):
        if lines[end].text.strip() == FRONT_MATTER_DELIM:
            block = "\n".join(line.text for line in lines[index + 1 : end])
            try:
                meta = yaml.safe_load(block) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line = lines[index + 1].number + mark.line if mark else lines[index].number
                return {}, lines[end + 1 :], [ParseFailure(source, line, f"front matter is not valid YAML: {exc.__class__.__name__}")]
            bad = first_bad_line(lines[index + 1 : end])
            if bad:
                return {}, lines[end + 1 :], [ParseFailure(source, bad.number, "invalid UTF-8 in the front matter; it was ignored")]
            if not isinstance(meta, dict):
                return {}, lines[end + 1 :], [ParseFailure(source, lines[index].number, "front matter is not a mapping")]
            return meta, lines[end + 1 :], []
    return {}, lines[index + 1 :], [ParseFailure(source, lines[index].number, "front matter is never closed with ---")]


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [part for part in (p.strip() for p in re.split(r"[,，]", str(value))) if part]


def _as_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return tx.parse_date(str(value)) if value else None


def _split_entries(lines: list[Line]) -> tuple[list[Line], list[list[Line]]]:
    """Preamble lines, then one list of lines per paper.

    A paper starts at a heading directly followed (before any other heading)
    by an Authors line or an arXiv PDF link; its sub-headings, if any, are
    deeper than it.
    """
    heads = [(i, h) for i, line in enumerate(lines) if (h := heading(line))]

    def is_paper(pos: int) -> bool:
        i, _ = heads[pos]
        end = heads[pos + 1][0] if pos + 1 < len(heads) else len(lines)
        window = lines[i + 1 : end]
        return any(_is_author_line(line.text) or PDF_LINE_RE.match(line.text) for line in window[:60])

    starts = [(i, h.level) for pos, (i, h) in enumerate(heads) if is_paper(pos)]
    if not starts:
        return lines, []
    level = min(lvl for _, lvl in starts)
    starts = [i for i, lvl in starts if lvl == level]
    entries = [lines[a:b] for a, b in zip(starts, starts[1:] + [len(lines)])]
    return lines[: starts[0]], entries


def _is_author_line(text: str) -> bool:
    labelled = label_of(text)
    return bool(labelled and normalize_label(labelled[0]) in AUTHOR_LABELS and labelled[1])


def _section_kind(text: str) -> str | None:
    """Which entry section a label line opens, if it is one."""
    stripped = text.strip()
    if not stripped or stripped.startswith("<"):
        return None
    if not (stripped.startswith(("**", "__", "#")) or len(strip_markup(stripped)) <= 24):
        return None
    labelled = label_of(stripped)
    name = normalize_label(labelled[0] if labelled else strip_markup(stripped))
    if labelled and labelled[1]:
        return None  # "摘要：some text" inline is content, not a section label
    for kind, names in (("tldr", TLDR_LABELS), ("key_points", KEY_POINT_LABELS), ("structured", STRUCTURED_LABELS)):
        if name in names:
            return kind
    if stripped.startswith(("**", "__", "#")) and not stripped.startswith("**Authors"):
        return "unknown"
    return None


def _bullets(lines: list[Line]) -> list[str]:
    items: list[str] = []
    for line in lines:
        match = re.match(r"^\s*(?:[-*+•]|\d+[.)、])\s+(?P<text>.+)$", line.text)
        if match:
            items.append(match["text"].strip())
        elif line.text.strip() and items:
            items[-1] = f"{items[-1]} {line.text.strip()}"
        elif line.text.strip():
            items.append(line.text.strip())
    return items


def _structured_fields(html: str, summary: SummaryRecord, record: PaperRecord) -> None:
    """Split the ChatPaperFree HTML list into fields; warn about what does not fit."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for text in markup.html_to_lines(html):
        if DEBRIS_RE.search(text):
            record.warnings.append(f"structured summary: generator note “{text[:60]}” (section missing)")
            continue
        match = STRUCTURED_LABEL_RE.match(text)
        field = None
        if match:
            name = normalize_label(match["label"])
            field = next((f for f, names in STRUCTURED_FIELDS.items() if name in names), None)
        if field == "links" and field in sections:
            sections[field].append(match["rest"])  # "论文链接：…" then "Github 代码链接：…"
            current = field
        elif field:
            if field in sections:
                record.warnings.append(f"structured summary: “{match['label']}” appears twice; kept the first")
                current = None
                continue
            current = field
            sections[field] = [match["rest"]] if match["rest"].strip() else []
        elif current:
            sections[current].append(text)
        else:
            record.warnings.append(f"structured summary: unrecognized line “{text[:60]}”")

    def joined(name: str) -> str:
        lines = [line for line in sections.get(name, []) if not _is_placeholder(line)]
        return "\n".join(lines).strip()

    summary.title_zh = tx.collapse(joined("title_zh"))
    summary.affiliation = joined("affiliation")
    summary.keywords = tx.split_list(joined("keywords"))
    links = joined("links")
    linked = tx.find_arxiv_url(links)
    if linked and linked[0] != record.arxiv_id:
        record.warnings.append(f"structured summary links to arXiv {linked[0]}, not to this paper")
    if not record.code_url:
        record.code_url = tx.first_url(links, "github.com")
    summary.method_details = joined("method_details")
    summary.conclusion = joined("conclusion")
    abstract = sections.get("abstract", [])
    parts: dict[int, list[str]] = {}
    number = None
    for line in abstract:
        part = PART_RE.match(line)
        if part:
            number = int(part["n"])
            parts.setdefault(number, []).append(SUBLABEL_RE.sub("", part["rest"], count=1))
        elif number is not None:
            parts[number].append(line)
    for n, field in ABSTRACT_PARTS.items():
        setattr(summary, field, "\n".join(parts.get(n, [])).strip())
    if abstract and not parts:
        record.warnings.append("structured summary: 摘要 has no (1)…(4) parts; kept whole only")
    missing = [label for label, field in (("题目", "title_zh"), ("摘要", "abstract")) if field not in sections]
    if missing:
        record.warnings.append(f"structured summary: no {' / '.join(missing)} section")


def _is_placeholder(line: str) -> bool:
    """ChatPaperFree's unfilled template lines: "（2）：创新点：xxx；性能：xxx；"."""
    rest = PLACEHOLDER_RE.sub("", PART_RE.sub(r"\g<rest>", line))
    return "xxx" in line.lower() and not re.search(r"[A-Za-z\u4e00-\u9fff]", rest)


def _entry(lines: list[Line], source: str) -> PaperRecord | ParseFailure:
    first = lines[0]
    bad = first_bad_line(lines)
    if bad:
        return ParseFailure(source, bad.number, "invalid UTF-8 in this entry; entry skipped")
    title = tx.collapse(strip_markup(heading(first).text))

    found = None
    comments = ""
    for line in lines[1:]:
        pdf = PDF_LINE_RE.match(line.text)
        if pdf and tx.find_arxiv_url(pdf["url"]):
            found, comments = tx.find_arxiv_url(pdf["url"]), pdf["rest"].strip()
            break
    if found is None:
        found = next((tx.find_arxiv_url(line.text) for line in lines if tx.find_arxiv_url(line.text)), None)
    if found is None:
        return ParseFailure(source, first.number, f"entry “{title[:60]}” has no arXiv link (cut short?)")

    record = PaperRecord(arxiv_id=found[0], version=found[1], source=source, line=first.number, title=title)
    record.comments = comments
    record.raw = "\n".join(line.text for line in lines).strip()
    summary = SummaryRecord()
    sections: dict[str, list[Line]] = {"abstract": []}
    current = "abstract"
    in_details = False
    html_lines: list[str] = []
    for line in lines[1:]:
        text = line.text
        for match in IMG_RE.finditer(text):
            url = match["src"] or match["md"]
            if url not in record.figures:
                record.figures.append(url)
        if re.search(r"<details\b", text, re.I):
            in_details = True
        if in_details:
            if re.search(r"</details>", text, re.I):
                in_details = False
            continue
        if _is_author_line(text):
            if record.authors:
                record.warnings.append(f"line {line.number}: a second Authors line; kept the first")
            else:
                # Markup out before splitting: an entity's ";" is no separator.
                names = markup.plain_text(label_of(text)[1])
                record.authors = [a.strip() for a in re.split(r",|，|;| and ", names) if a.strip()]
            continue
        if PDF_LINE_RE.match(text):
            current = "after_pdf"
            continue
        kind = _section_kind(text)
        if kind == "unknown":
            record.warnings.append(f"line {line.number}: unrecognized section “{strip_markup(text)[:40]}”")
            current = "ignored"
            continue
        if kind:
            if kind in sections:
                record.warnings.append(f"line {line.number}: section “{strip_markup(text)[:20]}” appears twice; kept the first")
                current = "ignored"
            else:
                current = kind
                sections[kind] = []
            continue
        if current == "structured":
            html_lines.append(text)
        sections.setdefault(current, []).append(line)

    record.abstract = "\n".join(tx.collapse(l.text) for l in sections["abstract"] if l.text.strip()).strip()
    summary.tldr = " ".join(l.text.strip() for l in sections.get("tldr", []) if l.text.strip())
    summary.key_points = _bullets(sections.get("key_points", []))
    language_sample = summary.tldr or " ".join(summary.key_points)
    summary.summary_language = ("zh" if tx.is_chinese(language_sample) else "en") if language_sample else ""
    html = "\n".join(html_lines).strip()
    if html:
        summary.structured_html = markup.sanitize_html(html)
        _structured_fields(summary.structured_html, summary, record)  # fields from the sanitized text only
    if not record.title:
        return ParseFailure(source, first.number, "entry has no title", record.arxiv_id)
    if not record.abstract:
        record.warnings.append(f"line {first.number}: no English abstract")
    if not record.authors:
        record.warnings.append(f"line {first.number}: no Authors line")
    if summary.is_empty():
        record.warnings.append(f"line {first.number}: no summary sections")
    record.code_url = record.code_url or tx.first_url(record.abstract + " " + comments, "github.com")
    record.summary = summary if not summary.is_empty() else None
    return record


def parse(file: InputFile) -> Iterator[Parsed]:
    lines, source = list(file.lines()), file.name
    meta, body, failures = _front_matter(lines, source)
    yield from failures
    preamble, entries = _split_entries(body)
    digest_date = _as_date(meta.get("date"))
    if digest_date is None:
        digest_date = next((tx.parse_date(h.text) for line in preamble if (h := heading(line)) and tx.parse_date(h.text)), None)
    tags = _as_list(meta.get("tags"))
    topic = (tags[0] if tags else None) or (str(meta["title"]).strip() if meta.get("title") else None)
    if not entries:
        if any(line.text.strip() for line in body):
            yield ParseFailure(source, body[0].number if body else None, "post has no papers (no heading with Authors or an arXiv link)")
        return
    first_of_each = FirstOfEach()
    position = 0
    for entry_lines in entries:
        result = _entry(entry_lines, source)
        if isinstance(result, PaperRecord):
            result = first_of_each.check(result)
        if isinstance(result, ParseFailure):
            yield result
            continue
        position += 1
        result.topic = topic
        result.tags = list(tags)
        if digest_date:
            result.digests.append(
                DigestRef(
                    date=digest_date, topic=topic, position=position,
                    title=str(meta.get("title") or "").strip(), description=str(meta.get("description") or "").strip(),
                )
            )
        yield result
    if not digest_date:
        yield ParseFailure(source, None, "no date in the front matter or a heading; papers imported without a digest")
