from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass
class SummarizerResult:
    output: dict  # Summary text fields → value
    raw: str = ""
    tokens_in: int | None = None
    tokens_out: int | None = None
    latency_ms: int | None = None
    cost_usd: float | None = None


class Summarizer:
    """A backend: paper in, Summary fields out.  Subclasses set name, model, prompt_version."""

    name = ""
    model = ""
    prompt_version = ""

    def summarize(self, paper) -> SummarizerResult:  # pragma: no cover - interface
        raise NotImplementedError

    def input_hash(self, paper) -> str:
        """The same paper version, prompt version and model always hash alike."""
        key = "\x1f".join(
            [paper.arxiv_id, str(paper.version or ""), paper.title, paper.abstract, self.name, self.model, self.prompt_version]
        )
        return hashlib.sha256(key.encode()).hexdigest()
