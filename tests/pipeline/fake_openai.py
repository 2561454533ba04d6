"""A local HTTP server that speaks OpenAI chat completions, with scripted behaviour.

``script`` is a list of behaviours consumed one per call (the last one repeats):
"good", "invalid" (not JSON), "schema" (JSON missing fields), "english" (valid
but not Chinese), "429", "500", "401", "400", "slow", "html" (a 200 that is no API answer, as
from a captive portal or a misconfigured proxy).  Every call is recorded.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GOOD = {
    "headline_zh": "全知计划V2：让多模态大模型理解开放世界中物体之间的关系",
    "title_zh": "全知计划V2：迈向开放世界的通用关系理解",
    "abstract_zh": "我们提出全知计划V2，ASMv2 在关系理解基准上取得 52.04 的整体准确率，超过 LLaVA-1.5 的 43.14。",
    "tldr": "统一文本生成、定位与关系理解的多模态模型与数据集。",
    "key_points": ["提出关系对话任务 ReC", "发布 AS-V2 数据集", "提出 CRPE 基准"],
    "background": "多模态大模型常出现关系幻觉。",
    "prior_work": "以往工作缺少关系层面的数据。",
    "method": "把文本生成、物体定位与关系理解统一为关系对话任务。",
    "results": "CRPE 上整体准确率 52.04。",
    "conclusion": "推动通用人工智能的发展。",
    "keywords": ["多模态大模型", "关系理解", "基准"],
}


class FakeOpenAI:
    def __init__(self, script=("good",), latency: float = 0.0):
        self.script = list(script)
        self.latency = latency
        self.calls: list[dict] = []
        self.in_flight = self.most_in_flight = 0
        self.lock = threading.Lock()
        self.call_started = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                # Headers and body go out in two writes: without this a kept-alive client waits 40 ms
                # for a delayed ACK on every call.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with server.lock:
                    server.calls.append(body)
                    behaviour = server.script.pop(0) if len(server.script) > 1 else server.script[0]
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                server.call_started.set()
                try:
                    server.respond(self, behaviour, body)
                finally:
                    with server.lock:
                        server.in_flight -= 1

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def respond(self, handler, behaviour: str, body: dict):
        if self.latency:
            time.sleep(self.latency)
        if behaviour == "slow":
            time.sleep(5)
            behaviour = "good"
        if behaviour == "html":
            data = b"<html><body>Please sign in to the network</body></html>"
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
            return
        if behaviour in ("429", "500", "401", "400"):
            status = int(behaviour)
            payload = {"error": {"message": f"scripted {status}", "type": "scripted", "code": behaviour}}
            headers = {"Retry-After": "1"} if status == 429 else {}
            return self._send(handler, status, payload, headers)
        content = {
            "good": json.dumps(GOOD, ensure_ascii=False),
            "invalid": "Sure! Here is the summary: {not json",
            "schema": json.dumps({"headline_zh": "只有标题"}, ensure_ascii=False),
            "english": json.dumps({**GOOD, "title_zh": "The All-Seeing Project V2", "tldr": "https://arxiv.org/abs/2402.19474"}),
        }[behaviour]
        payload = {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 500, "completion_tokens": 300, "total_tokens": 800},
        }
        return self._send(handler, 200, payload)

    @staticmethod
    def _send(handler, status: int, payload: dict, headers: dict | None = None):
        data = json.dumps(payload, ensure_ascii=False).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        try:
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
