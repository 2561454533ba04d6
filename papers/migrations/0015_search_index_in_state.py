"""The search vector's GIN index, declared in ``Paper.Meta``.

Migration 0003 created it with SQL on PostgreSQL (and nothing on SQLite);
this records the same index in the migration state, so the model says what
the database holds, without touching the database.
"""
from django.db import migrations

import papers.models


class Migration(migrations.Migration):

    dependencies = [
        ("papers", "0014_authorship_composite_key"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="paper",
                    index=papers.models.PostgresGinIndex(fields=["search_vector"], name="papers_paper_search_gin"),
                ),
            ],
        ),
    ]
