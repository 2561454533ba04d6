"""Untrusted text to safe HTML, in one place.

Everything that reaches a page as HTML — the Hexo posts' HTML block, Markdown
from any source, LLM output — goes through :func:`sanitize_html`, which is
nh3 (the Rust ``ammonia`` sanitizer) with a small allow-list.  Rendering
happens once, at import or save time, and the result is stored beside its
source.
"""
from __future__ import annotations

import html
import re
import threading

import markdown as md
import nh3

ALLOWED_TAGS = {
    "p", "br", "ol", "ul", "li", "strong", "b", "em", "i", "code", "pre", "blockquote",
    "sub", "sup", "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "td": {"colspan"}, "th": {"colspan"}}


def sanitize_html(value: str) -> str:
    """Strip every tag, attribute and URL scheme not on the allow-list."""
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_local = threading.local()


def markdown_to_html(text: str) -> str:
    """Markdown source → sanitized HTML (raw HTML inside it is sanitized too)."""
    # Building a Markdown instance costs more than converting a few lines; one per thread, reset each use.
    converter = getattr(_local, "markdown", None)
    if converter is None:
        converter = _local.markdown = md.Markdown(extensions=["sane_lists"], output_format="html")
    return sanitize_html(converter.reset().convert(text))


def key_points_html(points: list[str]) -> str:
    if not points:
        return ""
    return markdown_to_html("\n".join(f"- {point}" for point in points))


_BLOCK_BREAK_RE = re.compile(r"<\s*(?:/p|/li|br\s*/?|/h\d|/ol|/ul|li|p|ol|ul)\b[^>]*>", re.I)
_TAG_RE = re.compile(r"<[^>]+>")


def html_to_lines(value: str) -> list[str]:
    """The text of an HTML fragment, one line per paragraph/list item/line break."""
    text = _BLOCK_BREAK_RE.sub("\n", value)
    text = html.unescape(_TAG_RE.sub("", text))
    return [line.strip() for line in text.splitlines() if line.strip()]
