import django.contrib.postgres.search
from django.db import migrations


def create_gin_index(apps, schema_editor):
    # GIN exists only on PostgreSQL; SQLite searches without a vector (papers.search).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE INDEX IF NOT EXISTS papers_paper_search_gin ON papers_paper USING gin (search_vector)")


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS papers_paper_search_gin")


class Migration(migrations.Migration):
    dependencies = [("papers", "0002_seed_topics")]

    operations = [
        migrations.AddField(
            model_name="paper",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(create_gin_index, drop_gin_index),
    ]
