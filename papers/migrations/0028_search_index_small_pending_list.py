"""The search vector's GIN index keeps a pending list of at most 128 kB instead of PostgreSQL's 4 MB.

New and changed vectors wait in the index's pending list until it is full (or a
vacuum runs), and every search reads the whole list: at a million papers, 455
pending pages made a search for a rare word several times slower.  Changing the
setting does not rebuild the index (``ALTER INDEX … SET``), so the database step
is written by hand; the state records the index as the model declares it.
"""
from django.db import migrations

import papers.models


def set_limit(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX IF EXISTS papers_paper_search_gin SET (gin_pending_list_limit = %s)"
                              % papers.models.SEARCH_PENDING_LIST_KB)


def reset_limit(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX IF EXISTS papers_paper_search_gin RESET (gin_pending_list_limit)")


class Migration(migrations.Migration):

    dependencies = [
        ("papers", "0027_paper_primary_category_unindexed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="paper", name="papers_paper_search_gin"),
                migrations.AddIndex(
                    model_name="paper",
                    index=papers.models.PostgresGinIndex(fields=["search_vector"], gin_pending_list_limit=128,
                                                         name="papers_paper_search_gin"),
                ),
            ],
            database_operations=[migrations.RunPython(set_limit, reset_limit)],
        ),
    ]
