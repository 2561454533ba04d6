"""The desk's glossary: which terms a paper uses, and whether a translation follows it."""
from __future__ import annotations

import json
import re
from functools import lru_cache

from django.db import connection

from papers.models import GlossaryTerm


@lru_cache(maxsize=4096)
def _pattern(term: str) -> re.Pattern:
    # "agent" also matches "agents"; word edges so "reagent" does not.
    return re.compile(rf"(?<![A-Za-z]){re.escape(term)}(?:s|es)?(?![A-Za-z])", re.I)


def current_terms() -> list[GlossaryTerm]:
    """Every term as stored now, read for every summary a worker writes.

    The rows are read each time, so an editor's change counts from the next
    summary in every process; the objects are built again only when a row has
    changed.  Through the ORM the same read cost the worker ~0.3 ms of CPU a
    summary with eight terms, here ~0.06 ms.
    """
    fields = [GlossaryTerm._meta.get_field(name).column for name in ("id", "term_en", "term_zh", "variants", "note")]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(fields)} FROM {GlossaryTerm._meta.db_table} ORDER BY {fields[1]}")
        return list(_terms(tuple(cursor.fetchall())))  # a list of its own: the objects are shared


@lru_cache(maxsize=1)
def _terms(rows: tuple[tuple, ...]) -> list[GlossaryTerm]:
    # A raw read gets a JSON column as its text, on PostgreSQL as on SQLite.
    return [GlossaryTerm(id=pk, term_en=en, term_zh=zh, variants=json.loads(variants) if variants else [], note=note)
            for pk, en, zh, variants, note in rows]


def terms_in(text: str, terms=None) -> list[GlossaryTerm]:
    terms = current_terms() if terms is None else terms
    text = text or ""
    # Most terms are in no given text: a substring test rules them out before the pattern runs (a
    # case-insensitive search with look-arounds costs ~50 µs over an abstract). Only for ASCII, where
    # lower() folds case exactly as the pattern does.
    lowered = text.lower() if text.isascii() else None
    return [t for t in terms if (lowered is None or not t.term_en.isascii() or t.term_en.lower() in lowered)
            and _pattern(t.term_en).search(text)]


def prompt_block(paper) -> str:
    """Glossary lines for the terms this paper uses, for the LLM prompt."""
    found = terms_in(f"{paper.title} {paper.abstract}")
    if not found:
        return ""
    lines = [f"- {t.term_en} → {t.term_zh}" + (f" (also fine: {', '.join(t.variants)})" if t.variants else "") for t in found]
    return "\nUse this glossary for these terms:\n" + "\n".join(lines) + "\n"


def follows(term: GlossaryTerm, chinese: str) -> bool:
    """Whether the Chinese text uses one of the term's accepted renderings."""
    return any(a and a in (chinese or "") for a in term.accepted)


def hits(english: str, chinese: str, terms=None) -> list[tuple[GlossaryTerm, bool]]:
    """Each term the English text uses, and whether the Chinese text follows the glossary for it."""
    return [(t, follows(t, chinese)) for t in terms_in(english, terms)]


def deviations(english: str, chinese: str, terms=None) -> list[GlossaryTerm]:
    """Terms the English text uses whose accepted Chinese renderings appear nowhere in the Chinese text."""
    if not chinese:
        return []
    return [t for t, followed in hits(english, chinese, terms) if not followed]
