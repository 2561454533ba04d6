"""papers/migrations: the schema the models declare is the one the database holds, on each database we run."""
from __future__ import annotations

import importlib
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper

from papers.models import Paper

pytestmark = pytest.mark.django_db


def normalized(sql: str) -> str:
    sql = re.sub(r"\s*=\s*'?(\w+)'?", r" = \1", sql)  # PostgreSQL quotes a storage parameter's value
    sql = re.sub(r"WHERE \((.*)\)\s*$", r"WHERE \1", sql)  # and puts a partial index's condition in parentheses
    return re.sub(r"\s+", " ", sql.replace('"', "").replace("public.", "")).strip()


def test_the_declared_search_index_is_the_one_the_migrations_created():
    [index] = Paper._meta.indexes
    with connection.schema_editor(collect_sql=True) as editor:
        declared = str(index.create_sql(Paper, editor))
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Paper._meta.db_table)
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [index.name])
        [(actual,)] = cursor.fetchall()
    assert constraints[index.name]["columns"] == ["search_vector"] and constraints[index.name]["type"] == "gin"
    assert normalized(declared) == normalized(actual) == (
        "CREATE INDEX papers_paper_search_gin ON papers_paper USING gin (search_vector)"
        " WITH (gin_pending_list_limit = 128)"  # every search reads the pending list: a small one
        " WHERE search_vector IS NOT NULL")  # a paper without a vector is never found by a search


def test_a_search_is_planned_on_the_index_of_papers_with_a_vector():
    """The index leaves out papers without a vector; a search's ``@@`` implies one, so the planner still uses it."""
    from papers.site import search

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: the planner would read the table anyway
        plan = search.matching(Paper.objects.all(), "relation").explain()
    assert "papers_paper_search_gin" in plan


def test_sqlite_gets_no_gin_index_even_when_a_table_is_rebuilt():
    sqlite = SQLiteWrapper({**connection.settings_dict, "ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:",
                            "OPTIONS": {}})
    try:
        with sqlite.schema_editor() as editor:
            editor.create_model(Paper)  # what a rebuild of the table does: the table with its declared indexes
            editor.remove_index(Paper, Paper._meta.indexes[0])
        with sqlite.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'papers_paper'")
            assert "papers_paper_search_gin" not in {name for (name,) in cursor.fetchall()}
    finally:
        sqlite.close()


def test_migration_0014_names_the_databases_it_supports():
    migration = importlib.import_module("papers.migrations.0014_authorship_composite_key")
    operation = migration.run({"postgresql": ["SELECT 1"], "sqlite": ["SELECT 1"]})
    editor = SimpleNamespace(connection=SimpleNamespace(vendor="mysql"), execute=lambda sql: None)
    with pytest.raises(NotImplementedError, match=r"postgresql and sqlite only, and this database is mysql"):
        operation(None, editor)


@pytest.mark.django_db(transaction=True)
def test_going_back_before_the_moved_entry_trigger_leaves_entries_writable():
    """0038's function reads a transition table only its own UPDATE trigger names: unapplied, 0037's comes back."""
    from django.core.management import call_command

    from papers.models import Summary
    from tests.factories import SummaryFactory

    summary = SummaryFactory(published=False)
    try:
        call_command("migrate", "papers", "0037", verbosity=0)
        Summary.objects.filter(pk=summary.pk).update(status="published")  # failed: "before_change" does not exist
        with connection.cursor() as cursor:
            cursor.execute("SELECT on_site FROM papers_paper WHERE id = %s", [summary.paper_id])
            assert cursor.fetchone() == (True,)
    finally:
        call_command("migrate", "papers", verbosity=0)


def test_a_papers_search_vector_is_kept_in_its_row():
    """A search tests vectors paper after paper, newest first: each one read from its row, none from TOAST.

    A vector of a few kB, past PostgreSQL's default 2 kB, would be moved to the TOAST table otherwise.
    """
    import hashlib

    from papers.services.search_index import index_papers
    from tests.factories import PaperFactory

    words = " ".join(hashlib.md5(str(i).encode()).hexdigest()[:9] for i in range(220))  # distinct, incompressible
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = 'papers_paper'::regclass")
        toast = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {toast}")
        chunks_before = cursor.fetchone()[0]
        paper = PaperFactory(abstract=words)
        index_papers([paper.pk])
        cursor.execute("SELECT pg_column_size(search_vector) FROM papers_paper WHERE id = %s", [paper.pk])
        vector_size = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {toast}")
        chunks_after = cursor.fetchone()[0]
    assert vector_size > 3000  # well past the default target: the vector alone would have gone out of the row
    assert chunks_after == chunks_before
