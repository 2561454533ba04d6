"""``manage.py demo`` as ``make demo`` runs it: a fresh SQLite file, migrated, a day published, a day to review."""
from __future__ import annotations

import re
import shutil
import sqlite3

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db.migrations.loader import MigrationLoader

from tests.sqlite.helpers import SEED_AUTHORSHIPS, SEED_PAPERS, manage, query

PUBLISHED_DAY, DRAFT_DAY = 14, 28  # entries of the Hexo seed (2024-01-24) and of the digest seed (2024-02-29)
LOGIN_RE = re.compile(r"(admin|editor|reviewer) login: (\w+) / ([\w-]{16})")


def logins(out: str) -> dict[str, tuple[str, str]]:
    return {role: (username, password) for role, username, password in LOGIN_RE.findall(out)}


def test_demo_migrates_a_fresh_database_publishes_one_day_and_drafts_the_other(demo_database):
    database, run = demo_database
    lines = run.out.splitlines()
    assert lines[:3] == [
        f"published day: {PUBLISHED_DAY} created, 0 updated, 0 unchanged, 0 failed (import batch #1)",
        f"draft day: {DRAFT_DAY} created, 0 updated, 0 unchanged, 0 failed (import batch #2)",
        f"to review: the digest of 2024-02-29 (all topics, draft), {DRAFT_DAY} entries; "
        f"{DRAFT_DAY} drafted by the offline summarizer this run",
    ]
    assert PUBLISHED_DAY + DRAFT_DAY == SEED_PAPERS

    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    assert set(query(database, "SELECT app, name FROM django_migrations")) == on_disk
    assert query(database, "SELECT date, status FROM papers_digest ORDER BY date") == [
        ("2024-01-24", "published"), ("2024-02-29", "draft"),
    ]
    by_day = """SELECT d.date, s.status, count(*) FROM papers_summary s
                JOIN papers_digestentry e ON e.paper_id = s.paper_id JOIN papers_digest d ON d.id = e.digest_id
                GROUP BY d.date, s.status ORDER BY d.date"""
    assert query(database, by_day) == [("2024-01-24", "published", PUBLISHED_DAY), ("2024-02-29", "draft", DRAFT_DAY)]
    # Every draft is the offline summarizer's: its Generation is the entry's machine text, flagged for the desk.
    drafted = """SELECT g.backend, s.machine_state, count(*) FROM papers_summary s
                 JOIN papers_generation g ON g.id = s.generation_id WHERE s.status = 'draft' GROUP BY 1, 2"""
    assert query(database, drafted) == [("offline", "flagged", DRAFT_DAY)]
    assert query(database, "SELECT count(*) FROM papers_authorship") == [(SEED_AUTHORSHIPS,)]


def test_demo_prints_logins_for_an_admin_an_editor_and_a_reviewer_in_their_groups(demo_database):
    database, run = demo_database
    printed = logins(run.out)
    assert sorted(printed) == ["admin", "editor", "reviewer"]
    users = {name: (staff, superuser, password) for name, staff, superuser, password in
             query(database, "SELECT username, is_staff, is_superuser, password FROM auth_user")}
    assert {name: flags[:2] for name, flags in users.items()} == {
        "admin": (1, 1), "editor": (1, 0), "reviewer": (1, 0),
    }
    for username, password in printed.values():
        assert PBKDF2PasswordHasher().verify(password, users[username][2]), username
    groups = """SELECT u.username, g.name FROM auth_user u JOIN auth_user_groups ug ON ug.user_id = u.id
                JOIN auth_group g ON g.id = ug.group_id ORDER BY u.username"""
    assert query(database, groups) == [("editor", "Editor"), ("reviewer", "Reviewer")]


def test_demo_run_again_changes_nothing_and_keeps_what_the_desk_published(demo_database, tmp_path):
    database = tmp_path / "again.sqlite3"
    shutil.copy(demo_database[0], database)
    # A reviewer published one entry of the draft day (its text as the desk left it).
    [(summary_id, tldr)] = query(database, """SELECT s.id, s.tldr FROM papers_summary s JOIN papers_paper p
                                              ON p.id = s.paper_id WHERE p.arxiv_id = '2402.19474'""")
    with sqlite3.connect(database) as db:
        db.execute("UPDATE papers_summary SET status = 'published', tldr = 'edited' WHERE id = ?", (summary_id,))

    again = manage("demo", database=database)
    assert again.code == 0, again.err
    assert again.out.splitlines()[:3] == [
        f"published day: 0 created, 0 updated, {PUBLISHED_DAY} unchanged, 0 failed (import batch #3)",
        f"draft day: 0 created, 0 updated, {DRAFT_DAY} unchanged, 0 failed (import batch #4)",
        f"to review: the digest of 2024-02-29 (all topics, draft), {DRAFT_DAY} entries; 0 drafted by the offline "
        "summarizer this run",
    ]
    assert tldr != "edited"
    assert query(database, f"SELECT status, tldr FROM papers_summary WHERE id = {summary_id}") == [("published", "edited")]
    assert query(database, "SELECT status, count(*) FROM papers_summary GROUP BY status ORDER BY status") == [
        ("draft", DRAFT_DAY - 1), ("published", PUBLISHED_DAY + 1),
    ]
    assert query(database, "SELECT count(*) FROM papers_generation WHERE backend = 'offline'") == [(DRAFT_DAY,)]
    assert query(database, "SELECT count(*) FROM auth_user") == [(3,)]
    assert query(database, "SELECT count(*) FROM auth_user_groups") == [(2,)]
    assert logins(again.out).keys() == {"admin", "editor", "reviewer"}
    assert logins(again.out) != logins(demo_database[1].out)  # new passwords each run
