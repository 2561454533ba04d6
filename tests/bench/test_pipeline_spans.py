"""bench.pipeline's fake LLM server: the calls it counts at once never outlast the caller's slot."""
from __future__ import annotations

import json
import time
import urllib.request

from bench.pipeline import most_at_once, timed_server


def test_a_calls_span_ends_before_its_answer_reaches_the_caller():
    """The worker frees its slot as soon as the answer is in, and may start its next call at once: a span that
    ended after the answer was written overlapped that next call, and a run under a cap of 32 counted 33."""
    with timed_server(0.0) as server:
        body = json.dumps({"model": "m", "messages": []}).encode()
        for _ in range(20):
            request = urllib.request.Request(f"{server.url}/chat/completions", data=body,
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request) as response:
                assert response.status == 200 and json.load(response)["choices"]
            received = time.perf_counter()
            with server.lock:
                began, ended = server.spans[-1]
            assert began <= ended <= received
        assert len(server.spans) == 20
        assert most_at_once(server.spans) == 1  # one caller, one call at a time
