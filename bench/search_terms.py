"""The words the benches search for: common and rare, English and Chinese, from the bench vocabulary.

A search's cost follows how many papers its words match, so the benches
report common words (in at least 10% of papers) and rare ones (under 0.1%)
apart.  Words are picked by their rank in ``bench.vocabulary`` and classed by
what they really match in the database (``classify``), so a pick that lands in
neither class is reported as such, never filed under the wrong one.
"""
from __future__ import annotations

COMMON_SHARE, RARE_SHARE = 0.10, 0.001

# (language, rank in the vocabulary) or ("word", the word): common English words named (the head of the
# ranking holds stop words, which PostgreSQL drops); Chinese two-character words (a longer one would also
# match through the shorter words inside it).
PICKS = {
    "common en": [("word", "reinforcement"), ("word", "adversarial"), ("english", 160)],
    "rare en": [("english", rank) for rank in (25_000, 31_000, 37_000)],
    "common zh": [("chinese", rank) for rank in (8, 30, 55)],
    "rare zh": [("chinese", rank) for rank in (12_000, 15_000, 18_000)],
}


def _pick(language: str, rank: int | str) -> str:
    from bench import vocabulary

    if language == "word":
        return rank

    terms = vocabulary.english()[0] if language == "english" else vocabulary.chinese()[0]
    index = rank - 1
    if language == "chinese":  # the nearest two-character word at or after that rank
        while len(terms[index]) != 2:
            index += 1
    return terms[index]


def pick_terms() -> dict[str, str]:
    """One word per class (the first pick): for pages that need a single query of each kind."""
    return {name: _pick(*picks[0]) for name, picks in PICKS.items()}


def all_terms() -> dict[str, list[str]]:
    return {name: [_pick(*pick) for pick in picks] for name, picks in PICKS.items()}


def classify(matches: int, total: int) -> str:
    share = matches / total if total else 0.0
    return "common" if share >= COMMON_SHARE else "rare" if share < RARE_SHARE else "middle"
