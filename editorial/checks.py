"""Consistency checks of an entry: where machine translation goes wrong.

Shown on the review screen and enforced when an entry is published; a
reviewer may override them with a comment, which the audit log keeps.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop

from papers.importers.text import CJK_RE, collapse

NUMBER_RE = re.compile(r"(?<![0-9A-Za-z.])(\d+(?:\.\d+)?)(?![0-9A-Za-z])")  # ASCII edges: "52.04的" counts
# Names worth keeping verbatim: ASMv2, LLaVA-1.5, GSM8K, CRPE, StarCoder2-15B … and arXiv ids.
NAME_RE = re.compile(r"\b(?:[A-Z][A-Za-z]*[A-Z0-9][\w.\-]*|[A-Za-z]+-\d[\w.\-]*|\d{4}\.\d{4,5})\b")
COMMON = {"LLM", "LLMs", "AI", "NLP", "RL", "II", "III", "IV", "URL", "GPU", "CPU", "API", "APIs"}
DEBRIS_RE = re.compile(r"\*\*|__|```|</?[a-z][a-z0-9]*[^>]*>|\]\(|\\(?:url|cite[pt]?|textit|textbf|emph)\{", re.I)
URL_ONLY_RE = re.compile(r"^\s*https?://\S+\s*$")
CHINESE_FIELDS = ("headline_zh", "title_zh", "abstract_zh")


def _message(text: str, **params) -> str:
    """A finding's message in the language of whoever reads it: translated when shown, not when found."""
    return lazy(lambda: gettext(text) % params if params else gettext(text), str)()


@dataclass(frozen=True)
class Problem:
    """One finding: the field it concerns (the desk shows it there), a stable code, and what is wrong."""

    field: str
    code: str
    message: str

    def __str__(self):
        return f"{self.field}: {self.message}"

    @property
    def label(self) -> str:
        """The name of the field the finding concerns, as the desk shows it."""
        from papers.models import Summary

        return Summary._meta.get_field(self.field).verbose_name


def _numbers(text: str) -> set[str]:
    # Numbers that carry information: decimals and anything of two digits or more.
    return {n for n in NUMBER_RE.findall(text) if "." in n or len(n) >= 2}


def check_summary(summary) -> list[Problem]:
    paper = summary.paper
    problems: list[Problem] = []
    english, chinese = paper.abstract or "", summary.abstract_zh or ""

    for name in summary.merge_conflicts or {}:
        problems.append(Problem(name, "merge_conflict", _message(gettext_noop("new machine text clashes with an edit: decide and save"))))
    if not (summary.headline_zh or summary.title_zh):
        problems.append(Problem("headline_zh", "empty", _message(gettext_noop("no Chinese headline or title"))))
    if not (summary.abstract_zh or summary.tldr):
        problems.append(Problem("abstract_zh", "empty", _message(gettext_noop("no Chinese abstract or one-line summary"))))

    if chinese:
        missing = sorted(_numbers(english) - _numbers(chinese), key=english.find)
        if missing:
            problems.append(Problem("abstract_zh", "numbers",
                                    _message(gettext_noop("numbers in the English abstract missing or different here: %(numbers)s"),
                                             numbers=", ".join(missing[:8]))))
        names = [n for n in dict.fromkeys(NAME_RE.findall(english)) if n not in COMMON and len(n) > 2]
        dropped = [n for n in names if n.lower() not in chinese.lower()]
        if dropped:
            problems.append(Problem("abstract_zh", "names", _message(gettext_noop("names dropped in translation: %(names)s"),
                                                                        names=", ".join(dropped[:8]))))

    for name in (*CHINESE_FIELDS, "tldr", "background", "method", "results", "conclusion"):
        value = getattr(summary, name) or ""
        if value and DEBRIS_RE.search(value):
            problems.append(Problem(name, "debris", _message(gettext_noop("leftover Markdown, HTML or LaTeX: “%(debris)s”"),
                                                                      debris=DEBRIS_RE.search(value)[0])))
    for name in CHINESE_FIELDS:
        value = getattr(summary, name) or ""
        if value and not CJK_RE.search(value):
            problems.append(Problem(name, "not_chinese", _message(gettext_noop("a Chinese field with no Chinese in it"))))
    tldr = summary.tldr or ""
    if URL_ONLY_RE.match(tldr):
        problems.append(Problem("tldr", "url", _message(gettext_noop("the one-line summary is a URL"))))
    elif tldr and collapse(tldr).lower() == collapse(paper.title).lower():
        problems.append(Problem("tldr", "title", _message(gettext_noop("the one-line summary copies the title"))))
    points = summary.key_points or []
    if points and english:
        first = collapse(english).split(". ")[0].lower()
        if collapse(points[0]).lower().rstrip(".") == first.rstrip("."):
            problems.append(Problem("key_points", "repeats_abstract", _message(gettext_noop("the key points repeat the abstract's first lines"))))
    return problems


def glossary_findings(summary, terms=None) -> list[str]:
    """Glossary terms the English source uses that the Chinese text renders otherwise (shown, not enforced).

    ``terms``: the glossary, if the caller has it already (else it is read).
    """
    from papers.glossary import deviations

    english = f"{summary.paper.title} {summary.paper.abstract}"
    chinese = " ".join(getattr(summary, n) or "" for n in ("headline_zh", "title_zh", "abstract_zh"))
    return [_message(gettext_noop("“%(term)s” is not translated as %(accepted)s"),
                     term=t.term_en, accepted=" / ".join(t.accepted)) for t in deviations(english, chinese, terms)]


# The English source each Chinese field translates: where the desk shows its glossary terms.
SOURCE_OF = {"headline_zh": "title", "title_zh": "title", "abstract_zh": "abstract"}


def glossary_hits(summary, terms=None) -> dict[str, list[dict]]:
    """Per Chinese field: the glossary terms its English source uses, and whether the field follows each."""
    from papers.glossary import current_terms, hits

    terms = current_terms() if terms is None else terms
    found = {}
    for name, source in SOURCE_OF.items():
        rows = [{"term": t.term_en, "accepted": t.accepted, "followed": followed}
                for t, followed in hits(getattr(summary.paper, source) or "", getattr(summary, name) or "", terms)]
        if rows:
            found[name] = rows
    return found
