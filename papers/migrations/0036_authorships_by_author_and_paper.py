# The new index is built before the one on the author alone is dropped: lookups by author always have one.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('papers', '0035_tagged_items_newest_per_tag'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='authorship',
            index=models.Index(fields=['author', 'paper'], name='papers_authorship_author_paper'),
        ),
        migrations.AlterField(
            model_name='authorship',
            name='author',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='authorships', to='papers.author', verbose_name='author'),
        ),
    ]
