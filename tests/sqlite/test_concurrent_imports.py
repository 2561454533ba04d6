"""Two imports of one file at once on the demo's SQLite database: both wait their turn, neither loses a record.

SQLite lets one writer at a time.  A transaction that reads first and writes
later would be refused ("database is locked") when another writer got in
between; the settings start every transaction with the write lock
(``transaction_mode=IMMEDIATE``) and wait for it (``timeout``).
"""
from __future__ import annotations

import json
import shutil

from tests.sqlite.helpers import query, start

RECORDS = 3000  # a few seconds per import, twelve batches each for the two to interleave


def snapshot_lines(n: int) -> str:
    return "".join(
        json.dumps({
            "id": f"2403.{i:05d}", "title": f"Concurrent paper {i}", "authors": f"Ann Author{i % 300}, Bob Builder",
            "abstract": f"Abstract of paper {i}, long enough to be a real one. " * 4, "categories": "cs.CL",
            "versions": [{"version": "v1", "created": "Mon, 4 Mar 2024 10:00:00 GMT"}],
            "update_date": "2024-03-04",
        }) + "\n"
        for i in range(n)
    )


def test_two_concurrent_imports_of_one_file_both_finish_with_every_record(tmp_path, demo_database):
    database = tmp_path / "demo.sqlite3"
    shutil.copy(demo_database[0], database)
    [(papers, batches)] = query(database, "SELECT (SELECT count(*) FROM papers_paper), (SELECT max(id) FROM papers_importbatch)")
    source = tmp_path / "snapshot.jsonl"
    source.write_text(snapshot_lines(RECORDS), encoding="utf-8")

    runs = [start("import_papers", str(source), "--batch-size", "250", database=database) for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]

    for run, (out, err) in zip(runs, outputs):
        assert "database is locked" not in err
        assert run.returncode == 0, err[-3000:]
        created, updated, unchanged, failed = map(int, out.splitlines()[-2].split()[1:])  # the "total" row
        assert failed == 0
        assert created + updated + unchanged == RECORDS
    assert query(database, "SELECT count(*) FROM papers_paper") == [(papers + RECORDS,)]
    assert query(database, f"SELECT state, failed FROM papers_importbatch WHERE id > {batches}") == [("done", 0), ("done", 0)]
    assert query(database, f"SELECT count(*) FROM papers_recorderror WHERE batch_id > {batches}") == [(0,)]
