"""Which section a newly fetched paper belongs in, from its title and abstract.

Ordered rules, first match wins; editors can change the topic on the desk.
The slugs are the sections seeded by papers/migrations/0002_seed_topics.py.
"""
from __future__ import annotations

import re

RULES = [
    ("rag", re.compile(r"retrieval[- ]augment|\bRAG\b|retriever|knowledge[- ]grounded", re.I)),
    ("agent", re.compile(r"\bagents?\b|agentic|multi-agent|tool[- ]use|web navigation", re.I)),
    ("llm-theory", re.compile(r"scaling law|theoretical|interpretab|mechanistic|in-context learning theory|"
                              r"convergence|expressiv|pre-training dynamics|trustworthiness dynamics", re.I)),
]
DEFAULT = "llm-applications"


def classify_topic(title: str, abstract: str) -> str:
    text = f"{title} {abstract}"
    for slug, pattern in RULES:
        if pattern.search(text):
            return slug
    return DEFAULT
