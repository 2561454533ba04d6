"""The site's sections, as the seed digests name them."""
from django.db import migrations

TOPICS = [
    # slug, Chinese name, English name, position
    ("llm", "LLM", "LLM", 10),
    ("llm-theory", "LLM理论", "LLM Theory", 20),
    ("llm-applications", "LLM应用", "LLM Applications", 30),
    ("agent", "Agent", "Agents", 40),
    ("rag", "RAG", "RAG", 50),
]


def add_topics(apps, schema_editor):
    Topic = apps.get_model("papers", "Topic")
    for slug, name_zh, name_en, position in TOPICS:
        Topic.objects.update_or_create(slug=slug, defaults={"name_zh": name_zh, "name_en": name_en, "position": position})


def remove_topics(apps, schema_editor):
    apps.get_model("papers", "Topic").objects.filter(slug__in=[t[0] for t in TOPICS], papers__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("papers", "0001_initial")]
    operations = [migrations.RunPython(add_topics, remove_topics)]
