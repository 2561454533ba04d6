"""How readers cite a paper: BibTeX in arXiv's conventions, and one line of plain text.

BibTeX is what reference managers and LaTeX read, so it follows the entry
arXiv itself exports (``@misc`` with ``eprint``, ``archivePrefix`` and
``primaryClass``), with ``doi`` and ``journal`` when the paper has them.
Authors are written ``Last, First`` so that BibTeX never guesses which word
is the family name.  Titles keep their TeX math as written; outside it the
characters BibTeX or LaTeX would read as commands are escaped.
"""
from __future__ import annotations

import re
import unicodedata

MATH_RE = re.compile(r"(\$[^$]+\$)")
# LaTeX's specials as text: each becomes the command that prints it.
SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
SPECIALS_RE = re.compile("|".join(re.escape(c) for c in SPECIALS))
# Lower-case words that belong to the family name: "Ludwig van Beethoven" → "van Beethoven, Ludwig".
PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "du", "la", "le", "ter", "ten", "bin", "al"}
SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
STOP_WORDS = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "towards", "toward", "via", "is", "are"}


def escape_text(text: str) -> str:
    """Plain text for a BibTeX field: every special character printed as itself."""
    return SPECIALS_RE.sub(lambda match: SPECIALS[match[0]], text)


def _balanced(text: str) -> bool:
    depth = 0
    for index, char in enumerate(text):
        if char == "{" and (index == 0 or text[index - 1] != "\\"):
            depth += 1
        elif char == "}" and (index == 0 or text[index - 1] != "\\"):
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def escape_title(text: str) -> str:
    """A title for BibTeX: ``$…$`` math kept as TeX (when its braces balance), the rest escaped."""
    parts = MATH_RE.split(" ".join(text.split()))
    return "".join(part if index % 2 and _balanced(part) else escape_text(part) for index, part in enumerate(parts))


def bibtex_name(name: str) -> str:
    """``"Weiyun Wang"`` → ``"Wang, Weiyun"``; a name already written ``Last, First`` stays."""
    name = " ".join(name.split())
    if "," in name:
        return escape_text(name)
    words = name.split(" ")
    if len(words) == 1:
        return escape_text(name)
    suffix = []
    if len(words) > 2 and words[-1].lower() in SUFFIXES:
        suffix = [words.pop()]
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in PARTICLES:
        start -= 1
    last, first = " ".join(words[start:]), " ".join(words[:start])
    parts = [last, *suffix, first] if suffix else [last, first]
    return ", ".join(escape_text(part) for part in parts)


def _verbatim(value: str) -> str:
    """DOIs and URLs are read verbatim (an escaped "_" would be part of them): only braces and spaces go."""
    return re.sub(r"[{}\s\\]", "", value)


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def family_name(name: str) -> str:
    name = " ".join(name.split())
    if "," in name:
        return name.split(",", 1)[0]
    words = name.split(" ")
    if len(words) > 2 and words[-1].lower() in SUFFIXES:
        words.pop()
    return words[-1] if words else ""


def citation_key(paper, authors: list[str]) -> str:
    """``wang2024allseeing``: first author's family name, year, first telling word of the title."""
    family = _ascii_word(family_name(authors[0])) if authors else ""
    year = str(paper.published.year) if paper.published else ""
    plain_title = MATH_RE.sub(" ", paper.title)
    word = next((w for w in (_ascii_word(w) for w in re.split(r"[\s:–—,.;!?/()]+", plain_title))
                 if w and w not in STOP_WORDS), "")
    key = f"{family}{year}{word}"
    return key if family or word else f"arxiv{_ascii_word(paper.arxiv_id)}"


def bibtex(paper, authors: list[str], *, url: str | None = None) -> str:
    """The paper's BibTeX entry (``authors`` in byline order)."""
    fields = [("title", escape_title(paper.title))]
    if authors:
        fields.append(("author", " and ".join(bibtex_name(name) for name in authors)))
    if paper.published:
        fields.append(("year", str(paper.published.year)))
    fields += [("eprint", escape_text(paper.arxiv_id)), ("archivePrefix", "arXiv")]
    primary = paper.primary_category or (paper.categories[0] if paper.categories else "")
    if primary:
        fields.append(("primaryClass", escape_text(primary)))
    if paper.doi:
        fields.append(("doi", _verbatim(paper.doi)))
    if paper.journal_ref:
        fields.append(("journal", escape_text(paper.journal_ref)))
    fields.append(("url", _verbatim(url or f"https://arxiv.org/abs/{paper.arxiv_id}")))
    body = ",\n".join(f"  {name}={{{value}}}" for name, value in fields)
    return f"@misc{{{citation_key(paper, authors)},\n{body}\n}}\n"


def plain_citation(paper, authors: list[str]) -> str:
    """One line to paste into a text: authors, year, title, arXiv id and category, DOI, link."""
    if len(authors) > 3:
        names = f"{authors[0]} et al."
    else:
        names = ", ".join(authors[:-1]) + (" and " if len(authors) > 1 else "") + (authors[-1] if authors else "")
    year = f" ({paper.published.year})" if paper.published else ""
    title = " ".join(paper.title.split()).rstrip(".")
    primary = paper.primary_category or (paper.categories[0] if paper.categories else "")
    parts = [f"{names}{year}. {title}." if names else f"{title}{year}.", f"arXiv:{paper.arxiv_id}"
             + (f" [{primary}]" if primary else "") + "."]
    if paper.journal_ref:
        parts.append(f"{paper.journal_ref}.")
    if paper.doi:
        parts.append(f"doi:{paper.doi}.")
    parts.append(f"https://arxiv.org/abs/{paper.arxiv_id}")
    return " ".join(parts)
