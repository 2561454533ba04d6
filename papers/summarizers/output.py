"""What a backend must return, checked before anything is saved.

The JSON schema goes to the model (``response_format``); pydantic validates
the answer.  Plausibility checks then flag output that is valid JSON but
plainly wrong in kind — an English "Chinese" title, a URL as the one-line
summary — so editors see it before anything could reach readers.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, field_validator

from papers.importers.text import CJK_RE, collapse
from papers.markup import plain_text

CHINESE_FIELDS = ("headline_zh", "title_zh", "abstract_zh", "tldr")


class SummaryOutput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    headline_zh: str = Field(min_length=1, max_length=300)
    title_zh: str = Field(min_length=1, max_length=500)
    abstract_zh: str = Field(min_length=1, max_length=6000)
    tldr: str = Field(min_length=1, max_length=500)
    key_points: list[str] = Field(min_length=1, max_length=10)
    background: str = Field(max_length=2000)
    prior_work: str = Field(max_length=2000)
    method: str = Field(max_length=2000)
    results: str = Field(max_length=2000)
    conclusion: str = Field(max_length=2000)
    keywords: list[str] = Field(max_length=12)

    @field_validator("headline_zh", "title_zh", "abstract_zh", "tldr", "background", "prior_work", "method",
                     "results", "conclusion")
    @classmethod
    def _plain(cls, value: str) -> str:
        """These are plain text on every page and feed: markup a model wrote is removed, its words kept."""
        return plain_text(value).strip()

    @field_validator("key_points", "keywords")
    @classmethod
    def _plain_keywords(cls, values: list[str]) -> list[str]:
        return [text for value in values if (text := plain_text(value).strip())]


@lru_cache(maxsize=2)
def _schema(lengths: bool) -> str:
    schema = SummaryOutput.model_json_schema()
    schema["additionalProperties"] = False
    schema["required"] = list(SummaryOutput.model_fields)
    if not lengths:
        for prop in schema["properties"].values():
            for key in ("maxLength", "minLength", "maxItems", "minItems"):
                prop.pop(key, None)
    return json.dumps(schema)


def json_schema(*, lengths: bool = True) -> dict:
    """The schema sent to the model.  Grammar-constrained servers (llama.cpp) get it
    without length limits, which they would unroll into an enormous grammar;
    pydantic still checks the limits on the answer.  Built once per process (it is the same every call)."""
    return json.loads(_schema(lengths))


URL_RE = re.compile(r"^\s*https?://\S+\s*$")


def plausibility_problems(output: dict, *, title: str) -> list[str]:
    """Reasons a valid answer is still wrong in kind (empty list: looks fine)."""
    problems = []
    for name in CHINESE_FIELDS:
        if output.get(name) and not CJK_RE.search(output[name]):
            problems.append(f"{name} has no Chinese in it")
    tldr = output.get("tldr", "")
    if URL_RE.match(tldr):
        problems.append("the one-line summary is a URL")
    if tldr and collapse(tldr).lower() == collapse(title).lower():
        problems.append("the one-line summary copies the title")
    return problems
