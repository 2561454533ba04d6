"""Every night the index pages' published counts are recounted (papers.recount_published).

The writes that publish, withdraw and edit keep the counts; the recount
repairs whatever reached the tables another way (raw SQL, a restore, a race).
"""
from django.db import migrations

NAME = "Recount published papers per topic, tag and author"
TASK = "papers.recount_published"


def add_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(minute="40", hour="3", day_of_week="*", day_of_month="*",
                                                       month_of_year="*", timezone="UTC")
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": TASK, "crontab": nightly, "kwargs": "{}",
                                                            "queue": "default"})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME, task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [("papers", "0030_published_counts"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(add_schedule, remove_schedule)]
