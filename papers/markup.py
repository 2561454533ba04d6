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


# A key point Markdown and the sanitizer would both leave as it is: one line, no markup or entity
# characters, nothing at its start that begins a block (a list, a quote, a heading, a number), no
# surrounding space, no character the sanitizer writes as an entity (no-break space).
_PLAIN_POINT_RE = re.compile(
    r"(?![\s\d#>+*=|:~-])[^\x00-\x1f\x7f-\x9f\u00a0\u2028\u2029\\`*_\[\]<>&!#~]+(?<!\s)"
)


def key_points_html(points: list[str]) -> str:
    if not points:
        return ""
    if all(_PLAIN_POINT_RE.fullmatch(point) for point in points):
        # What the Markdown below makes of plain points (most machine text is), without parsing them.
        return "<ul>\n" + "\n".join(f"<li>{point}</li>" for point in points) + "\n</ul>"
    return markdown_to_html("\n".join(f"- {point}" for point in points))


_BLOCK_BREAK_RE = re.compile(r"<\s*(?:/p|/li|br\s*/?|/h\d|/ol|/ul|li|p|ol|ul)\b[^>]*>", re.I)
_TAG_RE = re.compile(r"<[^>]+>")


def html_to_lines(value: str) -> list[str]:
    """The text of an HTML fragment, one line per paragraph/list item/line break."""
    text = _BLOCK_BREAK_RE.sub("\n", value)
    text = html.unescape(_TAG_RE.sub("", text))
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- plain text ---------------------------------------------------------------
#
# Titles, authors, abstracts, one-line summaries … are plain text: the pages escape them, but a feed
# reader may decode a title and render it as HTML, and other sites copy our text.  So markup in them
# is removed once, at import, by :func:`plain_text`.  TeX stays as written (``$\mathcal{O}(n)$``,
# ``$k<n$``): only what an HTML parser would take for an element, a comment or CDATA is removed.

# Elements whose content is code or styling, not text: dropped with what they hold.
_CONTENT_TAGS = r"script|style|template|noscript|noembed|noframes|iframe|object|xmp|textarea|title|svg|math"
_CONTENT_ELEMENT_RE = re.compile(rf"<({_CONTENT_TAGS})\b[^>]*>.*?</\1\s*>", re.I | re.S)
# Names an HTML, SVG or MathML parser knows.  A "<" before another word (``$k<n$``) is TeX, unless the
# tag carries an attribute (``<foo onload=…>``) or closes one (``</x>``).
_ELEMENTS = (
    "a|abbr|address|animate|animatemotion|animatetransform|applet|area|article|aside|audio|b|base|basefont|bdi|"
    "bdo|bgsound|big|blink|blockquote|body|br|button|canvas|caption|center|circle|cite|code|col|colgroup|data|"
    "datalist|dd|del|details|dfn|dialog|dir|div|dl|dt|ellipse|em|embed|feimage|fieldset|figcaption|figure|font|"
    "footer|foreignobject|form|frame|frameset|g|h[1-6]|head|header|hgroup|hr|html|i|iframe|image|img|input|ins|"
    "isindex|kbd|keygen|label|layer|legend|li|line|link|listing|main|map|mark|marquee|math|menu|meta|meter|mi|"
    "mn|mo|ms|mtext|nav|nobr|noembed|noframes|noscript|object|ol|optgroup|option|output|p|param|path|picture|"
    "plaintext|polygon|polyline|pre|progress|q|rect|rp|rt|ruby|s|samp|script|section|select|set|slot|small|"
    "source|span|strike|strong|style|sub|summary|sup|svg|table|tbody|td|template|text|textarea|tfoot|th|thead|"
    "time|title|tr|track|tt|u|ul|use|var|video|wbr|xmp"
)
_ATTRIBUTE = r"""\s+[^\s<>"'=/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s<>]+))?"""
_EQUALS_ATTRIBUTE = r"""[\s/]+[^\s<>"'=/]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s<>]+)"""
_ALWAYS = (  # read as markup anywhere, TeX included
    re.compile(r"<!--.*?(?:-->|\Z)", re.S),  # comments, even unterminated
    re.compile(r"<!\[CDATA\[|\]\]>", re.I),  # CDATA markers (their content is text, and is read again)
    re.compile(r"<[!?][^<>]*>"),  # doctypes, processing instructions
    re.compile(rf"</?(?:{_ELEMENTS})\s*/?\s*>", re.I),  # <b>, </b>, <br/>
    re.compile(rf"<[A-Za-z][\w:.-]*(?:{_ATTRIBUTE})*?{_EQUALS_ATTRIBUTE}(?:{_ATTRIBUTE})*\s*/?>"),  # <x a=1>
)
_OUTSIDE_MATH = (  # outside $…$, where a "<" before a word is no inequality
    re.compile(rf"</?(?:{_ELEMENTS})(?=[\s/>]|\Z)[^<>]*(?:>|\Z)", re.I),  # known elements, even unterminated
    re.compile(rf"<[A-Za-z][\w:.-]*(?:{_ATTRIBUTE})+\s*/?(?:>|\Z)"),  # any element with attributes
    re.compile(r"</[A-Za-z][\w:.-]*\s*>"),  # any end tag
)
_MATH_RE = re.compile(r"(\$\$.+?\$\$|\$[^$]+\$|\\\(.+?\\\))", re.S)
# TeX links to a script (``\href{javascript:…}{text}``, ``\url{data:…}``) keep only their text.
_TEX_LINK_RE = re.compile(r"\\(?:href|url)\{\s*(?:javascript|vbscript|data|file)\s*:[^{}]*\}(?:\{([^{}]*)\})?", re.I)
# Characters XML 1.0 cannot carry (a feed with one is not XML at all) and lone surrogates.
_UNPRINTABLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_ENTITY_RE = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?")


# The characters _UNPRINTABLE_RE removes that are bytes of their own in UTF-8 (the control characters)
# and the UTF-8 of the two non-characters; a lone surrogate cannot be encoded at all.
_UNPRINTABLE_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_NON_CHARACTERS = ("\ufffe".encode(), "\uffff".encode())


def is_plain(value: str) -> bool:
    """Whether :func:`plain_text` leaves ``value`` as it is, found out much faster than by running it.

    An import asks this of a record's whole text at once, and runs
    ``plain_text`` field by field only when the answer is no.  It looks at the
    UTF-8 bytes: deleting the control characters from them is a fast C loop,
    where the regular expression tests every character.
    """
    if "<" in value or "&" in value or "]]>" in value or "\\" in value:
        return False
    try:
        data = value.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return (len(data.translate(None, _UNPRINTABLE_BYTES)) == len(data)
            and _NON_CHARACTERS[0] not in data and _NON_CHARACTERS[1] not in data)


def plain_text(value: str) -> str:
    """``value`` without markup: tags, comments, CDATA and entities out, TeX and the words kept.

    Entities are decoded and the result read again until nothing changes, so a tag
    written as ``&lt;script&gt;`` (or ``&amp;lt;…``) goes the way ``<script>`` does.
    """
    if not value:
        return value or ""
    text = _UNPRINTABLE_RE.sub("", value)
    if "<" not in text and "&" not in text and "]]>" not in text and "\\" not in text:
        return text  # most titles and abstracts: nothing to do
    for _ in range(10):
        before = text
        text = _CONTENT_ELEMENT_RE.sub("", text)
        for regex in _ALWAYS:
            text = regex.sub("", text)
        text = "".join(part if index % 2 else _outside_math(part) for index, part in enumerate(_MATH_RE.split(text)))
        text = _TEX_LINK_RE.sub(lambda match: match[1] or "", text)
        if _ENTITY_RE.search(text):
            text = _UNPRINTABLE_RE.sub("", html.unescape(text))
        if text == before:
            break
    return text


def _outside_math(text: str) -> str:
    for regex in _OUTSIDE_MATH:
        text = regex.sub("", text)
    return text


def inert_text(value: str) -> str:
    """Plain text no HTML parser can turn into an element, for places that may render it as HTML (feed titles).

    A ``<`` followed by a space is text to an HTML parser, and to TeX the space changes nothing.
    """
    return re.sub(r"<(?=[A-Za-z/!?])", "< ", plain_text(value))
