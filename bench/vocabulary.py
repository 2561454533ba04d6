"""A bench vocabulary with the shape of real text: tens of thousands of terms, Zipf-distributed.

A search engine's cost depends on how many documents a term matches, and in
real abstracts that follows Zipf's law: a few hundred words appear in more than
one paper in ten, and most of the vocabulary in fewer than one in a thousand.
A small vocabulary drawn uniformly makes every word common (a 190-word list
matched three papers in four with any word), so neither the broad nor the
narrow search a reader makes gets measured.

English: the hand-written list of ``bench.import_snapshot`` (function words and
the field's own words) heads the ranking, followed by pronounceable made-up
terms.  Chinese: the words of jieba's own dictionary, most frequent first, so
that segmenting a term gives the term (and the shorter words inside it, as
search-engine mode does for the real text).  Weights are Zipf–Mandelbrot,
1 / (rank + 2.7): with about 190 words of title and abstract, the terms ranked
up to ~190 match at least 10% of papers and those past ~20,000 under 0.1%.
"""
from __future__ import annotations

import itertools
import random
from functools import lru_cache
from pathlib import Path

ENGLISH_TERMS = 40_000
CHINESE_TERMS = 20_000
ZIPF_SHIFT = 2.7
SEED = 1_000_003

ONSETS = ("b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "qu", "r", "s", "t", "v", "z",
          "br", "cl", "dr", "fl", "gr", "pl", "pr", "sc", "st", "tr", "sp", "ch", "th", "sh", "")
NUCLEI = ("a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y")
CODAS = ("", "", "n", "r", "s", "l", "x", "m", "nt", "rk", "st", "ph")


def zipf_cumulative(size: int) -> list[float]:
    """Cumulative Zipf–Mandelbrot weights for ranks 1..size (for ``random.choices(cum_weights=…)``)."""
    return list(itertools.accumulate(1.0 / (rank + ZIPF_SHIFT) for rank in range(1, size + 1)))


def made_up_words(count: int, exclude: set[str], seed: int = SEED) -> list[str]:
    """``count`` distinct pronounceable lower-case words of two or three syllables."""
    rng, words, seen = random.Random(seed), [], set(exclude)
    while len(words) < count:
        word = "".join(rng.choice(ONSETS) + rng.choice(NUCLEI) for _ in range(rng.randint(2, 3))) + rng.choice(CODAS)
        if word not in seen and len(word) >= 5:
            seen.add(word)
            words.append(word)
    return words


@lru_cache(maxsize=1)
def english() -> tuple[list[str], list[float]]:
    """(terms by rank, cumulative weights)."""
    from bench.import_snapshot import WORDS

    # The list repeats its function words to weight them: those rank first.
    head = sorted(dict.fromkeys(WORDS), key=lambda word: -WORDS.count(word))
    terms = head + made_up_words(ENGLISH_TERMS - len(head), set(head))
    return terms, zipf_cumulative(len(terms))


@lru_cache(maxsize=1)
def chinese() -> tuple[list[str], list[float]]:
    """(terms by rank, cumulative weights): jieba's dictionary words of 2–4 Han characters, most frequent first."""
    import jieba

    entries = []
    with (Path(jieba.__file__).parent / "dict.txt").open(encoding="utf-8") as lines:
        for line in lines:
            word, frequency, *_ = line.split()
            if 2 <= len(word) <= 4 and all("\u4e00" <= ch <= "\u9fa5" for ch in word):
                entries.append((int(frequency), word))
    entries.sort(key=lambda item: (-item[0], item[1]))
    terms = [word for _, word in entries[:CHINESE_TERMS]]
    return terms, zipf_cumulative(len(terms))


def english_words(rng: random.Random, k: int) -> list[str]:
    terms, weights = english()
    return rng.choices(terms, cum_weights=weights, k=k)


def chinese_words(rng: random.Random, k: int) -> list[str]:
    terms, weights = chinese()
    return rng.choices(terms, cum_weights=weights, k=k)


CLAUSE_TERMS = (3, 8)
ZH_ABSTRACT_TERMS = (40, 80)


def chinese_abstract(rng: random.Random) -> list[list[str]]:
    """A Chinese abstract as sentences of terms (join with ``chinese_text``)."""
    words, sentences, start = chinese_words(rng, rng.randint(*ZH_ABSTRACT_TERMS)), [], 0
    while start < len(words):
        end = start + rng.randint(*CLAUSE_TERMS)
        sentences.append(words[start:end])
        start = end
    return sentences


def chinese_text(sentences: list[list[str]]) -> str:
    """Terms apart with 、, sentences ending in 。: each term stays a unit for jieba."""
    return "".join("、".join(terms) + "。" for terms in sentences)


@lru_cache(maxsize=None)
def _segmented(term: str) -> str:
    from papers.services.search_index import segment

    return segment(term)


def chinese_segmented(sentences: list[list[str]]) -> str:
    """``papers.services.search_index.segment(chinese_text(sentences))`` without running jieba on the whole text.

    jieba cuts text at every character outside its word characters before it
    looks for words, so each term is segmented on its own and the result is the
    same (checked on a sample by bench.pages and by tests/bench/test_vocabulary.py).
    """
    return " ".join(" 、 ".join(_segmented(t) for t in terms) + " 。" for terms in sentences)


def document_frequency_rank(fraction: float, tokens: int, kind: str = "english") -> int:
    """The rank whose term is expected in about ``fraction`` of documents of ``tokens`` terms."""
    terms, weights = english() if kind == "english" else chinese()
    total = weights[-1]
    for rank in range(1, len(terms) + 1):
        p = (1.0 / (rank + ZIPF_SHIFT)) / total
        if 1 - (1 - p) ** tokens < fraction:
            return rank
    return len(terms)
