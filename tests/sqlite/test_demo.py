"""``manage.py demo`` as ``make demo`` runs it: a fresh SQLite file, migrated, the seeds published."""
from __future__ import annotations

import re

from django.db.migrations.loader import MigrationLoader

from tests.sqlite.helpers import SEED_AUTHORSHIPS, SEED_PAPERS, query


def test_demo_migrates_a_fresh_database_publishes_both_seeds_and_prints_a_login(demo_database):
    database, run = demo_database
    content, login = run.out.splitlines()
    assert content == f"demo content: {SEED_PAPERS} created, 0 updated, 0 unchanged, 0 failed (import batch #1)"
    assert re.fullmatch(r"admin login: admin / [\w-]{16}", login), login

    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    assert set(query(database, "SELECT app, name FROM django_migrations")) == on_disk
    assert query(database, "SELECT status, count(*) FROM papers_summary GROUP BY status") == [("published", SEED_PAPERS)]
    assert query(database, "SELECT date, status FROM papers_digest ORDER BY date") == [
        ("2024-01-24", "published"), ("2024-02-29", "published"),
    ]
    assert query(database, "SELECT count(*) FROM papers_authorship") == [(SEED_AUTHORSHIPS,)]
    assert query(database, "SELECT is_staff, is_superuser FROM auth_user WHERE username = 'admin'") == [(1, 1)]

