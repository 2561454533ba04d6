"""Topic aliases (a digest's categories → the site's topics), seeded with common names; notes on import batches."""
import django.db.models.deletion
from django.db import migrations, models


# Names the digest family and other sources use for the seeded topics (their slugs and names match already).
ALIASES = [
    ("大模型", "llm"), ("大语言模型", "llm"), ("Large Language Models", "llm"),
    ("大模型理论", "llm-theory"), ("LLM 理论", "llm-theory"),
    ("大模型应用", "llm-applications"), ("LLM 应用", "llm-applications"),
    ("智能体", "agent"), ("AI Agent", "agent"),
    ("检索增强", "rag"), ("检索增强生成", "rag"), ("Retrieval-Augmented Generation", "rag"),
]


def add_aliases(apps, schema_editor):
    Topic, TopicAlias = apps.get_model("papers", "Topic"), apps.get_model("papers", "TopicAlias")
    topics = {t.slug: t for t in Topic.objects.filter(slug__in={slug for _, slug in ALIASES})}
    TopicAlias.objects.bulk_create(
        [TopicAlias(name=name, topic=topics[slug]) for name, slug in ALIASES if slug in topics], ignore_conflicts=True
    )


class Migration(migrations.Migration):

    dependencies = [
        ('papers', '0015_search_index_in_state'),
    ]

    operations = [
        migrations.AlterField(
            model_name='recorderror',
            name='level',
            field=models.CharField(choices=[('error', 'Error'), ('warning', 'Warning'), ('note', 'Note')], default='error', max_length=10),
        ),
        migrations.CreateModel(
            name='TopicAlias',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The category as sources write it (any case).', max_length=100, unique=True)),
                ('topic', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='aliases', to='papers.topic')),
            ],
            options={
                'verbose_name_plural': 'topic aliases',
                'ordering': ['name'],
            },
        ),
        migrations.RunPython(add_aliases, migrations.RunPython.noop),
    ]
