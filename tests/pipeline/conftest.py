"""Pipeline fixtures: the fake OpenAI server, a local arXiv API, and a real Celery worker."""
from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from .fake_openai import FakeOpenAI  # noqa: F401 (fixtures below)

ROOT = Path(__file__).resolve().parents[2]
RECORDED_API = Path(__file__).resolve().parents[1] / "data" / "arxiv_api_response.xml"


@pytest.fixture
def fake_llm(settings):
    servers = []

    def start(*script, latency=0.0, timeout=2.0):
        server = FakeOpenAI(script or ("good",), latency=latency).__enter__()
        servers.append(server)
        settings.SUMMARIZER_BACKEND = "openai"
        settings.OPENAI_BASE_URL = server.url
        settings.OPENAI_API_KEY = "test-key"
        settings.SUMMARIZER_MODEL = "fake-model"
        settings.SUMMARIZER_TIMEOUT = timeout
        settings.SUMMARIZER_RPM = 0
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture
def arxiv_api(settings):
    """The arXiv API served locally from a recorded response (every query gets the recording)."""
    state = {"body": RECORDED_API.read_bytes()}
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            requests.append((self.path, self.headers.get("User-Agent")))
            body = state["body"]
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.ARXIV_API_URL = f"http://127.0.0.1:{server.server_port}/api/query"
    settings.ARXIV_DELAY_SECONDS = 0
    state.update(url=settings.ARXIV_API_URL, requests=requests)
    yield state  # tests may swap state["body"] for another recording
    server.shutdown()


class Worker:
    """``celery worker`` in a subprocess, on the test database and the test Redis."""

    def __init__(self, env: dict):
        self.env = env
        self.proc = None

    def start(self, **extra_env):
        env = {**self.env, **{k: str(v) for k, v in extra_env.items()}}
        self.log = open(ROOT / "tests" / "artifacts" / "worker.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--queues", "default,fetch,llm,mail",
             "--pool", "threads", "--concurrency", "4", "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        from config.celery import app

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the worker exited; see tests/artifacts/worker.log")
            if app.control.ping(timeout=0.5):
                return self
        raise RuntimeError("the worker did not start in 30 s; see tests/artifacts/worker.log")

    def kill(self):
        """SIGKILL, as an out-of-memory killer or a lost machine would."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker(settings, fake_llm):
    """Start with ``worker.start()`` once the fake LLM and the arXiv API are set up."""
    from config.celery import app

    (ROOT / "tests" / "artifacts").mkdir(exist_ok=True)
    app.conf.task_always_eager = False
    for queue in ("default", "fetch", "llm", "mail"):
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(queue)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "False",
        "SECRET_KEY": "test",
    }
    created = []

    def make(**extra_env):
        w = Worker({**env, "SUMMARIZER_BACKEND": settings.SUMMARIZER_BACKEND, "OPENAI_BASE_URL": settings.OPENAI_BASE_URL,
                    "OPENAI_API_KEY": "test-key", "SUMMARIZER_MODEL": settings.SUMMARIZER_MODEL,
                    "SUMMARIZER_TIMEOUT": str(settings.SUMMARIZER_TIMEOUT), "SUMMARIZER_RPM": "0",
                    "ARXIV_API_URL": settings.ARXIV_API_URL, "ARXIV_DELAY_SECONDS": "0", **extra_env})
        created.append(w)
        return w

    yield make
    for w in created:
        w.stop()
    app.conf.task_always_eager = True


def wait_for(predicate, timeout=60.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting")
