"""The mail's periodic work, as rows the admin can edit (django-celery-beat).

Daily mail needs no schedule: it goes out when a day's digest is published.
"""
from django.db import migrations

WEEKLY, SWEEP = "Send the weekly e-mail digests", "Send e-mail left unsent"


def add_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # Mondays 07:00 UTC: the week before is complete, and its last digests (Friday's) are long published.
    monday, _ = CrontabSchedule.objects.get_or_create(minute="0", hour="7", day_of_week="1", day_of_month="*",
                                                      month_of_year="*", timezone="UTC")
    PeriodicTask.objects.get_or_create(
        name=WEEKLY, defaults={"task": "subscriptions.send_week", "crontab": monday, "queue": "mail"})
    every_ten_minutes, _ = IntervalSchedule.objects.get_or_create(every=10 * 60, period="seconds")
    PeriodicTask.objects.get_or_create(
        name=SWEEP, defaults={"task": "subscriptions.send_pending", "interval": every_ten_minutes, "queue": "mail"})


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[WEEKLY, SWEEP]).delete()


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0001_subscriptions_and_deliveries"),
                    ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(add_schedules, remove_schedules)]
