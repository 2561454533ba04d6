"""Summarizer backends behind one interface; ``settings.SUMMARIZER_BACKEND`` picks one."""
from __future__ import annotations

from django.conf import settings

from .base import Summarizer, SummarizerResult


def get_backend(name: str | None = None) -> Summarizer:
    name = name or settings.SUMMARIZER_BACKEND
    if name == "offline":
        from .offline import OfflineSummarizer

        return OfflineSummarizer()
    if name == "openai":
        from .openai_compatible import OpenAICompatibleSummarizer

        return OpenAICompatibleSummarizer()
    raise ValueError(f"unknown summarizer backend “{name}” (known: offline, openai)")


__all__ = ["Summarizer", "SummarizerResult", "get_backend"]
