"""Celery tasks for papers: thin, they load ids and call services."""
from celery import shared_task

from papers.models import Paper
from papers.services.generation import summary_generate


@shared_task(name="papers.summarize_paper", acks_late=True, reject_on_worker_lost=True)
def summarize_paper(paper_id: int, force: bool = False) -> int | None:
    """Idempotent: the same input is not summarized twice unless forced."""
    paper = Paper.objects.filter(pk=paper_id).first()
    if paper is None:
        return None
    generation = summary_generate(paper=paper, force=force)
    return generation.pk if generation else None
