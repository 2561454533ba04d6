"""Structure shared by the two digest formats: headings, links, label lines.

Both formats are hand-made Markdown that varies from post to post, so parsers
work on structure (a heading, a block quote, a line that names a section)
rather than on exact strings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .sources import Line

HEADING_RE = re.compile(r"^\s{0,3}(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
LINK_RE = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<url>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
BOLD_LINE_RE = re.compile(r"^\s*(\*\*|__)(?P<text>.+?)(\*\*|__)\s*$")
# A label such as "发布时间：", "Authors:", "**摘要**" — words then a colon (ASCII or full width).
LABEL_COLON_RE = re.compile(r"^\s*(?P<label>[^:：]{1,40}?)\s*[:：]\s*(?P<rest>.*)$")


@dataclass
class Heading:
    level: int
    text: str
    line: Line


def heading(line: Line) -> Heading | None:
    match = HEADING_RE.match(line.text)
    if not match:
        return None
    return Heading(len(match["hashes"]), match["text"].strip(), line)


def strip_markup(text: str) -> str:
    """Plain words of a Markdown line: no emphasis, backticks or link syntax."""
    text = LINK_RE.sub(lambda m: m["text"], text)
    text = re.sub(r"(\*\*|__|`)", "", text)
    return text.strip().strip("*_ ").strip()


def label_of(text: str) -> tuple[str, str] | None:
    """``"**摘要**"`` → ("摘要", ""); ``"发布时间：2024年…"`` → ("发布时间", "2024年…")."""
    bold = BOLD_LINE_RE.match(text)
    if bold:
        inner = strip_markup(bold["text"])
        match = LABEL_COLON_RE.match(inner)
        if match:
            return match["label"].strip(), match["rest"].strip()
        return inner.rstrip(":：").strip(), ""
    head = HEADING_RE.match(text)
    if head:
        return strip_markup(head["text"]).rstrip(":：").strip(), ""
    match = LABEL_COLON_RE.match(strip_markup(text))
    if match:
        return match["label"].strip(), match["rest"].strip()
    return None


def normalize_label(label: str) -> str:
    return re.sub(r"[\s*_`]+", "", label).lower()


def first_bad_line(lines: list[Line]) -> Line | None:
    return next((line for line in lines if not line.valid), None)
