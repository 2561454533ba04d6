"""Summarizer backends behind one interface; ``settings.SUMMARIZER_BACKEND`` picks one."""
from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from .base import Summarizer, SummarizerResult


def get_backend(name: str | None = None) -> Summarizer:
    """The configured backend, one instance per process and configuration.

    Building an OpenAI client loads the CA bundle and a connection pool (~40 ms
    of CPU); reusing it keeps connections alive across tasks.
    """
    name = name or settings.SUMMARIZER_BACKEND
    return _backend(name, settings.SUMMARIZER_MODEL, settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY,
                    settings.SUMMARIZER_TIMEOUT, settings.SUMMARIZER_RESPONSE_FORMAT)


@lru_cache(maxsize=8)
def _backend(name: str, *configuration) -> Summarizer:
    if name == "offline":
        from .offline import OfflineSummarizer

        return OfflineSummarizer()
    if name == "openai":
        from .openai_compatible import OpenAICompatibleSummarizer

        return OpenAICompatibleSummarizer()
    raise ValueError(f"unknown summarizer backend “{name}” (known: offline, openai)")


__all__ = ["Summarizer", "SummarizerResult", "get_backend"]
