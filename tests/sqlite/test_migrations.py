"""The migrations on SQLite, on the demo's data: 0014's table rebuild, backwards and forwards."""
from __future__ import annotations

import shutil

from tests.sqlite.helpers import SEED_AUTHORSHIPS, SEED_PAPERS, manage, query
from tests.sqlite.test_demo import PUBLISHED_DAY

AUTHORSHIPS = "SELECT paper_id, author_id, position FROM papers_authorship ORDER BY paper_id, position"


def schema(database, table: str | None = None) -> list[tuple]:
    """Every table and index (or one table's) as SQLite stores its definition."""
    where = f"WHERE tbl_name = '{table}'" if table else ""
    return query(database, f"SELECT type, name, tbl_name, sql FROM sqlite_master {where} ORDER BY type, name")


def test_authorship_key_migration_goes_back_to_0013_and_forwards_again_with_the_demo_data(demo_database, tmp_path):
    demo = demo_database[0]
    database = tmp_path / "roundtrip.sqlite3"
    shutil.copy(demo, database)
    authorships = query(database, AUTHORSHIPS)
    assert len(authorships) == SEED_AUTHORSHIPS

    back = manage("migrate", "papers", "0013", database=database)
    assert back.code == 0, back.err
    assert "Unapplying papers.0014_authorship_composite_key... OK" in back.out
    # The table as 0013 had it, to the letter: what Django's own migrations build on an empty database.
    reference = tmp_path / "at-0013.sqlite3"
    assert manage("migrate", "papers", "0013", database=reference).code == 0
    assert schema(database, "papers_authorship") == schema(reference, "papers_authorship")
    assert query(database, AUTHORSHIPS) == authorships
    ids = query(database, "SELECT count(DISTINCT id), min(id), max(id) FROM papers_authorship")
    assert ids == [(SEED_AUTHORSHIPS, 1, SEED_AUTHORSHIPS)]

    # Forwards again the way a demo database from before 0014 would be: `make demo` migrates, then imports.
    again = manage("demo", database=database)
    assert again.code == 0, again.err
    assert again.out.splitlines()[:2] == [
        f"published day: 0 created, 0 updated, {PUBLISHED_DAY} unchanged, 0 failed (import batch #3)",
        f"draft day: 0 created, 0 updated, {SEED_PAPERS - PUBLISHED_DAY} unchanged, 0 failed (import batch #4)",
    ]
    assert schema(database) == schema(demo)  # every table and index as a fresh migrate leaves them
    assert query(database, AUTHORSHIPS) == authorships
