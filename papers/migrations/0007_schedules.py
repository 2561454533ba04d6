"""The periodic work, as rows the admin can edit (django-celery-beat)."""
import json

from django.db import migrations


def add_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.get_or_create(
        name="Publish what is scheduled", defaults={"task": "editorial.publish_scheduled", "interval": every_minute},
    )
    # arXiv announces new papers around 00:00 UTC; fetch a little after.
    daily, _ = CrontabSchedule.objects.get_or_create(minute="30", hour="1", day_of_week="*", day_of_month="*",
                                                     month_of_year="*", timezone="UTC")
    PeriodicTask.objects.get_or_create(
        name="Fetch new arXiv papers (default query)",
        defaults={"task": "papers.fetch_arxiv", "crontab": daily, "kwargs": json.dumps({"query_name": "default"}),
                  "queue": "fetch"},
    )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=["Publish what is scheduled", "Fetch new arXiv papers (default query)"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("papers", "0006_machine_state"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(add_schedules, remove_schedules)]
