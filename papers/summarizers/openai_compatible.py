"""Any OpenAI-compatible chat-completions API: OpenAI, DeepSeek, Qwen, vLLM, Ollama, llama.cpp.

One call writes every field in both languages, asked for with a JSON schema
(``response_format``) and validated before anything is saved.  Invalid output
is sent back once with the validation error; still invalid, the entry fails
with that reason.  The SDK's own retries are off: Celery retries transient
failures with backoff and jitter, across workers, honouring Retry-After.
"""
from __future__ import annotations

import json
import time

import openai
from django.conf import settings
from pydantic import ValidationError

from . import prompts, ratelimit
from .base import Summarizer, SummarizerResult
from .chat_api import ChatCompletions
from .errors import PermanentError, TransientError
from .output import SummaryOutput, json_schema


class OpenAICompatibleSummarizer(Summarizer):
    name = "openai"

    def __init__(self):
        self.model = settings.SUMMARIZER_MODEL
        self.prompt = prompts.load()
        self.prompt_version = self.prompt.version
        self.api = ChatCompletions(base_url=settings.OPENAI_BASE_URL, api_key=settings.OPENAI_API_KEY or "not-needed",
                                   timeout=settings.SUMMARIZER_TIMEOUT)

    def summarize(self, paper) -> SummarizerResult:
        from papers.glossary import prompt_block

        glossary = prompt_block(paper)
        authors = ", ".join(paper.author_names())
        messages = [
            {"role": "system", "content": "You write faithful Chinese summaries of research papers as JSON."},
            {"role": "user", "content": self.prompt.render(title=paper.title, authors=authors or "-",
                                                           abstract=paper.abstract, glossary=glossary)},
        ]
        usage = [0, 0]
        start = time.monotonic()
        raw = self._call(messages, usage)
        try:
            output = self._validate(raw)
        except PermanentError as first_error:
            messages += [
                {"role": "assistant", "content": raw},
                {"role": "user", "content": f"That answer was invalid: {first_error}. "
                                            "Reply again with one JSON object that matches the schema exactly."},
            ]
            raw = self._call(messages, usage)
            output = self._validate(raw)  # a second invalid answer fails the entry
        latency = int((time.monotonic() - start) * 1000)
        cost = (usage[0] * settings.SUMMARIZER_PRICE_IN + usage[1] * settings.SUMMARIZER_PRICE_OUT) / 1_000_000
        return SummarizerResult(output={**output, "summary_language": "zh"}, raw=raw, tokens_in=usage[0],
                                tokens_out=usage[1], latency_ms=latency, cost_usd=round(cost, 6))

    def _call(self, messages: list[dict], usage: list[int]) -> str:
        limits = f"llm:{self.name}:{self.model}"
        content = self.api.encode({"model": self.model, "messages": messages, "temperature": 0.2,
                                   "response_format": response_format()})
        try:
            # The slot is released as soon as the answer is in: saving it overlaps with the next call.
            with ratelimit.slot(limits, settings.SUMMARIZER_CONCURRENCY, lease=settings.SUMMARIZER_TIMEOUT + 30):
                ratelimit.acquire(limits, settings.SUMMARIZER_RPM)
                response = self.api.post(content)
        except TimeoutError as exc:  # waited too long for a slot or the per-minute window: try again later
            raise TransientError(str(exc)) from exc
        except openai.RateLimitError as exc:
            raise TransientError(f"rate limited (429): {exc}", retry_after=_retry_after(exc)) from exc
        except openai.InternalServerError as exc:
            raise TransientError(f"server error ({exc.status_code})", retry_after=_retry_after(exc)) from exc
        except (openai.APITimeoutError, openai.APIConnectionError) as exc:
            raise TransientError(f"no answer: {exc.__class__.__name__}") from exc
        except openai.APIStatusError as exc:  # 400, 401, 403, 404, 422 …: asking again will not help
            raise PermanentError(f"the API refused the request ({exc.status_code}): {exc.message}") from exc
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise PermanentError(f"the API's answer is not a JSON object: {response.text[:200]}", raw=response.text)
        counts = answer.get("usage") or {}
        usage[0] += counts.get("prompt_tokens") or 0
        usage[1] += counts.get("completion_tokens") or 0
        choices = answer.get("choices") or [{}]
        return (choices[0].get("message") or {}).get("content") or ""

    @staticmethod
    def _validate(raw: str) -> dict:
        text = raw.strip()
        if text.startswith("```"):  # some models fence JSON despite the schema
            text = text.strip("`").removeprefix("json").strip()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PermanentError(f"not JSON ({exc.msg} at column {exc.colno})", raw=raw) from exc
        try:
            return SummaryOutput.model_validate(data).model_dump()
        except ValidationError as exc:
            details = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in exc.errors()[:5])
            raise PermanentError(f"does not match the schema: {details}", raw=raw) from exc


def response_format() -> dict:
    kind = settings.SUMMARIZER_RESPONSE_FORMAT
    if kind == "json_object_schema":  # llama.cpp's server constrains output with a grammar from the schema
        return {"type": "json_object", "schema": json_schema(lengths=False)}
    if kind == "json_object":
        return {"type": "json_object"}
    return {"type": "json_schema", "json_schema": {"name": "paper_summary", "schema": json_schema(), "strict": True}}


def _retry_after(exc) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value else None
    except ValueError:
        return None
