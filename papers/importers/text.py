"""Small text helpers shared by the parsers."""
from __future__ import annotations

import datetime as dt
import re

# New-style (2402.19474, 0704.0001) and old-style (hep-th/9901001) arXiv ids,
# optionally followed by a version.
# Since 2015 (YYMM 1501) the number after the dot has five digits, before it four.
ARXIV_BARE_ID = r"(?:0[7-9]|1[0-4])\d{2}\.\d{4}|(?:1[5-9]|[2-9]\d)\d{2}\.\d{5}|[a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7}"
ARXIV_ID = rf"(?P<id>{ARXIV_BARE_ID})(?:v(?P<version>\d+))?"
ARXIV_ID_RE = re.compile(rf"^{ARXIV_ID}$")
ARXIV_URL_RE = re.compile(rf"arxiv\.org/(?:abs|pdf)/{ARXIV_ID}", re.IGNORECASE)
URL_RE = re.compile(r"https?://[!#-&*-;=?-Z\\^-z|~]+")  # printable ASCII but quotes, <>, (), [], {}
CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_RE = re.compile(r"[A-Za-z]")


def split_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """``"2401.12215v1"`` → ``("2401.12215", 1)``; None when it is not an id."""
    match = ARXIV_ID_RE.match(text.strip())
    if not match:
        return None
    version = match.group("version")
    return match.group("id"), int(version) if version else None


def find_arxiv_url(text: str) -> tuple[str, int | None] | None:
    """The first arxiv.org/abs or /pdf link in ``text`` as (id, version)."""
    match = ARXIV_URL_RE.search(text)
    if not match:
        return None
    version = match.group("version")
    return match.group("id"), int(version) if version else None


# The white space str.split() breaks ASCII text on, besides the space and the line break.
_ASCII_SPACES = ("\t", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")


def collapse(text: str) -> str:
    """Fold runs of white space (arXiv titles carry line breaks and double spaces)."""
    folded = text.replace("\n", " ").strip()
    # Most text has nothing more to fold: single spaces and no other white space.  Checking is
    # cheaper than folding: ASCII text for its few white space characters, other text with
    # isprintable (every white space character but the space is unprintable).
    if "  " not in folded and (not any(space in folded for space in _ASCII_SPACES) if folded.isascii()
                               else folded.isprintable()):
        return folded
    return " ".join(text.split())  # five times faster than a regex on abstract-sized text


def cjk_ratio(text: str) -> float:
    """Share of CJK characters among CJK + Latin letters: tells Chinese from English."""
    cjk = len(CJK_RE.findall(text))
    latin = len(LATIN_RE.findall(text))
    return cjk / (cjk + latin) if cjk + latin else 0.0


def is_chinese(text: str) -> bool:
    # Chinese prose full of English terms (LLM, ASMv2, …) still has far more
    # CJK characters than an English sentence has (which has none).
    return cjk_ratio(text) >= 0.2


_DATE_RES = [
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?"),
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
]


def parse_date(text: str) -> dt.date | None:
    """Dates as the digests write them: 2024年02月29日, 2024-02-29, 2024/2/29."""
    for regex in _DATE_RES:
        match = regex.search(text)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None


def first_url(text: str, host: str) -> str:
    for url in URL_RE.findall(text):
        if host in url.lower():
            return url.rstrip(".,;:")
    return ""


def split_list(text: str) -> list[str]:
    """Keywords and the like: split on Chinese and Latin separators."""
    parts = re.split(r"[,，、;；]\s*", text)
    return [p.strip().rstrip("。.") for p in parts if p.strip().rstrip("。.")]
