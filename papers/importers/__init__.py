"""One module per import format; each parses only (bytes in, records out).

Every module has ``FORMAT`` (its name), ``sniff(head) -> bool`` and
``parse(InputFile) -> Iterator[PaperRecord | TopicRecord | ParseFailure]``.
"""
from __future__ import annotations

import re
from types import ModuleType

from . import arxiv_announce, arxiv_atom, arxiv_snapshot, digest_md, hexo, paperdesk_export
from . import text as tx
from .sources import InputError, InputFile

# Most specific first: the JSON formats by their keys, then XML (arXiv's announcement feeds before
# its API, whose Atom is the looser match), then the two Markdown formats (Hexo before the digest,
# whose shape is looser).
FORMATS: dict[str, ModuleType] = {
    module.FORMAT: module
    for module in (paperdesk_export, arxiv_snapshot, arxiv_announce, arxiv_atom, hexo, digest_md)
}


def detect(file: InputFile) -> ModuleType:
    """The importer for ``file``, or an InputError saying why there is none."""
    head = file.head()
    if not head.strip():
        raise InputError(file.name, "file is empty", line=1)
    if b"\x00" in head:
        raise InputError(file.name, "binary data, not a text import format", line=1)
    text = head.decode("utf-8", errors="replace")
    for module in FORMATS.values():
        if module.sniff(text):
            return module
    if text.count("\ufffd") > len(text) / 20:
        raise InputError(file.name, "not UTF-8 text (binary data?)", line=1)
    tried = "; ".join(hint for module in FORMATS.values() if (hint := _explain(module, text)))
    tried = f"; closest: {tried}" if tried else ""
    raise InputError(file.name, f"unknown format (known: {', '.join(FORMATS)}){tried}; use --format to choose one",
                     line=1)


def _explain(module: ModuleType, text: str) -> str:
    """What ``module`` would need and ``text`` lacks, for text that looks like that format's kind (Markdown)."""
    looks_like_markdown = re.search(r"^\s{0,3}(?:#{1,6}\s|>)", text, re.M) or tx.CJK_RE.search(text)
    return module.explain(text) if hasattr(module, "explain") and looks_like_markdown else ""


def get(name: str) -> ModuleType:
    try:
        return FORMATS[name]
    except KeyError:
        raise InputError(name, f"unknown format “{name}” (known: {', '.join(FORMATS)})") from None
