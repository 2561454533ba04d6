"""A failed announcement fetch is tried again every half hour until it succeeds.

The task (papers.retry_announcements) does nothing unless the newest day in the
ledger failed, so running it often costs nothing on a good day.
"""
from django.db import migrations

NAME = "Retry a failed announcement fetch"
TASK = "papers.retry_announcements"


def add_retry(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    half_hourly, _ = CrontabSchedule.objects.get_or_create(minute="*/30", hour="*", day_of_week="*", day_of_month="*",
                                                           month_of_year="*", timezone="UTC")
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": TASK, "crontab": half_hourly, "kwargs": "{}",
                                                            "queue": "fetch"})


def remove_retry(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME, task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [("papers", "0020_fetch_day_ledger"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(add_retry, remove_retry)]
