"""Celery tasks of the desk: thin, they call editorial.workflow."""
from celery import shared_task

from editorial.workflow import publish_due


@shared_task(name="editorial.publish_scheduled", acks_late=True)
def publish_scheduled() -> int:
    """Publish what is approved and due; safe to run twice (state is checked under lock)."""
    return len(publish_due())
