import pytest

from tests.factories import AdminFactory, EditorFactory, ReviewerFactory
from tests.pipeline.conftest import fake_llm  # noqa: F401 - the scripted OpenAI server, reused

from papers.models import Digest, Summary
from papers.services.ingest import import_sources


@pytest.fixture
def users(db):
    """One of each desk role, by the names the tests and their audit logs use."""
    return {"editor": EditorFactory(username="editor"), "reviewer": ReviewerFactory(username="reviewer"),
            "admin": AdminFactory(username="boss")}


@pytest.fixture
def desk(seed_digest):
    """The seed digest of 2024-02-29 as drafts."""
    import_sources([str(seed_digest)])
    return Digest.objects.get(date="2024-02-29")


@pytest.fixture
def entry(desk):
    """The All-Seeing Project V2 entry: its Chinese abstract writes MMLMs for MLLMs (a real check finding)."""
    return Summary.objects.get(paper__arxiv_id="2402.19474")


@pytest.fixture
def clean_entry(desk):
    """An entry of the seed that passes every consistency check."""
    return Summary.objects.get(paper__arxiv_id="2402.19446")


@pytest.fixture
def client():
    """The desk in English, the source language its tests assert in (a Chinese desk asks: ``HTTP_ACCEPT_LANGUAGE``)."""
    from django.test import Client

    return Client(headers={"accept-language": "en"})


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
