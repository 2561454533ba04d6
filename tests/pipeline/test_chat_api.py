"""The chat-completions request fails exactly as the SDK's own request would: same exception, message, status, body."""
from __future__ import annotations

import socket

import httpx2
import openai
import pytest

from papers.summarizers.chat_api import ChatCompletions

from .fake_openai import FakeOpenAI


def outcome(call):
    try:
        response = call()
    except openai.APIError as exc:
        return type(exc), exc.message, getattr(exc, "status_code", None), exc.body
    return response.status_code, response.json()


@pytest.mark.parametrize("behaviour", ["good", "429", "500", "401", "400", "slow"])
def test_each_answer_is_what_the_sdk_makes_of_it(behaviour):
    with FakeOpenAI((behaviour,)) as server:
        ours = ChatCompletions(base_url=server.url, api_key="key", timeout=1.0)
        sdk = openai.OpenAI(base_url=server.url, api_key="key", timeout=1.0, max_retries=0)
        body = {"model": "m", "messages": [{"role": "user", "content": "标题"}]}
        mine = outcome(lambda: ours.post(ours.encode(body)))
        theirs = outcome(lambda: sdk.post("/chat/completions", body=body, cast_to=httpx2.Response))
        if behaviour == "good":  # the answers differ in their creation time only
            mine[1].pop("created"), theirs[1].pop("created")
        assert mine == theirs
        assert server.calls[0] == server.calls[1] == body


def test_an_unreachable_server_is_a_connection_error():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    ours = ChatCompletions(base_url=f"http://127.0.0.1:{port}/v1", api_key="key", timeout=1.0)
    with pytest.raises(openai.APIConnectionError):
        ours.post(b"{}")


def test_the_request_carries_the_sdks_headers(monkeypatch):
    monkeypatch.setenv("OPENAI_ORG_ID", "org-test")
    ours = ChatCompletions(base_url="http://127.0.0.1:1/v1", api_key="key", timeout=1.0)
    assert str(ours.url) == "http://127.0.0.1:1/v1/chat/completions"
    assert ours.headers["Authorization"] == "Bearer key" and ours.headers["OpenAI-Organization"] == "org-test"
    assert ours.headers["Content-Type"] == "application/json" and ours.headers["User-Agent"].startswith("OpenAI/")
