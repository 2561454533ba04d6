"""Prompts are versioned files: ``papers/prompts/<name>-v<N>.md``; the file name is the version."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
CURRENT = "summarize-v1"


@dataclass(frozen=True)
class Prompt:
    version: str
    template: str

    def render(self, *, title: str, authors: str, abstract: str, glossary: str = "") -> str:
        return self.template.format(title=title, authors=authors, abstract=abstract, glossary=glossary)


@lru_cache(maxsize=8)
def load(version: str = CURRENT) -> Prompt:
    return Prompt(version=version, template=(PROMPTS / f"{version}.md").read_text(encoding="utf-8"))
