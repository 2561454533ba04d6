"""A paper's earlier texts (django-simple-history), and the entries whose English source changed in a new version."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('papers', '0017_fetch_announcements_schedule'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='summary',
            name='source_change',
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.CreateModel(
            name='HistoricalPaper',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('arxiv_id', models.CharField(db_index=True, max_length=40)),
                ('version', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('title', models.TextField()),
                ('abstract', models.TextField(blank=True)),
                ('comments', models.TextField(blank=True)),
                ('journal_ref', models.TextField(blank=True)),
                ('doi', models.CharField(blank=True, max_length=200)),
                ('license', models.CharField(blank=True, max_length=200)),
                ('categories', models.JSONField(blank=True, default=list)),
                ('primary_category', models.CharField(blank=True, db_index=True, max_length=40)),
                ('published', models.DateField(blank=True, db_index=True, null=True)),
                ('updated', models.DateField(blank=True, null=True)),
                ('code_url', models.URLField(blank=True, max_length=500)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('topic', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='papers.topic')),
            ],
            options={
                'verbose_name': 'historical paper',
                'verbose_name_plural': 'historical papers',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
    ]
