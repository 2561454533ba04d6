"""Showing what changed between two texts, character by character.

Character-level because most corrections are to Chinese, which has no spaces
to split words on.  Output is escaped text with <ins>/<del> only.
"""
from __future__ import annotations

import difflib
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def as_text(value) -> str:
    """Lists (key points, keywords) as the editor sees them: one per line."""
    if isinstance(value, (list, tuple)):
        return "\n".join(str(v) for v in value)
    return value or ""


def inline_diff(before, after, *, words: bool = False) -> SafeString:
    """Character by character, or word by word (``words``: English, whose words a character diff shreds)."""
    before, after = as_text(before), as_text(after)
    old = re.findall(r"\s+|\w+|[^\w\s]", before) if words else before
    new = re.findall(r"\s+|\w+|[^\w\s]", after) if words else after
    parts = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(old[a1:a2])))
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(old[a1:a2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(new[b1:b2]))}</ins>")
    return mark_safe("".join(parts))  # every piece above is escaped


def edit_distance(before, after) -> float:
    """Normalized: 0.0 identical … 1.0 nothing in common."""
    before, after = as_text(before), as_text(after)
    if not before and not after:
        return 0.0
    return round(1.0 - difflib.SequenceMatcher(None, before, after, autojunk=False).ratio(), 4)
