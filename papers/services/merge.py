"""Three-way merge of an editor's text with new machine text, on the old machine text as base.

Text is split into sentences (lists into items).  Changes the editor made and
changes the machine made are both kept when they touch different sentences;
when they touch the same ones, that is a conflict, returned as such and never
resolved silently.
"""
from __future__ import annotations

import difflib
import re

SENTENCE_RE = re.compile(r"(?<=[。！？!?；;.\n])")


def _tokens(value) -> list[str]:
    if isinstance(value, list):
        return list(value)
    return [t for t in SENTENCE_RE.split(value or "") if t]


def _join(tokens: list[str], like) -> str | list:
    return list(tokens) if isinstance(like, list) else "".join(tokens)


def _changes(base: list[str], other: list[str]) -> list[tuple[int, int, list[str]]]:
    """(start, end, replacement) over base for every change base → other."""
    matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
    return [(i1, i2, other[j1:j2]) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]


def three_way_merge(base, ours, theirs) -> tuple[object, bool]:
    """(merged value, True if it conflicts).  On a conflict the value is ``ours``."""
    if ours == theirs or theirs == base:
        return ours, False
    if ours == base:
        return theirs, False
    b, o, t = _tokens(base), _tokens(ours), _tokens(theirs)
    mine, new = _changes(b, o), _changes(b, t)
    for s1, e1, _ in mine:
        for s2, e2, _ in new:
            if s1 < e2 and s2 < e1 or (s1 == s2 and (e1 == s1 or e2 == s2)) or (s1 == e1 == s2 == e2):
                return ours, True  # both changed the same sentences (or inserted at one place)
    edits = sorted(mine + new, key=lambda c: (c[0], c[1]))
    merged, position = [], 0
    for start, end, replacement in edits:
        merged += b[position:start] + replacement
        position = end
    merged += b[position:]
    return _join(merged, ours), False
