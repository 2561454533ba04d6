"""The SQLite job: the demo's path, end to end, on the database the demo uses.

The main suite runs on PostgreSQL only, so the SQLite branches of search, the
bulk import and the migrations run here, on settings of their own
(``config.settings.test_sqlite``: SQLite, local-memory cache, eager Celery).
In-process tests use pytest-django's in-memory database, migrated forwards
at the start of the run; ``manage.py`` runs as a subprocess on a SQLite file,
exactly as ``make demo`` runs it.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.papers.helpers import run_import
from tests.sqlite.helpers import SEEDS, Run, manage


def pytest_sessionstart(session):
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.sqlite3":
        raise pytest.UsageError(f"the SQLite job needs SQLite, its settings point at {engine}")


@pytest.fixture(autouse=True)
def _empty_cache():
    """The local-memory cache outlives each test's rolled-back database: start every test without it."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def published(db) -> str:
    """Both seeds imported and published by the import command, as the demo does; what it printed."""
    run = run_import(str(SEEDS), "--publish")
    assert run.code == 0, run.err
    return run.out


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory) -> tuple[Path, Run]:
    """A fresh SQLite file set up by ``manage.py demo`` (migrate, import, publish); and what it printed.

    Made once: tests that change it work on a copy.
    """
    database = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    run = manage("demo", database=database)
    assert run.code == 0, run.err
    return database, run
