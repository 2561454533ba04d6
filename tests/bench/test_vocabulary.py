"""The bench vocabulary: Zipf-shaped, and its Chinese text segments as the site's search segments it."""
from __future__ import annotations

import random

from bench import vocabulary
from bench.search_terms import all_terms, classify
from papers.services.search_index import segment


def test_the_chinese_words_of_a_bench_abstract_are_what_the_search_index_makes_of_it():
    rng = random.Random(3)
    for _ in range(300):
        sentences = vocabulary.chinese_abstract(rng)
        assert vocabulary.chinese_segmented(sentences) == segment(vocabulary.chinese_text(sentences))


def test_a_few_hundred_terms_are_common_and_most_are_rare():
    english, _ = vocabulary.english()
    assert len(english) == vocabulary.ENGLISH_TERMS == len(set(english))
    common = vocabulary.document_frequency_rank(0.10, tokens=190)
    rare = vocabulary.document_frequency_rank(0.001, tokens=190)
    assert 100 < common < 400 and rare < 0.55 * len(english)  # about half the vocabulary is rare
    words = vocabulary.english_words(random.Random(1), 200_000)
    assert words.count(english[0]) > 50 * max(1, words.count(english[5000]))


def test_the_search_words_come_in_four_kinds_of_each_two_languages():
    terms = all_terms()
    assert set(terms) == {"common en", "rare en", "common zh", "rare zh"}
    assert all(len(t) == 2 for t in terms["rare zh"] + terms["common zh"])
    assert all(t.isascii() for t in terms["rare en"] + terms["common en"])
    assert (classify(150, 1000), classify(5, 10_000), classify(50, 10_000)) == ("common", "rare", "middle")
