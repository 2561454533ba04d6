"""The 论文速览 digest family (seed ``000_d5c0faa7ab539173.txt``).

The same pipeline writes daily digests (the seed), one file per paper,
weekly and monthly reports, and index files that list the others.  Per paper
there may be: a Chinese headline, the English title, a date, categories, the
Chinese and the English abstract, figures and the arXiv link — each in several
shapes and places, any of them missing.  Nothing is read by position:

* **Entries** are told by the heading level at which each heading's section
  holds exactly one arXiv id (the seed's ``####``, a report's ``###``, a
  per-paper file's ``#``); shallower headings are the file's title and
  sections, deeper ones and label headings (``# 摘要``) belong to an entry.
  A file without such headings is one entry (or several, between rules).
* **Lines** are told by their shape: a heading, a ``>`` quote, a label line
  (``发布时间：…``, ``分类：…``, ``摘要：…``), a lone date, a link line, a
  line of categories in backticks, an image, a rule, a promotional footer
  (dropped), or a paragraph; the language of a text by its characters.
* **Titles**: the first English heading, else the first short English quote
  or line that reads as a title; a Chinese heading is the headline.
* **Failed translations** (the Chinese slot holds an error message or the
  English text again) are dropped and named on the record, so the desk
  sees the entry flagged instead of a published error message.

Every part that is missing is a warning on its record, with its line; an entry
fails only without an arXiv link or an English abstract.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterator

from . import text as tx
from .markdown_blocks import LINK_RE, Heading, first_bad_line, heading, label_of, normalize_label, strip_markup
from .records import DigestRef, FileNote, FirstOfEach, ParseFailure, Parsed, PaperRecord, SummaryRecord
from .sources import InputFile, Line

FORMAT = "digest-md"
DATE_LABELS = {"发布时间", "发布日期", "发表时间", "日期", "时间", "published", "date", "publisheddate"}
TOPIC_LABELS = {"分类", "类别", "主题", "领域", "topic", "topics", "category", "categories", "标签", "tags", "tag"}
ABSTRACT_LABELS = {"摘要", "abstract", "中文摘要", "英文摘要", "论文摘要", "原文摘要", "摘要翻译"}
LINK_LABELS = {"arxiv", "pdf", "论文链接", "论文地址", "链接", "原文链接", "paper", "link", "url", "论文"}
CODE_LABELS = {"代码", "code", "github", "代码链接", "项目地址"}
MAX_TOPIC_LENGTH = 40
MAX_TITLE_LENGTH = 300

ARXIV_REF_RE = re.compile(rf"(?:arxiv\.org/(?:abs|pdf)/|arxiv:\s*){tx.ARXIV_ID}", re.I)
HR_RE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
FENCE_RE = re.compile(r"^\s{0,3}```[\w-]*\s*$")
IMAGE_RE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<url>[^)\s]+)[^)]*\)")
BACKTICKS_RE = re.compile(r"`{1,3}([^`]+?)`{1,3}")
LONE_DATE_RE = re.compile(r"^\W*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日?|\d{4}[-/.]\d{1,2}[-/.]\d{1,2})\W*$")
PATH_DATE_RE = re.compile(r"(?<!\d)(20\d{2})[-_/.]?(0[1-9]|1[0-2])[-_/.]?(0[1-9]|[12]\d|3[01])(?!\d)")
# Weekly and monthly reports: many days in one file, so no day's digest.
REPORT_RE = re.compile(r"周报|月报|周刊|月刊|weekly|monthly|本周|本月|第\s*\d+\s*周|\d{4}\s*年\s*\d{1,2}\s*月(?!\s*\d)", re.I)
# Promotional footers: never a paper's text.
PROMO_RE = re.compile(
    r"扫码|二维码|关注我们|关注公众号|欢迎关注|公众号|加群|交流群|点赞|在看|星标|转发|知识星球|"
    r"qr\s*code|qrcode|follow (?:us|our)|subscribe|newsletter|sponsor", re.I)
# A translator's failure written where the Chinese text belongs.
# English titles say "Error Bounds" and "Rate-Limited": only a message's own shape counts.
ERROR_RE = re.compile(
    r"^\W*(?:error|exception|traceback)\s*[:：\[(]|error code\s*[:：]?\s*\d{3}|too many requests|"
    r"exceeded your current quota|request timed out|service unavailable|bad gateway|internal server error|"
    r"\{\s*['\"]error['\"]\s*:|^\W*(?:错误|报错)\s*[:：]|翻译失败|翻译出错|翻译错误|请求失败|请求超时|服务器繁忙|"
    r"调用失败|接口异常", re.I)
PLACEHOLDER_RE = re.compile(
    r"^(?:n/?a|none|null|nil|unknown|unavailable|not available|no categor(?:y|ies)|uncategori[sz]ed|tbd|"
    r"无|暂无|未知|未分类|无分类|暂无分类|分类不可用|不可用|待定|-+|—+|\?+|？+)$", re.I)
INDEX_TARGET_RE = re.compile(r"^(?!https?://|mailto:|#)|\.(?:md|markdown|html?)(?:[#?].*)?$", re.I)


def sniff(head: str) -> bool:
    """An arXiv link beside Markdown structure (not a Hexo post), or an index of links to such files."""
    if "**Authors" in head:
        return False
    structured = re.search(r"^\s{0,3}(?:#{1,6}\s|>|发布时间|发布日期)", head, re.M)
    if ARXIV_REF_RE.search(head) and structured:
        return True
    return _index_links([Line(n, t) for n, t in enumerate(head.splitlines(), start=1)]) >= 2


def explain(head: str) -> str:
    """What this format needs that ``head`` lacks (for the "unknown format" message)."""
    if "**Authors" in head:
        return "digest-md: has a Hexo “**Authors” line but no Hexo front matter"
    if not ARXIV_REF_RE.search(head):
        return "digest-md: no arXiv link (arxiv.org/abs/…, /pdf/… or arXiv:ID) and not an index of links to digest files"
    return "digest-md: an arXiv link but no heading, > quote or 发布时间 line"


# --- lines -------------------------------------------------------------------

def _arxiv_ids(text: str) -> list[tuple[str, int | None]]:
    found = []
    for match in ARXIV_REF_RE.finditer(text):
        version = match.group("version")
        found.append((match.group("id"), int(version) if version else None))
    return found


def _is_label_heading(found: Heading) -> bool:
    return normalize_label(strip_markup(found.text).rstrip(":：")) in ABSTRACT_LABELS


def _is_promo(text: str) -> bool:
    return len(text) <= 120 and bool(PROMO_RE.search(text))


def _is_error(text: str) -> bool:
    return len(text) <= MAX_TITLE_LENGTH and bool(ERROR_RE.search(text))


def _title_like(text: str) -> bool:
    """One English sentence that reads as a title, not an abstract."""
    if not text or tx.is_chinese(text) or len(text) > MAX_TITLE_LENGTH or "\n" in text.strip():
        return False
    return not re.search(r"[.!?]\s+[A-Z]", text) and not text.rstrip().endswith(".") and len(text.split()) >= 2


def _categories(raw: str) -> list[str]:
    """``"`Agent` `RAG`"``, ``"```Agent```"``, ``"Agent, RAG"``, ``"**Agent**"`` → names."""
    ticked = BACKTICKS_RE.findall(raw)
    parts = ticked if ticked else re.split(r"[,，、;；|/]", strip_markup(raw))
    return [p.strip().strip("*_ ").strip() for p in parts if p.strip().strip("*_ ").strip()]


def _category_line(text: str) -> bool:
    """A line of categories: backticks only, or a short bold or plain name (not a title)."""
    stripped = text.strip()
    if BACKTICKS_RE.sub("", stripped).strip(" ,，、") == "" and BACKTICKS_RE.search(stripped):
        return True
    plain = strip_markup(stripped)
    if not plain or len(plain) > MAX_TOPIC_LENGTH or tx.find_arxiv_url(stripped) or tx.URL_RE.search(stripped):
        return False
    return not (_title_like(plain) and len(plain.split()) >= 4) and not re.search(r"[。.!?！？]$", plain)


def _index_links(lines: list[Line]) -> int:
    """How many lines of ``lines`` link to other files (an index), 0 when it is not an index."""
    links = body = 0
    for line in lines:
        stripped = line.text.strip()
        if not stripped or heading(line) or HR_RE.match(stripped) or re.fullmatch(r"\|?[\s:|-]+\|?", stripped):
            continue
        if ARXIV_REF_RE.search(stripped):
            return 0
        body += 1
        if any(INDEX_TARGET_RE.search(m["url"]) for m in LINK_RE.finditer(stripped) if not m.group(0).startswith("!")):
            links += 1
    return links if links * 2 >= body else 0


# --- the file's shape --------------------------------------------------------

def _candidates(lines: list[Line]) -> list[tuple[int, Heading]]:
    """Headings that may open an entry or a section (not label headings such as ``# 摘要``)."""
    found, fenced = [], False
    for index, line in enumerate(lines):
        if FENCE_RE.match(line.text):
            fenced = not fenced
            continue
        if not fenced and (head := heading(line)) and not _is_label_heading(head):
            found.append((index, head))
    return found


def _entry_level(lines: list[Line], heads: list[tuple[int, Heading]]) -> int | None:
    """The heading level whose sections hold one arXiv id each, most often (the shallower on a tie)."""
    counts: Counter[int] = Counter()
    for position, (index, head) in enumerate(heads):
        end = next((i for i, h in heads[position + 1:] if h.level <= head.level), len(lines))
        ids = {found[0] for line in lines[index:end] for found in _arxiv_ids(line.text)}
        if len(ids) == 1:
            counts[head.level] += 1
    if not counts:
        return None
    most = max(counts.values())
    return min(level for level, count in counts.items() if count == most)


@dataclass
class _Section:
    heads: list[Line] = field(default_factory=list)
    body: list[Line] = field(default_factory=list)
    entry: bool = True  # False: the file's title or a section heading above entries

    def has_content(self) -> bool:
        return any(line.text.strip() for line in self.body)


def _sections(lines: list[Line]) -> list[_Section]:
    """The file cut into entries and the title / section headings between them."""
    heads = _candidates(lines)
    level = _entry_level(lines, heads)
    if level is None:
        return _split_on_rules(lines)
    starts = {index: head for index, head in heads}
    sections: list[_Section] = [_Section(entry=False)]
    for index, line in enumerate(lines):
        head = starts.get(index)
        current = sections[-1]
        if head is None or head.level > level:
            current.body.append(line)
        elif head.level < level:
            sections.append(_Section(heads=[line], entry=False))
        elif current.entry and current.heads and not current.has_content() and not (
            LINK_RE.search(line.text) and any(LINK_RE.search(h.text) for h in current.heads)
        ):
            current.heads.append(line)  # the headline and the title, one heading each
        else:
            sections.append(_Section(heads=[line]))
    # Entry lines above the first heading (a title quote, a link) belong to the first entry.
    lead = sections[0]
    first_entry = next((s for s in sections if s.entry), None)
    if first_entry is not None and lead.has_content() and all(_entry_kind(line) for line in lead.body):
        first_entry.body = lead.body + first_entry.body
        lead.body = []
    return sections


def _entry_kind(line: Line) -> bool:
    """Lines that can only belong to an entry (and so may stand above its heading)."""
    stripped = line.text.strip()
    return (not stripped or stripped.startswith(">") or bool(_arxiv_ids(stripped))
            or bool(IMAGE_RE.fullmatch(stripped)) or bool(LONE_DATE_RE.match(stripped)))


def _split_on_rules(lines: list[Line]) -> list[_Section]:
    """No entry headings: the file is one entry, or one per part between horizontal rules."""
    parts: list[list[Line]] = [[]]
    for line in lines:
        if HR_RE.match(line.text):
            parts.append([])
        else:
            parts[-1].append(line)
    with_ids = [part for part in parts if any(_arxiv_ids(line.text) for line in part)]
    if len(with_ids) <= 1:
        return [_Section(body=lines)] if with_ids else [_Section(body=lines, entry=False)]
    return [_Section(body=part) for part in parts if any(line.text.strip() for line in part)]


# --- one entry ---------------------------------------------------------------

@dataclass
class _Paragraph:
    line: int
    text: str
    quoted: bool
    last: int = 0
    error: bool = False  # a translator's error message: nothing joins it

    @property
    def lang(self) -> str:
        return "zh" if tx.is_chinese(self.text) else "en"


@dataclass
class _Reading:
    """What the lines of one entry were found to be."""

    heads: list[tuple[int, str]] = field(default_factory=list)  # (line, text) of the headings, in order
    ids: list[tuple[int, tuple[str, int | None], bool]] = field(default_factory=list)  # (line, id, strong)
    paragraphs: list[_Paragraph] = field(default_factory=list)
    label_line: int | None = None  # where an abstract label (摘要 / Abstract) stood
    dates: list[tuple[int, str]] = field(default_factory=list)
    categories: list[tuple[int, str]] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    code_url: str = ""
    warnings: list[str] = field(default_factory=list)


def _strip_abstract_label(text: str) -> str:
    labelled = LABEL_COLON_START.match(text)
    return labelled["rest"].strip() if labelled else text


LABEL_COLON_START = re.compile(r"^\s*(?:\*\*)?(?:abstract|摘要|中文摘要|英文摘要)(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*(?P<rest>.*)$", re.I)


def _read(heads: list[Line], body: list[Line]) -> _Reading:
    reading = _Reading()
    for line in heads:
        text = heading(line).text
        reading.ids += [(line.number, found, True) for found in _arxiv_ids(text)]
        reading.heads.append((line.number, strip_markup(text)))
    fenced = False
    open_quote: _Paragraph | None = None  # the quote a lazy continuation line extends
    open_plain: _Paragraph | None = None
    previous_category = False
    for line in body:
        raw = line.text
        stripped = raw.strip()
        is_category = False
        if FENCE_RE.match(raw):
            fenced = not fenced
            open_quote = open_plain = None
            continue
        if not stripped:
            open_quote = open_plain = None
            previous_category = previous_category and fenced
            continue
        if fenced:  # a fenced block holds categories (```\nAgent\n```) or nothing we read
            reading.categories += [(line.number, name) for name in _categories(f"`{stripped}`")]
            previous_category = True
            continue
        if stripped.startswith(">"):
            open_plain = None
            text = _strip_abstract_label(re.sub(r"^(?:>\s?)+", "", stripped).strip())
            reading.ids += [(line.number, found, False) for found in _arxiv_ids(text)]
            if not text:
                continue  # a ">" spacer inside one quote
            last = reading.paragraphs[-1] if reading.paragraphs else None
            lang = "zh" if tx.is_chinese(text) else "en"
            error = _is_error(text)
            if last is not None and last.quoted and not (error or last.error) and last.last >= line.number - 2 and (
                last.lang == lang and (last.last == line.number - 1 or _spacer_between(body, last.last, line.number))
            ):
                last.text = f"{last.text}\n\n{text}"
                last.last = line.number
            else:
                reading.paragraphs.append(_Paragraph(line.number, text, True, line.number, error))
            open_quote = reading.paragraphs[-1]
            continue
        if open_quote is not None and (raw[:1].isspace() or len(stripped) > MAX_TOPIC_LENGTH) and not (
            heading(line) or _arxiv_ids(stripped) or label_of(stripped) and normalize_label(label_of(stripped)[0]) in DATE_LABELS | TOPIC_LABELS
        ):
            open_quote.text = f"{open_quote.text} {stripped}"  # a lazy continuation of the quote
            open_quote.last = line.number
            continue
        open_quote = None
        if _is_promo(stripped) and not _arxiv_ids(stripped):
            open_plain = None
            continue
        images = list(IMAGE_RE.finditer(stripped))
        if images and not IMAGE_RE.sub("", stripped).strip(" []()"):
            reading.figures += [m["url"] for m in images if m["url"].startswith(("http://", "https://"))]
            open_plain = None
            continue
        if HR_RE.match(stripped):
            open_plain = None
            continue
        sub = heading(line)
        if sub is not None:
            open_plain = None
            if _is_label_heading(sub):
                reading.label_line = reading.label_line or line.number
            elif LONE_DATE_RE.match(sub.text):
                reading.dates.append((line.number, sub.text))
            else:
                reading.ids += [(line.number, found, True) for found in _arxiv_ids(sub.text)]
                reading.heads.append((line.number, strip_markup(sub.text)))
            continue
        labelled = label_of(stripped)
        if labelled is None and normalize_label(strip_markup(stripped).rstrip(":：")) in ABSTRACT_LABELS:
            labelled = (strip_markup(stripped).rstrip(":："), "")  # a bare "摘要" line
        label = normalize_label(labelled[0]) if labelled else ""
        ids = _arxiv_ids(stripped)
        if label in DATE_LABELS:
            reading.dates.append((line.number, labelled[1]))
        elif label in TOPIC_LABELS:
            rest = re.split(r"[:：]", stripped, maxsplit=1)[1] if re.search(r"[:：]", stripped) else ""
            reading.categories += [(line.number, name) for name in _categories(rest)]
            is_category = True
        elif label in ABSTRACT_LABELS:
            reading.label_line = reading.label_line or line.number
            if labelled[1]:
                open_plain = _Paragraph(line.number, _strip_abstract_label(stripped), False, line.number)
                reading.paragraphs.append(open_plain)
            continue
        elif LONE_DATE_RE.match(stripped):
            reading.dates.append((line.number, stripped))
        elif ids and (label in LINK_LABELS or len(strip_markup(tx.URL_RE.sub("", stripped))) <= 30):
            reading.ids += [(line.number, found, True) for found in ids]
        elif (label in CODE_LABELS or len(stripped) <= 200) and tx.first_url(stripped, "github.com") and not open_plain:
            reading.code_url = reading.code_url or tx.first_url(stripped, "github.com")
        elif (not reading.categories or previous_category) and _category_line(stripped) and not open_plain:
            reading.categories += [(line.number, name) for name in _categories(stripped)]
            is_category = True
        elif open_plain is not None:
            open_plain.text = f"{open_plain.text} {stripped}"
            open_plain.last = line.number
            continue
        else:
            reading.ids += [(line.number, found, False) for found in ids]
            open_plain = _Paragraph(line.number, stripped, False, line.number)
            reading.paragraphs.append(open_plain)
            continue
        open_plain = None
        previous_category = is_category
    return reading


def _spacer_between(body: list[Line], after: int, before: int) -> bool:
    """Only ``>`` spacer lines between two quote lines: one block quote."""
    between = [line for line in body if after < line.number < before]
    return bool(between) and all(re.fullmatch(r"\s*>\s*", line.text) for line in between)


def _same_text(a: str, b: str) -> bool:
    a, b = " ".join(a.lower().split()), " ".join(b.lower().split())
    return a == b or difflib.SequenceMatcher(None, a, b, autojunk=False).quick_ratio() >= 0.95 and (
        difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.9)


def _entry(heads: list[Line], body: list[Line], source: str) -> PaperRecord | ParseFailure:
    lines = heads + body
    first = (heads or [line for line in body if line.text.strip()] or body)[0].number
    bad = first_bad_line(lines)
    if bad:
        return ParseFailure(source, bad.number, "invalid UTF-8 in this entry; entry skipped")
    reading = _read(heads, body)
    name = next((text for _, text in reading.heads), "") or next((p.text for p in reading.paragraphs), "")
    strong = [found for _, found, is_strong in reading.ids if is_strong]
    chosen = (strong or [found for _, found, _ in reading.ids] or [None])[0]
    if chosen is None:
        return ParseFailure(source, first, f"entry “{name[:60]}” has no arXiv link (read as {FORMAT}: looked on its "
                                           "headings, link lines and text for arxiv.org/abs/…, /pdf/… or arXiv:ID)")
    arxiv_id, version = chosen
    record = PaperRecord(arxiv_id=arxiv_id, version=version, source=source, line=first)
    record.raw = "\n".join(line.text for line in lines).strip()
    for number, (other, _), is_strong in reading.ids:
        if is_strong and other != arxiv_id:
            record.warnings.append(f"line {number}: a second arXiv link ({other}); kept {arxiv_id}")
            break
    summary = SummaryRecord(summary_language="zh")
    untranslated: dict[str, str] = {}  # field → why

    # Headings: a Chinese one is the headline, an English one the title.
    english_heads = []
    for number, text in reading.heads:
        if _is_error(text):
            untranslated.setdefault("headline_zh", f"line {number}: the headline is an error message, not a "
                                                   f"translation (“{text[:60]}”); left empty for the desk")
        elif tx.is_chinese(text):
            summary.headline_zh = summary.headline_zh or tx.collapse(text)
        else:
            english_heads.append((number, tx.collapse(text)))
    record.title = english_heads[0][1] if english_heads else ""

    # Paragraphs: error messages out, then the title if no heading gave one, then the abstracts.
    paragraphs = []
    for paragraph in reading.paragraphs:
        if paragraph.error or _is_error(paragraph.text):
            untranslated.setdefault("abstract_zh", f"line {paragraph.line}: the Chinese abstract is an error message, "
                                                   f"not a translation (“{paragraph.text[:60]}”); left empty for the desk")
        else:
            paragraphs.append(paragraph)
    english = [p for p in paragraphs if p.lang == "en"]
    title_quote = next((p for p in english if _title_like(p.text)), None)
    if title_quote is not None and (
        (reading.label_line and title_quote.line < reading.label_line) or len(english) > 1 or english_heads
    ) and (not record.title or _same_text(title_quote.text, record.title)):
        if not record.title:
            record.title = tx.collapse(title_quote.text)
        paragraphs.remove(title_quote)
        english.remove(title_quote)
        if len(english_heads) == 1 and not summary.headline_zh and reading.heads and reading.heads[0][0] == english_heads[0][0] and title_quote.quoted:
            untranslated.setdefault("headline_zh", f"line {english_heads[0][0]}: the headline is the English title "
                                                   "again, not a translation; left empty for the desk")
    if len(english_heads) > 1 and _same_text(english_heads[0][1], english_heads[1][1]) and not summary.headline_zh:
        untranslated.setdefault("headline_zh", f"line {english_heads[0][0]}: the headline is the English title "
                                               "again, not a translation; left empty for the desk")

    abstracts: dict[str, _Paragraph] = {}
    for quoted in (True, False):  # quotes first; plain paragraphs fill what quotes left empty
        for paragraph in (p for p in paragraphs if p.quoted is quoted):
            lang = paragraph.lang
            kept = abstracts.get(lang)
            if kept is None:
                if not quoted and lang in {p.lang for p in paragraphs if p.quoted}:
                    _unrecognized(record, paragraph)
                    continue
                abstracts[lang] = paragraph
            elif lang == "en" and "zh" not in abstracts and _same_text(kept.text, paragraph.text):
                untranslated.setdefault("abstract_zh", f"line {paragraph.line}: the Chinese abstract is the English "
                                                       "text again, not a translation; left empty for the desk")
            elif quoted:
                language = "Chinese" if lang == "zh" else "English"
                record.warnings.append(f"line {paragraph.line}: a second {language} abstract; kept the first")
            else:
                _unrecognized(record, paragraph)
    record.abstract = abstracts["en"].text.strip() if "en" in abstracts else ""
    summary.abstract_zh = abstracts["zh"].text.strip() if "zh" in abstracts else ""

    if reading.dates:
        number, value = reading.dates[0]
        record.published = tx.parse_date(value)
        if record.published is None:
            record.warnings.append(f"line {number}: cannot read the date “{value}”")
    names = []
    for number, value in reading.categories:
        if PLACEHOLDER_RE.match(value):
            record.warnings.append(f"line {number}: category “{value}” stands for none; no topic")
        elif value.lower() not in {n.lower() for n in names}:
            names.append(value)
    record.topic = names[0] if names else None
    record.tags = names[1:]
    record.figures = list(dict.fromkeys(reading.figures))
    record.code_url = reading.code_url or tx.first_url(record.abstract, "github.com")

    if not record.abstract:
        return ParseFailure(source, first, f"entry is cut short: no English abstract (read as {FORMAT}: looked for "
                                           "a > quote, a paragraph or an Abstract section in English)", arxiv_id)
    if not record.title:
        record.warnings.append(f"line {first}: no English title (looked for an English heading, > line or title "
                               "line); the paper keeps the title it has, if it is known")
    if not summary.headline_zh and "headline_zh" not in untranslated:
        record.warnings.append(f"line {first}: no Chinese headline")
    if not summary.abstract_zh and "abstract_zh" not in untranslated:
        record.warnings.append(f"line {first}: no Chinese abstract")
    if record.topic is None and not any("stands for none" in w for w in record.warnings):
        record.warnings.append(f"line {first}: no topic line")
    record.warnings += untranslated.values()
    summary.untranslated = sorted(untranslated)
    record.summary = summary
    return record


def _unrecognized(record: PaperRecord, paragraph: _Paragraph) -> None:
    record.warnings.append(f"line {paragraph.line}: unrecognized line “{paragraph.text.splitlines()[0][:60]}”")


# --- the file ----------------------------------------------------------------

def _path_date(name: str) -> dt.date | None:
    for match in reversed(list(PATH_DATE_RE.finditer(name))):
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
    return None


def parse(file: InputFile) -> Iterator[Parsed]:
    lines, source = list(file.lines()), file.name
    sections = _sections(lines)
    if not any(section.entry for section in sections) or not any(_arxiv_ids(line.text) for line in lines):
        links = _index_links(lines)
        if links:
            yield FileNote(source, 1, f"index file, no papers: {links} links to other files and no arXiv id")
        else:
            yield ParseFailure(source, 1, f"no entries (read as {FORMAT}): no arXiv link (arxiv.org/abs/…, /pdf/… or "
                                          "arXiv:ID) in the file")
        return
    header_date: dt.date | None = None
    report = bool(REPORT_RE.search(source.rsplit("/", 1)[-1]))
    records: list[PaperRecord] = []
    first_of_each = FirstOfEach()
    for section in sections:
        if not section.entry:
            title = " ".join(heading(line).text for line in section.heads)
            report = report or bool(REPORT_RE.search(title))
            date = tx.parse_date(title)
            header_date = header_date or date
            if section.has_content() and not section.heads:  # a title or section's own text is not a paper's
                content = [line for line in section.body if line.text.strip() and not _is_promo(line.text.strip())]
                if content and not all(IMAGE_RE.fullmatch(line.text.strip()) or HR_RE.match(line.text) for line in content):
                    yield ParseFailure(source, content[0].number, "text outside any entry (no heading above it)")
            continue
        result = _entry(section.heads, section.body, source)
        if isinstance(result, PaperRecord):
            result = first_of_each.check(result)
        if isinstance(result, ParseFailure):
            yield result
            continue
        records.append(result)
    path_date = _path_date(source)
    for record in records:
        if record.published is None and path_date and not report:
            record.published = path_date
    dates = sorted({r.published for r in records if r.published})
    if not header_date and len(dates) > 1 and (dates[-1] - dates[0]).days > 2:
        report = True  # papers of many days: a report, not one day's digest
    if report:
        for record in records:
            yield record
        if records:
            yield FileNote(source, None, f"weekly or monthly report: {len(records)} papers imported without a digest "
                                         "(a digest is one day's issue)")
        return
    counted = Counter(r.published for r in records if r.published)
    digest_date = header_date or path_date or (counted.most_common(1)[0][0] if counted else None)
    for position, record in enumerate(records, start=1):
        if digest_date:
            record.digests.append(DigestRef(date=digest_date, topic=None, position=position))
        yield record
    if records and not digest_date:
        yield ParseFailure(source, None, "no date found for the digest; papers imported without one")
