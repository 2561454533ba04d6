"""Every 10 minutes, running imports whose process is gone are marked interrupted (papers.mark_interrupted_imports).

The next import and the desk's dashboard do the same; the schedule catches
them when neither comes.
"""
from django.db import migrations

NAME = "Mark interrupted imports"
TASK = "papers.mark_interrupted_imports"


def add_check(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_ten, _ = CrontabSchedule.objects.get_or_create(minute="*/10", hour="*", day_of_week="*", day_of_month="*",
                                                         month_of_year="*", timezone="UTC")
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": TASK, "crontab": every_ten, "kwargs": "{}",
                                                            "queue": "default"})


def remove_check(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME, task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [("papers", "0022_import_batch_process"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(add_check, remove_check)]
