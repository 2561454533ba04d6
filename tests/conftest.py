"""Test-wide fixtures.  The suite runs on the real PostgreSQL and Redis.

If either is unreachable the run stops with an error before any test:
tests that would silently skip or fall back to SQLite prove nothing.
"""
from __future__ import annotations

import socket
import urllib.parse
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.db.models.signals import pre_migrate
from django.dispatch import receiver

DATA = Path(__file__).parent / "data"
SEEDS = Path(__file__).parent.parent / "demo" / "seeds"  # the two real digests, shared with the demo


def _reachable(url: str, default_port: int) -> tuple[bool, str]:
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        with socket.create_connection((host, port), timeout=3):
            return True, f"{host}:{port}"
    except OSError as exc:
        return False, f"{host}:{port} ({exc})"


ARTIFACTS = Path(__file__).parent / "artifacts"  # screenshots and logs of a run; ignored by git


def pytest_sessionstart(session):
    ARTIFACTS.mkdir(exist_ok=True)
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise pytest.UsageError(f"tests need PostgreSQL, DATABASE_URL points at {db['ENGINE']}")
    problems = []
    ok, where = _reachable(f"postgres://{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}", 5432)
    if not ok:
        problems.append(f"PostgreSQL unreachable at {where}")
    ok, where = _reachable(settings.REDIS_URL, 6379)
    if not ok:
        problems.append(f"Redis unreachable at {where}")
    if problems:
        raise pytest.UsageError("; ".join(problems) + " — start the services (see README) and run again")


@receiver(pre_migrate)
def _replica_extensions(sender, using, **kwargs):
    """The stand-in replica's tables come from the models, not the migrations (config/settings/test.py):
    the extensions that migrations create must be there before its indexes are."""
    if using == "replica":
        with connections[using].cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


def pytest_collection_modifyitems(items):
    """Every transactional test starts from the data the migrations wrote.

    A transactional test empties every table when it ends.  Without serialized
    rollback the next one would find no groups, topics or glossary, and Django's
    post-migrate signal would have re-created content types that the next
    serialized restore then collides with: which test failed depended on the
    order.  With it on for all of them, each restores the same starting data.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            item.add_marker(pytest.mark.django_db(**{**marker.kwargs, "serialized_rollback": True}), append=False)


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def seed_digest() -> Path:
    return SEEDS / "000_d5c0faa7ab539173.txt"


@pytest.fixture
def seed_hexo() -> Path:
    return SEEDS / "003_2b154e7610c01647.txt"


@pytest.fixture
def published(seed_digest, seed_hexo):
    """Both seeds imported with their entries published, as readers see them."""
    from papers.services.ingest import IngestOptions, import_sources

    import_sources([str(seed_digest), str(seed_hexo)], options=IngestOptions(publish=True))


@pytest.fixture(autouse=True)
def _empty_redis():
    """Every test starts with an empty test Redis database.

    Rendered pages, the topic lists and rate-limit windows live there, and the
    database rolls back after each test while Redis does not: a page cached by
    one test would otherwise be served to whichever test runs next.
    """
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _source_language_outside_requests():
    """Code a test calls directly (imports, the workflow, the checks) speaks English, the source language.

    Outside a request Django speaks LANGUAGE_CODE, Chinese, as the scheduler and
    the commands do in production; a request speaks what it asks for
    (Accept-Language, the language cookie), in tests as everywhere.  Tests of
    the Chinese text ask for it (``translation.override("zh-hans")`` or the
    header).
    """
    from django.utils import translation

    with translation.override("en"):
        yield
