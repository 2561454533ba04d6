"""The offline default: an extractive English summary, no network, no model.

Sentences of the abstract are ranked TextRank-style (each sentence scores by
its word overlap with the others, i.e. how central it is); the best one is the
one-line summary and the best three, in their original order, are the key
points.  Chinese fields stay empty: editors see the entry needs translating.
"""
from __future__ import annotations

import math
import re
import time

from .base import Summarizer, SummarizerResult

SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\\$])")
WORD_RE = re.compile(r"[A-Za-z][A-Za-z\-]+")
STOP = set("""a an the of to in on for and or with by from as at is are was were be been this that these those we our
it its their can which into than then also such using use used via not but more most over under between both each""".split())


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_RE.split(" ".join(text.split())) if len(s.strip()) > 20]


def _words(sentence: str) -> set[str]:
    return {w.lower() for w in WORD_RE.findall(sentence) if w.lower() not in STOP}


def rank(parts: list[str], iterations: int = 30, damping: float = 0.85) -> list[float]:
    words = [_words(s) for s in parts]
    n = len(parts)
    weights = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            if i != j and words[i] and words[j]:
                overlap = len(words[i] & words[j])
                if overlap:
                    weights[i][j] = overlap / (math.log(len(words[i]) + 1) + math.log(len(words[j]) + 1))
    scores = [1.0] * n
    for _ in range(iterations):
        scores = [
            (1 - damping) + damping * sum(weights[j][i] / (sum(weights[j]) or 1) * scores[j] for j in range(n))
            for i in range(n)
        ]
    return scores


class OfflineSummarizer(Summarizer):
    name = "offline"
    model = "textrank"
    prompt_version = "extractive-1"

    def summarize(self, paper) -> SummarizerResult:
        start = time.monotonic()
        parts = sentences(paper.abstract or "")
        if not parts:
            output = {"tldr": paper.title, "key_points": []}
        else:
            scores = rank(parts)
            best = sorted(range(len(parts)), key=lambda i: -scores[i])
            output = {"tldr": parts[best[0]], "key_points": [parts[i] for i in sorted(best[:3])]}
        output.update(summary_language="en")
        return SummarizerResult(output=output, raw="", latency_ms=int((time.monotonic() - start) * 1000))
