"""The chat-completions request: the SDK's client settings and exceptions, without its per-request machinery.

Sent through the SDK, each call went through typed request options, header
merging and URL parsing, and back (~1 ms of CPU a call), inside the concurrency
slot, where that CPU also holds up the next call waiting for the slot.  Here the
URL and headers are taken once from an SDK client (authentication, the
organization and project from the environment, the user agent), the body is
encoded before the slot is taken, and a failure becomes the exception the SDK
raises for it (same class, message and attributes), so callers handle the
SDK's errors as before.
"""
from __future__ import annotations

import json

import httpx2
import openai

STATUS_ERRORS = {
    400: openai.BadRequestError, 401: openai.AuthenticationError, 403: openai.PermissionDeniedError,
    404: openai.NotFoundError, 409: openai.ConflictError, 422: openai.UnprocessableEntityError,
    429: openai.RateLimitError,
}


class ChatCompletions:
    """``POST {base_url}/chat/completions`` on one kept-alive connection pool per process (thread-safe)."""

    def __init__(self, *, base_url: str, api_key: str, timeout: float):
        sdk = openai.OpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=0)
        try:
            self.url = sdk.base_url.join("chat/completions")
            self.headers = {k: v for k, v in {**sdk.default_headers, **sdk.auth_headers}.items() if isinstance(v, str)}
        finally:
            sdk.close()
        self.http = openai.DefaultHttpx2Client(timeout=timeout)  # the SDK's own defaults (limits, redirects)

    @staticmethod
    def encode(body: dict) -> bytes:
        return json.dumps(body, ensure_ascii=False).encode()

    def post(self, content: bytes) -> httpx2.Response:
        """The answer (read); the SDK's APIStatusError subclasses, APITimeoutError or APIConnectionError if none."""
        request = self.http.build_request("POST", self.url, content=content, headers=self.headers)
        try:
            response = self.http.send(request)
        except httpx2.TimeoutException as exc:
            raise openai.APITimeoutError(request=request) from exc
        except Exception as exc:
            raise openai.APIConnectionError(request=request) from exc
        if response.status_code >= 400:
            raise status_error(response)
        return response


def status_error(response: httpx2.Response) -> openai.APIStatusError:
    """The exception the SDK raises for this answer, with its message ("Error code: 429 - <the API's message>")."""
    message, body = f"Error code: {response.status_code}", response.text.strip()
    try:
        body = json.loads(body)
    except ValueError:
        pass
    else:
        error = body.get("error", body) if isinstance(body, dict) else None
        text = error.get("message") if isinstance(error, dict) else None
        if isinstance(text, str) and text:
            message += f" - {text}"
    data = body.get("error", body) if isinstance(body, dict) else body
    kind = openai.InternalServerError if response.status_code >= 500 else STATUS_ERRORS.get(
        response.status_code, openai.APIStatusError)
    return kind(message, response=response, body=data)
